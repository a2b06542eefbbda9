//! The trainable network: stacked SimpleRNN / LSTM / GRU layers (each its
//! own kind, with or without bias), then a Dense head, with `f32` or `f64` parameters ([`Real`]), Keras-like
//! initialisation, a batched forward pass with caches and backpropagation
//! through time.
//!
//! | file | job |
//! | --- | --- |
//! | `arch.rs` | the architecture: per-layer cell kinds, bias, Dense head |
//! | `rnn.rs` | parameter layout and caches shared by the recurrent layers |
//! | `simple_rnn.rs`, `lstm.rs`, `gru.rs`, `dense.rs` | forward + backward of one layer kind |
//! | `tape.rs` | whole-network forward/backward over one batch |
//! | `init.rs` | Keras initializers (glorot uniform, orthogonal) |
//! | `export.rs` | rnn-core weight-file records and parameter order |
//! | `linalg.rs`, `activation.rs` | strided products on nalgebra; activations |
//! | `real.rs` | the float type of training ([`Real`], [`Precision`]) |

mod activation;
mod arch;
mod dense;
mod export;
mod gru;
mod init;
mod linalg;
mod lstm;
mod real;
mod rnn;
mod simple_rnn;
mod tape;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

pub use arch::{Architecture, CellKind, RecurrentLayer};
pub use init::Init;
pub use real::{Precision, Real};
pub use rnn_core::Activation;

pub(crate) use real::c;

use crate::loss::Loss;
use dense::DenseShape;
use rnn::RnnShape;
pub(crate) use tape::Tape;

/// Windows per forward pass in [`Network::predict_batch`].
const PREDICT_BATCH: usize = 256;

/// Why a network could not be built or run on the data it was handed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NetworkError {
    /// `Architecture::recurrent` is empty.
    #[error("the architecture needs at least one recurrent layer")]
    NoRecurrentLayer,
    /// `Architecture::input_size` is 0.
    #[error("the input size (features per timestep) is 0")]
    ZeroInputSize,
    /// The network would have more parameters than a weight file can hold
    /// (`u32::MAX`).
    #[error("the architecture has more than {} parameters", u32::MAX)]
    TooManyParameters,
    /// More layers (recurrent and Dense together) than a weight file holds.
    #[error(
        "the architecture has {layers} layers (recurrent and Dense); a weight file holds at most {}",
        rnn_core::format::MAX_LAYERS
    )]
    TooManyLayers {
        /// Recurrent plus Dense layers.
        layers: usize,
    },
    /// [`Init::Irnn`] for a network with a recurrent layer that is not a
    /// ReLU SimpleRNN.
    #[error(
        "the IRNN initialisation is for a ReLU SimpleRNN, every recurrent layer (--cell \
         simple-rnn --rnn-activation relu, or --layers simple-rnn-relu:UNITS,...)"
    )]
    IrnnNeedsReluSimpleRnn,
    /// A softmax activation: rnn-train's networks are regressors (their
    /// losses and gradients are element-wise); rnn-core runs softmax
    /// models.
    #[error(
        "softmax activations are not supported by rnn-train's networks yet (no classification \
         loss); rnn-core runs softmax models"
    )]
    Softmax,
    /// [`Network::gradients`] on a sequence-output network: its lengths do
    /// not tell windows from timesteps ([`Network::sequence_gradients`]
    /// takes the timesteps).
    #[error("a sequence-output network needs the timesteps per window (sequence_gradients)")]
    StepsNeeded,
    /// The parameters do not fit in memory.
    #[error("cannot allocate {bytes} bytes for the {parameters} parameters")]
    OutOfMemory {
        /// Parameters of the architecture.
        parameters: usize,
        /// Bytes asked for.
        bytes: usize,
    },
    /// A layer has 0 units (`layer` counts recurrent layers first, then Dense).
    #[error("layer {layer} has 0 units")]
    ZeroUnits {
        /// Index of the layer.
        layer: usize,
    },
    /// An input length is not a positive multiple of what one window or
    /// timestep needs.
    #[error("input has {found} values, expected a positive multiple of {multiple_of}")]
    InputLength {
        /// Values per timestep (or per window).
        multiple_of: usize,
        /// Values given.
        found: usize,
    },
    /// A target length does not match the batch of inputs.
    #[error("targets have {found} values, expected {expected}")]
    TargetLength {
        /// `windows × output size`.
        expected: usize,
        /// Values given.
        found: usize,
    },
    /// A parameter vector has the wrong length.
    #[error("{found} parameters given, the network has {expected}")]
    ParamCount {
        /// [`Network::param_count`].
        expected: usize,
        /// Values given.
        found: usize,
    },
}

