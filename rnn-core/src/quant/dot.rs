//! The recurrent dot product of the integer LSTM, `Σ w[k] · h[k]` (int8
//! weights, int16 hidden state, int32 result, wrapping), behind one safe
//! door chosen at compile time by target (`build.rs` sets the cfg from
//! the target name, since ARM's `target_feature` cfgs are unstable):
//!
//! | cfg | targets | kernel |
//! | --- | --- | --- |
//! | `rnn_arm_dsp` | `thumbv7em-*` (Cortex-M4/M4F/M7: ARMv7E-M, DSP extension) | `SXTB16` + `SMLAD`, inline `asm!` |
//! | `rnn_arm_v6m` | `thumbv6m-*` (Cortex-M0/M0+/M1: ARMv6-M) | Thumb-1 `LDM` / `LDRB` / `SXTB` / `MULS` loop, inline `asm!` |
//! | neither | every other target (the host) | portable Rust, the reference |
//!
//! Once per step the caller packs the hidden state with `pack` into a
//! scratch `[i32; n]`; `dot` then takes one weight row and the packed
//! state. The packing depends on the kernel:
//!
//! - DSP: groups of four, `h[4g..4g+4]` → word `2g` = `h[4g] | h[4g+2] << 16`,
//!   word `2g+1` = `h[4g+1] | h[4g+3] << 16` (int16 halves); the `n % 4`
//!   last values as plain int32 at their own index. A weight word
//!   `w[4g..4g+4]` (one unaligned `LDR`) gives `SXTB16 w` = `(w[4g], w[4g+2])`
//!   and `SXTB16 w, ROR #8` = `(w[4g+1], w[4g+3])` sign-extended to int16
//!   halves, so two `SMLAD` (dual signed 16 × 16 multiply, both products
//!   added to the accumulator) make four multiply-adds: six instructions
//!   for four weights. Source: ARM Architecture Reference Manual ARMv7-M
//!   (DDI 0403E), A7.7.120 `SMLAD`, A7.7.175 `SXTB16`; the same pairing as
//!   CMSIS-NN's `arm_nn_read_q7x4` + `__SXTB16` (there the activations are
//!   reordered with `PKHBT`/`PKHTB` per use; here once per step). `SMLAD`
//!   adds in infinite precision and keeps the low 32 bits (setting the Q
//!   flag on overflow): the wrapping sum of the portable kernel.
//! - M0 and portable: `packed[k] = h[k]` widened, so that the M0 loop loads
//!   three values with one `LDM` (no 64-bit multiply, no sign-extending load
//!   with an immediate offset on Thumb-1); on the M0 the widening itself is
//!   an `asm!` block too (`LDRH` + `SXTH`, four values per `STM`).
//!
//! On ARMv7E-M, `dot4` takes the four gate rows of one LSTM unit (rows
//! `H · H` bytes apart) in one unrolled block, sharing each load of the
//! packed state among them; the integer LSTM uses it for a hidden size
//! known at compile time.
//!
//! [`pack_pairs`] and [`dot_pairs`] are the DSP layout and its lane
//! arithmetic in portable Rust, built on every target: the host tests them
//! against the plain dot product, and the firmware's QEMU parity check
//! (`scripts/firmware-test.sh`, tolerance 0 against the host's portable
//! forecasts) tests the `asm!` kernels.
#![allow(unsafe_code)]

// Used by the run-time model (`std`); the const-generic layers use `packed`.
#[cfg_attr(not(feature = "std"), allow(dead_code))]
/// Packs `h` for [`dot`] into `out` (`out.len() >= h.len()`; values past
/// `h.len()` untouched; a shorter `out` packs only what fits). Never panics.
#[inline(always)]
pub(crate) fn pack(h: &[i16], out: &mut [i32]) {
    #[cfg(rnn_arm_dsp)]
    pack_pairs(h, out);
    #[cfg(not(rnn_arm_dsp))]
    for (o, &v) in out.iter_mut().zip(h) {
        *o = i32::from(v);
    }
}

