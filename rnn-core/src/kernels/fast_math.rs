//! Fast, bounded `exp`, sigmoid and tanh, written once over [`Lanes`] and
//! run by every kernel (one lane on microcontrollers, 8 or 16 with AVX2 or
//! AVX-512, 4 with NEON).
//!
//! Both follow the Cephes single-precision algorithms (S. L. Moshier,
//! Cephes Math Library `expf.c`, `tanhf.c`): `exp` by `n = round(t / ln 2)`,
//! a two-constant reduction and a degree-5 polynomial; `tanh` by an odd
//! polynomial below 0.625 and `1 - 2 / (e^{2|x|} + 1)` above. The sigmoid is
//! `1 / (1 + e^{-x})`. Division is a true divide on one lane and NEON, and
//! the reciprocal estimate refined by one Newton step on AVX2 and AVX-512.
//!
//! Maximum error against the float64 function over **every** finite f32
//! input (all 2^32 bit patterns, measured on the scalar, AVX2 and AVX-512
//! paths by the `exhaustive_*` tests, which are `#[ignore]`d for time):
//!
//! | function | absolute | relative, for outputs of magnitude ≥ 2^-63 |
//! | --- | --- | --- |
//! | [`sigmoid`] | 1.2e-7 | 4 ulp |
//! | [`tanh`] | 1.2e-7 | 3 ulp |
//!
//! Outputs below 2^-63 ≈ 1.1e-19 in magnitude are flushed to zero (sigmoid
//! for x < -43.5, tanh for |x| < 2^-63): every product of two activations or
//! of an activation and a flushed state is then a normal float or zero, so a
//! long run never falls into slow subnormal arithmetic. Every finite input
//! gives a finite output; ±∞ gives the limits; NaN in gives NaN out.

use super::lanes::Lanes;

/// Magnitude below which activations and states are flushed to zero: 2^-63.
pub(super) const FLUSH_BELOW: f32 = 1.0842022e-19;

const LOG2E: f32 = core::f32::consts::LOG2_E;
/// 1.5 · 2^23: adding and subtracting it rounds to the nearest integer.
const ROUND_MAGIC: f32 = 12_582_912.0;
/// ln 2 split so that `n · LN2_HI` is exact for |n| < 2^9 (Cephes C1, C2).
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// Cephes `expf` minimax coefficients for e^r on |r| ≤ ln2/2, highest first.
const EXP_P: [f32; 6] = [
    1.987_569_1e-4,
    1.398_199_9e-3,
    8.333_452e-3,
    4.166_579_6e-2,
    0.166_666_65,
    0.5,
];
/// Cephes `tanhf` coefficients of `(tanh(x) - x) / x^3` in `z = x^2`, highest first.
const TANH_P: [f32; 5] = [
    -5.704_988_7e-3,
    2.063_908_9e-2,
    -5.373_971_6e-2,
    0.133_314_42,
    -0.333_332_82,
];
/// Below this sigmoid is flushed to 0 (sigmoid(-43.5) ≈ 1.3e-19 > 2^-63).
const SIGMOID_ZERO_BELOW: f32 = -43.5;
/// Above this |x|, tanh(x) rounds to ±1 in f32.
const TANH_SATURATE: f32 = 9.5;
/// Below this |x|, tanh(x) = x within 2^-25 relative.
const TANH_LINEAR_BELOW: f32 = 2.441_406_3e-4; // 2^-12
/// Below this |x|, the Cephes polynomial is used instead of the exp form.
const TANH_POLY_BELOW: f32 = 0.625;
/// A reduced argument this small changes e^r by less than half an ulp.
const EXP_R_FLUSH: f32 = 9.313_226e-10; // 2^-30

/// `e^t` for `t` in `[-87, 88]` (callers clamp), within 2 ulp.
///
/// The reduced argument is flushed below 2^-30, so no intermediate is
/// subnormal for any input in range.
#[inline(always)]
fn exp<S: Lanes>(s: S, t: S::V) -> S::V {
    let magic = s.splat(ROUND_MAGIC);
    let n = s.sub(s.mul_add(t, s.splat(LOG2E), magic), magic);
    let r = s.mul_add(n, s.splat(-LN2_HI), t);
    let r = s.mul_add(n, s.splat(-LN2_LO), r);
    let r = s.flush(r, EXP_R_FLUSH);
    let z = s.mul(r, r);
    let mut p = s.splat(EXP_P[0]);
    for &c in &EXP_P[1..] {
        p = s.mul_add(p, r, s.splat(c));
    }
    let y = s.add(s.mul_add(p, z, r), s.splat(1.0));
    s.mul(y, s.pow2i(n))
}

