//! The data contract and the data checks, through the built binary: the
//! weight file carries its columns and split, `eval` and `predict` use
//! them and refuse a CSV without them, old (version-1) files still work
//! with a note; CRLF line numbers, outliers, tiny splits, non-negative
//! targets, the history file and timestamps.

use std::path::Path;

use crate::binary::run_binary as run;
use crate::temp_dir::TempDir;

/// `time,a,b` rows: `a` a sine around 10, `b` a cosine around -3, with
/// line ending `end`.
fn series(rows: usize, end: &str) -> String {
    let mut s = format!("time,a,b{end}");
    for i in 0..rows {
        let t = i as f64 * 0.3;
        s.push_str(&format!(
            "2024-01-01T{:02}:{:02}Z,{:.4},{:.4}{end}",
            i / 60,
            i % 60,
            10.0 + t.sin(),
            -3.0 + t.cos()
        ));
    }
    s
}

/// Trains on `csv` (inputs a, b; target b; window 8; 3 epochs; test 20)
/// into `out`; a flag in `extra` replaces its default.
fn train(dir: &TempDir, csv: &str, extra: &[&str]) -> (bool, String, String) {
    let mut args = vec![
        "train",
        csv,
        "-i",
        "a",
        "-i",
        "b",
        "--no-plots",
        "-o",
        "out",
    ];
    for (flag, value) in [("-t", "b"), ("-w", "8"), ("-e", "3"), ("--test-size", "20")] {
        if !extra.contains(&flag) {
            args.extend([flag, value]);
        }
    }
    args.extend_from_slice(extra);
    run(&dir.0, &args)
}

#[test]
fn eval_and_predict_use_the_stored_columns_and_split() {
    let dir = TempDir::new("dc-stored");
    dir.file("d.csv", &series(200, "\n"));
    let (ok, stdout, stderr) = train(&dir, "d.csv", &[]);
    assert!(ok, "{stderr}");
    let (ok, out, _) = run(&dir.0, &["inspect", "out/model.rnnw"]);
    assert!(ok);
    assert!(
        out.contains("Data: inputs [\"a\", \"b\"], target \"b\", time \"time\"")
            && out.contains("test size 20"),
        "{out}"
    );
    // No column flags: the stored inputs a, b and target b, the stored test size.
    let (ok, eval_out, eval_err) = run(&dir.0, &["eval", "d.csv", "-m", "out/model.rnnw"]);
    assert!(ok, "{eval_err}");
    assert!(!eval_err.contains("note:"), "{eval_err}");
    assert!(
        eval_out.contains("inputs [\"a\", \"b\"], target \"b\", window 8, horizon 1, test size 20"),
        "{eval_out}"
    );
    // The same test table as training printed.
    let table = |s: &str| {
        s.lines()
            .skip_while(|l| !l.starts_with("Test split:"))
            .take(4)
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(table(&eval_out), table(&stdout));
    // A flag that differs from the stored value is reported.
    let (ok, _, err) = run(
        &dir.0,
        &["eval", "d.csv", "-m", "out/model.rnnw", "--test-size", "30"],
    );
    assert!(ok, "{err}");
    assert!(
        err.contains("note: --test-size 30 overrides the stored 20"),
        "{err}"
    );
    let (ok, _, err) = run(&dir.0, &["predict", "d.csv", "-o", "p.csv"]);
    assert!(ok, "{err}");
    let p = dir.read("p.csv");
    let mut lines = p.lines();
    assert_eq!(
        lines.next(),
        Some("last_input_line,horizon,prediction,actual,last_input_time")
    );
    // The first window ends at data row 8 = line 9, time 00:07.
    let first: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!((first[0], first[4]), ("9", "2024-01-01T00:07Z"));
    // Test predictions carry the time of each target too.
    let t = dir.read("out/test_predictions.csv");
    assert!(
        t.lines().next() == Some("target_line,actual,model,persistence,target_time"),
        "{t}"
    );
    let last = t.lines().last().unwrap();
    assert!(
        last.starts_with("201,") && last.ends_with(",2024-01-01T03:19Z"),
        "{t}"
    );
}

#[test]
fn a_csv_without_the_stored_columns_is_refused_naming_them() {
    let dir = TempDir::new("dc-missing");
    dir.file("d.csv", &series(200, "\n"));
    assert!(train(&dir, "d.csv", &[]).0);
    // Same shape, other names: not silently evaluated on the wrong columns.
    dir.file(
        "other.csv",
        &series(200, "\n").replacen("time,a,b", "time,x,b2", 1),
    );
    for cmd in ["eval", "predict"] {
        let (ok, _, err) = run(&dir.0, &[cmd, "other.csv", "-m", "out/model.rnnw"]);
        assert!(!ok, "{cmd}");
        assert!(
            err.contains("other.csv: line 1: no column named \"a\""),
            "{cmd}: {err}"
        );
    }
    let (ok, _, err) = run(&dir.0, &["eval", "other.csv", "-m", "out/model.rnnw"]);
    assert!(
        !ok && err.contains("\"a\", \"b\"") && err.contains("[\"time\", \"x\", \"b2\"]"),
        "{err}"
    );
    // Flags can point at the renamed columns, and say that they override.
    let (ok, _, err) = run(
        &dir.0,
        &[
            "eval",
            "other.csv",
            "-m",
            "out/model.rnnw",
            "-i",
            "x",
            "-i",
            "b2",
            "-t",
            "b2",
        ],
    );
    assert!(ok, "{err}");
    assert!(
        err.contains(
            "note: --input [\"x\", \"b2\"] overrides the model's stored inputs [\"a\", \"b\"]"
        ),
        "{err}"
    );
}

#[test]
fn a_version_1_weight_file_still_works_with_a_note() {
    let dir = TempDir::new("dc-v1");
    let v1 = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/weights/v1_lstm16_sea_temperature.rnnw"
    );
    let mut csv = String::from("time_utc,temperature_c\n");
    for i in 0..300 {
        csv.push_str(&format!("{i},{:.3}\n", 10.0 + (i as f64 * 0.26).sin()));
    }
    dir.file("sea.csv", &csv);
    let (ok, out, err) = run(&dir.0, &["eval", "sea.csv", "-m", v1]);
    assert!(ok, "{err}");
    assert!(
        err.contains("note: the model has no data contract (written before weight format 2)"),
        "{err}"
    );
    assert!(out.contains("Test split: 28 samples"), "{out}");
    let (ok, _, err) = run(&dir.0, &["predict", "sea.csv", "-m", v1, "-o", "p.csv"]);
    assert!(ok && err.contains("no data contract"), "{err}");
}

