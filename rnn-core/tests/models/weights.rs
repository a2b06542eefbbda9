//! The weight format: round trips, and a typed error (never a panic, never
//! a changed model) for every corrupted, truncated or mismatched blob.

use proptest::prelude::*;
use rnn_core::format::{
    encode, encode_raw, encode_raw_with_contract, encoded_len, encoded_len_with_contract,
    load_into, read_header, DataContract, FeatureScale, Header, LayerKind, LayerShape, LayerSpec,
    Metadata, ScalerKind, SplitRecord, TestSplit, FORMAT_VERSION, MAGIC, MAX_NAME_BYTES,
};
use rnn_core::{Activation, Dense, Error, Gru, Layer, Lstm, SimpleRnn, Stack};

type LstmModel = Stack<Lstm<1, 8>, Dense<8, 1>>;

/// Fills every parameter with a distinct, deterministic value.
fn filled<L: Layer>(mut model: Box<L>, seed: f32) -> Box<L> {
    let mut k = 0u32;
    model.visit_params_mut(&mut |s| {
        for v in s {
            k += 1;
            *v = ((k as f32) * 0.37 + seed).sin();
        }
    });
    model
}

fn zeroed() -> Box<LstmModel> {
    Box::new(Stack::new(Lstm::zeroed(), Dense::zeroed()))
}

fn lstm_model() -> Box<LstmModel> {
    let mut m = zeroed();
    m.first.use_bias = true;
    m.rest.use_bias = true;
    m.rest.activation = Activation::Tanh;
    filled(m, 0.5)
}

fn metadata() -> Metadata {
    Metadata {
        scaler: ScalerKind::MinMax,
        inputs: heapless::Vec::from_slice(&[FeatureScale {
            shift: 3.6,
            scale: 18.6,
        }])
        .unwrap(),
        targets: heapless::Vec::from_slice(&[FeatureScale {
            shift: 3.6,
            scale: 18.6,
        }])
        .unwrap(),
        window: 24,
        horizon: 1,
    }
}

fn blob_of<L: Layer>(model: &L, meta: Option<&Metadata>) -> Vec<u8> {
    let specs: Vec<LayerSpec> = (0..L::LAYERS).map(|i| model.spec(i).unwrap()).collect();
    let mut out = vec![0u8; encoded_len(&specs, meta).unwrap()];
    let n = encode(model, meta, &mut out).unwrap();
    assert_eq!(n, out.len());
    out
}

fn params_of<L: Layer>(model: &L) -> Vec<f32> {
    let mut v = Vec::new();
    model.visit_params(&mut |s| v.extend_from_slice(s));
    v
}

#[test]
fn round_trip_keeps_weights_options_and_metadata() {
    let model = lstm_model();
    let meta = metadata();
    let blob = blob_of(&*model, Some(&meta));
    let mut loaded = zeroed();
    let got = load_into(&mut *loaded, &blob).unwrap();
    assert_eq!(got, Some(meta));
    assert_eq!(*loaded, *model);
}

#[test]
fn options_come_from_the_file() {
    let mut gru = Box::new(Gru::<2, 3>::zeroed());
    gru.use_bias = true;
    let mut gru = filled(gru, 0.1);
    gru.b_recurrent = [nalgebra::SVector::zeros(); 3];
    let mut into = Box::new(Gru::<2, 3>::zeroed());
    load_into(&mut *into, &blob_of(&*gru, None)).unwrap();
    assert_eq!(*into, *gru);

    let mut rnn = filled(Box::new(SimpleRnn::<2, 3>::zeroed()), 0.2);
    rnn.activation = Activation::Relu;
    let mut into = Box::new(SimpleRnn::<2, 3>::zeroed());
    into.activation = Activation::Tanh;
    into.use_bias = true;
    let mut into = filled(into, 9.0);
    load_into(&mut *into, &blob_of(&*rnn, None)).unwrap();
    assert_eq!(*into, *rnn);
}

