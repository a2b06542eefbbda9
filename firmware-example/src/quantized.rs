//! Runs the quantized sea-temperature model (int8 weights, int16 state,
//! `firmware_model::quantized`) on a Cortex-M core in QEMU with integer
//! arithmetic only: the same excerpt as the float firmware, as int16
//! sensor codes, one reading at a time; every forecast is compared with the
//! host's integer forecast (tolerance 0) and every step is counted in
//! instructions. Prints integers only, so the ELF links no soft-float
//! routine (`scripts/firmware-test.sh` checks its symbols). See README.md.
#![no_std]
#![no_main]

mod board;
mod cost;
mod stack;
mod vectors;

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use firmware_model::quantized::QUANTIZED_WINDOW as WINDOW;
use firmware_model::quantized::{forecast, QuantizedModel, QUANTIZED_MODEL};
use panic_semihosting as _;
use rnn_core::quant::QLayer;

use board::BOARD;
use cost::{Counter, Stats};

/// The excerpt as input codes and the host's integer forecasts (`build.rs`).
mod series {
    include!(concat!(env!("OUT_DIR"), "/quantized_series.rs"));
}

#[entry]
fn main() -> ! {
    let passed = run();
    debug::exit(if passed {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::wfi();
    }
}

fn run() -> bool {
    let Some(peripherals) = cortex_m::Peripherals::take() else {
        return false;
    };
    hprintln!(
        "rnn-core quantized firmware on {} ({})",
        BOARD.core,
        BOARD.qemu_machine
    );
    hprintln!(
        "quantized model: {} layers, weights {} bytes at {:p} (flash); state {} bytes; window {}",
        QuantizedModel::LAYERS,
        QuantizedModel::WEIGHT_BYTES,
        &QUANTIZED_MODEL,
        QuantizedModel::STATE_BYTES,
        WINDOW
    );
    let (counter, calibration) = Counter::start(peripherals.SYST);
    hprintln!("{}", calibration);
    let passed = forecast_series(&counter);
    let (peak, size) = stack::peak_and_size();
    let one = forecast_stack();
    hprintln!(
        "stack: peak {} bytes of {}; one forecast needs {}",
        peak,
        size,
        one
    );
    hprintln!("result: {}", if passed { "PASS" } else { "FAIL" });
    passed
}

/// Forecasts from every window of the excerpt, compares with the host's
/// integer forecasts and counts instructions per step and per forecast.
#[inline(never)]
fn forecast_series(counter: &Counter) -> bool {
    let mut steps = Stats::new();
    let mut forecasts = Stats::new();
    let mut identical = 0usize;
    for (k, &host) in series::HOST_CODES.iter().enumerate() {
        let window = &series::CODES[k..k + WINDOW];
        let (code, ticks) = counter.measure(|| {
            forecast(&QUANTIZED_MODEL, window.iter().copied(), |m, s, x| {
                let (y, t) = counter.measure(|| m.step(s, x));
                steps.add(t);
                y
            })
        });
        forecasts.add(ticks);
        identical += usize::from(code == host);
        hprintln!(
            "forecast {}: code {} host {} ({} C)",
            k,
            code,
            host,
            series::HOST_CELSIUS[k]
        );
    }
    hprintln!(
        "parity: {} forecasts, {} bit-identical to the host",
        forecasts.count,
        identical
    );
    let (min, mean, max) = steps.summary(counter);
    hprintln!(
        "{} per step: min {} max {} mean {} ({} steps)",
        counter.unit().name(),
        min,
        max,
        mean,
        steps.count
    );
    let (_, mean, _) = forecasts.summary(counter);
    hprintln!(
        "{} per forecast ({} steps): mean {}",
        counter.unit().name(),
        WINDOW,
        mean
    );
    identical == series::HOST_CODES.len() && identical > 0
}

/// Stack bytes one forecast needs below its caller, by painting.
#[inline(never)]
fn forecast_stack() -> usize {
    let sp = cortex_m::register::msp::read() as usize;
    stack::repaint();
    let code = forecast(
        &QUANTIZED_MODEL,
        series::CODES[..WINDOW].iter().copied(),
        QLayer::step,
    );
    core::hint::black_box(code);
    sp - stack::deepest()
}
