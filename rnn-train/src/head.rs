//! A classifier's output head: what its last Dense layer computes, how it
//! is trained and exported, and how its outputs become class
//! probabilities.
//!
//! - [`Head::Softmax`]: Keras `Dense(K, activation="softmax")` trained on
//!   the `K` logits with `CategoricalCrossentropy(from_logits=True)`.
//! - [`Head::Sigmoid`]: for exactly two classes, Keras
//!   `Dense(1, activation="sigmoid")` trained on the one logit with
//!   `BinaryCrossentropy(from_logits=True)`. The positive class (label
//!   `t = 1`, the sigmoid's probability) is the second class in the
//!   classifier's class order (`classes[1]`; the classes are sorted by
//!   name), the first has `1 − p`.
//!
//! Either way the network trains on logits (its last Dense linear) and the
//! weight file's last layer carries the activation.

use std::path::Path;

use rnn_core::format::{ClassLabels, LayerSpec};

use crate::classes::softmax;
use crate::error::{Result, TrainError};
use crate::loss::{binary_target, Loss};

/// The output head of a classifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Head {
    /// One logit per class, softmax cross-entropy, a softmax on export.
    Softmax,
    /// Two classes, one logit, binary cross-entropy, a sigmoid on export:
    /// `p = sigmoid(z)` is the probability of the second class.
    Sigmoid,
}

impl Head {
    /// Its name on the command line and in reports: `softmax`, `sigmoid`.
    pub fn name(self) -> &'static str {
        match self {
            Head::Softmax => "softmax",
            Head::Sigmoid => "sigmoid",
        }
    }

    /// Checks that the head can classify `classes` (of the label column
    /// `column` of `path`).
    ///
    /// # Errors
    /// [`TrainError::SigmoidHeadClasses`] naming the classes found when
    /// [`Head::Sigmoid`] is given other than exactly 2.
    pub fn check(self, path: &Path, column: &str, classes: &[String]) -> Result<()> {
        match self {
            Head::Sigmoid if classes.len() != 2 => Err(TrainError::SigmoidHeadClasses {
                path: path.to_path_buf(),
                column: column.to_string(),
                found: classes.len(),
                classes: classes.join(", "),
            }),
            Head::Softmax | Head::Sigmoid => Ok(()),
        }
    }

    /// Units of the last Dense layer for `classes` classes: `classes`
    /// logits for a softmax, 1 for a sigmoid.
    pub fn units(self, classes: usize) -> usize {
        match self {
            Head::Softmax => classes,
            Head::Sigmoid => 1,
        }
    }

    /// The training loss on the head's logits.
    pub fn loss(self) -> Loss {
        match self {
            Head::Softmax => Loss::CrossEntropy,
            Head::Sigmoid => Loss::BinaryCrossEntropy,
        }
    }

    /// The activation of the exported last layer.
    pub fn activation(self) -> rnn_core::Activation {
        match self {
            Head::Softmax => rnn_core::Activation::Softmax,
            Head::Sigmoid => rnn_core::Activation::Sigmoid,
        }
    }

    /// The training target of a sequence of class `label` weighing
    /// `weight` (Keras `class_weight`; 1 unweighted), written into `row`
    /// ([`Head::units`] values). Softmax: the one-hot row scaled by
    /// `weight` (the cross-entropy against it is `weight` times that
    /// against the one-hot row, and so is its gradient). Sigmoid:
    /// [`binary_target`]`(label == 1, weight)`, the label and weight
    /// [`Loss::BinaryCrossEntropy`] reads.
    pub fn target(self, label: usize, weight: f64, row: &mut [f64]) {
        row.fill(0.0);
        match self {
            Head::Softmax => {
                if let Some(t) = row.get_mut(label) {
                    *t = weight;
                }
            }
            Head::Sigmoid => {
                if let Some(t) = row.first_mut() {
                    *t = binary_target(label == 1, weight);
                }
            }
        }
    }

    /// The class probabilities of one sequence's logits (the network's
    /// [`Head::units`] outputs): their softmax, or for a sigmoid
    /// `[1 − p, p]` with `p = sigmoid(z)` (computed without overflow).
    /// Their argmax (the first of equal ones) predicts the positive class
    /// exactly when `p > 0.5`.
    pub fn probabilities(self, logits: &[f64]) -> Vec<f64> {
        match self {
            Head::Softmax => softmax(logits),
            Head::Sigmoid => {
                let z = logits.first().copied().unwrap_or(0.0);
                let p = if z >= 0.0 {
                    1.0 / (1.0 + (-z).exp())
                } else {
                    z.exp() / (1.0 + z.exp())
                };
                vec![1.0 - p, p]
            }
        }
    }

    /// The head of a weight file with class names `classes` and last layer
    /// `last`: a Dense(1) sigmoid with 2 names is [`Head::Sigmoid`], a
    /// Dense softmax [`Head::Softmax`]; `None` for any other last layer.
    pub fn of_file(classes: &ClassLabels, last: Option<&LayerSpec>) -> Option<Head> {
        if classes.is_binary(last) {
            return Some(Head::Sigmoid);
        }
        match last {
            Some(LayerSpec::Dense {
                activation: rnn_core::Activation::Softmax,
                ..
            }) => Some(Head::Softmax),
            _ => None,
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
    fn sigmoid_needs_two_classes_and_names_them() {
        let path = Path::new("d.csv");
        assert!(Head::Sigmoid
            .check(path, "label", &names(&["a", "b"]))
            .is_ok());
        let err = Head::Sigmoid
            .check(path, "label", &names(&["a", "b", "c", "d"]))
            .unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(err, TrainError::SigmoidHeadClasses { found: 4, .. }),
            "{err:?}"
        );
        assert!(text.contains("has 4: a, b, c, d"), "{text}");
        assert!(Head::Softmax
            .check(path, "label", &names(&["a", "b", "c"]))
            .is_ok());
    }

    #[test]
    fn targets_carry_class_and_weight() {
        let mut row = [9.0; 3];
        Head::Softmax.target(2, 1.5, &mut row);
        assert_eq!(row, [0.0, 0.0, 1.5]);
        let mut one = [9.0];
        Head::Sigmoid.target(1, 2.0, &mut one);
        assert_eq!(one, [2.0]);
        Head::Sigmoid.target(0, 0.5, &mut one);
        assert_eq!(one, [-0.5]);
        assert_eq!((Head::Softmax.units(4), Head::Sigmoid.units(2)), (4, 1));
    }

    #[test]
    fn sigmoid_probabilities_are_finite_and_decide_at_one_half() {
        assert_eq!(Head::Sigmoid.probabilities(&[0.0]), vec![0.5, 0.5]);
        assert_eq!(Head::Sigmoid.probabilities(&[1e4]), vec![0.0, 1.0]);
        assert_eq!(Head::Sigmoid.probabilities(&[-1e4]), vec![1.0, 0.0]);
        let p = Head::Sigmoid.probabilities(&[2.0]);
        assert!((p[1] - 1.0 / (1.0 + (-2f64).exp())).abs() < 1e-16);
        assert!((p[0] + p[1] - 1.0).abs() < 1e-16);
        for z in [-3.0, -1e-9, 0.0, 1e-12, 0.7] {
            let p = Head::Sigmoid.probabilities(&[z]);
            assert_eq!(crate::classes::argmax(&p) == 1, p[1] > 0.5, "{z}");
        }
    }
}