#[test]
fn param_counts_match_keras_and_the_layers() {
    fn check<L: Layer>(model: &L) {
        let stored: usize = params_of(model).len();
        let declared: usize = (0..L::LAYERS)
            .map(|i| model.spec(i).unwrap().param_count().unwrap())
            .sum();
        assert_eq!(stored, declared);
    }
    check(&*filled(Box::new(SimpleRnn::<3, 5>::zeroed()), 0.0));
    check(&*filled(Box::new(Lstm::<3, 5>::zeroed()), 0.0));
    let mut g = Gru::<3, 5>::zeroed();
    g.use_bias = true;
    g.reset_after = true;
    check(&g);
    g.reset_after = false;
    check(&g);
    g.use_bias = false;
    check(&g);
    check(&Dense::<3, 5>::zeroed());
    let mut d = Dense::<3, 5>::zeroed();
    d.use_bias = true;
    check(&d);
    // Keras model.summary() totals.
    let lecture = LayerSpec::SimpleRnn {
        input_size: 1,
        hidden_size: 50,
        activation: Activation::Tanh,
        use_bias: true,
    };
    let head = LayerSpec::Dense {
        input_size: 50,
        output_size: 1,
        activation: Activation::Linear,
        use_bias: true,
    };
    assert_eq!(
        lecture.param_count().unwrap() + head.param_count().unwrap(),
        2651
    );
    let gru = LayerSpec::Gru {
        input_size: 16,
        hidden_size: 8,
        reset_after: true,
        use_bias: true,
    };
    assert_eq!(gru.param_count(), Some(624)); // Keras GRU(8) on 16 features
}

#[test]
fn every_truncation_is_an_error_and_leaves_the_model_alone() {
    let blob = blob_of(&*lstm_model(), Some(&metadata()));
    let mut target = filled(zeroed(), 7.0);
    let before = target.clone();
    for len in 0..blob.len() {
        let err = load_into(&mut *target, &blob[..len]).unwrap_err();
        assert!(
            matches!(err, Error::Truncated { .. }),
            "length {len}: {err:?}"
        );
        assert_eq!(*target, *before);
    }
}

#[test]
fn trailing_bytes_are_an_error() {
    let mut blob = blob_of(&*lstm_model(), None);
    let n = blob.len();
    blob.push(0);
    let err = read_header(&blob).unwrap_err();
    assert_eq!(
        err,
        Error::TrailingBytes {
            expected: n,
            found: n + 1
        }
    );
}

#[test]
fn every_single_byte_corruption_is_an_error() {
    let blob = blob_of(&*lstm_model(), Some(&metadata()));
    let mut target = zeroed();
    for pos in 0..blob.len() {
        for mask in [0x01u8, 0x80, 0xff] {
            let mut bad = blob.clone();
            bad[pos] ^= mask;
            assert!(
                load_into(&mut *target, &bad).is_err(),
                "flip {mask:#x} at {pos} accepted"
            );
        }
    }
    let mut bad = blob.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x10;
    assert!(matches!(read_header(&bad), Err(Error::Checksum { .. })));
}

#[test]
fn wrong_magic_and_version_are_named() {
    let mut blob = blob_of(&*lstm_model(), None);
    blob[0] = b'X';
    assert_eq!(
        read_header(&blob).unwrap_err(),
        Error::BadMagic { found: *b"XNNW" }
    );
    assert_eq!(
        read_header(b"{\"json\": 1}").unwrap_err(),
        Error::BadMagic { found: *b"{\"js" }
    );
    // A well-formed version-2 header.
    let header = Header {
        magic: MAGIC,
        version: rnn_core::format::SEQUENCE_FORMAT_VERSION + 1,
        layers: heapless::Vec::new(),
        metadata: None,
        contract: None,
        classes: None,
        sequence_output: false,
        param_count: 0,
    };
    let bytes = postcard::to_allocvec(&header).unwrap();
    assert_eq!(
        read_header(&bytes).unwrap_err(),
        Error::UnsupportedVersion {
            found: rnn_core::format::SEQUENCE_FORMAT_VERSION + 1,
            supported: FORMAT_VERSION
        }
    );
}

#[test]
fn architecture_mismatch_says_what_was_expected_and_found() {
    let blob = blob_of(&*lstm_model(), None);
    let mut wider = Box::new(Stack::new(
        Lstm::<1, 16>::zeroed(),
        Dense::<16, 1>::zeroed(),
    ));
    let err = load_into(&mut *wider, &blob).unwrap_err();
    assert_eq!(
        err,
        Error::ArchitectureMismatch {
            layer: 0,
            expected: Some(LayerShape {
                kind: LayerKind::Lstm,
                input_size: 1,
                units: 16
            }),
            found: Some(LayerShape {
                kind: LayerKind::Lstm,
                input_size: 1,
                units: 8
            }),
        }
    );
    let text = err.to_string();
    assert!(text.contains("layer 0") && text.contains("units 16") && text.contains("units 8"));

    let mut gru = Box::new(Stack::new(Gru::<1, 8>::zeroed(), Dense::<8, 1>::zeroed()));
    assert!(matches!(
        load_into(&mut *gru, &blob),
        Err(Error::ArchitectureMismatch { layer: 0, .. })
    ));
    let mut lone = Box::new(Lstm::<1, 8>::zeroed());
    assert_eq!(
        load_into(&mut *lone, &blob).unwrap_err(),
        Error::ArchitectureMismatch {
            layer: 1,
            expected: None,
            found: Some(LayerShape {
                kind: LayerKind::Dense,
                input_size: 8,
                units: 1
            }),
        }
    );
}

