//! SimpleRNN forward pass with caches and backpropagation through time.
//!
//! `h_t = act(W x_t + U h_{t-1} + b)`, `h_{-1} = 0` (Keras `SimpleRNN`;
//! `b = 0` without a bias).
//! Backward: `d_t = (∂L/∂h_t) ⊙ act'(h_t)`, `∂L/∂h_{t-1} += Uᵀ d_t`,
//! `dW = Σ d_t x_tᵀ`, `dU = Σ d_t h_{t-1}ᵀ`, `db = Σ d_t` (Werbos, "Backpropagation
//! through time: what it does and how to do it", 1990).

use rnn_core::Activation;

use super::activation::{apply_slice, derivative_from_output};
use super::linalg::{gemm, Mat, MatMut};
use super::real::Real;
use super::rnn::{input_gradients, input_products, RnnCache, RnnShape, Upstream};

/// Runs the layer with the activation `act` over `x` (`[I × T·B]`),
/// filling `cache.h`.
pub(crate) fn forward<T: Real>(
    shape: &RnnShape,
    act: Activation,
    params: &[T],
    x: &[T],
    cache: &mut RnnCache<T>,
) {
    let (h, b) = (shape.hidden, cache.batch);
    let block = h * b;
    input_products(shape, params, x, &mut cache.h);
    let u = Mat::new(&params[shape.u()], h, h);
    for t in 0..cache.steps {
        let (done, rest) = cache.h.split_at_mut(t * block);
        let current = &mut rest[..block];
        if t > 0 {
            let previous = Mat::new(&done[(t - 1) * block..], h, b);
            gemm(MatMut::new(current, h, b), u, previous, T::one());
        }
        apply_slice(act, current);
    }
}

/// Backpropagates `upstream` through time, writing this layer's parameter
/// gradients into `grad` (overwriting) and, if `want_dx`, `cache.dx`;
/// `act` is the activation of the forward pass.
#[allow(clippy::too_many_arguments)]
pub(crate) fn backward<T: Real>(
    shape: &RnnShape,
    act: Activation,
    params: &[T],
    x: &[T],
    cache: &mut RnnCache<T>,
    upstream: Upstream<'_, T>,
    grad: &mut [T],
    want_dx: bool,
) {
    let (h, b, steps) = (shape.hidden, cache.batch, cache.steps);
    let block = h * b;
    let u = Mat::new(&params[shape.u()], h, h);
    cache.dh.fill(T::zero());
    for t in (0..steps).rev() {
        upstream.add_into(&mut cache.dh, t, steps);
        let d = &mut cache.dpre[t * block..(t + 1) * block];
        let y = &cache.h[t * block..(t + 1) * block];
        for ((d, &dh), &y) in d.iter_mut().zip(&cache.dh).zip(y) {
            *d = dh * derivative_from_output(act, y);
        }
        if t > 0 {
            gemm(
                MatMut::new(&mut cache.dh, h, b),
                u.t(),
                Mat::new(d, h, b),
                T::zero(),
            );
        }
    }
    let cols = (steps - 1) * b;
    gemm(
        MatMut::new(&mut grad[shape.u()], h, h),
        Mat::new(&cache.dpre, h, steps * b).cols(b, cols),
        Mat::new(&cache.h, h, steps * b).cols(0, cols).t(),
        T::zero(),
    );
    input_gradients(shape, params, x, cache, grad, want_dx);
}
