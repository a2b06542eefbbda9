//! Compile-time layer stacks: `Stack<A, B>` runs `A`, then `B` on its output.

use crate::format::spec::{LayerShape, LayerSpec};
use crate::kernels::Kernel;
use crate::layer::Layer;

/// Two layers (or stacks) run one after the other at every timestep; nest it
/// for deeper models: `Stack<Lstm<3, 16>, Stack<Gru<16, 8>, Dense<8, 3>>>`.
///
/// The types must chain (`B::Input = A::Output`), so a size mismatch is a
/// compile error. Every RNN layer but the last behaves as Keras
/// `return_sequences=True` feeding the next: at each timestep the next layer
/// takes this layer's new hidden state, exactly as Keras stacks them.
///
/// # Shapes
/// input `A::Input`, output `B::Output`, state `(A::State, B::State)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Stack<A, B> {
    /// The layer that sees the model input.
    pub first: A,
    /// The layers after it.
    pub rest: B,
}

impl<A, B> Stack<A, B> {
    /// Stacks `first` then `rest`; `const` so models can live in `static`s.
    pub const fn new(first: A, rest: B) -> Self {
        Self { first, rest }
    }
}

impl<A: Layer, B: Layer> crate::layer::sealed::Sealed for Stack<A, B> {}

impl<A, B> Layer for Stack<A, B>
where
    A: Layer,
    B: Layer<Input = A::Output>,
{
    const INPUT_SIZE: usize = A::INPUT_SIZE;
    const OUTPUT_SIZE: usize = B::OUTPUT_SIZE;
    const LAYERS: usize = A::LAYERS + B::LAYERS;
    const ZEROED: Self = Stack::new(A::ZEROED, B::ZEROED);
    type Input = A::Input;
    type Output = B::Output;
    type State = (A::State, B::State);

    #[inline]
    fn step_with(&self, kernel: Kernel, state: &mut Self::State, input: &A::Input) -> B::Output {
        let y = self.first.step_with(kernel, &mut state.0, input);
        self.rest.step_with(kernel, &mut state.1, &y)
    }

    fn step_streams_with<const N: usize>(
        &self,
        kernel: Kernel,
        states: &mut [Self::State; N],
        inputs: &[A::Input; N],
    ) -> [B::Output; N] {
        let mut first = core::array::from_fn(|k| states[k].0);
        let mid = self.first.step_streams_with(kernel, &mut first, inputs);
        let mut rest = core::array::from_fn(|k| states[k].1);
        let out = self.rest.step_streams_with(kernel, &mut rest, &mid);
        for ((state, a), b) in states.iter_mut().zip(first).zip(rest) {
            *state = (a, b);
        }
        out
    }

    fn shape(index: usize) -> Option<LayerShape> {
        if index < A::LAYERS {
            A::shape(index)
        } else {
            B::shape(index - A::LAYERS)
        }
    }

    fn spec(&self, index: usize) -> Option<LayerSpec> {
        if index < A::LAYERS {
            self.first.spec(index)
        } else {
            self.rest.spec(index - A::LAYERS)
        }
    }

    fn configure(&mut self, specs: &[LayerSpec]) {
        self.first.configure(specs);
        self.rest.configure(specs.get(A::LAYERS..).unwrap_or(&[]));
    }

    fn visit_params(&self, f: &mut dyn FnMut(&[f32])) {
        self.first.visit_params(f);
        self.rest.visit_params(f);
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&mut [f32])) {
        self.first.visit_params_mut(f);
        self.rest.visit_params_mut(f);
    }

    fn stray_bias(&self) -> Option<usize> {
        (self.first.stray_bias()).or_else(|| self.rest.stray_bias().map(|i| i + A::LAYERS))
    }
}
