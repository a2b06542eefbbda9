#!/usr/bin/env bash
# The one test command (README "Set-up", command 2; CI's .ci/run calls it).
# Installs what a fresh machine lacks, then runs every check and test.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

step "toolchain targets and components"
rustup target add thumbv6m-none-eabi thumbv7em-none-eabihf
rustup component add rustfmt clippy

step "format and lints"
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
cargo clippy -p rnn-core --all-targets --features std -- -D warnings

step "rnn-core on the microcontroller targets (no_std, no alloc)"
cargo build -p rnn-core --target thumbv6m-none-eabi
cargo build -p rnn-core --target thumbv7em-none-eabihf

step "workspace tests (rnn-core: compile-time kernel choice, fast activations)"
cargo test --workspace --exclude firmware-example

step "rnn-core with run-time SIMD detection (std), and the golden cases on every path"
cargo test -p rnn-core --features std
cargo test -p rnn-core --features force-scalar --test golden_keras --test golden_onnx
cargo test -p rnn-core --features exact-activations --test golden_keras --test golden_onnx
cargo test -p rnn-core --features force-scalar,exact-activations --test golden_keras --test golden_onnx

step "rnn-core on AArch64 (NEON) under qemu-aarch64"
bash scripts/aarch64-test.sh

step "benchmarks compile"
cargo bench -p benches --no-run

step "firmware on Cortex-M0, M4F and M7 in QEMU (parity with the host)"
bash scripts/firmware-test.sh
