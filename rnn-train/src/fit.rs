//! The training loop: shuffled mini-batches, BPTT, global-norm clipping and
//! Adam, with early stopping and best-weight restore (Keras `model.fit`
//! with `EarlyStopping(restore_best_weights=True)`), in `f32` or `f64`
//! ([`Real`]: the network, the windows, the gradients and Adam's moments
//! share one float type; losses are reported in `f64`).

use std::num::NonZeroUsize;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rayon::iter::{IndexedParallelIterator, IntoParallelRefMutIterator, ParallelIterator};

pub use crate::loss::Loss;
use crate::nn::{Network, Real, Tape};
use crate::optim::{check_gradient, clip_global_norm, Adam, GradientFault};

/// Windows ready for training, in the float type `T` of the network they
/// train (`f64` by default; see [`Dataset::cast`]).
///
/// # Shapes
/// `inputs`: `[n × window × input_size]` row-major (window, then timestep,
/// then feature); `targets`: `[n × output_size]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset<T = f64> {
    /// Input windows, flattened.
    pub inputs: Vec<T>,
    /// Targets, one row of `output_size` values per window (timestep-major
    /// `[T × O]` for a sequence-output network).
    pub targets: Vec<T>,
    /// Timesteps per window.
    pub window: usize,
    /// Features per timestep.
    pub input_size: usize,
    /// Target values per window ([`Network::outputs_per_window`]: `T · O`
    /// for a sequence-output network).
    pub output_size: usize,
}

impl<T: Real> Dataset<T> {
    /// The same windows in the float type `U` (rounded to nearest).
    pub fn cast<U: Real>(&self) -> Dataset<U> {
        let cast = |v: &[T]| v.iter().map(|&x| U::from_f64(x.into_f64())).collect();
        Dataset {
            inputs: cast(&self.inputs),
            targets: cast(&self.targets),
            window: self.window,
            input_size: self.input_size,
            output_size: self.output_size,
        }
    }

    /// Number of windows `n` (`targets.len() / output_size`; 0 when
    /// `output_size` is 0).
    pub fn len(&self) -> usize {
        self.targets
            .len()
            .checked_div(self.output_size)
            .unwrap_or(0)
    }

    /// Whether the dataset has no windows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks the dataset against itself and against `net`.
    fn check(&self, net: &Network<T>, which: &'static str) -> Result<(), FitError> {
        if self.is_empty() {
            return Err(FitError::EmptyDataset { which });
        }
        let arch = net.architecture();
        let mismatch = |what, expected, found| FitError::ShapeMismatch {
            which,
            what,
            expected,
            found,
        };
        if self.input_size != arch.input_size {
            return Err(mismatch("input size", arch.input_size, self.input_size));
        }
        let outputs = net.outputs_per_window(self.window);
        if self.output_size != outputs {
            return Err(mismatch("output size", outputs, self.output_size));
        }
        if self.window == 0 {
            return Err(mismatch("window", 1, 0));
        }
        if self.targets.len() != self.len() * self.output_size {
            return Err(mismatch(
                "target values",
                self.len() * self.output_size,
                self.targets.len(),
            ));
        }
        let expected = self.len() * self.window * self.input_size;
        if self.inputs.len() != expected {
            return Err(mismatch("input values", expected, self.inputs.len()));
        }
        Ok(())
    }
}

/// Training settings (Keras `compile` + `fit` arguments).
#[derive(Clone, Debug, PartialEq)]
pub struct FitConfig {
    /// Passes over the training windows.
    pub epochs: usize,
    /// Windows per gradient step (Keras default 32); the last batch of an
    /// epoch may be shorter.
    pub batch_size: usize,
    /// Adam learning rate (Keras default 0.001); β₁ 0.9, β₂ 0.999, ε 1e-7.
    pub learning_rate: f64,
    /// Clip the gradient to this global norm (Keras `global_clipnorm`).
    pub clip_norm: Option<f64>,
    /// Stop after this many epochs without improvement of the validation
    /// loss (train loss without validation), as Keras `EarlyStopping`.
    pub patience: Option<usize>,
    /// Shuffle the training windows each epoch (seeded); Keras default true.
    pub shuffle: bool,
    /// Seed of the shuffling.
    pub seed: u64,
    /// Loss to minimise.
    pub loss: Loss,
}

/// Losses after one epoch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochReport {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches, weighted by batch size
    /// (as Keras reports `loss`: computed while the weights change).
    pub train_loss: f64,
    /// Loss on the validation set after the epoch.
    pub val_loss: Option<f64>,
}

