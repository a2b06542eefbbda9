//! Rust source generation for flash-resident models (feature `std`). The
//! firmware example compiles the generated source; here we check its text.
#![cfg(feature = "std")]

use rnn_core::format::codegen::rust_source;
use rnn_core::format::{encode, encoded_len, FeatureScale, LayerSpec, Metadata, ScalerKind};
use rnn_core::{Dense, Error, Gru, Layer, Stack};

#[test]
fn generated_source_names_the_type_and_every_weight() {
    let mut model = Box::new(Stack::new(Gru::<1, 3>::zeroed(), Dense::<3, 1>::zeroed()));
    model.first.reset_after = true;
    model.first.use_bias = true;
    let mut k = 0.0f32;
    model.visit_params_mut(&mut |s| {
        for v in s {
            k += 1.0;
            *v = k / 8.0;
        }
    });
    let meta = Metadata {
        scaler: ScalerKind::Standard,
        inputs: heapless::Vec::from_slice(&[FeatureScale {
            shift: 10.5,
            scale: 2.25,
        }])
        .unwrap(),
        targets: heapless::Vec::from_slice(&[FeatureScale {
            shift: 10.5,
            scale: 2.25,
        }])
        .unwrap(),
        window: 24,
        horizon: 1,
    };
    let specs: Vec<LayerSpec> = (0..2).map(|i| model.spec(i).unwrap()).collect();
    let mut blob = vec![0u8; encoded_len(&specs, Some(&meta)).unwrap()];
    encode(&*model, Some(&meta), &mut blob).unwrap();
    let src = rust_source(&blob).unwrap();
    assert!(src
        .contains("pub type Model = rnn_core::Stack<rnn_core::Gru<1, 3>, rnn_core::Dense<3, 1>>;"));
    assert!(src.contains("pub static MODEL: Model = rnn_core::Stack::new(rnn_core::Gru {"));
    assert!(src.contains("reset_after: true"));
    assert!(src.contains("pub const WINDOW: usize = 24;"));
    assert!(src.contains("shift: 10.5, scale: 2.25"));
    // Every parameter value appears, in order: 1/8, 2/8, ... k/8.
    let mut pos = 0;
    for i in 1..=(k as usize) {
        let lit = format!("{:?}", i as f32 / 8.0);
        let at = src[pos..]
            .find(&lit)
            .unwrap_or_else(|| panic!("{lit} missing after {pos}"));
        pos += at + lit.len();
    }
}

#[test]
fn generation_refuses_bad_blobs() {
    assert!(matches!(rust_source(b"RNN"), Err(Error::Truncated { .. })));
    assert!(matches!(rust_source(b"nope"), Err(Error::BadMagic { .. })));
}
