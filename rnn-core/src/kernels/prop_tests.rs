//! Every kernel against the independent `f64` reference of
//! `tests/kernels/common/oracle.rs`, at run-time sizes: hidden sizes 1..=70 (every
//! tail length below and above each vector width: 4, 8 and 16 lanes, and
//! one to five tiles of up to four vectors), input sizes 1, 3 and 17, every
//! layer kind and activation, both GRU variants, on every kernel this CPU
//! runs. The kernels are non-generic over sizes, so these run-time sizes
//! exercise exactly the code the const-sized layers call.
//!
//! Error measure: `|got - want| / max(1, |want|)` on every output of every
//! step, with the reference carrying its own `f64` state through
//! [`STEPS`] timesteps.

extern crate std;

use std::format;
use std::string::String;
use std::vec;
use std::vec::Vec;

use proptest::test_runner::{Config, TestRunner};

use super::cells::Gates;
use super::{Isa, Kernel};
use crate::activation::Activation;

#[path = "../../tests/kernels/common/oracle.rs"]
mod oracle;

/// Timesteps per case: errors have to stay bounded through the state.
const STEPS: usize = 6;
/// Random cases per layer kind and size.
const CASES: u32 = 2;
const HIDDEN_SIZES: core::ops::RangeInclusive<usize> = 1..=70;
const INPUT_SIZES: [usize; 3] = [1, 3, 17];

/// Largest error allowed against the `f64` reference: about 4× the largest
/// seen on any kernel and layer kind over repeated runs (1.4e-6, a linear
/// SimpleRNN at H = 67 on the scalar kernel; gated cells stay below 6e-7),
/// so a change that doubles an error fails.
const TOL: f64 = 6e-6;

/// Deterministic uniform values in `[-scale, scale)` (xorshift64*).
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self, scale: f32) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40;
        (bits as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
    }

    /// `n` values scaled by `1.5 / sqrt(fan_in)`, so that pre-activations
    /// stay of order one at every size.
    fn weights(&mut self, n: usize, fan_in: usize) -> Vec<f32> {
        let scale = 1.5 / (fan_in.max(1) as f32).sqrt();
        (0..n).map(|_| self.next(scale)).collect()
    }

    /// `n` values in `[-scale, scale)`.
    pub(super) fn values(&mut self, n: usize, scale: f32) -> Vec<f32> {
        (0..n).map(|_| self.next(scale)).collect()
    }

    fn inputs(&mut self, n: usize) -> Vec<Vec<f32>> {
        (0..STEPS)
            .map(|_| (0..n).map(|_| self.next(2.0)).collect())
            .collect()
    }
}

const ACTIVATIONS: [(Activation, &str); 5] = [
    (Activation::Tanh, "tanh"),
    (Activation::Relu, "relu"),
    (Activation::Linear, "linear"),
    (Activation::Sigmoid, "sigmoid"),
    (Activation::Softmax, "softmax"),
];

/// The largest error over one case, and where it was.
#[derive(Default)]
struct Worst {
    err: f64,
    at: String,
}

impl Worst {
    fn update(&mut self, got: &[f32], want: &[f64], what: &str, t: usize) {
        assert_eq!(got.len(), want.len(), "{what}");
        for (k, (&g, &w)) in got.iter().zip(want).enumerate() {
            let e = (f64::from(g) - w).abs() / w.abs().max(1.0);
            assert!(!e.is_nan(), "{what}: NaN at step {t} row {k}");
            if e > self.err {
                *self = Worst {
                    err: e,
                    at: format!("{what} step {t} row {k}: got {g}, want {w}"),
                };
            }
        }
    }
}

fn widen(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}

pub(super) fn split<const G: usize>(v: &[f32]) -> [&[f32]; G] {
    let n = v.len() / G;
    core::array::from_fn(|g| &v[g * n..(g + 1) * n])
}

