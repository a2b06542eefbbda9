//! `rnn-train cost`: runs [`crate::cost::run`] and renders its report as
//! Markdown tables (the README's cost table is this output), with an
//! optional check against a part's flash and RAM, and writes it as JSON.

use std::path::PathBuf;
use std::str::FromStr;

use serde::Serialize;

use crate::cost::{CoreCost, CostReport, Targets};
use crate::error::Result;
use crate::report::thousands;

/// Bytes of a part's memory, from `64K`, `1M`, `512` (K and M are
/// 1024-based, as datasheets use them; `KiB`, `KB`, `MiB`, `MB` are read
/// the same).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bytes(pub u64);

impl FromStr for Bytes {
    type Err = String;

    /// # Errors
    /// Not a whole number of bytes, K or M; or 0.
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().to_ascii_uppercase();
        let t = t
            .strip_suffix('B')
            .map_or(t.as_str(), |t| t.strip_suffix('I').unwrap_or(t));
        let (digits, unit) = match t.strip_suffix('K') {
            Some(d) => (d, 1024),
            None => match t.strip_suffix('M') {
                Some(d) => (d, 1024 * 1024),
                None => (t, 1),
            },
        };
        digits
            .trim()
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(unit))
            .filter(|&n| n > 0)
            .map(Bytes)
            .ok_or_else(|| {
                format!("{s:?} is not a size: give a positive number of bytes, or K or M (1024-based): 64K")
            })
    }
}

/// What `cost` is asked to do.
#[derive(Clone, Debug)]
pub struct CostOptions {
    /// The weight file (float or quantized).
    pub model: PathBuf,
    /// Where to measure.
    pub targets: Targets,
    /// Write the report as JSON here too (never the model).
    pub json: Option<PathBuf>,
    /// A part's flash, to say whether the template fits.
    pub flash: Option<Bytes>,
    /// A part's RAM.
    pub ram: Option<Bytes>,
    /// Install a missing rustup target or QEMU.
    pub install: bool,
}

/// Runs the command; returns the report and its text.
///
/// # Errors
/// [`crate::error::TrainError::OutputIsInput`] when `--json` names the model (checked
/// first); those of [`crate::cost::run`]; [`crate::error::TrainError::File`] when the
/// JSON cannot be written.
pub fn run(opts: &CostOptions) -> Result<(CostReport, String)> {
    if let Some(json) = &opts.json {
        super::refuse_overwriting_model(&opts.model, json)?;
    }
    let report = crate::cost::run(&opts.model, &opts.targets, opts.install)?;
    if let Some(json) = &opts.json {
        // A verdict per core only when a part's limits were given.
        let limits = opts.flash.is_some() || opts.ram.is_some();
        let fits = if limits {
            let verdict = |c: &CoreCost| CoreFit {
                core: c.core,
                fits: fits(c, opts.flash, opts.ram).0,
            };
            report.cores.iter().map(verdict).collect()
        } else {
            Vec::new()
        };
        let document = JsonReport {
            report: &report,
            flash_limit_bytes: opts.flash.map(|b| b.0),
            ram_limit_bytes: opts.ram.map(|b| b.0),
            fits,
        };
        // Plain numbers and strings: encoding cannot fail.
        let text = serde_json::to_string_pretty(&document).unwrap_or_default();
        // Atomic: a hard link to the model keeps the model's data.
        crate::export::write_atomic(json, (text + "\n").as_bytes())?;
    }
    let text = render(&report, opts.flash, opts.ram);
    Ok((report, text))
}

/// What `--json` writes: the report, the part's limits and the verdicts.
#[derive(Serialize)]
struct JsonReport<'a> {
    #[serde(flatten)]
    report: &'a CostReport,
    flash_limit_bytes: Option<u64>,
    ram_limit_bytes: Option<u64>,
    fits: Vec<CoreFit>,
}

/// Whether one core's template fits the part.
#[derive(Serialize)]
struct CoreFit {
    core: crate::cost::Core,
    fits: bool,
}

