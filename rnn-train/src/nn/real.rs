//! The float type training runs in: [`Real`], implemented for `f32` (the
//! default of `train`, as Keras trains) and `f64` (gradient checks,
//! reproducing f64 runs), and [`Precision`], its run-time name.
//!
//! The arithmetic comes from `num_traits::Float` and nalgebra's `Scalar`
//! (its `gemm` serves both types); this trait adds only the conversions
//! and the byte encoding of checkpoints.

use std::fmt;
use std::ops::{AddAssign, DivAssign, MulAssign, SubAssign};

use nalgebra::Scalar;
use num_traits::Float;
use rnn_core::{Activation, Kernel};

mod sealed {
    /// Only `f32` and `f64` implement [`super::Real`].
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A float type the network trains in: `f32` or `f64` (sealed).
///
/// Parameters, caches, gradients, Adam's moments and the training windows
/// are held in it; losses are reported, and hyper-parameters given, in
/// `f64`.
pub trait Real:
    Float
    + Scalar
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Default
    + Send
    + Sync
    + sealed::Sealed
{
    /// Which type this is.
    const PRECISION: Precision;
    /// Bytes of one value in a checkpoint (little-endian IEEE 754).
    const BYTES: usize;
    /// Largest gradient magnitude Adam accepts in this type: its square
    /// (Adam's second moment) must stay finite with a wide margin, or the
    /// weight would freeze at a zero step. `f64`: 1e150 (the square
    /// overflows at 1.3e154); `f32`: 1e18 (it overflows at 1.8e19).
    const MAX_GRADIENT: f64;

    /// `x` rounded to this type (to nearest; exact for `f64`).
    fn from_f64(x: f64) -> Self;
    /// The value as `f64` (exact).
    fn into_f64(self) -> f64;
    /// Appends the little-endian bytes of the value.
    fn put_le(self, out: &mut Vec<u8>);
    /// The value of [`Real::BYTES`] little-endian bytes.
    fn from_le(bytes: &[u8]) -> Option<Self>;
    /// `act` of every value of `values`, in place: in `f32` rnn-core's
    /// activations on this CPU's kernel ([`rnn_core::Kernel::activate`],
    /// what the device computes), in `f64` the exact-to-6e-16 kernels of
    /// `nn::activation`.
    fn activate(act: Activation, values: &mut [Self]);
}

impl Real for f32 {
    const PRECISION: Precision = Precision::F32;
    const BYTES: usize = 4;
    const MAX_GRADIENT: f64 = 1e18;

    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn into_f64(self) -> f64 {
        f64::from(self)
    }
    fn put_le(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn from_le(bytes: &[u8]) -> Option<Self> {
        Some(f32::from_le_bytes(bytes.try_into().ok()?))
    }
    #[inline]
    fn activate(act: Activation, values: &mut [Self]) {
        Kernel::detected().activate(act, values);
    }
}

impl Real for f64 {
    const PRECISION: Precision = Precision::F64;
    const BYTES: usize = 8;
    const MAX_GRADIENT: f64 = 1e150;

    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn into_f64(self) -> f64 {
        self
    }
    fn put_le(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn from_le(bytes: &[u8]) -> Option<Self> {
        Some(f64::from_le_bytes(bytes.try_into().ok()?))
    }
    #[inline]
    fn activate(act: Activation, values: &mut [Self]) {
        super::activation::apply_slice_f64(act, values);
    }
}

/// The float type of a training run (`train --precision`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Precision {
    /// 32-bit floats, as Keras trains (the default).
    #[default]
    F32,
    /// 64-bit floats: gradient checks, and runs to reproduce bit for bit.
    F64,
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        })
    }
}

/// `x` in `T` (a constant of the formulas).
#[inline(always)]
pub(crate) fn c<T: Real>(x: f64) -> T {
    T::from_f64(x)
}
