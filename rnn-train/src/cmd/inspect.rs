//! `rnn-train inspect`: a weight file's layers, parameter counts and the
//! memory it takes in rnn-core, like Keras's `model.summary()`.

use std::path::Path;

use rnn_core::quant::format::QUANTIZED_FORMAT_VERSION;
use rnn_core::quant::QModel;

use super::quantize::describe;
use crate::error::{Result, TrainError};
use crate::import;
use crate::report::{describe_classes, describe_contract, describe_metadata, summarize};

/// The summary text of the weight file at `path`: the layer table, totals,
/// weight and state bytes, then the saved preprocessing and data contract;
/// for a quantized file (format version 3), its layers with their
/// fixed-point formats, the bytes of its parameters and the preprocessing.
///
/// A file rnn-core runs but rnn-train's networks cannot (a softmax layer
/// without class names, a Dense layer without bias) is summarized too,
/// with a note saying so. Each recurrent layer shows its own kind.
///
/// # Errors
/// Those of [`import::load`] (unreadable file, rnn-core's checks) but
/// [`TrainError::Architecture`]; for a quantized file,
/// [`TrainError::File`] and [`TrainError::WeightFile`] (rnn-core's
/// checks of the quantized format).
pub fn run(path: &Path) -> Result<String> {
    let (specs, metadata, contract, classes, note, sequence_output) = match import::load(path) {
        // The float reader stops at the version: a quantized model.
        Err(TrainError::WeightFile {
            source: rnn_core::Error::UnsupportedVersion { found, .. },
            ..
        }) if found == QUANTIZED_FORMAT_VERSION => return quantized(path),
        // rnn-core checked the file; only rnn-train's networks refuse it.
        Err(TrainError::Architecture { reason, .. }) => {
            let blob = crate::export::read(path)?;
            let header = rnn_core::format::read_header(&blob)
                .map_err(|source| TrainError::WeightFile {
                    path: path.to_path_buf(),
                    source,
                })?
                .header;
            let note = format!(
                "\nrnn-core runs this model; rnn-train cannot evaluate or train it ({reason})."
            );
            let specs = header.layers.iter().copied().collect();
            (
                specs,
                header.metadata,
                header.contract,
                header.classes,
                note,
                header.sequence_output,
            )
        }
        other => {
            let m = other?;
            let sequence = m.network.architecture().sequence_output;
            (
                m.specs,
                m.metadata,
                m.contract,
                m.classes,
                String::new(),
                sequence,
            )
        }
    };
    let window = metadata.as_ref().map(|m| m.window as usize);
    let mut text = format!("Model: {}\n{}\n", path.display(), summarize(&specs, window));
    text.push_str(&match &metadata {
        Some(m) => describe_metadata(m),
        None => "No preprocessing metadata.".to_string(),
    });
    text.push('\n');
    text.push_str(&match (&contract, &classes) {
        (_, Some(k)) => describe_classes(k, specs.last(), contract.as_ref()),
        (Some(c), None) => describe_contract(c),
        (None, None) => {
            "No data contract (weight format 1, or not written by rnn-train train).".to_string()
        }
    });
    text.push_str(&note);
    if sequence_output {
        text.push_str(&format!(
            "\nSequence-to-sequence (seq2seq): the Dense head runs at every timestep, an output \
             per input row (the target {} row(s) after it); weight format version {}.",
            metadata.as_ref().map_or(0, |m| m.horizon),
            rnn_core::format::SEQUENCE_FORMAT_VERSION
        ));
    }
    Ok(text)
}

/// [`run`] for a quantized weight file.
fn quantized(path: &Path) -> Result<String> {
    let blob = std::fs::read(path).map_err(|source| TrainError::File {
        path: path.to_path_buf(),
        source,
    })?;
    let model = QModel::from_blob(&blob).map_err(|source| TrainError::WeightFile {
        path: path.to_path_buf(),
        source,
    })?;
    let mut text = format!(
        "Quantized model (int8 weights, int16 state; weight format {QUANTIZED_FORMAT_VERSION}): {}\n",
        path.display()
    );
    for (i, l) in model.specs().iter().enumerate() {
        text += &format!("layer {i}: {}\n", describe(l));
    }
    text += &format!(
        "Weight bytes: {} of int8 weights, biases, multipliers and shifts ({} byte file)\n",
        model.param_bytes(),
        blob.len()
    );
    text.push_str(&match model.metadata() {
        Some(m) => describe_metadata(m),
        None => "No preprocessing metadata.".to_string(),
    });
    Ok(text)
}
