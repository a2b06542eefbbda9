//! Which kernel runs the layers: detection, its cache, and the override.

use core::sync::atomic::{AtomicU8, Ordering};

/// The numeric kernel behind every layer's [`step`](crate::Layer::step).
///
/// Every kernel computes the same equations; the vector kernels differ from
/// [`Kernel::Scalar`] only by rounding (fused multiply-add and summation
/// order; the property tests bound it at 1e-5 relative for sizes 1 to 70).
///
/// Without `std` the choice is fixed at compile time by the target features
/// (`-C target-feature=+avx2,+fma`, `+avx512f`, or NEON on AArch64). With
/// `std` the CPU is queried once, at the first step, and the result cached.
/// The feature `force-scalar` makes [`Kernel::Scalar`] the only kernel.
/// Layers too small for the vector width (fewer than 16 rows for AVX-512, 8
/// for AVX2, 4 for NEON) use the next narrower kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kernel {
    /// Plain `f32` arithmetic, one lane: every target, and the reference.
    Scalar,
    /// x86-64 AVX2 with FMA, 8 lanes.
    Avx2,
    /// x86-64 AVX-512F, 16 lanes.
    Avx512,
    /// AArch64 NEON (Advanced SIMD), 4 lanes.
    Neon,
}

const UNSET: u8 = u8::MAX;
static ACTIVE: AtomicU8 = AtomicU8::new(UNSET);

impl Kernel {
    /// Every kernel, scalar first.
    pub const ALL: [Kernel; 4] = [Kernel::Scalar, Kernel::Avx2, Kernel::Avx512, Kernel::Neon];

    /// Whether this build on this CPU can run the kernel.
    pub fn is_available(self) -> bool {
        if cfg!(feature = "force-scalar") {
            return self == Kernel::Scalar;
        }
        match self {
            Kernel::Scalar => true,
            Kernel::Avx2 => cpu::avx2_fma(),
            Kernel::Avx512 => cpu::avx2_fma() && cpu::avx512f(),
            Kernel::Neon => cpu::neon(),
        }
    }

    /// The fastest available kernel: AVX-512, then AVX2, then NEON, then
    /// scalar.
    pub fn detected() -> Kernel {
        [Kernel::Avx512, Kernel::Avx2, Kernel::Neon]
            .into_iter()
            .find(|k| k.is_available())
            .unwrap_or(Kernel::Scalar)
    }

    /// The kernel layers use now: [`Kernel::detected`] unless
    /// [`Kernel::select`] chose another.
    #[inline]
    pub fn active() -> Kernel {
        match ACTIVE.load(Ordering::Relaxed) {
            UNSET => {
                let k = Kernel::detected();
                ACTIVE.store(k as u8, Ordering::Relaxed);
                k
            }
            v => Kernel::ALL
                .into_iter()
                .find(|&k| k as u8 == v)
                .unwrap_or(Kernel::Scalar),
        }
    }

    /// Makes every layer of this process use `self` from now on, for
    /// benchmarks and comparisons (results change by rounding only).
    /// Returns `false` and changes nothing when `self` is not available.
    pub fn select(self) -> bool {
        let ok = self.is_available();
        if ok {
            ACTIVE.store(self as u8, Ordering::Relaxed);
        }
        ok
    }

    /// The kernel for a layer of `rows` outputs: the active one, or a
    /// narrower one when `rows` is below its vector width.
    #[inline]
    pub(super) fn for_rows(rows: usize) -> Kernel {
        match Kernel::active() {
            Kernel::Avx512 if rows >= 16 => Kernel::Avx512,
            Kernel::Avx512 | Kernel::Avx2 if rows >= 8 => Kernel::Avx2,
            Kernel::Neon if rows >= 4 => Kernel::Neon,
            _ => Kernel::Scalar,
        }
    }
}

/// CPU feature queries: run time with `std`, compile time without.
mod cpu {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    pub(super) fn avx2_fma() -> bool {
        std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
    }
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    pub(super) fn avx512f() -> bool {
        std::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(all(target_arch = "x86_64", feature = "std")))]
    pub(super) fn avx2_fma() -> bool {
        cfg!(all(
            target_arch = "x86_64",
            target_feature = "avx2",
            target_feature = "fma"
        ))
    }
    #[cfg(not(all(target_arch = "x86_64", feature = "std")))]
    pub(super) fn avx512f() -> bool {
        cfg!(all(target_arch = "x86_64", target_feature = "avx512f"))
    }
    #[cfg(all(target_arch = "aarch64", feature = "std"))]
    pub(super) fn neon() -> bool {
        std::arch::is_aarch64_feature_detected!("neon")
    }
    #[cfg(not(all(target_arch = "aarch64", feature = "std")))]
    pub(super) fn neon() -> bool {
        cfg!(all(target_arch = "aarch64", target_feature = "neon"))
    }
}
