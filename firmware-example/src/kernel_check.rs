//! Runs the layers of `firmware_model::kernel_check` (random weights, the
//! shapes the sea-temperature model does not have) and compares every
//! output of every step with the host's scalar kernel (`build.rs`), bit for
//! bit: the test of the device's gate-product kernels on every path
//! (`rnn-core/src/kernels/arm_fpu.rs` on the M4F/M7, the out-of-line column
//! loop on the M0). Exits with success only if all match. Run by
//! `scripts/firmware-test.sh`; see README.md.
#![no_std]
#![no_main]

#[allow(
    dead_code,
    reason = "the kernel check counts no instructions: it does not read the SysTick frequency"
)]
mod board;
mod vectors;

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use firmware_model::kernel_check::{outputs, OUTPUTS};
use panic_semihosting as _;

use board::BOARD;

/// The host's outputs, as `f32` bits (`build.rs`).
mod host {
    include!(concat!(env!("OUT_DIR"), "/kernel_check.rs"));
}

#[entry]
fn main() -> ! {
    hprintln!("kernel check on {} ({})", BOARD.core, BOARD.qemu_machine);
    let (mut n, mut same) = (0usize, 0usize);
    let mut first_difference = None;
    outputs(|bits| {
        match host::OUTPUTS.get(n) {
            Some(&want) if want == bits => same += 1,
            want => {
                if first_difference.is_none() {
                    first_difference = Some((n, bits, want.copied()));
                }
            }
        }
        n += 1;
    });
    hprintln!(
        "kernel check: {} outputs, {} bit-identical to the host (expected {})",
        n,
        same,
        OUTPUTS
    );
    if let Some((i, got, want)) = first_difference {
        hprintln!(
            "first difference: output {}: device {:#010x}, host {:#010x}",
            i,
            got,
            want.unwrap_or(0)
        );
    }
    let passed = n == OUTPUTS && same == n && host::OUTPUTS.len() == OUTPUTS;
    hprintln!("result: {}", if passed { "PASS" } else { "FAIL" });
    debug::exit(if passed {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::wfi();
    }
}
