//! The one place where framework gate orders are mapped to rnn-core's.
//!
//! Each array gives, for the framework's gate block `k` (in its own order),
//! the index of that gate in rnn-core's arrays. rnn-core keeps Keras's
//! orders: LSTM i, f, g(c), o and GRU z, r, n(h).

use crate::layers::gru::{CANDIDATE_GATE, RESET_GATE, UPDATE_GATE};
use crate::layers::lstm::{CELL_GATE, FORGET_GATE, INPUT_GATE, OUTPUT_GATE};

/// Keras `LSTM` `kernel`/`recurrent_kernel`/`bias` blocks: i, f, c, o.
pub const KERAS_LSTM: [usize; 4] = [INPUT_GATE, FORGET_GATE, CELL_GATE, OUTPUT_GATE];
/// ONNX `LSTM` `W`/`R`/`B` blocks: i, o, f, c.
pub const ONNX_LSTM: [usize; 4] = [INPUT_GATE, OUTPUT_GATE, FORGET_GATE, CELL_GATE];
/// PyTorch `nn.LSTM` `weight_ih`/`weight_hh` blocks: i, f, g, o.
pub const PYTORCH_LSTM: [usize; 4] = [INPUT_GATE, FORGET_GATE, CELL_GATE, OUTPUT_GATE];
/// Keras `GRU` blocks: z, r, h.
pub const KERAS_GRU: [usize; 3] = [UPDATE_GATE, RESET_GATE, CANDIDATE_GATE];
/// ONNX `GRU` blocks: z, r, h.
pub const ONNX_GRU: [usize; 3] = [UPDATE_GATE, RESET_GATE, CANDIDATE_GATE];
/// PyTorch `nn.GRU` blocks: r, z, n.
pub const PYTORCH_GRU: [usize; 3] = [RESET_GATE, UPDATE_GATE, CANDIDATE_GATE];
