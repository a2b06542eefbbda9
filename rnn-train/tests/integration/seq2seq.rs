//! Sequence-to-sequence training (`train --seq2seq`): a denoiser (input a
//! noisy copy of a daily cycle, target the clean cycle, horizon 0) beats
//! its baseline; output counts; the weight file round trip through `eval`,
//! `predict` and rnn-core's stepping; the commands that refuse such a
//! model; old files still load; bad input refused, nothing overwritten.

use std::path::Path;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rand_distr::{Distribution, Normal};
use rnn_core::format::{load_into, read_header, ScalerKind, SEQUENCE_FORMAT_VERSION};
use rnn_core::{Dense, Gru, Layer, SVector, Stack};
use rnn_train::cmd::eval::EvalOptions;
use rnn_train::cmd::predict::{self, PredictOptions};
use rnn_train::cmd::train::{run, TrainOptions, Trained};
use rnn_train::cmd::CsvSource;
use rnn_train::data::contract::Overrides;
use rnn_train::data::csv::TimeColumn;
use rnn_train::data::split::TestSize;
use rnn_train::fit::{FitConfig, Loss};
use rnn_train::nn::{Activation, CellKind, Precision, RecurrentLayer};
use rnn_train::seq2seq::Baseline;

use crate::binary::run_binary;
use crate::temp_dir::TempDir;

const WINDOW: usize = 12;
const ROWS: usize = 400;
const TEST: usize = 40;
const UNITS: usize = 8;

/// `time,noisy,clean`: a daily cycle (`clean`) and a copy with Gaussian
/// noise of standard deviation 0.5 (`noisy`), seeded.
fn write_csv(dir: &TempDir) -> std::path::PathBuf {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let noise = Normal::new(0.0, 0.5).unwrap();
    let mut s = String::from("time,noisy,clean\n");
    for i in 0..ROWS {
        let t = i as f64;
        let clean = 12.0 + 3.0 * (t * std::f64::consts::TAU / 24.0).sin();
        let noisy = clean + noise.sample(&mut rng);
        s.push_str(&format!("{i},{noisy:.4},{clean:.4}\n"));
    }
    dir.file("d.csv", &s)
}

/// GRU(8) from `inputs` to `clean` at every timestep, `horizon` rows on.
fn options(csv: &Path, out: &Path, inputs: &[&str], horizon: usize) -> TrainOptions {
    TrainOptions {
        csv: CsvSource::Path(csv.to_path_buf()),
        inputs: inputs.iter().map(|s| s.to_string()).collect(),
        target: "clean".into(),
        time: TimeColumn::Auto,
        window: WINDOW,
        horizon,
        multi_output: false,
        seq2seq: true,
        layers: vec![RecurrentLayer {
            cell: CellKind::Gru { reset_after: true },
            units: UNITS,
            use_bias: true,
        }],
        init: rnn_train::nn::Init::Keras,
        dense: vec![(1, Activation::Linear)],
        scaler: ScalerKind::MinMax,
        val_fraction: 0.1,
        test_size: TestSize::Count(TEST),
        nonnegative: false,
        allow_outliers: true,
        resume: None,
        fit: FitConfig {
            epochs: 15,
            batch_size: 16,
            learning_rate: 0.01,
            clip_norm: Some(1.0),
            patience: None,
            shuffle: true,
            seed: 5,
            loss: Loss::Mse,
        },
        precision: Precision::F32,
        threads: std::num::NonZeroUsize::MIN,
        out_dir: out.to_path_buf(),
        plots: false,
    }
}

fn train_denoiser(dir: &TempDir) -> Trained {
    let csv = write_csv(dir);
    run(
        &options(&csv, &dir.0.join("out"), &["noisy"], 0),
        &mut |_| {},
    )
    .expect("trains")
}

/// Scored (window, timestep) pairs: test window `i` (0-based) scores its
/// last `min(i + 1, WINDOW)` timesteps (those whose target is a test row).
fn scored_pairs() -> usize {
    (0..TEST).map(|i| (i + 1).min(WINDOW)).sum()
}

