//! Forecast errors in the series' own units, and the naive persistence
//! baseline a model has to beat to be worth flashing.

/// Mean squared error, root mean squared error and mean absolute error of a
/// forecast, in the target's units (squared units for MSE).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Metrics {
    /// Mean of `(prediction - actual)²`.
    pub mse: f64,
    /// `sqrt(mse)`.
    pub rmse: f64,
    /// Mean of `|prediction - actual|`.
    pub mae: f64,
    /// Number of values compared.
    pub count: usize,
}

impl Metrics {
    /// Compares `predicted` with `actual` pairwise (the shorter length wins;
    /// callers pass equal lengths). All zero for no values.
    pub fn new(predicted: &[f64], actual: &[f64]) -> Metrics {
        let count = predicted.len().min(actual.len());
        if count == 0 {
            return Metrics {
                mse: 0.0,
                rmse: 0.0,
                mae: 0.0,
                count,
            };
        }
        let (mut se, mut ae) = (0.0, 0.0);
        for (p, a) in predicted.iter().zip(actual) {
            se += (p - a) * (p - a);
            ae += (p - a).abs();
        }
        let mse = se / count as f64;
        Metrics {
            mse,
            rmse: mse.sqrt(),
            mae: ae / count as f64,
            count,
        }
    }
}

/// The persistence (naive) forecast: the target column's value at the last
/// input row of each sample, `target[k + window - 1]` for target row
/// `k + window + horizon - 1`. For `target_rows` the target row indices.
pub fn persistence(target: &[f64], target_rows: &[usize], horizon: usize) -> Vec<f64> {
    target_rows.iter().map(|&r| target[r - horizon]).collect()
}

/// Model and persistence errors on the same test targets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// The trained model's errors.
    pub model: Metrics,
    /// The persistence baseline's errors.
    pub persistence: Metrics,
}

impl Evaluation {
    /// Model RMSE over persistence RMSE: below 1 the model beats persistence.
    pub fn rmse_ratio(&self) -> f64 {
        self.model.rmse / self.persistence.rmse
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_by_hand() {
        let m = Metrics::new(&[1.0, 2.0, 5.0], &[1.0, 4.0, 4.0]);
        assert_eq!(m.mse, 5.0 / 3.0);
        assert_eq!(m.rmse, (5.0f64 / 3.0).sqrt());
        assert_eq!(m.mae, 1.0);
        assert_eq!(m.count, 3);
    }

    #[test]
    fn persistence_repeats_the_last_input_value() {
        let series = [10.0, 11.0, 12.0, 13.0, 14.0];
        // horizon 1: row 3 is predicted by row 2; horizon 2: row 4 by row 2.
        assert_eq!(persistence(&series, &[3, 4], 1), [12.0, 13.0]);
        assert_eq!(persistence(&series, &[4], 2), [12.0]);
    }
}
