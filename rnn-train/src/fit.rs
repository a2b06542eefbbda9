//! The training loop: shuffled mini-batches, BPTT, global-norm clipping and
//! Adam, with early stopping and best-weight restore (Keras `model.fit`
//! with `EarlyStopping(restore_best_weights=True)`).

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

pub use crate::loss::Loss;
use crate::nn::{Network, Tape};
use crate::optim::{clip_global_norm, Adam};

/// Windows ready for training.
///
/// # Shapes
/// `inputs`: `[n × window × input_size]` row-major (window, then timestep,
/// then feature); `targets`: `[n × output_size]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Input windows, flattened.
    pub inputs: Vec<f64>,
    /// Targets, one row of `output_size` values per window.
    pub targets: Vec<f64>,
    /// Timesteps per window.
    pub window: usize,
    /// Features per timestep.
    pub input_size: usize,
    /// Target values per window.
    pub output_size: usize,
}

impl Dataset {
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
    fn check(&self, net: &Network, which: &'static str) -> Result<(), FitError> {
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
        if self.output_size != net.output_size() {
            return Err(mismatch("output size", net.output_size(), self.output_size));
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
    /// Epoch where the monitored loss became NaN or infinite.
    pub diverged: Option<usize>,
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
}

/// Trains `net` in place on `train` with Adam and BPTT, then restores the
/// best weights (lowest validation loss, or training loss without
/// validation). `on_epoch` is called after every epoch.
///
/// A NaN or infinite monitored loss stops training, restores the best
/// weights and is reported in [`FitReport::diverged`] (not an error).
///
/// # Errors
/// [`FitError::ZeroEpochs`], [`FitError::ZeroBatchSize`],
/// [`FitError::LearningRate`], [`FitError::ClipNorm`],
/// [`FitError::EmptyDataset`], [`FitError::ShapeMismatch`]; `net` is
/// unchanged then.
pub fn fit(
    net: &mut Network,
    train: &Dataset,
    val: Option<&Dataset>,
    cfg: &FitConfig,
    on_epoch: &mut dyn FnMut(&EpochReport),
) -> Result<FitReport, FitError> {
    check_config(cfg)?;
    train.check(net, "training")?;
    if let Some(v) = val {
        v.check(net, "validation")?;
    }
    let n = train.len();
    let mut rng = ChaCha20Rng::seed_from_u64(cfg.seed);
    let mut order: Vec<usize> = (0..n).collect();
    let mut adam = Adam::new(net.param_count(), cfg.learning_rate);
    let mut grad = vec![0.0; net.param_count()];
    let batch = cfg.batch_size.min(n);
    let mut full = Tape::new(net, train.window, batch);
    let mut tail = Tape::new(net, train.window, (n % batch).max(1));
    let mut best = (f64::INFINITY, 0, net.params().to_vec());
    let mut report = FitReport {
        history: Vec::with_capacity(cfg.epochs),
        best_epoch: 0,
        stopped_early: false,
        diverged: None,
    };
    let mut waited = 0;
    for epoch in 1..=cfg.epochs {
        if cfg.shuffle {
            order.shuffle(&mut rng);
        }
        let mut sum = 0.0;
        for chunk in order.chunks(batch) {
            let tape = if chunk.len() == batch {
                &mut full
            } else {
                &mut tail
            };
            tape.load(&train.inputs, &train.targets, chunk);
            net.forward(tape);
            sum += tape.loss_and_seed(cfg.loss) * chunk.len() as f64;
            net.backward(tape, &mut grad, false);
            if let Some(max_norm) = cfg.clip_norm {
                clip_global_norm(&mut grad, max_norm);
            }
            adam.step(net.params_mut(), &grad);
        }
        let train_loss = sum / n as f64;
        let val_loss = val.map(|v| evaluate(net, v, cfg.loss));
        let epoch_report = EpochReport {
            epoch,
            train_loss,
            val_loss,
        };
        report.history.push(epoch_report);
        on_epoch(&epoch_report);
        let monitored = val_loss.unwrap_or(train_loss);
        if !monitored.is_finite() {
            report.diverged = Some(epoch);
            break;
        }
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
    net.params_mut().copy_from_slice(&best.2);
    report.best_epoch = best.1;
    Ok(report)
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
pub fn evaluate(net: &Network, data: &Dataset, loss: Loss) -> f64 {
    if data.check(net, "evaluation").is_err() {
        return f64::NAN;
    }
    let n = data.len();
    let indices: Vec<usize> = (0..n).collect();
    let mut sum = 0.0;
    let mut tape: Option<Tape> = None;
    for chunk in indices.chunks(EVAL_BATCH) {
        let tape = match &mut tape {
            Some(t) if t.batch == chunk.len() => t,
            slot => slot.insert(Tape::new(net, data.window, chunk.len())),
        };
        tape.load(&data.inputs, &data.targets, chunk);
        net.forward(tape);
        sum += loss.value(tape.output(), &tape.targets) * chunk.len() as f64;
    }
    sum / n as f64
}
