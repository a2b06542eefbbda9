//! Per-step latency of the integer LSTM(1→16) + Dense(1) (int8 weights,
//! int16 state, `rnn_core::quant`, the portable kernel on the host) beside
//! the float LSTM(1→16) + Dense(1) (scalar kernel and the default kernel
//! of this CPU): the firmware's model shape, on the host.
//!
//! `cargo bench -p benches --bench quant_step`; ids are
//! `lstm16_step/<float-scalar|float-detected|int8>`.

use std::hint::black_box;

use benches::{model, Rng};
use criterion::{criterion_group, criterion_main, Criterion};
use rnn_core::quant::{QDense, QLayer, QLstm};
use rnn_core::{Isa, Kernel, Layer, Lstm, SVector, Stack};

/// A seeded integer model with in-range formats: weights over the whole
/// int8 range, multipliers in `[2^14, 2^15)`, shift 8, inputs and cell
/// in Q12.
fn quantized() -> Box<Stack<QLstm<1, 16>, QDense<16, 1>>> {
    let mut m = Box::new(Stack::new(
        QLstm::<1, 16>::zeroed(),
        QDense::<16, 1>::zeroed(),
    ));
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut i8s = |v: &mut [i8]| {
        v.iter_mut()
            .for_each(|w| *w = (rng.next(1.0) * 127.0) as i8)
    };
    i8s(m.first.w.as_flattened_mut().as_flattened_mut());
    i8s(m.first.u.as_flattened_mut().as_flattened_mut());
    i8s(m.rest.w.as_flattened_mut());
    m.first.mult.as_flattened_mut().fill(20_000);
    m.first.shift.as_flattened_mut().fill(8);
    m.first.input_frac = 12;
    m.first.cell_frac = 12;
    m.rest.mult.fill(20_000);
    m.rest.shift.fill(8);
    m.rest.input_frac = 15;
    m.rest.output_frac = 12;
    m
}

fn lstm16(c: &mut Criterion) {
    let mut g = c.benchmark_group("lstm16_step");
    let float = model::<Lstm<1, 16>, 16>(Lstm::zeroed());
    let x = SVector::<f32, 1>::new(0.3);
    let scalar = Kernel::new(Isa::Scalar);
    for (name, kernel) in [
        ("float-scalar", scalar),
        ("float-detected", Some(Kernel::detected())),
    ] {
        let Some(kernel) = kernel else { continue };
        let mut state = <benches::WithDense<Lstm<1, 16>, 16> as Layer>::zero_state();
        g.bench_function(name, |b| {
            b.iter(|| float.step_with(kernel, &mut state, black_box(&x)))
        });
    }
    let q = quantized();
    let mut state = <Stack<QLstm<1, 16>, QDense<16, 1>> as QLayer>::zero_state();
    let xq = [1229i16]; // 0.3 in Q12
    g.bench_function("int8", |b| b.iter(|| q.step(&mut state, black_box(&xq))));
    g.finish();
}

criterion_group!(quant_step, lstm16);
criterion_main!(quant_step);
