//! `rnn-train`: train a SimpleRNN / LSTM / GRU predictor on a sensor CSV,
//! evaluate it against persistence, run it, and inspect its weight file.
//!
//! `rnn-train train` with no other argument trains on the bundled hourly
//! sea-temperature series (`data/sea_surface_temperature_hourly.csv`, run
//! from the repository root): predict the next hour from the past 24 hours.

use std::io::IsTerminal;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rnn_core::format::ScalerKind;
use rnn_train::class_weight::ClassWeight;
use rnn_train::cmd::classify::ClassifyOptions;
use rnn_train::cmd::eval::EvalOptions;
use rnn_train::cmd::predict::PredictOptions;
use rnn_train::cmd::stack::{CellArg, LayerArg, StackArgs};
use rnn_train::cmd::train::{loss_name, Prepared, TrainOptions, Trained};
use rnn_train::cmd::{CsvSource, DEFAULT_COLUMN, DEFAULT_OUT_DIR, QUANTIZED_FILE};
use rnn_train::data::cases::{Grouping, LabelColumns};
use rnn_train::data::contract::Overrides;
use rnn_train::data::csv::TimeColumn;
use rnn_train::data::split::TestSize;
use rnn_train::error::TrainError;
use rnn_train::fit::{EpochReport, FitConfig, Loss};
use rnn_train::head::Head;
use rnn_train::nn::{Activation, CellKind, Init, Precision};
use rnn_train::report::{evaluation_table, thousands};
use rnn_train::steps::steps_table;

/// Train recurrent predictors on sensor CSVs and export rnn-core weight files.
#[derive(Parser)]
#[command(name = "rnn-train", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a model, evaluate it on the test split against persistence,
    /// write the weight file, test predictions and plots.
    Train(Box<TrainArgs>),
    /// Train a sequence classifier on labelled data (one label per case of
    /// a long-format CSV, or per fixed window), evaluate it on the test
    /// cases against the majority class: accuracy, per-class precision /
    /// recall / F1, confusion matrix; write the weight file (softmax head,
    /// class names), test predictions and plots.
    Classify(Box<ClassifyArgs>),
    /// Evaluate a weight file on the test split (the last part of the series):
    /// MSE, RMSE, MAE in the series' units, next to persistence (MAE and
    /// RMSE per step for a direct multi-step model).
    Eval(EvalArgs),
    /// Run a weight file over every window of a CSV and write the forecasts as
    /// CSV; with a classifier (written by `classify`), classify every case
    /// (or window) of the CSV [default: data/basic_motions_activity.csv] and
    /// write case,actual,predicted,p_<class>...
    Predict(PredictArgs),
    /// Autoregressive multi-step forecast with a one-step model whose only
    /// input is its target: each forecast is fed back as the next input,
    /// --steps times. Forecasts the steps after the CSV's end, and from
    /// every test window compares each step with the actual values and
    /// persistence; writes forecast.csv, forecast_test.csv and
    /// forecast_fan.png.
    Forecast(Box<ForecastArgs>),
    /// Print a weight file's layers, parameter counts, weight and state bytes.
    Inspect(InspectArgs),
    /// Convert a model trained elsewhere (ONNX, PyTorch .safetensors, Keras
    /// .keras) to a weight file; print its summary and, with --check, its
    /// outputs next to a reference.
    Import(Box<rnn_train::cmd::import_model::ImportArgs>),
    /// Post-training quantization to int8 weights and int16 state (format
    /// version 3), calibrated on the training windows; prints float vs
    /// quantized errors on the test split beside persistence.
    Quantize(QuantizeArgs),
    /// Write a weight file (float or quantized) as Rust source: the model
    /// type and its weights as a `static` built by `const` constructors
    /// (flash on a microcontroller), with the stored scaler, for a
    /// firmware without a build script.
    Export(ExportArgs),
    /// What one step of a model costs: per layer parameters, bytes,
    /// multiply-adds and activations; the host's ns per step; and on each
    /// Cortex-M core the deployment template's instructions per step,
    /// flash, RAM and stack, measured in QEMU. Run from a clone of the
    /// repository (it builds the firmware from its sources).
    Cost(CostArgs),
}

#[derive(Args)]
struct CostArgs {
    /// Weight file, float or quantized.
    model: PathBuf,
    /// Where to measure, comma separated: host, m0 (Cortex-M0, QEMU
    /// microbit), m4f (Cortex-M4F, mps2-an386), m7 (Cortex-M7,
    /// mps2-an500); `none` alone for the counts only. [default: all four;
    /// the Cortex-M cores are left out, with a note, when the template
    /// cannot take the model]
    #[arg(long, value_delimiter = ',', value_parser = parse_target)]
    target: Option<Vec<Option<rnn_train::cost::Target>>>,
    /// Also write the report as JSON to this file (never the model).
    #[arg(long)]
    json: Option<PathBuf>,
    /// A part's flash (bytes, or K / M, 1024-based: 64K): say whether the
    /// template fits (the exit status stays 0 when it does not).
    #[arg(long, allow_negative_numbers = true)]
    flash: Option<rnn_train::cmd::cost::Bytes>,
    /// A part's RAM (data + bss + stack peak must fit): 16K.
    #[arg(long, allow_negative_numbers = true)]
    ram: Option<rnn_train::cmd::cost::Bytes>,
    /// Install a missing rustup target (`rustup target add`) or QEMU
    /// (`apt-get install qemu-system-arm`, as root) instead of stopping.
    #[arg(long)]
    install: bool,
}