#[test]
fn crlf_files_get_the_right_line_numbers() {
    let dir = TempDir::new("dc-crlf");
    let mut text = series(200, "\r\n");
    dir.file("good.csv", &text);
    let (ok, _, err) = train(&dir, "good.csv", &[]);
    assert!(ok, "{err}");
    // The last test target is data row 199, line 201.
    let t = dir.read("out/test_predictions.csv");
    assert!(t.lines().last().unwrap().starts_with("201,"), "{t}");
    text.push_str("2024-01-02T00:00Z,oops,1\r\n");
    dir.file("bad.csv", &text);
    let (ok, _, err) = train(&dir, "bad.csv", &[]);
    assert!(!ok);
    assert!(err.contains("bad.csv: line 202, column \"a\""), "{err}");
    // Old Mac line endings (a lone CR) count the same way.
    dir.file(
        "cr.csv",
        &series(200, "\r").replace("\r2024-01-01T00:05Z,", "\r2024-01-01T00:05Z,x"),
    );
    let (ok, _, err) = train(&dir, "cr.csv", &[]);
    assert!(!ok && err.contains("line 7, column \"a\""), "{err}");
}

#[test]
fn outliers_are_counted_and_can_be_allowed() {
    let dir = TempDir::new("dc-outliers");
    let mut s = String::from("time,a,b\n");
    for i in 0..200 {
        let a = if i == 10 || i == 50 || i == 195 {
            1e30
        } else {
            10.0 + (i as f64 * 0.3).sin()
        };
        s.push_str(&format!("{i},{a},{}\n", -3.0 + (i as f64 * 0.3).cos()));
    }
    dir.file("o.csv", &s);
    let (ok, _, err) = train(&dir, "o.csv", &[]);
    assert!(ok, "{err}");
    assert!(
        err.contains("warning: column \"a\": 2 training value(s) lie more than 20 MADs")
            && err.contains("the first at line 12"),
        "{err}"
    );
    // Row 195 is a test row: warned about apart, with its effect.
    assert!(
        err.contains("warning: column \"a\": 1 validation and test value(s)")
            && err.contains("the first at line 197 (1e30); they dominate the validation loss and the test errors"),
        "{err}"
    );
    let (ok, _, err) = train(&dir, "o.csv", &["--allow-outliers"]);
    assert!(ok && !err.contains("MADs"), "{err}");
}

#[test]
fn tiny_validation_and_test_splits_are_refused_with_the_minimum() {
    let dir = TempDir::new("dc-tiny");
    dir.file("d.csv", &series(200, "\n"));
    let (ok, _, err) = train(&dir, "d.csv", &["--test-size", "1"]);
    assert!(!ok);
    assert!(
        err.contains("the test split has 1 test window(s); at least 10 are needed"),
        "{err}"
    );
    let (ok, _, err) = train(&dir, "d.csv", &["--val-fraction", "0.02"]);
    assert!(!ok);
    assert!(err.contains("validation window(s); at least 10"), "{err}");
    assert!(!dir.0.join("out").exists(), "nothing written");
}

