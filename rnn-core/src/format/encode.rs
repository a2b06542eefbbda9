//! Writing weight blobs, from a compile-time model or from flat parameters.

use super::decode::HeaderV4;
use super::spec::{
    ClassLabels, DataContract, Header, LayerSpec, Metadata, FORMAT_VERSION, MAGIC, MAX_LAYERS,
    SEQUENCE_FORMAT_VERSION,
};
use super::{CHECKSUM_BYTES, CRC, PARAM_BYTES};
use crate::error::Error;
use crate::layer::Layer;

/// Upper bound on the bytes of an encoded [`Header`] (8 layers, 2 × 16
/// feature scales and 33 column names of [`super::MAX_NAME_BYTES`] need
/// under 3 KiB).
pub const MAX_HEADER_BYTES: usize = 4096;

/// What a header holds beside its layers: preprocessing, data contract,
/// class names and whether the model is sequence-to-sequence.
#[derive(Clone, Copy, Default)]
struct Annotations<'a> {
    metadata: Option<&'a Metadata>,
    contract: Option<&'a DataContract>,
    classes: Option<&'a ClassLabels>,
    sequence_output: bool,
}

fn header_for(specs: &[LayerSpec], notes: Annotations<'_>) -> Result<Header, Error> {
    let Annotations {
        metadata,
        contract,
        classes,
        sequence_output,
    } = notes;
    if let Some(metadata) = metadata {
        metadata.check_scales()?;
    }
    if let Some(contract) = contract {
        contract.split.check()?;
    }
    if let Some(classes) = classes {
        classes.check(specs.last())?;
    }
    let layers = heapless::Vec::from_slice(specs).map_err(|_| Error::Length {
        expected: MAX_LAYERS,
        found: specs.len(),
    })?;
    let mut count = 0usize;
    for s in specs {
        count = s
            .param_count()
            .and_then(|c| count.checked_add(c))
            .ok_or(Error::Decode)?;
    }
    Ok(Header {
        magic: MAGIC,
        version: if sequence_output {
            SEQUENCE_FORMAT_VERSION
        } else {
            FORMAT_VERSION
        },
        layers,
        metadata: metadata.cloned(),
        contract: contract.cloned(),
        classes: classes.cloned(),
        sequence_output,
        param_count: u32::try_from(count).map_err(|_| Error::Decode)?,
    })
}

/// The encoded header's length in bytes, counted without a buffer.
fn header_len(header: &Header) -> Result<usize, Error> {
    let size = postcard::ser_flavors::Size::default();
    let n = if header.sequence_output {
        postcard::serialize_with_flavor(header, size)
    } else {
        postcard::serialize_with_flavor(&HeaderV4::from(header), size)
    }
    .map_err(|_| Error::Decode)?;
    if n > MAX_HEADER_BYTES {
        return Err(Error::BufferTooSmall {
            needed: n,
            available: MAX_HEADER_BYTES,
        });
    }
    Ok(n)
}

/// Exact size in bytes of the blob for these layers and metadata (no data
/// contract).
///
/// # Errors
/// Those of [`encoded_len_with_contract`].
pub fn encoded_len(specs: &[LayerSpec], metadata: Option<&Metadata>) -> Result<usize, Error> {
    encoded_len_with_contract(specs, metadata, None)
}

/// Exact size in bytes of the blob for these layers, metadata and data
/// contract.
///
/// # Errors
/// [`Error::Length`] for more than [`MAX_LAYERS`] layers;
/// [`Error::BufferTooSmall`] when the header exceeds [`MAX_HEADER_BYTES`];
/// [`Error::Decode`] when the parameter count overflows `u32`;
/// [`Error::BadFeatureScale`] for metadata the loader would refuse;
/// [`Error::BadSplit`] for a data contract it would refuse.
pub fn encoded_len_with_contract(
    specs: &[LayerSpec],
    metadata: Option<&Metadata>,
    contract: Option<&DataContract>,
) -> Result<usize, Error> {
    let notes = Annotations {
        metadata,
        contract,
        classes: None,
        sequence_output: false,
    };
    annotated_len(specs, notes)
}

