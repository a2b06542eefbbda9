//! `rnn-train import` end to end: every ONNX and PyTorch golden case and
//! the Keras `.keras` fixtures go through the CLI into a weight file,
//! which is then loaded into compile-time rnn-core layers (the device
//! path) and run; the outputs must match the framework's within 1e-5.
//! `--check` runs the same file through rnn-train's run-time path.
//! Bad files must give a clear error and leave no output file.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use rnn_core::{format, Dense, Direction, Gru, Layer, Lstm, LstmState, SVector, SimpleRnn, Stack};
use serde_json::Value;

const ATOL: f32 = 1e-5;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn golden(dir: &str, name: &str) -> Value {
    let path = repo()
        .join("testdata/golden")
        .join(dir)
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn flat(v: &Value) -> Vec<f32> {
    fn go(v: &Value, out: &mut Vec<f32>) {
        match v {
            Value::Array(a) => a.iter().for_each(|x| go(x, out)),
            Value::Number(n) => out.push(n.as_f64().unwrap() as f32),
            other => panic!("not a number: {other}"),
        }
    }
    let mut out = Vec::new();
    go(v, &mut out);
    out
}

fn max_diff(name: &str, what: &str, got: &[f32], want: &[f32]) -> f32 {
    assert_eq!(got.len(), want.len(), "{name} {what}: lengths");
    let d = got
        .iter()
        .zip(want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    eprintln!("{name}: {what} max |diff| = {d:.3e}");
    assert!(d <= ATOL, "{name} {what}: max |diff| {d} > {ATOL}");
    d
}

fn temp_dir(tag: &str) -> PathBuf {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("rnn-import-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs the CLI; returns (success, stdout, stderr).
fn cli(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rnn-train"))
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Imports `model` (relative to the repository) with the CLI; returns the blob.
fn import(model: &str, extra: &[&str]) -> Vec<u8> {
    let dir = temp_dir(Path::new(model).file_stem().unwrap().to_str().unwrap());
    let out = dir.join("model.rnnw");
    let mut args = vec!["import", model, "-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let (ok, stdout, stderr) = cli(&args);
    assert!(ok, "import {model} failed: {stderr}");
    assert!(
        stdout.contains("Total params"),
        "no inspect summary in:\n{stdout}"
    );
    let blob = std::fs::read(&out).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    blob
}

/// Builds an initial state from Keras/ONNX (h, c) rows.
trait FromRows {
    fn from_rows(h: &[f32], c: Option<&[f32]>) -> Self;
    fn rows(&self) -> (Vec<f32>, Option<Vec<f32>>);
}

impl<const H: usize> FromRows for SVector<f32, H> {
    fn from_rows(h: &[f32], _: Option<&[f32]>) -> Self {
        SVector::from_column_slice(h)
    }
    fn rows(&self) -> (Vec<f32>, Option<Vec<f32>>) {
        (self.as_slice().to_vec(), None)
    }
}

impl<const H: usize> FromRows for LstmState<H> {
    fn from_rows(h: &[f32], c: Option<&[f32]>) -> Self {
        LstmState {
            h: SVector::from_column_slice(h),
            c: SVector::from_column_slice(c.unwrap()),
        }
    }
    fn rows(&self) -> (Vec<f32>, Option<Vec<f32>>) {
        (self.h.as_slice().to_vec(), Some(self.c.as_slice().to_vec()))
    }
}

/// An ONNX golden case: import through the CLI, load into `M`, run from
/// the case's initial state; Y, Y_h (and Y_c) must match.
fn onnx_case<M, const I: usize, const H: usize>(name: &str, model: M) -> f32
where
    M: Layer<Input = SVector<f32, I>, Output = SVector<f32, H>>,
    M::State: FromRows,
{
    let case = golden("onnx", name);
    let blob = import(&format!("testdata/golden/onnx/{name}.onnx"), &[]);
    let mut model = Box::new(model);
    format::load_into(&mut *model, &blob).unwrap();
    let x = flat(&case["inputs"]["X"]);
    let h0 = flat(&case["inputs"]["initial_h"]);
    let c0 = case["inputs"].get("initial_c").map(flat);
    let batch = h0.len() / H;
    let steps = x.len() / (batch * I);
    let (mut y, mut yh, mut yc) = (vec![0.0; steps * batch * H], Vec::new(), Vec::new());
    for b in 0..batch {
        let xs: Vec<_> = (0..steps)
            .map(|t| SVector::from_column_slice(&x[(t * batch + b) * I..][..I]))
            .collect();
        let mut state =
            M::State::from_rows(&h0[b * H..][..H], c0.as_ref().map(|c| &c[b * H..][..H]));
        let mut outs = vec![SVector::<f32, H>::zeros(); steps];
        model
            .run_sequence_into(&mut state, &xs, Direction::Forward, &mut outs)
            .unwrap();
        for (t, o) in outs.iter().enumerate() {
            y[(t * batch + b) * H..][..H].copy_from_slice(o.as_slice());
        }
        let (h, c) = state.rows();
        yh.extend(h);
        yc.extend(c.unwrap_or_default());
    }
    let e = &case["expected"];
    let mut worst = max_diff(name, "Y", &y, &flat(&e["Y"]));
    worst = worst.max(max_diff(name, "Y_h", &yh, &flat(&e["Y_h"])));
    if let Some(want) = e.get("Y_c") {
        worst = worst.max(max_diff(name, "Y_c", &yc, &flat(want)));
    }
    worst
}

#[test]
fn every_onnx_golden_case_imports_and_matches() {
    let cases = [
        onnx_case::<_, 3, 4>("onnx_lstm_h4_i3_t10_b2", Lstm::<3, 4>::zeroed()),
        onnx_case::<_, 1, 16>("onnx_lstm_h16_i1_t200_b2", Lstm::<1, 16>::zeroed()),
        onnx_case::<_, 3, 8>(
            "onnx_lstm_from_keras_lstm_initstate_u8_f3_t10_b2",
            Lstm::<3, 8>::zeroed(),
        ),
        onnx_case::<_, 3, 4>("onnx_gru_lbr0_h4_i3_t10_b2", Gru::<3, 4>::zeroed()),
        onnx_case::<_, 1, 8>("onnx_gru_lbr1_h8_i1_t10_b3", Gru::<1, 8>::zeroed()),
        onnx_case::<_, 3, 4>(
            "onnx_gru_lbr1_from_keras_gru_ra1_initstate_u4_f3_t10_b2",
            Gru::<3, 4>::zeroed(),
        ),
        onnx_case::<_, 3, 8>("onnx_rnn_tanh_h8_i3_t10_b2", SimpleRnn::<3, 8>::zeroed()),
        onnx_case::<_, 1, 4>("onnx_rnn_relu_h4_i1_t10_b2", SimpleRnn::<1, 4>::zeroed()),
    ];
    let onnx_files = std::fs::read_dir(repo().join("testdata/golden/onnx"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "onnx")
        })
        .count();
    assert_eq!(
        cases.len(),
        onnx_files,
        "a golden .onnx file has no test case here"
    );
}

/// Runs a batch-first `input (B, T, I)` through `model` from a zero state;
/// returns the last output per batch element, flattened.
fn run_batch<M, const I: usize, const O: usize>(model: &M, input: &[f32], batch: usize) -> Vec<f32>
where
    M: Layer<Input = SVector<f32, I>, Output = SVector<f32, O>>,
{
    let steps = input.len() / (batch * I);
    let mut out = Vec::new();
    for b in 0..batch {
        let xs: Vec<_> = (0..steps)
            .map(|t| SVector::from_column_slice(&input[(b * steps + t) * I..][..I]))
            .collect();
        let mut state = M::zero_state();
        out.extend(
            model
                .run_sequence(&mut state, &xs, Direction::Forward)
                .unwrap()
                .iter(),
        );
    }
    out
}

/// `--check` on the first batch element: the run-time path must give the
/// framework's output too. Returns the max |diff| it printed.
fn check_through_cli(
    model: &str,
    extra: &[&str],
    input: &[f32],
    features: usize,
    expected: &[f32],
) -> f32 {
    let dir = temp_dir("check");
    let steps = input.len() / features; // caller passes one batch element
    let csv = dir.join("check.csv");
    let mut text: String = (0..features).map(|f| format!("x{f},")).collect();
    text.push_str(
        &(0..expected.len())
            .map(|o| format!("y{o}"))
            .collect::<Vec<_>>()
            .join(","),
    );
    text.push('\n');
    for t in 0..steps {
        for f in 0..features {
            text.push_str(&format!("{},", input[t * features + f]));
        }
        let refs: Vec<String> = expected
            .iter()
            .map(|v| {
                if t + 1 == steps {
                    v.to_string()
                } else {
                    "0".into()
                }
            })
            .collect();
        text.push_str(&refs.join(","));
        text.push('\n');
    }
    std::fs::write(&csv, text).unwrap();
    let out = dir.join("m.rnnw");
    let mut args = vec![
        "import",
        model,
        "-o",
        out.to_str().unwrap(),
        "--check",
        csv.to_str().unwrap(),
    ];
    let cols: Vec<String> = (0..features)
        .map(|f| format!("x{f}"))
        .chain((0..expected.len()).map(|o| format!("y{o}")))
        .collect();
    for (k, c) in cols.iter().enumerate() {
        args.push(if k < features { "--input" } else { "--target" });
        args.push(c);
    }
    args.extend_from_slice(extra);
    let (ok, stdout, stderr) = cli(&args);
    assert!(ok, "{stderr}");
    let line = stdout
        .lines()
        .find(|l| l.starts_with("Max |output - reference| over 1 window(s): "))
        .unwrap_or_else(|| panic!("no check line in:\n{stdout}"));
    let d: f32 = line.rsplit(' ').next().unwrap().parse().unwrap();
    eprintln!("{model}: --check max |diff| = {d:.3e}");
    assert!(d <= ATOL, "{line}");
    std::fs::remove_dir_all(&dir).unwrap();
    d
}

type TorchLstm2 = Stack<Lstm<1, 16>, Stack<Lstm<16, 16>, Dense<16, 1>>>;
type TorchGru = Stack<Gru<3, 8>, Dense<8, 2>>;

fn torch_case<M, const I: usize, const O: usize>(name: &str, file: &str, zeroed: M) -> Vec<f32>
where
    M: Layer<Input = SVector<f32, I>, Output = SVector<f32, O>>,
{
    let case = golden("pytorch", name);
    let blob = import(&format!("testdata/golden/pytorch/{file}"), &[]);
    let mut model = Box::new(zeroed);
    format::load_into(&mut *model, &blob).unwrap();
    let batch = case["input_shape"][0].as_u64().unwrap() as usize;
    let got = run_batch(&*model, &flat(&case["input"]), batch);
    max_diff(file, "output", &got, &flat(&case["expected"]["output"]));
    let input = flat(&case["input"]);
    let steps = input.len() / (batch * I);
    let want = flat(&case["expected"]["output"]);
    check_through_cli(
        &format!("testdata/golden/pytorch/{file}"),
        &[],
        &input[..steps * I],
        I,
        &want[..O],
    );
    got
}

#[test]
fn pytorch_two_layer_lstm_imports_from_safetensors_and_onnx() {
    let name = "torch_lstm_i1_h16_l2_linear1_t30_b2";
    let a = torch_case::<_, 1, 1>(name, &format!("{name}.safetensors"), TorchLstm2::ZEROED);
    let b = torch_case::<_, 1, 1>(name, &format!("{name}.onnx"), TorchLstm2::ZEROED);
    assert_eq!(a.len(), b.len());
}

#[test]
fn pytorch_gru_imports_from_safetensors_and_onnx() {
    let name = "torch_gru_i3_h8_l1_linear2_t20_b2";
    torch_case::<_, 3, 2>(name, &format!("{name}.safetensors"), TorchGru::ZEROED);
    torch_case::<_, 3, 2>(name, &format!("{name}.onnx"), TorchGru::ZEROED);
}

#[test]
fn reading_only_the_first_layer_would_fail_loudly() {
    // What RTNeural #148 does: layer 0 + Linear, layer 1 ignored. The file
    // with layer 1 removed still imports (it is a valid one-layer model),
    // and its output is far from PyTorch's: the golden comparison above
    // cannot pass with a dropped layer.
    let name = "torch_lstm_i1_h16_l2_linear1_t30_b2";
    let case = golden("pytorch", name);
    let bytes =
        std::fs::read(repo().join(format!("testdata/golden/pytorch/{name}.safetensors"))).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let kept: Vec<(String, safetensors::tensor::TensorView)> = st
        .tensors()
        .into_iter()
        .filter(|(k, _)| !k.ends_with("_l1"))
        .collect();
    let dir = temp_dir("onelayer");
    let path = dir.join("one_layer.safetensors");
    safetensors::serialize_to_file(kept, None, &path).unwrap();
    let out = dir.join("m.rnnw");
    let (ok, _, stderr) = cli(&[
        "import",
        path.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    let mut model = Box::new(Stack::<Lstm<1, 16>, Dense<16, 1>>::ZEROED);
    format::load_into(&mut *model, &std::fs::read(&out).unwrap()).unwrap();
    let got = run_batch(&*model, &flat(&case["input"]), 2);
    let want = flat(&case["expected"]["output"]);
    let d = got
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    eprintln!("one layer only: max |diff| = {d:.3e}");
    assert!(d > 1e-2, "dropping layer 1 changed the output by only {d}");
    // And a file with a gap in its layers (l0 and l2, no l1) is refused.
    let renamed: Vec<(String, safetensors::tensor::TensorView)> = st
        .tensors()
        .into_iter()
        .map(|(k, v)| (k.replace("_l1", "_l2"), v))
        .collect();
    let gap = dir.join("gap.safetensors");
    safetensors::serialize_to_file(renamed, None, &gap).unwrap();
    let (ok, _, stderr) = cli(&["import", gap.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        stderr.contains("key 'rnn.weight_ih_l1'") && stderr.contains("is missing"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn keras_case<M, const I: usize, const O: usize>(name: &str, zeroed: M)
where
    M: Layer<Input = SVector<f32, I>, Output = SVector<f32, O>>,
{
    let case = golden("keras_files", name);
    let file = format!("testdata/golden/keras_files/{name}.keras");
    let blob = import(&file, &[]);
    let mut model = Box::new(zeroed);
    format::load_into(&mut *model, &blob).unwrap();
    let batch = case["input_shape"][0].as_u64().unwrap() as usize;
    let input = flat(&case["input"]);
    let want = flat(&case["expected"]["output"]);
    max_diff(name, "output", &run_batch(&*model, &input, batch), &want);
    let steps = input.len() / (batch * I);
    check_through_cli(&file, &[], &input[..steps * I], I, &want[..O]);
}

#[test]
fn keras_files_import_and_match() {
    keras_case::<_, 3, 2>(
        "keras_gru8_gru6_dense4relu_dense2_f3_t12_b2",
        Stack::<Gru<3, 8>, Stack<Gru<8, 6>, Stack<Dense<6, 4>, Dense<4, 2>>>>::ZEROED,
    );
    keras_case::<_, 1, 1>(
        "keras_lstm16_nobias_dense1tanh_f1_t20_b3",
        Stack::<Lstm<1, 16>, Dense<16, 1>>::ZEROED,
    );
    keras_case::<_, 2, 4>(
        "keras_simplernn8relu_simplernn4relu_f2_t10_b2",
        Stack::<SimpleRnn<2, 8>, SimpleRnn<8, 4>>::ZEROED,
    );
    keras_case::<_, 2, 3>(
        "keras_gru5_ra0_dense3sigmoid_f2_t15_b2",
        Stack::<Gru<2, 5>, Dense<5, 3>>::ZEROED,
    );
}

/// Keras `LSTM(16, use_bias=False)`: imported as a layer without bias, so
/// its parameter count is Keras's (4·16·(1 + 16) = 1,088, no 4·16 zero
/// biases) and the file is that many floats smaller.
#[test]
fn a_keras_layer_without_bias_imports_without_bias() {
    let model = "testdata/golden/keras_files/keras_lstm16_nobias_dense1tanh_f1_t20_b3.keras";
    let dir = temp_dir("nobias-summary");
    let out = dir.join("model.rnnw");
    let (ok, stdout, stderr) = cli(&["import", model, "-o", out.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    for row in ["1,088", "Total params: 1,105"] {
        assert!(stdout.contains(row), "{row:?} not in:\n{stdout}");
    }
    let blob = std::fs::read(&out).unwrap();
    let layers = format::read_header(&blob).unwrap().header.layers;
    assert!(
        matches!(
            layers[0],
            format::LayerSpec::Lstm {
                use_bias: false,
                ..
            }
        ),
        "{layers:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Metadata that `eval`, `predict` and `forecast` would refuse is refused
/// by `import`, nothing written: `--horizon 0`, and a 3-output model with
/// a horizon other than 3 (rnn-train reads N outputs as steps 1..N).
#[test]
fn import_refuses_metadata_the_other_commands_would_refuse() {
    let gru = "testdata/golden/keras_files/keras_gru5_ra0_dense3sigmoid_f2_t15_b2.keras";
    let lstm = "testdata/golden/keras_files/keras_lstm16_nobias_dense1tanh_f1_t20_b3.keras";
    let dir = temp_dir("import-metadata");
    let out = dir.join("model.rnnw");
    let o = out.to_str().unwrap();
    for (model, extra, want) in [
        (
            lstm,
            &["--window", "20", "--horizon", "0"][..],
            "must be at least 1",
        ),
        (gru, &["--window", "15"][..], "give --horizon 3"),
        (
            gru,
            &["--window", "15", "--horizon", "2"][..],
            "give --horizon 3",
        ),
    ] {
        let mut args = vec!["import", model, "-o", o];
        args.extend_from_slice(extra);
        let (ok, _, stderr) = cli(&args);
        assert!(!ok && stderr.contains(want), "{args:?}: {stderr}");
        assert!(!out.exists(), "{args:?} wrote nothing");
    }
    let (ok, _, stderr) = cli(&["import", gru, "-o", o, "--window", "15", "--horizon", "3"]);
    assert!(ok, "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Imports `bytes` saved as `name`; the import must fail with a message
/// containing every one of `want`, and write nothing.
fn refused(name: &str, bytes: &[u8], want: &[&str]) {
    let dir = temp_dir("bad");
    let model = dir.join(name);
    std::fs::write(&model, bytes).unwrap();
    let out = dir.join("out").join("m.rnnw");
    let (ok, _, stderr) = cli(&[
        "import",
        model.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(!ok, "{name} imported");
    for w in want {
        assert!(stderr.contains(w), "{name}: {w:?} not in {stderr}");
    }
    assert!(
        !out.exists() && !dir.join("out").exists(),
        "{name}: an output was written"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(repo().join(path)).unwrap()
}

const TORCH_GRU: &str = "testdata/golden/pytorch/torch_gru_i3_h8_l1_linear2_t20_b2";

#[test]
fn truncated_files_are_refused_without_output() {
    let onnx = fixture(&format!("{TORCH_GRU}.onnx"));
    refused(
        "t.onnx",
        &onnx[..onnx.len() / 2],
        &["is not a readable ONNX file"],
    );
    let st = fixture(&format!("{TORCH_GRU}.safetensors"));
    refused(
        "t.safetensors",
        &st[..st.len() - 10],
        &["is not a readable safetensors file"],
    );
    let k = fixture("testdata/golden/keras_files/keras_gru5_ra0_dense3sigmoid_f2_t15_b2.keras");
    refused(
        "t.keras",
        &k[..k.len() / 2],
        &["is not a readable Keras file"],
    );
    refused("empty.onnx", b"", &["ONNX"]);
}

#[test]
fn files_of_another_type_are_refused_without_output() {
    let csv = b"time,value\n0,1.5\n1,2.5\n";
    refused("csv.onnx", csv, &["is not a readable ONNX file"]);
    refused(
        "csv.safetensors",
        csv,
        &["is not a readable safetensors file"],
    );
    refused(
        "csv.keras",
        csv,
        &["is not a readable Keras file", "not a zip archive"],
    );
    // A weight file is not an ONNX model either.
    let blob = import(&format!("{TORCH_GRU}.onnx"), &[]);
    refused("weights.onnx", &blob, &["ONNX"]);
    refused("model.txt", csv, &["--format"]);
}

/// `bytes` with every `from` replaced by `to` (same length, so the
/// protobuf stays valid).
fn replace(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut out = bytes.to_vec();
    let mut hits = 0;
    for i in 0..out.len().saturating_sub(from.len()) {
        if &out[i..i + from.len()] == from.as_bytes() {
            out[i..i + from.len()].copy_from_slice(to.as_bytes());
            hits += 1;
        }
    }
    assert!(hits > 0, "{from} not found");
    out
}

#[test]
fn unsupported_onnx_ops_are_refused_naming_the_node() {
    let onnx = fixture(&format!("{TORCH_GRU}.onnx"));
    // The Squeeze after the GRU becomes a Flatten: an op on the path.
    refused(
        "flatten.onnx",
        &replace(&onnx, "Squeeze", "Flatten"),
        &["(Flatten)", "op Flatten is not supported on the path"],
    );
    // The Linear head becomes an activation rnn-core lacks.
    refused(
        "gelu.onnx",
        &replace(&onnx, "Gemm", "Gelu"),
        &["(Gelu)", "activation Gelu"],
    );
}

fn with_tensor(bytes: &[u8], key: &str, shape: Vec<usize>, values: Vec<f32>) -> Vec<u8> {
    use safetensors::tensor::TensorView;
    let st = safetensors::SafeTensors::deserialize(bytes).unwrap();
    let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let mut tensors: Vec<(String, TensorView)> =
        st.tensors().into_iter().filter(|(k, _)| k != key).collect();
    tensors.push((
        key.to_string(),
        TensorView::new(safetensors::Dtype::F32, shape, &data).unwrap(),
    ));
    safetensors::serialize(tensors, None).unwrap()
}

/// A PyTorch `nn.GRU(bias=False)`: the GRU's `bias_ih_l0` and `bias_hh_l0`
/// absent. It imports as a GRU without bias: 3·8·(3 + 8) = 264 parameters,
/// PyTorch's count, plus the Linear head's 2·(8 + 1) = 18.
#[test]
fn a_pytorch_rnn_without_bias_imports_without_bias() {
    use safetensors::tensor::TensorView;
    let bytes = fixture(&format!("{TORCH_GRU}.safetensors"));
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let kept: Vec<(String, TensorView)> = st
        .tensors()
        .into_iter()
        .filter(|(k, _)| !k.starts_with("rnn.bias_"))
        .collect();
    assert_eq!(kept.len(), st.len() - 2, "the fixture's GRU has two biases");
    let no_bias = safetensors::serialize(kept, None).unwrap();
    let dir = temp_dir("torch-nobias");
    let (model, out) = (dir.join("gru.safetensors"), dir.join("model.rnnw"));
    std::fs::write(&model, no_bias).unwrap();
    let (ok, stdout, stderr) = cli(&[
        "import",
        model.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Total params: 282"), "{stdout}");
    let layers = format::read_header(&std::fs::read(&out).unwrap())
        .unwrap()
        .header
        .layers;
    assert!(
        matches!(
            layers[0],
            format::LayerSpec::Gru {
                use_bias: false,
                reset_after: true,
                ..
            }
        ),
        "{layers:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Two recurrent modules (`rnn.*` and a copy as `rnn2.*`): their order in
/// `forward()` is not in a state dict, so the import refuses and points to
/// ONNX, nothing written.
#[test]
fn a_state_dict_with_two_recurrent_modules_is_refused() {
    use safetensors::tensor::TensorView;
    let bytes = fixture(&format!("{TORCH_GRU}.safetensors"));
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut tensors: Vec<(String, TensorView)> = st.tensors();
    let copies: Vec<(String, TensorView)> = tensors
        .iter()
        .filter(|(k, _)| k.starts_with("rnn."))
        .map(|(k, v)| (k.replacen("rnn.", "rnn2.", 1), v.clone()))
        .collect();
    assert!(!copies.is_empty());
    tensors.extend(copies);
    let two = safetensors::serialize(tensors, None).unwrap();
    refused(
        "two.safetensors",
        &two,
        &["has 2 recurrent modules", "torch.onnx.export"],
    );
}

#[test]
fn mismatched_shapes_and_nan_weights_are_refused_naming_the_key() {
    let st = fixture(&format!("{TORCH_GRU}.safetensors"));
    refused(
        "fc.safetensors",
        &with_tensor(&st, "fc.weight", vec![2, 7], vec![0.1; 14]),
        &[
            "key 'fc.weight'",
            "in_features 7, but the last recurrent layer has hidden size 8",
        ],
    );
    refused(
        "hh.safetensors",
        &with_tensor(&st, "rnn.weight_hh_l0", vec![20, 8], vec![0.1; 160]),
        &[
            "key 'rnn.weight_hh_l0'",
            "not 4, 3 or 1 times hidden_size 8",
        ],
    );
    let mut nan = vec![0.1; 16];
    nan[5] = f32::NAN;
    refused(
        "nan.safetensors",
        &with_tensor(&st, "fc.weight", vec![2, 8], nan),
        &["key 'fc.weight'", "non-finite value (NaN) at index 5"],
    );
    refused(
        "extra.safetensors",
        &with_tensor(&st, "bn.running_mean", vec![8], vec![0.0; 8]),
        &["key 'bn.running_mean'", "every tensor must be imported"],
    );
    let dir = temp_dir("cell");
    let out = dir.join("m.rnnw");
    let path = format!("{TORCH_GRU}.safetensors");
    let (ok, _, stderr) = cli(&[
        "import",
        &path,
        "-o",
        out.to_str().unwrap(),
        "--cell",
        "lstm",
    ]);
    assert!(!ok && stderr.contains("--cell asks for 4"), "{stderr}");
    assert!(!out.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
