//! Element-wise parts of a step over [`Lanes`]: gate activations, the LSTM
//! and GRU state updates with the subnormal flush, and the dot product of a
//! one-output Dense layer.
//!
//! Activations are the fast bounded ones of [`fast_math`], or the exact
//! libm ones of [`crate::activation`] with the `exact-activations` feature.

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
        // Not element-wise: `activate` and `activate_state` apply it to the
        // whole vector, and the fused SimpleRNN step leaves it to them.
        Activation::Softmax => x,
    }
}

/// Runs `$body` over the `$h` rows in chunks of `S::L` lanes (the last
/// chunk zero-padded), with each `$in` bound to its loaded chunk and each
/// `$out` to the loaded chunk of `$arr`, stored back after the body. Every chunk is
/// loaded before any of it is stored, so an array may be updated in place.
/// A slice shorter than `$h` reads as zeros past its end and is not written
/// there, so mismatched lengths never panic.
/// A macro rather than a closure, so that the body inlines into the
/// `#[target_feature]` caller together with the intrinsics.
macro_rules! for_each_chunk {
    ($s:ident, $h:expr, [$($in:ident),*], [$($out:ident = $arr:ident),+], $body:block) => {{
        let mut i = 0;
        while i < $h {
            $(let $in = $s.load_slice($in.get(i..).unwrap_or(&[]));)*
            {
                // Output-only arrays are loaded too (and overwritten).
                $(#[allow(unused_assignments)]
                let mut $out = $s.load_slice($arr.get(i..).unwrap_or(&[]));)+
                $body
                $($s.store_slice($arr.get_mut(i..).unwrap_or(&mut []), $out);)+
            }
            i += S::L;
        }
    }};
}

/// `v = act(v)` (Dense output).
#[inline(always)]
pub(super) fn activate<S: Lanes>(s: S, act: Activation, v: &mut [f32]) {
    match act {
        Activation::Linear => return,
        Activation::Softmax => return activation::softmax(v),
        _ => {}
    }
    for_each_chunk!(s, v.len(), [], [y = v], {
        y = apply(s, act, y);
    });
}

/// `flush(act(y))`: the SimpleRNN state update of one vector.
#[inline(always)]
pub(super) fn state_lanes<S: Lanes>(s: S, act: Activation, y: S::V) -> S::V {
    s.flush(apply(s, act, y), FLUSH_BELOW)
}

/// `h = flush(act(h))`: a SimpleRNN state update.
#[inline(always)]
pub(super) fn activate_state<S: Lanes>(s: S, act: Activation, h: &mut [f32]) {
    if act == Activation::Softmax {
        activation::softmax(h);
        for_each_chunk!(s, h.len(), [], [y = h], {
            y = s.flush(y, FLUSH_BELOW);
        });
        return;
    }
    for_each_chunk!(s, h.len(), [], [y = h], {
        y = state_lanes(s, act, y);
    });
}

/// The LSTM cell update of one vector of units from the gate
/// pre-activations `i, f, g, o` and the cell state `c`: returns
/// `(flush(σ(f) c + σ(i) tanh(g)), σ(o) tanh(c'))`.
#[inline(always)]
pub(super) fn lstm_lanes<S: Lanes>(s: S, [i, f, g, o]: [S::V; 4], c: S::V) -> (S::V, S::V) {
    let ig = s.mul(sigmoid(s, i), tanh(s, g));
    let c = s.mul_add(sigmoid(s, f), c, ig);
    // tanh takes the unflushed c (it flushes its own output), which
    // keeps the flush off the critical path. The fast σ(o) is 0 or at
    // least 2^-26 and tanh(c) is 0 or at least 2^-63 in magnitude, so h
    // is normal or zero without a flush of its own.
    let mut h = s.mul(sigmoid(s, o), tanh(s, c));
    if cfg!(feature = "exact-activations") {
        // libm's sigmoid has no such floor.
        h = s.flush(h, FLUSH_BELOW);
    }
    (s.flush(c, FLUSH_BELOW), h)
}

