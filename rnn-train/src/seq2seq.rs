//! Sequence-to-sequence (many-to-many) regression: a target at every
//! timestep of a window, as Keras `return_sequences=True` on the last
//! recurrent layer into a `TimeDistributed(Dense)` head.
//!
//! Sample `k` takes rows `k .. k + window` as input (as many-to-one
//! samples do, [`crate::data::window`]); its target at timestep `t` is the
//! target column at row `k + t + horizon`: the value `horizon` rows after
//! input row `k + t` (`horizon` 0: the same row, for denoising or
//! per-sample mapping). A [`Split`] of that horizon gives the samples and
//! their parts: its `target_row(k)` is the window's last target row.
//!
//! The test evaluation ([`evaluate`]) scores every (test window, timestep)
//! pair whose target row is a test target row (at or after the first test
//! window's last target row), so no target of the training or validation
//! windows is scored; the earlier timesteps of the first `window - 1` test
//! windows are left out. The same pairs are written as test predictions,
//! one row per pair.

use std::ops::Range;

use rnn_core::format::Metadata;

use crate::data::contract::Data;
use crate::data::scale;
use crate::data::split::Split;
use crate::data::window::input_window;
use crate::error::Result;
use crate::fit::Dataset;
use crate::forecast::{scale_columns, TestResult};
use crate::nn::Network;

/// The samples `samples` of scaled `inputs` (`I` columns) and the scaled
/// `target` column, with a target at every timestep.
///
/// # Shapes
/// Result: `inputs` `n × window × I`, `targets` `n × window` (timestep-major,
/// one target per timestep), `output_size = window`, `n = samples.len()`.
/// Every sample of `split` must fit: `split.target_row(k) < target.len()`.
pub fn dataset(
    inputs: &[Vec<f64>],
    target: &[f64],
    split: &Split,
    samples: Range<usize>,
) -> Dataset {
    let n = samples.len();
    let w = split.window;
    let mut x = Vec::with_capacity(n * w * inputs.len());
    let mut y = Vec::with_capacity(n * w);
    for k in samples {
        x.extend(input_window(inputs, k, w));
        let first = k + split.horizon;
        y.extend_from_slice(&target[first..first + w]);
    }
    Dataset {
        inputs: x,
        targets: y,
        window: w,
        input_size: inputs.len(),
        output_size: w,
    }
}

/// The forecast a sequence-to-sequence model is compared with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Baseline {
    /// Horizon ≥ 1: the target's value at row `r − 1` for the target at row
    /// `r` (the last value known when the input row `r − horizon` is read,
    /// for horizon 1; with a longer horizon, the value just before the
    /// target, as the many-to-one persistence takes the window's last).
    Persistence,
    /// Horizon 0 and the target column is also an input: the target at row
    /// `r` forecast as the input column's value at row `r` (the identity
    /// mapping, a model must beat it to be worth anything).
    Identity,
    /// Horizon 0 and the target is not an input: the mean of the target
    /// (raw units) over every row before the first scored test target
    /// (the training and validation rows: `eval` does not know the
    /// validation split, so both commands take the same rows), at every row.
    TrainingMean(f64),
}

impl Baseline {
    /// The baseline for `horizon`: [`Baseline::Persistence`] when it is at
    /// least 1; else [`Baseline::Identity`] when `target_is_input`, else
    /// [`Baseline::TrainingMean`] of `training_target` (raw values).
    /// [`baseline_for`] picks the rows.
    pub fn choose(horizon: usize, target_is_input: bool, training_target: &[f64]) -> Baseline {
        if horizon >= 1 {
            Baseline::Persistence
        } else if target_is_input {
            Baseline::Identity
        } else {
            let n = training_target.len().max(1) as f64;
            Baseline::TrainingMean(training_target.iter().sum::<f64>() / n)
        }
    }

    /// The baseline's forecast of the target at row `row` of the raw
    /// `target` column (`row ≥ 1` for [`Baseline::Persistence`]).
    pub fn forecast(&self, target: &[f64], row: usize) -> f64 {
        match *self {
            Baseline::Persistence => target[row - 1],
            Baseline::Identity => target[row],
            Baseline::TrainingMean(mean) => mean,
        }
    }

    /// A short description for reports, e.g. `persistence (the previous row)`.
    pub fn describe(&self) -> String {
        match self {
            Baseline::Persistence => "persistence (the target's previous row)".to_string(),
            Baseline::Identity => "identity (the input column equals the target)".to_string(),
            Baseline::TrainingMean(m) => {
                format!("the mean of the target before the test split ({m})")
            }
        }
    }
}

/// The baseline of a model with the contract's `inputs` and `target`
/// columns on `data` split by `split` ([`Baseline::choose`] with
/// `split.horizon` and the target's rows before the first scored test
/// target: the training and validation rows).
pub fn baseline_for(inputs: &[String], target: &str, data: &Data, split: &Split) -> Baseline {
    let column = data.target.as_deref().unwrap_or_default();
    let before_test = ..split.target_row(split.test.start);
    let training = column.get(before_test).unwrap_or_default();
    let target_is_input = inputs.iter().any(|i| i == target);
    Baseline::choose(split.horizon, target_is_input, training)
}

/// The test split's sequence-to-sequence forecasts, in the target's units,
/// one entry per scored (window, timestep) pair, window-major.
#[derive(Clone, Debug, PartialEq)]
pub struct SequenceTest {
    /// The baseline compared with.
    pub baseline: Baseline,
    /// Sample index of each pair's window (as in [`Split`]).
    pub windows: Vec<usize>,
    /// Timestep of each pair within its window (0-based).
    pub timesteps: Vec<usize>,
    /// The scored pairs as a [`TestResult`]: target lines and times, the
    /// actual values, the model's forecasts and, in `persistence`, the
    /// baseline's; its evaluation compares the model with the baseline.
    pub result: TestResult,
}

