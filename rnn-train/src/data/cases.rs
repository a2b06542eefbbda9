//! Labelled sequences for classification, read from a CSV: either one case
//! per sequence in long format (one row per timestep, a case column naming
//! the sequence, its label on every row: the layout of sktime's and the UEA
//! archive's multivariate sets), or fixed windows of a labelled series with
//! the label of each window's last row.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rnn_core::format::MAX_FEATURES;

use super::csv::read_with_text;
use crate::error::{Result, TrainError};

/// How the rows form sequences.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grouping {
    /// Long format: consecutive rows with the same value in this column are
    /// one case, its timesteps in row order. Every case must have the same
    /// number of rows.
    Case(String),
    /// Every run of `window` consecutive rows is one sequence (stride 1),
    /// labelled by its last row.
    Windows(usize),
}

/// The columns of a labelled CSV.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelColumns {
    /// Input columns (features per timestep), in model input order.
    pub inputs: Vec<String>,
    /// The label column (any text; its distinct values are the classes);
    /// `None` for data to classify that has no labels.
    pub label: Option<String>,
    /// How rows form sequences.
    pub grouping: Grouping,
    /// A column giving each case's part, `train` or `test` (any case), the
    /// same on every row of a case; `None` splits by `--test-size`.
    pub split: Option<String>,
}

/// A split given by the CSV's split column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Training (and validation) data.
    Train,
    /// Held-out test data.
    Test,
}

/// One labelled sequence.
#[derive(Clone, Debug, PartialEq)]
pub struct Sequence {
    /// The case name (long format) or `rows A-B` (windows).
    pub id: String,
    /// The 1-based CSV line of its first row.
    pub line: u64,
    /// `[steps × input_size]` raw values, row-major (timestep, then feature).
    pub values: Vec<f64>,
    /// Its class: an index into [`Labelled::classes`] (0 when the data has
    /// no label column, and `classes` is empty).
    pub label: usize,
    /// Its part, from the split column.
    pub part: Option<Part>,
}

/// Every labelled sequence of a CSV.
#[derive(Clone, Debug, PartialEq)]
pub struct Labelled {
    /// The CSV.
    pub path: PathBuf,
    /// Data rows read.
    pub rows: usize,
    /// The class names, sorted (as scikit-learn's `LabelEncoder`); output
    /// `k` of the classifier is class `classes[k]`. Empty without a label
    /// column.
    pub classes: Vec<String>,
    /// Timesteps per sequence.
    pub steps: usize,
    /// Features per timestep.
    pub input_size: usize,
    /// The sequences, in file order.
    pub sequences: Vec<Sequence>,
}