/// LSTM state update from the gate pre-activations `z = [i, f, g, o]`
/// ([`lstm_lanes`] on every vector of units).
#[inline(always)]
pub(super) fn lstm<S: Lanes>(s: S, z: [&mut [f32]; 4], c: &mut [f32], h: &mut [f32]) {
    let [i, f, g, o] = z.map(|z| &*z);
    for_each_chunk!(s, h.len(), [i, f, g, o], [cv = c, hv = h], {
        (cv, hv) = lstm_lanes(s, [i, f, g, o], cv);
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

/// GRU update with `reset_after` from the input parts `xp = [xz, xr, xn]`
/// and recurrent parts `hp = [hz, hr, hn]` (biases included):
/// `z = σ(xz + hz)`, `r = σ(xr + hr)`, `n = tanh(xn + r hn)`, then
/// [`gru_blend`].
#[inline(always)]
pub(super) fn gru_reset_after<S: Lanes>(
    s: S,
    xp: [&mut [f32]; 3],
    hp: [&mut [f32]; 3],
    h: &mut [f32],
) {
    let [xz, xr, xn] = xp.map(|v| &*v);
    let [hz, hr, hn] = hp.map(|v| &*v);
    for_each_chunk!(s, h.len(), [xz, xr, xn, hz, hr, hn], [hv = h], {
        hv = gru_reset_after_lanes(s, [xz, xr, xn], [hz, hr, hn], hv);
    });
}

/// [`gru_reset_after`] on one vector of units: the new `h` from the input
/// parts `[xz, xr, xn]`, the recurrent parts `[hz, hr, hn]` and `h`.
#[inline(always)]
pub(super) fn gru_reset_after_lanes<S: Lanes>(
    s: S,
    [xz, xr, xn]: [S::V; 3],
    [hz, hr, hn]: [S::V; 3],
    h: S::V,
) -> S::V {
    let r = sigmoid(s, s.add(xr, hr));
    gru_blend(s, s.add(xz, hz), s.mul_add(r, hn, xn), h)
}

/// `rh = σ(r_pre) h`, the reset hidden state of a GRU without `reset_after`.
#[inline(always)]
pub(super) fn reset_hidden<S: Lanes>(s: S, r_pre: &[f32], h: &[f32], rh: &mut [f32]) {
    for_each_chunk!(s, rh.len(), [r_pre, h], [v = rh], {
        v = s.mul(sigmoid(s, r_pre), h);
    });
}

/// GRU update without `reset_after`: [`gru_blend`] of the full candidate
/// pre-activation `n_pre`.
#[inline(always)]
pub(super) fn gru_update<S: Lanes>(s: S, z_pre: &[f32], n_pre: &[f32], h: &mut [f32]) {
    for_each_chunk!(s, h.len(), [z_pre, n_pre], [hv = h], {
        hv = gru_blend(s, z_pre, n_pre, hv);
    });
}

/// `w · x` over `K = x.len()` values with four vector accumulators (the
/// one-output Dense layer, whose `[1 × K]` weights are contiguous). A
/// shorter `w` reads as zeros past its end.
#[inline(always)]
pub(super) fn dot<S: Lanes>(s: S, w: &[f32], x: &[f32]) -> f32 {
    let k_len = x.len();
    let mut acc = [s.splat(0.0); 4];
    let mut k = 0;
    while k + 4 * S::L <= k_len {
        for (j, a) in acc.iter_mut().enumerate() {
            let o = k + j * S::L;
            *a = s.mul_add(at(s, w, o), at(s, x, o), *a);
        }
        k += 4 * S::L;
    }
    while k < k_len {
        acc[0] = s.mul_add(at(s, w, k), at(s, x, k), acc[0]);
        k += S::L;
    }
    let [a, b, c, d] = acc;
    s.hsum(s.add(s.add(a, b), s.add(c, d)))
}

/// The `L` values of `v` from `o` (zero-padded past its end).
#[inline(always)]
fn at<S: Lanes>(s: S, v: &[f32], o: usize) -> S::V {
    s.load_slice(v.get(o..).unwrap_or(&[]))
}
