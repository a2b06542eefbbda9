//! Scalar reference kernel: plain loops over nalgebra storage, always built.

use nalgebra::{SMatrix, SVector};

use crate::activation::Activation;

/// Reference for [`super::gate_products`]: column-by-column axpy.
pub(super) fn gate_products<const G: usize, const H: usize, const K: usize>(
    acc: &mut [SVector<f32, H>; G],
    mats: &[SMatrix<f32, H, K>; G],
    v: &SVector<f32, K>,
) {
    for (a, m) in acc.iter_mut().zip(mats.iter()) {
        for (col, &vk) in m.column_iter().zip(v.iter()) {
            for (ah, &w) in a.iter_mut().zip(col.iter()) {
                *ah += w * vk;
            }
        }
    }
}

/// Reference for [`super::activate`]: the exact libm activations.
pub(super) fn activate(act: Activation, v: &mut [f32]) {
    for x in v {
        *x = act.apply(*x);
    }
}