/// [`pack`] into a new array (no zeroing pass first).
#[inline(always)]
pub(crate) fn packed<const N: usize>(h: &[i16; N]) -> [i32; N] {
    #[cfg(rnn_arm_dsp)]
    {
        let mut out = [0i32; N];
        pack_pairs(h, &mut out);
        out
    }
    #[cfg(all(rnn_arm_v6m, not(rnn_arm_dsp)))]
    {
        v6m::widened(h)
    }
    #[cfg(not(any(rnn_arm_dsp, rnn_arm_v6m)))]
    {
        core::array::from_fn(|k| i32::from(h[k]))
    }
}

/// `init + Σ w[k] · h[k]` over `k < min(w.len(), packed.len())`, wrapping,
/// where `packed` is `h` packed by [`pack`] for the same length (`init`
/// starts the accumulator: the row's bias and input part). Never panics.
#[inline(always)]
pub(crate) fn dot(init: i32, w: &[i8], packed: &[i32]) -> i32 {
    let n = w.len().min(packed.len());
    let (w, packed) = (&w[..n], &packed[..n]);
    #[cfg(rnn_arm_dsp)]
    {
        dsp::dot(init, w, packed)
    }
    #[cfg(all(rnn_arm_v6m, not(rnn_arm_dsp)))]
    {
        v6m::dot(init, w, packed)
    }
    #[cfg(not(any(rnn_arm_dsp, rnn_arm_v6m)))]
    {
        init.wrapping_add(dot_widened(w, packed, 0))
    }
}

/// `Σ w[k] · x[k]` for `k` from `start`: the widened layout.
#[inline(always)]
fn dot_widened(w: &[i8], x: &[i32], start: usize) -> i32 {
    w.iter().zip(x).skip(start).fold(0i32, |acc, (&w, &x)| {
        acc.wrapping_add(i32::from(w).wrapping_mul(x))
    })
}

/// The DSP layout (see the module docs): groups of four as two words of
/// int16 halves, the `len % 4` last values widened at their own index.
/// `out.len()` must be at least `h.len()`; a shorter `out` packs the
/// groups and values that fit. Never panics.
#[inline(always)]
pub fn pack_pairs(h: &[i16], out: &mut [i32]) {
    let groups = h.len().min(out.len()) / 4;
    for g in 0..groups {
        let q = &h[4 * g..4 * g + 4];
        let half = |v: i16| u32::from(v as u16);
        out[2 * g] = (half(q[0]) | half(q[2]) << 16) as i32;
        out[2 * g + 1] = (half(q[1]) | half(q[3]) << 16) as i32;
    }
    for (o, &v) in out.iter_mut().zip(h).skip(4 * groups) {
        *o = i32::from(v);
    }
}

/// [`pack_pairs`]'s layout multiplied by `w` the way `SXTB16` and `SMLAD`
/// do, in portable Rust, from group `start_group` on: `Σ w[k] · h[k]`,
/// wrapping, over `k < min(w.len(), packed.len())`. Never panics.
#[inline(always)]
pub fn dot_pairs(w: &[i8], packed: &[i32], start_group: usize) -> i32 {
    let n = w.len().min(packed.len());
    let groups = n / 4;
    let lo = |v: u32| i32::from(v as u16 as i16);
    let hi = |v: u32| i32::from((v >> 16) as u16 as i16);
    let mut acc = 0i32;
    for g in start_group.min(groups)..groups {
        // One little-endian weight word, as `LDR` reads it.
        let word = u32::from_le_bytes([
            w[4 * g] as u8,
            w[4 * g + 1] as u8,
            w[4 * g + 2] as u8,
            w[4 * g + 3] as u8,
        ]);
        // SXTB16: bytes 0 and 2 sign-extended to the two halves; with ROR #8, bytes 1 and 3.
        let sx = |v: u32| {
            let b0 = u32::from(v as u8 as i8 as i16 as u16);
            let b2 = u32::from((v >> 16) as u8 as i8 as i16 as u16);
            b0 | b2 << 16
        };
        let (even, odd) = (sx(word), sx(word.rotate_right(8)));
        let (p0, p1) = (packed[2 * g] as u32, packed[2 * g + 1] as u32);
        // SMLAD: acc + lo·lo + hi·hi, low 32 bits.
        acc = acc
            .wrapping_add(lo(even) * lo(p0))
            .wrapping_add(hi(even) * hi(p0))
            .wrapping_add(lo(odd) * lo(p1))
            .wrapping_add(hi(odd) * hi(p1));
    }
    acc.wrapping_add(dot_widened(&w[..n], &packed[..n], 4 * groups))
}