#[test]
fn non_finite_weights_are_refused() {
    let model = lstm_model();
    let specs: Vec<LayerSpec> = (0..2).map(|i| model.spec(i).unwrap()).collect();
    let mut params = params_of(&*model);
    params[5] = f32::NAN;
    let mut out = vec![0u8; encoded_len(&specs, None).unwrap()];
    encode_raw(&specs, None, &params, &mut out).unwrap();
    let mut target = zeroed();
    assert_eq!(
        load_into(&mut *target, &out).unwrap_err(),
        Error::NonFiniteWeight { index: 5 }
    );
}

/// A blob with `meta` as its metadata, built from the format spec without
/// rnn-core's encoder (which refuses bad metadata): postcard header, the
/// parameters little-endian, CRC-32/ISO-HDLC.
fn blob_with_metadata(meta: Metadata) -> Vec<u8> {
    blob_from_spec(meta, None)
}

/// [`blob_with_metadata`] with a data contract as well.
fn blob_from_spec(meta: Metadata, contract: Option<DataContract>) -> Vec<u8> {
    let model = lstm_model();
    let params = params_of(&*model);
    // The version-4 header's fields, in order (no `sequence_output`).
    #[derive(serde::Serialize)]
    struct HeaderV4 {
        magic: [u8; 4],
        version: u16,
        layers: Vec<LayerSpec>,
        metadata: Option<Metadata>,
        contract: Option<DataContract>,
        classes: Option<rnn_core::format::ClassLabels>,
        param_count: u32,
    }
    let header = HeaderV4 {
        magic: MAGIC,
        version: FORMAT_VERSION,
        layers: (0..2).map(|i| model.spec(i).unwrap()).collect(),
        metadata: Some(meta),
        contract,
        classes: None,
        param_count: params.len() as u32,
    };
    let mut blob = postcard::to_allocvec(&header).unwrap();
    blob.extend(params.iter().flat_map(|v| v.to_le_bytes()));
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&blob);
    blob.extend_from_slice(&crc.to_le_bytes());
    blob
}

/// `metadata()` with two targets, feature `index` of the inputs (or the
/// targets) replaced by `bad`.
fn metadata_with(target: bool, index: usize, bad: FeatureScale) -> Metadata {
    let mut meta = metadata();
    meta.targets.push(meta.targets[0]).unwrap();
    let list = if target {
        &mut meta.targets
    } else {
        &mut meta.inputs
    };
    list[index] = bad;
    meta
}

/// Every forbidden scale (0, -0, NaN, ±inf) and shift (NaN, ±inf), in the
/// inputs and in the targets.
fn bad_feature_scales() -> Vec<FeatureScale> {
    let mut bad: Vec<FeatureScale> = [0.0, -0.0, f32::NAN, f32::INFINITY, f32::NEG_INFINITY]
        .map(|scale| FeatureScale { shift: 3.6, scale })
        .to_vec();
    bad.extend(
        [f32::NAN, f32::INFINITY, f32::NEG_INFINITY]
            .map(|shift| FeatureScale { shift, scale: 18.6 }),
    );
    bad
}

#[test]
fn zero_or_non_finite_metadata_scales_are_refused() {
    // The hand-built blob is a valid one when the metadata is.
    let good = metadata_with(true, 1, metadata().targets[0]);
    let mut target = filled(zeroed(), 7.0);
    let before = target.clone();
    let mut control = zeroed();
    assert_eq!(
        load_into(&mut *control, &blob_with_metadata(good.clone())).unwrap(),
        Some(good)
    );
    for bad in bad_feature_scales() {
        for (is_target, index) in [(false, 0), (true, 1)] {
            let blob = blob_with_metadata(metadata_with(is_target, index, bad));
            let expected = Error::BadFeatureScale {
                target: is_target,
                index,
            };
            assert_eq!(read_header(&blob).unwrap_err(), expected, "{bad:?}");
            assert_eq!(load_into(&mut *target, &blob).unwrap_err(), expected);
            assert_eq!(*target, *before, "the model is left unchanged");
        }
    }
    let text = Error::BadFeatureScale {
        target: true,
        index: 1,
    }
    .to_string();
    assert!(text.contains("target feature 1") && text.contains("scale of 0"));
}

