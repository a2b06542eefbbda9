//! Properties of the streaming and sequence APIs: chunked streaming equals a
//! whole-sequence run bit for bit, `reset` then replay equals a fresh run,
//! outputs stay in range and finite for any finite input, and bad buffers
//! are typed errors.

use proptest::prelude::*;
use rnn_core::{Activation, Dense, Direction, Error, Gru, Layer, Lstm, SVector, SimpleRnn, Stack};

const I: usize = 2;

/// A model with every parameter drawn from `params` (cycled).
fn with_params<L: Layer>(mut model: Box<L>, params: &[f32]) -> Box<L> {
    let mut it = params.iter().cycle();
    model.visit_params_mut(&mut |s| s.iter_mut().for_each(|v| *v = *it.next().unwrap()));
    model
}

/// Keras's default options: tanh, with bias, GRU `reset_after`.
fn simple_rnn<const H: usize>() -> Box<SimpleRnn<I, H>> {
    let mut m = Box::new(SimpleRnn::zeroed());
    m.activation = Activation::Tanh;
    m.use_bias = true;
    m
}

fn lstm<const II: usize, const H: usize>() -> Box<Lstm<II, H>> {
    let mut m = Box::new(Lstm::zeroed());
    m.use_bias = true;
    m
}

fn gru<const II: usize, const H: usize>(reset_after: bool) -> Box<Gru<II, H>> {
    let mut m = Box::new(Gru::zeroed());
    m.use_bias = true;
    m.reset_after = reset_after;
    m
}

fn inputs(values: &[f32]) -> Vec<SVector<f32, I>> {
    values
        .chunks_exact(I)
        .map(SVector::from_column_slice)
        .collect()
}

/// Runs the same checks on any model with input `[I]`.
fn check_model<L>(model: &L, xs: &[SVector<f32, I>], split: usize) -> Result<(), TestCaseError>
where
    L: Layer<Input = SVector<f32, I>>,
    L::Output: PartialEq + core::fmt::Debug,
{
    let split = split % (xs.len() + 1);
    // Whole sequence, return_sequences=True.
    let mut whole_state = L::zero_state();
    let mut whole = vec![model.step(&mut L::zero_state(), &xs[0]); xs.len()];
    model
        .run_sequence_into(&mut whole_state, xs, Direction::Forward, &mut whole)
        .unwrap();
    // Two chunks, state carried.
    let mut state = L::zero_state();
    let mut chunked = whole.clone();
    let (a, b) = xs.split_at(split);
    let (oa, ob) = chunked.split_at_mut(split);
    if !a.is_empty() {
        model
            .run_sequence_into(&mut state, a, Direction::Forward, oa)
            .unwrap();
    }
    if !b.is_empty() {
        model
            .run_sequence_into(&mut state, b, Direction::Forward, ob)
            .unwrap();
    }
    prop_assert_eq!(&chunked, &whole);
    prop_assert_eq!(state, whole_state);
    // Reset then replay equals a fresh run.
    L::reset(&mut state);
    prop_assert_eq!(state, L::zero_state());
    let replay: Vec<_> = xs.iter().map(|x| model.step(&mut state, x)).collect();
    prop_assert_eq!(&replay, &whole);
    // Backward equals forward over the reversed input.
    let reversed: Vec<_> = xs.iter().rev().copied().collect();
    let mut s1 = L::zero_state();
    let mut s2 = L::zero_state();
    let y1 = model
        .run_sequence(&mut s1, xs, Direction::Backward)
        .unwrap();
    let y2 = model
        .run_sequence(&mut s2, &reversed, Direction::Forward)
        .unwrap();
    prop_assert_eq!(y1, y2);
    Ok(())
}

fn finite_params() -> impl Strategy<Value = Vec<f32>> {
    prop::collection::vec(-3.0f32..3.0, 1..64)
}

fn finite_inputs() -> impl Strategy<Value = Vec<f32>> {
    prop::collection::vec(
        prop_oneof![
            -10.0f32..10.0,
            Just(1e30f32),
            Just(-1e30),
            Just(100.0),
            Just(1e-40)
        ],
        2..80,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn simple_rnn_streaming(p in finite_params(), x in finite_inputs(), split in 0usize..100) {
        let m = with_params(simple_rnn::<5>(), &p);
        check_model(&*m, &inputs(&x), split)?;
    }

    #[test]
    fn lstm_streaming(p in finite_params(), x in finite_inputs(), split in 0usize..100) {
        let m = with_params(lstm::<I, 6>(), &p);
        check_model(&*m, &inputs(&x), split)?;
    }

    #[test]
    fn gru_streaming(p in finite_params(), x in finite_inputs(), split in 0usize..100, ra in any::<bool>()) {
        let m = with_params(gru::<I, 7>(ra), &p);
        check_model(&*m, &inputs(&x), split)?;
    }

    #[test]
    fn stacked_streaming(p in finite_params(), x in finite_inputs(), split in 0usize..100) {
        let m = with_params(
            Box::new(Stack::new(*lstm::<I, 4>(), Stack::new(*gru::<4, 3>(true), Dense::<3, 2>::zeroed()))),
            &p,
        );
        check_model(&*m, &inputs(&x), split)?;
    }

    /// Gated states stay in [-1, 1] (h) and finite (c) for any finite input,
    /// including 1e30: the activations cannot overflow into NaN.
    #[test]
    fn gated_states_stay_bounded(p in finite_params(), x in finite_inputs()) {
        let lstm = with_params(lstm::<I, 6>(), &p);
        let gru = with_params(gru::<I, 6>(true), &p);
        let rnn = with_params(simple_rnn::<6>(), &p);
        let (mut sl, mut sg, mut sr) = (Lstm::<I, 6>::zero_state(), Gru::<I, 6>::zero_state(), SimpleRnn::<I, 6>::zero_state());
        for xt in inputs(&x) {
            let h = lstm.step(&mut sl, &xt);
            prop_assert!(h.iter().all(|v| v.abs() <= 1.0));
            prop_assert!(sl.c.iter().all(|v| v.is_finite()));
            let h = gru.step(&mut sg, &xt);
            prop_assert!(h.iter().all(|v| v.abs() <= 1.0));
            let h = rnn.step(&mut sr, &xt);
            prop_assert!(h.iter().all(|v| v.abs() <= 1.0));
        }
    }
}

#[test]
fn nan_input_propagates() {
    let m = with_params(lstm::<I, 3>(), &[0.5, -0.25, 0.125]);
    let mut s = Lstm::<I, 3>::zero_state();
    let h = m.step(&mut s, &SVector::from([f32::NAN, 0.0]));
    assert!(h.iter().all(|v| v.is_nan()));
}

#[test]
fn sequence_buffers_are_checked() {
    let m = SimpleRnn::<I, 3>::zeroed();
    let mut s = SimpleRnn::<I, 3>::zero_state();
    assert_eq!(
        m.run_sequence(&mut s, &[], Direction::Forward),
        Err(Error::EmptySequence)
    );
    let xs = [SVector::from([1.0, 2.0]); 4];
    let mut out = [SVector::zeros(); 3];
    assert_eq!(
        m.run_sequence_into(&mut s, &xs, Direction::Forward, &mut out),
        Err(Error::Length {
            expected: 4,
            found: 3
        })
    );
    assert_eq!(s, SimpleRnn::<I, 3>::zero_state());
}
