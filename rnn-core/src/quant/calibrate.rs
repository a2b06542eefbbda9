//! Calibration for post-training quantization: runs the float model of a
//! version-1 blob over sample sequences and records the largest magnitude
//! of every tensor whose fixed-point format is chosen from data.

use std::vec;
use std::vec::Vec;

use crate::activation::Activation;
use crate::error::Error;
use crate::format::read_header;
use crate::format::spec::LayerSpec;

/// Largest magnitudes seen in one layer during calibration (model units,
/// that is scaled values as the float model sees them).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LayerRange {
    /// max |x| of the layer's input.
    pub input: f32,
    /// max |c| of an LSTM's cell state (0 for other kinds).
    pub cell: f32,
    /// max |y| of the layer's output.
    pub output: f32,
}

/// The ranges of every layer of a float model over calibration sequences.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    /// One range per layer, input layer first.
    pub layers: Vec<LayerRange>,
    /// Sequences run.
    pub sequences: usize,
    /// Timesteps run in total.
    pub steps: usize,
}

/// One float layer in gate-row-major order (row `gate · H + unit`), f64.
#[derive(Clone, Debug)]
pub(crate) struct FloatLayer {
    pub spec: LayerSpec,
    /// `[G·H × I]`.
    pub w: Vec<f64>,
    /// `[G·H × H]` (empty for Dense).
    pub u: Vec<f64>,
    /// `[G·H]` input (or only) biases.
    pub b: Vec<f64>,
    /// `[G·H]` recurrent biases (GRU `reset_after`), else zeros.
    pub b_rec: Vec<f64>,
}

/// A float model read from a version-1 blob, for calibration.
#[derive(Clone, Debug)]
pub(crate) struct FloatNet {
    pub layers: Vec<FloatLayer>,
    pub metadata: Option<crate::format::Metadata>,
}

fn gates(spec: &LayerSpec) -> usize {
    match spec {
        LayerSpec::SimpleRnn { .. } | LayerSpec::Dense { .. } => 1,
        LayerSpec::Lstm { .. } => 4,
        LayerSpec::Gru { .. } => 3,
    }
}

/// Reads `count` column-major `[rows × cols]` blocks into one row-major
/// `[count·rows × cols]` array.
fn blocks(
    values: &mut impl Iterator<Item = f32>,
    count: usize,
    rows: usize,
    cols: usize,
) -> Vec<f64> {
    let mut out = vec![0.0; count * rows * cols];
    for g in 0..count {
        for k in 0..cols {
            for j in 0..rows {
                out[(g * rows + j) * cols + k] = f64::from(values.next().unwrap_or(0.0));
            }
        }
    }
    out
}

impl FloatNet {
    /// Reads a checked version-1 blob.
    pub(crate) fn from_blob(blob: &[u8]) -> Result<Self, Error> {
        let checked = read_header(blob)?;
        if let Some(index) = checked.params().position(|v| !v.is_finite()) {
            return Err(Error::NonFiniteWeight { index });
        }
        let mut values = checked.params();
        let mut layers = Vec::new();
        for spec in &checked.header.layers {
            let shape = spec.shape();
            let (i, h) = (shape.input_size as usize, shape.units as usize);
            let g = gates(spec);
            let w = blocks(&mut values, g, h, i);
            let u = match spec {
                LayerSpec::Dense { .. } => Vec::new(),
                _ => blocks(&mut values, g, h, h),
            };
            let (use_bias, two) = match *spec {
                LayerSpec::SimpleRnn { use_bias, .. }
                | LayerSpec::Lstm { use_bias, .. }
                | LayerSpec::Dense { use_bias, .. } => (use_bias, false),
                LayerSpec::Gru {
                    use_bias,
                    reset_after,
                    ..
                } => (use_bias, reset_after),
            };
            let mut b = vec![0.0; g * h];
            let mut b_rec = vec![0.0; g * h];
            if use_bias {
                b.iter_mut()
                    .for_each(|v| *v = f64::from(values.next().unwrap_or(0.0)));
                if two {
                    b_rec
                        .iter_mut()
                        .for_each(|v| *v = f64::from(values.next().unwrap_or(0.0)));
                }
            }
            layers.push(FloatLayer {
                spec: *spec,
                w,
                u,
                b,
                b_rec,
            });
        }
        Ok(Self {
            layers,
            metadata: checked.header.metadata.clone(),
        })
    }

    pub(crate) fn input_size(&self) -> usize {
        self.layers
            .first()
            .map_or(0, |l| l.spec.shape().input_size as usize)
    }

    /// Zero state: `(h, c)` per layer.
    pub(crate) fn zero_state(&self) -> Vec<(Vec<f64>, Vec<f64>)> {
        self.layers
            .iter()
            .map(|l| {
                let h = l.spec.shape().units as usize;
                (vec![0.0; h], vec![0.0; h])
            })
            .collect()
    }

