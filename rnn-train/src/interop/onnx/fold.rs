//! Evaluation of the constant sub-graphs exporters emit around recurrent
//! nodes: `Constant`, `Identity`, `Shape`, `Gather`, `Unsqueeze`,
//! `Squeeze`, `Concat`, `Expand`, `Slice`, `Reshape`, `Transpose`, `Cast`,
//! `ConstantOfShape`, with ONNX semantics (opset 1 to 23: axes as an
//! attribute before opset 13, as an input from it on).
//!
//! Source: [ONNX operators](https://onnx.ai/onnx/operators/).

use ndarray::{concatenate, ArrayD, Axis, IxDyn, Slice};

use super::attrs;
use super::proto::{tensor_proto::DataType, NodeProto};
use super::tensor::{decode, Tensor};

/// The ops this module evaluates when all their inputs are constant.
pub const FOLDED_OPS: &[&str] = &[
    "Constant",
    "Identity",
    "Shape",
    "Gather",
    "Unsqueeze",
    "Squeeze",
    "Concat",
    "Expand",
    "Slice",
    "Reshape",
    "Transpose",
    "Cast",
    "ConstantOfShape",
];

/// `axis` in `[-rank, rank)` as an index.
pub fn normalize_axis(axis: i64, rank: usize) -> Result<usize, String> {
    let r = rank as i64;
    if (-r..r).contains(&axis) {
        Ok(if axis < 0 { axis + r } else { axis } as usize)
    } else {
        Err(format!("axis {axis} is out of range for rank {rank}"))
    }
}

fn ints_of(t: Option<&Tensor>, what: &str) -> Result<Vec<i64>, String> {
    t.and_then(Tensor::ints)
        .ok_or_else(|| format!("{what} must be a constant int64 tensor"))
}

/// Applies `f` to the array inside a tensor, whatever its element type.
macro_rules! each {
    ($t:expr, $a:ident => $body:expr) => {
        match $t {
            Tensor::F32($a) => Tensor::F32($body),
            Tensor::I64($a) => Tensor::I64($body),
        }
    };
}

fn reshape_to<T: Clone>(a: &ArrayD<T>, dims: &[usize]) -> Result<ArrayD<T>, String> {
    ArrayD::from_shape_vec(IxDyn(dims), a.iter().cloned().collect())
        .map_err(|_| format!("cannot reshape {:?} to {dims:?}", a.shape()))
}

/// The dimensions of `Reshape`'s `shape` input for an input of `from`
/// (`0` copies the input's dimension unless `allowzero`, `-1` is inferred).
pub fn reshape_dims(from: &[usize], shape: &[i64], allowzero: bool) -> Result<Vec<usize>, String> {
    let total: usize = from.iter().product();
    let mut dims = Vec::with_capacity(shape.len());
    let mut infer = None;
    for (i, &d) in shape.iter().enumerate() {
        dims.push(match d {
            0 if !allowzero => *from.get(i).ok_or("shape 0 beyond the input's rank")?,
            -1 if infer.is_none() => {
                infer = Some(i);
                1
            }
            d if d >= 0 => d as usize,
            d => return Err(format!("shape value {d} is not allowed")),
        });
    }
    let known: usize = dims.iter().product();
    if let Some(i) = infer {
        if known == 0 || !total.is_multiple_of(known) {
            return Err(format!("cannot infer -1 reshaping {from:?} to {shape:?}"));
        }
        dims[i] = total / known;
    } else if known != total {
        return Err(format!(
            "cannot reshape {from:?} ({total} values) to {shape:?}"
        ));
    }
    Ok(dims)
}

/// The start and end of `Slice` on a dimension of `size` with step 1 or
/// more, clamped as ONNX does.
pub fn slice_range(start: i64, end: i64, size: usize) -> (usize, usize) {
    let n = size as i64;
    let clamp = |v: i64| if v < 0 { (v + n).max(0) } else { v.min(n) } as usize;
    let (s, e) = (clamp(start), clamp(end));
    (s, e.max(s))
}