/// Whether [`dot4`] takes rows of `h` values `h · h` bytes apart: `h` a
/// multiple of four (whole groups of the DSP layout) and the farthest row
/// within an `LDR` immediate offset (`3 · h · h <= 4095`).
#[cfg(rnn_arm_dsp)]
pub(crate) const fn dot4_fits(h: usize) -> bool {
    h > 0 && h.is_multiple_of(4) && 3 * h * h <= 4095
}

/// The recurrent products of the four gate rows of one LSTM unit on
/// ARMv7E-M: `init[g] + Σ_k u[g·H·H + k] · h[k]` for `g < 4`, `k < H`,
/// wrapping, where `u` starts at the unit's row of the first gate and
/// `packed` is `h` packed by [`pack`]. One `asm!` block, no loop: per
/// group of four values one `LDRD` of the packed state shared by the four
/// rows, and per row one `LDR` of four weights, 2 × `SXTB16` and
/// 2 × `SMLAD` (21 instructions for 16 multiply-adds). Requires
/// [`dot4_fits`]`(H)`; shorter slices (or an `H` that does not fit) give
/// the four rows through [`dot`] instead. Never panics.
#[cfg(rnn_arm_dsp)]
#[inline(always)]
pub(crate) fn dot4<const H: usize>(init: [i32; 4], u: &[i8], packed: &[i32]) -> [i32; 4] {
    if !dot4_fits(H) || u.len() < 3 * H * H + H || packed.len() < H {
        return core::array::from_fn(|g| {
            let row = u.get(g * H * H..).unwrap_or_default();
            dot(init[g], &row[..H.min(row.len())], packed)
        });
    }
    let [mut a0, mut a1, mut a2, mut a3] = init;
    // SAFETY: `.rept H / 4` groups; group q reads packed[2q..2q + 2]
    // (word-aligned LDRD, post-incremented; 2q + 2 <= H/2 <= packed.len())
    // and the four weight words u[g·H·H + 4q..][..4] for g < 4 (unaligned
    // LDR, allowed on ARMv7-M with CCR.UNALIGN_TRP clear, its reset value;
    // the largest byte read is 3·H·H + H - 1 < u.len()). Only the named
    // registers are written; SMLAD sets only the Q flag.
    unsafe {
        core::arch::asm!(
            ".rept {groups}",
            "ldrd {h0}, {h1}, [{hp}], #8",
            "ldr {w}, [{p}, #{s3}]",
            "sxtb16 {t}, {w}",
            "smlad {a3}, {t}, {h0}, {a3}",
            "sxtb16 {w}, {w}, ror #8",
            "smlad {a3}, {w}, {h1}, {a3}",
            "ldr {w}, [{p}, #{s2}]",
            "sxtb16 {t}, {w}",
            "smlad {a2}, {t}, {h0}, {a2}",
            "sxtb16 {w}, {w}, ror #8",
            "smlad {a2}, {w}, {h1}, {a2}",
            "ldr {w}, [{p}, #{s1}]",
            "sxtb16 {t}, {w}",
            "smlad {a1}, {t}, {h0}, {a1}",
            "sxtb16 {w}, {w}, ror #8",
            "smlad {a1}, {w}, {h1}, {a1}",
            "ldr {w}, [{p}], #4",
            "sxtb16 {t}, {w}",
            "smlad {a0}, {t}, {h0}, {a0}",
            "sxtb16 {w}, {w}, ror #8",
            "smlad {a0}, {w}, {h1}, {a0}",
            ".endr",
            groups = const H / 4,
            s1 = const H * H,
            s2 = const 2 * H * H,
            s3 = const 3 * H * H,
            p = inout(reg) u.as_ptr() => _,
            hp = inout(reg) packed.as_ptr() => _,
            a0 = inout(reg) a0,
            a1 = inout(reg) a1,
            a2 = inout(reg) a2,
            a3 = inout(reg) a3,
            h0 = out(reg) _,
            h1 = out(reg) _,
            w = out(reg) _,
            t = out(reg) _,
            options(pure, readonly, nostack, preserves_flags),
        );
    }
    [a0, a1, a2, a3]
}

