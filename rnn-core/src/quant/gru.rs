//! Integer GRU, both `reset_after` variants: int8 weights, int16 Q15
//! hidden state.

use crate::format::spec::{LayerKind, LayerShape};
use crate::quant::activation::{sigmoid_q15, tanh_q15};
use crate::quant::fixed::{dot_i16, dot_i32, rescale, round_shift, saturate, split_shift};
use crate::quant::format::spec::QLayerSpec;
use crate::quant::layer::{QLayer, QParams, QParamsMut};

/// Requantized row sets of a [`QGru`]: update, reset, candidate (input
/// part, or all of it without `reset_after`), candidate recurrent part.
pub(crate) const GRU_ROW_SETS: usize = 4;

/// The parameters of an integer GRU as slices, gates in Keras order z, r, n.
pub(crate) struct GruParams<'a> {
    /// `[3H × I]` row-major.
    pub w: &'a [i8],
    /// `[3H × H]` row-major.
    pub u: &'a [i8],
    /// `[4H]`: rows z, r, n and (with `reset_after`) the recurrent part of n.
    pub bias: &'a [i32],
    /// `[4H]` multiplier mantissas.
    pub mult: &'a [u16],
    /// `[4H]` shifts.
    pub shift: &'a [u8],
    /// `15 - input_frac`.
    pub x_shift: u8,
    /// Keras `reset_after`.
    pub reset_after: bool,
}

/// One integer GRU step on slices: `x: [I]`, `xs: [I]` scratch,
/// `h, z, rh, out: [H]` (`z`, `rh` scratch); `h` becomes `out`.
#[inline(always)]
pub(crate) fn gru_step(
    p: &GruParams<'_>,
    x: &[i16],
    xs: &mut [i32],
    h: &mut [i16],
    z: &mut [i16],
    rh: &mut [i16],
    out: &mut [i16],
) {
    let (i_len, h_len) = (x.len(), h.len());
    for (s, &v) in xs.iter_mut().zip(x) {
        *s = i32::from(v) << p.x_shift.min(15);
    }
    let input_part = |r: usize| {
        let (_, k) = split_shift(p.shift[r]);
        dot_i32(&p.w[r * i_len..(r + 1) * i_len], xs) << k
    };
    let recurrent = |r: usize, v: &[i16]| dot_i16(&p.u[r * h_len..(r + 1) * h_len], v);
    let requant = |set_row: usize, acc: i32| {
        let (shift, _) = split_shift(p.shift[set_row]);
        saturate(rescale(
            p.bias[set_row].wrapping_add(acc),
            p.mult[set_row],
            shift,
        ))
    };
    for j in 0..h_len {
        let zr = j;
        let rr = h_len + j;
        z[j] = sigmoid_q15(requant(zr, input_part(zr).wrapping_add(recurrent(zr, h))));
        let r = sigmoid_q15(requant(rr, input_part(rr).wrapping_add(recurrent(rr, h))));
        // With reset_after, rh holds r itself; without, r ⊙ h in Q15.
        rh[j] = if p.reset_after {
            r
        } else {
            saturate(round_shift(i32::from(r) * i32::from(h[j]), 15))
        };
    }
    for j in 0..h_len {
        let nr = 2 * h_len + j;
        let pre = if p.reset_after {
            let xpart = i32::from(requant(nr, input_part(nr)));
            let hpart = i32::from(requant(3 * h_len + j, recurrent(nr, h)));
            saturate(xpart + round_shift(i32::from(rh[j]) * hpart, 15))
        } else {
            requant(nr, input_part(nr).wrapping_add(recurrent(nr, rh)))
        };
        let n = i32::from(tanh_q15(pre));
        let zj = i32::from(z[j]);
        out[j] = saturate(round_shift(zj * i32::from(h[j]) + (32768 - zj) * n, 15));
    }
    h.copy_from_slice(out);
}