/// What [`fit`] did.
#[derive(Clone, Debug, PartialEq)]
pub struct FitReport {
    /// One report per finished epoch.
    pub history: Vec<EpochReport>,
    /// Epoch whose weights were kept (0: none was finite, the initial
    /// weights were restored).
    pub best_epoch: usize,
    /// Whether early stopping ended training.
    pub stopped_early: bool,
    /// Epoch where a loss or a weight stopped being a finite `f32`, or a
    /// gradient was refused (see [`fit`]); its weights were discarded.
    pub diverged: Option<usize>,
    /// The refused gradient, if that is what stopped training.
    pub gradient_fault: Option<GradientStop>,
}

/// Where and why a gradient was refused.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradientStop {
    /// Epoch, from 1.
    pub epoch: usize,
    /// Batch within the epoch, from 1.
    pub batch: usize,
    /// What was wrong with it.
    pub fault: GradientFault,
}

impl std::fmt::Display for GradientStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "epoch {}, batch {}: the gradient ",
            self.epoch, self.batch
        )?;
        match self.fault {
            GradientFault::NonFinite { index } => {
                write!(f, "is NaN or infinite (parameter {index})")
            }
            GradientFault::TooLarge { index, limit } => write!(
                f,
                "exceeds {limit:e} (parameter {index}), too large for Adam's squared moment"
            ),
        }?;
        write!(f, "; the step was not taken")
    }
}

/// Why [`fit`] refused to start.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FitError {
    /// The training or validation set has no windows.
    #[error("the {which} dataset has no windows")]
    EmptyDataset {
        /// `"training"` or `"validation"`.
        which: &'static str,
    },
    /// `epochs` is 0.
    #[error("epochs must be at least 1")]
    ZeroEpochs,
    /// `batch_size` is 0.
    #[error("batch size must be at least 1")]
    ZeroBatchSize,
    /// The learning rate is not a positive finite number.
    #[error("learning rate must be positive and finite, got {0}")]
    LearningRate(f64),
    /// The clipping norm is not a positive finite number.
    #[error("clip norm must be positive and finite, got {0}")]
    ClipNorm(f64),
    /// The dataset does not fit the network (or is inconsistent in itself).
    #[error("{which} dataset: {what} is {found}, expected {expected}")]
    ShapeMismatch {
        /// `"training"` or `"validation"`.
        which: &'static str,
        /// The mismatching quantity.
        what: &'static str,
        /// What the network (or the dataset's own sizes) require.
        expected: usize,
        /// What the dataset has.
        found: usize,
    },
    /// The resumed state was made for another network or other data.
    #[error(
        "the checkpoint holds {checkpoint} {what}, this run has {found}: resume with the data \
         (CSV, columns, split) and model options the checkpoint was made with"
    )]
    ResumeMismatch {
        /// `"parameters"` or `"training samples"`.
        what: &'static str,
        /// The checkpoint's count.
        checkpoint: usize,
        /// This run's count.
        found: usize,
    },
}

/// Windows per chunk of a mini-batch. Every batch is cut into chunks of
/// this many windows (the last chunk of a batch may be shorter), whatever
/// the thread count; each chunk runs forward, loss and backward on its own
/// buffers, with `∂L/∂y` divided by the batch's (not the chunk's) number of
/// predictions, and the batch's gradient and loss are the sums of the
/// chunks' in chunk order, on one thread: the gradient of the batch's mean
/// loss. So the chunks are the unit of parallelism, and the weights are
/// bit-identical for any thread count.
pub const CHUNK_WINDOWS: usize = 8;