/// Why a labelled CSV cannot train a classifier.
#[derive(Debug, thiserror::Error)]
pub enum LabelError {
    /// Every row has the same label.
    #[error(
        "{}: label column {column:?} has one class ({class:?}): a classifier needs at least 2",
        path.display()
    )]
    OneClass {
        /// The CSV.
        path: PathBuf,
        /// The label column.
        column: String,
        /// Its only value.
        class: String,
    },
    /// More classes than a weight file holds.
    #[error(
        "{}: label column {column:?} has {found} classes; a model has at most {MAX_FEATURES} outputs \
         (is it a numeric column?)",
        path.display()
    )]
    TooManyClasses {
        /// The CSV.
        path: PathBuf,
        /// The label column.
        column: String,
        /// Distinct values found.
        found: usize,
    },
    /// An empty label cell.
    #[error("{}: line {line}: the label column {column:?} is empty", path.display())]
    EmptyLabel {
        /// The CSV.
        path: PathBuf,
        /// Its line.
        line: u64,
        /// The label column.
        column: String,
    },
    /// A case's label or split differs between its rows.
    #[error(
        "{}: line {line}: case {case:?} has {what} {found:?} here but {first:?} on its first row",
        path.display()
    )]
    CaseChanges {
        /// The CSV.
        path: PathBuf,
        /// The line where it changes.
        line: u64,
        /// The case.
        case: String,
        /// `"label"` or `"split"`.
        what: &'static str,
        /// The value on its first row.
        first: String,
        /// The value here.
        found: String,
    },
    /// A case's rows are not consecutive.
    #[error(
        "{}: line {line}: case {case:?} appears again after other cases (its rows must be consecutive, \
         timesteps in order)",
        path.display()
    )]
    CaseNotContiguous {
        /// The CSV.
        path: PathBuf,
        /// Where it reappears.
        line: u64,
        /// The case.
        case: String,
    },
    /// Cases of different lengths.
    #[error(
        "{}: case {case:?} (from line {line}) has {steps} timesteps, but case {first:?} has {expected}: \
         every case needs the same length",
        path.display()
    )]
    UnequalCase {
        /// The CSV.
        path: PathBuf,
        /// The case that differs.
        case: String,
        /// Its first line.
        line: u64,
        /// Its timesteps.
        steps: usize,
        /// The first case.
        first: String,
        /// The first case's timesteps.
        expected: usize,
    },
    /// Sequences of another length than the model's.
    #[error(
        "{}: its sequences have {steps} timesteps, but the model was trained on {window}",
        path.display()
    )]
    CaseLength {
        /// The CSV.
        path: PathBuf,
        /// Timesteps per sequence in the CSV.
        steps: usize,
        /// The model's window.
        window: usize,
    },
    /// A split cell other than `train` or `test`.
    #[error("{}: line {line}: split column {column:?} has {value:?}; expected train or test", path.display())]
    BadPart {
        /// The CSV.
        path: PathBuf,
        /// Its line.
        line: u64,
        /// The split column.
        column: String,
        /// The cell.
        value: String,
    },
    /// A test sequence whose class no training sequence has.
    #[error(
        "test case {case:?} has class {class:?}, which no training case has: the model could never predict it"
    )]
    UnseenClass {
        /// The test case.
        case: String,
        /// Its class.
        class: String,
    },
    /// A labelled sequence given to `predict` whose class the model does
    /// not have.
    #[error(
        "{}: case {case:?} (from line {line}) has label {class:?}, which the model does not know (its classes: {known})",
        path.display()
    )]
    UnknownClass {
        /// The CSV.
        path: PathBuf,
        /// The case.
        case: String,
        /// The 1-based line of its first row.
        line: u64,
        /// Its label.
        class: String,
        /// The model's classes, comma-separated.
        known: String,
    },
    /// The training or test part is empty.
    #[error("the {part} part has no sequences ({reason})")]
    EmptyPart {
        /// `"training"` or `"test"`.
        part: &'static str,
        /// How the split was made.
        reason: String,
    },
}

impl From<LabelError> for TrainError {
    fn from(e: LabelError) -> TrainError {
        TrainError::Labels(Box::new(e))
    }
}

/// Reads the labelled sequences of `path`.
///
/// # Errors
/// Those of [`super::csv::read_with_text`] (a missing column, a bad
/// number, named by line and column); [`LabelError`] for an empty label,
/// one class, more than 16 classes, a case whose label or split changes,
/// whose rows are not consecutive or whose length differs from the first
/// case's, a split value other than train/test;
/// [`TrainError::WindowTooLong`] for a window longer than the series;
/// [`TrainError::InvalidOption`] for a window of 0.
pub fn read(path: &Path, columns: &LabelColumns) -> Result<Labelled> {
    let mut text = vec![columns.label.as_deref().unwrap_or_default()];
    if columns.label.is_none() {
        text.clear();
    }
    if let Grouping::Case(case) = &columns.grouping {
        text.push(case);
    }
    if let Some(split) = &columns.split {
        text.push(split);
    }
    let inputs: Vec<&str> = columns.inputs.iter().map(String::as_str).collect();
    let (table, mut texts) = read_with_text(path, &inputs, &text)?;
    if columns.label.is_none() {
        // No labels: one empty label per row, no classes.
        texts.insert(0, vec![String::new(); table.rows()]);
    }
    let labels = &texts[0];
    let mut classes = Vec::new();
    if let Some(column) = &columns.label {
        if let Some(r) = labels.iter().position(String::is_empty) {
            return Err(LabelError::EmptyLabel {
                path: path.to_path_buf(),
                line: table.lines[r],
                column: column.clone(),
            }
            .into());
        }
        classes = labels
            .iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .cloned()
            .collect();
        check_classes(path, column, &classes)?;
    }
    let parts = match &columns.split {
        Some(column) => Some(parse_parts(path, column, texts.last(), &table.lines)?),
        None => None,
    };
    let row = |r: usize| -> Vec<f64> { table.columns.iter().map(|c| c[r]).collect() };
    let class_of = |r: usize| classes.binary_search(&labels[r]).unwrap_or(0);
    let input_size = table.columns.len();
    let (steps, sequences) = match &columns.grouping {
        Grouping::Case(_) => {
            let runs = case_runs(path, &texts[1], labels, parts.as_deref(), &table.lines)?;
            let steps = runs.first().map_or(0, |r| r.1.len());
            let sequences = runs
                .into_iter()
                .map(|(id, rows)| Sequence {
                    id,
                    line: table.lines[rows.start],
                    values: rows.clone().flat_map(row).collect(),
                    label: class_of(rows.start),
                    part: parts.as_ref().map(|p| p[rows.start]),
                })
                .collect();
            (steps, sequences)
        }
        Grouping::Windows(window) => {
            let window = *window;
            if window == 0 {
                return Err(TrainError::InvalidOption {
                    option: "--window",
                    reason: "must be at least 1 timestep".to_string(),
                });
            }
            let rows = table.rows();
            if rows < window {
                return Err(TrainError::WindowTooLong {
                    window,
                    horizon: 0,
                    needed: window,
                    rows,
                });
            }
            let sequences = (0..=rows - window)
                .map(|start| {
                    let last = start + window - 1;
                    Sequence {
                        id: format!("rows {}-{}", start + 1, last + 1),
                        line: table.lines[start],
                        values: (start..=last).flat_map(row).collect(),
                        label: class_of(last),
                        part: parts.as_ref().map(|p| p[last]),
                    }
                })
                .collect();
            (window, sequences)
        }
    };
    Ok(Labelled {
        path: path.to_path_buf(),
        rows: table.rows(),
        classes,
        steps,
        input_size,
        sequences,
    })
}

