//! Build script of the firmware, run on the host:
//!
//! 1. picks the board from the target and features, copies its `memory.x`
//!    (or the file named by `FIRMWARE_MEMORY_X`, for a real board) to
//!    `OUT_DIR` and sets the `board` cfg;
//! 2. takes the last readings of the bundled sea-temperature series as the
//!    excerpt the firmware replays, and runs the same model on the host
//!    (rnn-core, scalar kernel) over it: the reference forecasts;
//! 3. writes two bad update blobs for the run-time loading demo: one with a
//!    flipped byte, one for a model with another architecture;
//! 4. runs the random-weight layers of `firmware_model::kernel_check` on
//!    the host: the reference outputs of the kernel check;
//! 5. takes test cases of the bundled activity recordings and classifies
//!    them on the host: the reference of the classifier firmware.

use std::fs;
use std::path::{Path, PathBuf};

use firmware_model::{forecast, HORIZON, MODEL, WINDOW};
use rnn_core::format::{encode_raw, encoded_len, read_header, LayerSpec};
use rnn_core::Layer;

/// The bundled series (see `data/README.md`): hourly sea temperature, °C.
const SERIES_CSV: &str = "../data/sea_surface_temperature_hourly.csv";
/// Forecasts the firmware makes: one day of hourly readings.
const FORECASTS: usize = 24;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    board(&out);
    series(&out);
    quantized_series(&out);
    bad_updates(&out);
    kernel_check(&out);
    classifier_cases(&out);
}

/// The bundled labelled recordings (see `data/README.md`).
const CASES_CSV: &str = "../data/basic_motions_activity.csv";
/// Test cases the classifier firmware replays, per class.
const CASES_PER_CLASS: usize = 2;

/// Writes `classifier_cases.rs`: the first [`CASES_PER_CLASS`] test cases
/// of each class of the bundled recordings (raw readings), their labels,
/// and the host's probabilities (as `f32` bits) and predicted labels from
/// the same classifier and routine.
fn classifier_cases(out: &Path) {
    use firmware_model::classifier::{label, probabilities, CLASSES, INPUTS, MODEL, WINDOW};
    println!("cargo::rerun-if-changed={CASES_CSV}");
    let mut reader = csv::Reader::from_path(CASES_CSV).expect("open the bundled recordings");
    let header = reader.headers().expect("a header").clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{CASES_CSV} has no column {name}"))
    };
    let (case, split, class) = (column("case"), column("split"), column("label"));
    let inputs: Vec<usize> = (0..INPUTS).map(|i| column(&format!("dim_{i}"))).collect();
    // (case, class index, rows), test cases in file order.
    let mut cases: Vec<(String, usize, Vec<[f32; INPUTS]>)> = Vec::new();
    for record in reader.records() {
        let r = record.expect("read a CSV row");
        if &r[split] != "test" {
            continue;
        }
        let k = CLASSES
            .iter()
            .position(|c| *c == &r[class])
            .unwrap_or_else(|| panic!("label {} is not a class of the model", &r[class]));
        let row: [f32; INPUTS] = core::array::from_fn(|i| r[inputs[i]].parse().expect("a number"));
        match cases.last_mut() {
            Some((name, _, rows)) if *name == r[case] => rows.push(row),
            _ => cases.push((r[case].to_string(), k, vec![row])),
        }
    }
    let mut chosen = Vec::new();
    for k in 0..CLASSES.len() {
        chosen.extend(cases.iter().filter(|c| c.1 == k).take(CASES_PER_CLASS));
    }
    assert!(
        chosen.iter().all(|c| c.2.len() == WINDOW),
        "every case has WINDOW rows"
    );
    let host: Vec<_> = chosen
        .iter()
        .map(|c| probabilities(&MODEL, &c.2, Layer::step))
        .collect();
    let bits: Vec<Vec<String>> = host
        .iter()
        .map(|p| p.iter().map(|v| format!("{:#010x}", v.to_bits())).collect())
        .collect();
    let n = chosen.len();
    let src = format!(
        "/// Test cases of `{CASES_CSV}` ({CASES_PER_CLASS} per class): raw readings.\n\
         pub static CASES: [[[f32; {INPUTS}]; {WINDOW}]; {n}] = {:?};\n\
         /// Each case's name in the CSV.\n\
         pub static NAMES: [&str; {n}] = {:?};\n\
         /// Each case's label (an index into `CLASSES`).\n\
         pub static ACTUAL: [usize; {n}] = {:?};\n\
         /// The host's probabilities of each case, as `f32` bits.\n\
         pub static HOST_BITS: [[u32; {}]; {n}] = [{}];\n\
         /// The host's predicted label of each case.\n\
         pub static HOST_LABELS: [usize; {n}] = {:?};\n",
        chosen.iter().map(|c| c.2.clone()).collect::<Vec<_>>(),
        chosen.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
        chosen.iter().map(|c| c.1).collect::<Vec<_>>(),
        CLASSES.len(),
        bits.iter()
            .map(|b| format!("[{}]", b.join(", ")))
            .collect::<Vec<_>>()
            .join(", "),
        host.iter().map(label).collect::<Vec<_>>(),
    );
    fs::write(out.join("classifier_cases.rs"), src).expect("write classifier_cases.rs");
}

