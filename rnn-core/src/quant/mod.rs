//! Integer inference for microcontrollers without an FPU: quantized
//! SimpleRNN (tanh), LSTM, GRU (both `reset_after` variants) and Dense,
//! const-generic, `no_std`, no heap, stackable with [`crate::Stack`] like
//! the float layers. A step uses integer arithmetic only.
//!
//! | tensor | type | scale |
//! | --- | --- | --- |
//! | weights | int8 | symmetric, one per output row (gate and unit): `s` for `U`, `s · 2^k` for `W` |
//! | accumulator | int32 | `s_row · 2^-15`, bias stored in it |
//! | model input | int16 | `2^-input_frac` (per tensor, calibrated) |
//! | gate pre-activation | int16 | Q3.12 |
//! | gate output, hidden state | int16 | Q15 |
//! | LSTM cell state | int16 | `2^-cell_frac` (per layer, calibrated) |
//! | Dense output | int16 | `2^-output_frac` (calibrated; Q15 after tanh/sigmoid) |
//!
//! Zero points are 0 everywhere (symmetric). The layer input is shifted to
//! Q15 (`x << (15 - input_frac)`) so that `W x` and `U h` share one
//! accumulator, and each row is requantized once by a fixed-point
//! multiplier and shift ([`fixed::rescale`]): the scheme of Jacob et al.
//! (CVPR 2018) used by TensorFlow Lite and CMSIS-NN, with a 15-bit mantissa
//! so that no 64-bit multiply is needed (Cortex-M0 has none). The gate
//! formats (Q3.12 in, Q15 out, power-of-two cell scale) are those of
//! CMSIS-NN's int16 LSTM (`arm_lstm_unidirectional_s16`).
//! Sigmoid and tanh are [`activation`]'s table interpolations, their
//! maximum errors stated there and tested over every int16 input.
//!
//! Accuracy (test `quant_accuracy`, `cargo test -p rnn-core --features std
//! --test models quant_accuracy`): the bundled sea-temperature model (LSTM(16) +
//! Dense(1)), calibrated on the first 70 % of its windows, on the last
//! 15 %: RMSE 0.9997 × the float model's; every forecast within 0.001
//! scaled units (0.018 °C) of the float forecast (measured 0.00041).
//!
//! Models come from a float model by post-training quantization
//! ([`QModel::quantize`], feature `std`) and travel in the format
//! version 3 ([`format`]); on the device [`format::load_quantized_into`]
//! loads them into a const-generic model.

pub mod activation;
#[cfg(rnn_arm_dsp)]
mod arm_dsp;
mod dense;
pub mod dot;
pub mod fixed;
pub mod format;
mod gru;
mod layer;
mod lstm;
mod simple_rnn;
mod tanh_table;

#[cfg(feature = "std")]
mod calibrate;
#[cfg(feature = "std")]
mod dynamic;
#[cfg(feature = "std")]
mod ptq;

pub use dense::QDense;
pub use gru::QGru;
pub use layer::{QLayer, QParams, QParamsMut};
pub use lstm::{QLstm, QLstmState};
pub use simple_rnn::QSimpleRnn;

#[cfg(feature = "std")]
pub use calibrate::{Calibration, LayerRange};
#[cfg(feature = "std")]
pub use dynamic::{QModel, QState};
#[cfg(feature = "std")]
pub use ptq::QuantizeError;

/// `x` in the fixed-point format with `frac` fractional bits, rounded to
/// nearest and saturated to int16; also returns whether it saturated.
///
/// NaN maps to 0 (and counts as saturated).
pub fn quantize_value(x: f32, frac: u8) -> (i16, bool) {
    let scaled = x * pow2(frac);
    if scaled.is_nan() {
        return (0, true);
    }
    let r = libm::roundf(scaled);
    let q = r.clamp(f32::from(i16::MIN), f32::from(i16::MAX));
    (q as i16, q != r)
}

/// The real value of `q` with `frac` fractional bits: `q · 2^-frac`.
pub fn dequantize_value(q: i16, frac: u8) -> f32 {
    f32::from(q) / pow2(frac)
}

fn pow2(frac: u8) -> f32 {
    libm::ldexpf(1.0, i32::from(frac))
}
