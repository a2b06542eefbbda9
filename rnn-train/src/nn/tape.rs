//! Whole-network forward pass with caches and backward pass over one batch.
//!
//! A [`Tape`] holds every buffer for one batch size and window length;
//! training keeps one per thread and chunk size (`fit::CHUNK_WINDOWS`
//! windows, or a batch's shorter last chunk), allocated once per fit.

use super::dense;
use super::real::Real;
use super::rnn::{RnnCache, Upstream};
use super::{gru, lstm, simple_rnn, CellKind, Network};

/// Buffers of one forward and backward pass over `batch` windows of `steps` timesteps.
#[derive(Clone, Debug)]
pub(crate) struct Tape<T> {
    /// Timesteps `T`.
    pub steps: usize,
    /// Windows `B`.
    pub batch: usize,
    /// Columns the head runs on: `B`, or `T·B` for a sequence-output
    /// network (column `t·B + b`, as the recurrent caches).
    pub cols: usize,
    /// The batch's inputs, `[I × T·B]` (column `t·B + b` is timestep `t` of window `b`).
    pub x: Vec<T>,
    /// The batch's targets, `[O × cols]`.
    pub targets: Vec<T>,
    /// One cache per recurrent layer.
    pub rnn: Vec<RnnCache<T>>,
    /// Outputs of each Dense layer, `[O_k × cols]`; the last is the prediction.
    pub dense_out: Vec<Vec<T>>,
    /// `∂L/∂y` of each Dense layer, `[O_k × cols]`.
    pub dense_grad: Vec<Vec<T>>,
    /// `∂L/∂h` of the last recurrent layer's outputs the head reads,
    /// `[H × cols]`.
    pub head_dx: Vec<T>,
}

impl<T: Real> Tape<T> {
    /// Buffers for `net` over `batch` windows of `steps` timesteps.
    pub fn new(net: &Network<T>, steps: usize, batch: usize) -> Self {
        let n = steps * batch;
        let cols = if net.arch.sequence_output { n } else { batch };
        let sizes: Vec<usize> = net.dense.iter().map(|d| d.output * cols).collect();
        let last_hidden = net.rnn.last().map_or(0, |s| s.hidden);
        Self {
            steps,
            batch,
            cols,
            x: vec![T::zero(); net.arch.input_size * n],
            targets: vec![T::zero(); net.output_size() * cols],
            rnn: net
                .rnn
                .iter()
                .map(|s| RnnCache::new(s, steps, batch))
                .collect(),
            dense_out: sizes.iter().map(|&k| vec![T::zero(); k]).collect(),
            dense_grad: sizes.iter().map(|&k| vec![T::zero(); k]).collect(),
            head_dx: vec![T::zero(); last_hidden * cols],
        }
    }

    /// Copies windows `indices` of `inputs` (`n × T × I`, row-major) and
    /// their `targets` (`n × O`, or `n × T × O` for a sequence-output
    /// network) into the batch layout. `indices.len()` must equal the
    /// tape's batch size.
    pub fn load(&mut self, inputs: &[T], targets: &[T], indices: &[usize]) {
        let (steps, batch) = (self.steps, self.batch);
        let features = self.x.len() / (steps * batch);
        let outputs = self.targets.len() / batch;
        let per_column = self.targets.len() / self.cols;
        for (b, &w) in indices.iter().enumerate() {
            let window = &inputs[w * steps * features..(w + 1) * steps * features];
            for (t, x_t) in window.chunks_exact(features).enumerate() {
                let at = (t * batch + b) * features;
                // An element loop: `copy_from_slice` would call memcpy for
                // every (often single-feature) timestep.
                for (dst, &src) in self.x[at..at + features].iter_mut().zip(x_t) {
                    *dst = src;
                }
            }
            let window = &targets[w * outputs..(w + 1) * outputs];
            if self.cols == batch {
                self.targets[b * outputs..(b + 1) * outputs].copy_from_slice(window);
                continue;
            }
            for (t, y_t) in window.chunks_exact(per_column).enumerate() {
                let at = (t * batch + b) * per_column;
                self.targets[at..at + per_column].copy_from_slice(y_t);
            }
        }
    }

    /// The predictions of the last forward pass, `[O × cols]` (column-major:
    /// window-major for many-to-one, column `t·B + b` for sequence output).
    pub fn output(&self) -> &[T] {
        match self.dense_out.last() {
            Some(y) => y,
            None => head_input(&self.rnn, self.cols != self.batch),
        }
    }

    /// The predictions of the last forward pass by window, `[B × T × O]`
    /// for sequence output (`[B × O]` otherwise), as
    /// [`Network::predict_batch`] returns them.
    pub fn output_by_window(&self) -> Vec<T> {
        let y = self.output();
        if self.cols == self.batch {
            return y.to_vec();
        }
        let o = y.len() / self.cols;
        let mut out = Vec::with_capacity(y.len());
        for b in 0..self.batch {
            for t in 0..self.steps {
                let at = (t * self.batch + b) * o;
                out.extend_from_slice(&y[at..at + o]);
            }
        }
        out
    }

