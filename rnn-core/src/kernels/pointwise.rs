//! Element-wise parts of a step over [`Lanes`]: gate activations, the LSTM
//! and GRU state updates with the subnormal flush, and the dot product of a
//! one-output Dense layer.
//!
//! Activations are the fast bounded ones of [`fast_math`], or the exact
//! libm ones of [`crate::activation`] with the `exact-activations` feature.

use nalgebra::SVector;

use super::fast_math::{self, FLUSH_BELOW};
use super::lanes::Lanes;
use crate::activation::{self, Activation};

#[inline(always)]
fn sigmoid<S: Lanes>(s: S, x: S::V) -> S::V {
    if cfg!(feature = "exact-activations") {
        s.map(x, activation::sigmoid)
    } else {
        fast_math::sigmoid(s, x)
    }
}

#[inline(always)]
fn tanh<S: Lanes>(s: S, x: S::V) -> S::V {
    if cfg!(feature = "exact-activations") {
        s.map(x, activation::tanh)
    } else {
        fast_math::tanh(s, x)
    }
}

#[inline(always)]
fn apply<S: Lanes>(s: S, act: Activation, x: S::V) -> S::V {
    match act {
        Activation::Linear => x,
        Activation::Relu => s.max(s.splat(0.0), x),
        Activation::Tanh => tanh(s, x),
        Activation::Sigmoid => sigmoid(s, x),
    }
}

/// Runs `f` over the `H` rows in chunks of `S::L` lanes (the last chunk
/// zero-padded): `ins` are read, `outs` are read, updated by `f` and written
/// back. Every chunk is loaded before any of it is stored, so an array may
/// be updated in place.
#[inline(always)]
fn for_each_chunk<S: Lanes, const H: usize, const NI: usize, const NO: usize>(
    s: S,
    ins: [&SVector<f32, H>; NI],
    mut outs: [&mut SVector<f32, H>; NO],
    f: impl Fn([S::V; NI], &mut [S::V; NO]),
) {
    let mut i = 0;
    while i < H {
        let a = ins.map(|v| s.load_slice(&v.as_slice()[i..]));
        let mut o = outs.each_ref().map(|v| s.load_slice(&v.as_slice()[i..]));
        f(a, &mut o);
        for (v, &x) in outs.iter_mut().zip(o.iter()) {
            s.store_slice(&mut v.as_mut_slice()[i..], x);
        }
        i += S::L;
    }
}

/// `v = act(v)` (Dense output).
#[inline(always)]
pub(super) fn activate<S: Lanes, const H: usize>(s: S, act: Activation, v: &mut SVector<f32, H>) {
    if act == Activation::Linear {
        return;
    }
    for_each_chunk(s, [], [v], |[], [y]| *y = apply(s, act, *y));
}

/// `h = flush(act(h))`: a SimpleRNN state update.
#[inline(always)]
pub(super) fn activate_state<S: Lanes, const H: usize>(
    s: S,
    act: Activation,
    h: &mut SVector<f32, H>,
) {
    for_each_chunk(s, [], [h], |[], [y]| {
        *y = s.flush(apply(s, act, *y), FLUSH_BELOW);
    });
}

/// LSTM state update from the gate pre-activations `z = [i, f, g, o]`:
/// `c = flush(σ(f) c + σ(i) tanh(g))`, `h = flush(σ(o) tanh(c))`.
#[inline(always)]
pub(super) fn lstm<S: Lanes, const H: usize>(
    s: S,
    z: &[SVector<f32, H>; 4],
    c: &mut SVector<f32, H>,
    h: &mut SVector<f32, H>,
) {
    let [zi, zf, zg, zo] = z;
    for_each_chunk(s, [zi, zf, zg, zo], [c, h], |[i, f, g, o], [c, h]| {
        let ig = s.mul(sigmoid(s, i), tanh(s, g));
        *c = s.flush(s.mul_add(sigmoid(s, f), *c, ig), FLUSH_BELOW);
        *h = s.flush(s.mul(sigmoid(s, o), tanh(s, *c)), FLUSH_BELOW);
    });
}

/// The GRU blend `h = flush(z h + (1 - z) tanh(n))` with `z = σ(z_pre)`
/// (Keras `z * h_tm1 + (1 - z) * hh`).
#[inline(always)]
fn gru_blend<S: Lanes>(s: S, z_pre: S::V, n_pre: S::V, h: S::V) -> S::V {
    let z = sigmoid(s, z_pre);
    let zn = s.mul(s.sub(s.splat(1.0), z), tanh(s, n_pre));
    s.flush(s.mul_add(z, h, zn), FLUSH_BELOW)
}

/// GRU update with `reset_after` from `zr = [z, r]` pre-activations and the
/// candidate's input part `xn` and recurrent part `hn` (bias included):
/// `n = tanh(xn + σ(r) hn)`, then [`gru_blend`].
#[inline(always)]
pub(super) fn gru_reset_after<S: Lanes, const H: usize>(
    s: S,
    zr: &[SVector<f32, H>; 2],
    xn: &SVector<f32, H>,
    hn: &SVector<f32, H>,
    h: &mut SVector<f32, H>,
) {
    let [zz, zr] = zr;
    for_each_chunk(s, [zz, zr, xn, hn], [h], |[z, r, xn, hn], [h]| {
        let n = s.mul_add(sigmoid(s, r), hn, xn);
        *h = gru_blend(s, z, n, *h);
    });
}

/// `rh = σ(r_pre) h`, the reset hidden state of a GRU without `reset_after`.
#[inline(always)]
pub(super) fn reset_hidden<S: Lanes, const H: usize>(
    s: S,
    r_pre: &SVector<f32, H>,
    h: &SVector<f32, H>,
    rh: &mut SVector<f32, H>,
) {
    for_each_chunk(s, [r_pre, h], [rh], |[r, h], [rh]| {
        *rh = s.mul(sigmoid(s, r), h);
    });
}

/// GRU update without `reset_after`: [`gru_blend`] of the full candidate
/// pre-activation `n_pre`.
#[inline(always)]
pub(super) fn gru_update<S: Lanes, const H: usize>(
    s: S,
    z_pre: &SVector<f32, H>,
    n_pre: &SVector<f32, H>,
    h: &mut SVector<f32, H>,
) {
    for_each_chunk(s, [z_pre, n_pre], [h], |[z, n], [h]| {
        *h = gru_blend(s, z, n, *h);
    });
}

/// `w · x` over `K` values with four vector accumulators (the one-output
/// Dense layer, whose `[1 × K]` weights are contiguous).
#[inline(always)]
pub(super) fn dot<S: Lanes, const K: usize>(s: S, w: &[f32], x: &SVector<f32, K>) -> f32 {
    let x = x.as_slice();
    let mut acc = [s.splat(0.0); 4];
    let mut k = 0;
    while k + 4 * S::L <= K {
        for (j, a) in acc.iter_mut().enumerate() {
            let o = k + j * S::L;
            *a = s.mul_add(s.load_slice(&w[o..]), s.load_slice(&x[o..]), *a);
        }
        k += 4 * S::L;
    }
    while k < K {
        acc[0] = s.mul_add(s.load_slice(&w[k..]), s.load_slice(&x[k..]), acc[0]);
        k += S::L;
    }
    let [a, b, c, d] = acc;
    s.hsum(s.add(s.add(a, b), s.add(c, d)))
}
