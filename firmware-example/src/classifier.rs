//! Runs the activity classifier (`firmware_model::classifier`, trained by
//! `rnn-train classify` on the bundled smartwatch recordings) on a
//! Cortex-M core in QEMU: test cases replayed one timestep (6 readings) at
//! a time, the class probabilities and the predicted label of each
//! compared bit for bit with the host's, and the instructions per step
//! counted. See README.md.
#![no_std]
#![no_main]

mod board;
mod cost;
mod stack;
mod vectors;

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use firmware_model::classifier::{label, probabilities, Model, CLASSES, MODEL, WINDOW};
use panic_semihosting as _;
use rnn_core::Layer;

use board::BOARD;
use cost::{Counter, Stats};

/// Test cases and the host's results (`build.rs`).
mod cases {
    include!(concat!(env!("OUT_DIR"), "/classifier_cases.rs"));
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
        "rnn-core classifier firmware on {} ({})",
        BOARD.core,
        BOARD.qemu_machine
    );
    hprintln!(
        "classifier: {} layers, weights {} bytes at {:p} (flash); state {} bytes; {} timesteps per case; classes {:?}",
        Model::LAYERS,
        Model::WEIGHT_BYTES,
        &MODEL,
        Model::STATE_BYTES,
        WINDOW,
        CLASSES
    );
    let (counter, calibration) = Counter::start(peripherals.SYST);
    hprintln!("{}", calibration);
    let mut steps = Stats::new();
    let (mut same_bits, mut same_label, mut right) = (0, 0, 0);
    for (k, case) in cases::CASES.iter().enumerate() {
        let p = probabilities(&MODEL, case, |m, s, x| {
            let (y, t) = counter.measure(|| m.step(s, x));
            steps.add(t);
            y
        });
        let predicted = label(&p);
        same_bits += usize::from(
            p.iter()
                .zip(&cases::HOST_BITS[k])
                .all(|(v, b)| v.to_bits() == *b),
        );
        same_label += usize::from(predicted == cases::HOST_LABELS[k]);
        right += usize::from(predicted == cases::ACTUAL[k]);
        hprintln!(
            "case {}: actual {}, predicted {} (p = {}), host {}",
            cases::NAMES[k],
            CLASSES[cases::ACTUAL[k]],
            CLASSES[predicted],
            p[predicted],
            CLASSES[cases::HOST_LABELS[k]]
        );
    }
    let n = cases::CASES.len();
    hprintln!(
        "parity: {} cases, {} labels and {} probability vectors bit-identical to the host",
        n,
        same_label,
        same_bits
    );
    hprintln!("accuracy on these cases: {} of {}", right, n);
    let (min, mean, max) = steps.summary(&counter);
    hprintln!(
        "{} per step: min {} max {} mean {} ({} steps)",
        counter.unit().name(),
        min,
        max,
        mean,
        steps.count
    );
    let (peak, size) = stack::peak_and_size();
    let one = case_stack();
    hprintln!(
        "stack: peak {} bytes of {}; one case needs {}",
        peak,
        size,
        one
    );
    let passed = same_bits == n && same_label == n;
    hprintln!("result: {}", if passed { "PASS" } else { "FAIL" });
    passed
}

/// Stack bytes one case needs: painted, classified, measured.
#[inline(never)]
fn case_stack() -> usize {
    let sp = cortex_m::register::msp::read() as usize;
    stack::repaint();
    let p = probabilities(&MODEL, &cases::CASES[0], Layer::step);
    core::hint::black_box(p);
    sp - stack::deepest()
}
