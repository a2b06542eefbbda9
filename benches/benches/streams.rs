//! Many streams: one model (in one place, as in flash) serving `N`
//! independent states (N = 4, 16, 64), one step of each per iteration, per
//! kernel, two ways: `separate`, `N` calls of `Layer::step_with`, and
//! `batched`, one call of `Layer::step_streams_with` (the same bits; for
//! layers larger than L1, LSTM(64) and LSTM(128) here, the gate products
//! of four streams per pass over the weights; LSTM(32) and GRU(32) step
//! each stream alone inside it).
//!
//! `cargo bench -p benches --bench streams`; ids are
//! `streams/<kind>_n<N>/<kernel>/<separate|batched>`, times per iteration
//! (`N` stream-steps).

use std::hint::black_box;

use benches::{keras_gru, model, Impl};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rnn_core::{Gru, Layer, Lstm, SVector};

fn bench_streams<M, const N: usize>(c: &mut Criterion, kind: &str, m: &M)
where
    M: Layer<Input = SVector<f32, 1>, Output = SVector<f32, 1>>,
{
    let xs: [SVector<f32, 1>; N] = core::array::from_fn(|k| SVector::from([k as f32 * 0.05]));
    let mut g = c.benchmark_group("streams");
    for imp in Impl::all() {
        let Impl::Core(k) = imp else { continue };
        let id = format!("{kind}_n{N}/{}", imp.name());
        let mut states = [M::zero_state(); N];
        g.bench_function(BenchmarkId::new(id.clone(), "separate"), |b| {
            b.iter(|| {
                let mut sum = 0.0;
                for (s, x) in states.iter_mut().zip(&xs) {
                    sum += m.step_with(k, s, black_box(x))[0];
                }
                sum
            })
        });
        let mut states = [M::zero_state(); N];
        g.bench_function(BenchmarkId::new(id, "batched"), |b| {
            b.iter(|| {
                let ys = m.step_streams_with(k, &mut states, black_box(&xs));
                ys.iter().map(|y| y[0]).sum::<f32>()
            })
        });
    }
    g.finish();
}

fn streams(c: &mut Criterion) {
    let lstm32 = model::<Lstm<1, 32>, 32>(Lstm::zeroed());
    let gru32 = model::<Gru<1, 32>, 32>(keras_gru());
    let lstm64 = model::<Lstm<1, 64>, 64>(Lstm::zeroed());
    let lstm128 = model::<Lstm<1, 128>, 128>(Lstm::zeroed());
    bench_streams::<_, 4>(c, "lstm32", &*lstm32);
    bench_streams::<_, 16>(c, "lstm32", &*lstm32);
    bench_streams::<_, 64>(c, "lstm32", &*lstm32);
    bench_streams::<_, 4>(c, "gru32", &*gru32);
    bench_streams::<_, 16>(c, "gru32", &*gru32);
    bench_streams::<_, 64>(c, "gru32", &*gru32);
    bench_streams::<_, 4>(c, "lstm64", &*lstm64);
    bench_streams::<_, 16>(c, "lstm64", &*lstm64);
    bench_streams::<_, 64>(c, "lstm64", &*lstm64);
    bench_streams::<_, 4>(c, "lstm128", &*lstm128);
    bench_streams::<_, 16>(c, "lstm128", &*lstm128);
    bench_streams::<_, 64>(c, "lstm128", &*lstm128);
}

criterion_group!(benches, streams);
criterion_main!(benches);
