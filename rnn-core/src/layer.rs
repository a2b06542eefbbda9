//! The [`Layer`] trait shared by every layer and by layer stacks.

use crate::error::Error;
use crate::format::spec::{LayerShape, LayerSpec};
use crate::kernels::Kernel;

/// A fixed-size layer, or a stack of them, that runs one timestep at a time.
///
/// Implemented by this crate's layers and [`Stack`](crate::Stack) only (the
/// trait is sealed): the weight format relies on every implementor's
/// parameter layout. The hidden methods are that format's plumbing, not API.
///
/// The state lives outside the layer, so one set of weights (in flash) can
/// serve several sensors, each with its own `State`. This matches Keras
/// `stateful=True` streaming: the state after one call is the initial state
/// of the next.
///
/// # Shapes
/// `Input` is `SVector<f32, INPUT_SIZE>`, `Output` is
/// `SVector<f32, OUTPUT_SIZE>`; `State` is the layer's hidden (and cell) state.
pub trait Layer: Sized + sealed::Sealed {
    /// Features per timestep, `I`.
    const INPUT_SIZE: usize;
    /// Values out per timestep: `H` for RNN layers, `O` for Dense.
    const OUTPUT_SIZE: usize;
    /// Number of layers (1 for a single layer, the sum for a stack).
    const LAYERS: usize;
    /// Exact bytes of the weights in memory (flash or RAM): `size_of::<Self>()`.
    ///
    /// Per layer: 4 bytes per f32 (SimpleRNN `H(I+H+1)`, LSTM `4H(I+H+1)`,
    /// GRU `3H(I+H+2)`, Dense `O(I+1)`; bias storage is kept even without
    /// `use_bias`) plus 4 bytes of option flags and padding. A stack is the
    /// sum of its layers. For example `Lstm<1, 128>` is 266,244 bytes.
    const WEIGHT_BYTES: usize = core::mem::size_of::<Self>();
    /// Exact bytes of one stream's state: `size_of::<Self::State>()`
    /// (4·H for SimpleRNN and GRU, 8·H for LSTM, 0 for Dense).
    const STATE_BYTES: usize = core::mem::size_of::<Self::State>();

    /// Every byte zero (weights 0, activation linear, no bias, `reset_after`
    /// false): a constant, so storage to load into can be a `static` in
    /// `.bss`, never built on the stack. Loading sets the options.
    const ZEROED: Self;

    /// One timestep's input, `[I]`.
    type Input: Copy;
    /// One timestep's output, `[H]` or `[O]`.
    type Output: Copy;
    /// Hidden (and cell) state of one stream.
    type State: ZeroState;

    /// Runs one timestep on [`Kernel::detected`] (the default kernel: see
    /// [`Kernel`]): reads `input` and `state`, updates `state`, returns the
    /// output.
    ///
    /// # Panics
    /// Never.
    #[inline]
    fn step(&self, state: &mut Self::State, input: &Self::Input) -> Self::Output {
        self.step_with(Kernel::detected(), state, input)
    }

    /// [`Layer::step`] on a given kernel: for a caller that chose it once
    /// (a loop over many steps or streams, a benchmark, a comparison of
    /// kernels). Results differ between kernels by rounding only.
    ///
    /// # Panics
    /// Never.
    fn step_with(
        &self,
        kernel: Kernel,
        state: &mut Self::State,
        input: &Self::Input,
    ) -> Self::Output;

    /// One timestep of `N` independent streams (for example `N` sensors
    /// served by one model, each with its own state) on
    /// [`Kernel::detected`]: stream `k` reads `inputs[k]`, updates
    /// `states[k]` and gives output `k`.
    ///
    /// Each stream gets exactly the bits of its own [`Layer::step`]. A
    /// recurrent layer whose weights are larger than L1 (more than 24 KiB,
    /// for example LSTM(64) and wider) computes the gate products of four
    /// streams at a time in one pass over the weights (a matrix–matrix
    /// product, each weight vector loaded once for the four), so it reads
    /// its weights from L2 a quarter as often as `N` calls of
    /// [`Layer::step`] do; streams past the last group of four, smaller
    /// layers and Dense layers step one stream at a time. Stacks pass all
    /// streams through each layer in turn. `benches` (`streams`) measures
    /// both ways.
    ///
    /// # Panics
    /// Never.
    #[inline]
    fn step_streams<const N: usize>(
        &self,
        states: &mut [Self::State; N],
        inputs: &[Self::Input; N],
    ) -> [Self::Output; N] {
        self.step_streams_with(Kernel::detected(), states, inputs)
    }

    /// [`Layer::step_streams`] on a given kernel; each stream's result is
    /// that of [`Layer::step_with`] on the same kernel, bit for bit.
    ///
    /// # Panics
    /// Never.
    fn step_streams_with<const N: usize>(
        &self,
        kernel: Kernel,
        states: &mut [Self::State; N],
        inputs: &[Self::Input; N],
    ) -> [Self::Output; N] {
        core::array::from_fn(|k| self.step_with(kernel, &mut states[k], &inputs[k]))
    }

    #[doc(hidden)]
    /// Kind and sizes of layer `index` of this type (`None` past the last layer).
    fn shape(index: usize) -> Option<LayerShape>;

    #[doc(hidden)]
    /// The full record of layer `index`, with its run-time options.
    fn spec(&self, index: usize) -> Option<LayerSpec>;

    #[doc(hidden)]
    /// Sets the run-time options (activation, GRU variant, bias) from
    /// `specs[0..LAYERS]`. A spec of another kind is ignored; callers check
    /// shapes first. Biases are zeroed when `use_bias` is false.
    fn configure(&mut self, specs: &[LayerSpec]);

