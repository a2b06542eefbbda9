//! Reading quantized weight blobs: every check happens before any weight
//! is written.

use serde::Deserialize;

use crate::error::Error;
use crate::format::spec::{LayerShape, Metadata, MAGIC};
use crate::quant::fixed::{split_shift, MULT_MAX, MULT_MIN, SHIFT_MAX, SHIFT_MIN};
use crate::quant::format::spec::{QHeader, QLayerSpec, QUANTIZED_FORMAT_VERSION};
use crate::quant::layer::{QLayer, QParamsMut};

const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// A quantized blob whose magic, version, lengths, checksum and every
/// layer's formats, scales and accumulator ranges have been verified.
#[derive(Clone, Debug, PartialEq)]
pub struct QChecked<'a> {
    /// The decoded header.
    pub header: QHeader,
    /// The parameter bytes (`header.param_bytes` of them).
    pub params: &'a [u8],
}

#[derive(Deserialize)]
struct Prelude {
    magic: [u8; 4],
    version: u16,
}

fn decode_error(e: postcard::Error, available: usize) -> Error {
    match e {
        postcard::Error::DeserializeUnexpectedEnd => Error::Truncated {
            needed: available + 1,
            available,
        },
        _ => Error::Decode,
    }
}

/// One layer's parameter bytes split into its arrays (all lengths checked).
pub(crate) struct LayerBytes<'a> {
    pub w: &'a [u8],
    pub u: &'a [u8],
    pub bias: &'a [u8],
    pub mult: &'a [u8],
    pub shift: &'a [u8],
}

impl<'a> LayerBytes<'a> {
    /// Splits `bytes` (exactly `spec.param_bytes()` long) for `spec`.
    pub(crate) fn split(spec: &QLayerSpec, bytes: &'a [u8]) -> Option<Self> {
        let (wr, i, ur, rr) = spec.rows();
        let h = spec.shape().units as usize;
        let (w, rest) = bytes.split_at_checked(wr.checked_mul(i)?)?;
        let (u, rest) = rest.split_at_checked(ur.checked_mul(h)?)?;
        let (bias, rest) = rest.split_at_checked(rr.checked_mul(4)?)?;
        let (mult, shift) = rest.split_at_checked(rr.checked_mul(2)?)?;
        (shift.len() == rr).then_some(Self {
            w,
            u,
            bias,
            mult,
            shift,
        })
    }

    pub(crate) fn bias(&self, r: usize) -> i32 {
        let b = &self.bias[4 * r..4 * r + 4];
        i32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }

    pub(crate) fn mult(&self, r: usize) -> u16 {
        u16::from_le_bytes([self.mult[2 * r], self.mult[2 * r + 1]])
    }
}

/// Largest `|Σ w · x|` of a row over every int16 input: `Σ |w| · 2^15`.
fn row_bound(weights: &[u8], shift: u32) -> i64 {
    weights
        .iter()
        .map(|&b| i64::from((b as i8).unsigned_abs()))
        .sum::<i64>()
        << (15 + shift)
}

/// Checks one layer's formats, multipliers, shifts and accumulator range.
fn check_layer(layer: usize, spec: &QLayerSpec, bytes: &LayerBytes<'_>) -> Result<(), Error> {
    let format = Error::QuantizedFormat { layer };
    let rnn = !matches!(spec, QLayerSpec::Dense { .. });
    if (rnn && spec.input_frac() > 15) || spec.input_frac() > 30 || spec.output_frac() > 30 {
        return Err(format);
    }
    match *spec {
        QLayerSpec::Lstm { cell_frac, .. } if cell_frac > 15 => return Err(format),
        QLayerSpec::Dense {
            output_frac,
            activation,
            ..
        } if matches!(
            activation,
            crate::Activation::Tanh | crate::Activation::Sigmoid
        ) && output_frac != 15 =>
        {
            return Err(format)
        }
        // No integer softmax.
        QLayerSpec::Dense {
            activation: crate::Activation::Softmax,
            ..
        } => return Err(format),
        _ => {}
    }
    let (wr, i, ur, rr) = spec.rows();
    let h = spec.shape().units as usize;
    let x_shift = if rnn {
        15 - u32::from(spec.input_frac())
    } else {
        0
    };
    for r in 0..rr {
        let mult = bytes.mult(r);
        let (shift, k) = split_shift(bytes.shift[r]);
        if !(MULT_MIN..=MULT_MAX).contains(&mult)
            || !(SHIFT_MIN..=SHIFT_MAX).contains(&shift)
            || (!rnn && k != 0)
        {
            return Err(Error::QuantizedScale { layer, row: r });
        }
        // Which weight rows feed requantized row r.
        let (w_row, u_row) = match spec {
            QLayerSpec::Gru {
                reset_after: true, ..
            } if r >= 2 * h && r < 3 * h => (Some(r), None),
            QLayerSpec::Gru {
                reset_after: true, ..
            } if r >= 3 * h => (None, Some(r - h)),
            QLayerSpec::Gru {
                reset_after: false, ..
            } if r >= 3 * h => (None, None),
            _ => (Some(r), (r < ur).then_some(r)),
        };
        let mut bound = i64::from(bytes.bias(r)).abs();
        if let Some(w) = w_row.filter(|&w| w < wr) {
            bound += row_bound(&bytes.w[w * i..(w + 1) * i], x_shift + k);
        }
        if let Some(u) = u_row {
            bound += row_bound(&bytes.u[u * h..(u + 1) * h], 0);
        }
        if bound > i64::from(i32::MAX) {
            return Err(Error::AccumulatorOverflow { layer, row: r });
        }
    }
    Ok(())
}

