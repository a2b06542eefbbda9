//! Fully connected recurrent layer (Elman network), as Keras `SimpleRNN`.

use nalgebra::{SMatrix, SVector};

use crate::activation::Activation;
use crate::format::spec::{LayerKind, LayerShape, LayerSpec};
use crate::kernels::{self, Kernel};
use crate::layer::Layer;
use crate::layers::zeros;

/// Keras [`SimpleRNN`](https://keras.io/api/layers/recurrent_layers/simple_rnn/):
/// `h_t = act(W x_t + U h_{t-1} + b)`.
///
/// Activations: by default the fast rationals (sigmoid within 2.5e-7,
/// tanh within 4.3e-7 of the exact functions; feature `exact-activations`:
/// libm), and states below 2^-63 are flushed to zero: see
/// [`crate::activation`].
///
/// # Shapes
/// input `[I]`, state `h: [H]`, output `[H]` (the new hidden state).
/// `w: [H × I]` is the transpose of Keras's `kernel (I, H)`, `u: [H × H]`
/// of `recurrent_kernel`, `b: [H]` is `bias`.
///
/// Source: J. L. Elman, "Finding structure in time", Cognitive Science 14 (1990).
#[derive(Clone, Debug, PartialEq)]
pub struct SimpleRnn<const I: usize, const H: usize> {
    /// Input weights `W`, `[H × I]`.
    pub w: SMatrix<f32, H, I>,
    /// Recurrent weights `U`, `[H × H]`.
    pub u: SMatrix<f32, H, H>,
    /// Bias `b`, `[H]` (zero when `use_bias` is false).
    pub b: SVector<f32, H>,
    /// `act`: Keras default tanh; relu and linear are also used.
    pub activation: Activation,
    /// Keras `use_bias`.
    pub use_bias: bool,
}

impl<const I: usize, const H: usize> SimpleRnn<I, H> {
    /// Every byte zero (weights 0, activation linear, no bias), so a
    /// `static` of it lands in `.bss`: storage to load or import into, which
    /// set the options.
    pub const fn zeroed() -> Self {
        Self {
            w: zeros(),
            u: zeros(),
            b: zeros(),
            activation: Activation::Linear,
            use_bias: false,
        }
    }
}

impl<const I: usize, const H: usize> crate::layer::sealed::Sealed for SimpleRnn<I, H> {}

impl<const I: usize, const H: usize> Layer for SimpleRnn<I, H> {
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
        kernels::simple_rnn_step(k, (&self.w, &self.u, &self.b), self.activation, h, x)
    }

    fn step_streams_with<const N: usize>(
        &self,
        k: Kernel,
        states: &mut [SVector<f32, H>; N],
        x: &[SVector<f32, I>; N],
    ) -> [SVector<f32, H>; N] {
        let params = (&self.w, &self.u, &self.b);
        kernels::streams::simple_rnn(k, params, self.activation, states, x)
    }

    fn shape(index: usize) -> Option<LayerShape> {
        LayerShape::single(index, LayerKind::SimpleRnn, I, H)
    }

    fn spec(&self, index: usize) -> Option<LayerSpec> {
        (index == 0).then_some(LayerSpec::SimpleRnn {
            input_size: I as u32,
            hidden_size: H as u32,
            activation: self.activation,
            use_bias: self.use_bias,
        })
    }

    fn configure(&mut self, specs: &[LayerSpec]) {
        if let Some(&LayerSpec::SimpleRnn {
            activation,
            use_bias,
            ..
        }) = specs.first()
        {
            self.activation = activation;
            self.use_bias = use_bias;
            if !use_bias {
                self.b.fill(0.0);
            }
        }
    }

    fn visit_params(&self, f: &mut dyn FnMut(&[f32])) {
        f(self.w.as_slice());
        f(self.u.as_slice());
        if self.use_bias {
            f(self.b.as_slice());
        }
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&mut [f32])) {
        f(self.w.as_mut_slice());
        f(self.u.as_mut_slice());
        if self.use_bias {
            f(self.b.as_mut_slice());
        }
    }

    fn stray_bias(&self) -> Option<usize> {
        (!self.use_bias && self.b.iter().any(|&v| v != 0.0)).then_some(0)
    }
}
