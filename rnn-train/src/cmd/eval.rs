//! `rnn-train eval`: a weight file's errors on the test split (the last part
//! of the series), in the series' own units, next to persistence.

use std::path::PathBuf;

use rnn_core::format::Metadata;

use super::{check_model, columns, predict_at, scale_columns, CsvSource};
use crate::data::split::{Split, TestSize};
use crate::error::Result;
use crate::eval::{persistence, Evaluation, Metrics};
use crate::import;
use crate::nn::Network;

/// What `eval` needs: the model, the data and the test split.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalOptions {
    /// The weight file (written by `rnn-train train`).
    pub model: PathBuf,
    /// The CSV.
    pub csv: CsvSource,
    /// Input columns, in the order the model was trained with.
    pub inputs: Vec<String>,
    /// Target column.
    pub target: String,
    /// Size of the test split; the same as in training for an honest test.
    pub test_size: TestSize,
}

/// Test-split forecasts and their errors, in the target's units.
#[derive(Clone, Debug, PartialEq)]
pub struct TestResult {
    /// CSV line (1-based, header = 1) of each test target.
    pub target_lines: Vec<u64>,
    /// The actual target values.
    pub actual: Vec<f64>,
    /// The model's forecasts.
    pub predicted: Vec<f64>,
    /// The persistence forecasts (last input value of the target column).
    pub persistence: Vec<f64>,
    /// Errors of both.
    pub evaluation: Evaluation,
}

/// Forecasts every test sample of `split` with `network` and compares with
/// the actual values and with persistence.
///
/// `inputs` are the raw input columns, `target` the raw target column and
/// `lines` the CSV line of every row; `meta` gives the scales. Scaling and
/// unscaling use `meta`'s stored `f32` scales, exactly as `predict` does.
///
/// # Errors
/// [`crate::TrainError::Network`] if a window does not fit the network.
pub fn test_split(
    network: &Network,
    meta: &Metadata,
    inputs: &[Vec<f64>],
    target: &[f64],
    lines: &[u64],
    split: &Split,
) -> Result<TestResult> {
    let scaled = scale_columns(inputs, &meta.inputs);
    let rows: Vec<usize> = split.test.clone().map(|k| split.target_row(k)).collect();
    let predicted = split
        .test
        .clone()
        .map(|k| predict_at(network, &scaled, k, split.window, &meta.targets[0]))
        .collect::<Result<Vec<_>>>()?;
    let actual: Vec<f64> = rows.iter().map(|&r| target[r]).collect();
    let persistence = persistence(target, &rows, split.horizon);
    let evaluation = Evaluation {
        model: Metrics::new(&predicted, &actual),
        persistence: Metrics::new(&persistence, &actual),
    };
    Ok(TestResult {
        target_lines: rows.iter().map(|&r| lines[r]).collect(),
        actual,
        predicted,
        persistence,
        evaluation,
    })
}

/// Runs `eval`: loads the model, splits the CSV with the model's window and
/// horizon, and evaluates the test split.
///
/// # Errors
/// Those of [`import::load`], [`CsvSource::read`] and [`Split::new`];
/// [`crate::TrainError::NoMetadata`], [`crate::TrainError::InputCount`] or
/// [`crate::TrainError::Architecture`] when the model does not fit the columns.
pub fn run(opts: &EvalOptions) -> Result<(TestResult, Split)> {
    let model = import::load(&opts.model)?;
    let meta = check_model(
        &opts.model,
        &model.network,
        model.metadata.as_ref(),
        opts.inputs.len(),
    )?;
    let mut wanted: Vec<&str> = opts.inputs.iter().map(String::as_str).collect();
    wanted.push(&opts.target);
    let table = opts.csv.read(&wanted)?;
    let split = Split::new(
        table.rows(),
        meta.window as usize,
        meta.horizon as usize,
        0.0,
        opts.test_size,
    )?;
    let inputs = columns(&table, &opts.inputs);
    let target = table.column(&opts.target).unwrap_or_default();
    let result = test_split(&model.network, meta, &inputs, target, &table.lines, &split)?;
    Ok((result, split))
}
