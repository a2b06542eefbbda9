//! Fixed-point tanh and sigmoid: Q3.12 input (int16, `x / 4096`, so
//! `[-8, 8)`), Q15 output (int16, `y / 32768`), by linear interpolation in
//! one 513-entry table of `tanh` on `[0, 8]` (`tanh_table.rs`).
//!
//! The Q3.12 gate input and Q15 gate output are those of CMSIS-NN's int16
//! LSTM (`arm_nn_activation_s16`), which interpolates a 513-entry sigmoid
//! table; here one tanh table serves both functions through
//! `σ(x) = (1 + tanh(x / 2)) / 2`, and both are odd-symmetric around their
//! centre, so only `|x|` is looked up.
//!
//! Maximum error, measured over every int16 input against f64
//! `libm::tanh` and `1 / (1 + exp(-x))` (test `quant_activation`):
//! [`TANH_MAX_ERROR_Q15`] and [`SIGMOID_MAX_ERROR_Q15`] units of `2^-15`.

use super::tanh_table::TANH_Q15;

/// Largest |[`tanh_q15`]`(x) − 32768 · tanh(x / 4096)|` over every int16 `x`,
/// in Q15 units (`2^-15`), as measured by the exhaustive test.
pub const TANH_MAX_ERROR_Q15: f64 = 1.53;
/// Largest |[`sigmoid_q15`]`(x) − 32768 · σ(x / 4096)|` over every int16 `x`,
/// in Q15 units, as measured by the exhaustive test.
pub const SIGMOID_MAX_ERROR_Q15: f64 = 0.97;

/// `tanh` of `|x|` for `a = |x|` in `2^-(6 + frac_bits)` steps of the table.
#[inline(always)]
fn tanh_magnitude(a: u32, frac_bits: u32) -> i32 {
    let index = (a >> frac_bits) as usize;
    let frac = (a & ((1 << frac_bits) - 1)) as i32;
    let (Some(&lo), Some(&hi)) = (TANH_Q15.get(index), TANH_Q15.get(index + 1)) else {
        return i32::from(i16::MAX);
    };
    let (lo, hi) = (i32::from(lo), i32::from(hi));
    lo + (((hi - lo) * frac + (1 << (frac_bits - 1))) >> frac_bits)
}

/// Fixed-point `tanh`: `x` in Q3.12, result in Q15, in `[-32767, 32767]`.
///
/// Saturating by construction (the table ends at `tanh(8)`, which rounds
/// to 32767). Never panics. Error: [`TANH_MAX_ERROR_Q15`].
#[inline]
pub fn tanh_q15(x: i16) -> i16 {
    let a = u32::from(x.unsigned_abs()).min(32767);
    let t = tanh_magnitude(a, 6).min(32767);
    (if x < 0 { -t } else { t }) as i16
}

/// Fixed-point logistic sigmoid `1 / (1 + e^-x)`: `x` in Q3.12, result in
/// Q15, in `[0, 32767]`.
///
/// Computed as `(1 + tanh(x / 2)) / 2`, with the halving folded into the
/// table lookup (7 fractional bits instead of 6). Never panics. Error:
/// [`SIGMOID_MAX_ERROR_Q15`].
#[inline]
pub fn sigmoid_q15(x: i16) -> i16 {
    let a = u32::from(x.unsigned_abs()).min(32767);
    let t = tanh_magnitude(a, 7);
    let s = (32768 + t + 1) >> 1;
    (if x < 0 { 32768 - s } else { s.min(32767) }) as i16
}

/// [`tanh_q15`]`(saturate(v))` for an int32 `v` in Q3.12, with one
/// comparison for the saturation: `|v| >= 32767` gives `±tanh_q15(32767)`.
/// The form the integer LSTM uses after its requantization (on a
/// Cortex-M0 every clamp is a compare and a branch); on ARMv7E-M an
/// `asm!` block of 13 instructions (`super::arm_dsp`), the same result.
/// Never panics.
#[inline(always)]
pub fn tanh_q15_i32(v: i32) -> i16 {
    #[cfg(rnn_arm_dsp)]
    {
        super::arm_dsp::tanh(v)
    }
    #[cfg(not(rnn_arm_dsp))]
    {
        tanh_q15_i32_portable(v)
    }
}

/// [`tanh_q15_i32`] in portable Rust: the reference.
#[cfg(not(rnn_arm_dsp))]
#[inline(always)]
fn tanh_q15_i32_portable(v: i32) -> i16 {
    let a = v.unsigned_abs();
    // Below the saturation the interpolation stays within the table's
    // values (at most 32767): no clamp needed.
    let t = if a >= 32767 {
        TANH_AT_MAX
    } else {
        tanh_magnitude(a, 6)
    };
    (if v < 0 { -t } else { t }) as i16
}