#[test]
fn encoders_refuse_metadata_the_loader_refuses() {
    let model = lstm_model();
    let specs: Vec<LayerSpec> = (0..2).map(|i| model.spec(i).unwrap()).collect();
    let params = params_of(&*model);
    let mut out = vec![0u8; encoded_len(&specs, Some(&metadata())).unwrap() + 64];
    for bad in bad_feature_scales() {
        let meta = metadata_with(false, 0, bad);
        let expected = Err(Error::BadFeatureScale {
            target: false,
            index: 0,
        });
        assert_eq!(encoded_len(&specs, Some(&meta)), expected, "{bad:?}");
        assert_eq!(encode(&*model, Some(&meta), &mut out), expected);
        assert_eq!(encode_raw(&specs, Some(&meta), &params, &mut out), expected);
    }
}

#[test]
fn encoder_errors_are_typed() {
    let model = lstm_model();
    let specs: Vec<LayerSpec> = (0..2).map(|i| model.spec(i).unwrap()).collect();
    let params = params_of(&*model);
    let mut small = vec![0u8; 10];
    assert!(matches!(
        encode(&*model, None, &mut small),
        Err(Error::BufferTooSmall { .. })
    ));
    let mut out = vec![0u8; encoded_len(&specs, None).unwrap()];
    assert_eq!(
        encode_raw(&specs, None, &params[1..], &mut out).unwrap_err(),
        Error::Length {
            expected: params.len(),
            found: params.len() - 1
        }
    );
    // encode_raw and encode agree byte for byte.
    let n = encode_raw(&specs, None, &params, &mut out).unwrap();
    assert_eq!(out[..n], blob_of(&*model, None)[..]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Arbitrary bytes never panic the loader.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let mut target = zeroed();
        let _ = load_into(&mut *target, &bytes);
        let mut prefixed = MAGIC.to_vec();
        prefixed.push(FORMAT_VERSION as u8);
        prefixed.extend_from_slice(&bytes);
        let _ = load_into(&mut *target, &prefixed);
    }

    /// Encode then decode gives the same weights, for any finite weights.
    #[test]
    fn encode_decode_round_trips(
        params in prop::collection::vec(-1e6f32..1e6, 4 * 4 * (3 + 4 + 1) + 4 * 2 + 2),
        relu in any::<bool>(),
    ) {
        let mut model = Box::new(Stack::new(Lstm::<3, 4>::zeroed(), Dense::<4, 2>::zeroed()));
        model.first.use_bias = true;
        model.rest.use_bias = true;
        let mut it = params.iter();
        model.visit_params_mut(&mut |s| s.iter_mut().for_each(|v| *v = *it.next().unwrap()));
        model.rest.activation = if relu { Activation::Relu } else { Activation::Sigmoid };
        let blob = blob_of(&*model, Some(&metadata()));
        let mut back = Box::new(Stack::new(Lstm::<3, 4>::zeroed(), Dense::<4, 2>::zeroed()));
        load_into(&mut *back, &blob).unwrap();
        prop_assert!(it.next().is_none(), "every parameter was stored");
        prop_assert_eq!(&*back, &*model);
    }

    /// Random in-place corruptions of a valid blob are always errors.
    #[test]
    fn random_corruptions_are_errors(pos in any::<prop::sample::Index>(), byte in 1u8..=255) {
        let blob = blob_of(&*lstm_model(), Some(&metadata()));
        let mut bad = blob.clone();
        let i = pos.index(bad.len());
        bad[i] ^= byte;
        let mut target = zeroed();
        prop_assert!(load_into(&mut *target, &bad).is_err());
    }
}