pub(super) fn scratch<const G: usize>(v: &mut [f32]) -> [&mut [f32]; G] {
    let n = v.len() / G;
    let mut it = v.chunks_mut(n.max(1));
    core::array::from_fn(|_| it.next().unwrap_or(&mut []))
}

fn simple_rnn_case(k: Kernel, rng: &mut Rng, i: usize, h: usize, worst: &mut Worst) {
    let (w, u, b) = (
        rng.weights(h * i, i + h),
        rng.weights(h * h, i + h),
        rng.weights(h, 1),
    );
    let (act, name) = ACTIVATIONS[(rng.0 % 5) as usize];
    let p = Gates {
        w: [&w[..]],
        u: [&u[..]],
        b: [&b[..]],
    };
    let (mut state, mut want, mut z) = (vec![0.0; h], vec![0.0; h], vec![0.0; h]);
    for (t, x) in rng.inputs(i).iter().enumerate() {
        super::simple_rnn(k, p, act, [&mut z], &mut state, x);
        oracle::simple_rnn(&w, &u, &b, name, &mut want, &widen(x));
        worst.update(&state, &want, &format!("SimpleRnn {i}->{h} {name}"), t);
    }
}

fn lstm_case(k: Kernel, rng: &mut Rng, i: usize, h: usize, worst: &mut Worst) {
    let (w, u, b) = (
        rng.weights(4 * h * i, i + h),
        rng.weights(4 * h * h, i + h),
        rng.weights(4 * h, 1),
    );
    let p = Gates {
        w: split::<4>(&w),
        u: split::<4>(&u),
        b: split::<4>(&b),
    };
    let (mut hs, mut cs, mut z) = (vec![0.0; h], vec![0.0; h], vec![0.0; 4 * h]);
    let (mut want_h, mut want_c) = (vec![0.0; h], vec![0.0; h]);
    for (t, x) in rng.inputs(i).iter().enumerate() {
        super::lstm(k, p, scratch(&mut z), &mut cs, &mut hs, x);
        oracle::lstm(p.w, p.u, p.b, &mut want_c, &mut want_h, &widen(x));
        worst.update(&hs, &want_h, &format!("Lstm {i}->{h} h"), t);
        worst.update(&cs, &want_c, &format!("Lstm {i}->{h} c"), t);
    }
}

fn gru_case(k: Kernel, rng: &mut Rng, i: usize, h: usize, worst: &mut Worst) {
    for reset_after in [true, false] {
        let w = rng.weights(3 * h * i, i + h);
        let u = rng.weights(3 * h * h, i + h);
        let (b_in, b_rec) = (rng.weights(3 * h, 1), rng.weights(3 * h, 1));
        let p = Gates {
            w: split::<3>(&w),
            u: split::<3>(&u),
            b: split::<3>(&b_in),
        };
        let b_rec = split::<3>(&b_rec);
        let (mut hs, mut want, mut z) = (vec![0.0; h], vec![0.0; h], vec![0.0; 6 * h]);
        for (t, x) in rng.inputs(i).iter().enumerate() {
            super::gru(k, p, b_rec, reset_after, scratch(&mut z), &mut hs, x);
            oracle::gru(p.w, p.u, p.b, b_rec, reset_after, &mut want, &widen(x));
            worst.update(
                &hs,
                &want,
                &format!("Gru {i}->{h} reset_after={reset_after}"),
                t,
            );
        }
    }
}

fn dense_case(k: Kernel, rng: &mut Rng, i: usize, o: usize, worst: &mut Worst) {
    // `[o × i]`, then the one-output dot product over `o` inputs.
    for (i, o) in [(i, o), (o, 1)] {
        let (w, b) = (rng.weights(o * i, i), rng.weights(o, 1));
        let (act, name) = ACTIVATIONS[(rng.0 % 5) as usize];
        let mut y = vec![0.0; o];
        for (t, x) in rng.inputs(i).iter().enumerate() {
            super::dense(k, &w, &b, act, &mut y, x);
            let want = oracle::dense(&w, &b, name, &widen(x));
            worst.update(&y, &want, &format!("Dense {i}->{o} {name}"), t);
        }
    }
}

