//! Running the built `rnn-train` binary, as a user does.

use std::path::Path;
use std::process::Command;

/// Runs the binary in `cwd` with `args`; returns (success, stdout,
/// stderr). Fails the test if it panicked: bad input must get a message.
pub(crate) fn run_binary(cwd: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rnn-train"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run rnn-train");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "rnn-train panicked: {stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.success(), stdout, stderr)
}
