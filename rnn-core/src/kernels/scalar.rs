//! Scalar reference gate products: plain loops over nalgebra storage, always
//! built. They are the oracle of the tiled vector kernels, and the kernel of
//! targets without vector units (with [`super::lanes::Scalar`] for the
//! element-wise part).

use nalgebra::{SMatrix, SVector};

/// Reference for [`super::tiled::affine`]: `out[g] = bias[g] + w[g] · x +
/// u[g] · h`, accumulated column by column (axpy) in column order.
///
/// # Shapes
/// `out`, `bias`: `G` vectors `[H]`; `w`: `G` matrices `[H × K1]`, `x: [K1]`;
/// `u`: `G` matrices `[H × K2]`, `h: [K2]`.
pub(super) fn affine<const G: usize, const H: usize, const K1: usize, const K2: usize>(
    out: &mut [SVector<f32, H>; G],
    bias: [&SVector<f32, H>; G],
    w: [&SMatrix<f32, H, K1>; G],
    x: &SVector<f32, K1>,
    u: [&SMatrix<f32, H, K2>; G],
    h: &SVector<f32, K2>,
) {
    for (g, o) in out.iter_mut().enumerate() {
        o.copy_from(bias[g]);
        axpy_columns(o, w[g], x);
        axpy_columns(o, u[g], h);
    }
}

/// `o += m · v`, one column at a time (on slices, which the compiler
/// unrolls and vectorizes for the build's baseline ISA).
fn axpy_columns<const H: usize, const K: usize>(
    o: &mut SVector<f32, H>,
    m: &SMatrix<f32, H, K>,
    v: &SVector<f32, K>,
) {
    let o = o.as_mut_slice();
    for (col, &vk) in m.as_slice().chunks_exact(H).zip(v.as_slice()) {
        for (a, &wk) in o.iter_mut().zip(col) {
            *a += wk * vk;
        }
    }
}
