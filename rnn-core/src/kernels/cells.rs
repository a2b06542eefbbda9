//! One timestep of each layer kind over [`Lanes`]: the fused gate products
//! of [`tiled`], then the element-wise state update of [`pointwise`].
//!
//! The ISA modules instantiate these inside `#[target_feature]` functions
//! (see [`entry_points`]), so everything here inlines into vector code.

use nalgebra::{SMatrix, SVector};

use super::lanes::Lanes;
use super::{pointwise, tiled};
use crate::activation::Activation;
use crate::layers::lstm::LstmState;

/// `out[g] = bias[g] + w[g] · x` (products with one operand).
#[inline(always)]
fn affine1<S: Lanes, const G: usize, const H: usize, const K: usize>(
    s: S,
    out: &mut [SVector<f32, H>; G],
    bias: [&SVector<f32, H>; G],
    w: [&SMatrix<f32, H, K>; G],
    x: &SVector<f32, K>,
) {
    let none = SMatrix::<f32, H, 0>::zeros();
    tiled::affine(s, out, bias, w, x, [&none; G], &SVector::<f32, 0>::zeros());
}

/// SimpleRNN: `h = flush(act(W x + U h + b))`.
#[inline(always)]
pub(super) fn simple_rnn<S: Lanes, const I: usize, const H: usize>(
    s: S,
    (w, u, b): (&SMatrix<f32, H, I>, &SMatrix<f32, H, H>, &SVector<f32, H>),
    act: Activation,
    h: &mut SVector<f32, H>,
    x: &SVector<f32, I>,
) -> SVector<f32, H> {
    let mut z = [SVector::zeros()];
    tiled::affine(s, &mut z, [b], [w], x, [u], h);
    let [mut z] = z;
    pointwise::activate_state(s, act, &mut z);
    *h = z;
    z
}

/// Weights of an LSTM: `w`, `u`, `b`, gates i, f, g, o.
pub(crate) type LstmParams<'a, const I: usize, const H: usize> = (
    &'a [SMatrix<f32, H, I>; 4],
    &'a [SMatrix<f32, H, H>; 4],
    &'a [SVector<f32, H>; 4],
);

/// LSTM: the four gate pre-activations in one pass, then the cell update.
#[inline(always)]
pub(super) fn lstm<S: Lanes, const I: usize, const H: usize>(
    s: S,
    (w, u, b): LstmParams<'_, I, H>,
    state: &mut LstmState<H>,
    x: &SVector<f32, I>,
) -> SVector<f32, H> {
    let mut z = [SVector::zeros(); 4];
    tiled::affine(
        s,
        &mut z,
        b.each_ref(),
        w.each_ref(),
        x,
        u.each_ref(),
        &state.h,
    );
    pointwise::lstm(s, &z, &mut state.c, &mut state.h);
    state.h
}

/// Weights of a GRU: `w`, `u`, `b_input`, `b_recurrent`, gates z, r, n.
pub(crate) type GruParams<'a, const I: usize, const H: usize> = (
    &'a [SMatrix<f32, H, I>; 3],
    &'a [SMatrix<f32, H, H>; 3],
    &'a [SVector<f32, H>; 3],
    &'a [SVector<f32, H>; 3],
);

/// GRU: update and reset gates in one pass; the candidate as Keras
/// computes it for `reset_after` true or false.
#[inline(always)]
pub(super) fn gru<S: Lanes, const I: usize, const H: usize>(
    s: S,
    (w, u, b_in, b_rec): GruParams<'_, I, H>,
    reset_after: bool,
    h: &mut SVector<f32, H>,
    x: &SVector<f32, I>,
) -> SVector<f32, H> {
    let [w_z, w_r, w_n] = w.each_ref();
    let [u_z, u_r, u_n] = u.each_ref();
    if reset_after {
        // Input and recurrent parts apart (Keras adds them before σ for z
        // and r, and gates only the recurrent part of n by r).
        let mut xp = [SVector::zeros(); 3];
        affine1(s, &mut xp, b_in.each_ref(), w.each_ref(), x);
        let mut hp = [SVector::zeros(); 3];
        affine1(s, &mut hp, b_rec.each_ref(), u.each_ref(), h);
        pointwise::gru_reset_after(s, &xp, &hp, h);
    } else {
        let mut zr = [SVector::zeros(); 2];
        tiled::affine(
            s,
            &mut zr,
            [&b_in[0], &b_in[1]],
            [w_z, w_r],
            x,
            [u_z, u_r],
            h,
        );
        let mut rh = SVector::zeros();
        pointwise::reset_hidden(s, &zr[1], h, &mut rh);
        let mut n = [SVector::zeros()];
        tiled::affine(s, &mut n, [&b_in[2]], [w_n], x, [u_n], &rh);
        pointwise::gru_update(s, &zr[0], &n[0], h);
    }
    *h
}

