//! What one streaming step of each layer costs, counted from the weight
//! file's layer records: parameters, bytes of weights and state, multiply-
//! adds and activation evaluations.
//!
//! Multiply-adds count the matrix-vector products (`W x` and `U h` per
//! gate, `W x` for Dense); activations count the sigmoid and tanh
//! evaluations and the exponentials of a softmax (ReLU and linear are a
//! comparison or nothing, and are not counted). Elementwise gate products and bias additions are not counted.
//! These are the counts of Keras's layer equations (see
//! `docs/weight-format.md` for the gate order), and what issue 9 quotes for
//! LSTM(1→16) + Dense(1): 1,104 multiply-adds and 80 activations.

use rnn_core::format::LayerSpec;
use rnn_core::quant::format::QLayerSpec;
use rnn_core::Activation;
use serde::Serialize;

use crate::report::{keras_kind, state_bytes, weight_bytes};

/// The per-step cost of one layer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LayerCost {
    /// Keras class name and sizes, e.g. `LSTM(1→16)`.
    pub layer: String,
    /// Trainable parameters (Keras's `count_params`).
    pub params: usize,
    /// Bytes of the layer's parameters in rnn-core: the compile-time
    /// struct for a float layer ([`weight_bytes`]); int8 weights, int32
    /// biases and the int16 multipliers and shifts for a quantized one
    /// ([`QLayerSpec::param_bytes`]).
    pub weight_bytes: usize,
    /// Bytes of one stream's state: `h` (and `c` for LSTM), `f32` or `i16`.
    pub state_bytes: usize,
    /// Multiply-adds per step.
    pub multiply_adds: usize,
    /// Sigmoid and tanh evaluations and softmax exponentials per step.
    pub activations: usize,
}

/// Multiply-adds and sigmoid/tanh evaluations of one step: `(I, H)` sizes,
/// `gates` matrix pairs, `act` the per-unit activations.
fn recurrent(i: usize, h: usize, gates: usize, activations: usize) -> (usize, usize) {
    (gates * h * (i + h), activations * h)
}

/// Whether `act` evaluates a transcendental function per unit (sigmoid,
/// tanh, softmax's exponential).
fn transcendental(act: Activation) -> bool {
    matches!(
        act,
        Activation::Tanh | Activation::Sigmoid | Activation::Softmax
    )
}

/// Per-step counts of a float layer. Returns `None` when a count
/// overflows `usize` (sizes no file rnn-core loads can have).
pub fn float_layer(spec: &LayerSpec) -> Option<LayerCost> {
    let shape = spec.shape();
    let (i, h) = (shape.input_size as usize, shape.units as usize);
    let (multiply_adds, activations) = match *spec {
        // SimpleRNN: h' = act(W x + U h + b).
        LayerSpec::SimpleRnn { activation, .. } => {
            recurrent(i, h, 1, usize::from(transcendental(activation)))
        }
        // LSTM: 4 gates; sigmoid on i, f, o, tanh on g and on c'.
        LayerSpec::Lstm { .. } => recurrent(i, h, 4, 5),
        // GRU: 3 gates; sigmoid on z, r, tanh on the candidate.
        LayerSpec::Gru { .. } => recurrent(i, h, 3, 3),
        LayerSpec::Dense { activation, .. } => {
            (i * h, if transcendental(activation) { h } else { 0 })
        }
    };
    Some(LayerCost {
        layer: format!("{}({i}→{h})", keras_kind(spec)),
        params: spec.param_count()?,
        weight_bytes: weight_bytes(spec),
        state_bytes: state_bytes(spec),
        multiply_adds,
        activations,
    })
}

