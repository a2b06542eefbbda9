//! Safe dispatch: the only door into the numeric kernels.
//!
//! Each layer's `step` calls one function here with the [`Kernel`] it was
//! given, which narrows it to the layer's width ([`Kernel::for_rows`]) and
//! runs the whole timestep in it on slices: the fused gate
//! products ([`tiled`], on the layer's own column-major weights) and the
//! element-wise update ([`pointwise`], with the activations of
//! [`fast_math`] or, with `exact-activations`, libm); layers whose gates
//! fit the vector registers do both without leaving them ([`fused`]). The generic step code
//! ([`cells`]) is written once over [`lanes::Lanes`] and instantiated once
//! per ISA over run-time lengths, inside `#[target_feature]` functions (one
//! private module per ISA). The const-generic layers enter the vector
//! ISAs through [`sized`]: one instance per ISA and per layer size of
//! whole vectors, where every length is a constant (unrolled loops, no
//! shape checks at run time); other sizes, and the scalar kernel, keep the
//! one instance over run-time lengths.
//! The scalar kernel ([`scalar`] products, one-lane [`lanes::Scalar`]) is
//! always built: it serves targets without vector units and is the oracle
//! of the property tests. On the Cortex-M4F/M7 its gate products run in
//! `asm!` tiles with the same arithmetic (`arm_fpu`, cfg `rnn_arm_fpu`).
//!
//! Several streams of one layer ([`crate::Layer::step_streams`]): the
//! const-generic entry points of [`streams`] run groups of four through
//! [`cells_streams`], whose gate products ([`tiled_streams`]) load each
//! weight once for the group, with each stream's bits of the single-stream
//! step.

#[cfg(rnn_arm_fpu)]
mod arm_fpu;
mod cells;
mod cells_streams;
mod fast_math;
mod fused;
mod lanes;
mod pointwise;
#[cfg(test)]
mod prop_streams;
#[cfg(test)]
mod prop_tests;
mod scalar;
mod select;
mod sized;
pub(crate) mod streams;
mod tiled;
mod tiled_streams;

#[cfg(all(rnn_vector_kernels, target_arch = "aarch64"))]
mod aarch64_neon;
#[cfg(all(rnn_vector_kernels, target_arch = "x86_64"))]
mod x86_64_avx2;
#[cfg(all(rnn_vector_kernels, target_arch = "x86_64"))]
mod x86_64_avx512;

use nalgebra::{SMatrix, SVector};

pub use select::{Isa, Kernel};

use crate::activation::Activation;
use crate::layers::lstm::LstmState;
use cells::Gates;
use cells_streams::Streams;
use sized::{gates, scratch, slices, SimpleRnnParams};
pub(crate) use tiled_streams::GROUP;

/// Runs `cells::$step` (or the token's method of that name) with `$kernel`
/// narrowed to `$rows` output rows.
macro_rules! dispatch {
    ($kernel:expr, $rows:expr, $step:ident($($arg:expr),*)) => {{
        let kernel: Kernel = $kernel;
        match kernel.for_rows($rows) {
            #[cfg(all(rnn_vector_kernels, target_arch = "x86_64"))]
            Isa::Avx512 => match x86_64_avx512::Avx512::of(kernel) {
                Some(t) => t.$step($($arg),*),
                None => cells::$step(lanes::Scalar, $($arg),*),
            },
            #[cfg(all(rnn_vector_kernels, target_arch = "x86_64"))]
            Isa::Avx2 => match x86_64_avx2::Avx2::of(kernel) {
                Some(t) => t.$step($($arg),*),
                None => cells::$step(lanes::Scalar, $($arg),*),
            },
            #[cfg(all(rnn_vector_kernels, target_arch = "aarch64"))]
            Isa::Neon => match aarch64_neon::Neon::of(kernel) {
                Some(t) => t.$step($($arg),*),
                None => cells::$step(lanes::Scalar, $($arg),*),
            },
            _ => cells::$step(lanes::Scalar, $($arg),*),
        }
    }};
}

