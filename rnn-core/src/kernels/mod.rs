//! Safe dispatch: the only door into the numeric kernels.
//!
//! Every layer computes its gate pre-activations and activations through
//! these functions. The scalar reference kernel ([`scalar`]) is always built
//! and is the oracle the other kernels are tested against.

mod scalar;

use nalgebra::{SMatrix, SVector};

use crate::activation::Activation;

/// `acc[g] += mats[g] · v` for every gate `g`, in one pass over the columns
/// of the gate matrices (input and recurrent products are two calls).
///
/// # Shapes
/// `acc`: `G` vectors `[H]`; `mats`: `G` matrices `[H × K]`; `v`: `[K]`.
#[inline]
pub(crate) fn gate_products<const G: usize, const H: usize, const K: usize>(
    acc: &mut [SVector<f32, H>; G],
    mats: &[SMatrix<f32, H, K>; G],
    v: &SVector<f32, K>,
) {
    scalar::gate_products(acc, mats, v);
}

/// Applies `act` to every element of `v` in place.
#[inline]
pub(crate) fn activate(act: Activation, v: &mut [f32]) {
    scalar::activate(act, v);
}
