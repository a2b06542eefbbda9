//! Integer LSTM: int8 weights, int16 Q15 hidden state, int16 cell state
//! with a power-of-two scale.

use crate::format::spec::{LayerKind, LayerShape};
use crate::layer::ZeroState;
use crate::quant::activation::{sigmoid_q15_i32, tanh_q15_i32};
#[cfg(rnn_arm_dsp)]
use crate::quant::arm_dsp;
use crate::quant::dot;
use crate::quant::fixed::{dot_i32, rescale, round_shift, saturate, split_shift};
use crate::quant::format::spec::QLayerSpec;
use crate::quant::layer::{QLayer, QParams, QParamsMut};

/// The parameters of an integer LSTM as slices, gates in Keras order
/// i, f, g, o; row `r = gate · H + unit`.
pub(crate) struct LstmParams<'a> {
    /// `[4H × I]` row-major.
    pub w: &'a [i8],
    /// `[4H × H]` row-major.
    pub u: &'a [i8],
    /// `[4H]` accumulator start values.
    pub bias: &'a [i32],
    /// `[4H]` multiplier mantissas.
    pub mult: &'a [u16],
    /// `[4H]` shifts.
    pub shift: &'a [u8],
    /// `15 - input_frac`: left shift bringing the input to Q15.
    pub x_shift: u8,
    /// Fractional bits of the cell state.
    pub cell_frac: u8,
}

/// The accumulator start of row `r`: `b_r + (W_r xs << k_r)`.
#[inline(always)]
fn gate_init(p: &LstmParams<'_>, r: usize, xs: &[i32]) -> i32 {
    let i_len = xs.len();
    let k = split_shift(p.shift[r]).1;
    p.bias[r].wrapping_add(dot_i32(&p.w[r * i_len..(r + 1) * i_len], xs) << k)
}

/// Pre-activation of row `r` in Q3.12 before saturation: `rescale(b + (W_r xs << k) + U_r h)`,
/// `hp` = `h` packed by [`dot::pack`].
#[inline(always)]
fn gate(p: &LstmParams<'_>, r: usize, xs: &[i32], hp: &[i32]) -> i32 {
    let h_len = hp.len();
    let acc = dot::dot(gate_init(p, r, xs), &p.u[r * h_len..(r + 1) * h_len], hp);
    rescale(acc, p.mult[r], split_shift(p.shift[r]).0)
}

/// The four gate outputs (i, f, g, o) of unit `j`, widened: `σ`, `σ`,
/// `tanh`, `σ` of the pre-activations [`gate`] gives. `H` is the hidden
/// size when known at compile time (else 0): on ARMv7E-M, for an `H` that
/// `dot::dot4_fits`, the four rows' products come from one `dot::dot4`
/// block and each row's requantization loads its own parameters
/// (`arm_dsp::rescale_row`). Other targets compute each activation right after its row: all
/// four rows first cost the Cortex-M0's template 473 instructions a step
/// (10,458 instead of 9,985, `scripts/firmware-test.sh`).
#[inline(always)]
fn gate_outputs<const H: usize>(p: &LstmParams<'_>, j: usize, xs: &[i32], hp: &[i32]) -> [i32; 4] {
    #[cfg(rnn_arm_dsp)]
    {
        let [zi, zf, zg, zo] = gates_dsp::<H>(p, j, xs, hp);
        [
            sigmoid_q15_i32(zi),
            sigmoid_q15_i32(zf),
            tanh_q15_i32(zg),
            sigmoid_q15_i32(zo),
        ]
        .map(i32::from)
    }
    #[cfg(not(rnn_arm_dsp))]
    {
        let h_len = hp.len();
        [
            sigmoid_q15_i32(gate(p, j, xs, hp)),
            sigmoid_q15_i32(gate(p, h_len + j, xs, hp)),
            tanh_q15_i32(gate(p, 2 * h_len + j, xs, hp)),
            sigmoid_q15_i32(gate(p, 3 * h_len + j, xs, hp)),
        ]
        .map(i32::from)
    }
}

