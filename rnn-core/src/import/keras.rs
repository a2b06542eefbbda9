//! Keras `layer.get_weights()` arrays into rnn-core layers.
//!
//! Arrays are flat, row-major, exactly as Keras stores them:
//! `kernel (I, G·H)`, `recurrent_kernel (H, G·H)`, `bias (G·H)` (GRU with
//! `reset_after=True`: `(2, 3·H)`, input bias row then recurrent bias row).

use nalgebra::SVector;

use super::gate_order::{KERAS_GRU, KERAS_LSTM};
use super::{add_bias, check_len, scatter_matrix, Layout};
use crate::activation::Activation;
use crate::error::Error;
use crate::layers::dense::Dense;
use crate::layers::gru::Gru;
use crate::layers::lstm::Lstm;
use crate::layers::simple_rnn::SimpleRnn;

fn check_bias(bias: Option<&[f32]>, expected: usize) -> Result<(), Error> {
    bias.map_or(Ok(()), |b| check_len(b.len(), expected))
}

impl<const I: usize, const H: usize> SimpleRnn<I, H> {
    /// Sets the weights from Keras `SimpleRNN` arrays; `bias: None` means
    /// `use_bias=False`.
    ///
    /// # Errors
    /// [`Error::Length`] when an array's length is not `I·H`, `H·H` or `H`.
    pub fn set_keras_weights(
        &mut self,
        kernel: &[f32],
        recurrent_kernel: &[f32],
        bias: Option<&[f32]>,
        activation: Activation,
    ) -> Result<(), Error> {
        check_len(kernel.len(), I * H)?;
        check_len(recurrent_kernel.len(), H * H)?;
        check_bias(bias, H)?;
        scatter_matrix(
            core::array::from_mut(&mut self.w),
            kernel,
            &[0],
            Layout::InputsByGates,
        );
        scatter_matrix(
            core::array::from_mut(&mut self.u),
            recurrent_kernel,
            &[0],
            Layout::InputsByGates,
        );
        self.b = SVector::zeros();
        if let Some(b) = bias {
            add_bias(core::array::from_mut(&mut self.b), b, &[0]);
        }
        self.activation = activation;
        self.use_bias = bias.is_some();
        Ok(())
    }
}

impl<const I: usize, const H: usize> Lstm<I, H> {
    /// Sets the weights from Keras `LSTM` arrays (gate blocks i, f, c, o);
    /// `bias: None` means `use_bias=False`.
    ///
    /// # Errors
    /// [`Error::Length`] when an array's length is not `4·I·H`, `4·H·H` or `4·H`.
    pub fn set_keras_weights(
        &mut self,
        kernel: &[f32],
        recurrent_kernel: &[f32],
        bias: Option<&[f32]>,
    ) -> Result<(), Error> {
        check_len(kernel.len(), 4 * I * H)?;
        check_len(recurrent_kernel.len(), 4 * H * H)?;
        check_bias(bias, 4 * H)?;
        scatter_matrix(&mut self.w, kernel, &KERAS_LSTM, Layout::InputsByGates);
        scatter_matrix(
            &mut self.u,
            recurrent_kernel,
            &KERAS_LSTM,
            Layout::InputsByGates,
        );
        self.b = [SVector::zeros(); 4];
        if let Some(b) = bias {
            add_bias(&mut self.b, b, &KERAS_LSTM);
        }
        self.use_bias = bias.is_some();
        Ok(())
    }
}

impl<const I: usize, const H: usize> Gru<I, H> {
    /// Sets the weights from Keras `GRU` arrays (gate blocks z, r, h).
    ///
    /// `bias` is `(2, 3·H)` flattened (`6·H` values) when `reset_after`,
    /// else `3·H`; `None` means `use_bias=False`.
    ///
    /// # Errors
    /// [`Error::Length`] when an array's length does not match.
    pub fn set_keras_weights(
        &mut self,
        kernel: &[f32],
        recurrent_kernel: &[f32],
        bias: Option<&[f32]>,
        reset_after: bool,
    ) -> Result<(), Error> {
        check_len(kernel.len(), 3 * I * H)?;
        check_len(recurrent_kernel.len(), 3 * H * H)?;
        check_bias(bias, if reset_after { 6 * H } else { 3 * H })?;
        scatter_matrix(&mut self.w, kernel, &KERAS_GRU, Layout::InputsByGates);
        scatter_matrix(
            &mut self.u,
            recurrent_kernel,
            &KERAS_GRU,
            Layout::InputsByGates,
        );
        self.b_input = [SVector::zeros(); 3];
        self.b_recurrent = [SVector::zeros(); 3];
        if let Some(b) = bias {
            let (input, recurrent) = b.split_at(3 * H);
            add_bias(&mut self.b_input, input, &KERAS_GRU);
            if reset_after {
                add_bias(&mut self.b_recurrent, recurrent, &KERAS_GRU);
            }
        }
        self.reset_after = reset_after;
        self.use_bias = bias.is_some();
        Ok(())
    }
}

impl<const I: usize, const O: usize> Dense<I, O> {
    /// Sets the weights from Keras `Dense` arrays `kernel (I, O)` and
    /// `bias (O)`; `bias: None` means `use_bias=False`.
    ///
    /// # Errors
    /// [`Error::Length`] when an array's length is not `I·O` or `O`.
    pub fn set_keras_weights(
        &mut self,
        kernel: &[f32],
        bias: Option<&[f32]>,
        activation: Activation,
    ) -> Result<(), Error> {
        check_len(kernel.len(), I * O)?;
        check_bias(bias, O)?;
        scatter_matrix(
            core::array::from_mut(&mut self.w),
            kernel,
            &[0],
            Layout::InputsByGates,
        );
        self.b = SVector::zeros();
        if let Some(b) = bias {
            add_bias(core::array::from_mut(&mut self.b), b, &[0]);
        }
        self.activation = activation;
        self.use_bias = bias.is_some();
        Ok(())
    }
}
