//! `rnn-train quantize` on the bundled sea-temperature model (the one the
//! firmware runs): the quantized model is written, loads, keeps the test
//! RMSE within 1.01 × the float model's and beats persistence; the command
//! never overwrites its input (not even through a hard link) and refuses
//! models it cannot represent.

use std::path::{Path, PathBuf};
use std::process::Command;

use rnn_core::format::{encode_raw, encoded_len, read_header};
use rnn_core::quant::QModel;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

const MODEL: &str = "firmware-example/model/sea_temperature.rnnw";

fn quantize(args: &[&str]) -> (bool, String, String) {
    rnn_train("quantize", args)
}

/// Runs `rnn-train COMMAND ARGS` from the repository root: (success,
/// stdout, stderr); never a panic.
fn rnn_train(command: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rnn-train"))
        .arg(command)
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

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("rnn-train-quantize-{name}-{}", std::process::id()))
}

/// The value after `name` in the report's table row.
fn rmse(report: &str, name: &str) -> f64 {
    let line = report
        .lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_else(|| panic!("no {name} row in {report}"));
    line.split_whitespace()
        .nth(2)
        .expect("RMSE")
        .parse()
        .expect("number")
}

#[test]
fn quantizes_the_bundled_model_within_one_percent_of_the_float_rmse() {
    let out = temp("sea.q.rnnw");
    let (ok, stdout, stderr) = quantize(&[MODEL, "-o", out.to_str().expect("utf-8")]);
    assert!(ok, "{stderr}");
    let (f, q, p) = (
        rmse(&stdout, "float"),
        rmse(&stdout, "quantized"),
        rmse(&stdout, "persistence"),
    );
    assert!(q <= 1.01 * f, "quantized RMSE {q} vs float {f}\n{stdout}");
    assert!(q < p, "quantized RMSE {q} does not beat persistence {p}");
    assert!(stdout.contains("saturated during calibration"), "{stdout}");
    let blob = std::fs::read(&out).expect("written");
    let model = QModel::from_blob(&blob).expect("loads");
    assert!(model.param_bytes() <= 1600);
    let _ = std::fs::remove_file(out);
}

#[test]
fn never_overwrites_its_input() {
    let before = std::fs::read(root().join(MODEL)).expect("model");
    let (ok, _, stderr) = quantize(&[MODEL, "-o", MODEL]);
    assert!(!ok);
    assert!(stderr.contains("refusing to overwrite"), "{stderr}");
    assert_eq!(std::fs::read(root().join(MODEL)).expect("model"), before);
}

#[test]
fn an_output_hard_linked_to_the_input_leaves_the_input_alone() {
    let dir = temp("link");
    std::fs::create_dir_all(&dir).expect("dir");
    let (input, link) = (dir.join("model.rnnw"), dir.join("link.rnnw"));
    std::fs::copy(root().join(MODEL), &input).expect("copy");
    let before = std::fs::read(&input).expect("model");
    std::fs::hard_link(&input, &link).expect("hard link");
    let (ok, _, stderr) = quantize(&[
        input.to_str().expect("utf-8"),
        "-o",
        link.to_str().expect("utf-8"),
    ]);
    assert!(ok, "{stderr}");
    assert_eq!(
        std::fs::read(&input).expect("model"),
        before,
        "input changed"
    );
    let blob = std::fs::read(&link).expect("written");
    assert!(
        QModel::from_blob(&blob).is_ok(),
        "the link holds the quantized model"
    );
    // The float commands name what the file is (`inspect` reads it:
    // `inspect_reads_a_quantized_file_and_refuses_a_truncated_one`).
    let (ok, _, stderr) = rnn_train("eval", &["-m", link.to_str().expect("utf-8")]);
    assert!(!ok);
    assert!(stderr.contains("is a quantized model"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn refuses_weights_it_cannot_represent() {
    let blob = std::fs::read(root().join(MODEL)).expect("model");
    let checked = read_header(&blob).expect("valid");
    let mut params: Vec<f32> = checked.params().collect();
    // One huge input weight: its row's multiplier would exceed 1/2.
    params[16] = 1.0e6;
    let specs: Vec<_> = checked.header.layers.iter().copied().collect();
    let meta = checked.header.metadata.clone();
    let mut bad = vec![0; encoded_len(&specs, meta.as_ref()).expect("len")];
    encode_raw(&specs, meta.as_ref(), &params, &mut bad).expect("encode");
    let input = temp("huge.rnnw");
    std::fs::write(&input, bad).expect("write");
    let out = temp("huge.q.rnnw");
    let (ok, _, stderr) = quantize(&[
        input.to_str().expect("utf-8"),
        "-o",
        out.to_str().expect("utf-8"),
    ]);
    assert!(!ok);
    assert!(stderr.contains("cannot be quantized"), "{stderr}");
    assert!(!out.exists(), "an output was written for a refused model");
    let _ = std::fs::remove_file(input);
}

fn train(args: &[&str]) -> (bool, String, String) {
    rnn_train("train", args)
}

#[test]
fn train_with_quantize_writes_and_reports_the_quantized_model() {
    let dir = temp("train-dir");
    let d = dir.to_str().expect("utf-8");
    let (ok, stdout, stderr) =
        train(&["--epochs", "2", "--no-plots", "--quantize", "int8", "-o", d]);
    assert!(ok, "{stderr}");
    let (f, q) = (rmse(&stdout, "float"), rmse(&stdout, "quantized"));
    assert!(f.is_finite() && q.is_finite(), "{stdout}");
    assert!(stdout.contains("quantized RMSE / float RMSE"), "{stdout}");
    let blob = std::fs::read(dir.join("model.q.rnnw")).expect("model.q.rnnw written");
    QModel::from_blob(&blob).expect("loads");
    assert!(dir.join("model.rnnw").exists());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn train_with_quantize_refuses_a_simple_rnn_it_cannot_quantize_before_training() {
    let dir = temp("train-relu");
    let d = dir.to_str().expect("utf-8");
    let args = [
        "--cell",
        "simple-rnn",
        "--rnn-activation",
        "relu",
        "--quantize",
        "int8",
        "-o",
        d,
    ];
    let (ok, _, stderr) = train(&args);
    assert!(!ok);
    assert!(stderr.contains("tanh only"), "{stderr}");
    assert!(!dir.join("model.rnnw").exists(), "trained anyway");
}

#[test]
fn inspect_reads_a_quantized_file_and_refuses_a_truncated_one() {
    let out = temp("inspect.q.rnnw");
    let (ok, _, stderr) = quantize(&[MODEL, "-o", out.to_str().expect("utf-8")]);
    assert!(ok, "{stderr}");
    let inspect = |path: &Path| rnn_train("inspect", &[path.to_str().expect("utf-8")]);
    let (ok, stdout, stderr) = inspect(&out);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Quantized model"), "{stdout}");
    assert!(stdout.contains("layer 0: LSTM 1 -> 16"), "{stdout}");
    assert!(stdout.contains("Window 24 timesteps"), "{stdout}");
    let blob = std::fs::read(&out).expect("written");
    let cut = temp("inspect-cut.q.rnnw");
    std::fs::write(&cut, &blob[..blob.len() / 2]).expect("write");
    let (ok, _, stderr) = inspect(&cut);
    assert!(!ok);
    assert!(stderr.contains("truncated"), "{stderr}");
    let _ = std::fs::remove_file(out);
    let _ = std::fs::remove_file(cut);
}
