//! Gradient clipping by global norm (Keras `global_clipnorm`,
//! `tf.clip_by_global_norm`).

/// Scales `grad` so its Euclidean norm is at most `max_norm`:
/// `g ← g · max_norm / max(‖g‖, max_norm)`. Returns the norm before
/// clipping. A NaN norm leaves `grad` unchanged (the loss check catches it).
///
/// Source: Pascanu et al., "On the difficulty of training recurrent neural
/// networks" (2013); Keras `clip_by_global_norm`.
pub fn clip_global_norm(grad: &mut [f64], max_norm: f64) -> f64 {
    let norm = grad.iter().map(|g| g * g).sum::<f64>().sqrt();
    if norm > max_norm {
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
        let mut g = [3.0, 4.0];
        assert_eq!(clip_global_norm(&mut g, 1.0), 5.0);
        assert!((g[0] - 0.6).abs() < 1e-15 && (g[1] - 0.8).abs() < 1e-15);
    }

    #[test]
    fn short_gradient_is_left_alone() {
        let mut g = [0.3, -0.4];
        assert!((clip_global_norm(&mut g, 1.0) - 0.5).abs() < 1e-15);
        assert_eq!(g, [0.3, -0.4]);
    }
}