/// Writes `kernel_check.rs`: the host's outputs of
/// `firmware_model::kernel_check` (scalar kernel), as `f32` bits.
fn kernel_check(out: &Path) {
    let mut bits = Vec::new();
    firmware_model::kernel_check::outputs(|b| bits.push(format!("{b:#010x}")));
    let src = format!(
        "/// The host's outputs of `firmware_model::kernel_check::outputs`.\n\
         pub const OUTPUTS: [u32; {}] = [{}];\n",
        bits.len(),
        bits.join(", ")
    );
    fs::write(out.join("kernel_check.rs"), src).expect("write OUT_DIR/kernel_check.rs");
}

/// Chooses the board, its linker memory map and its `board` cfg.
fn board(out: &Path) {
    let target = std::env::var("TARGET").expect("cargo sets TARGET");
    let feature = |name: &str| std::env::var_os(format!("CARGO_FEATURE_{name}")).is_some();
    let chosen: Vec<&str> = [
        ("MPS2_AN500", "mps2-an500"),
        ("STM32F407", "stm32f407"),
        ("NRF52840", "nrf52840"),
    ]
    .into_iter()
    .filter(|(f, _)| feature(f))
    .map(|(_, board)| board)
    .collect();
    let (board, memory) = match (target.as_str(), chosen.as_slice()) {
        ("thumbv6m-none-eabi", []) => ("microbit", "memory/microbit.x"),
        ("thumbv7em-none-eabihf", []) => ("mps2-an386", "memory/mps2.x"),
        ("thumbv7em-none-eabihf", ["mps2-an500"]) => ("mps2-an500", "memory/mps2.x"),
        ("thumbv7em-none-eabihf", ["stm32f407"]) => ("stm32f407", "memory/stm32f407.x"),
        ("thumbv7em-none-eabihf", ["nrf52840"]) => ("nrf52840", "memory/nrf52840.x"),
        _ => panic!(
            "unsupported target/board {target} (board features: {chosen:?}); build for \
             thumbv7em-none-eabihf (M4F; or with one of the features mps2-an500 (M7), \
             stm32f407, nrf52840) or thumbv6m-none-eabi (M0, no board feature)"
        ),
    };
    // A real board (README.md): FIRMWARE_MEMORY_X=path/to/its/memory.x.
    println!("cargo::rerun-if-env-changed=FIRMWARE_MEMORY_X");
    let memory = std::env::var("FIRMWARE_MEMORY_X").unwrap_or_else(|_| memory.to_string());
    fs::copy(&memory, out.join("memory.x"))
        .unwrap_or_else(|e| panic!("cannot copy {memory} to OUT_DIR/memory.x: {e}"));
    println!("cargo::rerun-if-changed={memory}");
    // The `device` feature's linker script includes a `device.x` (the
    // handler names of a PAC's interrupts); the firmwares have none
    // (src/vectors.rs). With a PAC, delete this write: the PAC's own
    // `device.x` must be the one the linker finds.
    fs::write(
        out.join("device.x"),
        "/* No device interrupts: see src/vectors.rs. */\n",
    )
    .expect("write OUT_DIR/device.x");
    println!("cargo::rustc-link-search={}", out.display());
    println!("cargo::rustc-link-arg-bins=-Tlink.x");
    println!(
        "cargo::rustc-check-cfg=cfg(board, values(\"mps2-an386\", \"mps2-an500\", \"microbit\", \"stm32f407\", \"nrf52840\"))"
    );
    println!("cargo::rustc-cfg=board=\"{board}\"");
}

