//! Every Keras golden case in `testdata/golden/keras/` (Keras 3.15, JAX CPU),
//! checked on every kernel this build and CPU run, on every tensor the case
//! gives, within the case's measured tolerance (`common/tolerances.rs`,
//! never above 1e-5 absolute).

use crate::common::{flat, load, sequences, Check, FromKeras, KerasState};
use rnn_core::{
    Bidirectional, Dense, Direction, Gru, Kernel, Layer, Lstm, MergeMode, SVector, SimpleRnn, Stack,
};
use serde_json::Value;

fn dims(case: &Value) -> (usize, usize) {
    let s = &case["input_shape"];
    (
        s[0].as_u64().unwrap() as usize,
        s[1].as_u64().unwrap() as usize,
    )
}

fn initial_rows(case: &Value, key: &str, batch: usize) -> Option<Vec<Vec<f32>>> {
    let v = flat(case.get("initial_state")?.get(key)?);
    let per = v.len() / batch;
    Some(v.chunks(per).map(<[f32]>::to_vec).collect())
}

/// A single RNN layer: the full hidden-state sequence, final states and the
/// output, with the layer's `return_sequences`, `go_backwards` and initial state.
fn check_rnn<M, const F: usize, const H: usize>(name: &str)
where
    M: FromKeras<Input = SVector<f32, F>, Output = SVector<f32, H>>,
    M::State: KerasState,
{
    let case = load("keras", name);
    let layers = case["layers"].as_array().unwrap();
    let model = M::from_keras(layers, case["weights"].as_array().unwrap());
    let (batch, steps) = dims(&case);
    let direction = if layers[0]["go_backwards"].as_bool().unwrap() {
        Direction::Backward
    } else {
        Direction::Forward
    };
    let hs = initial_rows(&case, "h", batch);
    let cs = initial_rows(&case, "c", batch);
    for kernel in Kernel::available() {
        let check = Check::new(name, kernel);
        let (mut seq, mut final_h, mut final_c) = (Vec::new(), Vec::new(), Vec::new());
        for (b, xs) in sequences::<F>(&flat(&case["input"]), batch)
            .iter()
            .enumerate()
        {
            let init = match &hs {
                Some(h) => M::State::from_keras(&h[b], cs.as_ref().map(|c| c[b].as_slice())),
                None => M::zero_state(),
            };
            let mut state = init;
            let mut outs = vec![SVector::<f32, H>::zeros(); steps];
            model
                .run_sequence_into_with(kernel, &mut state, xs, direction, &mut outs)
                .unwrap();
            // return_sequences=False gives the last element, bit for bit.
            let mut state2 = init;
            let last = model
                .run_sequence_with(kernel, &mut state2, xs, direction)
                .unwrap();
            assert_eq!(last, outs[steps - 1]);
            assert_eq!(state2, state);
            seq.extend(outs.iter().flat_map(|o| o.iter().copied()));
            final_h.extend(state.h());
            if let Some(c) = state.c() {
                final_c.extend(c);
            }
        }
        let expected = &case["expected"];
        if let Some(want) = expected.get("sequence") {
            check.close("sequence", &seq, &flat(want));
        }
        if let Some(want) = expected.get("final_h") {
            check.close("final_h", &final_h, &flat(want));
        }
        if let Some(want) = expected.get("final_c") {
            check.close("final_c", &final_c, &flat(want));
        }
        let output = if layers[0]["return_sequences"].as_bool().unwrap() {
            seq.clone()
        } else {
            final_h.clone()
        };
        check.close("output", &output, &flat(&expected["output"]));
    }
}

/// A stack ending in Dense: the model output for each batch row.
fn check_model<M, const F: usize, const O: usize>(name: &str)
where
    M: FromKeras<Input = SVector<f32, F>, Output = SVector<f32, O>>,
{
    let case = load("keras", name);
    let layers = case["layers"].as_array().unwrap();
    assert!(layers
        .iter()
        .all(|l| l.get("go_backwards").is_none_or(|g| g == false)));
    let model = M::from_keras(layers, case["weights"].as_array().unwrap());
    let (batch, _) = dims(&case);
    for kernel in Kernel::available() {
        let mut out = Vec::new();
        for xs in sequences::<F>(&flat(&case["input"]), batch) {
            let mut state = M::zero_state();
            let y = model
                .run_sequence_with(kernel, &mut state, &xs, Direction::Forward)
                .unwrap();
            out.extend(y.iter().copied());
        }
        Check::new(name, kernel).close("output", &out, &flat(&case["expected"]["output"]));
    }
}

