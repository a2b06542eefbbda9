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

use super::lanes::Lanes;
use super::scalar;

/// One operand of the product: the `G` gate matrices `[H × K]`
/// (column-major) and the vector `[K]`, as raw pointers.
struct Source<const G: usize> {
    mats: [*const f32; G],
    v: *const f32,
    k: usize,
}

/// `out[g] = bias[g] + w[g] · x + u[g] · h` for every gate `g`, in one
/// pass over the weights.
///
/// # Shapes
/// `out`, `bias`: `G` slices `[H]`; `w`: `G` matrices `[H × K1]`, `x: [K1]`;
/// `u`: `G` matrices `[H × K2]`, `h: [K2]`, with `H = out[0].len()`. Other
/// lengths run the bounds-checked scalar reference instead.
#[inline(always)]
pub(super) fn affine<S: Lanes, const G: usize>(
    s: S,
    out: [&mut [f32]; G],
    bias: [&[f32]; G],
    w: [&[f32]; G],
    x: &[f32],
    u: [&[f32]; G],
    h: &[f32],
) {
    let rows = out.first().map_or(0, |o| o.len());
    let (k1, k2) = (x.len(), h.len());
    let shaped = (0..G).all(|g| {
        out[g].len() == rows
            && bias[g].len() == rows
            && Some(w[g].len()) == rows.checked_mul(k1)
            && Some(u[g].len()) == rows.checked_mul(k2)
    });
    if S::L == 1 || rows < S::L || !shaped {
        return scalar::affine(out, bias, w, x, u, h);
    }
    let out = out.map(|o| o.as_mut_ptr());
    let bias = bias.map(|b| b.as_ptr());
    let w = Source {
        mats: w.map(|m| m.as_ptr()),
        v: x.as_ptr(),
        k: k1,
    };
    let u = Source {
        mats: u.map(|m| m.as_ptr()),
        v: h.as_ptr(),
        k: k2,
    };
    let full = rows / S::L;
    let vectors = rows.div_ceil(S::L);
    // At most 4 vectors per gate (the match below), at least 1.
    let r_max = (S::ACC_REGS / G).clamp(1, 4);
    let mut v = 0;
    while v < vectors {
        let r = r_max.min(vectors - v).min(full);
        // The last tile ends at row H (overlapping when H % L != 0).
        let row = (v * S::L).min(rows - r * S::L);
        let t = (s, rows, row, &out, &bias, &w, &u);
        // SAFETY: every slice was checked above to have the lengths of the
        // shapes (`out`, `bias`: H; `w`: H·K1; `u`: H·K2), `1 <= r <= full`
        // and `row + r·L <= H`, so every access of `tile` (rows
        // `row..row + r·L` of `H`-long columns, `K1`/`K2` columns, `G`
        // gates) is inside `out`, `bias`, `w`, `u`, `x`, `h`; `out` is
        // exclusively borrowed and so aliases none of the others.
        unsafe {
            match r {
                1 => tile_sets::<S, G, 1>(t),
                2 => tile_sets::<S, G, 2>(t),
                3 => tile_sets::<S, G, 3>(t),
                _ => tile_sets::<S, G, 4>(t),
            }
        }
        v += r;
    }
}

/// Accumulator sets for a tile of `r` vectors of `g` gates on an ISA with
/// `regs` accumulator registers: as many as the registers hold, up to 16
/// accumulators (2 FMA units × 4 cycles of latency, twice over).
const fn sets(regs: usize, g: usize, r: usize) -> usize {
    let budget = if regs < 16 { regs } else { 16 };
    if g * r * 4 <= budget {
        4
    } else if g * r * 2 <= budget {
        2
    } else {
        1
    }
}

/// The number of accumulator sets of an `R`-vector tile of `G` gates, as a
/// constant of the types (so that each `(G, R)` instantiates one tile).
struct Sets<S, const G: usize, const R: usize>(core::marker::PhantomData<S>);

impl<S: Lanes, const G: usize, const R: usize> Sets<S, G, R> {
    const P: usize = sets(S::ACC_REGS, G, R);
}

/// [`tile`] with the accumulator sets of [`sets`].
///
/// # Safety
/// As for [`tile`].
#[inline(always)]
unsafe fn tile_sets<S: Lanes, const G: usize, const R: usize>(t: TileArgs<'_, S, G>) {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        match Sets::<S, G, R>::P {
            4 => tile::<S, G, R, 4>(t),
            2 => tile::<S, G, R, 2>(t),
            _ => tile::<S, G, R, 1>(t),
        }
    }
}

type TileArgs<'a, S, const G: usize> = (
    S,
    usize,
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
/// `row + R·L <= H` (the second argument); `out` and `bias` point to `G`
/// arrays of `H` floats, `w.mats`/`u.mats` to `G` arrays of `H·K1`/`H·K2`
/// floats, `w.v`/`u.v` to `K1`/`K2` floats; `out` aliases none of them.
#[inline(always)]
unsafe fn tile<S: Lanes, const G: usize, const R: usize, const P: usize>(
    (s, rows, row, out, bias, w, u): TileArgs<'_, S, G>,
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
        columns::<S, G, R, P>(s, &mut acc, rows, row, w);
        columns::<S, G, R, P>(s, &mut acc, rows, row, u);
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

/// Adds `src.mats[g][row.., k] · src.v[k]` for the `src.k` columns to the
/// accumulators, column `k` into set `k % P` (the tail into set 0).
///
/// # Safety
/// As for [`tile`], for one source.
#[inline(always)]
unsafe fn columns<S: Lanes, const G: usize, const R: usize, const P: usize>(
    s: S,
    acc: &mut [[[S::V; R]; G]; P],
    rows: usize,
    row: usize,
    src: &Source<G>,
) {
    let mut k = 0;
    while k + P <= src.k {
        for (p, set) in acc.iter_mut().enumerate() {
            // SAFETY: `k + p < K`; the rest is this function's contract.
            unsafe { column::<S, G, R>(s, set, rows, row, src, k + p) };
        }
        k += P;
    }
    while k < src.k {
        // SAFETY: `k < K`; the rest is this function's contract.
        unsafe { column::<S, G, R>(s, &mut acc[0], rows, row, src, k) };
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
unsafe fn column<S: Lanes, const G: usize, const R: usize>(
    s: S,
    acc: &mut [[S::V; R]; G],
    rows: usize,
    row: usize,
    src: &Source<G>,
    k: usize,
) {
    // SAFETY: `k < K` indexes `src.v`, and `k·H + row + j·L + L <= k·H + H
    // <= K·H` stays inside each gate matrix.
    unsafe {
        let b = s.splat(*src.v.add(k));
        for (a, m) in acc.iter_mut().zip(&src.mats) {
            let col = m.add(k * rows + row);
            for (j, a) in a.iter_mut().enumerate() {
                *a = s.mul_add(s.load(col.add(j * S::L)), b, *a);
            }
        }
    }
}