/// Writes `series.rs`: the excerpt, its timestamps and the host forecasts.
fn series(out: &Path) {
    println!("cargo::rerun-if-changed={SERIES_CSV}");
    let mut reader = csv::Reader::from_path(SERIES_CSV).expect("open the bundled series");
    let rows: Vec<(String, f32)> = reader
        .records()
        .map(|r| {
            let r = r.expect("read a CSV row");
            let value = r[1].parse().expect("temperature_c is a number");
            (r[0].to_string(), value)
        })
        .collect();
    let len = WINDOW + FORECASTS - 1 + HORIZON;
    let excerpt = &rows[rows.len() - len..];
    let values: Vec<f32> = excerpt.iter().map(|r| r.1).collect();
    let host: Vec<f32> = (0..FORECASTS)
        .map(|k| forecast(&MODEL, values[k..k + WINDOW].iter().copied(), Layer::step))
        .collect();

    let readings = format!(
        "/// Readings replayed as the sensor: the last {len} hours of `{SERIES_CSV}`, °C.\n\
         pub static SERIES: [f32; {len}] = {values:?};\n"
    );
    fs::write(out.join("readings.rs"), readings).expect("write readings.rs");
    let times: Vec<&str> = excerpt.iter().map(|r| r.0.as_str()).collect();
    let times = format!(
        "/// UTC time of each reading of [`SERIES`].\n\
         pub static TIMES: [&str; {len}] = {times:?};\n"
    );
    fs::write(out.join("times.rs"), times).expect("write times.rs");
    let host = format!(
        "/// Host rnn-core forecasts (°C): entry `k` after reading `SERIES[WINDOW - 1 + k]`.\n\
         pub static HOST_FORECASTS: [f32; {FORECASTS}] = {host:?};\n"
    );
    fs::write(out.join("host_forecasts.rs"), host).expect("write host_forecasts.rs");
    // The demo takes all three; the deployment template only what it uses.
    let series = ["readings.rs", "times.rs", "host_forecasts.rs"]
        .map(|f| format!("include!(concat!(env!(\"OUT_DIR\"), \"/{f}\"));\n"))
        .concat();
    fs::write(out.join("series.rs"), series).expect("write series.rs");
}