/// The four pre-activations of unit `j` on ARMv7E-M (see [`gate_outputs`]).
#[cfg(rnn_arm_dsp)]
#[inline(always)]
fn gates_dsp<const H: usize>(p: &LstmParams<'_>, j: usize, xs: &[i32], hp: &[i32]) -> [i32; 4] {
    let h_len = hp.len();
    let rows = [j, h_len + j, 2 * h_len + j, 3 * h_len + j];
    if H == h_len && dot::dot4_fits(H) {
        let [a0, a1, a2, a3] = dot::dot4::<H>(rows.map(|r| gate_init(p, r, xs)), &p.u[j * H..], hp);
        let (mult, shift) = (&p.mult[j..], &p.shift[j..]);
        if let (Some(z0), Some(z1), Some(z2), Some(z3)) = (
            arm_dsp::rescale_row::<0, H>(a0, mult, shift),
            arm_dsp::rescale_row::<1, H>(a1, mult, shift),
            arm_dsp::rescale_row::<2, H>(a2, mult, shift),
            arm_dsp::rescale_row::<3, H>(a3, mult, shift),
        ) {
            return [z0, z1, z2, z3];
        }
    }
    rows.map(|r| gate(p, r, xs, hp))
}

impl LstmParams<'_> {
    /// Whether every array holds the `4 · h_len` rows of a layer of
    /// `i_len` inputs and `h_len` units.
    fn fits(&self, h_len: usize, i_len: usize) -> bool {
        let rows = 4 * h_len;
        self.bias.len() >= rows
            && self.mult.len() >= rows
            && self.shift.len() >= rows
            && self.w.len() >= rows * i_len
            && self.u.len() >= rows * h_len
    }
}

/// One integer LSTM step on slices: `x: [I]`, `xs: [I]` scratch, `hp: [H]`
/// = `h` packed by [`dot::pack`], `h, c, out: [H]`; `h` becomes `out`.
/// Leaves `h` and `c` unchanged when `hp` or the parameters are shorter
/// than `H` units need ([`LstmParams::fits`]; the types and the loader
/// rule that out). The check up front also lets the compiler drop the
/// per-row bounds checks: on the Cortex-M0 the quantized template's step
/// went from 10,017 to 9,985 instructions (`scripts/firmware-test.sh`).
/// `H`: `h.len()` when known at compile time, else 0 (see [`gate_outputs`]).
#[inline(always)]
pub(crate) fn lstm_step<const H: usize>(
    p: &LstmParams<'_>,
    x: &[i16],
    xs: &mut [i32],
    hp: &[i32],
    h: &mut [i16],
    c: &mut [i16],
    out: &mut [i16],
) {
    let h_len = h.len();
    for (s, &v) in xs.iter_mut().zip(x) {
        *s = i32::from(v) << p.x_shift.min(15);
    }
    let xs = &*xs;
    if hp.len() < h_len || !p.fits(h_len, xs.len()) {
        return;
    }
    let hp = &hp[..h_len];
    let cf = u32::from(p.cell_frac.min(15));
    for (j, (c, o)) in c.iter_mut().zip(out.iter_mut()).enumerate().take(h_len) {
        let [ig, fg, gg, og] = gate_outputs::<H>(p, j, xs, hp);
        let cell = saturate(round_shift(fg * i32::from(*c), 15) + round_shift(ig * gg, 30 - cf));
        *c = cell;
        let cell_q12 = if cf >= 12 {
            round_shift(i32::from(cell), cf - 12)
        } else {
            i32::from(cell) << (12 - cf)
        };
        // |og| and |tanh| are at most 32767: the rounded product fits int16.
        *o = round_shift(og * i32::from(tanh_q15_i32(cell_q12)), 15) as i16;
    }
    h.copy_from_slice(out);
}

