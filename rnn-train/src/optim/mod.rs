//! Optimisation: Adam with Keras's defaults and gradient clipping by global norm.

mod adam;
mod clip;

pub use adam::Adam;
pub use clip::{check_gradient, clip_global_norm, global_norm, GradientFault};
