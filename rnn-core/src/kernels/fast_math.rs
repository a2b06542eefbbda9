//! Fast, bounded sigmoid and tanh, written once over [`Lanes`] and run by
//! every kernel (one lane on microcontrollers, 8 or 16 with AVX2 or
//! AVX-512, 4 with NEON).
//!
//! Both are the rational minimax approximations of Eigen
//! (`Eigen/src/Core/MathFunctionsImpl.h` `generic_fast_tanh_float`, a 13/6
//! odd/even rational on [-9, 9]; `UnaryFunctors.h` `scalar_logistic_op`, a
//! 9/10 rational of `σ(x) - 1/2` on [-18, 18]), the ones ONNX Runtime's MLAS
//! uses (`tanh.cpp`, `logistic.cpp`). They need no range reduction and no
//! `exp`, so one evaluation is two short polynomial chains and a division:
//! about half the latency of an `exp`-based sigmoid, which is what bounds a
//! small layer's step. The division ([`Lanes::div`]) is one correctly
//! rounded divide on one lane and on AVX2 (`vdivps`); NEON and AVX-512
//! refine a reciprocal (a divide on NEON, an estimate on AVX-512) by one
//! Newton step.
//!
//! Maximum error against the float64 function, measured over **every** f32
//! input (all 2^32 bit patterns) on the scalar, AVX2 and AVX-512 paths by
//! the `exhaustive_*` tests (`#[ignore]`d for time: `cargo test --release
//! -p rnn-core --features std --lib exhaustive -- --ignored`); the regular
//! tests check the same bounds on every 65th bit pattern and a 1e-5 grid:
//!
//! | function | absolute | relative |
//! | --- | --- | --- |
//! | [`sigmoid`] | 2.5e-7 | 4 ulp for x ≥ 0 (below, σ = 1/2 + p/q loses relative accuracy as σ → 0) |
//! | [`tanh`] | 4.3e-7 | 7 ulp for \|x\| ≥ 2^-63 |
//!
//! (The exact libm path, feature `exact-activations`, is within 2 ulp.)
//!
//! The sigmoid is computed as `(p/q) + 1/2` with the product rounded before
//! the addition, so every output is 0 or at least 2^-26 (and at most 1);
//! tanh outputs below 2^-63 in magnitude are flushed to zero. A product of
//! two activations, or of an activation and a state flushed below 2^-63, is
//! then a normal float or zero, so a long run never falls into slow
//! subnormal arithmetic. Every finite input gives a finite output; ±∞ gives
//! the values at ±18 (sigmoid, within 1.6e-8 of the limit; exactly 1 and 0
//! on one lane) and ±1 (tanh); NaN in gives NaN out.
//!
//! One lane (the scalar kernel: microcontrollers, and the reference) drops
//! the comparisons that its arithmetic makes redundant, which is a third of
//! an activation's instructions on a Cortex-M4F: the sigmoid is clamped at
//! 15.795031, where its rational is exactly 1/2 (it stays at most 1/2 up
//! to 16.1), and tanh is ±1 beyond
//! 8.09, below which its rational stays at most 1 (both checked over every
//! input by the `exhaustive_scalar_*` tests).

use super::lanes::Lanes;

/// Magnitude below which activations and states are flushed to zero: 2^-63.
pub(super) const FLUSH_BELOW: f32 = 1.0842022e-19;

