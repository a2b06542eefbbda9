//! Long runs stay out of subnormal arithmetic: over 10^4 steps of a zero or
//! tiny input, every hidden and cell state value is a normal float or
//! exactly zero, with every kernel this build can run.
//!
//! The models are built to decay: with zero input a state multiplied by a
//! gate below one each step shrinks geometrically and, without the flush
//! of values below 2^-63 in the state update, reaches the subnormal range
//! after about 150 steps (`c = f ⊙ c` with `f = 1/2`).

use rnn_core::{Activation, Gru, Kernel, Layer, Lstm, LstmState, SVector, SimpleRnn};

const H: usize = 16;
/// Steps per run: a halving state reaches the subnormal range after ~150
/// steps and a state fed 1e-30 settles within a few hundred, so 10^4 steps
/// pass both many times over.
const STEPS: usize = 10_000;

fn normal_or_zero(v: &[f32]) -> bool {
    v.iter().all(|&x| x == 0.0 || x.is_normal())
}

/// Runs [`STEPS`] steps of input `x` from `state` on every available kernel,
/// checking the state after every step.
fn run_long<L>(model: &L, start: L::State, x: f32, is_clean: impl Fn(&L::State) -> bool)
where
    L: Layer<Input = SVector<f32, 1>>,
{
    let x = SVector::from([x]);
    for kernel in Kernel::available() {
        let mut state = start;
        for t in 0..STEPS {
            model.step_with(kernel, &mut state, &x);
            assert!(
                is_clean(&state),
                "{kernel:?}, input {x}: subnormal state at step {t}: {state:?}"
            );
        }
    }
}

fn lstm_clean(s: &LstmState<H>) -> bool {
    normal_or_zero(s.h.as_slice()) && normal_or_zero(s.c.as_slice())
}

fn vector_clean(h: &SVector<f32, H>) -> bool {
    normal_or_zero(h.as_slice())
}

/// Zero recurrent weights and biases: i = f = o = σ(0) = 1/2 and, with zero
/// input, g = tanh(0) = 0, so `c` halves every step from its start value; a
/// tiny input (1e-30) keeps it tiny but must not make it subnormal.
#[test]
fn lstm_cell_decay_is_flushed() {
    let mut model = Box::new(Lstm::<1, H>::zeroed());
    model.w.iter_mut().for_each(|w| w.fill(0.1));
    let start = LstmState {
        h: SVector::repeat(0.9),
        c: SVector::repeat(0.9),
    };
    for x in [0.0, 1e-30] {
        run_long(&*model, start, x, lstm_clean);
    }
}

/// Saturated gates: forget and input gates far below zero (σ ≈ e^-60, which
/// exact arithmetic would make ≈ 1e-26 and products with it subnormal).
#[test]
fn lstm_saturated_gates_stay_normal() {
    let mut model = Box::new(Lstm::<1, H>::zeroed());
    for (k, b) in model.b.iter_mut().enumerate() {
        b.fill(if k == 2 { 0.3 } else { -60.0 });
    }
    model.u[1].fill(0.05);
    let start = LstmState {
        h: SVector::repeat(0.5),
        c: SVector::repeat(0.5),
    };
    for x in [0.0, 1e-30] {
        run_long(&*model, start, x, lstm_clean);
    }
}

/// GRU with update gate z = σ(0) = 1/2 and a zero candidate: `h` halves
/// every step.
#[test]
fn gru_decay_is_flushed() {
    for reset_after in [true, false] {
        let mut model = Box::new(Gru::<1, H>::zeroed());
        model.reset_after = reset_after;
        for x in [0.0, 1e-30] {
            run_long(&*model, SVector::repeat(0.9), x, vector_clean);
        }
    }
}

/// SimpleRNN with `U = 0.5 I` (linear and tanh): `h` shrinks geometrically.
#[test]
fn simple_rnn_decay_is_flushed() {
    for activation in [Activation::Linear, Activation::Tanh] {
        let mut model = Box::new(SimpleRnn::<1, H>::zeroed());
        model.activation = activation;
        model.u.fill_diagonal(0.5);
        for x in [0.0, 1e-30] {
            run_long(&*model, SVector::repeat(0.9), x, vector_clean);
        }
    }
}