/// Runs the token's `$step::<sizes>` (a step instantiated for the layer's
/// sizes, [`sized`]) when `$kernel` narrowed to `$rows` rows is a vector
/// ISA, and gives whether it ran the step; `false` leaves the step to
/// [`dispatch!`] (larger layers, and the scalar kernel: the only one on
/// targets without vector units).
macro_rules! sized {
    ($kernel:expr, $rows:expr, $step:ident::<$($n:ident),*>($($arg:expr),*)) => {{
        let kernel: Kernel = $kernel;
        match kernel.for_rows($rows) {
            #[cfg(all(rnn_vector_kernels, target_arch = "x86_64"))]
            Isa::Avx512 => match x86_64_avx512::Avx512::of(kernel) {
                Some(t) => t.$step::<$($n),*>($($arg),*),
                None => false,
            },
            #[cfg(all(rnn_vector_kernels, target_arch = "x86_64"))]
            Isa::Avx2 => match x86_64_avx2::Avx2::of(kernel) {
                Some(t) => t.$step::<$($n),*>($($arg),*),
                None => false,
            },
            #[cfg(all(rnn_vector_kernels, target_arch = "aarch64"))]
            Isa::Neon => match aarch64_neon::Neon::of(kernel) {
                Some(t) => t.$step::<$($n),*>($($arg),*),
                None => false,
            },
            _ => false,
        }
    }};
}

/// One SimpleRNN timestep: `h = act(W x + U h + b)`; returns `h`.
///
/// # Shapes
/// `w: [H × I]`, `u: [H × H]`, `b, h: [H]`, `x: [I]`.
#[inline]
pub(crate) fn simple_rnn_step<const I: usize, const H: usize>(
    kernel: Kernel,
    (w, u, b): SimpleRnnParams<'_, I, H>,
    act: Activation,
    h: &mut SVector<f32, H>,
    x: &SVector<f32, I>,
) -> SVector<f32, H> {
    if sized!(kernel, H, simple_rnn_sized::<I, H>((w, u, b), act, h, x)) {
        return *h;
    }
    let p = Gates {
        w: [w.as_slice()],
        u: [u.as_slice()],
        b: [b.as_slice()],
    };
    let mut z = [[0.0; H]; 1];
    let (h_s, x_s) = (h.as_mut_slice(), x.as_slice());
    simple_rnn(kernel, p, act, scratch(&mut z), h_s, x_s);
    *h
}

/// [`simple_rnn_step`] on slices: `H = h.len()`, `I = x.len()`, scratch
/// `z: [H]`.
#[inline]
pub(crate) fn simple_rnn(
    kernel: Kernel,
    p: Gates<'_, 1>,
    act: Activation,
    z: [&mut [f32]; 1],
    h: &mut [f32],
    x: &[f32],
) {
    dispatch!(kernel, h.len(), simple_rnn(p, act, z, h, x))
}

/// Weights of an LSTM: `w`, `u`, `b`, gates i, f, g, o.
pub(crate) type LstmParams<'a, const I: usize, const H: usize> = (
    &'a [SMatrix<f32, H, I>; 4],
    &'a [SMatrix<f32, H, H>; 4],
    &'a [SVector<f32, H>; 4],
);

/// One LSTM timestep (gates i, f, g, o); updates `state`, returns `h`.
///
/// # Shapes
/// `w: 4 × [H × I]`, `u: 4 × [H × H]`, `b: 4 × [H]`, `x: [I]`.
#[inline]
pub(crate) fn lstm_step<const I: usize, const H: usize>(
    kernel: Kernel,
    (w, u, b): LstmParams<'_, I, H>,
    state: &mut LstmState<H>,
    x: &SVector<f32, I>,
) -> SVector<f32, H> {
    if sized!(kernel, H, lstm_sized::<I, H>((w, u, b), state, x)) {
        return state.h;
    }
    let p = gates(w, u, b);
    let mut z = [[0.0; H]; 4];
    let (c, h) = (state.c.as_mut_slice(), state.h.as_mut_slice());
    lstm(kernel, p, scratch(&mut z), c, h, x.as_slice());
    state.h
}