/// A trainable network: the parameters of every layer, in one flat vector
/// of `T` (`f64` by default; `f32` to train as Keras does).
///
/// Construct with [`Network::new`] (then [`Network::cast`] for `f32`);
/// train with [`crate::fit::fit`]; export with [`Network::layer_specs`] and
/// [`Network::export_params`].
#[derive(Clone, Debug, PartialEq)]
pub struct Network<T = f64> {
    arch: Architecture,
    rnn: Vec<RnnShape>,
    dense: Vec<DenseShape>,
    params: Vec<T>,
}

/// Loss value and gradients of a batch, from [`Network::gradients`], in
/// the network's float type.
#[derive(Clone, Debug, PartialEq)]
pub struct Gradients<T = f64> {
    /// Mean loss over the batch.
    pub loss: T,
    /// `∂L/∂θ` in the order of [`Network::params`].
    pub params: Vec<T>,
    /// `∂L/∂x` in the layout of the inputs (`windows × T × I`, row-major).
    pub inputs: Vec<T>,
}

impl Network {
    /// Builds the network in `f64` with Keras-like initialisation from
    /// `seed`: glorot-uniform kernels (Dense too), orthogonal recurrent
    /// kernels, zero biases, LSTM forget-gate bias 1 (Keras
    /// `unit_forget_bias`, for LSTM layers with a bias). Deterministic: the same `arch` and `seed` give
    /// bit-identical weights. For `f32`, [`Network::cast`] rounds them.
    ///
    /// # Errors
    /// Those of [`Architecture::validate`]; [`NetworkError::OutOfMemory`] when
    /// the parameters cannot be allocated.
    pub fn new(arch: &Architecture, seed: u64) -> Result<Network, NetworkError> {
        Network::new_with_init(arch, seed, Init::Keras)
    }

    /// [`Network::new`] with the initialisation `init`.
    ///
    /// # Errors
    /// Those of [`Network::new`]; [`NetworkError::IrnnNeedsReluSimpleRnn`]
    /// for [`Init::Irnn`] when a recurrent layer is not a ReLU SimpleRNN.
    pub fn new_with_init(
        arch: &Architecture,
        seed: u64,
        init: Init,
    ) -> Result<Network, NetworkError> {
        arch.validate()?;
        let relu_simple_rnn = CellKind::SimpleRnn {
            activation: Activation::Relu,
        };
        if init == Init::Irnn && arch.recurrent.iter().any(|l| l.cell != relu_simple_rnn) {
            return Err(NetworkError::IrnnNeedsReluSimpleRnn);
        }
        let mut offset = 0;
        let mut input = arch.input_size;
        let mut rnn = Vec::with_capacity(arch.recurrent.len());
        for layer in &arch.recurrent {
            let shape = RnnShape {
                input,
                hidden: layer.units,
                offset,
                cell: layer.cell,
                use_bias: layer.use_bias,
            };
            offset += shape.param_count();
            input = layer.units;
            rnn.push(shape);
        }
        let mut dense = Vec::with_capacity(arch.dense.len());
        for &(output, activation) in &arch.dense {
            let shape = DenseShape {
                input,
                output,
                activation,
                offset,
            };
            offset += shape.param_count();
            input = output;
            dense.push(shape);
        }
        let mut params = Vec::new();
        params
            .try_reserve_exact(offset)
            .map_err(|_| NetworkError::OutOfMemory {
                parameters: offset,
                bytes: offset.saturating_mul(std::mem::size_of::<f64>()),
            })?;
        params.resize(offset, 0.0);
        let mut net = Network {
            arch: arch.clone(),
            rnn,
            dense,
            params,
        };
        net.initialise(seed, init);
        Ok(net)
    }