/// A many-to-many model (`return_sequences=True` into a per-timestep
/// Dense, Keras `TimeDistributed`): the output at every timestep, from
/// `run_sequence_into_with`, and the last one from `run_sequence_with`, bit
/// for bit the same.
fn check_sequence_model<M, const F: usize, const O: usize>(name: &str)
where
    M: FromKeras<Input = SVector<f32, F>, Output = SVector<f32, O>>,
{
    let case = load("keras", name);
    let model = M::from_keras(
        case["layers"].as_array().unwrap(),
        case["weights"].as_array().unwrap(),
    );
    let (batch, steps) = dims(&case);
    for kernel in Kernel::available() {
        let mut out = Vec::new();
        for xs in sequences::<F>(&flat(&case["input"]), batch) {
            let mut state = M::zero_state();
            let mut ys = vec![SVector::<f32, O>::zeros(); steps];
            model
                .run_sequence_into_with(kernel, &mut state, &xs, Direction::Forward, &mut ys)
                .unwrap();
            let mut state = M::zero_state();
            let last = model
                .run_sequence_with(kernel, &mut state, &xs, Direction::Forward)
                .unwrap();
            assert_eq!(last, ys[steps - 1]);
            out.extend(ys.iter().flat_map(|y| y.iter().copied()));
        }
        Check::new(name, kernel).close("output", &out, &flat(&case["expected"]["output"]));
    }
}

/// Bidirectional(LSTM(4), merge_mode="concat") → Dense(1): the forward and
/// backward final states (Keras `return_state=True`) and the model output.
#[test]
fn bidirectional_lstm4_concat_f3_t10_b2() {
    let name = "bidirectional_lstm4_concat_f3_t10_b2";
    let case = load("keras", name);
    let (layers, weights) = (
        case["layers"].as_array().unwrap(),
        case["weights"].as_array().unwrap(),
    );
    assert_eq!(layers[0]["merge_mode"], "concat");
    let inner = [layers[0]["layer"].clone()];
    let direction = |key: &str| *Lstm::<3, 4>::from_keras(&inner, &[weights[0][key].clone()]);
    let bi = Bidirectional::<_, _, 8> {
        forward: direction("forward"),
        backward: direction("backward"),
        merge: MergeMode::Concat,
    };
    let head = Dense::<8, 1>::from_keras(&layers[1..], &weights[1..]);
    let (batch, _) = dims(&case);
    let parts = &case["expected"]["bidirectional_parts"];
    for kernel in Kernel::available() {
        let check = Check::new(name, kernel);
        let (mut out, mut fh, mut fc, mut bh, mut bc) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for xs in sequences::<3>(&flat(&case["input"]), batch) {
            let merged = bi.run_sequence_with(kernel, &xs).unwrap();
            out.extend(head.step_with(kernel, &mut (), &merged).iter().copied());
            let mut f = Lstm::<3, 4>::zero_state();
            bi.forward
                .run_sequence_with(kernel, &mut f, &xs, Direction::Forward)
                .unwrap();
            let mut b = Lstm::<3, 4>::zero_state();
            bi.backward
                .run_sequence_with(kernel, &mut b, &xs, Direction::Backward)
                .unwrap();
            assert_eq!(merged.as_slice(), [f.h.as_slice(), b.h.as_slice()].concat());
            fh.extend(f.h.iter().copied());
            fc.extend(f.c.iter().copied());
            bh.extend(b.h.iter().copied());
            bc.extend(b.c.iter().copied());
        }
        check.close("forward_h", &fh, &flat(&parts["forward_h"]));
        check.close("forward_c", &fc, &flat(&parts["forward_c"]));
        check.close("backward_h", &bh, &flat(&parts["backward_h"]));
        check.close("backward_c", &bc, &flat(&parts["backward_c"]));
        check.close("output", &out, &flat(&case["expected"]["output"]));
    }
}

