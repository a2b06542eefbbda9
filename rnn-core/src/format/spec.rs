//! The architecture and preprocessing records stored in a weight file's header.
//!
//! See `docs/weight-format.md` for the byte layout.

use heapless::Vec;
use serde::{Deserialize, Serialize};

use crate::activation::Activation;
use crate::error::Error;

/// File magic: the first four bytes of every weight file.
pub const MAGIC: [u8; 4] = *b"RNNW";
/// The format version this crate writes for every model but a
/// sequence-output one (4: version 2 with [`Header::classes`]). Readers
/// also accept version 2 (no class labels), version 1 (no data contract
/// either) and [`SEQUENCE_FORMAT_VERSION`]; version 3 is the quantized
/// format (`rnn_core::quant::format`), which this loader refuses.
pub const FORMAT_VERSION: u16 = 4;
/// The format version of a sequence-output (sequence-to-sequence) model:
/// version 4 with [`Header::sequence_output`] after `classes`. Written only
/// for such models, so every other file stays a version-4 file, byte for
/// byte; a reader older than it refuses such a file as
/// [`crate::Error::UnsupportedVersion`] instead of misreading it.
pub const SEQUENCE_FORMAT_VERSION: u16 = 5;
/// Oldest format version readers accept.
pub const OLDEST_VERSION: u16 = 1;
/// Most layers a weight file may describe.
pub const MAX_LAYERS: usize = 8;
/// Most input or target features a scaler may describe.
pub const MAX_FEATURES: usize = 16;
/// Most bytes (UTF-8) of one column name in a [`DataContract`].
pub const MAX_NAME_BYTES: usize = 64;

/// A CSV column name stored in a [`DataContract`], at most
/// [`MAX_NAME_BYTES`] bytes of UTF-8.
pub type ColumnName = heapless::String<MAX_NAME_BYTES>;

/// The kind of a layer, without its sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LayerKind {
    /// [`crate::SimpleRnn`].
    SimpleRnn,
    /// [`crate::Lstm`].
    Lstm,
    /// [`crate::Gru`].
    Gru,
    /// [`crate::Dense`].
    Dense,
}

/// What a compile-time layer type fixes: its kind and sizes.
///
/// Loading compares each layer of a file with this and reports
/// [`crate::Error::ArchitectureMismatch`] when they differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerShape {
    /// Layer kind.
    pub kind: LayerKind,
    /// Input size `I` (features per timestep).
    pub input_size: u32,
    /// Hidden size `H` (units) for RNN layers, output size `O` for Dense.
    pub units: u32,
}

impl LayerShape {
    /// The shape of a single-layer type at `index`: `Some` for index 0 only.
    pub(crate) fn single(
        index: usize,
        kind: LayerKind,
        input_size: usize,
        units: usize,
    ) -> Option<Self> {
        (index == 0).then_some(LayerShape {
            kind,
            input_size: input_size as u32,
            units: units as u32,
        })
    }
}

/// One layer of a weight file: kind, sizes and the run-time options.
///
/// Sizes are counts of f32 values. Sources: Keras
/// [SimpleRNN](https://keras.io/api/layers/recurrent_layers/simple_rnn/),
/// [LSTM](https://keras.io/api/layers/recurrent_layers/lstm/),
/// [GRU](https://keras.io/api/layers/recurrent_layers/gru/),
/// [Dense](https://keras.io/api/layers/core_layers/dense/).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LayerSpec {
    /// `h_t = act(W x_t + U h_{t-1} + b)`.
    SimpleRnn {
        /// Input size `I`.
        input_size: u32,
        /// Hidden size `H` (units).
        hidden_size: u32,
        /// `act`: tanh (Keras default), relu or linear.
        activation: Activation,
        /// Whether `b` is stored (Keras `use_bias`).
        use_bias: bool,
    },
    /// Keras LSTM: gates input, forget, cell, output; tanh and sigmoid.
    Lstm {
        /// Input size `I`.
        input_size: u32,
        /// Hidden size `H` (units).
        hidden_size: u32,
        /// Whether the four gate biases are stored (Keras `use_bias`).
        use_bias: bool,
    },
    /// Keras GRU: gates update, reset, candidate; tanh and sigmoid.
    Gru {
        /// Input size `I`.
        input_size: u32,
        /// Hidden size `H` (units).
        hidden_size: u32,
        /// `true`: reset gate applied after the recurrent product (Keras 3
        /// default, PyTorch, ONNX `linear_before_reset = 1`).
        reset_after: bool,
        /// Whether the biases are stored (Keras `use_bias`).
        use_bias: bool,
    },
    /// `y = act(W x + b)`.
    Dense {
        /// Input size `I`.
        input_size: u32,
        /// Output size `O` (units).
        output_size: u32,
        /// `act`: linear, relu, tanh or sigmoid.
        activation: Activation,
        /// Whether `b` is stored (Keras `use_bias`).
        use_bias: bool,
    },
}