#[cfg(rnn_arm_dsp)]
mod dsp {
    /// [`super::dot`] on ARMv7E-M: two groups of four per iteration of an
    /// `asm!` loop (`LDR`, `LDRD`, 2 × `SXTB16`, 4 × `SMLAD` … 14
    /// instructions for eight multiply-adds), the rest in [`super::dot_pairs`].
    #[inline(always)]
    pub(super) fn dot(init: i32, w: &[i8], packed: &[i32]) -> i32 {
        let n = w.len().min(packed.len());
        let pairs = n / 8;
        let mut acc = init;
        if pairs > 0 {
            let wp = w.as_ptr();
            let xp = packed.as_ptr();
            // SAFETY: the loop reads w[0..8·pairs] (byte loads through
            // unaligned LDR, allowed on ARMv7-M with CCR.UNALIGN_TRP clear,
            // its reset value) and packed[0..4·pairs] (word-aligned i32
            // through LDRD), all within the slices since 8·pairs <= n; it
            // writes only the named registers and the flags.
            unsafe {
                core::arch::asm!(
                    "2:",
                    "ldr {wv}, [{wp}], #4",
                    "ldrd {a}, {b}, [{xp}], #8",
                    "sxtb16 {t}, {wv}",
                    "smlad {acc}, {t}, {a}, {acc}",
                    "sxtb16 {t}, {wv}, ror #8",
                    "smlad {acc}, {t}, {b}, {acc}",
                    "ldr {wv}, [{wp}], #4",
                    "ldrd {a}, {b}, [{xp}], #8",
                    "sxtb16 {t}, {wv}",
                    "smlad {acc}, {t}, {a}, {acc}",
                    "sxtb16 {t}, {wv}, ror #8",
                    "smlad {acc}, {t}, {b}, {acc}",
                    "subs {count}, {count}, #1",
                    "bne 2b",
                    wp = inout(reg) wp => _,
                    xp = inout(reg) xp => _,
                    count = inout(reg) pairs => _,
                    acc = inout(reg) acc,
                    wv = out(reg) _,
                    a = out(reg) _,
                    b = out(reg) _,
                    t = out(reg) _,
                    options(nostack, readonly),
                );
            }
        }
        acc.wrapping_add(super::dot_pairs(w, packed, 2 * pairs))
    }
}

