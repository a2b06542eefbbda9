//! Adam with bias correction, exactly as Keras 3 `keras.optimizers.Adam`
//! applies it, in the float type of training ([`Real`]).

use crate::nn::{c, Real};

/// Adam optimiser state over a flat parameter vector of `T`.
///
/// Update at step `t = 1, 2, …` (Keras 3, `amsgrad=False`):
///
/// ```text
/// α_t = lr · sqrt(1 − β₂ᵗ) / (1 − β₁ᵗ)
/// m ← m + (g − m)(1 − β₁)       v ← v + (g² − v)(1 − β₂)
/// θ ← θ − α_t · m / (sqrt(v) + ε)
/// ```
///
/// `ε` is added to `sqrt(v)` outside the bias correction (Keras's
/// placement, the paper's "ε-hat"). Source: Kingma & Ba, "Adam: a method for
/// stochastic optimization" (2015), section 2; Keras `Adam.update_step`.
///
/// The hyper-parameters are `f64`; each step computes `α_t` in `f64`
/// and the element updates in `T` (with `β₁`, `β₂`, `ε` and `α_t`
/// rounded to `T`; in `f32`, ε = 1e-7 as Keras).
#[derive(Clone, Debug, PartialEq)]
pub struct Adam<T = f64> {
    /// Learning rate `lr` (Keras default 0.001).
    pub learning_rate: f64,
    /// Decay of the first moment `β₁` (Keras default 0.9).
    pub beta1: f64,
    /// Decay of the second moment `β₂` (Keras default 0.999).
    pub beta2: f64,
    /// `ε` (Keras default 1e-7).
    pub epsilon: f64,
    m: Vec<T>,
    v: Vec<T>,
    step: i32,
}

impl<T: Real> Adam<T> {
    /// Fresh state for `param_count` parameters with Keras's defaults and
    /// the given learning rate.
    pub fn new(param_count: usize, learning_rate: f64) -> Self {
        Self {
            learning_rate,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
            m: vec![T::zero(); param_count],
            v: vec![T::zero(); param_count],
            step: 0,
        }
    }

    /// The first and second moments and the step count, to save in a
    /// checkpoint.
    pub fn moments(&self) -> (&[T], &[T], i32) {
        (&self.m, &self.v, self.step)
    }

    /// Restores moments and step count saved with [`Adam::moments`].
    /// Returns `None` when `m` and `v` differ in length.
    pub fn from_moments(learning_rate: f64, m: Vec<T>, v: Vec<T>, step: i32) -> Option<Self> {
        (m.len() == v.len()).then(|| Self {
            m,
            v,
            step,
            ..Self::new(0, learning_rate)
        })
    }

    /// Steps taken so far (Keras `optimizer.iterations`).
    pub fn iterations(&self) -> i32 {
        self.step
    }

    /// Applies one update to `params` with gradient `grad` (both of the
    /// length given to [`Adam::new`]; extra values are ignored).
    pub fn step(&mut self, params: &mut [T], grad: &[T]) {
        self.step = self.step.saturating_add(1);
        let t = self.step;
        let alpha =
            self.learning_rate * (1.0 - self.beta2.powi(t)).sqrt() / (1.0 - self.beta1.powi(t));
        let (alpha, one) = (c::<T>(alpha), T::one());
        let (b1, b2, eps) = (c::<T>(self.beta1), c::<T>(self.beta2), c::<T>(self.epsilon));
        for (((p, &g), m), v) in params
            .iter_mut()
            .zip(grad)
            .zip(&mut self.m)
            .zip(&mut self.v)
        {
            *m += (g - *m) * (one - b1);
            *v += (g * g - *v) * (one - b2);
            *p -= alpha * *m / (v.sqrt() + eps);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_two_steps_match_hand_computation() {
        let mut adam = Adam::new(2, 0.001);
        let mut p = [1.0, -2.0];
        adam.step(&mut p, &[0.5, -0.1]);
        // Step 1: m = 0.1 g, v = 0.001 g², α = 0.001·sqrt(0.001)/0.1.
        // p0: 1 − α·0.05/(sqrt(0.00025) + 1e-7)
        let alpha1 = 0.001 * 0.001f64.sqrt() / 0.1;
        let p0 = 1.0 - alpha1 * 0.05 / (0.00025f64.sqrt() + 1e-7);
        let p1 = -2.0 - alpha1 * -0.01 / (0.00001f64.sqrt() + 1e-7);
        assert!((p[0] - p0).abs() < 1e-15, "{} vs {p0}", p[0]);
        assert!((p[1] - p1).abs() < 1e-15, "{} vs {p1}", p[1]);
        // Both move by almost exactly lr (Adam's first step is ±lr·(1 − tiny)).
        assert!((1.0 - p[0] - 0.001).abs() < 1e-8);
        // Step 2 with g = 0.2 on the first parameter:
        // m = 0.05 + (0.2 − 0.05)·0.1 = 0.065; v = 0.00025 + (0.04 − 0.00025)·0.001 = 0.00028975
        // α = 0.001·sqrt(1 − 0.999²)/(1 − 0.81)
        adam.step(&mut p, &[0.2, 0.0]);
        let alpha2 = 0.001 * (1.0 - 0.999f64 * 0.999).sqrt() / (1.0 - 0.81);
        let want = p0 - alpha2 * 0.065 / (0.00028975f64.sqrt() + 1e-7);
        assert!((p[0] - want).abs() < 1e-15, "{} vs {want}", p[0]);
        assert_eq!(adam.iterations(), 2);
    }
}
