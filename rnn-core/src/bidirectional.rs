//! Keras `Bidirectional`: a forward and a backward recurrent layer over the
//! same whole sequence, their final outputs merged. Sequence-only: the
//! backward layer starts from the last timestep, so there is no streaming
//! `step` (use a one-way layer for streaming).

use nalgebra::SVector;

use crate::error::Error;
use crate::kernels::Kernel;
use crate::layer::{Direction, Layer};

/// How [`Bidirectional`] merges the forward and backward outputs (Keras
/// `merge_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MergeMode {
    /// `[forward | backward]`, `2H` wide, forward first (Keras default).
    Concat,
    /// `forward + backward`.
    Sum,
    /// `forward · backward`, element-wise.
    Mul,
    /// `(forward + backward) / 2`.
    Ave,
}

impl MergeMode {
    /// The merged width for layers of `h` units.
    pub const fn output_size(self, h: usize) -> usize {
        match self {
            MergeMode::Concat => 2 * h,
            MergeMode::Sum | MergeMode::Mul | MergeMode::Ave => h,
        }
    }
}

/// Keras `Bidirectional(layer, merge_mode)` with `return_sequences=False`:
/// `forward` reads `x_0 … x_{T-1}` and `backward` (Keras's copy of the
/// layer with `go_backwards=True`, its weights second in `get_weights()`)
/// reads `x_{T-1} … x_0`, both from a zero state; the output is
/// `merge(forward's last output, backward's last output)`, `O` wide:
/// `2H` for [`MergeMode::Concat`], `H` otherwise.
///
/// Source: Schuster & Paliwal, "Bidirectional recurrent neural networks"
/// (IEEE Trans. Signal Processing, 1997); the semantics and weight order
/// of Keras 3's `keras.layers.Bidirectional`. Sequence-only, not a
/// [`Layer`]: it has no streaming step. Checked against the Keras golden
/// case `bidirectional_lstm4_concat_f3_t10_b2` on every kernel.
#[derive(Clone, Debug, PartialEq)]
pub struct Bidirectional<F, B, const O: usize> {
    /// The layer that reads the sequence in order.
    pub forward: F,
    /// The layer that reads it from the last timestep back.
    pub backward: B,
    /// How their outputs are merged.
    pub merge: MergeMode,
}

impl<F, B, const H: usize, const O: usize> Bidirectional<F, B, O>
where
    F: Layer<Output = SVector<f32, H>>,
    B: Layer<Input = F::Input, Output = SVector<f32, H>>,
{
    /// Runs the sequence `inputs` (timesteps oldest first) on
    /// [`Kernel::detected`] and returns the merged output.
    ///
    /// # Errors
    /// [`Error::EmptySequence`] for no timesteps; [`Error::Length`] when
    /// `O` is not the merged width (`2H` for concat, `H` otherwise).
    pub fn run_sequence(&self, inputs: &[F::Input]) -> Result<SVector<f32, O>, Error> {
        self.run_sequence_with(Kernel::detected(), inputs)
    }

    /// [`Bidirectional::run_sequence`] on a given kernel.
    ///
    /// # Errors
    /// As [`Bidirectional::run_sequence`].
    pub fn run_sequence_with(
        &self,
        kernel: Kernel,
        inputs: &[F::Input],
    ) -> Result<SVector<f32, O>, Error> {
        let expected = self.merge.output_size(H);
        if expected != O {
            return Err(Error::Length { expected, found: O });
        }
        let f = self.forward.run_sequence_with(
            kernel,
            &mut F::zero_state(),
            inputs,
            Direction::Forward,
        )?;
        let b = self.backward.run_sequence_with(
            kernel,
            &mut B::zero_state(),
            inputs,
            Direction::Backward,
        )?;
        Ok(SVector::from_fn(|i, _| match self.merge {
            MergeMode::Concat if i < H => f[i],
            MergeMode::Concat => b[i - H],
            MergeMode::Sum => f[i] + b[i],
            MergeMode::Mul => f[i] * b[i],
            MergeMode::Ave => (f[i] + b[i]) * 0.5,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lstm;

    fn model(merge: MergeMode) -> (Lstm<2, 3>, Lstm<2, 3>, MergeMode) {
        let mut forward = Lstm::<2, 3>::ZEROED;
        let mut backward = Lstm::<2, 3>::ZEROED;
        let mut k = 0.0f32;
        forward.visit_params_mut(&mut |p| {
            for v in p {
                k += 0.37;
                *v = (k.sin()) * 0.5;
            }
        });
        backward.visit_params_mut(&mut |p| {
            for v in p {
                k += 0.53;
                *v = (k.cos()) * 0.5;
            }
        });
        (forward, backward, merge)
    }

    /// Each merge mode against the two directions run by hand.
    #[test]
    fn merges_the_two_directions_as_keras() {
        let xs = [
            SVector::from([0.1, -0.4]),
            SVector::from([0.7, 0.2]),
            SVector::from([-0.3, 0.9]),
        ];
        let (forward, backward, _) = model(MergeMode::Concat);
        let f = forward
            .run_sequence(&mut Lstm::<2, 3>::zero_state(), &xs, Direction::Forward)
            .unwrap();
        let reversed = [xs[2], xs[1], xs[0]];
        let b = backward
            .run_sequence(
                &mut Lstm::<2, 3>::zero_state(),
                &reversed,
                Direction::Forward,
            )
            .unwrap();
        let concat = Bidirectional::<_, _, 6> {
            forward,
            backward,
            merge: MergeMode::Concat,
        };
        let y = concat.run_sequence(&xs).unwrap();
        assert_eq!(y.as_slice(), [f.as_slice(), b.as_slice()].concat());
        for (merge, want) in [
            (MergeMode::Sum, f + b),
            (MergeMode::Mul, f.component_mul(&b)),
            (MergeMode::Ave, (f + b) * 0.5),
        ] {
            let (forward, backward, _) = model(merge);
            let m = Bidirectional::<_, _, 3> {
                forward,
                backward,
                merge,
            };
            assert_eq!(m.run_sequence(&xs).unwrap(), want, "{merge:?}");
        }
    }

    #[test]
    fn refuses_a_wrong_width_and_an_empty_sequence() {
        let (forward, backward, _) = model(MergeMode::Sum);
        let m = Bidirectional::<_, _, 6> {
            forward,
            backward,
            merge: MergeMode::Sum,
        };
        let xs = [SVector::from([0.1, -0.4])];
        assert_eq!(
            m.run_sequence(&xs),
            Err(Error::Length {
                expected: 3,
                found: 6
            })
        );
        let m = Bidirectional::<_, _, 6> {
            merge: MergeMode::Concat,
            ..m
        };
        assert_eq!(m.run_sequence(&[]), Err(Error::EmptySequence));
    }
}
