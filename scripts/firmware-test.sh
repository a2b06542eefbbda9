#!/usr/bin/env bash
# Three-core test of firmware-example (run from anywhere):
#   bash scripts/firmware-test.sh
# For Cortex-M4F (QEMU mps2-an386), Cortex-M7 (mps2-an500) and Cortex-M0
# (microbit) it builds the firmware, runs it twice in QEMU under a wall-clock
# limit, and fails unless each run exits with success, every forecast equals
# the host's rnn-core forecast bit for bit, the bad update blobs were
# rejected with their typed errors, and both runs printed the same output
# (instruction counts are deterministic). Then it prints the measured table:
# flash and RAM from the ELF (llvm-size, llvm-nm), peak stack and
# instructions per step from the run.
# The deployment templates (f32 and quantized) are built for the three
# cores and two real boards (STM32F407, nRF52840; built, not run): their
# sizes must stay within the budgets below, and on the three cores their
# test build must match the host on every forecast (size table at the end).
# The kernel check (firmware-kernel-check) runs random-weight layers of
# every gate-product path on the three cores and must match the host's
# scalar kernel on every output.
# Clippy (-D warnings) checks the board configurations first; the measured
# builds are plain cargo builds.
# Installs what is missing: the two rustup targets, llvm-tools, clippy,
# qemu-system-arm.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root/firmware-example"
export FIRMWARE_QEMU_TIMEOUT=${FIRMWARE_QEMU_TIMEOUT:-60}

installed_targets=$(rustup target list --installed)
for target in thumbv6m-none-eabi thumbv7em-none-eabihf; do
  grep -qx "$target" <<< "$installed_targets" || rustup target add "$target"
done
rustup component list --installed | grep -q '^llvm-tools' || rustup component add llvm-tools
if ! command -v qemu-system-arm > /dev/null; then
  apt-get update && apt-get install -y --no-install-recommends qemu-system-arm
fi
tools="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin"

log_dir=$(mktemp -d)
# The templates' figures, one line of key=value words per QEMU run, for the
# test of `rnn-train cost` that compares its figures with these
# (rnn-train/tests/integration/cost.rs, run by scripts/test-all.sh).
template_figures="$root/target/firmware-test/templates.txt"
mkdir -p "$(dirname "$template_figures")"
: > "$template_figures"
trap 'rm -rf "$log_dir"' EXIT
failures=0
boards_passed=0
boards_failed=0
rows=()

fail() {
  echo "FAIL [$1]: $2" >&2
  failures=$((failures + 1))
}

# Sum of the sizes of the symbols whose demangled name matches $2 (regex).
symbol_bytes() {
  "$tools/llvm-nm" -S -C --radix=d "$1" | awk -v re="$2" '$0 ~ re { s += $2 } END { print s + 0 }'
}

# Field $2 of the Berkeley-format size line of ELF $1 (1 text, 2 data, 3 bss).
size_field() {
  "$tools/llvm-size" -B "$1" | awk -v f="$2" 'NR == 2 { print $f }'
}

# Code that runs the model: rnn-core's step and activation kernel, libm's
# expf/tanhf/expm1f, the forecast routine, and (M0) the soft-float routines.
# llvm-nm demangles some generic names only partly (`rnn_core..layers..`).
inference_code=' [tT] .*(rnn_core.*(step|activate)|libm|firmware_model::forecast|compiler_builtins::float|__aeabi_f)'

