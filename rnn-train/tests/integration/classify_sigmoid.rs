//! `rnn-train classify --head sigmoid`: a binary classifier (Dense(1),
//! binary cross-entropy on the logit) on two of the bundled activities
//! beats the majority class, its file (Dense(1) sigmoid, two class names)
//! classifies the same way through `predict`, class weights shift it
//! either way, and a sigmoid head on more than two classes is refused.

use crate::binary::run_binary as run;
use crate::classify::{bundled, classify_fails, long_csv, number_after, predicted_as};
use crate::temp_dir::TempDir;

/// The bundled recordings of `Standing` and `Walking` only (20 cases
/// each, the archive's split kept), as `two.csv` in `dir`.
fn standing_or_walking(dir: &TempDir) -> String {
    let all = std::fs::read_to_string(bundled()).expect("bundled CSV");
    let mut lines = all.lines();
    let mut csv = format!("{}\n", lines.next().expect("header"));
    for line in lines {
        let label = line.split(',').nth(3).expect("label column");
        if label == "Standing" || label == "Walking" {
            csv.push_str(line);
            csv.push('\n');
        }
    }
    let path = dir.file("two.csv", &csv);
    path.to_str().expect("utf-8").to_string()
}

/// `classify` of the two activities with the sigmoid head; `extra` added.
fn classify(dir: &TempDir, csv: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "classify",
        csv,
        "--split-column",
        "split",
        "--head",
        "sigmoid",
        "--cell",
        "gru",
        "--out",
        "out",
        "--no-plots",
    ];
    args.extend_from_slice(extra);
    let (ok, stdout, stderr) = run(&dir.0, &args);
    assert!(ok, "{args:?}: {stderr}");
    stdout
}

#[test]
fn a_sigmoid_head_tells_two_activities_apart() {
    let dir = TempDir::new("classify-sigmoid");
    let csv = standing_or_walking(&dir);
    let stdout = classify(
        &dir,
        &csv,
        &["--units", "8", "--epochs", "20", "--lr", "0.01"],
    );
    assert!(
        stdout.contains("2 classes (Standing, Walking); train 18, validation 2, test 20"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            r#"Head: Dense(1) sigmoid, binary cross-entropy; positive class (t = 1, p) "Walking""#
        ),
        "{stdout}"
    );
    // GRU(8) + Dense(1): 3·8·(6 + 8 + 2) = 384, 8 + 1 = 9.
    assert!(stdout.contains("Model: 393 parameters"), "{stdout}");
    let accuracy = number_after(&stdout, "Accuracy ");
    let baseline = number_after(&stdout[stdout.find("baseline (").unwrap()..], ") ");
    assert_eq!(baseline, 50.0, "{stdout}");
    assert!(
        accuracy >= 80.0,
        "accuracy {accuracy} % against {baseline} %:\n{stdout}"
    );

    // Probabilities 1 − p and p; the label Walking exactly when p > 0.5.
    let test_rows = dir.read("out/test_predictions.csv");
    assert_eq!(
        test_rows.lines().next(),
        Some("case,actual,predicted,p_Standing,p_Walking")
    );
    for row in test_rows.lines().skip(1) {
        let cells: Vec<&str> = row.split(',').collect();
        let p: Vec<f64> = cells[3..].iter().map(|c| c.parse().unwrap()).collect();
        assert!((p[0] + p[1] - 1.0).abs() <= 1e-6, "{row}");
        let want = if p[1] > 0.5 { "Walking" } else { "Standing" };
        assert_eq!(cells[2], want, "{row}");
    }
    // `predict` with the file gives the same rows.
    let (ok, pstdout, stderr) = run(
        &dir.0,
        &["predict", "-m", "out/model.rnnw", &csv, "-o", "all.csv"],
    );
    assert!(ok, "{stderr}");
    assert!(pstdout.contains("Classified 40 sequences"), "{pstdout}");
    let all_rows = dir.read("all.csv");
    assert_eq!(all_rows.lines().next(), test_rows.lines().next());
    for row in test_rows.lines().skip(1) {
        assert!(
            all_rows.lines().any(|r| r == row),
            "{row} not in predict's output"
        );
    }

    // The file: Dense(1) sigmoid, the two names, the positive one named.
    let (ok, inspect, _) = run(&dir.0, &["inspect", "out/model.rnnw"]);
    assert!(ok);
    for part in [
        "dense (Dense)               (None, 1)",
        r#"Classifier (Dense(1) sigmoid output: the probability of the positive class "Walking"): classes ["Standing", "Walking"]"#,
    ] {
        assert!(inspect.contains(part), "{part:?} not in: {inspect}");
    }
    let model = rnn_train::import::load(&dir.0.join("out/model.rnnw")).expect("loads");
    assert_eq!(model.head, Some(rnn_train::head::Head::Sigmoid));
    assert!(matches!(
        model.specs.last(),
        Some(rnn_core::format::LayerSpec::Dense {
            output_size: 1,
            activation: rnn_core::Activation::Sigmoid,
            ..
        })
    ));
    // Regression commands refuse it, as any classifier.
    let (ok, _, stderr) = run(&dir.0, &["eval", "-m", "out/model.rnnw", &csv]);
    assert!(!ok && stderr.contains("is a classifier"), "{stderr}");
    let (ok, _, stderr) = run(
        &dir.0,
        &["quantize", "out/model.rnnw", &csv, "-o", "q.rnnw"],
    );
    assert!(!ok && stderr.contains("is a classifier"), "{stderr}");
    assert!(!dir.0.join("q.rnnw").exists());
    let (ok, _, stderr) = run(&dir.0, &["cost", "out/model.rnnw", "--target", "host"]);
    assert!(
        !ok && stderr.contains("the model is a classifier"),
        "{stderr}"
    );
}

/// The same run (seed, data, epochs) with either class weighted 30 times
/// predicts that class for more test sequences: the weight reaches the
/// negative class (t = 0) as well as the positive one.
#[test]
fn class_weights_shift_a_sigmoid_head_either_way() {
    let dir = TempDir::new("classify-sigmoid-weight");
    let csv = standing_or_walking(&dir);
    let short = ["--units", "4", "--epochs", "3"];
    let with = |weight: &[&str]| {
        let args: Vec<&str> = short.iter().chain(weight).copied().collect();
        let stdout = classify(&dir, &csv, &args);
        (stdout, predicted_as(&dir.0, "Walking"))
    };
    let (plain, walking) = with(&[]);
    assert!(!plain.contains("Class weights"), "{plain}");
    let (weighted, more_walking) = with(&["--class-weight", "Walking=30"]);
    assert!(
        weighted.contains("Class weights (training loss): Standing 1.000, Walking 30.000"),
        "{weighted}"
    );
    let (_, less_walking) = with(&["--class-weight", "Standing=30"]);
    // 20 test sequences, 10 of each class.
    assert!(
        more_walking > walking && less_walking < walking,
        "Walking predicted {walking} times unweighted, {more_walking} with Walking=30, \
         {less_walking} with Standing=30"
    );
}

#[test]
fn a_sigmoid_head_on_four_classes_is_refused_naming_them() {
    let dir = TempDir::new("classify-sigmoid-four");
    classify_fails(
        &dir,
        &long_csv(8, 5, &["a", "b", "c", "d"], |_| "train"),
        &["--head", "sigmoid"],
        &[
            "--head sigmoid trains a binary classifier and needs exactly 2 classes",
            "label column \"label\"",
            "has 4: a, b, c, d",
        ],
    );
}