/// GRU(8, return_sequences) → TimeDistributed(Dense(2)).
#[test]
fn seq2seq_gru8_timedistributed_dense2_f3_t20_b2() {
    check_sequence_model::<Stack<Gru<3, 8>, Dense<8, 2>>, 3, 2>(
        "seq2seq_gru8_timedistributed_dense2_f3_t20_b2",
    );
}

macro_rules! rnn_case {
    ($name:ident, $ty:ty, $f:literal, $h:literal) => {
        #[test]
        fn $name() {
            check_rnn::<$ty, $f, $h>(stringify!($name));
        }
    };
}

macro_rules! model_case {
    ($name:ident, $ty:ty, $f:literal, $o:literal) => {
        #[test]
        fn $name() {
            check_model::<$ty, $f, $o>(stringify!($name));
        }
    };
}

rnn_case!(simplernn_tanh_u1_f1_t1_b2, SimpleRnn<1, 1>, 1, 1);
rnn_case!(simplernn_tanh_u4_f3_t10_b2, SimpleRnn<3, 4>, 3, 4);
rnn_case!(simplernn_tanh_u33_f3_t200_b3, SimpleRnn<3, 33>, 3, 33);
rnn_case!(simplernn_relu_u8_f3_t10_b3, SimpleRnn<3, 8>, 3, 8);
rnn_case!(simplernn_tanh_saturated_u8_f3_t10_b2, SimpleRnn<3, 8>, 3, 8);
rnn_case!(lstm_u4_f3_t10_b2, Lstm<3, 4>, 3, 4);
rnn_case!(lstm_u1_f1_t10_b3, Lstm<1, 1>, 1, 1);
rnn_case!(lstm_u33_f3_t200_b2, Lstm<3, 33>, 3, 33);
rnn_case!(lstm_seq_state_u16_f3_t10_b2, Lstm<3, 16>, 3, 16);
rnn_case!(lstm_nobias_u8_f3_t10_b2, Lstm<3, 8>, 3, 8);
rnn_case!(lstm_initstate_u8_f3_t10_b2, Lstm<3, 8>, 3, 8);
rnn_case!(lstm_gobackwards_seq_u4_f3_t10_b2, Lstm<3, 4>, 3, 4);
rnn_case!(lstm_saturated_u4_f3_t10_b3, Lstm<3, 4>, 3, 4);
rnn_case!(gru_ra1_u4_f3_t10_b2, Gru<3, 4>, 3, 4);
rnn_case!(gru_ra1_u16_f1_t200_b3, Gru<1, 16>, 1, 16);
rnn_case!(gru_ra1_initstate_u4_f3_t10_b2, Gru<3, 4>, 3, 4);
rnn_case!(gru_ra1_saturated_u8_f1_t10_b2, Gru<1, 8>, 1, 8);
rnn_case!(gru_ra0_u8_f3_t10_b2, Gru<3, 8>, 3, 8);
rnn_case!(gru_ra0_u1_f1_t1_b3, Gru<1, 1>, 1, 1);
// IRNN (Le, Jaitly & Hinton 2015): ReLU SimpleRNN, identity recurrent kernel.
rnn_case!(irnn_relu_identity_u16_f1_t100_b2, SimpleRnn<1, 16>, 1, 16);

model_case!(
    stacked_lstm16_gru8_dense3_f3_t10_b2,
    Stack<Lstm<3, 16>, Stack<Gru<16, 8>, Dense<8, 3>>>,
    3,
    3
);
model_case!(
    mixed_gru16_lstm8_dense3_f1_t50_b2,
    Stack<Gru<1, 16>, Stack<Lstm<16, 8>, Dense<8, 3>>>,
    1,
    3
);
model_case!(
    classifier_lstm8_dense4softmax_f6_t100_b3,
    Stack<Lstm<6, 8>, Dense<8, 4>>,
    6,
    4
);
model_case!(
    dense_sigmoid_binary_lstm4_f2_t30_b3,
    Stack<Lstm<2, 4>, Dense<4, 1>>,
    2,
    1
);
model_case!(
    lecture_simplernn50_dense1,
    Stack<SimpleRnn<1, 50>, Dense<50, 1>>,
    1,
    1
);
model_case!(
    lecture_simplernn50_dense1_trained,
    Stack<SimpleRnn<1, 50>, Dense<50, 1>>,
    1,
    1
);
model_case!(
    lstm16_dense1_t30_f1_b2,
    Stack<Lstm<1, 16>, Dense<16, 1>>,
    1,
    1
);
model_case!(
    sine_simplernn10_dense1_trained,
    Stack<SimpleRnn<1, 10>, Dense<10, 1>>,
    1,
    1
);

