//! Regression losses and their gradients, as Keras computes them: the mean
//! over outputs, then the mean over the batch (`sum_over_batch_size`), which
//! is the mean over all `B·O` values, in the float type of training
//! ([`Real`]).

use crate::nn::{c, Real};

/// A regression loss on scaled targets.
///
/// Sources: Keras `MeanSquaredError`, `MeanAbsoluteError`, `Huber`
/// (`delta = 1.0`, its default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// Mean squared error, `mean((y − t)²)`.
    Mse,
    /// Mean absolute error, `mean(|y − t|)`; its gradient at `y = t` is 0.
    Mae,
    /// Huber loss with `δ = 1`: `½e²` for `|e| ≤ δ`, else `δ(|e| − ½δ)`.
    Huber,
}

/// Huber's `δ` (Keras default).
const HUBER_DELTA: f64 = 1.0;

impl Loss {
    /// Loss of one error `e = y − t` and its derivative `dℓ/dy`.
    #[inline]
    fn pointwise<T: Real>(self, e: T) -> (T, T) {
        let two = T::one() + T::one();
        let half = T::one() / two;
        match self {
            Loss::Mse => (e * e, two * e),
            Loss::Mae => (e.abs(), sign(e)),
            Loss::Huber => {
                let delta = c::<T>(HUBER_DELTA);
                if e.abs() <= delta {
                    (half * e * e, e)
                } else {
                    (delta * (e.abs() - half * delta), delta * sign(e))
                }
            }
        }
    }

    /// Mean loss between `predicted` and `target` (same length; an empty
    /// pair gives NaN, as a mean of nothing), summed and divided in `T`.
    pub fn value<T: Real>(self, predicted: &[T], target: &[T]) -> T {
        let sum = predicted
            .iter()
            .zip(target)
            .fold(T::zero(), |sum, (&y, &t)| sum + self.pointwise(y - t).0);
        sum / c::<T>(predicted.len() as f64)
    }

    /// Mean loss, and its gradient w.r.t. each prediction written into
    /// `grad` (same length as `predicted`).
    pub fn value_and_gradient<T: Real>(self, predicted: &[T], target: &[T], grad: &mut [T]) -> T {
        let n = c::<T>(predicted.len() as f64);
        self.sum_and_gradient(predicted, target, grad, n) / n
    }

    /// The summed (not averaged) loss, and into `grad` the gradient of
    /// that sum divided by `n`: for a part of a batch of `n` values, the
    /// part's share of the gradient of the batch's mean loss.
    pub fn sum_and_gradient<T: Real>(
        self,
        predicted: &[T],
        target: &[T],
        grad: &mut [T],
        n: T,
    ) -> T {
        let mut sum = T::zero();
        for ((g, &y), &t) in grad.iter_mut().zip(predicted).zip(target) {
            let (l, d) = self.pointwise(y - t);
            sum += l;
            *g = d / n;
        }
        sum
    }
}

/// Sign with `sign(0) = 0` (the subgradient TensorFlow and JAX use for `|x|`).
fn sign<T: Real>(e: T) -> T {
    if e > T::zero() {
        T::one()
    } else if e < T::zero() {
        -T::one()
    } else {
        T::zero()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_hand_computation() {
        let y = [1.0f64, -2.0, 0.5];
        let t = [0.0, 0.0, 0.0];
        assert!((Loss::Mse.value(&y, &t) - (1.0 + 4.0 + 0.25) / 3.0).abs() < 1e-15);
        assert!((Loss::Mae.value(&y, &t) - 3.5 / 3.0).abs() < 1e-15);
        // Huber: 0.5, 2 - 0.5 = 1.5, 0.125
        assert!((Loss::Huber.value(&y, &t) - 2.125 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn gradients_match_central_differences() {
        let y = [0.3f64, -1.7, 2.2, 0.05];
        let t = [0.1, 0.2, -0.4, 0.0];
        for loss in [Loss::Mse, Loss::Mae, Loss::Huber] {
            let mut grad = [0.0; 4];
            loss.value_and_gradient(&y, &t, &mut grad);
            for k in 0..4 {
                let (mut up, mut down) = (y, y);
                up[k] += 1e-6;
                down[k] -= 1e-6;
                let numeric = (loss.value(&up, &t) - loss.value(&down, &t)) / 2e-6;
                assert!((numeric - grad[k]).abs() < 1e-8, "{loss:?}[{k}]");
            }
        }
    }
}
