//! Bad input to the built `rnn-train` binary: a non-zero exit and a message
//! that names the problem (and for CSVs the file, line and column), never a
//! panic.

use std::path::{Path, PathBuf};

use crate::binary::run_binary as run_out;
use crate::temp_dir::TempDir;

/// Runs the binary in `cwd`; returns (success, stderr).
fn run(cwd: &Path, args: &[&str]) -> (bool, String) {
    let (ok, _, stderr) = run_out(cwd, args);
    (ok, stderr)
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
    let dir = TempDir::new("bad-missing");
    train_fails(&dir, "no_such.csv", &[], &["no_such.csv: ", "No such file"]);
}

#[test]
fn missing_default_data_says_where_it_looked() {
    let dir = TempDir::new("bad-default");
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
    let dir = TempDir::new("bad-column");
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
    let dir = TempDir::new("bad-text");
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
    let dir = TempDir::new("bad-empty");
    dir.file("d.csv", "");
    train_fails(&dir, "d.csv", &[], &["d.csv: the file is empty"]);
    dir.file("h.csv", "t,v\n");
    train_fails(&dir, "h.csv", &[], &["h.csv: no data rows"]);
}

#[test]
fn nan_in_data() {
    let dir = TempDir::new("bad-nan");
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
    let dir = TempDir::new("bad-window");
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
    let dir = TempDir::new("bad-test");
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
    let dir = TempDir::new("bad-epochs");
    dir.file("d.csv", &series(40));
    train_fails(
        &dir,
        "d.csv",
        &["--window", "5", "--epochs", "0"],
        &["epochs must be at least 1"],
    );
    // Negative or fractional counts are named as such (not "invalid digit").
    for (flag, value) in [
        ("--epochs", "-1"),
        ("--window", "2.5"),
        ("--batch-size", "-3"),
    ] {
        train_fails(
            &dir,
            "d.csv",
            &[flag, value],
            &[&format!(
                "\"{value}\" is not a count (a whole number, 0 or more)"
            )],
        );
    }
}

#[test]
fn ragged_row() {
    let dir = TempDir::new("bad-ragged");
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
    let dir = TempDir::new("bad-model");
    dir.file("d.csv", &series(200));
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
    // The checkpoint beside the model, given where the model belongs.
    for args in [
        &["inspect", "m/checkpoint.rnnt"][..],
        &["eval", "d.csv", "-m", "m/checkpoint.rnnt"],
        &["predict", "d.csv", "-m", "m/checkpoint.rnnt"],
    ] {
        let (ok, stderr) = run(&dir.0, args);
        assert!(!ok, "{args:?}");
        assert!(
            stderr.contains("m/checkpoint.rnnt: this is a training checkpoint"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn diverging_first_epoch_exports_nothing() {
    let dir = TempDir::new("bad-diverge");
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
        &["training diverged", "epoch 1", "nothing was written"],
    );
    assert!(!dir.0.join("out/model.rnnw").exists());
}

/// Every file in `dir` (recursively) with its bytes, sorted by path.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                todo.push(p);
            } else {
                files.push((p.clone(), std::fs::read(&p).expect("read file")));
            }
        }
    }
    files.sort();
    files
}

/// Trains a small good model (with plots) into `dir/out`.
fn train_good(dir: &TempDir) {
    dir.file("good.csv", &series(200));
    let (ok, stderr) = run(
        &dir.0,
        &[
            "train", "good.csv", "-i", "v", "-t", "v", "-w", "10", "-e", "3", "-o", "out",
        ],
    );
    assert!(ok, "{stderr}");
}