#[derive(Args)]
struct ClassifyArgs {
    /// Labelled CSV, one header row. [default:
    /// data/basic_motions_activity.csv, relative to the current directory]
    csv: Option<PathBuf>,
    /// Input column; repeat for several. [default: every column but the
    /// label, case and split columns and those named `timestep` or `split`]
    #[arg(short, long = "input", value_name = "COLUMN")]
    inputs: Vec<String>,
    /// The label column: its distinct values are the classes (2 to 16).
    #[arg(long, value_name = "COLUMN", default_value = "label")]
    label: String,
    /// The case column of long-format data (one row per timestep; each
    /// case's rows consecutive, every case the same length).
    #[arg(
        long,
        value_name = "COLUMN",
        default_value = "case",
        conflicts_with = "window"
    )]
    case: String,
    /// Instead of cases: every run of WINDOW consecutive rows is one
    /// sequence, labelled by its last row (test and validation split by
    /// time, the last ones).
    #[arg(short, long, allow_negative_numbers = true, value_parser = parse_count)]
    window: Option<usize>,
    /// A column giving each case's part, `train` or `test`, instead of
    /// --test-size. [default: the column named `split`, if the CSV has one]
    #[arg(long, value_name = "COLUMN")]
    split_column: Option<String>,
    /// Test part without --split-column: a fraction or count of the
    /// sequences, drawn per class with the seed (cases) or the last ones
    /// (windows).
    #[arg(long, default_value = "0.25", allow_negative_numbers = true)]
    test_size: TestSize,
    /// Fraction of the training sequences held out for validation and
    /// early stopping (per class for cases).
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    val_fraction: f64,
    #[command(flatten)]
    stack: StackCli,
    /// Hidden Dense layers before the output head, `UNITS:ACTIVATION`.
    #[arg(long, value_delimiter = ',', value_parser = parse_dense)]
    dense: Vec<(usize, Activation)>,
    /// The output head: `softmax` (Dense(classes), categorical
    /// cross-entropy) or, for exactly 2 classes, `sigmoid` (Dense(1),
    /// Keras `BinaryCrossentropy(from_logits=True)`). The sigmoid's
    /// positive class (t = 1, its probability p) is the second class in
    /// sorted order of the label values; the first has 1 - p.
    #[arg(long, value_enum, default_value = "softmax")]
    head: HeadArg,
    /// Passes over the training sequences.
    #[arg(short, long, default_value_t = 60, allow_negative_numbers = true, value_parser = parse_count)]
    epochs: usize,
    /// Sequences per gradient step.
    #[arg(short, long, default_value_t = 8, allow_negative_numbers = true, value_parser = parse_count)]
    batch_size: usize,
    /// Adam learning rate.
    #[arg(long, default_value_t = 0.005, allow_negative_numbers = true)]
    lr: f64,
    /// Clip the gradient to this global L2 norm (0 = no clipping).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    clip_norm: f64,
    /// Stop after this many epochs without a better validation loss (0 = never).
    #[arg(long, default_value_t = 15, allow_negative_numbers = true, value_parser = parse_count)]
    patience: usize,
    /// Seed of the weights, the split and the shuffling.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    seed: u64,
    /// Weight each class's sequences in the training loss (Keras
    /// `class_weight`): `balanced` (n / (classes · n_class), scikit-learn's
    /// rule) or `NAME=WEIGHT,...` (classes not named weigh 1). The
    /// validation loss is not weighted. [default: every class 1]
    #[arg(long, value_name = "balanced|NAME=W,...")]
    class_weight: Option<ClassWeight>,
    /// Training threads. [default: the CPUs available]
    #[arg(long, value_name = "N", value_parser = parse_threads, allow_negative_numbers = true)]
    threads: Option<NonZeroUsize>,
    /// Output directory: model.rnnw, test_predictions.csv,
    /// confusion_matrix.png, loss.png.
    #[arg(short, long, default_value = "out/classify")]
    out: PathBuf,
    /// Do not draw the PNG plots.
    #[arg(long)]
    no_plots: bool,
}

impl ClassifyArgs {
    /// The options; the default inputs from the CSV's header.
    fn options(&self) -> Result<ClassifyOptions, TrainError> {
        let csv = match &self.csv {
            Some(p) => p.clone(),
            None => CsvSource::DefaultLabelled.existing()?.to_path_buf(),
        };
        let header = rnn_train::data::csv::header(&csv)?;
        // A column named `split` is the data set's own split unless told.
        let split = self
            .split_column
            .clone()
            .or_else(|| header.iter().find(|h| *h == "split").cloned());
        let grouping = match self.window {
            Some(w) => Grouping::Windows(w),
            None => Grouping::Case(self.case.clone()),
        };
        let inputs = if self.inputs.is_empty() {
            let taken = |h: &String| {
                // The case column is no input with --window either (it
                // names the recording a row came from, not a feature).
                *h == self.label
                    || *h == self.case
                    || h == "timestep"
                    || h == "split"
                    || split.as_ref() == Some(h)
            };
            header.into_iter().filter(|h| !taken(h)).collect()
        } else {
            self.inputs.clone()
        };
        let head = match self.head {
            HeadArg::Softmax => Head::Softmax,
            HeadArg::Sigmoid => Head::Sigmoid,
        };
        Ok(ClassifyOptions {
            csv,
            columns: LabelColumns {
                inputs,
                label: Some(self.label.clone()),
                grouping,
                split,
            },
            layers: self.stack.args().layers()?,
            dense: self.dense.clone(),
            head,
            test_size: self.test_size,
            val_fraction: self.val_fraction,
            fit: FitConfig {
                epochs: self.epochs,
                batch_size: self.batch_size,
                learning_rate: self.lr,
                clip_norm: (self.clip_norm != 0.0).then_some(self.clip_norm),
                patience: (self.patience != 0).then_some(self.patience),
                shuffle: true,
                seed: self.seed,
                loss: head.loss(),
            },
            class_weight: self.class_weight.clone(),
            threads: self.threads.unwrap_or_else(|| {
                std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN)
            }),
            out_dir: self.out.clone(),
            plots: !self.no_plots,
        })
    }
}