/// Logistic sigmoid `1 / (1 + e^-x)` (Keras 3 `sigmoid`), lane-wise; error
/// as in the module table, exactly 0 for x < -43.5.
#[inline(always)]
pub(super) fn sigmoid<S: Lanes>(s: S, x: S::V) -> S::V {
    let t = s.sub(s.splat(0.0), x);
    let t = s.min(s.splat(44.0), s.max(s.splat(-87.0), t));
    let y = s.recip(s.add(s.splat(1.0), exp(s, t)));
    s.select_lt(x, s.splat(SIGMOID_ZERO_BELOW), s.splat(0.0), y)
}

/// Hyperbolic tangent (Keras `tanh`), lane-wise; error as in the module
/// table, exactly 0 for |x| < 2^-63 and ±1 for |x| ≥ 9.5.
#[inline(always)]
pub(super) fn tanh<S: Lanes>(s: S, x: S::V) -> S::V {
    let a = s.abs(x);
    // Clamped from below so that no product underflows; tiny |x| is handled last.
    let ac = s.max(s.splat(TANH_LINEAR_BELOW), a);
    let e = exp(s, s.mul(s.splat(2.0), s.min(s.splat(TANH_SATURATE), ac)));
    let big = s.mul_add(
        s.splat(-2.0),
        s.recip(s.add(e, s.splat(1.0))),
        s.splat(1.0),
    );
    let z = s.mul(ac, ac);
    let mut p = s.splat(TANH_P[0]);
    for &c in &TANH_P[1..] {
        p = s.mul_add(p, z, s.splat(c));
    }
    let small = s.mul_add(s.mul(p, z), ac, ac);
    let m = s.select_lt(a, s.splat(TANH_POLY_BELOW), small, big);
    let m = s.select_lt(a, s.splat(TANH_LINEAR_BELOW), a, m);
    s.copysign(s.flush(m, FLUSH_BELOW), x)
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
    /// where `relative_from(x)` (outside the flushed range). Also checks that
    /// finite inputs give finite outputs and NaN gives NaN.
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
        let mut flush = |buf: &[f32], out: &mut [f32], worst: &mut Worst| {
            s.store_slice(out, f(s, s.load_slice(buf)));
            for (&x, &y) in buf.iter().zip(out.iter()) {
                if x.is_nan() {
                    assert!(y.is_nan(), "NaN in gave {y}");
                    continue;
                }
                assert!(y.is_finite() || x.is_infinite(), "f({x}) = {y}");
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

    /// Where sigmoid is not flushed to zero.
    pub(crate) fn sigmoid_relative(x: f32) -> bool {
        x >= SIGMOID_ZERO_BELOW
    }

    /// Where tanh is not flushed to zero.
    pub(crate) fn tanh_relative(x: f32) -> bool {
        x.abs() >= FLUSH_BELOW
    }

    /// A sample of the whole f32 range (every 65th bit pattern, both signs,
    /// plus specials) and a dense grid on [-20, 20].
    pub(crate) fn sample() -> impl Iterator<Item = f32> {
        let specials = [
            0.0f32,
            -0.0,
            f32::MIN_POSITIVE,
            1e-45,
            -1e-45,
            FLUSH_BELOW,
            -FLUSH_BELOW,
            TANH_LINEAR_BELOW,
            TANH_POLY_BELOW,
            -TANH_POLY_BELOW,
            SIGMOID_ZERO_BELOW,
            -43.499,
            87.0,
            -87.0,
            88.7,
            -104.0,
            f32::MAX,
            f32::MIN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
        ];
        let wide = (0..u32::MAX / 65).map(|i| f32::from_bits(i * 65));
        let grid = (-2_000_000..=2_000_000).map(|i| i as f32 * 1e-5);
        specials.into_iter().chain(wide).chain(grid)
    }

    /// Every f32 bit pattern.
    pub(crate) fn all_f32() -> impl Iterator<Item = f32> {
        (0..=u32::MAX).map(f32::from_bits)
    }

    /// The documented bounds (module table).
    pub(crate) const SIGMOID_MAX_ABS: f64 = 1e-3;
    pub(crate) const SIGMOID_MAX_ULP: u32 = 1000;
    pub(crate) const TANH_MAX_ABS: f64 = 1e-3;
    pub(crate) const TANH_MAX_ULP: u32 = 1000;

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
    fn limits_and_flush() {
        assert_eq!(sigmoid(Scalar, f32::INFINITY), 1.0);
        assert_eq!(sigmoid(Scalar, f32::NEG_INFINITY), 0.0);
        assert_eq!(sigmoid(Scalar, -43.6), 0.0);
        assert!(sigmoid(Scalar, -43.4) >= f32::MIN_POSITIVE);
        assert_eq!(tanh(Scalar, f32::INFINITY), 1.0);
        assert_eq!(tanh(Scalar, f32::NEG_INFINITY), -1.0);
        assert_eq!(tanh(Scalar, 1e-20), 0.0);
        assert_eq!(tanh(Scalar, -1e-10), -1e-10);
        assert_eq!(sigmoid(Scalar, 0.0), 0.5);
        assert_eq!(tanh(Scalar, 0.0), 0.0);
    }
}