#[test]
fn huge_learning_rate_keeps_the_earlier_model_and_outputs() {
    let dir = TempDir::new("bad-hugelr");
    train_good(&dir);
    let before = snapshot(&dir.0.join("out"));
    assert_eq!(
        before.len(),
        6,
        "model, two CSVs (test predictions, history), checkpoint and two plots"
    );
    let (ok, stderr) = run(
        &dir.0,
        &[
            "train", "good.csv", "-i", "v", "-t", "v", "-w", "10", "-e", "3", "--lr", "1e40", "-o",
            "out",
        ],
    );
    assert!(!ok);
    assert!(
        stderr.contains("training diverged") && stderr.contains("nothing was written"),
        "{stderr}"
    );
    assert_eq!(snapshot(&dir.0.join("out")), before, "outputs untouched");
}

#[test]
fn huge_stock_prices_with_huge_learning_rate_are_divergence_not_success() {
    let csv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/stock_goog_daily.csv");
    let csv = csv.to_str().expect("utf-8 path");
    // In f64 the loss reaches 1e60, finite there but not in f32; in f32
    // the weights' first step already makes the gradient infinite.
    for (precision, why) in [
        ("f64", "too large for f32"),
        ("f32", "the gradient is NaN or infinite"),
    ] {
        let dir = TempDir::new(&format!("bad-stocklr-{precision}"));
        let (ok, stderr) = run(
            &dir.0,
            &[
                "train",
                csv,
                "-i",
                "open_usd",
                "-t",
                "open_usd",
                "--lr",
                "1e30",
                "-e",
                "20",
                "--patience",
                "0",
                "--scaler",
                "standard",
                "--precision",
                precision,
                "-o",
                "out",
            ],
        );
        assert!(!ok, "{precision}: a loss of 1e60 is not a success");
        assert!(
            stderr.contains("training diverged") && stderr.contains(why),
            "{precision}: {stderr}"
        );
        assert!(!dir.0.join("out").exists(), "nothing written");
    }
}

#[test]
fn divergence_after_a_good_epoch_warns_and_exports_the_best_epoch() {
    // A linear SimpleRNN blows up after its first epoch: at --lr 5 in f64;
    // in f32 that rate already refuses a gradient in epoch 1 (beyond 1e18,
    // f32's limit for Adam), so f32 runs at --lr 0.5 (diverges in epoch 2).
    for (precision, lr) in [("f64", "5"), ("f32", "0.5")] {
        let dir = TempDir::new(&format!("bad-latediverge-{precision}"));
        dir.file("good.csv", &series(200));
        let (ok, stdout, stderr) = run_out(
            &dir.0,
            &[
                "train",
                "good.csv",
                "-i",
                "v",
                "-t",
                "v",
                "-w",
                "10",
                "-e",
                "30",
                "--lr",
                lr,
                "--clip-norm",
                "0",
                "--patience",
                "0",
                "--cell",
                "simple-rnn",
                "--rnn-activation",
                "linear",
                "--precision",
                precision,
                "--no-plots",
                "-o",
                "out",
            ],
        );
        assert!(ok, "{precision}: {stderr}");
        assert!(
            stderr.contains("warning: training diverged at epoch")
                && stderr.contains("the weights of the best epoch"),
            "{precision}: {stderr}"
        );
        assert!(stdout.contains("Wrote out/model.rnnw"), "{stdout}");
        let (ok, stderr) = run(&dir.0, &["inspect", "out/model.rnnw"]);
        assert!(ok, "the exported model loads: {stderr}");
    }
}

#[test]
fn predict_refuses_to_overwrite_the_model_or_the_csv() {
    let dir = TempDir::new("bad-predictover");
    train_good(&dir);
    let before = snapshot(&dir.0);
    for (output, what) in [
        ("out/model.rnnw", "the model out/model.rnnw"),
        ("./out/../out/model.rnnw", "the model out/model.rnnw"),
        ("good.csv", "the input CSV good.csv"),
    ] {
        let (ok, stderr) = run(
            &dir.0,
            &[
                "predict",
                "good.csv",
                "-i",
                "v",
                "-m",
                "out/model.rnnw",
                "-o",
                output,
            ],
        );
        assert!(!ok, "{output}");
        assert!(
            stderr.contains(&format!("output {output} is the same file as {what}")),
            "{stderr}"
        );
    }
    assert_eq!(snapshot(&dir.0), before);
}