fn classify(args: &ClassifyArgs) -> anyhow::Result<()> {
    let opts = args.options()?;
    let progress = Progress::new(opts.fit.epochs);
    let result = rnn_train::cmd::classify::run(&opts, &mut |e| progress.epoch(e));
    progress.finish();
    let done = result?;
    let (data, split, test) = (&done.data, &done.split, &done.test);
    println!(
        "Data: {} sequences of {} timesteps x {} inputs, {} classes ({}); train {}, validation {}, test {}{}",
        data.sequences.len(),
        data.steps,
        data.input_size,
        data.classes.len(),
        data.classes.join(", "),
        split.train.len(),
        split.val.len(),
        split.test.len(),
        opts.columns
            .split
            .as_ref()
            .map(|c| format!(" (test cases from column {c:?})"))
            .unwrap_or_default()
    );
    println!(
        "Model: {} parameters; trained {} epochs, best epoch {}",
        thousands(done.parameters),
        done.fit.history.len(),
        done.fit.best_epoch
    );
    match opts.head {
        Head::Sigmoid => println!(
            "Head: Dense(1) sigmoid, binary cross-entropy; positive class (t = 1, p) {:?}, negative (1 - p) {:?}",
            data.classes[1], data.classes[0]
        ),
        Head::Softmax => println!(
            "Head: Dense({}) softmax, categorical cross-entropy",
            data.classes.len()
        ),
    }
    if opts.class_weight.is_some() {
        let weights: Vec<String> = data
            .classes
            .iter()
            .zip(&done.class_weights)
            .map(|(c, w)| format!("{c} {w:.3}"))
            .collect();
        println!("Class weights (training loss): {}", weights.join(", "));
    }
    println!(
        "\nTest split ({} sequences), the exported model:",
        test.confusion.total()
    );
    print!("{}", test.confusion.table(&data.classes));
    println!(
        "\nAccuracy {:.1} % (macro F1 {:.3}); majority-class baseline ({}) {:.1} %",
        100.0 * test.confusion.accuracy(),
        test.confusion.macro_f1(),
        data.classes[test.majority.0],
        100.0 * test.majority.1
    );
    let o = &done.outputs;
    let mut files = vec![
        o.model.display().to_string(),
        o.test_predictions.display().to_string(),
    ];
    files.extend(
        o.confusion_plot
            .iter()
            .chain(&o.loss_plot)
            .map(|p| p.display().to_string()),
    );
    println!("Wrote {}", files.join(", "));
    Ok(())
}

/// `--init` values.
#[derive(Clone, Copy, ValueEnum)]
enum InitArg {
    /// Keras's defaults.
    Keras,
    /// Identity recurrent kernel (ReLU SimpleRNN only).
    Irnn,
}

/// `--target` values: a target, or `none`.
fn parse_target(s: &str) -> Result<Option<rnn_train::cost::Target>, String> {
    if s.eq_ignore_ascii_case("none") {
        Ok(None)
    } else {
        s.parse().map(Some)
    }
}

#[derive(Args)]
struct ExportArgs {
    /// Weight file written by `rnn-train train`, `quantize` or `import`.
    model: PathBuf,
    /// Write Rust source (the only export format).
    #[arg(long, required = true)]
    rust: bool,
    /// Rust file to write (never the model).
    #[arg(short, long)]
    output: PathBuf,
}

#[derive(Args)]
struct QuantizeArgs {
    /// Float weight file written by `rnn-train train`.
    model: PathBuf,
    /// Quantized weight file to write (never the model or the CSV).
    #[arg(short, long)]
    output: PathBuf,
    #[command(flatten)]
    data: ModelDataArgs,
    /// Test split, a count or a fraction. [default: the model's stored
    /// split; 0.1 for models without it]
    #[arg(long, allow_negative_numbers = true)]
    test_size: Option<TestSize>,
}

/// The CSV and its columns.
#[derive(Args)]
struct DataArgs {
    /// CSV file: one header row, `,` separated, `.` decimal point.
    /// [default: data/sea_surface_temperature_hourly.csv, relative to the
    /// current directory, so run from the repository root]
    csv: Option<PathBuf>,
    /// Input column (features per timestep); repeat for several.
    #[arg(short, long = "input", value_name = "COLUMN", default_value = DEFAULT_COLUMN)]
    inputs: Vec<String>,
    /// Target column (what the model predicts; may also be an input).
    #[arg(short, long, value_name = "COLUMN", default_value = DEFAULT_COLUMN)]
    target: String,
}

impl DataArgs {
    fn source(&self) -> CsvSource {
        self.csv.clone().map_or(CsvSource::Default, CsvSource::Path)
    }
}