#[cfg(all(rnn_arm_v6m, not(rnn_arm_dsp)))]
mod v6m {
    /// [`super::dot`] on ARMv6-M: sixteen multiply-adds per `asm!` block
    /// (6 × `LDM` of up to three widened values, 16 × `LDRB` + `SXTB` +
    /// `MULS` + `ADD`: 70 instructions, no loop; the accumulator in r8,
    /// since Thumb-1 has only r0–r5 free for asm), 32-bit multiplies only;
    /// the `n % 16` rest in portable Rust.
    #[inline(always)]
    pub(super) fn dot(init: i32, w: &[i8], packed: &[i32]) -> i32 {
        let n = w.len().min(packed.len());
        let mut acc = init;
        let blocks = n / 16;
        for b in 0..blocks {
            let (w, x) = (&w[16 * b..16 * b + 16], &packed[16 * b..16 * b + 16]);
            let mut r5 = acc;
            // SAFETY: the block reads w[0..16] (LDRB, offsets 0 to 15) and
            // x[0..16] (word-aligned LDM with write-back, 16 words), both
            // slices of exactly 16 elements; only the named registers
            // (high registers as clobbers, as Thumb-1 asm requires) and the
            // flags are written.
            unsafe {
                core::arch::asm!(
                    "mov r8, r5",
                    "ldm r1!, {{r2, r3, r4}}",
                    "ldrb r5, [r0, #0]",
                    "sxtb r5, r5",
                    "muls r2, r5, r2",
                    "add r8, r2",
                    "ldrb r5, [r0, #1]",
                    "sxtb r5, r5",
                    "muls r3, r5, r3",
                    "add r8, r3",
                    "ldrb r5, [r0, #2]",
                    "sxtb r5, r5",
                    "muls r4, r5, r4",
                    "add r8, r4",
                    "ldm r1!, {{r2, r3, r4}}",
                    "ldrb r5, [r0, #3]",
                    "sxtb r5, r5",
                    "muls r2, r5, r2",
                    "add r8, r2",
                    "ldrb r5, [r0, #4]",
                    "sxtb r5, r5",
                    "muls r3, r5, r3",
                    "add r8, r3",
                    "ldrb r5, [r0, #5]",
                    "sxtb r5, r5",
                    "muls r4, r5, r4",
                    "add r8, r4",
                    "ldm r1!, {{r2, r3, r4}}",
                    "ldrb r5, [r0, #6]",
                    "sxtb r5, r5",
                    "muls r2, r5, r2",
                    "add r8, r2",
                    "ldrb r5, [r0, #7]",
                    "sxtb r5, r5",
                    "muls r3, r5, r3",
                    "add r8, r3",
                    "ldrb r5, [r0, #8]",
                    "sxtb r5, r5",
                    "muls r4, r5, r4",
                    "add r8, r4",
                    "ldm r1!, {{r2, r3, r4}}",
                    "ldrb r5, [r0, #9]",
                    "sxtb r5, r5",
                    "muls r2, r5, r2",
                    "add r8, r2",
                    "ldrb r5, [r0, #10]",
                    "sxtb r5, r5",
                    "muls r3, r5, r3",
                    "add r8, r3",
                    "ldrb r5, [r0, #11]",
                    "sxtb r5, r5",
                    "muls r4, r5, r4",
                    "add r8, r4",
                    "ldm r1!, {{r2, r3, r4}}",
                    "ldrb r5, [r0, #12]",
                    "sxtb r5, r5",
                    "muls r2, r5, r2",
                    "add r8, r2",
                    "ldrb r5, [r0, #13]",
                    "sxtb r5, r5",
                    "muls r3, r5, r3",
                    "add r8, r3",
                    "ldrb r5, [r0, #14]",
                    "sxtb r5, r5",
                    "muls r4, r5, r4",
                    "add r8, r4",
                    "ldm r1!, {{r2}}",
                    "ldrb r5, [r0, #15]",
                    "sxtb r5, r5",
                    "muls r2, r5, r2",
                    "add r8, r2",
                    "mov r5, r8",
                    inout("r0") w.as_ptr() => _,
                    inout("r1") x.as_ptr() => _,
                    out("r2") _,
                    out("r3") _,
                    out("r4") _,
                    inout("r5") r5,
                    out("r8") _,
                    options(nostack, readonly),
                );
            }
            acc = r5;
        }
        acc.wrapping_add(super::dot_widened(w, packed, 16 * blocks))
    }

