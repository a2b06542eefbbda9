//! PyTorch state dicts saved as `.safetensors`
//! (`safetensors.torch.save_file(net.state_dict(), ...)`): one `nn.LSTM`,
//! `nn.GRU` or `nn.RNN` module with every layer `k`
//! (`weight_ih_l{k}`, `weight_hh_l{k}`, `bias_ih_l{k}`, `bias_hh_l{k}`),
//! optionally followed by one `nn.Linear` (`weight`, `bias`) applied to
//! the last timestep.
//!
//! Sizes come from the shapes: `weight_hh_l{k}` is `(G·H, H)`, so `H` is
//! its column count and the gate count `G` (4 LSTM, 3 GRU, 1 RNN) its
//! rows over `H`. What shapes cannot tell: `nn.RNN`'s `nonlinearity`
//! (`--rnn-activation`, default tanh as in PyTorch) and the forward pass;
//! the import assumes `fc(rnn(x)[0][:, -1])` from a zero state. Every
//! tensor in the file must belong to the recurrent module or the Linear
//! head, so no layer is silently dropped.
//!
//! Source: PyTorch [`nn.LSTM`](https://pytorch.org/docs/stable/generated/torch.nn.LSTM.html),
//! [`nn.GRU`](https://pytorch.org/docs/stable/generated/torch.nn.GRU.html),
//! [`nn.RNN`](https://pytorch.org/docs/stable/generated/torch.nn.RNN.html).

use std::collections::{BTreeMap, BTreeSet};

use rnn_core::import::gate_order::{PYTORCH_GRU, PYTORCH_LSTM};
use rnn_core::Activation;
use safetensors::{Dtype, SafeTensors};

use super::error::Problem;
use super::layers::{Bias, Cell, Dense, Imported, Layout, Matrix, Recurrent};
use super::{CellChoice, ReadOptions};

/// One tensor: shape and row-major float32 values.
struct Array {
    shape: Vec<usize>,
    values: Vec<f32>,
}

/// The recurrent-module tensor names, split: `(module prefix, kind, layer)`
/// for `<prefix>{weight,bias}_{ih,hh,hr}_l<k>[_reverse]`.
fn rnn_key(name: &str) -> Option<(&str, &str, usize, bool)> {
    for kind in ["weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"] {
        let marker = format!("{kind}_l");
        if let Some(pos) = name.rfind(&marker) {
            let prefix = &name[..pos];
            if !(prefix.is_empty() || prefix.ends_with('.')) {
                continue;
            }
            let rest = &name[pos + marker.len()..];
            let (digits, reverse) = match rest.strip_suffix("_reverse") {
                Some(d) => (d, true),
                None => (rest, false),
            };
            if let Ok(k) = digits.parse() {
                return Some((prefix, kind, k, reverse));
            }
        }
    }
    None
}

fn read(st: &SafeTensors<'_>) -> Result<BTreeMap<String, Array>, Problem> {
    let mut out = BTreeMap::new();
    for (name, view) in st.tensors() {
        let at = format!("key '{name}'");
        if view.dtype() != Dtype::F32 {
            return Err(Problem::refused(
                at,
                format!(
                    "dtype {:?}; expected float32 (save the state dict after .float())",
                    view.dtype()
                ),
            ));
        }
        let values: Vec<f32> = view
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(Problem::refused(
                at,
                format!("has a non-finite value ({}) at index {i}", values[i]),
            ));
        }
        out.insert(
            name,
            Array {
                shape: view.shape().to_vec(),
                values,
            },
        );
    }
    Ok(out)
}

