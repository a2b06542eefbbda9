//! Feature scaling fitted on the training split only (no leakage from
//! validation or test rows), stored in the weight file's metadata.
//!
//! Min-max scaling to [0, 1] as in the lecture (scikit-learn
//! `MinMaxScaler`), or standard scaling to zero mean and unit variance
//! (scikit-learn `StandardScaler`, population standard deviation). As in
//! scikit-learn, a constant feature gets scale 1 instead of 0.
//!
//! The fitted shift and scale are rounded to `f32` at once, because that is
//! what the weight file stores: training, evaluation and `predict` from the
//! file then scale with exactly the same numbers.

pub use rnn_core::format::{FeatureScale, ScalerKind};

/// Fits one feature's scale on `values` (the training rows of one column).
///
/// Returns `shift = min, scale = max - min` for [`ScalerKind::MinMax`] and
/// `shift = mean, scale = std` (population) for [`ScalerKind::Standard`],
/// with `scale = 1` when it would be 0 (or round to 0 in `f32`), and
/// `shift = 0, scale = 1` for no values.
pub fn fit(kind: ScalerKind, values: &[f64]) -> FeatureScale {
    if values.is_empty() {
        return FeatureScale {
            shift: 0.0,
            scale: 1.0,
        };
    }
    let (shift, scale) = match kind {
        ScalerKind::MinMax => {
            let min = values.iter().copied().fold(f64::INFINITY, f64::min);
            let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (min, max - min)
        }
        ScalerKind::Standard => {
            let n = values.len() as f64;
            let mean = values.iter().sum::<f64>() / n;
            let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
            (mean, var.sqrt())
        }
    };
    let scale = scale as f32;
    FeatureScale {
        shift: shift as f32,
        scale: if scale > 0.0 && scale.is_finite() {
            scale
        } else {
            1.0
        },
    }
}

/// The scale of a target that must stay non-negative (`--nonnegative`):
/// `shift = 0`, `scale = max` of `values` (1 when that is not positive), so
/// 0 stays 0 and a ReLU output keeps forecasts at 0 or above; training
/// targets lie in `[0, 1]`. Used with either scaler kind.
pub fn without_shift(values: &[f64]) -> FeatureScale {
    let max = values.iter().copied().fold(0.0, f64::max) as f32;
    FeatureScale {
        shift: 0.0,
        scale: if max > 0.0 && max.is_finite() {
            max
        } else {
            1.0
        },
    }
}

/// `(raw - shift) / scale` in `f64`, with the stored `f32` shift and scale.
pub fn scale(s: &FeatureScale, raw: f64) -> f64 {
    (raw - f64::from(s.shift)) / f64::from(s.scale)
}

/// `scaled · scale + shift` in `f64`: back to the feature's own units.
pub fn unscale(s: &FeatureScale, scaled: f64) -> f64 {
    scaled * f64::from(s.scale) + f64::from(s.shift)
}

/// Scales a whole column.
pub fn scale_all(s: &FeatureScale, raw: &[f64]) -> Vec<f64> {
    raw.iter().map(|&v| scale(s, v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn min_max_maps_training_range_to_unit_interval() {
        let s = fit(ScalerKind::MinMax, &[3.0, 7.0, 5.0]);
        assert_eq!((s.shift, s.scale), (3.0, 4.0));
        assert_eq!(scale(&s, 3.0), 0.0);
        assert_eq!(scale(&s, 7.0), 1.0);
        assert_eq!(
            scale(&s, 9.0),
            1.5,
            "values outside the training range are not clipped"
        );
    }

    #[test]
    fn standard_uses_population_std() {
        // mean 5, population variance ((−2)² + 2²)/2 = 4.
        let s = fit(ScalerKind::Standard, &[3.0, 7.0]);
        assert_eq!((s.shift, s.scale), (5.0, 2.0));
    }

    #[test]
    fn without_shift_keeps_zero_at_zero() {
        let s = without_shift(&[0.0, 4.0, 2.0]);
        assert_eq!((s.shift, s.scale), (0.0, 4.0));
        assert_eq!(scale(&s, 0.0), 0.0);
        assert_eq!(without_shift(&[0.0, 0.0]).scale, 1.0);
    }

    #[test]
    fn constant_feature_gets_scale_one() {
        for kind in [ScalerKind::MinMax, ScalerKind::Standard] {
            let s = fit(kind, &[2.5; 4]);
            assert_eq!((s.shift, s.scale), (2.5, 1.0), "{kind:?}");
        }
    }

    proptest! {
        #[test]
        fn unscale_inverts_scale(values in prop::collection::vec(-1e4f64..1e4, 1..50), x in -1e4f64..1e4) {
            for kind in [ScalerKind::MinMax, ScalerKind::Standard] {
                let s = fit(kind, &values);
                let back = unscale(&s, scale(&s, x));
                prop_assert!((back - x).abs() <= 1e-9 * (1.0 + x.abs()), "{kind:?}: {x} -> {back}");
            }
        }
    }
}
