//! A quantized model with run-time sizes (feature `std`): what host tools
//! (`rnn-train quantize`) load, run and write. It runs the same integer
//! kernels as the const-generic layers, so its outputs are bit-identical.

use std::vec;
use std::vec::Vec;

use crate::error::Error;
use crate::format::spec::Metadata;
use crate::quant::dense::{dense_step, DenseParams};
use crate::quant::format::spec::QLayerSpec;
use crate::quant::format::{quantized_len, read_quantized, write_blob, LayerBytes};
use crate::quant::gru::{gru_step, GruParams};
use crate::quant::layer::QParams;
use crate::quant::lstm::{lstm_step, LstmParams};
use crate::quant::simple_rnn::{simple_rnn_step, SimpleRnnParams};

/// One quantized layer's parameters, row-major as in the file.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct QLayerData {
    pub spec: QLayerSpec,
    pub w: Vec<i8>,
    pub u: Vec<i8>,
    pub bias: Vec<i32>,
    pub mult: Vec<u16>,
    pub shift: Vec<u8>,
}

/// A quantized model whose sizes are known at run time: load it with
/// [`QModel::from_blob`], make it with [`QModel::quantize`], run it with
/// [`QModel::step`], write it with [`QModel::to_blob`].
#[derive(Clone, Debug, PartialEq)]
pub struct QModel {
    pub(crate) layers: Vec<QLayerData>,
    pub(crate) metadata: Option<Metadata>,
}

/// One stream's state of a [`QModel`]: per layer `h` (Q15) and, for an
/// LSTM, `c` (`q · 2^-cell_frac`; empty otherwise).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QState {
    /// `(h, c)` per layer (both empty for Dense).
    pub layers: Vec<(Vec<i16>, Vec<i16>)>,
}

impl QModel {
    /// Loads a quantized (version 3) blob.
    ///
    /// # Errors
    /// Those of [`crate::quant::format::read_quantized`].
    pub fn from_blob(blob: &[u8]) -> Result<Self, Error> {
        let checked = read_quantized(blob)?;
        let mut layers = Vec::new();
        let mut at = 0;
        for spec in &checked.header.layers {
            let len = spec.param_bytes().ok_or(Error::Decode)?;
            let bytes = checked.params.get(at..at + len).ok_or(Error::Decode)?;
            let b = LayerBytes::split(spec, bytes).ok_or(Error::Decode)?;
            let rows = b.shift.len();
            layers.push(QLayerData {
                spec: *spec,
                w: b.w.iter().map(|&v| v as i8).collect(),
                u: b.u.iter().map(|&v| v as i8).collect(),
                bias: (0..rows).map(|r| b.bias(r)).collect(),
                mult: (0..rows).map(|r| b.mult(r)).collect(),
                shift: b.shift.to_vec(),
            });
            at += len;
        }
        Ok(Self {
            layers,
            metadata: checked.header.metadata,
        })
    }

    /// The model as a version-3 blob.
    ///
    /// # Errors
    /// [`Error::Length`] for more than [`crate::format::MAX_LAYERS`] layers;
    /// [`Error::BufferTooSmall`] for a header over
    /// [`crate::format::MAX_HEADER_BYTES`].
    pub fn to_blob(&self) -> Result<Vec<u8>, Error> {
        let specs = self.specs();
        let mut out = vec![0u8; quantized_len(&specs, self.metadata.as_ref())?];
        let visit = |f: &mut dyn FnMut(QParams<'_>)| {
            for l in &self.layers {
                f(QParams::I8(&l.w));
                f(QParams::I8(&l.u));
                f(QParams::I32(&l.bias));
                f(QParams::U16(&l.mult));
                f(QParams::U8(&l.shift));
            }
        };
        let n = write_blob(&specs, self.metadata.as_ref(), &visit, &mut out)?;
        out.truncate(n);
        Ok(out)
    }

    /// The layer records, input layer first.
    pub fn specs(&self) -> Vec<QLayerSpec> {
        self.layers.iter().map(|l| l.spec).collect()
    }

    /// Preprocessing metadata carried over from the float model.
    pub fn metadata(&self) -> Option<&Metadata> {
        self.metadata.as_ref()
    }

    /// Fractional bits of the model input.
    pub fn input_frac(&self) -> u8 {
        self.layers.first().map_or(15, |l| l.spec.input_frac())
    }

