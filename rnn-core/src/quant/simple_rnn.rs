//! Integer SimpleRNN (tanh): int8 weights, int16 Q15 hidden state.

use crate::format::spec::{LayerKind, LayerShape};
use crate::quant::activation::tanh_q15;
use crate::quant::fixed::{dot_i16, dot_i32, rescale, saturate, split_shift};
use crate::quant::format::spec::QLayerSpec;
use crate::quant::layer::{QLayer, QParams, QParamsMut};

/// The parameters of an integer SimpleRNN as slices.
pub(crate) struct SimpleRnnParams<'a> {
    /// `[H × I]` row-major.
    pub w: &'a [i8],
    /// `[H × H]` row-major.
    pub u: &'a [i8],
    /// `[H]` accumulator start values.
    pub bias: &'a [i32],
    /// `[H]` multiplier mantissas.
    pub mult: &'a [u16],
    /// `[H]` shifts.
    pub shift: &'a [u8],
    /// `15 - input_frac`.
    pub x_shift: u8,
}

/// One integer SimpleRNN step on slices: `x: [I]`, `xs: [I]` scratch,
/// `h, out: [H]`; `h` becomes `out`.
#[inline(always)]
pub(crate) fn simple_rnn_step(
    p: &SimpleRnnParams<'_>,
    x: &[i16],
    xs: &mut [i32],
    h: &mut [i16],
    out: &mut [i16],
) {
    let (i_len, h_len) = (x.len(), h.len());
    for (s, &v) in xs.iter_mut().zip(x) {
        *s = i32::from(v) << p.x_shift.min(15);
    }
    for (j, y) in out.iter_mut().enumerate() {
        let (shift, k) = split_shift(p.shift[j]);
        let acc = p.bias[j]
            .wrapping_add(dot_i32(&p.w[j * i_len..(j + 1) * i_len], xs) << k)
            .wrapping_add(dot_i16(&p.u[j * h_len..(j + 1) * h_len], h));
        *y = tanh_q15(saturate(rescale(acc, p.mult[j], shift)));
    }
    h.copy_from_slice(out);
}

/// Integer Keras `SimpleRNN` with tanh, the quantized counterpart of
/// [`crate::SimpleRnn`]:
/// `h' = tanh(sat16(rescale(b + W (x << (15 - input_frac)) + U h)))`,
/// pre-activation in Q3.12, `h` in Q15. (relu and linear SimpleRNNs have
/// unbounded states and are not quantized.)
///
/// # Shapes
/// input `[I]`, state `h: [H]` (Q15), output `[H]`; `w: [H][I]`,
/// `u: [H][H]`, `bias`, `mult`, `shift: [H]`.
#[derive(Clone, Debug, PartialEq)]
pub struct QSimpleRnn<const I: usize, const H: usize> {
    /// Input weights `[H][I]`.
    pub w: [[i8; I]; H],
    /// Recurrent weights `[H][H]`.
    pub u: [[i8; H]; H],
    /// Accumulator start value per row.
    pub bias: [i32; H],
    /// Multiplier mantissa per row.
    pub mult: [u16; H],
    /// Shift per row.
    pub shift: [u8; H],
    /// Fractional bits of the input (at most 15).
    pub input_frac: u8,
}

impl<const I: usize, const H: usize> QSimpleRnn<I, H> {
    /// Every byte zero: storage to load into.
    pub const fn zeroed() -> Self {
        Self {
            w: [[0; I]; H],
            u: [[0; H]; H],
            bias: [0; H],
            mult: [0; H],
            shift: [0; H],
            input_frac: 0,
        }
    }

    pub(crate) fn params(&self) -> SimpleRnnParams<'_> {
        SimpleRnnParams {
            w: self.w.as_flattened(),
            u: self.u.as_flattened(),
            bias: &self.bias,
            mult: &self.mult,
            shift: &self.shift,
            x_shift: 15u8.saturating_sub(self.input_frac),
        }
    }
}

impl<const I: usize, const H: usize> QLayer for QSimpleRnn<I, H> {
    const INPUT_SIZE: usize = I;
    const OUTPUT_SIZE: usize = H;
    const LAYERS: usize = 1;
    const ZEROED: Self = Self::zeroed();
    type Input = [i16; I];
    type Output = [i16; H];
    type State = [i16; H];

    fn step(&self, h: &mut [i16; H], x: &[i16; I]) -> [i16; H] {
        let mut xs = [0i32; I];
        let mut out = [0i16; H];
        simple_rnn_step(&self.params(), x, &mut xs, h, &mut out);
        out
    }

    fn shape(index: usize) -> Option<LayerShape> {
        LayerShape::single(index, LayerKind::SimpleRnn, I, H)
    }

    fn spec(&self, index: usize) -> Option<QLayerSpec> {
        (index == 0).then_some(QLayerSpec::SimpleRnn {
            input_size: I as u32,
            hidden_size: H as u32,
            input_frac: self.input_frac,
        })
    }

    fn configure(&mut self, specs: &[QLayerSpec]) {
        if let Some(&QLayerSpec::SimpleRnn { input_frac, .. }) = specs.first() {
            self.input_frac = input_frac;
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
        f(QParamsMut::I8(self.w.as_flattened_mut()));
        f(QParamsMut::I8(self.u.as_flattened_mut()));
        f(QParamsMut::I32(&mut self.bias));
        f(QParamsMut::U16(&mut self.mult));
        f(QParamsMut::U8(&mut self.shift));
    }
}
