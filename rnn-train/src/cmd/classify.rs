//! `rnn-train classify`: train a sequence classifier on labelled CSV data
//! (one label per sequence), evaluate it on the held-out cases against the
//! majority-class baseline, and write the weight file (its last layer Dense
//! softmax, or Dense(1) sigmoid for a binary classifier, its class names in
//! the header), the test predictions, the confusion matrix and the loss
//! curve.
//!
//! As Keras: `Dense(K)` on the last RNN output trained on the logits with
//! `CategoricalCrossentropy(from_logits=True)`, then a softmax for
//! inference; or, with [`Head::Sigmoid`] for two classes, `Dense(1)`
//! trained with `BinaryCrossentropy(from_logits=True)`, then a sigmoid
//! (the probability of the second class). Inputs standardized per feature
//! on the training cases (scikit-learn `StandardScaler`).

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use rnn_core::format::{
    encode_raw_with_classes, encoded_len_with_classes, ClassLabels, ColumnName, DataContract,
    LayerSpec, Metadata, ScalerKind, SplitRecord, TestSplit,
};

use super::{LOSS_PLOT_FILE, MODEL_FILE, TEST_PREDICTIONS_FILE};
use crate::class_weight::ClassWeight;
use crate::classes::{argmax, majority, Confusion};
use crate::data::case_split::{split, CaseSplit};
use crate::data::cases::{read, Grouping, LabelColumns, Labelled};
use crate::data::scale::{self, FeatureScale};
use crate::data::split::TestSize;
use crate::error::{Result, TrainError};
use crate::export::{check_output_dir, write_atomic};
use crate::fit::{fit_from, Dataset, EpochReport, FitConfig, FitReport};
use crate::head::Head;
use crate::import::{self, Model};
use crate::nn::{Activation, Architecture, Network, RecurrentLayer};

/// The confusion matrix PNG in the output directory.
pub const CONFUSION_PLOT_FILE: &str = "confusion_matrix.png";

/// What `classify` trains, on which data, and where it writes.
#[derive(Clone, Debug)]
pub struct ClassifyOptions {
    /// The labelled CSV.
    pub csv: PathBuf,
    /// Its columns and how rows form sequences.
    pub columns: LabelColumns,
    /// The stacked recurrent layers, input side first: each its own cell,
    /// hidden size and bias choice (as Keras stacks them).
    pub layers: Vec<RecurrentLayer>,
    /// Hidden Dense layers before the output head (usually none).
    pub dense: Vec<(usize, Activation)>,
    /// The output head: softmax over every class, or a sigmoid for exactly
    /// two (the second class positive).
    pub head: Head,
    /// Test part without a split column: a fraction or count of sequences.
    pub test_size: TestSize,
    /// Fraction of the training sequences held out for validation (early
    /// stopping), per class.
    pub val_fraction: f64,
    /// Epochs, batch, Adam, clipping, patience, shuffling, seed; its loss
    /// is replaced by the head's ([`Head::loss`]).
    pub fit: FitConfig,
    /// Weights of the classes in the training loss (`None`: all 1).
    pub class_weight: Option<ClassWeight>,
    /// Training threads (the weights are bit-identical for any count).
    pub threads: NonZeroUsize,
    /// Output directory.
    pub out_dir: PathBuf,
    /// Draw the PNGs.
    pub plots: bool,
}

/// The scores of one classifier (or of the baseline) on the test part.
#[derive(Clone, Debug, PartialEq)]
pub struct TestScores {
    /// The confusion matrix, `[actual][predicted]`.
    pub confusion: Confusion,
    /// The majority class of the training part and its test accuracy.
    pub majority: (usize, f64),
}

/// The files `classify` wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassifyOutputs {
    /// The weight file.
    pub model: PathBuf,
    /// One row per test sequence: its id, actual and predicted class, and
    /// the probability of every class.
    pub test_predictions: PathBuf,
    /// The confusion matrix PNG (without `--no-plots`).
    pub confusion_plot: Option<PathBuf>,
    /// The loss curve PNG (without `--no-plots`).
    pub loss_plot: Option<PathBuf>,
}

