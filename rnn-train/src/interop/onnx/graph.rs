//! Walks an ONNX graph in node order: constant sub-graphs are evaluated
//! ([`super::fold`]), the value from the graph input to the output is
//! tracked axis by axis ([`super::flow`]), and every recurrent, `Gemm`,
//! `MatMul` + `Add` node on that path becomes a layer. Anything else on
//! the path is refused, naming the node.

use std::collections::HashMap;

use rnn_core::Activation;

use super::attrs;
use super::flow::{last_step, Flow, Meaning, Stage};
use super::fold::{self, normalize_axis, slice_params, slice_range, FOLDED_OPS};
use super::proto::{type_proto, GraphProto, NodeProto};
use super::recurrent;
use super::tensor::{decode, Tensor};
use crate::interop::error::Problem;
use crate::interop::layers::{Cell, Dense, Imported, Layout};

/// What a name in the graph holds.
#[derive(Clone, Debug)]
enum Value {
    /// A constant, known now.
    Const(Tensor),
    /// A graph input: the model's input or an initial state.
    Input(String),
    /// The value on the path from the model input.
    Flow(Flow),
    /// A constant this module cannot compute (the node description and why).
    Opaque(String, String),
}

/// The walk's state.
struct Walker {
    values: HashMap<String, Value>,
    input_dims: HashMap<String, Vec<Option<usize>>>,
    data_input: Option<String>,
    /// Which graph-input axis (0 or 1) is time, once a recurrent node said.
    time_axis: Option<u8>,
    model: Imported,
}

