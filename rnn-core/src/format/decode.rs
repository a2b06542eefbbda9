//! Reading weight blobs: every check happens before any weight is written.

use serde::{Deserialize, Serialize};

use super::spec::{
    ClassLabels, DataContract, Header, LayerSpec, Metadata, FORMAT_VERSION, MAGIC, MAX_LAYERS,
    OLDEST_VERSION, SEQUENCE_FORMAT_VERSION,
};
use super::{CHECKSUM_BYTES, CRC, PARAM_BYTES};
use crate::error::Error;
use crate::layer::Layer;

/// A blob whose magic, version, lengths and checksum have been verified.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked<'a> {
    /// The decoded header.
    pub header: Header,
    /// The parameter bytes: `header.param_count` little-endian f32s.
    pub params: &'a [u8],
}

impl Checked<'_> {
    /// The parameters as f32s, in weight-file order.
    pub fn params(&self) -> impl Iterator<Item = f32> + '_ {
        self.params
            .chunks_exact(PARAM_BYTES)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// The first fields of every version's header, read before the rest.
#[derive(Deserialize)]
struct Prelude {
    magic: [u8; 4],
    version: u16,
}

/// The version-1 header: version 2 without `contract`.
#[derive(Deserialize)]
struct HeaderV1 {
    magic: [u8; 4],
    version: u16,
    layers: heapless::Vec<LayerSpec, MAX_LAYERS>,
    metadata: Option<Metadata>,
    param_count: u32,
}

impl From<HeaderV1> for Header {
    fn from(h: HeaderV1) -> Header {
        Header {
            magic: h.magic,
            version: h.version,
            layers: h.layers,
            metadata: h.metadata,
            contract: None,
            classes: None,
            sequence_output: false,
            param_count: h.param_count,
        }
    }
}

/// The version-2 header: version 4 without `classes`.
#[derive(Deserialize)]
struct HeaderV2 {
    magic: [u8; 4],
    version: u16,
    layers: heapless::Vec<LayerSpec, MAX_LAYERS>,
    metadata: Option<Metadata>,
    contract: Option<DataContract>,
    param_count: u32,
}

impl From<HeaderV2> for Header {
    fn from(h: HeaderV2) -> Header {
        Header {
            magic: h.magic,
            version: h.version,
            layers: h.layers,
            metadata: h.metadata,
            contract: h.contract,
            classes: None,
            sequence_output: false,
            param_count: h.param_count,
        }
    }
}

/// The version-4 header: version 5 without `sequence_output` (also what
/// the encoder writes for every model but a sequence-output one).
#[derive(Serialize, Deserialize)]
pub(super) struct HeaderV4 {
    pub magic: [u8; 4],
    pub version: u16,
    pub layers: heapless::Vec<LayerSpec, MAX_LAYERS>,
    pub metadata: Option<Metadata>,
    pub contract: Option<DataContract>,
    pub classes: Option<ClassLabels>,
    pub param_count: u32,
}

impl From<HeaderV4> for Header {
    fn from(h: HeaderV4) -> Header {
        Header {
            magic: h.magic,
            version: h.version,
            layers: h.layers,
            metadata: h.metadata,
            contract: h.contract,
            classes: h.classes,
            sequence_output: false,
            param_count: h.param_count,
        }
    }
}

impl From<&Header> for HeaderV4 {
    fn from(h: &Header) -> HeaderV4 {
        HeaderV4 {
            magic: h.magic,
            version: h.version,
            layers: h.layers.clone(),
            metadata: h.metadata.clone(),
            contract: h.contract.clone(),
            classes: h.classes.clone(),
            param_count: h.param_count,
        }
    }
}

/// Decodes the header of `version`; returns it and the bytes after it.
fn take_header(blob: &[u8], version: u16) -> Result<(Header, &[u8]), Error> {
    let decoded = match version {
        1 => postcard::take_from_bytes::<HeaderV1>(blob).map(|(h, rest)| (h.into(), rest)),
        2 => postcard::take_from_bytes::<HeaderV2>(blob).map(|(h, rest)| (h.into(), rest)),
        4 => postcard::take_from_bytes::<HeaderV4>(blob).map(|(h, rest)| (h.into(), rest)),
        _ => postcard::take_from_bytes::<Header>(blob),
    };
    decoded.map_err(|e| decode_error(e, blob.len()))
}

/// Whether the float loader reads `version`: 1, 2, 4 and 5 (3 is the
/// quantized format).
fn readable(version: u16) -> bool {
    (OLDEST_VERSION..=SEQUENCE_FORMAT_VERSION).contains(&version)
        && version != crate::quant::format::QUANTIZED_FORMAT_VERSION
}

/// Whether a data contract names one column per scale of the metadata.
fn contract_fits(header: &Header) -> bool {
    match (&header.contract, &header.metadata) {
        (None, _) => true,
        (Some(c), Some(m)) => {
            c.inputs.len() == m.inputs.len() && c.targets.len() == m.targets.len()
        }
        (Some(_), None) => false,
    }
}

fn decode_error(e: postcard::Error, available: usize) -> Error {
    match e {
        postcard::Error::DeserializeUnexpectedEnd => Error::Truncated {
            needed: available + 1,
            available,
        },
        _ => Error::Decode,
    }
}

