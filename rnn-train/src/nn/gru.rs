//! GRU forward pass with caches and backpropagation through time, Keras
//! semantics (gates z, r, n; sigmoid gates, tanh candidate), both variants.
//!
//! ```text
//! reset_after = true (Keras 3 default, PyTorch): hz = U h_{t-1} + b_h
//!     z = σ(xz_z + hz_z)  r = σ(xz_r + hz_r)  n = tanh(xz_n + r ⊙ hz_n)
//! reset_after = false (Keras 2 default):
//!     z = σ(xz_z + U_z h_{t-1})  r = σ(xz_r + U_r h_{t-1})
//!     n = tanh(xz_n + U_n (r ⊙ h_{t-1}))
//! with xz = W x_t + b, and h_t = z ⊙ h_{t-1} + (1 − z) ⊙ n; without a
//! bias (Keras `use_bias=False`) b and b_h are 0.
//! ```
//! Source: Cho et al. (2014); Keras `GRU`.

use super::activation::{sigmoid_slice, tanh_slice};
use super::linalg::{gemm, row_sums, Mat, MatMut};
use super::real::Real;
use super::rnn::{broadcast_bias, input_gradients, input_products, RnnCache, RnnShape, Upstream};

/// Runs the layer over `x` (`[I × T·B]`), filling the gate caches (`z, r, n`),
/// `cache.aux` (`U_n h + b_hn`, or `r ⊙ h_{t-1}` without `reset_after`) and `h_t`.
pub(crate) fn forward<T: Real>(shape: &RnnShape, params: &[T], x: &[T], cache: &mut RnnCache<T>) {
    let (h, b) = (shape.hidden, cache.batch);
    let (block, gblock) = (h * b, 3 * h * b);
    input_products(shape, params, x, &mut cache.gates);
    let u = Mat::new(&params[shape.u()], 3 * h, h);
    let reset_after = shape.reset_after();
    for t in 0..cache.steps {
        let gates = &mut cache.gates[t * gblock..(t + 1) * gblock];
        let (h_done, h_rest) = cache.h.split_at_mut(t * block);
        let h_prev = (t > 0).then(|| &h_done[(t - 1) * block..]);
        let aux = &mut cache.aux[t * block..(t + 1) * block];
        let step = &mut cache.step;
        // Recurrent products: all three gates (reset_after), or z and r.
        if reset_after {
            broadcast_bias(step, &params[shape.bh()], 3 * h);
            if let Some(prev) = h_prev {
                gemm(
                    MatMut::new(step, 3 * h, b),
                    u,
                    Mat::new(prev, h, b),
                    T::one(),
                );
            }
        } else if let Some(prev) = h_prev {
            let zr = MatMut::rows_of(step, 3 * h, b, 0, 2 * h);
            gemm(zr, u.rows(0, 2 * h), Mat::new(prev, h, b), T::zero());
        } else {
            step.fill(T::zero());
        }
        // z and r; aux = U_n h + b_hn, or r ⊙ h_{t-1}.
        for col in 0..b {
            let g = &mut gates[col * 3 * h..(col + 1) * 3 * h];
            let s = &step[col * 3 * h..(col + 1) * 3 * h];
            add_assign(&mut g[..2 * h], &s[..2 * h]);
            sigmoid_slice(&mut g[..2 * h]);
            let a = &mut aux[col * h..(col + 1) * h];
            match (reset_after, h_prev) {
                (true, _) => a.copy_from_slice(&s[2 * h..]),
                (false, Some(prev)) => {
                    let r = &g[h..2 * h];
                    for ((a, &r), &hp) in a.iter_mut().zip(r).zip(&prev[col * h..(col + 1) * h]) {
                        *a = r * hp;
                    }
                }
                (false, None) => a.fill(T::zero()),
            }
        }
        if !reset_after && h_prev.is_some() {
            let n_rows = MatMut::rows_of(step, 3 * h, b, 2 * h, h);
            gemm(n_rows, u.rows(2 * h, h), Mat::new(aux, h, b), T::zero());
        }
        // n and the new state.
        for col in 0..b {
            let g = &mut gates[col * 3 * h..(col + 1) * 3 * h];
            let (zr, n) = g.split_at_mut(2 * h);
            let (z, r) = zr.split_at(h);
            let a = &aux[col * h..(col + 1) * h];
            if reset_after {
                for ((n, &r), &a) in n.iter_mut().zip(r).zip(a) {
                    *n += r * a;
                }
            } else {
                add_assign(n, &step[col * 3 * h + 2 * h..(col + 1) * 3 * h]);
            }
            tanh_slice(n);
            let out = &mut h_rest[col * h..(col + 1) * h];
            match h_prev {
                Some(prev) => {
                    let hp = &prev[col * h..(col + 1) * h];
                    for (((o, &z), &n), &hp) in out.iter_mut().zip(z).zip(n.iter()).zip(hp) {
                        *o = z * hp + (T::one() - z) * n;
                    }
                }
                None => {
                    for ((o, &z), &n) in out.iter_mut().zip(z).zip(n.iter()) {
                        *o = (T::one() - z) * n;
                    }
                }
            }
        }
    }
}