/// Trains `net` in place on `train` with Adam and BPTT, then restores the
/// best weights (lowest validation loss, or training loss without
/// validation). `on_epoch` is called after every epoch. Runs on the
/// calling thread; [`fit_from`] takes a thread count (which does not change
/// the results).
///
/// Training runs in `T` (`f32` as Keras trains, or `f64`); the weight
/// file and the device use `f32`: an epoch whose training or validation loss, or any
/// weight, is NaN or out of the `f32` range (|x| > `f32::MAX` ≈ 3.4e38)
/// counts as divergence. It stops training, restores the best weights
/// (which are all finite in `f32`) and is reported in
/// [`FitReport::diverged`] (not an error).
///
/// Every batch's gradient is checked after clipping (whose norm cannot
/// overflow): a NaN, infinite or over-[`Real::MAX_GRADIENT`] value stops training
/// before that step, so it never reaches the weights; it counts as
/// divergence of that epoch and is reported in
/// [`FitReport::gradient_fault`] with the epoch and batch.
///
/// # Errors
/// [`FitError::ZeroEpochs`], [`FitError::ZeroBatchSize`],
/// [`FitError::LearningRate`], [`FitError::ClipNorm`],
/// [`FitError::EmptyDataset`], [`FitError::ShapeMismatch`]; `net` is
/// unchanged then.
pub fn fit<T: Real>(
    net: &mut Network<T>,
    train: &Dataset<T>,
    val: Option<&Dataset<T>>,
    cfg: &FitConfig,
    on_epoch: &mut dyn FnMut(&EpochReport),
) -> Result<FitReport, FitError> {
    fit_from(net, train, val, cfg, None, NonZeroUsize::MIN, on_epoch).map(|(report, _)| report)
}

/// Everything training carries from one epoch to the next: with it,
/// [`fit_from`] continues a run exactly where it stopped.
///
/// The weights and Adam's moments are in the float type `T` trained in.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainState<T = f64> {
    /// Epochs finished.
    pub epoch: usize,
    /// The current weights (not the best ones), in [`Network::params`] order.
    pub params: Vec<T>,
    /// Adam's moments and step count.
    pub adam: Adam<T>,
    /// The shuffling generator, as it stands after `epoch` epochs.
    pub rng: ChaCha20Rng,
    /// The sample order after the last shuffle (shuffling permutes it in place).
    pub order: Vec<usize>,
    /// Lowest monitored loss so far, its epoch and its weights.
    pub best: (f64, usize, Vec<T>),
    /// Epochs since the best one (early stopping's counter).
    pub waited: usize,
    /// The reports of the finished epochs.
    pub history: Vec<EpochReport>,
}

/// [`fit`], continuing from `resume` (a state [`fit_from`] returned
/// earlier, with the same data and settings) up to `cfg.epochs` epochs in
/// all; returns the report over all epochs and the state after the last
/// one, to resume again. Resuming gives bit-identical weights to training
/// all epochs at once.
///
/// Each mini-batch's chunks of [`CHUNK_WINDOWS`] windows are spread over
/// `threads` threads (a pool made once per fit; never more than a batch
/// has chunks). The thread count changes only the
/// speed: the chunks, and the order their gradients and losses are summed
/// in, do not depend on it, so any count gives bit-identical weights, and a
/// run may be resumed with another count.
///
/// # Errors
/// Those of [`fit`]; [`FitError::ResumeMismatch`] when `resume` holds
/// another number of parameters or samples than `net` and `train`.
pub fn fit_from<T: Real>(
    net: &mut Network<T>,
    train: &Dataset<T>,
    val: Option<&Dataset<T>>,
    cfg: &FitConfig,
    resume: Option<TrainState<T>>,
    threads: NonZeroUsize,
    on_epoch: &mut dyn FnMut(&EpochReport),
) -> Result<(FitReport, TrainState<T>), FitError> {
    check_config(cfg)?;
    train.check(net, "training")?;
    if let Some(v) = val {
        v.check(net, "validation")?;
    }
    let n = train.len();
    let mismatch = |what, checkpoint, found| FitError::ResumeMismatch {
        what,
        checkpoint,
        found,
    };
    let state = match resume {
        Some(s) => {
            if s.params.len() != net.param_count() {
                return Err(mismatch("parameters", s.params.len(), net.param_count()));
            }
            if s.order.len() != n {
                return Err(mismatch("training samples", s.order.len(), n));
            }
            net.params_mut().copy_from_slice(&s.params);
            s
        }
        None => TrainState {
            epoch: 0,
            params: Vec::new(),
            adam: Adam::new(net.param_count(), cfg.learning_rate),
            rng: ChaCha20Rng::seed_from_u64(cfg.seed),
            order: (0..n).collect(),
            best: (f64::INFINITY, 0, net.params().to_vec()),
            waited: 0,
            history: Vec::with_capacity(cfg.epochs),
        },
    };
    let TrainState {
        epoch: start,
        mut adam,
        mut rng,
        mut order,
        mut best,
        mut waited,
        history,
        ..
    } = state;
    let mut grad = vec![T::zero(); net.param_count()];
    let batch = cfg.batch_size.min(n);
    let mut workers = Workers::new(net, train.window, batch, n % batch, threads);
    let mut report = FitReport {
        history,
        best_epoch: 0,
        stopped_early: false,
        diverged: None,
        gradient_fault: None,
    };
    let mut done = start;
    for epoch in start + 1..=cfg.epochs {
        if cfg.shuffle {
            order.shuffle(&mut rng);
        }
        let mut sum = 0.0;
        for (b, windows) in order.chunks(batch).enumerate() {
            let loss = workers.gradient(net, train, windows, cfg.loss, &mut grad);
            sum += loss * windows.len() as f64;
            if let Some(max_norm) = cfg.clip_norm {
                clip_global_norm(&mut grad, max_norm);
            }
            if let Err(fault) = check_gradient(&grad) {
                report.gradient_fault = Some(GradientStop {
                    epoch,
                    batch: b + 1,
                    fault,
                });
                break;
            }
            adam.step(net.params_mut(), &grad);
        }
        if report.gradient_fault.is_some() {
            report.diverged = Some(epoch);
            break;
        }
        let train_loss = sum / n as f64;
        let val_loss = val.map(|v| evaluate(net, v, cfg.loss));
        let epoch_report = EpochReport {
            epoch,
            train_loss,
            val_loss,
        };
        report.history.push(epoch_report);
        done = epoch;
        on_epoch(&epoch_report);
        if diverged(train_loss, val_loss, net.params()) {
            report.diverged = Some(epoch);
            break;
        }
        let monitored = val_loss.unwrap_or(train_loss);
        if monitored < best.0 {
            best.0 = monitored;
            best.1 = epoch;
            best.2.copy_from_slice(net.params());
            waited = 0;
        } else {
            waited += 1;
            if cfg.patience.is_some_and(|p| waited >= p) {
                report.stopped_early = true;
                break;
            }
        }
    }
    let state = TrainState {
        epoch: done,
        params: net.params().to_vec(),
        adam,
        rng,
        order,
        best: best.clone(),
        waited,
        history: report.history.clone(),
    };
    net.params_mut().copy_from_slice(&best.2);
    report.best_epoch = best.1;
    Ok((report, state))
}