#[derive(Args)]
struct TrainArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Time column, saved with the model and written next to forecasts.
    /// [default: the first column whose name starts with `time` or `date`]
    #[arg(long, value_name = "COLUMN")]
    time: Option<String>,
    /// Keep forecasts at 0 or above (power, counts): the target is scaled
    /// by its training maximum without a shift and the last Dense layer
    /// gets a ReLU, its bias starting at the training targets' mean (so it
    /// does not start dead). Refused when a training target is negative.
    #[arg(long)]
    nonnegative: bool,
    /// Do not warn about training values more than 20 MADs from the median.
    #[arg(long)]
    allow_outliers: bool,
    /// Past timesteps per sample.
    #[arg(short, long, default_value_t = 24, allow_negative_numbers = true, value_parser = parse_count)]
    window: usize,
    /// How many steps ahead the target lies (1 = the next value); with
    /// --multi-output the number of steps forecast at once (1 to 16); with
    /// --seq2seq 0 is allowed (the target at the input's own row).
    #[arg(long, default_value_t = 1, allow_negative_numbers = true, value_parser = parse_count)]
    horizon: usize,
    /// Direct multi-step forecasting: the last Dense layer has --horizon
    /// units, the target at t+1 .. t+horizon (t = the window's last row),
    /// evaluated per step against persistence.
    #[arg(long)]
    multi_output: bool,
    /// Sequence-to-sequence: a target at every timestep of the window (the
    /// target column --horizon rows after each input row; --horizon 0 =
    /// the same row, e.g. denoising), the Dense head at every timestep
    /// (Keras return_sequences=True into TimeDistributed(Dense)). Evaluated
    /// against persistence (horizon >= 1), else the identity if the target
    /// is an input, else the training mean.
    #[arg(long)]
    seq2seq: bool,
    #[command(flatten)]
    stack: StackCli,
    /// Weight initialisation: `keras` (glorot-uniform kernels, orthogonal
    /// recurrent kernels) or `irnn` (Le et al. 2015: identity recurrent
    /// kernel, zero biases, input kernel N(0, 0.001²); only for
    /// `--cell simple-rnn --rnn-activation relu`).
    #[arg(long, value_enum, default_value_t = InitArg::Keras)]
    init: InitArg,
    /// Dense head, `UNITS:ACTIVATION` per layer: `8:relu,1:linear`. The
    /// last has 1 unit (--horizon units with --multi-output). [default:
    /// 1:linear; with --multi-output HORIZON:linear]
    #[arg(long, value_delimiter = ',', value_parser = parse_dense)]
    dense: Option<Vec<(usize, Activation)>>,
    /// Passes over the training samples.
    #[arg(short, long, default_value_t = 60, allow_negative_numbers = true, value_parser = parse_count)]
    epochs: usize,
    /// Samples per gradient step.
    #[arg(short, long, default_value_t = 32, allow_negative_numbers = true, value_parser = parse_count)]
    batch_size: usize,
    /// Adam learning rate.
    #[arg(long, default_value_t = 0.002, allow_negative_numbers = true)]
    lr: f64,
    /// Clip the gradient to this global L2 norm (0 = no clipping).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    clip_norm: f64,
    /// Stop after this many epochs without a better validation loss (0 = never).
    #[arg(long, default_value_t = 10, allow_negative_numbers = true, value_parser = parse_count)]
    patience: usize,
    /// Fraction of the samples before the test split used for validation (the last ones).
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    val_fraction: f64,
    /// Test split: the last samples of the series, a count (`200`) or a fraction (`0.1`).
    #[arg(long, default_value = "0.1", allow_negative_numbers = true)]
    test_size: TestSize,
    /// Scaler, fitted on the training rows only.
    #[arg(long, value_enum, default_value_t = Scaler::Minmax)]
    scaler: Scaler,
    /// Training loss on the scaled targets.
    #[arg(long, value_enum, default_value_t = LossArg::Mse)]
    loss: LossArg,
    /// Do not shuffle the training samples between epochs (Keras shuffles).
    #[arg(long)]
    no_shuffle: bool,
    /// Seed of the initial weights and the shuffling: same seed, same weights.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    seed: u64,
    /// Output directory: model.rnnw, test_predictions.csv, history.csv,
    /// checkpoint.rnnt, loss.png, test_predictions.png.
    #[arg(short, long, default_value = DEFAULT_OUT_DIR)]
    out: PathBuf,
    /// Do not draw the PNG plots.
    #[arg(long)]
    no_plots: bool,
    /// Continue training from a checkpoint (`OUT/checkpoint.rnnt`, written
    /// by every run) up to --epochs in all; every other option must be the
    /// one it was made with. 10 epochs, then a resume to 20, gives the same
    /// weights bit for bit as 20 at once.
    #[arg(long, value_name = "CHECKPOINT")]
    resume: Option<PathBuf>,
    /// Threads to train on (at least 1): each batch is cut into chunks of 8
    /// samples summed in a fixed order, so the weights are bit-identical
    /// for any count (a --resume may use another). [default: the number of
    /// CPUs available]
    #[arg(long, value_name = "N", value_parser = parse_threads, allow_negative_numbers = true)]
    threads: Option<NonZeroUsize>,
    /// Float type of training: f32 as Keras trains; f64 for gradient
    /// checks and to reproduce f64 runs (slower on large layers). The weight file is f32
    /// either way; a --resume must use the checkpoint's precision.
    #[arg(long, value_enum, default_value_t = PrecisionArg::F32)]
    precision: PrecisionArg,
    /// Also quantize the trained model for integer inference, as `rnn-train
    /// quantize` does (calibrated on the training windows): writes
    /// OUT/model.q.rnnw and prints float against quantized errors on the
    /// test split beside persistence. int8: int8 weights, int16 state.
    #[arg(long, value_enum, value_name = "WEIGHTS")]
    quantize: Option<QuantizeArg>,
}

/// `--quantize`.
#[derive(Clone, Copy, ValueEnum)]
enum QuantizeArg {
    Int8,
}

/// A count (window, horizon, epochs, batch size, patience): a whole number,
/// 0 or more; the training options check the ranges.
fn parse_count(s: &str) -> Result<usize, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a count (a whole number, 0 or more)"))
}

/// A thread count, at least 1.
fn parse_threads(s: &str) -> Result<NonZeroUsize, String> {
    let n: usize = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a thread count (a whole number, at least 1)"))?;
    NonZeroUsize::new(n).ok_or_else(|| "the thread count must be at least 1".to_string())
}

/// The columns of `eval` and `predict`: the model's stored ones unless given.
#[derive(Args)]
struct ModelDataArgs {
    /// CSV file: one header row, `,` separated, `.` decimal point.
    /// [default: data/sea_surface_temperature_hourly.csv]
    csv: Option<PathBuf>,
    /// Input column; repeat for several, in training order. [default: the
    /// model's stored inputs; `temperature_c` for models without them]
    #[arg(short, long = "input", value_name = "COLUMN")]
    inputs: Option<Vec<String>>,
    /// Target column. [default: the model's stored target; `temperature_c`
    /// for models without it]
    #[arg(short, long, value_name = "COLUMN")]
    target: Option<String>,
}

impl ModelDataArgs {
    fn source(&self) -> CsvSource {
        self.csv.clone().map_or(CsvSource::Default, CsvSource::Path)
    }
}

#[derive(Args)]
struct EvalArgs {
    #[command(flatten)]
    data: ModelDataArgs,
    /// Weight file written by `rnn-train train`.
    #[arg(short, long, default_value = "out/model.rnnw")]
    model: PathBuf,
    /// Test split, a count or a fraction. [default: the model's stored
    /// split; 0.1 for models without it]
    #[arg(long, allow_negative_numbers = true)]
    test_size: Option<TestSize>,
}

#[derive(Args)]
struct PredictArgs {
    /// The CSV and its columns; the `actual` column is written when the CSV
    /// has the target column.
    #[command(flatten)]
    data: ModelDataArgs,
    /// Weight file written by `rnn-train train`, `import` or `classify`.
    #[arg(short, long, default_value = "out/model.rnnw")]
    model: PathBuf,
    /// Output CSV: last_input_line,horizon,prediction[,actual][,last_input_time]
    /// for a forecaster (prediction_1..N[,actual_1..N] for a direct
    /// multi-step model), case,actual,predicted,p_<class>... for a classifier.
    /// Missing folders are created; it may not be the model or the input CSV.
    #[arg(short, long, default_value = "out/predictions.csv")]
    output: PathBuf,
}

