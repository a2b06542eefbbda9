//! Training losses and their gradients, as Keras computes them, in the
//! float type of training ([`Real`]). The regression losses take the mean
//! over outputs, then the mean over the batch (`sum_over_batch_size`),
//! which is the mean over all `B·O` values; the softmax cross-entropy sums
//! over a window's `O` classes and takes the mean over the batch; the
//! binary cross-entropy, like the regression losses, takes the mean over
//! all `B·O` logits (one per window for a binary classifier).

use crate::nn::{c, Real};

/// A regression loss on scaled targets, or a classification loss on
/// logits.
///
/// Sources: Keras `MeanSquaredError`, `MeanAbsoluteError`, `Huber`
/// (`delta = 1.0`, its default), `CategoricalCrossentropy(from_logits=True)`,
/// `BinaryCrossentropy(from_logits=True)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// Mean squared error, `mean((y − t)²)`.
    Mse,
    /// Mean absolute error, `mean(|y − t|)`; its gradient at `y = t` is 0.
    Mae,
    /// Huber loss with `δ = 1`: `½e²` for `|e| ≤ δ`, else `δ(|e| − ½δ)`.
    Huber,
    /// Softmax cross-entropy on a window's `O` logits `y` against its class
    /// probabilities `t` (one-hot for a label):
    /// `−Σₖ tₖ·(yₖ − logΣⱼ exp yⱼ)`, computed with the largest logit
    /// subtracted (no overflow for large logits). Its gradient is
    /// `softmax(y)·Σₖtₖ − t`. The network's last Dense layer is linear
    /// (logits); the exported model applies the softmax.
    CrossEntropy,
    /// Sigmoid (binary) cross-entropy of each logit `z` against a label
    /// `t ∈ {0, 1}` with a weight `w > 0`, both carried by the target
    /// `τ = binary_target(t, w)` (`+w` for `t = 1`, `−w` for `t = 0`):
    /// `w·(max(z, 0) − z·t + log(1 + exp(−|z|)))`, which stays finite for
    /// any finite `z` (TensorFlow's `sigmoid_cross_entropy_with_logits`,
    /// under Keras `BinaryCrossentropy(from_logits=True)`; `w` as Keras's
    /// `class_weight` scales a sample's loss). Its gradient is
    /// `w·(sigmoid(z) − t)`. The weight cannot be folded into the target as
    /// for [`Loss::CrossEntropy`]: `w·t` is 0 for every negative sequence
    /// whatever `w`, and the loss at `t = w` is not `w` times that at
    /// `t = 1`. The network's last Dense layer is Dense(1) linear (the
    /// logit); the exported model applies the sigmoid.
    BinaryCrossEntropy,
}

/// The target of [`Loss::BinaryCrossEntropy`] for a label `positive`
/// (`t = 1`) or not (`t = 0`) weighing `weight` (above 0; 1 unweighted):
/// `+weight` or `−weight`.
pub fn binary_target(positive: bool, weight: f64) -> f64 {
    if positive {
        weight
    } else {
        -weight
    }
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
            Loss::CrossEntropy | Loss::BinaryCrossEntropy => {
                unreachable!("cross-entropy has its own functions")
            }
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

    /// The number of terms the mean is taken over for `windows` windows of
    /// `outputs` values: `windows · outputs` for the regression losses and
    /// [`Loss::BinaryCrossEntropy`], `windows` for [`Loss::CrossEntropy`]
    /// (one term per window).
    pub fn terms(self, windows: usize, outputs: usize) -> usize {
        match self {
            Loss::CrossEntropy => windows,
            Loss::Mse | Loss::Mae | Loss::Huber | Loss::BinaryCrossEntropy => windows * outputs,
        }
    }

    /// Mean loss between `predicted` and `target` (same length, windows of
    /// `outputs` values each; an empty pair gives NaN, as a mean of
    /// nothing), summed and divided in `T`.
    pub fn value<T: Real>(self, predicted: &[T], target: &[T], outputs: usize) -> T {
        let mut grad = vec![T::zero(); predicted.len()];
        self.value_and_gradient(predicted, target, outputs, &mut grad)
    }

    /// Mean loss, and its gradient w.r.t. each prediction written into
    /// `grad` (same length as `predicted`).
    pub fn value_and_gradient<T: Real>(
        self,
        predicted: &[T],
        target: &[T],
        outputs: usize,
        grad: &mut [T],
    ) -> T {
        let windows = predicted.len().checked_div(outputs).unwrap_or(0);
        let n = c::<T>(self.terms(windows, outputs) as f64);
        self.sum_and_gradient(predicted, target, outputs, grad, n) / n
    }

    /// The summed (not averaged) loss over windows of `outputs` values,
    /// and into `grad` the gradient of that sum divided by `n`: for a part
    /// of a batch of `n` terms ([`Loss::terms`]), the part's share of the
    /// gradient of the batch's mean loss.
    pub fn sum_and_gradient<T: Real>(
        self,
        predicted: &[T],
        target: &[T],
        outputs: usize,
        grad: &mut [T],
        n: T,
    ) -> T {
        match self {
            Loss::CrossEntropy => return cross_entropy(predicted, target, outputs, grad, n),
            Loss::BinaryCrossEntropy => return binary_cross_entropy(predicted, target, grad, n),
            Loss::Mse | Loss::Mae | Loss::Huber => {}
        }
        let mut sum = T::zero();
        for ((g, &y), &t) in grad.iter_mut().zip(predicted).zip(target) {
            let (l, d) = self.pointwise(y - t);
            sum += l;
            *g = d / n;
        }
        sum
    }
}

