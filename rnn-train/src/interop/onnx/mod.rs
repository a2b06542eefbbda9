//! ONNX files (`.onnx`): the protobuf is decoded with `prost` into the
//! types `build.rs` generates from the ONNX schema, then [`graph`] walks
//! it into layers.
//!
//! What is imported: forward `LSTM`, `GRU` (both `linear_before_reset`
//! values) and `RNN` (`Tanh`, `Relu`) nodes in `layout` 0 or 1, stacked;
//! initial states that are graph inputs (the caller passes them at run
//! time) or constants that are all zero, however computed; a Dense head
//! from `Gemm` or `MatMul` + `Add` on the last timestep, with `Relu`,
//! `Tanh` or `Sigmoid`. As `torch.onnx.export` and tf2onnx write them.

mod attrs;
mod flow;
mod fold;
mod graph;
mod proto;
mod recurrent;
mod tensor;

use prost::Message;

use super::error::Problem;
use super::layers::Imported;

/// Decodes an ONNX model and imports its layers.
///
/// # Errors
/// [`Problem::Malformed`] when `bytes` is not an ONNX protobuf (truncated,
/// another file type) or has no graph; [`Problem::Refused`] naming the
/// node, initializer or output that cannot be imported.
pub(crate) fn import(bytes: &[u8]) -> Result<Imported, Problem> {
    let model = proto::ModelProto::decode(bytes)
        .map_err(|e| Problem::Malformed(format!("protobuf decoding failed ({e})")))?;
    if model.ir_version <= 0 {
        return Err(Problem::Malformed(
            "no ONNX IR version: this is not an ONNX model".into(),
        ));
    }
    let graph = model
        .graph
        .as_ref()
        .ok_or_else(|| Problem::Malformed("the model has no graph".into()))?;
    graph::import(graph)
}