/// Imports a state dict.
///
/// # Errors
/// [`Problem::Malformed`] when `bytes` is not a safetensors file (bad or
/// truncated header, data shorter than the header says);
/// [`Problem::Refused`] naming the key: not float32, not finite, a
/// bidirectional or projected LSTM, a missing layer or tensor, shapes
/// that do not chain, more than one recurrent module or Linear layer,
/// a tensor that belongs to neither, a `--cell` that disagrees.
pub(crate) fn import(bytes: &[u8], options: &ReadOptions) -> Result<Imported, Problem> {
    let st = SafeTensors::deserialize(bytes).map_err(|e| Problem::Malformed(e.to_string()))?;
    let tensors = read(&st)?;
    let mut prefixes = BTreeSet::new();
    let mut rnn_layers = BTreeSet::new();
    for name in tensors.keys() {
        if let Some((prefix, kind, k, reverse)) = rnn_key(name) {
            let at = format!("key '{name}'");
            if reverse {
                return Err(Problem::refused(at, "a bidirectional layer (_reverse) cannot be imported; rnn-core layers run forward"));
            }
            if kind == "weight_hr" {
                return Err(Problem::refused(at, "an LSTM with proj_size (weight_hr) cannot be imported; rnn-core's LSTM has no projection"));
            }
            prefixes.insert(prefix.to_string());
            rnn_layers.insert(k);
        }
    }
    let prefix = match prefixes.len() {
        0 => {
            return Err(Problem::refused(
                "state dict",
                "has no nn.LSTM, nn.GRU or nn.RNN tensors (keys ending in weight_ih_l0, weight_hh_l0, ...)",
            ))
        }
        1 => prefixes.pop_first().unwrap_or_default(),
        _ => {
            return Err(Problem::refused(
                "state dict",
                format!("has {} recurrent modules ({prefixes:?}): a state dict does not say in which order forward() runs them, so refusing rather than guessing; export the model with torch.onnx.export and import the .onnx file, whose graph gives the order", prefixes.len()),
            ))
        }
    };
    let count = rnn_layers.last().map_or(0, |&k| k + 1);
    let key = |kind: &str, k: usize| format!("{prefix}{kind}_l{k}");
    let mut model = Imported::default();
    let mut cell: Option<Cell> = None;
    for k in 0..count {
        let get = |kind: &str| tensors.get(&key(kind, k));
        let (Some(w_ih), Some(w_hh)) = (get("weight_ih"), get("weight_hh")) else {
            let missing = if get("weight_ih").is_none() {
                "weight_ih"
            } else {
                "weight_hh"
            };
            return Err(Problem::refused(
                format!("key '{}'", key(missing, k)),
                format!(
                    "is missing, but the file has layers up to {}: every layer must be complete",
                    count - 1
                ),
            ));
        };
        let this = layer(
            k,
            &key,
            w_ih,
            w_hh,
            get("bias_ih"),
            get("bias_hh"),
            options,
            model.recurrent.last(),
        )?;
        if cell.is_some_and(|c| c != this.cell) {
            return Err(Problem::refused(
                format!("key '{}'", key("weight_hh", k)),
                "changes the cell kind between layers",
            ));
        }
        cell = Some(this.cell);
        model.recurrent.push(this);
    }
    if let Some(Cell::SimpleRnn(a)) = cell {
        if options.rnn_activation.is_none() {
            model.notes.push(format!(
                "nn.RNN's nonlinearity is not in a state dict; imported as {} (PyTorch's default; give --rnn-activation relu for nonlinearity='relu')",
                if a == Activation::Tanh { "tanh" } else { "relu" }
            ));
        }
    }
    head(&tensors, &prefix, &mut model)?;
    model.notes.push(format!(
        "imported as {} followed by {}, run on the last timestep from a zero state (the forward pass is not in a state dict)",
        prefix.trim_end_matches('.'),
        if model.dense.is_empty() { "no Linear head".to_string() } else { "its Linear layer".to_string() }
    ));
    Ok(model)
}

/// Layer `k` from its four tensors.
#[allow(clippy::too_many_arguments)]
fn layer(
    k: usize,
    key: &dyn Fn(&str, usize) -> String,
    w_ih: &Array,
    w_hh: &Array,
    b_ih: Option<&Array>,
    b_hh: Option<&Array>,
    options: &ReadOptions,
    previous: Option<&Recurrent>,
) -> Result<Recurrent, Problem> {
    let at = |kind: &str| format!("key '{}'", key(kind, k));
    let [rows, hidden] = w_hh.shape[..] else {
        return Err(Problem::refused(
            at("weight_hh"),
            format!(
                "has shape {:?}; expected (gates·hidden_size, hidden_size)",
                w_hh.shape
            ),
        ));
    };
    let gates = if hidden > 0 && rows.is_multiple_of(hidden) {
        rows / hidden
    } else {
        0
    };
    let cell = match gates {
        4 => Cell::Lstm,
        3 => Cell::Gru { reset_after: true },
        1 => Cell::SimpleRnn(options.rnn_activation.unwrap_or(Activation::Tanh)),
        _ => {
            return Err(Problem::refused(
                at("weight_hh"),
                format!("has shape {:?}: {rows} rows are not 4, 3 or 1 times hidden_size {hidden} (LSTM, GRU, RNN)", w_hh.shape),
            ))
        }
    };
    let expected = match options.cell {
        Some(CellChoice::Lstm) => Some(4),
        Some(CellChoice::Gru) => Some(3),
        Some(CellChoice::SimpleRnn) => Some(1),
        None => None,
    };
    if let Some(g) = expected.filter(|&g| g != gates) {
        return Err(Problem::refused(
            at("weight_hh"),
            format!(
                "has {gates}·hidden_size rows (a {}), but --cell asks for {g}·hidden_size",
                cell.name()
            ),
        ));
    }
    if options.rnn_activation.is_some() && gates != 1 {
        return Err(Problem::refused(
            at("weight_hh"),
            format!(
                "--rnn-activation applies to nn.RNN only, this is an nn.{}",
                cell.name()
            ),
        ));
    }
    let [ih_rows, input] = w_ih.shape[..] else {
        return Err(Problem::refused(
            at("weight_ih"),
            format!(
                "has shape {:?}; expected (gates·hidden_size, input_size)",
                w_ih.shape
            ),
        ));
    };
    if ih_rows != rows {
        return Err(Problem::refused(
            at("weight_ih"),
            format!("has {ih_rows} rows but weight_hh_l{k} has {rows}"),
        ));
    }
    if let Some(p) = previous.filter(|p| p.hidden_size != input) {
        return Err(Problem::refused(
            at("weight_ih"),
            format!(
                "has shape {:?}: layer {k} takes {input} inputs but layer {} has hidden size {}",
                w_ih.shape,
                k - 1,
                p.hidden_size
            ),
        ));
    }
    let order: &[usize] = match cell {
        Cell::Lstm => &PYTORCH_LSTM,
        Cell::Gru { .. } => &PYTORCH_GRU,
        Cell::SimpleRnn(_) => &[0],
    };
    let mut layer = Recurrent::new(cell, input, hidden);
    let shape_err = |kind: &str, e: String| Problem::refused(at(kind), e);
    layer
        .set_matrix(Matrix::Input, &w_ih.values, order, Layout::GatesByInputs)
        .map_err(|e| shape_err("weight_ih", e))?;
    layer
        .set_matrix(
            Matrix::Recurrent,
            &w_hh.values,
            order,
            Layout::GatesByInputs,
        )
        .map_err(|e| shape_err("weight_hh", e))?;
    match (b_ih, b_hh) {
        (Some(bi), Some(bh)) => {
            layer
                .add_bias(Bias::Input, &bi.values, order)
                .map_err(|e| shape_err("bias_ih", e))?;
            layer
                .add_bias(Bias::Recurrent, &bh.values, order)
                .map_err(|e| shape_err("bias_hh", e))?;
        }
        (None, None) => layer.without_bias(), // bias=False
        (Some(_), None) => {
            return Err(Problem::refused(
                at("bias_hh"),
                "is missing while bias_ih is present",
            ))
        }
        (None, Some(_)) => {
            return Err(Problem::refused(
                at("bias_ih"),
                "is missing while bias_hh is present",
            ))
        }
    }
    Ok(layer)
}

