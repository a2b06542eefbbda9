//! `rnn-train classify` and `predict` on a classifier: the bundled activity
//! recordings learned far above the majority-class baseline, the exported
//! file classifying the same way through `predict`, and bad labelled data
//! refused with a message naming the problem, nothing overwritten.

use std::path::{Path, PathBuf};

use crate::binary::run_binary as run;
use crate::temp_dir::TempDir;

pub(crate) fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/basic_motions_activity.csv")
}

/// The number after `prefix` in `text`.
pub(crate) fn number_after(text: &str, prefix: &str) -> f64 {
    let at = text
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix:?} in {text}"))
        + prefix.len();
    let digits: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    digits.parse().expect("a number")
}

#[test]
fn the_activity_classifier_beats_the_majority_class_by_far() {
    let dir = TempDir::new("classify-activity");
    let csv = bundled();
    let csv = csv.to_str().expect("utf-8 path");
    let (ok, stdout, stderr) = run(
        &dir.0,
        &[
            "classify",
            csv,
            "--split-column",
            "split",
            "--cell",
            "gru",
            "--units",
            "8",
            "--epochs",
            "20",
            "--lr",
            "0.01",
            "--out",
            "out",
            "--no-plots",
        ],
    );
    assert!(ok, "{stderr}");
    // The held-out test cases of the archive's own split: 40, 10 per class.
    assert!(
        stdout.contains("train 36, validation 4, test 40"),
        "{stdout}"
    );
    let accuracy = number_after(&stdout, "Accuracy ");
    let baseline = number_after(&stdout[stdout.find("baseline (").unwrap()..], ") ");
    assert_eq!(baseline, 25.0, "{stdout}");
    assert!(
        accuracy >= 75.0,
        "accuracy {accuracy} % against 25 %:\n{stdout}"
    );

    // The file classifies the test cases the same way through `predict`.
    let (ok, pstdout, stderr) = run(
        &dir.0,
        &["predict", "-m", "out/model.rnnw", csv, "-o", "all.csv"],
    );
    assert!(ok, "{stderr}");
    assert!(pstdout.contains("Classified 80 sequences"), "{pstdout}");
    let test_rows = dir.read("out/test_predictions.csv");
    let all_rows = dir.read("all.csv");
    assert_eq!(
        all_rows.lines().next(),
        Some("case,actual,predicted,p_Badminton,p_Running,p_Standing,p_Walking")
    );
    for row in test_rows.lines().skip(1) {
        assert!(
            all_rows.lines().any(|r| r == row),
            "{row} not in predict's output"
        );
    }
    // A label the model does not have is an error naming the case and
    // its line, and no output is written.
    let relabelled: String = std::fs::read_to_string(csv)
        .expect("bundled CSV")
        .lines()
        .map(|l| match l.strip_prefix("0,train,") {
            Some(rest) => format!("0,train,{}\n", rest.replacen("Standing", "Jumping", 1)),
            None => format!("{l}\n"),
        })
        .collect();
    let unknown = dir.file("unknown.csv", &relabelled);
    let (ok, _, stderr) = run(
        &dir.0,
        &[
            "predict",
            "-m",
            "out/model.rnnw",
            unknown.to_str().expect("utf-8"),
            "-o",
            "unknown_predictions.csv",
        ],
    );
    assert!(!ok, "a label the model does not know was accepted");
    assert!(
        stderr.contains(
            r#"case "0" (from line 2) has label "Jumping", which the model does not know"#
        ),
        "{stderr}"
    );
    assert!(!dir.0.join("unknown_predictions.csv").exists());
    let (ok, inspect, _) = run(&dir.0, &["inspect", "out/model.rnnw"]);
    assert!(ok);
    assert!(
        inspect.contains(r#"classes ["Badminton", "Running", "Standing", "Walking"]"#),
        "{inspect}"
    );
    let (ok, _, stderr) = run(&dir.0, &["eval", "-m", "out/model.rnnw", csv]);
    assert!(!ok && stderr.contains("is a classifier"), "{stderr}");
}

/// A long-format CSV of `cases` cases of `steps` rows, case `k` labelled
/// `labels[k % labels.len()]`, its part `parts(k)`.
pub(crate) fn long_csv(
    cases: usize,
    steps: usize,
    labels: &[&str],
    part: impl Fn(usize) -> &'static str,
) -> String {
    let mut s = String::from("case,split,label,x,y\n");
    for k in 0..cases {
        for t in 0..steps {
            let label = labels[k % labels.len()];
            let x = (t as f64 * 0.4 + k as f64).sin();
            s.push_str(&format!(
                "c{k},{},{label},{x},{}\n",
                part(k),
                t as f64 * 0.1
            ));
        }
    }
    s
}

/// Asserts that `classify` on `csv` fails naming every part of `expected`,
/// and leaves the earlier model file alone.
pub(crate) fn classify_fails(dir: &TempDir, csv: &str, extra: &[&str], expected: &[&str]) {
    std::fs::create_dir_all(dir.0.join("out")).expect("out dir");
    let before = dir.file("out/model.rnnw", "an earlier model");
    let path = dir.file("data.csv", csv);
    let mut args = vec![
        "classify",
        path.to_str().expect("utf-8"),
        "--out",
        "out",
        "--no-plots",
    ];
    args.extend_from_slice(extra);
    let (ok, _, stderr) = run(&dir.0, &args);
    assert!(!ok, "expected failure for {args:?}");
    for e in expected {
        assert!(stderr.contains(e), "{args:?}: expected {e:?} in: {stderr}");
    }
    assert_eq!(
        std::fs::read_to_string(before).expect("kept"),
        "an earlier model"
    );
}

#[test]
fn bad_labelled_data_is_refused_by_name() {
    let dir = TempDir::new("classify-bad");
    let all_train = |_| "train";
    // One class.
    classify_fails(
        &dir,
        &long_csv(8, 5, &["walk"], all_train),
        &[],
        &["label column \"label\" has one class (\"walk\")"],
    );
    // A class only in the test part.
    let test_only_c = |k| if k % 3 == 2 { "test" } else { "train" };
    classify_fails(
        &dir,
        &long_csv(9, 5, &["a", "b", "c"], test_only_c),
        &["--split-column", "split"],
        &["test case \"c2\" has class \"c\", which no training case has"],
    );
    // Cases of unequal length: the case and its length are named.
    let mut ragged = long_csv(4, 5, &["a", "b"], all_train);
    ragged.push_str("c9,train,a,0.5,0.1\nc9,train,a,0.5,0.2\n");
    classify_fails(
        &dir,
        &ragged,
        &[],
        &["case \"c9\" (from line 22) has 2 timesteps, but case \"c0\" has 5"],
    );
    // A label that changes inside a case, CRLF line endings: the line.
    let changing = long_csv(4, 3, &["a", "b"], all_train)
        .replacen("c1,train,b,", "c1,train,a,", 1)
        .replace('\n', "\r\n");
    classify_fails(
        &dir,
        &changing,
        &[],
        &["line 6: case \"c1\" has label \"b\" here but \"a\""],
    );
    // No case column.
    classify_fails(
        &dir,
        &long_csv(4, 3, &["a", "b"], all_train),
        &["--case", "recording"],
        &["recording"],
    );
    // A non-numeric input cell names its line and column.
    let bad_cell = long_csv(4, 3, &["a", "b"], all_train).replacen("0.1\n", "n/a\n", 1);
    classify_fails(&dir, &bad_cell, &[], &["line 3", "\"y\""]);
    // A case seen again after others.
    let mut split_case = long_csv(2, 3, &["a", "b"], all_train);
    split_case.push_str("c0,train,a,0.1,0.1\n");
    classify_fails(
        &dir,
        &split_case,
        &[],
        &["line 8: case \"c0\" appears again"],
    );
}

#[test]
fn fixed_windows_of_a_labelled_series_train_and_split_by_time() {
    let dir = TempDir::new("classify-windows");
    // A series whose label is the sign of a slow sine: learnable from x.
    // The recording's `case` column is not an input by default.
    let mut csv = String::from("case,x,state\n");
    for r in 0..400 {
        let x = (r as f64 * 0.05).sin();
        let state = if x > 0.0 { "up" } else { "down" };
        csv.push_str(&format!("rec{},{x},{state}\n", r / 100));
    }
    let path = dir.file("series.csv", &csv);
    let (ok, stdout, stderr) = run(
        &dir.0,
        &[
            "classify",
            path.to_str().expect("utf-8"),
            "--window",
            "4",
            "--label",
            "state",
            "--cell",
            "gru",
            "--units",
            "4",
            "--epochs",
            "3",
            "--out",
            "out",
            "--no-plots",
        ],
    );
    assert!(ok, "{stderr}");
    // 397 windows; the last quarter tests, a tenth of the rest validates.
    assert!(
        stdout.contains("397 sequences of 4 timesteps x 1 inputs, 2 classes (down, up)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("train 268, validation 30, test 99"),
        "{stdout}"
    );
    let rows = dir.read("out/test_predictions.csv");
    assert!(
        rows.lines()
            .nth(1)
            .is_some_and(|r| r.starts_with("rows 299-302,")),
        "{rows}"
    );
}

/// `classify --layers gru:4,lstm:4 --no-bias`: each recurrent layer its own
/// kind, without bias (Keras `use_bias=False`), and the softmax head with
/// its bias; the file's summary says so.
#[test]
fn a_mixed_stack_without_recurrent_bias_classifies() {
    let dir = TempDir::new("classify-mixed");
    let csv = bundled();
    let csv = csv.to_str().expect("utf-8 path");
    let args = [
        "classify",
        csv,
        "--split-column",
        "split",
        "--layers",
        "gru:4,lstm:4",
        "--no-bias",
        "--epochs",
        "1",
        "--out",
        "out",
        "--no-plots",
    ];
    let (ok, stdout, stderr) = run(&dir.0, &args);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Accuracy "), "{stdout}");
    let text = rnn_train::cmd::inspect::run(&dir.0.join("out/model.rnnw")).unwrap();
    // 6 features: GRU(4) 3·4·(6 + 4) = 120, LSTM(4) 4·4·(4 + 4) = 128,
    // Dense(4) 4·(4 + 1) = 20.
    for row in [
        "gru (GRU)",
        "lstm (LSTM)",
        "120",
        "128",
        "Total params: 268",
    ] {
        assert!(text.contains(row), "{row:?} not in: {text}");
    }
}

/// How many test sequences of `out/test_predictions.csv` under `dir` were
/// predicted as `class`.
pub(crate) fn predicted_as(dir: &Path, class: &str) -> usize {
    let text = std::fs::read_to_string(dir.join("out/test_predictions.csv")).expect("predictions");
    text.lines()
        .skip(1)
        .filter(|row| row.split(',').nth(2) == Some(class))
        .count()
}

/// `--class-weight Standing=30`: the same run (seed, data, epochs) with
/// one class's loss weighted 30 times predicts that class for far more
/// test sequences; the weights are printed. A weight for a class the data
/// does not have is refused by name, nothing overwritten.
#[test]
fn a_class_weight_shifts_predictions_towards_its_class() {
    let dir = TempDir::new("classify-class-weight");
    let csv = bundled();
    let csv = csv.to_str().expect("utf-8 path");
    let train = |extra: &[&str]| {
        let mut args = vec![
            "classify",
            csv,
            "--split-column",
            "split",
            "--cell",
            "gru",
            "--units",
            "4",
            "--epochs",
            "3",
            "--out",
            "out",
            "--no-plots",
        ];
        args.extend_from_slice(extra);
        let (ok, stdout, stderr) = run(&dir.0, &args);
        assert!(ok, "{stderr}");
        (stdout, predicted_as(&dir.0, "Standing"))
    };
    let (plain, unweighted) = train(&[]);
    assert!(!plain.contains("Class weights"), "{plain}");
    let (weighted_out, weighted) = train(&["--class-weight", "Standing=30"]);
    assert!(
        weighted_out.contains(
            "Class weights (training loss): Badminton 1.000, Running 1.000, Standing 30.000, Walking 1.000"
        ),
        "{weighted_out}"
    );
    // 40 test sequences, 10 of each class.
    assert!(
        weighted > unweighted && weighted >= 30,
        "Standing predicted {unweighted} times unweighted, {weighted} times weighted"
    );

    let bad = TempDir::new("classify-class-weight-bad");
    let labelled = long_csv(8, 5, &["a", "b"], |k| if k < 6 { "train" } else { "test" });
    classify_fails(
        &bad,
        &labelled,
        &["--class-weight", "c=2"],
        &["--class-weight", "\"c\" is not a class", "classes: a, b"],
    );
}

/// A labelled CSV in `--out` named `test_predictions.csv` is refused
/// before training and kept.
#[test]
fn classify_never_overwrites_its_input_csv() {
    let dir = TempDir::new("classify-output-is-input");
    let labelled = long_csv(8, 5, &["a", "b"], |k| if k < 6 { "train" } else { "test" });
    let csv = dir.file("test_predictions.csv", &labelled);
    let args = [
        "classify",
        csv.to_str().expect("utf-8"),
        "--out",
        ".",
        "--no-plots",
    ];
    let (ok, _, stderr) = run(&dir.0, &args);
    assert!(!ok && stderr.contains("input CSV"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&csv).expect("kept"), labelled);
}
