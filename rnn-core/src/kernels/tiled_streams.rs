//! The gate products of [`GROUP`] streams of one layer at once: each
//! weight vector is loaded once per column and multiplied into every
//! stream's accumulators, where [`tiled::affine`] run per stream would
//! load it once per stream.
//!
//! The results are those of [`tiled::affine`] on each stream, bit for bit:
//! the tiles, their accumulator sets (column `k` into set `k % P`, summed
//! in set order), the overlapping last tile and the blocks of columns are
//! the ones [`tiled::affine`] chooses for the layer's size, and only the
//! grouping of rows and streams into one pass differs (one vector of rows
//! per pass, as many streams as the accumulator registers hold). Every
//! element is still bias, then the input columns, then the recurrent
//! columns, each one fused multiply-add, into the same set.
#![allow(unsafe_code)]
#![allow(
    clippy::needless_range_loop,
    reason = "constant-bound index loops unroll completely and keep the accumulators in registers (see tiled.rs)"
)]

use super::lanes::Lanes;
use super::tiled::{self, max_tile, sets, L1_RESIDENT_BYTES};

/// Streams per call of the batched steps: the layers run their streams in
/// groups of this many, and the rest one by one with the single-stream
/// step (the same results either way).
pub(crate) const GROUP: usize = 4;

/// Whether a layer of `G` gates, `H` rows and `K1 + K2` columns gains from
/// the batched products: its weights are larger than L1
/// ([`L1_RESIDENT_BYTES`]), so that reading them once per group instead of
/// once per stream saves L2 traffic. Smaller layers step each stream alone
/// (their single-stream steps keep gates in registers, and their weights
/// are in L1 anyway): measured with `benches`' `streams` on an AMD EPYC
/// (Zen 4, AVX-512), 64 streams of LSTM(128) took 0.50–0.75 of the time
/// of separate steps batched, GRU(32) 0.98–1.3 (AVX-512, AVX2).
pub(crate) const fn batches(gates: usize, rows: usize, columns: usize) -> bool {
    gates * rows * columns * core::mem::size_of::<f32>() > L1_RESIDENT_BYTES
}

/// One operand of the product for every stream: the `G` gate matrices
/// `[H × K]` (column-major) and each stream's vector `[K]`.
struct Source<const G: usize> {
    mats: [*const f32; G],
    v: [*const f32; GROUP],
    k: usize,
}

/// `out[b][g] = bias[g] + w[g] · x[b] + u[g] · h[b]` for every stream `b`
/// and gate `g`: [`tiled::affine`] on each stream, with each weight read
/// once for all of them.
///
/// # Shapes
/// As [`tiled::affine`] for each stream, the same `H`, `K1`, `K2` for all;
/// other lengths run [`tiled::affine`] stream by stream.
#[inline(always)]
pub(super) fn affine<S: Lanes, const G: usize>(
    s: S,
    out: [[&mut [f32]; G]; GROUP],
    bias: [&[f32]; G],
    w: [&[f32]; G],
    x: [&[f32]; GROUP],
    u: [&[f32]; G],
    h: [&[f32]; GROUP],
) {
    let rows = out[0].first().map_or(0, |o| o.len());
    let (k1, k2) = (x[0].len(), h[0].len());
    let shaped = (0..G).all(|g| {
        bias[g].len() == rows
            && Some(w[g].len()) == rows.checked_mul(k1)
            && Some(u[g].len()) == rows.checked_mul(k2)
    }) && (0..GROUP)
        .all(|b| x[b].len() == k1 && h[b].len() == k2 && out[b].iter().all(|o| o.len() == rows));
    if S::L == 1 || rows < S::L || !shaped {
        for ((o, x), h) in out.into_iter().zip(x).zip(h) {
            tiled::affine(s, o, bias, w, x, u, h);
        }
        return;
    }
    let out = out.map(|o| o.map(|o| o.as_mut_ptr()));
    let bias = [bias.map(|b| b.as_ptr()); GROUP];
    let w = Source {
        mats: w.map(|m| m.as_ptr()),
        v: x.map(|x| x.as_ptr()),
        k: k1,
    };
    let u = Source {
        mats: u.map(|m| m.as_ptr()),
        v: h.map(|h| h.as_ptr()),
        k: k2,
    };
    // The choices of `tiled::affine`, for the same bits.
    let Some(block) = tiled::column_block::<S, G>(rows, k1 + k2) else {
        // SAFETY: the lengths were checked above for every stream and `L <= H`.
        unsafe { tiles(s, rows, &out, &bias, &w, &u) };
        return;
    };
    let none = Source {
        mats: [core::ptr::null(); G],
        v: [core::ptr::null(); GROUP],
        k: 0,
    };
    let partial = out.map(|o| o.map(|o| o.cast_const()));
    let mut first = true;
    for src in [&w, &u] {
        let mut k0 = 0;
        while k0 < src.k {
            // SAFETY: `k0 < K`: column `k0` and element `k0` of every
            // stream's vector are inside the checked slices.
            let part = unsafe {
                Source {
                    mats: src.mats.map(|m| m.add(k0 * rows)),
                    v: src.v.map(|v| v.add(k0)),
                    k: block.min(src.k - k0),
                }
            };
            let init = if first { &bias } else { &partial };
            // SAFETY: as above; `H % L == 0`, so each pass reads its rows
            // of `partial` (from `out`) before it writes them.
            unsafe { tiles(s, rows, &out, init, &part, &none) };
            first = false;
            k0 += part.k;
        }
    }
}

