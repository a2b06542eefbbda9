//! Layers of a model read from another framework, at run-time sizes, and
//! their rnn-core weight-file records and parameters.
//!
//! The framework arrays are scattered into rnn-core's per-gate matrices
//! with the gate orders of `rnn_core::import::gate_order` (the one place
//! those orders are written down), then laid out in weight-file order
//! (`docs/weight-format.md`): for each gate its `[H × I]` input matrix
//! column by column, then the `[H × H]` recurrent matrices, then the
//! biases (GRU with `reset_after`: input biases, then recurrent biases).
//! Dense: `W [O × I]` column by column, then `b`.
//!
//! A recurrent layer without biases in its framework (Keras
//! `use_bias=False`, PyTorch `bias=False`, ONNX without input `B`) is
//! written with `use_bias: false` and no bias parameters, as rnn-train's
//! own `--no-bias` layers. Dense layers are written with `use_bias: true`:
//! one without a bias gets zero biases, which compute the same and keep
//! the file loadable by rnn-train's run-time path (its Dense layers always
//! have one).

use rnn_core::format::LayerSpec;
use rnn_core::Activation;

/// How a framework lays out a stacked gate matrix (row-major arrays).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Keras `kernel (K, G·H)`: row `k`, column `block·H + h`.
    InputsByGates,
    /// ONNX `W (G·H, K)` and PyTorch `weight_ih (G·H, K)`: row `block·H + h`, column `k`.
    GatesByInputs,
}

/// The recurrent cell of an imported layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    /// SimpleRNN / ONNX `RNN` / PyTorch `nn.RNN` with this activation.
    SimpleRnn(Activation),
    /// LSTM (gates i, f, g, o in rnn-core).
    Lstm,
    /// GRU; `reset_after` is Keras' flag (ONNX `linear_before_reset`,
    /// always true for PyTorch).
    Gru {
        /// The reset gate multiplies the recurrent product plus its bias.
        reset_after: bool,
    },
}

impl Cell {
    /// Gate blocks per layer: 1, 4 or 3.
    pub fn gates(self) -> usize {
        match self {
            Cell::SimpleRnn(_) => 1,
            Cell::Lstm => 4,
            Cell::Gru { .. } => 3,
        }
    }

    /// The cell's name as the frameworks spell it.
    pub fn name(self) -> &'static str {
        match self {
            Cell::SimpleRnn(_) => "RNN",
            Cell::Lstm => "LSTM",
            Cell::Gru { .. } => "GRU",
        }
    }
}

/// One recurrent layer in rnn-core's gate order.
///
/// # Shapes
/// `w`: `G` blocks of `[H × I]` column-major; `u`: `G` blocks of `[H × H]`;
/// `b_input`, `b_recurrent`: `G·H` (the recurrent biases are used only by a
/// GRU with `reset_after`; every other cell adds its two framework biases
/// into `b_input`).
#[derive(Clone, Debug, PartialEq)]
pub struct Recurrent {
    /// Cell kind and options.
    pub cell: Cell,
    /// Input size `I` (features per timestep).
    pub input_size: usize,
    /// Hidden size `H` (units).
    pub hidden_size: usize,
    w: Vec<f32>,
    u: Vec<f32>,
    b_input: Vec<f32>,
    b_recurrent: Vec<f32>,
    use_bias: bool,
}

/// Which matrix of a [`Recurrent`] layer an array goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Matrix {
    /// The input weights (`W`, `kernel`, `weight_ih`).
    Input,
    /// The recurrent weights (`R`, `recurrent_kernel`, `weight_hh`).
    Recurrent,
}

/// Which bias of a [`Recurrent`] layer an array is added to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bias {
    /// Added to the gate pre-activations outside any reset product.
    Input,
    /// GRU with `reset_after`: inside the reset product. For every other
    /// cell this is the same as [`Bias::Input`] (the biases simply add).
    Recurrent,
}

/// Copies the gate blocks of `src` (`order[block]` = rnn-core gate) into
/// `dst`, gate `g` at `g·H·K`, each block `[H × K]` column-major.
fn scatter(dst: &mut [f32], src: &[f32], order: &[usize], h: usize, k: usize, layout: Layout) {
    let g = order.len();
    for (block, &gate) in order.iter().enumerate() {
        for col in 0..k {
            for row in 0..h {
                let stacked = block * h + row;
                let idx = match layout {
                    Layout::InputsByGates => col * g * h + stacked,
                    Layout::GatesByInputs => stacked * k + col,
                };
                dst[gate * h * k + col * h + row] = src[idx];
            }
        }
    }
}

