//! Class weights of a classifier's training loss: Keras's `class_weight`
//! argument of `Model.fit`, as `balanced` (scikit-learn's
//! `compute_class_weight("balanced")`) or given per class name.
//!
//! A class weight `w` multiplies the cross-entropy (softmax or binary) of
//! every training sequence of that class (its target carries `w`:
//! [`crate::head::Head::target`]); the batch loss stays the mean over the batch's
//! sequences (Keras's `sum_over_batch_size`, which divides by the batch
//! size, not by the weights' sum). The validation loss (early stopping) is
//! not weighted, as in Keras, where `class_weight` applies to the training
//! data only.

use std::str::FromStr;

use crate::error::{Result, TrainError};

/// How the classes of a classifier's training loss are weighted.
#[derive(Clone, Debug, PartialEq)]
pub enum ClassWeight {
    /// `n / (k · n_c)` for class `c` with `n_c` of the `n` training
    /// sequences and `k` classes: every class adds the same total weight
    /// (scikit-learn's `"balanced"`).
    Balanced,
    /// Given weights by class name; a class not named weighs 1.
    Given(Vec<(String, f64)>),
}

impl FromStr for ClassWeight {
    type Err = String;

    /// `balanced`, or `NAME=WEIGHT` pairs separated by commas
    /// (`walking=2,standing=0.5`); each weight finite and above 0.
    ///
    /// # Errors
    /// A message naming the malformed pair or weight.
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if s == "balanced" {
            return Ok(ClassWeight::Balanced);
        }
        let pairs =
            s.split(',')
                .map(|pair| {
                    let (name, weight) = pair.rsplit_once('=').ok_or_else(|| {
                        format!("{pair:?} is not NAME=WEIGHT (or use `balanced`)")
                    })?;
                    let w: f64 = weight.trim().parse().map_err(|_| {
                        format!("weight {weight:?} of class {name:?} is not a number")
                    })?;
                    if !(w.is_finite() && w > 0.0) {
                        return Err(format!(
                            "weight {w} of class {name:?} must be finite and above 0"
                        ));
                    }
                    Ok((name.trim().to_string(), w))
                })
                .collect::<std::result::Result<Vec<_>, String>>()?;
        Ok(ClassWeight::Given(pairs))
    }
}

impl ClassWeight {
    /// The weight of each class, in the order of `classes`, for training
    /// sequences labelled `train_labels` (indices into `classes`).
    ///
    /// # Errors
    /// [`TrainError::InvalidOption`] (`--class-weight`) for a name that is
    /// not one of `classes` or named twice, and for `balanced` when a class
    /// has no training sequence (its weight would be infinite).
    pub fn resolve(&self, classes: &[String], train_labels: &[usize]) -> Result<Vec<f64>> {
        let invalid = |reason: String| TrainError::InvalidOption {
            option: "--class-weight",
            reason,
        };
        match self {
            ClassWeight::Balanced => {
                let k = classes.len();
                let mut counts = vec![0usize; k];
                for &l in train_labels {
                    if let Some(c) = counts.get_mut(l) {
                        *c += 1;
                    }
                }
                let n = train_labels.len() as f64;
                classes
                    .iter()
                    .zip(&counts)
                    .map(|(name, &count)| match count {
                        0 => Err(invalid(format!(
                            "`balanced` needs every class in the training part; class {name:?} has no training sequence"
                        ))),
                        _ => Ok(n / (k as f64 * count as f64)),
                    })
                    .collect()
            }
            ClassWeight::Given(pairs) => {
                let mut weights = vec![1.0; classes.len()];
                let mut named = vec![false; classes.len()];
                for (name, w) in pairs {
                    let Some(i) = classes.iter().position(|c| c == name) else {
                        return Err(invalid(format!(
                            "{name:?} is not a class of the data (classes: {})",
                            classes.join(", ")
                        )));
                    };
                    if std::mem::replace(&mut named[i], true) {
                        return Err(invalid(format!("class {name:?} is given twice")));
                    }
                    weights[i] = *w;
                }
                Ok(weights)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn balanced_matches_scikit_learn() {
        // compute_class_weight("balanced", classes=[0, 1, 2], y=[0, 0, 0, 1, 2, 2])
        // = 6 / (3 · [3, 1, 2]) = [2/3, 2, 1].
        let w = ClassWeight::Balanced
            .resolve(&names(&["a", "b", "c"]), &[0, 0, 0, 1, 2, 2])
            .unwrap();
        assert_eq!(w, vec![2.0 / 3.0, 2.0, 1.0]);
        let missing = ClassWeight::Balanced.resolve(&names(&["a", "b"]), &[0, 0]);
        assert!(
            matches!(missing, Err(TrainError::InvalidOption { reason, .. }) if reason.contains("\"b\""))
        );
    }

    #[test]
    fn given_weights_by_name_and_one_elsewhere() {
        let spec: ClassWeight = "b=2.5, a = 0.5".parse().unwrap();
        let w = spec.resolve(&names(&["a", "b", "c"]), &[]).unwrap();
        assert_eq!(w, vec![0.5, 2.5, 1.0]);
        let unknown: ClassWeight = "d=2".parse().unwrap();
        let err = unknown.resolve(&names(&["a", "b"]), &[]).unwrap_err();
        assert!(err.to_string().contains("\"d\" is not a class"), "{err}");
        let twice: ClassWeight = "a=2,a=3".parse().unwrap();
        assert!(twice.resolve(&names(&["a"]), &[]).is_err());
    }

    #[test]
    fn malformed_specs_are_refused() {
        for bad in [
            "", "a", "a=", "a=x", "a=0", "a=-1", "a=inf", "a=NaN", "a=1,,b=2",
        ] {
            assert!(bad.parse::<ClassWeight>().is_err(), "{bad:?}");
        }
        assert_eq!("balanced".parse(), Ok(ClassWeight::Balanced));
    }
}
