//! `rnn-train export MODEL.rnnw --rust -o model.rs`: the flash-resident
//! model as Rust source, for a firmware without a build script.
//!
//! A float weight file (format versions 1 and 2) gives what
//! [`rnn_core::format::codegen::rust_source`] writes: `pub type Model`,
//! `pub static MODEL: Model` built by `const` constructors (in `.rodata`,
//! flash, never copied to RAM) and, with metadata, the scaler
//! (`INPUT_SCALES`, `TARGET_SCALES`), `WINDOW` and `HORIZON`. A quantized
//! one (version 3, `rnn-train quantize`) gives what
//! [`rnn_core::quant::format::codegen::quantized_rust_source`] writes.
//! Either way the file is the same text a `build.rs` would generate, so a
//! firmware can `include!` it or keep it as a module.

use std::path::PathBuf;

use rnn_core::format::codegen::rust_source;
use rnn_core::quant::format::codegen::quantized_rust_source;
use rnn_core::quant::format::QUANTIZED_FORMAT_VERSION;

use crate::error::{Result, TrainError};
use crate::export::{read, write_atomic};

/// Where to read the weight file and write the source.
#[derive(Clone, Debug)]
pub struct ExportOptions {
    /// The weight file (float or quantized).
    pub model: PathBuf,
    /// The Rust source to write; never the model itself.
    pub output: PathBuf,
}

/// What [`run`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exported {
    /// Whether the model was a quantized (format version 3) one.
    pub quantized: bool,
    /// Bytes of Rust source written.
    pub bytes: usize,
}

/// Reads `opts.model`, generates its Rust source and writes it to
/// `opts.output` (atomically: a temporary file, then a rename).
///
/// # Errors
/// [`TrainError::OutputIsInput`] when the output is the model;
/// [`TrainError::SequenceModel`] for a sequence-to-sequence model;
/// [`TrainError::File`] when the model cannot be read or the source
/// written; [`TrainError::EmptyWeightFile`]; [`TrainError::WeightFile`]
/// with rnn-core's reason when the blob is refused (bad magic or version,
/// truncated, checksum, a NaN or infinite weight, no layers).
pub fn run(opts: &ExportOptions) -> Result<Exported> {
    super::refuse_overwriting_model(&opts.model, &opts.output)?;
    let blob = read(&opts.model)?;
    if blob.is_empty() {
        return Err(TrainError::EmptyWeightFile {
            path: opts.model.clone(),
        });
    }
    if rnn_core::format::read_header(&blob).is_ok_and(|c| c.header.sequence_output) {
        return Err(TrainError::SequenceModel {
            path: opts.model.clone(),
            command: "export",
        });
    }
    let mut quantized = false;
    let source = match rust_source(&blob) {
        // The float reader stops at the version: try the quantized one.
        Err(rnn_core::Error::UnsupportedVersion { found, .. })
            if found == QUANTIZED_FORMAT_VERSION =>
        {
            quantized = true;
            quantized_rust_source(&blob)
        }
        other => other,
    }
    .map_err(|source| TrainError::WeightFile {
        path: opts.model.clone(),
        source,
    })?;
    write_atomic(&opts.output, source.as_bytes())?;
    Ok(Exported {
        quantized,
        bytes: source.len(),
    })
}
