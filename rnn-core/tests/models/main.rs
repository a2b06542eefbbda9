//! The tests whose results do not depend on the instruction set: the weight
//! format and its corruption checks, Rust source generation, the integer
//! (quantized) layers, and the streaming and sequence semantics. One binary,
//! so the model types they share are compiled once.

mod class_labels;
mod codegen;
mod quant_accuracy;
mod quant_activation;
mod quant_format;
mod quant_kernels;
mod sequence_output;
mod streaming_prop;
mod weights;
