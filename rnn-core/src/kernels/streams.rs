//! The const-generic layers' steps of `N` streams: for a layer whose
//! weights are larger than L1 ([`tiled_streams::batches`]), groups of
//! [`GROUP`] through the batched kernels ([`super::lstm_streams`], ...) and
//! the rest one by one through the single-stream steps; smaller layers
//! step every stream alone. Either way each stream gets the bits its own
//! [`crate::Layer::step_with`] would give.

use nalgebra::SVector;

use super::cells::Gates;
use super::cells_streams::Streams;
use super::tiled_streams;
use super::{slices, GruParams, Kernel, LstmParams, GROUP};
use crate::activation::Activation;
use crate::layers::lstm::LstmState;

/// With `batched`, `group` on each full group of [`GROUP`] streams and
/// `single` on each of the others; without, `single` on every stream.
#[inline(always)]
fn in_groups<T, X, const N: usize>(
    batched: bool,
    states: &mut [T; N],
    inputs: &[X; N],
    mut group: impl FnMut(&mut [T; GROUP], &[X; GROUP]),
    mut single: impl FnMut(&mut T, &X),
) {
    if !batched {
        for (s, x) in states.iter_mut().zip(inputs) {
            single(s, x);
        }
        return;
    }
    let mut state_groups = states.chunks_exact_mut(GROUP);
    let mut input_groups = inputs.chunks_exact(GROUP);
    for (s, x) in (&mut state_groups).zip(&mut input_groups) {
        if let (Ok(s), Ok(x)) = (<&mut [T; GROUP]>::try_from(s), <&[X; GROUP]>::try_from(x)) {
            group(s, x);
        }
    }
    let rest = state_groups.into_remainder().iter_mut();
    for (s, x) in rest.zip(input_groups.remainder()) {
        single(s, x);
    }
}

/// `Z` scratch vectors `[H]` of every stream of a group, as slices.
#[inline(always)]
fn scratch<const Z: usize, const H: usize>(
    z: &mut [[[f32; H]; Z]; GROUP],
) -> [[&mut [f32]; Z]; GROUP] {
    z.each_mut().map(|z| z.each_mut().map(|v| v.as_mut_slice()))
}

/// Every input of a group, as slices.
#[inline(always)]
fn inputs<const I: usize>(x: &[SVector<f32, I>; GROUP]) -> [&[f32]; GROUP] {
    x.each_ref().map(|x| x.as_slice())
}

/// The hidden states of a group as `(c, h)` pairs with an empty `c`.
#[inline(always)]
fn hidden<const H: usize>(h: &mut [SVector<f32, H>; GROUP]) -> [(&mut [f32], &mut [f32]); GROUP] {
    h.each_mut().map(|h| (&mut [][..], h.as_mut_slice()))
}

/// [`super::simple_rnn_step`] for `N` streams.
#[inline]
pub(crate) fn simple_rnn<const I: usize, const H: usize, const N: usize>(
    kernel: Kernel,
    (w, u, b): (
        &nalgebra::SMatrix<f32, H, I>,
        &nalgebra::SMatrix<f32, H, H>,
        &SVector<f32, H>,
    ),
    act: Activation,
    states: &mut [SVector<f32, H>; N],
    x: &[SVector<f32, I>; N],
) -> [SVector<f32, H>; N] {
    let p = Gates {
        w: [w.as_slice()],
        u: [u.as_slice()],
        b: [b.as_slice()],
    };
    in_groups(
        tiled_streams::batches(1, H, I + H),
        states,
        x,
        |h, x| {
            let mut z = [[[0.0; H]; 1]; GROUP];
            let st = Streams {
                z: scratch(&mut z),
                state: hidden(h),
                x: inputs(x),
            };
            super::simple_rnn_streams(kernel, p, act, st);
        },
        |h, x| {
            super::simple_rnn_step(kernel, (w, u, b), act, h, x);
        },
    );
    *states
}

/// [`super::lstm_step`] for `N` streams.
#[inline]
pub(crate) fn lstm<const I: usize, const H: usize, const N: usize>(
    kernel: Kernel,
    (w, u, b): LstmParams<'_, I, H>,
    states: &mut [LstmState<H>; N],
    x: &[SVector<f32, I>; N],
) -> [SVector<f32, H>; N] {
    let p = Gates {
        w: slices(w),
        u: slices(u),
        b: slices(b),
    };
    in_groups(
        tiled_streams::batches(4, H, I + H),
        states,
        x,
        |s, x| {
            let mut z = [[[0.0; H]; 4]; GROUP];
            let st = Streams {
                z: scratch(&mut z),
                state: s.each_mut().map(|s| {
                    let LstmState { h, c } = s;
                    (c.as_mut_slice(), h.as_mut_slice())
                }),
                x: inputs(x),
            };
            super::lstm_streams(kernel, p, st);
        },
        |s, x| {
            super::lstm_step(kernel, (w, u, b), s, x);
        },
    );
    core::array::from_fn(|i| states[i].h)
}

/// [`super::gru_step`] for `N` streams.
#[inline]
pub(crate) fn gru<const I: usize, const H: usize, const N: usize>(
    kernel: Kernel,
    (w, u, b_in, b_rec): GruParams<'_, I, H>,
    reset_after: bool,
    states: &mut [SVector<f32, H>; N],
    x: &[SVector<f32, I>; N],
) -> [SVector<f32, H>; N] {
    let p = Gates {
        w: slices(w),
        u: slices(u),
        b: slices(b_in),
    };
    in_groups(
        tiled_streams::batches(3, H, I + H),
        states,
        x,
        |h, x| {
            let mut z = [[[0.0; H]; 6]; GROUP];
            let st = Streams {
                z: scratch(&mut z),
                state: hidden(h),
                x: inputs(x),
            };
            super::gru_streams(kernel, p, slices(b_rec), reset_after, st);
        },
        |h, x| {
            super::gru_step(kernel, (w, u, b_in, b_rec), reset_after, h, x);
        },
    );
    *states
}
