//! `rnn-train predict`: runs a weight file over every window of a CSV and
//! writes the forecasts as CSV. The input columns come from the model's
//! data contract unless `--input` overrides them.
//!
//! A sequence-to-sequence model (`train --seq2seq`) outputs at every
//! timestep; `predict` writes, for every window, its output at the last
//! timestep (the one that has seen `window` rows): one forecast per row
//! from the `window`-th row on, of the target `horizon` rows after that row
//! (0: the same row), in the same columns as a single-step model.

use std::path::PathBuf;

use super::{check_model, CsvSource};
use crate::data::contract::{resolve, Overrides};
use crate::error::{Result, TrainError};
use crate::forecast::scale_columns;
use crate::import;

/// What `predict` needs.
#[derive(Clone, Debug, PartialEq)]
pub struct PredictOptions {
    /// The weight file (written by `rnn-train train`).
    pub model: PathBuf,
    /// The CSV.
    pub csv: CsvSource,
    /// Flags that replace the model's stored input or target columns.
    pub overrides: Overrides,
    /// The output CSV.
    pub output: PathBuf,
}

/// One forecast.
#[derive(Clone, Debug, PartialEq)]
pub struct Forecast {
    /// CSV line (1-based, header = 1) of the window's last input row.
    pub last_input_line: u64,
    /// The time column's cell at the last input row, if the CSV has one.
    pub last_input_time: Option<String>,
    /// Rows between the last input row and the (last) forecast row: the
    /// model's horizon, a direct multi-step model's step count.
    pub horizon: usize,
    /// The forecasts, in the target's units: one at the horizon for a
    /// single-step model, one per step `1..=horizon` (step 1 first) for a
    /// direct multi-step model.
    pub predictions: Vec<f64>,
    /// The target column's value at each forecast row (as `predictions`),
    /// if the CSV has the target column and the row.
    pub actuals: Vec<Option<f64>>,
}

/// The forecasts and what `predict` wants the user to know.
#[derive(Clone, Debug, PartialEq)]
pub struct Forecasts {
    /// One per window of the CSV.
    pub forecasts: Vec<Forecast>,
    /// Whether the CSV has the target column (the `actual` column is written).
    pub with_actual: bool,
    /// Whether the CSV has the time column (the `last_input_time` column is written).
    pub with_time: bool,
    /// Overrides or a missing contract.
    pub notes: Vec<String>,
}

/// Forecasts for every window of the CSV (the last ones forecast rows past
/// the end of the file, with no actual value).
///
/// # Errors
/// Those of [`import::load`], [`CsvSource::existing`] and
/// [`crate::data::contract::Contract::read`] (a CSV lacking an input
/// column); [`TrainError::NoMetadata`], [`TrainError::InputCount`] or
/// [`TrainError::Architecture`] when the model does not fit the columns;
/// [`TrainError::ShorterThanWindow`] when the CSV is shorter than one window.
pub fn forecasts(opts: &PredictOptions) -> Result<Forecasts> {
    let model = import::load(&opts.model)?;
    let meta = model
        .metadata
        .as_ref()
        .ok_or_else(|| TrainError::NoMetadata {
            path: opts.model.clone(),
        })?;
    let (contract, notes) = resolve(meta, model.contract.as_ref(), &opts.overrides);
    let (_, steps) = check_model(
        &opts.model,
        &model.network,
        Some(meta),
        model.contract.as_ref(),
        contract.inputs.len(),
    )?;
    let data = contract.read(opts.csv.existing()?, true, true)?;
    let (window, horizon) = (contract.window, contract.horizon);
    let rows = data.table.rows();
    if rows < window {
        return Err(TrainError::ShorterThanWindow { window, rows });
    }
    let scaled = scale_columns(&data.inputs, &meta.inputs);
    // Forecast rows after the last input row: the horizon, or every step.
    let ahead: Vec<usize> = (horizon + 1 - steps..=horizon).collect();
    let forecasts = (0..=rows - window)
        .map(|start| {
            let last = start + window - 1;
            let x = crate::data::window::input_window(&scaled, start, window);
            let y = model.network.predict(&x)?;
            // A sequence-to-sequence model's output at the window's last
            // timestep (the one that has seen `window` rows).
            let y = &y[y.len() - model.network.output_size()..];
            Ok(Forecast {
                last_input_line: data.table.lines[last],
                last_input_time: data.time_at(last).map(str::to_string),
                horizon,
                predictions: y
                    .iter()
                    .zip(&meta.targets)
                    .map(|(&v, s)| crate::data::scale::unscale(s, v))
                    .collect(),
                actuals: ahead
                    .iter()
                    .map(|a| data.target.as_ref().and_then(|t| t.get(last + a).copied()))
                    .collect(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Forecasts {
        forecasts,
        with_actual: data.target.is_some(),
        with_time: data.table.time.is_some(),
        notes,
    })
}

/// Refuses an output path that resolves to the model or the input CSV
/// (compared after canonicalizing, so `./m.rnnw` and `m.rnnw` match).
///
/// # Errors
/// [`TrainError::OutputIsInput`] naming both paths.
pub(crate) fn check_output_is_new(opts: &PredictOptions) -> Result<()> {
    for (input, what) in [(&*opts.model, "model"), (opts.csv.path(), "input CSV")] {
        if super::same_file(input, &opts.output) {
            return Err(TrainError::OutputIsInput {
                output: opts.output.clone(),
                input: input.to_path_buf(),
                what,
            });
        }
    }
    Ok(())
}

/// Runs `predict` and writes `opts.output` atomically with the columns
/// `last_input_line,horizon,prediction[,actual][,last_input_time]`
/// (a direct multi-step model of `N` steps: `prediction_1..prediction_N`
/// and `actual_1..actual_N` instead)
/// (`last_input_time` when the CSV has a time column, `actual` when it has
/// the target column), creating missing parent directories; returns the
/// forecasts written.
///
/// # Errors
/// [`TrainError::OutputIsInput`] when the output is the model or the CSV
/// (checked first); those of [`forecasts`]; [`TrainError::File`] naming the
/// output when it cannot be written (for example a directory).
pub fn run(opts: &PredictOptions) -> Result<Forecasts> {
    check_output_is_new(opts)?;
    let f = forecasts(opts)?;
    let steps = f.forecasts.first().map_or(1, |x| x.predictions.len());
    // Single-step: `prediction`, `actual`; multi-step: one column per step.
    let numbered = |name: &str| -> Vec<String> {
        if steps == 1 {
            vec![name.to_string()]
        } else {
            (1..=steps).map(|s| format!("{name}_{s}")).collect()
        }
    };
    let mut header = vec!["last_input_line".to_string(), "horizon".to_string()];
    header.extend(numbered("prediction"));
    if f.with_actual {
        header.extend(numbered("actual"));
    }
    if f.with_time {
        header.push("last_input_time".to_string());
    }
    let mut records = vec![header];
    records.extend(f.forecasts.iter().map(|x| {
        let mut record = vec![x.last_input_line.to_string(), x.horizon.to_string()];
        record.extend(x.predictions.iter().map(f64::to_string));
        if f.with_actual {
            record.extend(
                x.actuals
                    .iter()
                    .map(|a| a.map(|a| a.to_string()).unwrap_or_default()),
            );
        }
        if f.with_time {
            record.push(x.last_input_time.clone().unwrap_or_default());
        }
        record
    }));
    crate::export::write_csv(&opts.output, &records)?;
    Ok(f)
}