impl LayerSpec {
    /// The kind and sizes of this layer.
    pub fn shape(&self) -> LayerShape {
        let (kind, input_size, units) = match *self {
            LayerSpec::SimpleRnn {
                input_size,
                hidden_size,
                ..
            } => (LayerKind::SimpleRnn, input_size, hidden_size),
            LayerSpec::Lstm {
                input_size,
                hidden_size,
                ..
            } => (LayerKind::Lstm, input_size, hidden_size),
            LayerSpec::Gru {
                input_size,
                hidden_size,
                ..
            } => (LayerKind::Gru, input_size, hidden_size),
            LayerSpec::Dense {
                input_size,
                output_size,
                ..
            } => (LayerKind::Dense, input_size, output_size),
        };
        LayerShape {
            kind,
            input_size,
            units,
        }
    }

    /// Number of f32 parameters this layer stores in a weight file, the
    /// same count as Keras's `model.summary()` (`None` on overflow).
    ///
    /// SimpleRNN `H(I + H + 1)`, LSTM `4H(I + H + 1)`, GRU `3H(I + H + 1)`
    /// (`3H(I + H + 2)` with `reset_after`), Dense `O(I + 1)`; without bias
    /// the `+ 1` (`+ 2`) terms drop.
    pub fn param_count(&self) -> Option<usize> {
        let LayerShape {
            input_size, units, ..
        } = self.shape();
        let (i, h) = (input_size as usize, units as usize);
        let (gates, bias_vectors, use_bias, recurrent): (usize, usize, bool, bool) = match *self {
            LayerSpec::SimpleRnn { use_bias, .. } => (1, 1, use_bias, true),
            LayerSpec::Lstm { use_bias, .. } => (4, 1, use_bias, true),
            LayerSpec::Gru {
                use_bias,
                reset_after,
                ..
            } => (3, if reset_after { 2 } else { 1 }, use_bias, true),
            LayerSpec::Dense { use_bias, .. } => (1, 1, use_bias, false),
        };
        let per_unit = i
            .checked_add(if recurrent { h } else { 0 })?
            .checked_add(if use_bias { bias_vectors } else { 0 })?;
        gates.checked_mul(h)?.checked_mul(per_unit)
    }
}

/// How one feature was scaled in training: `scaled = (raw - shift) / scale`.
///
/// `shift` is finite and `scale` finite and non-zero: the loader and the
/// encoders refuse anything else with [`Error::BadFeatureScale`].
///
/// Min-max scaling (as in the lecture, `sklearn.preprocessing.MinMaxScaler`
/// to [0, 1]) has `shift = min`, `scale = max - min`; standard scaling has
/// `shift = mean`, `scale = standard deviation`. Units are the feature's own
/// (for example °C).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureScale {
    /// Subtracted from the raw value, in the feature's units.
    pub shift: f32,
    /// Divides the shifted value, in the feature's units: finite and never 0.
    pub scale: f32,
}

impl FeatureScale {
    /// Raw value (feature units) to the model's scaled value.
    pub fn scale(&self, raw: f32) -> f32 {
        (raw - self.shift) / self.scale
    }

