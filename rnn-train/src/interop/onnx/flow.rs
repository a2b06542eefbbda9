//! The value on the path from the graph input to the output, tracked by
//! what each axis means rather than by values: which axis is time, which
//! is the batch, which holds features, which are size-1 axes an op added.
//!
//! Layout ops (`Transpose`, `Squeeze`, `Unsqueeze`, `Reshape`, `Identity`)
//! move axes; `Gather` and `Slice` may pick the last timestep; everything
//! else on the path is a layer (see `graph.rs`).

use super::fold::{normalize_axis, reshape_dims, slice_range};

/// What one axis of the path value means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Meaning {
    /// Axis 0 or 1 of the graph input, before a recurrent node says which
    /// is time and which is batch.
    Input(u8),
    /// Timesteps.
    Time,
    /// Batch.
    Batch,
    /// Features (units) of the layer that produced the value.
    Feature,
    /// A size-1 axis without meaning (ONNX `num_directions`, `Unsqueeze`).
    Unit,
    /// The time axis reduced to its last timestep (size 1).
    Last,
}

/// Where on the path the value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// A sequence: the graph input or a recurrent node's `Y`.
    Sequence,
    /// One timestep: a recurrent node's `Y_h`, or `Y` at the last timestep.
    LastStep,
    /// A recurrent node's final cell state `Y_c` (an output only).
    CellState,
    /// The output of a Dense layer, with whether its bias and activation
    /// have been seen.
    Dense {
        /// An `Add` or `Gemm`'s `C` set the bias.
        bias: bool,
        /// An activation op followed.
        activation: bool,
    },
}

/// The path value: its axes (meaning and size), stage, and how many
/// layers it has passed.
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    /// Axes in order, with their sizes.
    pub axes: Vec<(Meaning, usize)>,
    /// Where on the path it is.
    pub stage: Stage,
    /// Layers (recurrent and Dense) applied so far.
    pub layers: usize,
}

impl Flow {
    /// The sizes.
    pub fn dims(&self) -> Vec<usize> {
        self.axes.iter().map(|a| a.1).collect()
    }

    fn with_axes(&self, axes: Vec<(Meaning, usize)>) -> Flow {
        Flow {
            axes,
            ..self.clone()
        }
    }

    /// `Transpose` with `perm` (reversed axes when `None`).
    pub fn transpose(&self, perm: Option<Vec<i64>>) -> Result<Flow, String> {
        let rank = self.axes.len();
        let perm: Vec<usize> = match perm {
            Some(p) => p
                .iter()
                .map(|&a| normalize_axis(a, rank))
                .collect::<Result<_, _>>()?,
            None => (0..rank).rev().collect(),
        };
        let mut seen = perm.clone();
        seen.sort_unstable();
        if seen != (0..rank).collect::<Vec<_>>() {
            return Err(format!("perm {perm:?} is not a permutation of rank {rank}"));
        }
        Ok(self.with_axes(perm.iter().map(|&i| self.axes[i]).collect()))
    }

    /// `Unsqueeze`: new size-1 axes at `axes` of the output.
    pub fn unsqueeze(&self, axes: &[i64]) -> Result<Flow, String> {
        let rank = self.axes.len() + axes.len();
        let mut at: Vec<usize> = axes
            .iter()
            .map(|&a| normalize_axis(a, rank))
            .collect::<Result<_, _>>()?;
        at.sort_unstable();
        let mut out = self.axes.clone();
        for a in at {
            out.insert(a, (Meaning::Unit, 1));
        }
        Ok(self.with_axes(out))
    }