    /// [`super::packed`] on ARMv6-M: `h` widened to int32, four values per
    /// `asm!` block (4 × `LDRH` + 4 × `SXTH` + one `STM`: 2.5 instructions
    /// a value; Thumb-1's `LDRSH` takes only a register offset, which cost
    /// a register and a spilled constant per value), the `N % 4` rest in
    /// Rust.
    #[inline(always)]
    pub(super) fn widened<const N: usize>(h: &[i16; N]) -> [i32; N] {
        let mut out = core::mem::MaybeUninit::<[i32; N]>::uninit();
        let base = out.as_mut_ptr().cast::<i32>();
        for b in 0..N / 4 {
            // SAFETY: the block reads h[4b..4b + 4] (halfword loads at
            // offsets 0 to 6 from `&h[4b]`, 2-aligned) and writes the four
            // words from `base + 4b` (4-aligned, inside `out`); only the
            // named registers and the flags are written.
            unsafe {
                core::arch::asm!(
                    "ldrh r2, [r0, #0]",
                    "ldrh r3, [r0, #2]",
                    "ldrh r4, [r0, #4]",
                    "ldrh r5, [r0, #6]",
                    "sxth r2, r2",
                    "sxth r3, r3",
                    "sxth r4, r4",
                    "sxth r5, r5",
                    "stm r1!, {{r2, r3, r4, r5}}",
                    in("r0") h.as_ptr().add(4 * b),
                    inout("r1") base.add(4 * b) => _,
                    out("r2") _,
                    out("r3") _,
                    out("r4") _,
                    out("r5") _,
                    options(nostack, preserves_flags),
                );
            }
        }
        for (k, &v) in h.iter().enumerate().skip(4 * (N / 4)) {
            // SAFETY: `k < N`: inside `out`.
            unsafe { base.add(k).write(i32::from(v)) };
        }
        // SAFETY: the blocks wrote words 0..4·(N/4), the loop the rest.
        unsafe { out.assume_init() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::fixed::dot_i16;
    use std::vec;
    use std::vec::Vec;

    /// Deterministic pseudo-random values (xorshift), full int8/int16 ranges.
    fn values(seed: u32, n: usize) -> (Vec<i8>, Vec<i16>) {
        let mut s = seed.max(1);
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            s
        };
        let w = (0..n).map(|_| next() as i8).collect();
        let h = (0..n).map(|_| (next() >> 8) as i16).collect();
        (w, h)
    }

    #[test]
    fn pairs_layout_and_lanes_equal_the_plain_dot_product() {
        for n in 0..=37 {
            for seed in 1..=20u32 {
                let (mut w, mut h) = values(seed * 97 + n as u32, n);
                if seed == 1 {
                    // The extremes: every product at its largest magnitude.
                    w.iter_mut().for_each(|v| *v = i8::MIN);
                    h.iter_mut().for_each(|v| *v = i16::MIN);
                }
                let mut packed = vec![0x5A5A_5A5Ai32; n];
                pack_pairs(&h, &mut packed);
                assert_eq!(
                    dot_pairs(&w, &packed, 0),
                    dot_i16(&w, &h),
                    "n {n} seed {seed}"
                );
                // Starting at a group skips exactly those groups' products.
                let groups = n / 4;
                for start in 0..=groups {
                    let skipped = dot_i16(&w[..4 * start], &h[..4 * start]);
                    assert_eq!(
                        dot_pairs(&w, &packed, start),
                        dot_i16(&w, &h).wrapping_sub(skipped)
                    );
                }
            }
        }
    }

    #[test]
    fn pairs_layout_puts_even_and_odd_halves_in_place() {
        let h = [1i16, -2, 3, -4, 5];
        let mut packed = [0i32; 5];
        pack_pairs(&h, &mut packed);
        assert_eq!(packed[0] as u32, 0x0003_0001);
        assert_eq!(packed[1] as u32, 0xFFFC_FFFE);
        assert_eq!(packed[4], 5);
    }

    #[test]
    fn the_selected_kernel_equals_the_plain_dot_product() {
        for n in 0..=40 {
            let (w, h) = values(7 + n as u32, n);
            let mut packed = vec![0i32; n];
            pack(&h, &mut packed);
            assert_eq!(dot(0, &w, &packed), dot_i16(&w, &h), "n {n}");
            assert_eq!(dot(-7, &w, &packed), dot_i16(&w, &h).wrapping_sub(7));
            // Mismatched lengths never panic: the shorter one rules.
            assert_eq!(
                dot(1, &w[..n / 2], &packed),
                dot(1, &w[..n / 2], &packed[..n / 2])
            );
        }
    }
}
