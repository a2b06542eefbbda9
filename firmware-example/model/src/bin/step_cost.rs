//! The host half of `rnn-train cost`: times [`Layer::step`] of the model
//! `build.rs` generated (the weight file named by `FIRMWARE_MODEL`) on
//! this machine, with the kernel rnn-core detects at run time, for one
//! stream and for [`STREAMS`] streams batched with [`Layer::step_streams`].
//!
//! Built with the feature `host` (rnn-core's `std`: run-time kernel
//! detection): `FIRMWARE_MODEL=m.rnnw cargo run --release -p
//! firmware-model --features host --bin step-cost`. It prints one line
//! `kernel=NAME` and one line per measurement,
//! `streams=N steps=S repetitions=R median_ns=.. min_ns=.. max_ns=..`,
//! where the times are nanoseconds per step of all `N` streams, over `R`
//! repetitions of `S` steps each. Inputs are pseudo-random in [-1, 1)
//! (SplitMix64, fixed seed), so the state keeps changing as in real use.
//!
//! With the argument `quantized` it times the quantized model instead
//! ([`QUANTIZED_MODEL`], from `FIRMWARE_QUANTIZED_MODEL`), one stream, with
//! the same inputs as int16 codes (`kernel=integer`: the portable integer
//! kernel, the host's only one).

use std::hint::black_box;
use std::time::{Duration, Instant};

use firmware_model::quantized::{QuantizedModel, QUANTIZED_INPUT_FRAC, QUANTIZED_MODEL};
use firmware_model::{Model, MODEL};
use rnn_core::quant::QLayer;
use rnn_core::{Kernel, Layer, SVector};

/// Streams of the batched measurement.
const STREAMS: usize = 16;
/// Timed repetitions of each measurement.
const REPETITIONS: usize = 31;
/// Wall-clock time one repetition aims at.
const REPETITION_TIME: Duration = Duration::from_millis(2);
/// Distinct inputs cycled through.
const INPUTS: usize = 64;

type Input = <Model as Layer>::Input;

fn main() {
    let mut seed = 0x5EED_u64;
    let values: Vec<f32> = (0..INPUTS * Model::INPUT_SIZE.max(QuantizedModel::INPUT_SIZE))
        .map(|_| uniform(&mut seed))
        .collect();
    if std::env::args().nth(1).as_deref() == Some("quantized") {
        return quantized(&values);
    }
    let inputs: Vec<Input> = (0..INPUTS)
        .map(|k| SVector::from_fn(|i, _| values[k * Model::INPUT_SIZE + i]))
        .collect();
    println!("kernel={}", Kernel::detected().isa().name());

    let mut state = Model::zero_state();
    let mut k = 0;
    let one = measure(|| {
        k = (k + 1) % INPUTS;
        black_box(MODEL.step(&mut state, black_box(&inputs[k])));
    });
    report(1, one);

    let mut states: [<Model as Layer>::State; STREAMS] =
        core::array::from_fn(|_| Model::zero_state());
    let mut k = 0;
    let batched = measure(|| {
        k = (k + 1) % INPUTS;
        let batch: [Input; STREAMS] = core::array::from_fn(|s| inputs[(k + s) % INPUTS]);
        black_box(MODEL.step_streams(&mut states, black_box(&batch)));
    });
    report(STREAMS, batched);
}

/// Times the quantized model's step, one stream.
fn quantized(values: &[f32]) {
    let scale = f32::from(QUANTIZED_INPUT_FRAC).exp2();
    let inputs: Vec<<QuantizedModel as QLayer>::Input> = (0..INPUTS)
        .map(|k| {
            core::array::from_fn(|i| {
                let code = (values[k * QuantizedModel::INPUT_SIZE + i] * scale).round();
                code.clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16
            })
        })
        .collect();
    println!("kernel=integer");
    let mut state = QuantizedModel::zero_state();
    let mut k = 0;
    let one = measure(|| {
        k = (k + 1) % INPUTS;
        black_box(QUANTIZED_MODEL.step(&mut state, black_box(&inputs[k])));
    });
    report(1, one);
}

/// Steps per repetition and the ns per step of each repetition, sorted.
struct Measurement {
    steps: usize,
    ns_per_step: Vec<f64>,
}

/// Times `step`: first how many calls take [`REPETITION_TIME`], then
/// [`REPETITIONS`] repetitions of that many calls.
fn measure(mut step: impl FnMut()) -> Measurement {
    let mut steps = 1;
    loop {
        let start = Instant::now();
        (0..steps).for_each(|_| step());
        if start.elapsed() >= REPETITION_TIME {
            break;
        }
        steps *= 2;
    }
    let mut ns_per_step: Vec<f64> = (0..REPETITIONS)
        .map(|_| {
            let start = Instant::now();
            (0..steps).for_each(|_| step());
            start.elapsed().as_nanos() as f64 / steps as f64
        })
        .collect();
    ns_per_step.sort_by(f64::total_cmp);
    Measurement { steps, ns_per_step }
}

fn report(streams: usize, m: Measurement) {
    let ns = &m.ns_per_step;
    println!(
        "streams={streams} steps={} repetitions={} median_ns={:.1} min_ns={:.1} max_ns={:.1}",
        m.steps,
        ns.len(),
        ns[ns.len() / 2],
        ns[0],
        ns[ns.len() - 1]
    );
}

/// SplitMix64 (Steele, Lea, Flood 2014), mapped to [-1, 1).
fn uniform(seed: &mut u64) -> f32 {
    *seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *seed;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 40) as f32 / (1u64 << 23) as f32 - 1.0
}
