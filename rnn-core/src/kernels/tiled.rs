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
//!
//! Weights larger than L1 (more than 24 KiB over all gates) with `H` a
//! multiple of `L` and more than one tile of rows are taken in blocks of
//! columns of at most 16 KiB: every
//! tile passes over one block, adding to the partial sums in the output,
//! before the next block. A cache line that two tiles share is then read
//! from L2 once per step instead of once per tile.
#![allow(unsafe_code)]
#![allow(
    clippy::needless_range_loop,
    reason = "constant-bound index loops unroll completely and keep the accumulators in registers; with zip/flatten iterators they stayed in memory (callgrind: 884 -> 702 instructions per LSTM(1->8)+Dense(1) step on AVX2)"
)]

use core::marker::PhantomData;

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
    let Some(block) = column_block::<S, G>(rows, k1 + k2) else {
        // SAFETY: the lengths were checked above (`out`, `bias`: H; `w`:
        // H·K1; `u`: H·K2; `x`: K1; `h`: K2) and `L <= H`.
        unsafe { tiles(s, rows, &out, &bias, &w, &u) };
        return;
    };
    // Weights larger than L1: blocks of columns that fit, every tile over
    // one block before the next block, so that a cache line shared by two
    // tiles is fetched from L2 once. The partial sums wait in `out`.
    let none = Source {
        mats: [core::ptr::null(); G],
        v: core::ptr::null(),
        k: 0,
    };
    let partial = out.map(|o| o.cast_const());
    let mut first = true;
    for src in [&w, &u] {
        let mut k0 = 0;
        while k0 < src.k {
            // SAFETY: `k0 < K`, so column `k0` (offset `k0·H`) and element
            // `k0` are inside the `H·K` and `K` floats of `src`.
            let part = unsafe {
                Source {
                    mats: src.mats.map(|m| m.add(k0 * rows)),
                    v: src.v.add(k0),
                    k: block.min(src.k - k0),
                }
            };
            let init = if first { &bias } else { &partial };
            // SAFETY: as above for `part` (columns `k0..k0 + k` of `src`);
            // `none` has no column; `H % L == 0`, so tiles do not overlap
            // and each reads its rows of `partial` (from `out`) before it
            // writes them.
            unsafe { tiles(s, rows, &out, init, &part, &none) };
            first = false;
            k0 += part.k;
        }
    }
}

/// The columns per block of [`affine`]'s products over `H = rows` rows and
/// `columns = K1 + K2` columns, or `None` for one pass over all columns
/// (the schedule `tiled_streams` follows too, for the same bits).
///
/// One tile covers every row when the rows are at most `max_tile` vectors:
/// it reads each weight once whatever the size, so blocks would gain
/// nothing, and its single pass is the arithmetic of [`Whole`] (the same
/// bits as the in-register steps). Blocks also need `H % L == 0` (tiles
/// that do not overlap) and weights larger than [`L1_RESIDENT_BYTES`].
pub(super) fn column_block<S: Lanes, const G: usize>(rows: usize, columns: usize) -> Option<usize> {
    let column_bytes = G * rows * core::mem::size_of::<f32>();
    let one_tile = rows <= max_tile::<S, G>() * S::L;
    let blocked =
        !one_tile && rows.is_multiple_of(S::L) && columns * column_bytes > L1_RESIDENT_BYTES;
    blocked.then(|| (BLOCK_BYTES / column_bytes).max(1))
}

/// Weights up to this size (bytes, all gates) take one pass over the
/// columns: they stay in a 32 KiB L1d between steps.
pub(super) const L1_RESIDENT_BYTES: usize = 24 * 1024;

/// The weights of one block of columns (bytes, all gates) when they do
/// not: a block stays in L1 while every tile of rows passes over it.
const BLOCK_BYTES: usize = 16 * 1024;