    fn initialise(&mut self, seed: u64, how: Init) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let params = &mut self.params;
        for s in &self.rnn {
            if how == Init::Irnn {
                init::irnn_input(&mut rng, &mut params[s.w()]);
                init::identity(s.hidden, &mut params[s.u()]);
                continue;
            }
            init::glorot_uniform(&mut rng, s.input, s.gate_rows(), &mut params[s.w()]);
            init::orthogonal(&mut rng, s.hidden, s.gates(), &mut params[s.u()]);
            // Keras `unit_forget_bias` (only a layer with a bias has one).
            if s.cell == CellKind::Lstm && s.use_bias {
                let forget = s.b().start + s.hidden;
                params[forget..forget + s.hidden].fill(1.0);
            }
        }
        for s in &self.dense {
            init::glorot_uniform(&mut rng, s.input, s.output, &mut params[s.w()]);
        }
    }
}

impl<T: Real> Network<T> {
    /// The same network in the float type `U`: every parameter rounded to
    /// nearest (exact from `f32` to `f64`).
    pub fn cast<U: Real>(&self) -> Network<U> {
        Network {
            arch: self.arch.clone(),
            rnn: self.rnn.clone(),
            dense: self.dense.clone(),
            params: self
                .params
                .iter()
                .map(|&p| U::from_f64(p.into_f64()))
                .collect(),
        }
    }

    /// The architecture the network was built from.
    pub fn architecture(&self) -> &Architecture {
        &self.arch
    }

    /// Number of parameters; equals Keras's `model.summary()` total.
    pub fn param_count(&self) -> usize {
        self.params.len()
    }

    /// Values output per window, or per timestep for a sequence-output
    /// network (see [`Architecture::output_size`]).
    pub fn output_size(&self) -> usize {
        self.arch.output_size()
    }

    /// Values output per window of `steps` timesteps (see
    /// [`Architecture::outputs_per_window`]).
    pub fn outputs_per_window(&self, steps: usize) -> usize {
        self.arch.outputs_per_window(steps)
    }

    /// All parameters, layer by layer. Within a recurrent layer: `W`
    /// (`[G·H × I]` column-major, the memory of Keras's `kernel`), `U`
    /// (`[G·H × H]`, Keras's `recurrent_kernel`), then with a bias `b`,
    /// and for GRU with `reset_after` the recurrent bias (Keras's `bias`;
    /// a layer without bias has none, as in Keras); Dense: `W [O × I]`, `b`.
    pub fn params(&self) -> &[T] {
        &self.params
    }

    /// Mutable access to the parameters (order as [`Network::params`]).
    pub fn params_mut(&mut self) -> &mut [T] {
        &mut self.params
    }

    /// Sets every bias of the last Dense layer to `value` (nothing without
    /// a Dense layer).
    pub fn set_output_bias(&mut self, value: T) {
        if let Some(last) = self.dense.last() {
            self.params[last.b()].fill(value);
        }
    }

    /// Forward pass without caches over one window.
    ///
    /// # Shapes
    /// `window`: `[T × I]` flattened row-major (timestep-major), `T ≥ 1`;
    /// returns `[O]`, or `[T × O]` (timestep-major) for a sequence-output
    /// network.
    ///
    /// # Errors
    /// [`NetworkError::InputLength`] when `window.len()` is not a positive
    /// multiple of the input size.
    pub fn predict(&self, window: &[T]) -> Result<Vec<T>, NetworkError> {
        let steps = self.steps_of(window.len(), 1)?;
        let mut tape = Tape::new(self, steps, 1);
        tape.load(
            window,
            &vec![T::zero(); self.outputs_per_window(steps)],
            &[0],
        );
        self.forward(&mut tape);
        Ok(tape.output_by_window())
    }

