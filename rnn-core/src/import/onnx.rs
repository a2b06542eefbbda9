//! ONNX `RNN`/`LSTM`/`GRU` initializers (forward direction, layout 0) into
//! rnn-core layers.
//!
//! Arrays are flat, row-major, with the leading `num_directions = 1` axis
//! dropped: `W (G·H, I)`, `R (G·H, H)`, `B (2·G·H) = [Wb | Rb]`. ONNX adds
//! `Wb + Rb` wherever both appear, so they are summed here, except for the
//! GRU candidate with `linear_before_reset = 1`, where `Rb_h` sits inside the
//! reset product (rnn-core's `b_recurrent`).
//!
//! Source: [ONNX operators](https://onnx.ai/onnx/operators/onnx__LSTM.html).

use nalgebra::SVector;

use super::gate_order::{ONNX_GRU, ONNX_LSTM};
use super::{add_bias, check_len, scatter_matrix, Layout};
use crate::activation::Activation;
use crate::error::Error;
use crate::layers::gru::Gru;
use crate::layers::lstm::Lstm;
use crate::layers::simple_rnn::SimpleRnn;

impl<const I: usize, const H: usize> SimpleRnn<I, H> {
    /// Sets the weights from an ONNX `RNN` node (`activations[0]` given as
    /// `activation`); `b: None` when `B` is omitted.
    ///
    /// # Errors
    /// [`Error::Length`] when an array's length is not `H·I`, `H·H` or `2·H`.
    pub fn set_onnx_weights(
        &mut self,
        w: &[f32],
        r: &[f32],
        b: Option<&[f32]>,
        activation: Activation,
    ) -> Result<(), Error> {
        check_len(w.len(), H * I)?;
        check_len(r.len(), H * H)?;
        b.map_or(Ok(()), |b| check_len(b.len(), 2 * H))?;
        let one = core::array::from_mut(&mut self.w);
        scatter_matrix(one, w, &[0], Layout::GatesByInputs);
        let one = core::array::from_mut(&mut self.u);
        scatter_matrix(one, r, &[0], Layout::GatesByInputs);
        self.b = SVector::zeros();
        if let Some(b) = b {
            let (wb, rb) = b.split_at(H);
            add_bias(core::array::from_mut(&mut self.b), wb, &[0]);
            add_bias(core::array::from_mut(&mut self.b), rb, &[0]);
        }
        self.activation = activation;
        self.use_bias = b.is_some();
        Ok(())
    }
}

impl<const I: usize, const H: usize> Lstm<I, H> {
    /// Sets the weights from an ONNX `LSTM` node (gate blocks i, o, f, c; no
    /// peepholes); `b: None` when `B` is omitted.
    ///
    /// # Errors
    /// [`Error::Length`] when an array's length is not `4·H·I`, `4·H·H` or `8·H`.
    pub fn set_onnx_weights(
        &mut self,
        w: &[f32],
        r: &[f32],
        b: Option<&[f32]>,
    ) -> Result<(), Error> {
        check_len(w.len(), 4 * H * I)?;
        check_len(r.len(), 4 * H * H)?;
        b.map_or(Ok(()), |b| check_len(b.len(), 8 * H))?;
        scatter_matrix(&mut self.w, w, &ONNX_LSTM, Layout::GatesByInputs);
        scatter_matrix(&mut self.u, r, &ONNX_LSTM, Layout::GatesByInputs);
        self.b = [SVector::zeros(); 4];
        if let Some(b) = b {
            let (wb, rb) = b.split_at(4 * H);
            add_bias(&mut self.b, wb, &ONNX_LSTM);
            add_bias(&mut self.b, rb, &ONNX_LSTM);
        }
        self.use_bias = b.is_some();
        Ok(())
    }
}

impl<const I: usize, const H: usize> Gru<I, H> {
    /// Sets the weights from an ONNX `GRU` node (gate blocks z, r, h);
    /// `linear_before_reset = 1` maps to `reset_after = true`.
    ///
    /// # Errors
    /// [`Error::Length`] when an array's length is not `3·H·I`, `3·H·H` or `6·H`.
    pub fn set_onnx_weights(
        &mut self,
        w: &[f32],
        r: &[f32],
        b: Option<&[f32]>,
        linear_before_reset: bool,
    ) -> Result<(), Error> {
        check_len(w.len(), 3 * H * I)?;
        check_len(r.len(), 3 * H * H)?;
        b.map_or(Ok(()), |b| check_len(b.len(), 6 * H))?;
        scatter_matrix(&mut self.w, w, &ONNX_GRU, Layout::GatesByInputs);
        scatter_matrix(&mut self.u, r, &ONNX_GRU, Layout::GatesByInputs);
        self.b_input = [SVector::zeros(); 3];
        self.b_recurrent = [SVector::zeros(); 3];
        if let Some(b) = b {
            let (wb, rb) = b.split_at(3 * H);
            add_bias(&mut self.b_input, wb, &ONNX_GRU);
            if linear_before_reset {
                add_bias(&mut self.b_recurrent, rb, &ONNX_GRU);
            } else {
                add_bias(&mut self.b_input, rb, &ONNX_GRU);
            }
        }
        self.reset_after = linear_before_reset;
        self.use_bias = b.is_some();
        Ok(())
    }
}