/// `out[g] = init[g] + w[g] · x + u[g] · h` over all rows, tile by tile.
///
/// # Safety
/// `L <= H` (`rows`); `out`, `init` point to `G` arrays of `H` floats,
/// `w.mats`/`u.mats` to `G` arrays of `H·K1`/`H·K2` floats, `w.v`/`u.v`
/// to `K1`/`K2` floats; `out` aliases none of the others, or `init` is
/// `out` itself and `H % L == 0`.
#[inline(always)]
unsafe fn tiles<S: Lanes, const G: usize>(
    s: S,
    rows: usize,
    out: &[*mut f32; G],
    init: &[*const f32; G],
    w: &Source<G>,
    u: &Source<G>,
) {
    let full = rows / S::L;
    let vectors = rows.div_ceil(S::L);
    let r_max = max_tile::<S, G>();
    let mut v = 0;
    while v < vectors {
        let r = r_max.min(vectors - v).min(full);
        // The last tile ends at row H (overlapping when H % L != 0).
        let row = (v * S::L).min(rows - r * S::L);
        let t = (s, rows, row, out, init, w, u);
        // SAFETY: `1 <= r <= full` and `row + r·L <= H`, so every access
        // of `tile` (rows `row..row + r·L` of `H`-long columns, `K1`/`K2`
        // columns, `G` gates) is inside the arrays of this function's
        // contract; a tile reads its rows of `init` before it writes them
        // to `out`, and with `H % L == 0` no later tile reads them.
        unsafe {
            match r {
                1 => tile::<S, G, 1>(t),
                2 => tile::<S, G, 2>(t),
                3 => tile::<S, G, 3>(t),
                _ => tile::<S, G, 4>(t),
            }
        }
        v += r;
    }
}

/// The largest tile, in vectors per gate, that [`affine`] uses for `G`
/// gates: at most 4, at least 1.
pub(super) const fn max_tile<S: Lanes, const G: usize>() -> usize {
    let r = S::ACC_REGS / G;
    if r < 1 {
        1
    } else if r > 4 {
        4
    } else {
        r
    }
}

/// The operands of `bias[g] + w[g] · x + u[g] · h` for a layer of exactly
/// `R·L` rows, checked once ([`Whole::new`]), for a caller that keeps the
/// result in registers ([`Whole::gates`]) and finishes the step there.
/// One tile covers every row, as in [`affine`] for this size, with the
/// same arithmetic in the same order: the results are the same bits.
pub(super) struct Whole<'a, S, const G: usize, const R: usize> {
    s: S,
    bias: [*const f32; G],
    w: Source<G>,
    u: Source<G>,
    _borrow: PhantomData<&'a [f32]>,
}