/// Exact size in bytes of the blob [`encode_raw_with_classes`] writes.
///
/// # Errors
/// Those of [`encoded_len_with_contract`]; [`Error::BadClasses`] as
/// [`encode_raw_with_classes`].
pub fn encoded_len_with_classes(
    specs: &[LayerSpec],
    metadata: Option<&Metadata>,
    contract: Option<&DataContract>,
    classes: &ClassLabels,
) -> Result<usize, Error> {
    let notes = Annotations {
        metadata,
        contract,
        classes: Some(classes),
        sequence_output: false,
    };
    annotated_len(specs, notes)
}

/// Exact size in bytes of the blob of a sequence-output model
/// ([`encode_raw_sequence`]).
///
/// # Errors
/// Those of [`encoded_len_with_contract`].
pub fn encoded_len_sequence(
    specs: &[LayerSpec],
    metadata: Option<&Metadata>,
    contract: Option<&DataContract>,
) -> Result<usize, Error> {
    let notes = Annotations {
        metadata,
        contract,
        classes: None,
        sequence_output: true,
    };
    annotated_len(specs, notes)
}

/// The blob's size for these layers and annotations.
fn annotated_len(specs: &[LayerSpec], notes: Annotations<'_>) -> Result<usize, Error> {
    let header = header_for(specs, notes)?;
    let n = header_len(&header)?;
    total_len(n, header.param_count)
}

/// `header + count · 4 + 4` bytes, or [`Error::Decode`] where that
/// overflows `usize` (16-bit targets).
fn total_len(header_len: usize, param_count: u32) -> Result<usize, Error> {
    usize::try_from(param_count)
        .ok()
        .and_then(|c| c.checked_mul(PARAM_BYTES))
        .and_then(|p| p.checked_add(header_len))
        .and_then(|t| t.checked_add(CHECKSUM_BYTES))
        .ok_or(Error::Decode)
}

/// Calls its argument once per parameter slice, in weight-file order.
type ParamVisitor<'a> = &'a dyn Fn(&mut dyn FnMut(&[f32]));

fn write(header: &Header, visit: ParamVisitor<'_>, out: &mut [u8]) -> Result<usize, Error> {
    let hlen = header_len(header)?;
    let count = header.param_count as usize;
    let total = total_len(hlen, header.param_count)?;
    let end = total - CHECKSUM_BYTES;
    let Some(out) = out.get_mut(..total) else {
        return Err(Error::BufferTooSmall {
            needed: total,
            available: out.len(),
        });
    };
    let (header_out, rest) = out.split_at_mut(hlen);
    if header.sequence_output {
        postcard::to_slice(header, header_out).map(|_| ())
    } else {
        postcard::to_slice(&HeaderV4::from(header), header_out).map(|_| ())
    }
    .map_err(|_| Error::Decode)?;
    let params = &mut rest[..end - hlen];
    let mut written = 0usize;
    let mut chunks = params.chunks_exact_mut(PARAM_BYTES);
    visit(&mut |slice: &[f32]| {
        for (&v, dst) in slice.iter().zip(chunks.by_ref()) {
            dst.copy_from_slice(&v.to_le_bytes());
            written += 1;
        }
    });
    if written != count {
        return Err(Error::Length {
            expected: count,
            found: written,
        });
    }
    let crc = CRC.checksum(&out[..end]);
    out[end..].copy_from_slice(&crc.to_le_bytes());
    Ok(total)
}

/// Encodes a compile-time model (its layers' specs and weights) into `out`;
/// returns the number of bytes written.
///
/// # Errors
/// [`Error::BufferTooSmall`] when `out` is shorter than [`encoded_len`];
/// [`Error::Length`] for more than [`MAX_LAYERS`] layers;
/// [`Error::UnusedBias`] when a layer with `use_bias = false` holds a
/// non-zero bias (which `step` would add and the file cannot store).
/// [`Error::BadFeatureScale`] for metadata the loader would refuse (a scale
/// of 0, or a non-finite scale or shift).
pub fn encode<L: Layer>(
    model: &L,
    metadata: Option<&Metadata>,
    out: &mut [u8],
) -> Result<usize, Error> {
    if let Some(layer) = model.stray_bias() {
        return Err(Error::UnusedBias { layer });
    }
    let mut specs: heapless::Vec<LayerSpec, MAX_LAYERS> = heapless::Vec::new();
    for i in 0..L::LAYERS {
        let spec = model.spec(i).ok_or(Error::Decode)?;
        specs.push(spec).map_err(|_| Error::Length {
            expected: MAX_LAYERS,
            found: L::LAYERS,
        })?;
    }
    let notes = Annotations {
        metadata,
        ..Annotations::default()
    };
    let header = header_for(&specs, notes)?;
    write(&header, &|f| model.visit_params(f), out)
}

