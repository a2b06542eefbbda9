//! `rnn-train import`: a model trained elsewhere (ONNX, PyTorch
//! safetensors, Keras 3) to a checked weight file, with the `inspect`
//! summary and, given `--check`, the imported model's outputs next to a
//! reference.
//!
//! Order of work, so that nothing is written on failure: read and convert
//! every layer, encode the blob, load it back through rnn-train's run-time
//! path, run the `--check` CSV, and only then write the file atomically.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use rnn_core::format::{FeatureScale, LayerSpec, Metadata, ScalerKind};
use rnn_core::Activation;

use crate::cmd::inspect;
use crate::data::csv::read_columns;
use crate::data::window::input_window;
use crate::export::{metadata, write_atomic};
use crate::interop::{read_model, CellChoice, Format, ImportError, ReadOptions};
use crate::report::{table_cell, thousands};

/// Rows of the `--check` table printed (the maximum difference covers all).
const CHECK_ROWS_SHOWN: usize = 20;

/// Command-line arguments of `rnn-train import`.
#[derive(Args, Clone, Debug)]
pub struct ImportArgs {
    /// Model file: `.onnx`, `.safetensors` (PyTorch state dict) or `.keras`
    /// (Keras 3).
    pub model: PathBuf,
    /// Weight file to write (missing folders are created; nothing is
    /// written if the import fails).
    #[arg(short, long)]
    pub output: PathBuf,
    /// File format. [default: from the extension]
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// State dicts: the recurrent cell you expect; the import fails if the
    /// shapes say otherwise (LSTM 4·H, GRU 3·H, RNN H rows). [default: from
    /// the shapes]
    #[arg(long, value_enum)]
    pub cell: Option<CellArg>,
    /// State dicts: `nn.RNN`'s nonlinearity, which shapes cannot tell.
    /// [default: tanh]
    #[arg(long, value_enum)]
    pub rnn_activation: Option<RnnActivationArg>,
    /// Timesteps per window, saved in the weight file's metadata (with the
    /// scaler); also the window of `--check`. Without it the file has no
    /// metadata and `--check` runs the whole CSV as one sequence.
    #[arg(short, long)]
    pub window: Option<usize>,
    /// Steps ahead the target lies, saved in the metadata (needs --window).
    #[arg(long)]
    pub horizon: Option<usize>,
    /// Scaler kind saved in the metadata (needs --window). [default: minmax]
    #[arg(long, value_enum)]
    pub scaler: Option<ScalerArg>,
    /// `SHIFT:SCALE` of one input feature (`scaled = (raw - shift) /
    /// scale`), repeated in input order (needs --window). [default: 0:1]
    #[arg(long = "input-scale", value_name = "SHIFT:SCALE", value_parser = parse_scale)]
    pub input_scales: Vec<FeatureScale>,
    /// `SHIFT:SCALE` of one model output, repeated in output order (needs
    /// --window). [default: 0:1]
    #[arg(long = "target-scale", value_name = "SHIFT:SCALE", value_parser = parse_scale)]
    pub target_scales: Vec<FeatureScale>,
    /// CSV to run the imported model on: `--input` columns hold the model's
    /// inputs exactly as the framework saw them (no scaling is applied),
    /// `--target` columns the reference outputs the framework gave at the
    /// last row of each window.
    #[arg(long, value_name = "INPUT.csv")]
    pub check: Option<PathBuf>,
    /// `--check` input column; repeat in the model's input order.
    #[arg(short, long = "input", value_name = "COLUMN")]
    pub inputs: Vec<String>,
    /// `--check` reference column; repeat in the model's output order.
    #[arg(short, long = "target", value_name = "COLUMN")]
    pub targets: Vec<String>,
}

/// `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// ONNX protobuf.
    Onnx,
    /// PyTorch state dict in safetensors.
    Safetensors,
    /// Keras 3 `.keras` archive.
    Keras,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Onnx => Format::Onnx,
            FormatArg::Safetensors => Format::Safetensors,
            FormatArg::Keras => Format::Keras,
        }
    }
}

/// `--cell`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CellArg {
    /// `nn.RNN` / SimpleRNN.
    SimpleRnn,
    /// LSTM.
    Lstm,
    /// GRU.
    Gru,
}