/// One thread's buffers: a tape per chunk size it may meet, and the
/// gradient and summed loss of each chunk it computes in a batch.
struct Worker<T> {
    tapes: Vec<Tape<T>>,
    grads: Vec<Vec<T>>,
    losses: Vec<T>,
}

impl<T: Real> Worker<T> {
    /// Runs chunks `first`, `first + stride`, … of `windows` (chunks of
    /// [`CHUNK_WINDOWS`]) into this worker's slots 0, 1, …, each seeded
    /// with the gradient of the mean loss over all of `windows`.
    fn run(
        &mut self,
        net: &Network<T>,
        data: &Dataset<T>,
        windows: &[usize],
        (first, stride): (usize, usize),
        loss: Loss,
    ) {
        let terms = loss.terms(windows.len(), data.output_size);
        let chunks = windows.chunks(CHUNK_WINDOWS).skip(first).step_by(stride);
        for (slot, chunk) in chunks.enumerate() {
            let tape = self
                .tapes
                .iter_mut()
                .find(|t| t.batch == chunk.len())
                .expect("a tape for every chunk size");
            tape.load(&data.inputs, &data.targets, chunk);
            net.forward(tape);
            self.losses[slot] = tape.loss_sum_and_seed(loss, terms);
            net.backward(tape, &mut self.grads[slot], false);
        }
    }
}

/// The workers of a fit, allocated once: chunk `c` of a batch goes to
/// worker `c % len`, slot `c / len`. With more than one worker, a thread
/// pool made once per fit runs them (spawning threads for every batch cost
/// about 50 µs a batch, a sixth of an LSTM(16) epoch).
struct Workers<T> {
    workers: Vec<Worker<T>>,
    pool: Option<rayon::ThreadPool>,
}

