#!/usr/bin/env bash
# The one test command (README "Set-up", command 2; CI's .ci/run calls it).
# Installs what a fresh machine lacks (one apt step, started first and run
# in the background while the host stages build), then runs every check and
# test, printing each stage's time. Stages and what each covers:
#   format    rustfmt
#   host      every workspace target (libraries, binaries, tests, benches,
#             built in the test profile) compiled through clippy-driver with
#             -D warnings, so one build both lints and tests: the workspace
#             tests (rnn-core with `std`: run-time detection, every kernel
#             this CPU has, the golden cases on each; the benches run once
#             each as tests), the doc tests, the no-std host configuration
#             of rnn-core (`-p rnn-core` alone: no `std`), and the libm
#             activations (`exact-activations`)
#   aarch64   the ISA-dependent rnn-core tests on NEON under qemu-aarch64
#   firmware  the float and integer firmware on Cortex-M0, M4F and M7 in
#             QEMU, host parity, soft-float symbol check, size table
#   cost      `rnn-train cost`'s Cortex-M figures against the firmware's
#   fuzz      a short coverage-guided fuzz run of the weight loader (in the
#             background from the start; the last stage waits for it)
set -euo pipefail
cd "$(dirname "$0")/.."
# A cold build gains nothing from incremental compilation data.
export CARGO_INCREMENTAL=0

stage_start=$SECONDS
stage_name=""
timings=()
stage() {
    if [ -n "$stage_name" ]; then
        timings+=("$(printf '%5d s  %s' $((SECONDS - stage_start)) "$stage_name")")
        printf '=== %s: %d s\n' "$stage_name" $((SECONDS - stage_start))
    fi
    stage_name=$1
    stage_start=$SECONDS
    [ -z "$stage_name" ] || printf '\n=== %s\n' "$stage_name"
}

stage "install (Debian packages in the background, rustup targets and components)"
packages=()
command -v qemu-system-arm > /dev/null || packages+=(qemu-system-arm)
command -v qemu-aarch64 > /dev/null || packages+=(qemu-user)
command -v aarch64-linux-gnu-gcc > /dev/null || packages+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
apt_log=$(mktemp)
apt_pid=""
if ((${#packages[@]})); then
    echo "apt-get install ${packages[*]} (log: $apt_log)"
    (
        apt-get update -q &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${packages[@]}"
    ) > "$apt_log" 2>&1 &
    apt_pid=$!
fi
wait_for_apt() {
    if [ -n "$apt_pid" ]; then
        if ! wait "$apt_pid"; then
            cat "$apt_log" >&2
            echo "apt-get install ${packages[*]} failed" >&2
            exit 1
        fi
        apt_pid=""
    fi
}
# rust-toolchain.toml names the toolchain, its components and targets.
rustup show active-toolchain
rustup component add rustfmt clippy llvm-tools
rustup target add thumbv6m-none-eabi thumbv7em-none-eabihf aarch64-unknown-linux-gnu

stage "format"
cargo fmt --all -- --check

# The fuzz smoke run needs no Debian package, and libFuzzer runs on one
# core: it runs in the background beside the host, aarch64 and firmware
# stages, and its log is printed (and its status checked) at the end.
fuzz_log=$(mktemp)
(
    t=$SECONDS
    # Without ASan: see scripts/fuzz.sh (the long runs keep it). At
    # opt-level 1 (the long runs use cargo-fuzz's release profile): a
    # quicker build for a run of seconds.
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 FUZZ_SANITIZER=none bash scripts/fuzz.sh --seconds 15
    echo "=== fuzz smoke run: $((SECONDS - t)) s"
) > "$fuzz_log" 2>&1 &
fuzz_pid=$!
trap 'kill "$fuzz_pid" 2> /dev/null || true' EXIT
echo "fuzz smoke run started in the background (log: $fuzz_log)"

stage "host: build and lint (clippy-driver, -D warnings), then test"
# `cargo clippy` is clippy-driver as the workspace members' compiler over
# `cargo check`; here it is the compiler of the test build itself, so the
# dependencies are compiled once (not checked, then built).
linted() {
    local t=$SECONDS
    RUSTC_WORKSPACE_WRAPPER="$(rustc --print sysroot)/bin/clippy-driver" CLIPPY_ARGS=-Dwarnings "$@"
    timings+=("$(printf '%5d s    %s' $((SECONDS - t)) "$*")")
}
# `firmware-model/host` builds (and lints) `rnn-train cost`'s host timing
# binary, step-cost.
linted cargo test --workspace --exclude firmware-example --all-targets --features firmware-model/host
linted cargo test --workspace --exclude firmware-example --doc
# `-p rnn-core` alone: no `std` (feature unification adds it in the
# workspace run), so the kernel is chosen at compile time.
# The sweeps of the fast activations (`*_within_documented_error`) ran in
# the workspace run: the same code, whatever the features.
linted cargo test -p rnn-core --all-targets -- --skip within_documented_error
# The libm activations on every kernel: the golden cases.
linted cargo test -p rnn-core --features std,exact-activations --test kernels golden_

stage "aarch64 (NEON) under qemu-aarch64"
wait_for_apt
bash scripts/aarch64-test.sh

stage "firmware on Cortex-M0, M4F and M7 in QEMU"
bash scripts/firmware-test.sh

stage "rnn-train cost against the firmware figures (QEMU)"
# Its Cortex-M figures for the bundled models must equal those the
# firmware script just measured (target/firmware-test/templates.txt), and a
# stacked GRU's those of its own template run: the ignored tests of
# rnn-train/tests/integration/cost.rs, in the test build of the host stage:
# the host stage's own arguments, so nothing is rebuilt (`--test
# integration` alone unifies other features and rebuilt rnn-train); every
# test binary runs only its ignored tests matching `cost::` (none but
# these; criterion's benches take `--ignored` as "run nothing").
linted cargo test --workspace --exclude firmware-example --all-targets --features firmware-model/host -- --ignored cost::

stage "fuzz smoke run of the weight loader (15 s per target; waiting for the background run)"
fuzz_status=0
wait "$fuzz_pid" || fuzz_status=$?
cat "$fuzz_log"
if [ "$fuzz_status" -ne 0 ]; then
    echo "fuzz smoke run failed (status $fuzz_status)" >&2
    exit 1
fi

stage ""
echo
echo "stage times:"
printf '%s\n' "${timings[@]}"
printf '%5d s  total\n' "$SECONDS"
