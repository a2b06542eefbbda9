//! Regenerates `rnn-train/src/interop/onnx/onnx.rs`, the Rust types of the
//! ONNX protobuf schema (`rnn-train/proto/onnx.proto3`), with `protox` (a
//! pure-Rust protobuf compiler, no `protoc`) and `prost-build`.
//!
//! Run from anywhere: `cargo run --manifest-path tools/onnx-proto-gen/Cargo.toml`.
//! The output is committed, so building rnn-train needs only `prost`.

use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rnn_train = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rnn-train");
    let out = rnn_train.join("src/interop/onnx");
    let descriptors = protox::compile(["onnx.proto3"], [rnn_train.join("proto")])?;
    prost_build::Config::new()
        .out_dir(&out)
        .compile_fds(descriptors)?;
    println!("wrote {}", out.join("onnx.rs").display());
    Ok(())
}
