//! Gated recurrent unit layer, as Keras `GRU` (both `reset_after` variants).

use nalgebra::{SMatrix, SVector};

use crate::format::spec::{LayerKind, LayerShape, LayerSpec};
use crate::kernels::{self, Kernel};
use crate::layer::Layer;
use crate::layers::zeros;

/// Gate index of the update gate `z` in [`Gru`]'s arrays.
pub const UPDATE_GATE: usize = 0;
/// Gate index of the reset gate `r`.
pub const RESET_GATE: usize = 1;
/// Gate index of the candidate `n` (Keras's `h` block).
pub const CANDIDATE_GATE: usize = 2;

/// Keras [`GRU`](https://keras.io/api/layers/recurrent_layers/gru/) with
/// activation tanh and recurrent activation sigmoid, in both variants.
///
/// ```text
/// z = σ(W_z x + bx_z + U_z h + bh_z)     r = σ(W_r x + bx_r + U_r h + bh_r)
/// reset_after = true  (Keras 3 default, PyTorch, ONNX linear_before_reset=1):
///     n = tanh(W_n x + bx_n + r ⊙ (U_n h + bh_n))
/// reset_after = false (Keras 2 default, ONNX linear_before_reset=0):
///     n = tanh(W_n x + bx_n + U_n (r ⊙ h))
/// h' = z ⊙ h + (1 − z) ⊙ n
/// ```
///
/// Activations: by default the fast rationals (sigmoid within 2.5e-7,
/// tanh within 4.3e-7 of the exact functions; feature `exact-activations`:
/// libm), and states below 2^-63 are flushed to zero: see
/// [`crate::activation`].
///
/// # Shapes
/// input `[I]`, state `h: [H]`, output `[H]` (= `h'`). Arrays hold the
/// gates in Keras order z, r, n (Keras's `h` block); `w[k]: [H × I]`,
/// `u[k]: [H × H]`, `b_input[k]`, `b_recurrent[k]: [H]`. With
/// `reset_after = false` Keras has one bias, stored in `b_input`, and
/// `b_recurrent` is zero.
///
/// Source: Cho et al., "Learning phrase representations using RNN
/// encoder-decoder for statistical machine translation" (2014).
#[derive(Clone, Debug, PartialEq)]
pub struct Gru<const I: usize, const H: usize> {
    /// Input weights per gate (z, r, n), each `[H × I]`.
    pub w: [SMatrix<f32, H, I>; 3],
    /// Recurrent weights per gate, each `[H × H]`.
    pub u: [SMatrix<f32, H, H>; 3],
    /// Input biases per gate (Keras `bias[0]`, or `bias` without `reset_after`).
    pub b_input: [SVector<f32, H>; 3],
    /// Recurrent biases per gate (Keras `bias[1]`); zero without `reset_after`.
    pub b_recurrent: [SVector<f32, H>; 3],
    /// Keras `reset_after`.
    pub reset_after: bool,
    /// Keras `use_bias`.
    pub use_bias: bool,
}

impl<const I: usize, const H: usize> Gru<I, H> {
    /// Every byte zero (weights 0, activation linear, no bias), so a
    /// `static` of it lands in `.bss`: storage to load or import into, which
    /// set the options.
    pub const fn zeroed() -> Self {
        Self {
            w: [zeros(); 3],
            u: [zeros(); 3],
            b_input: [zeros(); 3],
            b_recurrent: [zeros(); 3],
            reset_after: false,
            use_bias: false,
        }
    }
}

impl<const I: usize, const H: usize> crate::layer::sealed::Sealed for Gru<I, H> {}

impl<const I: usize, const H: usize> Layer for Gru<I, H> {
    const INPUT_SIZE: usize = I;
    const OUTPUT_SIZE: usize = H;
    const LAYERS: usize = 1;
    const ZEROED: Self = Self::zeroed();
    type Input = SVector<f32, I>;
    type Output = SVector<f32, H>;
    type State = SVector<f32, H>;

    fn step_with(
        &self,
        k: Kernel,
        h: &mut SVector<f32, H>,
        x: &SVector<f32, I>,
    ) -> SVector<f32, H> {
        let params = (&self.w, &self.u, &self.b_input, &self.b_recurrent);
        kernels::gru_step(k, params, self.reset_after, h, x)
    }

    fn step_streams_with<const N: usize>(
        &self,
        k: Kernel,
        states: &mut [SVector<f32, H>; N],
        x: &[SVector<f32, I>; N],
    ) -> [SVector<f32, H>; N] {
        let params = (&self.w, &self.u, &self.b_input, &self.b_recurrent);
        kernels::streams::gru(k, params, self.reset_after, states, x)
    }

    fn shape(index: usize) -> Option<LayerShape> {
        LayerShape::single(index, LayerKind::Gru, I, H)
    }

    fn spec(&self, index: usize) -> Option<LayerSpec> {
        (index == 0).then_some(LayerSpec::Gru {
            input_size: I as u32,
            hidden_size: H as u32,
            reset_after: self.reset_after,
            use_bias: self.use_bias,
        })
    }

    fn configure(&mut self, specs: &[LayerSpec]) {
        if let Some(&LayerSpec::Gru {
            reset_after,
            use_bias,
            ..
        }) = specs.first()
        {
            self.reset_after = reset_after;
            self.use_bias = use_bias;
            if !use_bias {
                self.b_input.iter_mut().for_each(|b| b.fill(0.0));
            }
            if !use_bias || !reset_after {
                self.b_recurrent.iter_mut().for_each(|b| b.fill(0.0));
            }
        }
    }

    fn visit_params(&self, f: &mut dyn FnMut(&[f32])) {
        self.w.iter().for_each(|m| f(m.as_slice()));
        self.u.iter().for_each(|m| f(m.as_slice()));
        if self.use_bias {
            self.b_input.iter().for_each(|b| f(b.as_slice()));
            if self.reset_after {
                self.b_recurrent.iter().for_each(|b| f(b.as_slice()));
            }
        }
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&mut [f32])) {
        self.w.iter_mut().for_each(|m| f(m.as_mut_slice()));
        self.u.iter_mut().for_each(|m| f(m.as_mut_slice()));
        if self.use_bias {
            self.b_input.iter_mut().for_each(|b| f(b.as_mut_slice()));
            if self.reset_after {
                self.b_recurrent
                    .iter_mut()
                    .for_each(|b| f(b.as_mut_slice()));
            }
        }
    }

    fn stray_bias(&self) -> Option<usize> {
        (!self.use_bias
            && self
                .b_input
                .iter()
                .chain(&self.b_recurrent)
                .any(|b| b.iter().any(|&v| v != 0.0)))
        .then_some(0)
    }
}
