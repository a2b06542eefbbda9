//! The steps of the const-generic layers on one ISA, instantiated for the
//! layer's sizes: the same generic steps as [`super::cells`], entered with
//! operands built here from the layer's own matrices, so that in each
//! instance every length is a constant of the types (loops over the
//! columns unroll, shape checks fold away), as in a library whose kernels
//! are templates over the sizes (RTNeural's `LSTMLayerT<T, I, H>`). The
//! vector ISAs enter these from `#[target_feature]` functions generic over
//! the sizes ([`super::cells::entry_points`]).
//!
//! Only layers of whole vectors (`H` a multiple of the lane count; for a
//! Dense, one output or whole vectors of outputs) have an instance of
//! their own; the others take the one instance over run-time lengths, as
//! the scalar kernel always does (small code on microcontrollers). That
//! keeps the test builds, which step layers of many sizes, quick: rnn-core's
//! `kernels` test binary took 50 s to build without these instances, 85 s
//! with them for whole vectors, and 159 s with an instance for every size.
//! Builds in which no vector kernel can run (x86-64 without `std` and
//! without AVX2 at compile time) have no vector kernel at all, so none.

use nalgebra::{SMatrix, SVector};

use super::cells::Gates;
#[cfg(rnn_vector_kernels)]
use {
    super::cells,
    super::lanes::Lanes,
    super::{GruParams, LstmParams},
    crate::activation::Activation,
    crate::layers::lstm::LstmState,
};

/// The `G` gate matrices as column-major slices.
#[inline(always)]
pub(super) fn slices<const G: usize, const R: usize, const C: usize>(
    m: &[SMatrix<f32, R, C>; G],
) -> [&[f32]; G] {
    m.each_ref().map(|m| m.as_slice())
}

/// The weights of a layer with `G` gates, per gate `w: [H × I]`, `u:
/// [H × H]`, `b: [H]`, as the slices of [`Gates`].
#[inline(always)]
pub(super) fn gates<'a, const G: usize, const I: usize, const H: usize>(
    w: &'a [SMatrix<f32, H, I>; G],
    u: &'a [SMatrix<f32, H, H>; G],
    b: &'a [SVector<f32, H>; G],
) -> Gates<'a, G> {
    Gates {
        w: slices(w),
        u: slices(u),
        b: slices(b),
    }
}

/// `G` scratch vectors `[H]` as slices.
#[inline(always)]
pub(super) fn scratch<const G: usize, const H: usize>(z: &mut [[f32; H]; G]) -> [&mut [f32]; G] {
    z.each_mut().map(|z| z.as_mut_slice())
}

/// SimpleRNN weights `w: [H × I]`, `u: [H × H]`, `b: [H]`.
pub(crate) type SimpleRnnParams<'a, const I: usize, const H: usize> = (
    &'a SMatrix<f32, H, I>,
    &'a SMatrix<f32, H, H>,
    &'a SVector<f32, H>,
);

/// Whether a layer of `h` units has a step instance of its own: whole
/// vectors.
#[cfg(rnn_vector_kernels)]
#[inline(always)]
const fn whole<S: Lanes>(h: usize) -> bool {
    S::L > 1 && h.is_multiple_of(S::L)
}

/// [`cells::simple_rnn`] on the layer's matrices, updating `h`; `false`
/// (nothing done) unless `H` is whole vectors.
#[cfg(rnn_vector_kernels)]
#[inline(always)]
pub(super) fn simple_rnn<S: Lanes, const I: usize, const H: usize>(
    s: S,
    (w, u, b): SimpleRnnParams<'_, I, H>,
    act: Activation,
    h: &mut SVector<f32, H>,
    x: &SVector<f32, I>,
) -> bool {
    if !whole::<S>(H) {
        return false;
    }
    let p = Gates {
        w: [w.as_slice()],
        u: [u.as_slice()],
        b: [b.as_slice()],
    };
    let mut z = [[0.0; H]; 1];
    cells::simple_rnn(s, p, act, scratch(&mut z), h.as_mut_slice(), x.as_slice());
    true
}

/// [`cells::lstm`] on the layer's matrices, updating `state`; `false`
/// unless `H` is whole vectors.
#[cfg(rnn_vector_kernels)]
#[inline(always)]
pub(super) fn lstm<S: Lanes, const I: usize, const H: usize>(
    s: S,
    (w, u, b): LstmParams<'_, I, H>,
    state: &mut LstmState<H>,
    x: &SVector<f32, I>,
) -> bool {
    if !whole::<S>(H) {
        return false;
    }
    let mut z = [[0.0; H]; 4];
    let (c, h) = (state.c.as_mut_slice(), state.h.as_mut_slice());
    cells::lstm(s, gates(w, u, b), scratch(&mut z), c, h, x.as_slice());
    true
}

/// [`cells::gru`] on the layer's matrices, updating `h`; `false` unless
/// `H` is whole vectors.
#[cfg(rnn_vector_kernels)]
#[inline(always)]
pub(super) fn gru<S: Lanes, const I: usize, const H: usize>(
    s: S,
    (w, u, b_in, b_rec): GruParams<'_, I, H>,
    reset_after: bool,
    h: &mut SVector<f32, H>,
    x: &SVector<f32, I>,
) -> bool {
    if !whole::<S>(H) {
        return false;
    }
    let mut z = [[0.0; H]; 6];
    let (p, b_rec) = (gates(w, u, b_in), slices(b_rec));
    let (h, x) = (h.as_mut_slice(), x.as_slice());
    cells::gru(s, p, b_rec, reset_after, scratch(&mut z), h, x);
    true
}

/// [`cells::dense`] on the layer's matrices, `y = act(W x + b)`; `false`
/// unless it has one output (a dot product over the input) or whole
/// vectors of outputs.
#[cfg(rnn_vector_kernels)]
#[inline(always)]
pub(super) fn dense<S: Lanes, const I: usize, const O: usize>(
    s: S,
    (w, b): (&SMatrix<f32, O, I>, &SVector<f32, O>),
    act: Activation,
    y: &mut SVector<f32, O>,
    x: &SVector<f32, I>,
) -> bool {
    if !(O == 1 || whole::<S>(O)) {
        return false;
    }
    let (w, b) = (w.as_slice(), b.as_slice());
    cells::dense(s, w, b, act, y.as_mut_slice(), x.as_slice());
    true
}