/// The `nn.Linear` head: every tensor outside the recurrent module.
fn head(
    tensors: &BTreeMap<String, Array>,
    prefix: &str,
    model: &mut Imported,
) -> Result<(), Problem> {
    let mut modules: BTreeMap<&str, (Option<&Array>, Option<&Array>)> = BTreeMap::new();
    for (name, t) in tensors {
        if rnn_key(name).is_some_and(|(p, ..)| p == prefix) {
            continue;
        }
        let entry = if let Some(m) = name.strip_suffix("weight") {
            &mut modules.entry(m).or_default().0
        } else if let Some(m) = name.strip_suffix("bias") {
            &mut modules.entry(m).or_default().1
        } else {
            return Err(Problem::refused(
                format!("key '{name}'"),
                "belongs to neither the recurrent module nor an nn.Linear; every tensor must be imported",
            ));
        };
        *entry = Some(t);
    }
    if modules.len() > 1 {
        let names: Vec<&str> = modules.keys().map(|m| m.trim_end_matches('.')).collect();
        return Err(Problem::refused(
            "state dict",
            format!("has {} modules after the recurrent one ({names:?}); a state dict does not give their order or the activations between them, so only one nn.Linear head is imported", names.len()),
        ));
    }
    let Some((m, (w, b))) = modules.into_iter().next() else {
        return Ok(());
    };
    let Some(w) = w else {
        return Err(Problem::refused(
            format!("key '{m}bias'"),
            format!("has no {m}weight beside it"),
        ));
    };
    let at = format!("key '{m}weight'");
    let [o, i] = w.shape[..] else {
        return Err(Problem::refused(
            at,
            format!(
                "has shape {:?}; an nn.Linear weight is (out_features, in_features)",
                w.shape
            ),
        ));
    };
    let hidden = model.recurrent.last().map_or(0, |r| r.hidden_size);
    if i != hidden {
        return Err(Problem::refused(
            at,
            format!("has shape {:?}: in_features {i}, but the last recurrent layer has hidden size {hidden}", w.shape),
        ));
    }
    if let Some(b) = b.filter(|b| b.shape != [o]) {
        return Err(Problem::refused(
            format!("key '{m}bias'"),
            format!("has shape {:?}; expected [{o}]", b.shape),
        ));
    }
    let dense = Dense::new(
        i,
        o,
        &w.values,
        Layout::GatesByInputs,
        b.map(|b| b.values.as_slice()),
    )
    .map_err(|e| Problem::refused(at, e))?;
    model.dense.push(dense);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rnn_keys_split_into_prefix_kind_and_layer() {
        assert_eq!(
            rnn_key("rnn.weight_ih_l0"),
            Some(("rnn.", "weight_ih", 0, false))
        );
        assert_eq!(
            rnn_key("encoder.lstm.bias_hh_l12"),
            Some(("encoder.lstm.", "bias_hh", 12, false))
        );
        assert_eq!(
            rnn_key("weight_hh_l1_reverse"),
            Some(("", "weight_hh", 1, true))
        );
        assert_eq!(rnn_key("fc.weight"), None);
        assert_eq!(rnn_key("myweight_ih_l0"), None);
    }
}
