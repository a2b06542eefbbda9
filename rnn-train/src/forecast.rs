//! Running a network over the windows of a series, in the series' own
//! units: the test results ([`TestResult`]) and single forecasts that
//! `train`, `eval`, `quantize` ([`crate::steps::test_steps`]) and
//! `forecast` ([`crate::autoregress`]) build on.

use rnn_core::format::FeatureScale;

use crate::data::contract::Data;
use crate::data::scale;
use crate::error::Result;
use crate::eval::{Evaluation, Metrics};
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

impl TestResult {
    /// The model's forecasts `predicted` and the baseline's `persistence`
    /// of the values `actual` (all the same length), each scored against
    /// `actual`.
    pub fn scored(
        target_lines: Vec<u64>,
        target_times: Option<Vec<String>>,
        actual: Vec<f64>,
        predicted: Vec<f64>,
        persistence: Vec<f64>,
    ) -> TestResult {
        let evaluation = Evaluation {
            model: Metrics::new(&predicted, &actual),
            persistence: Metrics::new(&persistence, &actual),
        };
        TestResult {
            target_lines,
            target_times,
            actual,
            predicted,
            persistence,
            evaluation,
        }
    }

    /// [`TestResult::scored`] for the targets at data rows `rows` of
    /// `data` (its target present): their CSV lines, time cells and actual
    /// values read from `data`.
    pub fn at_rows(
        data: &Data,
        rows: &[usize],
        predicted: Vec<f64>,
        persistence: Vec<f64>,
    ) -> TestResult {
        let target = data.target.as_deref().unwrap_or_default();
        let target_times = data.table.time.as_ref().map(|_| {
            rows.iter()
                .map(|&r| data.time_at(r).unwrap_or_default().to_string())
                .collect()
        });
        TestResult::scored(
            rows.iter().map(|&r| data.table.lines[r]).collect(),
            target_times,
            rows.iter().map(|&r| target[r]).collect(),
            predicted,
            persistence,
        )
    }
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