    /// `Squeeze`: removes size-1 axes that carry no data of their own
    /// (unit axes, or the time axis reduced to its last step).
    pub fn squeeze(&self, axes: Option<Vec<i64>>) -> Result<Flow, String> {
        let rank = self.axes.len();
        let axes: Vec<usize> = match axes {
            Some(a) => a
                .iter()
                .map(|&x| normalize_axis(x, rank))
                .collect::<Result<_, _>>()?,
            None => (0..rank).filter(|&i| self.axes[i].1 == 1).collect(),
        };
        for &a in &axes {
            match self.axes[a] {
                (Meaning::Unit | Meaning::Last, 1) => {}
                (m, size) => {
                    return Err(format!(
                        "squeezes axis {a} ({}, size {size}); only size-1 axes without data can be removed",
                        describe(m)
                    ))
                }
            }
        }
        let out = (0..rank)
            .filter(|i| !axes.contains(i))
            .map(|i| self.axes[i])
            .collect();
        Ok(self.with_axes(out))
    }

    /// `Reshape` that only adds or removes size-1 axes; any reshape that
    /// merges or splits axes with data is refused.
    pub fn reshape(&self, shape: &[i64], allowzero: bool) -> Result<Flow, String> {
        let dims = reshape_dims(&self.dims(), shape, allowzero)?;
        let droppable = |a: &(Meaning, usize)| matches!(a, (Meaning::Unit | Meaning::Last, 1));
        let mut out = Vec::with_capacity(dims.len());
        let mut j = 0;
        for &d in &dims {
            while j < self.axes.len() && droppable(&self.axes[j]) && self.axes[j].1 != d {
                j += 1;
            }
            if j < self.axes.len() && self.axes[j].1 == d {
                out.push(self.axes[j]);
                j += 1;
            } else if d == 1 {
                out.push((Meaning::Unit, 1));
            } else {
                return Err(self.reshape_refusal(&dims));
            }
        }
        if self.axes[j..].iter().all(droppable) {
            Ok(self.with_axes(out))
        } else {
            Err(self.reshape_refusal(&dims))
        }
    }

    fn reshape_refusal(&self, dims: &[usize]) -> String {
        format!(
            "reshapes {:?} to {dims:?}, which merges or splits axes; only adding or removing size-1 axes can be imported",
            self.dims()
        )
    }
}

/// An axis meaning in words.
pub fn describe(m: Meaning) -> &'static str {
    match m {
        Meaning::Input(_) => "an input axis",
        Meaning::Time => "time",
        Meaning::Batch => "batch",
        Meaning::Feature => "features",
        Meaning::Unit => "a size-1 axis",
        Meaning::Last => "the last timestep",
    }
}

/// Where a `Gather` or `Slice` along the time axis lands.
pub fn last_step(index_start: i64, index_end: i64, size: usize) -> bool {
    let (s, e) = slice_range(index_start, index_end, size);
    s + 1 == size && e == size
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(axes: &[(Meaning, usize)]) -> Flow {
        Flow {
            axes: axes.to_vec(),
            stage: Stage::Sequence,
            layers: 1,
        }
    }

    #[test]
    fn squeeze_and_reshape_drop_only_size_one_axes() {
        use Meaning::*;
        let y = flow(&[(Time, 30), (Unit, 1), (Batch, 2), (Feature, 16)]);
        let s = y.squeeze(Some(vec![1])).unwrap();
        assert_eq!(s.axes, [(Time, 30), (Batch, 2), (Feature, 16)]);
        assert!(y
            .squeeze(Some(vec![0]))
            .unwrap_err()
            .contains("time, size 30"));
        let r = y.reshape(&[30, 2, 16], false).unwrap();
        assert_eq!(r.axes, s.axes);
        let e = y.reshape(&[60, 16], false).unwrap_err();
        assert!(e.contains("merges or splits"), "{e}");
        let u = s.unsqueeze(&[0]).unwrap();
        assert_eq!(u.axes[0], (Unit, 1));
    }

    #[test]
    fn last_step_accepts_minus_one_and_size_minus_one() {
        assert!(last_step(-1, i64::MAX, 10));
        assert!(last_step(9, 10, 10));
        assert!(!last_step(0, 1, 10));
        assert!(!last_step(-2, -1, 10));
    }
}
