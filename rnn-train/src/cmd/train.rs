//! `rnn-train train`: CSV → data contract (columns, time split) → scaler
//! (training rows only) → windows → fit → weight file → test evaluation
//! against persistence → history, predictions and plots.
//!
//! [`prepare`] does everything up to training (so the summary and any
//! warnings can be shown first); [`Prepared::train`] trains and writes.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rnn_core::format::{DataContract, LayerSpec, Metadata, ScalerKind};

use super::{CsvSource, LOSS_PLOT_FILE, MODEL_FILE, QUANTIZED_FILE, TEST_PREDICTIONS_FILE};
use crate::data::contract::{Contract, Data};
use crate::data::csv::TimeColumn;
use crate::data::outliers::{outliers, MAX_MADS};
use crate::data::scale;
use crate::data::split::{Split, TestSize};
use crate::data::window::dataset;
use crate::error::{Result, TrainError};
use crate::eval::Evaluation;
use crate::fit::{fit_from, Dataset, EpochReport, FitConfig, FitReport, Loss};
use crate::forecast::{scale_columns, TestResult};
use crate::nn::{Activation, Architecture, Network, Precision, Real, RecurrentLayer};
use crate::report::{summarize, Summary};
use crate::seq2seq::{self, SequenceTest};
use crate::steps::{self, test_steps};
use crate::{checkpoint, export, import, plot};

/// File name of the training checkpoint in the output directory.
pub const CHECKPOINT_FILE: &str = "checkpoint.rnnt";
/// The per-epoch log in the output directory.
pub const HISTORY_FILE: &str = "history.csv";
/// The test predictions' plot in the output directory.
pub const PREDICTIONS_PLOT_FILE: &str = "test_predictions.png";

/// Everything `train` needs; `main.rs` fills it from the command line.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainOptions {
    /// The CSV.
    pub csv: CsvSource,
    /// Input columns (features per timestep, in this order).
    pub inputs: Vec<String>,
    /// Target column (may also be an input).
    pub target: String,
    /// The time column saved in the contract and written next to test
    /// predictions ([`TimeColumn::Auto`]: detected from the header).
    pub time: TimeColumn,
    /// Past timesteps per sample.
    pub window: usize,
    /// Steps ahead of the target (1 = the next value; 0, the input's own
    /// row, only with `seq2seq`); with `multi_output` the number of steps
    /// forecast.
    pub horizon: usize,
    /// Direct multi-step forecasting: the head's last Dense layer has
    /// `horizon` units predicting the target at `t + 1 ..= t + horizon`
    /// (`t` = the window's last row) in one pass (see [`crate::steps`]).
    pub multi_output: bool,
    /// Sequence-to-sequence (many-to-many): a target at every timestep of
    /// a window, the target column `horizon` rows after each input row
    /// (`horizon` 0 allowed), the Dense head applied at every timestep
    /// (Keras `return_sequences=True` into `TimeDistributed(Dense)`; see
    /// [`crate::seq2seq`]). Not with `multi_output`.
    pub seq2seq: bool,
    /// The stacked recurrent layers, input side first: each its own cell,
    /// hidden size and bias choice (as Keras stacks them).
    pub layers: Vec<RecurrentLayer>,
    /// How the weights are initialised: Keras's defaults, or IRNN for
    /// ReLU SimpleRNN layers ([`crate::nn::Init`]).
    pub init: crate::nn::Init,
    /// Dense head `(units, activation)`; the last has 1 unit (one target),
    /// or `horizon` units with `multi_output`.
    pub dense: Vec<(usize, Activation)>,
    /// Scaler, fitted on the training rows.
    pub scaler: ScalerKind,
    /// Fraction of the samples before the test split used for validation.
    pub val_fraction: f64,
    /// The test split: the last samples of the series.
    pub test_size: TestSize,
    /// Forecasts that cannot go below 0: the target is scaled without a
    /// shift and the last Dense layer gets a ReLU (refused when a training
    /// target is negative).
    pub nonnegative: bool,
    /// Do not warn about values beyond the robust range.
    pub allow_outliers: bool,
    /// Continue from this checkpoint (written by an earlier run with the
    /// same options but `fit.epochs`) up to `fit.epochs` epochs in all.
    pub resume: Option<PathBuf>,
    /// Optimisation settings (epochs, batch, Adam learning rate, clipping,
    /// patience, shuffling, seed, loss).
    pub fit: FitConfig,
    /// The float type training runs in (`f32` as Keras; `f64` for
    /// gradient checks and reproducing f64 runs). Part of the checkpoint's
    /// options: a resume must use the checkpoint's precision.
    pub precision: Precision,
    /// Threads to train on (see [`fit_from`]): only the speed depends on
    /// it, not the weights, so it is not part of the checkpoint's options
    /// and a run may be resumed with another count.
    pub threads: NonZeroUsize,
    /// Directory for the weight file, plots and test predictions.
    pub out_dir: PathBuf,
    /// Whether to draw the PNG plots.
    pub plots: bool,
}

