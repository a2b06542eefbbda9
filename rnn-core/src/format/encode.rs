//! Writing weight blobs, from a compile-time model or from flat parameters.

use super::spec::{Header, LayerSpec, Metadata, FORMAT_VERSION, MAGIC, MAX_LAYERS};
use super::{CHECKSUM_BYTES, CRC, PARAM_BYTES};
use crate::error::Error;
use crate::layer::Layer;

/// Upper bound on the bytes of an encoded [`Header`] (8 layers and 2 × 16
/// feature scales need well under this).
pub const MAX_HEADER_BYTES: usize = 512;

fn header_for(specs: &[LayerSpec], metadata: Option<&Metadata>) -> Result<Header, Error> {
    if let Some(metadata) = metadata {
        metadata.check_scales()?;
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
        version: FORMAT_VERSION,
        layers,
        metadata: metadata.cloned(),
        param_count: u32::try_from(count).map_err(|_| Error::Decode)?,
    })
}

/// Encodes the header into a scratch buffer; returns it and its length.
fn header_bytes(header: &Header) -> Result<([u8; MAX_HEADER_BYTES], usize), Error> {
    let mut buf = [0u8; MAX_HEADER_BYTES];
    let n = postcard::to_slice(header, &mut buf)
        .map_err(|_| Error::BufferTooSmall {
            needed: MAX_HEADER_BYTES + 1,
            available: MAX_HEADER_BYTES,
        })?
        .len();
    Ok((buf, n))
}

/// Exact size in bytes of the blob for these layers and metadata.
///
/// # Errors
/// [`Error::Length`] for more than [`MAX_LAYERS`] layers;
/// [`Error::BufferTooSmall`] when the header exceeds [`MAX_HEADER_BYTES`];
/// [`Error::Decode`] when the parameter count overflows `u32`;
/// [`Error::BadFeatureScale`] for metadata the loader would refuse.
pub fn encoded_len(specs: &[LayerSpec], metadata: Option<&Metadata>) -> Result<usize, Error> {
    let header = header_for(specs, metadata)?;
    let (_, n) = header_bytes(&header)?;
    Ok(n + header.param_count as usize * PARAM_BYTES + CHECKSUM_BYTES)
}

/// Calls its argument once per parameter slice, in weight-file order.
type ParamVisitor<'a> = &'a dyn Fn(&mut dyn FnMut(&[f32]));

fn write(
    specs: &[LayerSpec],
    metadata: Option<&Metadata>,
    visit: ParamVisitor<'_>,
    out: &mut [u8],
) -> Result<usize, Error> {
    let header = header_for(specs, metadata)?;
    let (hbuf, hlen) = header_bytes(&header)?;
    let count = header.param_count as usize;
    let total = hlen + count * PARAM_BYTES + CHECKSUM_BYTES;
    if out.len() < total {
        return Err(Error::BufferTooSmall {
            needed: total,
            available: out.len(),
        });
    }
    out[..hlen].copy_from_slice(&hbuf[..hlen]);
    let params = &mut out[hlen..hlen + count * PARAM_BYTES];
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
    let end = total - CHECKSUM_BYTES;
    let crc = CRC.checksum(&out[..end]);
    out[end..total].copy_from_slice(&crc.to_le_bytes());
    Ok(total)
}

/// Encodes a compile-time model (its layers' specs and weights) into `out`;
/// returns the number of bytes written.
///
/// # Errors
/// [`Error::BufferTooSmall`] when `out` is shorter than [`encoded_len`];
/// [`Error::Length`] for more than [`MAX_LAYERS`] layers;
/// [`Error::BadFeatureScale`] for metadata the loader would refuse (a scale
/// of 0, or a non-finite scale or shift).
pub fn encode<L: Layer>(
    model: &L,
    metadata: Option<&Metadata>,
    out: &mut [u8],
) -> Result<usize, Error> {
    let mut specs: heapless::Vec<LayerSpec, MAX_LAYERS> = heapless::Vec::new();
    for i in 0..L::LAYERS {
        let spec = model.spec(i).ok_or(Error::Decode)?;
        specs.push(spec).map_err(|_| Error::Length {
            expected: MAX_LAYERS,
            found: L::LAYERS,
        })?;
    }
    write(&specs, metadata, &|f| model.visit_params(f), out)
}

/// Encodes layers described at run time (as `rnn-train` has them) with their
/// parameters flattened in weight-file order (see `docs/weight-format.md`).
///
/// # Errors
/// [`Error::Length`] when `params.len()` differs from the layers' total
/// parameter count, or for more than [`MAX_LAYERS`] layers;
/// [`Error::BufferTooSmall`] when `out` is too short;
/// [`Error::BadFeatureScale`] for metadata the loader would refuse.
pub fn encode_raw(
    specs: &[LayerSpec],
    metadata: Option<&Metadata>,
    params: &[f32],
    out: &mut [u8],
) -> Result<usize, Error> {
    let header = header_for(specs, metadata)?;
    if params.len() != header.param_count as usize {
        return Err(Error::Length {
            expected: header.param_count as usize,
            found: params.len(),
        });
    }
    write(specs, metadata, &|f| f(params), out)
}
