//! What the three recurrent layers share: where their parameters sit in the
//! network's flat parameter vector, their forward caches, and how the
//! gradient of their outputs arrives from the layer above.
//!
//! Batches are laid out column-major as `[features × T·B]`: column
//! `t·B + b` is timestep `t` of window `b`, so one timestep of the whole
//! batch is a contiguous `[features × B]` block.

use std::ops::Range;

use super::real::Real;
use super::CellKind;

/// Parameter layout of one recurrent layer inside the flat vector.
///
/// Gates are stacked row-wise in Keras order (LSTM i, f, c, o; GRU z, r, n):
/// `W [G·H × I]`, then `U [G·H × H]`, then with a bias `b [G·H]` and (GRU
/// with `reset_after`) the recurrent bias `b_h [G·H]`, all column-major.
/// Column-major `W` has the memory of Keras's row-major `kernel (I, G·H)`.
/// Without a bias (Keras `use_bias=False`) the layer has no bias values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RnnShape {
    /// Input size `I`.
    pub input: usize,
    /// Hidden size `H`.
    pub hidden: usize,
    /// Offset of `W` in the flat parameter vector.
    pub offset: usize,
    /// The layer's cell.
    pub cell: CellKind,
    /// Whether the layer has its biases (Keras `use_bias`).
    pub use_bias: bool,
}

impl RnnShape {
    /// Gate blocks `G`: 1 SimpleRNN, 4 LSTM, 3 GRU.
    pub fn gates(&self) -> usize {
        self.cell.gates()
    }

    /// Whether the cell is a GRU with `reset_after`.
    pub fn reset_after(&self) -> bool {
        self.cell == CellKind::Gru { reset_after: true }
    }

    /// Rows of the stacked gate matrices, `G·H`.
    pub fn gate_rows(&self) -> usize {
        self.gates() * self.hidden
    }

    /// Parameters of this layer (Keras `model.summary()` count).
    pub fn param_count(&self) -> usize {
        self.bh().end - self.offset
    }

    /// Range of `W [G·H × I]`.
    pub fn w(&self) -> Range<usize> {
        self.offset..self.offset + self.gate_rows() * self.input
    }

    /// Range of `U [G·H × H]`.
    pub fn u(&self) -> Range<usize> {
        let start = self.w().end;
        start..start + self.gate_rows() * self.hidden
    }

    /// Range of the input bias `b [G·H]` (empty without a bias).
    pub fn b(&self) -> Range<usize> {
        let start = self.u().end;
        start..start + if self.use_bias { self.gate_rows() } else { 0 }
    }

    /// Range of the recurrent bias `b_h [G·H]` (empty without it).
    pub fn bh(&self) -> Range<usize> {
        let start = self.b().end;
        let present = self.use_bias && self.reset_after();
        start..start + if present { self.gate_rows() } else { 0 }
    }
}

/// Fills every `G·H` column of `out` with `bias`, or with zeros for a
/// layer without bias (`bias` empty).
pub(crate) fn broadcast_bias<T: Real>(out: &mut [T], bias: &[T], rows: usize) {
    if bias.is_empty() {
        out.fill(T::zero());
    } else {
        for col in out.chunks_exact_mut(rows) {
            col.copy_from_slice(bias);
        }
    }
}

/// Forward values kept for backpropagation through time, and the backward
/// scratch buffers, for one recurrent layer and one batch size.
#[derive(Clone, Debug)]
pub(crate) struct RnnCache<T> {
    /// Timesteps `T`.
    pub steps: usize,
    /// Windows in the batch `B`.
    pub batch: usize,
    /// Outputs `h_t`, `[H × T·B]` (the next layer's input).
    pub h: Vec<T>,
    /// Activated gates, `[G·H × T·B]` (unused by SimpleRNN).
    pub gates: Vec<T>,
    /// LSTM: cell state `c_t`; GRU `reset_after`: `U_n h + b_hn`; GRU
    /// otherwise: `r ⊙ h_{t-1}`. `[H × T·B]`.
    pub aux: Vec<T>,
    /// LSTM: `tanh(c_t)`, `[H × T·B]`.
    pub aux2: Vec<T>,
    /// Gradient of the loss w.r.t. the gate pre-activations (input side),
    /// `[G·H × T·B]`.
    pub dpre: Vec<T>,
    /// GRU `reset_after`: gradient w.r.t. the recurrent pre-activations
    /// `U h + b_h`, `[G·H × T·B]`.
    pub dpre_h: Vec<T>,
    /// Gradient w.r.t. this layer's inputs, `[I × T·B]`.
    pub dx: Vec<T>,
    /// Gradient w.r.t. `h` carried back one timestep, `[H × B]`.
    pub dh: Vec<T>,
    /// LSTM: gradient w.r.t. `c` carried back, `[H × B]`.
    pub dc: Vec<T>,
    /// One timestep's scratch, `[G·H × B]`.
    pub step: Vec<T>,
}