run_board() {
  local core=$1 machine=$2 target=$3
  shift 3
  local args=(--release --target "$target" "$@")
  local failures_before=$failures
  echo "== $core ($machine): cargo run ${args[*]}"
  cargo build -q "${args[@]}"
  local elf="$root/target/$target/release/firmware-example"
  local out1="$log_dir/$machine.1" out2="$log_dir/$machine.2"
  local status=0
  cargo run -q "${args[@]}" > "$out1" 2>&1 || status=$?
  cat "$out1"
  [ "$status" -eq 0 ] || fail "$machine" "first run exited with status $status"
  status=0
  cargo run -q "${args[@]}" > "$out2" 2>&1 || status=$?
  [ "$status" -eq 0 ] || fail "$machine" "second run exited with status $status"
  cmp -s "$out1" "$out2" || fail "$machine" "two runs printed different output (counts not deterministic)"
  grep -q "qemu-machine=$machine" "$out1" || fail "$machine" "ran on the wrong machine"
  grep -q '^SysTick check: .*ticks count instructions' "$out1" ||
    fail "$machine" "SysTick did not count instructions (QEMU without -icount shift=0?)"
  grep -Eq '^parity: ([0-9]+) forecasts, \1 bit-identical to the host' "$out1" ||
    fail "$machine" "forecasts differ from the host"
  # The update demo does not run on the micro:bit (16 KB RAM; see try_updates).
  if [ "$machine" != microbit ]; then
    grep -q "'corrupted (one flipped bit)': rejected: weight blob corrupted" "$out1" ||
      fail "$machine" "corrupted blob not reported"
    grep -q "'another architecture': rejected: architecture mismatch" "$out1" ||
      fail "$machine" "mismatched blob not reported"
  fi
  grep -qx 'result: PASS' "$out1" || fail "$machine" "firmware reported FAIL"

  if [ "$failures" -eq "$failures_before" ]; then
    boards_passed=$((boards_passed + 1))
  else
    boards_failed=$((boards_failed + 1))
  fi

  local text data bss steps forecast stack
  text=$(size_field "$elf" 1)
  data=$(size_field "$elf" 2)
  bss=$(size_field "$elf" 3)
  steps=$(sed -n 's/^instructions per step: min \([0-9]*\) max \([0-9]*\) mean \([0-9]*\).*/\1 \/ \3 \/ \2/p' "$out1")
  forecast=$(sed -n 's/^instructions per forecast .*: mean \([0-9]*\)$/\1/p' "$out1")
  stack=$(sed -n 's/^stack: peak \([0-9]*\) bytes.*one forecast needs \([0-9]*\)$/\1 | \2/p' "$out1")
  rows+=("| $core (\`$machine\`) | $((text + data)) | $((data + bss)) | $(symbol_bytes "$elf" ' firmware_model::MODEL::') | $(symbol_bytes "$elf" "$inference_code") | $(symbol_bytes "$elf" ' firmware_model::BLOB::| firmware_example::update::(CORRUPTED|OTHER_ARCHITECTURE)::') | $(symbol_bytes "$elf" ' firmware_example::update::STORAGE::') | $stack | $steps | $forecast |")
}

# Soft-float (and double) routines a quantized-only firmware must not link.
soft_float=' [tTwW] (__aeabi_[fd](add|sub|rsub|mul|div|cmp[a-z]*|2[a-z0-9]*)|__aeabi_[iu]2[fd]|__aeabi_[lu]l2[fd]|__(add|sub|mul|div)[sd]f3|__(fix|fixuns)[sd]f[sd]i|__float(un)?[sd]i[sd]f|__(eq|ne|lt|le|gt|ge|un)[sd]f2|__(extend|trunc)[sd]f[sd]f2|compiler_builtins::float)'
qrows=()

