//! Gradient clipping by global norm (Keras `global_clipnorm`,
//! `tf.clip_by_global_norm`), and the check that keeps a broken gradient
//! away from the weights, in the float type of training ([`Real`]).

use crate::nn::{c, Real};

/// Why a gradient may not be applied.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GradientFault {
    /// Value `index` is NaN or infinite.
    NonFinite {
        /// Index into the flat gradient.
        index: usize,
    },
    /// Value `index` is finite but beyond `limit`, [`Real::MAX_GRADIENT`]
    /// of the float type trained in (its square would overflow Adam's
    /// second moment).
    TooLarge {
        /// Index into the flat gradient.
        index: usize,
        /// The largest magnitude accepted.
        limit: f64,
    },
}

/// Checks a gradient before a step: every value finite and at most
/// [`Real::MAX_GRADIENT`] in magnitude.
///
/// # Errors
/// The first [`GradientFault`].
pub fn check_gradient<T: Real>(grad: &[T]) -> Result<(), GradientFault> {
    for (index, &g) in grad.iter().enumerate() {
        if !g.is_finite() {
            return Err(GradientFault::NonFinite { index });
        }
        if g.into_f64().abs() > T::MAX_GRADIENT {
            return Err(GradientFault::TooLarge {
                index,
                limit: T::MAX_GRADIENT,
            });
        }
    }
    Ok(())
}

/// The Euclidean norm of `v` computed without overflow or underflow in
/// `T`: the values are divided by the largest magnitude first (as LAPACK's
/// `dnrm2` scales), so `[1e200, 1e200]` gives `1.414e200` in `f64` and
/// `[1e30, 1e30]` gives `1.414e30` in `f32`, not infinity. NaN if a value
/// is NaN, infinity if one is infinite.
pub fn global_norm<T: Real>(v: &[T]) -> T {
    let max = v.iter().fold(T::zero(), |m, g| m.max(g.abs()));
    if v.iter().any(|g| g.is_nan()) {
        return T::nan();
    }
    if max == T::zero() || max.is_infinite() {
        return max;
    }
    max * v
        .iter()
        .fold(T::zero(), |sum, &g| sum + (g / max) * (g / max))
        .sqrt()
}

/// Scales `grad` so its Euclidean norm is at most `max_norm`:
/// `g ← g · max_norm / max(‖g‖, max_norm)`, with the norm from
/// [`global_norm`] (no overflow) and `max_norm` rounded to `T`. Returns the
/// norm before clipping. A non-finite norm leaves `grad` unchanged:
/// [`check_gradient`] refuses it (scaling `[inf, 1]` would give `[NaN, 0]`).
///
/// Source: Pascanu et al., "On the difficulty of training recurrent neural
/// networks" (2013); Keras `clip_by_global_norm`.
pub fn clip_global_norm<T: Real>(grad: &mut [T], max_norm: f64) -> T {
    let norm = global_norm(grad);
    let max_norm = c::<T>(max_norm);
    if norm.is_finite() && norm > max_norm {
        let scale = max_norm / norm;
        grad.iter_mut().for_each(|g| *g *= scale);
    }
    norm
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_gradient_is_scaled_to_the_limit() {
        // ‖(3, 4)‖ = 5 → scaled to norm 1: (0.6, 0.8).
        let mut g = [3.0f64, 4.0];
        assert_eq!(clip_global_norm(&mut g, 1.0), 5.0);
        assert!((g[0] - 0.6).abs() < 1e-15 && (g[1] - 0.8).abs() < 1e-15);
    }

    #[test]
    fn short_gradient_is_left_alone() {
        let mut g = [0.3f64, -0.4];
        assert!((clip_global_norm(&mut g, 1.0) - 0.5).abs() < 1e-15);
        assert_eq!(g, [0.3, -0.4]);
    }

    /// `[big, big]`, whose naive sum of squares overflows `T`, clips to
    /// `[√½, √½]` with norm `√2 · big`; `[3, 4] · tiny`, whose squares
    /// underflow, has norm `5 · tiny`; both within `tol` relative.
    fn overflowing_norm_is_computed_and_clipped_in<T: Real>(big: f64, tiny: f64, tol: f64) {
        let mut g = [c::<T>(big), c(big)];
        let norm = clip_global_norm(&mut g, c(1.0)).into_f64();
        assert!((norm / big - 2f64.sqrt()).abs() < tol, "{norm}");
        let half = 0.5f64.sqrt();
        assert!(g.iter().all(|x| (x.into_f64() - half).abs() < tol), "{g:?}");
        assert_eq!(check_gradient(&g), Ok(()));
        let small = global_norm(&[c::<T>(3.0 * tiny), c(4.0 * tiny)]).into_f64();
        assert!((small / (5.0 * tiny) - 1.0).abs() < tol, "{small}");
    }

    #[test]
    fn an_overflowing_norm_is_computed_and_clipped_correctly() {
        // The naive sum of squares is inf, which scaled the gradient to zeros.
        overflowing_norm_is_computed_and_clipped_in::<f64>(1e200, 1e-200, 1e-15);
    }

    #[test]
    fn an_overflowing_norm_is_computed_and_clipped_correctly_in_f32() {
        // 1e30² overflows f32 (max 3.4e38); 3e-30² underflows to 0 (min
        // normal 1.2e-38).
        overflowing_norm_is_computed_and_clipped_in::<f32>(1e30, 1e-30, 1e-6);
    }

    #[test]
    fn an_infinite_gradient_is_left_as_is_and_refused() {
        // Scaling [inf, 1] by 1/inf gave [NaN, 0].
        let mut g = [f64::INFINITY, 1.0];
        assert_eq!(clip_global_norm(&mut g, 1.0), f64::INFINITY);
        assert_eq!(g, [f64::INFINITY, 1.0]);
        assert_eq!(
            check_gradient(&g),
            Err(GradientFault::NonFinite { index: 0 })
        );
        assert_eq!(
            check_gradient(&[0.0, f64::NAN]),
            Err(GradientFault::NonFinite { index: 1 })
        );
        assert_eq!(
            check_gradient(&[1e200, 1.0]),
            Err(GradientFault::TooLarge {
                index: 0,
                limit: 1e150
            })
        );
        assert!(global_norm(&[f64::NAN, 1.0]).is_nan());
    }

    #[test]
    fn an_infinite_gradient_is_left_as_is_and_refused_in_f32() {
        let mut g = [f32::INFINITY, 1.0];
        assert_eq!(clip_global_norm(&mut g, 1.0), f32::INFINITY);
        assert_eq!(g, [f32::INFINITY, 1.0]);
        assert_eq!(
            check_gradient(&g),
            Err(GradientFault::NonFinite { index: 0 })
        );
        assert_eq!(
            check_gradient(&[0.0, f32::NAN]),
            Err(GradientFault::NonFinite { index: 1 })
        );
        // Finite in f32 but its square (1e40) is not: refused.
        assert_eq!(
            check_gradient(&[1.0, 1e20f32]),
            Err(GradientFault::TooLarge {
                index: 1,
                limit: 1e18
            })
        );
        assert_eq!(check_gradient(&[1e17f32]), Ok(()));
        assert!(global_norm(&[f32::NAN, 1.0]).is_nan());
    }
}
