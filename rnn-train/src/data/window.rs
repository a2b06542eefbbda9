//! Sliding windows over scaled columns: the samples a recurrent network is
//! trained and evaluated on.
//!
//! Sample `k` takes rows `k .. k + window` of every input column as its
//! input sequence (timestep-major: `[t][feature]`) and row
//! `k + window + horizon - 1` of every target column as its target, as in
//! the lecture (`X[k] = series[k : k + 30]`, `y[k] = series[k + 30]` for
//! horizon 1).

use std::ops::Range;

use crate::data::split::Split;
use crate::fit::Dataset;

/// The input sequence of the window starting at row `start`, flattened
/// `[window][columns.len()]` row-major. Rows past the end are not read: the
/// caller keeps `start + window <= rows`.
pub fn input_window(columns: &[Vec<f64>], start: usize, window: usize) -> Vec<f64> {
    let mut x = Vec::with_capacity(window * columns.len());
    for row in start..start + window {
        x.extend(columns.iter().map(|c| c[row]));
    }
    x
}

/// The samples `samples` (indices as in [`Split`]) of scaled `inputs` and
/// `targets` columns, ready for training or evaluation.
///
/// # Shapes
/// `inputs`: `I` columns of `rows` values; `targets`: `O` columns of `rows`
/// values; result: `inputs` `n × window × I`, `targets` `n × O`, `n =
/// samples.len()`.
pub fn dataset(
    inputs: &[Vec<f64>],
    targets: &[Vec<f64>],
    split: &Split,
    samples: Range<usize>,
) -> Dataset {
    let n = samples.len();
    let mut x = Vec::with_capacity(n * split.window * inputs.len());
    let mut y = Vec::with_capacity(n * targets.len());
    for k in samples {
        x.extend(input_window(inputs, k, split.window));
        let row = split.target_row(k);
        y.extend(targets.iter().map(|c| c[row]));
    }
    Dataset {
        inputs: x,
        targets: y,
        window: split.window,
        input_size: inputs.len(),
        output_size: targets.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::split::TestSize;

    #[test]
    fn sample_k_reads_rows_k_to_k_plus_window_and_targets_the_horizon_row() {
        let a: Vec<f64> = (0..10).map(f64::from).collect();
        let b: Vec<f64> = (0..10).map(|v| f64::from(v) * 10.0).collect();
        let split = Split::new(10, 3, 2, 0.0, TestSize::Count(1)).unwrap();
        let d = dataset(&[a.clone(), b], &[a], &split, 1..3);
        assert_eq!((d.window, d.input_size, d.output_size), (3, 2, 1));
        assert_eq!(
            d.inputs,
            [1.0, 10.0, 2.0, 20.0, 3.0, 30.0, 2.0, 20.0, 3.0, 30.0, 4.0, 40.0]
        );
        // Rows 1..4 then target row 1 + 3 + 2 - 1 = 5; rows 2..5 then row 6.
        assert_eq!(d.targets, [5.0, 6.0]);
    }
}
