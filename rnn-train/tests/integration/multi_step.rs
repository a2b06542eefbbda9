//! Multi-step forecasting: the direct model (`train --horizon N
//! --multi-output`, a Dense(N) head) through training, its weight file,
//! `eval` and `predict`; the autoregressive `forecast` command; old weight
//! files still read as single-step; bad input refused, nothing overwritten.
//! Metrics are reported, never asserted to beat persistence.

use std::path::Path;

use rnn_core::format::{load_into, ScalerKind};
use rnn_core::{Dense, Lstm, Stack};
use rnn_train::cmd::eval::EvalOptions;
use rnn_train::cmd::forecast_steps::{self, ForecastOptions};
use rnn_train::cmd::predict::{self, PredictOptions};
use rnn_train::cmd::train::{run, TrainOptions, Trained};
use rnn_train::cmd::CsvSource;
use rnn_train::data::contract::Overrides;
use rnn_train::data::csv::TimeColumn;
use rnn_train::data::split::TestSize;
use rnn_train::fit::{FitConfig, Loss};
use rnn_train::nn::{Activation, CellKind, Precision, RecurrentLayer};

use crate::binary::run_binary;
use crate::temp_dir::TempDir;

const WINDOW: usize = 12;
const ROWS: usize = 300;
const STEPS: usize = 4;
const TEST: usize = 30;

/// `time,value,other`: a noisy daily cycle (`value`) and a second column.
fn write_csv(dir: &TempDir) -> std::path::PathBuf {
    let mut s = String::from("time,value,other\n");
    for i in 0..ROWS {
        let t = i as f64;
        let v = 12.0 + 3.0 * (t * std::f64::consts::TAU / 24.0).sin() + 0.3 * (t * 1.7).sin();
        s.push_str(&format!("{i},{v:.3},{:.3}\n", (t * 0.1).cos()));
    }
    dir.file("d.csv", &s)
}

/// LSTM(8) on `value` alone, 3 epochs, test 30 samples.
fn options(csv: &Path, out: &Path, horizon: usize, multi_output: bool) -> TrainOptions {
    TrainOptions {
        csv: CsvSource::Path(csv.to_path_buf()),
        inputs: vec!["value".into()],
        target: "value".into(),
        time: TimeColumn::Auto,
        window: WINDOW,
        horizon,
        multi_output,
        seq2seq: false,
        layers: vec![RecurrentLayer {
            cell: CellKind::Lstm,
            units: 8,
            use_bias: true,
        }],
        init: rnn_train::nn::Init::Keras,
        dense: vec![(if multi_output { horizon } else { 1 }, Activation::Linear)],
        scaler: ScalerKind::MinMax,
        val_fraction: 0.1,
        test_size: TestSize::Count(TEST),
        nonnegative: false,
        allow_outliers: true,
        resume: None,
        fit: FitConfig {
            epochs: 3,
            batch_size: 16,
            learning_rate: 0.01,
            clip_norm: Some(1.0),
            patience: None,
            shuffle: true,
            seed: 3,
            loss: Loss::Mse,
        },
        precision: Precision::F32,
        threads: std::num::NonZeroUsize::MIN,
        out_dir: out.to_path_buf(),
        plots: false,
    }
}

fn train_direct(dir: &TempDir) -> Trained {
    let csv = write_csv(dir);
    run(
        &options(&csv, &dir.0.join("direct"), STEPS, true),
        &mut |_| {},
    )
    .expect("trains")
}

#[test]
fn direct_model_has_n_outputs_and_metrics_per_step() {
    let dir = TempDir::new("ms-direct");
    let t = train_direct(&dir);
    assert_eq!(t.exported.output_size(), STEPS);
    assert_eq!(
        t.split.samples(),
        ROWS - WINDOW - STEPS + 1,
        "every window has its N targets"
    );
    assert_eq!(t.steps.len(), STEPS);
    for e in &t.steps {
        assert_eq!((e.model.count, e.persistence.count), (TEST, TEST));
        assert!(e.model.rmse.is_finite() && e.persistence.rmse > 0.0);
    }
    assert_eq!(
        t.test.evaluation,
        t.steps[STEPS - 1],
        "test is the last step"
    );
    // The last test window's last step is the series' last row.
    assert_eq!(*t.test.target_lines.last().unwrap(), ROWS as u64 + 1);

    let csv = dir.read("direct/test_predictions.csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "last_input_line,actual_1,actual_2,actual_3,actual_4,model_1,model_2,model_3,model_4,\
         persistence,last_input_time"
    );
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').take(10).map(|c| c.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), TEST);
    for w in rows.windows(2) {
        // Sample i + 1 starts one row later: its step j is sample i's step j + 1.
        assert_eq!(w[1][1..STEPS], w[0][2..=STEPS]);
    }
    // The model's last-step column is what the evaluation scored.
    let last: Vec<f64> = rows.iter().map(|r| r[2 * STEPS]).collect();
    assert_eq!(last, t.test.predicted);
}

