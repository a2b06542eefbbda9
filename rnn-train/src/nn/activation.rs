//! The activations of [`rnn_core::Activation`], with their derivatives
//! written in terms of the activation's output (what the caches hold).
//! In `f64` (gradient checks) sigmoid and tanh are this module's kernels,
//! below; in `f32` (the default) they are rnn-core's
//! ([`rnn_core::Kernel::activate`] on the CPU's vector kernel): the fast
//! bounded rationals the deployed model runs, within 2.5e-7 (sigmoid) and
//! 4.3e-7 (tanh) absolute, 8 or 16 lanes at a time.
//!
//! The `f64` exponential here is a branch-free polynomial (no libm call), so that loops over
//! a slice of gate values vectorize; libm's `exp`/`tanh` calls took more than
//! half of the training time. Accuracy, tested below against `f64::exp` and
//! `f64::tanh`: `p/q` of [`exp_fraction`] within 5e-16 relative of `e^x`,
//! [`sigmoid`] within 6e-16 relative and [`tanh`] within 4e-16 absolute.

use rnn_core::Activation;

use super::real::Real;

/// `e^x` as a fraction `(p, q)`, `e^x = p / q`, branch-free, so that
/// sigmoid and tanh need one division each.
///
/// fdlibm's `e_exp.c` reduction without its branches: `x = k·ln2 + r`,
/// `|r| ≤ ln2/2` (ln2 split in a high and a low part), and its rational
/// approximation `e^r = 1 + r + r·c/(2 − c)` with
/// `c = r − r²(P1 + r²(P2 + … + r²P5))`, which is `(2 + 2r − c) / (2 − c)`;
/// `2^k` is built in the exponent bits and multiplies `p`. `x` is clamped
/// to `[−708, 708]` (so `2^k` stays normal and `p` finite); NaN in, NaN out.
#[inline(always)]
fn exp_fraction(x: f64) -> (f64, f64) {
    const LOG2_E: f64 = std::f64::consts::LOG2_E;
    const LN2_HI: f64 = 0.693_147_180_369_123_8;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    const P1: f64 = 0.166_666_666_666_666_02;
    const P2: f64 = -2.777_777_777_701_559_3e-3;
    const P3: f64 = 6.613_756_321_437_934e-5;
    const P4: f64 = -1.653_390_220_546_525_2e-6;
    const P5: f64 = 4.138_136_797_057_238_5e-8;
    // 1.5·2⁵²: adding it rounds to an integer held in the low mantissa bits.
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    let x = x.clamp(-708.0, 708.0);
    let shifted = x * LOG2_E + SHIFT;
    let k = shifted - SHIFT;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let r2 = r * r;
    let c = r - r2 * (P1 + r2 * (P2 + r2 * (P3 + r2 * (P4 + r2 * P5))));
    // The low bits of `shifted` hold k (two's complement); k + 1023 is the
    // biased exponent of 2^k, and the shift drops every higher bit.
    let two_k = f64::from_bits(shifted.to_bits().wrapping_add(1023) << 52);
    ((2.0 + 2.0 * r - c) * two_k, 2.0 - c)
}

/// Logistic sigmoid `1 / (1 + e^-x) = q / (q + p)` for `e^-x = p/q`, exact
/// as Keras 3's (not `hard_sigmoid`); saturates to 0 and 1 without NaN.
#[inline(always)]
pub(crate) fn sigmoid(x: f64) -> f64 {
    let (p, q) = exp_fraction(-x);
    q / (q + p)
}

/// Hyperbolic tangent, branch-free, one division.
///
/// `tanh|x| = (1 − t) / (1 + t) = (q − p) / (q + p)` for
/// `t = e^{−2|x|} = p/q`; below `|x| = 1e-3` the series
/// `x − x³/3 + 2x⁵/15` (next term `17x⁷/315` < 1e-22), which keeps the
/// relative accuracy where `1 − t` cancels. Saturates to ±1; NaN in, NaN out.
#[inline(always)]
pub(crate) fn tanh(x: f64) -> f64 {
    let a = x.abs();
    let a2 = a * a;
    let series = a * (1.0 - a2 * (1.0 / 3.0 - a2 * (2.0 / 15.0)));
    let (p, q) = exp_fraction(-2.0 * a);
    let ratio = (q - p) / (q + p);
    let y = if a < 1e-3 { series } else { ratio };
    y.copysign(x)
}

/// Applies `act` to one `f64` value.
#[inline(always)]
fn apply(act: Activation, x: f64) -> f64 {
    match act {
        Activation::Linear => x,
        Activation::Relu => {
            if x < 0.0 {
                0.0
            } else {
                x
            }
        }
        Activation::Tanh => tanh(x),
        Activation::Sigmoid => sigmoid(x),
        // The softmax of a one-element vector, as rnn-core's `apply`.
        Activation::Softmax => {
            if x.is_nan() {
                x
            } else {
                1.0
            }
        }
    }
}

/// Sigmoid of every value of `values`, in place ([`Real::activate`]).
pub(crate) fn sigmoid_slice<T: Real>(values: &mut [T]) {
    T::activate(Activation::Sigmoid, values);
}

/// Tanh of every value of `values`, in place ([`Real::activate`]).
pub(crate) fn tanh_slice<T: Real>(values: &mut [T]) {
    T::activate(Activation::Tanh, values);
}