/// `Err` with `expected` when `found` differs.
fn check_len(what: &str, found: usize, expected: usize) -> Result<(), String> {
    if found == expected {
        Ok(())
    } else {
        Err(format!("{what} has {found} values, expected {expected}"))
    }
}

impl Recurrent {
    /// A layer with zero weights and biases, to be filled with
    /// [`Recurrent::set_matrix`] and [`Recurrent::add_bias`].
    pub fn new(cell: Cell, input_size: usize, hidden_size: usize) -> Recurrent {
        let g = cell.gates();
        Recurrent {
            cell,
            input_size,
            hidden_size,
            w: vec![0.0; g * hidden_size * input_size],
            u: vec![0.0; g * hidden_size * hidden_size],
            b_input: vec![0.0; g * hidden_size],
            b_recurrent: vec![0.0; g * hidden_size],
            use_bias: true,
        }
    }

    /// Marks the layer as having no biases (the framework layer has none):
    /// it is written with `use_bias: false` and without bias parameters,
    /// and any bias added before is dropped.
    pub fn without_bias(&mut self) {
        self.use_bias = false;
        self.b_input.fill(0.0);
        self.b_recurrent.fill(0.0);
    }

    /// Sets the input or recurrent matrix from a stacked framework array.
    ///
    /// # Shapes
    /// `src`: `G·H × K` values in `layout`, `K` = input size or hidden size;
    /// `order[block]` = the rnn-core gate of the framework's gate block.
    ///
    /// # Errors
    /// A message when `src` or `order` has the wrong length.
    pub fn set_matrix(
        &mut self,
        which: Matrix,
        src: &[f32],
        order: &[usize],
        layout: Layout,
    ) -> Result<(), String> {
        let (h, g) = (self.hidden_size, self.cell.gates());
        check_len("the gate order", order.len(), g)?;
        let (dst, k) = match which {
            Matrix::Input => (&mut self.w, self.input_size),
            Matrix::Recurrent => (&mut self.u, h),
        };
        check_len("the matrix", src.len(), g * h * k)?;
        scatter(dst, src, order, h, k, layout);
        Ok(())
    }

    /// Adds a stacked framework bias `(G·H)` to the input or recurrent bias.
    ///
    /// # Errors
    /// A message when `src` or `order` has the wrong length.
    pub fn add_bias(&mut self, which: Bias, src: &[f32], order: &[usize]) -> Result<(), String> {
        let (h, g) = (self.hidden_size, self.cell.gates());
        check_len("the gate order", order.len(), g)?;
        check_len("the bias", src.len(), g * h)?;
        let inside_reset =
            which == Bias::Recurrent && matches!(self.cell, Cell::Gru { reset_after: true });
        let dst = if inside_reset {
            &mut self.b_recurrent
        } else {
            &mut self.b_input
        };
        for (block, &gate) in order.iter().enumerate() {
            for row in 0..h {
                dst[gate * h + row] += src[block * h + row];
            }
        }
        Ok(())
    }

    fn spec(&self) -> LayerSpec {
        let (input_size, hidden_size) = (self.input_size as u32, self.hidden_size as u32);
        match self.cell {
            Cell::SimpleRnn(activation) => LayerSpec::SimpleRnn {
                input_size,
                hidden_size,
                activation,
                use_bias: self.use_bias,
            },
            Cell::Lstm => LayerSpec::Lstm {
                input_size,
                hidden_size,
                use_bias: self.use_bias,
            },
            Cell::Gru { reset_after } => LayerSpec::Gru {
                input_size,
                hidden_size,
                reset_after,
                use_bias: self.use_bias,
            },
        }
    }

    fn push_params(&self, out: &mut Vec<f32>) {
        out.extend_from_slice(&self.w);
        out.extend_from_slice(&self.u);
        if !self.use_bias {
            return;
        }
        out.extend_from_slice(&self.b_input);
        if matches!(self.cell, Cell::Gru { reset_after: true }) {
            out.extend_from_slice(&self.b_recurrent);
        }
    }
}

/// A fully connected layer `y = act(W x + b)`.
///
/// # Shapes
/// `w`: `[O × I]` column-major; `b`: `[O]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dense {
    /// Input size `I`.
    pub input_size: usize,
    /// Output size `O` (units).
    pub output_size: usize,
    /// Activation (linear until the framework's next op says otherwise).
    pub activation: Activation,
    w: Vec<f32>,
    b: Vec<f32>,
}