#[test]
fn a_never_negative_target_gets_a_hint_and_nonnegative_a_relu_head() {
    let dir = TempDir::new("dc-nonneg");
    dir.file("d.csv", &series(200, "\n"));
    let target_a = ["-t", "a"];
    let (ok, stdout, err) = train(&dir, "d.csv", &target_a);
    assert!(ok, "{err}");
    assert!(
        err.contains("hint: the target \"a\" is never negative"),
        "{err}"
    );
    assert!(!stdout.contains("hint"), "hints go to stderr");
    let (ok, _, err) = train(&dir, "d.csv", &["-t", "a", "--nonnegative"]);
    assert!(ok && !err.contains("hint"), "{err}");
    let (_, out, _) = run(&dir.0, &["inspect", "out/model.rnnw"]);
    assert!(
        out.contains("shift 0, scale"),
        "target scaled without shift: {out}"
    );
    let p = run(&dir.0, &["predict", "d.csv", "-o", "p.csv"]);
    assert!(p.0, "{}", p.2);
    assert!(dir.read("p.csv").lines().skip(1).all(|l| l
        .split(',')
        .nth(2)
        .unwrap()
        .parse::<f64>()
        .unwrap()
        >= 0.0));
    // b is negative: refused.
    let (ok, _, err) = train(&dir, "d.csv", &["--nonnegative"]);
    assert!(!ok && err.contains("--nonnegative"), "{err}");
}

#[test]
fn history_csv_has_one_row_per_epoch_and_every_epoch_is_logged() {
    let dir = TempDir::new("dc-history");
    dir.file("d.csv", &series(200, "\n"));
    let (ok, stdout, err) = train(
        &dir,
        "d.csv",
        &["-e", "7", "--lr", "0.01", "--patience", "0"],
    );
    assert!(ok, "{err}");
    let h = dir.read("out/history.csv");
    let mut lines = h.lines();
    assert_eq!(
        lines.next(),
        Some("epoch,train_loss,val_loss,learning_rate,seconds")
    );
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 7);
    for (k, r) in rows.iter().enumerate() {
        assert_eq!(r[0], (k + 1) as f64);
        assert!(r[1] > 0.0 && r[2] > 0.0 && r[4] >= 0.0, "{r:?}");
        assert_eq!(r[3], 0.01);
    }
    for e in 1..=7 {
        assert!(err.contains(&format!("epoch   {e}/7: train loss")), "{err}");
    }
    // The summary comes before training, the verdict names both metrics.
    let summary = stdout.find("Total params").unwrap();
    let trained = stdout.find("Trained 7 epoch(s)").unwrap();
    assert!(summary < trained, "{stdout}");
    assert!(stdout.contains("MAE model / persistence:"), "{stdout}");
    assert!(stdout.contains("out/history.csv"), "{stdout}");
}

#[test]
fn thread_counts_write_identical_files_and_resume_across_them() {
    let dir = TempDir::new("dc-threads");
    dir.file("d.csv", &series(200, "\n"));
    // 154 training samples in batches of 20 (chunks 8, 8, 4), the last
    // batch of 14 (chunks 8, 6).
    let common = ["--patience", "0", "-b", "20"];
    let run_into = |out: &str, extra: &[&str]| {
        let mut args = common.to_vec();
        args.extend_from_slice(extra);
        let (ok, _, err) = train(&dir, "d.csv", &args);
        assert!(ok, "{err}");
        std::fs::rename(dir.0.join("out"), dir.0.join(out)).unwrap();
    };
    run_into("t1", &["-e", "4", "--threads", "1"]);
    run_into("t2", &["-e", "4", "--threads", "2"]);
    run_into("half", &["-e", "2", "--threads", "1"]);
    let resume = [
        "-e",
        "4",
        "--threads",
        "2",
        "--resume",
        "half/checkpoint.rnnt",
    ];
    run_into("resumed", &resume);
    let bytes = |p: &str| std::fs::read(dir.0.join(p)).unwrap();
    for run in ["t2", "resumed"] {
        for file in ["model.rnnw", "checkpoint.rnnt"] {
            let (a, b) = (format!("t1/{file}"), format!("{run}/{file}"));
            assert!(bytes(&a) == bytes(&b), "{a} and {b} differ");
        }
    }
    let (ok, _, err) = train(&dir, "d.csv", &["--threads", "0"]);
    assert!(
        !ok && err.contains("--threads") && err.contains("at least 1"),
        "{err}"
    );
}

