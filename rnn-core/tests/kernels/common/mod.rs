//! Helpers shared by the golden-vector tests: reading cases, building
//! layers from Keras/ONNX arrays, comparing tensors; and the independent
//! reference of the kernel property tests (`oracle`).

use std::path::PathBuf;

use rnn_core::{Activation, Dense, Gru, Kernel, Layer, Lstm, LstmState, SVector, SimpleRnn, Stack};
use serde_json::Value;

/// The most any golden tolerance may be (the project's stated bound).
pub const MAX_ATOL: f32 = 1e-5;

pub mod oracle;
mod tolerances;

/// The absolute tolerance of golden case `case`: set from the largest error
/// measured on every kernel path (see `tolerances.rs`).
pub fn tolerance(case: &str) -> f32 {
    let tol = tolerances::TOLERANCES
        .iter()
        .find(|(name, _)| *name == case)
        .map(|&(_, t)| t)
        .unwrap_or_else(|| panic!("golden case {case} has no measured tolerance in tolerances.rs"));
    assert!(tol <= MAX_ATOL, "{case}: tolerance {tol} above {MAX_ATOL}");
    tol
}

/// One golden case checked on one kernel.
pub struct Check {
    pub case: String,
    pub kernel: Kernel,
    pub tol: f32,
}

impl Check {
    pub fn new(case: &str, kernel: Kernel) -> Self {
        Check {
            case: case.to_string(),
            kernel,
            tol: tolerance(case),
        }
    }

    /// Asserts `|got - want| <= tol` element-wise, naming the tensor and
    /// index, and prints the largest error (`golden-error` lines, from
    /// which the tolerances were set).
    pub fn close(&self, what: &str, got: &[f32], want: &[f32]) {
        let worst = max_error(what, got, want);
        let (err, i) = worst;
        println!(
            "golden-error {} {} {what} {err:.3e}",
            self.case,
            self.kernel.isa().name()
        );
        assert!(
            err <= self.tol,
            "{} on {:?}, {what}: max |diff| {err:e} above its tolerance {:e} at {i} (got {}, want {})",
            self.case,
            self.kernel.isa(),
            self.tol,
            got[i],
            want[i]
        );
    }
}

/// The largest `|got - want|` and its index; panics on a NaN or a length
/// mismatch.
fn max_error(what: &str, got: &[f32], want: &[f32]) -> (f32, usize) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let mut worst = (0.0f32, 0usize);
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let d = (g - w).abs();
        assert!(!d.is_nan(), "{what}[{i}]: got {g}, want {w}");
        if d > worst.0 {
            worst = (d, i);
        }
    }
    worst
}

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
        "softmax" | "Softmax" => Activation::Softmax,
        other => panic!("activation {other} not supported"),
    }
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
    /// A `Dense`, or a `TimeDistributed(Dense)`: rnn-core's Dense after a
    /// sequence gives its output at every timestep already
    /// (`Layer::run_sequence_into`).
    fn from_keras(layers: &[Value], weights: &[Value]) -> Box<Self> {
        let (mut l, w) = (&layers[0], &weights[0]);
        if l["type"] == "TimeDistributed" {
            l = &l["layer"];
        }
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