#[test]
fn predict_into_a_directory_names_it() {
    let dir = TempDir::new("bad-predictdir");
    train_good(&dir);
    std::fs::create_dir(dir.0.join("sub")).expect("mkdir");
    let (ok, stderr) = run(
        &dir.0,
        &[
            "predict",
            "good.csv",
            "-i",
            "v",
            "-m",
            "out/model.rnnw",
            "-o",
            "sub",
        ],
    );
    assert!(!ok);
    assert!(stderr.contains("error: sub: Is a directory"), "{stderr}");
    assert_eq!(std::fs::read_dir(dir.0.join("sub")).expect("ls").count(), 0);
}

#[test]
fn values_beyond_f32_name_line_and_column() {
    let dir = TempDir::new("bad-f32range");
    let mut text = series(40);
    text.push_str("40,1e39\n");
    dir.file("d.csv", &text);
    train_fails(
        &dir,
        "d.csv",
        &[],
        &["d.csv: line 42, column \"v\": \"1e39\" is outside the f32 range"],
    );
}

#[test]
fn negative_numbers_get_their_own_validation_message() {
    let dir = TempDir::new("bad-negative");
    dir.file("d.csv", &series(40));
    for (args, expected) in [
        (
            ["--lr", "-1"],
            "learning rate must be positive and finite, got -1",
        ),
        (
            ["--clip-norm", "-1"],
            "clip norm must be positive and finite, got -1",
        ),
        (
            ["--val-fraction", "-0.1"],
            "invalid --val-fraction: must be in [0, 1), got -0.1",
        ),
        (["--seed", "-1"], "invalid value '-1' for '--seed <SEED>'"),
    ] {
        train_fails(&dir, "d.csv", &args, &[expected]);
    }
}

