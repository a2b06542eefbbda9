//! The cost of a piece of code, counted with SysTick.
//!
//! Under `qemu-system-arm -icount shift=0` every guest instruction advances
//! virtual time by exactly 1 ns, and SysTick (clock source: core) counts
//! that virtual time at the board's clock, so its ticks count executed
//! instructions, deterministically: one tick is `1e9 / systick_hz`
//! instructions (40 on the 25 MHz mps2 boards, 62.5 on the 16 MHz
//! micro:bit). QEMU does not emulate the DWT cycle counter.
//!
//! On a real chip SysTick counts core clock cycles instead. [`Counter::start`]
//! tells the two apart by timing a loop of known length, and reports in
//! [`Unit::Cycles`] when ticks are not instructions. README.md shows how to
//! read `DWT.CYCCNT` with a probe instead.

use core::hint::black_box;
use core::sync::atomic::{compiler_fence, Ordering};

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::SYST;

use crate::board::BOARD;

/// SysTick's current value register is 24 bits wide.
const SYSTICK_MASK: u32 = 0x00FF_FFFF;

/// Iterations of the calibration loop (two instructions each).
const CALIBRATION_LOOPS: u32 = 50_000;

/// What a [`Counter`] counts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Executed instructions (QEMU with `-icount shift=0`).
    Instructions,
    /// Core clock cycles (SysTick on a real chip).
    Cycles,
}

impl Unit {
    /// Plural name, for the report.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Instructions => "instructions",
            Unit::Cycles => "cycles",
        }
    }
}

/// A free-running SysTick, counting down from `2^24 - 1` and wrapping.
pub struct Counter {
    _syst: SYST,
    unit: Unit,
}

/// What the calibration loop measured.
pub struct Calibration {
    /// Instructions the loop executes.
    pub instructions: u32,
    /// SysTick ticks it took.
    pub ticks: u32,
    /// Instructions those ticks stand for under QEMU `-icount shift=0`.
    pub ticks_as_instructions: u64,
    /// What the ticks turned out to count.
    pub unit: Unit,
}

impl core::fmt::Display for Calibration {
    /// The report's `SysTick check:` line (`scripts/firmware-test.sh` and
    /// `rnn-train cost` look for "ticks count instructions" in it).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "SysTick check: a {}-instruction loop took {} ticks = {} instructions at {} per tick: {}",
            self.instructions,
            self.ticks,
            self.ticks_as_instructions,
            ticks_to_instructions(1),
            match self.unit {
                Unit::Instructions => "ticks count instructions (QEMU -icount shift=0)",
                Unit::Cycles =>
                    "ticks are core cycles here (real chip or no -icount), reporting cycles",
            }
        )
    }
}

impl Counter {
    /// Starts SysTick on the core clock, without its interrupt, and times a
    /// loop of known length to learn whether ticks count instructions (QEMU
    /// `-icount shift=0`) or cycles.
    pub fn start(mut syst: SYST) -> (Self, Calibration) {
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(SYSTICK_MASK);
        syst.clear_current();
        syst.enable_counter();
        let mut counter = Self {
            _syst: syst,
            unit: Unit::Cycles,
        };
        let mut calibration = counter.calibrate();
        let error = calibration
            .ticks_as_instructions
            .abs_diff(u64::from(calibration.instructions));
        if error <= 2 * ticks_to_instructions(1) {
            counter.unit = Unit::Instructions;
            calibration.unit = Unit::Instructions;
        }
        (counter, calibration)
    }

    /// What [`Counter::count`] returns.
    pub fn unit(&self) -> Unit {
        self.unit
    }

    /// SysTick ticks in [`Counter::unit`]s.
    pub fn count(&self, ticks: u64) -> u64 {
        match self.unit {
            Unit::Instructions => ticks_to_instructions(ticks),
            Unit::Cycles => ticks,
        }
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
    /// (`subs`, `bne`).
    fn calibrate(&self) -> Calibration {
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
        Calibration {
            instructions: 2 * CALIBRATION_LOOPS,
            ticks,
            ticks_as_instructions: ticks_to_instructions(u64::from(ticks)),
            unit: Unit::Cycles,
        }
    }
}

/// SysTick ticks to instructions under QEMU `-icount shift=0`, rounded.
pub fn ticks_to_instructions(ticks: u64) -> u64 {
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

    /// `(min, mean, max)` in `counter`'s unit (mean 0 for no measurements).
    pub fn summary(&self, counter: &Counter) -> (u64, u64, u64) {
        let mean = match self.count {
            0 => 0,
            n => counter.count(self.total) / u64::from(n),
        };
        (
            counter.count(u64::from(self.min)),
            mean,
            counter.count(u64::from(self.max)),
        )
    }
}
