//! Instruction counts from SysTick.
//!
//! Under `qemu-system-arm -icount shift=0` every guest instruction advances
//! virtual time by exactly 1 ns, and SysTick (clock source: core) counts
//! that virtual time at the board's clock, so its ticks count executed
//! instructions, deterministically: one tick is `1e9 / systick_hz`
//! instructions (40 on the 25 MHz mps2 boards). QEMU does not emulate the
//! DWT cycle counter. On real hardware SysTick counts core cycles instead;
//! see README.md for reading `DWT.CYCCNT` with a probe.

use core::hint::black_box;
use core::sync::atomic::{compiler_fence, Ordering};

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::SYST;

use crate::board::BOARD;

/// SysTick's current value register is 24 bits wide.
const SYSTICK_MASK: u32 = 0x00FF_FFFF;

/// Iterations of the calibration loop (two instructions each).
const CALIBRATION_LOOPS: u32 = 50_000;

/// A free-running SysTick, counting down from `2^24 - 1` and wrapping.
pub struct Counter {
    _syst: SYST,
}

impl Counter {
    /// Starts SysTick on the core clock, without its interrupt.
    pub fn start(mut syst: SYST) -> Self {
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(SYSTICK_MASK);
        syst.clear_current();
        syst.enable_counter();
        Self { _syst: syst }
    }

    /// Runs `f` and returns its result with the SysTick ticks it took
    /// (at most `2^24 - 1`: intervals must be shorter than one wrap).
    #[inline(always)]
    pub fn measure<R>(&self, f: impl FnOnce() -> R) -> (R, u32) {
        let start = SYST::get_current();
        compiler_fence(Ordering::SeqCst);
        let result = black_box(f());
        compiler_fence(Ordering::SeqCst);
        let end = SYST::get_current();
        (result, start.wrapping_sub(end) & SYSTICK_MASK)
    }

    /// Times a loop of exactly `2 × CALIBRATION_LOOPS` instructions
    /// (`subs`, `bne`) and returns `(instructions, ticks)`. Under QEMU
    /// `-icount shift=0` the ticks times [`instructions`] equal the
    /// instructions, give or take the two SysTick reads.
    pub fn calibrate(&self) -> (u32, u32) {
        let ((), ticks) = self.measure(|| {
            // SAFETY: a register-only countdown loop; it touches no memory
            // and no stack, and leaves r0 (declared clobbered) at zero.
            unsafe {
                core::arch::asm!(
                    "2:",
                    "subs r0, r0, #1",
                    "bne 2b",
                    inout("r0") CALIBRATION_LOOPS => _,
                    options(nomem, nostack),
                );
            }
        });
        (2 * CALIBRATION_LOOPS, ticks)
    }
}

/// SysTick ticks to instructions under QEMU `-icount shift=0`, rounded.
pub fn instructions(ticks: u64) -> u64 {
    let hz = u64::from(BOARD.systick_hz);
    (ticks * 1_000_000_000 + hz / 2) / hz
}

/// Minimum, maximum and total SysTick ticks over a number of measurements.
#[derive(Clone, Copy)]
pub struct Stats {
    /// Fewest ticks of one measurement.
    pub min: u32,
    /// Most ticks of one measurement.
    pub max: u32,
    /// Sum of all ticks.
    pub total: u64,
    /// Number of measurements.
    pub count: u32,
}

impl Stats {
    /// No measurements yet.
    pub const fn new() -> Self {
        Self {
            min: u32::MAX,
            max: 0,
            total: 0,
            count: 0,
        }
    }

    /// Adds one measurement.
    pub fn add(&mut self, ticks: u32) {
        self.min = self.min.min(ticks);
        self.max = self.max.max(ticks);
        self.total += u64::from(ticks);
        self.count += 1;
    }

    /// Mean instructions per measurement (0 for none).
    pub fn mean_instructions(&self) -> u64 {
        match self.count {
            0 => 0,
            n => instructions(self.total) / u64::from(n),
        }
    }
}
