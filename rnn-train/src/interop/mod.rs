//! Models trained elsewhere, read into rnn-core layers: ONNX files
//! (`onnx`), PyTorch state dicts saved as safetensors (`safetensors`),
//! Keras 3 `.keras` files (`keras`). The result is an [`Imported`] model that becomes a weight file.
//!
//! Every layer in the file is imported or the import fails with an
//! [`ImportError`] naming the node, key or layer and what was expected.

pub mod error;
mod keras;
pub mod layers;
mod onnx;
mod safetensors;

use std::path::Path;

pub use error::ImportError;
pub use layers::{Cell, Imported};

/// The file formats `rnn-train import` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// ONNX protobuf (`.onnx`).
    Onnx,
    /// PyTorch state dict in safetensors (`.safetensors`).
    Safetensors,
    /// Keras 3 model archive (`.keras`).
    Keras,
}

impl Format {
    /// The format's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Onnx => "ONNX",
            Format::Safetensors => "safetensors",
            Format::Keras => "Keras",
        }
    }

    /// The format a file name's extension says, if any.
    pub fn from_extension(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "onnx" => Some(Format::Onnx),
            "safetensors" => Some(Format::Safetensors),
            "keras" => Some(Format::Keras),
            _ => None,
        }
    }
}

/// A recurrent cell kind named on the command line (`--cell`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellChoice {
    /// SimpleRNN / `nn.RNN`.
    SimpleRnn,
    /// LSTM.
    Lstm,
    /// GRU.
    Gru,
}

/// Options that the file cannot tell.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadOptions {
    /// The format; `None` = from the file name's extension.
    pub format: Option<Format>,
    /// State dicts: the cell kind expected (checked against the shapes:
    /// LSTM 4·H, GRU 3·H, RNN H rows); `None` = from the shapes.
    pub cell: Option<CellChoice>,
    /// State dicts: `nn.RNN`'s nonlinearity (tanh or relu), which the
    /// shapes cannot tell; `None` = tanh, PyTorch's default.
    pub rnn_activation: Option<rnn_core::Activation>,
}

/// Reads the model file at `path`.
///
/// # Errors
/// [`ImportError::Read`] when it cannot be read; [`ImportError::Option`]
/// when the format is neither given nor known from the extension;
/// [`ImportError::Malformed`] for a truncated file or one of another type;
/// [`ImportError::Refused`] naming what cannot be imported.
pub fn read_model(path: &Path, options: &ReadOptions) -> Result<Imported, ImportError> {
    let format = options
        .format
        .or_else(|| Format::from_extension(path))
        .ok_or_else(|| ImportError::Option {
            option: "--format",
            reason: format!(
                "cannot tell the format of {} from its extension (.onnx, .safetensors, .keras); give --format",
                path.display()
            ),
        })?;
    let bytes = std::fs::read(path).map_err(|source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let result = match format {
        Format::Onnx => onnx::import(&bytes),
        Format::Safetensors => safetensors::import(&bytes, options),
        Format::Keras => keras::import(&bytes),
    };
    result.map_err(|p| p.into_error(path.to_path_buf(), format.name()))
}