/// Encodes layers described at run time (as `rnn-train` has them) with their
/// parameters flattened in weight-file order (see `docs/weight-format.md`),
/// without a data contract.
///
/// # Errors
/// Those of [`encode_raw_with_contract`].
pub fn encode_raw(
    specs: &[LayerSpec],
    metadata: Option<&Metadata>,
    params: &[f32],
    out: &mut [u8],
) -> Result<usize, Error> {
    encode_raw_with_contract(specs, metadata, None, params, out)
}

/// [`encode_raw`] with a [`DataContract`] (the training columns and
/// split) in the header.
///
/// # Errors
/// [`Error::Length`] when `params.len()` differs from the layers' total
/// parameter count, or for more than [`MAX_LAYERS`] layers;
/// [`Error::BufferTooSmall`] when `out` is too short or the header exceeds
/// [`MAX_HEADER_BYTES`].
pub fn encode_raw_with_contract(
    specs: &[LayerSpec],
    metadata: Option<&Metadata>,
    contract: Option<&DataContract>,
    params: &[f32],
    out: &mut [u8],
) -> Result<usize, Error> {
    let notes = Annotations {
        metadata,
        contract,
        classes: None,
        sequence_output: false,
    };
    write_raw(specs, notes, params, out)
}

/// [`encode_raw_with_contract`] for a classifier: its [`ClassLabels`]
/// (one name per output of the last layer, or 2 names on a Dense(1)
/// sigmoid head) in the header as well.
/// [`encoded_len_with_classes`] gives the size.
///
/// # Errors
/// Those of [`encode_raw_with_contract`]; [`Error::BadClasses`] for fewer
/// than 2 names, a repeated name, or a count other than the last layer's
/// outputs (except 2 names on a Dense(1) sigmoid head).
pub fn encode_raw_with_classes(
    specs: &[LayerSpec],
    metadata: Option<&Metadata>,
    contract: Option<&DataContract>,
    classes: &ClassLabels,
    params: &[f32],
    out: &mut [u8],
) -> Result<usize, Error> {
    let notes = Annotations {
        metadata,
        contract,
        classes: Some(classes),
        sequence_output: false,
    };
    write_raw(specs, notes, params, out)
}

/// [`encode_raw_with_contract`] for a sequence-to-sequence model (an
/// output at every timestep, Keras `return_sequences=True` into a
/// `TimeDistributed` Dense): a [`SEQUENCE_FORMAT_VERSION`] file with
/// [`Header::sequence_output`] set. The layers and parameters are those of
/// any stack; only the meaning of the outputs differs.
///
/// # Errors
/// Those of [`encode_raw_with_contract`].
pub fn encode_raw_sequence(
    specs: &[LayerSpec],
    metadata: Option<&Metadata>,
    contract: Option<&DataContract>,
    params: &[f32],
    out: &mut [u8],
) -> Result<usize, Error> {
    let notes = Annotations {
        metadata,
        contract,
        classes: None,
        sequence_output: true,
    };
    write_raw(specs, notes, params, out)
}

/// Writes a run-time described model with its flat parameters.
fn write_raw(
    specs: &[LayerSpec],
    notes: Annotations<'_>,
    params: &[f32],
    out: &mut [u8],
) -> Result<usize, Error> {
    let header = header_for(specs, notes)?;
    if params.len() != header.param_count as usize {
        return Err(Error::Length {
            expected: header.param_count as usize,
            found: params.len(),
        });
    }
    write(&header, &|f| f(params), out)
}
