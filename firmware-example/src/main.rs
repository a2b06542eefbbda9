//! Runs an `rnn-core` model exported by `rnn-train` on a Cortex-M core in
//! QEMU: a real excerpt of the sea-temperature series is fed one reading at
//! a time through the streaming API ([`rnn_core::Layer::step`]), every
//! forecast is unscaled with the scaler stored in the model and compared
//! with the host's forecast for the same model and inputs, the cost of a
//! step is counted in instructions, and weight updates are loaded at run
//! time from flash, bad ones rejected with their typed error.
//!
//! The model's weights ([`firmware_model::MODEL`]) are a `static` in flash.
//! Output goes over semihosting; the exit status is success only if every
//! forecast equals the host's bit for bit and every update slot gave its
//! expected result. See README.md.
#![no_std]
#![no_main]

mod board;
mod cost;
mod sensor;
mod stack;
mod update;
mod vectors;

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use firmware_model::{forecast, Model, HORIZON, MODEL, TARGET_SCALES, WINDOW};
use heapless::HistoryBuf;
use panic_semihosting as _;
use rnn_core::Layer;

use board::BOARD;
use cost::{Counter, Stats};

/// The excerpt, its timestamps and the host's forecasts (from `build.rs`).
mod series {
    include!(concat!(env!("OUT_DIR"), "/series.rs"));
}

/// Largest accepted |device − host| per forecast, °C: none. The firmware
/// and the host run the same f32 code (rnn-core's scalar kernel and libm),
/// every f32 operation is IEEE 754 round-to-nearest on the host, the FPU of
/// the M4F/M7 and the M0's soft-float routines, and Rust never fuses a
/// multiply and an add, so the results must be identical.
const TOLERANCE_C: f32 = 0.0;

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

/// The whole demo; `true` if every check passed.
fn run() -> bool {
    let Some(peripherals) = cortex_m::Peripherals::take() else {
        return false;
    };
    hprintln!(
        "rnn-core firmware example on {} ({})",
        BOARD.core,
        BOARD.qemu_machine
    );
    describe_model();

    let (counter, calibration) = Counter::start(peripherals.SYST);
    hprintln!("{}", calibration);

    let forecasts_match = forecast_series(&counter);
    let (loop_peak, size) = stack::peak_and_size();
    let forecast_stack = forecast_stack();
    let updates_ok = try_updates();
    let (update_peak, _) = stack::peak_and_size();
    hprintln!(
        "stack: peak {} bytes of {} (painted high-water mark; sensor loop {}, update demo {}); one forecast needs {}",
        loop_peak.max(update_peak),
        size,
        loop_peak,
        update_peak,
        forecast_stack
    );
    let passed = forecasts_match && updates_ok;
    hprintln!("result: {}", if passed { "PASS" } else { "FAIL" });
    passed
}

/// Prints the model's layers, sizes and where its weights live.
fn describe_model() {
    for layer in 0..Model::LAYERS {
        if let Some(shape) = Model::shape(layer) {
            hprintln!(
                "model layer {}: {:?}, input size {}, units {}",
                layer,
                shape.kind,
                shape.input_size,
                shape.units
            );
        }
    }
    hprintln!(
        "model weights: {} bytes at {:p} (flash, no RAM copy); state {} bytes; window {}, horizon {}",
        Model::WEIGHT_BYTES,
        &MODEL,
        Model::STATE_BYTES,
        WINDOW,
        HORIZON
    );
}