/// The files `train` wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outputs {
    /// The rnn-core weight file.
    pub model: PathBuf,
    /// Test targets, model and persistence forecasts, as CSV.
    pub test_predictions: PathBuf,
    /// Per-epoch losses, learning rate and seconds, as CSV.
    pub history: PathBuf,
    /// The checkpoint to resume from (`train --resume`).
    pub checkpoint: PathBuf,
    /// Loss curves PNG (if plots were drawn).
    pub loss_plot: Option<PathBuf>,
    /// Predicted vs actual PNG (if plots were drawn).
    pub predictions_plot: Option<PathBuf>,
}

/// A run ready to train: data read, split, scaled and checked, network built.
#[derive(Clone, Debug)]
pub struct Prepared {
    opts: TrainOptions,
    /// The data contract saved with the model.
    pub contract: Contract,
    data: Data,
    /// The split.
    pub split: Split,
    /// The scaler, window and horizon saved in the weight file.
    pub metadata: Metadata,
    record: DataContract,
    train: Dataset,
    val: Option<Dataset>,
    network: Network,
    /// Keras-style summary of the model.
    pub summary: Summary,
    /// Warnings and hints about the data, one line each, to show before
    /// training (`warning: ...`, `hint: ...`).
    pub notes: Vec<String>,
}

/// The result of a training run.
#[derive(Clone, Debug)]
pub struct Trained {
    /// The trained network, best epoch's weights, widened to f64 (exactly)
    /// from the precision trained in.
    pub network: Network,
    /// The network as exported (f32 weights widened back to f64): what a
    /// device runs and what the evaluation used.
    pub exported: Network,
    /// Loss history, best epoch, early stop, divergence.
    pub fit: FitReport,
    /// Wall-clock seconds of each epoch, as in `history.csv` (`None` for
    /// epochs of the run resumed from).
    pub epoch_seconds: Vec<Option<f64>>,
    /// The split used.
    pub split: Split,
    /// The scaler, window and horizon saved in the weight file.
    pub metadata: Metadata,
    /// Test forecasts and errors, in the target's units: of the target
    /// at the horizon (a multi-step model's last step); for `seq2seq`, of
    /// every scored (window, timestep) pair, its `persistence` the
    /// baseline's ([`Trained::sequence`]).
    pub test: TestResult,
    /// The sequence-to-sequence test evaluation (`seq2seq` only): which
    /// baseline, and the window and timestep of every scored pair.
    pub sequence: Option<SequenceTest>,
    /// The errors of every forecast step, step 1 first: one for a
    /// single-step model (the same as `test`'s), `horizon` with
    /// `multi_output`.
    pub steps: Vec<Evaluation>,
    /// Keras-style summary of the model.
    pub summary: Summary,
    /// Files written.
    pub outputs: Outputs,
}

