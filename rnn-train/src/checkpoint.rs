//! Training checkpoints for `train --resume`: the current weights, Adam's
//! moments and step count, the shuffling generator, the sample order, the
//! best epoch so far and the history, so a resumed run continues bit for
//! bit. `train` writes [`encode`]'s bytes atomically (see
//! [`crate::export::write_atomic`]).
//!
//! Layout (all little-endian), each vector as a u64 length then its items:
//! `b"RNNTCKP2"`; the options fingerprint (UTF-8 bytes); the precision
//! trained in, u8 (32 or 64: `train --precision`); epoch u64; the params,
//! Adam `m` and `v` (values of that precision, so an f32 state is stored
//! exactly); Adam step i32; ChaCha20 seed (32 bytes), stream u64, word
//! position u128; the sample order (u64s); best loss f64, best epoch u64,
//! best params (values of that precision); waited u64; the history (per
//! epoch: epoch u64, train loss f64, validation flag u8, validation loss
//! f64); then a CRC-32/ISO-HDLC of every byte before it.
//!
//! Version 1 (`b"RNNTCKP1"`, before `--precision`) is the same without the
//! precision byte, every value f64: it is read as an f64 checkpoint.
//!
//! The fingerprint renders the architecture with [`ArchitectureFingerprint`]:
//! stacks that could be written before per-layer cells (one cell, every
//! layer with a bias) keep their old rendering, so their checkpoints still
//! resume.

use std::path::Path;

use rand_chacha::ChaCha20Rng;

use crate::error::{Result, TrainError};
use crate::fit::{EpochReport, TrainState};
use crate::nn::{Architecture, CellKind, Precision, Real};
use crate::optim::Adam;

const MAGIC: &[u8; 8] = b"RNNTCKP2";
/// The layout before the precision byte (all f64).
const MAGIC_V1: &[u8; 8] = b"RNNTCKP1";

/// An [`Architecture`] as a checkpoint's options fingerprint shows it
/// (its `Debug` rendering).
///
/// A stack of one cell kind whose layers all have a bias renders as the
/// architecture did when it had one `cell` for every layer
/// (`Architecture { input_size: 1, cell: Lstm, rnn_activation: Tanh,
/// rnn_units: [16], dense: [(1, Linear)] }`), so checkpoints written then
/// match the same options now; any other stack renders its layers.
pub struct ArchitectureFingerprint<'a>(pub &'a Architecture);

impl std::fmt::Debug for ArchitectureFingerprint<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let arch = self.0;
        let first = arch.recurrent.first().map(|l| l.cell);
        let uniform = arch
            .recurrent
            .iter()
            .all(|l| l.use_bias && Some(l.cell) == first);
        let Some(cell) = first.filter(|_| uniform) else {
            // The derived `Debug` of the fields before `sequence_output`,
            // which appears only when set (older checkpoints lack it).
            let mut s = f.debug_struct("Architecture");
            s.field("input_size", &arch.input_size)
                .field("recurrent", &arch.recurrent)
                .field("dense", &arch.dense);
            if arch.sequence_output {
                s.field("sequence_output", &true);
            }
            return s.finish();
        };
        // The old fields: the cell without its options' SimpleRNN
        // activation, which was a field of its own (tanh for LSTM and GRU).
        let (cell, rnn_activation) = match cell {
            CellKind::SimpleRnn { activation } => ("SimpleRnn".to_string(), activation),
            other => (format!("{other:?}"), rnn_core::Activation::Tanh),
        };
        let units: Vec<usize> = arch.recurrent.iter().map(|l| l.units).collect();
        write!(
            f,
            "Architecture {{ input_size: {:?}, cell: {cell}, rnn_activation: {rnn_activation:?}, \
             rnn_units: {units:?}, dense: {:?}{} }}",
            arch.input_size,
            arch.dense,
            if arch.sequence_output {
                ", sequence_output: true"
            } else {
                ""
            }
        )
    }
}

/// Whether `blob` starts like a checkpoint of either version (so that a
/// command given one where a weight file belongs can say so).
pub(crate) fn is_checkpoint(blob: &[u8]) -> bool {
    blob.starts_with(MAGIC) || blob.starts_with(MAGIC_V1)
}
const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// The precision byte of a checkpoint: bits per value.
fn precision_tag(p: Precision) -> u8 {
    match p {
        Precision::F32 => 32,
        Precision::F64 => 64,
    }
}