/// Imports the layers of `graph`.
///
/// # Errors
/// [`Problem::Malformed`] for a graph without nodes or a name no node
/// produces; [`Problem::Refused`] naming the node, initializer or output
/// rnn-core cannot run.
pub fn import(graph: &GraphProto) -> Result<Imported, Problem> {
    if graph.node.is_empty() {
        return Err(Problem::Malformed("the graph has no nodes".into()));
    }
    let mut w = Walker {
        values: HashMap::new(),
        input_dims: HashMap::new(),
        data_input: None,
        time_axis: None,
        model: Imported::default(),
    };
    for t in &graph.initializer {
        let value =
            decode(t).map_err(|e| Problem::refused(format!("initializer '{}'", t.name), e))?;
        w.values.insert(t.name.clone(), Value::Const(value));
    }
    for input in &graph.input {
        if w.values.contains_key(&input.name) {
            continue;
        }
        let dims = match input.r#type.as_ref().and_then(|t| t.value.as_ref()) {
            Some(type_proto::Value::TensorType(t)) => t
                .shape
                .as_ref()
                .map(|s| {
                    s.dim
                        .iter()
                        .map(|d| match d.value {
                            Some(super::proto::tensor_shape_proto::dimension::Value::DimValue(
                                v,
                            )) if v > 0 => Some(v as usize),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        w.input_dims.insert(input.name.clone(), dims);
        w.values
            .insert(input.name.clone(), Value::Input(input.name.clone()));
    }
    for node in &graph.node {
        w.node(node)?;
    }
    w.outputs(graph)?;
    Ok(w.model)
}

fn layers(m: &Imported) -> usize {
    m.recurrent.len() + m.dense.len()
}

impl Walker {
    fn value(&self, node: &NodeProto, name: &str) -> Result<&Value, Problem> {
        self.values.get(name).ok_or_else(|| {
            Problem::Malformed(format!(
                "{} reads '{name}', which no node, input or initializer produces",
                attrs::describe(node)
            ))
        })
    }

    fn inputs(&self, node: &NodeProto) -> Result<Vec<Option<Value>>, Problem> {
        node.input
            .iter()
            .map(|n| {
                if n.is_empty() {
                    Ok(None)
                } else {
                    self.value(node, n).cloned().map(Some)
                }
            })
            .collect()
    }

    fn set_outputs(&mut self, node: &NodeProto, values: Vec<Option<Value>>) {
        for (name, v) in node.output.iter().zip(values) {
            if let (false, Some(v)) = (name.is_empty(), v) {
                self.values.insert(name.clone(), v);
            }
        }
    }

    /// The dimensions of graph input `name`, unknown ones taken as 1.
    fn dims_of_input(&mut self, name: &str) -> Vec<usize> {
        let dims = self.input_dims.get(name).cloned().unwrap_or_default();
        if dims.iter().any(Option::is_none) {
            let note = format!(
                "graph input '{name}' has symbolic dimensions; they were taken as 1 to evaluate shape computations (the weights do not depend on them)"
            );
            if !self.model.notes.contains(&note) {
                self.model.notes.push(note);
            }
        }
        dims.iter().map(|d| d.unwrap_or(1)).collect()
    }

    /// The graph input `name` as the model's input sequence.
    fn bind_data(&mut self, at: &str, name: &str) -> Result<Flow, Problem> {
        match &self.data_input {
            Some(d) if d != name => {
                return Err(Problem::refused(
                    at,
                    format!("graph inputs '{d}' and '{name}' both feed the model; rnn-core layers take one input sequence"),
                ))
            }
            _ => self.data_input = Some(name.to_string()),
        }
        let dims = self.dims_of_input(name);
        let [a, b, f] = dims[..] else {
            return Err(Problem::refused(
                format!("graph input '{name}'"),
                format!("has shape {dims:?}; expected 3 dimensions (batch, timesteps, features or timesteps, batch, features)"),
            ));
        };
        Ok(Flow {
            axes: vec![
                (Meaning::Input(0), a),
                (Meaning::Input(1), b),
                (Meaning::Feature, f),
            ],
            stage: Stage::Sequence,
            layers: 0,
        })
    }

    fn resolve(&self, m: Meaning) -> Meaning {
        match (m, self.time_axis) {
            (Meaning::Input(k), Some(t)) if k == t => Meaning::Time,
            (Meaning::Input(_), Some(_)) => Meaning::Batch,
            (m, _) => m,
        }
    }

    fn node(&mut self, node: &NodeProto) -> Result<(), Problem> {
        let at = attrs::describe(node);
        let inputs = self.inputs(node)?;
        if matches!(node.op_type.as_str(), "LSTM" | "GRU" | "RNN") {
            return self.recurrent(node, &at, &inputs);
        }
        let on_path = inputs
            .iter()
            .flatten()
            .any(|v| matches!(v, Value::Flow(_) | Value::Input(_)));
        if !on_path {
            let out = self.fold(node, &at, &inputs);
            self.set_outputs(node, vec![Some(out)]);
            return Ok(());
        }
        if node.op_type == "Shape" {
            let dims = match &inputs[0] {
                Some(Value::Flow(f)) => f.dims(),
                Some(Value::Input(name)) => self.dims_of_input(name),
                _ => Vec::new(),
            };
            let out = Value::Const(fold::shape_of(node, &dims));
            self.set_outputs(node, vec![Some(out)]);
            return Ok(());
        }
        let out = self.path_op(node, &at, &inputs)?;
        self.set_outputs(node, vec![Some(Value::Flow(out))]);
        Ok(())
    }

    /// A node off the path: evaluated when it is one of [`FOLDED_OPS`] and
    /// every input is known, otherwise opaque (refused only if used).
    fn fold(&self, node: &NodeProto, at: &str, inputs: &[Option<Value>]) -> Value {
        let mut consts = Vec::with_capacity(inputs.len());
        for v in inputs {
            match v {
                None => consts.push(None),
                Some(Value::Const(t)) => consts.push(Some(t)),
                Some(Value::Opaque(n, why)) => return Value::Opaque(n.clone(), why.clone()),
                Some(_) => {
                    return Value::Opaque(at.to_string(), "depends on the model input".into())
                }
            }
        }
        let standard = node.domain.is_empty() || node.domain == "ai.onnx";
        if !standard || !FOLDED_OPS.contains(&node.op_type.as_str()) {
            return Value::Opaque(
                at.to_string(),
                format!(
                    "is not an op rnn-train evaluates (it evaluates {})",
                    FOLDED_OPS.join(", ")
                ),
            );
        }
        match fold::evaluate(node, &consts) {
            Ok(t) => Value::Const(t),
            Err(e) => Value::Opaque(at.to_string(), e),
        }
    }

    /// The constant input `i` of `node` (`None` when omitted).
    fn constant(
        &self,
        at: &str,
        inputs: &[Option<Value>],
        i: usize,
        what: &str,
    ) -> Result<Option<Tensor>, Problem> {
        match inputs.get(i).cloned().flatten() {
            None => Ok(None),
            Some(Value::Const(t)) => Ok(Some(t)),
            Some(Value::Opaque(culprit, why)) => Err(Problem::refused(
                at,
                format!("{what} comes from {culprit}, which {why}"),
            )),
            Some(Value::Input(name)) => Err(Problem::refused(
                at,
                format!("{what} is graph input '{name}'; it must be a constant (an initializer)"),
            )),
            Some(Value::Flow(_)) => Err(Problem::refused(
                at,
                format!("{what} depends on the model input; it must be a constant"),
            )),
        }
    }

    fn flow(&mut self, at: &str, inputs: &[Option<Value>], i: usize) -> Result<Flow, Problem> {
        match inputs.get(i).cloned().flatten() {
            Some(Value::Flow(f)) => Ok(f),
            Some(Value::Input(name)) => self.bind_data(at, &name),
            _ => Err(Problem::refused(
                at,
                format!("input {i} is not on the path from the graph input"),
            )),
        }
    }

    /// A recurrent node: the layer, and its outputs `Y`, `Y_h`, `Y_c`.
    fn recurrent(
        &mut self,
        node: &NodeProto,
        at: &str,
        inputs: &[Option<Value>],
    ) -> Result<(), Problem> {
        let refuse = |reason: String| Problem::refused(at, reason);
        let (cell, layout) = recurrent::cell_of(node).map_err(refuse)?;
        let x = match inputs.first().cloned().flatten() {
            Some(Value::Flow(f)) => f,
            Some(Value::Input(name)) => self.bind_data(at, &name)?,
            _ => {
                return Err(refuse(
                    "input X is not on the path from the graph input".into(),
                ))
            }
        };
        if !self.model.dense.is_empty() {
            return Err(refuse(
                "a recurrent layer after a Dense layer cannot be imported".into(),
            ));
        }
        if x.stage != Stage::Sequence {
            return Err(refuse(
                "input X is a single timestep (a final state or a last-step selection), not a sequence".into(),
            ));
        }
        if x.layers != layers(&self.model) {
            return Err(refuse(format!(
                "input X is the output of layer {} but {} layers come before this node; the layers must form one chain",
                x.layers,
                layers(&self.model)
            )));
        }
        let w = self
            .constant(at, inputs, 1, "input W")?
            .ok_or_else(|| refuse("input W is missing".into()))?;
        let r = self
            .constant(at, inputs, 2, "input R")?
            .ok_or_else(|| refuse("input R is missing".into()))?;
        let b = self.constant(at, inputs, 3, "input B")?;
        let layer = recurrent::layer(node, cell, &w, &r, b.as_ref()).map_err(refuse)?;
        let (time_pos, batch_pos) = if layout == 0 { (0, 1) } else { (1, 0) };
        if x.axes.len() != 3 {
            return Err(refuse(format!(
                "input X has shape {:?}; expected 3 dimensions for layout {layout}",
                x.dims()
            )));
        }
        self.bind_time(at, x.axes[time_pos].0, x.axes[batch_pos].0, layout)?;
        let (feature, features) = x.axes[2];
        if feature != Meaning::Feature || features != layer.input_size {
            return Err(refuse(format!(
                "input X has {features} features per timestep (axis 2 of {:?}) but W expects input_size {}",
                x.dims(),
                layer.input_size
            )));
        }
        let steps = x.axes[time_pos].1;
        if let Some(lens) = self.constant(at, inputs, 4, "input sequence_lens")? {
            if lens
                .ints()
                .is_none_or(|l| l.iter().any(|&n| n != steps as i64))
            {
                return Err(refuse(
                    "input sequence_lens gives sequences shorter than the input; only full-length sequences can be imported".into(),
                ));
            }
        }
        self.state(at, inputs, 5, "initial_h")?;
        if cell == Cell::Lstm {
            self.state(at, inputs, 6, "initial_c")?;
            if let Some(p) = self.constant(at, inputs, 7, "input P")? {
                if p.floats().is_none_or(|v| v.iter().any(|&x| x != 0.0)) {
                    return Err(refuse(
                        "input P holds peephole weights; rnn-core's LSTM has no peepholes".into(),
                    ));
                }
            }
        }
        let hidden = layer.hidden_size;
        let unit = (Meaning::Unit, 1);
        let (t, bt) = (x.axes[time_pos], x.axes[batch_pos]);
        let f = (Meaning::Feature, hidden);
        let n = layers(&self.model) + 1;
        let flow = |axes, stage| {
            Some(Value::Flow(Flow {
                axes,
                stage,
                layers: n,
            }))
        };
        let (y, state) = if layout == 0 {
            (vec![t, unit, bt, f], vec![unit, bt, f])
        } else {
            (vec![bt, t, unit, f], vec![bt, unit, f])
        };
        self.model.recurrent.push(layer);
        self.set_outputs(
            node,
            vec![
                flow(y, Stage::Sequence),
                flow(state.clone(), Stage::LastStep),
                flow(state, Stage::CellState),
            ],
        );
        Ok(())
    }

    /// Decides (or checks) which graph-input axis is time.
    fn bind_time(
        &mut self,
        at: &str,
        time: Meaning,
        batch: Meaning,
        layout: usize,
    ) -> Result<(), Problem> {
        let wrong = || {
            Problem::refused(
                at,
                format!(
                    "with layout {layout} input X must be ({}), but its axes are not",
                    if layout == 0 {
                        "timesteps, batch, features"
                    } else {
                        "batch, timesteps, features"
                    }
                ),
            )
        };
        match (self.resolve(time), self.resolve(batch)) {
            (Meaning::Time, Meaning::Batch) => Ok(()),
            (Meaning::Input(k), Meaning::Input(_)) => {
                self.time_axis = Some(k);
                Ok(())
            }
            _ => Err(wrong()),
        }
    }

    /// An initial state input: omitted, all-zero constant, or a graph input.
    fn state(
        &mut self,
        at: &str,
        inputs: &[Option<Value>],
        i: usize,
        what: &str,
    ) -> Result<(), Problem> {
        match inputs.get(i).cloned().flatten() {
            None => Ok(()),
            Some(Value::Input(name)) => {
                self.model.notes.push(format!(
                    "graph input '{name}' is the {what} of {at}: a weight file holds no state, so pass it to the layer's state at run time (rnn-core starts from zero_state() otherwise)"
                ));
                Ok(())
            }
            _ => {
                let t = self.constant(at, inputs, i, &format!("input {what}"))?;
                match t.and_then(|t| t.floats()) {
                    Some(v) if v.iter().all(|&x| x == 0.0) => Ok(()),
                    _ => Err(Problem::refused(
                        at,
                        format!("input {what} is a constant with non-zero values; a weight file holds no initial state (rnn-core starts from zeros)"),
                    )),
                }
            }
        }
    }

    /// A node on the path that is not a recurrent node.
    fn path_op(
        &mut self,
        node: &NodeProto,
        at: &str,
        inputs: &[Option<Value>],
    ) -> Result<Flow, Problem> {
        let refuse = |reason: String| Problem::refused(at, reason);
        let op = node.op_type.as_str();
        let consts: Vec<Option<Tensor>> = inputs
            .iter()
            .map(|v| match v {
                Some(Value::Const(t)) => Some(t.clone()),
                _ => None,
            })
            .collect();
        let const_refs: Vec<Option<&Tensor>> = consts.iter().map(Option::as_ref).collect();
        match op {
            "Identity" => self.flow(at, inputs, 0),
            "Transpose" => self.flow(at, inputs, 0)?.transpose(attrs::ints(node, "perm")).map_err(refuse),
            "Squeeze" => {
                let axes = match attrs::ints(node, "axes") {
                    Some(a) => Some(a),
                    None => self.constant(at, inputs, 1, "input axes")?.and_then(|t| t.ints()),
                };
                self.flow(at, inputs, 0)?.squeeze(axes).map_err(refuse)
            }
            "Unsqueeze" => {
                let axes = match attrs::ints(node, "axes") {
                    Some(a) => Some(a),
                    None => self.constant(at, inputs, 1, "input axes")?.and_then(|t| t.ints()),
                };
                let axes = axes.ok_or_else(|| refuse("Unsqueeze needs axes".into()))?;
                self.flow(at, inputs, 0)?.unsqueeze(&axes).map_err(refuse)
            }
            "Reshape" => {
                let shape = self
                    .constant(at, inputs, 1, "input shape")?
                    .and_then(|t| t.ints())
                    .ok_or_else(|| refuse("input shape must be a constant int64 tensor".into()))?;
                let allowzero = attrs::int(node, "allowzero").unwrap_or(0) != 0;
                self.flow(at, inputs, 0)?.reshape(&shape, allowzero).map_err(refuse)
            }
            "Gather" => {
                let f = self.flow(at, inputs, 0)?;
                let indices = self
                    .constant(at, inputs, 1, "input indices")?
                    .ok_or_else(|| refuse("input indices is missing".into()))?;
                let axis = normalize_axis(attrs::int(node, "axis").unwrap_or(0), f.axes.len()).map_err(refuse)?;
                let (m, size) = f.axes[axis];
                let picks = indices.ints().unwrap_or_default();
                let last = picks.len() == 1 && {
                    let i = picks[0];
                    last_step(i, if i == -1 { i64::MAX } else { i + 1 }, size)
                };
                if self.resolve(m) != Meaning::Time || !last {
                    return Err(refuse(format!(
                        "gathers indices {picks:?} along axis {axis} ({}); only the last timestep (index -1) along the time axis can be imported",
                        super::flow::describe(self.resolve(m))
                    )));
                }
                self.last_step(at, f, axis, indices.shape().is_empty())
            }
            "Slice" => {
                let mut f = self.flow(at, inputs, 0)?;
                for i in 1..inputs.len() {
                    self.constant(at, inputs, i, "Slice parameters")?;
                }
                let params = slice_params(node, &const_refs, f.axes.len()).map_err(refuse)?;
                for (axis, start, end, step) in params {
                    let (m, size) = f.axes[axis];
                    let (s, e) = slice_range(start, end, size);
                    if step == 1 && s == 0 && e == size {
                        continue;
                    }
                    if step == 1 && self.resolve(m) == Meaning::Time && last_step(start, end, size) {
                        f = self.last_step(at, f, axis, false)?;
                        continue;
                    }
                    return Err(refuse(format!(
                        "slices [{start}, {end}) step {step} of axis {axis} ({}, size {size}); only the last timestep can be selected",
                        super::flow::describe(self.resolve(m))
                    )));
                }
                Ok(f)
            }
            "Gemm" => self.gemm(node, at, inputs),
            "MatMul" => {
                let f = self.flow(at, inputs, 0)?;
                let b = self
                    .constant(at, inputs, 1, "input B")?
                    .ok_or_else(|| refuse("input B is missing".into()))?;
                let [i, o] = *b.shape() else {
                    return Err(refuse(format!("input B has shape {:?}; expected (in, out)", b.shape())));
                };
                self.dense(at, f, i, o, &b, Layout::InputsByGates, None)
            }
            "Add" => {
                let (fi, ci) = match (&inputs.first(), &inputs.get(1)) {
                    (Some(Some(Value::Flow(_) | Value::Input(_))), _) => (0, 1),
                    _ => (1, 0),
                };
                let mut f = self.flow(at, inputs, fi)?;
                let bias = self
                    .constant(at, inputs, ci, "the other input")?
                    .ok_or_else(|| refuse("Add needs two inputs".into()))?;
                let n = layers(&self.model);
                match (f.stage, self.model.dense.last_mut()) {
                    (Stage::Dense { bias: false, activation: false }, Some(d)) if f.layers == n => {
                        let ok_shape = bias.shape().iter().product::<usize>() == d.output_size
                            && bias.shape().last() == Some(&d.output_size);
                        let values = bias.floats().filter(|_| ok_shape).ok_or_else(|| {
                            refuse(format!(
                                "bias has shape {:?}; expected ({}) after the MatMul",
                                bias.shape(),
                                d.output_size
                            ))
                        })?;
                        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                            return Err(refuse(format!("bias has a non-finite value ({}) at index {i}", values[i])));
                        }
                        d.set_bias(&values).map_err(refuse)?;
                        f.stage = Stage::Dense { bias: true, activation: false };
                        Ok(f)
                    }
                    _ => Err(refuse(
                        "Add on the path is imported only as the bias right after a MatMul".into(),
                    )),
                }
            }
            "Relu" | "Tanh" | "Sigmoid" => {
                let mut f = self.flow(at, inputs, 0)?;
                let n = layers(&self.model);
                match (f.stage, self.model.dense.last_mut()) {
                    (Stage::Dense { bias, activation: false }, Some(d)) if f.layers == n => {
                        d.activation = match op {
                            "Relu" => Activation::Relu,
                            "Tanh" => Activation::Tanh,
                            _ => Activation::Sigmoid,
                        };
                        f.stage = Stage::Dense { bias, activation: true };
                        Ok(f)
                    }
                    _ => Err(refuse(format!(
                        "{op} is imported only as the activation of a Dense layer (Gemm or MatMul + Add)"
                    ))),
                }
            }
            "Softmax" | "LogSoftmax" | "LeakyRelu" | "Elu" | "Selu" | "HardSigmoid" | "Softplus" | "Softsign" | "Gelu" | "PRelu" => Err(refuse(format!(
                "activation {op}: rnn-core's Dense layer has linear, relu, tanh and sigmoid only"
            ))),
            _ => Err(refuse(format!(
                "op {op} is not supported on the path from the input to the output (supported there: LSTM, GRU, RNN, Gemm, MatMul, Add, Relu, Tanh, Sigmoid, Identity, Transpose, Squeeze, Unsqueeze, Reshape, Gather and Slice of the last timestep)"
            ))),
        }
    }

    /// `f` with its time axis (`axis`) reduced to the last step: removed
    /// (`remove`) or kept as a size-1 axis.
    fn last_step(&self, at: &str, mut f: Flow, axis: usize, remove: bool) -> Result<Flow, Problem> {
        if f.stage != Stage::Sequence {
            return Err(Problem::refused(
                at,
                "selects a timestep of a value that is not a sequence",
            ));
        }
        if remove {
            f.axes.remove(axis);
        } else {
            f.axes[axis] = (Meaning::Last, 1);
        }
        f.stage = Stage::LastStep;
        Ok(f)
    }

    fn gemm(
        &mut self,
        node: &NodeProto,
        at: &str,
        inputs: &[Option<Value>],
    ) -> Result<Flow, Problem> {
        let refuse = |reason: String| Problem::refused(at, reason);
        if attrs::int(node, "transA").unwrap_or(0) != 0 {
            return Err(refuse(
                "transA = 1 is not supported (the input must be (batch, features))".into(),
            ));
        }
        let f = self.flow(at, inputs, 0)?;
        let b = self
            .constant(at, inputs, 1, "input B")?
            .ok_or_else(|| refuse("input B is missing".into()))?;
        let c = self.constant(at, inputs, 2, "input C")?;
        let trans_b = attrs::int(node, "transB").unwrap_or(0) != 0;
        let [r, k] = *b.shape() else {
            return Err(refuse(format!(
                "input B has shape {:?}; expected 2 dimensions",
                b.shape()
            )));
        };
        let (i, o, layout) = if trans_b {
            (k, r, Layout::GatesByInputs)
        } else {
            (r, k, Layout::InputsByGates)
        };
        let alpha = attrs::float(node, "alpha").unwrap_or(1.0);
        let beta = attrs::float(node, "beta").unwrap_or(1.0);
        let bias = match c {
            None => None,
            Some(c) => {
                let n: usize = c.shape().iter().product();
                let v = c
                    .floats()
                    .ok_or_else(|| refuse("input C must be float32".into()))?;
                match (n, c.shape().last()) {
                    (n, Some(&last)) if n == o && last == o => Some(v),
                    (1, _) => Some(vec![v[0]; o]),
                    _ => {
                        return Err(refuse(format!(
                            "input C has shape {:?}; expected ({o}) or (1, {o})",
                            c.shape()
                        )))
                    }
                }
            }
        };
        let mut out = self.dense(at, f, i, o, &b, layout, bias.as_deref())?;
        if let Some(d) = self.model.dense.last_mut() {
            d.scale(alpha, beta);
        }
        out.stage = Stage::Dense {
            bias: bias.is_some(),
            activation: false,
        };
        Ok(out)
    }

    /// A Dense layer on `f`, `B` of `i` inputs and `o` outputs.
    #[allow(clippy::too_many_arguments)]
    fn dense(
        &mut self,
        at: &str,
        f: Flow,
        i: usize,
        o: usize,
        b: &Tensor,
        layout: Layout,
        bias: Option<&[f32]>,
    ) -> Result<Flow, Problem> {
        let refuse = |reason: String| Problem::refused(at, reason);
        let n = layers(&self.model);
        if f.layers != n || self.model.recurrent.is_empty() {
            return Err(refuse(format!(
                "its input is the output of layer {} but {n} layers come before it; the layers must form one chain after a recurrent layer",
                f.layers
            )));
        }
        let meanings: Vec<Meaning> = f.axes.iter().map(|a| self.resolve(a.0)).collect();
        if meanings.contains(&Meaning::Time) {
            return Err(refuse(
                "a Dense layer on every timestep (many-to-many) is not supported; rnn-train applies Dense to the last timestep".into(),
            ));
        }
        if f.stage == Stage::CellState {
            return Err(refuse(
                "a Dense layer on the final cell state cannot be imported".into(),
            ));
        }
        let features = f.axes.last().map_or(0, |a| a.1);
        let batch_and_features = meanings
            .iter()
            .filter(|m| **m != Meaning::Unit && **m != Meaning::Last)
            .count()
            == 2
            && meanings.last() == Some(&Meaning::Feature);
        if !batch_and_features || features != i {
            return Err(refuse(format!(
                "input has shape {:?} but the weights expect (batch, {i})",
                f.dims()
            )));
        }
        let w = b
            .floats()
            .ok_or_else(|| refuse("the weight matrix must be float32".into()))?;
        if let Some(k) = w.iter().position(|v| !v.is_finite()) {
            return Err(refuse(format!(
                "the weight matrix has a non-finite value ({}) at index {k}",
                w[k]
            )));
        }
        if let Some(k) = bias.and_then(|b| b.iter().position(|v| !v.is_finite())) {
            return Err(refuse(format!(
                "the bias has a non-finite value at index {k}"
            )));
        }
        let dense = Dense::new(i, o, &w, layout, bias).map_err(refuse)?;
        self.model.dense.push(dense);
        let mut axes = f.axes.clone();
        if let Some(last) = axes.last_mut() {
            *last = (Meaning::Feature, o);
        }
        Ok(Flow {
            axes,
            stage: Stage::Dense {
                bias: false,
                activation: false,
            },
            layers: n + 1,
        })
    }

    /// Checks that every graph output comes after every layer.
    fn outputs(&mut self, graph: &GraphProto) -> Result<(), Problem> {
        let total = layers(&self.model);
        if self.model.recurrent.is_empty() {
            return Err(Problem::refused(
                "graph",
                "has no LSTM, GRU or RNN node on the path from the input to the output",
            ));
        }
        for out in &graph.output {
            let at = format!("graph output '{}'", out.name);
            match self.values.get(&out.name) {
                Some(Value::Flow(f)) if f.layers == total => {
                    if f.stage == Stage::CellState {
                        self.model.notes.push(format!(
                            "{at} is the final cell state, which rnn-core keeps in the LSTM's state"
                        ));
                    }
                }
                Some(Value::Flow(f)) => {
                    return Err(Problem::refused(
                        at,
                        format!(
                            "is computed after {} of the {total} layers; every layer must lie on the path to every output",
                            f.layers
                        ),
                    ))
                }
                _ => {
                    return Err(Problem::refused(
                        at,
                        "does not depend on the model input",
                    ))
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interop::onnx::proto::{
        tensor_shape_proto::{dimension, Dimension},
        type_proto, AttributeProto, TensorProto, TensorShapeProto, TypeProto, ValueInfoProto,
    };

    fn init(name: &str, dims: &[i64]) -> TensorProto {
        let n: i64 = dims.iter().product();
        TensorProto {
            name: name.into(),
            dims: dims.to_vec(),
            data_type: 1,
            float_data: (0..n).map(|i| (i as f32 * 0.1).sin()).collect(),
            ..Default::default()
        }
    }

    fn value(name: &str, dims: &[i64]) -> ValueInfoProto {
        let dim = dims
            .iter()
            .map(|&d| Dimension {
                value: Some(dimension::Value::DimValue(d)),
                ..Default::default()
            })
            .collect();
        ValueInfoProto {
            name: name.into(),
            r#type: Some(TypeProto {
                value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                    elem_type: 1,
                    shape: Some(TensorShapeProto { dim }),
                })),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn node(
        op: &str,
        inputs: &[&str],
        outputs: &[&str],
        attribute: Vec<AttributeProto>,
    ) -> NodeProto {
        NodeProto {
            op_type: op.into(),
            name: format!("{op}_0"),
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: outputs.iter().map(|s| s.to_string()).collect(),
            attribute,
            ..Default::default()
        }
    }

    fn int(name: &str, i: i64) -> AttributeProto {
        AttributeProto {
            name: name.into(),
            i,
            ..Default::default()
        }
    }

    /// Batch-first LSTM (layout 1) -> Y_h -> Squeeze -> MatMul + Add -> `head`.
    fn graph(head: &str) -> GraphProto {
        let mut axes = init("axes", &[1]);
        axes.data_type = 7;
        axes.float_data.clear();
        axes.int64_data = vec![1];
        GraphProto {
            input: vec![value("x", &[2, 5, 3])],
            output: vec![value("y", &[2, 2])],
            initializer: vec![
                init("W", &[1, 16, 3]),
                init("R", &[1, 16, 4]),
                init("B", &[1, 32]),
                init("K", &[4, 2]),
                init("b", &[2]),
                axes,
            ],
            node: vec![
                node(
                    "LSTM",
                    &["x", "W", "R", "B"],
                    &["", "h"],
                    vec![int("hidden_size", 4), int("layout", 1)],
                ),
                node("Squeeze", &["h", "axes"], &["hs"], vec![]),
                node("MatMul", &["hs", "K"], &["m"], vec![]),
                node("Add", &["m", "b"], &["a"], vec![]),
                node(head, &["a"], &["y"], vec![]),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn batch_first_lstm_with_matmul_add_head() {
        let m = import(&graph("Tanh")).unwrap();
        assert_eq!(m.recurrent.len(), 1);
        assert_eq!(
            (m.recurrent[0].input_size, m.recurrent[0].hidden_size),
            (3, 4)
        );
        assert_eq!(m.dense.len(), 1);
        assert_eq!(m.dense[0].activation, Activation::Tanh);
        assert_eq!((m.dense[0].input_size, m.dense[0].output_size), (4, 2));
        m.to_file().unwrap();
    }

    #[test]
    fn softmax_head_and_a_second_data_input_are_refused() {
        let e = import(&graph("Softmax")).unwrap_err();
        assert_eq!(
            e,
            Problem::refused(
                "node 'Softmax_0' (Softmax)",
                "activation Softmax: rnn-core's Dense layer has linear, relu, tanh and sigmoid only"
            )
        );
        let mut g = graph("Tanh");
        g.input.push(value("z", &[2, 4]));
        g.node[3].input[1] = "z".into();
        let e = import(&g).unwrap_err();
        assert!(
            matches!(&e, Problem::Refused { at, .. } if at == "node 'Add_0' (Add)"),
            "{e:?}"
        );
    }
}
