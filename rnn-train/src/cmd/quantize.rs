//! `rnn-train quantize`: post-training quantization of a weight file to
//! the integer format (rnn-core format version 3: int8 weights, int16
//! state), calibrated on the training windows, evaluated on the test split
//! beside the float model and persistence.

use std::path::{Path, PathBuf};

use rnn_core::format::{FeatureScale, Metadata};
use rnn_core::quant::format::QLayerSpec;
use rnn_core::quant::{dequantize_value, quantize_value, Calibration, QModel};

use super::{check_model, CsvSource};
use crate::data::contract::{resolve, Overrides};
use crate::data::scale;
use crate::data::split::Split;
use crate::data::window::input_window;
use crate::error::{Result, TrainError};
use crate::eval::Metrics;
use crate::forecast::scale_columns;
use crate::import;
use crate::steps::test_steps;

/// What `quantize` needs.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantizeOptions {
    /// The float weight file (written by `rnn-train train`).
    pub model: PathBuf,
    /// Where to write the quantized weight file; never the model or the CSV.
    pub output: PathBuf,
    /// The CSV the model was trained on.
    pub csv: CsvSource,
    /// Flags that replace the model's stored columns or test split (by
    /// default the model's data contract gives them, as for `eval`).
    pub overrides: Overrides,
}

/// Values that hit the int16 limits: model inputs, LSTM cell states and
/// model outputs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Saturation {
    /// Quantized inputs clamped to int16.
    pub inputs: usize,
    /// LSTM cell-state values at an int16 limit after a step.
    pub cells: usize,
    /// Model outputs at an int16 limit.
    pub outputs: usize,
    /// Values checked in total.
    pub checked: usize,
}

impl Saturation {
    /// All saturated values.
    pub fn total(&self) -> usize {
        self.inputs + self.cells + self.outputs
    }
}

/// What `quantize` measured and wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct Quantized {
    /// Test-split errors of the float model, target units.
    pub float: Metrics,
    /// Test-split errors of the quantized model.
    pub quantized: Metrics,
    /// Test-split errors of persistence.
    pub persistence: Metrics,
    /// Saturation while running the quantized model on the calibration windows.
    pub calibration_saturation: Saturation,
    /// Saturation on the test windows.
    pub test_saturation: Saturation,
    /// Calibration windows.
    pub calibration_windows: usize,
    /// The quantized layers.
    pub layers: Vec<QLayerSpec>,
    /// Bytes of quantized parameters.
    pub param_bytes: usize,
    /// Bytes of the written file.
    pub file_bytes: usize,
    /// The target column (from the data contract or `--target`).
    pub target: String,
}

/// One quantized layer for the report: kind, sizes and the fixed-point
/// formats (`q · 2^-f`: `f` fractional bits of an int16).
pub(crate) fn describe(l: &QLayerSpec) -> String {
    match *l {
        QLayerSpec::SimpleRnn {
            input_size,
            hidden_size,
            input_frac,
        } => format!("SimpleRNN {input_size} -> {hidden_size} (tanh); input q*2^-{input_frac}, state Q15"),
        QLayerSpec::Lstm {
            input_size,
            hidden_size,
            input_frac,
            cell_frac,
        } => format!(
            "LSTM {input_size} -> {hidden_size}; input q*2^-{input_frac}, hidden state Q15, cell state q*2^-{cell_frac}"
        ),
        QLayerSpec::Gru {
            input_size,
            hidden_size,
            input_frac,
            reset_after,
        } => format!(
            "GRU {input_size} -> {hidden_size} (reset_after {reset_after}); input q*2^-{input_frac}, state Q15"
        ),
        QLayerSpec::Dense {
            input_size,
            output_size,
            input_frac,
            output_frac,
            activation,
        } => format!(
            "Dense {input_size} -> {output_size} ({}); input q*2^-{input_frac}, output q*2^-{output_frac}",
            format!("{activation:?}").to_lowercase()
        ),
    }
}

fn is_limit(v: i16) -> bool {
    v == i16::MAX || v == i16::MIN
}

/// Runs the quantized model over one window of scaled inputs; returns the
/// output in the target's units and counts saturation.
fn forecast(q: &QModel, x: &[f64], target: &FeatureScale, sat: &mut Saturation) -> Result<f64> {
    let mut state = q.zero_state();
    let mut y = vec![0i16];
    for step in x.chunks_exact(q.input_size().max(1)) {
        let xq: Vec<i16> = step
            .iter()
            .map(|&v| {
                let (q, clamped) = quantize_value(v as f32, q.input_frac());
                sat.inputs += usize::from(clamped);
                q
            })
            .collect();
        y = q.step(&mut state, &xq)?;
        for (_, c) in &state.layers {
            sat.cells += c.iter().filter(|&&v| is_limit(v)).count();
            sat.checked += c.len();
        }
        sat.checked += xq.len();
    }
    let out = y.first().copied().unwrap_or(0);
    sat.outputs += usize::from(is_limit(out));
    sat.checked += 1;
    Ok(scale::unscale(
        target,
        f64::from(dequantize_value(out, q.output_frac())),
    ))
}

/// Refuses an output path that is the model or the CSV (after
/// canonicalizing, and by name when it does not exist yet).
fn check_output(opts: &QuantizeOptions) -> Result<()> {
    for (input, what) in [(&*opts.model, "model"), (opts.csv.path(), "input CSV")] {
        if super::same_file(input, &opts.output) {
            return Err(TrainError::OutputIsInput {
                output: opts.output.clone(),
                input: input.to_path_buf(),
                what,
            });
        }
    }
    Ok(())
}