/// [`Loss::CrossEntropy`]'s sum over windows of `outputs` logits, and its
/// gradient divided by `n` into `grad`.
fn cross_entropy<T: Real>(
    predicted: &[T],
    target: &[T],
    outputs: usize,
    grad: &mut [T],
    n: T,
) -> T {
    let mut sum = T::zero();
    let rows = predicted
        .chunks(outputs.max(1))
        .zip(target.chunks(outputs.max(1)))
        .zip(grad.chunks_mut(outputs.max(1)));
    for ((y, t), g) in rows {
        let top = y.iter().copied().fold(T::neg_infinity(), T::max);
        let total = y.iter().fold(T::zero(), |s, &v| s + (v - top).exp());
        let log_total = total.ln() + top;
        let mass = t.iter().fold(T::zero(), |s, &v| s + v);
        for ((g, &y), &t) in g.iter_mut().zip(y).zip(t) {
            sum -= t * (y - log_total);
            *g = ((y - log_total).exp() * mass - t) / n;
        }
    }
    sum
}

/// [`Loss::BinaryCrossEntropy`]'s sum over the logits `predicted` against
/// the signed weighted labels `target`, and its gradient divided by `n`
/// into `grad`.
fn binary_cross_entropy<T: Real>(predicted: &[T], target: &[T], grad: &mut [T], n: T) -> T {
    let mut sum = T::zero();
    for ((g, &z), &tau) in grad.iter_mut().zip(predicted).zip(target) {
        let w = tau.abs();
        let t = if tau > T::zero() { T::one() } else { T::zero() };
        sum += w * (z.max(T::zero()) - z * t + (-z.abs()).exp().ln_1p());
        *g = w * (sigmoid(z) - t) / n;
    }
    sum
}

