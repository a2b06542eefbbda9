//! The run-time architecture of a network: its recurrent layers (each with
//! its own cell kind and bias choice, as Keras stacks them), then the
//! Dense head.

use rnn_core::Activation;

use super::NetworkError;

/// The recurrent cell of one RNN layer, with the options of its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellKind {
    /// Keras `SimpleRNN`: `h_t = act(W x_t + U h_{t-1} + b)`.
    SimpleRnn {
        /// Keras `activation` (default tanh).
        activation: Activation,
    },
    /// Keras `LSTM` (gates input, forget, cell, output; tanh and sigmoid).
    Lstm,
    /// Keras `GRU` (gates update, reset, candidate). `reset_after: true` is
    /// the Keras 3 default and PyTorch's variant; `false` is Keras 2's.
    Gru {
        /// Apply the reset gate after the recurrent product (`r ⊙ (U_n h + b_hn)`).
        reset_after: bool,
    },
}

impl CellKind {
    /// Gate blocks `G` of the stacked matrices: 1 SimpleRNN, 4 LSTM, 3 GRU.
    pub fn gates(self) -> usize {
        match self {
            CellKind::SimpleRnn { .. } => 1,
            CellKind::Lstm => 4,
            CellKind::Gru { .. } => 3,
        }
    }

    /// Bias vectors of `G·H` values with a bias (Keras `use_bias=True`):
    /// 2 for GRU with `reset_after` (input and recurrent bias), else 1.
    pub fn bias_vectors(self) -> usize {
        match self {
            CellKind::Gru { reset_after: true } => 2,
            _ => 1,
        }
    }
}

/// One recurrent layer of an [`Architecture`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecurrentLayer {
    /// Its cell.
    pub cell: CellKind,
    /// Hidden size `H` (Keras `units`).
    pub units: usize,
    /// Keras `use_bias`: `false` means the layer has no bias parameters at
    /// all (Keras creates no `bias` weight), so it computes as with zero
    /// biases that are never trained.
    pub use_bias: bool,
}

impl RecurrentLayer {
    /// Parameters of the layer on `input` features per timestep (Keras
    /// `model.summary()`): `G·H·(I + H + bias vectors)`, `None` on overflow.
    pub fn param_count(&self, input: usize) -> Option<usize> {
        let biases = if self.use_bias {
            self.cell.bias_vectors()
        } else {
            0
        };
        let per_row = input.checked_add(self.units)?.checked_add(biases)?;
        self.units
            .checked_mul(self.cell.gates())?
            .checked_mul(per_row)
    }
}

/// Run-time architecture: RNN layers (all but the last return sequences, as
/// Keras stacks them), each with its own cell and bias choice, then a Dense
/// head on the last timestep's output, or, with `sequence_output`, on every
/// timestep's output (Keras `return_sequences=True` on the last recurrent
/// layer into a `TimeDistributed(Dense)`). Dense layers always have a bias.
#[derive(Clone, Debug, PartialEq)]
pub struct Architecture {
    /// Features per timestep `I`.
    pub input_size: usize,
    /// The stacked recurrent layers, input side first; at least one.
    pub recurrent: Vec<RecurrentLayer>,
    /// Dense head layers `(units, activation)`; the last one's units are the
    /// output size. Empty means the output is the last hidden state.
    pub dense: Vec<(usize, Activation)>,
    /// Sequence-to-sequence (many-to-many): the head runs at every
    /// timestep, so a window of `T` timesteps gives `T · output_size`
    /// values (timestep-major); `false` is many-to-one (the last timestep).
    pub sequence_output: bool,
}

impl Architecture {
    /// The architecture with one `cell` for every recurrent layer, of hidden
    /// sizes `units` (input side first), each with a bias.
    pub fn uniform(
        input_size: usize,
        cell: CellKind,
        units: &[usize],
        dense: Vec<(usize, Activation)>,
    ) -> Architecture {
        Architecture {
            input_size,
            recurrent: units
                .iter()
                .map(|&units| RecurrentLayer {
                    cell,
                    units,
                    use_bias: true,
                })
                .collect(),
            dense,
            sequence_output: false,
        }
    }

    /// Values the network outputs per window (per timestep with
    /// `sequence_output`): the last Dense layer's units (the last RNN
    /// layer's units without a Dense head).
    pub fn output_size(&self) -> usize {
        match (self.dense.last(), self.recurrent.last()) {
            (Some(&(units, _)), _) => units,
            (None, Some(layer)) => layer.units,
            (None, None) => 0,
        }
    }

    /// Values the network outputs per window of `steps` timesteps:
    /// [`Architecture::output_size`], times `steps` with `sequence_output`.
    pub fn outputs_per_window(&self, steps: usize) -> usize {
        if self.sequence_output {
            self.output_size() * steps
        } else {
            self.output_size()
        }
    }

    /// Checks that the architecture can be built.
    ///
    /// # Errors
    /// [`NetworkError::NoRecurrentLayer`] when `recurrent` is empty;
    /// [`NetworkError::ZeroInputSize`]; [`NetworkError::ZeroUnits`] naming
    /// the first layer (recurrent layers first, then Dense) with 0 units;
    /// [`NetworkError::Softmax`] for a softmax SimpleRNN or Dense layer;
    /// [`NetworkError::TooManyParameters`] beyond `u32::MAX` parameters and
    /// [`NetworkError::TooManyLayers`] beyond
    /// [`rnn_core::format::MAX_LAYERS`] layers (the weight format's limits).
    pub fn validate(&self) -> Result<(), NetworkError> {
        if self.recurrent.is_empty() {
            return Err(NetworkError::NoRecurrentLayer);
        }
        if self.input_size == 0 {
            return Err(NetworkError::ZeroInputSize);
        }
        let units = self
            .recurrent
            .iter()
            .map(|l| l.units)
            .chain(self.dense.iter().map(|&(u, _)| u));
        if let Some((layer, _)) = units.enumerate().find(|&(_, u)| u == 0) {
            return Err(NetworkError::ZeroUnits { layer });
        }
        let softmax_rnn = self.recurrent.iter().any(|l| {
            l.cell
                == CellKind::SimpleRnn {
                    activation: Activation::Softmax,
                }
        });
        if softmax_rnn || self.dense.iter().any(|&(_, a)| a == Activation::Softmax) {
            return Err(NetworkError::Softmax);
        }
        let layers = self.recurrent.len() + self.dense.len();
        if layers > rnn_core::format::MAX_LAYERS {
            return Err(NetworkError::TooManyLayers { layers });
        }
        match self.param_count() {
            Some(n) if n <= u32::MAX as usize => Ok(()),
            _ => Err(NetworkError::TooManyParameters),
        }
    }

    /// Total parameters (Keras `model.summary()`), `None` on overflow.
    fn param_count(&self) -> Option<usize> {
        let mut input = self.input_size;
        let mut total = 0usize;
        for layer in &self.recurrent {
            total = total.checked_add(layer.param_count(input)?)?;
            input = layer.units;
        }
        for &(output, _) in &self.dense {
            total = total.checked_add(output.checked_mul(input.checked_add(1)?)?)?;
            input = output;
        }
        Some(total)
    }
}
