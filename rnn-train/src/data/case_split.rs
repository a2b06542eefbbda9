//! Splitting labelled sequences into training, validation and test parts.
//!
//! Cases (long format) are independent recordings, so they are split per
//! class (stratified, as scikit-learn's `train_test_split(stratify=y)`)
//! with a seeded shuffle; a split column, when given, decides the test part
//! instead. Windows of one series overlap, so they are split by time as
//! the regression samples are (test last, validation just before it).

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::cases::{Grouping, LabelError, Labelled, Part};
use super::split::TestSize;
use crate::error::{Result, TrainError};

/// Indices into [`Labelled::sequences`] of each part, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseSplit {
    /// Training sequences (never empty).
    pub train: Vec<usize>,
    /// Validation sequences (may be empty).
    pub val: Vec<usize>,
    /// Test sequences (never empty).
    pub test: Vec<usize>,
}

/// Splits `data`: the test part from its split column if it has one, else
/// `test` of the sequences (stratified and seeded for cases, the last ones
/// for windows); then `val_fraction` of the rest for validation, the same
/// way.
///
/// # Errors
/// [`TrainError::InvalidOption`] for a validation fraction outside
/// `[0, 1)`, a test fraction outside `(0, 1)` or a test count not below
/// the number of sequences; [`LabelError::EmptyPart`]
/// when training or test would be empty; [`LabelError::UnseenClass`] for a
/// test sequence of a class no training sequence has.
pub fn split(
    data: &Labelled,
    grouping: &Grouping,
    test: TestSize,
    val_fraction: f64,
    seed: u64,
) -> Result<CaseSplit> {
    if !(0.0..1.0).contains(&val_fraction) {
        return Err(TrainError::InvalidOption {
            option: "--val-fraction",
            reason: format!("must be in [0, 1), got {val_fraction}"),
        });
    }
    let n = data.sequences.len();
    let by_time = matches!(grouping, Grouping::Windows(_));
    let all: Vec<usize> = (0..n).collect();
    let has_parts = data.sequences.iter().any(|s| s.part.is_some());
    let (rest, test_part, how) = if has_parts {
        let (test, rest): (Vec<usize>, Vec<usize>) = all
            .iter()
            .partition(|&&k| data.sequences[k].part == Some(Part::Test));
        (rest, test, "from the split column".to_string())
    } else {
        let fraction = match test {
            TestSize::Fraction(f) if f > 0.0 && f < 1.0 => f,
            TestSize::Count(c) if c >= n => {
                return Err(TrainError::InvalidOption {
                    option: "--test-size",
                    reason: format!("{c} sequences for the test part, but the data has {n}"),
                })
            }
            TestSize::Count(c) => c as f64 / n as f64,
            _ => {
                return Err(TrainError::InvalidOption {
                    option: "--test-size",
                    reason: format!("a fraction must be in (0, 1), got {test}"),
                })
            }
        };
        let (rest, taken) = take(data, &all, fraction, by_time, seed);
        let how = format!("--test-size {test} took {}", taken.len());
        (rest, taken, how)
    };
    let (train, val) = take(data, &rest, val_fraction, by_time, seed ^ 0x5EED);
    if train.is_empty() {
        return Err(LabelError::EmptyPart {
            part: "training",
            reason: format!("{} sequences, {how}", n),
        }
        .into());
    }
    if test_part.is_empty() {
        return Err(LabelError::EmptyPart {
            part: "test",
            reason: format!("{} sequences, {how}", n),
        }
        .into());
    }
    let trained: Vec<bool> = (0..data.classes.len())
        .map(|c| train.iter().any(|&k| data.sequences[k].label == c))
        .collect();
    if let Some(&k) = test_part
        .iter()
        .find(|&&k| !trained[data.sequences[k].label])
    {
        let s = &data.sequences[k];
        return Err(LabelError::UnseenClass {
            case: s.id.clone(),
            class: data.classes[s.label].clone(),
        }
        .into());
    }
    Ok(CaseSplit {
        train,
        val,
        test: test_part,
    })
}

/// Splits `from` into (kept, taken): `fraction` of it taken, the last ones
/// by time, or per class from a seeded shuffle (rounded per class, so
/// every class keeps at least one sequence when it has two or more).
fn take(
    data: &Labelled,
    from: &[usize],
    fraction: f64,
    by_time: bool,
    seed: u64,
) -> (Vec<usize>, Vec<usize>) {
    let count = |n: usize| ((fraction * n as f64).round() as usize).min(n.saturating_sub(1));
    if by_time {
        let keep = from.len() - count(from.len());
        return (from[..keep].to_vec(), from[keep..].to_vec());
    }
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut taken = Vec::new();
    for class in 0..data.classes.len() {
        let mut members: Vec<usize> = from
            .iter()
            .copied()
            .filter(|&k| data.sequences[k].label == class)
            .collect();
        members.shuffle(&mut rng);
        taken.extend_from_slice(&members[..count(members.len())]);
    }
    taken.sort_unstable();
    let kept = from
        .iter()
        .copied()
        .filter(|k| taken.binary_search(k).is_err())
        .collect();
    (kept, taken)
}