/// What one `classify` run did.
#[derive(Clone, Debug)]
pub struct Classified {
    /// The data read.
    pub data: Labelled,
    /// Its split.
    pub split: CaseSplit,
    /// The training history.
    pub fit: FitReport,
    /// The exported model's scores on the test part.
    pub test: TestScores,
    /// Parameters of the network.
    pub parameters: usize,
    /// The weight of each class in the training loss (all 1 without
    /// [`ClassifyOptions::class_weight`]).
    pub class_weights: Vec<f64>,
    /// The files written.
    pub outputs: ClassifyOutputs,
}

/// Reads, splits, trains, evaluates the exported model and writes every
/// output; `on_epoch` hears each epoch.
///
/// Nothing is written when any step fails: the weight file, predictions
/// and plots of an earlier run stay as they were.
///
/// # Errors
/// Those of [`crate::data::cases::read`] and [`split`];
/// [`TrainError::SigmoidHeadClasses`] for [`Head::Sigmoid`] on other than
/// 2 classes; a bad architecture
/// ([`TrainError::Network`]); [`TrainError::OutputDir`]; training errors
/// ([`TrainError::Fit`], [`TrainError::Diverged`]); file errors while
/// writing.
pub fn run(opts: &ClassifyOptions, on_epoch: &mut dyn FnMut(&EpochReport)) -> Result<Classified> {
    if opts.columns.label.is_none() {
        return Err(TrainError::InvalidOption {
            option: "--label",
            reason: "a classifier trains on a label column".to_string(),
        });
    }
    check_output_dir(&opts.out_dir)?;
    super::refuse_outputs_over_csv(
        &opts.csv,
        &opts.out_dir,
        &[
            MODEL_FILE,
            TEST_PREDICTIONS_FILE,
            CONFUSION_PLOT_FILE,
            LOSS_PLOT_FILE,
        ],
    )?;
    let data = read(&opts.csv, &opts.columns)?;
    let label = opts.columns.label.as_deref().unwrap_or_default();
    opts.head.check(&opts.csv, label, &data.classes)?;
    let grouping = &opts.columns.grouping;
    let parts = split(
        &data,
        grouping,
        opts.test_size,
        opts.val_fraction,
        opts.fit.seed,
    )?;
    let scales = fit_scales(&data, &parts.train);
    let k = data.classes.len();
    let train_labels: Vec<usize> = parts
        .train
        .iter()
        .map(|&i| data.sequences[i].label)
        .collect();
    let class_weights = match &opts.class_weight {
        Some(w) => w.resolve(&data.classes, &train_labels)?,
        None => vec![1.0; k],
    };
    let mut dense = opts.dense.clone();
    dense.push((opts.head.units(k), Activation::Linear));
    let arch = Architecture {
        input_size: data.input_size,
        recurrent: opts.layers.clone(),
        dense,
        sequence_output: false,
    };
    let mut network = Network::new(&arch, opts.fit.seed)?;
    let cfg = FitConfig {
        loss: opts.head.loss(),
        ..opts.fit.clone()
    };
    let train = dataset(&data, &scales, &parts.train, &class_weights, opts.head);
    let unweighted = vec![1.0; k];
    let val = (!parts.val.is_empty())
        .then(|| dataset(&data, &scales, &parts.val, &unweighted, opts.head));
    let mut net = network.cast::<f32>();
    let (report, _) = fit_from(
        &mut net,
        &train.cast::<f32>(),
        val.as_ref().map(Dataset::cast::<f32>).as_ref(),
        &cfg,
        None,
        opts.threads,
        on_epoch,
    )?;
    if let (Some(epoch), 0) = (report.diverged, report.best_epoch) {
        return Err(TrainError::Diverged {
            epoch,
            cause: report.gradient_fault,
        });
    }
    network = net.cast::<f64>();

    let blob = encode(opts, &data, &parts, &network, &scales)?;
    let model_path = opts.out_dir.join(MODEL_FILE);
    // Score what will be written: the model as a device will run it.
    let exported = import::from_blob(&model_path, &blob)?;
    let probabilities = predict(&exported, opts.head, &data, &parts.test)?;
    let actual: Vec<usize> = parts
        .test
        .iter()
        .map(|&i| data.sequences[i].label)
        .collect();
    let predicted: Vec<usize> = probabilities.iter().map(|p| argmax(p)).collect();
    let baseline = majority(&train_labels, k);
    let baseline_right = actual.iter().filter(|&&a| a == baseline).count();
    let test = TestScores {
        confusion: Confusion::new(k, &actual, &predicted),
        majority: (baseline, baseline_right as f64 / actual.len().max(1) as f64),
    };

    write_atomic(&model_path, &blob)?;
    let test_predictions = opts.out_dir.join(TEST_PREDICTIONS_FILE);
    write_predictions(&test_predictions, &data, &parts.test, &probabilities, true)?;
    let (confusion_plot, loss_plot) = if opts.plots {
        let confusion = opts.out_dir.join(CONFUSION_PLOT_FILE);
        crate::plot::confusion_matrix(&confusion, &data.classes, &test.confusion.counts)?;
        let loss = opts.out_dir.join(LOSS_PLOT_FILE);
        let train_loss: Vec<f64> = report.history.iter().map(|e| e.train_loss).collect();
        let val_loss: Option<Vec<f64>> = report.history.iter().map(|e| e.val_loss).collect();
        let name = super::train::loss_name(cfg.loss);
        crate::plot::loss_curves(&loss, name, &train_loss, val_loss.as_deref())?;
        (Some(confusion), Some(loss))
    } else {
        (None, None)
    };
    Ok(Classified {
        data,
        split: parts,
        fit: report,
        test,
        parameters: network.param_count(),
        class_weights,
        outputs: ClassifyOutputs {
            model: model_path,
            test_predictions,
            confusion_plot,
            loss_plot,
        },
    })
}

