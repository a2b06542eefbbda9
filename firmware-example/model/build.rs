//! Turns `sea_temperature.rnnw` into Rust source (`model.rs` in `OUT_DIR`)
//! with `rnn_core::format::codegen::rust_source`: the model type, the
//! weights as a `static` in flash, and the scaler stored in the blob.

use std::path::PathBuf;
use std::{env, fs};

/// The weight blob, relative to this crate. Replacing this file (an
/// `rnn-train` export) is all it takes to change the firmware's model.
const BLOB: &str = "sea_temperature.rnnw";

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
}
