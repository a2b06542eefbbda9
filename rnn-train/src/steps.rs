//! Direct multi-step forecasting (`train --horizon N --multi-output`): a
//! Dense(N) head predicting the target at `t + 1 .. t + N` (`t` = the
//! window's last row) in one forward pass, and its evaluation per step
//! against persistence.
//!
//! In the weight file (see `docs/weight-format.md`, "Multi-step models")
//! such a model has `N` outputs, `metadata.targets` holds `N` copies of the
//! target column's scale, the contract's `targets` `N` copies of its name
//! and `metadata.horizon` is `N`: output `j` (0-based) is the target at
//! `t + 1 + j`. A single-step model has one output at `t + horizon`.
//!
//! Sample `k` of a multi-step model is sample `k` of a [`Split`] with
//! horizon `N`: rows `k .. k + window` as input and rows `k + window ..
//! k + window + N` as its `N` targets, so windows whose `N` targets run past
//! the series' end are not made.

use std::path::Path;

use rnn_core::format::{DataContract, Metadata, MAX_FEATURES};

use crate::data::contract::Data;
use crate::data::scale;
use crate::data::split::Split;
use crate::data::window::input_window;
use crate::error::{Result, TrainError};
use crate::eval::{persistence, Evaluation};
use crate::forecast::{scale_columns, TestResult};
use crate::nn::Network;
use crate::report::table_cell;

/// Most steps of a direct multi-step model: one target scale per output,
/// and a weight file holds at most [`MAX_FEATURES`] of them.
pub const MAX_STEPS: usize = MAX_FEATURES;

/// The number of forecast steps of a model with `outputs` outputs and this
/// metadata and contract: 1 for a single-step model, `N` for a direct
/// multi-step model (see the module docs).
///
/// # Errors
/// [`TrainError::Architecture`] naming `path` when the outputs, target
/// scales, horizon and target names fit neither kind: a single-step model
/// has one output and one target scale; a multi-step one `N > 1` outputs,
/// `N` target scales, horizon `N` and `N` copies of one target name.
pub fn model_steps(
    path: &Path,
    meta: &Metadata,
    contract: Option<&DataContract>,
    outputs: usize,
) -> Result<usize> {
    let n = meta.targets.len();
    let refuse = |reason: String| TrainError::Architecture {
        path: path.to_path_buf(),
        reason,
    };
    if outputs != n {
        return Err(refuse(format!(
            "the model has {outputs} output(s) and {n} target scale(s); rnn-train evaluates \
             one target, at one horizon or at every step 1..N (one scale per step)"
        )));
    }
    if n > 1 {
        if meta.horizon as usize != n {
            return Err(refuse(format!(
                "{n} outputs but horizon {}: a multi-step model's horizon is its step count",
                meta.horizon
            )));
        }
        if let Some(c) = contract {
            if c.targets.iter().any(|t| *t != c.targets[0]) {
                return Err(refuse(
                    "the outputs name different target columns; rnn-train forecasts one \
                     target column (one output per step)"
                        .to_string(),
                ));
            }
        }
    }
    Ok(n)
}

/// Checks `--multi-output` with `--horizon steps`.
///
/// # Errors
/// [`TrainError::InvalidOption`] (`--horizon`) for 0 steps or more than
/// [`MAX_STEPS`].
pub fn check_steps(steps: usize) -> Result<()> {
    if steps == 0 || steps > MAX_STEPS {
        return Err(TrainError::InvalidOption {
            option: "--horizon",
            reason: format!(
                "with --multi-output it is the number of steps forecast, 1 to {MAX_STEPS} \
                 (one target scale per step in the weight file), got {steps}"
            ),
        });
    }
    Ok(())
}

/// The `steps` target columns of a direct model, built from the (scaled)
/// target column so that [`crate::data::window::dataset`] with a
/// [`Split`] of horizon `steps` gives every sample its `steps` targets:
/// column `j` holds at row `r` the target at row `r + j + 1 - steps`, so
/// at sample `k`'s target row `k + window + steps - 1` it is the target at
/// `k + window + j` (step `j + 1`). Rows before `steps - 1 - j` are NaN and
/// never read by a sample.
///
/// # Shapes
/// `target`: `rows` values; result: `steps` columns of `rows` values.
pub fn step_targets(target: &[f64], steps: usize) -> Vec<Vec<f64>> {
    (0..steps)
        .map(|j| {
            let lag = steps - 1 - j;
            (0..target.len())
                .map(|r| r.checked_sub(lag).map_or(f64::NAN, |s| target[s]))
                .collect()
        })
        .collect()
}

