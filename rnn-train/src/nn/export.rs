//! The network as rnn-core weight-file records and parameters
//! (`docs/weight-format.md`), and back.
//!
//! Every gate matrix is written column by column of rnn-core's `[H × I]`
//! matrix, which is the Keras kernel block row by row. The stacked
//! `[G·H × I]` matrices here hold gate `k` in rows `k·H..(k+1)·H`, so the
//! file order is: for each gate, for each column, that gate's rows.

use rnn_core::format::LayerSpec;

use super::rnn::RnnShape;
use super::{CellKind, Network, NetworkError, Real};

/// Visits the parameters of one recurrent layer in weight-file order,
/// calling `f(index into the flat vector)`.
fn rnn_file_order(shape: &RnnShape, f: &mut dyn FnMut(usize)) {
    let (g, h) = (shape.gate_rows(), shape.hidden);
    for (start, cols) in [(shape.w().start, shape.input), (shape.u().start, h)] {
        for gate in 0..shape.gates() {
            for col in 0..cols {
                for row in 0..h {
                    f(start + col * g + gate * h + row);
                }
            }
        }
    }
    shape.b().chain(shape.bh()).for_each(f);
}

impl<T: Real> Network<T> {
    /// Visits every parameter in weight-file order, calling `f(index into
    /// [`Network::params`])`. Dense `W [O × I]` column-major is already in
    /// file order, followed by `b`.
    fn file_order(&self, f: &mut dyn FnMut(usize)) {
        for shape in &self.rnn {
            rnn_file_order(shape, f);
        }
        for shape in &self.dense {
            shape.w().chain(shape.b()).for_each(&mut *f);
        }
    }

    /// The rnn-core weight-format layer records, input layer first: each
    /// recurrent layer with its own cell and `use_bias` (a layer without
    /// bias stores none, as Keras; rnn-core runs it with zero biases), every
    /// Dense layer with `use_bias: true` (ready for
    /// `rnn_core::format::encode_raw`).
    pub fn layer_specs(&self) -> Vec<LayerSpec> {
        let mut specs = Vec::with_capacity(self.rnn.len() + self.dense.len());
        for s in &self.rnn {
            let (input_size, hidden_size) = (s.input as u32, s.hidden as u32);
            let use_bias = s.use_bias;
            specs.push(match s.cell {
                CellKind::SimpleRnn { activation } => LayerSpec::SimpleRnn {
                    input_size,
                    hidden_size,
                    activation,
                    use_bias,
                },
                CellKind::Lstm => LayerSpec::Lstm {
                    input_size,
                    hidden_size,
                    use_bias,
                },
                CellKind::Gru { reset_after } => LayerSpec::Gru {
                    input_size,
                    hidden_size,
                    reset_after,
                    use_bias,
                },
            });
        }
        for s in &self.dense {
            specs.push(LayerSpec::Dense {
                input_size: s.input as u32,
                output_size: s.output as u32,
                activation: s.activation,
                use_bias: true,
            });
        }
        specs
    }

    /// The parameters as f32 in weight-file order (gate order i, f, g, o /
    /// z, r, n; matrices column by column of rnn-core's `[H × I]`; GRU with
    /// `reset_after`: input biases then recurrent biases; no biases for a
    /// layer without bias), `[param_count]`.
    pub fn export_params(&self) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.params.len());
        self.file_order(&mut |i| out.push(self.params[i].into_f64() as f32));
        out
    }

    /// Sets the parameters from f32 values in weight-file order, the inverse
    /// of [`Network::export_params`] (for example to fine-tune or evaluate
    /// an exported model).
    ///
    /// # Errors
    /// [`NetworkError::ParamCount`] when `params.len()` differs from
    /// [`Network::param_count`]; the network is unchanged.
    pub fn import_params(&mut self, params: &[f32]) -> Result<(), NetworkError> {
        if params.len() != self.params.len() {
            return Err(NetworkError::ParamCount {
                expected: self.params.len(),
                found: params.len(),
            });
        }
        let mut order = Vec::with_capacity(params.len());
        self.file_order(&mut |i| order.push(i));
        for (&i, &v) in order.iter().zip(params) {
            self.params[i] = T::from_f64(f64::from(v));
        }
        Ok(())
    }
}
