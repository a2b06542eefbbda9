//! Classification metrics: the confusion matrix, accuracy, per-class
//! precision, recall and F1 (scikit-learn's `confusion_matrix` and
//! `precision_recall_fscore_support`, with 0 where a ratio has no
//! denominator, as its `zero_division=0`), the majority-class baseline, and
//! the softmax that turns a classifier's logits into probabilities.

use std::fmt::Write as _;

/// `softmax(logits)`: `exp(x − max) / Σ exp(x − max)` (no overflow for
/// large logits), as rnn-core's `Activation::Softmax` and Keras `softmax`.
pub fn softmax(logits: &[f64]) -> Vec<f64> {
    let top = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let exp: Vec<f64> = logits.iter().map(|&x| (x - top).exp()).collect();
    let sum: f64 = exp.iter().sum();
    exp.iter().map(|e| e / sum).collect()
}

/// The index of the largest value (the first of equal ones), as NumPy's
/// `argmax`; 0 for an empty slice.
pub fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (k, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = k;
        }
    }
    best
}

/// The most frequent class of `labels` (the lowest index among equals):
/// the majority-class baseline predicts it for every sequence.
pub fn majority(labels: &[usize], classes: usize) -> usize {
    let mut counts = vec![0usize; classes];
    for &l in labels {
        if let Some(c) = counts.get_mut(l) {
            *c += 1;
        }
    }
    let mut best = 0;
    for (k, &c) in counts.iter().enumerate() {
        if c > counts[best] {
            best = k;
        }
    }
    best
}

/// Precision, recall and F1 of one class, and its support.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClassScores {
    /// Of the sequences predicted as this class, the fraction that are.
    pub precision: f64,
    /// Of the sequences of this class, the fraction predicted as it.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Sequences of this class.
    pub support: usize,
}

/// A confusion matrix: `counts[actual][predicted]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confusion {
    /// Sequences of class `i` predicted as class `j`, at `[i][j]`.
    pub counts: Vec<Vec<usize>>,
}

impl Confusion {
    /// Counts `actual[k]` against `predicted[k]` over `classes` classes
    /// (labels out of range are not counted).
    pub fn new(classes: usize, actual: &[usize], predicted: &[usize]) -> Confusion {
        let mut counts = vec![vec![0; classes]; classes];
        for (&a, &p) in actual.iter().zip(predicted) {
            if a < classes && p < classes {
                counts[a][p] += 1;
            }
        }
        Confusion { counts }
    }

    /// Sequences counted.
    pub fn total(&self) -> usize {
        self.counts.iter().flatten().sum()
    }

    /// Fraction predicted right (0 when nothing was counted).
    pub fn accuracy(&self) -> f64 {
        let right: usize = (0..self.counts.len()).map(|i| self.counts[i][i]).sum();
        ratio(right, self.total())
    }

    /// The scores of every class, in class order.
    pub fn scores(&self) -> Vec<ClassScores> {
        let n = self.counts.len();
        (0..n)
            .map(|c| {
                let tp = self.counts[c][c];
                let predicted: usize = (0..n).map(|i| self.counts[i][c]).sum();
                let support: usize = self.counts[c].iter().sum();
                let precision = ratio(tp, predicted);
                let recall = ratio(tp, support);
                let f1 = if precision + recall > 0.0 {
                    2.0 * precision * recall / (precision + recall)
                } else {
                    0.0
                };
                ClassScores {
                    precision,
                    recall,
                    f1,
                    support,
                }
            })
            .collect()
    }

    /// The unweighted mean of the F1 of the classes that occur among the
    /// actual or the predicted labels (scikit-learn's `average="macro"`,
    /// whose labels are those of `y_true` and `y_pred`): a class with no
    /// test sequence that was never predicted does not count. 0 when no
    /// class occurs.
    pub fn macro_f1(&self) -> f64 {
        let n = self.counts.len();
        let occurs = |c: usize| (0..n).any(|i| self.counts[c][i] + self.counts[i][c] > 0);
        let f1: Vec<f64> = self
            .scores()
            .iter()
            .enumerate()
            .filter(|&(c, _)| occurs(c))
            .map(|(_, s)| s.f1)
            .collect();
        f1.iter().sum::<f64>() / f1.len().max(1) as f64
    }

    /// The matrix and the per-class scores as a text table, rows the
    /// actual classes, columns the predicted ones.
    pub fn table(&self, names: &[String]) -> String {
        let width = names.iter().map(String::len).max().unwrap_or(0).max(6);
        let lead = width.max(18);
        let mut out = String::new();
        let _ = write!(out, "{:>lead$}  ", "actual \\ predicted");
        for name in names {
            let _ = write!(out, "{name:>width$} ");
        }
        out.push_str(" precision  recall     F1  support\n");
        for (c, (row, s)) in self.counts.iter().zip(self.scores()).enumerate() {
            let name = names.get(c).map_or("?", String::as_str);
            let _ = write!(out, "{name:>lead$}  ");
            for v in row {
                let _ = write!(out, "{v:>width$} ");
            }
            let _ = writeln!(
                out,
                " {:>9.3} {:>7.3} {:>6.3} {:>8}",
                s.precision, s.recall, s.f1, s.support
            );
        }
        out
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_match_scikit_learn() {
        // sklearn: y_true = [0,0,1,1,2,2], y_pred = [0,1,1,1,2,0]
        // precision [0.5, 0.667, 1.0], recall [0.5, 1.0, 0.5],
        // f1 [0.5, 0.8, 0.667], accuracy 4/6.
        let m = Confusion::new(3, &[0, 0, 1, 1, 2, 2], &[0, 1, 1, 1, 2, 0]);
        assert_eq!(m.counts, vec![vec![1, 1, 0], vec![0, 2, 0], vec![1, 0, 1]]);
        assert!((m.accuracy() - 4.0 / 6.0).abs() < 1e-15);
        let s = m.scores();
        let want = [
            (0.5, 0.5, 0.5),
            (2.0 / 3.0, 1.0, 0.8),
            (1.0, 0.5, 2.0 / 3.0),
        ];
        for (got, (p, r, f)) in s.iter().zip(want) {
            assert!((got.precision - p).abs() < 1e-12);
            assert!((got.recall - r).abs() < 1e-12);
            assert!((got.f1 - f).abs() < 1e-12);
            assert_eq!(got.support, 2);
        }
        assert!((m.macro_f1() - (0.5 + 0.8 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
        // A class never predicted and never present scores 0, not NaN.
        let empty = Confusion::new(3, &[0, 1], &[0, 1]);
        assert_eq!(empty.scores()[2].f1, 0.0);
        // ... and is left out of the macro average, as in scikit-learn.
        assert!((empty.macro_f1() - 1.0).abs() < 1e-12);
        // A class predicted but never present counts (F1 0).
        let wrong = Confusion::new(3, &[0, 1], &[0, 2]);
        assert!((wrong.macro_f1() - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn softmax_argmax_and_majority() {
        let p = softmax(&[1000.0, 0.0, 1000.0]);
        assert_eq!(p, vec![0.5, 0.0, 0.5]);
        assert_eq!(argmax(&p), 0);
        assert_eq!(majority(&[2, 1, 2, 1], 3), 1);
        assert_eq!(majority(&[2, 2, 0], 3), 2);
    }
}
