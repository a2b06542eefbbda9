//! Import of weight arrays in Keras and ONNX layouts into the layers.
//!
//! Every importer checks every length before it writes anything, so on
//! error the layer is unchanged.

pub mod gate_order;
mod keras;
mod onnx;

use nalgebra::{SMatrix, SVector};

use crate::error::Error;

/// How a framework lays out a stacked gate matrix (row-major arrays).
#[derive(Clone, Copy)]
enum Layout {
    /// Keras `kernel (K, G·H)`: row `k`, column `block·H + h`.
    InputsByGates,
    /// ONNX `W (G·H, K)`: row `block·H + h`, column `k`.
    GatesByInputs,
}

fn check_len(found: usize, expected: usize) -> Result<(), Error> {
    if found == expected {
        Ok(())
    } else {
        Err(Error::Length { expected, found })
    }
}

/// Copies a stacked gate matrix into per-gate `[H × K]` matrices, gate block
/// `k` of the source going to `dst[order[k]]`. Length checked by the caller.
fn scatter_matrix<const G: usize, const H: usize, const K: usize>(
    dst: &mut [SMatrix<f32, H, K>; G],
    src: &[f32],
    order: &[usize; G],
    layout: Layout,
) {
    for (block, &gate) in order.iter().enumerate() {
        for k in 0..K {
            for h in 0..H {
                let row = block * H + h;
                let idx = match layout {
                    Layout::InputsByGates => k * G * H + row,
                    Layout::GatesByInputs => row * K + k,
                };
                dst[gate][(h, k)] = src[idx];
            }
        }
    }
}

/// Adds a stacked bias `(G·H)` into per-gate `[H]` vectors.
fn add_bias<const G: usize, const H: usize>(
    dst: &mut [SVector<f32, H>; G],
    src: &[f32],
    order: &[usize; G],
) {
    for (block, &gate) in order.iter().enumerate() {
        for h in 0..H {
            dst[gate][h] += src[block * H + h];
        }
    }
}
