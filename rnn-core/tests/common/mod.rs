//! Helpers shared by the golden-vector tests: reading cases, building
//! layers from Keras/ONNX arrays, comparing tensors.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::PathBuf;

use rnn_core::{Activation, Dense, Gru, Layer, Lstm, LstmState, SVector, SimpleRnn, Stack};
use serde_json::Value;

/// Absolute tolerance for every golden tensor (see testdata/golden/README.md:
/// float32 implementations stay below 1.5e-6 of Keras).
pub const ATOL: f32 = 1e-5;

pub fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/golden")
}

pub fn load(kind: &str, name: &str) -> Value {
    let path = golden_dir().join(kind).join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).expect("golden case is JSON")
}

/// Flattens a nested JSON array of numbers, row-major, into f32s.
pub fn flat(v: &Value) -> Vec<f32> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<f32>) {
        match v {
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            Value::Number(n) => out.push(n.as_f64().expect("number") as f32),
            other => panic!("unexpected JSON value {other}"),
        }
    }
    walk(v, &mut out);
    out
}

pub fn activation(name: &str) -> Activation {
    match name {
        "linear" | "Linear" => Activation::Linear,
        "relu" | "Relu" => Activation::Relu,
        "tanh" | "Tanh" => Activation::Tanh,
        "sigmoid" | "Sigmoid" => Activation::Sigmoid,
        other => panic!("activation {other} not supported"),
    }
}

/// Asserts `|got - want| <= ATOL` element-wise, naming the tensor and index.
pub fn assert_close(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let mut worst = (0.0f32, 0usize);
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let d = (g - w).abs();
        assert!(!d.is_nan(), "{what}[{i}]: got {g}, want {w}");
        if d > worst.0 {
            worst = (d, i);
        }
    }
    assert!(
        worst.0 <= ATOL,
        "{what}: max |diff| {} at {} (got {}, want {})",
        worst.0,
        worst.1,
        got[worst.1],
        want[worst.1]
    );
}

/// Layers (and stacks) that can be built from a Keras case's
/// `layers`/`weights` lists; boxed, as models can be large.
pub trait FromKeras: Layer {
    fn from_keras(layers: &[Value], weights: &[Value]) -> Box<Self>;
}

fn bias(w: &Value) -> Option<Vec<f32>> {
    w.get("bias").map(flat)
}

impl<const I: usize, const H: usize> FromKeras for SimpleRnn<I, H> {
    fn from_keras(layers: &[Value], weights: &[Value]) -> Box<Self> {
        let (l, w) = (&layers[0], &weights[0]);
        assert_eq!(l["type"], "SimpleRNN");
        let mut m = Box::new(Self::zeroed());
        m.set_keras_weights(
            &flat(&w["kernel"]),
            &flat(&w["recurrent_kernel"]),
            bias(w).as_deref(),
            activation(l["activation"].as_str().unwrap()),
        )
        .unwrap();
        m
    }
}

impl<const I: usize, const H: usize> FromKeras for Lstm<I, H> {
    fn from_keras(layers: &[Value], weights: &[Value]) -> Box<Self> {
        let (l, w) = (&layers[0], &weights[0]);
        assert_eq!(l["type"], "LSTM");
        assert_eq!(l["activation"], "tanh");
        assert_eq!(l["recurrent_activation"], "sigmoid");
        let mut m = Box::new(Self::zeroed());
        m.set_keras_weights(
            &flat(&w["kernel"]),
            &flat(&w["recurrent_kernel"]),
            bias(w).as_deref(),
        )
        .unwrap();
        m
    }
}

impl<const I: usize, const H: usize> FromKeras for Gru<I, H> {
    fn from_keras(layers: &[Value], weights: &[Value]) -> Box<Self> {
        let (l, w) = (&layers[0], &weights[0]);
        assert_eq!(l["type"], "GRU");
        assert_eq!(l["activation"], "tanh");
        assert_eq!(l["recurrent_activation"], "sigmoid");
        let mut m = Box::new(Self::zeroed());
        m.set_keras_weights(
            &flat(&w["kernel"]),
            &flat(&w["recurrent_kernel"]),
            bias(w).as_deref(),
            l["reset_after"].as_bool().unwrap(),
        )
        .unwrap();
        m
    }
}

impl<const I: usize, const O: usize> FromKeras for Dense<I, O> {
    fn from_keras(layers: &[Value], weights: &[Value]) -> Box<Self> {
        let (l, w) = (&layers[0], &weights[0]);
        assert_eq!(l["type"], "Dense");
        let mut m = Box::new(Self::zeroed());
        m.set_keras_weights(
            &flat(&w["kernel"]),
            bias(w).as_deref(),
            activation(l["activation"].as_str().unwrap()),
        )
        .unwrap();
        m
    }
}

impl<A, B> FromKeras for Stack<A, B>
where
    A: FromKeras,
    B: FromKeras + Layer<Input = A::Output>,
{
    fn from_keras(layers: &[Value], weights: &[Value]) -> Box<Self> {
        let n = A::LAYERS;
        let first = *A::from_keras(&layers[..n], &weights[..n]);
        let rest = *B::from_keras(&layers[n..], &weights[n..]);
        Box::new(Stack::new(first, rest))
    }
}

/// States that can be set from, and read as, Keras `h` (and `c`) rows.
pub trait KerasState: Sized {
    fn from_keras(h: &[f32], c: Option<&[f32]>) -> Self;
    fn h(&self) -> Vec<f32>;
    fn c(&self) -> Option<Vec<f32>>;
}

impl<const H: usize> KerasState for SVector<f32, H> {
    fn from_keras(h: &[f32], c: Option<&[f32]>) -> Self {
        assert!(c.is_none());
        SVector::from_column_slice(h)
    }
    fn h(&self) -> Vec<f32> {
        self.as_slice().to_vec()
    }
    fn c(&self) -> Option<Vec<f32>> {
        None
    }
}

impl<const H: usize> KerasState for LstmState<H> {
    fn from_keras(h: &[f32], c: Option<&[f32]>) -> Self {
        LstmState {
            h: SVector::from_column_slice(h),
            c: SVector::from_column_slice(c.expect("LSTM initial state has c")),
        }
    }
    fn h(&self) -> Vec<f32> {
        self.h.as_slice().to_vec()
    }
    fn c(&self) -> Option<Vec<f32>> {
        Some(self.c.as_slice().to_vec())
    }
}

/// Splits a Keras input `(batch, T, F)` into per-batch sequences of `[F]`.
pub fn sequences<const F: usize>(input: &[f32], batch: usize) -> Vec<Vec<SVector<f32, F>>> {
    let per = input.len() / batch;
    input
        .chunks(per)
        .map(|b| b.chunks(F).map(SVector::from_column_slice).collect())
        .collect()
}