/// Verifies a quantized blob: magic, version (2), header, lengths, CRC-32,
/// that the layers chain (sizes and fixed-point formats), and every row's
/// multiplier, shift and accumulator range, in that order.
///
/// # Errors
/// [`Error::BadMagic`], [`Error::UnsupportedVersion`], [`Error::Truncated`],
/// [`Error::Decode`], [`Error::ParamCount`], [`Error::TrailingBytes`],
/// [`Error::Checksum`], [`Error::QuantizedFormat`] (a fractional-bit count
/// out of range, or a layer whose input format or size differs from the
/// previous layer's output), [`Error::QuantizedScale`],
/// [`Error::AccumulatorOverflow`]. Never panics, whatever the bytes.
pub fn read_quantized(blob: &[u8]) -> Result<QChecked<'_>, Error> {
    let mut found = [0u8; 4];
    let n = blob.len().min(4);
    found[..n].copy_from_slice(&blob[..n]);
    if found[..n] != MAGIC[..n] {
        return Err(Error::BadMagic { found });
    }
    let (prelude, _) =
        postcard::take_from_bytes::<Prelude>(blob).map_err(|e| decode_error(e, blob.len()))?;
    if prelude.magic != MAGIC {
        return Err(Error::BadMagic {
            found: prelude.magic,
        });
    }
    if prelude.version != QUANTIZED_FORMAT_VERSION {
        return Err(Error::UnsupportedVersion {
            found: prelude.version,
            supported: QUANTIZED_FORMAT_VERSION,
        });
    }
    let (header, rest) =
        postcard::take_from_bytes::<QHeader>(blob).map_err(|e| decode_error(e, blob.len()))?;
    let mut expected = 0usize;
    for layer in &header.layers {
        expected = layer
            .param_bytes()
            .and_then(|c| expected.checked_add(c))
            .ok_or(Error::Decode)?;
    }
    if header.param_bytes as usize != expected {
        return Err(Error::ParamCount {
            expected,
            found: header.param_bytes as usize,
        });
    }
    let header_len = blob.len() - rest.len();
    let total = expected.checked_add(header_len + 4).ok_or(Error::Decode)?;
    if blob.len() < total {
        return Err(Error::Truncated {
            needed: total,
            available: blob.len(),
        });
    }
    if blob.len() > total {
        return Err(Error::TrailingBytes {
            expected: total,
            found: blob.len(),
        });
    }
    let end = total - 4;
    let stored = u32::from_le_bytes([blob[end], blob[end + 1], blob[end + 2], blob[end + 3]]);
    let computed = CRC.checksum(&blob[..end]);
    if stored != computed {
        return Err(Error::Checksum { stored, computed });
    }
    let params = &blob[header_len..end];
    let mut at = 0usize;
    let mut previous: Option<&QLayerSpec> = None;
    for (layer, spec) in header.layers.iter().enumerate() {
        if let Some(p) = previous {
            if p.shape().units != spec.shape().input_size || p.output_frac() != spec.input_frac() {
                return Err(Error::QuantizedFormat { layer });
            }
        }
        let len = spec.param_bytes().ok_or(Error::Decode)?;
        let bytes = params.get(at..at + len).ok_or(Error::Decode)?;
        let split = LayerBytes::split(spec, bytes).ok_or(Error::Decode)?;
        check_layer(layer, spec, &split)?;
        at += len;
        previous = Some(spec);
    }
    Ok(QChecked { header, params })
}

/// Loads a quantized blob into caller-provided storage (a `static` on a
/// device, a `Box` on the host).
///
/// Checks everything [`read_quantized`] checks, then that the layer kinds
/// and sizes equal the compile-time type `L`; only then are the formats and
/// the parameters written. Returns the preprocessing metadata, if any.
///
/// # Errors
/// Those of [`read_quantized`]; [`Error::ArchitectureMismatch`] for the
/// first layer whose kind or sizes differ. On any error `model` is unchanged.
pub fn load_quantized_into<L: QLayer>(
    model: &mut L,
    blob: &[u8],
) -> Result<Option<Metadata>, Error> {
    let checked = read_quantized(blob)?;
    let layers = &checked.header.layers;
    for layer in 0..L::LAYERS.max(layers.len()) {
        let expected: Option<LayerShape> = L::shape(layer);
        let found = layers.get(layer).map(|s| s.shape());
        if expected != found {
            return Err(Error::ArchitectureMismatch {
                layer,
                expected,
                found,
            });
        }
    }
    model.configure(layers);
    let mut bytes = checked.params.iter().copied();
    let mut next = || bytes.next().unwrap_or(0);
    model.visit_params_mut(&mut |p: QParamsMut<'_>| match p {
        QParamsMut::I8(v) => v.iter_mut().for_each(|x| *x = next() as i8),
        QParamsMut::I32(v) => v
            .iter_mut()
            .for_each(|x| *x = i32::from_le_bytes([next(), next(), next(), next()])),
        QParamsMut::U16(v) => v
            .iter_mut()
            .for_each(|x| *x = u16::from_le_bytes([next(), next()])),
        QParamsMut::U8(v) => v.iter_mut().for_each(|x| *x = next()),
    });
    Ok(checked.header.metadata)
}
