//! Fused, register-tiled gate products over [`Lanes`], on the layers' own
//! column-major weights (no repacking, no copy of the weights).
//!
//! For a tile of `R` vectors of rows and all `G` gates at once, the `G · R`
//! accumulators start from the bias and stay in registers while the kernel
//! streams once over the input columns (`W`, times `x`) and then the
//! recurrent columns (`U`, times `h`): per column, one broadcast of the
//! vector element and `G · R` fused multiply-adds whose weights are loaded
//! straight from column `k` of each gate matrix (contiguous in nalgebra's
//! column-major storage). When `G · R` is below 16 accumulators, too few to
//! hide the FMA latency, `P` accumulator sets take alternate columns and are
//! summed at the end.
//!
//! Rows that do not fill a vector are covered by one more tile placed to end
//! exactly at row `H`, overlapping the previous one: every tile computes its
//! rows completely, so overlapped rows are just written twice. This needs
//! `H ≥ L`; smaller layers use the scalar reference.
#![allow(unsafe_code)]

use nalgebra::{SMatrix, SVector};

use super::lanes::Lanes;
use super::scalar;

/// One operand of the product: the `G` gate matrices `[H × K]`
/// (column-major) and the vector `[K]`, as raw pointers.
struct Source<const G: usize> {
    mats: [*const f32; G],
    v: *const f32,
}

/// `out[g] = bias[g] + w[g] · x + u[g] · h` for every gate `g`, in one
/// pass over the weights.
///
/// # Shapes
/// `out`, `bias`: `G` vectors `[H]`; `w`: `G` matrices `[H × K1]`, `x: [K1]`;
/// `u`: `G` matrices `[H × K2]`, `h: [K2]`.
#[inline(always)]
pub(super) fn affine<S: Lanes, const G: usize, const H: usize, const K1: usize, const K2: usize>(
    s: S,
    out: &mut [SVector<f32, H>; G],
    bias: [&SVector<f32, H>; G],
    w: [&SMatrix<f32, H, K1>; G],
    x: &SVector<f32, K1>,
    u: [&SMatrix<f32, H, K2>; G],
    h: &SVector<f32, K2>,
) {
    if S::L == 1 || H < S::L {
        return scalar::affine(out, bias, w, x, u, h);
    }
    let out = out.each_mut().map(|o| o.as_mut_ptr());
    let bias = bias.map(|b| b.as_ptr());
    let w = Source {
        mats: w.map(|m| m.as_ptr()),
        v: x.as_ptr(),
    };
    let u = Source {
        mats: u.map(|m| m.as_ptr()),
        v: h.as_ptr(),
    };
    let full = H / S::L;
    let vectors = H.div_ceil(S::L);
    // At most 4 vectors per gate (the match below), at least 1.
    let r_max = (S::ACC_REGS / G).clamp(1, 4);
    let mut v = 0;
    while v < vectors {
        let r = r_max.min(vectors - v).min(full);
        // The last tile ends at row H (overlapping when H % L != 0).
        let row = (v * S::L).min(H - r * S::L);
        // As many accumulator sets as the registers hold, up to 16
        // accumulators (2 FMA units × 4 cycles of latency, twice over).
        let budget = S::ACC_REGS.min(16);
        let p = if G * r * 4 <= budget {
            4
        } else if G * r * 2 <= budget {
            2
        } else {
            1
        };
        let t = (s, row, &out, &bias, &w, &u);
        // SAFETY: `1 <= r <= full` and `row + r·L <= H`, so every access of
        // `tile` (rows `row..row + r·L` of `H`-long columns, `K1`/`K2`
        // columns, `G` gates) is inside `out`, `bias`, `w`, `u`, `x`, `h`;
        // `out` is exclusively borrowed and so aliases none of the others.
        // Every `(r, p)` with `r` in 1..=4 and `p` in {1, 2, 4} has its arm.
        unsafe {
            match (r, p) {
                (1, 1) => tile::<S, G, 1, 1, H, K1, K2>(t),
                (1, 2) => tile::<S, G, 1, 2, H, K1, K2>(t),
                (2, 1) => tile::<S, G, 2, 1, H, K1, K2>(t),
                (2, 2) => tile::<S, G, 2, 2, H, K1, K2>(t),
                (2, _) => tile::<S, G, 2, 4, H, K1, K2>(t),
                (3, 1) => tile::<S, G, 3, 1, H, K1, K2>(t),
                (3, 2) => tile::<S, G, 3, 2, H, K1, K2>(t),
                (3, _) => tile::<S, G, 3, 4, H, K1, K2>(t),
                (4, 1) => tile::<S, G, 4, 1, H, K1, K2>(t),
                (4, 2) => tile::<S, G, 4, 2, H, K1, K2>(t),
                (4, _) => tile::<S, G, 4, 4, H, K1, K2>(t),
                _ => tile::<S, G, 1, 4, H, K1, K2>(t),
            }
        }
        v += r;
    }
}