/// One standard scale per input feature, fitted on the training sequences.
fn fit_scales(data: &Labelled, train: &[usize]) -> Vec<FeatureScale> {
    (0..data.input_size)
        .map(|f| {
            let values: Vec<f64> = train
                .iter()
                .flat_map(|&i| {
                    let v = &data.sequences[i].values;
                    v.iter().skip(f).step_by(data.input_size).copied()
                })
                .collect();
            scale::fit(ScalerKind::Standard, &values)
        })
        .collect()
}

/// The sequence's values scaled by `scales`.
fn scaled(values: &[f64], scales: &[FeatureScale]) -> Vec<f64> {
    values
        .chunks(scales.len().max(1))
        .flat_map(|row| row.iter().zip(scales).map(|(&v, s)| scale::scale(s, v)))
        .collect()
}

/// The sequences `which` as a dataset whose targets carry each sequence's
/// class and its class's weight, as `head`'s loss reads them
/// ([`Head::target`]).
fn dataset(
    data: &Labelled,
    scales: &[FeatureScale],
    which: &[usize],
    class_weights: &[f64],
    head: Head,
) -> Dataset {
    let units = head.units(data.classes.len());
    let mut inputs = Vec::new();
    let mut targets = vec![0.0; which.len() * units];
    for (&i, row) in which.iter().zip(targets.chunks_mut(units)) {
        let s = &data.sequences[i];
        inputs.extend(scaled(&s.values, scales));
        head.target(s.label, class_weights[s.label], row);
    }
    Dataset {
        inputs,
        targets,
        window: data.steps,
        input_size: data.input_size,
        output_size: units,
    }
}

/// The class probabilities of the sequences `which` under `model` (a
/// classifier read back from its weight file, scaled by its metadata),
/// whose network gives the logits of `head` (the file's, [`Model::head`]):
/// per sequence, every class's probability ([`Head::probabilities`]).
///
/// # Errors
/// [`TrainError::NoMetadata`] for a file without the scaler;
/// [`TrainError::Network`] for sequences that do not fit the network.
pub fn predict(
    model: &Model,
    head: Head,
    data: &Labelled,
    which: &[usize],
) -> Result<Vec<Vec<f64>>> {
    let scales: Vec<FeatureScale> = match &model.metadata {
        Some(m) => m.inputs.iter().copied().collect(),
        None => {
            return Err(TrainError::NoMetadata {
                path: data.path.clone(),
            })
        }
    };
    let windows: Vec<f64> = which
        .iter()
        .flat_map(|&i| scaled(&data.sequences[i].values, &scales))
        .collect();
    if windows.is_empty() {
        return Ok(Vec::new());
    }
    let logits = model.network.predict_batch(&windows, data.steps)?;
    let k = model.network.output_size();
    Ok(logits.chunks(k).map(|z| head.probabilities(z)).collect())
}

