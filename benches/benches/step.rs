//! Per-step latency of SimpleRNN, LSTM and GRU (each + Dense 1) at input
//! size 1 and 8 and hidden size 8 to 128, for the scalar kernel, plain
//! nalgebra and every vector kernel of this CPU, in one run.
//!
//! `cargo bench -p benches --bench step`; ids are `<kind>_i<I>/<impl>/<H>`.

use std::hint::black_box;

use benches::{keras_gru, keras_simple_rnn, model, Impl, NalgebraStep};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rnn_core::{Gru, Lstm, SVector, SimpleRnn};

fn bench_model<M, const I: usize>(c: &mut Criterion, group: &str, h: usize, m: &M)
where
    M: NalgebraStep<Input = SVector<f32, I>>,
{
    let mut g = c.benchmark_group(group);
    let x = SVector::from_fn(|k, _| 0.1 * (k as f32 + 1.0));
    for imp in Impl::all() {
        let mut state = M::zero_state();
        g.bench_with_input(BenchmarkId::new(imp.name(), h), &x, |b, x| match imp {
            Impl::Nalgebra => b.iter(|| m.nalgebra_step(&mut state, black_box(x))),
            Impl::Core(k) => b.iter(|| m.step_with(k, &mut state, black_box(x))),
        });
    }
    g.finish();
}

/// Benchmarks `$kind<$i, H> + Dense(1)` for each listed `H`.
macro_rules! sizes {
    ($c:ident, $kind:ident, $new:path, $name:literal, $i:literal: $($h:literal)*) => {
        $(
            bench_model(
                $c,
                concat!($name, "_i", $i),
                $h,
                &*model::<$kind<$i, $h>, $h>($new()),
            );
        )*
    };
}

fn simple_rnn(c: &mut Criterion) {
    sizes!(c, SimpleRnn, keras_simple_rnn, "simple_rnn", 1: 8 16 32 64 128);
    sizes!(c, SimpleRnn, keras_simple_rnn, "simple_rnn", 8: 8 16 32 64 128);
}

fn lstm(c: &mut Criterion) {
    sizes!(c, Lstm, Lstm::zeroed, "lstm", 1: 8 16 32 64 128);
    sizes!(c, Lstm, Lstm::zeroed, "lstm", 8: 8 16 32 64 128);
}

fn gru(c: &mut Criterion) {
    sizes!(c, Gru, keras_gru, "gru", 1: 8 16 32 64 128);
    sizes!(c, Gru, keras_gru, "gru", 8: 8 16 32 64 128);
}

criterion_group!(step, lstm, gru, simple_rnn);
criterion_main!(step);