# The quantized firmware (src/quantized.rs): integer-only, parity with the
# host's integer forecasts (tolerance 0), no soft-float symbol in the ELF.
run_quantized() {
  local core=$1 machine=$2 target=$3
  shift 3
  local args=(--release --bin firmware-quantized --target "$target" "$@")
  local failures_before=$failures
  echo "== $core ($machine) quantized: cargo run ${args[*]}"
  cargo build -q "${args[@]}"
  local elf="$root/target/$target/release/firmware-quantized"
  local out1="$log_dir/$machine.q1" out2="$log_dir/$machine.q2"
  local status=0
  cargo run -q "${args[@]}" > "$out1" 2>&1 || status=$?
  cat "$out1"
  [ "$status" -eq 0 ] || fail "$machine/quantized" "first run exited with status $status"
  status=0
  cargo run -q "${args[@]}" > "$out2" 2>&1 || status=$?
  [ "$status" -eq 0 ] || fail "$machine/quantized" "second run exited with status $status"
  cmp -s "$out1" "$out2" || fail "$machine/quantized" "two runs printed different output"
  grep -q '^SysTick check: .*ticks count instructions' "$out1" ||
    fail "$machine/quantized" "SysTick did not count instructions"
  grep -Eq '^parity: ([1-9][0-9]*) forecasts, \1 bit-identical to the host' "$out1" ||
    fail "$machine/quantized" "integer forecasts differ from the host"
  grep -qx 'result: PASS' "$out1" || fail "$machine/quantized" "firmware reported FAIL"
  local floats
  floats=$("$tools/llvm-nm" -C "$elf" | grep -E "$soft_float" || true)
  if [ -n "$floats" ]; then
    echo "$floats"
    fail "$machine/quantized" "the quantized-only firmware links soft-float routines"
  else
    echo "symbol check: no soft-float routine in $elf"
  fi
  if [ "$failures" -eq "$failures_before" ]; then
    boards_passed=$((boards_passed + 1))
  else
    boards_failed=$((boards_failed + 1))
  fi
  local text data bss steps forecast stack
  text=$(size_field "$elf" 1)
  data=$(size_field "$elf" 2)
  bss=$(size_field "$elf" 3)
  steps=$(sed -n 's/^instructions per step: min \([0-9]*\) max \([0-9]*\) mean \([0-9]*\).*/\1 \/ \3 \/ \2/p' "$out1")
  forecast=$(sed -n 's/^instructions per forecast .*: mean \([0-9]*\)$/\1/p' "$out1")
  stack=$(sed -n 's/^stack: peak \([0-9]*\) bytes.*one forecast needs \([0-9]*\)$/\1 | \2/p' "$out1")
  qrows+=("| $core (\`$machine\`) | $((text + data)) | $((data + bss)) | $(symbol_bytes "$elf" ' firmware_model::quantized::QUANTIZED_MODEL') | $(symbol_bytes "$elf" ' [tT] .*(rnn_core.*quant|firmware_model::quantized::forecast)') | $stack | $steps | $forecast |")
}

# The deployment templates (src/deploy.rs, src/deploy_quantized.rs): the
# build a product ships (no `report` feature) is sized, and must stay within
# the ceilings below; the test build (`--features report`, the same
# forecast code plus a SysTick read around each forecast) runs twice in QEMU
# and must match the host on every forecast, bit for bit.
# Budgets of issue 10 (issue 9 for the quantized template's 6 KB), bytes:
# flash (vector table + text + rodata + data), RAM (data + bss) and the
# painted stack peak of the test build.
declare -A flash_budget=(
  [f32/thumbv7em-none-eabihf]=9000 [f32/thumbv6m-none-eabi]=11500
  [quantized/thumbv7em-none-eabihf]=6144 [quantized/thumbv6m-none-eabi]=6144
)
ram_ceiling=64
stack_ceiling=1024
# Instructions per step of the templates' test builds (forecast / window,
# QEMU -icount, deterministic). f32 on M4F/M7: issue 10's budget, 5,300.
# Quantized on M0: issue 9's goal, 10,000 (measured 9,985). Quantized on
# M4F: today's measured count with the DSP kernels (3,990; 5,516 before
# them) rounded up a little, so that a regression fails; issue 9's goal,
# 3,000, is not met (see firmware-example/README.md).
declare -A steps_ceiling=(
  [f32/thumbv7em-none-eabihf]=5300
  [quantized/thumbv7em-none-eabihf]=4000 [quantized/thumbv6m-none-eabi]=10000
)
trows=()

