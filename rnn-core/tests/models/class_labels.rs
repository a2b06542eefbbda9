//! A classifier's class names in the weight file (version 4): round trip,
//! the checks on load and on encode, and older files read without them.

use rnn_core::format::{
    encode_raw_with_classes, encoded_len_with_classes, load_into, read_header, ClassLabels,
    ColumnName, FeatureScale, Metadata, ScalerKind, FORMAT_VERSION,
};
use rnn_core::{Activation, Dense, Error, Gru, Layer, Lstm, Stack};

/// GRU(4) over two features, then Dense(3) softmax: three classes.
type Classifier = Stack<Gru<2, 4>, Dense<4, 3>>;

fn name(s: &str) -> ColumnName {
    s.try_into().expect("short name")
}

fn labels(names: &[&str]) -> ClassLabels {
    ClassLabels {
        label: name("label"),
        case: Some(name("case")),
        split: None,
        names: names.iter().map(|n| name(n)).collect(),
    }
}

fn classifier() -> Box<Classifier> {
    let mut m = Box::new(Stack::new(Gru::zeroed(), Dense::zeroed()));
    m.first.use_bias = true;
    m.rest.use_bias = true;
    m.rest.activation = Activation::Softmax;
    let mut k = 0.0f32;
    m.visit_params_mut(&mut |s| {
        for v in s {
            k += 0.01;
            *v = k.sin();
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
        scaler: ScalerKind::Standard,
        inputs: [one; 2].into_iter().collect(),
        targets: [one; 3].into_iter().collect(),
        window: 10,
        horizon: 0,
    }
}

/// The classifier's blob with `classes`, or the encoder's error.
fn blob(classes: &ClassLabels) -> Result<Vec<u8>, Error> {
    let model = classifier();
    let specs: Vec<_> = (0..2).map(|i| model.spec(i).expect("two layers")).collect();
    let mut params = Vec::new();
    model.visit_params(&mut |s| params.extend_from_slice(s));
    let meta = metadata();
    let len = encoded_len_with_classes(&specs, Some(&meta), None, classes)?;
    let mut out = vec![0; len];
    let n = encode_raw_with_classes(&specs, Some(&meta), None, classes, &params, &mut out)?;
    assert_eq!(n, len, "encoded_len_with_classes is exact");
    Ok(out)
}

#[test]
fn class_names_round_trip_with_the_weights() {
    let classes = labels(&["Standing", "Walking", "Running"]);
    let blob = blob(&classes).expect("encodes");
    let checked = read_header(&blob).expect("reads");
    assert_eq!(checked.header.version, FORMAT_VERSION);
    assert_eq!(checked.header.classes.as_ref(), Some(&classes));
    let mut back = Box::new(Stack::new(Gru::zeroed(), Dense::zeroed()));
    assert_eq!(load_into(&mut *back, &blob), Ok(Some(metadata())));
    assert_eq!(back, classifier());
}

#[test]
fn unusable_class_names_are_refused_by_the_encoder() {
    for names in [
        &["a", "b"][..],
        &["a", "b", "c", "d"],
        &["a", "b", "a"],
        &["only"],
    ] {
        assert!(
            matches!(blob(&labels(names)), Err(Error::BadClasses { .. })),
            "{names:?} accepted"
        );
    }
    let message = Error::BadClasses {
        names: 2,
        outputs: 3,
    }
    .to_string();
    assert!(message.contains("2 class names for a model with 3 outputs"));
}

/// Rewrites the `k`-th class name of an encoded blob in place (same
/// length) and fixes the checksum, so only the loader's own check can
/// refuse it.
fn with_name_replaced(blob: &[u8], from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut out = blob.to_vec();
    let at = out
        .windows(from.len())
        .position(|w| w == from.as_bytes())
        .expect("name in the blob");
    out[at..at + to.len()].copy_from_slice(to.as_bytes());
    let end = out.len() - 4;
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&out[..end]);
    out[end..].copy_from_slice(&crc.to_le_bytes());
    out
}

#[test]
fn a_repeated_class_name_is_refused_on_load_and_the_model_is_kept() {
    let good = blob(&labels(&["Walk", "Runs", "Idle"])).expect("encodes");
    let bad = with_name_replaced(&good, "Runs", "Walk");
    let mut target = classifier();
    target.rest.b[0] = 42.0;
    let before = target.clone();
    assert_eq!(
        load_into(&mut *target, &bad),
        Err(Error::BadClasses {
            names: 3,
            outputs: 3
        })
    );
    assert_eq!(target, before);
}

#[test]
fn classifier_blobs_refuse_every_truncation_and_corruption() {
    let blob = blob(&labels(&["Standing", "Walking", "Running"])).expect("encodes");
    let mut target = classifier();
    target.rest.b[0] = 42.0;
    let before = target.clone();
    for len in 0..blob.len() {
        assert!(
            load_into(&mut *target, &blob[..len]).is_err(),
            "length {len} accepted"
        );
    }
    for pos in 0..blob.len() {
        let mut bad = blob.clone();
        bad[pos] ^= 0x01;
        assert!(
            load_into(&mut *target, &bad).is_err(),
            "flip at {pos} accepted"
        );
    }
    assert_eq!(target, before);
}

/// A version-2 file, written before class names existed: LSTM(16) +
/// Dense(1) on the bundled sea-temperature series, 3 epochs of
/// `rnn-train train` at commit f0ccc00.
const V2_BLOB: &[u8] = include_bytes!("../../../testdata/weights/v2_lstm16_sea_temperature.rnnw");

#[test]
fn version_2_files_still_load_without_class_names() {
    let checked = read_header(V2_BLOB).expect("reads");
    assert_eq!(checked.header.version, 2);
    assert_eq!(checked.header.classes, None);
    assert!(checked.header.contract.is_some(), "a version-2 contract");
    let mut model = Box::new(Stack::new(
        Lstm::<1, 16>::zeroed(),
        Dense::<16, 1>::zeroed(),
    ));
    let meta = load_into(&mut *model, V2_BLOB).expect("loads");
    assert_eq!(meta.map(|m| m.window), Some(24));
    let mut any = false;
    model.visit_params(&mut |s| any |= s.iter().any(|&v| v != 0.0));
    assert!(any, "weights were read");
}

/// (Source generation is host-only: feature `std`.)
#[cfg(feature = "std")]
#[test]
fn generated_source_names_the_classes() {
    let blob = blob(&labels(&["Standing", "Walking", "Running"])).expect("encodes");
    let source = rnn_core::format::codegen::rust_source(&blob).expect("source");
    assert!(
        source.contains("pub const CLASSES: [&str; 3] = [\"Standing\", \"Walking\", \"Running\"];"),
        "{source}"
    );
    assert!(source.contains("rnn_core::Activation::Softmax"), "{source}");
}

/// GRU(4) over two features, then Dense(1) sigmoid: a binary head.
type Binary = Stack<Gru<2, 4>, Dense<4, 1>>;

/// The binary classifier's blob with `classes` and last activation `act`,
/// or the encoder's error.
fn binary_blob(classes: &ClassLabels, act: Activation) -> Result<Vec<u8>, Error> {
    let mut model = Box::new(Binary::new(Gru::zeroed(), Dense::zeroed()));
    model.first.use_bias = true;
    model.rest.use_bias = true;
    model.rest.activation = act;
    model.rest.b[0] = 0.25;
    let specs: Vec<_> = (0..2).map(|i| model.spec(i).expect("two layers")).collect();
    let mut params = Vec::new();
    model.visit_params(&mut |s| params.extend_from_slice(s));
    let meta = metadata();
    let len = encoded_len_with_classes(&specs, Some(&meta), None, classes)?;
    let mut out = vec![0; len];
    encode_raw_with_classes(&specs, Some(&meta), None, classes, &params, &mut out)?;
    Ok(out)
}

#[test]
fn two_names_on_a_dense_1_sigmoid_head_are_a_binary_classifier() {
    let classes = labels(&["Standing", "Walking"]);
    let binary = binary_blob(&classes, Activation::Sigmoid).expect("encodes");
    let checked = read_header(&binary).expect("reads");
    let header = &checked.header;
    assert_eq!(header.classes.as_ref(), Some(&classes));
    assert!(classes.is_binary(header.layers.last()));
    let mut back = Box::new(Binary::new(Gru::zeroed(), Dense::zeroed()));
    assert_eq!(load_into(&mut *back, &binary), Ok(Some(metadata())));
    assert_eq!(back.rest.b[0], 0.25);
    // Not binary: a linear Dense(1), three names, a softmax classifier.
    for (names, act) in [
        (&["a", "b"][..], Activation::Linear),
        (&["a", "b"][..], Activation::Softmax),
        (&["a", "b", "c"][..], Activation::Sigmoid),
        (&["a"][..], Activation::Sigmoid),
    ] {
        assert_eq!(
            binary_blob(&labels(names), act),
            Err(Error::BadClasses {
                names: names.len(),
                outputs: 1
            }),
            "{names:?} {act:?}"
        );
    }
    let three = labels(&["a", "b", "c"]);
    let softmax = blob(&three).expect("encodes");
    assert!(!three.is_binary(read_header(&softmax).expect("reads").header.layers.last()));
}

/// (Source generation is host-only: feature `std`.)
#[cfg(feature = "std")]
#[test]
fn generated_source_of_a_binary_head_names_the_positive_class() {
    let blob =
        binary_blob(&labels(&["Standing", "Walking"]), Activation::Sigmoid).expect("encodes");
    let source = rnn_core::format::codegen::rust_source(&blob).expect("source");
    assert!(
        source.contains("probability of `CLASSES[1]`).\npub const CLASSES: [&str; 2] = [\"Standing\", \"Walking\"];"),
        "{source}"
    );
    assert!(source.contains("rnn_core::Activation::Sigmoid"), "{source}");
}
