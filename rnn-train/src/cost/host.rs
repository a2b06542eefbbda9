//! The host's time per step: `firmware-model`'s `step-cost` binary, built
//! with the model's compile-time types (the code generation the firmware
//! uses) and rnn-core's run-time kernel detection, times the streaming
//! step on this machine with criterion (`firmware_model::timing`, the code
//! the benches' `quant_step` bench runs).

use std::path::Path;

use serde::Serialize;

use super::cargo::{field, run_report};
use super::ModelKind;
use crate::error::{Result, TrainError};

/// Nanoseconds per call of the step, criterion's estimates (warm-up 1 s,
/// measurement 2 s, as the benches' README runs them).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Timing {
    /// Streams stepped per call (1, or batched with `Layer::step_streams`).
    pub streams: usize,
    /// Median ns per call (all streams).
    pub median_ns: f64,
    /// Lower bound of the median's 95 % confidence interval.
    pub low_ns: f64,
    /// Upper bound of the median's 95 % confidence interval.
    pub high_ns: f64,
    /// Median absolute deviation of the samples, ns.
    pub mad_ns: f64,
}

/// What one step costs on this machine.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HostCost {
    /// The CPU (`model name` of `/proc/cpuinfo`, else the architecture).
    pub cpu: String,
    /// The kernel rnn-core chose at run time (`scalar`, `avx2`, `avx512`,
    /// `neon`; `integer` for a quantized model).
    pub kernel: String,
    /// One stream, then (float models) the batched streams.
    pub timings: Vec<Timing>,
}

/// Builds and runs `step-cost` for the model at `model` (absolute path).
///
/// # Errors
/// [`TrainError::CostBuild`] when the build or the run fails, or the run
/// prints no timing.
pub fn measure(workspace: &Path, model: &Path, kind: ModelKind) -> Result<HostCost> {
    let mut args = vec![
        "-p",
        "firmware-model",
        "--features",
        "host",
        "--bin",
        "step-cost",
    ];
    if kind == ModelKind::Quantized {
        args.extend(["--", "quantized"]);
    }
    let out = run_report(workspace, (kind.env_var(), model), &args)?;
    let kernel = out
        .lines()
        .find_map(|l| field(l, "kernel"))
        .unwrap_or("unknown")
        .to_string();
    let timings: Vec<Timing> = out.lines().filter_map(timing).collect();
    if timings.is_empty() {
        return Err(TrainError::CostBuild {
            what: "step-cost".into(),
            reason: format!("printed no timing:\n{out}"),
        });
    }
    Ok(HostCost {
        cpu: cpu_model(),
        kernel,
        timings,
    })
}

fn timing(line: &str) -> Option<Timing> {
    let number = |key| field(line, key)?.parse::<f64>().ok();
    Some(Timing {
        streams: field(line, "streams")?.parse().ok()?,
        median_ns: number("median_ns")?,
        low_ns: number("low_ns")?,
        high_ns: number("high_ns")?,
        mad_ns: number("mad_ns")?,
    })
}

/// The CPU's model name (Linux `/proc/cpuinfo`), else the architecture.
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
                .map(|(_, name)| name.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line format `step-cost` prints (firmware-example/model/src/bin/step_cost.rs).
    #[test]
    fn reads_step_cost_lines() {
        let line = "streams=16 median_ns=1941.7 low_ns=1912.1 high_ns=1956.9 mad_ns=12.5";
        assert_eq!(
            timing(line),
            Some(Timing {
                streams: 16,
                median_ns: 1941.7,
                low_ns: 1912.1,
                high_ns: 1956.9,
                mad_ns: 12.5,
            })
        );
        assert_eq!(timing("kernel=avx2"), None);
        assert_eq!(
            timing("streams=1 median_ns=x low_ns=1 high_ns=1 mad_ns=1"),
            None
        );
        // criterion's own report lines are not timings.
        assert_eq!(
            timing("cost/float_1  time:   [115.82 ns 117.48 ns 119.06 ns]"),
            None
        );
    }
}