#[test]
fn unusable_output_directory_is_refused_before_training() {
    let dir = TempDir::new("bad-outdir");
    dir.file("d.csv", &series(40));
    dir.file("afile", "keep me");
    for (out, expected) in [
        ("afile", "output path afile is a file, not a directory"),
        (
            "/dev/null",
            "output path /dev/null is a device or other special file",
        ),
        ("afile/sub", "which is a file, not a directory"),
        ("/proc/rnn-train-out", "cannot write to /proc"),
    ] {
        let (ok, stdout, stderr) = run_out(
            &dir.0,
            &["train", "d.csv", "-i", "v", "-t", "v", "-w", "5", "-o", out],
        );
        assert!(!ok, "{out}");
        assert!(stderr.contains(expected), "{out}: {stderr}");
        assert!(
            !stderr.contains("epoch"),
            "refused before training: {stderr}"
        );
        assert!(stdout.is_empty(), "{stdout}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.0.join("afile")).expect("read"),
        "keep me"
    );
}

#[test]
fn weight_file_errors_name_the_file() {
    let dir = TempDir::new("bad-weightname");
    dir.file("d.csv", &series(40));
    dir.file("empty.rnnw", "");
    dir.file("bad.rnnw", "RNNW but not a model");
    let (ok, stderr) = run(&dir.0, &["inspect", "empty.rnnw"]);
    assert!(!ok);
    assert!(
        stderr.contains("empty.rnnw: the weight file is empty (0 bytes)"),
        "{stderr}"
    );
    let (ok, stderr) = run(&dir.0, &["predict", "d.csv", "-i", "v", "-m", "bad.rnnw"]);
    assert!(!ok);
    assert!(
        stderr.contains("error: bad.rnnw: weight file: "),
        "{stderr}"
    );
}

#[test]
fn ambiguous_columns_and_cell_specific_flags_are_refused() {
    let dir = TempDir::new("bad-ambiguous");
    dir.file("d.csv", &series(40));
    dir.file("dup.csv", "t,v,v\n0,1,2\n1,2,3\n");
    train_fails(
        &dir,
        "dup.csv",
        &[],
        &["dup.csv: line 1: the header has more than one column named \"v\""],
    );
    for (args, expected) in [
        (
            &["-i", "v"][..],
            "invalid --input: column \"v\" is given more than once",
        ),
        (
            &["--rnn-activation", "relu"],
            "invalid --rnn-activation: applies only to --cell simple-rnn, not to --cell lstm",
        ),
        (
            &["--cell", "gru", "--rnn-activation", "relu"],
            "not to --cell gru",
        ),
        (
            &["--reset-after", "false"],
            "invalid --reset-after: applies only to --cell gru, not to --cell lstm",
        ),
        (
            &["--cell", "simple-rnn", "--reset-after", "false"],
            "not to --cell simple-rnn",
        ),
    ] {
        train_fails(&dir, "d.csv", args, &[expected]);
    }
    assert!(!dir.0.join("out").exists());
}

/// `--layers`: a zero size, an unknown kind or an empty list stop the
/// parser with the reason; with `--cell`, `--units` or `--rnn-activation`
/// it is refused by name. Nothing is trained or written.
#[test]
fn bad_layers() {
    let dir = TempDir::new("bad-layers");
    dir.file("d.csv", &series(40));
    for (args, expected) in [
        (
            &["--layers", "gru:0"][..],
            "\"gru:0\": a layer needs at least 1 unit",
        ),
        (
            &["--layers", "gru:8,rnn:4"],
            "unknown layer kind \"rnn\" (kinds: lstm, gru, simple-rnn",
        ),
        (&["--layers", ""], "\"\" is not KIND:UNITS"),
        (&["--layers", "lstm"], "\"lstm\" is not KIND:UNITS"),
        (
            &["--layers", "gru:8", "--cell", "lstm"],
            "invalid --layers: give the recurrent layers either with --layers",
        ),
        (
            &["--layers", "gru:8", "-u", "8"],
            "invalid --layers: give the recurrent layers either with --layers",
        ),
        (
            &["--layers", "simple-rnn:8", "--rnn-activation", "relu"],
            "invalid --rnn-activation: with --layers",
        ),
        (
            &["--layers", "lstm:8", "--reset-after", "false"],
            "invalid --reset-after: applies only to GRU layers",
        ),
    ] {
        train_fails(&dir, "d.csv", args, &[expected]);
    }
    assert!(!dir.0.join("out").exists());
}

#[test]
fn constant_series_says_the_ratio_is_undefined() {
    let dir = TempDir::new("bad-constant");
    let mut text = String::from("t,v\n");
    for i in 0..160 {
        text.push_str(&format!("{i},5\n"));
    }
    dir.file("c.csv", &text);
    let (ok, stdout, stderr) = run_out(
        &dir.0,
        &[
            "train",
            "c.csv",
            "-i",
            "v",
            "-t",
            "v",
            "-w",
            "5",
            "-e",
            "2",
            "--no-plots",
        ],
    );
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("RMSE model / persistence: undefined (persistence has zero error"),
        "{stdout}"
    );
    assert!(!stdout.contains("NaN"), "{stdout}");
}

#[test]
fn missing_relative_model_names_the_current_directory() {
    let dir = TempDir::new("bad-inspecthint");
    let (ok, stderr) = run(&dir.0, &["inspect"]);
    assert!(!ok);
    assert!(
        stderr.contains("out/model.rnnw: No such file (relative to the current directory"),
        "{stderr}"
    );
    assert!(stderr.contains(&dir.0.display().to_string()), "{stderr}");
}

