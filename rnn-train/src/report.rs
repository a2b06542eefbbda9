//! Text reports: a Keras-style model summary with the memory a model takes
//! on a device, and the evaluation table against persistence.

use std::fmt;

use rnn_core::format::{LayerSpec, Metadata, ScalerKind};

use crate::eval::Evaluation;

/// One row of the summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerRow {
    /// Keras-style name: `lstm`, `lstm_1`, `dense`, ….
    pub name: String,
    /// Keras class name: `SimpleRNN`, `LSTM`, `GRU`, `Dense`.
    pub kind: &'static str,
    /// Keras output shape: `(None, window, H)` for an RNN layer that returns
    /// sequences (every RNN layer but the last), else `(None, H)` / `(None, O)`.
    pub output_shape: String,
    /// Parameters of the layer (Keras `Param #`).
    pub params: usize,
}

/// What `model.summary()` prints, plus the bytes the model takes in rnn-core.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// One row per layer, input layer first.
    pub layers: Vec<LayerRow>,
    /// Sum of the layers' parameters (Keras "Total params").
    pub total_params: usize,
    /// Bytes of the parameters as stored in the weight file: `4 × total_params`.
    pub param_bytes: usize,
    /// Bytes of the compile-time rnn-core model (`Layer::WEIGHT_BYTES`, the
    /// `size_of` the model struct), computed from the sizes; see [`weight_bytes`].
    pub weight_bytes: usize,
    /// Bytes of one stream's hidden/cell state (`Layer::STATE_BYTES`); see [`state_bytes`].
    pub state_bytes: usize,
}

/// The Keras class name of a layer.
pub fn keras_kind(spec: &LayerSpec) -> &'static str {
    match spec {
        LayerSpec::SimpleRnn { .. } => "SimpleRNN",
        LayerSpec::Lstm { .. } => "LSTM",
        LayerSpec::Gru { .. } => "GRU",
        LayerSpec::Dense { .. } => "Dense",
    }
}

fn is_recurrent(spec: &LayerSpec) -> bool {
    !matches!(spec, LayerSpec::Dense { .. })
}

/// Bytes of rnn-core's compile-time layer struct for `spec`: its `f32`
/// matrices and vectors, plus its 1-byte flags (`Activation`, `use_bias`,
/// `reset_after`), rounded up to the 4-byte alignment of `f32`.
///
/// | layer | f32 values | flag bytes |
/// | --- | --- | --- |
/// | SimpleRnn | `H·I + H·H + H` | 2 (activation, use_bias) |
/// | Lstm | `4(H·I + H·H + H)` | 1 (use_bias) |
/// | Gru | `3(H·I + H·H + 2H)` (both bias sets are always stored) | 2 (reset_after, use_bias) |
/// | Dense | `O·I + O` | 2 (activation, use_bias) |
///
/// A `Stack` of layers is the sum (each part is already 4-aligned). Tested
/// against `Layer::WEIGHT_BYTES` of real rnn-core types.
pub fn weight_bytes(spec: &LayerSpec) -> usize {
    let s = spec.shape();
    let (i, h) = (s.input_size as usize, s.units as usize);
    let (floats, flags) = match spec {
        LayerSpec::SimpleRnn { .. } => (h * i + h * h + h, 2),
        LayerSpec::Lstm { .. } => (4 * (h * i + h * h + h), 1),
        LayerSpec::Gru { .. } => (3 * (h * i + h * h + 2 * h), 2),
        LayerSpec::Dense { .. } => (h * i + h, 2),
    };
    (4 * floats + flags).div_ceil(4) * 4
}

/// Bytes of one stream's state of layer `spec` in rnn-core: `4H` for
/// SimpleRNN and GRU (`h`), `8H` for LSTM (`h` and `c`), 0 for Dense.
pub fn state_bytes(spec: &LayerSpec) -> usize {
    let h = spec.shape().units as usize;
    match spec {
        LayerSpec::SimpleRnn { .. } | LayerSpec::Gru { .. } => 4 * h,
        LayerSpec::Lstm { .. } => 8 * h,
        LayerSpec::Dense { .. } => 0,
    }
}

