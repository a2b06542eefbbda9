//! Robust outlier count: values further than [`MAX_MADS`] median absolute
//! deviations (MAD) from the median, the usual robust rule (Hampel filter,
//! Iglewicz & Hoaglin's modified z-score) with a wide threshold, so only
//! values that would dominate the scaler (for example a stray `1e30` among
//! temperatures) are counted.

/// How many MADs from the median a value may lie before it counts.
pub const MAX_MADS: f64 = 20.0;

/// Values of one column beyond the robust range.
#[derive(Clone, Debug, PartialEq)]
pub struct Outliers {
    /// How many values lie beyond `MAX_MADS` MADs from the median.
    pub count: usize,
    /// Index of the first such value.
    pub first: usize,
    /// The column's median.
    pub median: f64,
    /// The spread used: the MAD, or, when more than half the values are
    /// equal (MAD 0), the mean absolute deviation from the median.
    pub spread: f64,
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
    }
}

/// The values of `values` beyond [`MAX_MADS`] MADs from their median, or
/// `None` when there are none (or the values are all equal).
pub fn outliers(values: &[f64]) -> Option<Outliers> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let med = median(&sorted);
    let mut dev: Vec<f64> = values.iter().map(|v| (v - med).abs()).collect();
    let mean_dev = dev.iter().sum::<f64>() / dev.len() as f64;
    dev.sort_by(f64::total_cmp);
    let mad = median(&dev);
    let spread = if mad > 0.0 { mad } else { mean_dev };
    if !(spread > 0.0 && spread.is_finite()) {
        return None;
    }
    let beyond = |v: &f64| (v - med).abs() > MAX_MADS * spread;
    let count = values.iter().filter(|v| beyond(v)).count();
    let first = values.iter().position(beyond)?;
    Some(Outliers {
        count,
        first,
        median: med,
        spread,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stray_huge_value_is_counted_ordinary_noise_is_not() {
        let mut v: Vec<f64> = (0..200).map(|i| 10.0 + (i as f64 * 0.7).sin()).collect();
        assert_eq!(outliers(&v), None);
        v[50] = 1e30;
        v[120] = -1e30;
        let o = outliers(&v).unwrap();
        assert_eq!((o.count, o.first), (2, 50));
        assert!((o.median - 10.0).abs() < 1.0);
    }

    #[test]
    fn mostly_constant_columns_fall_back_to_the_mean_deviation() {
        let mut v = vec![0.0; 100];
        v[3] = 1.0; // a 0/1 flag: mean deviation 0.01, 1.0 is 100 of them away
        assert_eq!(outliers(&v).unwrap().count, 1);
        v[4] = 1.0;
        v[5] = 1.0;
        v[6] = 1.0;
        v[7] = 1.0;
        v[8] = 1.0; // 6 % ones: a flag column, not outliers
        assert_eq!(outliers(&v), None);
        assert_eq!(outliers(&[2.0; 10]), None);
    }
}
