//! x86-64 AVX-512F: 16 `f32` lanes in `__m512`, 32 vector registers.
#![allow(unsafe_code)]

use core::arch::x86_64::*;

use super::lanes::Lanes;
use super::{Isa, Kernel};

/// Proof that the CPU runs AVX-512F (and AVX2 + FMA); the only way to reach
/// this module's vector code.
#[derive(Clone, Copy, Debug)]
pub(super) struct Avx512(());

impl Avx512 {
    /// The token for a kernel of this ISA: `kernel` proves that the CPU
    /// runs AVX-512F, AVX2 and FMA, since a [`Kernel`] exists only after detection.
    #[inline(always)]
    pub(super) fn of(kernel: Kernel) -> Option<Self> {
        matches!(kernel.isa(), Isa::Avx512).then_some(Avx512(()))
    }
}

super::cells::entry_points!(Avx512, "avx512f,avx2,fma");

// SAFETY (for every `unsafe` block in this impl): a value of `Avx512`
// exists only when the CPU supports AVX-512F (see `Avx512::of`), so these
// intrinsics may execute; pointer arguments are covered by each method's
// contract.
impl Lanes for Avx512 {
    type V = __m512;
    const L: usize = 16;
    const ACC_REGS: usize = 24;

    #[inline(always)]
    fn splat(self, x: f32) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_set1_ps(x) }
    }
    #[inline(always)]
    unsafe fn load(self, p: *const f32) -> __m512 {
        // SAFETY: see the impl comment; `p` is valid for 16 reads.
        unsafe { _mm512_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32, v: __m512) {
        // SAFETY: see the impl comment; `p` is valid for 16 writes.
        unsafe { _mm512_storeu_ps(p, v) }
    }
    #[inline(always)]
    fn add(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_add_ps(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_sub_ps(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_mul_ps(a, b) }
    }
    #[inline(always)]
    fn mul_add(self, a: __m512, b: __m512, c: __m512) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_fmadd_ps(a, b, c) }
    }
    #[inline(always)]
    fn max(self, lo: __m512, x: __m512) -> __m512 {
        // SAFETY: see the impl comment. Like `maxps`, the second operand is
        // returned when either is NaN.
        unsafe { _mm512_max_ps(lo, x) }
    }
    #[inline(always)]
    fn min(self, hi: __m512, x: __m512) -> __m512 {
        // SAFETY: see the impl comment; NaN as for `max`.
        unsafe { _mm512_min_ps(hi, x) }
    }
    #[inline(always)]
    fn abs(self, x: __m512) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_abs_ps(x) }
    }
    #[inline(always)]
    fn copysign(self, mag: __m512, sign: __m512) -> __m512 {
        // SAFETY: see the impl comment. 0xCA = mask ? sign : mag, bit by bit.
        unsafe {
            _mm512_castsi512_ps(_mm512_ternarylogic_epi32::<0xCA>(
                _mm512_set1_epi32(i32::MIN),
                _mm512_castps_si512(sign),
                _mm512_castps_si512(mag),
            ))
        }
    }
    #[inline(always)]
    fn select_lt(self, a: __m512, b: __m512, t: __m512, f: __m512) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_mask_blend_ps(_mm512_cmp_ps_mask::<_CMP_LT_OQ>(a, b), f, t) }
    }
    #[inline(always)]
    fn recip(self, d: __m512) -> __m512 {
        // SAFETY: see the impl comment. `rcp14` is within 2^-14; one Newton
        // step brings it within 2^-23.
        unsafe {
            let r = _mm512_rcp14_ps(d);
            let e = _mm512_fnmadd_ps(d, r, _mm512_set1_ps(1.0));
            _mm512_fmadd_ps(r, e, r)
        }
    }
    #[inline(always)]
    fn hsum(self, v: __m512) -> f32 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_reduce_add_ps(v) }
    }
}
