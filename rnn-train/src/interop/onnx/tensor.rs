//! Constant tensors of an ONNX graph (initializers, `Constant` outputs and
//! whatever constant sub-graphs compute), decoded from `TensorProto`.

use ndarray::{ArrayD, IxDyn};

use super::proto::{tensor_proto::DataType, TensorProto};

/// A constant: float32 weights or int64 shapes and indices (int32 and
/// bool tensors are widened to int64).
#[derive(Clone, Debug, PartialEq)]
pub enum Tensor {
    /// Float data (weights, states).
    F32(ArrayD<f32>),
    /// Integer data (shapes, axes, indices).
    I64(ArrayD<i64>),
}

impl Tensor {
    /// The dimensions.
    pub fn shape(&self) -> &[usize] {
        match self {
            Tensor::F32(a) => a.shape(),
            Tensor::I64(a) => a.shape(),
        }
    }

    /// The values as float32 in row-major order, if this is a float tensor.
    pub fn floats(&self) -> Option<Vec<f32>> {
        match self {
            Tensor::F32(a) => Some(a.iter().copied().collect()),
            Tensor::I64(_) => None,
        }
    }

    /// The values as int64 in row-major order, if this is an integer tensor.
    pub fn ints(&self) -> Option<Vec<i64>> {
        match self {
            Tensor::I64(a) => Some(a.iter().copied().collect()),
            Tensor::F32(_) => None,
        }
    }

    /// A 1-D int64 tensor.
    pub fn from_ints(values: Vec<i64>) -> Tensor {
        let n = values.len();
        Tensor::I64(ArrayD::from_shape_vec(IxDyn(&[n]), values).unwrap_or_default())
    }
}

/// Little-endian values of `raw`, `width` bytes each.
fn chunks<T>(raw: &[u8], width: usize, f: impl Fn(&[u8]) -> T) -> Result<Vec<T>, String> {
    if !raw.len().is_multiple_of(width) {
        return Err(format!(
            "raw data of {} bytes is not a whole number of {width}-byte values",
            raw.len()
        ));
    }
    Ok(raw.chunks_exact(width).map(f).collect())
}

/// Decodes an initializer or a `Constant`'s tensor.
///
/// # Errors
/// A message for external data, an element type other than float32,
/// int32, int64 or bool, negative dimensions, or a value count that does
/// not match the dimensions.
pub fn decode(t: &TensorProto) -> Result<Tensor, String> {
    if t.data_location == super::proto::tensor_proto::DataLocation::External as i32 {
        return Err("its data is stored in an external file, which is not supported".into());
    }
    let dims = t
        .dims
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| format!("dimension {d} is negative")))
        .collect::<Result<Vec<_>, _>>()?;
    let count: usize = dims.iter().product();
    let raw = &t.raw_data;
    let tensor = match DataType::try_from(t.data_type) {
        Ok(DataType::Float) => {
            let v = if raw.is_empty() {
                t.float_data.clone()
            } else {
                chunks(raw, 4, |b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))?
            };
            ArrayD::from_shape_vec(IxDyn(&dims), v).map(Tensor::F32)
        }
        Ok(DataType::Int64) => {
            let v = if raw.is_empty() {
                t.int64_data.clone()
            } else {
                chunks(raw, 8, |b| {
                    i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
                })?
            };
            ArrayD::from_shape_vec(IxDyn(&dims), v).map(Tensor::I64)
        }
        Ok(DataType::Int32) => {
            let v = if raw.is_empty() {
                t.int32_data.iter().map(|&x| i64::from(x)).collect()
            } else {
                chunks(raw, 4, |b| {
                    i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                })?
            };
            ArrayD::from_shape_vec(IxDyn(&dims), v).map(Tensor::I64)
        }
        Ok(DataType::Bool) => {
            let v = if raw.is_empty() {
                t.int32_data.iter().map(|&x| i64::from(x != 0)).collect()
            } else {
                raw.iter().map(|&b| i64::from(b != 0)).collect()
            };
            ArrayD::from_shape_vec(IxDyn(&dims), v).map(Tensor::I64)
        }
        other => {
            let name =
                other.map_or_else(|_| t.data_type.to_string(), |d| d.as_str_name().to_string());
            return Err(format!(
                "element type {name} is not supported (float32 weights, int64/int32 shapes)"
            ));
        }
    };
    tensor.map_err(|_| {
        format!("dimensions {dims:?} need {count} values, the tensor holds another count")
    })
}
