//! `train --layers gru:8,lstm:4` end to end on the bundled sea-temperature
//! series: the weight file loads into the matching compile-time rnn-core
//! model, which predicts what rnn-train's network of that file predicts
//! (within the export-parity tolerance, 1e-6), and `inspect` shows both
//! layer kinds; `eval`, `predict`, `cost` and `export --rust` take the
//! file. With `--no-bias` the recurrent layers are stored without biases
//! (Keras `use_bias=False`) and still load into rnn-core.

use std::path::{Path, PathBuf};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rnn_core::format::{load_into, LayerSpec};
use rnn_core::{Dense, Direction, Gru, Layer, Lstm, SVector, Stack};

use crate::binary::run_binary;
use crate::temp_dir::TempDir;

/// As `export_parity.rs`.
const TOLERANCE: f64 = 1e-6;
const WINDOW: usize = 12;

type DeviceModel = Stack<Gru<1, 8>, Stack<Lstm<8, 4>, Dense<4, 1>>>;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Trains one epoch of `--layers gru:8,lstm:4` and `extra` into `dir`;
/// returns the weight file.
fn train(dir: &Path, extra: &[&str]) -> PathBuf {
    let out = dir.to_str().expect("utf-8 temp path");
    let mut args = vec![
        "train",
        "--layers",
        "gru:8,lstm:4",
        "-w",
        "12",
        "--epochs",
        "1",
        "--no-plots",
        "-o",
        out,
    ];
    args.extend_from_slice(extra);
    let (ok, stdout, stderr) = run_binary(&root(), &args);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Wrote"), "{stdout}");
    dir.join("model.rnnw")
}

/// The largest difference between rnn-core's model of the file and
/// rnn-train's network of it over a few windows.
fn largest_difference(model_path: &Path) -> f64 {
    let blob = std::fs::read(model_path).expect("read the weight file");
    let mut device: Box<DeviceModel> = Box::new(Stack::new(
        Gru::zeroed(),
        Stack::new(Lstm::zeroed(), Dense::zeroed()),
    ));
    load_into(device.as_mut(), &blob).expect("rnn-core loads the file");
    let trainer = rnn_train::import::load(model_path).expect("rnn-train loads the file");
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let mut largest = 0.0f64;
    for _ in 0..5 {
        let window: Vec<f64> = (0..WINDOW).map(|_| rng.random_range(0.0..1.0)).collect();
        let want = trainer.network.predict(&window).unwrap()[0];
        let inputs: Vec<SVector<f32, 1>> = window
            .iter()
            .map(|&v| SVector::from_element(v as f32))
            .collect();
        let mut state = DeviceModel::zero_state();
        let got = device
            .run_sequence(&mut state, &inputs, Direction::Forward)
            .unwrap()[0];
        largest = largest.max((f64::from(got) - want).abs());
    }
    largest
}

fn inspect(model_path: &Path) -> String {
    let path = model_path.to_str().expect("utf-8 temp path");
    let (ok, stdout, stderr) = run_binary(&root(), &["inspect", path]);
    assert!(ok, "{stderr}");
    stdout
}

#[test]
fn gru_then_lstm_trains_exports_and_runs_in_rnn_core() {
    let dir = TempDir::new("mixed-gru-lstm");
    let model = train(&dir.0, &[]);
    let largest = largest_difference(&model);
    assert!(largest <= TOLERANCE, "largest difference {largest:e}");
    let text = inspect(&model);
    // Keras: GRU(8) on 1 feature 3·8·(1 + 8 + 2) = 264; LSTM(4) on 8:
    // 4·4·(8 + 4 + 1) = 208; Dense(1) on 4: 5.
    for row in [
        "gru (GRU)",
        "lstm (LSTM)",
        "264",
        "208",
        "Total params: 477",
    ] {
        assert!(text.contains(row), "{row:?} not in: {text}");
    }
}

#[test]
fn no_bias_stores_recurrent_layers_without_biases() {
    let dir = TempDir::new("mixed-no-bias");
    let model = train(&dir.0, &["--no-bias"]);
    let largest = largest_difference(&model);
    assert!(largest <= TOLERANCE, "largest difference {largest:e}");
    let specs = rnn_train::import::load(&model).expect("loads").specs;
    assert!(
        matches!(
            specs[..],
            [
                LayerSpec::Gru {
                    use_bias: false,
                    ..
                },
                LayerSpec::Lstm {
                    use_bias: false,
                    ..
                },
                LayerSpec::Dense { use_bias: true, .. }
            ]
        ),
        "{specs:?}"
    );
    // 3·8·(1 + 8) = 216, 4·4·(8 + 4) = 192, Dense 5.
    assert!(inspect(&model).contains("Total params: 413"));
    let path = model.to_str().expect("utf-8 temp path");
    let (ok, stdout, stderr) = run_binary(&root(), &["cost", path, "--target", "none"]);
    assert!(ok, "{stderr}");
    for row in ["GRU(1→8)", "LSTM(8→4)", "216", "192"] {
        assert!(stdout.contains(row), "{row:?} not in: {stdout}");
    }
    let source = dir.0.join("model.rs");
    let out = source.to_str().expect("utf-8 temp path");
    let (ok, _, stderr) = run_binary(&root(), &["export", path, "--rust", "-o", out]);
    assert!(ok, "{stderr}");
    let blob = std::fs::read(&model).expect("read the weight file");
    let text = std::fs::read_to_string(&source).expect("source written");
    assert_eq!(text, rnn_core::format::codegen::rust_source(&blob).unwrap());
    assert!(text.contains("rnn_core::Gru {") && text.contains("rnn_core::Lstm {"));
    assert!(text.contains("use_bias: false"));
}
