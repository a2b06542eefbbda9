//! The machine's arithmetic and cache limits, measured in the same run as
//! the kernels so that `table.py` can state each step's ratio to them:
//!
//! - `peak/fma_<isa>`: 1024 rounds of independent fused multiply-adds on
//!   enough accumulators to hide the latency (multiply-adds per ns =
//!   `macs` in the id / time);
//! - `peak/read_<isa>/<KiB>`: summing a buffer that fits L1 (32 KiB) or L2
//!   (256 KiB) with vector loads (bytes per ns = size / time).
//!
//! `cargo bench -p benches --bench peak` (x86-64 only; elsewhere it is empty).

use criterion::{criterion_group, criterion_main, Criterion};

#[cfg(target_arch = "x86_64")]
mod x86 {
    use core::arch::x86_64::*;
    use std::hint::black_box;

    use criterion::{BenchmarkId, Criterion};

    const ROUNDS: usize = 1024;

    /// 12 chains of 8-lane FMAs: `ROUNDS · 96` multiply-adds.
    #[target_feature(enable = "avx2,fma")]
    fn fma_avx2(a: f32) -> f32 {
        let (m, k) = (_mm256_set1_ps(a), _mm256_set1_ps(1e-3));
        let mut acc = [_mm256_set1_ps(1.0); 12];
        for _ in 0..ROUNDS {
            for v in &mut acc {
                *v = _mm256_fmadd_ps(*v, m, k);
            }
        }
        let s = acc
            .iter()
            .fold(_mm256_setzero_ps(), |s, &v| _mm256_add_ps(s, v));
        _mm256_cvtss_f32(s)
    }

    /// 16 chains of 16-lane FMAs: `ROUNDS · 256` multiply-adds.
    #[target_feature(enable = "avx512f")]
    fn fma_avx512(a: f32) -> f32 {
        let (m, k) = (_mm512_set1_ps(a), _mm512_set1_ps(1e-3));
        let mut acc = [_mm512_set1_ps(1.0); 16];
        for _ in 0..ROUNDS {
            for v in &mut acc {
                *v = _mm512_fmadd_ps(*v, m, k);
            }
        }
        let s = acc
            .iter()
            .fold(_mm512_setzero_ps(), |s, &v| _mm512_add_ps(s, v));
        _mm512_reduce_add_ps(s)
    }

    /// Sums `buf` with 8 accumulators of 8-lane loads.
    #[target_feature(enable = "avx2,fma")]
    fn read_avx2(buf: &[f32]) -> f32 {
        let mut acc = [_mm256_setzero_ps(); 8];
        for chunk in buf.chunks_exact(64) {
            for (j, a) in acc.iter_mut().enumerate() {
                let v: &[f32; 8] = chunk[j * 8..j * 8 + 8].try_into().unwrap_or(&[0.0; 8]);
                // SAFETY: `v` holds 8 floats.
                *a = _mm256_add_ps(*a, unsafe { _mm256_loadu_ps(v.as_ptr()) });
            }
        }
        let s = acc
            .iter()
            .fold(_mm256_setzero_ps(), |s, &v| _mm256_add_ps(s, v));
        _mm256_cvtss_f32(s)
    }

    /// Sums `buf` with 8 accumulators of 16-lane loads.
    #[target_feature(enable = "avx512f")]
    fn read_avx512(buf: &[f32]) -> f32 {
        let mut acc = [_mm512_setzero_ps(); 8];
        for chunk in buf.chunks_exact(128) {
            for (j, a) in acc.iter_mut().enumerate() {
                let v: &[f32; 16] = chunk[j * 16..j * 16 + 16].try_into().unwrap_or(&[0.0; 16]);
                // SAFETY: `v` holds 16 floats.
                *a = _mm512_add_ps(*a, unsafe { _mm512_loadu_ps(v.as_ptr()) });
            }
        }
        let s = acc
            .iter()
            .fold(_mm512_setzero_ps(), |s, &v| _mm512_add_ps(s, v));
        _mm512_reduce_add_ps(s)
    }

    pub fn peak(c: &mut Criterion) {
        let mut g = c.benchmark_group("peak");
        let avx2 = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma");
        let avx512 = is_x86_feature_detected!("avx512f");
        if avx2 {
            g.bench_function(BenchmarkId::new("fma_avx2", ROUNDS * 96), |b| {
                // SAFETY: AVX2 and FMA were detected above.
                b.iter(|| unsafe { fma_avx2(black_box(0.999)) })
            });
        }
        if avx512 {
            g.bench_function(BenchmarkId::new("fma_avx512", ROUNDS * 256), |b| {
                // SAFETY: AVX-512F was detected above.
                b.iter(|| unsafe { fma_avx512(black_box(0.999)) })
            });
        }
        for kib in [32usize, 256] {
            let buf = vec![1.0f32; kib * 256];
            if avx2 {
                g.bench_function(BenchmarkId::new("read_avx2", kib), |b| {
                    // SAFETY: AVX2 and FMA were detected above.
                    b.iter(|| unsafe { read_avx2(black_box(&buf)) })
                });
            }
            if avx512 {
                g.bench_function(BenchmarkId::new("read_avx512", kib), |b| {
                    // SAFETY: AVX-512F was detected above.
                    b.iter(|| unsafe { read_avx512(black_box(&buf)) })
                });
            }
        }
        g.finish();
    }
}

fn peak(c: &mut Criterion) {
    #[cfg(target_arch = "x86_64")]
    x86::peak(c);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = c;
}

criterion_group!(benches, peak);
criterion_main!(benches);