/// The report as Markdown tables.
pub fn render(report: &CostReport, flash: Option<Bytes>, ram: Option<Bytes>) -> String {
    let mut t = format!(
        "Model: {} ({})\n\n",
        report.model.display(),
        report.kind.describe()
    );
    t += &format!(
        "| layer | parameters | weight bytes ({}) | state bytes | multiply-adds per step | sigmoid, tanh, exp per step |\n",
        match report.kind {
            crate::cost::ModelKind::Float => "rnn-core's struct",
            crate::cost::ModelKind::Quantized => "parameters in the file",
        }
    );
    t += "| --- | ---: | ---: | ---: | ---: | ---: |\n";
    for l in report.layers.iter().chain([&report.total]) {
        t += &format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            l.layer,
            thousands(l.params),
            thousands(l.weight_bytes),
            thousands(l.state_bytes),
            thousands(l.multiply_adds),
            thousands(l.activations)
        );
    }
    if let Some(host) = &report.host {
        t += &format!(
            "\nHost: {}, kernel {} ({}), ns per step (criterion: median, its 95 % interval, median absolute deviation):\n\n",
            host.cpu,
            host.kernel,
            if host.kernel == "integer" {
                "rnn-core's portable integer kernel"
            } else {
                "rnn-core's run-time choice"
            }
        );
        t += "| streams | median | 95 % interval | MAD | median per stream |\n";
        t += "| ---: | ---: | ---: | ---: | ---: |\n";
        for s in &host.timings {
            let batched = if s.streams > 1 { " (batched)" } else { "" };
            t += &format!(
                "| {}{batched} | {:.1} | {:.1}–{:.1} | {:.1} | {:.1} |\n",
                s.streams,
                s.median_ns,
                s.low_ns,
                s.high_ns,
                s.mad_ns,
                s.median_ns / s.streams as f64,
            );
        }
    }
    if let Some(first) = report.cores.first() {
        t += &format!(
            "\nCortex-M: the deployment template ({}) with this model, in QEMU (-icount shift=0); \
             sizes of the product build, stack of the test build, bytes:\n\n",
            first.binary
        );
        t += "| core (QEMU machine) | instructions per step | instructions per forecast | flash | code (.text) | model weights | data + bss | stack peak | forecasts bit-identical to the host |\n";
        t += "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
        for c in &report.cores {
            t += &format!(
                "| {} (`{}`) | {} | {} | {} | {} | {} | {} | {} | {} of {} |\n",
                c.core.name(),
                c.machine,
                thousands(c.instructions_per_step as usize),
                thousands(c.instructions_per_forecast as usize),
                thousands(c.flash_bytes as usize),
                thousands(c.text_bytes as usize),
                thousands(c.model_bytes as usize),
                thousands(c.data_bss_bytes as usize),
                thousands(c.stack_peak_bytes as usize),
                c.bit_identical,
                c.forecasts
            );
        }
        if flash.is_some() || ram.is_some() {
            t += "\n";
            for c in &report.cores {
                t += &fits(c, flash, ram).1;
            }
        }
    } else if flash.is_some() || ram.is_some() {
        t += "\n--flash / --ram: no Cortex-M target was measured, nothing to compare.\n";
    }
    if let Some(reason) = &report.host_skipped {
        t += &format!("\nHost not measured: {reason}.\n");
    }
    if let Some(reason) = &report.cores_skipped {
        t += &format!("\nCortex-M targets not measured: the deployment template cannot run this model: {reason}.\n");
    }
    t
}

/// Whether core `c`'s template fits a part's flash and RAM (RAM: data +
/// bss + the stack peak), and the line that says so.
fn fits(c: &CoreCost, flash: Option<Bytes>, ram: Option<Bytes>) -> (bool, String) {
    let mut parts = Vec::new();
    let mut ok = true;
    if let Some(Bytes(f)) = flash {
        ok &= c.flash_bytes <= f;
        parts.push(format!(
            "flash {} of {} B",
            thousands(c.flash_bytes as usize),
            thousands(f as usize)
        ));
    }
    if let Some(Bytes(r)) = ram {
        ok &= c.ram_bytes() <= r;
        parts.push(format!(
            "RAM {} of {} B (data + bss + stack peak)",
            thousands(c.ram_bytes() as usize),
            thousands(r as usize)
        ));
    }
    let line = format!(
        "- {}: {} ({})\n",
        c.core.name(),
        if ok { "fits" } else { "does NOT fit" },
        parts.join(", ")
    );
    (ok, line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_like_datasheets() {
        for (text, bytes) in [
            ("64K", 65_536),
            ("64k", 65_536),
            ("64KiB", 65_536),
            ("64KB", 65_536),
            ("1M", 1_048_576),
            ("512", 512),
        ] {
            assert_eq!(text.parse::<Bytes>(), Ok(Bytes(bytes)), "{text}");
        }
        for bad in [
            "",
            "K",
            "0",
            "0K",
            "-1K",
            "1.5K",
            "64G",
            "99999999999999999999M",
        ] {
            assert!(bad.parse::<Bytes>().is_err(), "{bad}");
        }
    }
}
