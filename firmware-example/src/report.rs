//! The test build's report of a deployment template (feature `report`,
//! never in a product): parity of every forecast with the host, SysTick
//! instruction counts of every forecast, and the painted stack peak.
//!
//! Nothing is printed until [`Report::finish`], after the sensor loop: the
//! stack peak it reports is the loop's, not that of the printing, and the
//! loop runs the same code as the build without the feature, plus one
//! SysTick read before and after each forecast.

use cortex_m_semihosting::{debug, hprintln};

use crate::board::BOARD;
use crate::cost::{Calibration, Counter, Stats};
use crate::stack;

/// A forecast value that can be compared with the host's bit for bit.
pub trait SameBits: Copy {
    /// Whether `self` and `other` have the same bit pattern.
    fn same_bits(self, other: Self) -> bool;
}

impl SameBits for f32 {
    fn same_bits(self, other: Self) -> bool {
        self.to_bits() == other.to_bits()
    }
}

impl SameBits for i16 {
    fn same_bits(self, other: Self) -> bool {
        self == other
    }
}

/// Counts and checks the forecasts of one run.
pub struct Report<T: 'static> {
    counter: Option<(Counter, Calibration)>,
    host: &'static [T],
    /// Steps per forecast (the model's window).
    window: usize,
    forecasts: Stats,
    identical: usize,
}

impl<T: SameBits> Report<T> {
    /// Starts SysTick and calibrates it; `host` holds the host's forecasts,
    /// in the order the firmware makes them, each a forecast of `window`
    /// steps.
    pub fn start(host: &'static [T], window: usize) -> Self {
        Self {
            counter: cortex_m::Peripherals::take().map(|p| Counter::start(p.SYST)),
            host,
            window,
            forecasts: Stats::new(),
            identical: 0,
        }
    }

    /// Runs one forecast, counts its SysTick ticks and compares its value
    /// with the host's next forecast.
    #[inline(always)]
    pub fn forecast(&mut self, f: impl FnOnce() -> T) -> T {
        let value = match &self.counter {
            Some((counter, _)) => {
                let (value, ticks) = counter.measure(f);
                self.forecasts.add(ticks);
                value
            }
            None => f(),
        };
        let k = self.forecasts.count as usize;
        let same = self
            .host
            .get(k.wrapping_sub(1))
            .is_some_and(|&h| h.same_bits(value));
        self.identical += usize::from(same);
        value
    }

    /// Reads the stack peak, measures the stack of one more forecast
    /// (`one`) by painting, prints the report and exits QEMU: success only
    /// if every forecast equalled the host's and there were as many as the
    /// host made.
    pub fn finish(self, one: impl FnOnce() -> T) -> ! {
        let (peak, size) = stack::peak_and_size();
        let one_stack = one_forecast_stack(one);
        let Some((counter, calibration)) = self.counter else {
            hprintln!("result: FAIL (SysTick unavailable)");
            debug::exit(debug::EXIT_FAILURE);
            loop {
                cortex_m::asm::wfi();
            }
        };
        hprintln!(
            "deployment template on {} ({})",
            BOARD.core,
            BOARD.qemu_machine
        );
        hprintln!("{}", calibration);
        let count = self.forecasts.count as usize;
        hprintln!(
            "parity: {} forecasts, {} bit-identical to the host",
            count,
            self.identical
        );
        let (min, mean, max) = self.forecasts.summary(&counter);
        hprintln!(
            "{} per forecast: min {} max {} mean {}",
            counter.unit().name(),
            min,
            max,
            mean
        );
        hprintln!(
            "{} per step (forecast / {} steps, scaling included): mean {}",
            counter.unit().name(),
            self.window,
            mean / self.window as u64
        );
        hprintln!(
            "stack: peak {} bytes of {}; one forecast needs {}",
            peak,
            size,
            one_stack
        );
        let passed = count == self.host.len() && self.identical == count && count > 0;
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
}

/// Stack bytes `one` needs below its caller, measured by painting.
#[inline(never)]
fn one_forecast_stack<T>(one: impl FnOnce() -> T) -> usize {
    let sp = cortex_m::register::msp::read() as usize;
    stack::repaint();
    core::hint::black_box(one());
    sp - stack::deepest()
}