fn invalid(option: &'static str, reason: impl Into<String>) -> TrainError {
    TrainError::InvalidOption {
        option,
        reason: reason.into(),
    }
}

fn check_options(opts: &TrainOptions) -> Result<()> {
    if opts.inputs.is_empty() {
        return Err(invalid("--input", "give at least one input column"));
    }
    if opts.seq2seq && opts.multi_output {
        return Err(invalid(
            "--seq2seq",
            "not with --multi-output: a sequence-to-sequence model has one target per \
             timestep (the target --horizon rows after each input row)",
        ));
    }
    if opts.horizon == 0 && !opts.seq2seq && !opts.multi_output {
        return Err(invalid(
            "--horizon",
            "must be at least 1 (1 = the next value); 0 (the same row) only with --seq2seq",
        ));
    }
    let outputs = if opts.multi_output {
        steps::check_steps(opts.horizon)?;
        opts.horizon
    } else {
        1
    };
    if opts.dense.last().map(|d| d.0) != Some(outputs) {
        return Err(invalid(
            "--dense",
            if opts.multi_output {
                format!("with --multi-output the last Dense layer must have --horizon = {outputs} units (one per step)")
            } else {
                "the last Dense layer must have 1 unit (one target column)".to_string()
            },
        ));
    }
    if let Some(twice) = opts
        .inputs
        .iter()
        .enumerate()
        .find_map(|(k, name)| opts.inputs[..k].contains(name).then_some(name))
    {
        return Err(invalid(
            "--input",
            format!("column {twice:?} is given more than once"),
        ));
    }
    Ok(())
}

/// Learning rates above this get a warning: Adam's steps are about the
/// learning rate in size, and weights of order 1 are overshot above it.
const MAX_USUAL_LR: f64 = 0.1;

/// One warning per used column whose rows `rows` (the training rows, or
/// the validation and test rows after them: `which`) hold values beyond
/// [`MAX_MADS`] MADs from those rows' median; `effect` says what they
/// spoil.
fn outlier_warnings(
    contract: &Contract,
    data: &Data,
    rows: std::ops::Range<usize>,
    (which, effect): (&str, &str),
) -> Vec<String> {
    let mut names: Vec<&str> = contract.inputs.iter().map(String::as_str).collect();
    if !names.contains(&contract.target.as_str()) {
        names.push(&contract.target);
    }
    names
        .into_iter()
        .filter_map(|name| {
            let column = data.table.column(name)?;
            let o = outliers(column.get(rows.clone())?)?;
            Some(format!(
                "warning: column {name:?}: {} {which} value(s) lie more than {MAX_MADS} MADs \
                 from the median {:?} (MAD {:?}), the first at line {} ({:?}); {effect}. Fix \
                 the data, or pass --allow-outliers if they are real",
                o.count,
                // Shortest forms: 0.22715, not 0.22715000000000002; 1e30,
                // not 31 digits.
                o.median as f32,
                o.spread as f32,
                data.table.lines[rows.start + o.first],
                column[rows.start + o.first]
            ))
        })
        .collect()
}

