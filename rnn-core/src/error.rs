//! The one error type of `rnn-core`: everything that can go wrong when
//! loading, importing or encoding weights, or when a sequence buffer does
//! not fit. A streaming `step` cannot fail: shapes are types. Sequence
//! calls fail on an empty sequence or a wrong output length, and
//! [`crate::Bidirectional`] on an output width its merge mode does not
//! give.

use core::fmt;

use crate::format::spec::LayerShape;

/// Why a weight blob, imported array or sequence buffer was refused.
///
/// Modelled on postcard's own `no_std` error: a small `Copy` enum with
/// `Display` and [`core::error::Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The blob does not start with `RNNW`; `found` holds its first bytes
    /// (zero-padded when it is shorter than four).
    BadMagic {
        /// The first four bytes of the blob.
        found: [u8; 4],
    },
    /// The blob's format version is not one this build reads.
    UnsupportedVersion {
        /// Version in the blob.
        found: u16,
        /// Version this build reads and writes.
        supported: u16,
    },
    /// The blob ends before all its declared parts.
    Truncated {
        /// Bytes needed at least (the exact total once the header is read).
        needed: usize,
        /// Bytes actually given.
        available: usize,
    },
    /// Bytes follow the checksum: the blob is longer than its header says.
    TrailingBytes {
        /// Bytes the header says the blob holds.
        expected: usize,
        /// Bytes actually given.
        found: usize,
    },
    /// The CRC-32 (ISO-HDLC) stored at the end differs from the one computed.
    Checksum {
        /// The checksum stored in the blob.
        stored: u32,
        /// The checksum of the bytes before it.
        computed: u32,
    },
    /// The header could not be decoded (corrupt bytes, or more than
    /// [`crate::format::MAX_LAYERS`] layers / [`crate::format::MAX_FEATURES`] features).
    Decode,
    /// The header's parameter count disagrees with its own layer list.
    ParamCount {
        /// Count implied by the layer list.
        expected: usize,
        /// Count stored in the header.
        found: usize,
    },
    /// The file's architecture differs from the compile-time model type.
    /// `expected`/`found` are `None` where one side has no layer at `layer`.
    ArchitectureMismatch {
        /// Index of the first differing layer (0 = first layer).
        layer: usize,
        /// What the model type has there.
        expected: Option<LayerShape>,
        /// What the file has there.
        found: Option<LayerShape>,
    },
    /// A weight in the blob is NaN or infinite.
    NonFiniteWeight {
        /// Index of the parameter among all parameters of the blob.
        index: usize,
    },
    /// A feature's preprocessing record in the metadata is unusable: its
    /// `scale` is 0, NaN or infinite, or its `shift` is NaN or infinite, so
    /// `scaled = (raw - shift) / scale` would divide by zero or give NaN
    /// (`docs/weight-format.md`: a scale is never 0). Returned by the loader
    /// for a blob and by the encoder for metadata it is given.
    BadFeatureScale {
        /// `false`: the feature is in `Metadata::inputs`; `true`: in `Metadata::targets`.
        target: bool,
        /// Index of the feature in that list.
        index: usize,
    },
    /// The data contract's split record is unusable: its validation
    /// fraction is outside `[0, 1)` or its test fraction outside `(0, 1)`
    /// (NaN included), so `eval` could not reproduce the split. Returned
    /// by the loader for a blob and by the encoder for a contract it is
    /// given. Found by fuzzing the loader (`fuzz/README.md`).
    BadSplit,
    /// A classifier's class names are unusable: fewer than 2, a name
    /// repeated, or not one per output of the model's last layer (2 names
    /// for a binary Dense(1) sigmoid head).
    /// Returned by the loader for a blob and by the encoder for names it
    /// is given.
    BadClasses {
        /// Class names given.
        names: usize,
        /// Outputs of the last layer (0 for a model without layers).
        outputs: usize,
    },
    /// The output buffer given to an encoder is too small.
    BufferTooSmall {
        /// Bytes the encoded blob needs.
        needed: usize,
        /// Bytes the buffer has.
        available: usize,
    },
    /// An imported array, or a caller's buffer, has the wrong length; or a
    /// [`crate::Bidirectional`]'s output width `O` is not what its merge
    /// mode gives (`expected`).
    Length {
        /// Length required.
        expected: usize,
        /// Length given.
        found: usize,
    },
    /// A sequence call was given no timesteps.
    EmptySequence,
    /// Encoding refused a model whose layer `layer` has `use_bias = false`
    /// but a non-zero bias: `step` adds that bias, and the weight file
    /// stores no bias for such a layer, so the file would run differently.
    /// Zero the bias or set `use_bias = true`.
    UnusedBias {
        /// Index of the layer (0 = first layer).
        layer: usize,
    },
    /// A quantized layer's fixed-point formats are out of range or do not
    /// chain (its input format or size differs from the previous output).
    QuantizedFormat {
        /// Index of the layer.
        layer: usize,
    },
    /// A quantized row's multiplier mantissa or shift is out of range.
    QuantizedScale {
        /// Index of the layer.
        layer: usize,
        /// Requantized row (gate · units + unit).
        row: usize,
    },
    /// A quantized row could overflow its 32-bit accumulator.
    AccumulatorOverflow {
        /// Index of the layer.
        layer: usize,
        /// Requantized row (gate · units + unit).
        row: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BadMagic { found } => {
                write!(f, "not an rnn-core weight file: magic {found:02x?}, expected \"RNNW\"")
            }
            Error::UnsupportedVersion { found, supported } => {
                write!(f, "weight format version {found} is not what this loader reads (version {supported})")?;
                match (*found, *supported) {
                    (crate::quant::format::QUANTIZED_FORMAT_VERSION, _) => write!(
                        f,
                        ": version {found} is a quantized model (int8 weights), read by rnn_core::quant"
                    ),
                    (_, crate::quant::format::QUANTIZED_FORMAT_VERSION)
                        if (crate::format::OLDEST_VERSION..=crate::format::FORMAT_VERSION).contains(found) =>
                    {
                        write!(f, ": version {found} is a float model, read by rnn_core::format")
                    }
                    _ => Ok(()),
                }
            }
            Error::Truncated { needed, available } => write!(
                f,
                "weight blob truncated: needs at least {needed} bytes, got {available}"
            ),
            Error::TrailingBytes { expected, found } => write!(
                f,
                "weight blob has trailing bytes: expected {expected} bytes, got {found}"
            ),
            Error::Checksum { stored, computed } => write!(
                f,
                "weight blob corrupted: stored CRC-32 {stored:#010x}, computed {computed:#010x}"
            ),
            Error::Decode => write!(f, "weight blob header could not be decoded"),
            Error::ParamCount { expected, found } => write!(
                f,
                "header declares {found} parameters but its layers need {expected}"
            ),
            Error::ArchitectureMismatch {
                layer,
                expected,
                found,
            } => {
                write!(f, "architecture mismatch at layer {layer}: model type has ")?;
                write_shape(f, expected)?;
                write!(f, ", file has ")?;
                write_shape(f, found)
            }
            Error::NonFiniteWeight { index } => {
                write!(f, "weight {index} in the blob is NaN or infinite")
            }
            Error::BadFeatureScale { target, index } => write!(
                f,
                "metadata {} feature {index} has a scale of 0, or a non-finite scale or shift",
                if *target { "target" } else { "input" }
            ),
            Error::BadSplit => write!(
                f,
                "data contract split has a validation fraction outside [0, 1) or a test fraction outside (0, 1)"
            ),
            Error::BadClasses { names, outputs } => write!(
                f,
                "{names} class names for a model with {outputs} outputs: a classifier needs one distinct name per output, at least 2 (or 2 names for a Dense(1) sigmoid head)"
            ),
            Error::BufferTooSmall { needed, available } => write!(
                f,
                "output buffer too small: the blob needs {needed} bytes, the buffer has {available}"
            ),
            Error::Length { expected, found } => {
                write!(f, "wrong length: expected {expected} values, got {found}")
            }
            Error::EmptySequence => write!(f, "a sequence needs at least one timestep"),
            Error::UnusedBias { layer } => write!(
                f,
                "layer {layer} has use_bias = false but a non-zero bias, which the weight file cannot store"
            ),
            Error::QuantizedFormat { layer } => write!(
                f,
                "quantized layer {layer}: fixed-point format out of range or not chained to the previous layer"
            ),
            Error::QuantizedScale { layer, row } => write!(
                f,
                "quantized layer {layer}, row {row}: multiplier or shift out of range"
            ),
            Error::AccumulatorOverflow { layer, row } => write!(
                f,
                "quantized layer {layer}, row {row}: weights and bias can overflow the 32-bit accumulator"
            ),
        }
    }
}

fn write_shape(f: &mut fmt::Formatter<'_>, shape: &Option<LayerShape>) -> fmt::Result {
    match shape {
        Some(s) => write!(
            f,
            "{:?}(input size {}, units {})",
            s.kind, s.input_size, s.units
        ),
        None => write!(f, "no layer"),
    }
}

impl core::error::Error for Error {}
