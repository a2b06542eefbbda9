//! The lecture examples, trained end to end and compared with what Keras
//! 3.15 (JAX backend, seed 0) reached, plus the forward pass checked against
//! Keras's own trained weights (`testdata/golden/keras/*_trained.json`).

use std::f64::consts::PI;

use rnn_train::fit::{evaluate, fit, Dataset, FitConfig, Loss};
use rnn_train::nn::{Activation, Architecture, CellKind, Network};
use serde_json::Value;

/// Windows of `window` values of `series`, each with the next value as target.
fn windows(series: &[f64], window: usize) -> Dataset {
    let n = series.len() - window;
    Dataset {
        inputs: (0..n)
            .flat_map(|i| series[i..i + window].to_vec())
            .collect(),
        targets: series[window..].to_vec(),
        window,
        input_size: 1,
        output_size: 1,
    }
}

fn wave(f: fn(f64) -> f64) -> Vec<f64> {
    (0..1000).map(|i| f(PI * i as f64 * 0.01)).collect()
}

fn sine_arch() -> Architecture {
    Architecture {
        input_size: 1,
        cell: CellKind::SimpleRnn,
        rnn_activation: Activation::Tanh,
        rnn_units: vec![10],
        dense: vec![(1, Activation::Tanh)],
    }
}

fn lecture_arch() -> Architecture {
    Architecture {
        input_size: 1,
        cell: CellKind::SimpleRnn,
        rnn_activation: Activation::Tanh,
        rnn_units: vec![50],
        dense: vec![(1, Activation::Linear)],
    }
}

fn config(epochs: usize) -> FitConfig {
    FitConfig {
        epochs,
        batch_size: 32,
        learning_rate: 0.001,
        clip_norm: None,
        patience: None,
        shuffle: true,
        seed: 0,
        loss: Loss::Mse,
    }
}

/// The ramp windows `[i, i+1, i+2, i+3] / 10 -> (i+4) / 10`, `i = 0..6`.
fn ramp() -> Dataset {
    let series: Vec<f64> = (0..10).map(|i| i as f64 / 10.0).collect();
    windows(&series, 4)
}

/// SimpleRNN(10, tanh) + Dense(1, tanh) on windows of 10 of sin(πi/100):
/// Keras ends at training loss 1.0e-3 and predicts the cosine series with
/// MSE 9.7e-4. We require both at most 2e-3.
#[test]
fn sine_wave_fit_predicts_the_cosine() {
    let train = windows(&wave(f64::sin), 10);
    assert_eq!(train.len(), 990);
    let mut net = Network::new(&sine_arch(), 0).unwrap();
    let report = fit(&mut net, &train, None, &config(100), &mut |_| {}).unwrap();
    let last = report.history.last().unwrap();
    assert_eq!(report.history.len(), 100);
    assert!(last.train_loss <= 2e-3, "training loss {}", last.train_loss);
    let cosine = windows(&wave(f64::cos), 10);
    let mse = evaluate(&net, &cosine, Loss::Mse);
    assert!(mse <= 2e-3, "cosine MSE {mse}");
}

/// SimpleRNN(50) + Dense(1) on the six ramp windows, 200 epochs of one
/// batch: Keras ends at loss 5.4e-5; we require below 5e-4.
#[test]
fn ramp_fit_reaches_keras_loss_scale() {
    let train = ramp();
    assert_eq!(train.len(), 6);
    let mut net = Network::new(&lecture_arch(), 0).unwrap();
    assert_eq!(net.param_count(), 2651);
    let report = fit(&mut net, &train, None, &config(200), &mut |_| {}).unwrap();
    let last = report.history.last().unwrap().train_loss;
    assert!(last < 5e-4, "final loss {last}");
    assert!(report.history[0].train_loss > 10.0 * last, "no learning");
}

fn golden(name: &str) -> Value {
    let path = format!(
        "{}/../testdata/golden/keras/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn flat(v: &Value, out: &mut Vec<f64>) {
    match v {
        Value::Array(items) => items.iter().for_each(|x| flat(x, out)),
        Value::Number(n) => out.push(n.as_f64().unwrap()),
        other => panic!("not a number: {other}"),
    }
}

fn flatten(v: &Value) -> Vec<f64> {
    let mut out = Vec::new();
    flat(v, &mut out);
    out
}

/// Loads Keras `get_weights()` arrays: `Network::params` holds, per layer,
/// Keras's kernel, recurrent kernel and bias in Keras's own memory order.
fn load_keras(net: &mut Network, case: &Value) {
    let mut params = Vec::new();
    for layer in case["weights"].as_array().unwrap() {
        for key in ["kernel", "recurrent_kernel", "bias"] {
            if let Some(a) = layer.get(key) {
                flat(a, &mut params);
            }
        }
    }
    net.params_mut().copy_from_slice(&params);
}

/// Keras's trained sine model, run by our forward pass on the cosine
/// windows: same outputs within 1e-5, and the same MSE against the cosine targets.
#[test]
fn forward_pass_matches_keras_trained_sine_model() {
    let case = golden("sine_simplernn10_dense1_trained.json");
    let mut net = Network::new(&sine_arch(), 0).unwrap();
    load_keras(&mut net, &case);
    let inputs = flatten(&case["input"]);
    let expected = flatten(&case["expected"]["output"]);
    for (k, window) in inputs.chunks_exact(10).enumerate() {
        let got = net.predict(window).unwrap()[0];
        assert!(
            (got - expected[k]).abs() < 1e-5,
            "window {k}: {got} vs {}",
            expected[k]
        );
    }
    let cosine = Dataset {
        inputs,
        targets: flatten(&case["cos_targets"]),
        window: 10,
        input_size: 1,
        output_size: 1,
    };
    let mse = evaluate(&net, &cosine, Loss::Mse);
    let keras = case["expected"]["mse_vs_cos_targets"].as_f64().unwrap();
    assert!((mse - keras).abs() < 1e-6, "MSE {mse} vs Keras {keras}");
}

/// Keras's trained lecture model (SimpleRNN(50) + Dense(1)) on the ramp windows.
#[test]
fn forward_pass_matches_keras_trained_lecture_model() {
    let case = golden("lecture_simplernn50_dense1_trained.json");
    let mut net = Network::new(&lecture_arch(), 0).unwrap();
    load_keras(&mut net, &case);
    let inputs = flatten(&case["input"]);
    let expected = flatten(&case["expected"]["output"]);
    assert_eq!(expected.len(), 7);
    for (k, window) in inputs.chunks_exact(4).enumerate() {
        let got = net.predict(window).unwrap()[0];
        assert!(
            (got - expected[k]).abs() < 1e-5,
            "window {k}: {got} vs {}",
            expected[k]
        );
    }
    // Keras's trained weights reach its reported loss scale on the six training windows.
    assert!(evaluate(&net, &ramp(), Loss::Mse) < 1e-4);
}
