//! The full CLI path: train a small LSTM(16) + Dense(1) on a CSV through the
//! library, export it, run `rnn-train predict` (the built binary) on the
//! weight file, and compare with in-process predictions and with the
//! compile-time rnn-core model (`Stack<Lstm<1, 16>, Dense<16, 1>>` loaded
//! with `load_into`). Also: `eval` reproduces the training report, and the
//! same seed gives a bit-identical weight file.

use std::path::Path;
use std::process::Command;

use crate::temp_dir::TempDir;

use rnn_core::format::{load_into, ScalerKind};
use rnn_core::{Dense, Direction, Layer, Lstm, SVector, Stack};
use rnn_train::cmd::eval::EvalOptions;
use rnn_train::cmd::train::{run, TrainOptions, Trained};
use rnn_train::cmd::CsvSource;
use rnn_train::data::csv::TimeColumn;
use rnn_train::data::scale;
use rnn_train::data::split::TestSize;
use rnn_train::fit::{FitConfig, Loss};
use rnn_train::nn::{Activation, CellKind, Precision, RecurrentLayer};

/// rnn-core runs f32; within this (in the model's scaled output units) it
/// must agree with rnn-train's f64 forward pass on the same f32 weights.
const TOLERANCE: f64 = 1e-6;
const WINDOW: usize = 12;

type DeviceModel = Stack<Lstm<1, 16>, Dense<16, 1>>;

/// A noisy daily cycle with a trend, like a temperature sensor: 400 rows.
fn write_csv(path: &Path) {
    let mut s = String::from("time,value\n");
    for i in 0..400 {
        let t = f64::from(i);
        let v = 12.0
            + 0.01 * t
            + 3.0 * (t * std::f64::consts::TAU / 24.0).sin()
            + 0.3 * (t * 1.7).sin();
        s.push_str(&format!("{i},{v:.3}\n"));
    }
    std::fs::write(path, s).expect("write csv");
}

fn options(csv: &Path, out: &Path) -> TrainOptions {
    TrainOptions {
        csv: CsvSource::Path(csv.to_path_buf()),
        inputs: vec!["value".into()],
        target: "value".into(),
        time: TimeColumn::Auto,
        window: WINDOW,
        horizon: 1,
        multi_output: false,
        seq2seq: false,
        layers: vec![RecurrentLayer {
            cell: CellKind::Lstm,
            units: 16,
            use_bias: true,
        }],
        init: rnn_train::nn::Init::Keras,
        dense: vec![(1, Activation::Linear)],
        scaler: ScalerKind::MinMax,
        val_fraction: 0.1,
        test_size: TestSize::Count(50),
        nonnegative: false,
        allow_outliers: false,
        resume: None,
        fit: FitConfig {
            epochs: 4,
            batch_size: 16,
            learning_rate: 0.01,
            clip_norm: Some(1.0),
            patience: None,
            shuffle: true,
            seed: 7,
            loss: Loss::Mse,
        },
        precision: Precision::F32,
        threads: std::num::NonZeroUsize::MIN,
        out_dir: out.to_path_buf(),
        plots: false,
    }
}

fn train(dir: &Path, out: &str) -> Trained {
    let csv = dir.join("d.csv");
    write_csv(&csv);
    run(&options(&csv, &dir.join(out)), &mut |_| {}).expect("training runs")
}

/// `(last_input_line, prediction)` rows of a `predict` output.
fn read_predictions(path: &Path) -> Vec<(u64, f64)> {
    let text = std::fs::read_to_string(path).expect("predictions written");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("last_input_line,horizon,prediction,actual,last_input_time")
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f[1], "1", "horizon column");
            (f[0].parse().unwrap(), f[2].parse().unwrap())
        })
        .collect()
}

#[test]
fn predict_through_the_weight_file_matches_in_process_and_rnn_core() {
    let dir = TempDir::new("rt-predict");
    let t = train(&dir.0, "out");
    let model = t.outputs.model.clone();
    let preds = dir.0.join("preds.csv");
    let status = Command::new(env!("CARGO_BIN_EXE_rnn-train"))
        .args(["predict", "d.csv", "-i", "value", "-t", "value", "-m"])
        .arg(&model)
        .arg("-o")
        .arg(&preds)
        .current_dir(&dir.0)
        .status()
        .expect("run rnn-train predict");
    assert!(status.success());
    let rows = read_predictions(&preds);
    assert_eq!(
        rows.len(),
        400 - WINDOW + 1,
        "one forecast per window, the last past the end"
    );

    // In process: the exported network over the same windows, same scaling.
    let table = rnn_train::data::csv::read_columns(&dir.0.join("d.csv"), &["value"]).unwrap();
    let raw = table.column("value").unwrap();
    let (in_scale, out_scale) = (t.metadata.inputs[0], t.metadata.targets[0]);
    let scaled = scale::scale_all(&in_scale, raw);

    // On the device: rnn-core's compile-time model loaded from the same file.
    let blob = std::fs::read(&model).unwrap();
    let mut device = Box::new(Stack::new(
        Lstm::<1, 16>::zeroed(),
        Dense::<16, 1>::zeroed(),
    ));
    let meta = load_into(device.as_mut(), &blob).expect("rnn-core loads the export");
    assert_eq!(meta.as_ref(), Some(&t.metadata));

    let (mut vs_rnn_core, mut vs_f64) = (0.0f64, 0.0f64);
    for (start, &(line, cli)) in rows.iter().enumerate() {
        let window = &scaled[start..start + WINDOW];
        assert_eq!(line, table.lines[start + WINDOW - 1]);
        let exported = scale::unscale(&out_scale, t.exported.predict(window).unwrap()[0]);
        assert_eq!(
            cli, exported,
            "window {start}: CSV holds the in-process value exactly"
        );

        let inputs: Vec<SVector<f32, 1>> =
            window.iter().map(|&v| SVector::from([v as f32])).collect();
        let mut state = DeviceModel::zero_state();
        let y = device
            .run_sequence(&mut state, &inputs, Direction::Forward)
            .unwrap()[0];
        let cli_scaled = scale::scale(&out_scale, cli);
        vs_rnn_core = vs_rnn_core.max((cli_scaled - f64::from(y)).abs());
        let trained = t.network.predict(window).unwrap()[0];
        vs_f64 = vs_f64.max((cli_scaled - trained).abs());
    }
    println!(
        "max |predict CLI - rnn-core f32| = {vs_rnn_core:.3e}, \
         max |predict CLI - trained f64 weights| = {vs_f64:.3e} (scaled units)"
    );
    assert!(
        vs_rnn_core <= TOLERANCE,
        "rnn-core differs by {vs_rnn_core}"
    );
    // Rounding the weights to f32 (relative error 6e-8 each) moves the output
    // by about that much, not more.
    assert!(vs_f64 <= 1e-7, "f32 export moved predictions by {vs_f64}");
}

