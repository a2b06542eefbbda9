//! The versioned weight file: header records, encoder, checked loader and
//! (with `std`) Rust source generation for flash-resident models.
//!
//! Byte layout (spec: `docs/weight-format.md`):
//!
//! ```text
//! postcard(Header) | param_count × f32 (4 bytes LE each) | CRC-32/ISO-HDLC (4 bytes LE)
//! ```

#[cfg(feature = "std")]
pub mod codegen;
mod decode;
mod encode;
pub mod spec;

pub use decode::{load_into, read_header, Checked};
pub use encode::{
    encode, encode_raw, encode_raw_sequence, encode_raw_with_classes, encode_raw_with_contract,
    encoded_len, encoded_len_sequence, encoded_len_with_classes, encoded_len_with_contract,
    MAX_HEADER_BYTES,
};
pub use spec::{
    ClassLabels, ColumnName, DataContract, FeatureScale, Header, LayerKind, LayerShape, LayerSpec,
    Metadata, ScalerKind, SplitRecord, TestSplit, FORMAT_VERSION, MAGIC, MAX_FEATURES, MAX_LAYERS,
    MAX_NAME_BYTES, OLDEST_VERSION, SEQUENCE_FORMAT_VERSION,
};

/// The checksum used at the end of a blob: CRC-32/ISO-HDLC (the zlib/PNG CRC).
const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// Bytes of one stored parameter (an f32, little-endian, as postcard writes it).
const PARAM_BYTES: usize = 4;
/// Bytes of the trailing checksum.
const CHECKSUM_BYTES: usize = 4;