/// The `(axis, start, end, step)` of a `Slice` node for an input of `rank`.
pub fn slice_params(
    node: &NodeProto,
    inputs: &[Option<&Tensor>],
    rank: usize,
) -> Result<Vec<(usize, i64, i64, i64)>, String> {
    let (starts, ends, axes, steps) = if let Some(starts) = attrs::ints(node, "starts") {
        // Opset < 10: attributes.
        let ends = attrs::ints(node, "ends").ok_or("Slice needs ends")?;
        (starts, ends, attrs::ints(node, "axes"), None)
    } else {
        let get = |i: usize| inputs.get(i).copied().flatten();
        let starts = ints_of(get(1), "Slice starts")?;
        let ends = ints_of(get(2), "Slice ends")?;
        let axes = get(3).map(|t| ints_of(Some(t), "Slice axes")).transpose()?;
        let steps = get(4)
            .map(|t| ints_of(Some(t), "Slice steps"))
            .transpose()?;
        (starts, ends, axes, steps)
    };
    let axes = axes.unwrap_or_else(|| (0..starts.len() as i64).collect());
    if ends.len() != starts.len() || axes.len() != starts.len() {
        return Err("Slice starts, ends and axes differ in length".into());
    }
    let mut out = Vec::new();
    for (k, &a) in axes.iter().enumerate() {
        let step = steps.as_ref().map_or(1, |s| s.get(k).copied().unwrap_or(1));
        if step < 1 {
            return Err(format!(
                "Slice step {step} is not supported (only positive steps)"
            ));
        }
        out.push((normalize_axis(a, rank)?, starts[k], ends[k], step));
    }
    Ok(out)
}

/// The axes of `Squeeze`/`Unsqueeze`: the attribute (opset < 13) or input 1.
pub fn axes_of(node: &NodeProto, inputs: &[Option<&Tensor>]) -> Result<Option<Vec<i64>>, String> {
    if let Some(a) = attrs::ints(node, "axes") {
        return Ok(Some(a));
    }
    inputs
        .get(1)
        .copied()
        .flatten()
        .map(|t| ints_of(Some(t), "axes"))
        .transpose()
}

/// The `Shape` output for an input of `dims` (`start`/`end`, opset 15).
pub fn shape_of(node: &NodeProto, dims: &[usize]) -> Tensor {
    let n = dims.len() as i64;
    let clamp = |v: i64| (if v < 0 { v + n } else { v }).clamp(0, n) as usize;
    let start = clamp(attrs::int(node, "start").unwrap_or(0));
    let end = clamp(attrs::int(node, "end").unwrap_or(n)).max(start);
    Tensor::from_ints(dims[start..end].iter().map(|&d| d as i64).collect())
}

/// `Constant`'s value.
fn constant(node: &NodeProto) -> Result<Tensor, String> {
    if let Some(t) = attrs::get(node, "value").and_then(|a| a.t.as_ref()) {
        return decode(t);
    }
    if let Some(f) = attrs::float(node, "value_float") {
        return Ok(Tensor::F32(ArrayD::from_elem(IxDyn(&[]), f)));
    }
    if let Some(i) = attrs::int(node, "value_int") {
        return Ok(Tensor::I64(ArrayD::from_elem(IxDyn(&[]), i)));
    }
    if let Some(v) = attrs::get(node, "value_floats") {
        let n = v.floats.len();
        return Ok(Tensor::F32(
            ArrayD::from_shape_vec(IxDyn(&[n]), v.floats.clone()).map_err(|e| e.to_string())?,
        ));
    }
    if let Some(v) = attrs::ints(node, "value_ints") {
        return Ok(Tensor::from_ints(v));
    }
    Err("Constant without a value, value_float(s) or value_int(s) attribute".into())
}

fn broadcast_dims(a: &[usize], b: &[usize]) -> Result<Vec<usize>, String> {
    let rank = a.len().max(b.len());
    let at = |s: &[usize], i: usize| (i + s.len()).checked_sub(rank).map_or(1, |j| s[j]);
    (0..rank)
        .map(|i| match (at(a, i), at(b, i)) {
            (x, y) if x == y || y == 1 => Ok(x),
            (1, y) => Ok(y),
            (x, y) => Err(format!("cannot broadcast {a:?} with {b:?} ({x} vs {y})")),
        })
        .collect()
}