# Sections of ELF $1 (llvm-size -A) as "name size" lines.
sections() {
  "$tools/llvm-size" -A "$1" | awk '$1 ~ /^\./ && $1 !~ /debug|comment|ARM|symtab|strtab|shstrtab/ { print $1, $2 }'
}

section_size() {
  sections "$1" | awk -v n="$2" '$1 == n { print $2 }'
}

# Builds template $2 (f32 | quantized) for board $1 ($3 target, $4 board
# features, may be empty, $5 extra cargo arguments), checks its sizes, and
# runs its test build in QEMU unless $6 is "build-only"; $7 is the board's
# flash origin (default 0), where the vector table must be.
run_template() {
  local core=$1 kind=$2 target=$3 features=$4 extra=$5 mode=${6:-run} flash_origin=${7:-0}
  local bin=firmware-deploy model=' firmware_model::MODEL::'
  if [ "$kind" = quantized ]; then
    bin=firmware-deploy-quantized
    model=' firmware_model::quantized::QUANTIZED_MODEL'
  fi
  local name="$core/$kind"
  local args=(--release --bin "$bin" --target "$target")
  # shellcheck disable=SC2206 # $extra is a list of arguments
  [ -z "$extra" ] || args+=($extra)
  local failures_before=$failures
  echo "== template $name: cargo build ${args[*]}${features:+ --features $features}"
  cargo build -q "${args[@]}" ${features:+--features "$features"}
  local elf="$root/target/$target/release/$bin"
  local vt text rodata data bss flash ram model_bytes
  vt=$(section_size "$elf" .vector_table)
  text=$(section_size "$elf" .text)
  rodata=$(section_size "$elf" .rodata)
  data=$(section_size "$elf" .data)
  bss=$(section_size "$elf" .bss)
  flash=$((vt + text + rodata + data))
  ram=$((data + bss))
  model_bytes=$(symbol_bytes "$elf" "$model")
  # The forecast must be in the product build (not optimized away with an
  # output nothing reads), and the vector table at the board's flash origin.
  [ "$(symbol_bytes "$elf" '::forecast_window::')" -gt 0 ] ||
    fail "$name" "no forecast_window in the product build"
  local origin
  origin=$("$tools/llvm-size" -A "$elf" | awk '$1 == ".vector_table" { print $3 }')
  [ "$origin" -eq "$flash_origin" ] ||
    fail "$name" "vector table at $origin, not at the flash origin $flash_origin"
  local key="$kind/$target"
  local budget="${flash_budget[$key]}" verdict
  [ "$flash" -le "$budget" ] || fail "$name" "flash $flash B over the budget $budget B"
  [ "$ram" -le "$ram_ceiling" ] || fail "$name" "data + bss $ram B over the budget $ram_ceiling B"
  if [ "$flash" -le "$budget" ]; then verdict="within $budget"; else verdict="over $budget by $((flash - budget))"; fi
  local stack="not run" one="not run" steps="not run" forecast="not run" parity="not run"
  if [ "$mode" = run ]; then
    local out1="$log_dir/$name.t1" out2="$log_dir/$name.t2" status=0
    mkdir -p "$(dirname "$out1")"
    local feats="report${features:+,$features}"
    cargo run -q "${args[@]}" --features "$feats" > "$out1" 2>&1 || status=$?
    cat "$out1"
    [ "$status" -eq 0 ] || fail "$name" "test build exited with status $status"
    status=0
    cargo run -q "${args[@]}" --features "$feats" > "$out2" 2>&1 || status=$?
    [ "$status" -eq 0 ] || fail "$name" "second run exited with status $status"
    cmp -s "$out1" "$out2" || fail "$name" "two runs printed different output"
    grep -q '^SysTick check: .*ticks count instructions' "$out1" ||
      fail "$name" "SysTick did not count instructions"
    grep -Eq '^parity: ([1-9][0-9]*) forecasts, \1 bit-identical to the host' "$out1" ||
      fail "$name" "forecasts differ from the host"
    grep -qx 'result: PASS' "$out1" || fail "$name" "template reported FAIL"
    stack=$(sed -n 's/^stack: peak \([0-9]*\) bytes.*/\1/p' "$out1")
    one=$(sed -n 's/^stack: .*one forecast needs \([0-9]*\)$/\1/p' "$out1")
    forecast=$(sed -n 's/^instructions per forecast: min [0-9]* max [0-9]* mean \([0-9]*\)$/\1/p' "$out1")
    steps=$(sed -n 's/^instructions per step .*: mean \([0-9]*\)$/\1/p' "$out1")
    parity=$(sed -n 's/^parity: \([0-9]*\) forecasts, \([0-9]*\) bit-identical.*/\2 of \1/p' "$out1")
    echo "kind=$kind target=$target features=${features:-none} flash=$flash text=$text model=$model_bytes data_bss=$ram stack=$stack steps=$steps forecast=$forecast" >> "$template_figures"
    [ -n "$stack" ] && [ "$stack" -le "$stack_ceiling" ] ||
      fail "$name" "stack peak ${stack:-?} B over the budget $stack_ceiling B"
    if [ -n "${steps_ceiling[$key]:-}" ]; then
      [ -n "$steps" ] && [ "$steps" -le "${steps_ceiling[$key]}" ] ||
        fail "$name" "${steps:-?} instructions per step over the ceiling ${steps_ceiling[$key]}"
    fi
  else
    echo "built for $core (not run: a real board)"
  fi
  if [ "$failures" -eq "$failures_before" ]; then
    boards_passed=$((boards_passed + 1))
  else
    boards_failed=$((boards_failed + 1))
  fi
  trows+=("| $core | $kind | $flash ($verdict) | $vt | $text | $rodata | $model_bytes | $ram | $stack | $one | $steps | $forecast | $parity |")
}

