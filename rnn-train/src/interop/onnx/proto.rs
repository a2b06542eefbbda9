//! The ONNX protobuf types, generated at build time by `build.rs` from
//! `proto/onnx.proto3` (ONNX project, Apache-2.0).
#![allow(missing_docs, clippy::all, clippy::pedantic)]

include!(concat!(env!("OUT_DIR"), "/onnx.rs"));
