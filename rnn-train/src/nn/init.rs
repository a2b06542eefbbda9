//! Keras's default initializers, and the IRNN initialisation, from a
//! seeded generator.
//!
//! A layer's matrices are stored column-major as `[G·H × I]`, which is
//! exactly the memory of Keras's row-major `kernel (I, G·H)`, so each
//! initializer fills the Keras-shaped array.

use nalgebra::DMatrix;
use rand::RngExt;
use rand_chacha::ChaCha20Rng;
use rand_distr::StandardNormal;

/// Keras `GlorotUniform` for a 2-D kernel of shape `(fan_in, fan_out)`:
/// uniform in `[-l, l)` with `l = sqrt(6 / (fan_in + fan_out))`.
///
/// Source: Glorot & Bengio, "Understanding the difficulty of training deep
/// feedforward neural networks" (2010); `keras.initializers.GlorotUniform`.
pub(crate) fn glorot_uniform(
    rng: &mut ChaCha20Rng,
    fan_in: usize,
    fan_out: usize,
    out: &mut [f64],
) {
    let limit = (6.0 / (fan_in + fan_out) as f64).sqrt();
    for v in out {
        *v = rng.random_range(-limit..limit);
    }
}

/// Keras `Orthogonal` (gain 1) for a recurrent kernel of shape `(H, G·H)`,
/// written into `out` as the column-major `[G·H × H]` matrix (its memory).
///
/// As Keras: QR of a `(G·H × H)` standard normal matrix, the columns of `Q`
/// multiplied by the signs of `diag(R)`, transposed to `(H, G·H)`; so the
/// `H` rows of the Keras array are orthonormal.
///
/// Source: Saxe et al., "Exact solutions to the nonlinear dynamics of
/// learning in deep linear neural networks" (2014); `keras.initializers.Orthogonal`.
pub(crate) fn orthogonal(rng: &mut ChaCha20Rng, hidden: usize, gates: usize, out: &mut [f64]) {
    let rows = gates * hidden;
    let a = DMatrix::<f64>::from_fn(rows, hidden, |_, _| rng.sample(StandardNormal));
    let qr = a.qr();
    let (q, r) = (qr.q(), qr.r());
    for (c, col) in out.chunks_exact_mut(rows).enumerate() {
        let sign = if r[(c, c)] < 0.0 { -1.0 } else { 1.0 };
        for (row, v) in col.iter_mut().enumerate() {
            *v = sign * q[(row, c)];
        }
    }
}

/// How a new network's weights are drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Init {
    /// Keras's defaults: glorot-uniform kernels, orthogonal recurrent
    /// kernels, zero biases, LSTM forget-gate bias 1.
    #[default]
    Keras,
    /// IRNN, for a ReLU SimpleRNN: recurrent kernel = the identity, biases
    /// zero, input kernel normal with standard deviation 0.001 (the Dense
    /// head stays glorot-uniform). Source: Le, Jaitly & Hinton, "A simple
    /// way to initialize recurrent networks of rectified linear units"
    /// (2015); Keras's `mnist_irnn` example (`RandomNormal(stddev=0.001)`,
    /// `Identity`).
    Irnn,
}

/// The IRNN input kernel's standard deviation.
const IRNN_INPUT_STDDEV: f64 = 0.001;

/// Normal(0, [`IRNN_INPUT_STDDEV`]²) values into `out` (IRNN input kernel).
pub(crate) fn irnn_input(rng: &mut ChaCha20Rng, out: &mut [f64]) {
    for v in out {
        *v = IRNN_INPUT_STDDEV * rng.sample::<f64, _>(StandardNormal);
    }
}

/// The identity as the `[H × H]` column-major recurrent kernel (IRNN).
pub(crate) fn identity(hidden: usize, out: &mut [f64]) {
    for (k, v) in out.iter_mut().enumerate() {
        *v = if k % (hidden + 1) == 0 { 1.0 } else { 0.0 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn orthogonal_columns_are_orthonormal() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let (h, g) = (5, 4);
        let mut u = vec![0.0; g * h * h];
        orthogonal(&mut rng, h, g, &mut u);
        let m = DMatrix::from_column_slice(g * h, h, &u);
        let gram = m.transpose() * &m;
        assert!((gram - DMatrix::identity(h, h)).abs().max() < 1e-12);
    }

    #[test]
    fn glorot_stays_within_its_limit() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut w = vec![0.0; 400];
        glorot_uniform(&mut rng, 1, 40, &mut w);
        let limit = (6.0f64 / 41.0).sqrt();
        assert!(w.iter().all(|v| v.abs() <= limit));
        assert!(w.iter().any(|v| v.abs() > 0.9 * limit));
    }

    #[test]
    fn identity_is_the_identity() {
        let mut u = vec![7.0; 9];
        identity(3, &mut u);
        assert_eq!(u, [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
    }
}
