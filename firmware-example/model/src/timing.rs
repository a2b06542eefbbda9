//! Host timing of the generated models with criterion, shared by
//! `rnn-train cost` (binary `step-cost`) and the benches' `quant_step`
//! bench, so both measure the same calls the same way. Feature `host`.
//!
//! Each function registers its benchmarks in the group `group` of `c`:
//! `float_1` (one stream, [`Layer::step`] on the kernel rnn-core detects),
//! `float_16` ([`STREAMS`] streams in one [`Layer::step_streams`] call),
//! `int8_1` (the quantized model's step, the portable integer kernel).
//! Inputs cycle through 64 pseudo-random values in [-1, 1) (SplitMix64,
//! fixed seed; int16 codes for the quantized model), so the state keeps
//! changing as in real use.

use std::hint::black_box;
use std::vec::Vec;

use criterion::Criterion;
use rnn_core::quant::QLayer;
use rnn_core::{Layer, SVector};

use crate::quantized::{QuantizedModel, QUANTIZED_INPUT_FRAC, QUANTIZED_MODEL};
use crate::{Model, MODEL};

/// Streams of the batched measurement.
pub const STREAMS: usize = 16;
/// Distinct inputs cycled through.
const INPUTS: usize = 64;

type Input = <Model as Layer>::Input;

/// `n` values in [-1, 1): SplitMix64 (Steele, Lea, Flood 2014).
fn uniform(n: usize) -> Vec<f32> {
    let mut seed = 0x5EED_u64;
    (0..n)
        .map(|_| {
            seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = seed;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

/// Registers `float_1` and `float_16`: [`MODEL`]'s step, one stream and
/// [`STREAMS`] batched.
pub fn float(c: &mut Criterion, group: &str) {
    let values = uniform(INPUTS * Model::INPUT_SIZE);
    let inputs: Vec<Input> = (0..INPUTS)
        .map(|k| SVector::from_fn(|i, _| values[k * Model::INPUT_SIZE + i]))
        .collect();
    let mut g = c.benchmark_group(group);
    let mut state = Model::zero_state();
    let mut k = 0;
    g.bench_function("float_1", |b| {
        b.iter(|| {
            k = (k + 1) % INPUTS;
            MODEL.step(&mut state, black_box(&inputs[k]))
        })
    });
    let mut states: [<Model as Layer>::State; STREAMS] =
        core::array::from_fn(|_| Model::zero_state());
    g.bench_function("float_16", |b| {
        b.iter(|| {
            k = (k + 1) % INPUTS;
            let batch: [Input; STREAMS] = core::array::from_fn(|s| inputs[(k + s) % INPUTS]);
            MODEL.step_streams(&mut states, black_box(&batch))
        })
    });
    g.finish();
}

/// Registers `int8_1`: [`QUANTIZED_MODEL`]'s step, one stream.
pub fn quantized(c: &mut Criterion, group: &str) {
    let values = uniform(INPUTS * QuantizedModel::INPUT_SIZE);
    let scale = f32::from(QUANTIZED_INPUT_FRAC).exp2();
    let inputs: Vec<<QuantizedModel as QLayer>::Input> = (0..INPUTS)
        .map(|k| {
            core::array::from_fn(|i| {
                let code = libm::roundf(values[k * QuantizedModel::INPUT_SIZE + i] * scale);
                code.clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16
            })
        })
        .collect();
    let mut g = c.benchmark_group(group);
    let mut state = QuantizedModel::zero_state();
    let mut k = 0;
    g.bench_function("int8_1", |b| {
        b.iter(|| {
            k = (k + 1) % INPUTS;
            QUANTIZED_MODEL.step(&mut state, black_box(&inputs[k]))
        })
    });
    g.finish();
}