/// Reads, splits, scales and checks the data and builds the network.
///
/// # Errors
/// Those of [`CsvSource::existing`], [`Contract::read`] and [`Split::new`]
/// (including too few validation or test windows);
/// [`TrainError::InvalidOption`] for no input column, an input column given
/// twice, a Dense head whose last layer does not have 1 unit (`horizon`
/// units with `multi_output`), `seq2seq` with `multi_output`, a horizon of
/// 0 without `seq2seq`, `multi_output` with a horizon of 0 or over
/// [`steps::MAX_STEPS`], more than 16
/// columns, a column name over 64 bytes, or `--nonnegative` with a negative
/// training target; [`TrainError::OutputDir`] when `opts.out_dir` is a
/// file or cannot be written; [`TrainError::Network`] for an architecture
/// with 0 units.
pub fn prepare(opts: &TrainOptions) -> Result<Prepared> {
    check_options(opts)?;
    opts.fit.check()?;
    export::check_output_dir(&opts.out_dir)?;
    super::refuse_outputs_over_csv(
        opts.csv.path(),
        &opts.out_dir,
        &[
            MODEL_FILE,
            TEST_PREDICTIONS_FILE,
            HISTORY_FILE,
            CHECKPOINT_FILE,
            LOSS_PLOT_FILE,
            PREDICTIONS_PLOT_FILE,
            QUANTIZED_FILE,
        ],
    )?;
    let mut contract = Contract {
        inputs: opts.inputs.clone(),
        target: opts.target.clone(),
        time: match &opts.time {
            TimeColumn::Named(t) => Some(t.clone()),
            _ => None,
        },
        window: opts.window,
        horizon: opts.horizon,
        val_fraction: opts.val_fraction,
        test_size: opts.test_size,
    };
    let path = opts.csv.existing()?;
    if let TimeColumn::Named(t) = &opts.time {
        if !crate::data::csv::header(path)?.iter().any(|h| h == t) {
            return Err(invalid("--time", format!("the CSV has no column {t:?}")));
        }
    }
    let data = contract.read(path, false, opts.time == TimeColumn::Auto)?;
    contract.time = data.table.time.as_ref().map(|(n, _)| n.clone());
    let split = contract.split(data.table.rows())?;
    let mut record = contract.record(&split, data.table.rows())?;
    let steps = if opts.multi_output { opts.horizon } else { 1 };
    // One target name and scale per output (see `crate::steps`).
    record.targets = std::iter::repeat_n(record.targets[0].clone(), steps).collect();

    // The scaler sees only the rows the training samples read.
    let rows = split.train_rows();
    let mut notes = Vec::new();
    let lr = opts.fit.learning_rate;
    if lr > MAX_USUAL_LR {
        notes.push(format!(
            "warning: --lr {lr} is far above Adam's usual range (at most {MAX_USUAL_LR}; Keras's \
             default is 0.001): training will likely diverge or stall"
        ));
    }
    if !opts.allow_outliers {
        let training = ("training", "they dominate the scaler and the loss");
        notes.extend(outlier_warnings(&contract, &data, rows.clone(), training));
        let held_out = (
            "validation and test",
            "they dominate the validation loss and the test errors",
        );
        let after = rows.end..data.table.rows();
        notes.extend(outlier_warnings(&contract, &data, after, held_out));
    }
    let raw_target = data.target.as_deref().unwrap_or_default();
    let never_negative = raw_target[rows.clone()].iter().all(|&v| v >= 0.0);
    let mut dense = opts.dense.clone();
    let mut target_scale = scale::fit(opts.scaler, &raw_target[rows.clone()]);
    if opts.nonnegative {
        if !never_negative {
            return Err(invalid(
                "--nonnegative",
                format!("the target {:?} is negative in training rows", opts.target),
            ));
        }
        target_scale = scale::without_shift(&raw_target[rows.clone()]);
        if let Some(last) = dense.last_mut() {
            last.1 = Activation::Relu;
        }
    } else if never_negative && dense.last().is_some_and(|d| d.1 == Activation::Linear) {
        notes.push(format!(
            "hint: the target {:?} is never negative in the training rows; --nonnegative \
             keeps forecasts at 0 or above (ReLU on the output; a ReLU output can die and \
             forecast 0 everywhere, so compare its test errors with this run's)",
            opts.target
        ));
    }
    let input_scales: Vec<_> = data
        .inputs
        .iter()
        .map(|c| scale::fit(opts.scaler, &c[rows.clone()]))
        .collect();
    let metadata = export::metadata(
        opts.scaler,
        &input_scales,
        &vec![target_scale; steps],
        opts.window,
        opts.horizon,
    )?;
    let inputs = scale_columns(&data.inputs, &input_scales);
    let scaled_target = scale::scale_all(&target_scale, raw_target);
    let target = if opts.multi_output {
        steps::step_targets(&scaled_target, steps)
    } else {
        vec![scaled_target]
    };
    let samples = |part: std::ops::Range<usize>| {
        if opts.seq2seq {
            seq2seq::dataset(&inputs, &target[0], &split, part)
        } else {
            dataset(&inputs, &target, &split, part)
        }
    };
    let train = samples(split.train.clone());
    let val = (!split.val.is_empty()).then(|| samples(split.val.clone()));
    let arch = Architecture {
        input_size: opts.inputs.len(),
        recurrent: opts.layers.clone(),
        dense,
        sequence_output: opts.seq2seq,
    };
    let mut network = Network::new_with_init(&arch, opts.fit.seed, opts.init)?;
    if opts.nonnegative {
        // A ReLU output whose bias starts at 0 can be negative for every
        // window from the first step on and never learn (a dead ReLU);
        // starting at the training targets' mean (scaled without shift,
        // so positive) keeps it alive.
        let n = train.targets.len().max(1) as f64;
        network.set_output_bias(train.targets.iter().sum::<f64>() / n);
    }
    Ok(Prepared {
        summary: summarize(&network.layer_specs(), Some(opts.window)),
        opts: opts.clone(),
        contract,
        data,
        split,
        metadata,
        record,
        train,
        val,
        network,
        notes,
    })
}