/// At least 2 classes, at most [`MAX_FEATURES`].
fn check_classes(path: &Path, column: &str, classes: &[String]) -> Result<()> {
    let path = path.to_path_buf();
    let column = column.to_string();
    if classes.len() < 2 {
        let class = classes.first().cloned().unwrap_or_default();
        return Err(LabelError::OneClass {
            path,
            column,
            class,
        }
        .into());
    }
    if classes.len() > MAX_FEATURES {
        let found = classes.len();
        return Err(LabelError::TooManyClasses {
            path,
            column,
            found,
        }
        .into());
    }
    Ok(())
}

/// Each row's part from the split column's cells.
fn parse_parts(
    path: &Path,
    column: &str,
    cells: Option<&Vec<String>>,
    lines: &[u64],
) -> Result<Vec<Part>> {
    let cells = cells.map_or(&[][..], |c| &c[..]);
    cells
        .iter()
        .zip(lines)
        .map(|(cell, &line)| match cell.to_ascii_lowercase().as_str() {
            "train" => Ok(Part::Train),
            "test" => Ok(Part::Test),
            _ => Err(LabelError::BadPart {
                path: path.to_path_buf(),
                line,
                column: column.to_string(),
                value: cell.clone(),
            }
            .into()),
        })
        .collect()
}

/// The cases of long-format data: each case's name and its row range,
/// checked for consecutive rows, one label, one part and equal lengths.
fn case_runs(
    path: &Path,
    cases: &[String],
    labels: &[String],
    parts: Option<&[Part]>,
    lines: &[u64],
) -> Result<Vec<(String, std::ops::Range<usize>)>> {
    let mut runs: Vec<(String, std::ops::Range<usize>)> = Vec::new();
    let mut seen = BTreeSet::new();
    let changes = |r: usize, what, first: String, found: String| LabelError::CaseChanges {
        path: path.to_path_buf(),
        line: lines[r],
        case: cases[r].clone(),
        what,
        first,
        found,
    };
    for r in 0..cases.len() {
        match runs.last_mut() {
            Some((name, rows)) if *name == cases[r] => {
                let start = rows.start;
                if labels[r] != labels[start] {
                    let e = changes(r, "label", labels[start].clone(), labels[r].clone());
                    return Err(e.into());
                }
                if let Some(p) = parts.filter(|p| p[r] != p[start]) {
                    let name = |p: Part| format!("{p:?}").to_lowercase();
                    return Err(changes(r, "split", name(p[start]), name(p[r])).into());
                }
                rows.end = r + 1;
            }
            _ => {
                if !seen.insert(cases[r].clone()) {
                    return Err(LabelError::CaseNotContiguous {
                        path: path.to_path_buf(),
                        line: lines[r],
                        case: cases[r].clone(),
                    }
                    .into());
                }
                runs.push((cases[r].clone(), r..r + 1));
            }
        }
    }
    if let Some((first, first_rows)) = runs.first() {
        let expected = first_rows.len();
        if let Some((case, rows)) = runs.iter().find(|(_, rows)| rows.len() != expected) {
            return Err(LabelError::UnequalCase {
                path: path.to_path_buf(),
                case: case.clone(),
                line: lines[rows.start],
                steps: rows.len(),
                first: first.clone(),
                expected,
            }
            .into());
        }
    }
    Ok(runs)
}