/// Test-split forecasts and errors of every forecast step.
#[derive(Clone, Debug, PartialEq)]
pub struct StepResults {
    /// Steps `1 .. N - 1`, step 1 first (empty for a single-step model).
    pub earlier: Vec<TestResult>,
    /// The last step: the target at the model's horizon.
    pub last: TestResult,
}

impl StepResults {
    /// Every step's result, step 1 first.
    pub fn all(&self) -> impl Iterator<Item = &TestResult> {
        self.earlier.iter().chain(std::iter::once(&self.last))
    }

    /// Every step's errors, step 1 first.
    pub fn evaluations(&self) -> Vec<Evaluation> {
        self.all().map(|s| s.evaluation).collect()
    }
}

/// Forecasts every test sample of `split` with `network` and compares each
/// step with the actual values and with persistence ([`step_results`]). A
/// single-step model gives one step (the target at its horizon), a
/// multi-step model `N`.
///
/// `split` must have the model's horizon (`N` for a multi-step model);
/// `meta` gives the scales (one per output) and the step count (a model
/// without target scales, which `eval` and `predict` refuse first, gets NaN
/// forecasts).
///
/// # Errors
/// [`TrainError::Network`] if a window does not fit the network.
pub fn test_steps(
    network: &Network,
    meta: &Metadata,
    data: &Data,
    split: &Split,
) -> Result<StepResults> {
    let n = meta.targets.len().max(1);
    let scaled = scale_columns(&data.inputs, &meta.inputs);
    let mut predicted = vec![Vec::with_capacity(split.test.len()); n];
    for k in split.test.clone() {
        let y = network.predict(&input_window(&scaled, k, split.window))?;
        for (j, p) in predicted.iter_mut().enumerate() {
            let v = y.get(j).copied().unwrap_or(f64::NAN);
            p.push(
                meta.targets
                    .get(j)
                    .map_or(f64::NAN, |s| scale::unscale(s, v)),
            );
        }
    }
    Ok(step_results(predicted, data, split))
}

/// Compares forecasts of every test sample of `split` with the actual
/// values and with persistence (the target's value at the window's last
/// row, for every step).
///
/// # Shapes
/// `predicted[j][i]`: step `j + 1`'s forecast (target units) from the
/// `i`-th test sample; `predicted.len()` steps (at least 1: none counts as
/// one step of NaN), each `split.test.len()` long. Step `j`'s target row
/// is `split.target_row(k) + j + 1 - steps`: the split's horizon is the
/// last step's. `data`'s target must be present.
pub fn step_results(mut predicted: Vec<Vec<f64>>, data: &Data, split: &Split) -> StepResults {
    if predicted.is_empty() {
        predicted.push(vec![f64::NAN; split.test.len()]);
    }
    let n = predicted.len();
    let target = data.target.as_deref().unwrap_or_default();
    let last_rows: Vec<usize> = split.test.clone().map(|k| split.target_row(k)).collect();
    // The window's last value, for every step.
    let persistence = persistence(target, &last_rows, split.horizon);
    let step = |j: usize, predicted: Vec<f64>| {
        let rows: Vec<usize> = split
            .test
            .clone()
            .map(|k| split.target_row(k) + j + 1 - n)
            .collect();
        TestResult::at_rows(data, &rows, predicted, persistence.clone())
    };
    let last = step(n - 1, predicted.pop().unwrap_or_default());
    let earlier = predicted
        .into_iter()
        .enumerate()
        .map(|(j, p)| step(j, p))
        .collect();
    StepResults { earlier, last }
}

/// The per-step table: for each step `1..N` (`steps[j]` is step `j + 1`)
/// the model's and persistence's MAE and RMSE in the target's units
/// (`unit`, for example the column name) and the RMSE ratio model /
/// persistence (below 1 the model is better at that step; `undefined`
/// where persistence has zero error, as in the single-step report).
pub fn steps_table(steps: &[Evaluation], unit: &str) -> String {
    let mut s = format!(
        "Per forecast step, test split ({unit}):\n{:<6}{:>14}{:>14}{:>14}{:>14}{:>9}\n",
        "step", "model MAE", "model RMSE", "persist. MAE", "persist. RMSE", "ratio"
    );
    for (j, e) in steps.iter().enumerate() {
        let ratio = if e.persistence.rmse == 0.0 {
            "undefined".to_string()
        } else {
            format!("{:.3}", e.rmse_ratio())
        };
        s.push_str(&format!(
            "{:<6}{}{}{}{} {:>8}\n",
            j + 1,
            table_cell(e.model.mae),
            table_cell(e.model.rmse),
            table_cell(e.persistence.mae),
            table_cell(e.persistence.rmse),
            ratio
        ));
    }
    s
}