/// [`lstm_step`] on slices: `H = h.len()`, `I = x.len()`, scratch
/// `z: 4 × [H]`.
#[inline]
pub(crate) fn lstm(
    kernel: Kernel,
    p: Gates<'_, 4>,
    z: [&mut [f32]; 4],
    c: &mut [f32],
    h: &mut [f32],
    x: &[f32],
) {
    dispatch!(kernel, h.len(), lstm(p, z, c, h, x))
}

/// Weights of a GRU: `w`, `u`, `b_input`, `b_recurrent`, gates z, r, n.
pub(crate) type GruParams<'a, const I: usize, const H: usize> = (
    &'a [SMatrix<f32, H, I>; 3],
    &'a [SMatrix<f32, H, H>; 3],
    &'a [SVector<f32, H>; 3],
    &'a [SVector<f32, H>; 3],
);

/// One GRU timestep (gates z, r, n), either `reset_after` variant; returns `h`.
///
/// # Shapes
/// `w: 3 × [H × I]`, `u: 3 × [H × H]`, biases `3 × [H]`, `x: [I]`.
#[inline]
pub(crate) fn gru_step<const I: usize, const H: usize>(
    kernel: Kernel,
    (w, u, b_in, b_rec): GruParams<'_, I, H>,
    reset_after: bool,
    h: &mut SVector<f32, H>,
    x: &SVector<f32, I>,
) -> SVector<f32, H> {
    if sized!(
        kernel,
        H,
        gru_sized::<I, H>((w, u, b_in, b_rec), reset_after, h, x)
    ) {
        return *h;
    }
    let p = gates(w, u, b_in);
    let b_rec = slices(b_rec);
    let mut z = [[0.0; H]; 6];
    let (h_s, x_s) = (h.as_mut_slice(), x.as_slice());
    gru(kernel, p, b_rec, reset_after, scratch(&mut z), h_s, x_s);
    *h
}

/// [`gru_step`] on slices: `H = h.len()`, `I = x.len()`, scratch
/// `6 × [H]`.
#[inline]
pub(crate) fn gru(
    kernel: Kernel,
    p: Gates<'_, 3>,
    b_recurrent: [&[f32]; 3],
    reset_after: bool,
    scratch: [&mut [f32]; 6],
    h: &mut [f32],
    x: &[f32],
) {
    dispatch!(
        kernel,
        h.len(),
        gru(p, b_recurrent, reset_after, scratch, h, x)
    )
}

/// One Dense evaluation `y = act(W x + b)`.
///
/// # Shapes
/// `w: [O × I]`, `b: [O]`, `x: [I]`.
#[inline]
pub(crate) fn dense_step<const I: usize, const O: usize>(
    kernel: Kernel,
    (w, b): (&SMatrix<f32, O, I>, &SVector<f32, O>),
    act: Activation,
    x: &SVector<f32, I>,
) -> SVector<f32, O> {
    let mut y = SVector::<f32, O>::zeros();
    // One output is a dot product over the input, vectorized along `I`.
    let rows = if O == 1 { I } else { O };
    if sized!(kernel, rows, dense_sized::<I, O>((w, b), act, &mut y, x)) {
        return y;
    }
    dense(
        kernel,
        w.as_slice(),
        b.as_slice(),
        act,
        y.as_mut_slice(),
        x.as_slice(),
    );
    y
}

/// [`dense_step`] on slices: `O = y.len()`, `I = x.len()`.
#[inline]
pub(crate) fn dense(
    kernel: Kernel,
    w: &[f32],
    b: &[f32],
    act: Activation,
    y: &mut [f32],
    x: &[f32],
) {
    // One output is a dot product over the input, vectorized along `I`.
    let rows = if y.len() == 1 { x.len() } else { y.len() };
    dispatch!(kernel, rows, dense(w, b, act, y, x))
}

