//! Fully connected output layer, as Keras `Dense`.

use nalgebra::{SMatrix, SVector};

use crate::activation::Activation;
use crate::format::spec::{LayerKind, LayerShape, LayerSpec};
use crate::kernels::{self, Kernel};
use crate::layer::Layer;
use crate::layers::zeros;

/// Keras [`Dense`](https://keras.io/api/layers/core_layers/dense/):
/// `y = act(W x + b)`. Stateless (`State = ()`).
///
/// Activations: by default the fast rationals (sigmoid within 2.5e-7,
/// tanh within 4.3e-7 of the exact functions; feature `exact-activations`:
/// libm): see
/// [`crate::activation`].
///
/// # Shapes
/// input `[I]`, output `[O]`; `w: [O × I]` is the transpose of Keras's
/// `kernel (I, O)`, `b: [O]` is `bias`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dense<const I: usize, const O: usize> {
    /// Weights `W`, `[O × I]`.
    pub w: SMatrix<f32, O, I>,
    /// Bias `b`, `[O]` (zero when `use_bias` is false).
    pub b: SVector<f32, O>,
    /// `act`: linear (Keras default), relu, tanh, sigmoid, or softmax over
    /// the whole output.
    pub activation: Activation,
    /// Keras `use_bias`.
    pub use_bias: bool,
}

impl<const I: usize, const O: usize> Dense<I, O> {
    /// Every byte zero (weights 0, activation linear, no bias), so a
    /// `static` of it lands in `.bss`: storage to load or import into, which
    /// set the options.
    pub const fn zeroed() -> Self {
        Self {
            w: zeros(),
            b: zeros(),
            activation: Activation::Linear,
            use_bias: false,
        }
    }
}

impl<const I: usize, const O: usize> crate::layer::sealed::Sealed for Dense<I, O> {}

impl<const I: usize, const O: usize> Layer for Dense<I, O> {
    const INPUT_SIZE: usize = I;
    const OUTPUT_SIZE: usize = O;
    const LAYERS: usize = 1;
    const ZEROED: Self = Self::zeroed();
    type Input = SVector<f32, I>;
    type Output = SVector<f32, O>;
    type State = ();

    fn step_with(&self, k: Kernel, _state: &mut (), x: &SVector<f32, I>) -> SVector<f32, O> {
        kernels::dense_step(k, (&self.w, &self.b), self.activation, x)
    }

    fn shape(index: usize) -> Option<LayerShape> {
        LayerShape::single(index, LayerKind::Dense, I, O)
    }

    fn spec(&self, index: usize) -> Option<LayerSpec> {
        (index == 0).then_some(LayerSpec::Dense {
            input_size: I as u32,
            output_size: O as u32,
            activation: self.activation,
            use_bias: self.use_bias,
        })
    }

    fn configure(&mut self, specs: &[LayerSpec]) {
        if let Some(&LayerSpec::Dense {
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
        if self.use_bias {
            f(self.b.as_slice());
        }
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&mut [f32])) {
        f(self.w.as_mut_slice());
        if self.use_bias {
            f(self.b.as_mut_slice());
        }
    }

    fn stray_bias(&self) -> Option<usize> {
        (!self.use_bias && self.b.iter().any(|&v| v != 0.0)).then_some(0)
    }
}