/// The weight file: layers ending in the head's activation, the scales,
/// the contract (inputs, no targets) and the class names.
fn encode(
    opts: &ClassifyOptions,
    data: &Labelled,
    parts: &CaseSplit,
    network: &Network,
    scales: &[FeatureScale],
) -> Result<Vec<u8>> {
    let too_long = |what: &str| TrainError::InvalidOption {
        option: "--input",
        reason: format!(
            "{what} is longer than {} bytes",
            rnn_core::format::MAX_NAME_BYTES
        ),
    };
    let name = |s: &str| ColumnName::try_from(s).map_err(|_| too_long(s));
    let mut specs: Vec<LayerSpec> = network.layer_specs();
    if let Some(LayerSpec::Dense { activation, .. }) = specs.last_mut() {
        *activation = opts.head.activation();
    }
    let metadata = Metadata {
        scaler: ScalerKind::Standard,
        inputs: scales.iter().copied().collect(),
        targets: heapless::Vec::new(),
        window: u32::try_from(data.steps).map_err(|_| too_long("the window"))?,
        horizon: 0,
    };
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let contract = DataContract {
        inputs: opts
            .columns
            .inputs
            .iter()
            .map(|c| name(c))
            .collect::<Result<_>>()?,
        targets: heapless::Vec::new(),
        time: None,
        split: SplitRecord {
            rows: count(data.rows),
            val_fraction: opts.val_fraction,
            test: match opts.test_size {
                _ if opts.columns.split.is_some() => TestSplit::Count(count(parts.test.len())),
                TestSize::Count(n) => TestSplit::Count(count(n)),
                TestSize::Fraction(f) => TestSplit::Fraction(f),
            },
            train_samples: count(parts.train.len()),
            val_samples: count(parts.val.len()),
            test_samples: count(parts.test.len()),
        },
    };
    let case = match &opts.columns.grouping {
        Grouping::Case(c) => Some(name(c)?),
        Grouping::Windows(_) => None,
    };
    let classes = ClassLabels {
        label: name(opts.columns.label.as_deref().unwrap_or_default())?,
        case,
        split: opts.columns.split.as_deref().map(name).transpose()?,
        names: data
            .classes
            .iter()
            .map(|c| name(c))
            .collect::<Result<_>>()?,
    };
    let params = network.export_params();
    let len = encoded_len_with_classes(&specs, Some(&metadata), Some(&contract), &classes)?;
    let mut blob = vec![0; len];
    let n = encode_raw_with_classes(
        &specs,
        Some(&metadata),
        Some(&contract),
        &classes,
        &params,
        &mut blob,
    )?;
    blob.truncate(n);
    Ok(blob)
}

/// Writes one row per sequence of `which`: id, actual (empty unless
/// `labelled`), predicted, then `p_<class>` for every class.
///
/// # Errors
/// [`TrainError::File`] / [`TrainError::Csv`] when the file cannot be
/// written.
pub fn write_predictions(
    path: &Path,
    data: &Labelled,
    which: &[usize],
    probabilities: &[Vec<f64>],
    labelled: bool,
) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["case".to_string(), "actual".into(), "predicted".into()];
    header.extend(data.classes.iter().map(|c| format!("p_{c}")));
    w.write_record(&header)?;
    for (&i, p) in which.iter().zip(probabilities) {
        let s = &data.sequences[i];
        let actual = if labelled {
            data.classes[s.label].clone()
        } else {
            String::new()
        };
        let mut row = vec![s.id.clone(), actual, data.classes[argmax(p)].clone()];
        row.extend(p.iter().map(|v| format!("{v:.6}")));
        w.write_record(&row)?;
    }
    let bytes = w.into_inner().map_err(|e| TrainError::Io(e.into_error()))?;
    write_atomic(path, &bytes)
}
