//! Scalar reference gate products: plain bounds-checked loops over slices,
//! always built. They are the kernel of targets without vector units (with
//! [`super::lanes::Scalar`] for the element-wise part) and the fallback of
//! the tiled products for layers narrower than a vector.

/// Reference for [`super::tiled::affine`]: `out[g] = bias[g] + w[g] · x +
/// u[g] · h`, accumulated column by column (axpy) in column order.
///
/// # Shapes
/// `out`, `bias`: `G` slices `[H]`; `w`: `G` column-major matrices
/// `[H × K1]`, `x: [K1]`; `u`: `G` matrices `[H × K2]`, `h: [K2]`. Other
/// lengths give a meaningless result, never a panic.
#[inline(always)]
pub(super) fn affine<const G: usize>(
    out: [&mut [f32]; G],
    bias: [&[f32]; G],
    w: [&[f32]; G],
    x: &[f32],
    u: [&[f32]; G],
    h: &[f32],
) {
    for (g, o) in out.into_iter().enumerate() {
        o.iter_mut().zip(bias[g]).for_each(|(o, &b)| *o = b);
        axpy_columns(o, w[g], x);
        axpy_columns(o, u[g], h);
    }
}

/// `o += m · v`, one column of `m` (`o.len()` values) at a time.
#[inline(always)]
fn axpy_columns(o: &mut [f32], m: &[f32], v: &[f32]) {
    if o.is_empty() {
        return;
    }
    for (col, &vk) in m.chunks_exact(o.len()).zip(v) {
        for (a, &wk) in o.iter_mut().zip(col) {
            *a += wk * vk;
        }
    }
}