    /// Forward pass over many windows at once (batched, much faster than
    /// calling [`Network::predict`] per window).
    ///
    /// # Shapes
    /// `windows`: `[n × steps × I]` row-major, `n, steps ≥ 1`; returns
    /// `[n × O]` row-major, or `[n × steps × O]` for a sequence-output
    /// network.
    ///
    /// # Errors
    /// [`NetworkError::InputLength`] when `steps` is 0 or `windows.len()` is
    /// not a positive multiple of `steps · I`.
    pub fn predict_batch(&self, windows: &[T], steps: usize) -> Result<Vec<T>, NetworkError> {
        let per_window = steps * self.arch.input_size;
        if per_window == 0 || windows.is_empty() || !windows.len().is_multiple_of(per_window) {
            return Err(NetworkError::InputLength {
                multiple_of: per_window,
                found: windows.len(),
            });
        }
        let n = windows.len() / per_window;
        let o = self.outputs_per_window(steps);
        let mut out = Vec::with_capacity(n * o);
        let indices: Vec<usize> = (0..n).collect();
        let no_targets = vec![T::zero(); n * o];
        let mut tape: Option<Tape<T>> = None;
        for chunk in indices.chunks(PREDICT_BATCH) {
            let tape = match &mut tape {
                Some(t) if t.batch == chunk.len() => t,
                slot => slot.insert(Tape::new(self, steps, chunk.len())),
            };
            tape.load(windows, &no_targets, chunk);
            self.forward(tape);
            out.extend_from_slice(&tape.output_by_window());
        }
        Ok(out)
    }

    /// Mean `loss` of a batch and its exact gradient w.r.t. every parameter
    /// and every input value (backpropagation through time).
    ///
    /// # Shapes
    /// `inputs`: `[n × T × I]` row-major; `targets`: `[n × O]`; `n, T ≥ 1`.
    /// For a sequence-output network, where `n` and `T` cannot be told
    /// apart from the lengths, use [`Network::sequence_gradients`].
    ///
    /// # Errors
    /// [`NetworkError::TargetLength`] when `targets.len()` is not a positive
    /// multiple of the output size; [`NetworkError::InputLength`] when
    /// `inputs.len()` is not a positive multiple of `n · I`;
    /// [`NetworkError::StepsNeeded`] for a sequence-output network.
    pub fn gradients(
        &self,
        inputs: &[T],
        targets: &[T],
        loss: Loss,
    ) -> Result<Gradients<T>, NetworkError> {
        if self.arch.sequence_output {
            return Err(NetworkError::StepsNeeded);
        }
        let o = self.output_size();
        if targets.is_empty() || !targets.len().is_multiple_of(o) {
            return Err(NetworkError::TargetLength {
                expected: o,
                found: targets.len(),
            });
        }
        let n = targets.len() / o;
        let steps = self.steps_of(inputs.len(), n)?;
        self.gradients_over(inputs, targets, n, steps, loss)
    }

    /// [`Network::gradients`] over windows of `steps` timesteps, for any
    /// network; for a sequence-output one the loss is the mean over all
    /// `n · T · O` values (Keras `sum_over_batch_size` of a per-timestep
    /// output).
    ///
    /// # Shapes
    /// `inputs`: `[n × steps × I]` row-major; `targets`: `[n × O]`, or
    /// `[n × steps × O]` for a sequence-output network; `n, steps ≥ 1`.
    ///
    /// # Errors
    /// [`NetworkError::InputLength`] when `steps` is 0 or `inputs.len()` is
    /// not a positive multiple of `steps · I`;
    /// [`NetworkError::TargetLength`] when `targets` do not hold
    /// [`Network::outputs_per_window`] values per input window.
    pub fn sequence_gradients(
        &self,
        inputs: &[T],
        targets: &[T],
        steps: usize,
        loss: Loss,
    ) -> Result<Gradients<T>, NetworkError> {
        let per_window = steps * self.arch.input_size;
        if per_window == 0 || inputs.is_empty() || !inputs.len().is_multiple_of(per_window) {
            return Err(NetworkError::InputLength {
                multiple_of: per_window,
                found: inputs.len(),
            });
        }
        let n = inputs.len() / per_window;
        let expected = n * self.outputs_per_window(steps);
        if targets.len() != expected {
            return Err(NetworkError::TargetLength {
                expected,
                found: targets.len(),
            });
        }
        self.gradients_over(inputs, targets, n, steps, loss)
    }

