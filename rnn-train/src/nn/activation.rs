//! The activations of [`rnn_core::Activation`] in f64, with their derivatives
//! written in terms of the activation's output (what the caches hold).

use rnn_core::Activation;

/// Logistic sigmoid `1 / (1 + e^-x)`, exact as Keras 3's (not `hard_sigmoid`);
/// `e^-x` overflowing to infinity gives 0, never NaN.
#[inline]
pub(crate) fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Applies `act` to one value.
#[inline]
pub(crate) fn apply(act: Activation, x: f64) -> f64 {
    match act {
        Activation::Linear => x,
        Activation::Relu => {
            if x < 0.0 {
                0.0
            } else {
                x
            }
        }
        Activation::Tanh => x.tanh(),
        Activation::Sigmoid => sigmoid(x),
    }
}

/// `act'(x)` given `y = act(x)`: linear 1, relu `[y > 0]` (0 at the kink, as
/// TensorFlow and JAX take it), tanh `1 − y²`, sigmoid `y(1 − y)`.
#[inline]
pub(crate) fn derivative_from_output(act: Activation, y: f64) -> f64 {
    match act {
        Activation::Linear => 1.0,
        Activation::Relu => {
            if y > 0.0 {
                1.0
            } else {
                0.0
            }
        }
        Activation::Tanh => 1.0 - y * y,
        Activation::Sigmoid => y * (1.0 - y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivatives_match_central_differences() {
        let h = 1e-6;
        for act in [
            Activation::Linear,
            Activation::Relu,
            Activation::Tanh,
            Activation::Sigmoid,
        ] {
            for x in [-3.0, -0.7, 0.4, 2.5] {
                let numeric = (apply(act, x + h) - apply(act, x - h)) / (2.0 * h);
                let analytic = derivative_from_output(act, apply(act, x));
                assert!(
                    (numeric - analytic).abs() < 1e-8,
                    "{act:?} at {x}: {numeric} vs {analytic}"
                );
            }
        }
    }

    #[test]
    fn sigmoid_saturates_without_nan() {
        assert_eq!(sigmoid(-1000.0), 0.0);
        assert_eq!(sigmoid(1000.0), 1.0);
    }
}