/// Per-step counts of a quantized layer (format version 3). Returns `None`
/// when a count overflows `usize`.
pub fn quantized_layer(spec: &QLayerSpec) -> Option<LayerCost> {
    // The float layer it was quantized from: quantized layers always have
    // biases, and a quantized SimpleRNN is tanh.
    let float = match *spec {
        QLayerSpec::SimpleRnn {
            input_size,
            hidden_size,
            ..
        } => LayerSpec::SimpleRnn {
            input_size,
            hidden_size,
            activation: Activation::Tanh,
            use_bias: true,
        },
        QLayerSpec::Lstm {
            input_size,
            hidden_size,
            ..
        } => LayerSpec::Lstm {
            input_size,
            hidden_size,
            use_bias: true,
        },
        QLayerSpec::Gru {
            input_size,
            hidden_size,
            reset_after,
            ..
        } => LayerSpec::Gru {
            input_size,
            hidden_size,
            reset_after,
            use_bias: true,
        },
        QLayerSpec::Dense {
            input_size,
            output_size,
            activation,
            ..
        } => LayerSpec::Dense {
            input_size,
            output_size,
            activation,
            use_bias: true,
        },
    };
    let counts = float_layer(&float)?;
    Some(LayerCost {
        weight_bytes: spec.param_bytes()?,
        // int16 instead of f32.
        state_bytes: counts.state_bytes / 2,
        ..counts
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// LSTM(1→16) + Dense(16→1), the bundled model, counted by hand:
    /// LSTM params 4·(16·1 + 16·16 + 16) = 1,152; multiply-adds
    /// 4·16·(1 + 16) = 1,088; activations 5·16 = 80 (sigmoid on i, f, o,
    /// tanh on g and c); state h and c, 2·16·4 = 128 B; weights
    /// 4·1,152 + 1 flag byte, rounded to 4 = 4,612 B. Dense: 17 params,
    /// 16 multiply-adds, no activation (linear), 4·17 + 2 → 72 B.
    #[test]
    fn lstm_and_dense_by_hand() {
        let lstm = float_layer(&LayerSpec::Lstm {
            input_size: 1,
            hidden_size: 16,
            use_bias: true,
        })
        .unwrap();
        assert_eq!(
            lstm,
            LayerCost {
                layer: "LSTM(1→16)".into(),
                params: 1152,
                weight_bytes: 4612,
                state_bytes: 128,
                multiply_adds: 1088,
                activations: 80,
            }
        );
        let dense = float_layer(&LayerSpec::Dense {
            input_size: 16,
            output_size: 1,
            activation: Activation::Linear,
            use_bias: true,
        })
        .unwrap();
        assert_eq!(
            (dense.params, dense.weight_bytes, dense.state_bytes),
            (17, 72, 0)
        );
        assert_eq!((dense.multiply_adds, dense.activations), (16, 0));
        // Issue 9's figures for the whole model.
        assert_eq!(lstm.multiply_adds + dense.multiply_adds, 1104);
    }

    /// GRU(3→8) reset_after (Keras 3 default: two bias vectors), GRU(8→4)
    /// without, SimpleRNN relu and a sigmoid Dense, counted by hand.
    #[test]
    fn gru_simple_rnn_and_activations_by_hand() {
        let gru = float_layer(&LayerSpec::Gru {
            input_size: 3,
            hidden_size: 8,
            reset_after: true,
            use_bias: true,
        })
        .unwrap();
        // 3·(8·3 + 8·8) + 2·3·8 = 264 + 48 = 312 params.
        assert_eq!(
            (gru.params, gru.multiply_adds, gru.activations),
            (312, 264, 24)
        );
        assert_eq!(gru.state_bytes, 32);
        let gru = float_layer(&LayerSpec::Gru {
            input_size: 8,
            hidden_size: 4,
            reset_after: false,
            use_bias: true,
        })
        .unwrap();
        // 3·(4·8 + 4·4) + 3·4 = 144 + 12 = 156 params; 144 multiply-adds.
        assert_eq!(
            (gru.params, gru.multiply_adds, gru.activations),
            (156, 144, 12)
        );
        let relu = float_layer(&LayerSpec::SimpleRnn {
            input_size: 2,
            hidden_size: 5,
            activation: Activation::Relu,
            use_bias: false,
        })
        .unwrap();
        // 5·2 + 5·5 = 35 weights, no bias; ReLU is not counted.
        assert_eq!(
            (relu.params, relu.multiply_adds, relu.activations),
            (35, 35, 0)
        );
        let head = float_layer(&LayerSpec::Dense {
            input_size: 4,
            output_size: 3,
            activation: Activation::Sigmoid,
            use_bias: true,
        })
        .unwrap();
        assert_eq!(
            (head.params, head.multiply_adds, head.activations),
            (15, 12, 3)
        );
    }

    /// The quantized LSTM(1→16): 1,088 int8 weights and 64 rows of
    /// 7 bytes (int32 bias, int16 multiplier, shift byte) = 1,536 B;
    /// state h and c in int16, 64 B; the same multiply-adds.
    #[test]
    fn quantized_lstm_by_hand() {
        let q = quantized_layer(&QLayerSpec::Lstm {
            input_size: 1,
            hidden_size: 16,
            input_frac: 14,
            cell_frac: 14,
        })
        .unwrap();
        assert_eq!(q.weight_bytes, 1088 + 64 * 7);
        assert_eq!(q.state_bytes, 64);
        assert_eq!((q.params, q.multiply_adds, q.activations), (1152, 1088, 80));
    }
}