/// [`simple_rnn`] for [`GROUP`] streams at once: each stream's result as
/// [`simple_rnn`] gives it, bit for bit (scratch `z: [H]` per stream).
#[inline]
pub(crate) fn simple_rnn_streams(
    kernel: Kernel,
    p: Gates<'_, 1>,
    act: Activation,
    st: Streams<'_, 1>,
) {
    dispatch!(kernel, st.state[0].1.len(), simple_rnn_streams(p, act, st))
}

/// [`lstm`] for [`GROUP`] streams at once, bit for bit as [`lstm`] per
/// stream (scratch `z: 4 × [H]` per stream).
#[inline]
pub(crate) fn lstm_streams(kernel: Kernel, p: Gates<'_, 4>, st: Streams<'_, 4>) {
    dispatch!(kernel, st.state[0].1.len(), lstm_streams(p, st))
}

/// [`gru`] for [`GROUP`] streams at once, bit for bit as [`gru`] per
/// stream (scratch `6 × [H]` per stream).
#[inline]
pub(crate) fn gru_streams(
    kernel: Kernel,
    p: Gates<'_, 3>,
    b_recurrent: [&[f32]; 3],
    reset_after: bool,
    st: Streams<'_, 6>,
) {
    dispatch!(
        kernel,
        st.state[0].1.len(),
        gru_streams(p, b_recurrent, reset_after, st)
    )
}

impl Kernel {
    /// `values[k] = act(values[k])` for every `k`, in place, on this
    /// kernel's lanes: the activation the layers' steps apply (the fast
    /// bounded sigmoid and tanh of [`crate::activation`], or libm with the
    /// feature `exact-activations`; ReLU and linear exact), so a trainer or
    /// a custom head computes the values the device will. Any length; no
    /// error. NaN in gives NaN out.
    #[inline]
    pub fn activate(self, act: Activation, values: &mut [f32]) {
        dispatch!(self, values.len(), activate(act, values))
    }
}

/// The vector ISAs' fast activations (builds without vector kernels
/// have only the scalar ones, swept in `fast_math`).
#[cfg(all(test, rnn_vector_kernels))]
mod tests {
    extern crate std;

    use super::fast_math::tests::*;
    use super::fast_math::{sigmoid, tanh};
    use super::lanes::Lanes;
    use super::{Isa, Kernel};

    /// The fast activations of one vector ISA against float64.
    fn isa_activations<S: Lanes>(s: S, xs: fn() -> std::boxed::Box<dyn Iterator<Item = f32>>) {
        let w = measure(s, sigmoid, sigmoid64, sigmoid_relative, xs());
        std::println!("{} sigmoid {w:?}", core::any::type_name::<S>());
        check_sigmoid(w);
        let w = measure(s, tanh, tanh64, tanh_relative, xs());
        std::println!("{} tanh {w:?}", core::any::type_name::<S>());
        check_tanh(w);
    }

    fn sampled() -> std::boxed::Box<dyn Iterator<Item = f32>> {
        std::boxed::Box::new(sample())
    }

    fn every() -> std::boxed::Box<dyn Iterator<Item = f32>> {
        std::boxed::Box::new(all_f32())
    }

    /// Runs `f` with every vector token this CPU has.
    fn each_isa(sampled_or_every: fn() -> std::boxed::Box<dyn Iterator<Item = f32>>) {
        #[cfg(target_arch = "x86_64")]
        {
            if let Some(t) = Kernel::new(Isa::Avx2).and_then(super::x86_64_avx2::Avx2::of) {
                isa_activations(t, sampled_or_every);
            }
            if let Some(t) = Kernel::new(Isa::Avx512).and_then(super::x86_64_avx512::Avx512::of) {
                isa_activations(t, sampled_or_every);
            }
        }
        #[cfg(target_arch = "aarch64")]
        if let Some(t) = Kernel::new(Isa::Neon).and_then(super::aarch64_neon::Neon::of) {
            isa_activations(t, sampled_or_every);
        }
    }

    #[test]
    fn vector_activations_within_documented_error() {
        each_isa(sampled);
    }

    #[test]
    #[ignore = "all 2^32 inputs: run with --release -- --ignored"]
    fn exhaustive_vector_activations() {
        each_isa(every);
    }
}
