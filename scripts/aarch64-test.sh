#!/usr/bin/env bash
# Runs rnn-core's ISA-dependent tests on AArch64 (the NEON kernel) under
# QEMU user-mode emulation: cross-compiles for aarch64-unknown-linux-gnu in
# the `emulated` profile (optimised, quick to build) and runs each test
# binary with qemu-aarch64. Installs what a fresh machine lacks: Debian's
# qemu-user and gcc-aarch64-linux-gnu (for the linker and the C runtime),
# and the Rust target.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
if ((${#need[@]})); then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}"
fi
rustup target add aarch64-unknown-linux-gnu

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"
# `std` for run-time NEON detection (NEON is also on by default on this
# target). Only the binaries whose results depend on the ISA: the kernel
# unit tests (every size on NEON and scalar, the NEON activation sweep),
# the const-sized layers, the golden cases on every kernel, and the
# subnormal flush. The scalar activation sweeps are the same
# IEEE arithmetic as on x86-64, where they run, and are skipped here; the
# NEON sweep samples every 1009th bit pattern instead of every 257th.
RNN_CORE_SAMPLE_STRIDE=1009 cargo test -p rnn-core --profile emulated \
    --target aarch64-unknown-linux-gnu --features std \
    --lib --test kernels -- \
    --skip scalar_sigmoid_within --skip scalar_tanh_within
