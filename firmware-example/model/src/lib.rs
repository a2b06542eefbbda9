//! The model the firmware example runs, and the one routine that turns a
//! window of raw readings into a forecast, shared by the firmware and by
//! the host build script that computes the reference forecasts.
//!
//! `build.rs` generates [`Model`], [`MODEL`], [`INPUT_SCALES`],
//! [`TARGET_SCALES`], [`SCALER`], [`WINDOW`] and [`HORIZON`] from
//! `sea_temperature.rnnw` with `rnn_core::format::codegen::rust_source`.
//! [`MODEL`] is a `static` built by `const` constructors, so on a
//! microcontroller its weights stay in flash (`.rodata`) and are never
//! copied to RAM. Nothing here depends on the weights or the layer sizes;
//! only the model's input and output must be one value per timestep
//! (one sensor in, one forecast out).
#![no_std]

use rnn_core::{Layer, SVector};

include!(concat!(env!("OUT_DIR"), "/model.rs"));

const BLOB_LEN: usize = include_bytes!("../sea_temperature.rnnw").len();

/// The weight blob itself (the same bytes [`MODEL`] was generated from),
/// for loading at run time with `rnn_core::format::load_into`.
pub static BLOB: [u8; BLOB_LEN] = *include_bytes!("../sea_temperature.rnnw");

/// Forecasts the series [`HORIZON`] steps after the last reading of
/// `window`, the way the model was trained: from a zero state (Keras
/// `stateful=False`), one timestep at a time.
///
/// Each raw reading (°C) is scaled with [`INPUT_SCALES`], passed through
/// `step` (normally [`Layer::step`]; the firmware wraps it to count
/// instructions), and the last output is unscaled with [`TARGET_SCALES`].
///
/// # Shapes
/// `window`: readings oldest first, usually [`WINDOW`] of them; returns one
/// value in the target's units (°C). Never panics; an empty window gives
/// `TARGET_SCALES[0].unscale(0.0)`.
pub fn forecast(
    model: &Model,
    window: impl IntoIterator<Item = f32>,
    mut step: impl FnMut(&Model, &mut <Model as Layer>::State, &SVector<f32, 1>) -> SVector<f32, 1>,
) -> f32 {
    let mut state = Model::zero_state();
    let mut output = SVector::<f32, 1>::zeros();
    for raw in window {
        let x = SVector::<f32, 1>::new(INPUT_SCALES[0].scale(raw));
        output = step(model, &mut state, &x);
    }
    TARGET_SCALES[0].unscale(output[0])
}
