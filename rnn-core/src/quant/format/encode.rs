//! Writing quantized weight blobs.

use crate::error::Error;
use crate::format::spec::{Metadata, MAX_LAYERS};
use crate::format::MAX_HEADER_BYTES;
use crate::quant::format::spec::{QHeader, QLayerSpec};
use crate::quant::layer::{QLayer, QParams};

/// CRC-32/ISO-HDLC, as in version 1.
const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

fn header(specs: &[QLayerSpec], metadata: Option<&Metadata>) -> Result<QHeader, Error> {
    if specs.len() > MAX_LAYERS {
        return Err(Error::Length {
            expected: MAX_LAYERS,
            found: specs.len(),
        });
    }
    QHeader::new(specs, metadata.cloned()).ok_or(Error::Decode)
}

fn header_bytes(header: &QHeader) -> Result<([u8; MAX_HEADER_BYTES], usize), Error> {
    let mut buf = [0u8; MAX_HEADER_BYTES];
    let n = postcard::to_slice(header, &mut buf)
        .map_err(|_| Error::BufferTooSmall {
            needed: MAX_HEADER_BYTES + 1,
            available: MAX_HEADER_BYTES,
        })?
        .len();
    Ok((buf, n))
}

/// Exact size in bytes of the quantized blob for these layers and metadata.
///
/// # Errors
/// [`Error::Length`] for more than [`MAX_LAYERS`] layers;
/// [`Error::BufferTooSmall`] when the header exceeds
/// [`crate::format::MAX_HEADER_BYTES`]; [`Error::Decode`] on size overflow.
pub fn quantized_len(specs: &[QLayerSpec], metadata: Option<&Metadata>) -> Result<usize, Error> {
    let h = header(specs, metadata)?;
    let (_, n) = header_bytes(&h)?;
    Ok(n + h.param_bytes as usize + 4)
}

/// Calls its argument once per parameter array, in weight-file order.
pub(crate) type QParamVisitor<'a> = &'a dyn Fn(&mut dyn FnMut(QParams<'_>));

/// Writes header, the parameters `visit` produces, and the CRC into `out`.
pub(crate) fn write_blob(
    specs: &[QLayerSpec],
    metadata: Option<&Metadata>,
    visit: QParamVisitor<'_>,
    out: &mut [u8],
) -> Result<usize, Error> {
    let h = header(specs, metadata)?;
    let (hbuf, hlen) = header_bytes(&h)?;
    let count = h.param_bytes as usize;
    let total = hlen + count + 4;
    if out.len() < total {
        return Err(Error::BufferTooSmall {
            needed: total,
            available: out.len(),
        });
    }
    out[..hlen].copy_from_slice(&hbuf[..hlen]);
    let mut at = hlen;
    let mut overflow = false;
    let end = hlen + count;
    let mut put = |bytes: &[u8]| {
        if at + bytes.len() <= end {
            out[at..at + bytes.len()].copy_from_slice(bytes);
            at += bytes.len();
        } else {
            overflow = true;
        }
    };
    visit(&mut |p: QParams<'_>| match p {
        QParams::I8(v) => v.iter().for_each(|x| put(&x.to_le_bytes())),
        QParams::I32(v) => v.iter().for_each(|x| put(&x.to_le_bytes())),
        QParams::U16(v) => v.iter().for_each(|x| put(&x.to_le_bytes())),
        QParams::U8(v) => put(v),
    });
    if overflow || at != end {
        return Err(Error::Length {
            expected: count,
            found: at - hlen,
        });
    }
    let crc = CRC.checksum(&out[..end]);
    out[end..total].copy_from_slice(&crc.to_le_bytes());
    Ok(total)
}

/// Encodes a compile-time quantized model into `out` (format version 3);
/// returns the number of bytes written.
///
/// # Errors
/// [`Error::BufferTooSmall`] when `out` is shorter than [`quantized_len`];
/// [`Error::Length`] for more than [`MAX_LAYERS`] layers.
pub fn encode_quantized<L: QLayer>(
    model: &L,
    metadata: Option<&Metadata>,
    out: &mut [u8],
) -> Result<usize, Error> {
    let mut specs: heapless::Vec<QLayerSpec, MAX_LAYERS> = heapless::Vec::new();
    for i in 0..L::LAYERS {
        let spec = model.spec(i).ok_or(Error::Decode)?;
        specs.push(spec).map_err(|_| Error::Length {
            expected: MAX_LAYERS,
            found: L::LAYERS,
        })?;
    }
    write_blob(&specs, metadata, &|f| model.visit_params(f), out)
}
