//! The training network's forward pass against Keras 3.15 golden outputs
//! (`testdata/golden/keras`, JAX backend): every case this network can
//! express (Keras `return_sequences=False` on the last RNN layer, or
//! `True` into a `TimeDistributed(Dense)` for sequence output; zero
//! initial state, forward direction; stacks of mixed kinds; layers with
//! and without bias), including the saturation cases and 200-timestep
//! sequences, within `atol = 1e-5` (the golden
//! README's tolerance; Keras ran in float32, we run in float64).

use rnn_train::fit::{evaluate, Dataset, Loss};
use rnn_train::nn::{Activation, Architecture, CellKind, Network, RecurrentLayer};
use serde_json::Value;

const ATOL: f64 = 1e-5;

fn golden(name: &str) -> Value {
    let path = format!(
        "{}/../testdata/golden/keras/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn flatten(v: &Value) -> Vec<f64> {
    fn flat(v: &Value, out: &mut Vec<f64>) {
        match v {
            Value::Array(items) => items.iter().for_each(|x| flat(x, out)),
            Value::Number(n) => out.push(n.as_f64().unwrap()),
            other => panic!("not a number: {other}"),
        }
    }
    let mut out = Vec::new();
    flat(v, &mut out);
    out
}

fn activation(name: &str) -> Activation {
    match name {
        "linear" => Activation::Linear,
        "relu" => Activation::Relu,
        "tanh" => Activation::Tanh,
        "sigmoid" => Activation::Sigmoid,
        other => panic!("activation {other}"),
    }
}

/// The architecture of a golden case and a network holding Keras's weights.
///
/// `Network::params` holds, per layer, Keras's `kernel`, `recurrent_kernel`
/// and (with `use_bias`) `bias` in Keras's own (row-major) memory order.
/// Each recurrent layer keeps its own kind and `use_bias`.
fn keras_network(case: &Value) -> Network {
    let shape = flatten(&case["input_shape"]);
    let mut arch = Architecture {
        input_size: shape[2] as usize,
        recurrent: Vec::new(),
        dense: Vec::new(),
        sequence_output: false,
    };
    for layer in case["layers"].as_array().unwrap() {
        let units = layer["units"].as_u64().unwrap() as usize;
        if layer["type"] == "TimeDistributed" {
            let inner = &layer["layer"];
            assert_eq!(inner["type"], "Dense", "TimeDistributed of a Dense");
            assert!(inner["use_bias"].as_bool().unwrap(), "Dense without bias");
            let act = activation(inner["activation"].as_str().unwrap());
            arch.dense.push((units, act));
            arch.sequence_output = true;
            continue;
        }
        let act = activation(layer["activation"].as_str().unwrap());
        let cell = match layer["type"].as_str().unwrap() {
            "Dense" => {
                assert!(layer["use_bias"].as_bool().unwrap(), "Dense without bias");
                arch.dense.push((units, act));
                continue;
            }
            "SimpleRNN" => CellKind::SimpleRnn { activation: act },
            "LSTM" => CellKind::Lstm,
            "GRU" => CellKind::Gru {
                reset_after: layer["reset_after"].as_bool().unwrap(),
            },
            other => panic!("layer {other}"),
        };
        arch.recurrent.push(RecurrentLayer {
            cell,
            units,
            use_bias: layer["use_bias"].as_bool().unwrap(),
        });
    }
    let mut net = Network::new(&arch, 0).unwrap();
    let mut params = Vec::new();
    for layer in case["weights"].as_array().unwrap() {
        for key in ["kernel", "recurrent_kernel", "bias"] {
            if let Some(array) = layer.get(key) {
                params.extend(flatten(array));
            }
        }
    }
    assert_eq!(params.len(), net.param_count(), "Keras parameter count");
    net.params_mut().copy_from_slice(&params);
    net
}

/// Runs the case; returns the network, its inputs and the largest difference.
fn check(name: &str) -> (Network, Vec<f64>, f64) {
    let case = golden(name);
    let net = keras_network(&case);
    let steps = flatten(&case["input_shape"])[1] as usize;
    let inputs = flatten(&case["input"]);
    let got = net.predict_batch(&inputs, steps).unwrap();
    let want = flatten(&case["expected"]["output"]);
    assert_eq!(got.len(), want.len(), "{name}: output length");
    let worst = got
        .iter()
        .zip(&want)
        .map(|(g, w)| (g - w).abs())
        .fold(0.0, f64::max);
    assert!(worst <= ATOL, "{name}: largest difference {worst:e}");
    (net, inputs, worst)
}

#[test]
fn simple_rnn_cases() {
    for name in [
        "simplernn_tanh_u1_f1_t1_b2.json",
        "simplernn_tanh_u4_f3_t10_b2.json",
        "simplernn_tanh_u33_f3_t200_b3.json",
        "simplernn_relu_u8_f3_t10_b3.json",
        "simplernn_tanh_saturated_u8_f3_t10_b2.json",
        "lecture_simplernn50_dense1.json",
        "irnn_relu_identity_u16_f1_t100_b2.json",
    ] {
        check(name);
    }
}

#[test]
fn lstm_cases() {
    for name in [
        "lstm_u1_f1_t10_b3.json",
        "lstm_u4_f3_t10_b2.json",
        "lstm_u33_f3_t200_b2.json",
        "lstm_saturated_u4_f3_t10_b3.json",
        "lstm16_dense1_t30_f1_b2.json",
        "dense_sigmoid_binary_lstm4_f2_t30_b3.json",
    ] {
        check(name);
    }
}

#[test]
fn gru_cases_both_variants() {
    for name in [
        "gru_ra0_u1_f1_t1_b3.json",
        "gru_ra0_u8_f3_t10_b2.json",
        "gru_ra1_u4_f3_t10_b2.json",
        "gru_ra1_u16_f1_t200_b3.json",
        "gru_ra1_saturated_u8_f1_t10_b2.json",
    ] {
        check(name);
    }
}

/// Stacks whose layers differ in kind: GRU(16) → LSTM(8) → Dense(3) over
/// 50 timesteps, LSTM(16) → GRU(8) → Dense(3) on 3 features.
#[test]
fn mixed_stacks() {
    let gru = CellKind::Gru { reset_after: true };
    for (name, cells) in [
        (
            "mixed_gru16_lstm8_dense3_f1_t50_b2.json",
            [gru, CellKind::Lstm],
        ),
        (
            "stacked_lstm16_gru8_dense3_f3_t10_b2.json",
            [CellKind::Lstm, gru],
        ),
    ] {
        let (net, _, _) = check(name);
        let built: Vec<CellKind> = net
            .architecture()
            .recurrent
            .iter()
            .map(|l| l.cell)
            .collect();
        assert_eq!(built, cells, "{name}");
    }
}

/// Keras `GRU(8, return_sequences=True)` into `TimeDistributed(Dense(2))`:
/// the sequence-output network gives Keras's output at every one of the 20
/// timesteps of both windows (`[2 × 20 × 2]`, within 1e-5 each).
#[test]
fn sequence_to_sequence_time_distributed_dense() {
    let (net, _, worst) = check("seq2seq_gru8_timedistributed_dense2_f3_t20_b2.json");
    assert!(net.architecture().sequence_output);
    assert_eq!(net.outputs_per_window(20), 40);
    assert!(worst <= ATOL);
}

/// Keras `LSTM(8, use_bias=False)`: no bias weights (the parameter count
/// is Keras's, 4·8·(3 + 8) = 352).
#[test]
fn lstm_without_bias() {
    let (net, _, _) = check("lstm_nobias_u8_f3_t10_b2.json");
    assert_eq!(net.param_count(), 352);
    assert!(!net.architecture().recurrent[0].use_bias);
}

/// Keras's trained sine model (SimpleRNN(10) + Dense(1, tanh)) on the
/// cosine windows: same outputs, and the same MSE against the cosine
/// targets as Keras reports (9.7e-4).
#[test]
fn trained_sine_model_and_its_cosine_mse() {
    let name = "sine_simplernn10_dense1_trained.json";
    let (net, inputs, _) = check(name);
    let case = golden(name);
    let cosine = Dataset {
        inputs,
        targets: flatten(&case["cos_targets"]),
        window: 10,
        input_size: 1,
        output_size: 1,
    };
    let mse = evaluate(&net, &cosine, Loss::Mse);
    let keras = case["expected"]["mse_vs_cos_targets"].as_f64().unwrap();
    assert!((mse - keras).abs() < 1e-6, "MSE {mse} vs Keras {keras}");
}

/// Keras's trained lecture model (SimpleRNN(50) + Dense(1)) on the ramp windows.
#[test]
fn trained_lecture_model() {
    check("lecture_simplernn50_dense1_trained.json");
}