/// Sigmoid input clamp (σ(18) rounds to 1 in f32).
const SIGMOID_CLAMP: f32 = 18.0;
/// Eigen `scalar_logistic_op` numerator of `σ(x) - 1/2`, odd, in `x^2`
/// from the highest power: α9, α7, α5, α3, α1.
#[allow(clippy::excessive_precision)] // Eigen's digits, for comparison with the source.
const SIGMOID_P: [f32; 5] = [
    4.37031012579801e-11,
    1.15627324459942e-07,
    6.08574864600143e-05,
    8.51377133304701e-03,
    2.48287947061529e-01,
];
/// Its denominator, even, from β10 down to β0.
#[allow(clippy::excessive_precision)]
const SIGMOID_Q: [f32; 6] = [
    6.10247389755681e-13,
    5.76102136993427e-09,
    6.29106785017040e-06,
    1.70198817374094e-03,
    1.16817656904453e-01,
    9.93151921023180e-01,
];
/// Sigmoid input clamp on one lane: the first input where the rational,
/// evaluated with the one-lane (unfused) arithmetic, is exactly 1/2, so
/// that ±∞ give exactly 1 and 0; below 16.109982 it never exceeds 1/2
/// (every input checked by `exhaustive_scalar_sigmoid`). σ(15.795031) is
/// within 1.4e-7 of 1.
const SIGMOID_CLAMP_ONE_LANE: f32 = 15.795031;
/// Tanh input clamp (tanh(9) is within 3.1e-8 of 1).
const TANH_CLAMP: f32 = 9.0;
/// Beyond this, tanh is ±1 on one lane: below 8.092109 the one-lane
/// rational is at most 1 (every input checked by `exhaustive_scalar_tanh`;
/// tanh(8.09) is within 1.9e-7 of 1).
const TANH_LIMIT_ONE_LANE: f32 = 8.09;
/// Eigen `generic_fast_tanh_float` numerator, odd, from α13 down to α1.
#[allow(clippy::excessive_precision)]
const TANH_P: [f32; 7] = [
    -2.76076847742355e-16,
    2.00018790482477e-13,
    -8.60467152213735e-11,
    5.12229709037114e-08,
    1.48572235717979e-05,
    6.37261928875436e-04,
    4.89352455891786e-03,
];
/// Its denominator, even, from β6 down to β0.
#[allow(clippy::excessive_precision)]
const TANH_Q: [f32; 4] = [
    1.19825839466702e-06,
    1.18534705686654e-04,
    2.26843463243900e-03,
    4.89352518554385e-03,
];
/// Below this |x|, tanh(x) = x within 2^-25 relative (and σ(x) - 1/2 =
/// x/4 within 2^-25): the polynomials use at least this magnitude, so no
/// product in them underflows.
const LINEAR_BELOW: f32 = 2.441_406_3e-4; // 2^-12

/// `c[0] z^(n-1) + ... + c[n-1]` by Estrin's scheme: pairs `c[i] z +
/// c[i+1]` first, then pairs of pairs in `z^2`, ...: depth `log2(n)`
/// fused multiply-adds instead of Horner's `n - 1`, which is what the
/// latency of a small layer's step waits on.
#[inline(always)]
fn estrin<S: Lanes, const N: usize>(s: S, z: S::V, c: &[f32; N]) -> S::V {
    // Terms from the lowest power up: t[k] multiplies z^k.
    let mut t = [s.splat(0.0); N];
    for (k, v) in t.iter_mut().enumerate() {
        *v = s.splat(c[N - 1 - k]);
    }
    let (mut n, mut zp) = (N, z);
    while n > 1 {
        let half = n.div_ceil(2);
        for k in 0..half {
            t[k] = if 2 * k + 1 < n {
                s.mul_add(t[2 * k + 1], zp, t[2 * k])
            } else {
                t[2 * k]
            };
        }
        n = half;
        zp = s.mul(zp, zp);
    }
    t[0]
}

/// Logistic sigmoid `1 / (1 + e^-x)` (Keras 3 `sigmoid`), lane-wise; error
/// as in the module table; outputs are 0 or in `[2^-26, 1]`.
///
/// Evaluated as `1/2 ± min(1/2, |x̂| P(x̂²) / Q(x̂²))` with `x̂ = min(18, |x|)`
/// and the sign of `x`: the rational is odd, so this is the value of
/// `clamp(1/2 + x̂ P / Q, 0, 1)` with the sign folded in, for two
/// comparisons and a select instead of five comparisons (one lane: `x̂ =
/// min(15.795031, |x|)` and no `min(1/2, ·)`, see the module doc). Vector kernels
/// keep `|x̂|` at least 2^-12 so that `x̂²` cannot underflow into slow
/// subnormal arithmetic; one lane (microcontrollers, whose FPU or soft
/// float has no such penalty) skips that comparison.
#[inline(always)]
pub(super) fn sigmoid<S: Lanes>(s: S, x: S::V) -> S::V {
    let clamp = if S::L > 1 {
        SIGMOID_CLAMP
    } else {
        SIGMOID_CLAMP_ONE_LANE
    };
    let a = s.min(s.splat(clamp), s.abs(x));
    let even = if S::L > 1 {
        s.max(s.splat(LINEAR_BELOW), a)
    } else {
        a
    };
    let z = s.mul(even, even);
    let p = s.mul(a, estrin(s, z, &SIGMOID_P));
    let q = estrin(s, z, &SIGMOID_Q);
    // Rounded before adding to 1/2: the result is a multiple of 2^-26.
    // On one lane the clamp keeps it at most 1/2 already.
    let r = if S::L > 1 {
        s.min(s.splat(0.5), s.div(p, q))
    } else {
        s.div(p, q)
    };
    let half = s.splat(0.5);
    s.select_lt(x, s.splat(0.0), s.sub(half, r), s.add(half, r))
}

