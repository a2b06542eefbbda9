//! The data contract: which CSV columns a model reads (inputs in order, the
//! target, the time column), its window and horizon, and how the series was
//! split. `train` writes it into the weight file (rnn-core format version
//! 2, [`DataContract`]); `eval` and `predict` read it back, so all three
//! use the same columns and the same test split.

use rnn_core::format::{
    ColumnName, DataContract, Metadata, SplitRecord, TestSplit, MAX_FEATURES, MAX_NAME_BYTES,
};

use crate::data::csv::{header, read_table, Table, TimeColumn};
use crate::data::split::{Split, TestSize};
use crate::error::{Result, TrainError};

/// Default input and target column when a model has no contract and none
/// is given (the bundled sea-temperature series), in °C.
pub const DEFAULT_COLUMN: &str = "temperature_c";
/// Default test split when a model has no contract and none is given.
pub const DEFAULT_TEST_SIZE: TestSize = TestSize::Fraction(0.1);

/// Fewest validation and test windows a split may have. With fewer, one
/// window is over a tenth of the mean: early stopping follows noise and the
/// verdict against persistence means little (the standard error of a mean
/// over `n` windows shrinks only as `1/sqrt(n)`).
pub const MIN_EVAL_WINDOWS: usize = 10;

/// The columns, window, horizon and split of a model's data.
#[derive(Clone, Debug, PartialEq)]
pub struct Contract {
    /// Input columns, in input-feature order.
    pub inputs: Vec<String>,
    /// Target column (may also be an input).
    pub target: String,
    /// Time column, if the CSV has one ([`TimeColumn::Auto`] in training).
    pub time: Option<String>,
    /// Past timesteps per sample.
    pub window: usize,
    /// Steps from the last input row to the target row (1 = next row).
    pub horizon: usize,
    /// Fraction of the samples before the test split used for validation.
    pub val_fraction: f64,
    /// The test split: the last samples of the series.
    pub test_size: TestSize,
}

/// A CSV read for a contract: the table and its raw (unscaled) columns.
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    /// The table as read (line numbers, time column).
    pub table: Table,
    /// Raw input columns, in the contract's input order.
    pub inputs: Vec<Vec<f64>>,
    /// Raw target column (`None` when it was optional and absent).
    pub target: Option<Vec<f64>>,
}

impl Data {
    /// The time column's cell at data row `row`, if the CSV has a time column.
    pub fn time_at(&self, row: usize) -> Option<&str> {
        self.table
            .time
            .as_ref()
            .and_then(|(_, t)| t.get(row).map(String::as_str))
    }
}

/// Command-line values given to `eval` or `predict` (`None`: not given).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overrides {
    /// `--input`, repeated.
    pub inputs: Option<Vec<String>>,
    /// `--target`.
    pub target: Option<String>,
    /// `--test-size`.
    pub test_size: Option<TestSize>,
}

fn name(option: &'static str, n: &str) -> Result<ColumnName> {
    n.try_into().map_err(|_| TrainError::InvalidOption {
        option,
        reason: format!(
            "column name {n:?} is {} bytes; a weight file stores names of at most \
             {MAX_NAME_BYTES} bytes",
            n.len()
        ),
    })
}