/// Integer Keras `LSTM` (tanh, sigmoid, no peepholes), the quantized
/// counterpart of [`crate::Lstm`]:
///
/// ```text
/// z_k = sat16(rescale(b_k + (W_k (x << x_shift) << k_k) + U_k h, mult_k, shift_k))   Q3.12
/// i = σ(z_i)  f = σ(z_f)  g = tanh(z_g)  o = σ(z_o)                          Q15
/// c' = sat16(f·c / 2^15 + i·g / 2^(30 - cell_frac))          Q(cell_frac)
/// h' = o · tanh(c' in Q3.12) / 2^15                                          Q15
/// ```
///
/// Every product is int8 × int16 or int16 × int16 into an int32
/// accumulator; divisions by powers of two round half up. The scheme is
/// CMSIS-NN's int16 LSTM (`arm_lstm_unidirectional_s16`: int8 weights,
/// Q3.12 gate inputs, Q15 gate outputs, a power-of-two cell scale), with
/// one requantization per gate row (see [`crate::quant`]).
///
/// # Shapes
/// input `[I]` (`q · 2^-input_frac`), state `h: [H]` (Q15), `c: [H]`
/// (`q · 2^-cell_frac`), output `[H]` (= `h'`, Q15). `w[k]: [H][I]`,
/// `u[k]: [H][H]` row-major per gate k in i, f, g, o; `bias`, `mult`,
/// `shift: [4][H]`.
#[derive(Clone, Debug, PartialEq)]
pub struct QLstm<const I: usize, const H: usize> {
    /// Input weights per gate (i, f, g, o), `[H][I]`.
    pub w: [[[i8; I]; H]; 4],
    /// Recurrent weights per gate, `[H][H]`.
    pub u: [[[i8; H]; H]; 4],
    /// Accumulator start value per gate row: the bias in accumulator units.
    pub bias: [[i32; H]; 4],
    /// Multiplier mantissa per gate row (`[2^14, 2^15)`).
    pub mult: [[u16; H]; 4],
    /// Shift per gate row (`1..=16`).
    pub shift: [[u8; H]; 4],
    /// Fractional bits of the input (at most 15).
    pub input_frac: u8,
    /// Fractional bits of the cell state (at most 15).
    pub cell_frac: u8,
}

/// Hidden and cell state of a [`QLstm`], each `[H]`: `h` in Q15, `c` in
/// `Q(cell_frac)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QLstmState<const H: usize> {
    /// Hidden state `h`, Q15.
    pub h: [i16; H],
    /// Cell state `c`, `q · 2^-cell_frac`.
    pub c: [i16; H],
}

impl<const H: usize> ZeroState for QLstmState<H> {
    fn zeros() -> Self {
        Self {
            h: [0; H],
            c: [0; H],
        }
    }
}

impl<const I: usize, const H: usize> QLstm<I, H> {
    /// Every byte zero: storage to load into.
    pub const fn zeroed() -> Self {
        Self {
            w: [[[0; I]; H]; 4],
            u: [[[0; H]; H]; 4],
            bias: [[0; H]; 4],
            mult: [[0; H]; 4],
            shift: [[0; H]; 4],
            input_frac: 0,
            cell_frac: 0,
        }
    }

    pub(crate) fn params(&self) -> LstmParams<'_> {
        LstmParams {
            w: self.w.as_flattened().as_flattened(),
            u: self.u.as_flattened().as_flattened(),
            bias: self.bias.as_flattened(),
            mult: self.mult.as_flattened(),
            shift: self.shift.as_flattened(),
            x_shift: 15u8.saturating_sub(self.input_frac),
            cell_frac: self.cell_frac,
        }
    }
}

impl<const I: usize, const H: usize> QLayer for QLstm<I, H> {
    const INPUT_SIZE: usize = I;
    const OUTPUT_SIZE: usize = H;
    const LAYERS: usize = 1;
    const ZEROED: Self = Self::zeroed();
    type Input = [i16; I];
    type Output = [i16; H];
    type State = QLstmState<H>;

    fn step(&self, s: &mut QLstmState<H>, x: &[i16; I]) -> [i16; H] {
        let mut xs = [0i32; I];
        let hp = dot::packed(&s.h);
        let mut out = [0i16; H];
        lstm_step::<H>(
            &self.params(),
            x,
            &mut xs,
            &hp,
            &mut s.h,
            &mut s.c,
            &mut out,
        );
        out
    }

    fn shape(index: usize) -> Option<LayerShape> {
        LayerShape::single(index, LayerKind::Lstm, I, H)
    }

    fn spec(&self, index: usize) -> Option<QLayerSpec> {
        (index == 0).then_some(QLayerSpec::Lstm {
            input_size: I as u32,
            hidden_size: H as u32,
            input_frac: self.input_frac,
            cell_frac: self.cell_frac,
        })
    }

    fn configure(&mut self, specs: &[QLayerSpec]) {
        if let Some(&QLayerSpec::Lstm {
            input_frac,
            cell_frac,
            ..
        }) = specs.first()
        {
            self.input_frac = input_frac;
            self.cell_frac = cell_frac;
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
