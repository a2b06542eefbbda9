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
    // Cortex-M4F/M7: the same arithmetic in `asm!` tiles.
    #[cfg(rnn_arm_fpu)]
    let mut out = out;
    #[cfg(rnn_arm_fpu)]
    if super::arm_fpu::affine(&mut out, bias, w, x, u, h) {
        return;
    }
    for (g, o) in out.into_iter().enumerate() {
        o.iter_mut().zip(bias[g]).for_each(|(o, &b)| *o = b);
        #[cfg(not(rnn_arm_v6m))]
        {
            axpy_columns(o, w[g], x);
            axpy_columns(o, u[g], h);
        }
        #[cfg(rnn_arm_v6m)]
        {
            axpy_columns_out_of_line(o, w[g], x);
            axpy_columns_out_of_line(o, u[g], h);
        }
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

/// [`axpy_columns`], not inlined: on Cortex-M0 (cfg `rnn_arm_v6m`, soft
/// float) one copy of the loop serves every gate and layer. Inlined, each
/// gate's copy was unrolled over its constant rows, and the soft-float
/// calls of a multiply-add (about 200 instructions) leave the loop's own
/// few nothing to win: the f32 template's code was 7,288 B with the
/// copies and is 5,320 B without (`scripts/firmware-test.sh`).
#[cfg(rnn_arm_v6m)]
#[inline(never)]
fn axpy_columns_out_of_line(o: &mut [f32], m: &[f32], v: &[f32]) {
    axpy_columns(o, m, v);
}
