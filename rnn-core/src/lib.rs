//! Fixed-size recurrent neural network inference for microcontrollers:
//! `#![no_std]`, no `alloc`, no heap.
//!
//! Layers are const-generic over their sizes with weights in static nalgebra
//! matrices, and match Keras 3 to within 1e-5 (tested against Keras and ONNX
//! Runtime golden vectors):
//!
//! | layer | Keras | state |
//! | --- | --- | --- |
//! | [`SimpleRnn<I, H>`] | `SimpleRNN` (tanh, relu, linear) | `h: [H]` |
//! | [`Lstm<I, H>`] | `LSTM` (gates i, f, c, o) | [`LstmState`] `h, c: [H]` |
//! | [`Gru<I, H>`] | `GRU`, `reset_after` true or false | `h: [H]` |
//! | [`Dense<I, O>`] | `Dense` (linear, relu, tanh, sigmoid, softmax) | none |
//!
//! [`Stack`] chains layers at compile time, of any cell kinds; every layer
//! and stack implements [`Layer`], with a streaming [`Layer::step`] and
//! Keras sequence calls ([`Layer::run_sequence`], and
//! [`Layer::run_sequence_into`] for an output at every timestep, which
//! after a Dense is Keras's `TimeDistributed(Dense)`).
//! [`Bidirectional`] (Keras `Bidirectional`, [`MergeMode`]) is
//! sequence-only: not a [`Layer`], it returns the merged final outputs of
//! its two directions; a head after it is stepped on that output.
//!
//! [`quant`] has the integer counterparts (int8 weights, int16 state) for
//! cores without an FPU.
//!
//! Weights travel in a checked, versioned postcard format ([`format`]):
//! [`format::load_into`] loads into caller-provided storage, and
//! [`format::codegen`] (feature `std`) turns a blob into Rust source for a
//! model that lives in flash.
//!
//! ```
//! # #[cfg(feature = "std")] // `boxed_zeroed` needs `std`
//! # fn main() -> Result<(), rnn_core::Error> {
//! use rnn_core::{format, Dense, Layer, Lstm, SVector, Stack};
//!
//! // LSTM(16) on one input feature, then Dense(1): sizes are types.
//! type Model = Stack<Lstm<1, 16>, Dense<16, 1>>;
//! # let trained: Model = Stack::new(Lstm::zeroed(), Dense::zeroed());
//! # let mut blob = [0u8; 6000];
//! # let n = format::encode(&trained, None, &mut blob).unwrap();
//! # let blob = &blob[..n];
//!
//! // Load a weight blob into caller-provided storage: a `static` on a
//! // device, zeroed heap memory on a host (never built on the stack); the
//! // header is checked against `Model` before anything is written.
//! let mut model: Box<Model> = rnn_core::boxed_zeroed();
//! let metadata = format::load_into(&mut *model, blob)?;
//!
//! // Streaming: one timestep in, one prediction out, the state kept apart.
//! let mut state = Model::zero_state();
//! let y = model.step(&mut state, &SVector::from([0.42]));
//! assert!(y[0].is_finite());
//!
//! // Several sensors in one call, each with its own state: the bits of
//! // separate `step` calls (layers larger than L1 batch the streams).
//! let mut states = [Model::zero_state(); 3];
//! let readings = [0.1, 0.2, 0.3].map(|v| SVector::from([v]));
//! let ys = model.step_streams(&mut states, &readings);
//! assert!(ys.iter().all(|y| y[0].is_finite()));
//! # let _ = metadata;
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "std"))]
//! # fn main() {}
//! ```
//!
//! | feature | effect |
//! | --- | --- |
//! | `std` | host helpers: run-time SIMD detection ([`Kernel`]), [`boxed_zeroed`], source generation ([`format::codegen`]), post-training quantization and the run-time-sized integer model ([`quant::QModel`]) |
//! | `force-scalar` | always use the scalar reference kernel |
//! | `exact-activations` | libm sigmoid/tanh instead of the fast rational ones (errors of both in [`activation`]) |
#![no_std]
#![deny(unsafe_code)]

#[cfg(any(feature = "std", test))]
extern crate std;

pub mod activation;
mod bidirectional;
#[cfg(feature = "std")]
mod boxed;
mod error;
pub mod format;
pub mod import;
mod kernels;
mod layer;
pub mod layers;
pub mod quant;
mod stack;

pub use activation::Activation;
pub use bidirectional::{Bidirectional, MergeMode};
#[cfg(feature = "std")]
pub use boxed::boxed_zeroed;
pub use error::Error;
pub use kernels::{Isa, Kernel};
pub use layer::{Direction, Layer, ZeroState};
pub use layers::dense::Dense;
pub use layers::gru::Gru;
pub use layers::lstm::{Lstm, LstmState};
pub use layers::simple_rnn::SimpleRnn;
pub use nalgebra::{SMatrix, SVector};
pub use stack::Stack;