#[derive(Args)]
struct ForecastArgs {
    /// CSV holding the model's target column. [default:
    /// data/sea_surface_temperature_hourly.csv]
    csv: Option<PathBuf>,
    /// Weight file written by `rnn-train train` with the target as its only
    /// input and --horizon 1.
    #[arg(short, long, default_value = "out/model.rnnw")]
    model: PathBuf,
    /// Steps to forecast, each fed back as the next input.
    #[arg(short, long, allow_negative_numbers = true, value_parser = parse_count)]
    steps: usize,
    /// Test split, a count or a fraction of the windows, as `eval` takes it;
    /// its windows whose --steps next values are in the CSV are forecast
    /// (at least 10 for metrics). [default: the model's stored split]
    #[arg(long, allow_negative_numbers = true)]
    test_size: Option<TestSize>,
    /// Output directory: forecast.csv, forecast_test.csv, forecast_fan.png.
    #[arg(short, long, default_value = "out/forecast")]
    out: PathBuf,
    /// Do not draw the PNG plot.
    #[arg(long)]
    no_plots: bool,
}

fn forecast(args: ForecastArgs) -> anyhow::Result<()> {
    let opts = rnn_train::cmd::forecast_steps::ForecastOptions {
        model: args.model,
        csv: args.csv.map_or(CsvSource::Default, CsvSource::Path),
        steps: args.steps,
        test_size: args.test_size,
        out_dir: args.out,
        plots: !args.no_plots,
    };
    let f = rnn_train::cmd::forecast_steps::run(&opts)?;
    print_notes(&f.notes);
    let c = &f.contract;
    println!(
        "Model {} on {}: target {:?}, window {}, {} steps fed back",
        opts.model.display(),
        opts.csv.path().display(),
        c.target,
        c.window,
        opts.steps
    );
    let shown: Vec<String> = f.future.iter().map(|v| format!("{v:.3}")).collect();
    println!(
        "Forecast after the last row (line {}): {}",
        f.last_line,
        shown.join(", ")
    );
    if let Some((split, results)) = &f.test {
        println!("\n{} test windows:", split.test.len());
        print!("{}", steps_table(&results.evaluations(), &c.target));
    }
    let o = &f.outputs;
    let files: Vec<String> = std::iter::once(&o.forecast)
        .chain(&o.test_forecasts)
        .chain(&o.fan_plot)
        .map(|p| p.display().to_string())
        .collect();
    println!("Wrote {}", files.join(", "));
    Ok(())
}

