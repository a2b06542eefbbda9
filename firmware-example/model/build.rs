//! Turns `sea_temperature.rnnw` into Rust source (`model.rs` in `OUT_DIR`)
//! with `rnn_core::format::codegen::rust_source`: the model type, the
//! weights as a `static` in flash, and the scaler stored in the blob.

use std::path::PathBuf;
use std::{env, fs};

/// The weight blob, relative to this crate. Replacing this file (an
/// `rnn-train` export) is all it takes to change the firmware's model.
const BLOB: &str = "sea_temperature.rnnw";
/// The same model quantized by `rnn-train quantize` (format version 2).
const QUANTIZED_BLOB: &str = "sea_temperature.q.rnnw";

fn main() {
    println!("cargo:rerun-if-changed={BLOB}");
    let blob = fs::read(BLOB).unwrap_or_else(|e| panic!("cannot read {BLOB}: {e}"));
    let source = rnn_core::format::codegen::rust_source(&blob)
        .unwrap_or_else(|e| panic!("{BLOB} is not a usable weight blob: {e}"));
    let header = rnn_core::format::read_header(&blob)
        .unwrap_or_else(|e| panic!("{BLOB}: {e}"))
        .header;
    if header.metadata.is_none() {
        panic!("{BLOB} has no scaler metadata: export it with rnn-train, which stores the scaler");
    }
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("model.rs"), source).expect("write model.rs");

    println!("cargo:rerun-if-changed={QUANTIZED_BLOB}");
    let blob =
        fs::read(QUANTIZED_BLOB).unwrap_or_else(|e| panic!("cannot read {QUANTIZED_BLOB}: {e}"));
    let source = rnn_core::quant::format::codegen::quantized_rust_source(&blob)
        .unwrap_or_else(|e| panic!("{QUANTIZED_BLOB} is not a usable quantized blob: {e}"));
    fs::write(out.join("quantized_model.rs"), source).expect("write quantized_model.rs");
}