impl<T: Real> RnnCache<T> {
    /// Buffers for `shape` over `steps` timesteps of `batch` windows.
    pub fn new(shape: &RnnShape, steps: usize, batch: usize) -> Self {
        let n = steps * batch;
        let (h, g, i) = (shape.hidden, shape.gate_rows(), shape.input);
        let gated = shape.gates() > 1;
        Self {
            steps,
            batch,
            h: vec![T::zero(); h * n],
            gates: if gated {
                vec![T::zero(); g * n]
            } else {
                Vec::new()
            },
            aux: if gated {
                vec![T::zero(); h * n]
            } else {
                Vec::new()
            },
            aux2: if shape.gates() == 4 {
                vec![T::zero(); h * n]
            } else {
                Vec::new()
            },
            dpre: vec![T::zero(); g * n],
            dpre_h: if shape.reset_after() {
                vec![T::zero(); g * n]
            } else {
                Vec::new()
            },
            dx: vec![T::zero(); i * n],
            dh: vec![T::zero(); h * batch],
            dc: if shape.gates() == 4 {
                vec![T::zero(); h * batch]
            } else {
                Vec::new()
            },
            step: vec![T::zero(); g * batch],
        }
    }

    /// The output block of the last timestep, `[H × B]`.
    pub fn last_output(&self) -> &[T] {
        let block = self.h.len() / self.steps;
        &self.h[self.h.len() - block..]
    }
}

/// Gradient of the loss w.r.t. a recurrent layer's outputs.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Upstream<'a, T> {
    /// Only the last timestep's output feeds the Dense head, `[H × B]`
    /// (Keras `return_sequences=False`).
    Last(&'a [T]),
    /// Every timestep's output feeds the next recurrent layer, `[H × T·B]`
    /// (Keras `return_sequences=True`).
    All(&'a [T]),
}

impl<T: Real> Upstream<'_, T> {
    /// Adds the gradient arriving at timestep `t` to `dh` (`[H × B]`).
    pub fn add_into(&self, dh: &mut [T], t: usize, steps: usize) {
        let block = dh.len();
        let src = match *self {
            Upstream::Last(g) if t + 1 == steps => g,
            Upstream::Last(_) => return,
            Upstream::All(g) => &g[t * block..(t + 1) * block],
        };
        for (d, s) in dh.iter_mut().zip(src) {
            *d += *s;
        }
    }
}

/// Writes `W·X + b` (`b` broadcast over columns; 0 without a bias) into
/// `pre` (`[G·H × T·B]`).
pub(crate) fn input_products<T: Real>(shape: &RnnShape, params: &[T], x: &[T], pre: &mut [T]) {
    use super::linalg::{gemm, Mat, MatMut};
    let (g, i) = (shape.gate_rows(), shape.input);
    let cols = x.len() / i;
    broadcast_bias(pre, &params[shape.b()], g);
    gemm(
        MatMut::new(pre, g, cols),
        Mat::new(&params[shape.w()], g, i),
        Mat::new(x, i, cols),
        T::one(),
    );
}

/// After the time loop: the weight gradients that are sums over timesteps,
/// each one product over the whole batch.
///
/// `dW = D·Xᵀ`, `db = Σ D` (with a bias), and `dX = Wᵀ·D` when `want_dx`;
/// `D` is `dpre` (`[G·H × T·B]`).
pub(crate) fn input_gradients<T: Real>(
    shape: &RnnShape,
    params: &[T],
    x: &[T],
    cache: &mut RnnCache<T>,
    grad: &mut [T],
    want_dx: bool,
) {
    use super::linalg::{gemm, row_sums, Mat, MatMut};
    let (g, i) = (shape.gate_rows(), shape.input);
    let cols = cache.steps * cache.batch;
    gemm(
        MatMut::new(&mut grad[shape.w()], g, i),
        Mat::new(&cache.dpre, g, cols),
        Mat::new(x, i, cols).t(),
        T::zero(),
    );
    if shape.use_bias {
        row_sums(&mut grad[shape.b()], &cache.dpre, g, T::zero());
    }
    if want_dx {
        gemm(
            MatMut::new(&mut cache.dx, i, cols),
            Mat::new(&params[shape.w()], g, i).t(),
            Mat::new(&cache.dpre, g, cols),
            T::zero(),
        );
    }
}