/// `--rnn-activation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RnnActivationArg {
    /// Hyperbolic tangent (PyTorch's default).
    Tanh,
    /// Rectified linear unit.
    Relu,
}

/// `--scaler`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ScalerArg {
    /// Min-max to [0, 1].
    Minmax,
    /// Zero mean, unit variance.
    Standard,
}

/// `SHIFT:SCALE`, both finite, scale not 0.
fn parse_scale(s: &str) -> Result<FeatureScale, String> {
    let (shift, scale) = s
        .split_once(':')
        .ok_or_else(|| format!("{s:?} is not SHIFT:SCALE (e.g. 3.5:18.5)"))?;
    let num = |v: &str| {
        v.trim()
            .parse::<f32>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| format!("{v:?} is not a finite number"))
    };
    let (shift, scale) = (num(shift)?, num(scale)?);
    if scale == 0.0 {
        return Err("the scale may not be 0".into());
    }
    Ok(FeatureScale { shift, scale })
}

/// The `--check` result: one row per window.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckReport {
    /// The CSV.
    pub csv: PathBuf,
    /// File line of each window's last row.
    pub lines: Vec<u64>,
    /// The imported model's outputs per window, `[windows × O]` row-major.
    pub outputs: Vec<f64>,
    /// The reference per window, `[windows × O]` (empty without `--target`).
    pub references: Vec<f64>,
    /// Output size `O`.
    pub output_size: usize,
}

impl CheckReport {
    /// Largest |output - reference| over every window and output (`None`
    /// without references).
    pub fn max_abs_diff(&self) -> Option<f64> {
        (!self.references.is_empty()).then(|| {
            self.outputs
                .iter()
                .zip(&self.references)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max)
        })
    }

    fn render(&self) -> String {
        let o = self.output_size;
        let mut head = String::from("    line");
        for k in 0..o {
            head.push_str(&format!("{:>14}", format!("output[{k}]")));
            if !self.references.is_empty() {
                head.push_str(&format!(
                    "{:>14}{:>14}",
                    format!("reference[{k}]"),
                    "|diff|"
                ));
            }
        }
        let mut text = format!("Check on {}:\n{head}\n", self.csv.display());
        for (w, line) in self.lines.iter().enumerate().take(CHECK_ROWS_SHOWN) {
            text.push_str(&format!("{line:>8}"));
            for k in 0..o {
                let y = self.outputs[w * o + k];
                text.push_str(&table_cell(y));
                if let Some(r) = self.references.get(w * o + k) {
                    text.push_str(&table_cell(*r));
                    text.push_str(&table_cell((y - r).abs()));
                }
            }
            text.push('\n');
        }
        if self.lines.len() > CHECK_ROWS_SHOWN {
            text.push_str(&format!(
                "... {} more windows\n",
                self.lines.len() - CHECK_ROWS_SHOWN
            ));
        }
        match self.max_abs_diff() {
            Some(d) => text.push_str(&format!(
                "Max |output - reference| over {} window(s): {d:.3e}",
                self.lines.len()
            )),
            None => text.push_str(&format!(
                "{} window(s), no --target reference given",
                self.lines.len()
            )),
        }
        text
    }
}

/// What `rnn-train import` did.
#[derive(Clone, Debug)]
pub struct ImportReport {
    /// The model file read.
    pub model: PathBuf,
    /// The weight file written.
    pub output: PathBuf,
    /// Its size in bytes.
    pub bytes: usize,
    /// Notes from the import (states that are graph inputs, assumptions).
    pub notes: Vec<String>,
    /// The `inspect` summary of the written file.
    pub summary: String,
    /// The `--check` result.
    pub check: Option<CheckReport>,
}

impl ImportReport {
    /// The text the command prints.
    pub fn render(&self) -> String {
        let mut text = format!("Imported {}\n", self.model.display());
        for n in &self.notes {
            text.push_str(&format!("note: {n}\n"));
        }
        text.push_str(&format!(
            "Wrote {} ({} bytes)\n\n{}",
            self.output.display(),
            thousands(self.bytes),
            self.summary
        ));
        if let Some(c) = &self.check {
            text.push_str(&format!("\n\n{}", c.render()));
        }
        text
    }
}

