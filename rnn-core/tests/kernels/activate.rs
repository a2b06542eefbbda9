//! `Kernel::activate` on every available kernel: each element within the
//! documented error of the float64 function (sigmoid 2.5e-7, tanh 4.3e-7
//! absolute; libm with `exact-activations`, tighter), ReLU and linear
//! exact, NaN kept, for every length from 0 to 40 (whole vectors and
//! tails, so the lane chunks of every ISA and their zero padding are
//! covered), and no element written from another one's input.

use rnn_core::{Activation, Kernel};

fn sigmoid64(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Inputs of length `n`: a spread over [-20, 20] with both signs,
/// different at every position.
fn inputs(n: usize) -> Vec<f32> {
    (0..n)
        .map(|k| {
            let t = (k as f32 * 0.618_034).fract();
            (t - 0.5) * 40.0 * if k % 3 == 0 { 0.1 } else { 1.0 }
        })
        .collect()
}

/// An activation, its float64 reference and the largest absolute error.
type Case = (Activation, fn(f64) -> f64, f64);

#[test]
fn activate_is_elementwise_within_the_documented_error() {
    let cases: [Case; 4] = [
        (Activation::Sigmoid, sigmoid64, 2.5e-7),
        (Activation::Tanh, f64::tanh, 4.3e-7),
        (Activation::Relu, |x| x.max(0.0), 0.0),
        (Activation::Linear, |x| x, 0.0),
    ];
    for kernel in Kernel::available() {
        for (act, exact, bound) in cases {
            for n in 0..=40 {
                let x = inputs(n);
                let mut y = x.clone();
                kernel.activate(act, &mut y);
                for (k, (&xk, &yk)) in x.iter().zip(&y).enumerate() {
                    let err = (f64::from(yk) - exact(f64::from(xk))).abs();
                    assert!(
                        err <= bound,
                        "{kernel:?} {act:?} n {n} k {k}: f({xk}) = {yk}, error {err:e} > {bound:e}"
                    );
                }
            }
        }
    }
}

#[test]
fn activate_keeps_nan_and_saturates_infinities() {
    for kernel in Kernel::available() {
        for n in [1, 5, 8, 16, 17] {
            let mut y = vec![f32::NAN; n];
            y[0] = f32::INFINITY;
            kernel.activate(Activation::Tanh, &mut y);
            assert_eq!(y[0], 1.0, "{kernel:?} tanh(inf), n {n}");
            assert!(
                y[1..].iter().all(|v| v.is_nan()),
                "{kernel:?} tanh(NaN), n {n}"
            );
            let mut y = vec![f32::NEG_INFINITY; n];
            kernel.activate(Activation::Sigmoid, &mut y);
            assert!(
                y.iter().all(|&v| (0.0..1e-7).contains(&v)),
                "{kernel:?} sigmoid(-inf): {y:?}"
            );
        }
    }
}