    #[doc(hidden)]
    /// Visits every stored parameter slice in weight-file order.
    fn visit_params(&self, f: &mut dyn FnMut(&[f32]));

    #[doc(hidden)]
    /// Visits every stored parameter slice mutably, in weight-file order.
    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&mut [f32]));

    #[doc(hidden)]
    /// The index of the first layer with `use_bias = false` whose bias
    /// storage is not zero (`step` would add a bias that the weight file
    /// cannot hold), if any.
    fn stray_bias(&self) -> Option<usize>;

    /// A fresh all-zero state (Keras's default initial state).
    fn zero_state() -> Self::State {
        Self::State::zeros()
    }

    /// Zeroes a stream's state (Keras `reset_states()`).
    fn reset(state: &mut Self::State) {
        *state = Self::State::zeros();
    }

    /// Runs a whole sequence with Keras `return_sequences=False`: returns the
    /// output of the last processed timestep.
    ///
    /// `state` is the initial state on entry (Keras `initial_state`; use
    /// [`Layer::zero_state`] for zeros) and the final state on return (Keras
    /// `return_state=True`). With [`Direction::Backward`] the timesteps are
    /// processed from last to first (Keras `go_backwards=True`). Runs on
    /// [`Kernel::detected`], chosen once for the whole sequence.
    ///
    /// Feeding a sequence in chunks, carrying `state`, gives bit-identical
    /// results to feeding it whole.
    ///
    /// # Errors
    /// [`Error::EmptySequence`] when `inputs` is empty (`state` untouched).
    fn run_sequence(
        &self,
        state: &mut Self::State,
        inputs: &[Self::Input],
        direction: Direction,
    ) -> Result<Self::Output, Error> {
        self.run_sequence_with(Kernel::detected(), state, inputs, direction)
    }

    /// [`Layer::run_sequence`] on a given kernel.
    ///
    /// # Errors
    /// As [`Layer::run_sequence`].
    fn run_sequence_with(
        &self,
        kernel: Kernel,
        state: &mut Self::State,
        inputs: &[Self::Input],
        direction: Direction,
    ) -> Result<Self::Output, Error> {
        let mut last = None;
        for x in direction.order(inputs) {
            last = Some(self.step_with(kernel, state, x));
        }
        last.ok_or(Error::EmptySequence)
    }

    /// Runs a whole sequence with Keras `return_sequences=True`, writing one
    /// output per timestep into `outputs`.
    ///
    /// Outputs are in processing order: with [`Direction::Backward`],
    /// `outputs[k]` is the output after consuming `inputs[T-1-k]`, as Keras 3
    /// returns it (it does not re-reverse). `state` is as in
    /// [`Layer::run_sequence`]. Runs on [`Kernel::detected`].
    ///
    /// # Errors
    /// [`Error::EmptySequence`] for no timesteps; [`Error::Length`] when
    /// `outputs.len() != inputs.len()`. On error nothing is written.
    fn run_sequence_into(
        &self,
        state: &mut Self::State,
        inputs: &[Self::Input],
        direction: Direction,
        outputs: &mut [Self::Output],
    ) -> Result<(), Error> {
        self.run_sequence_into_with(Kernel::detected(), state, inputs, direction, outputs)
    }

    /// [`Layer::run_sequence_into`] on a given kernel.
    ///
    /// # Errors
    /// As [`Layer::run_sequence_into`].
    fn run_sequence_into_with(
        &self,
        kernel: Kernel,
        state: &mut Self::State,
        inputs: &[Self::Input],
        direction: Direction,
        outputs: &mut [Self::Output],
    ) -> Result<(), Error> {
        if inputs.is_empty() {
            return Err(Error::EmptySequence);
        }
        if outputs.len() != inputs.len() {
            return Err(Error::Length {
                expected: inputs.len(),
                found: outputs.len(),
            });
        }
        for (x, y) in direction.order(inputs).zip(outputs.iter_mut()) {
            *y = self.step_with(kernel, state, x);
        }
        Ok(())
    }
}

/// Order in which a sequence's timesteps are processed (Keras `go_backwards`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Direction {
    /// `x_0, x_1, …, x_{T-1}` (Keras default).
    #[default]
    Forward,
    /// `x_{T-1}, …, x_0` (Keras `go_backwards=True`).
    Backward,
}

impl Direction {
    fn order<T>(self, xs: &[T]) -> impl Iterator<Item = &T> {
        let (fwd, bwd) = match self {
            Direction::Forward => (Some(xs.iter()), None),
            Direction::Backward => (None, Some(xs.iter().rev())),
        };
        fwd.into_iter().flatten().chain(bwd.into_iter().flatten())
    }
}

/// A layer state with an all-zero value (Keras's default initial state).
pub trait ZeroState: Copy + PartialEq + core::fmt::Debug {
    /// The all-zero state.
    fn zeros() -> Self;
}

impl<const H: usize> ZeroState for nalgebra::SVector<f32, H> {
    fn zeros() -> Self {
        nalgebra::SVector::zeros()
    }
}

impl ZeroState for () {
    fn zeros() -> Self {}
}

impl<A: ZeroState, B: ZeroState> ZeroState for (A, B) {
    fn zeros() -> Self {
        (A::zeros(), B::zeros())
    }
}

/// Seals [`Layer`]: only this crate's layer types implement it.
pub(crate) mod sealed {
    /// Implemented by every layer type of this crate.
    pub trait Sealed {}
}