/// The tiles of `tiled::tiles` for `H` rows, each computed one vector of
/// rows at a time with its tile's accumulator sets.
///
/// # Safety
/// As `tiled::tiles`, for every stream.
#[inline(always)]
unsafe fn tiles<S: Lanes, const G: usize>(
    s: S,
    rows: usize,
    out: &[[*mut f32; G]; GROUP],
    init: &[[*const f32; G]; GROUP],
    w: &Source<G>,
    u: &Source<G>,
) {
    let full = rows / S::L;
    let vectors = rows.div_ceil(S::L);
    let r_max = max_tile::<S, G>();
    let mut v = 0;
    while v < vectors {
        let r = r_max.min(vectors - v).min(full);
        let row = (v * S::L).min(rows - r * S::L);
        for j in 0..r {
            let t = (s, rows, row + j * S::L, out, init, w, u);
            // SAFETY: `row + r·L <= H`, so vector `j < r` of the tile is
            // inside every stream's arrays.
            unsafe {
                match sets(S::ACC_REGS, G, r) {
                    4 => vector::<S, G, 4>(t),
                    2 => vector::<S, G, 2>(t),
                    _ => vector::<S, G, 1>(t),
                }
            }
        }
        v += r;
    }
}

/// Streams per pass for `G` gates and `P` sets: 4, 2 or 1, as many as
/// the vector registers hold without spilling: `G · P` accumulators and
/// one broadcast element per stream, plus one weight vector, within the
/// `regs` accumulator registers and the 4 others that [`Lanes::ACC_REGS`]
/// leaves. (Counting only the accumulators, 4 streams of a 3-gate tile on
/// AVX2 needed 19 of its 16 registers, and the batched GRU(32) step was
/// 1.3x slower than 4 single steps: `benches`, `streams`.)
const fn streams_per_pass(regs: usize, g: usize, p: usize) -> usize {
    let room = regs + 3;
    if 4 * (g * p + 1) <= room {
        4
    } else if 2 * (g * p + 1) <= room {
        2
    } else {
        1
    }
}

type VectorArgs<'a, S, const G: usize> = (
    S,
    usize,
    usize,
    &'a [[*mut f32; G]; GROUP],
    &'a [[*const f32; G]; GROUP],
    &'a Source<G>,
    &'a Source<G>,
);

/// Rows `row..row + L` of every gate and stream, with `P` sets.
///
/// # Safety
/// `row + L <= H`; the pointers as for [`tiles`].
#[inline(always)]
unsafe fn vector<S: Lanes, const G: usize, const P: usize>(t: VectorArgs<'_, S, G>) {
    // SAFETY: forwarded; each pass takes its own streams.
    unsafe {
        match streams_per_pass(S::ACC_REGS, G, P) {
            4 => pass::<S, G, P, 4>(t, 0),
            2 => {
                pass::<S, G, P, 2>(t, 0);
                pass::<S, G, P, 2>(t, 2);
            }
            _ => {
                for b in 0..GROUP {
                    pass::<S, G, P, 1>(t, b);
                }
            }
        }
    }
}

/// Streams `first..first + B` of [`vector`]: bias (or partial sums), the
/// input columns, then the recurrent columns, column `k` into set `k % P`
/// (the tail into set 0), the sets summed in order, stored to `out`.
///
/// # Safety
/// As for [`vector`], with `first + B <= GROUP`.
#[inline(always)]
unsafe fn pass<S: Lanes, const G: usize, const P: usize, const B: usize>(
    (s, rows, row, out, init, w, u): VectorArgs<'_, S, G>,
    first: usize,
) {
    let mut acc = [[[s.splat(0.0); G]; P]; B];
    for b in 0..B {
        for g in 0..G {
            // SAFETY: rows `row..row + L` are within the `H` of `init`.
            acc[b][0][g] = unsafe { s.load(init[first + b][g].add(row)) };
        }
    }
    for src in [w, u] {
        let mut k = 0;
        while k + P <= src.k {
            for p in 0..P {
                // SAFETY: `k + p < K`; the rest is this function's contract.
                unsafe { column::<S, G, P, B>(s, &mut acc, p, rows, row, src, k + p, first) };
            }
            k += P;
        }
        while k < src.k {
            // SAFETY: `k < K`.
            unsafe { column::<S, G, P, B>(s, &mut acc, 0, rows, row, src, k, first) };
            k += 1;
        }
    }
    for b in 0..B {
        let mut sum = acc[b][0];
        for set in 1..P {
            for g in 0..G {
                sum[g] = s.add(sum[g], acc[b][set][g]);
            }
        }
        for g in 0..G {
            // SAFETY: rows `row..row + L` are within the `H` of `out`.
            unsafe { s.store(out[first + b][g].add(row), sum[g]) };
        }
    }
}

/// Adds `src.mats[g][row.., k] · src.v[b][k]` to set `p` of every stream
/// of the pass: one load of each gate's weights for all `B` streams.
///
/// # Safety
/// `k < K`; the rest as for [`pass`].
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn column<S: Lanes, const G: usize, const P: usize, const B: usize>(
    s: S,
    acc: &mut [[[S::V; G]; P]; B],
    p: usize,
    rows: usize,
    row: usize,
    src: &Source<G>,
    k: usize,
    first: usize,
) {
    // SAFETY: `k < K` indexes every stream's vector, and `k·H + row + L <=
    // K·H` stays inside each gate matrix.
    unsafe {
        let mut x = [s.splat(0.0); B];
        for b in 0..B {
            x[b] = s.splat(*src.v[first + b].add(k));
        }
        for g in 0..G {
            let wv = s.load(src.mats[g].add(k * rows + row));
            for b in 0..B {
                acc[b][p][g] = s.mul_add(wv, x[b], acc[b][p][g]);
            }
        }
    }
}
