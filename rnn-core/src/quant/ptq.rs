//! Post-training quantization: a float (version-1) model and its
//! [`Calibration`] to a [`QModel`].

use core::fmt;
use std::vec;
use std::vec::Vec;

use crate::activation::Activation;
use crate::error::Error;
use crate::format::spec::LayerSpec;
use crate::quant::calibrate::{Calibration, FloatLayer, FloatNet, LayerRange};
use crate::quant::dynamic::{QLayerData, QModel};
use crate::quant::fixed::{INPUT_SHIFT_MAX, MULT_MAX, MULT_MIN, SHIFT_BITS, SHIFT_MAX};
use crate::quant::format::spec::QLayerSpec;
use crate::quant::gru::GRU_ROW_SETS;

/// Calibrated ranges are widened by this factor before a format is chosen,
/// so data slightly outside the calibration range does not saturate.
pub const HEADROOM: f32 = 1.25;

/// Why a float model could not be quantized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum QuantizeError {
    /// The float blob was refused (see [`Error`]).
    Load(Error),
    /// The calibration has another number of layers than the model.
    Calibration {
        /// Layers of the model.
        expected: usize,
        /// Layers in the calibration.
        found: usize,
    },
    /// A SimpleRNN with relu, linear or softmax activation (its state has
    /// no fixed Q15 format), or a softmax Dense (no integer softmax: keep
    /// the head in float after the integer model).
    UnsupportedActivation {
        /// Index of the layer.
        layer: usize,
    },
    /// A row's weights are too large for its multiplier (`max |w| / 127`
    /// times the input and output scales must stay below 1/2), or a range
    /// is NaN or infinite.
    Unrepresentable {
        /// Index of the layer.
        layer: usize,
        /// Requantized row (gate · units + unit).
        row: usize,
    },
    /// A row's weights and bias could overflow the 32-bit accumulator.
    AccumulatorOverflow {
        /// Index of the layer.
        layer: usize,
        /// Requantized row.
        row: usize,
    },
}

impl fmt::Display for QuantizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuantizeError::Load(e) => write!(f, "{e}"),
            QuantizeError::Calibration { expected, found } => write!(
                f,
                "calibration has {found} layers, the model {expected}"
            ),
            QuantizeError::UnsupportedActivation { layer } => write!(
                f,
                "layer {layer}: only tanh SimpleRNN layers can be quantized (relu/linear states are unbounded)"
            ),
            QuantizeError::Unrepresentable { layer, row } => write!(
                f,
                "layer {layer}, row {row}: weights or ranges cannot be represented in int8 with a 15-bit multiplier (too large, NaN or infinite)"
            ),
            QuantizeError::AccumulatorOverflow { layer, row } => write!(
                f,
                "layer {layer}, row {row}: weights and bias could overflow the 32-bit accumulator"
            ),
        }
    }
}

impl std::error::Error for QuantizeError {}

impl From<Error> for QuantizeError {
    fn from(e: Error) -> Self {
        QuantizeError::Load(e)
    }
}

/// Largest fractional-bit count `e <= max_frac` with `range · HEADROOM · 2^e <= 32767`.
fn frac_for(range: f32, max_frac: u8) -> Option<u8> {
    if !range.is_finite() {
        return None;
    }
    let r = f64::from(range) * f64::from(HEADROOM);
    let mut e = max_frac;
    while e > 0 && r * libm::ldexp(1.0, i32::from(e)) > 32767.0 {
        e -= 1;
    }
    Some(e)
}

/// One quantized output row.
struct Row {
    weights_w: Vec<i8>,
    weights_u: Vec<i8>,
    bias: i32,
    mult: u16,
    shift: u8,
}

