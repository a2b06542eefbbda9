//! Deployment template with the quantized model: the firmware to copy into
//! a product whose core has no FPU to spare, or whose flash is tight.
//!
//! The same structure as `deploy.rs`, on integers only: the quantized model
//! ([`firmware_model::quantized::QUANTIZED_MODEL`], int8 weights, int16
//! state) stays in flash; a `heapless` window keeps the last
//! [`QUANTIZED_WINDOW`](firmware_model::quantized::QUANTIZED_WINDOW) input codes as an integer sensor
//! front end delivers them (`q · 2^-QUANTIZED_INPUT_FRAC`, scaled units);
//! each new reading gives one output code (`q · 2^-QUANTIZED_OUTPUT_FRAC`)
//! through the streaming [`rnn_core::quant::QLayer::step`]. No float
//! operation, no formatting, no semihosting, and a silent panic handler.
//!
//! Feature `report`: the test build, as in `deploy.rs` (`src/report.rs`).
#![no_std]
#![no_main]

#[cfg(feature = "report")]
mod board;
#[cfg(feature = "report")]
mod cost;
#[cfg(feature = "report")]
mod report;
mod sensor;
#[cfg(feature = "report")]
mod stack;
mod vectors;
mod window;

use core::sync::atomic::{AtomicI16, Ordering};

use cortex_m_rt::entry;
use firmware_model::quantized::{forecast, QUANTIZED_MODEL};
use firmware_model::quantized::{QUANTIZED_HORIZON as HORIZON, QUANTIZED_WINDOW as WINDOW};
use heapless::HistoryBuf;
use panic_halt as _;
use rnn_core::quant::QLayer;

/// The excerpt as input codes (from `build.rs`).
mod series {
    include!(concat!(env!("OUT_DIR"), "/codes.rs"));
    #[cfg(feature = "report")]
    include!(concat!(env!("OUT_DIR"), "/host_codes.rs"));
}

/// The latest forecast as an output code (0 before the first window is
/// full): where a product's radio, display or control task picks it up.
static FORECAST: AtomicI16 = AtomicI16::new(0);

#[entry]
fn main() -> ! {
    #[cfg(feature = "report")]
    let mut report = report::Report::start(&series::HOST_CODES, WINDOW);
    // The last HORIZON readings of the excerpt are only observed, not read.
    let readings = &series::CODES[..series::CODES.len() - HORIZON];
    let mut sensor = sensor::Replay::new(readings);
    let mut window: HistoryBuf<i16, WINDOW> = HistoryBuf::new();
    // On a board the loop sleeps here until the sample timer fires.
    while let Some(code) = sensor.read() {
        window.write(code);
        if window.is_full() {
            #[cfg(not(feature = "report"))]
            let forecast = forecast_window(&window);
            #[cfg(feature = "report")]
            let forecast = report.forecast(|| forecast_window(&window));
            publish(forecast);
        }
    }
    // The test build reports and exits; a product sleeps between samples.
    #[cfg(feature = "report")]
    report.finish(|| forecast_window(&window));
    #[cfg(not(feature = "report"))]
    loop {
        cortex_m::asm::wfi();
    }
}

/// The forecast output code from the window of input codes, oldest first,
/// from a zero state, one [`QLayer::step`] per reading. Not inlined, so
/// that the code the test build counts is this function.
#[inline(never)]
fn forecast_window(window: &HistoryBuf<i16, WINDOW>) -> i16 {
    forecast(&QUANTIZED_MODEL, window::oldest_first(window), QLayer::step)
}

/// Hands the forecast code on. Replace with the product's output.
fn publish(code: i16) {
    FORECAST.store(code, Ordering::Relaxed);
}
