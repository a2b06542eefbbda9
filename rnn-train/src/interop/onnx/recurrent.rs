//! ONNX `LSTM`, `GRU` and `RNN` nodes into [`Recurrent`] layers: the
//! attributes rnn-core can run, the weight shapes, and where the initial
//! states come from.
//!
//! Source: [LSTM](https://onnx.ai/onnx/operators/onnx__LSTM.html),
//! [GRU](https://onnx.ai/onnx/operators/onnx__GRU.html),
//! [RNN](https://onnx.ai/onnx/operators/onnx__RNN.html).

use rnn_core::import::gate_order::{ONNX_GRU, ONNX_LSTM};
use rnn_core::Activation;

use super::attrs;
use super::proto::NodeProto;
use super::tensor::Tensor;
use crate::interop::layers::{Bias, Cell, Layout, Matrix, Recurrent};

/// The attributes of a recurrent node that decide its cell, after
/// refusing those rnn-core does not have.
///
/// # Errors
/// A message naming the attribute: a direction other than forward,
/// `clip`, `input_forget`, activation parameters, activations other than
/// the defaults (RNN: `Tanh` or `Relu`), a `layout` other than 0 or 1.
pub fn cell_of(node: &NodeProto) -> Result<(Cell, usize), String> {
    let op = node.op_type.as_str();
    let direction = attrs::string(node, "direction").unwrap_or_else(|| "forward".into());
    if direction != "forward" {
        return Err(format!(
            "direction '{direction}': only forward layers can be imported (a weight file has no reverse or bidirectional layer)"
        ));
    }
    if attrs::get(node, "clip").is_some() {
        return Err(
            "attribute clip: rnn-core's cells do not clip their pre-activations, so the outputs would differ"
                .into(),
        );
    }
    if attrs::int(node, "input_forget").unwrap_or(0) != 0 {
        return Err(
            "input_forget = 1 couples the input and forget gates, which rnn-core's LSTM does not"
                .into(),
        );
    }
    for a in ["activation_alpha", "activation_beta"] {
        if attrs::get(node, a).is_some() {
            return Err(format!(
                "attribute {a}: parameterized activations are not supported"
            ));
        }
    }
    let layout = match attrs::int(node, "layout").unwrap_or(0) {
        l @ (0 | 1) => l as usize,
        l => return Err(format!("layout {l}: expected 0 or 1")),
    };
    let acts = attrs::strings(node, "activations");
    let expect = |default: &[&str]| match &acts {
        Some(a) if a.iter().map(String::as_str).ne(default.iter().copied()) => Err(format!(
            "activations {a:?}: rnn-core's {op} has {default:?} only"
        )),
        _ => Ok(()),
    };
    let cell = match op {
        "LSTM" => {
            expect(&["Sigmoid", "Tanh", "Tanh"])?;
            Cell::Lstm
        }
        "GRU" => {
            expect(&["Sigmoid", "Tanh"])?;
            Cell::Gru {
                reset_after: attrs::int(node, "linear_before_reset").unwrap_or(0) != 0,
            }
        }
        _ => match acts.as_deref() {
            None => Cell::SimpleRnn(Activation::Tanh),
            Some([a]) if a == "Tanh" => Cell::SimpleRnn(Activation::Tanh),
            Some([a]) if a == "Relu" => Cell::SimpleRnn(Activation::Relu),
            Some(a) => {
                return Err(format!(
                    "activations {a:?}: rnn-core's SimpleRNN runs Tanh or Relu"
                ))
            }
        },
    };
    Ok((cell, layout))
}

/// A float initializer's values, refusing NaN and infinities.
fn finite(name: &str, t: &Tensor) -> Result<Vec<f32>, String> {
    let v = t
        .floats()
        .ok_or_else(|| format!("input {name} must be a float32 tensor"))?;
    match v.iter().position(|x| !x.is_finite()) {
        Some(i) => Err(format!(
            "input {name} has a non-finite value ({}) at index {i}",
            v[i]
        )),
        None => Ok(v),
    }
}

fn check_shape(name: &str, t: &Tensor, expected: &[usize], what: &str) -> Result<(), String> {
    if t.shape() == expected {
        Ok(())
    } else {
        Err(format!(
            "input {name} has shape {:?}, expected {expected:?} ({what})",
            t.shape()
        ))
    }
}

