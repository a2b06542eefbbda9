//! Safe dispatch: the only door into the numeric kernels.
//!
//! Each layer's `step` calls one function here, which picks the kernel
//! ([`Kernel::for_rows`]) and runs the whole timestep in it: the fused gate
//! products ([`tiled`], on the layer's own column-major weights) and the
//! element-wise update ([`pointwise`], with the activations of
//! [`fast_math`] or, with `exact-activations`, libm). The generic step code
//! ([`cells`]) is written once over [`lanes::Lanes`] and instantiated per
//! ISA inside `#[target_feature]` functions (one private module per ISA).
//! The scalar kernel ([`scalar`] products, one-lane [`lanes::Scalar`]) is
//! always built: it serves targets without vector units and is the oracle
//! of the property tests.

mod cells;
mod fast_math;
mod lanes;
mod pointwise;
mod scalar;
mod select;
mod tiled;

#[cfg(target_arch = "aarch64")]
mod aarch64_neon;
#[cfg(target_arch = "x86_64")]
mod x86_64_avx2;
#[cfg(target_arch = "x86_64")]
mod x86_64_avx512;

use nalgebra::{SMatrix, SVector};

pub use select::Kernel;

use crate::activation::Activation;
use crate::layers::lstm::LstmState;

/// Runs `cells::$step` (or the token's method of that name) on the kernel
/// for `$rows` output rows.
macro_rules! dispatch {
    ($rows:expr, $step:ident($($arg:expr),*)) => {{
        match Kernel::for_rows($rows) {
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => {
                if let Some(t) = x86_64_avx512::Avx512::new() {
                    return t.$step($($arg),*);
                }
            }
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => {
                if let Some(t) = x86_64_avx2::Avx2::new() {
                    return t.$step($($arg),*);
                }
            }
            #[cfg(target_arch = "aarch64")]
            Kernel::Neon => {
                if let Some(t) = aarch64_neon::Neon::new() {
                    return t.$step($($arg),*);
                }
            }
            _ => {}
        }
        cells::$step(lanes::Scalar, $($arg),*)
    }};
}

/// One SimpleRNN timestep: `h = act(W x + U h + b)`; returns `h`.
///
/// # Shapes
/// `w: [H × I]`, `u: [H × H]`, `b, h: [H]`, `x: [I]`.
#[inline]
pub(crate) fn simple_rnn_step<const I: usize, const H: usize>(
    params: (&SMatrix<f32, H, I>, &SMatrix<f32, H, H>, &SVector<f32, H>),
    act: Activation,
    h: &mut SVector<f32, H>,
    x: &SVector<f32, I>,
) -> SVector<f32, H> {
    dispatch!(H, simple_rnn(params, act, h, x))
}

/// One LSTM timestep (gates i, f, g, o); updates `state`, returns `h`.
///
/// # Shapes
/// `w: 4 × [H × I]`, `u: 4 × [H × H]`, `b: 4 × [H]`, `x: [I]`.
#[inline]
pub(crate) fn lstm_step<const I: usize, const H: usize>(
    params: cells::LstmParams<'_, I, H>,
    state: &mut LstmState<H>,
    x: &SVector<f32, I>,
) -> SVector<f32, H> {
    dispatch!(H, lstm(params, state, x))
}

/// One GRU timestep (gates z, r, n), either `reset_after` variant; returns `h`.
///
/// # Shapes
/// `w: 3 × [H × I]`, `u: 3 × [H × H]`, biases `3 × [H]`, `x: [I]`.
#[inline]
pub(crate) fn gru_step<const I: usize, const H: usize>(
    params: cells::GruParams<'_, I, H>,
    reset_after: bool,
    h: &mut SVector<f32, H>,
    x: &SVector<f32, I>,
) -> SVector<f32, H> {
    dispatch!(H, gru(params, reset_after, h, x))
}

/// One Dense evaluation `y = act(W x + b)`.
///
/// # Shapes
/// `w: [O × I]`, `b: [O]`, `x: [I]`.
#[inline]
pub(crate) fn dense_step<const I: usize, const O: usize>(
    params: (&SMatrix<f32, O, I>, &SVector<f32, O>),
    act: Activation,
    x: &SVector<f32, I>,
) -> SVector<f32, O> {
    // One output is a dot product over the input, vectorized along `I`.
    let rows = if O == 1 { I } else { O };
    dispatch!(rows, dense(params, act, x))
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::fast_math::tests::*;
    use super::fast_math::{sigmoid, tanh};
    use super::lanes::Lanes;

    /// The fast activations of one vector ISA against float64.
    fn isa_activations<S: Lanes>(s: S, xs: fn() -> std::boxed::Box<dyn Iterator<Item = f32>>) {
        let w = measure(s, sigmoid, sigmoid64, sigmoid_relative, xs());
        std::println!("{} sigmoid {w:?}", core::any::type_name::<S>());
        check_sigmoid(w);
        let w = measure(s, tanh, tanh64, tanh_relative, xs());
        std::println!("{} tanh {w:?}", core::any::type_name::<S>());
        check_tanh(w);
    }

    fn sampled() -> std::boxed::Box<dyn Iterator<Item = f32>> {
        std::boxed::Box::new(sample())
    }

    fn every() -> std::boxed::Box<dyn Iterator<Item = f32>> {
        std::boxed::Box::new(all_f32())
    }

    /// Runs `f` with every vector token this CPU has.
    fn each_isa(sampled_or_every: fn() -> std::boxed::Box<dyn Iterator<Item = f32>>) {
        #[cfg(target_arch = "x86_64")]
        {
            if let Some(t) = super::x86_64_avx2::Avx2::new() {
                isa_activations(t, sampled_or_every);
            }
            if let Some(t) = super::x86_64_avx512::Avx512::new() {
                isa_activations(t, sampled_or_every);
            }
        }
        #[cfg(target_arch = "aarch64")]
        if let Some(t) = super::aarch64_neon::Neon::new() {
            isa_activations(t, sampled_or_every);
        }
    }

    #[test]
    fn vector_activations_within_documented_error() {
        each_isa(sampled);
    }

    #[test]
    #[ignore = "all 2^32 inputs: run with --release -- --ignored"]
    fn exhaustive_vector_activations() {
        each_isa(every);
    }
}
