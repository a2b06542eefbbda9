#!/usr/bin/env bash
# Coverage-guided fuzzing of rnn-core's weight-file loader (fuzz/README.md).
#
#   scripts/fuzz.sh [EXECUTIONS]    libFuzzer -runs=EXECUTIONS per target (default 100000)
#   scripts/fuzz.sh --seconds N     libFuzzer -max_total_time=N per target
#
# Targets: read_header, then load_into (FUZZ_TARGETS="..." to choose).
# Installs cargo-fuzz if missing; uses the `nightly` toolchain when rustup
# has one, else stable with RUSTC_BOOTSTRAP=1 (cargo-fuzz needs -Z flags);
# FUZZ_TOOLCHAIN=stable forces that fallback.
# Builds with AddressSanitizer and debug assertions (overflow checks on);
# FUZZ_SANITIZER=none builds without the sanitizer (a third faster to build;
# the loader it fuzzes has no unsafe code, `#![deny(unsafe_code)]` outside
# the kernels, so ASan has nothing of its own to watch there).
# The corpus grows in fuzz/corpus/<target> (not in git) from the committed
# seeds in fuzz/seeds. Exits non-zero on any crash, leak, timeout or
# failed round trip (the input is saved under fuzz/artifacts/<target>/).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
    echo "usage: $0 [EXECUTIONS | --seconds N]" >&2
    exit 2
}
budget=(-runs=100000)
case "${1:-}" in
    "") ;;
    --seconds)
        [[ "${2:-}" =~ ^[0-9]+$ ]] || usage
        budget=(-max_total_time="$2")
        ;;
    *)
        [[ "$1" =~ ^[0-9]+$ ]] || usage
        budget=(-runs="$1")
        ;;
esac
read -r -a targets <<<"${FUZZ_TARGETS:-read_header load_into}"
sanitizer=(--sanitizer "${FUZZ_SANITIZER:-address}")

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "=== installing cargo-fuzz"
    # A debug build: it only drives cargo and libFuzzer, and builds in 2/3 of the time.
    cargo install cargo-fuzz --locked --debug
fi
if [[ "${FUZZ_TOOLCHAIN:-}" != stable ]] && rustup toolchain list | grep -q '^nightly'; then
    fuzz=(cargo +nightly fuzz)
else
    echo "=== no nightly toolchain: stable with RUSTC_BOOTSTRAP=1"
    export RUSTC_BOOTSTRAP=1
    fuzz=(cargo +stable fuzz)
fi

start=$SECONDS
echo "=== building ${targets[*]} ($("${fuzz[@]}" --version), sanitizer ${FUZZ_SANITIZER:-address})"
for t in "${targets[@]}"; do
    "${fuzz[@]}" build "${sanitizer[@]}" --debug-assertions "$t"
done
echo "    built in $((SECONDS - start)) s"

summary=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "${targets[@]}"; do
    corpus="fuzz/corpus/$t"
    mkdir -p "$corpus"
    echo "=== fuzzing $t (${budget[*]})"
    t0=$SECONDS
    # -max_len: the largest model blob (rnn_core_fuzz::MAX_LEN).
    if ! "${fuzz[@]}" run "${sanitizer[@]}" --debug-assertions "$t" "$corpus" fuzz/seeds -- \
        "${budget[@]}" -max_len=8192 -timeout=20 -print_final_stats=1 2>&1 | tee "$log"; then
        echo "=== $t FAILED: see the crash report above and fuzz/artifacts/$t/" >&2
        exit 1
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    files=$(find "$corpus" -type f | wc -l)
    bytes=$(du -sb "$corpus" | cut -f1)
    summary+=("$t: ${execs:-?} executions in $((SECONDS - t0)) s, corpus $files files ($bytes bytes), 0 crashes")
done
echo "=== fuzzing done"
printf '    %s\n' "${summary[@]}"