/// Trains, exports and evaluates; calls `on_epoch` after every epoch.
///
/// The same as [`prepare`] then [`Prepared::train`].
///
/// # Errors
/// Those of [`prepare`] and [`Prepared::train`].
pub fn run(opts: &TrainOptions, on_epoch: &mut dyn FnMut(&EpochReport)) -> Result<Trained> {
    prepare(opts)?.train(on_epoch)
}

impl Prepared {
    /// Trains, exports and evaluates; calls `on_epoch` after every epoch.
    ///
    /// Deterministic for a given seed: the same options give bit-identical
    /// weight files, also across a `resume`. Writes `checkpoint.rnnt` (the
    /// state after the last epoch, see [`checkpoint`]) next to the model. A loss or weight that is not a finite `f32` stops
    /// training (see [`FitReport::diverged`]); the best weights so far are
    /// exported, or, if no epoch finished with finite values, nothing is
    /// written. Every output is written only after the model blob was
    /// encoded, loaded back through rnn-core's checks and evaluated, so a
    /// failed run never replaces an existing model.
    ///
    /// # Errors
    /// [`TrainError::Diverged`] when the first epoch already diverged;
    /// [`TrainError::Fit`] for zero epochs, zero batch size, a bad learning
    /// rate or clip norm, or a gradient that is not finite;
    /// [`TrainError::File`] / [`TrainError::Plot`] when an output cannot be
    /// written; [`TrainError::Checkpoint`] when the `resume` checkpoint is
    /// damaged, was trained in another precision or was made with other
    /// options.
    pub fn train(self, on_epoch: &mut dyn FnMut(&EpochReport)) -> Result<Trained> {
        let fingerprint_contract = self.contract.clone();
        let Prepared {
            opts,
            data,
            split,
            metadata,
            record,
            train,
            val,
            mut network,
            summary,
            ..
        } = self;
        // Everything that must match for a resume to continue the same run
        // (and the precision, which checkpoint::load compares with the
        // checkpoint's precision byte, so version 1 files keep matching).
        let fingerprint = format!(
            "{:?}",
            (
                &fingerprint_contract,
                checkpoint::ArchitectureFingerprint(network.architecture()),
                opts.scaler,
                opts.nonnegative,
                FitConfig {
                    epochs: 0,
                    ..opts.fit.clone()
                }
            )
        );
        let run = Run {
            opts: &opts,
            fingerprint: &fingerprint,
            train: &train,
            val: val.as_ref(),
        };
        let (report, checkpoint_bytes, epoch_seconds) = match opts.precision {
            Precision::F32 => run.fit::<f32>(&mut network, on_epoch)?,
            Precision::F64 => run.fit::<f64>(&mut network, on_epoch)?,
        };
        if let (Some(epoch), 0) = (report.diverged, report.best_epoch) {
            return Err(TrainError::Diverged {
                epoch,
                cause: report.gradient_fault,
            });
        }

        // Check the model before writing anything: the blob must load back
        // through rnn-core's checks with finite f32 weights, so a bad run
        // never replaces a good model (or its plots and predictions).
        let specs: Vec<LayerSpec> = network.layer_specs();
        let params = network.export_params();
        let blob = if opts.seq2seq {
            export::encode_sequence(&specs, &metadata, Some(&record), &params)?
        } else {
            export::encode(&specs, &metadata, Some(&record), &params)?
        };
        let model_path = opts.out_dir.join(MODEL_FILE);
        // Evaluate what will be written: the model as a device will run it.
        let exported = import::from_blob(&model_path, &blob)?.network;
        let (test, steps, step_records, sequence) = if opts.seq2seq {
            let baseline = seq2seq::baseline_for(&opts.inputs, &opts.target, &data, &split);
            let seq = seq2seq::evaluate(&exported, &metadata, &data, &split, baseline)?;
            let records = seq2seq::prediction_records(&seq, &data);
            let steps = vec![seq.result.evaluation];
            (seq.result.clone(), steps, Some(records), Some(seq))
        } else {
            let per_step = test_steps(&exported, &metadata, &data, &split)?;
            let step_records = opts
                .multi_output
                .then(|| steps::prediction_records(&per_step, &data, &split));
            let steps = per_step.evaluations();
            (per_step.last, steps, step_records, None)
        };

        export::write_atomic(&model_path, &blob)?;
        let test_predictions = opts.out_dir.join(TEST_PREDICTIONS_FILE);
        match step_records {
            Some(records) => export::write_csv(&test_predictions, &records)?,
            None => write_test_predictions(&test_predictions, &test)?,
        }
        let history = opts.out_dir.join(HISTORY_FILE);
        write_history(&history, &report, &epoch_seconds, opts.fit.learning_rate)?;
        let checkpoint_path = opts.out_dir.join(CHECKPOINT_FILE);
        export::write_atomic(&checkpoint_path, &checkpoint_bytes)?;
        let (loss_plot, predictions_plot) = if opts.plots {
            let loss_path = opts.out_dir.join(LOSS_PLOT_FILE);
            let train_loss: Vec<f64> = report.history.iter().map(|e| e.train_loss).collect();
            let val_loss: Option<Vec<f64>> = report.history.iter().map(|e| e.val_loss).collect();
            plot::loss_curves(
                &loss_path,
                loss_name(opts.fit.loss),
                &train_loss,
                val_loss.as_deref(),
            )?;
            let pred_path = opts.out_dir.join(PREDICTIONS_PLOT_FILE);
            // One point per target row: a seq2seq model's last timesteps.
            let last = sequence.as_ref().map(|s| s.last_timesteps(opts.window));
            let test = last.as_ref().unwrap_or(&test);
            plot::predictions(
                &pred_path,
                &opts.target,
                &test.actual,
                &test.predicted,
                &test.persistence,
                test.target_times.as_deref(),
            )?;
            (Some(loss_path), Some(pred_path))
        } else {
            (None, None)
        };
        Ok(Trained {
            summary,
            network,
            exported,
            fit: report,
            epoch_seconds,
            split,
            metadata,
            test,
            sequence,
            steps,
            outputs: Outputs {
                model: model_path,
                test_predictions,
                history,
                checkpoint: checkpoint_path,
                loss_plot,
                predictions_plot,
            },
        })
    }
}

