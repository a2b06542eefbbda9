//! AArch64 NEON: 4 `f32` lanes in `float32x4_t`, 32 vector registers.
#![allow(unsafe_code)]

use core::arch::aarch64::*;

use super::lanes::Lanes;
use super::{Isa, Kernel};

/// Proof that the CPU runs NEON (every AArch64 CPU with an FPU); the only
/// way to reach this module's vector code.
#[derive(Clone, Copy, Debug)]
pub(super) struct Neon(());

impl Neon {
    /// The token for a kernel of this ISA: `kernel` proves that the CPU
    /// runs NEON, since a [`Kernel`] exists only after detection.
    #[inline(always)]
    pub(super) fn of(kernel: Kernel) -> Option<Self> {
        matches!(kernel.isa(), Isa::Neon).then_some(Neon(()))
    }
}

super::cells::entry_points!(Neon, "neon");

// SAFETY (for every `unsafe` block in this impl): a value of `Neon` exists
// only when the CPU supports NEON (see `Neon::of`), so these intrinsics may
// execute; pointer arguments are covered by each method's contract.
impl Lanes for Neon {
    type V = float32x4_t;
    const L: usize = 4;
    const ACC_REGS: usize = 24;

    #[inline(always)]
    fn splat(self, x: f32) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vdupq_n_f32(x) }
    }
    #[inline(always)]
    unsafe fn load(self, p: *const f32) -> float32x4_t {
        // SAFETY: see the impl comment; `p` is valid for 4 reads.
        unsafe { vld1q_f32(p) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32, v: float32x4_t) {
        // SAFETY: see the impl comment; `p` is valid for 4 writes.
        unsafe { vst1q_f32(p, v) }
    }
    #[inline(always)]
    fn add(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vaddq_f32(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vsubq_f32(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vmulq_f32(a, b) }
    }
    #[inline(always)]
    fn mul_add(self, a: float32x4_t, b: float32x4_t, c: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vfmaq_f32(c, a, b) }
    }
    #[inline(always)]
    fn max(self, lo: float32x4_t, x: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment. `fmax` returns NaN if either is NaN.
        unsafe { vmaxq_f32(lo, x) }
    }
    #[inline(always)]
    fn min(self, hi: float32x4_t, x: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment; NaN as for `max`.
        unsafe { vminq_f32(hi, x) }
    }
    #[inline(always)]
    fn abs(self, x: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vabsq_f32(x) }
    }
    #[inline(always)]
    fn copysign(self, mag: float32x4_t, sign: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vbslq_f32(vdupq_n_u32(0x8000_0000), sign, mag) }
    }
    #[inline(always)]
    fn select_lt(
        self,
        a: float32x4_t,
        b: float32x4_t,
        t: float32x4_t,
        f: float32x4_t,
    ) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vbslq_f32(vcltq_f32(a, b), t, f) }
    }
    #[inline(always)]
    fn recip(self, d: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vdivq_f32(vdupq_n_f32(1.0), d) }
    }
    #[inline(always)]
    fn hsum(self, v: float32x4_t) -> f32 {
        // SAFETY: see the impl comment.
        unsafe { vaddvq_f32(v) }
    }
}
