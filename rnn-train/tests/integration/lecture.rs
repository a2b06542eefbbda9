//! The lecture examples, trained end to end and compared with what Keras
//! 3.15 (JAX backend, seed 0) reached. (The forward pass with Keras's own
//! trained weights is checked in `keras_forward.rs`.)

use std::f64::consts::PI;

use rnn_train::fit::{evaluate, fit, Dataset, FitConfig, Loss};
use rnn_train::nn::{Activation, Architecture, CellKind, Network, Real};

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

const TANH: CellKind = CellKind::SimpleRnn {
    activation: Activation::Tanh,
};

fn sine_arch() -> Architecture {
    Architecture::uniform(1, TANH, &[10], vec![(1, Activation::Tanh)])
}

fn lecture_arch() -> Architecture {
    Architecture::uniform(1, TANH, &[50], vec![(1, Activation::Linear)])
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
/// MSE 9.7e-4. We require both at most 2e-3, in `T`.
fn sine_wave_fit_predicts_the_cosine_in<T: Real>() {
    let train = windows(&wave(f64::sin), 10).cast::<T>();
    assert_eq!(train.len(), 990);
    let mut net = Network::new(&sine_arch(), 0).unwrap().cast::<T>();
    let report = fit(&mut net, &train, None, &config(100), &mut |_| {}).unwrap();
    let last = report.history.last().unwrap();
    assert_eq!(report.history.len(), 100);
    assert!(last.train_loss <= 2e-3, "training loss {}", last.train_loss);
    let cosine = windows(&wave(f64::cos), 10).cast::<T>();
    let mse = evaluate(&net, &cosine, Loss::Mse);
    assert!(mse <= 2e-3, "cosine MSE {mse}");
}

/// SimpleRNN(50) + Dense(1) on the six ramp windows, 200 epochs of one
/// batch: Keras ends at loss 5.4e-5; we require below 5e-4, in `T`.
fn ramp_fit_reaches_keras_loss_scale_in<T: Real>() {
    let train = ramp().cast::<T>();
    assert_eq!(train.len(), 6);
    let mut net = Network::new(&lecture_arch(), 0).unwrap().cast::<T>();
    assert_eq!(net.param_count(), 2651);
    let report = fit(&mut net, &train, None, &config(200), &mut |_| {}).unwrap();
    let last = report.history.last().unwrap().train_loss;
    assert!(last < 5e-4, "final loss {last}");
    assert!(report.history[0].train_loss > 10.0 * last, "no learning");
}

// The thresholds were calibrated in f64 (before f32 training existed);
// Keras trained in f32, and both precisions reach them.

#[test]
fn sine_wave_fit_predicts_the_cosine() {
    sine_wave_fit_predicts_the_cosine_in::<f64>();
}

#[test]
fn sine_wave_fit_predicts_the_cosine_in_f32() {
    sine_wave_fit_predicts_the_cosine_in::<f32>();
}

#[test]
fn ramp_fit_reaches_keras_loss_scale() {
    ramp_fit_reaches_keras_loss_scale_in::<f64>();
}

#[test]
fn ramp_fit_reaches_keras_loss_scale_in_f32() {
    ramp_fit_reaches_keras_loss_scale_in::<f32>();
}
