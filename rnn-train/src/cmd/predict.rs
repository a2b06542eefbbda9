//! `rnn-train predict`: runs a weight file over every window of a CSV and
//! writes the forecasts as CSV.

use std::path::PathBuf;

use super::{check_model, columns, predict_at, scale_columns, CsvSource};
use crate::error::{Result, TrainError};
use crate::import;

/// What `predict` needs.
#[derive(Clone, Debug, PartialEq)]
pub struct PredictOptions {
    /// The weight file (written by `rnn-train train`).
    pub model: PathBuf,
    /// The CSV.
    pub csv: CsvSource,
    /// Input columns, in the order the model was trained with.
    pub inputs: Vec<String>,
    /// A target column to write next to the forecasts, if wanted.
    pub target: Option<String>,
    /// The output CSV.
    pub output: PathBuf,
}

/// One forecast.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Forecast {
    /// CSV line (1-based, header = 1) of the window's last input row.
    pub last_input_line: u64,
    /// Rows between the last input row and the forecast row (the model's horizon).
    pub horizon: usize,
    /// The forecast, in the target's units.
    pub prediction: f64,
    /// The target column's value at the forecast row, if asked for and in the file.
    pub actual: Option<f64>,
}

/// Forecasts for every window of the CSV (the last ones forecast rows past
/// the end of the file, with no actual value).
///
/// # Errors
/// Those of [`import::load`] and [`CsvSource::read`];
/// [`TrainError::NoMetadata`], [`TrainError::InputCount`] or
/// [`TrainError::Architecture`] when the model does not fit the columns;
/// [`TrainError::ShorterThanWindow`] when the CSV is shorter than one window.
pub fn forecasts(opts: &PredictOptions) -> Result<Vec<Forecast>> {
    let model = import::load(&opts.model)?;
    let meta = check_model(
        &opts.model,
        &model.network,
        model.metadata.as_ref(),
        opts.inputs.len(),
    )?;
    let mut wanted: Vec<&str> = opts.inputs.iter().map(String::as_str).collect();
    wanted.extend(opts.target.as_deref());
    let table = opts.csv.read(&wanted)?;
    let (window, horizon) = (meta.window as usize, meta.horizon as usize);
    let rows = table.rows();
    if rows < window {
        return Err(TrainError::ShorterThanWindow { window, rows });
    }
    let scaled = scale_columns(&columns(&table, &opts.inputs), &meta.inputs);
    let target = opts.target.as_deref().and_then(|t| table.column(t));
    (0..=rows - window)
        .map(|start| {
            let last = start + window - 1;
            Ok(Forecast {
                last_input_line: table.lines[last],
                horizon,
                prediction: predict_at(&model.network, &scaled, start, window, &meta.targets[0])?,
                actual: target.and_then(|t| t.get(last + horizon).copied()),
            })
        })
        .collect()
}

/// Runs `predict` and writes `opts.output` with the columns
/// `last_input_line,horizon,prediction` (and `actual` with a target);
/// returns the number of forecasts.
///
/// # Errors
/// Those of [`forecasts`]; [`TrainError::File`] or [`TrainError::Csv`] when
/// the output cannot be written.
pub fn run(opts: &PredictOptions) -> Result<usize> {
    let forecasts = forecasts(opts)?;
    let file_err = |source| TrainError::File {
        path: opts.output.clone(),
        source,
    };
    if let Some(dir) = opts.output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(file_err)?;
    }
    let mut w = csv::Writer::from_path(&opts.output)?;
    let mut header = vec!["last_input_line", "horizon", "prediction"];
    if opts.target.is_some() {
        header.push("actual");
    }
    w.write_record(&header)?;
    for f in &forecasts {
        let mut record = vec![
            f.last_input_line.to_string(),
            f.horizon.to_string(),
            f.prediction.to_string(),
        ];
        if opts.target.is_some() {
            record.push(f.actual.map(|a| a.to_string()).unwrap_or_default());
        }
        w.write_record(&record)?;
    }
    w.flush().map_err(file_err)?;
    Ok(forecasts.len())
}
