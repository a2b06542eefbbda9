//! Chronological train | validation | test split of a series' samples.
//!
//! Sample `k` (see [`crate::data::window`]) takes rows `k .. k + window` as
//! input and row `k + window + horizon - 1` as target. The samples are split
//! by time into three contiguous parts, test last; nothing is shuffled across
//! parts. Targets never overlap between parts; the first validation and test
//! windows take the rows just before their part as input context, as is the
//! usual practice (those rows are inputs, never targets, of the later part).
//!
//! The validation part is the last fraction of the samples before the test
//! part, as Keras `validation_split` takes the last fraction of the data.

use std::ops::Range;

use crate::error::{Result, TrainError};

/// How many samples form the test split.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TestSize {
    /// Exactly this many samples (the last ones).
    Count(usize),
    /// This fraction of all samples, in `(0, 1)`, rounded to the nearest
    /// count and at least 1.
    Fraction(f64),
}

impl std::str::FromStr for TestSize {
    type Err = String;

    /// `"200"` is a count, `"0.1"` a fraction (anything with a `.` or `e`).
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if s.contains(['.', 'e', 'E']) {
            let f: f64 = s
                .parse()
                .map_err(|e| format!("{s:?} is not a number: {e}"))?;
            if f > 0.0 && f < 1.0 {
                Ok(TestSize::Fraction(f))
            } else {
                Err(format!(
                    "a fraction must be strictly between 0 and 1, got {s}"
                ))
            }
        } else {
            let n: usize = s
                .parse()
                .map_err(|e| format!("{s:?} is not a sample count: {e}"))?;
            if n == 0 {
                Err("the test split needs at least 1 sample".to_string())
            } else {
                Ok(TestSize::Count(n))
            }
        }
    }
}

impl std::fmt::Display for TestSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TestSize::Count(n) => write!(f, "{n}"),
            TestSize::Fraction(x) => write!(f, "{x}"),
        }
    }
}

/// Sample index ranges of the three parts, in time order; `train.end ==
/// val.start`, `val.end == test.start`, `test.end` = number of samples.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    /// Training samples (never empty).
    pub train: Range<usize>,
    /// Validation samples (empty without validation).
    pub val: Range<usize>,
    /// Test samples (never empty).
    pub test: Range<usize>,
    /// Timesteps per window.
    pub window: usize,
    /// Steps from the last input row to the target row (1 = next row).
    pub horizon: usize,
}

impl Split {
    /// Splits the samples of a series of `rows` rows.
    ///
    /// `horizon` 0 makes the window's last row its target row (for
    /// sequence-to-sequence targets at the same rows, [`crate::seq2seq`];
    /// `train` refuses it for other models).
    ///
    /// # Errors
    /// [`TrainError::InvalidOption`] for `window` 0 or a
    /// validation fraction outside `[0, 1)`; [`TrainError::WindowTooLong`]
    /// when `rows < window + horizon`; [`TrainError::TestTooLarge`] when the
    /// test split would take every sample; [`TrainError::NoTrainingSamples`]
    /// when validation takes the rest.
    pub fn new(
        rows: usize,
        window: usize,
        horizon: usize,
        val_fraction: f64,
        test: TestSize,
    ) -> Result<Split> {
        if window == 0 {
            return Err(invalid("--window", "must be at least 1 timestep"));
        }
        if !(0.0..1.0).contains(&val_fraction) {
            return Err(invalid(
                "--val-fraction",
                format!("must be in [0, 1), got {val_fraction}"),
            ));
        }
        let needed = window + horizon;
        if rows < needed {
            return Err(TrainError::WindowTooLong {
                window,
                horizon,
                needed,
                rows,
            });
        }
        let samples = rows - needed + 1;
        let n_test = match test {
            TestSize::Count(n) => n,
            TestSize::Fraction(f) => ((f * samples as f64).round() as usize).max(1),
        };
        if n_test >= samples {
            return Err(TrainError::TestTooLarge {
                test: n_test,
                samples,
                window,
                horizon,
            });
        }
        let before = samples - n_test;
        // Keras: split_at = int(n * (1 - validation_split)).
        let n_train = (before as f64 * (1.0 - val_fraction)) as usize;
        if n_train == 0 {
            return Err(TrainError::NoTrainingSamples {
                fraction: val_fraction,
                available: before,
            });
        }
        Ok(Split {
            train: 0..n_train,
            val: n_train..before,
            test: before..samples,
            window,
            horizon,
        })
    }