/// The lecture model has exactly Keras's 2651 parameters.
#[test]
fn lecture_model_has_2651_parameters() {
    let case = load("keras", "lecture_simplernn50_dense1");
    type M = Stack<SimpleRnn<1, 50>, Dense<50, 1>>;
    let model = M::from_keras(
        case["layers"].as_array().unwrap(),
        case["weights"].as_array().unwrap(),
    );
    let mut count = 0;
    model.visit_params(&mut |s| count += s.len());
    assert_eq!(count, 2651);
}

/// Keras `stateful=True` streaming in chunks of 70 and 50 timesteps.
#[test]
fn streaming_lstm_u8_f3_t120_b2() {
    let case = load("keras", "streaming_lstm_u8_f3_t120_b2");
    let model = Lstm::<3, 8>::from_keras(
        case["layers"].as_array().unwrap(),
        case["weights"].as_array().unwrap(),
    );
    let (batch, steps) = dims(&case);
    let xs = sequences::<3>(&flat(&case["input"]), batch);
    for kernel in Kernel::available() {
        let check = Check::new("streaming_lstm_u8_f3_t120_b2", kernel);
        let mut states = vec![Lstm::<3, 8>::zero_state(); batch];
        let mut whole = Vec::new();
        for (k, chunk) in case["chunks"].as_array().unwrap().iter().enumerate() {
            let start = chunk["start"].as_u64().unwrap() as usize;
            let len = chunk["length"].as_u64().unwrap() as usize;
            let (mut out, mut fh, mut fc) = (Vec::new(), Vec::new(), Vec::new());
            for (b, state) in states.iter_mut().enumerate() {
                for x in &xs[b][start..start + len] {
                    out.extend(model.step_with(kernel, state, x).iter().copied());
                }
                fh.extend(state.h.iter().copied());
                fc.extend(state.c.iter().copied());
            }
            let want = &case["expected"]["chunks"][k];
            check.close("chunk output", &out, &flat(&want["output"]));
            check.close("chunk final_h", &fh, &flat(&want["final_h"]));
            check.close("chunk final_c", &fc, &flat(&want["final_c"]));
            whole.push(out);
        }
        // The chunks concatenated equal one stateless pass, bit for bit.
        let mut full = Vec::new();
        for seq in &xs {
            let mut state = Lstm::<3, 8>::zero_state();
            let mut outs = vec![SVector::<f32, 8>::zeros(); steps];
            model
                .run_sequence_into_with(kernel, &mut state, seq, Direction::Forward, &mut outs)
                .unwrap();
            full.push(outs);
        }
        let expected_full = flat(&case["expected"]["full_sequence_output"]);
        let full_flat: Vec<f32> = full
            .iter()
            .flatten()
            .flat_map(|o| o.iter().copied())
            .collect();
        check.close("full_sequence_output", &full_flat, &expected_full);
        let (first, second) = (&whole[0], &whole[1]);
        let per_b = |chunk: &Vec<f32>, b: usize| -> Vec<f32> {
            let n = chunk.len() / batch;
            chunk[b * n..(b + 1) * n].to_vec()
        };
        for (b, seq_out) in full.iter().enumerate() {
            let flat_b: Vec<f32> = seq_out.iter().flat_map(|o| o.iter().copied()).collect();
            let chunked = [per_b(first, b), per_b(second, b)].concat();
            assert_eq!(flat_b, chunked, "batch {b}: chunked differs from whole");
        }
    }
}

/// Every case file in the folder is covered by a test above.
#[test]
fn every_keras_case_is_tested() {
    let source = include_str!("golden_keras.rs");
    let dir = crate::common::golden_dir().join("keras");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let stem = name.strip_suffix(".json").unwrap();
        assert!(
            source.contains(&format!("{stem},")) || source.contains(&format!("fn {stem}()")),
            "golden case {stem} has no test"
        );
        n += 1;
    }
    assert_eq!(n, 31);
}
