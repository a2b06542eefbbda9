//! Many streams: one model (in one place, as in flash) serving 16
//! independent states, one step of each per iteration, per kernel.
//!
//! `cargo bench -p benches --bench streams`; ids are `streams16/<impl>/<kind>`.

use std::hint::black_box;

use benches::{model, Impl, NalgebraStep};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rnn_core::{Gru, Lstm, SVector};

const STREAMS: usize = 16;

fn bench_streams<M>(c: &mut Criterion, kind: &str, m: &M)
where
    M: NalgebraStep<Input = SVector<f32, 1>, Output = SVector<f32, 1>>,
{
    let xs: Vec<SVector<f32, 1>> = (0..STREAMS)
        .map(|k| SVector::from([k as f32 * 0.05]))
        .collect();
    let mut g = c.benchmark_group("streams16");
    for imp in Impl::all() {
        let mut states = [M::zero_state(); STREAMS];
        g.bench_function(BenchmarkId::new(imp.name(), kind), |b| match imp {
            Impl::Nalgebra => b.iter(|| {
                let mut sum = 0.0;
                for (s, x) in states.iter_mut().zip(&xs) {
                    sum += m.nalgebra_step(s, black_box(x))[0];
                }
                sum
            }),
            Impl::Core(k) => b.iter(|| {
                let mut sum = 0.0;
                for (s, x) in states.iter_mut().zip(&xs) {
                    sum += m.step_with(k, s, black_box(x))[0];
                }
                sum
            }),
        });
    }
    g.finish();
}

fn streams(c: &mut Criterion) {
    bench_streams(c, "lstm32", &*model::<Lstm<1, 32>, 32>(Lstm::zeroed()));
    bench_streams(c, "gru32", &*model::<Gru<1, 32>, 32>(Gru::zeroed()));
}

criterion_group!(benches, streams);
criterion_main!(benches);