/// Verifies a blob's magic, version, header, lengths, CRC-32, metadata
/// scales and data-contract split, in that order, and returns the header with the parameter bytes.
/// Version-1 blobs (no data contract) are read with `contract: None`,
/// version-1 and version-2 blobs with `classes: None`, every version but
/// [`SEQUENCE_FORMAT_VERSION`] with `sequence_output: false`.
///
/// # Errors
/// [`Error::BadMagic`], [`Error::UnsupportedVersion`], [`Error::Truncated`],
/// [`Error::Decode`], [`Error::ParamCount`], [`Error::TrailingBytes`],
/// [`Error::Checksum`]; [`Error::BadFeatureScale`] when the metadata has a
/// scale of 0 or a non-finite scale or shift; [`Error::BadSplit`] when the
/// data contract's split fractions are out of range or NaN;
/// [`Error::Decode`] also for a [`SEQUENCE_FORMAT_VERSION`] header without
/// `sequence_output` or with class names;
/// [`Error::BadClasses`] when class names are not one distinct name per
/// output (at least 2), nor 2 names on a Dense(1) sigmoid head. Never panics, whatever the
/// bytes (fuzzed: `fuzz/README.md`).
pub fn read_header(blob: &[u8]) -> Result<Checked<'_>, Error> {
    let mut found = [0u8; 4];
    let n = blob.len().min(4);
    found[..n].copy_from_slice(&blob[..n]);
    if found[..n] != MAGIC[..n] {
        return Err(Error::BadMagic { found });
    }
    let (prelude, _) =
        postcard::take_from_bytes::<Prelude>(blob).map_err(|e| decode_error(e, blob.len()))?;
    if prelude.magic != MAGIC {
        return Err(Error::BadMagic {
            found: prelude.magic,
        });
    }
    if !readable(prelude.version) {
        return Err(Error::UnsupportedVersion {
            found: prelude.version,
            supported: FORMAT_VERSION,
        });
    }
    let (header, rest) = take_header(blob, prelude.version)?;
    // A version-5 file is a sequence-output regressor, nothing else.
    let sequence_file = header.version == SEQUENCE_FORMAT_VERSION;
    if sequence_file && (!header.sequence_output || header.classes.is_some()) {
        return Err(Error::Decode);
    }
    if !contract_fits(&header) {
        return Err(Error::Decode);
    }
    let mut expected = 0usize;
    for layer in &header.layers {
        expected = layer
            .param_count()
            .and_then(|c| expected.checked_add(c))
            .ok_or(Error::Decode)?;
    }
    if header.param_count as usize != expected {
        return Err(Error::ParamCount {
            expected,
            found: header.param_count as usize,
        });
    }
    let header_len = blob.len() - rest.len();
    let total = expected
        .checked_mul(PARAM_BYTES)
        .and_then(|p| p.checked_add(header_len + CHECKSUM_BYTES))
        .ok_or(Error::Decode)?;
    if blob.len() < total {
        return Err(Error::Truncated {
            needed: total,
            available: blob.len(),
        });
    }
    if blob.len() > total {
        return Err(Error::TrailingBytes {
            expected: total,
            found: blob.len(),
        });
    }
    let end = total - CHECKSUM_BYTES;
    let stored = u32::from_le_bytes([blob[end], blob[end + 1], blob[end + 2], blob[end + 3]]);
    let computed = CRC.checksum(&blob[..end]);
    if stored != computed {
        return Err(Error::Checksum { stored, computed });
    }
    if let Some(metadata) = &header.metadata {
        metadata.check_scales()?;
    }
    if let Some(contract) = &header.contract {
        contract.split.check()?;
    }
    if let Some(classes) = &header.classes {
        classes.check(header.layers.last())?;
    }
    Ok(Checked {
        header,
        params: &blob[header_len..end],
    })
}

/// Loads a blob into caller-provided storage (for example a `static`, or a
/// `Box` on the host), so the model is never built on the stack.
///
/// Checks, in order: everything [`read_header`] checks, then that the
/// file's layer kinds and sizes equal the compile-time type `L`, then that
/// every weight is finite. Only then are the run-time options (activation,
/// GRU variant, bias) and the weights written. Returns the preprocessing
/// metadata, if the file has it.
///
/// # Errors
/// Those of [`read_header`]; [`Error::ArchitectureMismatch`] naming the
/// first differing layer, what `L` has and what the file has;
/// [`Error::NonFiniteWeight`]. On any error `model` is left unchanged.
pub fn load_into<L: Layer>(model: &mut L, blob: &[u8]) -> Result<Option<Metadata>, Error> {
    let checked = read_header(blob)?;
    let layers = &checked.header.layers;
    for layer in 0..L::LAYERS.max(layers.len()) {
        let expected = L::shape(layer);
        let found = layers.get(layer).map(|s| s.shape());
        if expected != found {
            return Err(Error::ArchitectureMismatch {
                layer,
                expected,
                found,
            });
        }
    }
    if let Some(index) = checked.params().position(|v| !v.is_finite()) {
        return Err(Error::NonFiniteWeight { index });
    }
    model.configure(layers);
    let mut values = checked
        .params
        .chunks_exact(PARAM_BYTES)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    model.visit_params_mut(&mut |slice: &mut [f32]| {
        for (dst, v) in slice.iter_mut().zip(values.by_ref()) {
            *dst = v;
        }
    });
    Ok(checked.header.metadata)
}
