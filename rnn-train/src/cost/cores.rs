//! The deployment template (`firmware-example`'s `firmware-deploy`, or
//! `firmware-deploy-quantized` for a quantized model) built with the
//! user's model for one Cortex-M core and run in QEMU: the same builds and
//! the same report as `scripts/firmware-test.sh`.
//!
//! The product build (no `report` feature) is sized from its ELF; the test
//! build (`--features report`) runs under `qemu-system-arm -icount shift=0`
//! (`scripts/firmware-qemu-run.sh`), forecasts the bundled sea-temperature
//! excerpt, compares each forecast with the host's bit for bit and prints
//! the instructions per step (SysTick under `-icount`) and the painted
//! stack peak.

use std::path::Path;

use serde::Serialize;

use super::cargo::{build, run_report};
use super::elf;
use super::ModelKind;
use crate::error::{Result, TrainError};

/// A Cortex-M core the template runs on in QEMU (in JSON: `m0`, `m4f`,
/// `m7`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Core {
    /// Cortex-M0 (no FPU, no DSP), QEMU `microbit`.
    M0,
    /// Cortex-M4F (FPU, DSP), QEMU `mps2-an386`.
    M4f,
    /// Cortex-M7 (FPU, DSP), QEMU `mps2-an500`.
    M7,
}

impl Core {
    /// Every core, in the order reports list them.
    pub const ALL: [Core; 3] = [Core::M0, Core::M4f, Core::M7];

    /// The name `--target` takes.
    pub fn option_name(self) -> &'static str {
        match self {
            Core::M0 => "m0",
            Core::M4f => "m4f",
            Core::M7 => "m7",
        }
    }

    /// The core's name.
    pub fn name(self) -> &'static str {
        match self {
            Core::M0 => "Cortex-M0",
            Core::M4f => "Cortex-M4F",
            Core::M7 => "Cortex-M7",
        }
    }

    /// The Rust target it is built for.
    pub fn rust_target(self) -> &'static str {
        match self {
            Core::M0 => "thumbv6m-none-eabi",
            Core::M4f | Core::M7 => "thumbv7em-none-eabihf",
        }
    }

    /// The QEMU machine it runs on.
    pub fn machine(self) -> &'static str {
        match self {
            Core::M0 => "microbit",
            Core::M4f => "mps2-an386",
            Core::M7 => "mps2-an500",
        }
    }

    /// firmware-example's board feature, if the core needs one.
    fn board_feature(self) -> Option<&'static str> {
        (self == Core::M7).then_some("mps2-an500")
    }
}

/// What one step of the template costs on a core.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CoreCost {
    /// The core.
    pub core: Core,
    /// Its Rust target.
    pub target: String,
    /// The QEMU machine.
    pub machine: String,
    /// The template binary.
    pub binary: String,
    /// Flash of the product build: vector table + text + rodata + data, bytes.
    pub flash_bytes: u64,
    /// Code (`.text`), bytes.
    pub text_bytes: u64,
    /// Constants (`.rodata`), bytes.
    pub rodata_bytes: u64,
    /// The model's weights in flash (its `static`), bytes.
    pub model_bytes: u64,
    /// Static RAM of the product build: data + bss, bytes.
    pub data_bss_bytes: u64,
    /// Painted stack peak of the test build, bytes.
    pub stack_peak_bytes: u64,
    /// Instructions per step: one forecast's instructions / its window.
    pub instructions_per_step: u64,
    /// Instructions per forecast (a window of steps, scaling included), mean.
    pub instructions_per_forecast: u64,
    /// Forecasts the test build compared with the host's.
    pub forecasts: u64,
    /// How many were bit-identical.
    pub bit_identical: u64,
}

impl CoreCost {
    /// RAM the firmware needs: data + bss + the stack peak.
    pub fn ram_bytes(&self) -> u64 {
        self.data_bss_bytes + self.stack_peak_bytes
    }
}

/// Builds and runs the template for `core` with the model at `model`
/// (absolute path).
///
/// # Errors
/// [`TrainError::CostBuild`] when a build or the QEMU run fails, its ELF
/// cannot be sized, or its report is incomplete or says FAIL (a forecast
/// that differs from the host's).
pub fn measure(workspace: &Path, model: &Path, kind: ModelKind, core: Core) -> Result<CoreCost> {
    let dir = workspace.join("firmware-example");
    let binary = match kind {
        ModelKind::Float => "firmware-deploy",
        ModelKind::Quantized => "firmware-deploy-quantized",
    };
    let env = (kind.env_var(), model);
    let mut args = vec!["--bin", binary, "--target", core.rust_target()];
    let product_features = core.board_feature();
    if let Some(f) = product_features {
        args.extend(["--features", f]);
    }
    let elf = build(&dir, env, &args)?;
    let sizes = elf::sizes(&elf, kind.model_symbol())?;

    let report_features = match product_features {
        Some(f) => format!("report,{f}"),
        None => "report".to_string(),
    };
    let args = [
        "--bin",
        binary,
        "--target",
        core.rust_target(),
        "--features",
        &report_features,
    ];
    let out = run_report(&dir, env, &args)?;
    let bad = |reason: &str| TrainError::CostBuild {
        what: format!("{binary} on {} in QEMU", core.name()),
        reason: format!("{reason}; it printed:\n{out}"),
    };
    if !out.lines().any(|l| l == "result: PASS") {
        return Err(bad("the test build did not report PASS"));
    }
    if !out
        .lines()
        .any(|l| l.starts_with("SysTick check:") && l.contains("ticks count instructions"))
    {
        return Err(bad(
            "SysTick did not count instructions (QEMU without -icount?)",
        ));
    }
    let after = |prefix: &str| out.lines().find_map(|l| l.strip_prefix(prefix));
    let number = |text: Option<&str>, nth: usize| -> Option<u64> {
        text?
            .split(|c: char| !c.is_ascii_digit())
            .filter(|w| !w.is_empty())
            .nth(nth)?
            .parse()
            .ok()
    };
    let parity = after("parity: ");
    let per_forecast = after("instructions per forecast: ");
    let per_step = after("instructions per step").and_then(|l| l.rsplit_once("mean "));
    Ok(CoreCost {
        core,
        target: core.rust_target().to_string(),
        machine: core.machine().to_string(),
        binary: binary.to_string(),
        flash_bytes: sizes.flash(),
        text_bytes: sizes.text,
        rodata_bytes: sizes.rodata,
        model_bytes: sizes.model,
        data_bss_bytes: sizes.ram(),
        stack_peak_bytes: number(after("stack: peak "), 0).ok_or_else(|| bad("no stack peak"))?,
        instructions_per_step: number(per_step.map(|(_, m)| m), 0)
            .ok_or_else(|| bad("no instructions per step"))?,
        instructions_per_forecast: number(per_forecast, 2)
            .ok_or_else(|| bad("no instructions per forecast"))?,
        forecasts: number(parity, 0).ok_or_else(|| bad("no parity line"))?,
        bit_identical: number(parity, 1).ok_or_else(|| bad("no parity line"))?,
    })
}
