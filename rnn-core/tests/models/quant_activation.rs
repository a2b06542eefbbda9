//! The fixed-point tanh and sigmoid over every int16 input, against f64.

use rnn_core::quant::activation::{
    sigmoid_q15, tanh_q15, SIGMOID_MAX_ERROR_Q15, TANH_MAX_ERROR_Q15,
};

/// Largest |approx - exact| in Q15 units over every Q3.12 input.
fn max_error(approx: fn(i16) -> i16, exact: fn(f64) -> f64) -> (f64, i16) {
    let mut worst = (0.0f64, 0i16);
    for x in i16::MIN..=i16::MAX {
        let want = exact(f64::from(x) / 4096.0) * 32768.0;
        let err = (f64::from(approx(x)) - want).abs();
        if err > worst.0 {
            worst = (err, x);
        }
    }
    worst
}

#[test]
fn tanh_error_over_every_int16_input() {
    let (err, at) = max_error(tanh_q15, libm::tanh);
    println!("tanh_q15: max error {err:.4} Q15 units at x = {at}");
    assert!(err <= TANH_MAX_ERROR_Q15, "{err} at {at}");
    // The stated bound is tight: within a quarter unit of the measured one.
    assert!(
        err > TANH_MAX_ERROR_Q15 - 0.25,
        "bound {TANH_MAX_ERROR_Q15} is loose: {err}"
    );
}

#[test]
fn sigmoid_error_over_every_int16_input() {
    let (err, at) = max_error(sigmoid_q15, |x| 1.0 / (1.0 + libm::exp(-x)));
    println!("sigmoid_q15: max error {err:.4} Q15 units at x = {at}");
    assert!(err <= SIGMOID_MAX_ERROR_Q15, "{err} at {at}");
    assert!(
        err > SIGMOID_MAX_ERROR_Q15 - 0.25,
        "bound {SIGMOID_MAX_ERROR_Q15} is loose: {err}"
    );
}

#[test]
fn ranges_and_saturation() {
    for x in i16::MIN..=i16::MAX {
        let (t, s) = (tanh_q15(x), sigmoid_q15(x));
        assert!((-32767..=32767).contains(&t), "tanh({x}) = {t}");
        assert!((0..=32767).contains(&s), "sigmoid({x}) = {s}");
    }
    assert_eq!(tanh_q15(0), 0);
    assert_eq!(sigmoid_q15(0), 16384);
    assert_eq!(tanh_q15(i16::MAX), 32767);
    assert_eq!(tanh_q15(i16::MIN), -32767);
}
