//! x86-64 AVX2 + FMA: 8 `f32` lanes in `__m256`, 16 vector registers.
#![allow(unsafe_code)]

use core::arch::x86_64::*;

use super::lanes::Lanes;
use super::{Isa, Kernel};

/// Proof that the CPU runs AVX2 and FMA; the only way to reach this
/// module's vector code.
#[derive(Clone, Copy, Debug)]
pub(super) struct Avx2(());

impl Avx2 {
    /// The token for a kernel of this ISA: `kernel` proves that the CPU
    /// runs AVX2 and FMA (which AVX-512 kernels also imply), since a [`Kernel`] exists only after detection.
    #[inline(always)]
    pub(super) fn of(kernel: Kernel) -> Option<Self> {
        matches!(kernel.isa(), Isa::Avx2 | Isa::Avx512).then_some(Avx2(()))
    }
}

super::cells::entry_points!(Avx2, "avx2,fma");

// SAFETY (for every `unsafe` block in this impl): a value of `Avx2` exists
// only when the CPU supports AVX2 and FMA (see `Avx2::of`), so these
// intrinsics may execute; pointer arguments are covered by each method's
// contract.
impl Lanes for Avx2 {
    type V = __m256;
    const L: usize = 8;
    const ACC_REGS: usize = 12;

    #[inline(always)]
    fn splat(self, x: f32) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_set1_ps(x) }
    }
    #[inline(always)]
    unsafe fn load(self, p: *const f32) -> __m256 {
        // SAFETY: see the impl comment; `p` is valid for 8 reads.
        unsafe { _mm256_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32, v: __m256) {
        // SAFETY: see the impl comment; `p` is valid for 8 writes.
        unsafe { _mm256_storeu_ps(p, v) }
    }
    #[inline(always)]
    fn add(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_add_ps(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_sub_ps(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_mul_ps(a, b) }
    }
    #[inline(always)]
    fn mul_add(self, a: __m256, b: __m256, c: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_fmadd_ps(a, b, c) }
    }
    #[inline(always)]
    fn max(self, lo: __m256, x: __m256) -> __m256 {
        // SAFETY: see the impl comment. `maxps` returns its second operand
        // when either is NaN, so a NaN `x` comes out.
        unsafe { _mm256_max_ps(lo, x) }
    }
    #[inline(always)]
    fn min(self, hi: __m256, x: __m256) -> __m256 {
        // SAFETY: see the impl comment; NaN as for `max`.
        unsafe { _mm256_min_ps(hi, x) }
    }
    #[inline(always)]
    fn abs(self, x: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_andnot_ps(_mm256_set1_ps(-0.0), x) }
    }
    #[inline(always)]
    fn copysign(self, mag: __m256, sign: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe {
            let s = _mm256_set1_ps(-0.0);
            _mm256_or_ps(_mm256_andnot_ps(s, mag), _mm256_and_ps(s, sign))
        }
    }
    #[inline(always)]
    fn select_lt(self, a: __m256, b: __m256, t: __m256, f: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_blendv_ps(f, t, _mm256_cmp_ps::<_CMP_LT_OQ>(a, b)) }
    }
    #[inline(always)]
    fn recip(self, d: __m256) -> __m256 {
        // SAFETY: see the impl comment. `rcpps` is within 1.5·2^-12; one
        // Newton step r + r(1 - d r) brings it within 2^-22.
        unsafe {
            let r = _mm256_rcp_ps(d);
            let e = _mm256_fnmadd_ps(d, r, _mm256_set1_ps(1.0));
            _mm256_fmadd_ps(r, e, r)
        }
    }
    #[inline(always)]
    fn div(self, p: __m256, q: __m256) -> __m256 {
        // SAFETY: see the impl comment. One correctly rounded `vdivps`
        // instead of the default's reciprocal, Newton step and correction
        // (seven instructions, about twice the latency): interleaved runs
        // of rcbench (peer-bench's harness) on a Zen 3 EPYC gave LSTM(1->16)
        // 132 -> 120 ns and GRU(1->32) 207 -> 190 ns per step.
        unsafe { _mm256_div_ps(p, q) }
    }
    #[inline(always)]
    fn hsum(self, v: __m256) -> f32 {
        // SAFETY: see the impl comment.
        unsafe {
            let q = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
            let d = _mm_add_ps(q, _mm_movehl_ps(q, q));
            _mm_cvtss_f32(_mm_add_ss(d, _mm_movehdup_ps(d)))
        }
    }
}