/// Hyperbolic tangent (Keras `tanh`), lane-wise; error as in the module
/// table, exactly 0 for |x| < 2^-63 and ±1 for |x| > 9 (8.09 on one lane).
#[inline(always)]
pub(super) fn tanh<S: Lanes>(s: S, x: S::V) -> S::V {
    let a = s.abs(x);
    if S::L == 1 {
        // One lane: the rational is at most 1 below the limit, and its
        // value beyond it (even inf/inf = NaN for huge inputs) is replaced
        // by 1, so neither the clamp nor the bound is needed.
        let z = s.mul(a, a);
        let p = s.mul(a, estrin(s, z, &TANH_P));
        let q = estrin(s, z, &TANH_Q);
        let m = s.select_lt(s.splat(TANH_LIMIT_ONE_LANE), a, s.splat(1.0), s.div(p, q));
        let m = s.select_lt(a, s.splat(LINEAR_BELOW), s.flush(a, FLUSH_BELOW), m);
        return s.copysign(m, x);
    }
    let ac = s.min(s.splat(TANH_CLAMP), a);
    // Kept at least 2^-12 on vector units, as in `sigmoid` (the result for
    // smaller inputs is `a` itself, selected below).
    let ac = s.max(s.splat(LINEAR_BELOW), ac);
    let z = s.mul(ac, ac);
    let p = s.mul(ac, estrin(s, z, &TANH_P));
    let q = estrin(s, z, &TANH_Q);
    // The rational can exceed 1 by an ulp near the clamp; beyond it, ±1.
    let m = s.min(s.splat(1.0), s.div(p, q));
    let m = s.select_lt(s.splat(TANH_CLAMP), a, s.splat(1.0), m);
    let m = s.select_lt(a, s.splat(LINEAR_BELOW), s.flush(a, FLUSH_BELOW), m);
    s.copysign(m, x)
}

#[cfg(test)]
pub(super) mod tests {
    extern crate std;

    use super::*;
    use crate::kernels::lanes::{Scalar, MAX_LANES};

    /// Worst errors found by [`measure`].
    #[derive(Debug, Default, Clone, Copy)]
    pub(crate) struct Worst {
        pub abs: f64,
        pub abs_at: f32,
        pub ulp: u32,
        pub ulp_at: f32,
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

    /// Runs `f` over `xs` in vectors of `S::L` and records the worst
    /// absolute error against `want` (float64), and the worst ulp error
    /// where `relative_from(x)`. Also checks that every non-NaN input gives
    /// an output in [-1, 1] and NaN gives NaN.
    pub(crate) fn measure<S: Lanes>(
        s: S,
        f: impl Fn(S, S::V) -> S::V,
        want: fn(f64) -> f64,
        relative_from: fn(f32) -> bool,
        xs: impl Iterator<Item = f32>,
    ) -> Worst {
        let mut worst = Worst::default();
        let mut buf = [0.0f32; MAX_LANES];
        let mut out = [0.0f32; MAX_LANES];
        let mut n = 0;
        let flush = |buf: &[f32], out: &mut [f32], worst: &mut Worst| {
            s.store_slice(out, f(s, s.load_slice(buf)));
            for (&x, &y) in buf.iter().zip(out.iter()) {
                if x.is_nan() {
                    assert!(y.is_nan(), "NaN in gave {y}");
                    continue;
                }
                assert!((-1.0..=1.0).contains(&y), "f({x}) = {y}");
                let w = want(x as f64);
                let abs = (y as f64 - w).abs();
                if abs > worst.abs {
                    worst.abs = abs;
                    worst.abs_at = x;
                }
                if relative_from(x) {
                    let u = ulps(y, w as f32);
                    if u > worst.ulp {
                        worst.ulp = u;
                        worst.ulp_at = x;
                    }
                }
            }
        };
        for x in xs {
            buf[n] = x;
            n += 1;
            if n == S::L {
                flush(&buf[..n], &mut out[..n], &mut worst);
                n = 0;
            }
        }
        if n > 0 {
            flush(&buf[..n], &mut out[..n], &mut worst);
        }
        worst
    }

    pub(crate) fn sigmoid64(x: f64) -> f64 {
        1.0 / (1.0 + (-x).exp())
    }

    pub(crate) fn tanh64(x: f64) -> f64 {
        x.tanh()
    }

    /// Where the sigmoid's relative error is bounded (module table).
    pub(crate) fn sigmoid_relative(x: f32) -> bool {
        x >= 0.0
    }

    /// Where tanh is not flushed to zero.
    pub(crate) fn tanh_relative(x: f32) -> bool {
        x.abs() >= FLUSH_BELOW
    }