#[test]
fn a_denoiser_beats_its_baseline_and_its_file_round_trips() {
    let dir = TempDir::new("s2s-denoise");
    let t = train_denoiser(&dir);
    assert!(t.exported.architecture().sequence_output);
    assert_eq!(
        t.split.samples(),
        ROWS - WINDOW + 1,
        "horizon 0: every window"
    );
    let seq = t.sequence.as_ref().expect("a sequence evaluation");
    // The target is not an input: the mean of the target before the test.
    assert!(matches!(seq.baseline, Baseline::TrainingMean(m) if (m - 12.0).abs() < 0.2));
    let e = t.test.evaluation;
    assert_eq!(
        (e.model.count, e.persistence.count),
        (scored_pairs(), scored_pairs())
    );
    // The cycle's RMSE about its mean is 3/√2 ≈ 2.1; the noise 0.5.
    eprintln!(
        "seq2seq denoiser: model RMSE {} MAE {}, baseline RMSE {} MAE {}",
        e.model.rmse, e.model.mae, e.persistence.rmse, e.persistence.mae
    );
    assert!(
        e.model.rmse < 0.5 * e.persistence.rmse,
        "model RMSE {} vs baseline {}",
        e.model.rmse,
        e.persistence.rmse
    );
    // It denoises: closer to the clean cycle than its noisy input (σ 0.5).
    assert!(e.model.rmse < 0.5, "model RMSE {}", e.model.rmse);
    let last = seq.last_timesteps(WINDOW);
    assert_eq!(last.actual.len(), TEST, "one last timestep per test window");
    assert!(last.target_lines.windows(2).all(|w| w[1] == w[0] + 1));
    let csv = dir.read("out/test_predictions.csv");
    assert_eq!(csv.lines().count(), scored_pairs() + 1);
    assert!(csv.starts_with("window,timestep,target_line,actual,model,baseline,target_time\n"));

    // The file says seq2seq (version 5) and eval reproduces the numbers.
    let model = t.outputs.model.clone();
    let blob = std::fs::read(&model).unwrap();
    let header = read_header(&blob).unwrap().header;
    assert_eq!(header.version, SEQUENCE_FORMAT_VERSION);
    assert!(header.sequence_output);
    let source = CsvSource::Path(dir.0.join("d.csv"));
    let evaluated = rnn_train::cmd::eval::run(&EvalOptions {
        model: model.clone(),
        csv: source.clone(),
        overrides: Overrides::default(),
    })
    .unwrap();
    assert_eq!(evaluated.result, t.test);
    assert_eq!(
        evaluated.sequence.as_ref().map(|s| s.baseline),
        Some(seq.baseline)
    );
    let inspected = rnn_train::cmd::inspect::run(&model).unwrap();
    assert!(
        inspected.contains("Sequence-to-sequence (seq2seq)"),
        "{inspected}"
    );

    // predict: one forecast per window, its last timestep's output, which
    // is the test evaluation's forecast of that (window, timestep) for
    // every test window.
    let mut checked = 0;
    let f = predict::run(&PredictOptions {
        model: model.clone(),
        csv: source,
        overrides: Overrides::default(),
        output: dir.0.join("p.csv"),
    })
    .unwrap();
    assert_eq!(f.forecasts.len(), ROWS - WINDOW + 1);
    for (i, (&k, &step)) in seq.windows.iter().zip(&seq.timesteps).enumerate() {
        if step == WINDOW - 1 {
            // Equal up to summation order (evaluation runs batched).
            let p = f.forecasts[k].predictions[0];
            assert!((p - t.test.predicted[i]).abs() < 1e-9, "window {k}: {p}");
            assert_eq!(f.forecasts[k].actuals, [Some(t.test.actual[i])]);
            checked += 1;
        }
    }
    assert_eq!(checked, TEST);

    // rnn-core steps the same file and gives the trainer's output at every
    // timestep (f32 against the f64 forward of the same f32 weights).
    let mut device = Box::new(Stack::new(
        Gru::<1, UNITS>::zeroed(),
        Dense::<UNITS, 1>::zeroed(),
    ));
    let meta = load_into(device.as_mut(), &blob).unwrap().unwrap();
    let noisy: Vec<f64> = dir
        .read("d.csv")
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    let scale = meta.inputs[0];
    for k in [0, t.split.test.start, ROWS - WINDOW] {
        let window: Vec<f64> = noisy[k..k + WINDOW]
            .iter()
            .map(|&v| (v - f64::from(scale.shift)) / f64::from(scale.scale))
            .collect();
        let want = t.exported.predict(&window).unwrap();
        assert_eq!(want.len(), WINDOW);
        let mut state = <Stack<Gru<1, UNITS>, Dense<UNITS, 1>> as Layer>::zero_state();
        for (step, (&x, w)) in window.iter().zip(&want).enumerate() {
            let y = device.step(&mut state, &SVector::from([x as f32]));
            let diff = (f64::from(y[0]) - w).abs();
            assert!(diff < 1e-5, "window {k} step {step}: {} vs {w}", y[0]);
        }
    }
}

