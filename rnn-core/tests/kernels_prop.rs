//! Every vector kernel equals the scalar reference kernel, for every layer
//! kind and every size 1..=70 (so sizes that are not a multiple of the
//! vector width, 7, 33, 65, ..., and sizes below it), within `TOL` relative:
//! the kernels differ only by rounding (fused multiply-add, summation order,
//! and a reciprocal estimate refined by Newton in the vector sigmoid/tanh).
//!
//! Run with `--features std` to test the kernels of the host CPU (without
//! `std`, only the kernels of the compile-time target features exist).

use std::sync::Mutex;

use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rnn_core::{Activation, Dense, Gru, Kernel, Layer, Lstm, SVector, SimpleRnn};

/// `|vector - scalar| <= TOL · max(1, |scalar|)` on every output.
const TOL: f32 = 1e-5;
/// Timesteps per case: errors have to stay bounded through the state.
const STEPS: usize = 6;
/// Random cases per layer kind and size.
const CASES: u32 = 3;

/// The kernel choice is process-wide: one test at a time switches it.
static KERNEL: Mutex<()> = Mutex::new(());

/// Deterministic uniform values in `[-scale, scale)` (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self, scale: f32) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40;
        (bits as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
    }
}

/// Fills every parameter with values scaled by `1/sqrt(fan_in)` so that the
/// pre-activations stay of order one at every size.
fn randomize<L: Layer>(model: &mut L, rng: &mut Rng, fan_in: usize) {
    let scale = 1.5 / (fan_in as f32).sqrt();
    model.visit_params_mut(&mut |s| s.iter_mut().for_each(|v| *v = rng.next(scale)));
}

fn run<L, const I: usize, const O: usize>(
    model: &L,
    xs: &[SVector<f32, I>],
    kernel: Kernel,
) -> Vec<SVector<f32, O>>
where
    L: Layer<Input = SVector<f32, I>, Output = SVector<f32, O>>,
{
    assert!(kernel.select(), "{kernel:?} not available");
    let mut state = L::zero_state();
    xs.iter().map(|x| model.step(&mut state, x)).collect()
}

/// Compares every available vector kernel with the scalar one on `model`.
fn check<L, const I: usize, const O: usize>(
    model: &L,
    rng: &mut Rng,
    what: &str,
) -> Result<(), TestCaseError>
where
    L: Layer<Input = SVector<f32, I>, Output = SVector<f32, O>>,
{
    let xs: Vec<SVector<f32, I>> = (0..STEPS)
        .map(|_| SVector::from_fn(|_, _| rng.next(2.0)))
        .collect();
    let _one_at_a_time = KERNEL.lock().unwrap_or_else(|e| e.into_inner());
    let want = run(model, &xs, Kernel::Scalar);
    for kernel in vector_kernels() {
        let got = run(model, &xs, kernel);
        for (t, (g, w)) in got.iter().zip(&want).enumerate() {
            for (k, (&g, &w)) in g.iter().zip(w.iter()).enumerate() {
                let ok = (g - w).abs() <= TOL * w.abs().max(1.0);
                if !ok {
                    Kernel::detected().select();
                    return Err(TestCaseError::fail(format!(
                        "{what}: {kernel:?} gives {g} at step {t} row {k}, scalar {w}"
                    )));
                }
            }
        }
    }
    Kernel::detected().select();
    Ok(())
}

fn vector_kernels() -> Vec<Kernel> {
    Kernel::ALL
        .into_iter()
        .filter(|&k| k != Kernel::Scalar && k.is_available())
        .collect()
}

fn cases(f: impl Fn(&mut Rng) -> Result<(), TestCaseError>) {
    let mut runner = TestRunner::new(Config::with_cases(CASES));
    runner
        .run(&proptest::num::u64::ANY, |seed| f(&mut Rng(seed | 1)))
        .unwrap();
}

const ACTIVATIONS: [Activation; 4] = [
    Activation::Tanh,
    Activation::Relu,
    Activation::Linear,
    Activation::Sigmoid,
];

fn simple_rnn<const H: usize>() {
    cases(|rng| {
        let mut m = Box::new(SimpleRnn::<3, H>::zeroed());
        randomize(&mut *m, rng, H + 3);
        m.activation = ACTIVATIONS[(rng.0 % 4) as usize];
        check(&*m, rng, &format!("SimpleRnn<3, {H}> {:?}", m.activation))
    });
}

fn lstm<const H: usize>() {
    cases(|rng| {
        let mut m = Box::new(Lstm::<3, H>::zeroed());
        randomize(&mut *m, rng, H + 3);
        check(&*m, rng, &format!("Lstm<3, {H}>"))
    });
}

fn gru<const H: usize>() {
    for reset_after in [true, false] {
        cases(|rng| {
            let mut m = Box::new(Gru::<3, H>::zeroed());
            m.reset_after = reset_after;
            randomize(&mut *m, rng, H + 3);
            check(&*m, rng, &format!("Gru<3, {H}> reset_after={reset_after}"))
        });
    }
}

fn dense<const N: usize>() {
    cases(|rng| {
        let mut m = Dense::<5, N>::zeroed();
        randomize(&mut m, rng, 5);
        m.activation = ACTIVATIONS[(rng.0 % 4) as usize];
        check(&m, rng, &format!("Dense<5, {N}> {:?}", m.activation))?;
        let mut m = Dense::<N, 1>::zeroed();
        randomize(&mut m, rng, N);
        check(&m, rng, &format!("Dense<{N}, 1>"))
    });
}

/// Calls `$f::<N>()` for N = 1..=70.
macro_rules! sizes_1_to_70 {
    ($f:ident) => {
        sizes_1_to_70!(@ $f; 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24
            25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50
            51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 69 70)
    };
    (@ $f:ident; $($n:literal)*) => {
        $($f::<$n>();)*
    };
}

#[test]
fn simple_rnn_kernels_equal_scalar() {
    sizes_1_to_70!(simple_rnn);
}

#[test]
fn lstm_kernels_equal_scalar() {
    sizes_1_to_70!(lstm);
}

#[test]
fn gru_kernels_equal_scalar() {
    sizes_1_to_70!(gru);
}

#[test]
fn dense_kernels_equal_scalar() {
    sizes_1_to_70!(dense);
}

#[test]
fn selection_is_checked() {
    let _one_at_a_time = KERNEL.lock().unwrap_or_else(|e| e.into_inner());
    assert!(Kernel::Scalar.is_available());
    for k in Kernel::ALL {
        assert_eq!(k.select(), k.is_available(), "{k:?}");
    }
    assert!(Kernel::detected().select());
    assert_eq!(Kernel::active(), Kernel::detected());
    eprintln!("vector kernels tested: {:?}", vector_kernels());
}
