//! The const-sized layers on every kernel against the independent `f64`
//! reference (`common/oracle.rs`), through the public API
//! ([`Layer::step_with`]), at the sizes where the vector kernels change
//! shape: 1, 7, 8, 9, 16, 17, 33 and 65 (below, at and above the 4-, 8-
//! and 16-lane widths, and past one tile). Every size 1..=70 at run time is
//! covered by the kernel unit tests (`src/kernels/prop_tests.rs`), which
//! run the same non-generic kernel code.
//!
//! Error measure: `|got - want| / max(1, |want|)` on every output of every
//! step; bound as in the unit tests.

use crate::common::oracle;

use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rnn_core::{Activation, Dense, Gru, Kernel, Layer, Lstm, SVector, SimpleRnn};

/// 4× the largest error seen (see `src/kernels/prop_tests.rs`).
const TOL: f64 = 6e-6;
/// Timesteps per case: errors have to stay bounded through the state.
const STEPS: usize = 6;
/// Random cases per layer kind and size.
const CASES: u32 = 3;
const INPUT: usize = 3;

/// Deterministic uniform values in `[-scale, scale)` (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self, scale: f32) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40;
        (bits as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
    }
}

/// Fills every parameter with values scaled by `1/sqrt(fan_in)`.
fn randomize(params: &mut [&mut [f32]], rng: &mut Rng, fan_in: usize) {
    let scale = 1.5 / (fan_in as f32).sqrt();
    for p in params {
        p.iter_mut().for_each(|v| *v = rng.next(scale));
    }
}

fn inputs<const I: usize>(rng: &mut Rng) -> Vec<SVector<f32, I>> {
    (0..STEPS)
        .map(|_| SVector::from_fn(|_, _| rng.next(2.0)))
        .collect()
}

fn widen(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}

/// `Err` naming the place when `got` is further than [`TOL`] from `want`.
fn close(got: &[f32], want: &[f64], what: &str) -> Result<(), TestCaseError> {
    for (k, (&g, &w)) in got.iter().zip(want).enumerate() {
        let e = (f64::from(g) - w).abs() / w.abs().max(1.0);
        if e.is_nan() || e > TOL {
            return Err(TestCaseError::fail(format!(
                "{what} row {k}: got {g}, want {w} (error {e:.2e})"
            )));
        }
    }
    Ok(())
}

fn cases(f: impl Fn(&mut Rng, Kernel) -> Result<(), TestCaseError>) {
    for kernel in Kernel::available() {
        let config = Config {
            cases: CASES,
            failure_persistence: None,
            ..Config::default()
        };
        TestRunner::new(config)
            .run(&proptest::num::u64::ANY, |seed| {
                f(&mut Rng(seed | 1), kernel)
            })
            .unwrap();
    }
}

const ACTIVATIONS: [(Activation, &str); 4] = [
    (Activation::Tanh, "tanh"),
    (Activation::Relu, "relu"),
    (Activation::Linear, "linear"),
    (Activation::Sigmoid, "sigmoid"),
];

fn simple_rnn<const H: usize>() {
    cases(|rng, kernel| {
        let mut m = Box::new(SimpleRnn::<INPUT, H>::zeroed());
        randomize(
            &mut [m.w.as_mut_slice(), m.u.as_mut_slice(), m.b.as_mut_slice()],
            rng,
            H + INPUT,
        );
        let (act, name) = ACTIVATIONS[(rng.0 % 4) as usize];
        m.activation = act;
        let (mut h, mut want) = (SVector::zeros(), vec![0.0; H]);
        for (t, x) in inputs::<INPUT>(rng).iter().enumerate() {
            m.step_with(kernel, &mut h, x);
            oracle::simple_rnn(
                m.w.as_slice(),
                m.u.as_slice(),
                m.b.as_slice(),
                name,
                &mut want,
                &widen(x.as_slice()),
            );
            close(
                h.as_slice(),
                &want,
                &format!("SimpleRnn<{INPUT}, {H}> {name} {kernel:?} step {t}"),
            )?;
        }
        Ok(())
    });
}

fn lstm<const H: usize>() {
    cases(|rng, kernel| {
        let mut m = Box::new(Lstm::<INPUT, H>::zeroed());
        m.use_bias = true;
        let m_ = &mut *m;
        let mut params: Vec<&mut [f32]> = m_.w.iter_mut().map(|w| w.as_mut_slice()).collect();
        params.extend(m_.u.iter_mut().map(|u| u.as_mut_slice()));
        params.extend(m_.b.iter_mut().map(|b| b.as_mut_slice()));
        randomize(&mut params, rng, H + INPUT);
        let mut state = Lstm::<INPUT, H>::zero_state();
        let (mut want_h, mut want_c) = (vec![0.0; H], vec![0.0; H]);
        let w = m.w.each_ref().map(|m| m.as_slice());
        let u = m.u.each_ref().map(|m| m.as_slice());
        let b = m.b.each_ref().map(|m| m.as_slice());
        for (t, x) in inputs::<INPUT>(rng).iter().enumerate() {
            m.step_with(kernel, &mut state, x);
            oracle::lstm(w, u, b, &mut want_c, &mut want_h, &widen(x.as_slice()));
            let what = format!("Lstm<{INPUT}, {H}> {kernel:?} step {t}");
            close(state.h.as_slice(), &want_h, &what)?;
            close(state.c.as_slice(), &want_c, &what)?;
        }
        Ok(())
    });
}