    /// Computes the mean `loss` of the last forward pass against the
    /// batch's targets and writes `∂L/∂y` where [`Network::backward`] starts.
    pub fn loss_and_seed(&mut self, loss: crate::loss::Loss) -> T {
        let terms = loss.terms(self.batch, self.targets.len() / self.batch);
        self.loss_sum_and_seed(loss, terms) / T::from_f64(terms as f64)
    }

    /// Computes the summed `loss` of the last forward pass against the
    /// tape's targets and writes `∂L/∂y` of the mean loss over `terms`
    /// terms ([`crate::loss::Loss::terms`]: this tape's windows may be a
    /// part of a larger batch whose `terms` share the mean) where
    /// [`Network::backward`] starts.
    pub fn loss_sum_and_seed(&mut self, loss: crate::loss::Loss, terms: usize) -> T {
        let outputs = self.targets.len() / self.cols;
        let top = head_input(&self.rnn, self.cols != self.batch);
        let seed = match self.dense_grad.last_mut() {
            Some(g) => g,
            None => &mut self.head_dx,
        };
        let predicted = match self.dense_out.last() {
            Some(y) => &y[..],
            None => top,
        };
        let n = T::from_f64(terms as f64);
        loss.sum_and_gradient(predicted, &self.targets, outputs, seed, n)
    }
}

/// What the head reads from the last recurrent layer's cache: every
/// output (`[H × T·B]`) for `sequence` output, else its last (`[H × B]`).
fn head_input<T: Real>(rnn: &[RnnCache<T>], sequence: bool) -> &[T] {
    match rnn.last() {
        Some(c) if sequence => &c.h,
        Some(c) => c.last_output(),
        None => &[],
    }
}

impl<T: Real> Network<T> {
    /// Forward pass over the batch in `tape.x`, filling every cache.
    pub(crate) fn forward(&self, tape: &mut Tape<T>) {
        let params = &self.params;
        for (l, shape) in self.rnn.iter().enumerate() {
            let (below, here) = tape.rnn.split_at_mut(l);
            let x = below.last().map_or(&tape.x[..], |c| &c.h[..]);
            let cache = &mut here[0];
            match shape.cell {
                CellKind::SimpleRnn { activation } => {
                    simple_rnn::forward(shape, activation, params, x, cache)
                }
                CellKind::Lstm => lstm::forward(shape, params, x, cache),
                CellKind::Gru { .. } => gru::forward(shape, params, x, cache),
            }
        }
        let top = head_input(&tape.rnn, tape.cols != tape.batch);
        for (k, shape) in self.dense.iter().enumerate() {
            let (done, rest) = tape.dense_out.split_at_mut(k);
            let x = done.last().map_or(top, |v| &v[..]);
            dense::forward(shape, params, x, &mut rest[0]);
        }
    }

    /// Backward pass after [`Network::forward`], starting from `∂L/∂y` in the
    /// last of `tape.dense_grad` (or, without Dense layers, `tape.head_dx`).
    /// Overwrites every entry of `grad` (`[param_count]`); with `want_dx`
    /// the input gradient is left in `tape.rnn[0].dx`.
    pub(crate) fn backward(&self, tape: &mut Tape<T>, grad: &mut [T], want_dx: bool) {
        let params = &self.params;
        let sequence = tape.cols != tape.batch;
        let top = head_input(&tape.rnn, sequence);
        for (k, shape) in self.dense.iter().enumerate().rev() {
            let x = if k == 0 {
                top
            } else {
                &tape.dense_out[k - 1][..]
            };
            let (before, from_k) = tape.dense_grad.split_at_mut(k);
            let dx = before.last_mut().unwrap_or(&mut tape.head_dx);
            dense::backward(
                shape,
                params,
                x,
                &tape.dense_out[k],
                &mut from_k[0],
                grad,
                dx,
            );
        }
        for (l, shape) in self.rnn.iter().enumerate().rev() {
            let (below, here) = tape.rnn.split_at_mut(l);
            let (cache, above) = here.split_at_mut(1);
            let cache = &mut cache[0];
            let upstream = match above.first() {
                Some(next) => Upstream::All(&next.dx),
                None if sequence => Upstream::All(&tape.head_dx),
                None => Upstream::Last(&tape.head_dx),
            };
            let x = below.last().map_or(&tape.x[..], |c| &c.h[..]);
            let dx = want_dx || l > 0;
            match shape.cell {
                CellKind::SimpleRnn { activation } => {
                    simple_rnn::backward(shape, activation, params, x, cache, upstream, grad, dx)
                }
                CellKind::Lstm => lstm::backward(shape, params, x, cache, upstream, grad, dx),
                CellKind::Gru { .. } => gru::backward(shape, params, x, cache, upstream, grad, dx),
            }
        }
    }
}
