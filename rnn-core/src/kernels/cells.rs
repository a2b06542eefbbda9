//! One timestep of each layer kind over [`Lanes`], on slices with run-time
//! lengths: the fused gate products of [`tiled`], then the element-wise
//! state update of [`pointwise`].
//!
//! The ISA modules instantiate these inside `#[target_feature]` functions
//! (see [`entry_points`]): once per ISA over run-time lengths, and once
//! per ISA and layer size for the const-generic layers
//! ([`super::sized`]), whose steps call them with constant lengths. The
//! lengths are taken from the slices (hidden size `H` = `h.len()`, input
//! size `I` = `x.len()`); mismatched lengths never read or write out of
//! bounds (the tiled products then fall back to the bounds-checked scalar
//! ones), they only give a meaningless result.

pub(super) use super::cells_streams::{gru_streams, lstm_streams, simple_rnn_streams};
use super::lanes::Lanes;
use super::{fused, pointwise, tiled};
use crate::activation::Activation;

/// Weights of a layer with `G` gates: per gate `w: [H × I]`, `u: [H × H]`
/// (column-major), `b: [H]`.
#[derive(Clone, Copy)]
pub(crate) struct Gates<'a, const G: usize> {
    pub(crate) w: [&'a [f32]; G],
    pub(crate) u: [&'a [f32]; G],
    pub(crate) b: [&'a [f32]; G],
}

/// `out[g] = bias[g] + w[g] · x` (products with one operand).
#[inline(always)]
fn affine1<S: Lanes, const G: usize>(
    s: S,
    out: [&mut [f32]; G],
    bias: [&[f32]; G],
    w: [&[f32]; G],
    x: &[f32],
) {
    tiled::affine(s, out, bias, w, x, [&[]; G], &[]);
}

/// SimpleRNN: `h = flush(act(W x + U h + b))`.
#[inline(always)]
pub(super) fn simple_rnn<S: Lanes>(
    s: S,
    p: Gates<'_, 1>,
    act: Activation,
    [z]: [&mut [f32]; 1],
    h: &mut [f32],
    x: &[f32],
) {
    if !fused::simple_rnn(s, p, act, h, x) {
        simple_rnn_in_memory(s, p, act, [z], h, x);
    }
}

/// [`simple_rnn`] through the scratch `z` (every size; the results of
/// [`fused::simple_rnn`] where that applies, bit for bit).
#[inline(always)]
pub(super) fn simple_rnn_in_memory<S: Lanes>(
    s: S,
    p: Gates<'_, 1>,
    act: Activation,
    [z]: [&mut [f32]; 1],
    h: &mut [f32],
    x: &[f32],
) {
    tiled::affine(s, [&mut *z], p.b, p.w, x, p.u, h);
    pointwise::activate_state(s, act, z);
    copy(h, z);
}

/// LSTM (gates i, f, g, o): the four gate pre-activations into `z` in one
/// pass, then the cell update of `c` and `h`.
#[inline(always)]
pub(super) fn lstm<S: Lanes>(
    s: S,
    p: Gates<'_, 4>,
    z: [&mut [f32]; 4],
    c: &mut [f32],
    h: &mut [f32],
    x: &[f32],
) {
    if !fused::lstm(s, p, c, h, x) {
        lstm_in_memory(s, p, z, c, h, x);
    }
}

/// [`lstm`] through the scratch `z` (every size; the results of
/// [`fused::lstm`] where that applies, bit for bit).
#[inline(always)]
pub(super) fn lstm_in_memory<S: Lanes>(
    s: S,
    p: Gates<'_, 4>,
    z: [&mut [f32]; 4],
    c: &mut [f32],
    h: &mut [f32],
    x: &[f32],
) {
    let [zi, zf, zg, zo] = z;
    tiled::affine(
        s,
        [&mut *zi, &mut *zf, &mut *zg, &mut *zo],
        p.b,
        p.w,
        x,
        p.u,
        h,
    );
    pointwise::lstm(s, [zi, zf, zg, zo], c, h);
}

/// GRU (gates z, r, n), the candidate as Keras computes it for
/// `reset_after` true or false; `b_recurrent` is the recurrent bias (Keras
/// `bias[1]`, unused without `reset_after`); `scratch` holds six `[H]`.
#[inline(always)]
pub(super) fn gru<S: Lanes>(
    s: S,
    p: Gates<'_, 3>,
    b_recurrent: [&[f32]; 3],
    reset_after: bool,
    scratch: [&mut [f32]; 6],
    h: &mut [f32],
    x: &[f32],
) {
    if !(reset_after && fused::gru_reset_after(s, p, b_recurrent, h, x)) {
        gru_in_memory(s, p, b_recurrent, reset_after, scratch, h, x);
    }
}

/// [`gru`] through the scratch vectors (every size and variant; the
/// results of [`fused::gru_reset_after`] where that applies, bit for bit).
#[inline(always)]
pub(super) fn gru_in_memory<S: Lanes>(
    s: S,
    p: Gates<'_, 3>,
    b_recurrent: [&[f32]; 3],
    reset_after: bool,
    scratch: [&mut [f32]; 6],
    h: &mut [f32],
    x: &[f32],
) {
    let [a, b, c, d, e, f] = scratch;
    if reset_after {
        // Input and recurrent parts apart (Keras adds them before σ for z
        // and r, and gates only the recurrent part of n by r).
        affine1(s, [&mut *a, &mut *b, &mut *c], p.b, p.w, x);
        affine1(s, [&mut *d, &mut *e, &mut *f], b_recurrent, p.u, h);
        pointwise::gru_reset_after(s, [a, b, c], [d, e, f], h);
    } else {
        let [w_z, w_r, w_n] = p.w;
        let [u_z, u_r, u_n] = p.u;
        let [b_z, b_r, b_n] = p.b;
        tiled::affine(
            s,
            [&mut *a, &mut *b],
            [b_z, b_r],
            [w_z, w_r],
            x,
            [u_z, u_r],
            h,
        );
        pointwise::reset_hidden(s, b, h, c);
        tiled::affine(s, [&mut *d], [b_n], [w_n], x, [u_n], c);
        pointwise::gru_update(s, a, d, h);
    }
}

/// Dense: `y = act(W x + b)`; one output is a vector dot product over `I`.
#[inline(always)]
pub(super) fn dense<S: Lanes>(
    s: S,
    w: &[f32],
    b: &[f32],
    act: Activation,
    y: &mut [f32],
    x: &[f32],
) {
    if let ([y0], [b0], true) = (&mut *y, b, S::L > 1) {
        *y0 = b0 + pointwise::dot(s, w, x);
    } else {
        affine1(s, [&mut *y], [b], [w], x);
    }
    pointwise::activate(s, act, y);
}

/// `v = act(v)` element-wise ([`Kernel::activate`](super::Kernel::activate)).
#[inline(always)]
pub(super) fn activate<S: Lanes>(s: S, act: Activation, v: &mut [f32]) {
    pointwise::activate(s, act, v);
}

/// `dst = src` element by element (no panic on a length mismatch).
#[inline(always)]
fn copy(dst: &mut [f32], src: &[f32]) {
    dst.iter_mut().zip(src).for_each(|(d, &s)| *d = s);
}

/// Defines, for an ISA token type, the step entry points (and the
/// element-wise activation) as safe
/// methods that enter a `#[target_feature]` function and run this module's
/// generic steps there: one instance per ISA, whatever the layer sizes.
/// Soundness rests on the token: it is constructed only from a [`Kernel`]
/// of its ISA, which exists only after the features were detected.
#[cfg(rnn_vector_kernels)]
macro_rules! entry_points {
    ($token:ty, $features:literal) => {
        use crate::activation::Activation;
        use crate::kernels::cells::{self, Gates};
        use crate::kernels::cells_streams::Streams;
        use {
            crate::kernels::sized::{self, SimpleRnnParams},
            crate::kernels::{GruParams, LstmParams},
            crate::layers::lstm::LstmState,
            nalgebra::{SMatrix, SVector},
        };

        impl $token {
            /// [`sized::simple_rnn`](crate::kernels::sized::simple_rnn)
            /// with this ISA, instantiated for `I` and `H`.
            #[inline]
            pub(in crate::kernels) fn simple_rnn_sized<const I: usize, const H: usize>(
                self,
                params: SimpleRnnParams<'_, I, H>,
                act: Activation,
                h: &mut SVector<f32, H>,
                x: &SVector<f32, I>,
            ) -> bool {
                /// # Safety
                /// The CPU must support the token's target features.
                #[target_feature(enable = $features)]
                unsafe fn imp<const I: usize, const H: usize>(
                    s: $token,
                    params: SimpleRnnParams<'_, I, H>,
                    act: Activation,
                    h: &mut SVector<f32, H>,
                    x: &SVector<f32, I>,
                ) -> bool {
                    sized::simple_rnn(s, params, act, h, x)
                }
                // SAFETY: the token exists only on a CPU with these features.
                unsafe { imp(self, params, act, h, x) }
            }

            /// [`sized::lstm`](crate::kernels::sized::lstm) with this ISA,
            /// instantiated for `I` and `H`.
            #[inline]
            pub(in crate::kernels) fn lstm_sized<const I: usize, const H: usize>(
                self,
                params: LstmParams<'_, I, H>,
                state: &mut LstmState<H>,
                x: &SVector<f32, I>,
            ) -> bool {
                /// # Safety
                /// The CPU must support the token's target features.
                #[target_feature(enable = $features)]
                unsafe fn imp<const I: usize, const H: usize>(
                    s: $token,
                    params: LstmParams<'_, I, H>,
                    state: &mut LstmState<H>,
                    x: &SVector<f32, I>,
                ) -> bool {
                    sized::lstm(s, params, state, x)
                }
                // SAFETY: the token exists only on a CPU with these features.
                unsafe { imp(self, params, state, x) }
            }

            /// [`sized::gru`](crate::kernels::sized::gru) with this ISA,
            /// instantiated for `I` and `H`.
            #[inline]
            pub(in crate::kernels) fn gru_sized<const I: usize, const H: usize>(
                self,
                params: GruParams<'_, I, H>,
                reset_after: bool,
                h: &mut SVector<f32, H>,
                x: &SVector<f32, I>,
            ) -> bool {
                /// # Safety
                /// The CPU must support the token's target features.
                #[target_feature(enable = $features)]
                unsafe fn imp<const I: usize, const H: usize>(
                    s: $token,
                    params: GruParams<'_, I, H>,
                    reset_after: bool,
                    h: &mut SVector<f32, H>,
                    x: &SVector<f32, I>,
                ) -> bool {
                    sized::gru(s, params, reset_after, h, x)
                }
                // SAFETY: the token exists only on a CPU with these features.
                unsafe { imp(self, params, reset_after, h, x) }
            }

            /// [`sized::dense`](crate::kernels::sized::dense) with this ISA,
            /// instantiated for `I` and `O`.
            #[inline]
            pub(in crate::kernels) fn dense_sized<const I: usize, const O: usize>(
                self,
                params: (&SMatrix<f32, O, I>, &SVector<f32, O>),
                act: Activation,
                y: &mut SVector<f32, O>,
                x: &SVector<f32, I>,
            ) -> bool {
                /// # Safety
                /// The CPU must support the token's target features.
                #[target_feature(enable = $features)]
                unsafe fn imp<const I: usize, const O: usize>(
                    s: $token,
                    params: (&SMatrix<f32, O, I>, &SVector<f32, O>),
                    act: Activation,
                    y: &mut SVector<f32, O>,
                    x: &SVector<f32, I>,
                ) -> bool {
                    sized::dense(s, params, act, y, x)
                }
                // SAFETY: the token exists only on a CPU with these features.
                unsafe { imp(self, params, act, y, x) }
            }

            /// [`cells::simple_rnn`] with this ISA.
            #[inline]
            pub(in crate::kernels) fn simple_rnn(
                self,
                p: Gates<'_, 1>,
                act: Activation,
                z: [&mut [f32]; 1],
                h: &mut [f32],
                x: &[f32],
            ) {
                /// # Safety
                /// The CPU must support the token's target features.
                #[target_feature(enable = $features)]
                unsafe fn imp(
                    s: $token,
                    p: Gates<'_, 1>,
                    act: Activation,
                    z: [&mut [f32]; 1],
                    h: &mut [f32],
                    x: &[f32],
                ) {
                    cells::simple_rnn(s, p, act, z, h, x)
                }
                // SAFETY: the token exists only on a CPU with these features.
                unsafe { imp(self, p, act, z, h, x) }
            }

            /// [`cells::lstm`] with this ISA.
            #[inline]
            pub(in crate::kernels) fn lstm(
                self,
                p: Gates<'_, 4>,
                z: [&mut [f32]; 4],
                c: &mut [f32],
                h: &mut [f32],
                x: &[f32],
            ) {
                /// # Safety
                /// The CPU must support the token's target features.
                #[target_feature(enable = $features)]
                unsafe fn imp(
                    s: $token,
                    p: Gates<'_, 4>,
                    z: [&mut [f32]; 4],
                    c: &mut [f32],
                    h: &mut [f32],
                    x: &[f32],
                ) {
                    cells::lstm(s, p, z, c, h, x)
                }
                // SAFETY: the token exists only on a CPU with these features.
                unsafe { imp(self, p, z, c, h, x) }
            }

            /// [`cells::gru`] with this ISA.
            #[inline]
            #[allow(clippy::too_many_arguments)]
            pub(in crate::kernels) fn gru(
                self,
                p: Gates<'_, 3>,
                b_recurrent: [&[f32]; 3],
                reset_after: bool,
                scratch: [&mut [f32]; 6],
                h: &mut [f32],
                x: &[f32],
            ) {
                /// # Safety
                /// The CPU must support the token's target features.
                #[target_feature(enable = $features)]
                #[allow(clippy::too_many_arguments)]
                unsafe fn imp(
                    s: $token,
                    p: Gates<'_, 3>,
                    b_recurrent: [&[f32]; 3],
                    reset_after: bool,
                    scratch: [&mut [f32]; 6],
                    h: &mut [f32],
                    x: &[f32],
                ) {
                    cells::gru(s, p, b_recurrent, reset_after, scratch, h, x)
                }
                // SAFETY: the token exists only on a CPU with these features.
                unsafe { imp(self, p, b_recurrent, reset_after, scratch, h, x) }
            }

            /// [`cells::dense`] with this ISA.
            #[inline]
            pub(in crate::kernels) fn dense(
                self,
                w: &[f32],
                b: &[f32],
                act: Activation,
                y: &mut [f32],
                x: &[f32],
            ) {
                /// # Safety
                /// The CPU must support the token's target features.
                #[target_feature(enable = $features)]
                unsafe fn imp(
                    s: $token,
                    w: &[f32],
                    b: &[f32],
                    act: Activation,
                    y: &mut [f32],
                    x: &[f32],
                ) {
                    cells::dense(s, w, b, act, y, x)
                }
                // SAFETY: the token exists only on a CPU with these features.
                unsafe { imp(self, w, b, act, y, x) }
            }

            /// [`cells::simple_rnn_streams`] with this ISA.
            #[inline]
            pub(in crate::kernels) fn simple_rnn_streams(
                self,
                p: Gates<'_, 1>,
                act: Activation,
                st: Streams<'_, 1>,
            ) {
                /// # Safety
                /// The CPU must support the token's target features.
                #[target_feature(enable = $features)]
                unsafe fn imp(s: $token, p: Gates<'_, 1>, act: Activation, st: Streams<'_, 1>) {
                    cells::simple_rnn_streams(s, p, act, st)
                }
                // SAFETY: the token exists only on a CPU with these features.
                unsafe { imp(self, p, act, st) }
            }

            /// [`cells::lstm_streams`] with this ISA.
            #[inline]
            pub(in crate::kernels) fn lstm_streams(self, p: Gates<'_, 4>, st: Streams<'_, 4>) {
                /// # Safety
                /// The CPU must support the token's target features.
                #[target_feature(enable = $features)]
                unsafe fn imp(s: $token, p: Gates<'_, 4>, st: Streams<'_, 4>) {
                    cells::lstm_streams(s, p, st)
                }
                // SAFETY: the token exists only on a CPU with these features.
                unsafe { imp(self, p, st) }
            }

            /// [`cells::gru_streams`] with this ISA.
            #[inline]
            pub(in crate::kernels) fn gru_streams(
                self,
                p: Gates<'_, 3>,
                b_recurrent: [&[f32]; 3],
                reset_after: bool,
                st: Streams<'_, 6>,
            ) {
                /// # Safety
                /// The CPU must support the token's target features.
                #[target_feature(enable = $features)]
                unsafe fn imp(
                    s: $token,
                    p: Gates<'_, 3>,
                    b_recurrent: [&[f32]; 3],
                    reset_after: bool,
                    st: Streams<'_, 6>,
                ) {
                    cells::gru_streams(s, p, b_recurrent, reset_after, st)
                }
                // SAFETY: the token exists only on a CPU with these features.
                unsafe { imp(self, p, b_recurrent, reset_after, st) }
            }

            /// [`cells::activate`] with this ISA.
            #[inline]
            pub(in crate::kernels) fn activate(self, act: Activation, v: &mut [f32]) {
                /// # Safety
                /// The CPU must support the token's target features.
                #[target_feature(enable = $features)]
                unsafe fn imp(s: $token, act: Activation, v: &mut [f32]) {
                    cells::activate(s, act, v)
                }
                // SAFETY: the token exists only on a CPU with these features.
                unsafe { imp(self, act, v) }
            }
        }

        /// The in-memory steps with this ISA, each in its own
        /// `#[target_feature]` function as the steps above (inlined into
        /// one test function, the steps took minutes to compile).
        #[cfg(test)]
        impl crate::kernels::prop_tests::InMemory for $token {
            fn simple_rnn_in_memory(
                self,
                p: Gates<'_, 1>,
                act: Activation,
                z: [&mut [f32]; 1],
                h: &mut [f32],
                x: &[f32],
            ) {
                /// # Safety
                /// The CPU must support the token's target features.
                #[target_feature(enable = $features)]
                unsafe fn imp(
                    s: $token,
                    p: Gates<'_, 1>,
                    act: Activation,
                    z: [&mut [f32]; 1],
                    h: &mut [f32],
                    x: &[f32],
                ) {
                    cells::simple_rnn_in_memory(s, p, act, z, h, x)
                }
                // SAFETY: the token exists only on a CPU with these features.
                unsafe { imp(self, p, act, z, h, x) }
            }

            fn lstm_in_memory(
                self,
                p: Gates<'_, 4>,
                z: [&mut [f32]; 4],
                c: &mut [f32],
                h: &mut [f32],
                x: &[f32],
            ) {
                /// # Safety
                /// The CPU must support the token's target features.
                #[target_feature(enable = $features)]
                unsafe fn imp(
                    s: $token,
                    p: Gates<'_, 4>,
                    z: [&mut [f32]; 4],
                    c: &mut [f32],
                    h: &mut [f32],
                    x: &[f32],
                ) {
                    cells::lstm_in_memory(s, p, z, c, h, x)
                }
                // SAFETY: the token exists only on a CPU with these features.
                unsafe { imp(self, p, z, c, h, x) }
            }

            fn gru_in_memory(
                self,
                p: Gates<'_, 3>,
                b_recurrent: [&[f32]; 3],
                scratch: [&mut [f32]; 6],
                h: &mut [f32],
                x: &[f32],
            ) {
                /// # Safety
                /// The CPU must support the token's target features.
                #[target_feature(enable = $features)]
                unsafe fn imp(
                    s: $token,
                    p: Gates<'_, 3>,
                    b_recurrent: [&[f32]; 3],
                    scratch: [&mut [f32]; 6],
                    h: &mut [f32],
                    x: &[f32],
                ) {
                    cells::gru_in_memory(s, p, b_recurrent, true, scratch, h, x)
                }
                // SAFETY: the token exists only on a CPU with these features.
                unsafe { imp(self, p, b_recurrent, scratch, h, x) }
            }
        }
    };
}
#[cfg(rnn_vector_kernels)]
pub(super) use entry_points;