/// Writes `quantized_series.rs` for the quantized firmware: the same
/// excerpt (for the quantized model's own window and horizon) as int16
/// input codes (scaled with the model's input scaler,
/// then `q = round(x · 2^QUANTIZED_INPUT_FRAC)`, as an integer sensor front
/// end would deliver them), the host's integer forecasts from the same
/// const-generic model and kernels, and those forecasts in °C.
fn quantized_series(out: &Path) {
    use firmware_model::quantized::{
        forecast as qforecast, QUANTIZED_HORIZON as HORIZON, QUANTIZED_INPUT_FRAC,
        QUANTIZED_INPUT_SCALES as INPUT_SCALES, QUANTIZED_MODEL, QUANTIZED_OUTPUT_FRAC,
        QUANTIZED_TARGET_SCALES as TARGET_SCALES, QUANTIZED_WINDOW as WINDOW,
    };
    use rnn_core::quant::{dequantize_value, quantize_value, QLayer};

    let mut reader = csv::Reader::from_path(SERIES_CSV).expect("open the bundled series");
    let values: Vec<f32> = reader
        .records()
        .map(|r| {
            r.expect("read a CSV row")[1]
                .parse()
                .expect("temperature_c is a number")
        })
        .collect();
    let len = WINDOW + FORECASTS - 1 + HORIZON;
    let excerpt = &values[values.len() - len..];
    let codes: Vec<i16> = excerpt
        .iter()
        .map(|&v| quantize_value(INPUT_SCALES[0].scale(v), QUANTIZED_INPUT_FRAC).0)
        .collect();
    let host: Vec<i16> = (0..FORECASTS)
        .map(|k| {
            qforecast(
                &QUANTIZED_MODEL,
                codes[k..k + WINDOW].iter().copied(),
                QLayer::step,
            )
        })
        .collect();
    let celsius: Vec<String> = host
        .iter()
        .map(|&c| {
            format!(
                "{:.4}",
                TARGET_SCALES[0].unscale(dequantize_value(c, QUANTIZED_OUTPUT_FRAC))
            )
        })
        .collect();
    let files = [
        (
            "codes.rs",
            format!(
                "/// The excerpt as input codes (`q · 2^-{QUANTIZED_INPUT_FRAC}`, scaled units).\n\
                 pub static CODES: [i16; {len}] = {codes:?};\n"
            ),
        ),
        (
            "host_codes.rs",
            format!(
                "/// Host integer forecasts (output codes): entry `k` from `CODES[k..k + WINDOW]`.\n\
                 pub static HOST_CODES: [i16; {FORECASTS}] = {host:?};\n"
            ),
        ),
        (
            "host_celsius.rs",
            format!(
                "/// The host forecasts in °C, as text (the firmware prints no floats).\n\
                 pub static HOST_CELSIUS: [&str; {FORECASTS}] = {celsius:?};\n"
            ),
        ),
    ];
    let mut series = String::new();
    for (file, src) in files {
        fs::write(out.join(file), src).unwrap_or_else(|e| panic!("write {file}: {e}"));
        series += &format!("include!(concat!(env!(\"OUT_DIR\"), \"/{file}\"));\n");
    }
    // The quantized demo takes all three; the quantized template the first two.
    fs::write(out.join("quantized_series.rs"), series).expect("write quantized_series.rs");
}

/// Writes `update_corrupted.rnnw` (the model's blob with one parameter byte
/// flipped) and `update_other_architecture.rnnw` (a valid blob whose first
/// layer has one more unit than the model's).
fn bad_updates(out: &Path) {
    let blob = &firmware_model::BLOB[..];
    let mut corrupted = blob.to_vec();
    let middle = corrupted.len() / 2;
    corrupted[middle] ^= 0x10;
    fs::write(out.join("update_corrupted.rnnw"), corrupted).expect("write corrupted blob");

    let header = read_header(blob).expect("the model blob is valid").header;
    let mut specs: Vec<LayerSpec> = header.layers.iter().copied().collect();
    grow_units(&mut specs);
    let meta = header.metadata.as_ref();
    let count: usize = specs
        .iter()
        .map(|s| s.param_count().expect("small sizes"))
        .sum();
    let params: Vec<f32> = (0..count).map(|i| 0.01 * ((i % 7) as f32 - 3.0)).collect();
    let mut other = vec![0; encoded_len(&specs, meta).expect("encodable")];
    encode_raw(&specs, meta, &params, &mut other).expect("encode the other blob");
    fs::write(out.join("update_other_architecture.rnnw"), other).expect("write other blob");
}

/// One more unit in the first layer, and one more input to the second, so
/// the layers still chain (a model retrained with another size).
fn grow_units(specs: &mut [LayerSpec]) {
    let grow_output = |s: &mut LayerSpec| match s {
        LayerSpec::SimpleRnn { hidden_size, .. }
        | LayerSpec::Lstm { hidden_size, .. }
        | LayerSpec::Gru { hidden_size, .. } => *hidden_size += 1,
        LayerSpec::Dense { output_size, .. } => *output_size += 1,
    };
    grow_output(&mut specs[0]);
    if let Some(next) = specs.get_mut(1) {
        match next {
            LayerSpec::SimpleRnn { input_size, .. }
            | LayerSpec::Lstm { input_size, .. }
            | LayerSpec::Gru { input_size, .. }
            | LayerSpec::Dense { input_size, .. } => *input_size += 1,
        }
    }
}