/// Summarizes a model from its layer records; `window` (timesteps per
/// input, if known) fills the time axis of sequence outputs, else `None`.
pub fn summarize(specs: &[LayerSpec], window: Option<usize>) -> Summary {
    let last_rnn = specs.iter().rposition(is_recurrent);
    let mut counts = std::collections::HashMap::<&str, usize>::new();
    let layers = specs
        .iter()
        .enumerate()
        .map(|(index, spec)| {
            let base = match spec {
                LayerSpec::SimpleRnn { .. } => "simple_rnn",
                LayerSpec::Lstm { .. } => "lstm",
                LayerSpec::Gru { .. } => "gru",
                LayerSpec::Dense { .. } => "dense",
            };
            let seen = counts.entry(base).or_insert(0);
            let name = if *seen == 0 {
                base.to_string()
            } else {
                format!("{base}_{seen}")
            };
            *seen += 1;
            let units = spec.shape().units;
            let sequences = is_recurrent(spec) && Some(index) != last_rnn;
            let output_shape = if sequences {
                let t = window.map_or("None".to_string(), |w| w.to_string());
                format!("(None, {t}, {units})")
            } else {
                format!("(None, {units})")
            };
            LayerRow {
                name,
                kind: keras_kind(spec),
                output_shape,
                params: spec.param_count().unwrap_or(0),
            }
        })
        .collect::<Vec<_>>();
    let total_params = layers.iter().map(|l| l.params).sum();
    Summary {
        layers,
        total_params,
        param_bytes: 4 * total_params,
        weight_bytes: specs.iter().map(weight_bytes).sum(),
        state_bytes: specs.iter().map(state_bytes).sum(),
    }
}

/// Formats `n` with `,` thousands separators, as Keras prints counts.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rule = "=".repeat(65);
        writeln!(
            f,
            "{:<28}{:<26}{:>11}",
            "Layer (type)", "Output Shape", "Param #"
        )?;
        writeln!(f, "{rule}")?;
        for l in &self.layers {
            let name = format!("{} ({})", l.name, l.kind);
            writeln!(
                f,
                "{name:<28}{:<26}{:>11}",
                l.output_shape,
                thousands(l.params)
            )?;
        }
        writeln!(f, "{rule}")?;
        writeln!(f, "Total params: {}", thousands(self.total_params))?;
        writeln!(
            f,
            "Weight bytes: {} in the weight file (f32 params x 4); {} in rnn-core memory (Layer::WEIGHT_BYTES)",
            thousands(self.param_bytes),
            thousands(self.weight_bytes)
        )?;
        write!(
            f,
            "State bytes:  {} per stream (h: 4H per SimpleRNN/GRU, h and c: 8H per LSTM)",
            thousands(self.state_bytes)
        )
    }
}