fn option(option: &'static str, reason: impl Into<String>) -> ImportError {
    ImportError::Option {
        option,
        reason: reason.into(),
    }
}

/// The metadata the options ask for (`None` without `--window`).
fn metadata_of(
    args: &ImportArgs,
    inputs: usize,
    outputs: usize,
) -> Result<Option<Metadata>, ImportError> {
    let Some(window) = args.window else {
        for (given, name) in [
            (args.horizon.is_some(), "--horizon"),
            (args.scaler.is_some(), "--scaler"),
            (!args.input_scales.is_empty(), "--input-scale"),
            (!args.target_scales.is_empty(), "--target-scale"),
        ] {
            if given {
                return Err(option(
                    name,
                    "is saved in the weight file's metadata, which needs --window",
                ));
            }
        }
        return Ok(None);
    };
    if window == 0 {
        return Err(option("--window", "must be at least 1"));
    }
    // What `eval`, `predict` and `forecast` will accept (crate::steps): a
    // single output some steps ahead, or N outputs for steps 1..N.
    let horizon = args.horizon.unwrap_or(1);
    if horizon == 0 {
        return Err(option(
            "--horizon",
            "must be at least 1: the row after the window's last is 1",
        ));
    }
    if outputs > 1 && horizon != outputs {
        return Err(option(
            "--horizon",
            format!(
                "is {horizon}, but the model has {outputs} outputs: rnn-train reads a model of N > 1 outputs as a direct forecast of steps 1..N, so give --horizon {outputs}, or import without --window (no metadata)"
            ),
        ));
    }
    let identity = FeatureScale {
        shift: 0.0,
        scale: 1.0,
    };
    let scales = |given: &[FeatureScale], n: usize, name: &'static str, what: &str| {
        if given.is_empty() {
            Ok(vec![identity; n])
        } else if given.len() == n {
            Ok(given.to_vec())
        } else {
            Err(option(
                name,
                format!("{} given, the model has {n} {what}", given.len()),
            ))
        }
    };
    let inputs = scales(
        &args.input_scales,
        inputs,
        "--input-scale",
        "input features",
    )?;
    let targets = scales(&args.target_scales, outputs, "--target-scale", "outputs")?;
    let kind = match args.scaler.unwrap_or(ScalerArg::Minmax) {
        ScalerArg::Minmax => ScalerKind::MinMax,
        ScalerArg::Standard => ScalerKind::Standard,
    };
    Ok(Some(metadata(kind, &inputs, &targets, window, horizon)?))
}

fn refused(args: &ImportArgs, reason: String) -> ImportError {
    ImportError::Refused {
        path: args.model.clone(),
        at: "model".into(),
        reason,
    }
}

/// The encoded weight file.
fn encode(
    specs: &[LayerSpec],
    params: &[f32],
    meta: Option<&Metadata>,
    args: &ImportArgs,
) -> Result<Vec<u8>, ImportError> {
    let model_err = |e: rnn_core::Error| refused(args, format!("rnn-core cannot store it: {e}"));
    let len = rnn_core::format::encoded_len(specs, meta).map_err(model_err)?;
    let mut blob = vec![0u8; len];
    let n = rnn_core::format::encode_raw(specs, meta, params, &mut blob).map_err(model_err)?;
    blob.truncate(n);
    Ok(blob)
}

