//! The records of a quantized weight file (format version 3).
//!
//! See `docs/weight-format.md`, section "Version 3", for the byte layout.

use heapless::Vec;
use serde::{Deserialize, Serialize};

use crate::activation::Activation;
use crate::format::spec::{LayerKind, LayerShape, Metadata, MAGIC, MAX_LAYERS};

pub use crate::format::spec::MAGIC as QUANTIZED_MAGIC;

/// The format version of quantized weight files.
pub const QUANTIZED_FORMAT_VERSION: u16 = 3;

/// Bytes per output row of the requantization arrays: bias (i32), multiplier
/// mantissa (u16), shift (u8).
pub(crate) const ROW_BYTES: usize = 4 + 2 + 1;

/// One quantized layer: kind, sizes and the fixed-point formats of its
/// input, output and (LSTM) cell state.
///
/// A `frac` is a number of fractional bits: an int16 `q` stands for
/// `q · 2^-frac`. Hidden states are always Q15 (`frac = 15`); gate
/// pre-activations Q3.12. Weights are int8 with one symmetric scale per
/// output row (gate and unit), folded into each row's multiplier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum QLayerSpec {
    /// `h' = tanh(W x + U h + b)` (Keras `SimpleRNN`, tanh only).
    SimpleRnn {
        /// Input size `I`.
        input_size: u32,
        /// Hidden size `H` (units).
        hidden_size: u32,
        /// Fractional bits of the input, at most 15.
        input_frac: u8,
    },
    /// Keras `LSTM` (gates i, f, g, o).
    Lstm {
        /// Input size `I`.
        input_size: u32,
        /// Hidden size `H` (units).
        hidden_size: u32,
        /// Fractional bits of the input, at most 15.
        input_frac: u8,
        /// Fractional bits of the int16 cell state, at most 15 (a power-of-two scale).
        cell_frac: u8,
    },
    /// Keras `GRU` (gates z, r, n), either `reset_after` variant.
    Gru {
        /// Input size `I`.
        input_size: u32,
        /// Hidden size `H` (units).
        hidden_size: u32,
        /// Fractional bits of the input, at most 15.
        input_frac: u8,
        /// Keras `reset_after`.
        reset_after: bool,
    },
    /// `y = act(W x + b)` (Keras `Dense`).
    Dense {
        /// Input size `I`.
        input_size: u32,
        /// Output size `O`.
        output_size: u32,
        /// Fractional bits of the input (any, the multipliers absorb it).
        input_frac: u8,
        /// Fractional bits of the output: 15 for tanh and sigmoid.
        output_frac: u8,
        /// `act`.
        activation: Activation,
    },
}

impl QLayerSpec {
    /// Kind and sizes, as the float format names them.
    pub fn shape(&self) -> LayerShape {
        let (kind, input_size, units) = match *self {
            QLayerSpec::SimpleRnn {
                input_size,
                hidden_size,
                ..
            } => (LayerKind::SimpleRnn, input_size, hidden_size),
            QLayerSpec::Lstm {
                input_size,
                hidden_size,
                ..
            } => (LayerKind::Lstm, input_size, hidden_size),
            QLayerSpec::Gru {
                input_size,
                hidden_size,
                ..
            } => (LayerKind::Gru, input_size, hidden_size),
            QLayerSpec::Dense {
                input_size,
                output_size,
                ..
            } => (LayerKind::Dense, input_size, output_size),
        };
        LayerShape {
            kind,
            input_size,
            units,
        }
    }

    /// Fractional bits of the layer's input.
    pub fn input_frac(&self) -> u8 {
        match *self {
            QLayerSpec::SimpleRnn { input_frac, .. }
            | QLayerSpec::Lstm { input_frac, .. }
            | QLayerSpec::Gru { input_frac, .. }
            | QLayerSpec::Dense { input_frac, .. } => input_frac,
        }
    }

    /// Fractional bits of the layer's output (15 for the RNN layers).
    pub fn output_frac(&self) -> u8 {
        match *self {
            QLayerSpec::Dense { output_frac, .. } => output_frac,
            _ => 15,
        }
    }

    /// `(weight rows, weight columns, recurrent rows, requantized rows)`:
    /// rows of `W` (`I` columns) and of `U` (`H` columns), and rows with a
    /// bias, multiplier and shift.
    pub(crate) fn rows(&self) -> (usize, usize, usize, usize) {
        let LayerShape {
            input_size, units, ..
        } = self.shape();
        let (i, h) = (input_size as usize, units as usize);
        match self {
            QLayerSpec::SimpleRnn { .. } => (h, i, h, h),
            QLayerSpec::Lstm { .. } => (4 * h, i, 4 * h, 4 * h),
            QLayerSpec::Gru { .. } => (3 * h, i, 3 * h, 4 * h),
            QLayerSpec::Dense { .. } => (h, i, 0, h),
        }
    }

    /// Bytes of this layer's parameters in the file (`None` on overflow):
    /// `rows_W · I + rows_U · H` int8 weights and 7 bytes per requantized row.
    pub fn param_bytes(&self) -> Option<usize> {
        let (wr, i, ur, rr) = self.rows();
        let h = self.shape().units as usize;
        wr.checked_mul(i)?
            .checked_add(ur.checked_mul(h)?)?
            .checked_add(rr.checked_mul(ROW_BYTES)?)
    }
}

/// The header of a quantized weight file, decoded with postcard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QHeader {
    /// Always [`MAGIC`].
    pub magic: [u8; 4],
    /// Always [`QUANTIZED_FORMAT_VERSION`].
    pub version: u16,
    /// The layers, first to last.
    pub layers: Vec<QLayerSpec, MAX_LAYERS>,
    /// Preprocessing of the float model it was quantized from, if any.
    pub metadata: Option<Metadata>,
    /// Bytes of parameters that follow the header: the sum of
    /// [`QLayerSpec::param_bytes`].
    pub param_bytes: u32,
}

impl QHeader {
    /// A header for `layers` (at most [`MAX_LAYERS`]); `None` when there
    /// are too many or the sizes overflow.
    pub fn new(layers: &[QLayerSpec], metadata: Option<Metadata>) -> Option<Self> {
        let mut total = 0usize;
        for l in layers {
            total = total.checked_add(l.param_bytes()?)?;
        }
        Some(Self {
            magic: MAGIC,
            version: QUANTIZED_FORMAT_VERSION,
            layers: Vec::from_slice(layers).ok()?,
            metadata,
            param_bytes: u32::try_from(total).ok()?,
        })
    }
}
