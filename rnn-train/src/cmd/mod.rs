//! The four commands of the `rnn-train` tool, callable as a library (the
//! binary in `main.rs` only parses arguments and prints).

pub mod eval;
pub mod inspect;
pub mod predict;
pub mod quantize;
pub mod train;

use std::path::{Path, PathBuf};

use rnn_core::format::{FeatureScale, Metadata};

use crate::data::csv::{read_columns, Table};
use crate::data::scale;
use crate::error::{Result, TrainError};
use crate::nn::Network;

/// Default CSV of `train` and `eval`: hourly sea water temperature (see
/// `data/README.md`), resolved against the current directory.
pub const DEFAULT_CSV: &str = "data/sea_surface_temperature_hourly.csv";
/// Default input and target column of [`DEFAULT_CSV`], in °C.
pub const DEFAULT_COLUMN: &str = "temperature_c";
/// Default output directory of `train`.
pub const DEFAULT_OUT_DIR: &str = "out";
/// File name of the weight file in the output directory.
pub const MODEL_FILE: &str = "model.rnnw";

/// A CSV path given on the command line, or the default one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CsvSource {
    /// [`DEFAULT_CSV`], relative to the current directory.
    Default,
    /// A path the user gave.
    Path(PathBuf),
}

impl CsvSource {
    /// The path to read.
    pub fn path(&self) -> &Path {
        match self {
            CsvSource::Default => Path::new(DEFAULT_CSV),
            CsvSource::Path(p) => p,
        }
    }

    /// Reads `columns` from the CSV.
    ///
    /// # Errors
    /// [`TrainError::DefaultDataMissing`] (saying where it looked) when the
    /// default file is absent; otherwise those of [`read_columns`].
    pub fn read(&self, columns: &[&str]) -> Result<Table> {
        let path = self.path();
        if *self == CsvSource::Default && !path.exists() {
            return Err(TrainError::DefaultDataMissing {
                path: path.to_path_buf(),
                cwd: std::env::current_dir().unwrap_or_default(),
            });
        }
        read_columns(path, columns)
    }
}

/// The named columns' values from `table`, in the order of `names`.
fn columns(table: &Table, names: &[String]) -> Vec<Vec<f64>> {
    names
        .iter()
        .filter_map(|n| table.column(n).map(<[f64]>::to_vec))
        .collect()
}

/// Every column scaled by its own scale.
fn scale_columns(raw: &[Vec<f64>], scales: &[FeatureScale]) -> Vec<Vec<f64>> {
    raw.iter()
        .zip(scales)
        .map(|(c, s)| scale::scale_all(s, c))
        .collect()
}

/// Checks that a loaded model predicts one value from `inputs` features and
/// has the metadata `eval` and `predict` need; returns the metadata.
fn check_model<'a>(
    path: &Path,
    network: &Network,
    metadata: Option<&'a Metadata>,
    inputs: usize,
) -> Result<&'a Metadata> {
    let meta = metadata.ok_or_else(|| TrainError::NoMetadata {
        path: path.to_path_buf(),
    })?;
    let arch = network.architecture();
    if arch.input_size != inputs || meta.inputs.len() != inputs {
        return Err(TrainError::InputCount {
            expected: arch.input_size,
            found: inputs,
        });
    }
    if network.output_size() != 1 || meta.targets.len() != 1 {
        return Err(TrainError::Architecture {
            path: path.to_path_buf(),
            reason: format!(
                "the model has {} output(s) and {} target scale(s); rnn-train evaluates one target",
                network.output_size(),
                meta.targets.len()
            ),
        });
    }
    Ok(meta)
}

/// The model's prediction, in the target's units, for the window of scaled
/// `inputs` starting at row `start`.
fn predict_at(
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
