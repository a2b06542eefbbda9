//! Regression losses and their gradients, as Keras computes them: the mean
//! over outputs, then the mean over the batch (`sum_over_batch_size`), which
//! is the mean over all `B·O` values.

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
    fn pointwise(self, e: f64) -> (f64, f64) {
        match self {
            Loss::Mse => (e * e, 2.0 * e),
            Loss::Mae => (e.abs(), sign(e)),
            Loss::Huber => {
                if e.abs() <= HUBER_DELTA {
                    (0.5 * e * e, e)
                } else {
                    (
                        HUBER_DELTA * (e.abs() - 0.5 * HUBER_DELTA),
                        HUBER_DELTA * sign(e),
                    )
                }
            }
        }
    }

    /// Mean loss between `predicted` and `target` (same length; an empty
    /// pair gives NaN, as a mean of nothing).
    pub fn value(self, predicted: &[f64], target: &[f64]) -> f64 {
        let sum: f64 = predicted
            .iter()
            .zip(target)
            .map(|(&y, &t)| self.pointwise(y - t).0)
            .sum();
        sum / predicted.len() as f64
    }

    /// Mean loss, and its gradient w.r.t. each prediction written into
    /// `grad` (same length as `predicted`).
    pub fn value_and_gradient(self, predicted: &[f64], target: &[f64], grad: &mut [f64]) -> f64 {
        let n = predicted.len() as f64;
        self.sum_and_gradient(predicted, target, grad, n) / n
    }

    /// The summed (not averaged) loss, and into `grad` the gradient of
    /// that sum divided by `n`: for a part of a batch of `n` values, the
    /// part's share of the gradient of the batch's mean loss.
    pub fn sum_and_gradient(
        self,
        predicted: &[f64],
        target: &[f64],
        grad: &mut [f64],
        n: f64,
    ) -> f64 {
        let mut sum = 0.0;
        for ((g, &y), &t) in grad.iter_mut().zip(predicted).zip(target) {
            let (l, d) = self.pointwise(y - t);
            sum += l;
            *g = d / n;
        }
        sum
    }
}

/// Sign with `sign(0) = 0` (the subgradient TensorFlow and JAX use for `|x|`).
fn sign(e: f64) -> f64 {
    if e > 0.0 {
        1.0
    } else if e < 0.0 {
        -1.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_hand_computation() {
        let y = [1.0, -2.0, 0.5];
        let t = [0.0, 0.0, 0.0];
        assert!((Loss::Mse.value(&y, &t) - (1.0 + 4.0 + 0.25) / 3.0).abs() < 1e-15);
        assert!((Loss::Mae.value(&y, &t) - 3.5 / 3.0).abs() < 1e-15);
        // Huber: 0.5, 2 - 0.5 = 1.5, 0.125
        assert!((Loss::Huber.value(&y, &t) - 2.125 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn gradients_match_central_differences() {
        let y = [0.3, -1.7, 2.2, 0.05];
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