#[derive(Args)]
struct InspectArgs {
    /// Weight file.
    #[arg(default_value = "out/model.rnnw")]
    model: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum Cell {
    SimpleRnn,
    Lstm,
    Gru,
}

/// The recurrent layers of `train` and `classify` ([`StackArgs`]).
#[derive(Args)]
struct StackCli {
    /// The recurrent layers, input side first, each `KIND:UNITS` with its
    /// own cell (a Keras stack): `gru:16,lstm:8`. Kinds: lstm, gru (with
    /// --reset-after), simple-rnn (tanh), simple-rnn-relu, simple-rnn-tanh,
    /// simple-rnn-linear, simple-rnn-sigmoid. Instead of --cell and --units.
    #[arg(long, value_delimiter = ',', value_name = "KIND:UNITS")]
    layers: Option<Vec<LayerArg>>,
    /// Recurrent cell of every RNN layer (shorthand for --layers). [default: lstm]
    #[arg(long, value_enum)]
    cell: Option<Cell>,
    /// Units (hidden size) of each stacked RNN layer of --cell, input side
    /// first: `32,16`. [default: 16]
    #[arg(short, long, value_delimiter = ',')]
    units: Option<Vec<usize>>,
    /// GRU layers only: apply the reset gate after the recurrent product
    /// (Keras 3 default). [default: true]
    #[arg(long, action = clap::ArgAction::Set)]
    reset_after: Option<bool>,
    /// --cell simple-rnn only: its activation (LSTM and GRU use tanh and
    /// sigmoid; with --layers write it in the kind). [default: tanh]
    #[arg(long, value_enum)]
    rnn_activation: Option<Act>,
    /// Recurrent layers without bias (Keras `use_bias=False`): no bias
    /// parameters, stored as such in the weight file. The Dense layers keep
    /// their bias.
    #[arg(long)]
    no_bias: bool,
}

impl StackCli {
    fn args(&self) -> StackArgs {
        StackArgs {
            layers: self.layers.clone(),
            cell: self.cell.map(|c| match c {
                Cell::SimpleRnn => CellArg::SimpleRnn,
                Cell::Lstm => CellArg::Lstm,
                Cell::Gru => CellArg::Gru,
            }),
            units: self.units.clone(),
            rnn_activation: self.rnn_activation.map(Activation::from),
            reset_after: self.reset_after,
            no_bias: self.no_bias,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Act {
    Linear,
    Relu,
    Tanh,
    Sigmoid,
}

impl From<Act> for Activation {
    fn from(a: Act) -> Activation {
        match a {
            Act::Linear => Activation::Linear,
            Act::Relu => Activation::Relu,
            Act::Tanh => Activation::Tanh,
            Act::Sigmoid => Activation::Sigmoid,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Scaler {
    /// To [0, 1] by the training rows' min and max (the lecture's MinMaxScaler).
    Minmax,
    /// To zero mean, unit variance by the training rows' mean and std.
    Standard,
}

/// `--precision`.
#[derive(Clone, Copy, ValueEnum)]
enum PrecisionArg {
    F32,
    F64,
}

/// `classify --head` values.
#[derive(Clone, Copy, ValueEnum)]
enum HeadArg {
    /// Dense(classes) softmax, categorical cross-entropy.
    Softmax,
    /// Dense(1) sigmoid, binary cross-entropy (2 classes).
    Sigmoid,
}

#[derive(Clone, Copy, ValueEnum)]
enum LossArg {
    Mse,
    Mae,
    Huber,
}

/// `UNITS[:ACTIVATION]`, activation `linear` by default.
fn parse_dense(s: &str) -> Result<(usize, Activation), String> {
    let (units, act) = s.split_once(':').unwrap_or((s, "linear"));
    let units: usize = units.trim().parse().map_err(|_| {
        format!("{units:?} is not a unit count (expected UNITS:ACTIVATION, e.g. 1:linear)")
    })?;
    let act = Act::from_str(act.trim(), true)
        .map_err(|_| format!("unknown activation {act:?} (linear, relu, tanh, sigmoid)"))?;
    Ok((units, act.into()))
}

impl TrainArgs {
    /// The options, refusing cell-specific flags given for another cell
    /// and `--layers` with the `--cell`/`--units` shorthand.
    fn options(&self) -> Result<TrainOptions, TrainError> {
        Ok(TrainOptions {
            csv: self.data.source(),
            inputs: self.data.inputs.clone(),
            target: self.data.target.clone(),
            time: self
                .time
                .clone()
                .map_or(TimeColumn::Auto, TimeColumn::Named),
            window: self.window,
            horizon: self.horizon,
            layers: self.stack.args().layers()?,
            init: match self.init {
                InitArg::Keras => Init::Keras,
                InitArg::Irnn => Init::Irnn,
            },
            multi_output: self.multi_output,
            seq2seq: self.seq2seq,
            dense: self.dense.clone().unwrap_or_else(|| {
                let outputs = if self.multi_output { self.horizon } else { 1 };
                vec![(outputs, Activation::Linear)]
            }),
            scaler: match self.scaler {
                Scaler::Minmax => ScalerKind::MinMax,
                Scaler::Standard => ScalerKind::Standard,
            },
            val_fraction: self.val_fraction,
            test_size: self.test_size,
            nonnegative: self.nonnegative,
            allow_outliers: self.allow_outliers,
            resume: self.resume.clone(),
            fit: FitConfig {
                epochs: self.epochs,
                batch_size: self.batch_size,
                learning_rate: self.lr,
                clip_norm: (self.clip_norm != 0.0).then_some(self.clip_norm),
                patience: (self.patience != 0).then_some(self.patience),
                shuffle: !self.no_shuffle,
                seed: self.seed,
                loss: match self.loss {
                    LossArg::Mse => Loss::Mse,
                    LossArg::Mae => Loss::Mae,
                    LossArg::Huber => Loss::Huber,
                },
            },
            precision: match self.precision {
                PrecisionArg::F32 => Precision::F32,
                PrecisionArg::F64 => Precision::F64,
            },
            threads: self.threads.unwrap_or_else(|| {
                std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN)
            }),
            out_dir: self.out.clone(),
            plots: !self.no_plots,
        })
    }
}

/// Shows one progress bar over the epochs on a terminal, with one line
/// per epoch printed above it (never overwritten); elsewhere (CI logs)
/// prints the per-epoch line only.
struct Progress {
    bar: ProgressBar,
    epochs: usize,
}

impl Progress {
    fn new(epochs: usize) -> Progress {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(epochs as u64), target);
        bar.set_style(
            ProgressStyle::with_template("epoch {pos:>3}/{len} [{bar:30}] {elapsed_precise}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Progress { bar, epochs }
    }

    fn epoch(&self, e: &EpochReport) {
        let msg = match e.val_loss {
            Some(v) => format!("train loss {:.4e}  val loss {v:.4e}", e.train_loss),
            None => format!("train loss {:.4e}", e.train_loss),
        };
        let line = format!("epoch {:>3}/{}: {msg}", e.epoch, self.epochs);
        if self.bar.is_hidden() {
            eprintln!("{line}");
        } else {
            self.bar.println(line);
        }
        self.bar.set_position(e.epoch as u64);
    }

    /// Removes the bar, wherever it stopped (early stopping, divergence),
    /// so the next output starts on a clean line.
    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

fn train(args: &TrainArgs) -> anyhow::Result<()> {
    let opts = args.options()?;
    let non_tanh_simple_rnn = opts.layers.iter().any(
        |l| matches!(l.cell, CellKind::SimpleRnn { activation } if activation != Activation::Tanh),
    );
    if args.quantize.is_some() && non_tanh_simple_rnn {
        anyhow::bail!(
            "--quantize: the integer SimpleRNN is tanh only; train tanh SimpleRNN layers or without --quantize"
        );
    }
    // `quantize` scores one value per window: refused before training,
    // not after it.
    if args.quantize.is_some() && (opts.multi_output || opts.seq2seq) {
        anyhow::bail!(
            "--quantize: a direct multi-step (--multi-output) or sequence-to-sequence (--seq2seq) model is not quantized; train it without --quantize"
        );
    }
    let prepared = rnn_train::cmd::train::prepare(&opts)?;
    print_prepared(&opts, &prepared);
    let progress = Progress::new(opts.fit.epochs);
    let start = Instant::now();
    let result = prepared.train(&mut |e| progress.epoch(e));
    progress.finish();
    let trained = result?;
    print_training(&opts, &trained, start.elapsed().as_secs_f64());
    if opts.nonnegative && trained.test.predicted.iter().all(|&p| p == 0.0) {
        eprintln!(
            "warning: every test forecast is 0: the ReLU output of --nonnegative died (its input \
             is negative for every window, so it gets no gradient); train without --nonnegative \
             or with another --seed"
        );
    }
    if let Some(QuantizeArg::Int8) = args.quantize {
        let model = trained.outputs.model.clone();
        let q = rnn_train::cmd::quantize::QuantizeOptions {
            output: model.with_file_name(QUANTIZED_FILE),
            model,
            csv: opts.csv.clone(),
            overrides: Overrides::default(),
        };
        let quantized = rnn_train::cmd::quantize::run(&q).map_err(|e| {
            anyhow::anyhow!(
                "{e}\n(the float model was written to {}; only its quantization failed)",
                q.model.display()
            )
        })?;
        println!();
        print!("{}", quantized.report(&q));
    }
    Ok(())
}

fn print_notes(notes: &[String]) {
    for n in notes {
        if n.starts_with("warning:") || n.starts_with("hint:") {
            eprintln!("{n}");
        } else {
            eprintln!("note: {n}");
        }
    }
}

/// What is about to be trained: data, split, model summary, warnings.
fn print_prepared(opts: &TrainOptions, p: &Prepared) {
    let s = &p.split;
    println!(
        "Data: {} ({} samples of window {}, horizon {}); inputs {:?}, target {:?}{}",
        opts.csv.path().display(),
        s.samples(),
        s.window,
        s.horizon,
        p.contract.inputs,
        p.contract.target,
        p.contract
            .time
            .as_ref()
            .map(|t| format!(", time {t:?}"))
            .unwrap_or_default()
    );
    println!(
        "Split by time: train {} | validation {} | test {} samples (test = the last {}); \
         {} scaler fitted on the first {} rows only",
        s.train.len(),
        s.val.len(),
        s.test.len(),
        match opts.test_size {
            TestSize::Count(n) => n.to_string(),
            TestSize::Fraction(f) => format!("{}%", f * 100.0),
        },
        match p.metadata.scaler {
            ScalerKind::MinMax => "min-max",
            ScalerKind::Standard => "standard",
        },
        s.train_rows().end
    );
    println!("\n{}\n", p.summary);
    print_notes(&p.notes);
}

fn print_training(opts: &TrainOptions, t: &Trained, seconds: f64) {
    let f = &t.fit;
    println!(
        "Trained {} epoch(s) in {seconds:.1} s; best epoch {} (lowest {} loss, {}){}",
        f.history.len(),
        f.best_epoch,
        if t.split.val.is_empty() {
            "training"
        } else {
            "validation"
        },
        loss_name(opts.fit.loss),
        if f.stopped_early {
            "; stopped early"
        } else {
            ""
        }
    );
    if let Some(epoch) = f.diverged {
        let cause = f.gradient_fault.map_or(
            "a loss or weight became NaN or too large for f32 (the weight file's type)".to_string(),
            |g| g.to_string(),
        );
        eprintln!(
            "warning: training diverged at epoch {epoch}: {cause}; training stopped and the \
             weights of the best epoch ({}) were exported. Lower --lr or set --clip-norm for a \
             better model.",
            f.best_epoch
        );
    }
    if let Some(seq) = &t.sequence {
        println!("\n{}", sequence_summary(seq));
    }
    if t.steps.len() > 1 {
        println!("\n{}", steps_table(&t.steps, &opts.target));
    } else {
        println!("\n{}\n", evaluation_table(&t.test.evaluation, &opts.target));
    }
    let o = &t.outputs;
    let size = std::fs::metadata(&o.model).map(|m| m.len()).unwrap_or(0);
    println!(
        "Wrote {} ({} bytes), {}, {}, {} (for --resume)",
        o.model.display(),
        thousands(size as usize),
        o.test_predictions.display(),
        o.history.display(),
        o.checkpoint.display()
    );
    if let (Some(a), Some(b)) = (&o.loss_plot, &o.predictions_plot) {
        println!("Plots: {}, {}", a.display(), b.display());
    }
}

/// What a sequence-to-sequence test evaluation scored and against which
/// baseline (the table's `persistence` row).
fn sequence_summary(seq: &rnn_train::seq2seq::SequenceTest) -> String {
    let windows = seq
        .windows
        .first()
        .map_or(0, |f| seq.windows.last().map_or(0, |l| l - f + 1));
    format!(
        "Sequence-to-sequence test: {} targets (every timestep of {windows} test windows whose \
         target row is a test row); baseline: {} (the persistence row below)",
        seq.result.actual.len(),
        seq.baseline.describe()
    )
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Train(args) => train(&args),
        Command::Classify(args) => classify(&args),
        Command::Eval(args) => {
            let opts = EvalOptions {
                model: args.model,
                csv: args.data.source(),
                overrides: Overrides {
                    inputs: args.data.inputs,
                    target: args.data.target,
                    test_size: args.test_size,
                },
            };
            let e = rnn_train::cmd::eval::run(&opts)?;
            print_notes(&e.notes);
            println!(
                "Model {} on {}: inputs {:?}, target {:?}, window {}, horizon {}, test size {}",
                opts.model.display(),
                opts.csv.path().display(),
                e.contract.inputs,
                e.contract.target,
                e.split.window,
                e.split.horizon,
                e.contract.test_size
            );
            if let Some(seq) = &e.sequence {
                println!("{}", sequence_summary(seq));
            }
            if e.steps.len() > 1 {
                print!("{}", steps_table(&e.steps, &e.contract.target));
            } else {
                println!(
                    "{}",
                    evaluation_table(&e.result.evaluation, &e.contract.target)
                );
            }
            Ok(())
        }
        Command::Predict(args) => {
            let opts = PredictOptions {
                model: args.model,
                csv: args.data.source(),
                overrides: Overrides {
                    inputs: args.data.inputs,
                    target: args.data.target,
                    test_size: None,
                },
                output: args.output,
            };
            if let Some(c) = rnn_train::cmd::predict_classes::run(&opts)? {
                let counts: Vec<String> = c
                    .classes
                    .iter()
                    .zip(&c.predicted)
                    .map(|(name, n)| format!("{name} {n}"))
                    .collect();
                println!(
                    "Classified {} sequences ({}) into {}",
                    c.sequences,
                    counts.join(", "),
                    opts.output.display()
                );
                if let Some(a) = c.accuracy {
                    println!("Accuracy against the CSV's labels: {:.1} %", 100.0 * a);
                }
                return Ok(());
            }
            let f = rnn_train::cmd::predict::run(&opts)?;
            print_notes(&f.notes);
            println!(
                "Wrote {} forecasts to {}",
                f.forecasts.len(),
                opts.output.display()
            );
            Ok(())
        }
        Command::Forecast(args) => forecast(*args),
        Command::Inspect(args) => {
            println!("{}", rnn_train::cmd::inspect::run(&args.model)?);
            Ok(())
        }
        Command::Import(args) => {
            println!("{}", rnn_train::cmd::import_model::run(&args)?.render());
            Ok(())
        }
        Command::Cost(args) => {
            let targets = match args.target {
                None => rnn_train::cost::Targets::Default,
                Some(t) if t.len() > 1 && t.contains(&None) => {
                    return Err(TrainError::InvalidOption {
                        option: "--target",
                        reason: "none stands alone: it means the counts only".into(),
                    }
                    .into())
                }
                Some(t) => rnn_train::cost::Targets::Given(t.into_iter().flatten().collect()),
            };
            let opts = rnn_train::cmd::cost::CostOptions {
                model: args.model,
                targets,
                json: args.json,
                flash: args.flash,
                ram: args.ram,
                install: args.install,
            };
            let (_, text) = rnn_train::cmd::cost::run(&opts)?;
            print!("{text}");
            Ok(())
        }
        Command::Export(args) => {
            // clap requires --rust, the only format so far.
            debug_assert!(args.rust);
            let opts = rnn_train::cmd::export_rust::ExportOptions {
                model: args.model,
                output: args.output,
            };
            let exported = rnn_train::cmd::export_rust::run(&opts)?;
            println!(
                "wrote {} ({} bytes of Rust, {} model)",
                opts.output.display(),
                exported.bytes,
                if exported.quantized {
                    "quantized"
                } else {
                    "float"
                }
            );
            Ok(())
        }
        Command::Quantize(args) => {
            let opts = rnn_train::cmd::quantize::QuantizeOptions {
                model: args.model,
                output: args.output,
                csv: args.data.source(),
                overrides: Overrides {
                    inputs: args.data.inputs,
                    target: args.data.target,
                    test_size: args.test_size,
                },
            };
            print!("{}", rnn_train::cmd::quantize::run(&opts)?.report(&opts));
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The messages carry their causes already; print the top one only.
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use rnn_train::cmd::MODEL_FILE;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn dense_head_parses() {
        assert_eq!(parse_dense("8:relu"), Ok((8, Activation::Relu)));
        assert_eq!(parse_dense("1"), Ok((1, Activation::Linear)));
        assert!(parse_dense("x:relu").is_err());
        assert!(parse_dense("1:swish").unwrap_err().contains("swish"));
    }

    fn train_options(args: &[&str]) -> Result<TrainOptions, TrainError> {
        let cli = Cli::parse_from(["rnn-train", "train"].iter().chain(args));
        let Command::Train(t) = cli.command else {
            panic!("not train")
        };
        t.options()
    }

    #[test]
    fn cell_specific_flags_are_refused_for_other_cells() {
        for args in [
            &["--rnn-activation", "relu"][..],
            &["--cell", "gru", "--rnn-activation", "tanh"],
            &["--reset-after", "false"],
            &["--cell", "simple-rnn", "--reset-after", "true"],
        ] {
            let e = train_options(args).unwrap_err().to_string();
            assert!(e.contains("applies only to --cell"), "{args:?}: {e}");
        }
        let cell = |args: &[&str]| train_options(args).unwrap().layers[0].cell;
        assert_eq!(
            cell(&["--cell", "simple-rnn", "--rnn-activation", "relu"]),
            CellKind::SimpleRnn {
                activation: Activation::Relu
            }
        );
        assert_eq!(
            cell(&["--cell", "gru", "--reset-after", "false"]),
            CellKind::Gru { reset_after: false }
        );
        assert_eq!(
            cell(&["--cell", "gru"]),
            CellKind::Gru { reset_after: true }
        );
    }

    /// `--layers` reaches both commands; with `--cell` or `--units` given
    /// explicitly it is refused; bad items stop clap with the reason.
    #[test]
    fn layers_give_mixed_stacks_and_refuse_the_shorthand() {
        let o = train_options(&["--layers", "gru:8,lstm:4", "--no-bias"]).unwrap();
        let layers: Vec<_> = o
            .layers
            .iter()
            .map(|l| (l.cell, l.units, l.use_bias))
            .collect();
        assert_eq!(
            layers,
            [
                (CellKind::Gru { reset_after: true }, 8, false),
                (CellKind::Lstm, 4, false)
            ]
        );
        for extra in [["--cell", "lstm"], ["--units", "16"]] {
            let mut args = vec!["--layers", "gru:8"];
            args.extend(extra);
            let e = train_options(&args).unwrap_err();
            assert!(
                matches!(
                    e,
                    TrainError::InvalidOption {
                        option: "--layers",
                        ..
                    }
                ),
                "{extra:?}: {e}"
            );
        }
        let classify = Cli::parse_from(["rnn-train", "classify", "--layers", "simple-rnn-relu:3"]);
        let Command::Classify(c) = classify.command else {
            panic!("not classify")
        };
        let relu = CellKind::SimpleRnn {
            activation: Activation::Relu,
        };
        assert_eq!(c.stack.args().layers().unwrap()[0].cell, relu);
        for bad in ["gru:0", "rnn:4", ""] {
            let parsed = Cli::try_parse_from(["rnn-train", "train", "--layers", bad]);
            assert!(parsed.is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_negative_test_size_reaches_its_own_validation_in_every_command() {
        for command in [
            &["eval", "--test-size", "-0.1"][..],
            &["quantize", "m.rnnw", "-o", "q.rnnw", "--test-size", "-0.1"][..],
            &["forecast", "--steps", "2", "--test-size", "-0.1"][..],
        ] {
            let args = [&["rnn-train"][..], command].concat();
            let e = Cli::try_parse_from(args)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains("strictly between 0 and 1"), "{command:?}: {e}");
        }
    }

    #[test]
    fn negative_numbers_reach_their_own_validation() {
        let o =
            train_options(&["--lr", "-1", "--clip-norm", "-1", "--val-fraction", "-0.1"]).unwrap();
        assert_eq!(o.fit.learning_rate, -1.0);
        assert_eq!(o.fit.clip_norm, Some(-1.0));
        assert_eq!(o.val_fraction, -0.1);
    }

    #[test]
    fn default_train_is_the_documented_sea_temperature_run() {
        let cli = Cli::parse_from(["rnn-train", "train"]);
        let Command::Train(args) = cli.command else {
            panic!("not train")
        };
        let o = args.options().unwrap();
        assert_eq!(o.csv, CsvSource::Default);
        assert_eq!(
            (o.inputs, o.target),
            (
                vec!["temperature_c".to_string()],
                "temperature_c".to_string()
            )
        );
        assert_eq!((o.window, o.horizon), (24, 1));
        assert_eq!(
            o.layers,
            [rnn_train::nn::RecurrentLayer {
                cell: CellKind::Lstm,
                units: 16,
                use_bias: true
            }]
        );
        assert_eq!(o.dense, [(1, Activation::Linear)]);
        assert_eq!(o.scaler, ScalerKind::MinMax);
        assert_eq!(o.test_size, TestSize::Fraction(0.1));
        assert_eq!(o.fit.clip_norm, Some(1.0));
        assert_eq!(o.fit.patience, Some(10));
        assert_eq!(
            (o.fit.epochs, o.fit.learning_rate, o.fit.batch_size),
            (60, 0.002, 32)
        );
        assert_eq!(o.out_dir.join(MODEL_FILE), PathBuf::from("out/model.rnnw"));
    }
}
