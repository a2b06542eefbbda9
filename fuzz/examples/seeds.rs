//! Writes the seed corpus: valid blobs from rnn-core's own encoder, one per
//! architecture × options × metadata variant, into `seeds/` (or the folder
//! given as the first argument). Run from `fuzz/`:
//!
//! ```text
//! cargo run --example seeds
//! ```
//!
//! The four fuzzed model types (`rnn_core_fuzz::LstmModel` and the others)
//! each get every option combination, so `load_into` starts from blobs it
//! accepts; a few other shapes (an empty model, eight layers, zero-sized
//! layers) exercise `read_header` alone.

use std::path::PathBuf;

use rnn_core::format::{encode_raw, encoded_len, FeatureScale, LayerSpec, Metadata, ScalerKind};
use rnn_core::Activation;

const ACTIVATIONS: [Activation; 4] = [
    Activation::Linear,
    Activation::Relu,
    Activation::Tanh,
    Activation::Sigmoid,
];

fn simple_rnn(input_size: u32, hidden_size: u32, k: usize) -> LayerSpec {
    LayerSpec::SimpleRnn {
        input_size,
        hidden_size,
        activation: ACTIVATIONS[k % 4],
        use_bias: k % 2 == 0,
    }
}

fn lstm(input_size: u32, hidden_size: u32, k: usize) -> LayerSpec {
    LayerSpec::Lstm {
        input_size,
        hidden_size,
        use_bias: k % 2 == 0,
    }
}

fn gru(input_size: u32, hidden_size: u32, k: usize) -> LayerSpec {
    LayerSpec::Gru {
        input_size,
        hidden_size,
        reset_after: k % 2 == 0,
        use_bias: (k / 2) % 2 == 0,
    }
}

fn dense(input_size: u32, output_size: u32, k: usize) -> LayerSpec {
    LayerSpec::Dense {
        input_size,
        output_size,
        activation: ACTIVATIONS[(k + 1) % 4],
        use_bias: (k / 2) % 2 == 1,
    }
}

fn scales(values: &[(f32, f32)]) -> heapless::Vec<FeatureScale, 16> {
    values
        .iter()
        .map(|&(shift, scale)| FeatureScale { shift, scale })
        .collect()
}

/// No metadata, min-max with one feature, standard with many features and
/// extreme (but valid) numbers.
fn metadata_variants() -> Vec<Option<Metadata>> {
    let many: Vec<(f32, f32)> = (0..16)
        .map(|i| (i as f32 * -1.5, 0.25 + i as f32))
        .collect();
    vec![
        None,
        Some(Metadata {
            scaler: ScalerKind::MinMax,
            inputs: scales(&[(3.6, 18.6)]),
            targets: scales(&[(3.6, 18.6)]),
            window: 24,
            horizon: 1,
        }),
        Some(Metadata {
            scaler: ScalerKind::Standard,
            inputs: scales(&many),
            targets: scales(&many[..2]),
            window: 1,
            horizon: 12,
        }),
        Some(Metadata {
            scaler: ScalerKind::MinMax,
            inputs: scales(&[(-f32::MAX, f32::MIN_POSITIVE), (-0.0, f32::MAX)]),
            targets: heapless::Vec::new(),
            window: u32::MAX,
            horizon: 0,
        }),
    ]
}

/// Deterministic finite parameters, including -0, subnormals and extremes.
fn params(count: usize, seed: usize) -> Vec<f32> {
    const SPECIAL: [f32; 5] = [-0.0, 1e-40, f32::MAX, -f32::MIN_POSITIVE, 1.0];
    (0..count)
        .map(|i| match (i + seed) % 97 {
            k @ 0..=4 => SPECIAL[k],
            _ => ((i as f32) * 0.37 + seed as f32).sin(),
        })
        .collect()
}

fn architectures() -> Vec<(&'static str, Vec<Vec<LayerSpec>>)> {
    let per_model = |f: &dyn Fn(usize) -> Vec<LayerSpec>| (0..4).map(f).collect();
    vec![
        (
            "lstm",
            per_model(&|k| vec![lstm(1, 16, k), dense(16, 1, k)]),
        ),
        ("gru", per_model(&|k| vec![gru(2, 8, k), dense(8, 1, k)])),
        ("rnn", per_model(&|k| vec![simple_rnn(1, 4, k)])),
        (
            "deep",
            per_model(&|k| vec![simple_rnn(3, 4, k), gru(4, 4, k), dense(4, 2, k)]),
        ),
        (
            "other",
            vec![
                vec![],
                vec![dense(0, 0, 0), lstm(0, 3, 1), gru(3, 0, 2)],
                (0..8).map(|k| simple_rnn(1, 1, k)).collect(),
            ],
        ),
    ]
}

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "seeds".into()));
    std::fs::create_dir_all(&dir).expect("create the seed folder");
    let mut written = 0;
    for (name, variants) in architectures() {
        for (k, specs) in variants.iter().enumerate() {
            for (m, meta) in metadata_variants().iter().enumerate() {
                let meta = meta.as_ref();
                let len = encoded_len(specs, meta).expect("seed header fits");
                let count: usize = specs.iter().map(|s| s.param_count().unwrap()).sum();
                let mut out = vec![0u8; len];
                encode_raw(specs, meta, &params(count, k + m), &mut out).expect("seed encodes");
                let path = dir.join(format!("{name}-{k}-meta{m}.rnnw"));
                std::fs::write(&path, &out).expect("write a seed");
                written += 1;
            }
        }
    }
    println!("wrote {written} seeds to {}", dir.display());
}
