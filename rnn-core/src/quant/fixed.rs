//! Fixed-point primitives: the requantizing multiply, rounding shifts,
//! saturation and the dot products of the integer kernels.
//!
//! A real multiplier `M` in `[2^-17, 2^-1)` is stored as `mult · 2^-(15 + shift)`
//! with `mult` in `[2^14, 2^15)` (a Q15 mantissa) and `shift` in `1..=16`:
//! the "quantized multiplier and shift" of Jacob et al., *Quantization and
//! Training of Neural Networks for Efficient Integer-Arithmetic-Only
//! Inference* (CVPR 2018, §2.2), as TensorFlow Lite and CMSIS-NN
//! (`arm_nn_requantize`) use it. TFLite and CMSIS-NN keep a 31-bit mantissa
//! and need a 32 × 32 → 64-bit multiply per output; here the mantissa has
//! 15 bits, so [`rescale`] is exact with two 32-bit multiplies, which the
//! Cortex-M0 (no `SMULL`) does in one instruction each.

/// Smallest stored multiplier mantissa (`2^14`, that is 0.5 in Q15).
pub const MULT_MIN: u16 = 1 << 14;
/// Largest stored multiplier mantissa (`2^15 - 1`).
pub const MULT_MAX: u16 = (1 << 15) - 1;
/// Smallest stored shift.
pub const SHIFT_MIN: u8 = 1;
/// Largest stored shift.
pub const SHIFT_MAX: u8 = 16;

/// Bits of a stored shift byte that hold the requantization shift; the
/// three bits above hold the row's input shift `k` (see [`split_shift`]).
pub const SHIFT_BITS: u8 = 5;
/// Largest input shift `k` of a row.
pub const INPUT_SHIFT_MAX: u8 = 7;

/// A stored shift byte as `(requantization shift, input shift k)`.
///
/// A recurrent row whose input weights `W` are larger than its recurrent
/// weights `U` stores `W` with scale `s · 2^k` and `U` with scale `s`, and
/// its accumulator adds `(W · x) << k`: both parts keep their int8
/// resolution while sharing one accumulator and one requantization.
#[inline(always)]
pub fn split_shift(byte: u8) -> (u8, u32) {
    (
        byte & ((1 << SHIFT_BITS) - 1),
        u32::from(byte >> SHIFT_BITS),
    )
}

/// `round(acc · mult / 2^(15 + shift))`, halves rounded up (towards +∞),
/// exactly, with 32-bit multiplies only.
///
/// `acc = hi · 2^16 + lo` with `lo` in `[0, 2^16)`: both `hi · mult` and
/// `lo · mult` fit 32 bits, and the floor of a sum divided by a power of
/// two can be taken in two stages.
///
/// On ARMv7E-M one `SMMULR` (`super::arm_dsp`), the same result.
///
/// Requires `mult <= MULT_MAX` and `shift` in `SHIFT_MIN..=SHIFT_MAX` (the
/// loader and the quantizer guarantee it); other values give a wrong result
/// (not necessarily the same on every target) but never panic.
#[inline(always)]
pub fn rescale(acc: i32, mult: u16, shift: u8) -> i32 {
    #[cfg(rnn_arm_dsp)]
    {
        super::arm_dsp::rescale(acc, mult, shift)
    }
    #[cfg(not(rnn_arm_dsp))]
    {
        rescale_portable(acc, mult, shift)
    }
}

/// [`rescale`] in portable Rust (the reference, and the kernel of every
/// target without the DSP extension).
#[cfg(not(rnn_arm_dsp))]
#[inline(always)]
fn rescale_portable(acc: i32, mult: u16, shift: u8) -> i32 {
    let m = i32::from(mult);
    // `shift` in 1..=16 unchanged; any other byte mapped into that range
    // by masking (no compare and branch on a Cortex-M0).
    let t = 16 + u32::from(shift.wrapping_sub(1) & 15);
    let hi = acc >> 16;
    let lo = (acc & 0xFFFF) as u32;
    // With mult <= MULT_MAX: lo · m < 2^31 and 2^(t-1) <= 2^30, no
    // overflow in u32, and hi · m fits i32. A larger mult wraps (wrong,
    // never a panic); no mask, so no instruction spent on it.
    let low = lo.wrapping_mul(m as u32).wrapping_add(1u32 << (t - 1));
    hi.wrapping_mul(m).wrapping_add((low >> 16) as i32) >> (t - 16)
}

/// `round(v / 2^s)`, halves up; `s = 0` returns `v`. `s` must be below 31.
#[inline(always)]
pub fn round_shift(v: i32, s: u32) -> i32 {
    if s == 0 {
        v
    } else {
        v.wrapping_add(1 << (s - 1)) >> s
    }
}

/// `v` clamped to the int16 range.
#[inline(always)]
pub fn saturate(v: i32) -> i16 {
    v.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}

/// `Σ w[k] · x[k]` in 32 bits (wrapping; the quantizer and loader bound
/// every row so it cannot wrap).
#[inline(always)]
pub fn dot_i16(w: &[i8], x: &[i16]) -> i32 {
    w.iter().zip(x).fold(0i32, |acc, (&w, &x)| {
        acc.wrapping_add(i32::from(w) * i32::from(x))
    })
}

/// `Σ w[k] · x[k]` with 32-bit inputs (a layer input shifted to the hidden
/// state's scale).
#[inline(always)]
pub fn dot_i32(w: &[i8], x: &[i32]) -> i32 {
    w.iter().zip(x).fold(0i32, |acc, (&w, &x)| {
        acc.wrapping_add(i32::from(w).wrapping_mul(x))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(acc: i32, mult: u16, shift: u8) -> i32 {
        let t = 15 + u32::from(shift);
        let p = i64::from(acc) * i64::from(mult);
        ((p + (1i64 << (t - 1))) >> t) as i32
    }

    /// The arithmetic of the ARMv7E-M form (`arm_dsp::rescale`): a 31-bit
    /// multiplier and `SMMULR`'s rounded top word.
    fn smmulr_form(acc: i32, mult: u16, shift: u8) -> i32 {
        let m = (u32::from(mult) << 17) >> shift;
        ((i64::from(acc) * i64::from(m as i32) + (1i64 << 31)) >> 32) as i32
    }

    #[test]
    fn rescale_is_exact_at_the_edges() {
        let accs = [
            i32::MIN,
            i32::MIN + 1,
            -65537,
            -65536,
            -65535,
            -32769,
            -1,
            0,
            1,
            32767,
            65535,
            65536,
            i32::MAX - 1,
            i32::MAX,
        ];
        for &acc in &accs {
            for &mult in &[MULT_MIN, MULT_MIN + 1, 23_170, MULT_MAX] {
                for shift in SHIFT_MIN..=SHIFT_MAX {
                    assert_eq!(
                        rescale(acc, mult, shift),
                        exact(acc, mult, shift),
                        "{acc} {mult} {shift}"
                    );
                    assert_eq!(smmulr_form(acc, mult, shift), exact(acc, mult, shift));
                }
            }
        }
    }

    #[test]
    fn rescale_is_exact_on_a_sweep() {
        let mut acc: i32 = -2_000_000_000;
        while acc < 2_000_000_000 {
            for shift in [1u8, 7, 16] {
                assert_eq!(rescale(acc, 30_001, shift), exact(acc, 30_001, shift));
                assert_eq!(smmulr_form(acc, 30_001, shift), exact(acc, 30_001, shift));
            }
            acc += 999_983;
        }
    }
}
