//! Oracles shared by the fuzz targets, and the models they load into.
//!
//! Each oracle takes arbitrary bytes and panics (which libFuzzer reports as
//! a crash) when rnn-core's loader misbehaves: a panic inside the loader, a
//! model changed by a refused blob, or an accepted blob that does not
//! survive a round trip through the encoder with the same header and
//! bit-identical parameters.

use rnn_core::format::{
    self, encode, encode_raw_sequence, encode_raw_with_classes, encode_raw_with_contract,
    encoded_len_sequence, encoded_len_with_classes, encoded_len_with_contract, load_into,
    read_header, FORMAT_VERSION, SEQUENCE_FORMAT_VERSION,
};
use rnn_core::{Dense, Error, Gru, Layer, Lstm, SimpleRnn, Stack};

/// LSTM(16) on one feature and a Dense(1) head (the README's model).
pub type LstmModel = Stack<Lstm<1, 16>, Dense<16, 1>>;
/// GRU(8) on two features and a Dense(1) head.
pub type GruModel = Stack<Gru<2, 8>, Dense<8, 1>>;
/// A single SimpleRNN(4) on one feature.
pub type RnnModel = SimpleRnn<1, 4>;
/// Three layers: SimpleRNN(4) on three features, GRU(4), Dense(2).
pub type DeepModel = Stack<SimpleRnn<3, 4>, Stack<Gru<4, 4>, Dense<4, 2>>>;

/// Largest blob any of the models above needs, with room for a full
/// header: the fuzzer's `-max_len`.
pub const MAX_LEN: usize = 8192;

/// `read_header` on arbitrary bytes: never panics, accepts only metadata
/// whose scales are finite and non-zero and whose shifts are finite
/// (`docs/weight-format.md`), and whatever it accepts re-encodes (with `encode_raw_with_contract`, or `encode_raw_sequence` for a sequence-output model) to a blob that reads back as the same
/// header and the same parameter bytes. Encoding that blob again gives the
/// same bytes (the encoder's output is a fixed point).
pub fn check_header(data: &[u8]) {
    let checked = match read_header(data) {
        Ok(c) => c,
        Err(e) => return describe(e),
    };
    let header = &checked.header;
    if let Some(m) = &header.metadata {
        for f in m.inputs.iter().chain(&m.targets) {
            assert!(
                f.scale != 0.0 && f.scale.is_finite() && f.shift.is_finite(),
                "accepted a feature scale the spec forbids: {f:?}"
            );
        }
    }
    let params: Vec<f32> = checked.params().collect();
    assert_eq!(params.len(), header.param_count as usize);
    let meta = header.metadata.as_ref();
    let contract = header.contract.as_ref();
    let layers = &header.layers;
    let len = match &header.classes {
        _ if header.sequence_output => encoded_len_sequence(layers, meta, contract),
        Some(c) => encoded_len_with_classes(layers, meta, contract, c),
        None => encoded_len_with_contract(layers, meta, contract),
    }
    .expect("accepted header has an encoded length");
    let encode = |out: &mut [u8]| match &header.classes {
        _ if header.sequence_output => encode_raw_sequence(layers, meta, contract, &params, out),
        Some(c) => encode_raw_with_classes(layers, meta, contract, c, &params, out),
        None => encode_raw_with_contract(layers, meta, contract, &params, out),
    };
    let mut out = vec![0u8; len];
    let n = encode(&mut out).expect("accepted header and parameters re-encode");
    assert_eq!(n, len, "encoded_len is exact");
    let again = read_header(&out).expect("re-encoded blob reads back");
    // Older versions are read as the current one and written as it.
    let mut want = header.clone();
    want.version = if header.sequence_output {
        SEQUENCE_FORMAT_VERSION
    } else {
        FORMAT_VERSION
    };
    assert_eq!(again.header, want, "header survives the round trip");
    assert_eq!(again.params, checked.params, "parameter bytes survive");
    let mut twice = vec![0u8; len];
    encode(&mut twice).expect("encodes twice");
    assert_eq!(twice, out, "encoding is deterministic");
}

/// `load_into` on arbitrary bytes, into every model above.
///
/// When `read_header` refuses the bytes, `load_into` must refuse them with
/// the same error; one model (picked by the length) is enough to check
/// that. When it accepts them, every model is tried and at most one may
/// accept.
pub fn check_load_all(data: &[u8]) {
    if let Err(e) = read_header(data) {
        let refused = match data.len() % 4 {
            0 => check_load::<LstmModel>(data),
            1 => check_load::<GruModel>(data),
            2 => check_load::<RnnModel>(data),
            _ => check_load::<DeepModel>(data),
        };
        assert_eq!(refused, Err(e), "load_into reports read_header's error");
        return;
    }
    let accepted = [
        check_load::<LstmModel>(data),
        check_load::<GruModel>(data),
        check_load::<RnnModel>(data),
        check_load::<DeepModel>(data),
    ];
    assert!(
        accepted.iter().filter(|a| a.is_ok()).count() <= 1,
        "one blob loads into one architecture only"
    );
}

/// Runs `check` on `data` and, when they differ, on `data` with its last
/// four bytes replaced by the CRC-32 of the rest: random mutations almost
/// always break the checksum, and this lets the fuzzer reach the checks
/// behind it.
pub fn with_fixed_checksum(data: &[u8], check: fn(&[u8])) {
    check(data);
    if let Some(end) = data.len().checked_sub(4) {
        let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&data[..end]);
        if data[end..] != crc.to_le_bytes() {
            let mut fixed = data.to_vec();
            fixed[end..].copy_from_slice(&crc.to_le_bytes());
            check(&fixed);
        }
    }
}

/// `load_into` of arbitrary bytes into a boxed `L::ZEROED`; returns its
/// error, if any.
///
/// Refused: the model is unchanged. Accepted: `read_header` agrees,
/// and encoding the loaded model gives a blob with the file's layer specs,
/// metadata and bit-identical parameters, which loads into a fresh model
/// equal to the first.
pub fn check_load<L: Layer + PartialEq + core::fmt::Debug>(data: &[u8]) -> Result<(), Error> {
    let mut model: Box<L> = Box::new(L::ZEROED);
    let meta = match load_into(&mut *model, data) {
        Err(e) => {
            assert_eq!(
                *model,
                L::ZEROED,
                "a refused blob leaves the model unchanged"
            );
            describe(e);
            return Err(e);
        }
        Ok(meta) => meta,
    };
    let checked = read_header(data).expect("load_into accepted what read_header refuses");
    assert_eq!(meta, checked.header.metadata, "metadata is the file's");
    let mut out = vec![0u8; format::MAX_HEADER_BYTES + 4 * checked.params.len() + 4];
    let n = encode(&*model, meta.as_ref(), &mut out).expect("a loaded model re-encodes");
    let again = read_header(&out[..n]).expect("the re-encoded blob reads back");
    assert_eq!(
        again.header.layers, checked.header.layers,
        "options and sizes are the file's"
    );
    assert_eq!(
        again.params, checked.params,
        "the loaded parameters are the file's, bit for bit"
    );
    let mut fresh: Box<L> = Box::new(L::ZEROED);
    let meta2 = load_into(&mut *fresh, &out[..n]).expect("the re-encoded blob loads");
    assert_eq!(meta2, meta);
    assert_eq!(*fresh, *model, "the round trip gives the same model");
    Ok(())
}

/// Formats an error (its `Display` must not panic either).
fn describe(e: Error) {
    let text = e.to_string();
    assert!(!text.is_empty());
}