#[test]
fn weight_and_state_bytes_are_exact() {
    // f32 weights plus the 4-byte-aligned option flags, nothing else.
    assert_eq!(
        Lstm::<1, 128>::WEIGHT_BYTES,
        4 * 4 * 128 * (1 + 128 + 1) + 4
    );
    assert_eq!(Lstm::<1, 128>::STATE_BYTES, 2 * 128 * 4);
    assert_eq!(Gru::<1, 16>::WEIGHT_BYTES, 4 * 3 * 16 * (1 + 16 + 2) + 4);
    assert_eq!(Gru::<1, 16>::STATE_BYTES, 16 * 4);
    assert_eq!(SimpleRnn::<1, 50>::WEIGHT_BYTES, 4 * 50 * (1 + 50 + 1) + 4);
    assert_eq!(Dense::<16, 1>::WEIGHT_BYTES, 4 * (16 + 1) + 4);
    assert_eq!(Dense::<16, 1>::STATE_BYTES, 0);
    type M = Stack<Lstm<1, 16>, Dense<16, 1>>;
    assert_eq!(
        M::WEIGHT_BYTES,
        Lstm::<1, 16>::WEIGHT_BYTES + Dense::<16, 1>::WEIGHT_BYTES
    );
    assert_eq!(M::STATE_BYTES, 2 * 16 * 4);
}

fn contract() -> DataContract {
    DataContract {
        inputs: heapless::Vec::from_slice(&["temperature_c".try_into().unwrap()]).unwrap(),
        targets: heapless::Vec::from_slice(&["temperature_c".try_into().unwrap()]).unwrap(),
        time: Some("time".try_into().unwrap()),
        split: SplitRecord {
            rows: 8760,
            val_fraction: 0.1,
            test: TestSplit::Fraction(0.1),
            train_samples: 7075,
            val_samples: 787,
            test_samples: 874,
        },
    }
}

/// `lstm_model()` as a raw blob with `contract` in its header.
fn blob_with_contract(meta: Option<&Metadata>, contract: &DataContract) -> Vec<u8> {
    let model = lstm_model();
    let specs: Vec<LayerSpec> = (0..LstmModel::LAYERS)
        .map(|i| model.spec(i).unwrap())
        .collect();
    let mut out = vec![0u8; encoded_len_with_contract(&specs, meta, Some(contract)).unwrap()];
    let n = encode_raw_with_contract(&specs, meta, Some(contract), &params_of(&*model), &mut out)
        .unwrap();
    assert_eq!(n, out.len());
    out
}

#[test]
fn the_data_contract_round_trips_in_the_current_version() {
    let blob = blob_with_contract(Some(&metadata()), &contract());
    let checked = read_header(&blob).unwrap();
    assert_eq!(checked.header.version, FORMAT_VERSION);
    assert_eq!(FORMAT_VERSION, 4);
    assert_eq!(checked.header.contract, Some(contract()));
    let mut loaded = zeroed();
    assert_eq!(load_into(&mut *loaded, &blob).unwrap(), Some(metadata()));
    assert_eq!(*loaded, *lstm_model());
    // Longest names and 16 columns still fit the header bound.
    let long: heapless::String<MAX_NAME_BYTES> =
        "x".repeat(MAX_NAME_BYTES).as_str().try_into().unwrap();
    let mut wide = contract();
    let mut meta = metadata();
    for _ in 1..16 {
        wide.inputs.push(long.clone()).unwrap();
        meta.inputs.push(meta.inputs[0]).unwrap();
    }
    wide.time = Some(long);
    let specs = [LayerSpec::Lstm {
        input_size: 16,
        hidden_size: 8,
        use_bias: true,
    }];
    assert!(encoded_len_with_contract(&specs, Some(&meta), Some(&wide)).is_ok());
}

#[test]
fn a_contract_that_does_not_match_the_metadata_is_refused() {
    // Two input names but one input scale; or names without any scales.
    let mut two = contract();
    two.inputs.push("salinity".try_into().unwrap()).unwrap();
    for blob in [
        blob_with_contract(Some(&metadata()), &two),
        blob_with_contract(None, &contract()),
    ] {
        let mut target = filled(zeroed(), 7.0);
        let before = target.clone();
        assert_eq!(load_into(&mut *target, &blob).unwrap_err(), Error::Decode);
        assert_eq!(*target, *before);
    }
}

/// `contract()` with split fractions the loader must refuse.
fn bad_splits() -> Vec<DataContract> {
    let mut bad = Vec::new();
    for val_fraction in [f64::NAN, -0.1, 1.0, 7.7e300] {
        let mut c = contract();
        c.split.val_fraction = val_fraction;
        bad.push(c);
    }
    for test in [f64::NAN, 0.0, 1.0, -0.5, f64::INFINITY] {
        let mut c = contract();
        c.split.test = TestSplit::Fraction(test);
        bad.push(c);
    }
    bad
}

