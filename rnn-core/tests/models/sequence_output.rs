//! A sequence-to-sequence model in the weight file (version 5): round trip
//! with the flag, other models still written as version 4 byte for byte,
//! and the checks on load.

use rnn_core::format::{
    encode_raw_sequence, encode_raw_with_contract, encoded_len_sequence, encoded_len_with_contract,
    load_into, read_header, FeatureScale, Metadata, ScalerKind, FORMAT_VERSION,
    SEQUENCE_FORMAT_VERSION,
};
use rnn_core::{Dense, Error, Gru, Layer, Stack};

/// GRU(8) over three features, then Dense(2) at every timestep.
type Seq2Seq = Stack<Gru<3, 8>, Dense<8, 2>>;

fn model() -> Box<Seq2Seq> {
    let mut m = Box::new(Stack::new(Gru::zeroed(), Dense::zeroed()));
    m.first.use_bias = true;
    m.rest.use_bias = true;
    let mut k = 0.0f32;
    m.visit_params_mut(&mut |s| {
        for v in s {
            k += 0.013;
            *v = k.sin() * 0.5;
        }
    });
    m
}

fn metadata() -> Metadata {
    let one = FeatureScale {
        shift: 0.0,
        scale: 1.0,
    };
    Metadata {
        scaler: ScalerKind::MinMax,
        inputs: [one; 3].into_iter().collect(),
        targets: [one; 2].into_iter().collect(),
        window: 20,
        horizon: 0,
    }
}

/// The model's blob, as a sequence-output model or not.
fn blob(sequence: bool) -> Vec<u8> {
    let m = model();
    let specs: Vec<_> = (0..2).map(|i| m.spec(i).expect("two layers")).collect();
    let mut params = Vec::new();
    m.visit_params(&mut |s| params.extend_from_slice(s));
    let meta = metadata();
    let len = if sequence {
        encoded_len_sequence(&specs, Some(&meta), None)
    } else {
        encoded_len_with_contract(&specs, Some(&meta), None)
    }
    .expect("length");
    let mut out = vec![0; len];
    let n = if sequence {
        encode_raw_sequence(&specs, Some(&meta), None, &params, &mut out)
    } else {
        encode_raw_with_contract(&specs, Some(&meta), None, &params, &mut out)
    }
    .expect("encodes");
    assert_eq!(n, len, "the length is exact");
    out
}

fn fix_checksum(out: &mut [u8]) {
    let end = out.len() - 4;
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&out[..end]);
    out[end..].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn a_sequence_model_round_trips_as_version_5_and_loads_into_its_stack() {
    let seq = blob(true);
    let checked = read_header(&seq).expect("reads");
    assert_eq!(checked.header.version, SEQUENCE_FORMAT_VERSION);
    assert!(checked.header.sequence_output);
    let mut back = Box::new(Stack::new(Gru::zeroed(), Dense::zeroed()));
    assert_eq!(load_into(&mut *back, &seq), Ok(Some(metadata())));
    assert_eq!(back, model());
    // The flag is one byte after the version-4 header, nothing else moves.
    let plain = blob(false);
    assert_eq!(seq.len(), plain.len() + 1);
    let plain_header = read_header(&plain).expect("reads");
    assert_eq!(plain_header.header.version, FORMAT_VERSION);
    assert!(!plain_header.header.sequence_output);
    assert_eq!(checked.params, plain_header.params);
}

#[test]
fn a_version_5_header_without_the_flag_is_refused() {
    let mut seq = blob(true);
    // The flag is the byte before the parameter count's varint.
    let params = seq.len() - 4 - 4 * read_header(&seq).unwrap().header.param_count as usize;
    let count_bytes = 2; // 330 parameters: a two-byte varint.
    let flag = params - count_bytes - 1;
    assert_eq!(seq[flag], 1);
    seq[flag] = 0;
    fix_checksum(&mut seq);
    assert_eq!(read_header(&seq).unwrap_err(), Error::Decode);
    let mut model = model();
    let before = model.clone();
    assert_eq!(load_into(&mut *model, &seq), Err(Error::Decode));
    assert_eq!(model, before);
}
