//! Element-wise activations, and what the layers run.
//!
//! # What the layers run by default
//!
//! The layers' `step` does **not** call the functions of this module for
//! sigmoid and tanh: every kernel uses fast rational approximations (the
//! minimax rationals of Eigen's `generic_fast_tanh_float` and
//! `scalar_logistic_op`, which ONNX Runtime's MLAS also uses), about half
//! the latency of an `exp`-based sigmoid. Their maximum error against the
//! float64 function, measured over **every** f32 input on the scalar, AVX2
//! and AVX-512 paths (`cargo test --release -p rnn-core --features std --lib
//! exhaustive -- --ignored`; the regular tests check every 65th bit pattern
//! on every kernel the CPU has, NEON included):
//!
//! | function | absolute | relative |
//! | --- | --- | --- |
//! | sigmoid | 2.5e-7 | 4 ulp for x ≥ 0 |
//! | tanh | 4.3e-7 | 7 ulp for \|x\| ≥ 2^-63 |
//!
//! Where they differ from the exact functions beyond rounding:
//! - **Sigmoid floor**: for x ≤ −18 (−∞ included) the fast sigmoid returns
//!   2^-25 ≈ 2.98e-8 on every kernel, where the true value keeps falling
//!   (1e-44 at x = −100); just above −18 it returns 0 or 2^-25 (its outputs
//!   below 1/2 lie on a grid of 2^-25). The absolute error stays below
//!   2.5e-7; only the relative error is large there. At x ≥ 18 it returns
//!   exactly 1.
//! - **Subnormal flush**: tanh outputs below 2^-63 ≈ 1.08e-19 in magnitude
//!   are 0, and after every step each hidden and cell state value below
//!   2^-63 in magnitude is set to +0 (LSTM `c` and `h`, GRU and SimpleRNN
//!   `h`; also with `exact-activations`), so a long run never falls into
//!   slow subnormal arithmetic. A state that small has no effect on any
//!   output above 1e-19.
//!
//! The feature **`exact-activations`** makes the layers use this module's
//! libm [`sigmoid`] and [`tanh`] instead (slower; no floor; the flush of
//! states stays).
//!
//! # The exact functions of this module
//!
//! | function | formula | source |
//! | --- | --- | --- |
//! | [`sigmoid`] | 1 / (1 + e^-x) | Keras 3 `keras.activations.sigmoid` (exact logistic, not `hard_sigmoid`) |
//! | [`tanh`] | libm `tanhf` | Keras `keras.activations.tanh` |
//! | [`relu`] | max(x, 0) | Keras `keras.activations.relu` |
//! | [`softmax`] | e^(x_i - max x) / Σ_j e^(x_j - max x), over a layer's whole output | Keras `keras.activations.softmax` (last axis) |
//!
//! Accuracy: [`sigmoid`] and [`tanh`] are within 2 ulp of the float64 result
//! (measured worst case: 2 ulp, at x = -15.614 and x = -0.229), tested in
//! this module against `f64` on every step of 0.001 in [-20, 20], 8,000
//! values spread over the whole finite f32 range, and the specials
//! ±100, ±1e30, ±f32::MAX, ±88.7 and subnormals. No finite input gives NaN
//! or infinity: [`sigmoid`] only ever evaluates `e^-|x|`, which cannot
//! overflow. A NaN input gives a NaN output; none of them hides it.

use serde::{Deserialize, Serialize};