#[test]
fn ten_plus_ten_resumed_epochs_equal_twenty_at_once_bit_for_bit() {
    // In the default precision, f32: an f32 resume equals a straight f32 run.
    let dir = TempDir::new("dc-resume");
    dir.file("d.csv", &series(200, "\n"));
    let common = ["-e", "20", "--patience", "0", "--seed", "3"];
    let (ok, _, err) = train(&dir, "d.csv", &common);
    assert!(ok, "{err}");
    std::fs::rename(dir.0.join("out"), dir.0.join("once")).unwrap();
    let (ok, _, err) = train(
        &dir,
        "d.csv",
        &["-e", "10", "--patience", "0", "--seed", "3"],
    );
    assert!(ok, "{err}");
    std::fs::rename(dir.0.join("out"), dir.0.join("first")).unwrap();
    let mut resumed = common.to_vec();
    resumed.extend(["--resume", "first/checkpoint.rnnt"]);
    let (ok, _, err) = train(&dir, "d.csv", &resumed);
    assert!(ok, "{err}");
    assert!(
        err.contains("epoch  11/20") && !err.contains("epoch  10/20"),
        "{err}"
    );
    let bytes = |p: &str| std::fs::read(dir.0.join(p)).unwrap();
    assert_eq!(bytes("out/model.rnnw"), bytes("once/model.rnnw"));
    assert_eq!(bytes("out/checkpoint.rnnt"), bytes("once/checkpoint.rnnt"));
    assert_ne!(bytes("first/model.rnnw"), bytes("once/model.rnnw"));
    // The history holds all 20 epochs, the first 10 without their seconds.
    let h = dir.read("out/history.csv");
    let once = dir.read("once/history.csv");
    let losses = |h: &str| -> Vec<String> {
        h.lines()
            .map(|l| l.rsplit_once(',').unwrap().0.to_string())
            .collect()
    };
    assert_eq!(losses(&h), losses(&once));
    assert!(h.lines().nth(10).unwrap().ends_with(','), "{h}");

    // Other options, another precision, or a damaged file, are refused.
    let mut f64_run = resumed.clone();
    f64_run.extend(["--precision", "f64"]);
    let (ok, _, err) = train(&dir, "d.csv", &f64_run);
    assert!(
        !ok && err.contains(
            "first/checkpoint.rnnt: checkpoint: it was trained with --precision f32; \
             this run has --precision f64"
        ),
        "{err}"
    );
    let mut other = resumed.clone();
    other.extend(["--lr", "0.05"]);
    let (ok, _, err) = train(&dir, "d.csv", &other);
    assert!(
        !ok && err.contains("checkpoint: it was made with other options or data: `learning_rate: ")
            && err.contains("` in the checkpoint, `learning_rate: 0.05` in this run"),
        "{err}"
    );
    let mut cut = bytes("first/checkpoint.rnnt");
    cut.truncate(cut.len() - 9);
    std::fs::write(dir.0.join("cut.rnnt"), cut).unwrap();
    let mut damaged = common.to_vec();
    damaged.extend(["--resume", "cut.rnnt"]);
    let (ok, _, err) = train(&dir, "d.csv", &damaged);
    assert!(
        !ok && err.contains("cut.rnnt: checkpoint: checksum mismatch"),
        "{err}"
    );
}

/// `--nonnegative` on two inputs of the bundled series (its first 1,999
/// rows, seed 0): with the output bias at 0 the ReLU output was negative
/// for every window from the start and every forecast stayed 0 (RMSE 7.39
/// against persistence 0.16); the output bias now starts at the training
/// targets' mean, so the forecasts follow the series.
#[test]
fn nonnegative_output_does_not_start_dead() {
    let dir = TempDir::new("dc-nonneg-dead");
    let bundled = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/sea_surface_temperature_hourly.csv"),
    )
    .expect("bundled series");
    let head: String = bundled
        .lines()
        .take(2000)
        .map(|l| format!("{l}\n"))
        .collect();
    dir.file("base.csv", &head);
    let args = [
        "train",
        "base.csv",
        "-i",
        "temperature_c",
        "-i",
        "interpolated",
        "-t",
        "temperature_c",
        "--nonnegative",
        "-e",
        "5",
        "--no-plots",
        "-o",
        "out",
    ];
    let (ok, _, err) = run(&dir.0, &args);
    assert!(ok, "{err}");
    assert!(!err.contains("every test forecast is 0"), "{err}");
    let predictions = dir.read("out/test_predictions.csv");
    let header: Vec<&str> = predictions.lines().next().unwrap().split(',').collect();
    let model = header
        .iter()
        .position(|&h| h == "model")
        .expect("model column");
    let values: Vec<f64> = predictions
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(model).unwrap().parse().unwrap())
        .collect();
    assert!(
        values.iter().all(|&v| v > 1.0),
        "forecasts near the series (about 4 to 8 °C)"
    );
}