/// Builds the layer from the node's `W`, `R` and optional `B`.
///
/// # Shapes
/// `W (1, G·H, I)`, `R (1, G·H, H)`, `B (1, 2·G·H) = [Wb | Rb]`;
/// `H` = `hidden_size` (or `R`'s last dimension when the attribute is
/// absent).
///
/// # Errors
/// A message naming the input whose shape differs, or whose values are
/// not finite.
pub fn layer(
    node: &NodeProto,
    cell: Cell,
    w: &Tensor,
    r: &Tensor,
    b: Option<&Tensor>,
) -> Result<Recurrent, String> {
    let g = cell.gates();
    let [_, _, input] = *w.shape() else {
        return Err(format!(
            "input W has shape {:?}, expected 3 dimensions (1, {g}·hidden_size, input_size)",
            w.shape()
        ));
    };
    let hidden = match attrs::int(node, "hidden_size") {
        Some(h) if h > 0 => h as usize,
        Some(h) => return Err(format!("hidden_size {h} is not positive")),
        None => *r.shape().last().unwrap_or(&0),
    };
    if hidden == 0 || input == 0 {
        return Err("hidden_size and input_size must be positive".into());
    }
    check_shape(
        "W",
        w,
        &[1, g * hidden, input],
        &format!("1, {g}·hidden_size, input_size"),
    )?;
    check_shape(
        "R",
        r,
        &[1, g * hidden, hidden],
        &format!("1, {g}·hidden_size, hidden_size"),
    )?;
    let order: &[usize] = match cell {
        Cell::Lstm => &ONNX_LSTM,
        Cell::Gru { .. } => &ONNX_GRU,
        Cell::SimpleRnn(_) => &[0],
    };
    let mut layer = Recurrent::new(cell, input, hidden);
    layer.set_matrix(
        Matrix::Input,
        &finite("W", w)?,
        order,
        Layout::GatesByInputs,
    )?;
    layer.set_matrix(
        Matrix::Recurrent,
        &finite("R", r)?,
        order,
        Layout::GatesByInputs,
    )?;
    if let Some(b) = b {
        check_shape(
            "B",
            b,
            &[1, 2 * g * hidden],
            &format!("1, 2·{g}·hidden_size"),
        )?;
        let b = finite("B", b)?;
        let (wb, rb) = b.split_at(g * hidden);
        layer.add_bias(Bias::Input, wb, order)?;
        // ONNX adds Rb next to Wb except for the GRU candidate with
        // linear_before_reset = 1, which `Bias::Recurrent` puts inside.
        layer.add_bias(Bias::Recurrent, rb, order)?;
    } else {
        // No B: ONNX's biases are 0, which is a layer without bias.
        layer.without_bias();
    }
    Ok(layer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interop::onnx::proto::AttributeProto;

    fn node(op: &str, attributes: Vec<AttributeProto>) -> NodeProto {
        NodeProto {
            op_type: op.into(),
            attribute: attributes,
            ..Default::default()
        }
    }

    fn string_attr(name: &str, s: &str) -> AttributeProto {
        AttributeProto {
            name: name.into(),
            s: s.as_bytes().to_vec(),
            ..Default::default()
        }
    }

    fn floats(shape: &[usize], value: f32) -> Tensor {
        let n = shape.iter().product();
        Tensor::F32(ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(shape), vec![value; n]).unwrap())
    }

    /// A GRU node without input B (ONNX: biases 0) is written as a layer
    /// without bias: no bias parameters; with B, `3H(I + H + 2)`.
    #[test]
    fn a_node_without_b_is_a_layer_without_bias() {
        let (w, r) = (floats(&[1, 12, 3], 0.1), floats(&[1, 12, 4], 0.2));
        let b = floats(&[1, 24], 0.3);
        let gru = Cell::Gru { reset_after: true };
        let written = |b: Option<&Tensor>| {
            let layer = layer(&node("GRU", vec![]), gru, &w, &r, b).unwrap();
            let model = crate::interop::layers::Imported {
                recurrent: vec![layer],
                ..Default::default()
            };
            model.to_file().unwrap()
        };
        let (specs, params) = written(None);
        assert!(
            matches!(
                specs[0],
                rnn_core::format::LayerSpec::Gru {
                    use_bias: false,
                    ..
                }
            ),
            "{specs:?}"
        );
        assert_eq!(params.len(), 12 * (3 + 4));
        let (specs, params) = written(Some(&b));
        assert!(
            matches!(
                specs[0],
                rnn_core::format::LayerSpec::Gru { use_bias: true, .. }
            ),
            "{specs:?}"
        );
        assert_eq!(params.len(), 12 * (3 + 4 + 2));
    }

    #[test]
    fn refuses_what_rnn_core_lacks_naming_the_attribute() {
        let cases = [
            (
                node("LSTM", vec![string_attr("direction", "bidirectional")]),
                "direction 'bidirectional'",
            ),
            (
                node(
                    "LSTM",
                    vec![AttributeProto {
                        name: "clip".into(),
                        f: 3.0,
                        ..Default::default()
                    }],
                ),
                "clip",
            ),
            (
                node(
                    "LSTM",
                    vec![AttributeProto {
                        name: "input_forget".into(),
                        i: 1,
                        ..Default::default()
                    }],
                ),
                "input_forget",
            ),
            (
                node(
                    "RNN",
                    vec![AttributeProto {
                        name: "activations".into(),
                        strings: vec![b"Sigmoid".to_vec()],
                        ..Default::default()
                    }],
                ),
                "SimpleRNN runs Tanh or Relu",
            ),
            (
                node(
                    "GRU",
                    vec![AttributeProto {
                        name: "activations".into(),
                        strings: vec![b"HardSigmoid".to_vec(), b"Tanh".to_vec()],
                        ..Default::default()
                    }],
                ),
                "HardSigmoid",
            ),
            (
                node(
                    "GRU",
                    vec![AttributeProto {
                        name: "layout".into(),
                        i: 2,
                        ..Default::default()
                    }],
                ),
                "layout 2",
            ),
        ];
        for (n, want) in cases {
            let e = cell_of(&n).unwrap_err();
            assert!(e.contains(want), "{e}");
        }
        let gru = node(
            "GRU",
            vec![AttributeProto {
                name: "linear_before_reset".into(),
                i: 1,
                ..Default::default()
            }],
        );
        assert_eq!(cell_of(&gru).unwrap(), (Cell::Gru { reset_after: true }, 0));
    }
}