/// The activation of a SimpleRNN or Dense layer, as named in Keras (LSTM and
/// GRU always use tanh and sigmoid).
///
/// Source: [Keras activations](https://keras.io/api/layers/activations/).
///
/// `repr(u8)` with `Linear = 0`, so an all-zero-byte layer is valid (see
/// [`Layer::ZEROED`](crate::Layer::ZEROED)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[repr(u8)]
pub enum Activation {
    /// Identity, `f(x) = x` (Keras `"linear"`).
    Linear = 0,
    /// `f(x) = max(x, 0)` (Keras `"relu"`), NaN propagated.
    Relu,
    /// Hyperbolic tangent (Keras `"tanh"`).
    Tanh,
    /// Logistic `1 / (1 + e^-x)` (Keras 3 `"sigmoid"`).
    Sigmoid,
    /// Softmax over the layer's whole output vector (Keras `"softmax"`,
    /// last axis): [`softmax`]. Not element-wise: [`Activation::apply`] of
    /// one value is the softmax of a one-element vector. The same libm
    /// code on every kernel (and with or without `exact-activations`).
    Softmax,
}

impl Activation {
    /// Applies the activation to one value. Finite in, finite out; NaN in,
    /// NaN out. [`Activation::Softmax`] of one value (a one-element
    /// vector) is 1; the layers apply it over their whole output with
    /// [`softmax`].
    #[inline]
    pub fn apply(self, x: f32) -> f32 {
        match self {
            Activation::Linear => x,
            Activation::Relu => relu(x),
            Activation::Tanh => tanh(x),
            Activation::Sigmoid => sigmoid(x),
            Activation::Softmax => {
                let mut v = [x];
                softmax(&mut v);
                v[0]
            }
        }
    }
}

/// Softmax of `values` in place: `e^(x_i - m) / Σ_j e^(x_j - m)` with `m`
/// the largest value (libm `expf`), as Keras's `softmax` over the last
/// axis computes it.
///
/// Numerically stable: every exponent is at most 0, so nothing overflows
/// and the sum is at least 1, whatever the logits' magnitude (`[1e30, 0]`
/// gives `[1, 0]`). A NaN anywhere makes every output NaN. Logits of +∞
/// share the mass equally (`[∞, ∞, 0]` gives `[0.5, 0.5, 0]`); all −∞ give
/// the uniform distribution. An empty slice is left as it is. Never
/// panics.
pub fn softmax(values: &mut [f32]) {
    if values.iter().any(|v| v.is_nan()) {
        values.fill(f32::NAN);
        return;
    }
    let Some(max) = values.iter().copied().reduce(f32::max) else {
        return;
    };
    if max.is_infinite() {
        // All −∞ (uniform), or the +∞ logits take the mass.
        let n = values.iter().filter(|&&v| v == max).count() as f32;
        for v in values.iter_mut() {
            *v = if *v == max { 1.0 / n } else { 0.0 };
        }
        return;
    }
    let mut sum = 0.0f32;
    for v in values.iter_mut() {
        *v = libm::expf(*v - max);
        sum += *v;
    }
    for v in values.iter_mut() {
        *v /= sum;
    }
}

/// Logistic sigmoid `1 / (1 + e^-x)`, overflow-safe (see the module docs for accuracy).
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + libm::expf(-x))
    } else {
        // e^x / (1 + e^x): keeps relative accuracy where the result is tiny,
        // and e^x underflows to 0 instead of overflowing. NaN lands here too.
        let e = libm::expf(x);
        e / (1.0 + e)
    }
}

/// Hyperbolic tangent via libm `tanhf` (saturates to ±1, NaN propagated).
#[inline]
pub fn tanh(x: f32) -> f32 {
    libm::tanhf(x)
}

