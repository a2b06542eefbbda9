//! Export parity: a trained-format export of a [`Network`], loaded by
//! `rnn_core::format::load_into` into the matching compile-time rnn-core
//! model, predicts what `Network::predict` predicts (within 1e-6), for every
//! layer kind, both GRU variants, a stacked model and a mixed stack with
//! layers without bias.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rnn_core::format::{encode_raw, encoded_len, load_into};
use rnn_core::{Dense, Direction, Gru, Layer, Lstm, SVector, SimpleRnn, Stack};
use rnn_train::nn::{Activation, Architecture, CellKind, Network};

const TOLERANCE: f64 = 1e-6;
const STEPS: usize = 12;

/// A network of `arch` with every parameter moved off its initial value
/// (so biases are exercised too), then rounded to the f32 values the export
/// holds, so that only f32 arithmetic in rnn-core separates the two.
fn network(arch: &Architecture, seed: u64) -> Network {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut net = Network::new(arch, seed).unwrap();
    for p in net.params_mut() {
        *p += rng.random_range(-0.2..0.2);
    }
    let exported = net.export_params();
    net.import_params(&exported).unwrap();
    net
}

fn blob(net: &Network) -> Vec<u8> {
    let specs = net.layer_specs();
    let params = net.export_params();
    let mut out = vec![0u8; encoded_len(&specs, None).unwrap()];
    let n = encode_raw(&specs, None, &params, &mut out).unwrap();
    assert_eq!(n, out.len());
    out
}

/// Loads the export into `model` and compares it with `net` on a few windows.
fn check<M, const I: usize>(net: &Network, mut model: M)
where
    M: Layer<Input = SVector<f32, I>, Output = SVector<f32, 1>>,
{
    load_into(&mut model, &blob(net)).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(99);
    let mut largest = 0.0f64;
    for _ in 0..5 {
        let window: Vec<f64> = (0..STEPS * I)
            .map(|_| rng.random_range(-1.0..1.0))
            .collect();
        let want = net.predict(&window).unwrap()[0];
        let inputs: Vec<SVector<f32, I>> = window
            .chunks_exact(I)
            .map(|x| SVector::from_iterator(x.iter().map(|&v| v as f32)))
            .collect();
        let mut state = M::zero_state();
        let got = model
            .run_sequence(&mut state, &inputs, Direction::Forward)
            .unwrap()[0];
        largest = largest.max((f64::from(got) - want).abs());
    }
    assert!(largest <= TOLERANCE, "largest difference {largest:e}");
}

fn arch(cell: CellKind, input: usize, units: &[usize]) -> Architecture {
    Architecture::uniform(input, cell, units, vec![(1, Activation::Linear)])
}

#[test]
fn lstm_8_dense_1() {
    let net = network(&arch(CellKind::Lstm, 1, &[8]), 1);
    check(
        &net,
        Stack::new(Lstm::<1, 8>::zeroed(), Dense::<8, 1>::zeroed()),
    );
}

#[test]
fn gru_reset_after_4_dense_1() {
    let net = network(&arch(CellKind::Gru { reset_after: true }, 2, &[4]), 2);
    check(
        &net,
        Stack::new(Gru::<2, 4>::zeroed(), Dense::<4, 1>::zeroed()),
    );
}

#[test]
fn gru_reset_before_4_dense_1() {
    let net = network(&arch(CellKind::Gru { reset_after: false }, 2, &[4]), 3);
    check(
        &net,
        Stack::new(Gru::<2, 4>::zeroed(), Dense::<4, 1>::zeroed()),
    );
}

#[test]
fn simple_rnn_5_dense_1_each_activation() {
    for (k, act) in [Activation::Tanh, Activation::Relu, Activation::Linear]
        .into_iter()
        .enumerate()
    {
        let net = network(
            &arch(CellKind::SimpleRnn { activation: act }, 1, &[5]),
            4 + k as u64,
        );
        check(
            &net,
            Stack::new(SimpleRnn::<1, 5>::zeroed(), Dense::<5, 1>::zeroed()),
        );
    }
}

#[test]
fn stacked_lstm_lstm_dense_dense() {
    let mut a = arch(CellKind::Lstm, 3, &[6, 4]);
    a.dense = vec![(3, Activation::Sigmoid), (1, Activation::Tanh)];
    let net = network(&a, 7);
    let model = Stack::new(
        Lstm::<3, 6>::zeroed(),
        Stack::new(
            Lstm::<6, 4>::zeroed(),
            Stack::new(Dense::<4, 3>::zeroed(), Dense::<3, 1>::zeroed()),
        ),
    );
    check(&net, model);
}

/// A mixed stack (GRU without bias, then LSTM, then a ReLU SimpleRNN
/// without bias): each layer exported with its own kind and `use_bias`.
#[test]
fn mixed_stack_with_and_without_bias() {
    let mut a = arch(CellKind::Gru { reset_after: true }, 2, &[4, 3, 2]);
    a.recurrent[0].use_bias = false;
    a.recurrent[1].cell = CellKind::Lstm;
    a.recurrent[2].cell = CellKind::SimpleRnn {
        activation: Activation::Relu,
    };
    a.recurrent[2].use_bias = false;
    let net = network(&a, 10);
    let model = Stack::new(
        Gru::<2, 4>::zeroed(),
        Stack::new(
            Lstm::<4, 3>::zeroed(),
            Stack::new(SimpleRnn::<3, 2>::zeroed(), Dense::<2, 1>::zeroed()),
        ),
    );
    check(&net, model);
}

#[test]
fn import_inverts_export() {
    let a = arch(CellKind::Gru { reset_after: true }, 2, &[3, 2]);
    let net = network(&a, 8);
    let mut other = Network::new(&a, 9).unwrap();
    other.import_params(&net.export_params()).unwrap();
    assert_eq!(other.export_params(), net.export_params());
    assert!(other.import_params(&[0.0; 3]).is_err());
}
