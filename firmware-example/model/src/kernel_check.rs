//! Layers of the shapes the sea-temperature model does not have, with
//! pseudo-random weights and inputs, run by the firmware
//! (`src/kernel_check.rs`, binary `firmware-kernel-check`) and by the
//! host build script (rnn-core's scalar kernel, the reference): the
//! firmware fails unless every output of every step is bit-identical.
//!
//! The cases cover every path of the Cortex-M4F/M7 gate products
//! (`rnn-core/src/kernels/arm_fpu.rs`) and of the Cortex-M0's: a 16-row
//! tile followed by an 8-row tile with a column stride (SimpleRNN 3 → 24,
//! tanh), 8-row tiles alone (LSTM 3 → 8; GRU 2 → 8 in both `reset_after`
//! variants), a 16-row tile followed by rows outside any tile (SimpleRNN
//! 1 → 20, ReLU), and rows outside any tile only (Dense 20 → 3, sigmoid).
//! Every case runs [`STEPS`] timesteps from a zero state. The layers are
//! small enough for the micro:bit's 16 KB of RAM (the largest, 2.7 KB).

use rnn_core::{Activation, Dense, Gru, Layer, Lstm, SVector, SimpleRnn};

/// Timesteps per case.
pub const STEPS: usize = 12;

/// Output values compared: [`STEPS`] × the output sizes of the cases
/// (24, 8, 8, 8, 20, 3).
pub const OUTPUTS: usize = STEPS * (24 + 8 + 8 + 8 + 20 + 3);

/// SplitMix64 (Steele, Lea and Flood, OOPSLA 2014): the same numbers on
/// the host and on the device.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[-scale, scale)`, a multiple of `scale · 2^-23`.
    fn uniform(&mut self, scale: f32) -> f32 {
        let unit = (self.next() >> 40) as f32 / (1u32 << 24) as f32;
        (2.0 * unit - 1.0) * scale
    }
}

/// `layer` with every parameter drawn from U(-0.5, 0.5).
fn filled<L: Layer>(mut layer: L, rng: &mut SplitMix) -> L {
    layer.visit_params_mut(&mut |p| p.iter_mut().for_each(|v| *v = rng.uniform(0.5)));
    layer
}

/// Runs `layer` for [`STEPS`] timesteps on inputs from U(-2, 2), calling
/// `out` with the bits of every output value.
fn run<L, const I: usize, const O: usize>(layer: &L, rng: &mut SplitMix, out: &mut impl FnMut(u32))
where
    L: Layer<Input = SVector<f32, I>, Output = SVector<f32, O>>,
{
    let mut state = L::zero_state();
    for _ in 0..STEPS {
        let x = SVector::<f32, I>::from_fn(|_, _| rng.uniform(2.0));
        let y = layer.step(&mut state, &x);
        y.iter().for_each(|v| out(v.to_bits()));
    }
}

/// Runs every case in order, calling `out` with the bits of each of the
/// [`OUTPUTS`] output values.
pub fn outputs(mut out: impl FnMut(u32)) {
    let mut rng = SplitMix(0x6b65_726e_656c);
    let wide = filled(
        SimpleRnn::<3, 24> {
            activation: Activation::Tanh,
            use_bias: true,
            ..SimpleRnn::zeroed()
        },
        &mut rng,
    );
    run(&wide, &mut rng, &mut out);
    let lstm = filled(
        Lstm::<3, 8> {
            use_bias: true,
            ..Lstm::zeroed()
        },
        &mut rng,
    );
    run(&lstm, &mut rng, &mut out);
    for reset_after in [true, false] {
        let gru = filled(
            Gru::<2, 8> {
                reset_after,
                use_bias: true,
                ..Gru::zeroed()
            },
            &mut rng,
        );
        run(&gru, &mut rng, &mut out);
    }
    let rnn = filled(
        SimpleRnn::<1, 20> {
            activation: Activation::Relu,
            use_bias: true,
            ..SimpleRnn::zeroed()
        },
        &mut rng,
    );
    run(&rnn, &mut rng, &mut out);
    let dense = filled(
        Dense::<20, 3> {
            activation: Activation::Sigmoid,
            use_bias: true,
            ..Dense::zeroed()
        },
        &mut rng,
    );
    run(&dense, &mut rng, &mut out);
}