rustup component list --installed | grep -q '^clippy' || rustup component add clippy
# Lint first, with check builds: the builds below must be plain `cargo`
# builds, since their sizes and instruction counts are what users get
# (clippy-driver compiles with MIR optimisations off: the quantized
# template measured 10,595 instructions per step on the M0 through it,
# 10,020 without). firmware-model and rnn-core are linted with them.
echo "== clippy (board configurations and the template's test build)"
cargo clippy -q --release --all-targets --features report -- -D warnings
cargo clippy -q --release --all-targets --features mps2-an500 -- -D warnings
cargo clippy -q --release --all-targets --features stm32f407 -- -D warnings
cargo clippy -q --release --all-targets --features nrf52840 -- -D warnings
cargo clippy -q --release --all-targets --target thumbv6m-none-eabi --features report -- -D warnings

# The kernel check (src/kernel_check.rs): random-weight layers of every
# gate-product path, every output of every step bit for bit against the
# host's scalar kernel.
run_kernel_check() {
  local core=$1 out="$log_dir/kernel-check-$1" status=0 failures_before=$failures
  shift
  echo "== kernel check $core: cargo run --release --bin firmware-kernel-check $*"
  cargo run -q --release --bin firmware-kernel-check "$@" > "$out" 2>&1 || status=$?
  cat "$out"
  [ "$status" -eq 0 ] || fail "kernel check $core" "exited with status $status"
  grep -Eq '^kernel check: ([1-9][0-9]*) outputs, \1 bit-identical to the host' "$out" ||
    fail "kernel check $core" "outputs differ from the host"
  if [ "$failures" -eq "$failures_before" ]; then
    boards_passed=$((boards_passed + 1))
  else
    boards_failed=$((boards_failed + 1))
  fi
}