#[test]
fn best_epoch_says_which_loss_chose_it() {
    let dir = TempDir::new("bad-bestepoch");
    dir.file("d.csv", &series(200));
    let base = [
        "train",
        "d.csv",
        "-i",
        "v",
        "-t",
        "v",
        "-w",
        "10",
        "-e",
        "3",
        "--no-plots",
    ];
    let (ok, stdout, _) = run_out(&dir.0, &[&base[..], &["--val-fraction", "0"]].concat());
    assert!(ok);
    assert!(
        stdout.contains("(lowest training loss, MSE (scaled))"),
        "{stdout}"
    );
    let (ok, stdout, _) = run_out(&dir.0, &base);
    assert!(ok);
    assert!(
        stdout.contains("(lowest validation loss, MSE (scaled))"),
        "{stdout}"
    );
}

#[test]
fn too_many_layers_is_refused_before_training() {
    let dir = TempDir::new("bad-layers");
    dir.file("d.csv", &series(200));
    train_fails(
        &dir,
        "d.csv",
        &["-w", "10", "-u", "4,4,4,4,4,4,4,4", "--epochs", "1"],
        &["9 layers (recurrent and Dense); a weight file holds at most 8"],
    );
    assert!(
        !dir.0.join("out").join("history.csv").exists(),
        "trained anyway"
    );
}

/// `--init irnn` trains a ReLU SimpleRNN and is refused, before any work,
/// for any other cell or activation.
#[test]
fn irnn_init_only_for_a_relu_simple_rnn() {
    let dir = TempDir::new("bad-irnn");
    dir.file("s.csv", &series(200));
    let irnn = ["-w", "10", "-e", "2", "--init", "irnn"];
    let (ok, stderr) = run(
        &dir.0,
        &[
            &[
                "train",
                "s.csv",
                "-i",
                "v",
                "-t",
                "v",
                "--no-plots",
                "-o",
                "ok",
            ][..],
            &irnn,
            &["--cell", "simple-rnn", "--rnn-activation", "relu"],
        ]
        .concat(),
    );
    assert!(ok, "{stderr}");
    assert!(dir.0.join("ok/model.rnnw").is_file());
    for cell in [
        &["--cell", "simple-rnn", "--rnn-activation", "tanh"][..],
        &["--cell", "lstm"][..],
    ] {
        train_fails(
            &dir,
            "s.csv",
            &[&irnn[..], cell].concat(),
            &["the IRNN initialisation is for a ReLU SimpleRNN"],
        );
        assert!(
            !dir.0.join("out/model.rnnw").exists(),
            "{cell:?} wrote a model"
        );
    }
}

/// An input CSV in `--out` under the name of an output (`history.csv`,
/// `test_predictions.csv`) is refused before training, and kept; so is
/// `--quantize` with a direct multi-step model (refused before training,
/// no model written).
#[test]
fn outputs_never_overwrite_the_input_csv() {
    let dir = TempDir::new("bad-output-is-input");
    let data = series(300);
    for name in ["history.csv", "test_predictions.csv"] {
        let csv = dir.file(name, &data);
        let args = [
            "train",
            csv.to_str().unwrap(),
            "-i",
            "v",
            "-t",
            "v",
            "-e",
            "1",
            "--no-plots",
            "--out",
            ".",
        ];
        let (ok, stderr) = run(&dir.0, &args);
        assert!(!ok, "{name}: expected failure");
        assert!(
            stderr.contains(name) && stderr.contains("input CSV"),
            "{name}: {stderr}"
        );
        assert_eq!(std::fs::read_to_string(&csv).unwrap(), data, "{name} kept");
    }
    let csv = dir.file("series.csv", &data);
    train_fails(
        &dir,
        csv.to_str().unwrap(),
        &[
            "--horizon",
            "3",
            "--multi-output",
            "--quantize",
            "int8",
            "-e",
            "1",
        ],
        &["--quantize", "--multi-output", "not quantized"],
    );
    assert!(!dir.0.join("out/model.rnnw").exists());
}