impl SequenceTest {
    /// The pairs at the windows' last timestep (`window - 1`, the output
    /// that has seen the whole window): one per test window, in time order,
    /// each target row once. What `train` plots.
    pub fn last_timesteps(&self, window: usize) -> TestResult {
        let keep: Vec<usize> = (0..self.timesteps.len())
            .filter(|&i| self.timesteps[i] + 1 == window)
            .collect();
        let r = &self.result;
        let pick = |v: &[f64]| keep.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        TestResult::scored(
            keep.iter().map(|&i| r.target_lines[i]).collect(),
            r.target_times
                .as_ref()
                .map(|t| keep.iter().map(|&i| t[i].clone()).collect()),
            pick(&r.actual),
            pick(&r.predicted),
            pick(&r.persistence),
        )
    }
}

/// Forecasts every test window of `split` with the sequence-output
/// `network` and scores the pairs described in the module docs against
/// `baseline`.
///
/// `meta` gives the input scales and the target scale (its first);
/// `data`'s target must be present.
///
/// # Errors
/// [`crate::TrainError::Network`] if a window does not fit the network.
pub fn evaluate(
    network: &Network,
    meta: &Metadata,
    data: &Data,
    split: &Split,
    baseline: Baseline,
) -> Result<SequenceTest> {
    let w = split.window;
    let scaled = scale_columns(&data.inputs, &meta.inputs);
    let mut x = Vec::with_capacity(split.test.len() * w * scaled.len());
    for k in split.test.clone() {
        x.extend(input_window(&scaled, k, w));
    }
    let y = network.predict_batch(&x, w)?;
    let target = data.target.as_deref().unwrap_or_default();
    let first_row = split.target_row(split.test.start);
    let unscale = |v: f64| {
        meta.targets
            .first()
            .map_or(f64::NAN, |s| scale::unscale(s, v))
    };
    let (mut windows, mut timesteps, mut rows, mut predicted) = (vec![], vec![], vec![], vec![]);
    for (i, k) in split.test.clone().enumerate() {
        for t in 0..w {
            let row = k + t + split.horizon;
            if row >= first_row {
                windows.push(k);
                timesteps.push(t);
                rows.push(row);
                predicted.push(unscale(y[i * w + t]));
            }
        }
    }
    let base: Vec<f64> = rows.iter().map(|&r| baseline.forecast(target, r)).collect();
    Ok(SequenceTest {
        baseline,
        windows,
        timesteps,
        result: TestResult::at_rows(data, &rows, predicted, base),
    })
}

/// The test predictions CSV of a [`SequenceTest`]: a header
/// `window,timestep,target_line,actual,model,baseline[,target_time]`, then
/// one record per scored pair (`window`: the window's first CSV line).
pub fn prediction_records(test: &SequenceTest, data: &Data) -> Vec<Vec<String>> {
    let r = &test.result;
    let mut header = vec![
        "window",
        "timestep",
        "target_line",
        "actual",
        "model",
        "baseline",
    ];
    if r.target_times.is_some() {
        header.push("target_time");
    }
    let mut records = vec![header.into_iter().map(String::from).collect::<Vec<_>>()];
    for i in 0..r.actual.len() {
        let mut record = vec![
            data.table.lines[test.windows[i]].to_string(),
            test.timesteps[i].to_string(),
            r.target_lines[i].to_string(),
            r.actual[i].to_string(),
            r.predicted[i].to_string(),
            r.persistence[i].to_string(),
        ];
        if let Some(t) = &r.target_times {
            record.push(t[i].clone());
        }
        records.push(record);
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::split::TestSize;

    #[test]
    fn sample_k_targets_every_row_horizon_after_its_inputs() {
        let a: Vec<f64> = (0..10).map(f64::from).collect();
        let b: Vec<f64> = (0..10).map(|v| f64::from(v) * 10.0).collect();
        let split = Split::new(10, 3, 2, 0.0, TestSize::Count(1)).unwrap();
        let d = dataset(std::slice::from_ref(&a), &b, &split, 1..3);
        assert_eq!((d.window, d.input_size, d.output_size), (3, 1, 3));
        assert_eq!(d.inputs, [1.0, 2.0, 3.0, 2.0, 3.0, 4.0]);
        // Input rows 1..4 → target rows 3..6; rows 2..5 → 4..7.
        assert_eq!(d.targets, [30.0, 40.0, 50.0, 40.0, 50.0, 60.0]);
        // Horizon 0: the same rows.
        let same = Split::new(10, 3, 0, 0.0, TestSize::Count(1)).unwrap();
        assert_eq!(same.samples(), 8);
        let d = dataset(&[a], &b, &same, 7..8);
        assert_eq!(d.targets, [70.0, 80.0, 90.0]);
    }

    #[test]
    fn the_baseline_follows_the_horizon_and_the_inputs() {
        let target = [1.0, 2.0, 4.0];
        assert_eq!(Baseline::choose(1, false, &target), Baseline::Persistence);
        assert_eq!(Baseline::choose(3, true, &target), Baseline::Persistence);
        assert_eq!(Baseline::choose(0, true, &target), Baseline::Identity);
        let mean = Baseline::choose(0, false, &target);
        assert_eq!(mean, Baseline::TrainingMean(7.0 / 3.0));
        assert_eq!(Baseline::Persistence.forecast(&target, 2), 2.0);
        assert_eq!(Baseline::Identity.forecast(&target, 2), 4.0);
        assert_eq!(mean.forecast(&target, 0), 7.0 / 3.0);
        assert!(mean.describe().contains("mean of the target"));
    }
}