fn read_blob(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| TrainError::File {
        path: path.to_path_buf(),
        source,
    })
}

/// Runs `quantize`: checks the paths, loads the float model, calibrates on
/// the training windows (every sample before the test split), quantizes
/// ([`QModel::quantize`]), evaluates float and quantized on the test split,
/// and only then writes `opts.output`.
///
/// # Errors
/// [`TrainError::OutputIsInput`]; [`TrainError::SequenceModel`] for a
/// sequence-to-sequence model; those of [`import::load`],
/// [`crate::data::contract::Contract::read`] and [`Split::new`]; [`TrainError::Architecture`]
/// when the model cannot be quantized (relu/linear SimpleRNN, weights too
/// large for int8 with a 15-bit multiplier, an accumulator that could
/// overflow), naming the layer and row; [`TrainError::File`] when the
/// output cannot be written.
pub fn run(opts: &QuantizeOptions) -> Result<Quantized> {
    check_output(opts)?;
    let model = import::load(&opts.model)?;
    super::refuse_sequence_model(&opts.model, &model.network, "quantize")?;
    let meta: &Metadata = model
        .metadata
        .as_ref()
        .ok_or_else(|| TrainError::NoMetadata {
            path: opts.model.clone(),
        })?;
    let (contract, _notes) = resolve(meta, model.contract.as_ref(), &opts.overrides);
    let (_, steps) = check_model(
        &opts.model,
        &model.network,
        Some(meta),
        model.contract.as_ref(),
        contract.inputs.len(),
    )?;
    if steps > 1 {
        return Err(TrainError::Architecture {
            path: opts.model.clone(),
            reason: format!(
                "a direct multi-step model ({steps} steps) is not quantized: quantize \
                 evaluates one forecast per window"
            ),
        });
    }
    let blob = read_blob(&opts.model)?;
    let data = contract.read(opts.csv.existing()?, false, true)?;
    let split: Split = contract.split(data.table.rows())?;
    let scaled = scale_columns(&data.inputs, &meta.inputs);
    let window = |k: usize| input_window(&scaled, k, split.window);
    // Every sample before the test split: training and validation windows.
    let before_test = || split.train.clone().chain(split.val.clone());
    let calibration_windows: Vec<Vec<f32>> = before_test()
        .map(|k| window(k).iter().map(|&v| v as f32).collect())
        .collect();
    let calibration = Calibration::run(&blob, calibration_windows.iter().map(Vec::as_slice))
        .map_err(|source| TrainError::WeightFile {
            path: opts.model.clone(),
            source,
        })?;
    let q = QModel::quantize(&blob, &calibration).map_err(|e| TrainError::Architecture {
        path: opts.model.clone(),
        reason: format!("cannot be quantized: {e}"),
    })?;

    let target = &meta.targets[0];
    let mut calibration_saturation = Saturation::default();
    for k in before_test() {
        forecast(&q, &window(k), target, &mut calibration_saturation)?;
    }
    let float = test_steps(&model.network, meta, &data, &split)?.last;
    let mut test_saturation = Saturation::default();
    let predicted = split
        .test
        .clone()
        .map(|k| forecast(&q, &window(k), target, &mut test_saturation))
        .collect::<Result<Vec<f64>>>()?;
    let quantized = Metrics::new(&predicted, &float.actual);

    let out = q.to_blob()?;
    // Atomically (a new file renamed into place): an output path that is
    // a hard link to the input replaces that link, never the input.
    crate::export::write_atomic(&opts.output, &out)?;
    Ok(Quantized {
        float: float.evaluation.model,
        quantized,
        persistence: float.evaluation.persistence,
        calibration_saturation,
        test_saturation,
        calibration_windows: split.train.len() + split.val.len(),
        layers: q.specs(),
        param_bytes: q.param_bytes(),
        file_bytes: out.len(),
        target: contract.target.clone(),
    })
}

impl Quantized {
    /// The report `rnn-train quantize` prints: layers and formats, sizes,
    /// the three models' test errors, and saturation counts.
    pub fn report(&self, opts: &QuantizeOptions) -> String {
        let mut s = String::new();
        for (i, l) in self.layers.iter().enumerate() {
            s += &format!("layer {i}: {}\n", describe(l));
        }
        s += &format!(
            "Quantized {} -> {}: {} bytes of int8 weights, biases, multipliers and shifts ({} byte file); \
             calibrated on {} training windows\n\n",
            opts.model.display(),
            opts.output.display(),
            self.param_bytes,
            self.file_bytes,
            self.calibration_windows
        );
        s += &format!(
            "test split ({} samples, {}):\n{:<13}{:>14}{:>14}{:>14}\n",
            self.quantized.count, self.target, "", "MSE", "RMSE", "MAE"
        );
        for (name, m) in [
            ("float", &self.float),
            ("quantized", &self.quantized),
            ("persistence", &self.persistence),
        ] {
            s += &format!("{name:<13}{:>14.6}{:>14.6}{:>14.6}\n", m.mse, m.rmse, m.mae);
        }
        let ratio = if self.float.rmse > 0.0 {
            self.quantized.rmse / self.float.rmse
        } else {
            f64::NAN
        };
        s += &format!("quantized RMSE / float RMSE = {ratio:.4}\n\n");
        for (name, sat) in [
            ("calibration", &self.calibration_saturation),
            ("test", &self.test_saturation),
        ] {
            s += &format!(
                "saturated during {name}: {} of {} values (inputs {}, LSTM cell states {}, outputs {})\n",
                sat.total(),
                sat.checked,
                sat.inputs,
                sat.cells,
                sat.outputs
            );
        }
        s
    }
}
