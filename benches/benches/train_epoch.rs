//! One training epoch (forward, BPTT, Adam over every mini-batch) of the
//! two reference settings in f32 and f64, and the whole 100-epoch sine fit
//! (f64). One thread (`fit`); `train` spreads batches over every core, and
//! `benches/keras_train.py` times it against Keras.
//!
//! - sine: SimpleRNN(10, tanh) + Dense(1, tanh), windows of 10 of
//!   sin(πi/100), i < 1000 (990 windows), batch 32, MSE;
//! - stock: LSTM(16) + Dense(1), windows of 30 of the `open_usd` column of
//!   `data/stock_goog_daily.csv` (first 90 % of the rows, min-max scaled on
//!   them: 1903 windows), batch 16, MSE.

use std::f64::consts::PI;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use rnn_train::fit::{fit, Dataset, FitConfig, Loss};
use rnn_train::nn::{Activation, Architecture, CellKind, Network};

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

fn config(epochs: usize, batch_size: usize) -> FitConfig {
    FitConfig {
        epochs,
        batch_size,
        learning_rate: 0.001,
        clip_norm: None,
        patience: None,
        shuffle: true,
        seed: 0,
        loss: Loss::Mse,
    }
}

fn network(cell: CellKind, units: usize, head: Activation) -> Network {
    let arch = Architecture::uniform(1, cell, &[units], vec![(1, head)]);
    Network::new(&arch, 0).expect("valid architecture")
}

fn sine() -> Dataset {
    let series: Vec<f64> = (0..1000).map(|i| (PI * i as f64 * 0.01).sin()).collect();
    windows(&series, 10)
}

/// The `open_usd` column, first 90 % of the rows, min-max scaled to [0, 1].
fn stock() -> Dataset {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/stock_goog_daily.csv");
    let text = std::fs::read_to_string(path).expect("data/stock_goog_daily.csv");
    let open: Vec<f64> = text
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').nth(1)?.parse().ok())
        .collect();
    let train = &open[..open.len() * 9 / 10];
    let (lo, hi) = train
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let scaled: Vec<f64> = train.iter().map(|v| (v - lo) / (hi - lo)).collect();
    windows(&scaled, 30)
}

/// One epoch on one thread (`fit`), in the f32 default of `train` and in
/// f64: ids `train_epoch/<setting>/<precision>`.
fn train_epoch(c: &mut Criterion) {
    let mut group = c.benchmark_group("train_epoch");
    let settings = [
        (
            "sine_simplernn10_b32",
            sine(),
            CellKind::SimpleRnn {
                activation: Activation::Tanh,
            },
            10,
            Activation::Tanh,
            32,
        ),
        (
            "stock_lstm16_t30_b16",
            stock(),
            CellKind::Lstm,
            16,
            Activation::Linear,
            16,
        ),
    ];
    for (name, data, cell, units, head, batch) in settings {
        let cfg = config(1, batch);
        let mut net = network(cell, units, head);
        group.bench_function(format!("{name}/f64"), |b| {
            b.iter(|| fit(&mut net, black_box(&data), None, &cfg, &mut |_| {}))
        });
        let (mut net, data) = (network(cell, units, head).cast::<f32>(), data.cast::<f32>());
        group.bench_function(format!("{name}/f32"), |b| {
            b.iter(|| fit(&mut net, black_box(&data), None, &cfg, &mut |_| {}))
        });
    }
    group.finish();
}

fn sine_fit(c: &mut Criterion) {
    let mut group = c.benchmark_group("fit");
    group.sample_size(10);
    let data = sine();
    let cfg = config(100, 32);
    group.bench_function("sine_simplernn10_100_epochs", |b| {
        b.iter(|| {
            let mut net = network(
                CellKind::SimpleRnn {
                    activation: Activation::Tanh,
                },
                10,
                Activation::Tanh,
            );
            fit(&mut net, black_box(&data), None, &cfg, &mut |_| {}).map(|r| r.best_epoch)
        })
    });
    group.finish();
}

criterion_group!(benches, train_epoch, sine_fit);
criterion_main!(benches);