/// Horizon 1 with the target among the inputs: persistence is the baseline;
/// horizon 0 with it: the identity. Both reported, not asserted to win.
#[test]
fn the_baseline_follows_the_horizon_and_the_inputs() {
    let dir = TempDir::new("s2s-baselines");
    let csv = write_csv(&dir);
    let mut opts = options(&csv, &dir.0.join("ahead"), &["noisy", "clean"], 1);
    opts.fit.epochs = 2;
    let t = run(&opts, &mut |_| {}).unwrap();
    let seq = t.sequence.as_ref().unwrap();
    assert_eq!(seq.baseline, Baseline::Persistence);
    assert_eq!(t.split.samples(), ROWS - WINDOW);
    // Persistence of the pair's target row r is the clean value at r − 1.
    let clean: Vec<f64> = dir
        .read("d.csv")
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().parse().unwrap())
        .collect();
    for (i, line) in t.test.target_lines.iter().enumerate() {
        let row = *line as usize - 2;
        assert_eq!(t.test.persistence[i], clean[row - 1]);
        assert_eq!(t.test.actual[i], clean[row]);
    }
    opts.horizon = 0;
    opts.out_dir = dir.0.join("same");
    let t = run(&opts, &mut |_| {}).unwrap();
    assert_eq!(t.sequence.as_ref().unwrap().baseline, Baseline::Identity);
    assert_eq!(t.test.evaluation.persistence.rmse, 0.0);
}

/// Files written before seq2seq (version 1 here) load as many-to-one.
#[test]
fn a_version_1_file_still_loads_as_many_to_one() {
    let v1 = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/weights/v1_lstm16_sea_temperature.rnnw"
    ));
    let blob = std::fs::read(v1).unwrap();
    let header = read_header(&blob).unwrap().header;
    assert_eq!(header.version, 1);
    assert!(!header.sequence_output);
    let m = rnn_train::import::load(v1).unwrap();
    assert!(!m.network.architecture().sequence_output);
    assert_eq!(m.network.outputs_per_window(30), 1);
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
fn bad_seq2seq_input_is_refused_and_nothing_is_overwritten() {
    let dir = TempDir::new("s2s-bad");
    write_csv(&dir);
    let train = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut a = vec![
            "train",
            "d.csv",
            "-i",
            "noisy",
            "-t",
            "clean",
            "-e",
            "1",
            "--test-size",
            "40",
            "--no-plots",
            "-o",
            "out",
            "--seq2seq",
        ];
        a.extend_from_slice(extra);
        a
    };
    let (ok, _, err) = run_binary(&dir.0, &train(&["-w", "12", "--horizon", "0"]));
    assert!(ok, "{err}");
    let model = dir.0.join("out/model.rnnw");
    let before = std::fs::read(&model).unwrap();
    let predictions = std::fs::read(dir.0.join("out/test_predictions.csv")).unwrap();

    fails(
        &dir,
        &train(&["-w", "500", "--horizon", "0"]),
        &["window 500 with horizon 0", "the series has 400"],
    );
    fails(
        &dir,
        &train(&["--horizon", "2", "--multi-output"]),
        &["--seq2seq", "not with --multi-output"],
    );
    let many_to_one = ["train", "d.csv", "-i", "noisy", "-t", "clean", "-o", "out"];
    fails(
        &dir,
        &[&many_to_one[..], &["--horizon", "0"]].concat(),
        &["--horizon", "0 (the same row) only with --seq2seq"],
    );
    for command in [
        &["quantize", "out/model.rnnw", "d.csv", "-o", "q.rnnq"][..],
        &[
            "forecast",
            "d.csv",
            "-m",
            "out/model.rnnw",
            "--steps",
            "3",
            "-o",
            "fc",
        ],
        &["export", "--rust", "out/model.rnnw", "-o", "m.rs"],
    ] {
        fails(
            &dir,
            command,
            &["a sequence-to-sequence model", "not supported"],
        );
    }
    assert_eq!(std::fs::read(&model).unwrap(), before, "model overwritten");
    assert_eq!(
        std::fs::read(dir.0.join("out/test_predictions.csv")).unwrap(),
        predictions
    );
    for absent in ["q.rnnq", "fc", "m.rs"] {
        assert!(!dir.0.join(absent).exists(), "{absent} written");
    }
}