type Case = fn(Kernel, &mut Rng, usize, usize, &mut Worst);

/// Runs `case` at every size on every available kernel; returns the
/// largest error per kernel after asserting it is within [`TOL`].
fn every_size(kind: &str, case: Case) {
    for kernel in Kernel::available() {
        let worst = std::cell::RefCell::new(Worst::default());
        let config = Config {
            cases: CASES,
            failure_persistence: None,
            ..Config::default()
        };
        let mut runner = TestRunner::new(config);
        runner
            .run(&proptest::num::u64::ANY, |seed| {
                let mut rng = Rng(seed | 1);
                for h in HIDDEN_SIZES {
                    for i in INPUT_SIZES {
                        case(kernel, &mut rng, i, h, &mut worst.borrow_mut());
                    }
                }
                Ok(())
            })
            .unwrap();
        let worst = worst.into_inner();
        std::println!(
            "{kind} {:?}: largest error {:.2e} ({})",
            kernel.isa(),
            worst.err,
            worst.at
        );
        assert!(
            worst.err <= TOL,
            "{kind} on {:?}: {:.3e} > {TOL:e} at {}",
            kernel.isa(),
            worst.err,
            worst.at
        );
    }
}

#[test]
fn simple_rnn_matches_reference_at_every_size() {
    every_size("SimpleRnn", simple_rnn_case);
}

#[test]
fn lstm_matches_reference_at_every_size() {
    every_size("Lstm", lstm_case);
}

#[test]
fn gru_matches_reference_at_every_size() {
    every_size("Gru", gru_case);
}

#[test]
fn dense_matches_reference_at_every_size() {
    every_size("Dense", dense_case);
}

/// Every kernel the CPU reports is available and its ISA round-trips; the
/// detected one is the widest.
#[test]
fn kernels_are_checked() {
    assert_eq!(Kernel::new(Isa::Scalar), Some(Kernel::SCALAR));
    for isa in Isa::ALL {
        if let Some(k) = Kernel::new(isa) {
            assert_eq!(k.isa(), isa);
        }
    }
    // `available` is in `Isa::ALL` order, narrowest first on each architecture.
    assert_eq!(Some(Kernel::detected()), Kernel::available().last());
    std::println!(
        "kernels here: {:?}",
        Kernel::available().map(Kernel::isa).collect::<Vec<_>>()
    );
}

#[cfg(rnn_vector_kernels)]
/// The in-memory steps of an ISA token, as methods that enter its
/// `#[target_feature]` functions (implemented by `cells::entry_points!`),
/// beside the token's own step methods (in-register where they apply).
pub(super) trait InMemory: super::lanes::Lanes {
    /// [`cells::simple_rnn_in_memory`](super::cells::simple_rnn_in_memory).
    fn simple_rnn_in_memory(
        self,
        p: Gates<'_, 1>,
        act: Activation,
        z: [&mut [f32]; 1],
        h: &mut [f32],
        x: &[f32],
    );
    /// [`cells::lstm_in_memory`](super::cells::lstm_in_memory).
    fn lstm_in_memory(
        self,
        p: Gates<'_, 4>,
        z: [&mut [f32]; 4],
        c: &mut [f32],
        h: &mut [f32],
        x: &[f32],
    );
    /// [`cells::gru_in_memory`](super::cells::gru_in_memory), `reset_after`.
    fn gru_in_memory(
        self,
        p: Gates<'_, 3>,
        b_recurrent: [&[f32]; 3],
        scratch: [&mut [f32]; 6],
        h: &mut [f32],
        x: &[f32],
    );
}

#[cfg(rnn_vector_kernels)]
/// `S::L` of a token.
fn lanes_of<S: super::lanes::Lanes>(_: S) -> usize {
    S::L
}