/// `a += b` element-wise.
fn add_assign<T: Real>(a: &mut [T], b: &[T]) {
    for (a, b) in a.iter_mut().zip(b) {
        *a += *b;
    }
}

/// Backpropagates `upstream` through time, writing this layer's parameter
/// gradients into `grad` (overwriting) and, if `want_dx`, `cache.dx`.
///
/// With `δh` the gradient at `h_t`: `δz = δh (h_{t-1} − n) z(1−z)`,
/// `δn = δh (1−z)(1−n²)`; `reset_after`: `δr = δn hz_n r(1−r)` and the
/// recurrent pre-activation gradient is `(δz, δr, δn ⊙ r)`; otherwise
/// `δ(r⊙h) = U_nᵀ δn`, `δr = δ(r⊙h) ⊙ h_{t-1} r(1−r)`.
pub(crate) fn backward<T: Real>(
    shape: &RnnShape,
    params: &[T],
    x: &[T],
    cache: &mut RnnCache<T>,
    upstream: Upstream<'_, T>,
    grad: &mut [T],
    want_dx: bool,
) {
    let (h, b, steps) = (shape.hidden, cache.batch, cache.steps);
    let (block, gblock) = (h * b, 3 * h * b);
    let u = Mat::new(&params[shape.u()], 3 * h, h);
    let reset_after = shape.reset_after();
    cache.dh.fill(T::zero());
    for t in (0..steps).rev() {
        upstream.add_into(&mut cache.dh, t, steps);
        let d = &mut cache.dpre[t * gblock..(t + 1) * gblock];
        let gates = &cache.gates[t * gblock..(t + 1) * gblock];
        let aux = &cache.aux[t * block..(t + 1) * block];
        let h_prev = (t > 0).then(|| &cache.h[(t - 1) * block..t * block]);
        for col in 0..b {
            let gi = col * 3 * h;
            for j in 0..h {
                let idx = col * h + j;
                let (z, r, n) = (gates[gi + j], gates[gi + h + j], gates[gi + 2 * h + j]);
                let hp = h_prev.map_or(T::zero(), |p| p[idx]);
                let dh = cache.dh[idx];
                let dn = dh * (T::one() - z) * (T::one() - n * n);
                d[gi + j] = dh * (hp - n) * z * (T::one() - z);
                d[gi + h + j] = if reset_after {
                    dn * aux[idx] * r * (T::one() - r)
                } else {
                    T::zero()
                };
                d[gi + 2 * h + j] = dn;
                cache.dh[idx] = dh * z;
            }
        }
        if reset_after {
            let dhz = &mut cache.dpre_h[t * gblock..(t + 1) * gblock];
            dhz.copy_from_slice(d);
            for col in 0..b {
                let gi = col * 3 * h;
                for j in 0..h {
                    dhz[gi + 2 * h + j] *= gates[gi + h + j];
                }
            }
            if t > 0 {
                gemm(
                    MatMut::new(&mut cache.dh, h, b),
                    u.t(),
                    Mat::new(dhz, 3 * h, b),
                    T::one(),
                );
            }
        } else if let Some(hp) = h_prev {
            let drh = &mut cache.step[..block];
            let dn = Mat::new(d, 3 * h, b).rows(2 * h, h);
            gemm(MatMut::new(drh, h, b), u.rows(2 * h, h).t(), dn, T::zero());
            for col in 0..b {
                let gi = col * 3 * h;
                for j in 0..h {
                    let idx = col * h + j;
                    let r = gates[gi + h + j];
                    d[gi + h + j] = drh[idx] * hp[idx] * r * (T::one() - r);
                    cache.dh[idx] += drh[idx] * r;
                }
            }
            let dzr = Mat::new(d, 3 * h, b).rows(0, 2 * h);
            gemm(
                MatMut::new(&mut cache.dh, h, b),
                u.rows(0, 2 * h).t(),
                dzr,
                T::one(),
            );
        }
    }
    let (cols, all) = ((steps - 1) * b, steps * b);
    let h_prev = Mat::new(&cache.h, h, all).cols(0, cols).t();
    if reset_after {
        gemm(
            MatMut::new(&mut grad[shape.u()], 3 * h, h),
            Mat::new(&cache.dpre_h, 3 * h, all).cols(b, cols),
            h_prev,
            T::zero(),
        );
        if shape.use_bias {
            row_sums(&mut grad[shape.bh()], &cache.dpre_h, 3 * h, T::zero());
        }
    } else {
        let d = Mat::new(&cache.dpre, 3 * h, all).cols(b, cols);
        let du = &mut grad[shape.u()];
        gemm(
            MatMut::rows_of(du, 3 * h, h, 0, 2 * h),
            d.rows(0, 2 * h),
            h_prev,
            T::zero(),
        );
        let rh = Mat::new(&cache.aux, h, all).cols(b, cols).t();
        gemm(
            MatMut::rows_of(du, 3 * h, h, 2 * h, h),
            d.rows(2 * h, h),
            rh,
            T::zero(),
        );
    }
    input_gradients(shape, params, x, cache, grad, want_dx);
}