/// One line describing a model's preprocessing metadata.
pub fn describe_metadata(m: &Metadata) -> String {
    let kind = match m.scaler {
        ScalerKind::MinMax => "minmax",
        ScalerKind::Standard => "standard",
    };
    let scales = |v: &[rnn_core::format::FeatureScale]| {
        v.iter()
            .map(|s| format!("(shift {}, scale {})", s.shift, s.scale))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let targets = if m.targets.is_empty() {
        "outputs: class probabilities (unscaled)".to_string()
    } else {
        format!("targets {}", scales(&m.targets))
    };
    // A direct multi-step model (`crate::steps`): one scale per step.
    let horizon = if m.targets.len() > 1 && m.horizon as usize == m.targets.len() {
        format!(
            "{} steps (direct multi-step, t+1..t+{})",
            m.horizon, m.horizon
        )
    } else {
        m.horizon.to_string()
    };
    format!(
        "Window {} timesteps, horizon {horizon}; scaler {kind}: inputs {}; {targets}",
        m.window,
        scales(&m.inputs),
    )
}

/// One line describing a classifier: its head (from its last layer
/// `last`: softmax, or sigmoid naming the positive class), its classes,
/// label, case and split columns, and (from the contract) its inputs and
/// how many sequences each part had.
pub fn describe_classes(
    k: &rnn_core::format::ClassLabels,
    last: Option<&rnn_core::format::LayerSpec>,
    contract: Option<&rnn_core::format::DataContract>,
) -> String {
    let names: Vec<&str> = k.names.iter().map(|n| n.as_str()).collect();
    let sequences = match &k.case {
        Some(case) => format!("cases from column {:?}", case.as_str()),
        None => "fixed windows labelled at their last row".to_string(),
    };
    let split = k
        .split
        .as_ref()
        .map(|s| format!(", test cases from column {:?}", s.as_str()))
        .unwrap_or_default();
    let data = contract
        .map(|c| {
            let inputs: Vec<&str> = c.inputs.iter().map(|n| n.as_str()).collect();
            format!(
                "\nData: inputs {inputs:?}; {} rows: train {} | validation {} | test {} sequences",
                c.split.rows, c.split.train_samples, c.split.val_samples, c.split.test_samples
            )
        })
        .unwrap_or_default();
    let units = last.map_or(0, |l| l.shape().units);
    let head = match crate::head::Head::of_file(k, last) {
        Some(crate::head::Head::Sigmoid) => format!(
            "Dense(1) sigmoid output: the probability of the positive class {:?}",
            names.get(1).copied().unwrap_or_default()
        ),
        Some(crate::head::Head::Softmax) => format!("Dense({units}) softmax output"),
        None => "output neither softmax nor a binary sigmoid".to_string(),
    };
    format!(
        "Classifier ({head}): classes {names:?}; label column {:?}, {sequences}{split}{data}",
        k.label.as_str()
    )
}

/// One line describing a model's data contract: columns and split.
pub fn describe_contract(c: &rnn_core::format::DataContract) -> String {
    fn names(v: &[rnn_core::format::ColumnName]) -> Vec<&str> {
        v.iter().map(|n| n.as_str()).collect()
    }
    let test = match c.split.test {
        rnn_core::format::TestSplit::Count(n) => n.to_string(),
        rnn_core::format::TestSplit::Fraction(f) => f.to_string(),
    };
    format!(
        "Data: inputs {:?}, target {:?}{}; split of {} rows by time: validation fraction {}, \
         test size {test} (train {} | validation {} | test {} samples)",
        names(&c.inputs),
        names(&c.targets).first().copied().unwrap_or_default(),
        c.time
            .as_ref()
            .map(|t| format!(", time {:?}", t.as_str()))
            .unwrap_or_default(),
        c.split.rows,
        c.split.val_fraction,
        c.split.train_samples,
        c.split.val_samples,
        c.split.test_samples
    )
}

/// One table cell: 6 decimals for ordinary magnitudes, scientific notation
/// (`1.234568e31`) for magnitudes from 1e6 up or below 1e-4 (not 0), so the
/// digits stay readable; right-aligned in 14 characters with at least one
/// leading space, so neighbouring cells never run together.
pub fn table_cell(x: f64) -> String {
    let a = x.abs();
    let text = if a != 0.0 && a.is_finite() && !(1e-4..1e6).contains(&a) {
        format!("{x:.6e}")
    } else {
        format!("{x:.6}")
    };
    format!(" {text:>13}")
}

/// The evaluation table: model and persistence MSE, RMSE and MAE on the test
/// split, in the target's units (`unit`, for example the column name), and
/// the RMSE ratio model / persistence (undefined when persistence is exact).
pub fn evaluation_table(e: &Evaluation, unit: &str) -> String {
    let row = |name: &str, m: &crate::eval::Metrics| {
        format!(
            "{name:<13}{}{}{}\n",
            table_cell(m.mse),
            table_cell(m.rmse),
            table_cell(m.mae)
        )
    };
    let ratio = |model: f64, base: f64| {
        let r = model / base;
        if r.abs() < 1e6 {
            format!("{r:.3}")
        } else {
            format!("{r:.3e}")
        }
    };
    let verdict = if e.persistence.rmse == 0.0 {
        "RMSE model / persistence: undefined (persistence has zero error on the test split: every \
         test target equals the value before it, as in a constant series)"
            .to_string()
    } else {
        let wins = |m: f64, p: f64| if m < p { "beats" } else { "does NOT beat" };
        let (r, a) = (
            wins(e.model.rmse, e.persistence.rmse),
            wins(e.model.mae, e.persistence.mae),
        );
        let summary = if r == a {
            format!("the model {r} persistence on both RMSE and MAE")
        } else {
            format!("the model {r} persistence on RMSE but {a} it on MAE")
        };
        format!(
            "RMSE model / persistence: {} ({r}); MAE model / persistence: {} ({a}): {summary}",
            ratio(e.model.rmse, e.persistence.rmse),
            ratio(e.model.mae, e.persistence.mae),
        )
    };
    format!(
        "Test split: {} samples; errors in the units of {unit} (MSE in squared units)\n\
         {:<13}{:>14}{:>14}{:>14}\n{}{}{verdict}",
        e.model.count,
        "",
        "MSE",
        "RMSE",
        "MAE",
        row("model", &e.model),
        row("persistence", &e.persistence),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rnn_core::{Activation, Dense, Gru, Layer, Lstm, SimpleRnn, Stack};

    fn dense(i: u32, o: u32) -> LayerSpec {
        LayerSpec::Dense {
            input_size: i,
            output_size: o,
            activation: Activation::Linear,
            use_bias: true,
        }
    }

    #[test]
    fn simple_rnn_50_dense_1_has_2651_params_as_keras() {
        let specs = [
            LayerSpec::SimpleRnn {
                input_size: 1,
                hidden_size: 50,
                activation: Activation::Tanh,
                use_bias: true,
            },
            dense(50, 1),
        ];
        let s = summarize(&specs, Some(30));
        assert_eq!(s.total_params, 2651);
        assert_eq!(s.layers[0].params, 2600);
        assert_eq!(s.layers[0].output_shape, "(None, 50)");
        assert_eq!(s.param_bytes, 10604);
        assert_eq!(s.weight_bytes, SimpleRnnDense::WEIGHT_BYTES);
        assert_eq!(s.state_bytes, SimpleRnnDense::STATE_BYTES);
        assert!(s.to_string().contains("simple_rnn (SimpleRNN)"));
        assert!(s.to_string().contains("Total params: 2,651"));
    }
    type SimpleRnnDense = Stack<SimpleRnn<1, 50>, Dense<50, 1>>;

    #[test]
    fn stacked_layers_return_sequences_and_get_keras_names() {
        let specs = [
            LayerSpec::Lstm {
                input_size: 3,
                hidden_size: 16,
                use_bias: true,
            },
            LayerSpec::Lstm {
                input_size: 16,
                hidden_size: 8,
                use_bias: true,
            },
            dense(8, 4),
            dense(4, 2),
        ];
        let s = summarize(&specs, Some(24));
        let names: Vec<_> = s.layers.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["lstm", "lstm_1", "dense", "dense_1"]);
        assert_eq!(s.layers[0].output_shape, "(None, 24, 16)");
        assert_eq!(s.layers[1].output_shape, "(None, 8)");
        type M = Stack<Lstm<3, 16>, Stack<Lstm<16, 8>, Stack<Dense<8, 4>, Dense<4, 2>>>>;
        assert_eq!(s.weight_bytes, M::WEIGHT_BYTES);
        assert_eq!(s.state_bytes, M::STATE_BYTES);
    }

    #[test]
    fn byte_counts_match_rnn_core_types() {
        let gru = |reset_after| LayerSpec::Gru {
            input_size: 2,
            hidden_size: 5,
            reset_after,
            use_bias: true,
        };
        type G = Stack<Gru<2, 5>, Dense<5, 3>>;
        for reset_after in [true, false] {
            let s = summarize(&[gru(reset_after), dense(5, 3)], None);
            assert_eq!(s.weight_bytes, G::WEIGHT_BYTES);
            assert_eq!(s.state_bytes, G::STATE_BYTES);
        }
        type L = Stack<Lstm<1, 16>, Dense<16, 1>>;
        let lstm = LayerSpec::Lstm {
            input_size: 1,
            hidden_size: 16,
            use_bias: true,
        };
        let s = summarize(&[lstm, dense(16, 1)], None);
        assert_eq!(
            (s.total_params, s.weight_bytes, s.state_bytes),
            (1169, L::WEIGHT_BYTES, L::STATE_BYTES)
        );
        assert_eq!(L::STATE_BYTES, 128);
    }

    fn metrics(mse: f64, mae: f64) -> crate::eval::Metrics {
        crate::eval::Metrics {
            mse,
            rmse: mse.sqrt(),
            mae,
            count: 3,
        }
    }

    #[test]
    fn huge_and_tiny_errors_use_scientific_notation_and_stay_separated() {
        assert_eq!(table_cell(0.004094), "      0.004094");
        assert_eq!(table_cell(0.0), "      0.000000");
        assert_eq!(table_cell(1.3456e62), "   1.345600e62");
        assert_eq!(table_cell(-2.5e-7), "  -2.500000e-7");
        assert_eq!(
            table_cell(-1.234568e-300).len(),
            15,
            "one space even at 14 characters"
        );
        let e = Evaluation {
            model: metrics(1.3456e62, 1.16e31),
            persistence: metrics(4.0, 1.5),
        };
        let table = evaluation_table(&e, "usd");
        let model_row = table.lines().find(|l| l.starts_with("model")).unwrap();
        let cells: Vec<&str> = model_row.split_whitespace().collect();
        assert_eq!(
            cells,
            ["model", "1.345600e62", "1.160000e31", "1.160000e31"]
        );
    }

    #[test]
    fn the_verdict_says_which_metric_the_model_wins() {
        // RMSE 0.9 < 1.0 but MAE 0.8 > 0.7: beats persistence on RMSE only.
        let e = Evaluation {
            model: metrics(0.81, 0.8),
            persistence: metrics(1.0, 0.7),
        };
        let table = evaluation_table(&e, "w");
        assert!(
            table.contains("RMSE model / persistence: 0.900 (beats)"),
            "{table}"
        );
        assert!(
            table.contains("the model beats persistence on RMSE but does NOT beat it on MAE"),
            "{table}"
        );
        let both = Evaluation {
            model: metrics(0.25, 0.4),
            persistence: metrics(1.0, 0.7),
        };
        assert!(evaluation_table(&both, "w").contains("beats persistence on both RMSE and MAE"));
        // A huge ratio is printed in scientific notation, not with 27 digits.
        let huge = Evaluation {
            model: metrics(1e60, 1e30),
            persistence: metrics(1.0, 1.0),
        };
        let table = evaluation_table(&huge, "w");
        assert!(
            table.contains("RMSE model / persistence: 1.000e30"),
            "{table}"
        );
    }

    #[test]
    fn zero_persistence_error_makes_the_ratio_undefined() {
        let e = Evaluation {
            model: metrics(0.25, 0.5),
            persistence: metrics(0.0, 0.0),
        };
        let table = evaluation_table(&e, "v");
        assert!(
            table.contains("RMSE model / persistence: undefined (persistence has zero error"),
            "{table}"
        );
        assert!(!table.contains("NaN") && !table.contains("inf"), "{table}");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
