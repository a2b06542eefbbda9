//! Integer fully connected layer.

use crate::activation::Activation;
use crate::format::spec::{LayerKind, LayerShape};
use crate::quant::activation::{sigmoid_q15, tanh_q15};
use crate::quant::fixed::{dot_i16, rescale, saturate};
use crate::quant::format::spec::QLayerSpec;
use crate::quant::layer::{QLayer, QParams, QParamsMut};

/// The parameters of an integer Dense layer as slices.
pub(crate) struct DenseParams<'a> {
    /// `[O × I]` row-major.
    pub w: &'a [i8],
    /// `[O]` accumulator start values.
    pub bias: &'a [i32],
    /// `[O]` multiplier mantissas.
    pub mult: &'a [u16],
    /// `[O]` shifts.
    pub shift: &'a [u8],
    /// `act`.
    pub activation: Activation,
}

/// One integer Dense step on slices: `x: [I]`, `out: [O]`.
#[inline(always)]
pub(crate) fn dense_step(p: &DenseParams<'_>, x: &[i16], out: &mut [i16]) {
    let i_len = x.len();
    for (o, y) in out.iter_mut().enumerate() {
        let acc = p.bias[o].wrapping_add(dot_i16(&p.w[o * i_len..(o + 1) * i_len], x));
        let v = rescale(acc, p.mult[o], p.shift[o] & 0x1F);
        *y = match p.activation {
            Activation::Linear => saturate(v),
            Activation::Relu => saturate(v.max(0)),
            Activation::Tanh => tanh_q15(saturate(v)),
            Activation::Sigmoid => sigmoid_q15(saturate(v)),
            // The quantized format and post-training quantization refuse
            // a softmax head (it stays float, after the integer model); a
            // QDense built by hand with it gives its logits.
            Activation::Softmax => saturate(v),
        };
    }
}

/// Integer Keras `Dense`, the quantized counterpart of [`crate::Dense`]:
/// `y = act(sat16(rescale(b + W x)))`.
///
/// Linear and relu give `y` in `Q(output_frac)`; tanh and sigmoid
/// requantize to Q3.12 first and give Q15.
///
/// # Shapes
/// input `[I]` (`q · 2^-input_frac`), output `[O]`; `w: [O][I]`, `bias`,
/// `mult`, `shift: [O]`. Stateless.
#[derive(Clone, Debug, PartialEq)]
pub struct QDense<const I: usize, const O: usize> {
    /// Weights `[O][I]`.
    pub w: [[i8; I]; O],
    /// Accumulator start value per output.
    pub bias: [i32; O],
    /// Multiplier mantissa per output.
    pub mult: [u16; O],
    /// Shift per output.
    pub shift: [u8; O],
    /// `act`.
    pub activation: Activation,
    /// Fractional bits of the input.
    pub input_frac: u8,
    /// Fractional bits of the output.
    pub output_frac: u8,
}

impl<const I: usize, const O: usize> QDense<I, O> {
    /// Every byte zero: storage to load into.
    pub const fn zeroed() -> Self {
        Self {
            w: [[0; I]; O],
            bias: [0; O],
            mult: [0; O],
            shift: [0; O],
            activation: Activation::Linear,
            input_frac: 0,
            output_frac: 0,
        }
    }

    pub(crate) fn params(&self) -> DenseParams<'_> {
        DenseParams {
            w: self.w.as_flattened(),
            bias: &self.bias,
            mult: &self.mult,
            shift: &self.shift,
            activation: self.activation,
        }
    }
}

impl<const I: usize, const O: usize> QLayer for QDense<I, O> {
    const INPUT_SIZE: usize = I;
    const OUTPUT_SIZE: usize = O;
    const LAYERS: usize = 1;
    const ZEROED: Self = Self::zeroed();
    type Input = [i16; I];
    type Output = [i16; O];
    type State = ();

    fn step(&self, _state: &mut (), x: &[i16; I]) -> [i16; O] {
        let mut out = [0i16; O];
        dense_step(&self.params(), x, &mut out);
        out
    }

    fn shape(index: usize) -> Option<LayerShape> {
        LayerShape::single(index, LayerKind::Dense, I, O)
    }

    fn spec(&self, index: usize) -> Option<QLayerSpec> {
        (index == 0).then_some(QLayerSpec::Dense {
            input_size: I as u32,
            output_size: O as u32,
            input_frac: self.input_frac,
            output_frac: self.output_frac,
            activation: self.activation,
        })
    }

    fn configure(&mut self, specs: &[QLayerSpec]) {
        if let Some(&QLayerSpec::Dense {
            input_frac,
            output_frac,
            activation,
            ..
        }) = specs.first()
        {
            self.input_frac = input_frac;
            self.output_frac = output_frac;
            self.activation = activation;
        }
    }

    fn visit_params(&self, f: &mut dyn FnMut(QParams<'_>)) {
        f(QParams::I8(self.w.as_flattened()));
        f(QParams::I32(&self.bias));
        f(QParams::U16(&self.mult));
        f(QParams::U8(&self.shift));
    }

    fn visit_params_mut(&mut self, f: &mut dyn FnMut(QParamsMut<'_>)) {
        f(QParamsMut::I8(self.w.as_flattened_mut()));
        f(QParamsMut::I32(&mut self.bias));
        f(QParamsMut::U16(&mut self.mult));
        f(QParamsMut::U8(&mut self.shift));
    }
}