/// `1 / (1 + exp(−z))` without overflow: `exp(z) / (1 + exp(z))` for
/// `z < 0`.
fn sigmoid<T: Real>(z: T) -> T {
    if z >= T::zero() {
        T::one() / (T::one() + (-z).exp())
    } else {
        let e = z.exp();
        e / (T::one() + e)
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
        assert!((Loss::Mse.value(&y, &t, 1) - (1.0 + 4.0 + 0.25) / 3.0).abs() < 1e-15);
        assert!((Loss::Mae.value(&y, &t, 1) - 3.5 / 3.0).abs() < 1e-15);
        // Huber: 0.5, 2 - 0.5 = 1.5, 0.125
        assert!((Loss::Huber.value(&y, &t, 1) - 2.125 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn gradients_match_central_differences() {
        let y = [0.3f64, -1.7, 2.2, 0.05];
        let t = [0.1, 0.2, -0.4, 0.0];
        for loss in [
            Loss::Mse,
            Loss::Mae,
            Loss::Huber,
            Loss::CrossEntropy,
            Loss::BinaryCrossEntropy,
        ] {
            let mut grad = [0.0; 4];
            loss.value_and_gradient(&y, &t, 2, &mut grad);
            for k in 0..4 {
                let (mut up, mut down) = (y, y);
                up[k] += 1e-6;
                down[k] -= 1e-6;
                let numeric = (loss.value(&up, &t, 2) - loss.value(&down, &t, 2)) / 2e-6;
                assert!((numeric - grad[k]).abs() < 1e-8, "{loss:?}[{k}]");
            }
        }
    }

    #[test]
    fn cross_entropy_matches_hand_computation_and_survives_large_logits() {
        // Two windows of 3 classes; labels 0 and 2.
        let y = [2.0f64, 1.0, 0.1, 0.0, 0.0, 0.0];
        let t = [1.0, 0.0, 0.0, 0.0, 0.0, 1.0];
        let p0 = 2f64.exp() / (2f64.exp() + 1f64.exp() + 0.1f64.exp());
        let want = (-p0.ln() - (1.0f64 / 3.0).ln()) / 2.0;
        assert!((Loss::CrossEntropy.value(&y, &t, 3) - want).abs() < 1e-15);
        // Logits whose exp overflows f32 and f64 give finite values.
        let big = [1e4f32, -1e4, 0.0];
        let label = [0.0f32, 1.0, 0.0];
        let mut grad = [0.0f32; 3];
        let l = Loss::CrossEntropy.value_and_gradient(&big, &label, 3, &mut grad);
        assert_eq!(l, 2e4);
        assert_eq!(grad, [1.0, -1.0, 0.0]);
    }

    #[test]
    fn binary_cross_entropy_matches_hand_computation() {
        // Logits 0, 2, −1 with labels 1, 0, 1, unweighted:
        // ln 2, 2 + ln(1 + e⁻²), ln(1 + e⁻¹) + 1, mean over 3.
        let z = [0.0f64, 2.0, -1.0];
        let t = [1.0, -1.0, 1.0];
        let want = (2f64.ln() + 2.0 + (-2f64).exp().ln_1p() + 1.0 + (-1f64).exp().ln_1p()) / 3.0;
        let mut grad = [0.0; 3];
        let l = Loss::BinaryCrossEntropy.value_and_gradient(&z, &t, 1, &mut grad);
        assert!((l - want).abs() < 1e-15, "{l} vs {want}");
        let s = |x: f64| 1.0 / (1.0 + (-x).exp());
        let want_grad = [(0.5 - 1.0) / 3.0, s(2.0) / 3.0, (s(-1.0) - 1.0) / 3.0];
        for (g, w) in grad.iter().zip(want_grad) {
            assert!((g - w).abs() < 1e-15, "{g} vs {w}");
        }
        // Weights 2 and 0.5 (Keras class_weight): each term scaled, the
        // mean still over the 3 sequences.
        let weighted = [2.0, -0.5, 2.0];
        let want_w = (2.0 * 2f64.ln()
            + 0.5 * (2.0 + (-2f64).exp().ln_1p())
            + 2.0 * (1.0 + (-1f64).exp().ln_1p()))
            / 3.0;
        let lw = Loss::BinaryCrossEntropy.value_and_gradient(&z, &weighted, 1, &mut grad);
        assert!((lw - want_w).abs() < 1e-15, "{lw} vs {want_w}");
        assert!((grad[1] - 0.5 * s(2.0) / 3.0).abs() < 1e-15);
        assert_eq!(binary_target(true, 2.0), 2.0);
        assert_eq!(binary_target(false, 0.5), -0.5);
    }

    #[test]
    fn binary_cross_entropy_survives_large_logits() {
        // |z| = 1e4: exp overflows both types; right answers cost 0, wrong
        // ones |z|, gradients exactly 0 or ±w, never NaN or inf.
        let z = [1e4f32, -1e4, 1e4, -1e4];
        let t = [1.0f32, -1.0, -3.0, 1.0];
        let mut grad = [0.0f32; 4];
        let l = Loss::BinaryCrossEntropy.value_and_gradient(&z, &t, 1, &mut grad);
        assert_eq!(l, (3.0 * 1e4 + 1e4) / 4.0);
        assert_eq!(grad, [0.0, 0.0, 3.0 / 4.0, -1.0 / 4.0]);
        let z64 = [1e4f64, -1e4];
        let mut g64 = [0.0f64; 2];
        let l64 = Loss::BinaryCrossEntropy.value_and_gradient(&z64, &[-1.0, -1.0], 1, &mut g64);
        assert_eq!(l64, 1e4 / 2.0);
        assert_eq!(g64, [0.5, 0.0]);
    }

    #[test]
    fn weighted_binary_cross_entropy_gradients_match_central_differences() {
        // Signed weights of several sizes, logits on both sides of 0 and
        // far out, where a naive log(sigmoid) would lose its digits.
        let z = [0.3f64, -1.7, 2.2, 0.05, -8.0, 12.0];
        let t = [2.5, -0.4, -1.0, 1.0, 0.75, -3.0];
        let mut grad = [0.0; 6];
        Loss::BinaryCrossEntropy.value_and_gradient(&z, &t, 2, &mut grad);
        for k in 0..z.len() {
            let (mut up, mut down) = (z, z);
            up[k] += 1e-6;
            down[k] -= 1e-6;
            let loss = Loss::BinaryCrossEntropy;
            let numeric = (loss.value(&up, &t, 2) - loss.value(&down, &t, 2)) / 2e-6;
            assert!(
                (numeric - grad[k]).abs() < 1e-8,
                "[{k}] {numeric} vs {}",
                grad[k]
            );
        }
    }
}
