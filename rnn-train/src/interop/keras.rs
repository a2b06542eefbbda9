//! Keras 3 `.keras` files: a zip archive holding `config.json` (the model's
//! architecture) and `model.weights.h5` (its weights, HDF5), as
//! `model.save("m.keras")` writes them.
//!
//! `Sequential` models of `SimpleRNN`, `LSTM`, `GRU` and `Dense` layers
//! (plus `InputLayer` and `Dropout`, which hold no weights) are imported.
//! The weights of the `n`-th layer of class `C` are at
//! `layers/<snake_case(C)>[_n]/cell/vars/<i>` (recurrent) or
//! `layers/<snake_case(C)>[_n]/vars/<i>` (Dense), in `get_weights()`
//! order: kernel, recurrent kernel, bias. They are read with `hdf5-pure`
//! (pure Rust: no libhdf5 to install; Keras' files use contiguous float32
//! datasets, which it reads exactly).
//!
//! Source: Keras 3 `keras/src/saving/saving_lib.py` (the archive layout
//! and the `_get_unique_name` naming of weight groups).

use std::collections::HashMap;
use std::io::{Cursor, Read};

use rnn_core::import::gate_order::{KERAS_GRU, KERAS_LSTM};
use rnn_core::Activation;
use serde_json::Value;

use super::error::Problem;
use super::layers::{Bias, Cell, Dense, Imported, Layout, Matrix, Recurrent};

/// One archive member, read whole.
fn member(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<Vec<u8>, Problem> {
    let mut file = archive.by_name(name).map_err(|e| {
        Problem::Malformed(format!(
            "the archive has no {name} ({e}); a Keras 3 .keras file holds config.json and model.weights.h5 (Keras 2 .h5 files are not supported)"
        ))
    })?;
    let mut out = Vec::new();
    file.read_to_end(&mut out)
        .map_err(|e| Problem::Malformed(format!("cannot read {name} from the archive: {e}")))?;
    Ok(out)
}

/// A weights-file dataset as float32 values, with its shape.
fn dataset(h5: &hdf5_pure::File, at: &str, path: &str) -> Result<(Vec<usize>, Vec<f32>), Problem> {
    let missing = |e: hdf5_pure::Error| {
        Problem::refused(
            at,
            format!("model.weights.h5 has no readable dataset {path} ({e})"),
        )
    };
    let ds = h5.dataset(path).map_err(missing)?;
    if !matches!(ds.dtype().map_err(missing)?, hdf5_pure::DType::F32) {
        return Err(Problem::refused(at, format!("{path} is not float32")));
    }
    let shape = ds
        .shape()
        .map_err(missing)?
        .iter()
        .map(|&d| d as usize)
        .collect();
    let values = ds.read_f32().map_err(missing)?;
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(Problem::refused(
            at,
            format!("{path} has a non-finite value ({}) at index {i}", values[i]),
        ));
    }
    Ok((shape, values))
}

fn expect_shape(at: &str, what: &str, shape: &[usize], expected: &[usize]) -> Result<(), Problem> {
    if shape == expected {
        Ok(())
    } else {
        Err(Problem::refused(
            at,
            format!("{what} has shape {shape:?}, expected {expected:?}"),
        ))
    }
}

fn string<'a>(cfg: &'a Value, key: &str) -> Option<&'a str> {
    cfg.get(key).and_then(Value::as_str)
}

fn flag(cfg: &Value, key: &str, default: bool) -> bool {
    cfg.get(key).and_then(Value::as_bool).unwrap_or(default)
}

/// An activation name to rnn-core's, if it has it among `allowed`.
fn activation(
    at: &str,
    key: &str,
    name: Option<&str>,
    allowed: &[&str],
) -> Result<Activation, Problem> {
    let name = name.unwrap_or("linear");
    if !allowed.contains(&name) {
        return Err(Problem::refused(
            at,
            format!(
                "{key} '{name}': rnn-core supports {} here",
                allowed.join(", ")
            ),
        ));
    }
    Ok(match name {
        "relu" => Activation::Relu,
        "tanh" => Activation::Tanh,
        "sigmoid" => Activation::Sigmoid,
        _ => Activation::Linear,
    })
}

