//! The quantized weight format (version 3): round trips, and every kind of
//! corruption refused with its typed error, never a panic, the model left
//! unchanged. Version-1 float files still load.
#![cfg(feature = "std")]

use rnn_core::format::{encode, encoded_len, load_into, LayerKind, LayerShape};
use rnn_core::quant::format::{
    encode_quantized, load_quantized_into, quantized_len, read_quantized,
};
use rnn_core::quant::{QDense, QLayer, QLstm, QModel};
use rnn_core::{Activation, Dense, Error, Layer, Lstm, Stack};

type Model = Stack<QLstm<1, 4>, QDense<4, 1>>;

fn model() -> Box<Model> {
    let mut m = Box::new(Model::ZEROED);
    let mut k = 0i32;
    m.visit_params_mut(&mut |p| match p {
        rnn_core::quant::QParamsMut::I8(v) => v.iter_mut().for_each(|x| {
            k += 1;
            *x = ((k * 37) % 255 - 127) as i8;
        }),
        rnn_core::quant::QParamsMut::I32(v) => v.iter_mut().for_each(|x| {
            k += 1;
            *x = (k * 7919) % 100_000 - 50_000;
        }),
        rnn_core::quant::QParamsMut::U16(v) => v.iter_mut().for_each(|x| {
            k += 1;
            *x = 16384 + (k as u16 * 97) % 16384;
        }),
        rnn_core::quant::QParamsMut::U8(v) => v.iter_mut().for_each(|x| {
            k += 1;
            *x = 1 + (k % 16) as u8;
        }),
    });
    m.first.input_frac = 14;
    m.first.cell_frac = 13;
    m.rest.input_frac = 15;
    m.rest.output_frac = 12;
    m.rest.activation = Activation::Linear;
    m
}

fn blob(m: &Model) -> Vec<u8> {
    let specs: Vec<_> = (0..2).map(|i| m.spec(i).expect("two layers")).collect();
    let mut out = vec![0; quantized_len(&specs, None).expect("len")];
    let n = encode_quantized(m, None, &mut out).expect("encode");
    assert_eq!(n, out.len());
    out
}

#[test]
fn round_trip_const_generic_and_run_time_sized() {
    let m = model();
    let b = blob(&m);
    let mut loaded = Box::new(Model::ZEROED);
    assert_eq!(load_quantized_into(&mut *loaded, &b), Ok(None));
    assert_eq!(loaded, m);
    let q = QModel::from_blob(&b).expect("valid");
    assert_eq!(q.to_blob().expect("encode"), b);
    assert_eq!(q.param_bytes(), 4 * 4 * (1 + 4) + 16 * 7 + 4 + 7);
}

#[test]
fn every_flipped_bit_and_truncation_is_refused_without_touching_the_model() {
    let m = model();
    let b = blob(&m);
    for at in 0..b.len() {
        for bit in 0..8 {
            let mut bad = b.clone();
            bad[at] ^= 1 << bit;
            let mut target = Box::new(Model::ZEROED);
            let result = load_quantized_into(&mut *target, &bad);
            assert!(result.is_err(), "flip of bit {bit} at byte {at} accepted");
            assert_eq!(*target, Model::ZEROED, "model written despite {result:?}");
            assert!(QModel::from_blob(&bad).is_err());
        }
    }
    for len in 0..b.len() {
        let result = read_quantized(&b[..len]);
        assert!(
            matches!(
                result,
                Err(Error::Truncated { .. } | Error::BadMagic { .. } | Error::Decode)
            ),
            "truncated to {len}: {result:?}"
        );
    }
    let mut long = b.clone();
    long.push(0);
    assert!(matches!(
        read_quantized(&long),
        Err(Error::TrailingBytes { .. })
    ));
}

