//! What building and running a Cortex-M target needs: the rustup target
//! and `qemu-system-arm`. Checked before anything is built; installed
//! with `--install`.

use std::path::Path;
use std::process::Command;

use super::cores::Core;
use crate::error::{Result, TrainError};

/// The command that installs QEMU's Arm system emulator (Debian, Ubuntu;
/// as root).
const QEMU_INSTALL: &str = "apt-get update && apt-get install -y qemu-system-arm";

/// Checks that `core` can be built (its rustup target is installed for the
/// workspace's toolchain) and run (`qemu-system-arm` is on the `PATH`);
/// with `install`, installs what is missing first.
///
/// # Errors
/// [`TrainError::CostToolMissing`] naming the missing tool and the exact
/// command that installs it (also when `install` was asked and the
/// install failed).
pub fn ensure(workspace: &Path, core: Core, install: bool) -> Result<()> {
    let target = core.rust_target();
    let rustup = format!("rustup target add {target}");
    if !target_installed(workspace, target) {
        if install {
            eprintln!("installing: {rustup}");
            run_shell(workspace, &rustup);
        }
        if !target_installed(workspace, target) {
            return Err(missing(
                core,
                &format!("the rustup target {target}"),
                &rustup,
            ));
        }
    }
    if !qemu_installed() {
        if install {
            eprintln!("installing: {QEMU_INSTALL}");
            run_shell(workspace, QEMU_INSTALL);
        }
        if !qemu_installed() {
            return Err(missing(core, "qemu-system-arm", QEMU_INSTALL));
        }
    }
    Ok(())
}

fn missing(core: Core, tool: &str, install: &str) -> TrainError {
    TrainError::CostToolMissing {
        target: core.option_name().to_string(),
        tool: tool.to_string(),
        install: install.to_string(),
    }
}

/// Whether `rustup target list --installed`, run in the workspace (so for
/// its `rust-toolchain.toml`), lists `target`.
fn target_installed(workspace: &Path, target: &str) -> bool {
    Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(workspace)
        .output()
        .is_ok_and(|o| {
            o.status.success()
                && String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .any(|l| l == target)
        })
}

fn qemu_installed() -> bool {
    Command::new("qemu-system-arm")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs an install command; its failure shows as the tool still missing.
fn run_shell(workspace: &Path, command: &str) {
    let _ = Command::new("sh")
        .args(["-c", command])
        .current_dir(workspace)
        .status();
}