/// What [`Prepared::train`] hands to the training in either precision.
struct Run<'a> {
    opts: &'a TrainOptions,
    fingerprint: &'a str,
    train: &'a Dataset,
    val: Option<&'a Dataset>,
}

impl Run<'_> {
    /// Trains `network` in `T` (resuming from `opts.resume`, which must
    /// have been trained in `T`) and leaves the best weights in it, widened
    /// back to f64. Returns the report, the encoded checkpoint and the
    /// seconds of every epoch (`None` for those resumed from).
    fn fit<T: Real>(
        &self,
        network: &mut Network,
        on_epoch: &mut dyn FnMut(&EpochReport),
    ) -> Result<(FitReport, Vec<u8>, Vec<Option<f64>>)> {
        let opts = self.opts;
        let resume = opts
            .resume
            .as_deref()
            .map(|p| checkpoint::load::<T>(p, self.fingerprint, opts.fit.learning_rate))
            .transpose()?;
        let done = resume.as_ref().map_or(0, |s| s.epoch);
        if resume.is_some() && done >= opts.fit.epochs {
            return Err(invalid(
                "--epochs",
                format!(
                    "the checkpoint already holds {done} epochs and --epochs is the total: \
                     give more than {done} to train on"
                ),
            ));
        }
        let mut epoch_seconds: Vec<Option<f64>> = vec![None; done];
        let mut net = network.cast::<T>();
        let (train, val) = (self.train.cast::<T>(), self.val.map(Dataset::cast::<T>));
        let mut last = Instant::now();
        let (report, state) = fit_from(
            &mut net,
            &train,
            val.as_ref(),
            &opts.fit,
            resume,
            opts.threads,
            &mut |e| {
                epoch_seconds.push(Some(last.elapsed().as_secs_f64()));
                last = Instant::now();
                on_epoch(e);
            },
        )?;
        *network = net.cast::<f64>();
        let bytes = checkpoint::encode(self.fingerprint, &state);
        Ok((report, bytes, epoch_seconds))
    }
}