/// Integer Keras `GRU` (tanh, sigmoid), the quantized counterpart of
/// [`crate::Gru`], in both variants:
///
/// ```text
/// z = σ(sat16(rescale(b_z + W_z x' + U_z h)))   r = σ(sat16(rescale(b_r + W_r x' + U_r h)))
/// reset_after = false: n = tanh(sat16(rescale(b_n + W_n x' + U_n (r·h / 2^15))))
/// reset_after = true:  n = tanh(sat16(rescale(bx_n + W_n x') + r · sat16(rescale(bh_n + U_n h)) / 2^15))
/// h' = (z·h + (2^15 − z)·n) / 2^15
/// ```
///
/// with `x' = x << (15 - input_frac)`, gate pre-activations in Q3.12, gate
/// outputs and `h` in Q15, divisions rounding half up. With `reset_after`
/// the candidate's input and recurrent parts have their own rows (set 2
/// and set 3 of `bias`, `mult`, `shift`); without, set 3 is unused (zero).
///
/// # Shapes
/// input `[I]`, state `h: [H]` (Q15), output `[H]`. `w[k]: [H][I]`,
/// `u[k]: [H][H]` per gate k in z, r, n; `bias`, `mult`, `shift: [4][H]`.
#[derive(Clone, Debug, PartialEq)]
pub struct QGru<const I: usize, const H: usize> {
    /// Input weights per gate (z, r, n), `[H][I]`.
    pub w: [[[i8; I]; H]; 3],
    /// Recurrent weights per gate, `[H][H]`.
    pub u: [[[i8; H]; H]; 3],
    /// Accumulator start values per row set (z, r, n, n recurrent).
    pub bias: [[i32; H]; GRU_ROW_SETS],
    /// Multiplier mantissas per row set.
    pub mult: [[u16; H]; GRU_ROW_SETS],
    /// Shifts per row set.
    pub shift: [[u8; H]; GRU_ROW_SETS],
    /// Fractional bits of the input (at most 15).
    pub input_frac: u8,
    /// Keras `reset_after`.
    pub reset_after: bool,
}

impl<const I: usize, const H: usize> QGru<I, H> {
    /// Every byte zero: storage to load into.
    pub const fn zeroed() -> Self {
        Self {
            w: [[[0; I]; H]; 3],
            u: [[[0; H]; H]; 3],
            bias: [[0; H]; GRU_ROW_SETS],
            mult: [[0; H]; GRU_ROW_SETS],
            shift: [[0; H]; GRU_ROW_SETS],
            input_frac: 0,
            reset_after: false,
        }
    }

    pub(crate) fn params(&self) -> GruParams<'_> {
        GruParams {
            w: self.w.as_flattened().as_flattened(),
            u: self.u.as_flattened().as_flattened(),
            bias: self.bias.as_flattened(),
            mult: self.mult.as_flattened(),
            shift: self.shift.as_flattened(),
            x_shift: 15u8.saturating_sub(self.input_frac),
            reset_after: self.reset_after,
        }
    }
}

impl<const I: usize, const H: usize> QLayer for QGru<I, H> {
    const INPUT_SIZE: usize = I;
    const OUTPUT_SIZE: usize = H;
    const LAYERS: usize = 1;
    const ZEROED: Self = Self::zeroed();
    type Input = [i16; I];
    type Output = [i16; H];
    type State = [i16; H];

    fn step(&self, h: &mut [i16; H], x: &[i16; I]) -> [i16; H] {
        let mut xs = [0i32; I];
        let (mut z, mut rh, mut out) = ([0i16; H], [0i16; H], [0i16; H]);
        gru_step(&self.params(), x, &mut xs, h, &mut z, &mut rh, &mut out);
        out
    }

    fn shape(index: usize) -> Option<LayerShape> {
        LayerShape::single(index, LayerKind::Gru, I, H)
    }

    fn spec(&self, index: usize) -> Option<QLayerSpec> {
        (index == 0).then_some(QLayerSpec::Gru {
            input_size: I as u32,
            hidden_size: H as u32,
            input_frac: self.input_frac,
            reset_after: self.reset_after,
        })
    }

    fn configure(&mut self, specs: &[QLayerSpec]) {
        if let Some(&QLayerSpec::Gru {
            input_frac,
            reset_after,
            ..
        }) = specs.first()
        {
            self.input_frac = input_frac;
            self.reset_after = reset_after;
        }
    }

    fn visit_params(&self, f: &mut dyn FnMut(QParams<'_>)) {
        let p = self.params();
        f(QParams::I8(p.w));
        f(QParams::I8(p.u));
        f(QParams::I32(p.bias));
        f(QParams::U16(p.mult));
        f(QParams::U8(p.shift));
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(QParamsMut<'_>)) {
        f(QParamsMut::I8(self.w.as_flattened_mut().as_flattened_mut()));
        f(QParamsMut::I8(self.u.as_flattened_mut().as_flattened_mut()));
        f(QParamsMut::I32(self.bias.as_flattened_mut()));
        f(QParamsMut::U16(self.mult.as_flattened_mut()));
        f(QParamsMut::U8(self.shift.as_flattened_mut()));
    }
}