type TileArgs<'a, S, const G: usize> = (
    S,
    usize,
    &'a [*mut f32; G],
    &'a [*const f32; G],
    &'a Source<G>,
    &'a Source<G>,
);

/// Rows `row..row + R·L` of every gate: bias, then the `K1` input and `K2`
/// recurrent columns, with `P` accumulator sets.
///
/// # Safety
/// `row + R·L <= H`; `out` and `bias` point to `G` arrays of `H` floats,
/// `w.mats`/`u.mats` to `G` arrays of `H·K1`/`H·K2` floats, `w.v`/`u.v`
/// to `K1`/`K2` floats; `out` aliases none of them.
#[inline(always)]
unsafe fn tile<
    S: Lanes,
    const G: usize,
    const R: usize,
    const P: usize,
    const H: usize,
    const K1: usize,
    const K2: usize,
>(
    (s, row, out, bias, w, u): TileArgs<'_, S, G>,
) {
    let mut acc = [[[s.splat(0.0); R]; G]; P];
    for (a, b) in acc[0].iter_mut().zip(bias) {
        for (j, a) in a.iter_mut().enumerate() {
            // SAFETY: rows `row + j·L .. + L` are within the `H` of `b`.
            *a = unsafe { s.load(b.add(row + j * S::L)) };
        }
    }
    // SAFETY: forwarded from this function's contract.
    unsafe {
        columns::<S, G, R, P, H, K1>(s, &mut acc, row, w);
        columns::<S, G, R, P, H, K2>(s, &mut acc, row, u);
    }
    let (sum, rest) = acc.split_at_mut(1);
    for set in rest {
        for (a, b) in sum[0].iter_mut().flatten().zip(set.iter().flatten()) {
            *a = s.add(*a, *b);
        }
    }
    for (a, o) in sum[0].iter().zip(out) {
        for (j, &a) in a.iter().enumerate() {
            // SAFETY: as for the bias load, in `o`.
            unsafe { s.store(o.add(row + j * S::L), a) };
        }
    }
}

/// Adds `src.mats[g][row.., k] · src.v[k]` for the `K` columns to the
/// accumulators, column `k` into set `k % P` (the tail into set 0).
///
/// # Safety
/// As for [`tile`], for one source with `K` columns.
#[inline(always)]
unsafe fn columns<
    S: Lanes,
    const G: usize,
    const R: usize,
    const P: usize,
    const H: usize,
    const K: usize,
>(
    s: S,
    acc: &mut [[[S::V; R]; G]; P],
    row: usize,
    src: &Source<G>,
) {
    let mut k = 0;
    while k + P <= K {
        for (p, set) in acc.iter_mut().enumerate() {
            // SAFETY: `k + p < K`; the rest is this function's contract.
            unsafe { column::<S, G, R, H>(s, set, row, src, k + p) };
        }
        k += P;
    }
    while k < K {
        // SAFETY: `k < K`; the rest is this function's contract.
        unsafe { column::<S, G, R, H>(s, &mut acc[0], row, src, k) };
        k += 1;
    }
}

/// Adds `src.mats[g][row.., k] · src.v[k]` to one accumulator set (a
/// function, not a closure, so that it inlines into the `#[target_feature]`
/// caller together with the intrinsics).
///
/// # Safety
/// As for [`columns`], with `k < K`.
#[inline(always)]
unsafe fn column<S: Lanes, const G: usize, const R: usize, const H: usize>(
    s: S,
    acc: &mut [[S::V; R]; G],
    row: usize,
    src: &Source<G>,
    k: usize,
) {
    // SAFETY: `k < K` indexes `src.v`, and `k·H + row + j·L + L <= k·H + H
    // <= K·H` stays inside each gate matrix.
    unsafe {
        let b = s.splat(*src.v.add(k));
        for (a, m) in acc.iter_mut().zip(&src.mats) {
            let col = m.add(k * H + row);
            for (j, a) in a.iter_mut().enumerate() {
                *a = s.mul_add(s.load(col.add(j * S::L)), b, *a);
            }
        }
    }
}
