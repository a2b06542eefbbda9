//! Running a network over the windows of a series, in the series' own
//! units: the test-split evaluation `train` and `eval` share, and the
//! single forecasts `predict` writes.

use rnn_core::format::{FeatureScale, Metadata};

use crate::data::contract::Data;
use crate::data::scale;
use crate::data::split::Split;
use crate::error::Result;
use crate::eval::{persistence, Evaluation, Metrics};
use crate::nn::Network;

/// Test-split forecasts and their errors, in the target's units.
#[derive(Clone, Debug, PartialEq)]
pub struct TestResult {
    /// CSV line (1-based, header = 1) of each test target.
    pub target_lines: Vec<u64>,
    /// The time column's cell at each test target, if the CSV has one.
    pub target_times: Option<Vec<String>>,
    /// The actual target values.
    pub actual: Vec<f64>,
    /// The model's forecasts.
    pub predicted: Vec<f64>,
    /// The persistence forecasts (last input value of the target column).
    pub persistence: Vec<f64>,
    /// Errors of both.
    pub evaluation: Evaluation,
}

/// Every column scaled by its own scale.
pub fn scale_columns(raw: &[Vec<f64>], scales: &[FeatureScale]) -> Vec<Vec<f64>> {
    raw.iter()
        .zip(scales)
        .map(|(c, s)| scale::scale_all(s, c))
        .collect()
}

/// The model's prediction, in the target's units, for the window of scaled
/// `inputs` (`[column][row]`) starting at row `start`.
///
/// # Errors
/// [`crate::TrainError::Network`] if the window does not fit the network.
pub fn predict_at(
    network: &Network,
    inputs: &[Vec<f64>],
    start: usize,
    window: usize,
    target: &FeatureScale,
) -> Result<f64> {
    let x = crate::data::window::input_window(inputs, start, window);
    let y = network.predict(&x)?;
    Ok(scale::unscale(
        target,
        y.first().copied().unwrap_or(f64::NAN),
    ))
}

/// Forecasts every test sample of `split` with `network` and compares with
/// the actual values and with persistence.
///
/// `data` holds the raw columns (its target must be present); `meta` gives
/// the scales. Scaling and unscaling use `meta`'s stored `f32` scales,
/// exactly as `predict` does.
///
/// # Errors
/// [`crate::TrainError::Network`] if a window does not fit the network.
pub fn test_split(
    network: &Network,
    meta: &Metadata,
    data: &Data,
    split: &Split,
) -> Result<TestResult> {
    let target = data.target.as_deref().unwrap_or_default();
    let scaled = scale_columns(&data.inputs, &meta.inputs);
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
        target_lines: rows.iter().map(|&r| data.table.lines[r]).collect(),
        target_times: data.table.time.as_ref().map(|(_, t)| {
            rows.iter()
                .map(|&r| t.get(r).cloned().unwrap_or_default())
                .collect()
        }),
        actual,
        predicted,
        persistence,
        evaluation,
    })
}
