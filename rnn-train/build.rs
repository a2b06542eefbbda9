//! Compiles the ONNX protobuf schema (`proto/onnx.proto3`) into Rust types
//! with `protox` (pure Rust, no `protoc`) and `prost-build`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/onnx.proto3");
    let descriptors = protox::compile(["onnx.proto3"], ["proto"])?;
    prost_build::Config::new().compile_fds(descriptors)?;
    Ok(())
}