    /// Total number of samples.
    pub fn samples(&self) -> usize {
        self.test.end
    }

    /// Row index of sample `k`'s target.
    pub fn target_row(&self, k: usize) -> usize {
        k + self.window + self.horizon - 1
    }

    /// Every row a training sample reads, as input or target: the rows the
    /// scaler is fitted on.
    pub fn train_rows(&self) -> Range<usize> {
        0..self.target_row(self.train.end - 1) + 1
    }
}

fn invalid(option: &'static str, reason: impl Into<String>) -> TrainError {
    TrainError::InvalidOption {
        option,
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lecture_stock_split_has_200_test_samples() {
        // 2148 rows, window 30, horizon 1: 2118 samples.
        let s = Split::new(2148, 30, 1, 0.0, TestSize::Count(200)).unwrap();
        assert_eq!(s.samples(), 2118);
        assert_eq!(s.test, 1918..2118);
        assert_eq!(s.val, 1918..1918);
        assert_eq!(
            s.target_row(s.test.start),
            1948,
            "test targets are the last 200 rows"
        );
        assert_eq!(s.train_rows(), 0..1948);
    }

    #[test]
    fn validation_is_the_last_fraction_before_test_as_keras() {
        let s = Split::new(111, 10, 2, 0.25, TestSize::Fraction(0.1)).unwrap();
        // 100 samples; 10 test; int(90 * 0.75) = 67 train.
        assert_eq!((s.train, s.val, s.test), (0..67, 67..90, 90..100));
    }

    #[test]
    fn errors_name_the_problem() {
        assert!(matches!(
            Split::new(10, 10, 1, 0.0, TestSize::Count(1)),
            Err(TrainError::WindowTooLong {
                needed: 11,
                rows: 10,
                ..
            })
        ));
        assert!(matches!(
            Split::new(20, 10, 1, 0.0, TestSize::Count(11)),
            Err(TrainError::TestTooLarge {
                test: 11,
                samples: 10,
                ..
            })
        ));
        assert!(matches!(
            Split::new(20, 10, 1, 0.5, TestSize::Count(9)),
            Err(TrainError::NoTrainingSamples { available: 1, .. })
        ));
        assert!(Split::new(20, 0, 1, 0.0, TestSize::Count(1)).is_err());
        // Horizon 0 (sequence-to-sequence targets at the input rows): the
        // window's last row is its target row.
        let same_row = Split::new(20, 1, 0, 0.0, TestSize::Count(1)).unwrap();
        assert_eq!((same_row.samples(), same_row.target_row(3)), (20, 3));
        assert!(Split::new(20, 1, 1, 1.0, TestSize::Count(1)).is_err());
    }

    #[test]
    fn test_size_parses_counts_and_fractions() {
        assert_eq!("200".parse(), Ok(TestSize::Count(200)));
        assert_eq!("0.1".parse(), Ok(TestSize::Fraction(0.1)));
        assert!("0".parse::<TestSize>().is_err());
        assert!("1.5".parse::<TestSize>().is_err());
        assert!("x".parse::<TestSize>().is_err());
    }

    proptest! {
        #[test]
        fn parts_are_contiguous_in_time_order_and_targets_disjoint(
            rows in 2usize..500, window in 1usize..40, horizon in 1usize..5,
            val in 0.0f64..0.9, test in 1usize..100,
        ) {
            if let Ok(s) = Split::new(rows, window, horizon, val, TestSize::Count(test)) {
                prop_assert_eq!(s.train.start, 0);
                prop_assert!(!s.train.is_empty() && !s.test.is_empty());
                prop_assert_eq!(s.train.end, s.val.start);
                prop_assert_eq!(s.val.end, s.test.start);
                prop_assert_eq!(s.target_row(s.test.end - 1), rows - 1, "the last row is the last test target");
                prop_assert_eq!(s.test.len(), test);
                prop_assert!(s.train_rows().end <= s.target_row(s.test.start), "training never reads a test target");
            }
        }
    }
}
