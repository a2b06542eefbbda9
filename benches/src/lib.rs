//! Shared set-up of the criterion benchmarks in `benches/`: seeded random
//! models, the plain nalgebra baseline, and the kernels compared.
//!
//! Every benchmark runs the scalar kernel, plain nalgebra and the vector
//! kernels in the same process (each passed to [`Layer::step_with`]), so the
//! ratios between them hold even on a noisy machine.

use rnn_core::{
    activation, Dense, Gru, Kernel, Layer, Lstm, LstmState, SMatrix, SVector, SimpleRnn, Stack,
};

/// Deterministic uniform values in `[-scale, scale)` (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    /// The next value.
    pub fn next(&mut self, scale: f32) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40;
        (bits as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
    }
}

/// Sets every parameter of `model` to a seeded value scaled by
/// `1/sqrt(fan_in)` (Glorot-like, so the state stays in range).
pub fn randomize<L: Layer>(model: &mut L, fan_in: usize) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let scale = 1.0 / (fan_in as f32).sqrt();
    model.visit_params_mut(&mut |s| s.iter_mut().for_each(|v| *v = rng.next(scale)));
}

/// A layer `L` followed by `Dense<H, 1>`, as in RTNeural's benchmarks.
pub type WithDense<L, const H: usize> = Stack<L, Dense<H, 1>>;

/// A random `L + Dense(1)` model on the heap.
pub fn model<L: Layer, const H: usize>(layer: L) -> Box<WithDense<L, H>>
where
    WithDense<L, H>: Layer,
{
    let mut m = Box::new(Stack::new(layer, Dense::zeroed()));
    randomize(&mut *m, H + L::INPUT_SIZE);
    m
}

/// The GRU users run: `reset_after = true` (the Keras 3 and PyTorch
/// default, and what RTNeural and the nalgebra baseline here compute);
/// [`model`] gives it random, non-zero biases.
pub fn keras_gru<const I: usize, const H: usize>() -> Gru<I, H> {
    Gru {
        reset_after: true,
        ..Gru::zeroed()
    }
}

/// A SimpleRNN with Keras's default activation, tanh (what the nalgebra
/// baseline computes).
pub fn keras_simple_rnn<const I: usize, const H: usize>() -> SimpleRnn<I, H> {
    SimpleRnn {
        activation: activation::Activation::Tanh,
        ..SimpleRnn::zeroed()
    }
}

/// A kernel compared in the benchmarks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Impl {
    /// An rnn-core kernel.
    Core(Kernel),
    /// Plain nalgebra `SMatrix * SVector` products and libm activations.
    Nalgebra,
}

impl Impl {
    /// Name in benchmark ids: the kernel's ISA (`scalar`, `avx2`, ...) or `nalgebra`.
    pub fn name(self) -> &'static str {
        match self {
            Impl::Core(k) => k.isa().name(),
            Impl::Nalgebra => "nalgebra",
        }
    }

    /// The scalar kernel, plain nalgebra, and every vector kernel this CPU
    /// runs.
    pub fn all() -> Vec<Impl> {
        let mut v = vec![Impl::Core(Kernel::SCALAR), Impl::Nalgebra];
        v.extend(
            Kernel::available()
                .filter(|&k| k != Kernel::SCALAR)
                .map(Impl::Core),
        );
        v
    }
}

/// A model that can also be stepped by plain nalgebra.
pub trait NalgebraStep: Layer {
    /// One timestep with `SMatrix * SVector` products and libm activations.
    fn nalgebra_step(&self, state: &mut Self::State, x: &Self::Input) -> Self::Output;
}

fn dense<const H: usize>(d: &Dense<H, 1>, h: &SVector<f32, H>) -> SVector<f32, 1> {
    d.w * h + d.b
}

fn sigmoid<const H: usize>(v: SVector<f32, H>) -> SVector<f32, H> {
    v.map(activation::sigmoid)
}

fn tanh<const H: usize>(v: SVector<f32, H>) -> SVector<f32, H> {
    v.map(activation::tanh)
}

fn gate<const I: usize, const H: usize>(
    w: &SMatrix<f32, H, I>,
    u: &SMatrix<f32, H, H>,
    b: &SVector<f32, H>,
    x: &SVector<f32, I>,
    h: &SVector<f32, H>,
) -> SVector<f32, H> {
    w * x + u * h + b
}

impl<const I: usize, const H: usize> NalgebraStep for WithDense<SimpleRnn<I, H>, H> {
    fn nalgebra_step(
        &self,
        (h, ()): &mut (SVector<f32, H>, ()),
        x: &SVector<f32, I>,
    ) -> SVector<f32, 1> {
        let l = &self.first;
        *h = tanh(gate(&l.w, &l.u, &l.b, x, h));
        dense(&self.rest, h)
    }
}

impl<const I: usize, const H: usize> NalgebraStep for WithDense<Lstm<I, H>, H> {
    fn nalgebra_step(
        &self,
        (s, ()): &mut (LstmState<H>, ()),
        x: &SVector<f32, I>,
    ) -> SVector<f32, 1> {
        let l = &self.first;
        let z = |k: usize| gate(&l.w[k], &l.u[k], &l.b[k], x, &s.h);
        let (i, f, g, o) = (sigmoid(z(0)), sigmoid(z(1)), tanh(z(2)), sigmoid(z(3)));
        s.c = f.component_mul(&s.c) + i.component_mul(&g);
        s.h = o.component_mul(&tanh(s.c));
        dense(&self.rest, &s.h)
    }
}

impl<const I: usize, const H: usize> NalgebraStep for WithDense<Gru<I, H>, H> {
    fn nalgebra_step(
        &self,
        (h, ()): &mut (SVector<f32, H>, ()),
        x: &SVector<f32, I>,
    ) -> SVector<f32, 1> {
        // reset_after = true (the Keras default).
        let l = &self.first;
        let xz = |k: usize| l.w[k] * x + l.b_input[k];
        let hz = |k: usize| l.u[k] * *h + l.b_recurrent[k];
        let z = sigmoid(xz(0) + hz(0));
        let r = sigmoid(xz(1) + hz(1));
        let n = tanh(xz(2) + r.component_mul(&hz(2)));
        *h = z.component_mul(h) + (SVector::repeat(1.0) - z).component_mul(&n);
        dense(&self.rest, h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The nalgebra baseline and rnn-core's scalar kernel compute the same
    /// model (so the benchmarks compare like with like): 20 steps, every
    /// output within 1e-5. (With `Gru::zeroed()`, `reset_after = false`,
    /// which the GRU benchmarks ran until session 9, this fails.)
    fn same_model<M>(m: &M)
    where
        M: NalgebraStep<Input = SVector<f32, 1>, Output = SVector<f32, 1>>,
    {
        let (mut a, mut b) = (M::zero_state(), M::zero_state());
        for t in 0..20 {
            let x = SVector::from([(t as f32 * 0.7).sin()]);
            let want = m.nalgebra_step(&mut a, &x)[0];
            let got = m.step_with(Kernel::SCALAR, &mut b, &x)[0];
            assert!((got - want).abs() <= 1e-5, "step {t}: {got} vs {want}");
        }
    }

    #[test]
    fn baseline_matches_the_benched_layers() {
        same_model(&*model::<Gru<1, 16>, 16>(keras_gru()));
        same_model(&*model::<Lstm<1, 16>, 16>(Lstm::zeroed()));
        same_model(&*model::<SimpleRnn<1, 16>, 16>(keras_simple_rnn()));
    }
}
