//! Post-training quantization of the bundled sea-temperature model
//! (LSTM(16) + Dense(1), trained by rnn-train), calibrated on the training
//! part of its series and compared with the float model on the test part:
//! the error bounds stated in `rnn_core::quant` (module docs) hold, the
//! quantized forecasts still beat persistence, and the const-generic and
//! run-time sized integer models agree bit for bit.
#![cfg(feature = "std")]

use rnn_core::format::{load_into, read_header};
use rnn_core::quant::format::load_quantized_into;
use rnn_core::quant::{
    dequantize_value, quantize_value, Calibration, QDense, QLayer, QLstm, QModel,
};
use rnn_core::{Dense, Layer, Lstm, SVector, Stack};

const BLOB: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../firmware-example/model/sea_temperature.rnnw"
));
const CSV: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/sea_surface_temperature_hourly.csv"
));

/// Largest |quantized − float| forecast over the test windows, in scaled
/// units (the series spans 0 to about 1): the bound stated in the
/// `rnn_core::quant` docs.
const MAX_DEVIATION: f64 = 0.001;

type Float = Stack<Lstm<1, 16>, Dense<16, 1>>;
type Quant = Stack<QLstm<1, 16>, QDense<16, 1>>;

/// The series in the model's scaled units and the window length.
fn series() -> (Vec<f32>, usize) {
    let meta = read_header(BLOB)
        .expect("valid")
        .header
        .metadata
        .expect("scaler");
    let scale = meta.inputs[0];
    let values = CSV
        .lines()
        .skip(1)
        .map(|l| {
            scale.scale(
                l.split(',')
                    .nth(1)
                    .expect("column")
                    .parse()
                    .expect("number"),
            )
        })
        .collect();
    (values, meta.window as usize)
}

fn rmse(e: &[f64]) -> f64 {
    (e.iter().map(|v| v * v).sum::<f64>() / e.len() as f64).sqrt()
}

#[test]
fn quantized_sea_temperature_model_tracks_the_float_model() {
    let (x, window) = series();
    let n_windows = x.len() - window;
    let train_end = n_windows * 70 / 100;
    let test_start = n_windows * 85 / 100;
    let calibration =
        Calibration::run(BLOB, (0..train_end).map(|k| &x[k..k + window])).expect("calibrate");
    let q = QModel::quantize(BLOB, &calibration).expect("quantize");
    let qblob = q.to_blob().expect("encode");
    assert!(
        q.param_bytes() <= 1600,
        "{} bytes of parameters",
        q.param_bytes()
    );

    let mut float = Box::new(Float::ZEROED);
    load_into(&mut *float, BLOB).expect("float");
    let mut quant = Box::new(Quant::ZEROED);
    load_quantized_into(&mut *quant, &qblob).expect("quantized");
    let (fin, fout) = (q.input_frac(), q.output_frac());

    let (mut ef, mut eq, mut ep, mut diff) = (vec![], vec![], vec![], vec![]);
    for k in test_start..n_windows {
        let (mut fs, mut qs, mut ds) = (Float::zero_state(), Quant::zero_state(), q.zero_state());
        let (mut yf, mut yq) = (0.0f32, 0i16);
        for &v in &x[k..k + window] {
            yf = float.step(&mut fs, &SVector::from([v]))[0];
            let xq = [quantize_value(v, fin).0];
            yq = quant.step(&mut qs, &xq)[0];
            assert_eq!(q.step(&mut ds, &xq).expect("sizes"), vec![yq]);
        }
        let target = f64::from(x[k + window]);
        let yqf = f64::from(dequantize_value(yq, fout));
        ef.push(f64::from(yf) - target);
        eq.push(yqf - target);
        ep.push(f64::from(x[k + window - 1]) - target);
        diff.push(yqf - f64::from(yf));
    }
    let (rf, rq, rp) = (rmse(&ef), rmse(&eq), rmse(&ep));
    let max_diff = diff.iter().fold(0.0f64, |m, d| m.max(d.abs()));
    println!(
        "test windows {}: RMSE float {rf:.6}, quantized {rq:.6} ({:.4}x), persistence {rp:.6}; max |q - f| {max_diff:.6} (scaled units), RMS {:.6}",
        ef.len(),
        rq / rf,
        rmse(&diff)
    );
    assert!(rq < rp, "quantized model no better than persistence");
    assert!(rq <= 1.01 * rf, "quantized RMSE {rq} > 1.01 × float {rf}");
    assert!(max_diff <= MAX_DEVIATION, "{max_diff}");
}
