//! `rnn-train train`: CSV → time split → scaler (training rows only) →
//! windows → fit → weight file → test evaluation against persistence →
//! plots.

use std::path::PathBuf;

use rnn_core::format::{Metadata, ScalerKind};

use super::eval::{test_split, TestResult};
use super::{columns, scale_columns, CsvSource, MODEL_FILE};
use crate::data::scale;
use crate::data::split::{Split, TestSize};
use crate::data::window::dataset;
use crate::error::{Result, TrainError};
use crate::fit::{fit, EpochReport, FitConfig, FitReport, Loss};
use crate::nn::{Activation, Architecture, CellKind, Network};
use crate::report::{summarize, Summary};
use crate::{export, import, plot};

/// Everything `train` needs; `main.rs` fills it from the command line.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainOptions {
    /// The CSV.
    pub csv: CsvSource,
    /// Input columns (features per timestep, in this order).
    pub inputs: Vec<String>,
    /// Target column (may also be an input).
    pub target: String,
    /// Past timesteps per sample.
    pub window: usize,
    /// Steps ahead of the target (1 = the next value).
    pub horizon: usize,
    /// Recurrent cell of every RNN layer.
    pub cell: CellKind,
    /// SimpleRNN activation (ignored for LSTM and GRU).
    pub rnn_activation: Activation,
    /// Units of each stacked RNN layer.
    pub units: Vec<usize>,
    /// Dense head `(units, activation)`; the last has 1 unit (one target).
    pub dense: Vec<(usize, Activation)>,
    /// Scaler, fitted on the training rows.
    pub scaler: ScalerKind,
    /// Fraction of the samples before the test split used for validation.
    pub val_fraction: f64,
    /// The test split: the last samples of the series.
    pub test_size: TestSize,
    /// Optimisation settings (epochs, batch, Adam learning rate, clipping,
    /// patience, shuffling, seed, loss).
    pub fit: FitConfig,
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
    /// Loss curves PNG (if plots were drawn).
    pub loss_plot: Option<PathBuf>,
    /// Predicted vs actual PNG (if plots were drawn).
    pub predictions_plot: Option<PathBuf>,
}

