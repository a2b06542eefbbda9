//! Dense layer forward and backward over a batch: `y = act(W x + b)`
//! (Keras `Dense` on the last timestep's features).

use std::ops::Range;

use rnn_core::Activation;

use super::activation::{apply_slice, derivative_from_output};
use super::linalg::{gemm, row_sums, Mat, MatMut};
use super::real::Real;

/// Parameter layout of one Dense layer: `W [O × I]` column-major (the memory
/// of Keras's row-major `kernel (I, O)`), then `b [O]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DenseShape {
    /// Input size `I`.
    pub input: usize,
    /// Output size `O` (units).
    pub output: usize,
    /// Activation.
    pub activation: Activation,
    /// Offset of `W` in the flat parameter vector.
    pub offset: usize,
}

impl DenseShape {
    /// Parameters of this layer, `O(I + 1)`.
    pub fn param_count(&self) -> usize {
        self.output * (self.input + 1)
    }

    /// Range of `W [O × I]`.
    pub fn w(&self) -> Range<usize> {
        self.offset..self.offset + self.output * self.input
    }

    /// Range of `b [O]`.
    pub fn b(&self) -> Range<usize> {
        let start = self.w().end;
        start..start + self.output
    }
}

/// `y = act(W x + b)` for `x: [I × B]`, `y: [O × B]`.
pub(crate) fn forward<T: Real>(shape: &DenseShape, params: &[T], x: &[T], y: &mut [T]) {
    let (i, o) = (shape.input, shape.output);
    let batch = x.len() / i;
    for col in y.chunks_exact_mut(o) {
        col.copy_from_slice(&params[shape.b()]);
    }
    gemm(
        MatMut::new(y, o, batch),
        Mat::new(&params[shape.w()], o, i),
        Mat::new(x, i, batch),
        T::one(),
    );
    apply_slice(shape.activation, y);
}

/// Backward: turns `dy` (`∂L/∂y`, `[O × B]`) into the pre-activation
/// gradient in place, writes `dW = δ xᵀ`, `db = Σ δ` into `grad`
/// (overwriting) and `dx = Wᵀ δ` (`[I × B]`).
pub(crate) fn backward<T: Real>(
    shape: &DenseShape,
    params: &[T],
    x: &[T],
    y: &[T],
    dy: &mut [T],
    grad: &mut [T],
    dx: &mut [T],
) {
    let (i, o) = (shape.input, shape.output);
    let batch = x.len() / i;
    for (d, &y) in dy.iter_mut().zip(y) {
        *d *= derivative_from_output(shape.activation, y);
    }
    gemm(
        MatMut::new(&mut grad[shape.w()], o, i),
        Mat::new(dy, o, batch),
        Mat::new(x, i, batch).t(),
        T::zero(),
    );
    row_sums(&mut grad[shape.b()], dy, o, T::zero());
    gemm(
        MatMut::new(dx, i, batch),
        Mat::new(&params[shape.w()], o, i).t(),
        Mat::new(dy, o, batch),
        T::zero(),
    );
}
