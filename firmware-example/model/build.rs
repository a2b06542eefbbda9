//! Turns the model's weight blob into Rust source (`model.rs` in
//! `OUT_DIR`) with `rnn_core::format::codegen::rust_source`: the model
//! type, the weights as a `static` in flash, and the scaler stored in the
//! blob; the same for the quantized model (`quantized_model.rs`, with
//! `rnn_core::quant::format::codegen::quantized_rust_source`). Each blob is
//! also copied to `OUT_DIR` for the run-time loading demo.
//!
//! The blobs are `sea_temperature.rnnw` and `sea_temperature.q.rnnw` in
//! this crate, or the files named by the environment variables
//! `FIRMWARE_MODEL` (float, format 1, 2 or 4) and `FIRMWARE_QUANTIZED_MODEL`
//! (format 3): `rnn-train cost` builds the templates with the user's model
//! that way. The classifier (`classifier_model.rs`, with its `CLASSES`)
//! comes from `basic_motions.rnnw` or `FIRMWARE_CLASSIFIER`.

use std::path::{Path, PathBuf};
use std::{env, fs};

/// The float weight blob, relative to this crate, unless `FIRMWARE_MODEL`
/// names another. Replacing this file (an `rnn-train` export) is all it
/// takes to change the firmware's model.
const BLOB: &str = "sea_temperature.rnnw";
/// The same model quantized by `rnn-train quantize` (format version 3),
/// unless `FIRMWARE_QUANTIZED_MODEL` names another.
const QUANTIZED_BLOB: &str = "sea_temperature.q.rnnw";
/// The activity classifier written by `rnn-train classify` (format
/// version 4, class names in the file), unless `FIRMWARE_CLASSIFIER` names
/// another.
const CLASSIFIER_BLOB: &str = "basic_motions.rnnw";

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));

    let path = chosen("FIRMWARE_MODEL", BLOB);
    let blob = read(&path);
    let source = rnn_core::format::codegen::rust_source(&blob)
        .unwrap_or_else(|e| panic!("{} is not a usable weight blob: {e}", path.display()));
    let header = rnn_core::format::read_header(&blob)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .header;
    if header.metadata.is_none() {
        panic!(
            "{} has no scaler metadata: export it with rnn-train, which stores the scaler",
            path.display()
        );
    }
    fs::write(out.join("model.rs"), source).expect("write model.rs");
    fs::write(out.join("model.rnnw"), &blob).expect("write model.rnnw");

    let path = chosen("FIRMWARE_QUANTIZED_MODEL", QUANTIZED_BLOB);
    let blob = read(&path);
    let mut source = rnn_core::quant::format::codegen::quantized_rust_source(&blob)
        .unwrap_or_else(|e| panic!("{} is not a usable quantized blob: {e}", path.display()));
    let metadata = rnn_core::quant::format::read_quantized(&blob)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .header
        .metadata
        .unwrap_or_else(|| {
            panic!(
                "{} has no scaler metadata: quantize a model written by rnn-train",
                path.display()
            )
        });
    source += &quantized_preprocessing(&metadata);
    fs::write(out.join("quantized_model.rs"), source).expect("write quantized_model.rs");

    let path = chosen("FIRMWARE_CLASSIFIER", CLASSIFIER_BLOB);
    let blob = read(&path);
    let source = rnn_core::format::codegen::rust_source(&blob)
        .unwrap_or_else(|e| panic!("{} is not a usable weight blob: {e}", path.display()));
    if !source.contains("pub const CLASSES") || !source.contains("pub const WINDOW") {
        panic!(
            "{} is not a classifier with its scaler: train it with rnn-train classify",
            path.display()
        );
    }
    // The classifier firmware reads one probability per class (a softmax
    // head); a binary Dense(1) sigmoid head has one output for 2 classes.
    let header = rnn_core::format::read_header(&blob)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .header;
    if let Some(classes) = &header.classes {
        if classes.is_binary(header.layers.last()) {
            panic!(
                "{} is a binary classifier (Dense(1) sigmoid, `classify --head sigmoid`); \
                 the classifier firmware runs softmax heads only: train it with --head softmax",
                path.display()
            );
        }
    }
    fs::write(out.join("classifier_model.rs"), source).expect("write classifier_model.rs");
}

/// The quantized model's own window, horizon and scalers (from the float
/// model it was quantized from), as `QUANTIZED_*` constants.
fn quantized_preprocessing(m: &rnn_core::format::Metadata) -> String {
    let scales = |v: &[rnn_core::format::FeatureScale]| {
        v.iter()
            .map(|f| {
                format!(
                    "rnn_core::format::FeatureScale {{ shift: {:?}, scale: {:?} }}",
                    f.shift, f.scale
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "/// Timesteps per forecast the quantized model was trained with.\n\
         pub const QUANTIZED_WINDOW: usize = {};\n\
         /// How many steps ahead it forecasts.\n\
         pub const QUANTIZED_HORIZON: usize = {};\n\
         /// How each input feature was scaled in training.\n\
         pub const QUANTIZED_INPUT_SCALES: [rnn_core::format::FeatureScale; {}] = [{}];\n\
         /// How each model output was scaled in training.\n\
         pub const QUANTIZED_TARGET_SCALES: [rnn_core::format::FeatureScale; {}] = [{}];\n",
        m.window,
        m.horizon,
        m.inputs.len(),
        scales(&m.inputs),
        m.targets.len(),
        scales(&m.targets)
    )
}

/// The file named by the environment variable `var`, or `default`; tells
/// cargo to rebuild when either changes.
fn chosen(var: &str, default: &str) -> PathBuf {
    println!("cargo:rerun-if-env-changed={var}");
    let path = env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from);
    println!("cargo:rerun-if-changed={}", path.display());
    path
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}