/// The result of a training run.
#[derive(Clone, Debug)]
pub struct Trained {
    /// The trained network, best epoch's weights, f64 as trained.
    pub network: Network,
    /// The network as exported (f32 weights widened back to f64): what a
    /// device runs and what the evaluation used.
    pub exported: Network,
    /// Loss history, best epoch, early stop, divergence.
    pub fit: FitReport,
    /// The split used.
    pub split: Split,
    /// The scaler, window and horizon saved in the weight file.
    pub metadata: Metadata,
    /// Test forecasts and errors, in the target's units.
    pub test: TestResult,
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

/// Trains, exports and evaluates; calls `on_epoch` after every epoch.
///
/// Deterministic for a given `opts.fit.seed`: the same options give
/// bit-identical weight files. A NaN or infinite loss stops training (see
/// [`FitReport::diverged`]); the best weights so far are exported, or, if
/// no epoch finished with a finite loss, nothing is written.
///
/// # Errors
/// Those of [`CsvSource::read`] and [`Split::new`];
/// [`TrainError::InvalidOption`] for no input column, a Dense head whose
/// last layer does not have 1 unit, or more than 16 columns;
/// [`TrainError::Network`] for an architecture with 0 units;
/// [`TrainError::Diverged`] when the first epoch's loss is already NaN or
/// infinite; [`TrainError::Fit`] for zero epochs, zero batch size or a bad learning
/// rate or clip norm; [`TrainError::File`] / [`TrainError::Plot`] when an
/// output cannot be written.
pub fn run(opts: &TrainOptions, on_epoch: &mut dyn FnMut(&EpochReport)) -> Result<Trained> {
    if opts.inputs.is_empty() {
        return Err(invalid("--input", "give at least one input column"));
    }
    if opts.dense.last().map(|d| d.0) != Some(1) {
        return Err(invalid(
            "--dense",
            "the last Dense layer must have 1 unit (one target column)",
        ));
    }
    let mut wanted: Vec<&str> = opts.inputs.iter().map(String::as_str).collect();
    wanted.push(&opts.target);
    let table = opts.csv.read(&wanted)?;
    let split = Split::new(
        table.rows(),
        opts.window,
        opts.horizon,
        opts.val_fraction,
        opts.test_size,
    )?;

    // The scaler sees only the rows the training samples read.
    let rows = split.train_rows();
    let raw_inputs = columns(&table, &opts.inputs);
    let raw_target = table.column(&opts.target).unwrap_or_default();
    let input_scales: Vec<_> = raw_inputs
        .iter()
        .map(|c| scale::fit(opts.scaler, &c[rows.clone()]))
        .collect();
    let target_scale = scale::fit(opts.scaler, &raw_target[rows]);
    let metadata = export::metadata(
        opts.scaler,
        &input_scales,
        &[target_scale],
        opts.window,
        opts.horizon,
    )?;
    let inputs = scale_columns(&raw_inputs, &input_scales);
    let target = vec![scale::scale_all(&target_scale, raw_target)];
    let train = dataset(&inputs, &target, &split, split.train.clone());
    let val = (!split.val.is_empty()).then(|| dataset(&inputs, &target, &split, split.val.clone()));

    let arch = Architecture {
        input_size: opts.inputs.len(),
        cell: opts.cell,
        rnn_activation: opts.rnn_activation,
        rnn_units: opts.units.clone(),
        dense: opts.dense.clone(),
    };
    let mut network = Network::new(&arch, opts.fit.seed)?;
    let report = fit(&mut network, &train, val.as_ref(), &opts.fit, on_epoch)?;
    if let (Some(epoch), 0) = (report.diverged, report.best_epoch) {
        return Err(TrainError::Diverged { epoch });
    }

    let specs = network.layer_specs();
    let blob = export::encode(&specs, &metadata, &network.export_params())?;
    let model_path = opts.out_dir.join(MODEL_FILE);
    export::write_atomic(&model_path, &blob)?;
    // Evaluate what was written: the model as a device will run it.
    let exported = import::from_blob(&model_path, &blob)?.network;
    let test = test_split(
        &exported,
        &metadata,
        &raw_inputs,
        raw_target,
        &table.lines,
        &split,
    )?;

    let test_predictions = opts.out_dir.join("test_predictions.csv");
    write_test_predictions(&test_predictions, &test)?;
    let (loss_plot, predictions_plot) = if opts.plots {
        let loss_path = opts.out_dir.join("loss.png");
        let train_loss: Vec<f64> = report.history.iter().map(|e| e.train_loss).collect();
        let val_loss: Option<Vec<f64>> = report.history.iter().map(|e| e.val_loss).collect();
        plot::loss_curves(
            &loss_path,
            loss_name(opts.fit.loss),
            &train_loss,
            val_loss.as_deref(),
        )?;
        let pred_path = opts.out_dir.join("test_predictions.png");
        plot::predictions(
            &pred_path,
            &opts.target,
            &test.actual,
            &test.predicted,
            &test.persistence,
        )?;
        (Some(loss_path), Some(pred_path))
    } else {
        (None, None)
    };
    Ok(Trained {
        summary: summarize(&specs, Some(opts.window)),
        network,
        exported,
        fit: report,
        split,
        metadata,
        test,
        outputs: Outputs {
            model: model_path,
            test_predictions,
            loss_plot,
            predictions_plot,
        },
    })
}

/// The loss's name for plot axes and reports (on scaled targets).
pub fn loss_name(loss: Loss) -> &'static str {
    match loss {
        Loss::Mse => "MSE (scaled)",
        Loss::Mae => "MAE (scaled)",
        Loss::Huber => "Huber (scaled)",
    }
}

/// Writes `target_line,actual,model,persistence` for every test sample.
fn write_test_predictions(path: &std::path::Path, test: &TestResult) -> Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(["target_line", "actual", "model", "persistence"])?;
    for i in 0..test.actual.len() {
        w.write_record([
            test.target_lines[i].to_string(),
            test.actual[i].to_string(),
            test.predicted[i].to_string(),
            test.persistence[i].to_string(),
        ])?;
    }
    w.flush().map_err(|source| TrainError::File {
        path: path.to_path_buf(),
        source,
    })
}