    /// The model's scaled value back to the feature's units.
    pub fn unscale(&self, scaled: f32) -> f32 {
        scaled * self.scale + self.shift
    }
}

/// Which scaler produced the [`FeatureScale`]s of a [`Metadata`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScalerKind {
    /// To [0, 1] by the training split's minimum and maximum.
    MinMax,
    /// To zero mean and unit variance by the training split's statistics.
    Standard,
}

/// Optional preprocessing metadata saved by `rnn-train`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// The scaler that produced `inputs` and `targets`.
    pub scaler: ScalerKind,
    /// One scale per input feature, in input order.
    pub inputs: Vec<FeatureScale, MAX_FEATURES>,
    /// One scale per model output, in output order.
    pub targets: Vec<FeatureScale, MAX_FEATURES>,
    /// Timesteps per training window (the model warms up over this many).
    pub window: u32,
    /// How many steps ahead the target lies (1 = the next value).
    pub horizon: u32,
}

/// How many samples the test split took, as given at training.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum TestSplit {
    /// Exactly this many samples, the last ones of the series.
    Count(u32),
    /// This fraction of all samples, in `(0, 1)`, the last ones.
    Fraction(f64),
}

/// How the samples of the training series were split by time
/// (train | validation | test, test last; rnn-train's `data::split`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SplitRecord {
    /// Data rows of the training CSV.
    pub rows: u32,
    /// Fraction of the samples before the test split used for validation
    /// (the last ones; Keras `validation_split`).
    pub val_fraction: f64,
    /// The test split as given.
    pub test: TestSplit,
    /// Resulting training samples.
    pub train_samples: u32,
    /// Resulting validation samples.
    pub val_samples: u32,
    /// Resulting test samples.
    pub test_samples: u32,
}

/// The data a model was trained on: which CSV columns, in which order, and
/// how the series was split. Saved by `rnn-train` (format version 2) so
/// `eval` and `predict` read the same columns and test split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataContract {
    /// Input column names, in input-feature order (as [`Metadata::inputs`]).
    pub inputs: Vec<ColumnName, MAX_FEATURES>,
    /// Target column names, in output order (as [`Metadata::targets`]).
    pub targets: Vec<ColumnName, MAX_FEATURES>,
    /// The time (timestamp) column, if the CSV has one.
    pub time: Option<ColumnName>,
    /// How the samples were split.
    pub split: SplitRecord,
}

/// The classes of a classifier, saved by `rnn-train classify` (format
/// version 4) so `predict` and a firmware can name the predicted label.
/// Two heads: a last layer with one output per class (Dense softmax, one
/// probability per class, `names` in output order), or a binary head, a
/// last layer Dense(1) sigmoid with two names: its output is the
/// probability of `names[1]` (the positive class; `names[0]` has `1 − p`),
/// as Keras `Dense(1, activation="sigmoid")` trained with
/// `BinaryCrossentropy`.
///
/// Checked on load and on encode: at least 2 names, all different, one per
/// output of the last layer or 2 for a Dense(1) sigmoid
/// ([`Error::BadClasses`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassLabels {
    /// The CSV column holding the label.
    pub label: ColumnName,
    /// The CSV column naming each sequence (long format: one row per
    /// timestep), if sequences were given by one.
    pub case: Option<ColumnName>,
    /// The CSV column holding each case's split (`train` / `test`), if the
    /// split was given by one.
    pub split: Option<ColumnName>,
    /// Class names (the label column's values), in output order; for a
    /// binary head the negative class, then the positive one.
    pub names: Vec<ColumnName, MAX_FEATURES>,
}