/// The sensor loop: reads the excerpt one reading at a time, forecasts from
/// every full window, compares with the host and counts instructions.
/// Returns whether every forecast equalled the host's within [`TOLERANCE_C`].
#[inline(never)]
fn forecast_series(counter: &Counter) -> bool {
    // The last HORIZON readings of the excerpt are only observed, not read.
    let readings = &series::SERIES[..series::SERIES.len() - HORIZON];
    let mut sensor = sensor::Replay::new(readings);
    // The last WINDOW readings: the model was trained on windows that start
    // from a zero state, so each forecast replays the current window.
    let mut window: HistoryBuf<f32, WINDOW> = HistoryBuf::new();
    let mut steps = Stats::new();
    let mut forecasts = Stats::new();
    let mut max_diff = 0.0f32;
    let mut identical = 0usize;
    // NaN-safe: a NaN difference is never within tolerance.
    let mut within = 0usize;
    let mut index = 0usize;
    // On a board the loop sleeps here until the sample timer fires: a timer
    // interrupt (`#[interrupt] fn TIM2()` on an STM32F4, `RTC0` on an nRF52)
    // sets a flag once an hour and the loop waits in `cortex_m::asm::wfi()`.
    while let Some(reading) = sensor.read() {
        window.write(reading);
        index += 1;
        if !window.is_full() {
            continue;
        }
        let k = index - WINDOW;
        let (value, ticks) = counter.measure(|| {
            forecast(
                &MODEL,
                window.oldest_ordered().copied(),
                |model, state, x| {
                    let (y, ticks) = counter.measure(|| model.step(state, x));
                    steps.add(ticks);
                    y
                },
            )
        });
        forecasts.add(ticks);
        let Some(&host) = series::HOST_FORECASTS.get(k) else {
            return false;
        };
        let diff = (value - host).abs();
        max_diff = max_diff.max(diff);
        identical += usize::from(value.to_bits() == host.to_bits());
        within += usize::from(diff <= TOLERANCE_C);
        let observed = series::SERIES.get(index - 1 + HORIZON).copied();
        hprintln!(
            "{} read {:.3} C -> forecast +{}h {:.4} C (observed {:.3} C) host {:.4} C |diff| {:e}",
            series::TIMES[index - 1],
            reading,
            HORIZON,
            value,
            observed.unwrap_or(f32::NAN),
            host,
            diff
        );
    }
    hprintln!(
        "parity: {} forecasts, {} bit-identical to the host, max |device - host| = {:e} C (tolerance {:e} C, target scale {} C)",
        forecasts.count,
        identical,
        max_diff,
        TOLERANCE_C,
        TARGET_SCALES[0].scale
    );
    let (min, mean, max) = steps.summary(counter);
    hprintln!(
        "{} per step: min {} max {} mean {} ({} steps; SysTick resolution {})",
        counter.unit().name(),
        min,
        max,
        mean,
        steps.count,
        counter.count(1)
    );
    let (_, mean, _) = forecasts.summary(counter);
    hprintln!(
        "{} per forecast ({} steps, scaling included): mean {}",
        counter.unit().name(),
        WINDOW,
        mean
    );
    within == series::HOST_FORECASTS.len() && forecasts.count as usize == within
}

/// Stack bytes that one forecast (a window of steps, scaling included)
/// needs below its caller, measured by painting.
#[inline(never)]
fn forecast_stack() -> usize {
    let sp = cortex_m::register::msp::read() as usize;
    stack::repaint();
    let value = forecast(
        &MODEL,
        series::SERIES[..WINDOW].iter().copied(),
        Layer::step,
    );
    core::hint::black_box(value);
    sp - stack::deepest()
}

/// Tries every update slot into a RAM model; the firmware keeps forecasting
/// with whatever model it has after each attempt. Returns whether every slot
/// gave its expected result and the loaded model forecasts like the host.
#[inline(never)]
fn try_updates() -> bool {
    if cfg!(board = "microbit") {
        // Decoding a version-2 header (with its data contract) next to the
        // RAM model overflows the micro:bit's 16 KB of RAM; the update demo
        // runs on the M4F and M7 only until the decoder needs less stack.
        hprintln!("update demo: skipped on this board (16 KB RAM)");
        return true;
    }
    let Some(storage) = update::storage() else {
        return false;
    };
    hprintln!(
        "update storage: {} bytes at {:p} (RAM)",
        Model::WEIGHT_BYTES,
        storage
    );
    // The window of the last forecast, and the host's forecast from it.
    let k = series::HOST_FORECASTS.len() - 1;
    let (last, host_last) = (k..k + WINDOW, series::HOST_FORECASTS[k]);
    let mut updated = false;
    let mut all_expected = true;
    for slot in update::slots() {
        let result = update::load(storage, &slot);
        let expected = (slot.expected)(&result);
        all_expected &= expected;
        match &result {
            Ok(_) => {
                updated = true;
                hprintln!(
                    "update slot '{}': loaded {} bytes",
                    slot.name,
                    slot.blob.len()
                );
            }
            Err(e) => hprintln!(
                "update slot '{}': rejected: {}; keeping the {} model",
                slot.name,
                e,
                if updated { "updated" } else { "built-in" }
            ),
        }
        if !expected {
            hprintln!(
                "update slot '{}': unexpected result {:?}",
                slot.name,
                result
            );
        }
        let active: &Model = if updated { storage } else { &MODEL };
        let value = forecast(
            active,
            series::SERIES[last.clone()].iter().copied(),
            Layer::step,
        );
        let same = value.to_bits() == host_last.to_bits();
        all_expected &= same;
        hprintln!(
            "  still running: forecast {:.4} C with the {} model ({})",
            value,
            if updated {
                "updated (RAM)"
            } else {
                "built-in (flash)"
            },
            if same {
                "equals host"
            } else {
                "DIFFERS from host"
            }
        );
    }
    all_expected && updated
}