#[test]
fn contracts_with_unusable_split_fractions_are_refused() {
    // Found by the fuzzer: a test fraction of NaN was accepted (and made
    // the header differ from itself).
    let mut target = filled(zeroed(), 7.0);
    let before = target.clone();
    let model = lstm_model();
    let specs: Vec<LayerSpec> = (0..2).map(|i| model.spec(i).unwrap()).collect();
    let mut out = vec![0u8; 8192];
    for bad in bad_splits() {
        let blob = blob_from_spec(metadata(), Some(bad.clone()));
        assert_eq!(
            read_header(&blob).unwrap_err(),
            Error::BadSplit,
            "{:?}",
            bad.split
        );
        assert_eq!(load_into(&mut *target, &blob).unwrap_err(), Error::BadSplit);
        assert_eq!(*target, *before, "the model is left unchanged");
        assert_eq!(
            encoded_len_with_contract(&specs, Some(&metadata()), Some(&bad)),
            Err(Error::BadSplit)
        );
        assert_eq!(
            encode_raw_with_contract(
                &specs,
                Some(&metadata()),
                Some(&bad),
                &params_of(&*model),
                &mut out
            ),
            Err(Error::BadSplit)
        );
    }
    // The same blob with a usable split loads.
    let good = blob_from_spec(metadata(), Some(contract()));
    assert!(load_into(&mut *target, &good).is_ok());
    assert!(Error::BadSplit
        .to_string()
        .contains("test fraction outside (0, 1)"));
}

#[test]
fn contract_blobs_refuse_every_truncation_and_corruption() {
    let blob = blob_with_contract(Some(&metadata()), &contract());
    let mut target = filled(zeroed(), 7.0);
    let before = target.clone();
    for len in 0..blob.len() {
        assert!(
            matches!(
                load_into(&mut *target, &blob[..len]),
                Err(Error::Truncated { .. })
            ),
            "length {len}"
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
    assert_eq!(*target, *before);
}

/// A version-1 file written before the data contract existed (the LSTM(16)
/// sea-temperature model of `firmware-example`, exported by rnn-train).
const V1_BLOB: &[u8] = include_bytes!("../../../testdata/weights/v1_lstm16_sea_temperature.rnnw");

#[test]
fn version_1_files_still_load_without_a_contract() {
    let checked = read_header(V1_BLOB).unwrap();
    assert_eq!(checked.header.version, 1);
    assert_eq!(checked.header.contract, None);
    let meta = checked.header.metadata.clone().expect("v1 metadata");
    assert_eq!((meta.window, meta.horizon), (24, 1));
    let mut model = Box::new(Stack::new(
        Lstm::<1, 16>::zeroed(),
        Dense::<16, 1>::zeroed(),
    ));
    assert_eq!(load_into(&mut *model, V1_BLOB).unwrap(), Some(meta));
    assert!(params_of(&*model).iter().any(|&p| p != 0.0));
    // Its truncations are still refused.
    for len in [0, 5, V1_BLOB.len() / 2, V1_BLOB.len() - 1] {
        assert!(read_header(&V1_BLOB[..len]).is_err(), "length {len}");
    }
}

/// The worked example of docs/weight-format.md is exactly what `encode`
/// writes for that model, byte for byte.
#[test]
fn worked_example_bytes_match_the_spec() {
    let spec = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/weight-format.md"
    ))
    .unwrap();
    let block = spec
        .split("<!-- worked example: checked byte for byte by rnn-core/tests/models/weights.rs -->")
        .nth(1)
        .and_then(|rest| rest.split("```text").nth(1))
        .and_then(|rest| rest.split("```").next())
        .expect("worked example block in docs/weight-format.md");
    let want: Vec<u8> = block
        .lines()
        .flat_map(|line| {
            line.split_whitespace()
                .map_while(|t| {
                    (t.len() == 2)
                        .then(|| u8::from_str_radix(t, 16).ok())
                        .flatten()
                })
                .collect::<Vec<u8>>()
        })
        .collect();
    let mut model = Dense::<2, 1>::zeroed();
    model.w[0] = 0.5;
    model.w[1] = -1.0;
    model.b[0] = 0.25;
    model.use_bias = true;
    let mut out = [0u8; 64];
    let n = rnn_core::format::encode(&model, None, &mut out).unwrap();
    let hex = |b: &[u8]| {
        b.iter()
            .map(|x| format!("{x:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        hex(&out[..n]),
        hex(&want),
        "encoded bytes differ from the spec's example"
    );
    let mut back = Dense::<2, 1>::zeroed();
    rnn_core::format::load_into(&mut back, &want).unwrap();
    assert_eq!(back, model);
}