impl Dense {
    /// A linear layer from a framework matrix and optional bias.
    ///
    /// # Shapes
    /// `w`: Keras `(I, O)` ([`Layout::InputsByGates`]) or PyTorch/ONNX
    /// `(O, I)` ([`Layout::GatesByInputs`]), row-major; `b`: `O` values.
    ///
    /// # Errors
    /// A message when a length does not match.
    pub fn new(
        input_size: usize,
        output_size: usize,
        w: &[f32],
        layout: Layout,
        b: Option<&[f32]>,
    ) -> Result<Dense, String> {
        check_len("the weight matrix", w.len(), input_size * output_size)?;
        let mut dense = Dense {
            input_size,
            output_size,
            activation: Activation::Linear,
            w: vec![0.0; input_size * output_size],
            b: vec![0.0; output_size],
        };
        scatter(&mut dense.w, w, &[0], output_size, input_size, layout);
        if let Some(b) = b {
            dense.set_bias(b)?;
        }
        Ok(dense)
    }

    /// Sets the bias.
    ///
    /// # Errors
    /// A message when `b` does not have `O` values.
    pub fn set_bias(&mut self, b: &[f32]) -> Result<(), String> {
        check_len("the bias", b.len(), self.output_size)?;
        self.b.copy_from_slice(b);
        Ok(())
    }

    /// Multiplies every weight (ONNX `Gemm` `alpha`) or bias (`beta`).
    pub fn scale(&mut self, weights: f32, bias: f32) {
        self.w.iter_mut().for_each(|v| *v *= weights);
        self.b.iter_mut().for_each(|v| *v *= bias);
    }
}

/// A model read from another framework: recurrent layers, then a Dense
/// head (possibly empty: the output is the last hidden state).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Imported {
    /// Recurrent layers, input side first.
    pub recurrent: Vec<Recurrent>,
    /// Dense layers on the last timestep's output.
    pub dense: Vec<Dense>,
    /// What the user should know about the import (graph inputs that are
    /// states, defaults assumed, ...), one sentence each.
    pub notes: Vec<String>,
}

impl Imported {
    /// Layers in order, as `(index, description)` for messages.
    fn describe(&self, index: usize) -> String {
        match self.recurrent.get(index) {
            Some(r) => format!("layer {index} ({} {})", r.cell.name(), r.hidden_size),
            None => format!(
                "layer {index} (Dense {})",
                self.dense[index - self.recurrent.len()].output_size
            ),
        }
    }

    /// The weight-file records and parameters, after checking that the
    /// layers chain and every value is finite.
    ///
    /// # Errors
    /// A message naming the layer whose input size differs from the
    /// previous layer's output, or the first non-finite weight; or when
    /// there is no recurrent layer.
    pub fn to_file(&self) -> Result<(Vec<LayerSpec>, Vec<f32>), String> {
        if self.recurrent.is_empty() {
            return Err("the model has no recurrent layer".to_string());
        }
        let mut specs = Vec::new();
        let mut params = Vec::new();
        let mut prev: Option<usize> = None;
        let sizes = self
            .recurrent
            .iter()
            .map(|r| (r.input_size, r.hidden_size))
            .chain(self.dense.iter().map(|d| (d.input_size, d.output_size)));
        for (index, (input, output)) in sizes.enumerate() {
            if let Some(p) = prev.filter(|&p| p != input) {
                return Err(format!(
                    "{} takes {input} inputs but the layer before gives {p}",
                    self.describe(index)
                ));
            }
            prev = Some(output);
        }
        for (index, r) in self.recurrent.iter().enumerate() {
            specs.push(r.spec());
            let start = params.len();
            r.push_params(&mut params);
            non_finite(&params[start..], || self.describe(index))?;
        }
        for (k, d) in self.dense.iter().enumerate() {
            specs.push(LayerSpec::Dense {
                input_size: d.input_size as u32,
                output_size: d.output_size as u32,
                activation: d.activation,
                use_bias: true,
            });
            let start = params.len();
            params.extend_from_slice(&d.w);
            params.extend_from_slice(&d.b);
            non_finite(&params[start..], || self.describe(self.recurrent.len() + k))?;
        }
        Ok((specs, params))
    }
}

