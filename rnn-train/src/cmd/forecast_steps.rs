//! `rnn-train forecast`: autoregressive multi-step forecasts with a
//! one-step model whose only input is its target column (see
//! [`crate::autoregress`]).
//!
//! What it forecasts:
//! - from the CSV's last window: the `N` values after its last row (the
//!   future, `forecast.csv`);
//! - from every test window of the model's stored test split (or of
//!   `--test-size`; the split `eval` makes) whose `N` next values are in
//!   the CSV: `N` steps each, compared per step with the actual values and
//!   with persistence (the window's last value repeated), printed and
//!   written to `forecast_test.csv`. Every value compared is a test row. A
//!   CSV too short for such a split, or with fewer than 10 such windows,
//!   gets the future forecast and a note instead of metrics (and an
//!   earlier run's `forecast_test.csv` in the output directory is removed).
//!
//! With plots on, `forecast_fan.png` draws the end of the series, the
//! paths of the last test windows and the future forecast.

use std::path::PathBuf;

use super::{check_model, same_file, CsvSource};
use crate::autoregress::rollout;
use crate::data::contract::{resolve, rows_note, Contract, Overrides, MIN_EVAL_WINDOWS};
use crate::data::split::{Split, TestSize};
use crate::error::{Result, TrainError};
use crate::fan_plot::{forecast_fan, ForecastPath};
use crate::steps::{prediction_records, step_results, StepResults};
use crate::{export, import};

/// File name of the future forecast in the output directory.
pub const FORECAST_FILE: &str = "forecast.csv";
/// File name of the test windows' forecasts in the output directory.
pub const TEST_FORECAST_FILE: &str = "forecast_test.csv";
/// File name of the fan plot in the output directory.
pub const FAN_PLOT_FILE: &str = "forecast_fan.png";
/// Most test forecast paths drawn in the fan plot (the last ones; every
/// test window's path would hide the series).
const MAX_PLOTTED_PATHS: usize = 12;

/// What `forecast` needs.
#[derive(Clone, Debug, PartialEq)]
pub struct ForecastOptions {
    /// The weight file: a one-step model (`train --horizon 1`) whose only
    /// input is its target column.
    pub model: PathBuf,
    /// The CSV holding the target column.
    pub csv: CsvSource,
    /// Steps `N` to forecast, each fed back as the next input (at least 1).
    pub steps: usize,
    /// Replaces the model's stored test split (`--test-size`).
    pub test_size: Option<TestSize>,
    /// Directory for `forecast.csv`, `forecast_test.csv` and the plot.
    pub out_dir: PathBuf,
    /// Whether to draw `forecast_fan.png`.
    pub plots: bool,
}

/// The files `forecast` wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForecastOutputs {
    /// `step,forecast` from the CSV's last window.
    pub forecast: PathBuf,
    /// The test windows' forecasts, actual values and persistence, if the
    /// CSV has a test split.
    pub test_forecasts: Option<PathBuf>,
    /// The fan plot, if plots are on.
    pub fan_plot: Option<PathBuf>,
}

/// What `forecast` found.
#[derive(Clone, Debug, PartialEq)]
pub struct Forecasted {
    /// The contract used (the model's stored one with overrides).
    pub contract: Contract,
    /// CSV line (1-based, header = 1) of the CSV's last row: step `s` of
    /// `future` is `s` rows after it.
    pub last_line: u64,
    /// The forecasts of the `N` rows after the CSV's end, target units,
    /// step 1 first.
    pub future: Vec<f64>,
    /// The test windows and their per-step results, if the CSV is long
    /// enough for a test split of windows with `N` known next values.
    pub test: Option<(Split, StepResults)>,
    /// Overrides, a CSV of another length, no test split.
    pub notes: Vec<String>,
    /// Files written.
    pub outputs: ForecastOutputs,
}