/// Runs the model of `blob` over the `--check` CSV.
fn check(
    args: &ImportArgs,
    csv: &Path,
    network: &crate::nn::Network,
) -> Result<CheckReport, ImportError> {
    let bad = |reason: String| ImportError::Check {
        path: csv.to_path_buf(),
        reason,
    };
    let arch = network.architecture();
    if args.inputs.len() != arch.input_size {
        return Err(bad(format!(
            "{} --input column(s) given, the model takes {} input feature(s)",
            args.inputs.len(),
            arch.input_size
        )));
    }
    let o = network.output_size();
    if !args.targets.is_empty() && args.targets.len() != o {
        return Err(bad(format!(
            "{} --target column(s) given, the model has {o} output(s)",
            args.targets.len()
        )));
    }
    let wanted: Vec<&str> = args
        .inputs
        .iter()
        .chain(&args.targets)
        .map(String::as_str)
        .collect();
    let table = read_columns(csv, &wanted)?;
    let col = |n: &String| table.column(n).map(<[f64]>::to_vec).unwrap_or_default();
    let inputs: Vec<Vec<f64>> = args.inputs.iter().map(col).collect();
    let targets: Vec<Vec<f64>> = args.targets.iter().map(col).collect();
    let rows = table.rows();
    let window = args.window.unwrap_or(rows);
    if window > rows {
        return Err(bad(format!(
            "the window of {window} rows is longer than the {rows} data rows"
        )));
    }
    let starts = 0..=rows - window;
    let mut x = Vec::new();
    for start in starts.clone() {
        x.extend(input_window(&inputs, start, window));
    }
    let outputs = network
        .predict_batch(&x, window)
        .map_err(|e| bad(e.to_string()))?;
    let last = |start: usize| start + window - 1;
    Ok(CheckReport {
        csv: csv.to_path_buf(),
        lines: starts.clone().map(|s| table.lines[last(s)]).collect(),
        outputs,
        references: starts
            .flat_map(|s| targets.iter().map(move |t| t[last(s)]))
            .collect(),
        output_size: o,
    })
}

/// Imports `args.model` and writes `args.output`.
///
/// # Errors
/// [`ImportError::Option`] for options that do not fit (the output is the
/// model file, metadata options without `--window`, scale counts, check
/// columns without `--check`); those of [`read_model`]; [`ImportError::Refused`]
/// when the layers do not chain, a weight is not finite, or rnn-train's
/// run-time path cannot run the architecture; [`ImportError::Check`] for
/// an unusable `--check` CSV; [`ImportError::Train`] when the CSV cannot be
/// read or the file cannot be written. Nothing is written on any error.
pub fn run(args: &ImportArgs) -> Result<ImportReport, ImportError> {
    if super::same_file(&args.model, &args.output) {
        return Err(option("--output", "is the model file itself"));
    }
    if args.check.is_none() && !(args.inputs.is_empty() && args.targets.is_empty()) {
        return Err(option(
            "--input/--target",
            "name --check columns; give --check INPUT.csv",
        ));
    }
    let read = ReadOptions {
        format: args.format.map(Format::from),
        cell: args.cell.map(|c| match c {
            CellArg::SimpleRnn => CellChoice::SimpleRnn,
            CellArg::Lstm => CellChoice::Lstm,
            CellArg::Gru => CellChoice::Gru,
        }),
        rnn_activation: args.rnn_activation.map(|a| match a {
            RnnActivationArg::Tanh => Activation::Tanh,
            RnnActivationArg::Relu => Activation::Relu,
        }),
    };
    let model = read_model(&args.model, &read)?;
    let inputs = model.recurrent.first().map_or(0, |r| r.input_size);
    let outputs = match (model.dense.last(), model.recurrent.last()) {
        (Some(d), _) => d.output_size,
        (None, Some(r)) => r.hidden_size,
        _ => 0,
    };
    let meta = metadata_of(args, inputs, outputs)?;
    let (specs, params) = model.to_file().map_err(|reason| refused(args, reason))?;
    crate::import::architecture(&specs).map_err(|reason| {
        refused(
            args,
            format!("rnn-train's run-time path (--check, eval, predict, inspect) cannot run it: {reason}"),
        )
    })?;
    let blob = encode(&specs, &params, meta.as_ref(), args)?;
    let loaded = crate::import::from_blob(&args.output, &blob)?;
    let check = args
        .check
        .as_deref()
        .map(|csv| check(args, csv, &loaded.network))
        .transpose()?;
    write_atomic(&args.output, &blob)?;
    let summary = inspect::run(&args.output)?;
    Ok(ImportReport {
        model: args.model.clone(),
        output: args.output.clone(),
        bytes: blob.len(),
        notes: model.notes,
        summary,
        check,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_parse_and_refuse_zero() {
        assert_eq!(
            parse_scale("3.5:18.5"),
            Ok(FeatureScale {
                shift: 3.5,
                scale: 18.5
            })
        );
        assert!(parse_scale("1:0").unwrap_err().contains("may not be 0"));
        assert!(parse_scale("1").unwrap_err().contains("SHIFT:SCALE"));
        assert!(parse_scale("x:1").unwrap_err().contains("\"x\""));
    }
}