fn non_finite(values: &[f32], layer: impl Fn() -> String) -> Result<(), String> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(format!(
            "{} has a non-finite weight ({}) at parameter {i}",
            layer(),
            values[i]
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rnn_core::import::gate_order::{KERAS_GRU, ONNX_LSTM, PYTORCH_GRU};
    use rnn_core::{Gru, Layer, Lstm};

    fn ramp(n: usize, scale: f32) -> Vec<f32> {
        (0..n).map(|i| (i as f32 * scale).sin()).collect()
    }

    fn params_of(layer: &impl Layer) -> Vec<f32> {
        let mut out = Vec::new();
        layer.visit_params(&mut |p| out.extend_from_slice(p));
        out
    }

    #[test]
    fn onnx_lstm_matches_rnn_core_set_onnx_weights() {
        let (w, r, b) = (ramp(4 * 3 * 2, 0.7), ramp(4 * 3 * 3, 0.3), ramp(8 * 3, 1.1));
        let mut core = Lstm::<2, 3>::zeroed();
        core.set_onnx_weights(&w, &r, Some(&b)).unwrap();
        let mut mine = Recurrent::new(Cell::Lstm, 2, 3);
        mine.set_matrix(Matrix::Input, &w, &ONNX_LSTM, Layout::GatesByInputs)
            .unwrap();
        mine.set_matrix(Matrix::Recurrent, &r, &ONNX_LSTM, Layout::GatesByInputs)
            .unwrap();
        mine.add_bias(Bias::Input, &b[..12], &ONNX_LSTM).unwrap();
        mine.add_bias(Bias::Recurrent, &b[12..], &ONNX_LSTM)
            .unwrap();
        let mut params = Vec::new();
        mine.push_params(&mut params);
        assert_eq!(params, params_of(&core));
        assert_eq!(mine.spec(), core.spec(0).unwrap());
    }

    #[test]
    fn keras_gru_reset_after_matches_rnn_core_set_keras_weights() {
        let (k, u, b) = (ramp(2 * 9, 0.7), ramp(3 * 9, 0.3), ramp(18, 1.3));
        let mut core = Gru::<2, 3>::zeroed();
        core.set_keras_weights(&k, &u, Some(&b), true).unwrap();
        let mut mine = Recurrent::new(Cell::Gru { reset_after: true }, 2, 3);
        mine.set_matrix(Matrix::Input, &k, &KERAS_GRU, Layout::InputsByGates)
            .unwrap();
        mine.set_matrix(Matrix::Recurrent, &u, &KERAS_GRU, Layout::InputsByGates)
            .unwrap();
        mine.add_bias(Bias::Input, &b[..9], &KERAS_GRU).unwrap();
        mine.add_bias(Bias::Recurrent, &b[9..], &KERAS_GRU).unwrap();
        let mut params = Vec::new();
        mine.push_params(&mut params);
        assert_eq!(params, params_of(&core));
    }

    #[test]
    fn pytorch_gru_blocks_are_reordered() {
        // PyTorch r, z, n: the first block goes to rnn-core's reset gate.
        let mut g = Recurrent::new(Cell::Gru { reset_after: true }, 1, 1);
        g.set_matrix(
            Matrix::Input,
            &[1.0, 2.0, 3.0],
            &PYTORCH_GRU,
            Layout::GatesByInputs,
        )
        .unwrap();
        assert_eq!(g.w, [2.0, 1.0, 3.0]);
        assert!(g
            .set_matrix(
                Matrix::Input,
                &[1.0, 2.0],
                &PYTORCH_GRU,
                Layout::GatesByInputs
            )
            .unwrap_err()
            .contains("2 values, expected 3"));
    }

    #[test]
    fn to_file_refuses_broken_chains_and_nan() {
        let mut m = Imported::default();
        assert!(m.to_file().unwrap_err().contains("no recurrent layer"));
        m.recurrent.push(Recurrent::new(Cell::Lstm, 1, 4));
        m.dense
            .push(Dense::new(3, 1, &[0.0; 3], Layout::GatesByInputs, None).unwrap());
        let e = m.to_file().unwrap_err();
        assert!(
            e.contains("layer 1 (Dense 1) takes 3 inputs but the layer before gives 4"),
            "{e}"
        );
        m.dense[0] = Dense::new(
            4,
            1,
            &[0.0, f32::NAN, 0.0, 0.0],
            Layout::GatesByInputs,
            None,
        )
        .unwrap();
        let e = m.to_file().unwrap_err();
        assert!(
            e.contains("layer 1 (Dense 1) has a non-finite weight (NaN) at parameter 1"),
            "{e}"
        );
    }
}
