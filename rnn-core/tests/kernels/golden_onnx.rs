//! Every ONNX Runtime golden case in `testdata/golden/onnx/` (onnxruntime
//! 1.32, opset 14, forward direction, layout 0), on every kernel this build
//! and CPU run, within the case's measured tolerance (`common/tolerances.rs`,
//! never above 1e-5 absolute).
//! ONNX orders LSTM gates i, o, f, c and places the GRU reset differently,
//! so these cases check the import mapping as much as the layers.

use crate::common::{activation, flat, load, Check, KerasState};
use rnn_core::{Direction, Gru, Kernel, Layer, Lstm, SVector, SimpleRnn};
use serde_json::Value;

/// Runs `model` over X `(T, batch, I)` from initial_h (and initial_c), and
/// checks Y `(T, 1, batch, H)`, Y_h and Y_c.
fn run<M, const I: usize, const H: usize>(model: &M, name: &str, case: &Value)
where
    M: Layer<Input = SVector<f32, I>, Output = SVector<f32, H>>,
    M::State: KerasState,
{
    for kernel in Kernel::available() {
        run_on(model, Check::new(name, kernel), case);
    }
}

fn run_on<M, const I: usize, const H: usize>(model: &M, check: Check, case: &Value)
where
    M: Layer<Input = SVector<f32, I>, Output = SVector<f32, H>>,
    M::State: KerasState,
{
    let x = flat(&case["inputs"]["X"]);
    let h0 = flat(&case["inputs"]["initial_h"]);
    let c0 = case["inputs"].get("initial_c").map(flat);
    let batch = h0.len() / H;
    let steps = x.len() / (batch * I);
    let mut y = vec![0.0f32; steps * batch * H];
    let (mut yh, mut yc) = (Vec::new(), Vec::new());
    for b in 0..batch {
        let xs: Vec<SVector<f32, I>> = (0..steps)
            .map(|t| SVector::from_column_slice(&x[(t * batch + b) * I..][..I]))
            .collect();
        let hb = &h0[b * H..][..H];
        let cb = c0.as_ref().map(|c| &c[b * H..][..H]);
        let mut state = M::State::from_keras(hb, cb);
        let mut outs = vec![SVector::<f32, H>::zeros(); steps];
        model
            .run_sequence_into_with(check.kernel, &mut state, &xs, Direction::Forward, &mut outs)
            .unwrap();
        for (t, o) in outs.iter().enumerate() {
            y[(t * batch + b) * H..][..H].copy_from_slice(o.as_slice());
        }
        yh.extend(state.h());
        if let Some(c) = state.c() {
            yc.extend(c);
        }
    }
    let expected = &case["expected"];
    check.close("Y", &y, &flat(&expected["Y"]));
    check.close("Y_h", &yh, &flat(&expected["Y_h"]));
    if let Some(want) = expected.get("Y_c") {
        check.close("Y_c", &yc, &flat(want));
    }
}

fn arrays(case: &Value) -> (Vec<f32>, Vec<f32>, Option<Vec<f32>>) {
    let init = &case["initializers"];
    (flat(&init["W"]), flat(&init["R"]), init.get("B").map(flat))
}

fn lstm<const I: usize, const H: usize>(name: &str) {
    let case = load("onnx", name);
    assert_eq!(case["op"], "LSTM");
    let (w, r, b) = arrays(&case);
    let mut m = Box::new(Lstm::<I, H>::zeroed());
    m.set_onnx_weights(&w, &r, b.as_deref()).unwrap();
    run(&*m, name, &case);
}

fn gru<const I: usize, const H: usize>(name: &str) {
    let case = load("onnx", name);
    assert_eq!(case["op"], "GRU");
    let lbr = case["attributes"]["linear_before_reset"].as_i64() == Some(1);
    let (w, r, b) = arrays(&case);
    let mut m = Box::new(Gru::<I, H>::zeroed());
    m.set_onnx_weights(&w, &r, b.as_deref(), lbr).unwrap();
    run(&*m, name, &case);
}

fn rnn<const I: usize, const H: usize>(name: &str) {
    let case = load("onnx", name);
    assert_eq!(case["op"], "RNN");
    let act = case["attributes"]
        .get("activations")
        .map_or("Tanh", |a| a[0].as_str().unwrap());
    let (w, r, b) = arrays(&case);
    let mut m = Box::new(SimpleRnn::<I, H>::zeroed());
    m.set_onnx_weights(&w, &r, b.as_deref(), activation(act))
        .unwrap();
    run(&*m, name, &case);
}

#[test]
fn onnx_lstm_h4_i3_t10_b2() {
    lstm::<3, 4>("onnx_lstm_h4_i3_t10_b2");
}

#[test]
fn onnx_lstm_h16_i1_t200_b2() {
    lstm::<1, 16>("onnx_lstm_h16_i1_t200_b2");
}

#[test]
fn onnx_lstm_from_keras_lstm_initstate_u8_f3_t10_b2() {
    lstm::<3, 8>("onnx_lstm_from_keras_lstm_initstate_u8_f3_t10_b2");
}

#[test]
fn onnx_gru_lbr0_h4_i3_t10_b2() {
    gru::<3, 4>("onnx_gru_lbr0_h4_i3_t10_b2");
}

#[test]
fn onnx_gru_lbr1_h8_i1_t10_b3() {
    gru::<1, 8>("onnx_gru_lbr1_h8_i1_t10_b3");
}

#[test]
fn onnx_gru_lbr1_from_keras_gru_ra1_initstate_u4_f3_t10_b2() {
    gru::<3, 4>("onnx_gru_lbr1_from_keras_gru_ra1_initstate_u4_f3_t10_b2");
}

#[test]
fn onnx_rnn_tanh_h8_i3_t10_b2() {
    rnn::<3, 8>("onnx_rnn_tanh_h8_i3_t10_b2");
}

#[test]
fn onnx_rnn_relu_h4_i1_t10_b2() {
    rnn::<1, 4>("onnx_rnn_relu_h4_i1_t10_b2");
}

/// Every `.json` case in the folder is covered by a test above.
#[test]
fn every_onnx_case_is_tested() {
    let source = include_str!("golden_onnx.rs");
    let dir = crate::common::golden_dir().join("onnx");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some(stem) = name.strip_suffix(".json") {
            assert!(source.contains(&format!("fn {stem}()")), "{stem} untested");
            n += 1;
        }
    }
    assert_eq!(n, 8);
}