#[test]
fn direct_weight_file_round_trips_through_eval_predict_and_rnn_core() {
    let dir = TempDir::new("ms-roundtrip");
    let t = train_direct(&dir);
    let model = t.outputs.model.clone();

    let loaded = rnn_train::import::load(&model).unwrap();
    let meta = loaded.metadata.as_ref().unwrap();
    let contract = loaded.contract.as_ref().unwrap();
    assert_eq!((meta.targets.len(), meta.horizon), (STEPS, STEPS as u32));
    assert!(contract.targets.iter().all(|n| n.as_str() == "value"));
    assert_eq!(contract.targets.len(), STEPS);
    let steps = rnn_train::steps::model_steps(&model, meta, Some(contract), 4).unwrap();
    assert_eq!(steps, STEPS);

    // The compile-time rnn-core model loads the same file.
    let mut device = Box::new(Stack::new(Lstm::<1, 8>::zeroed(), Dense::<8, 4>::zeroed()));
    let device_meta = load_into(device.as_mut(), &std::fs::read(&model).unwrap()).unwrap();
    assert_eq!(device_meta.as_ref(), Some(meta));

    let csv = CsvSource::Path(dir.0.join("d.csv"));
    let e = rnn_train::cmd::eval::run(&EvalOptions {
        model: model.clone(),
        csv: csv.clone(),
        overrides: Overrides::default(),
    })
    .unwrap();
    assert_eq!(
        e.steps, t.steps,
        "eval reproduces training's per-step errors"
    );

    let p = PredictOptions {
        model,
        csv,
        overrides: Overrides::default(),
        output: dir.0.join("p.csv"),
    };
    let f = predict::run(&p).unwrap();
    assert_eq!(f.forecasts.len(), ROWS - WINDOW + 1);
    assert!(f.forecasts.iter().all(|x| x.predictions.len() == STEPS));
    // Window k of predict is test sample k: its last step is the test forecast.
    let first_test = t.split.test.start;
    let test_last: Vec<f64> = f.forecasts[first_test..first_test + TEST]
        .iter()
        .map(|x| x.predictions[STEPS - 1])
        .collect();
    assert_eq!(test_last, t.test.predicted);
    let written = dir.read("p.csv");
    let header = written.lines().next().unwrap();
    assert_eq!(
        header,
        "last_input_line,horizon,prediction_1,prediction_2,prediction_3,prediction_4,\
         actual_1,actual_2,actual_3,actual_4,last_input_time"
    );
}

#[test]
fn a_version_1_file_still_loads_as_a_single_step_model() {
    let v1 = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/weights/v1_lstm16_sea_temperature.rnnw"
    ));
    let m = rnn_train::import::load(v1).unwrap();
    let meta = m.metadata.as_ref().unwrap();
    assert!(m.contract.is_none());
    let steps = rnn_train::steps::model_steps(v1, meta, None, m.network.output_size()).unwrap();
    assert_eq!(steps, 1);
    let dir = TempDir::new("ms-v1");
    let mut csv = String::from("time_utc,temperature_c\n");
    for i in 0..100 {
        csv.push_str(&format!("{i},{:.3}\n", 10.0 + (i as f64 * 0.26).sin()));
    }
    let f = predict::forecasts(&PredictOptions {
        model: v1.to_path_buf(),
        csv: CsvSource::Path(dir.file("sea.csv", &csv)),
        overrides: Overrides::default(),
        output: dir.0.join("p.csv"),
    })
    .unwrap();
    assert!(f.forecasts.iter().all(|x| x.predictions.len() == 1));
}