impl<T: Real> Workers<T> {
    /// Buffers for batches of `batch` windows and a last batch of `tail`
    /// (0: none) windows of `steps` timesteps, on at most `threads` threads.
    fn new(
        net: &Network<T>,
        steps: usize,
        batch: usize,
        tail: usize,
        threads: NonZeroUsize,
    ) -> Self {
        let chunks = batch.div_ceil(CHUNK_WINDOWS);
        let count = threads.get().min(chunks);
        let mut sizes = vec![batch.min(CHUNK_WINDOWS), batch % CHUNK_WINDOWS];
        if tail > 0 {
            sizes.extend([tail.min(CHUNK_WINDOWS), tail % CHUNK_WINDOWS]);
        }
        sizes.retain(|&s| s > 0);
        sizes.sort_unstable();
        sizes.dedup();
        let slots = chunks.div_ceil(count);
        let workers = (0..count)
            .map(|_| Worker {
                tapes: sizes.iter().map(|&s| Tape::new(net, steps, s)).collect(),
                grads: vec![vec![T::zero(); net.param_count()]; slots],
                losses: vec![T::zero(); slots],
            })
            .collect();
        // Without a pool (one worker, or the pool could not start), the
        // workers run one after the other: the same chunks, the same bits.
        let pool = (count > 1)
            .then(|| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(count)
                    .build()
                    .ok()
            })
            .flatten();
        Workers { workers, pool }
    }

    /// The mean `loss` over `windows` (one batch) and its gradient, into
    /// `grad`: every chunk on its worker (the workers on the pool's
    /// threads), then the chunks' gradients and losses summed in chunk
    /// order on this thread.
    fn gradient(
        &mut self,
        net: &Network<T>,
        data: &Dataset<T>,
        windows: &[usize],
        loss: Loss,
        grad: &mut [T],
    ) -> f64 {
        let chunks = windows.len().div_ceil(CHUNK_WINDOWS);
        let stride = self.workers.len();
        let busy = &mut self.workers[..stride.min(chunks)];
        let run = |(k, w): (usize, &mut Worker<T>)| w.run(net, data, windows, (k, stride), loss);
        match &self.pool {
            Some(pool) if busy.len() > 1 => {
                pool.install(|| busy.par_iter_mut().enumerate().for_each(run));
            }
            _ => busy.iter_mut().enumerate().for_each(run),
        }
        grad.copy_from_slice(&self.workers[0].grads[0]);
        let mut sum = self.workers[0].losses[0];
        for c in 1..chunks {
            let w = &self.workers[c % stride];
            for (g, x) in grad.iter_mut().zip(&w.grads[c / stride]) {
                *g += *x;
            }
            sum += w.losses[c / stride];
        }
        (sum / T::from_f64(loss.terms(windows.len(), data.output_size) as f64)).into_f64()
    }
}

/// Whether an epoch diverged: a loss or a weight that is not a finite
/// `f32` (what the exported model would hold, and what Keras, training in
/// `f32`, would see as inf or NaN).
fn diverged<T: Real>(train_loss: f64, val_loss: Option<f64>, params: &[T]) -> bool {
    let finite_f32 = |x: f64| (x as f32).is_finite();
    !(finite_f32(train_loss)
        && val_loss.is_none_or(finite_f32)
        && params.iter().all(|&p| finite_f32(p.into_f64())))
}

impl FitConfig {
    /// Checks the settings without training (so a command can refuse them
    /// before reading any data).
    ///
    /// # Errors
    /// [`FitError::ZeroEpochs`], [`FitError::ZeroBatchSize`],
    /// [`FitError::LearningRate`], [`FitError::ClipNorm`].
    pub fn check(&self) -> Result<(), FitError> {
        check_config(self)
    }
}

fn check_config(cfg: &FitConfig) -> Result<(), FitError> {
    if cfg.epochs == 0 {
        return Err(FitError::ZeroEpochs);
    }
    if cfg.batch_size == 0 {
        return Err(FitError::ZeroBatchSize);
    }
    if !(cfg.learning_rate.is_finite() && cfg.learning_rate > 0.0) {
        return Err(FitError::LearningRate(cfg.learning_rate));
    }
    if let Some(c) = cfg.clip_norm {
        if !(c.is_finite() && c > 0.0) {
            return Err(FitError::ClipNorm(c));
        }
    }
    Ok(())
}

/// Windows per forward pass in [`evaluate`].
const EVAL_BATCH: usize = 256;