fn names(option: &'static str, v: &[String]) -> Result<heapless::Vec<ColumnName, MAX_FEATURES>> {
    let mut out = heapless::Vec::new();
    for n in v {
        out.push(name(option, n)?)
            .map_err(|_| TrainError::InvalidOption {
                option,
                reason: format!("a weight file holds at most {MAX_FEATURES} columns"),
            })?;
    }
    Ok(out)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Contract {
    /// The numeric columns to read: the inputs, then the target.
    pub fn columns(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.inputs.iter().map(String::as_str).collect();
        v.push(&self.target);
        v
    }

    /// Reads the contract's columns from `path`: every input, the target
    /// (unless `target_optional` and absent) and the time column (if the
    /// contract names one and the CSV has it; with [`TimeColumn::Auto`] if
    /// the contract has none and `detect_time`).
    ///
    /// # Errors
    /// [`TrainError::MissingColumns`] naming every contract column the CSV
    /// lacks (checked first, from the header); those of [`read_table`].
    pub fn read(
        &self,
        path: &std::path::Path,
        target_optional: bool,
        detect_time: bool,
    ) -> Result<Data> {
        let available = header(path)?;
        let has = |c: &str| available.iter().any(|h| h == c);
        let with_target = !target_optional || has(&self.target);
        let mut wanted: Vec<&str> = self.inputs.iter().map(String::as_str).collect();
        if with_target {
            wanted.push(&self.target);
        }
        let mut missing: Vec<String> = Vec::new();
        for c in wanted.iter().filter(|c| !has(c)) {
            // A target that is also an input is named once.
            if !missing.iter().any(|m| m == c) {
                missing.push(c.to_string());
            }
        }
        if !missing.is_empty() && !available.is_empty() {
            return Err(TrainError::MissingColumns {
                path: path.to_path_buf(),
                missing,
                available,
            });
        }
        let time = match &self.time {
            Some(t) if has(t) => TimeColumn::Named(t.clone()),
            Some(_) => TimeColumn::None,
            None if detect_time => TimeColumn::Auto,
            None => TimeColumn::None,
        };
        let table = read_table(path, &wanted, &time)?;
        let col = |n: &str| table.column(n).map(<[f64]>::to_vec).unwrap_or_default();
        Ok(Data {
            inputs: self.inputs.iter().map(|n| col(n)).collect(),
            target: with_target.then(|| col(&self.target)),
            table,
        })
    }

    /// Splits a series of `rows` rows as the contract says.
    ///
    /// # Errors
    /// Those of [`Split::new`]; [`TrainError::TooFewWindows`] when the test
    /// split, or the validation split if one is asked for, has fewer than
    /// [`MIN_EVAL_WINDOWS`] windows.
    pub fn split(&self, rows: usize) -> Result<Split> {
        let split = Split::new(
            rows,
            self.window,
            self.horizon,
            self.val_fraction,
            self.test_size,
        )?;
        let few = |part, option, found| TrainError::TooFewWindows {
            part,
            option,
            found,
            min: MIN_EVAL_WINDOWS,
        };
        if split.test.len() < MIN_EVAL_WINDOWS {
            return Err(few("test", "--test-size", split.test.len()));
        }
        if self.val_fraction > 0.0 && split.val.len() < MIN_EVAL_WINDOWS {
            return Err(few("validation", "--val-fraction", split.val.len()));
        }
        Ok(split)
    }

    /// The record saved in the weight file, with the split it made on a
    /// series of `rows` rows.
    ///
    /// # Errors
    /// [`TrainError::InvalidOption`] for more than [`MAX_FEATURES`] inputs
    /// or a column name over [`MAX_NAME_BYTES`] bytes.
    pub fn record(&self, split: &Split, rows: usize) -> Result<DataContract> {
        Ok(DataContract {
            inputs: names("--input", &self.inputs)?,
            targets: names("--target", std::slice::from_ref(&self.target))?,
            time: self
                .time
                .as_deref()
                .map(|t| name("--time", t))
                .transpose()?,
            split: SplitRecord {
                rows: count(rows),
                val_fraction: self.val_fraction,
                test: match self.test_size {
                    TestSize::Count(n) => TestSplit::Count(count(n)),
                    TestSize::Fraction(f) => TestSplit::Fraction(f),
                },
                train_samples: count(split.train.len()),
                val_samples: count(split.val.len()),
                test_samples: count(split.test.len()),
            },
        })
    }

    /// The contract stored in a weight file.
    pub fn from_record(meta: &Metadata, rec: &DataContract) -> Contract {
        Contract {
            inputs: rec.inputs.iter().map(|n| n.to_string()).collect(),
            target: rec
                .targets
                .first()
                .map(|n| n.to_string())
                .unwrap_or_default(),
            time: rec.time.as_ref().map(|n| n.to_string()),
            window: meta.window as usize,
            horizon: meta.horizon as usize,
            val_fraction: rec.split.val_fraction,
            test_size: match rec.split.test {
                TestSplit::Count(n) => TestSize::Count(n as usize),
                TestSplit::Fraction(f) => TestSize::Fraction(f),
            },
        }
    }
}

/// The contract `eval` and `predict` use: the model's stored one with the
/// flags given applied over it, or, for a model without one (format
/// version 1), the flags and defaults with the window and horizon of its
/// metadata. Returns it with one note per flag that overrides a stored
/// value, or one note saying the model has no contract.
pub fn resolve(
    meta: &Metadata,
    stored: Option<&DataContract>,
    o: &Overrides,
) -> (Contract, Vec<String>) {
    let mut notes = Vec::new();
    let Some(rec) = stored else {
        let c = Contract {
            inputs: o
                .inputs
                .clone()
                .unwrap_or_else(|| vec![DEFAULT_COLUMN.to_string()]),
            target: o
                .target
                .clone()
                .unwrap_or_else(|| DEFAULT_COLUMN.to_string()),
            time: None,
            window: meta.window as usize,
            horizon: meta.horizon as usize,
            val_fraction: 0.0,
            test_size: o.test_size.unwrap_or(DEFAULT_TEST_SIZE),
        };
        notes.push(format!(
            "the model has no data contract (written before weight format 2): using inputs \
             {:?}, target {:?}, test size {} from the flags or defaults; give the values used \
             in training",
            c.inputs, c.target, c.test_size
        ));
        return (c, notes);
    };
    let mut c = Contract::from_record(meta, rec);
    if let Some(i) = &o.inputs {
        if *i != c.inputs {
            notes.push(format!(
                "--input {i:?} overrides the model's stored inputs {:?}",
                c.inputs
            ));
            c.inputs = i.clone();
        }
    }
    if let Some(t) = &o.target {
        if *t != c.target {
            notes.push(format!(
                "--target {t:?} overrides the model's stored target {:?}",
                c.target
            ));
            c.target = t.clone();
        }
    }
    if let Some(s) = o.test_size {
        // The stored split's own sample count selects the same test rows
        // (on a CSV of the training CSV's size; `rows_note` covers others).
        let same_count = s == TestSize::Count(rec.split.test_samples as usize);
        if s != c.test_size && !same_count {
            notes.push(format!(
                "--test-size {s} overrides the stored {}: the test split differs from \
                 training's and may hold samples the model was trained or validated on",
                c.test_size
            ));
            c.test_size = s;
        }
    }
    // Validation is not evaluated; only the test split matters here.
    c.val_fraction = 0.0;
    (c, notes)
}

/// A note when a CSV's row count differs from the training CSV's, so the
/// stored split would not select the same test rows.
pub fn rows_note(stored: Option<&DataContract>, rows: usize) -> Option<String> {
    let rec = stored?;
    (rec.split.rows as usize != rows).then(|| {
        format!(
            "the CSV has {rows} data rows but the model was trained on {}: its test split is \
             the last part of this file, not the rows tested in training",
            rec.split.rows
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rnn_core::format::{FeatureScale, ScalerKind};

    fn meta() -> Metadata {
        let s = FeatureScale {
            shift: 0.0,
            scale: 1.0,
        };
        crate::export::metadata(ScalerKind::MinMax, &[s, s], &[s], 12, 2).unwrap()
    }

    fn contract() -> Contract {
        Contract {
            inputs: vec!["a".into(), "b".into()],
            target: "b".into(),
            time: Some("time".into()),
            window: 12,
            horizon: 2,
            val_fraction: 0.2,
            test_size: TestSize::Count(30),
        }
    }

    #[test]
    fn record_round_trips_and_counts_the_split() {
        let c = contract();
        let split = c.split(500).unwrap();
        let rec = c.record(&split, 500).unwrap();
        assert_eq!(rec.split.rows, 500);
        assert_eq!(
            (
                rec.split.train_samples,
                rec.split.val_samples,
                rec.split.test_samples
            ),
            (
                split.train.len() as u32,
                split.val.len() as u32,
                split.test.len() as u32
            )
        );
        assert_eq!(Contract::from_record(&meta(), &rec), c);
    }

    #[test]
    fn flags_override_with_a_note_and_old_files_get_defaults() {
        let rec = contract()
            .record(&contract().split(500).unwrap(), 500)
            .unwrap();
        let (c, notes) = resolve(&meta(), Some(&rec), &Overrides::default());
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!((c.inputs.len(), c.test_size), (2, TestSize::Count(30)));
        let o = Overrides {
            target: Some("a".into()),
            test_size: Some(TestSize::Count(40)),
            ..Overrides::default()
        };
        let (c, notes) = resolve(&meta(), Some(&rec), &o);
        assert_eq!((c.target.as_str(), c.test_size), ("a", TestSize::Count(40)));
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("overrides the model's stored target \"b\""));
        // The same value as stored is not an override.
        let same = Overrides {
            inputs: Some(vec!["a".into(), "b".into()]),
            ..Overrides::default()
        };
        assert!(resolve(&meta(), Some(&rec), &same).1.is_empty());
        let (c, notes) = resolve(&meta(), None, &Overrides::default());
        assert_eq!(c.inputs, [DEFAULT_COLUMN]);
        assert_eq!((c.window, c.horizon), (12, 2));
        assert!(notes[0].contains("no data contract"), "{notes:?}");
    }

    #[test]
    fn tiny_splits_are_refused_with_the_minimum() {
        let mut c = contract();
        c.test_size = TestSize::Count(9);
        let e = c.split(500).unwrap_err().to_string();
        assert!(
            e.contains("9 test window(s)") && e.contains("at least 10"),
            "{e}"
        );
        c.test_size = TestSize::Count(10);
        c.val_fraction = 0.01; // int(478 * 0.99) = 473 train, 5 validation
        let e = c.split(500).unwrap_err().to_string();
        assert!(e.contains("5 validation window(s)"), "{e}");
        c.val_fraction = 0.0;
        assert!(c.split(500).is_ok());
    }

    #[test]
    fn long_names_are_refused_naming_the_option() {
        let mut c = contract();
        c.target = "x".repeat(MAX_NAME_BYTES + 1);
        let e = c.record(&c.split(500).unwrap(), 500).unwrap_err();
        assert!(e.to_string().contains("--target"), "{e}");
    }
}
