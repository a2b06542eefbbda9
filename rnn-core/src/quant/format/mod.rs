//! The quantized weight file (format version 3): records, encoder and
//! checked loader. Version-1 (float) files are read by [`crate::format`].
//!
//! Byte layout (spec: `docs/weight-format.md`, "Version 3"):
//!
//! ```text
//! postcard(QHeader) | per layer: W i8, U i8, bias i32 LE, mult u16 LE, shift u8 | CRC-32 (4 bytes LE)
//! ```

#[cfg(feature = "std")]
pub mod codegen;
mod decode;
mod encode;
pub mod spec;

pub use decode::{load_quantized_into, read_quantized, QChecked};
pub use encode::{encode_quantized, quantized_len};
pub use spec::{QHeader, QLayerSpec, QUANTIZED_FORMAT_VERSION};

#[cfg(feature = "std")]
pub(crate) use decode::LayerBytes;
#[cfg(feature = "std")]
pub(crate) use encode::write_blob;
