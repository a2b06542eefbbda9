//! Bad input to the built `rnn-train` binary: a non-zero exit and a message
//! that names the problem (and for CSVs the file, line and column), never a
//! panic.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("rnn-train-bad-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).expect("write temp file");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the binary in `cwd`; returns (success, stderr).
fn run(cwd: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rnn-train"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run rnn-train");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "rnn-train panicked: {stderr}");
    (out.status.success(), stderr)
}

/// Asserts a failing `train` run on `csv` whose message contains every part of `expected`.
fn train_fails(dir: &TempDir, csv: &str, extra: &[&str], expected: &[&str]) {
    let mut args = vec![
        "train",
        csv,
        "-i",
        "v",
        "-t",
        "v",
        "--no-plots",
        "--out",
        "out",
    ];
    args.extend_from_slice(extra);
    let (ok, stderr) = run(&dir.0, &args);
    assert!(!ok, "expected failure for {args:?}");
    for e in expected {
        assert!(stderr.contains(e), "{args:?}: expected {e:?} in: {stderr}");
    }
}

fn series(rows: usize) -> String {
    let mut s = String::from("t,v\n");
    for i in 0..rows {
        s.push_str(&format!("{i},{}\n", (i as f64 * 0.3).sin()));
    }
    s
}

#[test]
fn missing_file() {
    let dir = TempDir::new("missing");
    train_fails(&dir, "no_such.csv", &[], &["no_such.csv: ", "No such file"]);
}

#[test]
fn missing_default_data_says_where_it_looked() {
    let dir = TempDir::new("default");
    let (ok, stderr) = run(&dir.0, &["train", "--no-plots", "--out", "out"]);
    assert!(!ok);
    assert!(
        stderr.contains(
            "default data set not found: looked for data/sea_surface_temperature_hourly.csv"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(&dir.0.display().to_string()),
        "names the current dir: {stderr}"
    );
}

#[test]
fn unknown_column() {
    let dir = TempDir::new("column");
    dir.file("d.csv", &series(50));
    let (ok, stderr) = run(
        &dir.0,
        &["train", "d.csv", "-i", "speed", "-t", "v", "--no-plots"],
    );
    assert!(!ok);
    assert!(
        stderr.contains("d.csv: line 1: no column named \"speed\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("[\"t\", \"v\"]"),
        "lists the columns: {stderr}"
    );
}

#[test]
fn non_numeric_cell_names_line_and_column() {
    let dir = TempDir::new("text");
    dir.file("d.csv", "t,v\n0,1.5\n1,2.5\n2,warm\n3,1.0\n");
    train_fails(
        &dir,
        "d.csv",
        &[],
        &["d.csv: line 4, column \"v\": \"warm\" is not a number"],
    );
}

#[test]
fn empty_file() {
    let dir = TempDir::new("empty");
    dir.file("d.csv", "");
    train_fails(&dir, "d.csv", &[], &["d.csv: the file is empty"]);
    dir.file("h.csv", "t,v\n");
    train_fails(&dir, "h.csv", &[], &["h.csv: no data rows"]);
}

#[test]
fn nan_in_data() {
    let dir = TempDir::new("nan");
    let mut text = series(40);
    text.push_str("40,NaN\n");
    dir.file("d.csv", &text);
    train_fails(
        &dir,
        "d.csv",
        &[],
        &["d.csv: line 42, column \"v\": \"NaN\" is not a finite number"],
    );
}

#[test]
fn window_longer_than_series() {
    let dir = TempDir::new("window");
    dir.file("d.csv", &series(20));
    train_fails(
        &dir,
        "d.csv",
        &["--window", "30"],
        &["window 30 with horizon 1 needs at least 31 rows, but the series has 20"],
    );
}

#[test]
fn test_size_larger_than_data() {
    let dir = TempDir::new("test");
    dir.file("d.csv", &series(40));
    train_fails(
        &dir,
        "d.csv",
        &["--window", "10", "--test-size", "200"],
        &["test size 200 samples is too large", "only 30 samples"],
    );
}

#[test]
fn zero_epochs() {
    let dir = TempDir::new("epochs");
    dir.file("d.csv", &series(40));
    train_fails(
        &dir,
        "d.csv",
        &["--window", "5", "--epochs", "0"],
        &["epochs must be at least 1"],
    );
}

#[test]
fn ragged_row() {
    let dir = TempDir::new("ragged");
    dir.file("d.csv", "t,v\n0,1\n1\n");
    train_fails(
        &dir,
        "d.csv",
        &[],
        &["d.csv: line 3: 1 field(s), but the header has 2"],
    );
}

#[test]
fn corrupt_or_missing_weight_file() {
    let dir = TempDir::new("model");
    dir.file("d.csv", &series(40));
    dir.file("bad.rnnw", "RNNW but not a model");
    let (ok, stderr) = run(&dir.0, &["predict", "d.csv", "-i", "v", "-m", "bad.rnnw"]);
    assert!(!ok);
    assert!(stderr.contains("weight file: "), "{stderr}");
    // A real model, but a CSV shorter than its window.
    let (ok, _) = run(
        &dir.0,
        &[
            "train",
            "d.csv",
            "-i",
            "v",
            "-t",
            "v",
            "-w",
            "5",
            "-e",
            "1",
            "--no-plots",
            "--out",
            "m",
        ],
    );
    assert!(ok);
    dir.file("short.csv", "t,v\n0,1\n1,2\n");
    let (ok, stderr) = run(
        &dir.0,
        &["predict", "short.csv", "-i", "v", "-m", "m/model.rnnw"],
    );
    assert!(!ok);
    assert!(
        stderr.contains("the CSV has 2 rows, fewer than the model's window of 5 timesteps"),
        "{stderr}"
    );
    let (ok, stderr) = run(&dir.0, &["inspect", "none.rnnw"]);
    assert!(!ok);
    assert!(stderr.contains("none.rnnw: No such file"), "{stderr}");
}

#[test]
fn diverging_first_epoch_exports_nothing() {
    let dir = TempDir::new("diverge");
    dir.file("d.csv", &series(200));
    let args = [
        "--window",
        "20",
        "--cell",
        "simple-rnn",
        "--rnn-activation",
        "linear",
        "--lr",
        "1e10",
        "--clip-norm",
        "0",
    ];
    train_fails(
        &dir,
        "d.csv",
        &args,
        &["training diverged", "epoch 1", "nothing was exported"],
    );
    assert!(!dir.0.join("out/model.rnnw").exists());
}