/// Dense: `y = act(W x + b)`; one output is a vector dot product over `I`.
#[inline(always)]
pub(super) fn dense<S: Lanes, const I: usize, const O: usize>(
    s: S,
    (w, b): (&SMatrix<f32, O, I>, &SVector<f32, O>),
    act: Activation,
    x: &SVector<f32, I>,
) -> SVector<f32, O> {
    let mut y = [SVector::<f32, O>::zeros()];
    if O == 1 && S::L > 1 {
        if let (Some(y), Some(b)) = (y[0].get_mut(0), b.get(0)) {
            *y = b + pointwise::dot(s, w.as_slice(), x);
        }
    } else {
        affine1(s, &mut y, [b], [w], x);
    }
    let [mut y] = y;
    pointwise::activate(s, act, &mut y);
    y
}

/// Defines, for an ISA token type, the four step entry points as safe
/// methods that enter a `#[target_feature]` function and run this module's
/// generic steps there. Soundness rests on the token: it is constructed only
/// after the features were detected.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
macro_rules! entry_points {
    ($token:ty, $features:literal) => {
        use nalgebra::{SMatrix, SVector};

        use crate::activation::Activation;
        use crate::kernels::cells::{self, GruParams, LstmParams};
        use crate::layers::lstm::LstmState;

        impl $token {
            /// [`cells::simple_rnn`] with this ISA.
            #[inline]
            pub(in crate::kernels) fn simple_rnn<const I: usize, const H: usize>(
                self,
                p: (&SMatrix<f32, H, I>, &SMatrix<f32, H, H>, &SVector<f32, H>),
                act: Activation,
                h: &mut SVector<f32, H>,
                x: &SVector<f32, I>,
            ) -> SVector<f32, H> {
                /// # Safety
                /// The CPU must support the token's target features.
                #[target_feature(enable = $features)]
                unsafe fn imp<const I: usize, const H: usize>(
                    s: $token,
                    p: (&SMatrix<f32, H, I>, &SMatrix<f32, H, H>, &SVector<f32, H>),
                    act: Activation,
                    h: &mut SVector<f32, H>,
                    x: &SVector<f32, I>,
                ) -> SVector<f32, H> {
                    cells::simple_rnn(s, p, act, h, x)
                }
                // SAFETY: the token exists only on a CPU with these features.
                unsafe { imp(self, p, act, h, x) }
            }

            /// [`cells::lstm`] with this ISA.
            #[inline]
            pub(in crate::kernels) fn lstm<const I: usize, const H: usize>(
                self,
                p: LstmParams<'_, I, H>,
                state: &mut LstmState<H>,
                x: &SVector<f32, I>,
            ) -> SVector<f32, H> {
                /// # Safety
                /// The CPU must support the token's target features.
                #[target_feature(enable = $features)]
                unsafe fn imp<const I: usize, const H: usize>(
                    s: $token,
                    p: LstmParams<'_, I, H>,
                    state: &mut LstmState<H>,
                    x: &SVector<f32, I>,
                ) -> SVector<f32, H> {
                    cells::lstm(s, p, state, x)
                }
                // SAFETY: the token exists only on a CPU with these features.
                unsafe { imp(self, p, state, x) }
            }

            /// [`cells::gru`] with this ISA.
            #[inline]
            pub(in crate::kernels) fn gru<const I: usize, const H: usize>(
                self,
                p: GruParams<'_, I, H>,
                reset_after: bool,
                h: &mut SVector<f32, H>,
                x: &SVector<f32, I>,
            ) -> SVector<f32, H> {
                /// # Safety
                /// The CPU must support the token's target features.
                #[target_feature(enable = $features)]
                unsafe fn imp<const I: usize, const H: usize>(
                    s: $token,
                    p: GruParams<'_, I, H>,
                    reset_after: bool,
                    h: &mut SVector<f32, H>,
                    x: &SVector<f32, I>,
                ) -> SVector<f32, H> {
                    cells::gru(s, p, reset_after, h, x)
                }
                // SAFETY: the token exists only on a CPU with these features.
                unsafe { imp(self, p, reset_after, h, x) }
            }

            /// [`cells::dense`] with this ISA.
            #[inline]
            pub(in crate::kernels) fn dense<const I: usize, const O: usize>(
                self,
                p: (&SMatrix<f32, O, I>, &SVector<f32, O>),
                act: Activation,
                x: &SVector<f32, I>,
            ) -> SVector<f32, O> {
                /// # Safety
                /// The CPU must support the token's target features.
                #[target_feature(enable = $features)]
                unsafe fn imp<const I: usize, const O: usize>(
                    s: $token,
                    p: (&SMatrix<f32, O, I>, &SVector<f32, O>),
                    act: Activation,
                    x: &SVector<f32, I>,
                ) -> SVector<f32, O> {
                    cells::dense(s, p, act, x)
                }
                // SAFETY: the token exists only on a CPU with these features.
                unsafe { imp(self, p, act, x) }
            }
        }
    };
}
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub(super) use entry_points;
