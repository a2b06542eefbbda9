//! The commands of the `rnn-train` tool, callable as a library (the
//! binary in `main.rs` only parses arguments and prints).

pub mod classify;
pub mod cost;
pub mod eval;
pub mod export_rust;
pub mod forecast_steps;
pub mod import_model;
pub mod inspect;
pub mod predict;
pub mod predict_classes;
pub mod quantize;
pub mod stack;
pub mod train;

use std::path::{Path, PathBuf};

use rnn_core::format::{DataContract, Metadata};

pub use crate::data::contract::DEFAULT_COLUMN;
use crate::error::{Result, TrainError};
use crate::nn::Network;

/// Default CSV of `train` and `eval`: hourly sea water temperature (see
/// `data/README.md`), resolved against the current directory.
pub const DEFAULT_CSV: &str = "data/sea_surface_temperature_hourly.csv";
/// Default CSV of `classify`: smartwatch activity recordings (see
/// `data/README.md`), resolved against the current directory.
pub const DEFAULT_LABELLED_CSV: &str = "data/basic_motions_activity.csv";
/// Default output directory of `train`.
pub const DEFAULT_OUT_DIR: &str = "out";
/// File name of the weight file in the output directory.
pub const MODEL_FILE: &str = "model.rnnw";

/// The quantized weight file `train --quantize` writes beside
/// [`MODEL_FILE`].
pub const QUANTIZED_FILE: &str = "model.q.rnnw";
/// The test split's predictions `train` and `classify` write.
pub const TEST_PREDICTIONS_FILE: &str = "test_predictions.csv";
/// The loss curves `train` and `classify` draw.
pub const LOSS_PLOT_FILE: &str = "loss.png";

/// A CSV path given on the command line, or the default one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CsvSource {
    /// [`DEFAULT_CSV`], relative to the current directory.
    Default,
    /// [`DEFAULT_LABELLED_CSV`] (`classify`), relative to the current
    /// directory.
    DefaultLabelled,
    /// A path the user gave.
    Path(PathBuf),
}

impl CsvSource {
    /// The path to read.
    pub fn path(&self) -> &Path {
        match self {
            CsvSource::Default => Path::new(DEFAULT_CSV),
            CsvSource::DefaultLabelled => Path::new(DEFAULT_LABELLED_CSV),
            CsvSource::Path(p) => p,
        }
    }

    /// The path to read, checked to exist when it is the default.
    ///
    /// # Errors
    /// [`TrainError::DefaultDataMissing`] (saying where it looked) when the
    /// default file is absent.
    pub fn existing(&self) -> Result<&Path> {
        let path = self.path();
        if !matches!(self, CsvSource::Path(_)) && !path.exists() {
            return Err(TrainError::DefaultDataMissing {
                path: path.to_path_buf(),
                cwd: std::env::current_dir().unwrap_or_default(),
            });
        }
        Ok(path)
    }
}

/// Checks that a loaded model forecasts one target (at one horizon, or at
/// every step of a direct multi-step model, see [`crate::steps`]) from
/// `inputs` features and has the metadata `eval` and `predict` need;
/// returns the metadata and the number of forecast steps (1 for a
/// single-step model).
fn check_model<'a>(
    path: &Path,
    network: &Network,
    metadata: Option<&'a Metadata>,
    contract: Option<&DataContract>,
    inputs: usize,
) -> Result<(&'a Metadata, usize)> {
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
    if meta.targets.is_empty() {
        return Err(TrainError::Architecture {
            path: path.to_path_buf(),
            reason: "the model is a classifier (class probabilities, no target): \
                     `rnn-train predict` classifies a CSV with it, `rnn-train classify` scores it"
                .to_string(),
        });
    }
    let steps = crate::steps::model_steps(path, meta, contract, network.output_size())?;
    Ok((meta, steps))
}

/// Refuses a sequence-to-sequence `network` (loaded from `path`) for
/// `command`, which handles one forecast per window.
///
/// # Errors
/// [`TrainError::SequenceModel`] naming the file and the command.
pub(crate) fn refuse_sequence_model(
    path: &Path,
    network: &Network,
    command: &'static str,
) -> Result<()> {
    if network.architecture().sequence_output {
        return Err(TrainError::SequenceModel {
            path: path.to_path_buf(),
            command,
        });
    }
    Ok(())
}

/// Whether `output` names the file `input`: the same path, or the same
/// file after resolving symbolic links and `..` (canonicalized). A hard
/// link is another name: the outputs are written by
/// [`crate::export::write_atomic`], which replaces the name and leaves
/// the input's data alone. An `output` that does not exist yet is no
/// input.
pub(crate) fn same_file(input: &Path, output: &Path) -> bool {
    input == output
        || matches!(
            (std::fs::canonicalize(input), std::fs::canonicalize(output)),
            (Ok(i), Ok(o)) if i == o
        )
}

/// Refuses an output directory `out_dir` where one of the files `names`
/// a command writes there would be the input CSV `csv` ([`same_file`]),
/// before any work is done: the input is never overwritten.
///
/// # Errors
/// [`TrainError::OutputIsInput`] naming the output and the CSV.
pub(crate) fn refuse_outputs_over_csv(csv: &Path, out_dir: &Path, names: &[&str]) -> Result<()> {
    for name in names {
        let output = out_dir.join(name);
        if same_file(csv, &output) {
            return Err(TrainError::OutputIsInput {
                output,
                input: csv.to_path_buf(),
                what: "input CSV",
            });
        }
    }
    Ok(())
}

/// Refuses an output path that is the model ([`same_file`]):
/// [`TrainError::OutputIsInput`].
pub(crate) fn refuse_overwriting_model(model: &Path, output: &Path) -> Result<()> {
    if same_file(model, output) {
        return Err(TrainError::OutputIsInput {
            output: output.to_path_buf(),
            input: model.to_path_buf(),
            what: "model",
        });
    }
    Ok(())
}
