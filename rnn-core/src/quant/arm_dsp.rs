//! The requantization and the gate activations on ARMv7E-M (cfg
//! `rnn_arm_dsp`, set by `build.rs` for `thumbv7em-*`: Cortex-M4, M4F, M7),
//! in inline `asm!`, bit-identical to the portable forms in
//! [`super::fixed`] and [`super::activation`] (the host tests check the
//! arithmetic below against them; the firmware's QEMU parity check,
//! `scripts/firmware-test.sh`, tolerance 0, checks the `asm!` itself).
//!
//! - [`rescale`]: `round(acc · mult / 2^(15 + shift))` is
//!   `round(acc · M / 2^32)` with `M = mult · 2^(17 - shift)`
//!   (`< 2^31` for `mult < 2^15`, `shift >= 1`), which `SMMULR` (signed 32 × 32, the top
//!   word of the 64-bit product, rounded half up: ARMv7-M ARM DDI 0403E,
//!   A7.7.143) computes in one instruction: the 31-bit multiplier of
//!   TFLite and CMSIS-NN's `arm_nn_requantize`, derived from the 15-bit one.
//! - [`sigmoid`], [`tanh`]: the table interpolation
//!   `lo + ((hi - lo) · f + 2^(b-1)) >> b` is `(lo · (2^b - f) + hi · f + 2^(b-1)) >> b`
//!   (`lo · 2^b` is a multiple of `2^b`); one unaligned `LDR` reads `lo`
//!   and `hi` (adjacent int16 entries) as the two halves of a word and one
//!   `SMLAD` (A7.7.120) forms both products and adds the rounding term,
//!   with the sigmoid's `(2^15 + t + 1) >> 1` folded into it as well.
#![allow(unsafe_code)]

use super::tanh_table::TANH_Q15;

/// [`super::fixed::rescale`] by `SMMULR`, same arguments, same result for
/// `mult <= MULT_MAX` and `shift` in `SHIFT_MIN..=SHIFT_MAX` (other values
/// give a wrong result, as there, but not necessarily the same wrong one).
#[inline(always)]
pub(crate) fn rescale(acc: i32, mult: u16, shift: u8) -> i32 {
    let r: i32;
    // SAFETY: register-only shifts and multiply; no memory, no flags.
    // `LSR` by a register uses its low byte: a `shift` of 17 to 255 gives
    // 0 (no fault).
    unsafe {
        core::arch::asm!(
            // M = mult · 2^(17 - shift): exact, as the low 17 bits of
            // mult << 17 are zero.
            "lsl {m}, {m}, #17",
            "lsr {m}, {m}, {s}",
            "smmulr {r}, {a}, {m}",
            r = lateout(reg) r,
            a = in(reg) acc,
            m = inout(reg) u32::from(mult) => _,
            s = in(reg) u32::from(shift),
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    r
}

/// [`rescale`] of row `G · H` of `mult` and `shift` (the row of gate `G`
/// when both slices start at a unit's row of the first gate): the asm loads
/// both parameters itself, by immediate offsets from the two slices'
/// starts, so that the caller keeps two pointers live, not the row's
/// values (the LSTM's step kept every gate's shift byte on the stack
/// across the products). `None` when a slice is too short.
#[inline(always)]
pub(crate) fn rescale_row<const G: usize, const H: usize>(
    acc: i32,
    mult: &[u16],
    shift: &[u8],
) -> Option<i32> {
    if mult.len() <= G * H || shift.len() <= G * H {
        return None;
    }
    let r: i32;
    // SAFETY: reads mult[G·H] (aligned halfword) and shift[G·H], both
    // inside their slices (checked above); otherwise register-only, no
    // flags, as in [`rescale`].
    unsafe {
        core::arch::asm!(
            "ldrh {m}, [{mp}, #{mo}]",
            "ldrb {s}, [{sp}, #{so}]",
            "and {s}, {s}, #31",
            "lsl {m}, {m}, #17",
            "lsr {m}, {m}, {s}",
            "smmulr {r}, {a}, {m}",
            mo = const 2 * G * H,
            so = const G * H,
            mp = in(reg) mult.as_ptr(),
            sp = in(reg) shift.as_ptr(),
            m = out(reg) _,
            s = out(reg) _,
            r = lateout(reg) r,
            a = in(reg) acc,
            options(pure, readonly, nostack, preserves_flags),
        );
    }
    Some(r)
}

/// `(2^15 + t + 1) >> 1` of [`super::activation::sigmoid_q15_i32`] with
/// `t = (X + 64) >> 7`, as one accumulator term: `(X + SIGMOID_K) >> 8`.
const SIGMOID_K: i32 = 64 + (32768 + 1) * 128;

/// [`super::activation::sigmoid_q15_i32`], bit for bit, for every `v`.
#[inline(always)]
pub(crate) fn sigmoid(v: i32) -> i16 {
    let r: i32;
    // SAFETY: reads TANH_Q15[i] and TANH_Q15[i + 1] with one unaligned
    // word load at byte offset 2i (allowed on ARMv7-M with CCR.UNALIGN_TRP
    // clear, its reset value), where i = |sat16(v)| >> 7 <= 256: inside the
    // 513 entries. Writes only the named registers and the flags.
    unsafe {
        core::arch::asm!(
            "ssat {v}, #16, {v}",
            "eor {a}, {v}, {v}, asr #31",
            "sub {a}, {a}, {v}, asr #31",
            "lsr {i}, {a}, #7",
            "and {a}, {a}, #127",
            "ldr {r}, [{t}, {i}, lsl #1]",
            "rsb {i}, {a}, {a}, lsl #16",
            "add {i}, {i}, #128",
            "smlad {r}, {r}, {i}, {k}",
            "asr {r}, {r}, #8",
            "cmp {v}, #0",
            "it lt",
            "rsblt {r}, {r}, #32768",
            v = inout(reg) v => _,
            a = out(reg) _,
            i = out(reg) _,
            r = out(reg) r,
            t = in(reg) TANH_Q15.as_ptr(),
            k = in(reg) SIGMOID_K,
            options(pure, readonly, nostack),
        );
    }
    r as i16
}

/// [`super::activation::tanh_q15_i32`], bit for bit, for every `v`.
#[inline(always)]
pub(crate) fn tanh(v: i32) -> i16 {
    let r: i32;
    // SAFETY: reads TANH_Q15[i] and TANH_Q15[i + 1] with one unaligned
    // word load at byte offset 2i, where i = min(|sat16(v)|, 32767) >> 6
    // <= 511: inside the 513 entries. Writes only the named registers and
    // the flags.
    unsafe {
        core::arch::asm!(
            "ssat {v}, #16, {v}",
            "eor {a}, {v}, {v}, asr #31",
            "sub {a}, {a}, {v}, asr #31",
            "usat {a}, #15, {a}",
            "lsr {i}, {a}, #6",
            "and {a}, {a}, #63",
            "ldr {r}, [{t}, {i}, lsl #1]",
            "rsb {i}, {a}, {a}, lsl #16",
            "add {i}, {i}, #64",
            "smlad {r}, {r}, {i}, {k}",
            "asr {r}, {r}, #6",
            "eor {r}, {r}, {v}, asr #31",
            "sub {r}, {r}, {v}, asr #31",
            v = inout(reg) v => _,
            a = out(reg) _,
            i = out(reg) _,
            r = out(reg) r,
            t = in(reg) TANH_Q15.as_ptr(),
            k = in(reg) 32,
            options(pure, readonly, nostack),
        );
    }
    r as i16
}
