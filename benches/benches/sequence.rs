//! Whole-sequence latency: 200 timesteps as `run_sequence_into` runs them
//! (Keras `return_sequences=True`) of LSTM, GRU and SimpleRNN 32 + Dense 1
//! on one input feature, per kernel.
//!
//! `cargo bench -p benches --bench sequence`; ids are `sequence200/<impl>/<kind>`.

use std::hint::black_box;

use benches::{keras_gru, keras_simple_rnn, model, Impl, NalgebraStep};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rnn_core::{Gru, Lstm, SVector, SimpleRnn};

const T: usize = 200;

fn bench_sequence<M>(c: &mut Criterion, kind: &str, m: &M)
where
    M: NalgebraStep<Input = SVector<f32, 1>, Output = SVector<f32, 1>>,
{
    let xs: Vec<SVector<f32, 1>> = (0..T)
        .map(|t| SVector::from([(t as f32 * 0.1).sin()]))
        .collect();
    let mut ys = vec![SVector::zeros(); T];
    let mut g = c.benchmark_group("sequence200");
    for imp in Impl::all() {
        g.bench_function(BenchmarkId::new(imp.name(), kind), |b| match imp {
            Impl::Nalgebra => b.iter(|| {
                let mut s = M::zero_state();
                for (x, y) in xs.iter().zip(ys.iter_mut()) {
                    *y = m.nalgebra_step(&mut s, black_box(x));
                }
                ys[T - 1]
            }),
            // `run_sequence_into` on the given kernel: the same loop.
            Impl::Core(k) => b.iter(|| {
                let mut s = M::zero_state();
                for (x, y) in black_box(&xs).iter().zip(ys.iter_mut()) {
                    *y = m.step_with(k, &mut s, x);
                }
                ys[T - 1]
            }),
        });
    }
    g.finish();
}

fn sequence(c: &mut Criterion) {
    bench_sequence(c, "lstm32", &*model::<Lstm<1, 32>, 32>(Lstm::zeroed()));
    bench_sequence(c, "gru32", &*model::<Gru<1, 32>, 32>(keras_gru()));
    bench_sequence(
        c,
        "simple_rnn32",
        &*model::<SimpleRnn<1, 32>, 32>(keras_simple_rnn()),
    );
}

criterion_group!(benches, sequence);
criterion_main!(benches);
