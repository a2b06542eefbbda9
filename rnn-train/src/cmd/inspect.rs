//! `rnn-train inspect`: a weight file's layers, parameter counts and the
//! memory it takes in rnn-core, like Keras's `model.summary()`.

use std::path::Path;

use crate::error::Result;
use crate::import;
use crate::report::{describe_contract, describe_metadata, summarize};

/// The summary text of the weight file at `path`: the layer table, totals,
/// weight and state bytes, then the saved preprocessing and data contract.
///
/// # Errors
/// Those of [`import::load`] (unreadable file, rnn-core's checks, an
/// architecture rnn-train cannot run).
pub fn run(path: &Path) -> Result<String> {
    let model = import::load(path)?;
    let window = model.metadata.as_ref().map(|m| m.window as usize);
    let mut text = format!(
        "Model: {}\n{}\n",
        path.display(),
        summarize(&model.specs, window)
    );
    text.push_str(&match &model.metadata {
        Some(m) => describe_metadata(m),
        None => "No preprocessing metadata.".to_string(),
    });
    text.push('\n');
    text.push_str(&match &model.contract {
        Some(c) => describe_contract(c),
        None => {
            "No data contract (weight format 1, or not written by rnn-train train).".to_string()
        }
    });
    Ok(text)
}
