//! One timestep of [`GROUP`] streams of each recurrent layer kind: the gate
//! products of all of them in one pass over the weights
//! ([`tiled_streams::affine`]), then each stream's element-wise update as
//! in [`super::cells`]. The results are those of [`super::cells`] run on
//! each stream, bit for bit (the fused in-register steps there give the
//! bits of their in-memory forms, which these follow).

use super::cells::Gates;
use super::lanes::Lanes;
use super::pointwise;
use super::tiled_streams::{self, GROUP};
use crate::activation::Activation;

/// The per-stream slices of a group: scratch `z` (`Z` vectors `[H]`), the
/// state `(c, h)` (cell state `[H]` for an LSTM, empty otherwise; hidden
/// state `[H]`) and the input `x: [I]`.
pub(crate) struct Streams<'a, const Z: usize> {
    pub(crate) z: [[&'a mut [f32]; Z]; GROUP],
    pub(crate) state: [(&'a mut [f32], &'a mut [f32]); GROUP],
    pub(crate) x: [&'a [f32]; GROUP],
}

/// Reborrows `Z` scratch vectors of every stream.
#[inline(always)]
fn scratch<'b, const Z: usize>(z: &'b mut [[&mut [f32]; Z]; GROUP]) -> [[&'b mut [f32]; Z]; GROUP] {
    z.each_mut().map(|z| z.each_mut().map(|v| &mut **v))
}

/// Every stream's hidden state, read-only.
#[inline(always)]
fn read<'b>(state: &'b [(&mut [f32], &mut [f32]); GROUP]) -> [&'b [f32]; GROUP] {
    state.each_ref().map(|(_, h)| &**h)
}

/// SimpleRNN ([`super::cells::simple_rnn_in_memory`] per stream).
#[inline(always)]
pub(in crate::kernels) fn simple_rnn_streams<S: Lanes>(
    s: S,
    p: Gates<'_, 1>,
    act: Activation,
    mut st: Streams<'_, 1>,
) {
    tiled_streams::affine(s, scratch(&mut st.z), p.b, p.w, st.x, p.u, read(&st.state));
    for ([z], (_, h)) in st.z.into_iter().zip(st.state) {
        pointwise::activate_state(s, act, z);
        h.iter_mut().zip(&*z).for_each(|(d, &v)| *d = v);
    }
}

/// LSTM ([`super::cells::lstm_in_memory`] per stream).
#[inline(always)]
pub(in crate::kernels) fn lstm_streams<S: Lanes>(s: S, p: Gates<'_, 4>, mut st: Streams<'_, 4>) {
    tiled_streams::affine(s, scratch(&mut st.z), p.b, p.w, st.x, p.u, read(&st.state));
    for (z, (c, h)) in st.z.into_iter().zip(st.state) {
        pointwise::lstm(s, z, c, h);
    }
}

/// GRU, either variant ([`super::cells::gru_in_memory`] per stream);
/// scratch: six vectors per stream.
#[inline(always)]
pub(in crate::kernels) fn gru_streams<S: Lanes>(
    s: S,
    p: Gates<'_, 3>,
    b_recurrent: [&[f32]; 3],
    reset_after: bool,
    mut st: Streams<'_, 6>,
) {
    let none = [&[][..]; GROUP];
    if reset_after {
        let w_parts =
            st.z.each_mut()
                .map(|[a, b, c, ..]| [&mut **a, &mut **b, &mut **c]);
        tiled_streams::affine(s, w_parts, p.b, p.w, st.x, [&[]; 3], none);
        let u_parts =
            st.z.each_mut()
                .map(|[.., d, e, f]| [&mut **d, &mut **e, &mut **f]);
        tiled_streams::affine(
            s,
            u_parts,
            b_recurrent,
            p.u,
            read(&st.state),
            [&[]; 3],
            none,
        );
        for (z, (_, h)) in st.z.into_iter().zip(st.state) {
            let [a, b, c, d, e, f] = z;
            pointwise::gru_reset_after(s, [a, b, c], [d, e, f], h);
        }
    } else {
        let [w_z, w_r, w_n] = p.w;
        let [u_z, u_r, u_n] = p.u;
        let [b_z, b_r, b_n] = p.b;
        let zr = st.z.each_mut().map(|[a, b, ..]| [&mut **a, &mut **b]);
        tiled_streams::affine(
            s,
            zr,
            [b_z, b_r],
            [w_z, w_r],
            st.x,
            [u_z, u_r],
            read(&st.state),
        );
        for (z, (_, h)) in st.z.iter_mut().zip(&st.state) {
            let [_, b, c, ..] = z;
            pointwise::reset_hidden(s, b, h, c);
        }
        let (n, rh): ([[&mut [f32]; 1]; GROUP], [&[f32]; GROUP]) = {
            let mut n = st.z.each_mut().map(|z| {
                let [_, _, c, d, ..] = z;
                (&**c, [&mut **d])
            });
            let rh = n.each_mut().map(|(c, _)| *c);
            (n.map(|(_, d)| d), rh)
        };
        tiled_streams::affine(s, n, [b_n], [w_n], st.x, [u_n], rh);
        for (z, (_, h)) in st.z.into_iter().zip(st.state) {
            let [a, _, _, d, ..] = z;
            pointwise::gru_update(s, a, d, h);
        }
    }
}
