//! The host's time per step: `firmware-model`'s `step-cost` binary, built
//! with the model's compile-time types (the code generation the firmware
//! uses) and rnn-core's run-time kernel detection, times the streaming
//! step on this machine.

use std::path::Path;

use serde::Serialize;

use super::cargo::{field, run_report};
use super::ModelKind;
use crate::error::{Result, TrainError};

/// Nanoseconds per step over repeated timings.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Timing {
    /// Streams stepped per call (1, or batched with `Layer::step_streams`).
    pub streams: usize,
    /// Steps timed per repetition.
    pub steps: usize,
    /// Repetitions.
    pub repetitions: usize,
    /// Median over the repetitions of ns per call (all streams).
    pub median_ns: f64,
    /// Fastest repetition, ns per call.
    pub min_ns: f64,
    /// Slowest repetition, ns per call.
    pub max_ns: f64,
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
    let count = |key| field(line, key)?.parse::<usize>().ok();
    Some(Timing {
        streams: count("streams")?,
        steps: count("steps")?,
        repetitions: count("repetitions")?,
        median_ns: number("median_ns")?,
        min_ns: number("min_ns")?,
        max_ns: number("max_ns")?,
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
        let line =
            "streams=16 steps=2048 repetitions=31 median_ns=1941.7 min_ns=1912.1 max_ns=2356.9";
        assert_eq!(
            timing(line),
            Some(Timing {
                streams: 16,
                steps: 2048,
                repetitions: 31,
                median_ns: 1941.7,
                min_ns: 1912.1,
                max_ns: 2356.9,
            })
        );
        assert_eq!(timing("kernel=avx2"), None);
        assert_eq!(
            timing("streams=1 steps=x repetitions=31 median_ns=1 min_ns=1 max_ns=1"),
            None
        );
    }
}