/// Refuses a model whose forecast cannot be its next input.
fn check_autoregressive(opts: &ForecastOptions, contract: &Contract, steps: usize) -> Result<()> {
    let refuse = |reason: String| TrainError::NotAutoregressive {
        path: opts.model.clone(),
        reason,
    };
    if steps > 1 {
        return Err(refuse(format!(
            "it is a direct multi-step model ({steps} steps at once); `predict` and `eval` run it"
        )));
    }
    if contract.horizon != 1 {
        return Err(refuse(format!(
            "it forecasts {} steps ahead, not the next value",
            contract.horizon
        )));
    }
    if contract.inputs != [contract.target.clone()] {
        return Err(refuse(format!(
            "its inputs {:?} are not exactly its target {:?}: the future values of the other \
             inputs are unknown, so a forecast cannot be its next input",
            contract.inputs, contract.target
        )));
    }
    Ok(())
}

/// Runs `forecast` and writes its files (all computed first, so an error
/// writes nothing).
///
/// # Errors
/// [`TrainError::InvalidOption`] (`--steps`) for 0 steps;
/// [`TrainError::SequenceModel`] for a sequence-to-sequence model;
/// [`TrainError::OutputDir`] when the output directory is a file;
/// [`TrainError::OutputIsInput`] when an output file is the model or the
/// CSV; those of [`import::load`], [`CsvSource::existing`] and
/// [`Contract::read`]; [`TrainError::NoMetadata`],
/// [`TrainError::InputCount`] or [`TrainError::Architecture`] as `predict`;
/// [`TrainError::NotAutoregressive`] for a model whose inputs are not
/// exactly its target, whose horizon is not 1 or that is multi-step;
/// [`TrainError::ShorterThanWindow`] for a CSV shorter than the window;
/// [`TrainError::File`] / [`TrainError::Plot`] when an output cannot be
/// written.
pub fn run(opts: &ForecastOptions) -> Result<Forecasted> {
    if opts.steps == 0 {
        return Err(TrainError::InvalidOption {
            option: "--steps",
            reason: "must be at least 1 (the number of values forecast)".to_string(),
        });
    }
    export::check_output_dir(&opts.out_dir)?;
    let files = [FORECAST_FILE, TEST_FORECAST_FILE, FAN_PLOT_FILE].map(|f| opts.out_dir.join(f));
    for output in &files {
        for (input, what) in [(&*opts.model, "model"), (opts.csv.path(), "input CSV")] {
            if same_file(input, output) {
                return Err(TrainError::OutputIsInput {
                    output: output.clone(),
                    input: input.to_path_buf(),
                    what,
                });
            }
        }
    }
    let model = import::load(&opts.model)?;
    super::refuse_sequence_model(&opts.model, &model.network, "forecast")?;
    let meta = model
        .metadata
        .as_ref()
        .ok_or_else(|| TrainError::NoMetadata {
            path: opts.model.clone(),
        })?;
    let overrides = Overrides {
        test_size: opts.test_size,
        ..Overrides::default()
    };
    let (contract, mut notes) = resolve(meta, model.contract.as_ref(), &overrides);
    let (_, model_steps) = check_model(
        &opts.model,
        &model.network,
        Some(meta),
        model.contract.as_ref(),
        contract.inputs.len(),
    )?;
    check_autoregressive(opts, &contract, model_steps)?;
    let data = contract.read(opts.csv.existing()?, false, true)?;
    let (rows, window, n) = (data.table.rows(), contract.window, opts.steps);
    if rows < window {
        return Err(TrainError::ShorterThanWindow { window, rows });
    }
    notes.extend(rows_note(model.contract.as_ref(), rows));
    let target = data.target.as_deref().unwrap_or_default();
    let future = rollout(&model.network, meta, &target[rows - window..], n)?;
    let test = match test_windows(&contract, rows, n) {
        Ok(split) => {
            let mut predicted = vec![Vec::with_capacity(split.test.len()); n];
            for k in split.test.clone() {
                let path = rollout(&model.network, meta, &target[k..k + window], n)?;
                for (p, v) in predicted.iter_mut().zip(path) {
                    p.push(v);
                }
            }
            let results = step_results(predicted, &data, &split);
            Some((split, results))
        }
        Err(e) => {
            notes.push(format!("no per-step metrics: {e}"));
            None
        }
    };

    let [forecast_path, test_path, fan_path] = files;
    let mut records = vec![vec!["step".to_string(), "forecast".to_string()]];
    records.extend(
        future
            .iter()
            .enumerate()
            .map(|(s, v)| vec![(s + 1).to_string(), v.to_string()]),
    );
    export::write_csv(&forecast_path, &records)?;
    match &test {
        Some((split, results)) => {
            export::write_csv(&test_path, &prediction_records(results, &data, split))?;
        }
        // An earlier run's test forecasts would be read as this run's.
        None => match std::fs::remove_file(&test_path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(TrainError::File {
                    path: test_path,
                    source: e,
                })
            }
            _ => {}
        },
    }
    let fan_plot = if opts.plots {
        draw_fan(&fan_path, &contract.target, target, test.as_ref(), &future)?;
        Some(fan_path)
    } else {
        None
    };
    Ok(Forecasted {
        last_line: data.table.lines[rows - 1],
        contract,
        future,
        outputs: ForecastOutputs {
            forecast: forecast_path,
            test_forecasts: test.is_some().then_some(test_path),
            fan_plot,
        },
        test,
        notes,
    })
}

