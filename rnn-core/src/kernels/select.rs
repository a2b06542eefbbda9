//! Which kernel runs a step: the instruction sets, detection, and the
//! [`Kernel`] value that proves one is available.

/// An instruction set a numeric kernel is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Isa {
    /// Plain `f32` arithmetic, one lane: every target, and the reference.
    Scalar,
    /// x86-64 AVX2 with FMA, 8 lanes.
    Avx2,
    /// x86-64 AVX-512F, 16 lanes.
    Avx512,
    /// AArch64 NEON (Advanced SIMD), 4 lanes.
    Neon,
}

impl Isa {
    /// Every instruction set, scalar first.
    pub const ALL: [Isa; 4] = [Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Neon];

    /// Lowercase name, as the benchmarks print it (`"scalar"`, `"avx2"`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            Isa::Scalar => "scalar",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
            Isa::Neon => "neon",
        }
    }
}

/// The numeric kernel of a step: an [`Isa`] that this build can run on this
/// CPU. A `Kernel` value exists only after that was checked, so passing one
/// to [`Layer::step_with`](crate::Layer::step_with) costs no detection.
///
/// **Default**: [`Layer::step`](crate::Layer::step) uses
/// [`Kernel::detected`]: without the `std` feature a constant fixed by the
/// compile-time target features (`-C target-feature=+avx2,+fma`,
/// `+avx512f`, or NEON on AArch64; the scalar kernel on Cortex-M); with
/// `std`, the CPU is queried once per process and the answer cached (one
/// relaxed atomic load per call after that). The feature `force-scalar`
/// makes [`Isa::Scalar`] the only kernel. Layers too small for the vector
/// width (fewer than 16 rows for AVX-512, 8 for AVX2, 4 for NEON) run on
/// the next narrower kernel.
///
/// **Accuracy**: every kernel computes the same equations; the vector
/// kernels differ from the scalar one by rounding only (fused multiply-add
/// and summation order). The activations they share are the fast rational
/// sigmoid and tanh of [`crate::activation`] unless the feature
/// `exact-activations` selects libm; their error bounds are stated there.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Kernel {
    isa: Isa,
}

impl Kernel {
    /// The scalar reference kernel, available everywhere.
    pub const SCALAR: Kernel = Kernel { isa: Isa::Scalar };

    /// The kernel for `isa`, or `None` when this build on this CPU cannot
    /// run it (the feature is missing, another architecture, or
    /// `force-scalar`).
    pub fn new(isa: Isa) -> Option<Kernel> {
        let ok = match isa {
            Isa::Scalar => true,
            _ if cfg!(feature = "force-scalar") => false,
            Isa::Avx2 => cpu::avx2_fma(),
            Isa::Avx512 => cpu::avx2_fma() && cpu::avx512f(),
            Isa::Neon => cpu::neon(),
        };
        ok.then_some(Kernel { isa })
    }

    /// The fastest available kernel: AVX-512, then AVX2, then NEON, then
    /// scalar. Without `std` this is decided at compile time; with `std`
    /// the CPU is queried at the first call and the result cached.
    #[inline]
    pub fn detected() -> Kernel {
        cached::detected()
    }

    /// The kernel [`Layer::step`](crate::Layer::step) runs: always
    /// [`Kernel::detected`] (there is no process-wide override; pass another
    /// kernel to [`Layer::step_with`](crate::Layer::step_with)). Kept for
    /// callers that report which kernel ran, such as the peer benchmark.
    #[inline]
    pub fn active() -> Kernel {
        Kernel::detected()
    }

    /// Every kernel available here, scalar first.
    pub fn available() -> impl Iterator<Item = Kernel> {
        Isa::ALL.into_iter().filter_map(Kernel::new)
    }

    /// The instruction set this kernel runs.
    pub const fn isa(self) -> Isa {
        self.isa
    }

    /// The kernel for a layer of `rows` outputs: this one, or a narrower
    /// one when `rows` is below its vector width (AVX-512 falls back to
    /// AVX2, which it implies).
    #[inline]
    pub(super) fn for_rows(self, rows: usize) -> Isa {
        match self.isa {
            Isa::Avx512 if rows >= 16 => Isa::Avx512,
            Isa::Avx512 | Isa::Avx2 if rows >= 8 => Isa::Avx2,
            Isa::Neon if rows >= 4 => Isa::Neon,
            _ => Isa::Scalar,
        }
    }
}

/// Prints as its ISA (`Avx2`), as the earlier enum did.
impl core::fmt::Debug for Kernel {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&self.isa, f)
    }
}

/// The best kernel, computed once.
#[cfg(feature = "std")]
mod cached {
    use super::{Isa, Kernel};
    use core::sync::atomic::{AtomicU8, Ordering};

    const UNSET: u8 = u8::MAX;
    static BEST: AtomicU8 = AtomicU8::new(UNSET);

    fn best() -> Kernel {
        [Isa::Avx512, Isa::Avx2, Isa::Neon]
            .into_iter()
            .find_map(Kernel::new)
            .unwrap_or(Kernel::SCALAR)
    }

    #[inline]
    pub(super) fn detected() -> Kernel {
        let v = BEST.load(Ordering::Relaxed);
        match Isa::ALL.get(usize::from(v)) {
            // Only a value stored below, from a detected kernel, is read.
            Some(&isa) => Kernel { isa },
            None => {
                let k = best();
                let index = Isa::ALL.iter().position(|&i| i == k.isa).unwrap_or(0);
                BEST.store(index as u8, Ordering::Relaxed);
                k
            }
        }
    }
}

/// The best kernel of the compile-time target features.
#[cfg(not(feature = "std"))]
mod cached {
    use super::{cpu, Isa, Kernel};

    #[inline]
    pub(super) fn detected() -> Kernel {
        let isa = if cfg!(feature = "force-scalar") {
            Isa::Scalar
        } else if cpu::avx2_fma() && cpu::avx512f() {
            Isa::Avx512
        } else if cpu::avx2_fma() {
            Isa::Avx2
        } else if cpu::neon() {
            Isa::Neon
        } else {
            Isa::Scalar
        };
        Kernel { isa }
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
    pub(super) const fn avx2_fma() -> bool {
        cfg!(all(
            target_arch = "x86_64",
            target_feature = "avx2",
            target_feature = "fma"
        ))
    }
    #[cfg(not(all(target_arch = "x86_64", feature = "std")))]
    pub(super) const fn avx512f() -> bool {
        cfg!(all(target_arch = "x86_64", target_feature = "avx512f"))
    }
    #[cfg(all(target_arch = "aarch64", feature = "std"))]
    pub(super) fn neon() -> bool {
        std::arch::is_aarch64_feature_detected!("neon")
    }
    #[cfg(not(all(target_arch = "aarch64", feature = "std")))]
    pub(super) const fn neon() -> bool {
        cfg!(all(target_arch = "aarch64", target_feature = "neon"))
    }
}
