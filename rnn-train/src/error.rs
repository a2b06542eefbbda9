//! The one error type of `rnn-train`: every way a CSV, an option or a weight
//! file can be refused. Messages name the file, and for CSV cells the line
//! (1-based, the header is line 1) and the column.

use std::path::PathBuf;

/// `Result` with [`TrainError`].
pub type Result<T, E = TrainError> = std::result::Result<T, E>;

/// Why `rnn-train` refused its input or could not finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// Labelled data that cannot train or test a classifier.
    #[error(transparent)]
    Labels(Box<crate::data::cases::LabelError>),
    /// A file could not be opened, read or written.
    #[error("{}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The default data set was not found where it was looked for.
    #[error(
        "default data set not found: looked for {} (relative to the current directory {}); \
         run from the repository root or pass a CSV path",
        path.display(),
        cwd.display()
    )]
    DefaultDataMissing {
        /// The relative path looked for.
        path: PathBuf,
        /// The current directory it was resolved against.
        cwd: PathBuf,
    },
    /// Any other I/O error (for example writing to the terminal).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A CSV error while writing (reading errors are turned into the
    /// variants below, which name the file).
    #[error("CSV: {0}")]
    Csv(#[from] csv::Error),
    /// A CSV row has a different number of fields than the header.
    #[error("{}: line {line}: {found} field(s), but the header has {expected}", path.display())]
    RaggedRow {
        /// The CSV file.
        path: PathBuf,
        /// 1-based line number (the header is line 1).
        line: u64,
        /// Fields in the header.
        expected: u64,
        /// Fields in this row.
        found: u64,
    },
    /// Any other CSV reading error (for example invalid UTF-8).
    #[error("{}: {message}", path.display())]
    CsvRead {
        /// The CSV file.
        path: PathBuf,
        /// The reader's message, with the line where known.
        message: String,
    },
    /// The CSV file has no header row.
    #[error("{}: the file is empty (expected a header row and data rows)", path.display())]
    EmptyFile {
        /// The CSV file.
        path: PathBuf,
    },
    /// The CSV file has a header row but no data rows.
    #[error("{}: no data rows after the header (line 1)", path.display())]
    NoDataRows {
        /// The CSV file.
        path: PathBuf,
    },
    /// A requested column is not in the header.
    #[error("{}: line 1: no column named {column:?}; the columns are {available:?}", path.display())]
    UnknownColumn {
        /// The CSV file.
        path: PathBuf,
        /// The requested column name.
        column: String,
        /// The header's column names.
        available: Vec<String>,
    },
    /// A CSV lacks columns a model's data contract (or the flags) name.
    #[error(
        "{}: line 1: no column named {}; the columns are {available:?} (train, eval and \
         predict take --input/--target to read others)",
        path.display(),
        missing.iter().map(|m| format!("{m:?}")).collect::<Vec<_>>().join(", ")
    )]
    MissingColumns {
        /// The CSV file.
        path: PathBuf,
        /// The columns not in the header.
        missing: Vec<String>,
        /// The header's column names.
        available: Vec<String>,
    },
    /// A cell of a used column is not a number.
    #[error("{}: line {line}, column {column:?}: {value:?} is not a number", path.display())]
    NotNumeric {
        /// The CSV file.
        path: PathBuf,
        /// 1-based line number (the header is line 1).
        line: u64,
        /// Column name.
        column: String,
        /// The cell's text.
        value: String,
    },
    /// A cell of a used column is NaN or infinite.
    #[error(
        "{}: line {line}, column {column:?}: {value:?} is not a finite number (NaN or infinite); \
         fill or drop missing values first",
        path.display()
    )]
    NotFinite {
        /// The CSV file.
        path: PathBuf,
        /// 1-based line number (the header is line 1).
        line: u64,
        /// Column name.
        column: String,
        /// The cell's text.
        value: String,
    },
    /// A cell of a used column is finite in `f64` but too large for the
    /// `f32` the model, the weight file and the device use.
    #[error(
        "{}: line {line}, column {column:?}: {value:?} is outside the f32 range \
         (magnitude at most 3.4e38) that the model and weight file use; rescale the column",
        path.display()
    )]
    OutOfF32Range {
        /// The CSV file.
        path: PathBuf,
        /// 1-based line number (the header is line 1).
        line: u64,
        /// Column name.
        column: String,
        /// The cell's text.
        value: String,
    },
    /// A used column name appears more than once in the header, so which
    /// one is meant is ambiguous.
    #[error("{}: line 1: the header has more than one column named {column:?}", path.display())]
    DuplicateColumn {
        /// The CSV file.
        path: PathBuf,
        /// The repeated name.
        column: String,
    },
    /// The output directory cannot hold the outputs (checked before
    /// training, so no time is lost).
    #[error("output path {} {reason}", path.display())]
    OutputDir {
        /// The directory given with `--out`.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// An output file would overwrite one of the command's inputs.
    #[error(
        "output {} is the same file as the {what} {}; refusing to overwrite it, choose another output path",
        output.display(),
        input.display()
    )]
    OutputIsInput {
        /// The output path given.
        output: PathBuf,
        /// The input it resolves to.
        input: PathBuf,
        /// `"model"` or `"input CSV"`.
        what: &'static str,
    },
    /// The series is too short for even one window and its target.
    #[error(
        "window {window} with horizon {horizon} needs at least {needed} rows, \
         but the series has {rows}"
    )]
    WindowTooLong {
        /// Timesteps per window.
        window: usize,
        /// Steps ahead of the target.
        horizon: usize,
        /// Rows needed for one sample: `window + horizon`.
        needed: usize,
        /// Rows in the series.
        rows: usize,
    },
    /// A CSV to predict on has fewer rows than the model's window.
    #[error("the CSV has {rows} rows, fewer than the model's window of {window} timesteps")]
    ShorterThanWindow {
        /// The model's window.
        window: usize,
        /// Rows in the CSV.
        rows: usize,
    },
    /// The test split leaves no samples for training.
    #[error(
        "test size {test} samples is too large: the series gives only {samples} samples \
         (window {window}, horizon {horizon}) and training needs at least one"
    )]
    TestTooLarge {
        /// Test samples requested.
        test: usize,
        /// Samples the series gives.
        samples: usize,
        /// Timesteps per window.
        window: usize,
        /// Steps ahead of the target.
        horizon: usize,
    },
    /// The validation split leaves no samples for training.
    #[error(
        "validation fraction {fraction} takes all {available} samples before the test split; \
         training needs at least one"
    )]
    NoTrainingSamples {
        /// The validation fraction.
        fraction: f64,
        /// Samples before the test split.
        available: usize,
    },
    /// The test or validation split has too few windows to mean anything.
    #[error(
        "the {part} split has {found} {part} window(s); at least {min} are needed, since with \
         fewer one window outweighs a tenth of the mean and the {part} loss follows noise \
         (raise {option}, or give a longer series)"
    )]
    TooFewWindows {
        /// `"test"` or `"validation"`.
        part: &'static str,
        /// The option that sets its size.
        option: &'static str,
        /// Windows the split has.
        found: usize,
        /// [`crate::data::contract::MIN_EVAL_WINDOWS`].
        min: usize,
    },
    /// A numeric option is out of its range.
    #[error("invalid {option}: {reason}")]
    InvalidOption {
        /// The option, as spelled on the command line.
        option: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// `classify --head sigmoid` on labels without exactly two classes: a
    /// sigmoid head (Dense(1), binary cross-entropy) tells one class from
    /// one other.
    #[error(
        "--head sigmoid trains a binary classifier and needs exactly 2 classes, but the label \
         column {column:?} of {} has {found}: {classes}; use --head softmax for more",
        path.display()
    )]
    SigmoidHeadClasses {
        /// The labelled CSV.
        path: PathBuf,
        /// Its label column.
        column: String,
        /// Classes found.
        found: usize,
        /// Their names, comma-separated.
        classes: String,
    },
    /// A weight file has no preprocessing metadata (it was not written by
    /// `rnn-train train`), so its window and scaler are unknown.
    #[error("{}: the weight file has no scaler/window metadata; it was not exported by rnn-train", path.display())]
    NoMetadata {
        /// The weight file.
        path: PathBuf,
    },
    /// The number of input columns differs from the model's input size.
    #[error("the model takes {expected} input feature(s) but {found} input column(s) were given")]
    InputCount {
        /// The model's input size.
        expected: usize,
        /// Input columns given.
        found: usize,
    },
    /// A command that handles one forecast per window was given a
    /// sequence-to-sequence model (`train --seq2seq`: an output at every
    /// timestep, weight format version 5).
    #[error(
        "{}: a sequence-to-sequence model (an output at every timestep) is not supported by \
         `rnn-train {command}`; `eval`, `predict`, `inspect` and `cost` run it",
        path.display()
    )]
    SequenceModel {
        /// The weight file.
        path: PathBuf,
        /// The command that refused it (`quantize`, `forecast`, `export`).
        command: &'static str,
    },
    /// A weight file's layers are not an architecture `rnn-train` can run
    /// (RNN layers of one kind then Dense layers, sizes chaining).
    #[error("{}: unsupported architecture: {reason}", path.display())]
    Architecture {
        /// The weight file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// `rnn-train forecast` was given a model whose forecasts cannot be fed
    /// back as its next input: its inputs are not exactly its target
    /// column, it forecasts more than one step ahead, or several steps at
    /// once.
    #[error(
        "{}: cannot forecast autoregressively: {reason}; `forecast` needs a model \
         trained with its target as its only input (`--input T --target T`) and \
         --horizon 1 without --multi-output",
        path.display()
    )]
    NotAutoregressive {
        /// The weight file.
        path: PathBuf,
        /// Why its forecasts cannot be fed back.
        reason: String,
    },
    /// The architecture cannot be built, or data does not fit the network.
    #[error("network: {0}")]
    Network(#[from] crate::nn::NetworkError),
    /// Training refused its settings or data (zero epochs, zero batch size,
    /// bad learning rate or clip norm, shape mismatch).
    #[error("training: {0}")]
    Fit(#[from] crate::fit::FitError),
    /// A loss or weight became NaN or too large for `f32` before any epoch
    /// finished with finite values, so there is no checkpoint to export.
    #[error(
        "training diverged: {} in epoch {epoch}, before any epoch finished with finite values; \
         nothing was written (lower --lr or set --clip-norm)",
        cause.map_or("the loss or the weights became NaN or too large for f32".to_string(), |g| g.to_string())
    )]
    Diverged {
        /// The epoch (1-based) whose loss was not finite.
        epoch: usize,
        /// The refused gradient, when that was the cause.
        cause: Option<crate::fit::GradientStop>,
    },
    /// `rnn-core` refused to encode a weight blob (too many layers, a
    /// parameter count that differs from the layers').
    #[error("weight file: {0}")]
    Model(#[from] rnn_core::Error),
    /// A weight file was refused by `rnn-core`'s checked loader, or holds a
    /// NaN or infinite weight.
    #[error("{}: weight file: {source}", path.display())]
    WeightFile {
        /// The weight file.
        path: PathBuf,
        /// rnn-core's reason.
        source: rnn_core::Error,
    },
    /// A training checkpoint (`OUT/checkpoint.rnnt`) was given where a
    /// weight file belongs.
    #[error(
        "{}: this is a training checkpoint (for `train --resume`), not a weight file; \
         give the model.rnnw written beside it",
        path.display()
    )]
    CheckpointNotModel {
        /// The checkpoint.
        path: PathBuf,
    },
    /// A weight file has no bytes at all.
    #[error("{}: the weight file is empty (0 bytes)", path.display())]
    EmptyWeightFile {
        /// The weight file.
        path: PathBuf,
    },
    /// A weight file given by a relative path is not there.
    #[error(
        "{}: No such file (relative to the current directory {}); run from the folder where \
         you trained, or pass the model's path",
        path.display(),
        cwd.display()
    )]
    WeightFileMissing {
        /// The relative path looked for.
        path: PathBuf,
        /// The current directory it was resolved against.
        cwd: PathBuf,
    },
    /// A training checkpoint cannot be resumed from.
    #[error("{}: checkpoint: {reason}", path.display())]
    Checkpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A plot could not be drawn or written.
    #[error("plot {}: {reason}", path.display())]
    Plot {
        /// The PNG file.
        path: PathBuf,
        /// The plotting library's message.
        reason: String,
    },
    /// `cost`: a tool it needs to build or run a target is not installed.
    #[error("cost --target {target}: {tool} is not installed; install it with `{install}` (or run cost with --install)")]
    CostToolMissing {
        /// The target asked for (`m0`, `m4f`, `m7`).
        target: String,
        /// What is missing (a rustup target, `qemu-system-arm`).
        tool: String,
        /// The command that installs it.
        install: String,
    },
    /// `cost`: the deployment template cannot be built with this model.
    #[error("{}: the deployment template cannot run this model on a Cortex-M target: {reason}", path.display())]
    CostTemplate {
        /// The weight file.
        path: PathBuf,
        /// Why (the template's one-input, one-output shape, a missing scaler, ...).
        reason: String,
    },
    /// `cost`: the host timing cannot be built with this model.
    #[error("{}: cost cannot time this model on the host: {reason}; --target none gives the counts", path.display())]
    CostHost {
        /// The weight file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// `cost`: building or running a measurement failed.
    #[error("cost: {what}: {reason}")]
    CostBuild {
        /// What was built or run (a command, an ELF).
        what: String,
        /// Its error output, or what was wrong with its result.
        reason: String,
    },
    /// `cost`: the workspace sources it builds are not where they were.
    #[error(
        "cost builds the firmware template from this workspace's sources, expected at {}; \
         run the rnn-train built from a clone of the repository",
        path.display()
    )]
    CostSources {
        /// The workspace root looked for.
        path: PathBuf,
    },
}