#[test]
fn eval_reproduces_the_training_report_and_test_csv() {
    let dir = TempDir::new("rt-eval");
    let t = train(&dir.0, "out");
    // No flags: the columns and the test split come from the weight file.
    let e = rnn_train::cmd::eval::run(&EvalOptions {
        model: t.outputs.model.clone(),
        csv: CsvSource::Path(dir.0.join("d.csv")),
        overrides: Default::default(),
    })
    .unwrap();
    assert!(e.notes.is_empty(), "{:?}", e.notes);
    let (result, split) = (e.result, e.split);
    assert_eq!(split.test, t.split.test);
    assert_eq!(result, t.test);
    let e = result.evaluation;
    assert_eq!(e.model.count, 50);
    assert!(e.model.rmse.is_finite() && e.persistence.rmse > 0.0);
    assert_eq!(e.model.rmse, e.model.mse.sqrt());
    // test_predictions.csv: target_line,actual,model,persistence per test sample.
    let text = std::fs::read_to_string(&t.outputs.test_predictions).unwrap();
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 50);
    assert_eq!(
        rows[49][0], 401.0,
        "the last test target is the file's last line"
    );
    assert_eq!(rows[0][2], t.test.predicted[0]);
}

#[test]
fn same_seed_gives_a_bit_identical_weight_file() {
    let dir = TempDir::new("rt-seed");
    let a = train(&dir.0, "a");
    let b = train(&dir.0, "b");
    let (fa, fb) = (
        std::fs::read(&a.outputs.model).unwrap(),
        std::fs::read(&b.outputs.model).unwrap(),
    );
    assert_eq!(fa, fb);
    assert_eq!(a.fit.history, b.fit.history);
}

/// A model rnn-core runs and rnn-train's networks cannot (GRU → LSTM with
/// a softmax head but no class names): summarized, with a note, not refused.
#[test]
fn inspect_summarizes_a_mixed_softmax_model_rnn_train_cannot_run() {
    use rnn_core::format::{encode_raw, encoded_len, LayerSpec};
    let specs = [
        LayerSpec::Gru {
            input_size: 1,
            hidden_size: 4,
            reset_after: true,
            use_bias: true,
        },
        LayerSpec::Lstm {
            input_size: 4,
            hidden_size: 3,
            use_bias: true,
        },
        LayerSpec::Dense {
            input_size: 3,
            output_size: 2,
            activation: rnn_core::Activation::Softmax,
            use_bias: true,
        },
    ];
    let count: usize = specs.iter().map(|s| s.param_count().unwrap()).sum();
    let mut blob = vec![0; encoded_len(&specs, None).unwrap()];
    encode_raw(&specs, None, &vec![0.1; count], &mut blob).unwrap();
    let dir = TempDir::new("rt-inspect-mixed");
    let path = dir.0.join("mixed.rnnw");
    std::fs::write(&path, blob).unwrap();
    let text = rnn_train::cmd::inspect::run(&path).unwrap();
    // 3·(4·1 + 4·4) + 2·3·4 = 84; 4·(3·4 + 3·3 + 3) = 96; 2·3 + 2 = 8.
    assert!(text.contains("Total params: 188"), "{text}");
    assert!(
        text.contains("rnn-core runs this model; rnn-train cannot"),
        "{text}"
    );
}

#[test]
fn inspect_prints_the_keras_summary_of_the_export() {
    let dir = TempDir::new("rt-inspect");
    let t = train(&dir.0, "out");
    let text = rnn_train::cmd::inspect::run(&t.outputs.model).unwrap();
    assert!(
        text.contains("lstm (LSTM)                 (None, 16)                      1,152"),
        "{text}"
    );
    assert!(text.contains("Total params: 1,169"), "{text}");
    let bytes = rnn_train::report::thousands(DeviceModel::WEIGHT_BYTES);
    assert!(
        text.contains(&format!("{bytes} in rnn-core memory")),
        "{text}"
    );
    assert!(text.contains("State bytes:  128 per stream"), "{text}");
    assert!(
        text.contains("Window 12 timesteps, horizon 1; scaler minmax"),
        "{text}"
    );
}