/// The note for a Dense layer with `use_bias=False`.
fn no_bias(at: &str) -> String {
    format!("{at} has use_bias=False: written with zero biases, which compute the same")
}

/// Imports a `.keras` archive.
///
/// # Errors
/// [`Problem::Malformed`] when `bytes` is not a zip archive with a
/// readable `config.json` and `model.weights.h5`; [`Problem::Refused`]
/// naming the layer: not `Sequential`, a layer class rnn-core lacks,
/// `go_backwards`, an activation rnn-core lacks, return_sequences that do
/// not chain, missing or mis-shaped weights, non-finite weights.
pub(crate) fn import(bytes: &[u8]) -> Result<Imported, Problem> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| Problem::Malformed(format!("not a zip archive ({e})")))?;
    let config: Value = serde_json::from_slice(&member(&mut archive, "config.json")?)
        .map_err(|e| Problem::Malformed(format!("config.json is not JSON ({e})")))?;
    let weights = member(&mut archive, "model.weights.h5")?;
    let h5 = hdf5_pure::File::from_bytes(weights).map_err(|e| {
        Problem::Malformed(format!(
            "model.weights.h5 is not a readable HDF5 file ({e})"
        ))
    })?;
    let class = string(&config, "class_name").unwrap_or("?");
    if class != "Sequential" {
        return Err(Problem::refused(
            format!("model ({class})"),
            "only Sequential models are imported",
        ));
    }
    let layers = config
        .pointer("/config/layers")
        .and_then(Value::as_array)
        .ok_or_else(|| Problem::Malformed("config.json has no config.layers list".into()))?;
    let mut model = Imported::default();
    let mut used: HashMap<&str, usize> = HashMap::new();
    let mut features: Option<usize> = None;
    let mut last_returns_sequences = false;
    for layer in layers {
        let class = string(layer, "class_name").unwrap_or("?");
        let cfg = layer.get("config").unwrap_or(&Value::Null);
        let at = format!("layer '{}' ({class})", string(cfg, "name").unwrap_or("?"));
        let snake = match class {
            "InputLayer" => {
                features = cfg
                    .get("batch_shape")
                    .and_then(Value::as_array)
                    .and_then(|s| s.last())
                    .and_then(Value::as_u64)
                    .map(|f| f as usize);
                continue;
            }
            "Dropout" => {
                model.notes.push(format!(
                    "{at} is skipped: dropout does nothing at inference"
                ));
                continue;
            }
            "LSTM" => "lstm",
            "GRU" => "gru",
            "SimpleRNN" => "simple_rnn",
            "Dense" => "dense",
            other => {
                return Err(Problem::refused(
                    at,
                    format!(
                        "layer class {other}: rnn-core has SimpleRNN, LSTM, GRU and Dense layers"
                    ),
                ))
            }
        };
        let group = match used.get_mut(snake) {
            Some(n) => {
                *n += 1;
                format!("layers/{snake}_{n}")
            }
            None => {
                used.insert(snake, 0);
                format!("layers/{snake}")
            }
        };
        let units =
            cfg.get("units")
                .and_then(Value::as_u64)
                .ok_or_else(|| Problem::refused(&at, "config has no units"))? as usize;
        if class == "Dense" {
            if model.recurrent.is_empty() {
                return Err(Problem::refused(
                    at,
                    "a Dense layer before any recurrent layer cannot be imported",
                ));
            }
            if last_returns_sequences {
                return Err(Problem::refused(
                    at,
                    "follows a recurrent layer with return_sequences=True: a Dense layer on every timestep (many-to-many) is not supported",
                ));
            }
            let act = activation(
                &at,
                "activation",
                string(cfg, "activation"),
                &["linear", "relu", "tanh", "sigmoid"],
            )?;
            let (kshape, kernel) = dataset(&h5, &at, &format!("{group}/vars/0"))?;
            let input = kshape.first().copied().unwrap_or(0);
            expect_shape(&at, "kernel", &kshape, &[input, units])?;
            let bias = if flag(cfg, "use_bias", true) {
                let (bshape, b) = dataset(&h5, &at, &format!("{group}/vars/1"))?;
                expect_shape(&at, "bias", &bshape, &[units])?;
                Some(b)
            } else {
                model.notes.push(no_bias(&at));
                None
            };
            let mut dense = Dense::new(
                input,
                units,
                &kernel,
                Layout::InputsByGates,
                bias.as_deref(),
            )
            .map_err(|e| Problem::refused(&at, e))?;
            dense.activation = act;
            model.dense.push(dense);
            continue;
        }
        if !model.dense.is_empty() {
            return Err(Problem::refused(
                at,
                "a recurrent layer after a Dense layer cannot be imported",
            ));
        }
        if model.recurrent.last().is_some() && !last_returns_sequences {
            return Err(Problem::refused(
                at,
                "the recurrent layer before it has return_sequences=False, so this layer would see one timestep",
            ));
        }
        if flag(cfg, "go_backwards", false) {
            return Err(Problem::refused(
                at,
                "go_backwards=True: rnn-core layers run forward",
            ));
        }
        if flag(cfg, "stateful", false) {
            model.notes.push(format!(
                "{at} is stateful: rnn-core keeps the state apart from the weights, so carry it between calls in your code"
            ));
        }
        last_returns_sequences = flag(cfg, "return_sequences", false);
        let cell = match class {
            "LSTM" => Cell::Lstm,
            "GRU" => Cell::Gru {
                reset_after: flag(cfg, "reset_after", true),
            },
            _ => Cell::SimpleRnn(activation(
                &at,
                "activation",
                string(cfg, "activation"),
                &["tanh", "relu", "linear"],
            )?),
        };
        if !matches!(cell, Cell::SimpleRnn(_)) {
            activation(&at, "activation", string(cfg, "activation"), &["tanh"])?;
            activation(
                &at,
                "recurrent_activation",
                string(cfg, "recurrent_activation"),
                &["sigmoid"],
            )?;
        }
        let g = cell.gates();
        let (kshape, kernel) = dataset(&h5, &at, &format!("{group}/cell/vars/0"))?;
        let input = kshape.first().copied().unwrap_or(0);
        expect_shape(&at, "kernel", &kshape, &[input, g * units])?;
        let (ushape, recurrent) = dataset(&h5, &at, &format!("{group}/cell/vars/1"))?;
        expect_shape(&at, "recurrent_kernel", &ushape, &[units, g * units])?;
        if model.recurrent.is_empty() {
            if let Some(f) = features.filter(|&f| f != input) {
                return Err(Problem::refused(
                    at,
                    format!("kernel takes {input} features but the input layer gives {f}"),
                ));
            }
        }
        let order: &[usize] = match cell {
            Cell::Lstm => &KERAS_LSTM,
            Cell::Gru { .. } => &KERAS_GRU,
            Cell::SimpleRnn(_) => &[0],
        };
        let mut layer = Recurrent::new(cell, input, units);
        let err = |e: String| Problem::refused(&at, e);
        layer
            .set_matrix(Matrix::Input, &kernel, order, Layout::InputsByGates)
            .map_err(err)?;
        layer
            .set_matrix(Matrix::Recurrent, &recurrent, order, Layout::InputsByGates)
            .map_err(err)?;
        if flag(cfg, "use_bias", true) {
            let (bshape, bias) = dataset(&h5, &at, &format!("{group}/cell/vars/2"))?;
            if cell == (Cell::Gru { reset_after: true }) {
                expect_shape(&at, "bias", &bshape, &[2, g * units])?;
                let (input_bias, recurrent_bias) = bias.split_at(g * units);
                layer
                    .add_bias(Bias::Input, input_bias, order)
                    .map_err(err)?;
                layer
                    .add_bias(Bias::Recurrent, recurrent_bias, order)
                    .map_err(err)?;
            } else {
                expect_shape(&at, "bias", &bshape, &[g * units])?;
                layer.add_bias(Bias::Input, &bias, order).map_err(err)?;
            }
        } else {
            layer.without_bias();
        }
        model.recurrent.push(layer);
    }
    if last_returns_sequences && model.dense.is_empty() {
        model.notes.push(
            "the last recurrent layer returns sequences: rnn-core's step gives that output at every timestep".into(),
        );
    }
    Ok(model)
}