impl ClassLabels {
    /// Checks the names against the model's last layer `last`.
    ///
    /// # Errors
    /// [`Error::BadClasses`] for fewer than 2 names, a repeated name, or a
    /// count other than the last layer's outputs, unless the names are 2
    /// and the last layer is a Dense(1) sigmoid (a binary head).
    pub(crate) fn check(&self, last: Option<&LayerSpec>) -> Result<(), Error> {
        let n = self.names.len();
        let outputs = last.map(|l| l.shape().units as usize);
        let repeated = (1..n).any(|i| self.names[..i].contains(&self.names[i]));
        if n < 2 || repeated || !(outputs == Some(n) || (n == 2 && is_binary_head(last))) {
            return Err(Error::BadClasses {
                names: n,
                outputs: outputs.unwrap_or(0),
            });
        }
        Ok(())
    }

    /// Whether these classes sit on a binary head: 2 names and a last
    /// layer `last` Dense(1) sigmoid (its output the probability of
    /// `names[1]`).
    pub fn is_binary(&self, last: Option<&LayerSpec>) -> bool {
        self.names.len() == 2 && is_binary_head(last)
    }
}

/// Whether `last` is a Dense(1) sigmoid layer.
fn is_binary_head(last: Option<&LayerSpec>) -> bool {
    matches!(
        last,
        Some(LayerSpec::Dense {
            output_size: 1,
            activation: Activation::Sigmoid,
            ..
        })
    )
}

impl SplitRecord {
    /// Checks the fractions: `val_fraction` in `[0, 1)`, a test fraction in
    /// `(0, 1)` (as rnn-train's `data::split` takes them).
    ///
    /// # Errors
    /// [`Error::BadSplit`] when either is outside its range or NaN.
    pub(crate) fn check(&self) -> Result<(), Error> {
        let val_ok = (0.0..1.0).contains(&self.val_fraction);
        let test_ok = match self.test {
            TestSplit::Count(_) => true,
            TestSplit::Fraction(f) => f > 0.0 && f < 1.0,
        };
        if val_ok && test_ok {
            Ok(())
        } else {
            Err(Error::BadSplit)
        }
    }
}

impl Metadata {
    /// Checks every input and target scale: finite, non-zero `scale`,
    /// finite `shift`.
    ///
    /// # Errors
    /// [`Error::BadFeatureScale`] naming the first bad feature.
    pub(crate) fn check_scales(&self) -> Result<(), Error> {
        for (target, list) in [(false, &self.inputs), (true, &self.targets)] {
            for (index, f) in list.iter().enumerate() {
                if f.scale == 0.0 || !f.scale.is_finite() || !f.shift.is_finite() {
                    return Err(Error::BadFeatureScale { target, index });
                }
            }
        }
        Ok(())
    }
}

/// The header of a weight file, decoded with postcard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Always [`MAGIC`].
    pub magic: [u8; 4],
    /// [`FORMAT_VERSION`] for files this crate writes
    /// ([`SEQUENCE_FORMAT_VERSION`] with `sequence_output`); 1 or 2 for
    /// older files (read with `classes: None`, and version 1 with
    /// `contract: None`).
    pub version: u16,
    /// The layers, first to last.
    pub layers: Vec<LayerSpec, MAX_LAYERS>,
    /// Preprocessing, if the file was exported with it.
    pub metadata: Option<Metadata>,
    /// The data contract (columns and split), if the file was exported
    /// with it; always `None` in version-1 files. When present, `metadata`
    /// is present too, with one scale per contract column.
    pub contract: Option<DataContract>,
    /// The class names of a classifier, if the file holds one; always
    /// `None` in version-1 and version-2 files.
    pub classes: Option<ClassLabels>,
    /// A sequence-to-sequence model (Keras `return_sequences=True` on the
    /// last recurrent layer into a `TimeDistributed` Dense head): the
    /// layers are stepped as usual and the output at every timestep is a
    /// prediction (the target `metadata.horizon` rows after that input
    /// row; 0 = the same row), not only after `metadata.window` steps.
    /// Stored only in [`SEQUENCE_FORMAT_VERSION`] files, where it is
    /// `true`; `false` for every other version.
    pub sequence_output: bool,
    /// Number of f32 parameters that follow the header; equals the sum of
    /// [`LayerSpec::param_count`].
    pub param_count: u32,
}