/// Encodes `state` (trained in `T`) with the `fingerprint` of the options
/// it was made with.
pub fn encode<T: Real>(fingerprint: &str, state: &TrainState<T>) -> Vec<u8> {
    let mut b = MAGIC.to_vec();
    let u = |b: &mut Vec<u8>, v: u64| b.extend_from_slice(&v.to_le_bytes());
    let f = |b: &mut Vec<u8>, v: f64| b.extend_from_slice(&v.to_le_bytes());
    let ts = |b: &mut Vec<u8>, v: &[T]| {
        b.extend_from_slice(&(v.len() as u64).to_le_bytes());
        v.iter().for_each(|&x| x.put_le(b));
    };
    u(&mut b, fingerprint.len() as u64);
    b.extend_from_slice(fingerprint.as_bytes());
    b.push(precision_tag(T::PRECISION));
    u(&mut b, state.epoch as u64);
    ts(&mut b, &state.params);
    let (m, v, step) = state.adam.moments();
    ts(&mut b, m);
    ts(&mut b, v);
    b.extend_from_slice(&step.to_le_bytes());
    b.extend_from_slice(&state.rng.get_seed());
    u(&mut b, state.rng.get_stream());
    b.extend_from_slice(&state.rng.get_word_pos().to_le_bytes());
    u(&mut b, state.order.len() as u64);
    state.order.iter().for_each(|&k| u(&mut b, k as u64));
    f(&mut b, state.best.0);
    u(&mut b, state.best.1 as u64);
    ts(&mut b, &state.best.2);
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
    fn reals<T: Real>(&mut self) -> Option<Vec<T>> {
        let n = self.len(T::BYTES)?;
        (0..n).map(|_| T::from_le(self.take(T::BYTES)?)).collect()
    }
}

/// The fingerprint and precision at the front of a checkpoint body, and
/// a reader at the epoch; `None` if it is not a checkpoint of a known
/// version or is cut short.
fn header(bytes: &[u8]) -> Option<(String, Option<Precision>, Reader<'_>)> {
    let mut r = Reader(bytes);
    let v1 = match r.take(8)? {
        m if m == MAGIC => false,
        m if m == MAGIC_V1 => true,
        _ => return None,
    };
    let n = r.len(1)?;
    let fingerprint = String::from_utf8(r.take(n)?.to_vec()).ok()?;
    let precision = if v1 {
        Some(Precision::F64)
    } else {
        match r.take(1)?[0] {
            32 => Some(Precision::F32),
            64 => Some(Precision::F64),
            _ => None,
        }
    };
    Some((fingerprint, precision, r))
}

/// The state after the header, its values read as `T`.
fn body<T: Real>(mut r: Reader<'_>) -> Option<TrainState<T>> {
    let epoch = r.usize()?;
    let params = r.reals()?;
    let (m, v) = (r.reals()?, r.reals()?);
    let step = i32::from_le_bytes(r.take(4)?.try_into().ok()?);
    let seed: [u8; 32] = r.take(32)?.try_into().ok()?;
    let stream = r.u64()?;
    let word_pos = u128::from_le_bytes(r.take(16)?.try_into().ok()?);
    let n = r.len(8)?;
    let order = (0..n).map(|_| r.usize()).collect::<Option<Vec<_>>>()?;
    let best = (r.f64()?, r.usize()?, r.reals()?);
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
    Some(TrainState {
        epoch,
        params,
        adam: Adam::from_moments(0.0, m, v, step)?,
        rng,
        order,
        best,
        waited,
        history,
    })
}

/// The first differing `name: value` items of two options fingerprints
/// (Debug renderings of the same types), for a message that names the
/// option instead of printing both fingerprints.
fn first_difference<'a>(found: &'a str, wanted: &'a str) -> (&'a str, &'a str) {
    let items = |s: &'a str| {
        s.split([',', '(', ')', '{', '}', '[', ']'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
    };
    let mut a = items(found);
    let mut b = items(wanted);
    loop {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) if x == y => continue,
            (x, y) => return (x.unwrap_or("(nothing)"), y.unwrap_or("(nothing)")),
        }
    }
}