#[test]
fn autoregressive_forecast_feeds_back_and_its_step_1_is_predict() {
    let dir = TempDir::new("ms-auto");
    let csv = write_csv(&dir);
    let t = run(&options(&csv, &dir.0.join("one"), 1, false), &mut |_| {}).unwrap();
    let model = t.outputs.model.clone();
    let steps = 5;
    let mut opts = ForecastOptions {
        model: model.clone(),
        csv: CsvSource::Path(csv.clone()),
        steps,
        test_size: None,
        out_dir: dir.0.join("fc"),
        plots: true,
    };
    let f = forecast_steps::run(&opts).unwrap();
    assert_eq!(f.future.len(), steps);
    assert_eq!(f.last_line, ROWS as u64 + 1);
    let (split, results) = f.test.as_ref().expect("a test split");
    // The model's own test windows (horizon 1: the first starts at
    // ROWS - WINDOW - TEST), those whose 5 next rows are in the CSV: the
    // last 4 have fewer, so no value compared is a validation row.
    let windows = TEST - (steps - 1);
    assert_eq!(
        split.test.start,
        ROWS - WINDOW - TEST,
        "the stored test split"
    );
    assert_eq!(split.test.len(), windows);
    assert_eq!(split.target_row(split.test.end - 1), ROWS - 1);
    let evaluations = results.evaluations();
    assert_eq!(evaluations.len(), steps);
    assert!(evaluations.iter().all(|e| e.model.count == windows));
    let forecast_csv = dir.read("fc/forecast.csv");
    assert_eq!(forecast_csv.lines().count(), 1 + steps);
    assert!(forecast_csv.starts_with("step,forecast\n1,"));
    let png = std::fs::read(dir.0.join("fc/forecast_fan.png")).unwrap();
    assert_eq!(&png[..4], b"\x89PNG");
    let test_csv = dir.read("fc/forecast_test.csv");
    assert_eq!(test_csv.lines().count(), 1 + windows);

    // Step 1 from every window is `predict`'s one-step forecast of it.
    let p = predict::forecasts(&PredictOptions {
        model: model.clone(),
        csv: CsvSource::Path(csv.clone()),
        overrides: Overrides::default(),
        output: dir.0.join("p.csv"),
    })
    .unwrap();
    let one_step: Vec<f64> = p.forecasts[split.test.clone()]
        .iter()
        .map(|x| x.predictions[0])
        .collect();
    assert_eq!(results.earlier[0].predicted, one_step);
    assert_eq!(f.future[0], p.forecasts.last().unwrap().predictions[0]);

    // Step 2 is the model on the window shifted by one, ending in step 1.
    let loaded = rnn_train::import::load(&model).unwrap();
    let meta = loaded.metadata.as_ref().unwrap();
    let table = rnn_train::data::csv::read_columns(&csv, &["value"]).unwrap();
    let raw = table.column("value").unwrap();
    let k = split.test.start;
    let path =
        rnn_train::autoregress::rollout(&loaded.network, meta, &raw[k..k + WINDOW], 2).unwrap();
    let mut shifted = raw[k + 1..k + WINDOW].to_vec();
    shifted.push(path[0]);
    let scaled = vec![rnn_train::data::scale::scale_all(&meta.inputs[0], &shifted)];
    let second =
        rnn_train::forecast::predict_at(&loaded.network, &scaled, 0, WINDOW, &meta.targets[0])
            .unwrap();
    assert_eq!(path[1], second);
    assert_eq!(results.earlier[1].predicted[0], second);

    // Without plots no PNG is written.
    opts.out_dir = dir.0.join("fc-noplot");
    opts.plots = false;
    let f = forecast_steps::run(&opts).unwrap();
    assert_eq!(f.outputs.fan_plot, None);
    assert!(!dir.0.join("fc-noplot/forecast_fan.png").exists());

    // Steps that leave 6 test windows (fewer than eval's 10): the future
    // forecast only, and a note saying why there are no metrics; the test
    // forecasts of the run before into the same directory are removed.
    opts.steps = TEST - 5;
    opts.out_dir = dir.0.join("fc-few");
    forecast_steps::run(&ForecastOptions {
        steps: 2,
        ..opts.clone()
    })
    .unwrap();
    assert!(dir.0.join("fc-few/forecast_test.csv").exists());
    let f = forecast_steps::run(&opts).unwrap();
    assert!(f.test.is_none());
    assert!(
        f.notes
            .iter()
            .any(|n| n.contains("6 test window(s); at least 10")),
        "{:?}",
        f.notes
    );
    assert!(!dir.0.join("fc-few/forecast_test.csv").exists());
}