    /// One float step, recording ranges.
    pub(crate) fn step(
        &self,
        state: &mut [(Vec<f64>, Vec<f64>)],
        x: &[f64],
        ranges: &mut [LayerRange],
    ) -> Vec<f64> {
        let mut x = x.to_vec();
        for ((layer, (h, c)), range) in self
            .layers
            .iter()
            .zip(state.iter_mut())
            .zip(ranges.iter_mut())
        {
            range.input = range.input.max(max_abs(&x));
            x = layer.step(h, c, &x);
            range.output = range.output.max(max_abs(&x));
            if matches!(layer.spec, LayerSpec::Lstm { .. }) {
                range.cell = range.cell.max(max_abs(c));
            }
        }
        x
    }
}

fn max_abs(v: &[f64]) -> f32 {
    v.iter().fold(0.0f64, |m, x| m.max(x.abs())) as f32
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + libm::exp(-x))
}

fn act(a: Activation, x: f64) -> f64 {
    match a {
        Activation::Linear => x,
        Activation::Relu => x.max(0.0),
        Activation::Tanh => libm::tanh(x),
        Activation::Sigmoid => sigmoid(x),
        // Refused by `QModel::quantize` before calibration.
        Activation::Softmax => x,
    }
}

impl FloatLayer {
    /// Pre-activation of row `r`: `W_r x + b_r` plus `U_r v` when `v` is given.
    fn row(&self, r: usize, x: &[f64], v: Option<&[f64]>) -> f64 {
        let i = x.len();
        let mut s = self.b[r] + dot(&self.w[r * i..(r + 1) * i], x);
        if let Some(v) = v {
            s += dot(&self.u[r * v.len()..(r + 1) * v.len()], v);
        }
        s
    }

    fn step(&self, h: &mut [f64], c: &mut [f64], x: &[f64]) -> Vec<f64> {
        let n = h.len();
        let out: Vec<f64> = match self.spec {
            LayerSpec::SimpleRnn { activation, .. } => (0..n)
                .map(|j| act(activation, self.row(j, x, Some(h))))
                .collect(),
            LayerSpec::Lstm { .. } => (0..n)
                .map(|j| {
                    let i = sigmoid(self.row(j, x, Some(h)));
                    let f = sigmoid(self.row(n + j, x, Some(h)));
                    let g = libm::tanh(self.row(2 * n + j, x, Some(h)));
                    let o = sigmoid(self.row(3 * n + j, x, Some(h)));
                    c[j] = f * c[j] + i * g;
                    o * libm::tanh(c[j])
                })
                .collect(),
            LayerSpec::Gru { reset_after, .. } => {
                let z: Vec<f64> = (0..n)
                    .map(|j| sigmoid(self.row(j, x, Some(h)) + self.b_rec[j]))
                    .collect();
                let r: Vec<f64> = (0..n)
                    .map(|j| sigmoid(self.row(n + j, x, Some(h)) + self.b_rec[n + j]))
                    .collect();
                let rh: Vec<f64> = r.iter().zip(h.iter()).map(|(r, h)| r * h).collect();
                (0..n)
                    .map(|j| {
                        let row = 2 * n + j;
                        let pre = if reset_after {
                            let rec = dot(&self.u[row * n..(row + 1) * n], h) + self.b_rec[row];
                            self.row(row, x, None) + r[j] * rec
                        } else {
                            self.row(row, x, Some(&rh))
                        };
                        z[j] * h[j] + (1.0 - z[j]) * libm::tanh(pre)
                    })
                    .collect()
            }
            LayerSpec::Dense { activation, .. } => (0..n)
                .map(|j| act(activation, self.row(j, x, None)))
                .collect(),
        };
        if !matches!(self.spec, LayerSpec::Dense { .. }) {
            h.copy_from_slice(&out);
        }
        out
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}

impl Calibration {
    /// Runs the float model of the version-1 `blob` over `sequences`, each
    /// from a zero state (Keras `stateful=False`), and records every
    /// layer's ranges.
    ///
    /// # Shapes
    /// each sequence: timesteps × input size values, timestep-major
    /// (`[T·I]`), in the model's scaled units.
    ///
    /// # Errors
    /// Those of [`crate::format::read_header`]; [`Error::NonFiniteWeight`];
    /// [`Error::Length`] when a sequence is not a whole number of timesteps;
    /// [`Error::EmptySequence`] when no timestep was given.
    pub fn run<'a>(
        blob: &[u8],
        sequences: impl IntoIterator<Item = &'a [f32]>,
    ) -> Result<Self, Error> {
        let net = FloatNet::from_blob(blob)?;
        let i = net.input_size().max(1);
        let mut layers = vec![LayerRange::default(); net.layers.len()];
        let (mut count, mut steps) = (0, 0);
        for seq in sequences {
            if seq.len() % i != 0 {
                return Err(Error::Length {
                    expected: seq.len() / i * i + i,
                    found: seq.len(),
                });
            }
            let mut state = net.zero_state();
            for x in seq.chunks_exact(i) {
                let x: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
                net.step(&mut state, &x, &mut layers);
                steps += 1;
            }
            count += 1;
        }
        if steps == 0 {
            return Err(Error::EmptySequence);
        }
        Ok(Self {
            layers,
            sequences: count,
            steps,
        })
    }
}