/// The model's test windows (its stored split of this CSV, as `eval`
/// makes it: horizon 1, the contract's validation fraction and test size)
/// whose `n` next rows are all in the CSV, as a split of horizon `n` (the
/// last step's target row). Every target of those windows is a test row:
/// none was trained or validated on.
///
/// # Errors
/// Those of [`Contract::split`]; [`TrainError::TooFewWindows`] when fewer
/// than [`MIN_EVAL_WINDOWS`] test windows have `n` next rows.
fn test_windows(contract: &Contract, rows: usize, n: usize) -> Result<Split> {
    let model = contract.split(rows)?;
    // Window `k` reads rows `k .. k + W` and its steps rows up to `k + W + n - 1`.
    let end = (rows + 1).saturating_sub(contract.window + n);
    let test = model.test.start..model.test.end.min(end).max(model.test.start);
    if test.len() < MIN_EVAL_WINDOWS {
        return Err(TrainError::TooFewWindows {
            part: "test",
            option: "--test-size (or fewer --steps)",
            found: test.len(),
            min: MIN_EVAL_WINDOWS,
        });
    }
    Ok(Split {
        test,
        horizon: n,
        ..model
    })
}

/// Draws the fan: the last [`MAX_PLOTTED_PATHS`] test windows' paths, `N`
/// rows apart (so they do not overlap), the series from the earliest one's
/// window on, and the future (without a test split: the last `4 N` rows
/// and the future).
fn draw_fan(
    path: &std::path::Path,
    name: &str,
    target: &[f64],
    test: Option<&(Split, StepResults)>,
    future: &[f64],
) -> Result<()> {
    let rows = target.len();
    let steps = future.len();
    let (first_row, paths) = match test {
        Some((split, results)) => {
            let all: Vec<&[f64]> = results.all().map(|r| r.predicted.as_slice()).collect();
            let paths: Vec<ForecastPath> = (0..split.test.len())
                .rev()
                .step_by(steps)
                .take(MAX_PLOTTED_PATHS)
                .map(|i| ForecastPath {
                    start: split.test.start + i + split.window,
                    values: all.iter().map(|p| p[i]).collect(),
                })
                .collect();
            let earliest = paths.last().map_or(rows, |p| p.start);
            (earliest.saturating_sub(split.window), paths)
        }
        None => (rows.saturating_sub(4 * steps), Vec::new()),
    };
    let future = ForecastPath {
        start: rows,
        values: future.to_vec(),
    };
    forecast_fan(
        path,
        name,
        (first_row, &target[first_row..]),
        &paths,
        &future,
    )
}
