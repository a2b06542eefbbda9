//! Training checkpoints for `train --resume`: the current weights, Adam's
//! moments and step count, the shuffling generator, the sample order, the
//! best epoch so far and the history, so a resumed run continues bit for
//! bit. Written atomically (see [`crate::export::write_atomic`]).
//!
//! Layout (all little-endian), each vector as a u64 length then its items:
//! `b"RNNTCKP1"`; the options fingerprint (UTF-8 bytes); epoch u64; the
//! params, Adam `m` and `v` (f64s); Adam step i32; ChaCha20 seed (32
//! bytes), stream u64, word position u128; the sample order (u64s); best
//! loss f64, best epoch u64, best params (f64s); waited u64; the history
//! (per epoch: epoch u64, train loss f64, validation flag u8, validation
//! loss f64); then a CRC-32/ISO-HDLC of every byte before it.

use std::path::Path;

use rand_chacha::ChaCha20Rng;

use crate::error::{Result, TrainError};
use crate::fit::{EpochReport, TrainState};
use crate::optim::Adam;

const MAGIC: &[u8; 8] = b"RNNTCKP1";
const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// Encodes `state` with the `fingerprint` of the options it was made with.
pub fn encode(fingerprint: &str, state: &TrainState) -> Vec<u8> {
    let mut b = MAGIC.to_vec();
    let u = |b: &mut Vec<u8>, v: u64| b.extend_from_slice(&v.to_le_bytes());
    let f = |b: &mut Vec<u8>, v: f64| b.extend_from_slice(&v.to_le_bytes());
    let fs = |b: &mut Vec<u8>, v: &[f64]| {
        b.extend_from_slice(&(v.len() as u64).to_le_bytes());
        v.iter().for_each(|x| b.extend_from_slice(&x.to_le_bytes()));
    };
    u(&mut b, fingerprint.len() as u64);
    b.extend_from_slice(fingerprint.as_bytes());
    u(&mut b, state.epoch as u64);
    fs(&mut b, &state.params);
    let (m, v, step) = state.adam.moments();
    fs(&mut b, m);
    fs(&mut b, v);
    b.extend_from_slice(&step.to_le_bytes());
    b.extend_from_slice(&state.rng.get_seed());
    u(&mut b, state.rng.get_stream());
    b.extend_from_slice(&state.rng.get_word_pos().to_le_bytes());
    u(&mut b, state.order.len() as u64);
    state.order.iter().for_each(|&k| u(&mut b, k as u64));
    f(&mut b, state.best.0);
    u(&mut b, state.best.1 as u64);
    fs(&mut b, &state.best.2);
    u(&mut b, state.waited as u64);
    u(&mut b, state.history.len() as u64);
    for e in &state.history {
        u(&mut b, e.epoch as u64);
        f(&mut b, e.train_loss);
        b.push(u8::from(e.val_loss.is_some()));
        f(&mut b, e.val_loss.unwrap_or(0.0));
    }
    let crc = CRC.checksum(&b);
    b.extend_from_slice(&crc.to_le_bytes());
    b
}

/// Reads bytes off the front of a checkpoint.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        (self.0.len() >= n).then(|| {
            let (head, rest) = self.0.split_at(n);
            self.0 = rest;
            head
        })
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn usize(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }
    fn f64(&mut self) -> Option<f64> {
        Some(f64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn len(&mut self, item: usize) -> Option<usize> {
        let n = self.usize()?;
        (n.checked_mul(item)? <= self.0.len()).then_some(n)
    }
    fn f64s(&mut self) -> Option<Vec<f64>> {
        let n = self.len(8)?;
        (0..n).map(|_| self.f64()).collect()
    }
}

fn decode(bytes: &[u8]) -> Option<(String, TrainState)> {
    let mut r = Reader(bytes);
    if r.take(8)? != MAGIC {
        return None;
    }
    let n = r.len(1)?;
    let fingerprint = String::from_utf8(r.take(n)?.to_vec()).ok()?;
    let epoch = r.usize()?;
    let params = r.f64s()?;
    let (m, v) = (r.f64s()?, r.f64s()?);
    let step = i32::from_le_bytes(r.take(4)?.try_into().ok()?);
    let seed: [u8; 32] = r.take(32)?.try_into().ok()?;
    let stream = r.u64()?;
    let word_pos = u128::from_le_bytes(r.take(16)?.try_into().ok()?);
    let n = r.len(8)?;
    let order = (0..n).map(|_| r.usize()).collect::<Option<Vec<_>>>()?;
    let best = (r.f64()?, r.usize()?, r.f64s()?);
    let waited = r.usize()?;
    let n = r.len(25)?;
    let history = (0..n)
        .map(|_| {
            let epoch = r.usize()?;
            let train_loss = r.f64()?;
            let has_val = r.take(1)?[0] == 1;
            let val = r.f64()?;
            Some(EpochReport {
                epoch,
                train_loss,
                val_loss: has_val.then_some(val),
            })
        })
        .collect::<Option<Vec<_>>>()?;
    if !r.0.is_empty() {
        return None;
    }
    use rand::SeedableRng;
    let mut rng = ChaCha20Rng::from_seed(seed);
    rng.set_stream(stream);
    rng.set_word_pos(word_pos);
    Some((
        fingerprint,
        TrainState {
            epoch,
            params,
            adam: Adam::from_moments(0.0, m, v, step)?,
            rng,
            order,
            best,
            waited,
            history,
        },
    ))
}

/// Writes a checkpoint to `path` atomically.
///
/// # Errors
/// Those of [`crate::export::write_atomic`].
pub fn save(path: &Path, fingerprint: &str, state: &TrainState) -> Result<()> {
    crate::export::write_atomic(path, &encode(fingerprint, state))
}

/// Reads a checkpoint made with the options `fingerprint` and an Adam
/// learning rate `learning_rate`.
///
/// # Errors
/// [`TrainError::File`] if it cannot be read; [`TrainError::Checkpoint`]
/// when it is truncated, corrupted (checksum) or not a checkpoint, or was
/// made with other options (saying which).
pub fn load(path: &Path, fingerprint: &str, learning_rate: f64) -> Result<TrainState> {
    let bytes = std::fs::read(path).map_err(|source| TrainError::File {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |reason: String| TrainError::Checkpoint {
        path: path.to_path_buf(),
        reason,
    };
    if bytes.len() < MAGIC.len() + 4 || &bytes[..MAGIC.len()] != MAGIC {
        return Err(bad("not an rnn-train checkpoint".to_string()));
    }
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    let stored = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
    if CRC.checksum(body) != stored {
        return Err(bad("checksum mismatch (truncated or corrupted)".to_string()));
    }
    let (found, mut state) = decode(body).ok_or_else(|| bad("could not be decoded".to_string()))?;
    if found != fingerprint {
        return Err(bad(format!(
            "it was made with other options: {found}; this run has {fingerprint} (only \
             --epochs may change on resume)"
        )));
    }
    let (m, v, step) = state.adam.moments();
    state.adam = Adam::from_moments(learning_rate, m.to_vec(), v.to_vec(), step)
        .ok_or_else(|| bad("inconsistent Adam moments".to_string()))?;
    Ok(state)
}