#[cfg(rnn_vector_kernels)]
/// The token's step methods and its [`InMemory`] steps give the same bits
/// for every size the in-register steps ([`super::fused`]) take (1 to 4
/// whole vectors of units), over several timesteps.
macro_rules! fused_equals_in_memory {
    ($t:expr) => {{
        let t = $t;
        let lanes = lanes_of(t);
        let what_isa = format!("{t:?}");
        let mut rng = Rng(0x5eed_f00d);
        for r in 1..=4 {
            let h = r * lanes;
            for i in INPUT_SIZES {
                let xs = rng.inputs(i);
                let w = [4, 3, 1].map(|g| rng.weights(g * h * i, i + h));
                let u = [4, 3, 1].map(|g| rng.weights(g * h * h, i + h));
                let b = [4, 3, 1].map(|g| rng.weights(g * h, 1));
                let b_rec = rng.weights(3 * h, 1);
                let lstm = Gates {
                    w: split::<4>(&w[0]),
                    u: split::<4>(&u[0]),
                    b: split::<4>(&b[0]),
                };
                let gru = Gates {
                    w: split::<3>(&w[1]),
                    u: split::<3>(&u[1]),
                    b: split::<3>(&b[1]),
                };
                let rnn = Gates {
                    w: [&w[2][..]],
                    u: [&u[2][..]],
                    b: [&b[2][..]],
                };
                let mut z = vec![0.0; 6 * h];
                // [in register, in memory] states.
                let mut c = [vec![0.0f32; h], vec![0.0f32; h]];
                let mut hs = [
                    [vec![0.0f32; h], vec![0.0f32; h]],
                    [vec![0.0; h], vec![0.0; h]],
                    [vec![0.0; h], vec![0.0; h]],
                ];
                for x in &xs {
                    let [c0, c1] = &mut c;
                    let [lstm_h, gru_h, rnn_h] = &mut hs;
                    let [l0, l1] = lstm_h;
                    t.lstm(lstm, scratch::<4>(&mut z[..4 * h]), c0, l0, x);
                    t.lstm_in_memory(lstm, scratch::<4>(&mut z[..4 * h]), c1, l1, x);
                    let [g0, g1] = gru_h;
                    let b_rec = split::<3>(&b_rec);
                    t.gru(gru, b_rec, true, scratch::<6>(&mut z), g0, x);
                    t.gru_in_memory(gru, b_rec, scratch::<6>(&mut z), g1, x);
                    let [r0, r1] = rnn_h;
                    let z1 = scratch::<1>(&mut z[..h]);
                    t.simple_rnn(rnn, Activation::Tanh, z1, r0, x);
                    let z1 = scratch::<1>(&mut z[..h]);
                    t.simple_rnn_in_memory(rnn, Activation::Tanh, z1, r1, x);
                    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    let what = format!("{what_isa} H={h} I={i}");
                    assert_eq!(bits(c0), bits(c1), "LSTM c, {what}");
                    assert_eq!(bits(l0), bits(l1), "LSTM h, {what}");
                    assert_eq!(bits(g0), bits(g1), "GRU h, {what}");
                    assert_eq!(bits(r0), bits(r1), "SimpleRNN h, {what}");
                }
            }
        }
    }};
}

#[cfg(rnn_vector_kernels)]
#[test]
fn in_register_steps_equal_the_in_memory_path_bit_for_bit() {
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(t) = Kernel::new(Isa::Avx2).and_then(super::x86_64_avx2::Avx2::of) {
            fused_equals_in_memory!(t);
        }
        if let Some(t) = Kernel::new(Isa::Avx512).and_then(super::x86_64_avx512::Avx512::of) {
            fused_equals_in_memory!(t);
        }
    }
    #[cfg(target_arch = "aarch64")]
    if let Some(t) = Kernel::new(Isa::Neon).and_then(super::aarch64_neon::Neon::of) {
        fused_equals_in_memory!(t);
    }
}