/// `m · 2^-(15 + shift)` nearest to `m_real` in `[2^-17, 2^-1)`.
fn multiplier(m_real: f64) -> Option<(u16, u8)> {
    if !(m_real.is_finite() && m_real > 0.0) {
        return None;
    }
    let (f, e) = libm::frexp(m_real);
    let mut m = libm::round(f * 32768.0) as u32;
    let mut shift = -e;
    if m == 32768 {
        m = 16384;
        shift -= 1;
    }
    let shift = u8::try_from(shift).ok()?;
    if !(1..=SHIFT_MAX).contains(&shift) {
        return None;
    }
    let m = u16::try_from(m).ok()?;
    (MULT_MIN..=MULT_MAX).contains(&m).then_some((m, shift))
}

/// Quantizes a row: `w` (input part, scaled by `2^x_shift` in the
/// accumulator), `u` (recurrent part), bias `b`. The accumulator unit is
/// `s · 2^-acc_frac`; the output unit `2^-out_frac`.
fn quantize_row(
    w: &[f64],
    u: &[f64],
    b: f64,
    acc_frac: u8,
    out_frac: u8,
    x_shift: u32,
) -> Result<Row, ()> {
    let max_abs = |v: &[f64]| v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let (wmax, umax) = (max_abs(w), max_abs(u));
    if !(wmax.is_finite() && umax.is_finite() && b.is_finite()) {
        return Err(());
    }
    let unit = libm::ldexp(1.0, -i32::from(acc_frac));
    let to_out = libm::ldexp(1.0, i32::from(out_frac));
    // The row scale follows U when the row has one, and W gets 2^k times
    // it, k >= 0 the least that holds max |W|; without U, W sets it.
    let base = if umax > 0.0 { umax } else { wmax };
    let mut k = 0u8;
    while k < INPUT_SHIFT_MAX && wmax > base * libm::ldexp(1.0, i32::from(k)) {
        k += 1;
    }
    // Smallest scale the multiplier can express (M >= 2^-17), and the one
    // that keeps the bias within 2^30 accumulator units.
    let s_min = libm::ldexp(1.0, -17) / (unit * to_out);
    let s_bias = b.abs() / (unit * libm::ldexp(1.0, 30));
    let s_w = wmax / (127.0 * libm::ldexp(1.0, i32::from(k)));
    let s = (base / 127.0).max(s_w).max(s_min).max(s_bias);
    let (mult, shift) = multiplier(s * unit * to_out).ok_or(())?;
    let s_k = s * libm::ldexp(1.0, i32::from(k));
    let weights_w: Vec<i8> = w
        .iter()
        .map(|v| libm::round(v / s_k).clamp(-127.0, 127.0) as i8)
        .collect();
    let weights_u: Vec<i8> = u
        .iter()
        .map(|v| libm::round(v / s).clamp(-127.0, 127.0) as i8)
        .collect();
    let bias = libm::round(b / (s * unit));
    let bound = bias.abs()
        + weights_w.iter().map(|&v| f64::from(v).abs()).sum::<f64>()
            * libm::ldexp(32768.0, (x_shift + u32::from(k)) as i32)
        + weights_u.iter().map(|&v| f64::from(v).abs()).sum::<f64>() * 32768.0;
    if bound > f64::from(i32::MAX) {
        return Err(());
    }
    Ok(Row {
        weights_w,
        weights_u,
        bias: bias as i32,
        mult,
        shift: shift | (k << SHIFT_BITS),
    })
}

/// Collects rows into a layer.
#[derive(Default)]
struct Builder {
    w: Vec<i8>,
    u: Vec<i8>,
    bias: Vec<i32>,
    mult: Vec<u16>,
    shift: Vec<u8>,
}

impl Builder {
    fn push(&mut self, row: Row, keep_w: bool, keep_u: bool) {
        if keep_w {
            self.w.extend(row.weights_w);
        }
        if keep_u {
            self.u.extend(row.weights_u);
        }
        self.bias.push(row.bias);
        self.mult.push(row.mult);
        self.shift.push(row.shift);
    }
}