/// Reads a checkpoint made with the options `fingerprint` in the precision
/// `T`, for an Adam learning rate `learning_rate`. Version 1 checkpoints
/// (written before `--precision`) are read as f64 ones.
///
/// # Errors
/// [`TrainError::File`] if it cannot be read; [`TrainError::Checkpoint`]
/// when it is truncated, corrupted (checksum) or not a checkpoint, was
/// trained in another precision (naming both), or was made with other
/// options (saying which).
pub fn load<T: Real>(path: &Path, fingerprint: &str, learning_rate: f64) -> Result<TrainState<T>> {
    let bytes = std::fs::read(path).map_err(|source| TrainError::File {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |reason: String| TrainError::Checkpoint {
        path: path.to_path_buf(),
        reason,
    };
    let magic = bytes.get(..MAGIC.len());
    if bytes.len() < MAGIC.len() + 4 || (magic != Some(MAGIC) && magic != Some(MAGIC_V1)) {
        return Err(bad("not an rnn-train checkpoint".to_string()));
    }
    let (body_bytes, crc) = bytes.split_at(bytes.len() - 4);
    let stored = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
    if CRC.checksum(body_bytes) != stored {
        return Err(bad("checksum mismatch (truncated or corrupted)".to_string()));
    }
    let undecodable = || bad("could not be decoded".to_string());
    let (found, precision, rest) = header(body_bytes).ok_or_else(undecodable)?;
    let precision = precision.ok_or_else(|| bad("unknown precision".to_string()))?;
    if precision != T::PRECISION {
        return Err(bad(format!(
            "it was trained with --precision {precision}; this run has --precision {} \
             (resume with --precision {precision})",
            T::PRECISION
        )));
    }
    if found != fingerprint {
        let (theirs, ours) = first_difference(&found, fingerprint);
        return Err(bad(format!(
            "it was made with other options or data: `{theirs}` in the checkpoint, `{ours}` \
             in this run (only --epochs may change on resume)"
        )));
    }
    let mut state = body::<T>(rest).ok_or_else(undecodable)?;
    let (m, v, step) = state.adam.moments();
    state.adam = Adam::from_moments(learning_rate, m.to_vec(), v.to_vec(), step)
        .ok_or_else(|| bad("inconsistent Adam moments".to_string()))?;
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Uniform stacks with biases keep the rendering they had before
    /// per-layer cells (the `Debug` of the old `Architecture`), so old
    /// checkpoints resume; mixed or bias-free stacks render their layers.
    #[test]
    fn uniform_architectures_keep_their_old_fingerprint() {
        let head = vec![(1, Activation::Linear)];
        let show = |a: &Architecture| format!("{:?}", ArchitectureFingerprint(a));
        let lstm = Architecture::uniform(1, CellKind::Lstm, &[16], head.clone());
        assert_eq!(
            show(&lstm),
            "Architecture { input_size: 1, cell: Lstm, rnn_activation: Tanh, rnn_units: [16], \
             dense: [(1, Linear)] }"
        );
        let gru = Architecture::uniform(
            2,
            CellKind::Gru { reset_after: false },
            &[8, 4],
            head.clone(),
        );
        assert_eq!(
            show(&gru),
            "Architecture { input_size: 2, cell: Gru { reset_after: false }, rnn_activation: Tanh, \
             rnn_units: [8, 4], dense: [(1, Linear)] }"
        );
        let relu = CellKind::SimpleRnn {
            activation: Activation::Relu,
        };
        let rnn = Architecture::uniform(1, relu, &[5], head.clone());
        assert_eq!(
            show(&rnn),
            "Architecture { input_size: 1, cell: SimpleRnn, rnn_activation: Relu, rnn_units: [5], \
             dense: [(1, Linear)] }"
        );
        let mut mixed = lstm.clone();
        mixed.recurrent.push(crate::nn::RecurrentLayer {
            cell: relu,
            units: 3,
            use_bias: true,
        });
        let mut no_bias = lstm.clone();
        no_bias.recurrent[0].use_bias = false;
        for other in [mixed.clone(), no_bias] {
            // The derived `Debug` before `sequence_output` existed.
            let old = format!("{other:?}").replace(", sequence_output: false", "");
            assert_eq!(show(&other), old);
            assert_ne!(show(&other), show(&lstm));
        }
        // A sequence-to-sequence stack never matches its many-to-one twin.
        for mut arch in [lstm.clone(), mixed] {
            let before = show(&arch);
            arch.sequence_output = true;
            assert!(show(&arch).ends_with(", sequence_output: true }"));
            assert_ne!(show(&arch), before);
        }
    }

    #[test]
    fn the_first_differing_option_is_named() {
        let a = "(Contract { inputs: [\"t\"] }, FitConfig { epochs: 0, learning_rate: 0.002, seed: 0 })";
        let b = "(Contract { inputs: [\"t\"] }, FitConfig { epochs: 0, learning_rate: 0.001, seed: 0 })";
        assert_eq!(
            first_difference(a, b),
            ("learning_rate: 0.002", "learning_rate: 0.001")
        );
        assert_eq!(
            first_difference("(x: 1)", "(x: 1, y: 2)"),
            ("(nothing)", "y: 2")
        );
    }
    use crate::fit::{fit_from, Dataset, FitConfig, Loss};
    use crate::nn::{Activation, Architecture, CellKind, Network};

    /// The state after 2 epochs of a small run in `T`.
    fn state<T: Real>() -> TrainState<T> {
        let arch = Architecture::uniform(1, CellKind::Lstm, &[3], vec![(1, Activation::Linear)]);
        let mut net = Network::new(&arch, 1).unwrap().cast::<T>();
        let series: Vec<f64> = (0..40).map(|i| (i as f64 * 0.3).sin()).collect();
        let data = Dataset {
            inputs: (0..36).flat_map(|i| series[i..i + 4].to_vec()).collect(),
            targets: series[4..].to_vec(),
            window: 4,
            input_size: 1,
            output_size: 1,
        }
        .cast::<T>();
        let cfg = FitConfig {
            epochs: 2,
            batch_size: 8,
            learning_rate: 0.01,
            clip_norm: None,
            patience: None,
            shuffle: true,
            seed: 2,
            loss: Loss::Mse,
        };
        let one = std::num::NonZeroUsize::MIN;
        fit_from(&mut net, &data, None, &cfg, None, one, &mut |_| {})
            .unwrap()
            .1
    }

    fn write(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("rnnt-ckpt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn reason(e: TrainError) -> String {
        match e {
            TrainError::Checkpoint { reason, .. } => reason,
            other => panic!("not a checkpoint error: {other}"),
        }
    }

    #[test]
    fn states_round_trip_exactly_in_their_precision() {
        let s32 = state::<f32>();
        let bytes = encode("opts", &s32);
        // 4 bytes per value: params, m, v and the best params.
        let values = 4 * s32.params.len();
        assert_eq!(
            bytes.len(),
            encode("opts", &state::<f64>()).len() - 4 * values
        );
        let path = write("f32.rnnt", &bytes);
        assert_eq!(load::<f32>(&path, "opts", 0.01).unwrap(), s32);
        let s64 = state::<f64>();
        let path = write("f64.rnnt", &encode("opts", &s64));
        assert_eq!(load::<f64>(&path, "opts", 0.01).unwrap(), s64);
    }

    #[test]
    fn another_precision_is_refused_naming_both() {
        let path = write("p32.rnnt", &encode("opts", &state::<f32>()));
        let e = reason(load::<f64>(&path, "opts", 0.01).unwrap_err());
        assert!(
            e.contains("trained with --precision f32; this run has --precision f64"),
            "{e}"
        );
        let path = write("p64.rnnt", &encode("opts", &state::<f64>()));
        let e = reason(load::<f32>(&path, "other", 0.01).unwrap_err());
        assert!(
            e.contains("--precision f64; this run has --precision f32"),
            "{e}"
        );
    }

    #[test]
    fn version_1_checkpoints_are_read_as_f64() {
        // Version 1 is version 2 without the precision byte, all f64.
        let s64 = state::<f64>();
        let v2 = encode("opts", &s64);
        let at = MAGIC.len() + 8 + "opts".len();
        assert_eq!(v2[at], 64);
        let mut v1 = [&MAGIC_V1[..], &v2[8..at], &v2[at + 1..v2.len() - 4]].concat();
        let crc = CRC.checksum(&v1);
        v1.extend_from_slice(&crc.to_le_bytes());
        let path = write("v1.rnnt", &v1);
        assert_eq!(load::<f64>(&path, "opts", 0.01).unwrap(), s64);
        let e = reason(load::<f32>(&path, "opts", 0.01).unwrap_err());
        assert!(
            e.contains("--precision f64; this run has --precision f32"),
            "{e}"
        );
    }
}