/// The records of a multi-step `test_predictions.csv`: header
/// `last_input_line,actual_1..actual_N,model_1..model_N,persistence`
/// (and `last_input_time` when the CSV has a time column), then one row per
/// test sample of `split`, from [`test_steps`] on the same `data` and
/// `split`.
pub fn prediction_records(results: &StepResults, data: &Data, split: &Split) -> Vec<Vec<String>> {
    let steps: Vec<&TestResult> = results.all().collect();
    let n = steps.len();
    let with_time = data.table.time.is_some();
    let mut header = vec!["last_input_line".to_string()];
    header.extend((1..=n).map(|s| format!("actual_{s}")));
    header.extend((1..=n).map(|s| format!("model_{s}")));
    header.push("persistence".to_string());
    if with_time {
        header.push("last_input_time".to_string());
    }
    let mut records = vec![header];
    for (i, k) in split.test.clone().enumerate() {
        let last = k + split.window - 1;
        let mut r = vec![data.table.lines[last].to_string()];
        r.extend(steps.iter().map(|s| s.actual[i].to_string()));
        r.extend(steps.iter().map(|s| s.predicted[i].to_string()));
        r.push(results.last.persistence[i].to_string());
        if with_time {
            r.push(data.time_at(last).unwrap_or_default().to_string());
        }
        records.push(r);
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Metrics;

    #[test]
    fn a_step_where_persistence_is_exact_has_an_undefined_ratio() {
        let actual = [1.0, 2.0, 3.0];
        let step = |persistence: &[f64]| Evaluation {
            model: Metrics::new(&[1.5, 2.0, 3.0], &actual),
            persistence: Metrics::new(persistence, &actual),
        };
        let table = steps_table(&[step(&actual), step(&[0.0, 2.0, 3.0])], "v");
        let rows: Vec<&str> = table.lines().skip(2).collect();
        assert!(rows[0].ends_with("undefined"), "{table}");
        assert!(rows[1].ends_with("0.500"), "{table}");
        assert!(!table.contains("inf"), "{table}");
    }

    #[test]
    fn step_targets_give_each_sample_its_next_n_values() {
        let t: Vec<f64> = (0..8).map(f64::from).collect();
        let cols = step_targets(&t, 3);
        // Window 2: sample 0's target row is 0 + 2 + 3 - 1 = 4, steps rows 2, 3, 4.
        assert_eq!([cols[0][4], cols[1][4], cols[2][4]], [2.0, 3.0, 4.0]);
        assert!(cols[0][1].is_nan());
        assert_eq!(step_targets(&t, 1), [t]);
    }

    #[test]
    fn model_steps_accept_single_and_direct_models_and_refuse_the_rest() {
        use crate::data::contract::Contract;
        use crate::data::split::TestSize;
        use rnn_core::format::{FeatureScale, ScalerKind};
        let s = FeatureScale {
            shift: 0.0,
            scale: 1.0,
        };
        let meta = |targets: usize, horizon: usize| {
            crate::export::metadata(ScalerKind::MinMax, &[s], &vec![s; targets], 8, horizon)
                .unwrap()
        };
        let path = Path::new("m.rnnw");
        assert_eq!(model_steps(path, &meta(1, 5), None, 1).unwrap(), 1);
        assert_eq!(model_steps(path, &meta(3, 3), None, 3).unwrap(), 3);
        let refused = |m: &Metadata, c: Option<&DataContract>, outputs: usize| {
            matches!(
                model_steps(path, m, c, outputs),
                Err(TrainError::Architecture { .. })
            )
        };
        assert!(refused(&meta(1, 1), None, 2), "outputs without scales");
        assert!(
            refused(&meta(3, 2), None, 3),
            "horizon is not the step count"
        );
        let c = Contract {
            inputs: vec!["v".into()],
            target: "v".into(),
            time: None,
            window: 8,
            horizon: 2,
            val_fraction: 0.0,
            test_size: TestSize::Count(10),
        };
        let mut rec = c.record(&c.split(100).unwrap(), 100).unwrap();
        rec.targets.push("w".try_into().unwrap()).unwrap();
        assert!(refused(&meta(2, 2), Some(&rec), 2), "two target columns");
        rec.targets[1] = "v".try_into().unwrap();
        assert_eq!(model_steps(path, &meta(2, 2), Some(&rec), 2).unwrap(), 2);
    }

    #[test]
    fn steps_are_checked() {
        assert!(check_steps(0).is_err());
        assert!(check_steps(MAX_STEPS + 1).is_err());
        assert!(check_steps(MAX_STEPS).is_ok());
    }
}