/// The arguments as `&str`s.
fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A failing run of the binary in `dir`: its stderr contains every part of
/// `expected`.
fn fails(dir: &TempDir, args: &[&str], expected: &[&str]) {
    let (ok, _, stderr) = run_binary(&dir.0, args);
    assert!(!ok, "expected failure for {args:?}");
    for e in expected {
        assert!(stderr.contains(e), "{args:?}: expected {e:?} in: {stderr}");
    }
}

#[test]
fn bad_multi_step_input_is_refused_and_nothing_is_overwritten() {
    let dir = TempDir::new("ms-bad");
    write_csv(&dir);
    // Window 12 and output `out` unless `extra` gives them.
    let train = |extra: &[&str]| {
        let mut a = vec![
            "train",
            "d.csv",
            "-i",
            "value",
            "-t",
            "value",
            "-e",
            "1",
            "--test-size",
            "30",
            "--no-plots",
        ];
        for (flag, value) in [("-w", "12"), ("-o", "out")] {
            if !extra.contains(&flag) {
                a.extend([flag, value]);
            }
        }
        a.extend_from_slice(extra);
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let ok_run = train(&[]);
    let (ok, _, err) = run_binary(&dir.0, &args(&ok_run));
    assert!(ok, "{err}");
    let before = std::fs::read(dir.0.join("out/model.rnnw")).unwrap();

    let zero = train(&["--horizon", "0", "--multi-output"]);
    fails(&dir, &args(&zero), &["--horizon", "1 to 16", "got 0"]);
    let many = train(&["--horizon", "17", "--multi-output"]);
    fails(&dir, &args(&many), &["--horizon", "1 to 16", "got 17"]);
    let long = train(&["--horizon", "16", "--multi-output", "-w", "290"]);
    fails(
        &dir,
        &args(&long),
        &[
            "window 290 with horizon 16 needs at least 306 rows",
            "has 300",
        ],
    );
    let head = train(&["--horizon", "4", "--multi-output", "--dense", "1"]);
    fails(&dir, &args(&head), &["--dense", "4 units"]);
    assert_eq!(std::fs::read(dir.0.join("out/model.rnnw")).unwrap(), before);

    // forecast: a model with another input, a direct model, 0 steps.
    let two = train(&["-i", "other", "-o", "two"]);
    let (ok, _, err) = run_binary(&dir.0, &args(&two));
    assert!(ok, "{err}");
    fails(
        &dir,
        &[
            "forecast",
            "d.csv",
            "-m",
            "two/model.rnnw",
            "--steps",
            "3",
            "-o",
            "fc",
        ],
        &[
            "cannot forecast autoregressively",
            "not exactly its target \"value\"",
        ],
    );
    let direct = train(&["--horizon", "3", "--multi-output", "-o", "direct"]);
    let (ok, _, err) = run_binary(&dir.0, &args(&direct));
    assert!(ok, "{err}");
    fails(
        &dir,
        &[
            "forecast",
            "d.csv",
            "-m",
            "direct/model.rnnw",
            "--steps",
            "3",
            "-o",
            "fc",
        ],
        &[
            "cannot forecast autoregressively",
            "direct multi-step model (3 steps",
        ],
    );
    let ahead = train(&["--horizon", "2", "-o", "ahead"]);
    let (ok, _, err) = run_binary(&dir.0, &args(&ahead));
    assert!(ok, "{err}");
    fails(
        &dir,
        &[
            "forecast",
            "d.csv",
            "-m",
            "ahead/model.rnnw",
            "--steps",
            "3",
            "-o",
            "fc",
        ],
        &[
            "cannot forecast autoregressively",
            "forecasts 2 steps ahead",
        ],
    );
    fails(
        &dir,
        &[
            "forecast",
            "d.csv",
            "-m",
            "out/model.rnnw",
            "--steps",
            "0",
            "-o",
            "fc",
        ],
        &["--steps", "at least 1"],
    );
    assert!(
        !dir.0.join("fc").exists(),
        "a refused forecast writes nothing"
    );
    // quantize refuses a direct model rather than score one step of it.
    fails(
        &dir,
        &["quantize", "direct/model.rnnw", "d.csv", "-o", "q.rnnw"],
        &["multi-step", "not quantized"],
    );
}