impl<'a, S: Lanes, const G: usize, const R: usize> Whole<'a, S, G, R> {
    /// `None` unless `H = bias[0].len()` is `R·L`, every slice has the
    /// length of the shapes of [`affine`], `L > 1`, and `R` is a tile size
    /// [`affine`] uses for `G` gates.
    #[inline(always)]
    pub(super) fn new(
        s: S,
        bias: [&'a [f32]; G],
        w: [&'a [f32]; G],
        x: &'a [f32],
        u: [&'a [f32]; G],
        h: &'a [f32],
    ) -> Option<Self> {
        let rows = R * S::L;
        let (k1, k2) = (x.len(), h.len());
        let shaped = (0..G).all(|g| {
            bias[g].len() == rows
                && Some(w[g].len()) == rows.checked_mul(k1)
                && Some(u[g].len()) == rows.checked_mul(k2)
        });
        (S::L > 1 && R > 0 && R <= max_tile::<S, G>() && shaped).then(|| Whole {
            s,
            bias: bias.map(|b| b.as_ptr()),
            w: Source {
                mats: w.map(|m| m.as_ptr()),
                v: x.as_ptr(),
                k: k1,
            },
            u: Source {
                mats: u.map(|m| m.as_ptr()),
                v: h.as_ptr(),
                k: k2,
            },
            _borrow: PhantomData,
        })
    }

    /// The pre-activations: vector `j` of gate `g` holds rows
    /// `j·L .. j·L + L`.
    #[inline(always)]
    pub(super) fn gates(self) -> [[S::V; R]; G] {
        // SAFETY: `new` checked the lengths (`bias`: H = R·L; `w`: H·K1;
        // `u`: H·K2) of slices that `self` still borrows, so rows
        // `0..R·L` of every column are inside them.
        unsafe { accumulate::<S, G, R>(self.s, R * S::L, 0, &self.bias, &self.w, &self.u) }
    }
}

/// Accumulator sets for a tile of `r` vectors of `g` gates on an ISA with
/// `regs` accumulator registers: as many as the registers hold, up to 16
/// accumulators (2 FMA units × 4 cycles of latency, twice over).
pub(super) const fn sets(regs: usize, g: usize, r: usize) -> usize {
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
struct Sets<S, const G: usize, const R: usize>(PhantomData<S>);

impl<S: Lanes, const G: usize, const R: usize> Sets<S, G, R> {
    const P: usize = sets(S::ACC_REGS, G, R);
}

/// Rows `row..row + R·L` of every gate, computed by [`accumulate`] and
/// stored to `out`.
///
/// # Safety
/// As for [`accumulate`]; `out` points to `G` arrays of `H` floats and
/// aliases none of the others.
#[inline(always)]
unsafe fn tile<S: Lanes, const G: usize, const R: usize>(t: TileArgs<'_, S, G>) {
    let (s, rows, row, out, bias, w, u) = t;
    // SAFETY: forwarded from this function's contract.
    let acc = unsafe { accumulate::<S, G, R>(s, rows, row, bias, w, u) };
    for g in 0..G {
        for j in 0..R {
            // SAFETY: rows `row + j·L .. + L` are within the `H` of `out[g]`.
            unsafe { s.store(out[g].add(row + j * S::L), acc[g][j]) };
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

/// The gate pre-activations of rows `row..row + R·L` of every gate, in
/// registers: bias, then the `K1` input and `K2` recurrent columns, with
/// the accumulator sets of [`sets`].
///
/// # Safety
/// `row + R·L <= H` (`rows`); `bias` points to `G` arrays of `H` floats,
/// `w.mats`/`u.mats` to `G` arrays of `H·K1`/`H·K2` floats, `w.v`/`u.v` to
/// `K1`/`K2` floats.
#[inline(always)]
unsafe fn accumulate<S: Lanes, const G: usize, const R: usize>(
    s: S,
    rows: usize,
    row: usize,
    bias: &[*const f32; G],
    w: &Source<G>,
    u: &Source<G>,
) -> [[S::V; R]; G] {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        match Sets::<S, G, R>::P {
            4 => sum_sets::<S, G, R, 4>(s, rows, row, bias, w, u),
            2 => sum_sets::<S, G, R, 2>(s, rows, row, bias, w, u),
            _ => sum_sets::<S, G, R, 1>(s, rows, row, bias, w, u),
        }
    }
}

/// [`accumulate`] with `P` accumulator sets, summed at the end.
///
/// # Safety
/// As for [`accumulate`].
#[inline(always)]
unsafe fn sum_sets<S: Lanes, const G: usize, const R: usize, const P: usize>(
    s: S,
    rows: usize,
    row: usize,
    bias: &[*const f32; G],
    w: &Source<G>,
    u: &Source<G>,
) -> [[S::V; R]; G] {
    // Constant-bound index loops throughout (no iterator adaptors): they
    // unroll completely, so the accumulators live in registers.
    let mut acc = [[[s.splat(0.0); R]; G]; P];
    for g in 0..G {
        for j in 0..R {
            // SAFETY: rows `row + j·L .. + L` are within the `H` of bias `g`.
            acc[0][g][j] = unsafe { s.load(bias[g].add(row + j * S::L)) };
        }
    }
    // SAFETY: forwarded from this function's contract.
    unsafe {
        columns::<S, G, R, P>(s, &mut acc, rows, row, w);
        columns::<S, G, R, P>(s, &mut acc, rows, row, u);
    }
    let mut sum = acc[0];
    for set in 1..P {
        for g in 0..G {
            for j in 0..R {
                sum[g][j] = s.add(sum[g][j], acc[set][g][j]);
            }
        }
    }
    sum
}

/// Adds `src.mats[g][row.., k] · src.v[k]` for the `src.k` columns to the
/// accumulators, column `k` into set `k % P` (the tail into set 0).
///
/// # Safety
/// As for [`accumulate`], for one source.
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
        for p in 0..P {
            // SAFETY: `k + p < K`; the rest is this function's contract.
            unsafe { column::<S, G, R>(s, &mut acc[p], rows, row, src, k + p) };
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
        for g in 0..G {
            let col = src.mats[g].add(k * rows + row);
            for j in 0..R {
                acc[g][j] = s.mul_add(s.load(col.add(j * S::L)), b, acc[g][j]);
            }
        }
    }
}
