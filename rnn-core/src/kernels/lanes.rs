//! The lane abstraction the generic kernels are written against.
//!
//! A [`Lanes`] value is a zero-sized token: an ISA module hands one out only
//! after it has checked that the CPU runs its instructions, so the safe
//! methods below may execute them. [`Scalar`] is the portable one-lane
//! implementation (plain `f32`, no unsafe), used on every target.
#![allow(unsafe_code)]

/// The widest vector, in `f32` lanes, of any implementation (AVX-512).
pub(super) const MAX_LANES: usize = 16;

/// Element-wise `f32` vector operations of one instruction set.
///
/// Every operation is lane-wise. Where the ISA offers it, `mul_add` is fused
/// (one rounding), so results may differ from [`Scalar`] by rounding only.
pub(super) trait Lanes: Copy {
    /// One vector register of `L` lanes.
    type V: Copy;
    /// Lanes per vector.
    const L: usize;
    /// Vector registers the tiled products may fill with accumulators
    /// (the register file minus room for loads and the broadcast).
    const ACC_REGS: usize;

    /// All lanes set to `x`.
    fn splat(self, x: f32) -> Self::V;
    /// Reads `L` floats from `p`.
    ///
    /// # Safety
    /// `p` must be valid for reads of `Self::L` consecutive `f32` (any alignment).
    unsafe fn load(self, p: *const f32) -> Self::V;
    /// Writes `L` floats to `p`.
    ///
    /// # Safety
    /// `p` must be valid for writes of `Self::L` consecutive `f32` (any alignment).
    unsafe fn store(self, p: *mut f32, v: Self::V);
    /// `a + b`.
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a - b`.
    fn sub(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a * b`.
    fn mul(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a * b + c`, fused where the ISA has FMA.
    fn mul_add(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// `max(lo, x)`; a NaN in `x` is returned as NaN.
    fn max(self, lo: Self::V, x: Self::V) -> Self::V;
    /// `min(hi, x)`; a NaN in `x` is returned as NaN.
    fn min(self, hi: Self::V, x: Self::V) -> Self::V;
    /// `|x|` (clears the sign bit).
    fn abs(self, x: Self::V) -> Self::V;
    /// The magnitude of `mag` with the sign bit of `sign`.
    fn copysign(self, mag: Self::V, sign: Self::V) -> Self::V;
    /// `if a < b { t } else { f }` per lane (a NaN compares false).
    fn select_lt(self, a: Self::V, b: Self::V, t: Self::V, f: Self::V) -> Self::V;
    /// `1 / d` within 2^-22 relative error for `d` in `[2^-8, 2^64]`.
    fn recip(self, d: Self::V) -> Self::V;
    /// Sum of the lanes.
    fn hsum(self, v: Self::V) -> f32;

    /// `p / q` for `q` in `[2^-8, 2^64]`: by default [`Lanes::recip`]
    /// refined by one correction `y + r (p - q y)` (exact to rounding when
    /// `recip` is); [`Scalar`] and AVX2 divide, one correctly rounded
    /// instruction (`vdiv.f32` on a Cortex-M4F/M7, `__aeabi_fdiv` on an
    /// M0, `vdivps` on x86-64).
    #[inline(always)]
    fn div(self, p: Self::V, q: Self::V) -> Self::V {
        let r = self.recip(q);
        let y = self.mul(p, r);
        let e = self.mul_add(self.sub(self.splat(0.0), q), y, p);
        self.mul_add(r, e, y)
    }

    /// `x`, with lanes of magnitude below `t` replaced by `+0.0` (NaN kept).
    #[inline(always)]
    fn flush(self, x: Self::V, t: f32) -> Self::V {
        self.select_lt(self.abs(x), self.splat(t), self.splat(0.0), x)
    }

    /// The first `L` floats of `s`, zero-padded when `s` is shorter.
    #[inline(always)]
    fn load_slice(self, s: &[f32]) -> Self::V {
        if s.len() >= Self::L {
            // SAFETY: `s` holds at least `L` floats.
            unsafe { self.load(s.as_ptr()) }
        } else {
            let mut buf = [0.0f32; MAX_LANES];
            buf[..s.len()].copy_from_slice(s);
            // SAFETY: `buf` holds `MAX_LANES >= L` floats.
            unsafe { self.load(buf.as_ptr()) }
        }
    }

    /// Writes the first `min(L, s.len())` lanes of `v` to `s`.
    #[inline(always)]
    fn store_slice(self, s: &mut [f32], v: Self::V) {
        if s.len() >= Self::L {
            // SAFETY: `s` holds at least `L` floats.
            unsafe { self.store(s.as_mut_ptr(), v) }
        } else {
            let mut buf = [0.0f32; MAX_LANES];
            // SAFETY: `buf` holds `MAX_LANES >= L` floats.
            unsafe { self.store(buf.as_mut_ptr(), v) };
            let n = s.len();
            s.copy_from_slice(&buf[..n]);
        }
    }

    /// Applies the scalar `f` to every lane (the exact libm path).
    #[inline(always)]
    fn map(self, v: Self::V, f: fn(f32) -> f32) -> Self::V {
        let mut buf = [0.0f32; MAX_LANES];
        // SAFETY: `buf` holds `MAX_LANES >= L` floats.
        unsafe { self.store(buf.as_mut_ptr(), v) };
        buf.iter_mut().for_each(|x| *x = f(*x));
        // SAFETY: as above.
        unsafe { self.load(buf.as_ptr()) }
    }
}

/// One `f32` lane in plain arithmetic: the portable kernel on every target
/// (microcontrollers included) and the reference the vector ISAs are tested
/// against. `mul_add` is not fused here.
#[derive(Clone, Copy, Debug)]
pub(super) struct Scalar;

impl Lanes for Scalar {
    type V = f32;
    const L: usize = 1;
    const ACC_REGS: usize = 8;

    #[inline(always)]
    fn splat(self, x: f32) -> f32 {
        x
    }
    #[inline(always)]
    unsafe fn load(self, p: *const f32) -> f32 {
        // SAFETY: the caller guarantees `p` is valid for one read.
        unsafe { p.read_unaligned() }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32, v: f32) {
        // SAFETY: the caller guarantees `p` is valid for one write.
        unsafe { p.write_unaligned(v) }
    }
    #[inline(always)]
    fn add(self, a: f32, b: f32) -> f32 {
        a + b
    }
    #[inline(always)]
    fn sub(self, a: f32, b: f32) -> f32 {
        a - b
    }
    #[inline(always)]
    fn mul(self, a: f32, b: f32) -> f32 {
        a * b
    }
    #[inline(always)]
    fn mul_add(self, a: f32, b: f32, c: f32) -> f32 {
        a * b + c
    }
    #[inline(always)]
    fn max(self, lo: f32, x: f32) -> f32 {
        if x < lo {
            lo
        } else {
            x
        }
    }
    #[inline(always)]
    fn min(self, hi: f32, x: f32) -> f32 {
        if x > hi {
            hi
        } else {
            x
        }
    }
    #[inline(always)]
    fn abs(self, x: f32) -> f32 {
        f32::from_bits(x.to_bits() & 0x7fff_ffff)
    }
    #[inline(always)]
    fn copysign(self, mag: f32, sign: f32) -> f32 {
        f32::from_bits((mag.to_bits() & 0x7fff_ffff) | (sign.to_bits() & 0x8000_0000))
    }
    #[inline(always)]
    fn select_lt(self, a: f32, b: f32, t: f32, f: f32) -> f32 {
        if a < b {
            t
        } else {
            f
        }
    }
    #[inline(always)]
    fn recip(self, d: f32) -> f32 {
        1.0 / d
    }
    #[inline(always)]
    fn hsum(self, v: f32) -> f32 {
        v
    }
    #[inline(always)]
    fn div(self, p: f32, q: f32) -> f32 {
        p / q
    }
}
