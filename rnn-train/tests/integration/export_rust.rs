//! `rnn-train export MODEL --rust -o model.rs`: writes the same Rust source
//! a firmware's `build.rs` generates with rnn-core's code generators, for
//! float and quantized weight files; refuses to overwrite the model, a
//! missing `--rust` and a corrupted file, writing nothing then.

use std::path::{Path, PathBuf};
use std::process::Command;

use rnn_core::format::codegen::rust_source;
use rnn_core::quant::format::codegen::quantized_rust_source;

use crate::temp_dir::TempDir;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

const MODEL: &str = "firmware-example/model/sea_temperature.rnnw";
const QUANTIZED: &str = "firmware-example/model/sea_temperature.q.rnnw";

/// Runs `rnn-train export ARGS` from the repository root: (success, stdout, stderr).
fn export(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rnn-train"))
        .arg("export")
        .args(args)
        .current_dir(root())
        .output()
        .expect("run rnn-train");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "rnn-train panicked: {stderr}");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

#[test]
fn float_model_source_equals_the_build_script_output() {
    let dir = TempDir::new("export-rust-float");
    let out = dir.0.join("nested/model.rs");
    let (ok, stdout, stderr) = export(&[MODEL, "--rust", "-o", path_str(&out)]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("float model"), "{stdout}");
    let blob = std::fs::read(root().join(MODEL)).expect("read the model");
    let want = rust_source(&blob).expect("generate");
    let got = dir.read("nested/model.rs");
    assert_eq!(got, want);
    for item in [
        "pub type Model",
        "pub static MODEL: Model",
        "INPUT_SCALES",
        "TARGET_SCALES",
        "WINDOW",
    ] {
        assert!(got.contains(item), "no {item} in the source");
    }
}

#[test]
fn quantized_model_source_equals_the_build_script_output() {
    let dir = TempDir::new("export-rust-quantized");
    let out = dir.0.join("model_q.rs");
    let (ok, stdout, stderr) = export(&[QUANTIZED, "--rust", "-o", path_str(&out)]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("quantized model"), "{stdout}");
    let blob = std::fs::read(root().join(QUANTIZED)).expect("read the quantized model");
    assert_eq!(
        dir.read("model_q.rs"),
        quantized_rust_source(&blob).expect("generate")
    );
}

#[test]
fn refuses_without_rust_over_the_model_and_a_corrupted_file() {
    let dir = TempDir::new("export-rust-refusals");
    let out = dir.0.join("model.rs");
    let (ok, _, stderr) = export(&[MODEL, "-o", path_str(&out)]);
    assert!(!ok && stderr.contains("--rust"), "{stderr}");
    assert!(!out.exists());

    let copy = dir.0.join("copy.rnnw");
    let blob = std::fs::read(root().join(MODEL)).expect("read the model");
    std::fs::write(&copy, &blob).expect("copy the model");
    let (ok, _, stderr) = export(&[path_str(&copy), "--rust", "-o", path_str(&copy)]);
    assert!(!ok && stderr.contains("refusing to overwrite"), "{stderr}");
    assert_eq!(std::fs::read(&copy).expect("read the copy"), blob);

    let mut corrupted = blob.clone();
    let middle = corrupted.len() / 2;
    corrupted[middle] ^= 0x10;
    let bad = dir.0.join("bad.rnnw");
    std::fs::write(&bad, corrupted).expect("write the corrupted model");
    let (ok, _, stderr) = export(&[path_str(&bad), "--rust", "-o", path_str(&out)]);
    assert!(!ok && stderr.contains("weight file"), "{stderr}");
    assert!(!out.exists());
}
