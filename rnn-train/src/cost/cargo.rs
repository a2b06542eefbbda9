//! Runs `cargo` for the measurements: the build of a binary (its ELF path
//! from cargo's JSON messages) and a run that prints a report.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::error::{Result, TrainError};

/// The `cargo` to run: the one that runs this program (`CARGO`), else the
/// one on the `PATH`. Without an inherited clippy-driver wrapper
/// (`RUSTC_WORKSPACE_WRAPPER`, as `scripts/test-all.sh` sets for its
/// linted test build): clippy-driver turns MIR optimisations off, and the
/// figures must be those of the plain builds users get.
fn cargo() -> Command {
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CLIPPY_ARGS");
    cargo
}

/// The command line, for messages.
fn describe(dir: &Path, env: (&str, &Path), args: &[&str]) -> String {
    format!(
        "(cd {} && {}={} cargo {})",
        dir.display(),
        env.0,
        env.1.display(),
        args.join(" ")
    )
}

fn run(dir: &Path, env: (&str, &Path), args: &[&str]) -> Result<Output> {
    let output = cargo()
        .args(args)
        .current_dir(dir)
        .env(env.0, env.1)
        .output()
        .map_err(|e| TrainError::CostBuild {
            what: describe(dir, env, args),
            reason: format!("cannot run cargo: {e}"),
        })?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(TrainError::CostBuild {
            what: describe(dir, env, args),
            reason: format!("{}\n{}", output.status, tail(&output.stderr)),
        })
    }
}

/// The last lines of a command's error output.
fn tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// `cargo build --release ARGS` in `dir` with the environment variable
/// `env`; returns the path of the executable it built (the one binary
/// `args` select).
///
/// # Errors
/// [`TrainError::CostBuild`] with cargo's error output when the build
/// fails or names no executable.
pub fn build(dir: &Path, env: (&str, &Path), args: &[&str]) -> Result<PathBuf> {
    let mut all = vec![
        "build",
        "--release",
        "--message-format=json-render-diagnostics",
    ];
    all.extend_from_slice(args);
    let output = run(dir, env, &all)?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|m| m.get("executable")?.as_str().map(PathBuf::from))
        .next_back()
        .ok_or_else(|| TrainError::CostBuild {
            what: describe(dir, env, &all),
            reason: "cargo reported no executable".into(),
        })
}

/// `cargo run -q --release ARGS` in `dir` with the environment variable
/// `env`; returns what the program printed.
///
/// # Errors
/// [`TrainError::CostBuild`] when the build or the program fails.
pub fn run_report(dir: &Path, env: (&str, &Path), args: &[&str]) -> Result<String> {
    let mut all = vec!["run", "-q", "--release"];
    all.extend_from_slice(args);
    let output = run(dir, env, &all)?;
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// `key=value` → value, from a line of `key=value` words.
pub fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
}