fn gru<const H: usize>() {
    for reset_after in [true, false] {
        cases(|rng, kernel| {
            let mut m = Box::new(Gru::<INPUT, H>::zeroed());
            m.reset_after = reset_after;
            m.use_bias = true;
            let m_ = &mut *m;
            let mut params: Vec<&mut [f32]> = m_.w.iter_mut().map(|w| w.as_mut_slice()).collect();
            params.extend(m_.u.iter_mut().map(|u| u.as_mut_slice()));
            params.extend(m_.b_input.iter_mut().map(|b| b.as_mut_slice()));
            if reset_after {
                params.extend(m_.b_recurrent.iter_mut().map(|b| b.as_mut_slice()));
            }
            randomize(&mut params, rng, H + INPUT);
            let (mut h, mut want) = (SVector::zeros(), vec![0.0; H]);
            let w = m.w.each_ref().map(|m| m.as_slice());
            let u = m.u.each_ref().map(|m| m.as_slice());
            let b_in = m.b_input.each_ref().map(|m| m.as_slice());
            let b_rec = m.b_recurrent.each_ref().map(|m| m.as_slice());
            for (t, x) in inputs::<INPUT>(rng).iter().enumerate() {
                m.step_with(kernel, &mut h, x);
                oracle::gru(
                    w,
                    u,
                    b_in,
                    b_rec,
                    reset_after,
                    &mut want,
                    &widen(x.as_slice()),
                );
                let what =
                    format!("Gru<{INPUT}, {H}> reset_after={reset_after} {kernel:?} step {t}");
                close(h.as_slice(), &want, &what)?;
            }
            Ok(())
        });
    }
}

fn dense<const N: usize>() {
    cases(|rng, kernel| {
        let (act, name) = ACTIVATIONS[(rng.0 % 4) as usize];
        let mut m = Dense::<5, N>::zeroed();
        randomize(&mut [m.w.as_mut_slice(), m.b.as_mut_slice()], rng, 5);
        m.activation = act;
        for x in inputs::<5>(rng) {
            let y = m.step_with(kernel, &mut (), &x);
            let want = oracle::dense(m.w.as_slice(), m.b.as_slice(), name, &widen(x.as_slice()));
            close(
                y.as_slice(),
                &want,
                &format!("Dense<5, {N}> {name} {kernel:?}"),
            )?;
        }
        let mut m = Dense::<N, 1>::zeroed();
        randomize(&mut [m.w.as_mut_slice(), m.b.as_mut_slice()], rng, N);
        for x in inputs::<N>(rng) {
            let y = m.step_with(kernel, &mut (), &x);
            let want = oracle::dense(
                m.w.as_slice(),
                m.b.as_slice(),
                "linear",
                &widen(x.as_slice()),
            );
            close(y.as_slice(), &want, &format!("Dense<{N}, 1> {kernel:?}"))?;
        }
        Ok(())
    });
}

/// Calls `$f::<N>()` for the sizes where the kernels change shape.
macro_rules! shape_sizes {
    ($f:ident) => {
        $f::<1>();
        $f::<7>();
        $f::<8>();
        $f::<9>();
        $f::<16>();
        $f::<17>();
        $f::<33>();
        $f::<65>();
    };
}

#[test]
fn simple_rnn_layers_match_reference() {
    shape_sizes!(simple_rnn);
}

#[test]
fn lstm_layers_match_reference() {
    shape_sizes!(lstm);
}

#[test]
fn gru_layers_match_reference() {
    shape_sizes!(gru);
}

#[test]
fn dense_layers_match_reference() {
    shape_sizes!(dense);
}

/// `step` runs the detected kernel: bit-identical to `step_with` on it.
#[test]
fn step_runs_the_detected_kernel() {
    let mut rng = Rng(7);
    let mut m = Box::new(Lstm::<INPUT, 33>::zeroed());
    m.use_bias = true;
    let m_ = &mut *m;
    let mut params: Vec<&mut [f32]> = m_.w.iter_mut().map(|w| w.as_mut_slice()).collect();
    params.extend(m_.u.iter_mut().map(|u| u.as_mut_slice()));
    params.extend(m_.b.iter_mut().map(|b| b.as_mut_slice()));
    randomize(&mut params, &mut rng, 36);
    let (mut a, mut b) = (
        Lstm::<INPUT, 33>::zero_state(),
        Lstm::<INPUT, 33>::zero_state(),
    );
    for x in inputs::<INPUT>(&mut rng) {
        let ya = m.step(&mut a, &x);
        let yb = m.step_with(Kernel::detected(), &mut b, &x);
        assert_eq!(ya.map(f32::to_bits), yb.map(f32::to_bits));
    }
}

/// The documented floor of the default (fast) sigmoid: one constant, at
/// most 2^-25, for every input at or below -18 (-inf included) on each
/// kernel; libm's keeps falling (`exact-activations`).
#[test]
fn sigmoid_floor_is_as_documented() {
    let mut d = Dense::<1, 1>::zeroed();
    d.w[0] = 1.0;
    d.activation = Activation::Sigmoid;
    for kernel in Kernel::available() {
        let floor = |x: f32| d.step_with(kernel, &mut (), &SVector::from([x]))[0];
        let at_18 = floor(-18.0);
        println!("sigmoid floor on {kernel:?}: {at_18:e}");
        for x in [-20.0f32, -100.0, -1e30, f32::NEG_INFINITY] {
            let y = floor(x);
            if cfg!(feature = "exact-activations") {
                assert!(y < 1.6e-8, "{kernel:?}: sigmoid({x}) = {y}");
            } else {
                assert_eq!(y, at_18, "{kernel:?}: sigmoid({x})");
                assert!(y <= 2f32.powi(-25), "{kernel:?}: sigmoid({x}) = {y}");
            }
        }
    }
}