    /// A sample of the whole f32 range (every 257th bit pattern, both signs,
    /// plus specials) and a dense grid on [-20, 20]. The environment
    /// variable `RNN_CORE_SAMPLE_STRIDE` sets another stride (the aarch64
    /// script under emulation uses a coarser one, for time).
    pub(crate) fn sample() -> impl Iterator<Item = f32> {
        let stride: u32 = std::env::var("RNN_CORE_SAMPLE_STRIDE")
            .ok()
            .and_then(|s| s.parse().ok())
            .filter(|&s| s > 0)
            .unwrap_or(257);
        let specials = [
            0.0f32,
            -0.0,
            f32::MIN_POSITIVE,
            1e-45,
            -1e-45,
            FLUSH_BELOW,
            -FLUSH_BELOW,
            LINEAR_BELOW,
            -LINEAR_BELOW,
            TANH_CLAMP,
            -TANH_CLAMP,
            SIGMOID_CLAMP,
            -SIGMOID_CLAMP,
            -4.0,
            88.7,
            -104.0,
            f32::MAX,
            f32::MIN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
        ];
        let wide = (0..u32::MAX / stride).map(move |i| f32::from_bits(i * stride));
        let grid = (-2_000_000..=2_000_000).map(|i| i as f32 * 1e-5);
        specials.into_iter().chain(wide).chain(grid)
    }

    /// Every f32 bit pattern.
    pub(crate) fn all_f32() -> impl Iterator<Item = f32> {
        (0..=u32::MAX).map(f32::from_bits)
    }

    /// The documented bounds (module table).
    pub(crate) const SIGMOID_MAX_ABS: f64 = 2.5e-7;
    pub(crate) const SIGMOID_MAX_ULP: u32 = 4;
    pub(crate) const TANH_MAX_ABS: f64 = 4.3e-7;
    pub(crate) const TANH_MAX_ULP: u32 = 7;

    pub(crate) fn check_sigmoid(w: Worst) {
        assert!(
            w.abs <= SIGMOID_MAX_ABS && w.ulp <= SIGMOID_MAX_ULP,
            "sigmoid {w:?}"
        );
    }

    pub(crate) fn check_tanh(w: Worst) {
        assert!(w.abs <= TANH_MAX_ABS && w.ulp <= TANH_MAX_ULP, "tanh {w:?}");
    }

    #[test]
    fn scalar_sigmoid_within_documented_error() {
        let w = measure(Scalar, sigmoid, sigmoid64, sigmoid_relative, sample());
        std::println!("scalar sigmoid {w:?}");
        check_sigmoid(w);
    }

    #[test]
    fn scalar_tanh_within_documented_error() {
        let w = measure(Scalar, tanh, tanh64, tanh_relative, sample());
        std::println!("scalar tanh {w:?}");
        check_tanh(w);
    }

    #[test]
    #[ignore = "all 2^32 inputs: run with --release -- --ignored"]
    fn exhaustive_scalar_sigmoid() {
        let w = measure(Scalar, sigmoid, sigmoid64, sigmoid_relative, all_f32());
        std::println!("scalar sigmoid {w:?}");
        check_sigmoid(w);
    }

    #[test]
    #[ignore = "all 2^32 inputs: run with --release -- --ignored"]
    fn exhaustive_scalar_tanh() {
        let w = measure(Scalar, tanh, tanh64, tanh_relative, all_f32());
        std::println!("scalar tanh {w:?}");
        check_tanh(w);
    }

    #[test]
    fn bounded_on_a_fine_grid() {
        for i in -3_000_000..=3_000_000 {
            let x = i as f32 * 1e-5;
            let (y, t) = (sigmoid(Scalar, x), tanh(Scalar, x));
            assert!((0.0..=1.0).contains(&y), "sigmoid({x}) = {y}");
            assert!((-1.0..=1.0).contains(&t), "tanh({x}) = {t}");
        }
    }

    #[test]
    fn limits_and_flush() {
        assert_eq!(sigmoid(Scalar, f32::INFINITY), 1.0);
        assert!(sigmoid(Scalar, f32::NEG_INFINITY) < 3e-8);
        for x in [-1e30, -100.0, -20.0, -17.0, -16.5, -10.0] {
            let y = sigmoid(Scalar, x);
            assert!(
                y == 0.0 || y >= 1.0 / (1u64 << 26) as f32,
                "sigmoid({x}) = {y}"
            );
        }
        assert_eq!(tanh(Scalar, f32::INFINITY), 1.0);
        assert_eq!(tanh(Scalar, f32::NEG_INFINITY), -1.0);
        assert_eq!(tanh(Scalar, 1e-20), 0.0);
        assert_eq!(tanh(Scalar, -1e-10), -1e-10);
        assert_eq!(sigmoid(Scalar, 0.0), 0.5);
        assert_eq!(tanh(Scalar, 0.0), 0.0);
    }
}