#[test]
fn wrong_version_and_wrong_architecture() {
    let b = blob(&model());
    let mut v4 = b.clone();
    v4[4] = 4;
    assert_eq!(
        read_quantized(&v4).map(|_| ()),
        Err(Error::UnsupportedVersion {
            found: 4,
            supported: 3
        })
    );
    let mut other = Box::new(Stack::new(
        QLstm::<1, 5>::zeroed(),
        QDense::<5, 1>::zeroed(),
    ));
    assert_eq!(
        load_quantized_into(&mut *other, &b),
        Err(Error::ArchitectureMismatch {
            layer: 0,
            expected: Some(LayerShape {
                kind: LayerKind::Lstm,
                input_size: 1,
                units: 5
            }),
            found: Some(LayerShape {
                kind: LayerKind::Lstm,
                input_size: 1,
                units: 4
            }),
        })
    );
}

/// Blobs with a valid checksum but values the kernels cannot run.
#[test]
fn out_of_range_scales_formats_and_accumulators() {
    let check = |edit: &dyn Fn(&mut Model), want: Error| {
        let mut m = model();
        edit(&mut m);
        let b = blob(&m);
        assert_eq!(read_quantized(&b).map(|_| ()), Err(want));
        assert_eq!(QModel::from_blob(&b).map(|_| ()), Err(want));
    };
    check(
        &|m| m.first.mult[1][2] = 16383,
        Error::QuantizedScale { layer: 0, row: 6 },
    );
    check(
        &|m| m.first.mult[0][0] = 32768,
        Error::QuantizedScale { layer: 0, row: 0 },
    );
    check(
        &|m| m.rest.shift[0] = 0,
        Error::QuantizedScale { layer: 1, row: 0 },
    );
    check(
        &|m| m.first.shift[3][3] = 17,
        Error::QuantizedScale { layer: 0, row: 15 },
    );
    check(
        &|m| m.first.cell_frac = 16,
        Error::QuantizedFormat { layer: 0 },
    );
    check(
        &|m| m.first.input_frac = 16,
        Error::QuantizedFormat { layer: 0 },
    );
    check(
        &|m| m.rest.input_frac = 14,
        Error::QuantizedFormat { layer: 1 },
    );
    check(
        &|m| {
            m.rest.activation = Activation::Tanh;
            m.rest.output_frac = 12;
        },
        Error::QuantizedFormat { layer: 1 },
    );
    check(
        &|m| m.first.bias[2][1] = i32::MAX - 10,
        Error::AccumulatorOverflow { layer: 0, row: 9 },
    );
    check(
        &|m| {
            m.rest.w = [[-128; 4]];
            m.rest.bias[0] = i32::MAX - 4 * 128 * 32768 + 1;
        },
        Error::AccumulatorOverflow { layer: 1, row: 0 },
    );
}

#[test]
fn float_files_still_load_and_the_versions_are_not_confused() {
    let mut float = Box::new(Stack::new(Lstm::<1, 4>::zeroed(), Dense::<4, 1>::zeroed()));
    float.first.use_bias = true;
    float.rest.use_bias = true;
    let mut k = 0.0f32;
    float.visit_params_mut(&mut |s| {
        for v in s {
            k += 0.01;
            *v = k;
        }
    });
    let specs: Vec<_> = (0..2).map(|i| float.spec(i).expect("two")).collect();
    // A float file as written now (version 4).
    let mut float_file = vec![0; encoded_len(&specs, None).expect("len")];
    encode(&*float, None, &mut float_file).expect("encode");
    let mut loaded = Box::new(Stack::new(Lstm::<1, 4>::zeroed(), Dense::<4, 1>::zeroed()));
    assert_eq!(load_into(&mut *loaded, &float_file), Ok(None));
    assert_eq!(loaded, float);
    assert_eq!(
        read_quantized(&float_file).map(|_| ()),
        Err(Error::UnsupportedVersion {
            found: rnn_core::format::FORMAT_VERSION,
            supported: 3
        })
    );
    let quantized_file = blob(&model());
    assert!(matches!(
        load_into(&mut *loaded, &quantized_file),
        Err(Error::UnsupportedVersion { found: 3, .. })
    ));
}
