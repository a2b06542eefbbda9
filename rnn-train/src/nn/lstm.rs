//! LSTM forward pass with caches and backpropagation through time, Keras
//! semantics (gates i, f, c, o; sigmoid gates, tanh cell).
//!
//! ```text
//! i = σ(W_i x + U_i h + b_i)   f = σ(W_f x + U_f h + b_f)
//! g = tanh(W_g x + U_g h + b_g)   o = σ(W_o x + U_o h + b_o)
//! c_t = f ⊙ c_{t-1} + i ⊙ g    h_t = o ⊙ tanh(c_t)
//! ```
//! Backward, with `δh`, `δc` the gradients arriving at `h_t`, `c_t`:
//! `δc_t = δc + δh ⊙ o ⊙ (1 − tanh²c_t)`, gate pre-activation gradients
//! `δi = δc_t g i(1−i)`, `δf = δc_t c_{t-1} f(1−f)`, `δg = δc_t i (1−g²)`,
//! `δo = δh tanh(c_t) o(1−o)`; `δc ← δc_t ⊙ f`, `δh ← Uᵀ δz`.
//! Source: Hochreiter & Schmidhuber (1997), forget gate of Gers et al. (2000).

use super::activation::{sigmoid_slice, tanh_slice};
use super::linalg::{gemm, Mat, MatMut};
use super::real::Real;
use super::rnn::{input_gradients, input_products, RnnCache, RnnShape, Upstream};

/// Runs the layer over `x` (`[I × T·B]`), filling the gates, `c_t`,
/// `tanh(c_t)` and `h_t` caches.
pub(crate) fn forward<T: Real>(shape: &RnnShape, params: &[T], x: &[T], cache: &mut RnnCache<T>) {
    let (h, b) = (shape.hidden, cache.batch);
    let (block, gblock) = (h * b, 4 * h * b);
    input_products(shape, params, x, &mut cache.gates);
    let u = Mat::new(&params[shape.u()], 4 * h, h);
    for t in 0..cache.steps {
        let z = &mut cache.gates[t * gblock..(t + 1) * gblock];
        let (h_done, h_rest) = cache.h.split_at_mut(t * block);
        let (c_done, c_rest) = cache.aux.split_at_mut(t * block);
        if t > 0 {
            let previous = Mat::new(&h_done[(t - 1) * block..], h, b);
            gemm(MatMut::new(z, 4 * h, b), u, previous, T::one());
        }
        let tc_now = &mut cache.aux2[t * block..(t + 1) * block];
        let c_prev = (t > 0).then(|| &c_done[(t - 1) * block..t * block]);
        for col in 0..b {
            let zc = &mut z[col * 4 * h..(col + 1) * 4 * h];
            sigmoid_slice(&mut zc[..2 * h]);
            tanh_slice(&mut zc[2 * h..3 * h]);
            sigmoid_slice(&mut zc[3 * h..]);
            let (i, rest) = zc.split_at(h);
            let (f, rest) = rest.split_at(h);
            let (g, o) = rest.split_at(h);
            let cols = col * h..(col + 1) * h;
            let c = &mut c_rest[cols.clone()];
            match c_prev {
                Some(cp) => {
                    for ((((c, &cp), &f), &i), &g) in
                        c.iter_mut().zip(&cp[cols.clone()]).zip(f).zip(i).zip(g)
                    {
                        *c = f * cp + i * g;
                    }
                }
                None => {
                    for ((c, &i), &g) in c.iter_mut().zip(i).zip(g) {
                        *c = i * g;
                    }
                }
            }
            let tc = &mut tc_now[cols.clone()];
            tc.copy_from_slice(c);
            tanh_slice(tc);
            for ((h, &o), &tc) in h_rest[cols].iter_mut().zip(o).zip(tc.iter()) {
                *h = o * tc;
            }
        }
    }
}

/// Backpropagates `upstream` through time, writing this layer's parameter
/// gradients into `grad` (overwriting) and, if `want_dx`, `cache.dx`.
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
    let (block, gblock) = (h * b, 4 * h * b);
    let u = Mat::new(&params[shape.u()], 4 * h, h);
    cache.dh.fill(T::zero());
    cache.dc.fill(T::zero());
    for t in (0..steps).rev() {
        upstream.add_into(&mut cache.dh, t, steps);
        let d = &mut cache.dpre[t * gblock..(t + 1) * gblock];
        let gates = &cache.gates[t * gblock..(t + 1) * gblock];
        let tcs = &cache.aux2[t * block..(t + 1) * block];
        let c_prev = (t > 0).then(|| &cache.aux[(t - 1) * block..t * block]);
        for col in 0..b {
            // Per-column slices of exact length h, so the loop below has no
            // bounds checks and vectorizes.
            let cols = col * h..(col + 1) * h;
            let (d_i, rest) = d[col * 4 * h..(col + 1) * 4 * h].split_at_mut(h);
            let (d_f, rest) = rest.split_at_mut(h);
            let (d_g, d_o) = rest.split_at_mut(h);
            let g_all = &gates[col * 4 * h..(col + 1) * 4 * h];
            let (i, f, g, o) = (
                &g_all[..h],
                &g_all[h..2 * h],
                &g_all[2 * h..3 * h],
                &g_all[3 * h..],
            );
            let (tc, dh) = (&tcs[cols.clone()], &cache.dh[cols.clone()]);
            let dc = &mut cache.dc[cols.clone()];
            let cp = c_prev.map(|c| &c[cols]);
            for j in 0..h {
                let dct = dc[j] + dh[j] * o[j] * (T::one() - tc[j] * tc[j]);
                d_i[j] = dct * g[j] * i[j] * (T::one() - i[j]);
                d_f[j] = cp.map_or(T::zero(), |cp| dct * cp[j] * f[j] * (T::one() - f[j]));
                d_g[j] = dct * i[j] * (T::one() - g[j] * g[j]);
                d_o[j] = dh[j] * tc[j] * o[j] * (T::one() - o[j]);
                dc[j] = dct * f[j];
            }
        }
        if t > 0 {
            gemm(
                MatMut::new(&mut cache.dh, h, b),
                u.t(),
                Mat::new(d, 4 * h, b),
                T::zero(),
            );
        }
    }
    let cols = (steps - 1) * b;
    gemm(
        MatMut::new(&mut grad[shape.u()], 4 * h, h),
        Mat::new(&cache.dpre, 4 * h, steps * b).cols(b, cols),
        Mat::new(&cache.h, h, steps * b).cols(0, cols).t(),
        T::zero(),
    );
    input_gradients(shape, params, x, cache, grad, want_dx);
}