/// Quantizes one float layer whose input has `input_frac` fractional bits.
fn quantize_layer(
    index: usize,
    layer: &FloatLayer,
    range: &LayerRange,
    input_frac: u8,
) -> Result<QLayerData, QuantizeError> {
    let shape = layer.spec.shape();
    let (i, n) = (shape.input_size as usize, shape.units as usize);
    let w_row = |r: usize| &layer.w[r * i..(r + 1) * i];
    let u_row = |r: usize| &layer.u[r * n..(r + 1) * n];
    let x_shift = u32::from(15u8.saturating_sub(input_frac));
    let fail = |row: usize| QuantizeError::Unrepresentable { layer: index, row };
    let mut b = Builder::default();
    let spec = match layer.spec {
        LayerSpec::SimpleRnn { activation, .. } => {
            if activation != Activation::Tanh {
                return Err(QuantizeError::UnsupportedActivation { layer: index });
            }
            for r in 0..n {
                let row = quantize_row(w_row(r), u_row(r), layer.b[r], 15, 12, x_shift)
                    .map_err(|()| fail(r))?;
                b.push(row, true, true);
            }
            QLayerSpec::SimpleRnn {
                input_size: i as u32,
                hidden_size: n as u32,
                input_frac,
            }
        }
        LayerSpec::Lstm { .. } => {
            for r in 0..4 * n {
                let row = quantize_row(w_row(r), u_row(r), layer.b[r], 15, 12, x_shift)
                    .map_err(|()| fail(r))?;
                b.push(row, true, true);
            }
            let cell_frac = frac_for(range.cell, 15).ok_or(QuantizeError::Unrepresentable {
                layer: index,
                row: 0,
            })?;
            QLayerSpec::Lstm {
                input_size: i as u32,
                hidden_size: n as u32,
                input_frac,
                cell_frac,
            }
        }
        LayerSpec::Gru { reset_after, .. } => {
            for r in 0..2 * n {
                let row = quantize_row(
                    w_row(r),
                    u_row(r),
                    layer.b[r] + layer.b_rec[r],
                    15,
                    12,
                    x_shift,
                )
                .map_err(|()| fail(r))?;
                b.push(row, true, true);
            }
            let mut recurrent = Builder::default();
            for j in 0..n {
                let r = 2 * n + j;
                if reset_after {
                    let row = quantize_row(w_row(r), &[], layer.b[r], 15, 12, x_shift)
                        .map_err(|()| fail(r))?;
                    b.push(row, true, false);
                    let rec = quantize_row(&[], u_row(r), layer.b_rec[r], 15, 12, 0)
                        .map_err(|()| fail(r + n))?;
                    recurrent.push(rec, false, true);
                } else {
                    let row = quantize_row(w_row(r), u_row(r), layer.b[r], 15, 12, x_shift)
                        .map_err(|()| fail(r))?;
                    b.push(row, true, true);
                    recurrent.push(
                        Row {
                            weights_w: Vec::new(),
                            weights_u: Vec::new(),
                            bias: 0,
                            mult: MULT_MIN,
                            shift: SHIFT_MAX,
                        },
                        false,
                        false,
                    );
                }
            }
            b.u.extend(recurrent.u);
            b.bias.extend(recurrent.bias);
            b.mult.extend(recurrent.mult);
            b.shift.extend(recurrent.shift);
            debug_assert_eq!(b.bias.len(), GRU_ROW_SETS * n);
            QLayerSpec::Gru {
                input_size: i as u32,
                hidden_size: n as u32,
                input_frac,
                reset_after,
            }
        }
        LayerSpec::Dense { activation, .. } => {
            if activation == Activation::Softmax {
                return Err(QuantizeError::UnsupportedActivation { layer: index });
            }
            let squashing = matches!(activation, Activation::Tanh | Activation::Sigmoid);
            let mut output_frac = if squashing {
                15
            } else {
                frac_for(range.output, 30).ok_or(QuantizeError::Unrepresentable {
                    layer: index,
                    row: 0,
                })?
            };
            let target = if squashing { 12 } else { output_frac };
            // Lower the output format until every row's multiplier fits.
            let mut target = target;
            let rows = loop {
                let rows: Result<Vec<Row>, usize> = (0..n)
                    .map(|r| {
                        quantize_row(w_row(r), &[], layer.b[r], input_frac, target, 0)
                            .map_err(|()| r)
                    })
                    .collect();
                match rows {
                    Ok(rows) => break rows,
                    Err(r) if squashing || target == 0 => {
                        return Err(QuantizeError::Unrepresentable {
                            layer: index,
                            row: r,
                        })
                    }
                    Err(_) => {
                        target -= 1;
                        output_frac = target;
                    }
                }
            };
            for row in rows {
                b.push(row, true, false);
            }
            QLayerSpec::Dense {
                input_size: i as u32,
                output_size: n as u32,
                input_frac,
                output_frac,
                activation,
            }
        }
    };
    Ok(QLayerData {
        spec,
        w: b.w,
        u: b.u,
        bias: b.bias,
        mult: b.mult,
        shift: b.shift,
    })
}