/// Applies `act` to every value of `values` in place ([`Real::activate`]).
pub(crate) fn apply_slice<T: Real>(act: Activation, values: &mut [T]) {
    T::activate(act, values);
}

/// The `f64` activations of [`Real::activate`]: this module's kernels,
/// one loop per activation, so each vectorizes.
pub(crate) fn apply_slice_f64(act: Activation, values: &mut [f64]) {
    match act {
        Activation::Linear => {}
        Activation::Relu => values
            .iter_mut()
            .for_each(|v| *v = apply(Activation::Relu, *v)),
        Activation::Tanh => values.iter_mut().for_each(|v| *v = tanh(*v)),
        Activation::Sigmoid => values.iter_mut().for_each(|v| *v = sigmoid(*v)),
        Activation::Softmax => softmax_f64(values),
    }
}

/// Softmax over `values` in `f64` (`e^(x - max)` normalized), for the
/// forward pass; `Architecture::validate` keeps softmax out of training.
fn softmax_f64(values: &mut [f64]) {
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for v in values.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    values.iter_mut().for_each(|v| *v /= sum);
}

/// `act'(x)` given `y = act(x)`: linear 1, relu `[y > 0]` (0 at the kink, as
/// TensorFlow and JAX take it), tanh `1 − y²`, sigmoid `y(1 − y)`.
#[inline]
pub(crate) fn derivative_from_output<T: Real>(act: Activation, y: T) -> T {
    match act {
        Activation::Linear => T::one(),
        Activation::Relu => {
            if y > T::zero() {
                T::one()
            } else {
                T::zero()
            }
        }
        Activation::Tanh => T::one() - y * y,
        Activation::Sigmoid => y * (T::one() - y),
        // Not element-wise (a Jacobian); `Architecture::validate` refuses
        // softmax networks, so no gradient ever asks for it.
        Activation::Softmax => unreachable!("Architecture::validate refuses softmax"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sweep over `[-lim, lim]` plus irregular offsets.
    fn sweep(lim: f64) -> impl Iterator<Item = f64> {
        (-400_000..=400_000).map(move |k| k as f64 / 400_000.0 * lim + 1.3e-9 * k as f64)
    }

    fn exp(x: f64) -> f64 {
        let (p, q) = exp_fraction(x);
        p / q
    }

    #[test]
    fn exp_fraction_is_within_5e16_relative() {
        let mut worst = 0.0f64;
        for x in sweep(707.99)
            .chain(sweep(1.0))
            .chain([0.0, -1e-300, 1e-17, 707.99])
        {
            worst = worst.max(((exp(x) - x.exp()) / x.exp()).abs());
        }
        assert!(worst <= 5e-16, "worst relative error {worst:e}");
        assert!(exp(f64::NAN).is_nan());
        assert!(exp(-1e6) > 0.0 && exp(-1e6) < 1e-307);
        assert!(exp(1e6).is_finite());
    }

    #[test]
    fn sigmoid_within_6e16_and_tanh_within_4e16_of_std() {
        let (mut worst_sigmoid, mut worst_tanh) = (0.0f64, 0.0f64);
        for x in sweep(40.0).chain(sweep(1e-2)) {
            let s = 1.0 / (1.0 + (-x).exp());
            worst_sigmoid = worst_sigmoid.max((sigmoid(x) - s).abs() / s);
            worst_tanh = worst_tanh.max((tanh(x) - x.tanh()).abs());
        }
        assert!(worst_sigmoid <= 6e-16, "sigmoid: {worst_sigmoid:e}");
        assert!(worst_tanh <= 4e-16, "tanh: {worst_tanh:e}");
        for x in [
            1e-300, 1e-12, 1e-5, 9.99e-4, 1e-3, 1.0001e-3, 0.3, 19.0, 50.0, 1e300,
        ] {
            for x in [x, -x] {
                let err = (tanh(x) - x.tanh()).abs();
                assert!(err <= 1e-13 * x.tanh().abs(), "relative error at {x}");
            }
        }
    }

    #[test]
    fn saturation_and_nan() {
        assert_eq!(sigmoid(1000.0), 1.0);
        assert!(sigmoid(-1000.0) < 1e-300);
        assert_eq!(tanh(f64::INFINITY), 1.0);
        assert_eq!(tanh(f64::NEG_INFINITY), -1.0);
        for act in [Activation::Relu, Activation::Tanh, Activation::Sigmoid] {
            let mut v = [f64::NAN];
            apply_slice(act, &mut v);
            assert!(v[0].is_nan(), "{act:?} hid a NaN");
        }
    }

    #[test]
    fn derivatives_match_central_differences() {
        let h = 1e-6;
        for act in [
            Activation::Linear,
            Activation::Relu,
            Activation::Tanh,
            Activation::Sigmoid,
        ] {
            for x in [-3.0f64, -0.7, 0.4, 2.5] {
                let numeric = (apply(act, x + h) - apply(act, x - h)) / (2.0 * h);
                let analytic = derivative_from_output(act, apply(act, x));
                assert!(
                    (numeric - analytic).abs() < 1e-8,
                    "{act:?} at {x}: {numeric} vs {analytic}"
                );
            }
        }
    }
}
