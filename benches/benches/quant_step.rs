//! Per-step latency of the bundled sea-temperature model
//! (`firmware-example/model/sea_temperature.rnnw`, LSTM(1→16) + Dense(1))
//! and of it quantized (`sea_temperature.q.rnnw`, int8 weights, int16
//! state, the portable integer kernel on the host): the firmware's models,
//! on the host, through `firmware_model::timing`, the code `rnn-train
//! cost` times them with.
//!
//! `cargo bench -p benches --bench quant_step`; ids are
//! `bundled_step/<float_1|float_16|int8_1>` (one stream, 16 streams in one
//! `step_streams` call, the integer step).

use criterion::{criterion_group, criterion_main, Criterion};

fn bundled(c: &mut Criterion) {
    firmware_model::timing::float(c, "bundled_step");
    firmware_model::timing::quantized(c, "bundled_step");
}

criterion_group!(quant_step, bundled);
criterion_main!(quant_step);