    /// Fractional bits of the model output.
    pub fn output_frac(&self) -> u8 {
        self.layers.last().map_or(15, |l| l.spec.output_frac())
    }

    /// Features per timestep.
    pub fn input_size(&self) -> usize {
        self.layers
            .first()
            .map_or(0, |l| l.spec.shape().input_size as usize)
    }

    /// Bytes of weights, biases, multipliers and shifts.
    pub fn param_bytes(&self) -> usize {
        self.layers
            .iter()
            .map(|l| l.spec.param_bytes().unwrap_or(0))
            .sum()
    }

    /// A fresh all-zero state.
    pub fn zero_state(&self) -> QState {
        QState {
            layers: self
                .layers
                .iter()
                .map(|l| {
                    let h = l.spec.shape().units as usize;
                    match l.spec {
                        QLayerSpec::Dense { .. } => (Vec::new(), Vec::new()),
                        QLayerSpec::Lstm { .. } => (vec![0; h], vec![0; h]),
                        _ => (vec![0; h], Vec::new()),
                    }
                })
                .collect(),
        }
    }

    /// Runs one timestep with the integer kernels; returns the output of
    /// the last layer (`q · 2^-output_frac`).
    ///
    /// # Errors
    /// [`Error::Length`] when `x` is not [`QModel::input_size`] long or
    /// `state` is not this model's ([`QModel::zero_state`]).
    pub fn step(&self, state: &mut QState, x: &[i16]) -> Result<Vec<i16>, Error> {
        if x.len() != self.input_size() {
            return Err(Error::Length {
                expected: self.input_size(),
                found: x.len(),
            });
        }
        if !self.fits(state) {
            return Err(Error::Length {
                expected: self.layers.len(),
                found: state.layers.len(),
            });
        }
        let mut x = x.to_vec();
        for (l, (h, c)) in self.layers.iter().zip(state.layers.iter_mut()) {
            x = l.step(h, c, &x);
        }
        Ok(x)
    }

    fn fits(&self, state: &QState) -> bool {
        self.layers.len() == state.layers.len()
            && self.layers.iter().zip(&state.layers).all(|(l, (h, c))| {
                let n = l.spec.shape().units as usize;
                let (hn, cn) = match l.spec {
                    QLayerSpec::Dense { .. } => (0, 0),
                    QLayerSpec::Lstm { .. } => (n, n),
                    _ => (n, 0),
                };
                h.len() == hn && c.len() == cn
            })
    }
}

impl QLayerData {
    fn step(&self, h: &mut [i16], c: &mut [i16], x: &[i16]) -> Vec<i16> {
        let n = self.spec.shape().units as usize;
        let mut out = vec![0i16; n];
        let mut xs = vec![0i32; x.len()];
        let x_shift = 15u8.saturating_sub(self.spec.input_frac());
        match self.spec {
            QLayerSpec::SimpleRnn { .. } => {
                let p = SimpleRnnParams {
                    w: &self.w,
                    u: &self.u,
                    bias: &self.bias,
                    mult: &self.mult,
                    shift: &self.shift,
                    x_shift,
                };
                simple_rnn_step(&p, x, &mut xs, h, &mut out);
            }
            QLayerSpec::Lstm { cell_frac, .. } => {
                let p = LstmParams {
                    w: &self.w,
                    u: &self.u,
                    bias: &self.bias,
                    mult: &self.mult,
                    shift: &self.shift,
                    x_shift,
                    cell_frac,
                };
                let mut hp = vec![0i32; n];
                crate::quant::dot::pack(h, &mut hp);
                lstm_step::<0>(&p, x, &mut xs, &hp, h, c, &mut out);
            }
            QLayerSpec::Gru { reset_after, .. } => {
                let p = GruParams {
                    w: &self.w,
                    u: &self.u,
                    bias: &self.bias,
                    mult: &self.mult,
                    shift: &self.shift,
                    x_shift,
                    reset_after,
                };
                let (mut z, mut rh) = (vec![0i16; n], vec![0i16; n]);
                gru_step(&p, x, &mut xs, h, &mut z, &mut rh, &mut out);
            }
            QLayerSpec::Dense { activation, .. } => {
                let p = DenseParams {
                    w: &self.w,
                    bias: &self.bias,
                    mult: &self.mult,
                    shift: &self.shift,
                    activation,
                };
                dense_step(&p, x, &mut out);
            }
        }
        out
    }
}