/// [`sigmoid_q15`]`(saturate(v))` for an int32 `v` in Q3.12, with one
/// comparison for the saturation (see [`tanh_q15_i32`]; on ARMv7E-M the
/// same way, in `asm!`). Never panics.
#[inline(always)]
pub fn sigmoid_q15_i32(v: i32) -> i16 {
    #[cfg(rnn_arm_dsp)]
    {
        super::arm_dsp::sigmoid(v)
    }
    #[cfg(not(rnn_arm_dsp))]
    {
        sigmoid_q15_i32_portable(v)
    }
}

/// [`sigmoid_q15_i32`] in portable Rust: the reference.
#[cfg(not(rnn_arm_dsp))]
#[inline(always)]
fn sigmoid_q15_i32_portable(v: i32) -> i16 {
    let a = v.unsigned_abs();
    let t = if a >= 32767 {
        TANH_HALF_AT_MAX
    } else {
        tanh_magnitude(a, 7)
    };
    // t <= tanh(4) in Q15 (32746), so s <= 32757: no clamp needed.
    let s = (32768 + t + 1) >> 1;
    (if v < 0 { 32768 - s } else { s }) as i16
}

/// `tanh_magnitude(32767, 6)`, clamped as in [`tanh_q15`].
#[cfg(not(rnn_arm_dsp))]
const TANH_AT_MAX: i32 = 32767;
/// `tanh_magnitude(32767, 7)`: `tanh(32767 / 8192)` interpolated.
#[cfg(not(rnn_arm_dsp))]
const TANH_HALF_AT_MAX: i32 = {
    let (lo, hi) = (TANH_Q15[255] as i32, TANH_Q15[256] as i32);
    lo + (((hi - lo) * 127 + 64) >> 7)
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int32_forms_equal_the_saturated_int16_forms() {
        let sat = |v: i32| v.clamp(-32768, 32767) as i16;
        for v in (-40_000..=40_000).chain([i32::MIN, i32::MIN + 1, -65_536, 65_536, i32::MAX]) {
            assert_eq!(tanh_q15_i32(v), tanh_q15(sat(v)), "tanh {v}");
            assert_eq!(sigmoid_q15_i32(v), sigmoid_q15(sat(v)), "sigmoid {v}");
        }
    }

    /// The arithmetic of the ARMv7E-M forms (`arm_dsp::sigmoid`, `tanh`):
    /// `|sat16(v)|` (clamped to 32767 for tanh), both table entries weighted
    /// by one dual multiply-add, the rounding (and the sigmoid's halving)
    /// in its accumulator.
    fn dsp_form(v: i32, sigmoid: bool) -> i16 {
        let v = v.clamp(-32768, 32767);
        let b = if sigmoid { 7 } else { 6 };
        let a = if sigmoid { v.abs() } else { v.abs().min(32767) };
        let (i, f) = ((a >> b) as usize, a & ((1 << b) - 1));
        let (lo, hi) = (i32::from(TANH_Q15[i]), i32::from(TANH_Q15[i + 1]));
        let k = if sigmoid { 64 + 32769 * 128 } else { 32 };
        let r = (lo * ((1 << b) - f) + hi * f + k) >> (b + i32::from(sigmoid));
        (match (sigmoid, v < 0) {
            (true, true) => 32768 - r,
            (false, true) => -r,
            _ => r,
        }) as i16
    }

    #[test]
    fn dsp_forms_equal_the_portable_forms() {
        for v in (-40_000..=40_000).chain([i32::MIN, i32::MIN + 1, -65_536, 65_536, i32::MAX]) {
            assert_eq!(dsp_form(v, false), tanh_q15_i32(v), "tanh {v}");
            assert_eq!(dsp_form(v, true), sigmoid_q15_i32(v), "sigmoid {v}");
        }
    }

    #[test]
    fn table_entries_are_rounded_tanh() {
        for (k, &v) in TANH_Q15.iter().enumerate() {
            let exact = libm::round(libm::tanh(k as f64 / 64.0) * 32768.0).min(32767.0);
            assert_eq!(f64::from(v), exact, "entry {k}");
        }
    }

    #[test]
    fn symmetric_and_monotone() {
        let mut last_t = i16::MIN;
        let mut last_s = i16::MIN;
        for x in i16::MIN..=i16::MAX {
            let (t, s) = (tanh_q15(x), sigmoid_q15(x));
            assert!(t >= last_t && s >= last_s, "not monotone at {x}");
            (last_t, last_s) = (t, s);
            if x > i16::MIN {
                assert_eq!(tanh_q15(-x), -t);
                let sum = i32::from(sigmoid_q15(-x)) + i32::from(s);
                assert!(sum == 32768 || (sum == 32767 && s == 32767), "{x}");
            }
        }
    }
}