/// Evaluates `node` (one of [`FOLDED_OPS`]) on constant `inputs` (`None`
/// for an omitted optional input); returns its first output.
///
/// # Errors
/// A message when an input is missing or has the wrong type, an axis or
/// shape is out of range, or an attribute is unsupported.
pub fn evaluate(node: &NodeProto, inputs: &[Option<&Tensor>]) -> Result<Tensor, String> {
    let x = || inputs.first().copied().flatten().ok_or("missing input 0");
    Ok(match node.op_type.as_str() {
        "Constant" => constant(node)?,
        "Identity" => x()?.clone(),
        "Shape" => shape_of(node, x()?.shape()),
        "Cast" => {
            let to = attrs::int(node, "to").unwrap_or(0) as i32;
            match (x()?, DataType::try_from(to)) {
                (t, Ok(DataType::Float)) => Tensor::F32(match t {
                    Tensor::F32(a) => a.clone(),
                    Tensor::I64(a) => a.mapv(|v| v as f32),
                }),
                (t, Ok(DataType::Int64 | DataType::Int32)) => Tensor::I64(match t {
                    Tensor::F32(a) => a.mapv(|v| v as i64),
                    Tensor::I64(a) => a.clone(),
                }),
                _ => return Err(format!("Cast to element type {to} is not supported")),
            }
        }
        "ConstantOfShape" => {
            let dims: Vec<usize> = ints_of(Some(x()?), "ConstantOfShape input")?
                .iter()
                .map(|&d| usize::try_from(d).map_err(|_| format!("dimension {d} is negative")))
                .collect::<Result<_, _>>()?;
            match attrs::get(node, "value").and_then(|a| a.t.as_ref()) {
                None => Tensor::F32(ArrayD::zeros(IxDyn(&dims))),
                Some(t) => match decode(t)? {
                    Tensor::F32(v) => Tensor::F32(ArrayD::from_elem(
                        IxDyn(&dims),
                        *v.iter().next().ok_or("empty value")?,
                    )),
                    Tensor::I64(v) => Tensor::I64(ArrayD::from_elem(
                        IxDyn(&dims),
                        *v.iter().next().ok_or("empty value")?,
                    )),
                },
            }
        }
        "Transpose" => {
            let t = x()?;
            let rank = t.shape().len();
            let perm: Vec<usize> = match attrs::ints(node, "perm") {
                Some(p) => p
                    .iter()
                    .map(|&a| normalize_axis(a, rank))
                    .collect::<Result<_, _>>()?,
                None => (0..rank).rev().collect(),
            };
            let mut sorted = perm.clone();
            sorted.sort_unstable();
            if sorted != (0..rank).collect::<Vec<_>>() {
                return Err(format!("perm {perm:?} is not a permutation of rank {rank}"));
            }
            each!(t, a => a.clone().permuted_axes(IxDyn(&perm)).as_standard_layout().into_owned())
        }
        "Gather" => {
            let t = x()?;
            let rank = t.shape().len();
            let axis = normalize_axis(attrs::int(node, "axis").unwrap_or(0), rank)?;
            let indices = inputs.get(1).copied().flatten().ok_or("missing indices")?;
            let Tensor::I64(ix) = indices else {
                return Err("indices must be int64".into());
            };
            let size = t.shape()[axis] as i64;
            let picks: Vec<usize> = ix
                .iter()
                .map(|&i| {
                    let j = if i < 0 { i + size } else { i };
                    if (0..size).contains(&j) {
                        Ok(j as usize)
                    } else {
                        Err(format!("index {i} is out of range for size {size}"))
                    }
                })
                .collect::<Result<_, _>>()?;
            let mut dims = t.shape()[..axis].to_vec();
            dims.extend_from_slice(ix.shape());
            dims.extend_from_slice(&t.shape()[axis + 1..]);
            each!(t, a => reshape_to(&a.select(Axis(axis), &picks), &dims)?)
        }
        "Unsqueeze" => {
            let t = x()?;
            let axes = axes_of(node, inputs)?.ok_or("Unsqueeze needs axes")?;
            let rank = t.shape().len() + axes.len();
            let mut axes: Vec<usize> = axes
                .iter()
                .map(|&a| normalize_axis(a, rank))
                .collect::<Result<_, _>>()?;
            axes.sort_unstable();
            let mut dims = t.shape().to_vec();
            for a in axes {
                dims.insert(a, 1);
            }
            each!(t, a => reshape_to(a, &dims)?)
        }
        "Squeeze" => {
            let t = x()?;
            let rank = t.shape().len();
            let axes: Vec<usize> = match axes_of(node, inputs)? {
                Some(axes) => axes
                    .iter()
                    .map(|&a| normalize_axis(a, rank))
                    .collect::<Result<_, _>>()?,
                None => (0..rank).filter(|&i| t.shape()[i] == 1).collect(),
            };
            if let Some(&a) = axes.iter().find(|&&a| t.shape()[a] != 1) {
                return Err(format!("cannot squeeze axis {a} of size {}", t.shape()[a]));
            }
            let dims: Vec<usize> = (0..rank)
                .filter(|i| !axes.contains(i))
                .map(|i| t.shape()[i])
                .collect();
            each!(t, a => reshape_to(a, &dims)?)
        }
        "Reshape" => {
            let t = x()?;
            let shape = ints_of(inputs.get(1).copied().flatten(), "Reshape shape")?;
            let allowzero = attrs::int(node, "allowzero").unwrap_or(0) != 0;
            let dims = reshape_dims(t.shape(), &shape, allowzero)?;
            each!(t, a => reshape_to(a, &dims)?)
        }
        "Expand" => {
            let t = x()?;
            let shape: Vec<usize> = ints_of(inputs.get(1).copied().flatten(), "Expand shape")?
                .iter()
                .map(|&d| usize::try_from(d).map_err(|_| format!("dimension {d} is negative")))
                .collect::<Result<_, _>>()?;
            let dims = broadcast_dims(t.shape(), &shape)?;
            let bad = || format!("cannot expand {:?} to {dims:?}", t.shape());
            each!(t, a => a.broadcast(IxDyn(&dims)).ok_or_else(bad)?.to_owned())
        }
        "Concat" => {
            let all: Vec<&Tensor> = inputs.iter().flatten().copied().collect();
            let first = all.first().ok_or("Concat without inputs")?;
            let rank = first.shape().len();
            let axis = Axis(normalize_axis(
                attrs::int(node, "axis").ok_or("Concat needs axis")?,
                rank,
            )?);
            let bad = |e: ndarray::ShapeError| format!("cannot concatenate: {e}");
            match first {
                Tensor::F32(_) => {
                    let views: Vec<_> = all
                        .iter()
                        .map(|t| match t {
                            Tensor::F32(a) => Ok(a.view()),
                            Tensor::I64(_) => Err("Concat of float and int tensors".to_string()),
                        })
                        .collect::<Result<_, _>>()?;
                    Tensor::F32(concatenate(axis, &views).map_err(bad)?)
                }
                Tensor::I64(_) => {
                    let views: Vec<_> = all
                        .iter()
                        .map(|t| match t {
                            Tensor::I64(a) => Ok(a.view()),
                            Tensor::F32(_) => Err("Concat of float and int tensors".to_string()),
                        })
                        .collect::<Result<_, _>>()?;
                    Tensor::I64(concatenate(axis, &views).map_err(bad)?)
                }
            }
        }
        "Slice" => {
            let t = x()?;
            let params = slice_params(node, inputs, t.shape().len())?;
            let mut out = t.clone();
            for (axis, start, end, step) in params {
                let (s, e) = slice_range(start, end, out.shape()[axis]);
                let slice = Slice::new(s as isize, Some(e as isize), step as isize);
                out = each!(&out, a => a.slice_axis(Axis(axis), slice).to_owned());
            }
            out
        }
        other => return Err(format!("{other} is not an op rnn-train evaluates")),
    })
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

    fn int_attr(name: &str, i: i64) -> AttributeProto {
        AttributeProto {
            name: name.into(),
            i,
            ..Default::default()
        }
    }

    fn ints(v: &[i64], dims: &[usize]) -> Tensor {
        Tensor::I64(ArrayD::from_shape_vec(IxDyn(dims), v.to_vec()).unwrap())
    }

    #[test]
    fn pytorch_zero_state_subgraph_folds_to_the_batch_shape() {
        // Shape -> Gather(1) -> Unsqueeze(0) -> Concat([1], b, [16]) -> Expand(zeros).
        let x = Tensor::F32(ArrayD::zeros(IxDyn(&[30, 2, 1])));
        let shape = evaluate(&node("Shape", vec![]), &[Some(&x)]).unwrap();
        assert_eq!(shape, ints(&[30, 2, 1], &[3]));
        let one = ints(&[1], &[]);
        let batch = evaluate(
            &node("Gather", vec![int_attr("axis", 0)]),
            &[Some(&shape), Some(&one)],
        )
        .unwrap();
        assert_eq!(batch, ints(&[2], &[]));
        let axes = ints(&[0], &[1]);
        let b1 = evaluate(&node("Unsqueeze", vec![]), &[Some(&batch), Some(&axes)]).unwrap();
        let dims = evaluate(
            &node("Concat", vec![int_attr("axis", 0)]),
            &[Some(&ints(&[1], &[1])), Some(&b1), Some(&ints(&[16], &[1]))],
        )
        .unwrap();
        assert_eq!(dims, ints(&[1, 2, 16], &[3]));
        let zero = Tensor::F32(ArrayD::zeros(IxDyn(&[1, 1, 16])));
        let h0 = evaluate(&node("Expand", vec![]), &[Some(&zero), Some(&dims)]).unwrap();
        assert_eq!(h0.shape(), [1, 2, 16]);
    }

    #[test]
    fn gather_negative_index_takes_the_last_row_and_bad_indices_are_refused() {
        let t = ints(&[1, 2, 3, 4, 5, 6], &[3, 2]);
        let g = node("Gather", vec![]);
        assert_eq!(
            evaluate(&g, &[Some(&t), Some(&ints(&[-1], &[]))]).unwrap(),
            ints(&[5, 6], &[2])
        );
        let e = evaluate(&g, &[Some(&t), Some(&ints(&[3], &[]))]).unwrap_err();
        assert!(e.contains("index 3 is out of range for size 3"), "{e}");
    }

    #[test]
    fn slice_reshape_transpose_squeeze() {
        let t = ints(&(0..24).collect::<Vec<_>>(), &[2, 3, 4]);
        let s = evaluate(
            &node("Slice", vec![]),
            &[
                Some(&t),
                Some(&ints(&[-1], &[1])),
                Some(&ints(&[i64::MAX], &[1])),
                Some(&ints(&[1], &[1])),
            ],
        )
        .unwrap();
        assert_eq!(s, ints(&[8, 9, 10, 11, 20, 21, 22, 23], &[2, 1, 4]));
        let sq = evaluate(
            &node("Squeeze", vec![]),
            &[Some(&s), Some(&ints(&[1], &[1]))],
        )
        .unwrap();
        assert_eq!(sq.shape(), [2, 4]);
        let r = evaluate(
            &node("Reshape", vec![]),
            &[Some(&t), Some(&ints(&[0, -1], &[2]))],
        )
        .unwrap();
        assert_eq!(r.shape(), [2, 12]);
        let p = AttributeProto {
            name: "perm".into(),
            ints: vec![1, 0],
            ..Default::default()
        };
        let tr = evaluate(
            &node("Transpose", vec![p]),
            &[Some(&ints(&[1, 2, 3, 4, 5, 6], &[2, 3]))],
        )
        .unwrap();
        assert_eq!(tr, ints(&[1, 4, 2, 5, 3, 6], &[3, 2]));
        let e = evaluate(
            &node("Squeeze", vec![]),
            &[Some(&t), Some(&ints(&[0], &[1]))],
        )
        .unwrap_err();
        assert!(e.contains("cannot squeeze axis 0 of size 2"), "{e}");
    }
}