impl QModel {
    /// Post-training quantization of the float (version-1) model in `blob`
    /// with the ranges of `calibration` (from [`Calibration::run`] on the
    /// same blob).
    ///
    /// Formats: the model input gets the most fractional bits (at most 15)
    /// that hold the calibrated range × `HEADROOM`; so do each LSTM's cell
    /// state (at most 15) and a linear or relu Dense output (at most 30,
    /// fewer if a row's multiplier needs it). Weights: per output row,
    /// `s = max |U| / 127` (`max |W| / 127` without `U`), `u_q = round(u / s)`;
    /// `W` with scale `s · 2^k`, `k` in `0..=7` the least with
    /// `max |W| <= 127 · s · 2^k`; the bias in accumulator units
    /// `round(b / (s · 2^-15))` (Dense: `2^-input_frac`). Scales are raised
    /// where the multiplier or the bias needs it. Metadata is carried over.
    ///
    /// # Errors
    /// [`QuantizeError::Load`] for a refused blob (including NaN or
    /// infinite weights); [`QuantizeError::Calibration`];
    /// [`QuantizeError::UnsupportedActivation`];
    /// [`QuantizeError::Unrepresentable`]; [`QuantizeError::AccumulatorOverflow`].
    pub fn quantize(blob: &[u8], calibration: &Calibration) -> Result<QModel, QuantizeError> {
        let net = FloatNet::from_blob(blob)?;
        if calibration.layers.len() != net.layers.len() {
            return Err(QuantizeError::Calibration {
                expected: net.layers.len(),
                found: calibration.layers.len(),
            });
        }
        let first_range = calibration.layers.first().map_or(0.0, |r| r.input);
        let first_is_rnn = !matches!(
            net.layers.first().map(|l| l.spec),
            Some(LayerSpec::Dense { .. })
        );
        let mut input_frac = frac_for(first_range, if first_is_rnn { 15 } else { 30 })
            .ok_or(QuantizeError::Unrepresentable { layer: 0, row: 0 })?;
        let mut layers = vec![];
        for (index, (layer, range)) in net.layers.iter().zip(&calibration.layers).enumerate() {
            let is_rnn = !matches!(layer.spec, LayerSpec::Dense { .. });
            if is_rnn && input_frac > 15 {
                // A Dense output finer than Q15 feeding an RNN: Q15 is the finest input.
                return Err(QuantizeError::Unrepresentable {
                    layer: index,
                    row: 0,
                });
            }
            let q = quantize_layer(index, layer, range, input_frac)?;
            input_frac = q.spec.output_frac();
            layers.push(q);
        }
        let model = QModel {
            layers,
            metadata: net.metadata,
        };
        // The loader's checks, so that a written model always loads.
        let blob = model.to_blob()?;
        match crate::quant::format::read_quantized(&blob) {
            Ok(_) => Ok(model),
            Err(Error::AccumulatorOverflow { layer, row }) => {
                Err(QuantizeError::AccumulatorOverflow { layer, row })
            }
            Err(Error::QuantizedScale { layer, row }) => {
                Err(QuantizeError::Unrepresentable { layer, row })
            }
            Err(Error::QuantizedFormat { layer }) => {
                Err(QuantizeError::Unrepresentable { layer, row: 0 })
            }
            Err(e) => Err(QuantizeError::Load(e)),
        }
    }
}
