//! Why a model file could not be imported.

use std::path::PathBuf;

use crate::error::TrainError;

/// Why `rnn-train import` refused a model file; nothing is written when
/// any of these is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The model file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a readable file of the format (truncated, another
    /// file type, a broken archive or header).
    #[error("{} is not a readable {format} file: {reason}", path.display())]
    Malformed {
        /// The model file.
        path: PathBuf,
        /// `ONNX`, `safetensors` or `Keras`.
        format: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The file is readable but holds something rnn-core cannot run, or
    /// sizes that do not fit; `at` names the node, key or layer.
    #[error("{}: {at}: {reason}", path.display())]
    Refused {
        /// The model file.
        path: PathBuf,
        /// The ONNX node, state-dict key or Keras layer concerned.
        at: String,
        /// What was found and what was expected.
        reason: String,
    },
    /// A command-line option does not fit the model.
    #[error("{option}: {reason}")]
    Option {
        /// The option.
        option: &'static str,
        /// Why.
        reason: String,
    },
    /// The `--check` CSV could not be used.
    #[error("--check {}: {reason}", path.display())]
    Check {
        /// The CSV file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Reading the `--check` CSV, or checking or writing the weight file,
    /// failed (the message names the file).
    #[error(transparent)]
    Train(#[from] TrainError),
}

/// A problem found while reading one file, before the path is attached.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Problem {
    /// Not a readable file of the format.
    Malformed(String),
    /// Readable, but refused at `at`.
    Refused {
        /// Node, key or layer.
        at: String,
        /// What was found and expected.
        reason: String,
    },
}

impl Problem {
    /// A refusal at `at`.
    pub(crate) fn refused(at: impl Into<String>, reason: impl Into<String>) -> Problem {
        Problem::Refused {
            at: at.into(),
            reason: reason.into(),
        }
    }

    /// The error for the file at `path` in `format`.
    pub(crate) fn into_error(self, path: PathBuf, format: &'static str) -> ImportError {
        match self {
            Problem::Malformed(reason) => ImportError::Malformed {
                path,
                format,
                reason,
            },
            Problem::Refused { at, reason } => ImportError::Refused { path, at, reason },
        }
    }
}