    /// The gradients of `n` windows of `steps` timesteps (lengths checked).
    fn gradients_over(
        &self,
        inputs: &[T],
        targets: &[T],
        n: usize,
        steps: usize,
        loss: Loss,
    ) -> Result<Gradients<T>, NetworkError> {
        let mut tape = Tape::new(self, steps, n);
        let indices: Vec<usize> = (0..n).collect();
        tape.load(inputs, targets, &indices);
        self.forward(&mut tape);
        let value = tape.loss_and_seed(loss);
        let mut params = vec![T::zero(); self.param_count()];
        self.backward(&mut tape, &mut params, true);
        let i = self.arch.input_size;
        let mut dx = vec![T::zero(); inputs.len()];
        for (col, g) in tape.rnn[0].dx.chunks_exact(i).enumerate() {
            let (t, b) = (col / n, col % n);
            let at = (b * steps + t) * i;
            dx[at..at + i].copy_from_slice(g);
        }
        Ok(Gradients {
            loss: value,
            params,
            inputs: dx,
        })
    }

    /// Timesteps in `len` values of `windows` windows.
    fn steps_of(&self, len: usize, windows: usize) -> Result<usize, NetworkError> {
        let per_step = self.arch.input_size * windows;
        if len == 0 || !len.is_multiple_of(per_step) {
            return Err(NetworkError::InputLength {
                multiple_of: per_step,
                found: len,
            });
        }
        Ok(len / per_step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIMPLE_TANH: CellKind = CellKind::SimpleRnn {
        activation: Activation::Tanh,
    };

    fn arch(cell: CellKind) -> Architecture {
        Architecture::uniform(
            3,
            cell,
            &[8, 4],
            vec![(5, Activation::Relu), (2, Activation::Linear)],
        )
    }

    #[test]
    fn param_counts_equal_keras_summary() {
        // Keras: LSTM(8) on 3 features 4·8·(3+8+1) = 384, LSTM(4) on 8: 4·4·13 = 208,
        // Dense(5) on 4: 25, Dense(2) on 5: 12.
        let lstm = Network::new(&arch(CellKind::Lstm), 0).unwrap();
        assert_eq!(lstm.param_count(), 384 + 208 + 25 + 12);
        let gru = Network::new(&arch(CellKind::Gru { reset_after: true }), 0).unwrap();
        assert_eq!(gru.param_count(), 3 * 8 * 13 + 3 * 4 * 14 + 25 + 12);
        let gru2 = Network::new(&arch(CellKind::Gru { reset_after: false }), 0).unwrap();
        assert_eq!(gru2.param_count(), 3 * 8 * 12 + 3 * 4 * 13 + 25 + 12);
        let rnn = Network::new(&arch(SIMPLE_TANH), 0).unwrap();
        assert_eq!(rnn.param_count(), 8 * 12 + 4 * 13 + 25 + 12);
    }

    /// A mixed stack without biases: GRU(8, reset_after) 3·8·(3+8) = 264,
    /// then LSTM(4) on 8: 4·4·(8+4) = 192 (Keras `use_bias=False` has no
    /// bias weights), Dense 25 + 12 with bias.
    #[test]
    fn mixed_no_bias_param_counts_equal_keras_summary() {
        let mut a = arch(CellKind::Lstm);
        a.recurrent[0].cell = CellKind::Gru { reset_after: true };
        for layer in &mut a.recurrent {
            layer.use_bias = false;
        }
        let net = Network::new(&a, 0).unwrap();
        assert_eq!(net.param_count(), 264 + 192 + 25 + 12);
        // No forget-gate bias to set: the LSTM's parameters are W and U only.
        let lstm = net.rnn[1];
        assert!(lstm.b().is_empty() && lstm.bh().is_empty());
        assert_eq!(lstm.u().end, net.dense[0].offset);
    }

    #[test]
    fn same_seed_gives_bit_identical_weights() {
        let a = Network::new(&arch(CellKind::Lstm), 42).unwrap();
        let b = Network::new(&arch(CellKind::Lstm), 42).unwrap();
        let c = Network::new(&arch(CellKind::Lstm), 43).unwrap();
        assert!(a
            .params()
            .iter()
            .zip(b.params())
            .all(|(x, y)| x.to_bits() == y.to_bits()));
        assert_ne!(a.params(), c.params());
    }

    /// IRNN: identity recurrent kernels, zero biases, input weights with a
    /// standard deviation near 0.001; only for a ReLU SimpleRNN.
    #[test]
    fn irnn_initialisation_is_the_identity_for_relu_simple_rnn_only() {
        let a = arch(CellKind::SimpleRnn {
            activation: Activation::Relu,
        });
        let net = Network::new_with_init(&a, 5, Init::Irnn).unwrap();
        for s in &net.rnn {
            let u = &net.params()[s.u()];
            let h = s.hidden;
            for (k, &v) in u.iter().enumerate() {
                assert_eq!(v, if k % (h + 1) == 0 { 1.0 } else { 0.0 }, "U[{k}]");
            }
            assert!(net.params()[s.b()].iter().all(|&v| v == 0.0));
            let w = &net.params()[s.w()];
            let rms = (w.iter().map(|v| v * v).sum::<f64>() / w.len() as f64).sqrt();
            assert!((3e-4..3e-3).contains(&rms), "input weights rms {rms}");
        }
        // The same seed gives the same network; Keras's default differs.
        assert_eq!(net, Network::new_with_init(&a, 5, Init::Irnn).unwrap());
        assert_ne!(net, Network::new(&a, 5).unwrap());
        let mut mixed = a.clone();
        mixed.recurrent[1].cell = CellKind::Lstm;
        for bad in [arch(SIMPLE_TANH), arch(CellKind::Lstm), mixed] {
            assert!(matches!(
                Network::new_with_init(&bad, 5, Init::Irnn),
                Err(NetworkError::IrnnNeedsReluSimpleRnn)
            ));
        }
    }

    #[test]
    fn lstm_forget_bias_is_one_and_other_biases_zero() {
        let net = Network::new(&arch(CellKind::Lstm), 1).unwrap();
        let s = net.rnn[0];
        let b = &net.params()[s.b()];
        assert!(b[..8].iter().all(|&v| v == 0.0));
        assert!(b[8..16].iter().all(|&v| v == 1.0));
        assert!(b[16..].iter().all(|&v| v == 0.0));
    }

    #[test]
    fn bad_architectures_are_refused() {
        let mut a = arch(CellKind::Lstm);
        a.recurrent.clear();
        assert_eq!(
            Network::new(&a, 0).unwrap_err(),
            NetworkError::NoRecurrentLayer
        );
        let mut a = arch(CellKind::Lstm);
        a.input_size = 0;
        assert_eq!(
            Network::new(&a, 0).unwrap_err(),
            NetworkError::ZeroInputSize
        );
        let mut a = arch(CellKind::Lstm);
        a.dense[1].0 = 0;
        assert_eq!(
            Network::new(&a, 0).unwrap_err(),
            NetworkError::ZeroUnits { layer: 3 }
        );
    }

    #[test]
    fn bad_window_lengths_are_refused() {
        let net = Network::new(&arch(SIMPLE_TANH), 0).unwrap();
        assert!(matches!(
            net.predict(&[]),
            Err(NetworkError::InputLength { .. })
        ));
        assert!(matches!(
            net.predict(&[0.0; 4]),
            Err(NetworkError::InputLength { .. })
        ));
        assert_eq!(net.predict(&[0.1; 6]).unwrap().len(), 2);
        assert!(net.predict_batch(&[0.1; 6], 0).is_err());
        assert!(net.predict_batch(&[0.1; 7], 2).is_err());
    }

    #[test]
    fn batched_prediction_equals_one_window_at_a_time() {
        let net = Network::new(&arch(CellKind::Gru { reset_after: false }), 2).unwrap();
        // 300 windows of 4 timesteps: more than one internal batch.
        let windows: Vec<f64> = (0..300 * 4 * 3).map(|k| (k as f64 * 0.37).sin()).collect();
        let batched = net.predict_batch(&windows, 4).unwrap();
        assert_eq!(batched.len(), 600);
        for (w, window) in windows.chunks_exact(12).enumerate() {
            // Equal up to summation order (the batched products are blocked).
            let single = net.predict(window).unwrap();
            for (b, s) in batched[w * 2..w * 2 + 2].iter().zip(&single) {
                assert!((b - s).abs() < 1e-13, "window {w}: {b} vs {s}");
            }
        }
    }
}