# The activity classifier (src/classifier.rs): test cases of the bundled
# recordings, every probability and label bit for bit against the host.
run_classifier() {
  local core=$1 out="$log_dir/classifier-$1" status=0 failures_before=$failures
  shift
  echo "== classifier $core: cargo run --release --bin firmware-classifier $*"
  cargo run -q --release --bin firmware-classifier "$@" > "$out" 2>&1 || status=$?
  cat "$out"
  [ "$status" -eq 0 ] || fail "classifier $core" "exited with status $status"
  grep -Eq '^parity: ([1-9][0-9]*) cases, \1 labels and \1 probability vectors bit-identical to the host' "$out" ||
    fail "classifier $core" "labels or probabilities differ from the host"
  grep -qx 'result: PASS' "$out" || fail "classifier $core" "firmware reported FAIL"
  if [ "$failures" -eq "$failures_before" ]; then
    boards_passed=$((boards_passed + 1))
  else
    boards_failed=$((boards_failed + 1))
  fi
}

run_classifier "Cortex-M4F" --target thumbv7em-none-eabihf
run_kernel_check "Cortex-M4F" --target thumbv7em-none-eabihf
run_kernel_check "Cortex-M7" --target thumbv7em-none-eabihf --features mps2-an500
run_kernel_check "Cortex-M0" --target thumbv6m-none-eabi
run_board "Cortex-M4F" mps2-an386 thumbv7em-none-eabihf
run_board "Cortex-M7" mps2-an500 thumbv7em-none-eabihf --features mps2-an500
run_board "Cortex-M0" microbit thumbv6m-none-eabi
run_quantized "Cortex-M4F" mps2-an386 thumbv7em-none-eabihf
run_quantized "Cortex-M7" mps2-an500 thumbv7em-none-eabihf --features mps2-an500
run_quantized "Cortex-M0" microbit thumbv6m-none-eabi
for kind in f32 quantized; do
  run_template "Cortex-M4F (\`mps2-an386\`)" "$kind" thumbv7em-none-eabihf "" ""
  run_template "Cortex-M7 (\`mps2-an500\`)" "$kind" thumbv7em-none-eabihf mps2-an500 ""
  run_template "Cortex-M0 (\`microbit\`)" "$kind" thumbv6m-none-eabi "" ""
  run_template "STM32F407 (Discovery)" "$kind" thumbv7em-none-eabihf stm32f407 "--config boards/stm32f407.toml" build-only 134217728
  run_template "nRF52840-DK" "$kind" thumbv7em-none-eabihf nrf52840 "--config boards/nrf52840.toml" build-only
done

echo
echo "| core (QEMU machine) | flash: text + rodata + data | RAM: data + bss | model weights (flash) | inference code (flash) | update-demo blobs (flash) | update storage (RAM) | peak stack | stack for one forecast | instructions per step: min / mean / max | instructions per forecast (window of steps) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}"
echo
echo
echo "Quantized model (int8 weights, int16 state; firmware-quantized):"
echo
echo "| core (QEMU machine) | flash: text + rodata + data | RAM: data + bss | model weights (flash) | inference code (flash) | peak stack | stack for one forecast | instructions per step: min / mean / max | instructions per forecast (window of steps) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${qrows[@]}"
echo
echo
echo "Deployment templates (firmware-deploy, firmware-deploy-quantized; sizes of the build without \`report\`, stack and instructions from its test build):"
echo
echo "| board | model | flash: text + rodata + data (issue-10 budget) | vector table | code (.text) | rodata | model weights | RAM: data + bss (budget 64) | peak stack, test build (budget 1024) | stack for one forecast | instructions per step (forecast / window) | instructions per forecast | forecasts bit-identical to the host |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
printf '%s\n' "${trows[@]}"
echo
echo "Sizes in bytes. Instructions counted by SysTick under qemu-system-arm -icount shift=0."
echo "firmware: $boards_passed passed, $boards_failed failed"
if [ "$failures" -ne 0 ]; then
  echo "firmware-test: $failures check(s) failed" >&2
  exit 1
fi