/// Mean `loss` of `net` over every window of `data` (no training), as Keras
/// `model.evaluate`.
///
/// Returns NaN when `data` is empty or does not fit the network (wrong
/// input or output size, inconsistent lengths): there is no loss to report.
pub fn evaluate<T: Real>(net: &Network<T>, data: &Dataset<T>, loss: Loss) -> f64 {
    if data.check(net, "evaluation").is_err() {
        return f64::NAN;
    }
    let n = data.len();
    let indices: Vec<usize> = (0..n).collect();
    let mut sum = 0.0;
    let mut tape: Option<Tape<T>> = None;
    for chunk in indices.chunks(EVAL_BATCH) {
        let tape = match &mut tape {
            Some(t) if t.batch == chunk.len() => t,
            slot => slot.insert(Tape::new(net, data.window, chunk.len())),
        };
        tape.load(&data.inputs, &data.targets, chunk);
        net.forward(tape);
        let per_column = tape.targets.len() / tape.cols;
        let mean = loss.value(tape.output(), &tape.targets, per_column);
        sum += mean.into_f64() * chunk.len() as f64;
    }
    sum / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Activation, Architecture, CellKind};

    fn arch() -> Architecture {
        let gru = CellKind::Gru { reset_after: true };
        Architecture::uniform(2, gru, &[4], vec![(1, Activation::Linear)])
    }

    /// Windows of 3 timesteps, 2 features; target = `sign ·` the last feature.
    fn data(n: usize, sign: f64) -> Dataset {
        let inputs: Vec<f64> = (0..n * 6)
            .map(|k| ((k * 7 % 13) as f64 / 13.0) - 0.5)
            .collect();
        let targets = (0..n).map(|w| sign * inputs[w * 6 + 5]).collect();
        Dataset {
            inputs,
            targets,
            window: 3,
            input_size: 2,
            output_size: 1,
        }
    }

    fn config(epochs: usize) -> FitConfig {
        FitConfig {
            epochs,
            batch_size: 8,
            learning_rate: 0.01,
            clip_norm: None,
            patience: None,
            shuffle: true,
            seed: 5,
            loss: Loss::Mse,
        }
    }

    #[test]
    fn same_seeds_give_bit_identical_training() {
        let train = data(30, 1.0);
        let run = || {
            let mut net = Network::new(&arch(), 3).unwrap();
            fit(&mut net, &train, None, &config(5), &mut |_| {}).unwrap();
            net.params().iter().map(|p| p.to_bits()).collect::<Vec<_>>()
        };
        assert_eq!(run(), run());
    }

    fn threads(n: usize) -> NonZeroUsize {
        NonZeroUsize::new(n).unwrap()
    }

    fn bits<T: Real>(net: &Network<T>) -> Vec<u64> {
        net.params()
            .iter()
            .map(|&p| p.into_f64().to_bits())
            .collect()
    }

    /// 53 windows in batches of 20: chunks 8, 8, 4 per full batch, then a
    /// last batch of 13 (chunks 8, 5).
    fn uneven<T: Real>() -> (Dataset<T>, Dataset<T>, FitConfig) {
        let cfg = FitConfig {
            batch_size: 20,
            clip_norm: Some(0.5),
            ..config(4)
        };
        (data(53, 1.0).cast(), data(17, -1.0).cast(), cfg)
    }

    /// The test network in `T` (rounded from the f64 initialisation).
    fn net_in<T: Real>() -> Network<T> {
        Network::new(&arch(), 3).unwrap().cast()
    }

    fn thread_counts_give_bit_identical_weights_in<T: Real>() {
        let (train, val, cfg) = uneven::<T>();
        let run = |n| {
            let mut net = net_in::<T>();
            let (report, state) = fit_from(
                &mut net,
                &train,
                Some(&val),
                &cfg,
                None,
                threads(n),
                &mut |_| {},
            )
            .unwrap();
            (bits(&net), report, state)
        };
        let one = run(1);
        assert_eq!(one.1.history.len(), 4);
        for n in [2, 3, 8] {
            assert_eq!(run(n), one, "{n} threads");
        }
    }

    #[test]
    fn thread_counts_give_bit_identical_weights() {
        thread_counts_give_bit_identical_weights_in::<f64>();
    }

    #[test]
    fn thread_counts_give_bit_identical_weights_in_f32() {
        thread_counts_give_bit_identical_weights_in::<f32>();
    }

    fn resuming_with_another_thread_count_gives_the_same_bits_in<T: Real>() {
        let (train, val, cfg) = uneven::<T>();
        let mut straight = net_in::<T>();
        let (_, at_end) = fit_from(
            &mut straight,
            &train,
            Some(&val),
            &cfg,
            None,
            threads(2),
            &mut |_| {},
        )
        .unwrap();
        let mut resumed = net_in::<T>();
        let half = FitConfig {
            epochs: 2,
            ..cfg.clone()
        };
        let (_, mid) = fit_from(
            &mut resumed,
            &train,
            Some(&val),
            &half,
            None,
            threads(1),
            &mut |_| {},
        )
        .unwrap();
        let (_, end) = fit_from(
            &mut resumed,
            &train,
            Some(&val),
            &cfg,
            Some(mid),
            threads(3),
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(bits(&resumed), bits(&straight));
        assert_eq!(end, at_end);
    }

    #[test]
    fn resuming_on_other_data_names_both_counts() {
        let mut net = Network::new(&arch(), 3).unwrap();
        let (_, state) = fit_from(
            &mut net,
            &data(30, 1.0),
            None,
            &config(1),
            None,
            threads(1),
            &mut |_| {},
        )
        .unwrap();
        let e = fit_from(
            &mut net,
            &data(12, 1.0),
            None,
            &config(2),
            Some(state),
            threads(1),
            &mut |_| {},
        )
        .unwrap_err();
        assert_eq!(
            e,
            FitError::ResumeMismatch {
                what: "training samples",
                checkpoint: 30,
                found: 12
            }
        );
        assert!(e
            .to_string()
            .starts_with("the checkpoint holds 30 training samples, this run has 12"));
    }

    #[test]
    fn resuming_with_another_thread_count_gives_the_same_bits() {
        resuming_with_another_thread_count_gives_the_same_bits_in::<f64>();
    }

    #[test]
    fn f32_resume_gives_the_bits_of_a_straight_f32_run() {
        resuming_with_another_thread_count_gives_the_same_bits_in::<f32>();
    }

    #[test]
    fn f32_and_f64_training_end_close_but_not_equal() {
        // The same run in both precisions: f32 rounding changes the bits,
        // not the outcome (4 epochs: relative weight change below 1e-3).
        let (t64, v64, cfg) = uneven::<f64>();
        let (t32, v32, _) = uneven::<f32>();
        let mut n64 = net_in::<f64>();
        let mut n32 = net_in::<f32>();
        fit_from(
            &mut n64,
            &t64,
            Some(&v64),
            &cfg,
            None,
            threads(1),
            &mut |_| {},
        )
        .unwrap();
        fit_from(
            &mut n32,
            &t32,
            Some(&v32),
            &cfg,
            None,
            threads(1),
            &mut |_| {},
        )
        .unwrap();
        let scale = n64.params().iter().fold(0.0f64, |m, p| m.max(p.abs()));
        let worst = n64
            .params()
            .iter()
            .zip(n32.params())
            .fold(0.0f64, |m, (a, b)| m.max((a - f64::from(*b)).abs()));
        assert!(worst > 0.0 && worst <= 1e-3 * scale, "{worst} of {scale}");
    }

    #[test]
    fn chunked_batch_gradient_is_the_batch_mean_gradient() {
        // 21 windows: chunks of 8, 8 and 5, weighted by their share of the
        // batch; equal to one pass over the whole batch up to rounding.
        let d = data(21, 1.0);
        let net = Network::new(&arch(), 3).unwrap();
        let whole = net.gradients(&d.inputs, &d.targets, Loss::Mse).unwrap();
        let windows: Vec<usize> = (0..21).collect();
        for n in [1, 2] {
            let mut workers = Workers::new(&net, d.window, 21, 0, threads(n));
            let mut grad = vec![0.0; net.param_count()];
            let loss = workers.gradient(&net, &d, &windows, Loss::Mse, &mut grad);
            assert!((loss - whole.loss).abs() <= 1e-15 * whole.loss.abs());
            let scale = whole.params.iter().fold(0.0f64, |m, g| m.max(g.abs()));
            for (g, w) in grad.iter().zip(&whole.params) {
                assert!((g - w).abs() <= 1e-13 * scale, "{g} vs {w}");
            }
        }
    }

    #[test]
    fn training_lowers_the_loss_and_reports_every_epoch() {
        let train = data(30, 1.0);
        let mut net = Network::new(&arch(), 3).unwrap();
        let before = evaluate(&net, &train, Loss::Mse);
        let mut seen = Vec::new();
        let report = fit(&mut net, &train, None, &config(40), &mut |r| {
            seen.push(r.epoch)
        })
        .unwrap();
        assert_eq!(seen, (1..=40).collect::<Vec<_>>());
        assert_eq!(report.history.len(), 40);
        assert!(evaluate(&net, &train, Loss::Mse) < 0.5 * before);
    }

    #[test]
    fn early_stopping_restores_the_best_weights() {
        // Validation targets are the negated training targets: as training
        // improves, validation gets worse after the first epochs.
        let (train, val) = (data(30, 1.0), data(30, -1.0));
        let mut net = Network::new(&arch(), 3).unwrap();
        let cfg = FitConfig {
            patience: Some(2),
            ..config(50)
        };
        let report = fit(&mut net, &train, Some(&val), &cfg, &mut |_| {}).unwrap();
        assert!(report.stopped_early);
        assert_eq!(report.history.len(), report.best_epoch + 2);
        let best = report.history[report.best_epoch - 1].val_loss.unwrap();
        assert!((evaluate(&net, &val, Loss::Mse) - best).abs() < 1e-12);
    }

    #[test]
    fn divergence_stops_and_restores_finite_weights() {
        let train = data(30, 1.0);
        let mut net = Network::new(&arch(), 3).unwrap();
        let mut a = arch();
        a.recurrent[0].cell = CellKind::SimpleRnn {
            activation: Activation::Linear,
        };
        let mut net_linear = Network::new(&a, 3).unwrap();
        let cfg = FitConfig {
            learning_rate: 1e200,
            ..config(50)
        };
        for net in [&mut net, &mut net_linear] {
            let report = fit(net, &train, None, &cfg, &mut |_| {}).unwrap();
            let epoch = report.diverged.expect("diverges");
            // A refused gradient stops inside the epoch, before its report.
            let finished = epoch - usize::from(report.gradient_fault.is_some());
            assert!(epoch < 50 && report.history.len() == finished);
            assert!(net.params().iter().all(|p| p.is_finite()));
        }
    }

    #[test]
    fn losses_and_weights_beyond_f32_count_as_divergence() {
        assert!(!diverged(1e38, Some(0.5), &[1.0, -3e38]));
        assert!(diverged(1e39, Some(0.5), &[1.0]));
        assert!(diverged(0.5, Some(1e60), &[1.0]));
        assert!(diverged(0.5, None, &[1.0, -1e39]));
        assert!(diverged(f64::NAN, None, &[1.0]));
        assert!(diverged(0.5, None, &[f64::INFINITY]));
    }

    #[test]
    fn clipping_changes_the_updates() {
        // Adam normalises each step, so a clipped run differs from an
        // unclipped one only through the moment estimates; it must differ.
        let train = data(30, 1.0);
        let mut clipped = Network::new(&arch(), 3).unwrap();
        let mut free = clipped.clone();
        let cfg = FitConfig {
            clip_norm: Some(1e-3),
            ..config(3)
        };
        fit(&mut clipped, &train, None, &cfg, &mut |_| {}).unwrap();
        fit(&mut free, &train, None, &config(3), &mut |_| {}).unwrap();
        assert_ne!(clipped.params(), free.params());
    }

    #[test]
    fn bad_settings_and_shapes_are_typed_errors() {
        let train = data(10, 1.0);
        let mut net = Network::new(&arch(), 3).unwrap();
        let original = net.clone();
        let mut run = |cfg: FitConfig, data: &Dataset| fit(&mut net, data, None, &cfg, &mut |_| {});
        assert_eq!(run(config(0), &train), Err(FitError::ZeroEpochs));
        let zero_batch = FitConfig {
            batch_size: 0,
            ..config(1)
        };
        assert_eq!(run(zero_batch, &train), Err(FitError::ZeroBatchSize));
        let bad_lr = FitConfig {
            learning_rate: -1.0,
            ..config(1)
        };
        assert_eq!(run(bad_lr, &train), Err(FitError::LearningRate(-1.0)));
        let bad_clip = FitConfig {
            clip_norm: Some(0.0),
            ..config(1)
        };
        assert_eq!(run(bad_clip, &train), Err(FitError::ClipNorm(0.0)));
        let empty = Dataset {
            inputs: vec![],
            targets: vec![],
            ..data(1, 1.0)
        };
        assert_eq!(
            run(config(1), &empty),
            Err(FitError::EmptyDataset { which: "training" })
        );
        let wide = Dataset {
            input_size: 3,
            ..data(10, 1.0)
        };
        assert!(matches!(
            run(config(1), &wide),
            Err(FitError::ShapeMismatch {
                what: "input size",
                ..
            })
        ));
        let mut short = data(10, 1.0);
        short.inputs.pop();
        assert!(matches!(
            run(config(1), &short),
            Err(FitError::ShapeMismatch {
                what: "input values",
                ..
            })
        ));
        assert_eq!(net, original);
        assert!(evaluate(&net, &short, Loss::Mse).is_nan());
    }
}
