//! Whole timesteps of layers small enough for their gates to stay in
//! registers: the gate products of [`Whole`] and the element-wise
//! update of [`pointwise`] on the same vectors, with no store of the gate
//! pre-activations to scratch memory and no reload.
//!
//! A layer qualifies when its hidden size `H` is `R` whole vectors and
//! `R` is a tile size of [`super::tiled`] for its gate count (on AVX2, 8 lanes:
//! LSTM `H` = 8, 16, 24; GRU with `reset_after` and SimpleRNN up to 32; on
//! AVX-512 and NEON, the same numbers of vectors). The arithmetic is that
//! of the general path in the same order, so the results are the same
//! bits; every other layer takes the general path ([`super::cells`]).

use super::cells::Gates;
use super::lanes::Lanes;
use super::pointwise;
use super::tiled::Whole;
use crate::activation::Activation;

/// The tile size `R` (vectors per gate) of a layer of `h_len` units, if it
/// is whole vectors, up to 4.
#[inline(always)]
fn vectors<S: Lanes>(h_len: usize) -> Option<usize> {
    (S::L > 1 && h_len.is_multiple_of(S::L) && (1..=4).contains(&(h_len / S::L)))
        .then(|| h_len / S::L)
}

/// Runs `$f::<S, R>($args)` for the tile size of `$h` units, or gives
/// `false` when the layer does not qualify.
macro_rules! by_tile {
    ($h:expr, $f:ident::<$s:ty>($($arg:expr),*)) => {
        match vectors::<$s>($h) {
            Some(1) => $f::<$s, 1>($($arg),*),
            Some(2) => $f::<$s, 2>($($arg),*),
            Some(3) => $f::<$s, 3>($($arg),*),
            Some(4) => $f::<$s, 4>($($arg),*),
            _ => false,
        }
    };
}

/// The LSTM step (gates i, f, g, o) in registers; `false` (nothing done)
/// when the layer does not qualify or `c` and `h` differ in length.
#[inline(always)]
pub(super) fn lstm<S: Lanes>(
    s: S,
    p: Gates<'_, 4>,
    c: &mut [f32],
    h: &mut [f32],
    x: &[f32],
) -> bool {
    c.len() == h.len() && by_tile!(h.len(), lstm_tile::<S>(s, p, c, h, x))
}

#[inline(always)]
fn lstm_tile<S: Lanes, const R: usize>(
    s: S,
    p: Gates<'_, 4>,
    c: &mut [f32],
    h: &mut [f32],
    x: &[f32],
) -> bool {
    let Some(product) = Whole::<S, 4, R>::new(s, p.b, p.w, x, p.u, h) else {
        return false;
    };
    let [i, f, g, o] = product.gates();
    for j in 0..R {
        let at = j * S::L;
        let cv = s.load_slice(c.get(at..).unwrap_or(&[]));
        let (c_new, h_new) = pointwise::lstm_lanes(s, [i[j], f[j], g[j], o[j]], cv);
        s.store_slice(c.get_mut(at..).unwrap_or(&mut []), c_new);
        s.store_slice(h.get_mut(at..).unwrap_or(&mut []), h_new);
    }
    true
}

/// The GRU step with `reset_after` (gates z, r, n; `b_recurrent` the
/// recurrent bias) in registers; `false` when the layer does not qualify.
#[inline(always)]
pub(super) fn gru_reset_after<S: Lanes>(
    s: S,
    p: Gates<'_, 3>,
    b_recurrent: [&[f32]; 3],
    h: &mut [f32],
    x: &[f32],
) -> bool {
    by_tile!(h.len(), gru_tile::<S>(s, p, b_recurrent, h, x))
}

#[inline(always)]
fn gru_tile<S: Lanes, const R: usize>(
    s: S,
    p: Gates<'_, 3>,
    b_recurrent: [&[f32]; 3],
    h: &mut [f32],
    x: &[f32],
) -> bool {
    // The input and recurrent parts apart, as the general path computes
    // them (two products of one operand each).
    let none: [&[f32]; 3] = [&[]; 3];
    let (Some(input), Some(recurrent)) = (
        Whole::<S, 3, R>::new(s, p.b, p.w, x, none, &[]),
        Whole::<S, 3, R>::new(s, b_recurrent, p.u, h, none, &[]),
    ) else {
        return false;
    };
    // The recurrent product first: its accumulators take most registers,
    // and the input part (one column when `I` is 1) is computed after it
    // instead of waiting in registers through it (spilled, at `R` = 2).
    let [hz, hr, hn] = recurrent.gates();
    let [xz, xr, xn] = input.gates();
    for j in 0..R {
        let at = j * S::L;
        let hv = s.load_slice(h.get(at..).unwrap_or(&[]));
        let h_new =
            pointwise::gru_reset_after_lanes(s, [xz[j], xr[j], xn[j]], [hz[j], hr[j], hn[j]], hv);
        s.store_slice(h.get_mut(at..).unwrap_or(&mut []), h_new);
    }
    true
}

/// The SimpleRNN step in registers; `false` when the layer does not
/// qualify.
#[inline(always)]
pub(super) fn simple_rnn<S: Lanes>(
    s: S,
    p: Gates<'_, 1>,
    act: Activation,
    h: &mut [f32],
    x: &[f32],
) -> bool {
    // Softmax needs the whole vector (`pointwise::activate_state`).
    if act == Activation::Softmax {
        return false;
    }
    by_tile!(h.len(), simple_rnn_tile::<S>(s, p, act, h, x))
}

#[inline(always)]
fn simple_rnn_tile<S: Lanes, const R: usize>(
    s: S,
    p: Gates<'_, 1>,
    act: Activation,
    h: &mut [f32],
    x: &[f32],
) -> bool {
    let Some(product) = Whole::<S, 1, R>::new(s, p.b, p.w, x, p.u, h) else {
        return false;
    };
    let [z] = product.gates();
    for (j, &z) in z.iter().enumerate() {
        let at = j * S::L;
        s.store_slice(
            h.get_mut(at..).unwrap_or(&mut []),
            pointwise::state_lanes(s, act, z),
        );
    }
    true
}
