//! The [`QLayer`] trait shared by every quantized layer and by stacks of them.

use crate::format::spec::LayerShape;
use crate::layer::ZeroState;
use crate::quant::format::spec::QLayerSpec;
use crate::stack::Stack;

/// A fixed-size integer layer, or a stack of them, run one timestep at a
/// time: the quantized counterpart of [`crate::Layer`], with the same
/// streaming semantics (state kept apart from the weights, Keras
/// `stateful=True`).
///
/// # Shapes
/// `Input` is `[i16; INPUT_SIZE]` in the first layer's input format
/// (`q · 2^-input_frac`), `Output` is `[i16; OUTPUT_SIZE]` in the last
/// layer's output format; hidden states are Q15.
pub trait QLayer: Sized {
    /// Features per timestep, `I`.
    const INPUT_SIZE: usize;
    /// Values out per timestep.
    const OUTPUT_SIZE: usize;
    /// Number of layers.
    const LAYERS: usize;
    /// Exact bytes of the weights in memory: `size_of::<Self>()`.
    const WEIGHT_BYTES: usize = core::mem::size_of::<Self>();
    /// Exact bytes of one stream's state.
    const STATE_BYTES: usize = core::mem::size_of::<Self::State>();
    /// Every byte zero: storage to load into (a `static` in `.bss`).
    const ZEROED: Self;

    /// One timestep's input.
    type Input: Copy;
    /// One timestep's output.
    type Output: Copy;
    /// Hidden (and cell) state of one stream.
    type State: ZeroState;

    /// Runs one timestep with integer arithmetic only.
    ///
    /// # Panics
    /// Never.
    fn step(&self, state: &mut Self::State, input: &Self::Input) -> Self::Output;

    /// Kind and sizes of layer `index` of this type.
    fn shape(index: usize) -> Option<LayerShape>;

    /// The record of layer `index`, with its fixed-point formats.
    fn spec(&self, index: usize) -> Option<QLayerSpec>;

    /// Sets the formats and options from `specs[0..LAYERS]` (specs of
    /// another kind are ignored; callers check shapes first).
    fn configure(&mut self, specs: &[QLayerSpec]);

    /// Visits every stored parameter array in weight-file order.
    fn visit_params(&self, f: &mut dyn FnMut(QParams<'_>));

    /// Visits every stored parameter array mutably, in weight-file order.
    fn visit_params_mut(&mut self, f: &mut dyn FnMut(QParamsMut<'_>));

    /// A fresh all-zero state.
    fn zero_state() -> Self::State {
        Self::State::zeros()
    }
}

/// One parameter array of a quantized layer.
#[derive(Debug)]
pub enum QParams<'a> {
    /// int8 weights.
    I8(&'a [i8]),
    /// int32 biases.
    I32(&'a [i32]),
    /// Multiplier mantissas.
    U16(&'a [u16]),
    /// Shifts.
    U8(&'a [u8]),
}

/// One parameter array of a quantized layer, mutably.
#[derive(Debug)]
pub enum QParamsMut<'a> {
    /// int8 weights.
    I8(&'a mut [i8]),
    /// int32 biases.
    I32(&'a mut [i32]),
    /// Multiplier mantissas.
    U16(&'a mut [u16]),
    /// Shifts.
    U8(&'a mut [u8]),
}

impl<const N: usize> ZeroState for [i16; N] {
    fn zeros() -> Self {
        [0; N]
    }
}

impl<A, B> QLayer for Stack<A, B>
where
    A: QLayer,
    B: QLayer<Input = A::Output>,
{
    const INPUT_SIZE: usize = A::INPUT_SIZE;
    const OUTPUT_SIZE: usize = B::OUTPUT_SIZE;
    const LAYERS: usize = A::LAYERS + B::LAYERS;
    const ZEROED: Self = Stack::new(A::ZEROED, B::ZEROED);
    type Input = A::Input;
    type Output = B::Output;
    type State = (A::State, B::State);

    #[inline]
    fn step(&self, state: &mut Self::State, input: &A::Input) -> B::Output {
        let y = self.first.step(&mut state.0, input);
        self.rest.step(&mut state.1, &y)
    }

    fn shape(index: usize) -> Option<LayerShape> {
        if index < A::LAYERS {
            A::shape(index)
        } else {
            B::shape(index - A::LAYERS)
        }
    }

    fn spec(&self, index: usize) -> Option<QLayerSpec> {
        if index < A::LAYERS {
            self.first.spec(index)
        } else {
            self.rest.spec(index - A::LAYERS)
        }
    }

    fn configure(&mut self, specs: &[QLayerSpec]) {
        self.first.configure(specs);
        self.rest.configure(specs.get(A::LAYERS..).unwrap_or(&[]));
    }

    fn visit_params(&self, f: &mut dyn FnMut(QParams<'_>)) {
        self.first.visit_params(f);
        self.rest.visit_params(f);
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(QParamsMut<'_>)) {
        self.first.visit_params_mut(f);
        self.rest.visit_params_mut(f);
    }
}
