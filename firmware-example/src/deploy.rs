//! Deployment template: the firmware to copy into a product.
//!
//! The model ([`firmware_model::MODEL`], generated from the `.rnnw` file)
//! stays in flash; a `heapless` window keeps the last
//! [`WINDOW`](firmware_model::WINDOW) readings; each new reading gives one
//! forecast through the streaming step ([`rnn_core::Layer::step`]), with
//! the input scaled and the output unscaled by the scaler stored in the
//! model file ([`firmware_model::forecast`]). Nothing is formatted, nothing
//! goes over semihosting, and a panic halts silently (`panic-halt`).
//!
//! What to replace in a product: [`sensor::Replay`] (the driver read),
//! [`publish`] (where the forecast goes) and the comment at the top of the
//! loop (the sample timer). See README.md, "Deployment template".
//!
//! The feature `report` (the test build, `scripts/firmware-test.sh`) adds
//! the `report` module: it compares every forecast with the host's bit for
//! bit, counts the instructions of each forecast with SysTick and reads the
//! painted stack peak, and prints them over semihosting once the excerpt
//! is used up. The sizes in the README are those of the build without it.
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

use core::sync::atomic::{AtomicU32, Ordering};

use cortex_m_rt::entry;
use firmware_model::{forecast, Model, HORIZON, MODEL, WINDOW};
use heapless::HistoryBuf;
use panic_halt as _;
use rnn_core::{Layer, SVector};

/// The excerpt the sensor replays (from `build.rs`).
mod series {
    include!(concat!(env!("OUT_DIR"), "/readings.rs"));
    #[cfg(feature = "report")]
    include!(concat!(env!("OUT_DIR"), "/host_forecasts.rs"));
}

/// The latest forecast, °C, as `f32` bits (0 before the first window is
/// full): where a product's radio, display or control task picks it up.
static FORECAST: AtomicU32 = AtomicU32::new(0);

#[entry]
fn main() -> ! {
    #[cfg(feature = "report")]
    let mut report = report::Report::start(&series::HOST_FORECASTS, WINDOW);
    // The last HORIZON readings of the excerpt are only observed, not read.
    let readings = &series::SERIES[..series::SERIES.len() - HORIZON];
    let mut sensor = sensor::Replay::new(readings);
    let mut window: HistoryBuf<f32, WINDOW> = HistoryBuf::new();
    // On a board the loop sleeps here until the sample timer fires (a timer
    // interrupt sets a flag; the loop waits in `cortex_m::asm::wfi()`).
    while let Some(reading) = sensor.read() {
        window.write(reading);
        if window.is_full() {
            #[cfg(not(feature = "report"))]
            let celsius = forecast_window(&window);
            #[cfg(feature = "report")]
            let celsius = report.forecast(|| forecast_window(&window));
            publish(celsius);
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

/// The forecast (°C, [`HORIZON`] readings ahead) from the window, oldest
/// reading first: the model was trained on windows that start from a zero
/// state, so the whole window is replayed, one [`Layer::step`] per reading.
/// Not inlined, so that the code the test build counts is this function.
#[inline(never)]
fn forecast_window(window: &HistoryBuf<f32, WINDOW>) -> f32 {
    forecast(&MODEL, window::oldest_first(window), step)
}

/// One streaming step ([`Layer::step`]), kept out of the window loop:
/// inlined there, the compiler hoists the weight loads out of the loop and
/// spills them to the stack. Measured on the M4F (`scripts/firmware-test.sh`
/// before and after, without LTO): inlined, 532 B more flash and 352 B
/// more stack for one forecast (904 B, which put the peak over 1 KB), for
/// 5 % fewer instructions.
#[inline(never)]
fn step(
    model: &Model,
    state: &mut <Model as Layer>::State,
    x: &SVector<f32, 1>,
) -> SVector<f32, 1> {
    model.step(state, x)
}

/// Hands the forecast on (°C). Replace with the product's output.
fn publish(celsius: f32) {
    FORECAST.store(celsius.to_bits(), Ordering::Relaxed);
}