/// The loss's name for plot axes and reports (on scaled targets).
pub fn loss_name(loss: Loss) -> &'static str {
    match loss {
        Loss::Mse => "MSE (scaled)",
        Loss::Mae => "MAE (scaled)",
        Loss::Huber => "Huber (scaled)",
        Loss::CrossEntropy => "cross-entropy",
        Loss::BinaryCrossEntropy => "binary cross-entropy",
    }
}

/// Writes `target_line,actual,model,persistence[,target_time]` for every
/// test sample (`target_time` when the CSV has a time column).
fn write_test_predictions(path: &Path, test: &TestResult) -> Result<()> {
    let mut header = vec!["target_line", "actual", "model", "persistence"];
    if test.target_times.is_some() {
        header.push("target_time");
    }
    let mut records = vec![header.into_iter().map(String::from).collect::<Vec<_>>()];
    records.extend((0..test.actual.len()).map(|i| {
        let mut r = vec![
            test.target_lines[i].to_string(),
            test.actual[i].to_string(),
            test.predicted[i].to_string(),
            test.persistence[i].to_string(),
        ];
        if let Some(t) = &test.target_times {
            r.push(t[i].clone());
        }
        r
    }));
    export::write_csv(path, &records)
}

/// Writes `epoch,train_loss,val_loss,learning_rate,seconds` for every
/// finished epoch (`val_loss` empty without validation, `seconds` empty for
/// the epochs of a run resumed from).
fn write_history(path: &Path, fit: &FitReport, seconds: &[Option<f64>], lr: f64) -> Result<()> {
    let mut records = vec![[
        "epoch",
        "train_loss",
        "val_loss",
        "learning_rate",
        "seconds",
    ]
    .map(String::from)
    .to_vec()];
    records.extend(fit.history.iter().zip(seconds).map(|(e, s)| {
        vec![
            e.epoch.to_string(),
            e.train_loss.to_string(),
            e.val_loss.map(|v| v.to_string()).unwrap_or_default(),
            lr.to_string(),
            s.map(|s| format!("{s:.3}")).unwrap_or_default(),
        ]
    }));
    export::write_csv(path, &records)
}
