//! Long short-term memory layer, as Keras `LSTM`.

use nalgebra::{SMatrix, SVector};

use crate::format::spec::{LayerKind, LayerShape, LayerSpec};
use crate::kernels::{self, Kernel};
use crate::layer::{Layer, ZeroState};
use crate::layers::zeros;

/// Gate index of the input gate `i` in [`Lstm`]'s arrays.
pub const INPUT_GATE: usize = 0;
/// Gate index of the forget gate `f`.
pub const FORGET_GATE: usize = 1;
/// Gate index of the cell candidate `g` (Keras's `c` block).
pub const CELL_GATE: usize = 2;
/// Gate index of the output gate `o`.
pub const OUTPUT_GATE: usize = 3;

/// Keras [`LSTM`](https://keras.io/api/layers/recurrent_layers/lstm/) with
/// its defaults: activation tanh, recurrent activation sigmoid (the
/// logistic, not Keras 2's `hard_sigmoid`), no peepholes. By default σ and
/// tanh are fast rationals within 2.5e-7 and 4.3e-7 of the exact functions
/// (feature `exact-activations`: libm), and states below 2^-63 are flushed
/// to zero: see [`crate::activation`]. Matches the Keras and ONNX Runtime
/// golden cases on every kernel.
///
/// ```text
/// i = σ(W_i x + U_i h + b_i)      f = σ(W_f x + U_f h + b_f)
/// g = tanh(W_g x + U_g h + b_g)   o = σ(W_o x + U_o h + b_o)
/// c' = f ⊙ c + i ⊙ g              h' = o ⊙ tanh(c')
/// ```
///
/// # Shapes
/// input `[I]`, state `h: [H]`, `c: [H]`, output `[H]` (= `h'`). Arrays
/// hold the gates in Keras order i, f, c (`g`), o; `w[k]: [H × I]`,
/// `u[k]: [H × H]`, `b[k]: [H]`.
///
/// Source: Hochreiter & Schmidhuber, "Long short-term memory" (1997), with
/// the forget gate of Gers et al. (2000).
#[derive(Clone, Debug, PartialEq)]
pub struct Lstm<const I: usize, const H: usize> {
    /// Input weights per gate (i, f, g, o), each `[H × I]`.
    pub w: [SMatrix<f32, H, I>; 4],
    /// Recurrent weights per gate, each `[H × H]`.
    pub u: [SMatrix<f32, H, H>; 4],
    /// Biases per gate, each `[H]` (zero when `use_bias` is false).
    pub b: [SVector<f32, H>; 4],
    /// Keras `use_bias`.
    pub use_bias: bool,
}

/// Hidden and cell state of an [`Lstm`], each `[H]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LstmState<const H: usize> {
    /// Hidden state `h`.
    pub h: SVector<f32, H>,
    /// Cell state `c`.
    pub c: SVector<f32, H>,
}

impl<const H: usize> ZeroState for LstmState<H> {
    fn zeros() -> Self {
        Self {
            h: SVector::zeros(),
            c: SVector::zeros(),
        }
    }
}

impl<const I: usize, const H: usize> Lstm<I, H> {
    /// Every byte zero (weights 0, activation linear, no bias), so a
    /// `static` of it lands in `.bss`: storage to load or import into, which
    /// set the options.
    pub const fn zeroed() -> Self {
        Self {
            w: [zeros(); 4],
            u: [zeros(); 4],
            b: [zeros(); 4],
            use_bias: false,
        }
    }
}

impl<const I: usize, const H: usize> crate::layer::sealed::Sealed for Lstm<I, H> {}

impl<const I: usize, const H: usize> Layer for Lstm<I, H> {
    const INPUT_SIZE: usize = I;
    const OUTPUT_SIZE: usize = H;
    const LAYERS: usize = 1;
    const ZEROED: Self = Self::zeroed();
    type Input = SVector<f32, I>;
    type Output = SVector<f32, H>;
    type State = LstmState<H>;

    fn step_with(&self, k: Kernel, s: &mut LstmState<H>, x: &SVector<f32, I>) -> SVector<f32, H> {
        kernels::lstm_step(k, (&self.w, &self.u, &self.b), s, x)
    }

    fn step_streams_with<const N: usize>(
        &self,
        k: Kernel,
        states: &mut [LstmState<H>; N],
        x: &[SVector<f32, I>; N],
    ) -> [SVector<f32, H>; N] {
        kernels::streams::lstm(k, (&self.w, &self.u, &self.b), states, x)
    }

    fn shape(index: usize) -> Option<LayerShape> {
        LayerShape::single(index, LayerKind::Lstm, I, H)
    }

    fn spec(&self, index: usize) -> Option<LayerSpec> {
        (index == 0).then_some(LayerSpec::Lstm {
            input_size: I as u32,
            hidden_size: H as u32,
            use_bias: self.use_bias,
        })
    }

    fn configure(&mut self, specs: &[LayerSpec]) {
        if let Some(&LayerSpec::Lstm { use_bias, .. }) = specs.first() {
            self.use_bias = use_bias;
            if !use_bias {
                self.b.iter_mut().for_each(|b| b.fill(0.0));
            }
        }
    }

    fn visit_params(&self, f: &mut dyn FnMut(&[f32])) {
        self.w.iter().for_each(|m| f(m.as_slice()));
        self.u.iter().for_each(|m| f(m.as_slice()));
        if self.use_bias {
            self.b.iter().for_each(|b| f(b.as_slice()));
        }
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&mut [f32])) {
        self.w.iter_mut().for_each(|m| f(m.as_mut_slice()));
        self.u.iter_mut().for_each(|m| f(m.as_mut_slice()));
        if self.use_bias {
            self.b.iter_mut().for_each(|b| f(b.as_mut_slice()));
        }
    }

    fn stray_bias(&self) -> Option<usize> {
        (!self.use_bias && self.b.iter().any(|b| b.iter().any(|&v| v != 0.0))).then_some(0)
    }
}