/// Rectified linear unit `max(x, 0)`; NaN in gives NaN out.
#[inline]
pub fn relu(x: f32) -> f32 {
    if x < 0.0 {
        0.0
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sweep() -> impl Iterator<Item = f32> {
        let specials = [
            0.0f32,
            -0.0,
            f32::MIN_POSITIVE,
            -f32::MIN_POSITIVE,
            1e-45,
            -1e-45,
            100.0,
            -100.0,
            1e30,
            -1e30,
            f32::MAX,
            f32::MIN,
            88.7,
            -88.7,
            89.0,
            -104.0,
        ];
        let grid = (-20_000..=20_000).map(|i| i as f32 * 1e-3);
        let wide = (0..4000).map(|i| f32::from_bits(i * 1_000_000));
        specials
            .into_iter()
            .chain(grid)
            .chain(wide.clone())
            .chain(wide.map(|x| -x))
            .filter(|x| x.is_finite())
    }

    fn ulps(a: f32, b: f32) -> u32 {
        if a == b {
            return 0;
        }
        let (ia, ib) = (a.to_bits() as i32, b.to_bits() as i32);
        if (ia < 0) != (ib < 0) {
            return u32::MAX;
        }
        ia.abs_diff(ib)
    }

    fn max_ulps(f: fn(f32) -> f32, reference: fn(f64) -> f64) -> (u32, f32) {
        let mut worst = (0, 0.0);
        for x in sweep() {
            let got = f(x);
            assert!(got.is_finite(), "f({x}) = {got}");
            let u = ulps(got, reference(x as f64) as f32);
            if u > worst.0 {
                worst = (u, x);
            }
        }
        worst
    }

    #[test]
    fn sigmoid_finite_and_within_2_ulp_of_f64() {
        let (worst, at) = max_ulps(sigmoid, |x| 1.0 / (1.0 + (-x).exp()));
        assert!(worst <= 2, "sigmoid off by {worst} ulp at {at}");
    }

    #[test]
    fn tanh_finite_and_within_2_ulp_of_f64() {
        let (worst, at) = max_ulps(tanh, f64::tanh);
        assert!(worst <= 2, "tanh off by {worst} ulp at {at}");
    }

    #[test]
    fn nan_propagates_through_every_activation() {
        for act in [
            Activation::Linear,
            Activation::Relu,
            Activation::Tanh,
            Activation::Sigmoid,
            Activation::Softmax,
        ] {
            assert!(act.apply(f32::NAN).is_nan(), "{act:?} hid a NaN");
        }
    }

    #[test]
    fn relu_clamps_negatives_only() {
        assert_eq!(relu(-3.0), 0.0);
        assert_eq!(relu(2.5), 2.5);
    }

    /// Softmax against float64, stable for huge logits, and its limits.
    #[test]
    fn softmax_matches_f64_and_never_overflows() {
        let logits = [0.5f32, -1.25, 3.0, 2.75, -40.0];
        let mut got = logits;
        softmax(&mut got);
        let m = 3.0f64;
        let sum: f64 = logits.iter().map(|&x| (f64::from(x) - m).exp()).sum();
        for (g, &x) in got.iter().zip(&logits) {
            let want = (f64::from(x) - m).exp() / sum;
            assert!(
                (f64::from(*g) - want).abs() <= 2e-7 * want.max(1e-3),
                "{g} vs {want}"
            );
        }
        let total: f32 = got.iter().sum();
        assert!((total - 1.0).abs() <= 2.0 * f32::EPSILON, "{total}");
        // Large logits: no overflow, no NaN.
        let mut big = [1e30f32, 0.0, -1e30];
        softmax(&mut big);
        assert_eq!(big, [1.0, 0.0, 0.0]);
        let mut same = [88.0f32; 4];
        softmax(&mut same);
        assert_eq!(same, [0.25; 4]);
        let mut inf = [f32::INFINITY, f32::INFINITY, 0.0];
        softmax(&mut inf);
        assert_eq!(inf, [0.5, 0.5, 0.0]);
        let mut neg = [f32::NEG_INFINITY; 2];
        softmax(&mut neg);
        assert_eq!(neg, [0.5, 0.5]);
        let mut nan = [1.0, f32::NAN, 2.0];
        softmax(&mut nan);
        assert!(nan.iter().all(|v| v.is_nan()));
        let mut empty: [f32; 0] = [];
        softmax(&mut empty);
        assert_eq!(Activation::Softmax.apply(-7.0), 1.0);
    }
}
