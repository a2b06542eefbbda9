#!/usr/bin/env bash
# Cargo runner for firmware-example: runs a firmware ELF in qemu-system-arm.
#
# Usage: firmware-qemu-run.sh ELF
# The QEMU machine comes from the `qemu-machine=<name>` tag the firmware
# carries (src/board.rs). QEMU runs with semihosting (the firmware's output
# and exit status) and `-icount shift=0` (one instruction = 1 ns of virtual
# time, so SysTick counts instructions). A run longer than
# FIRMWARE_QEMU_TIMEOUT seconds of wall-clock time (default 120) is killed
# and fails with status 124.
set -euo pipefail

elf=${1:?usage: firmware-qemu-run.sh ELF}
machine=$(grep -a -o -m1 -E 'qemu-machine=(mps2-an386|mps2-an500|microbit)' "$elf" \
  | head -n1 | cut -d= -f2 || true)
if [ -z "$machine" ]; then
  echo "firmware-qemu-run: no qemu-machine tag in $elf (is it the firmware-example ELF?)" >&2
  exit 2
fi
if ! command -v qemu-system-arm > /dev/null; then
  echo "firmware-qemu-run: qemu-system-arm not found; install it with: apt-get install -y qemu-system-arm" >&2
  exit 2
fi

limit=${FIRMWARE_QEMU_TIMEOUT:-120}
status=0
timeout --foreground --kill-after=5 "$limit" \
  qemu-system-arm -machine "$machine" -nographic -monitor none -serial none \
  -semihosting-config enable=on,target=native -icount shift=0 -kernel "$elf" || status=$?
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  echo "firmware-qemu-run: $machine run exceeded ${limit}s of wall-clock time" >&2
  exit 124
fi
exit "$status"
