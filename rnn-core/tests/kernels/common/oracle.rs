//! An independent reference for the kernels: the Keras equations written
//! out in plain `f64` loops with `std`'s `exp` and `tanh`, sharing no code
//! with `rnn-core`. Matrices are column-major `[rows × cols]` slices (the
//! layout of nalgebra's `SMatrix` and so of the layers' weights).
//!
//! Used by `tests/kernels/kernels_prop.rs` (const-sized layers) and by the kernel
//! unit tests in `src/kernels/prop_tests.rs` (run-time sizes).
#![allow(dead_code)] // each test binary uses a different subset

use std::vec;
use std::vec::Vec;

/// `b + W x (+ U h)` in f64 for one gate: `w: [H × I]`, `u: [H × K]`.
pub fn affine(b: &[f32], w: &[f32], x: &[f64], u: &[f32], h: &[f64]) -> Vec<f64> {
    let rows = b.len();
    let mut out: Vec<f64> = b.iter().map(|&v| f64::from(v)).collect();
    for (k, &xk) in x.iter().enumerate() {
        for (r, o) in out.iter_mut().enumerate() {
            *o += f64::from(w[k * rows + r]) * xk;
        }
    }
    for (k, &hk) in h.iter().enumerate() {
        for (r, o) in out.iter_mut().enumerate() {
            *o += f64::from(u[k * rows + r]) * hk;
        }
    }
    out
}

pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The activation named as in Keras over a whole vector: element-wise
/// ([`apply`]), or `"softmax"`: `e^(z_i - max z) / Σ_j e^(z_j - max z)`.
pub fn apply_vector(act: &str, z: Vec<f64>) -> Vec<f64> {
    if act != "softmax" {
        return z.into_iter().map(|v| apply(act, v)).collect();
    }
    let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = z.iter().map(|v| (v - max).exp()).collect();
    let sum: f64 = e.iter().sum();
    e.into_iter().map(|v| v / sum).collect()
}

/// The activation named as in Keras: `"linear"`, `"relu"`, `"tanh"`, `"sigmoid"`.
pub fn apply(act: &str, x: f64) -> f64 {
    match act {
        "linear" => x,
        "relu" => x.max(0.0),
        "tanh" => x.tanh(),
        "sigmoid" => sigmoid(x),
        other => panic!("activation {other}"),
    }
}

/// SimpleRNN: `h = act(W x + U h + b)`.
pub fn simple_rnn(w: &[f32], u: &[f32], b: &[f32], act: &str, h: &mut Vec<f64>, x: &[f64]) {
    *h = apply_vector(act, affine(b, w, x, u, h));
}

/// LSTM with gates i, f, g, o (Keras order): `w`, `u`, `b` per gate.
pub fn lstm(
    w: [&[f32]; 4],
    u: [&[f32]; 4],
    b: [&[f32]; 4],
    c: &mut [f64],
    h: &mut [f64],
    x: &[f64],
) {
    let z: Vec<Vec<f64>> = (0..4).map(|g| affine(b[g], w[g], x, u[g], h)).collect();
    for r in 0..h.len() {
        let (i, f, g, o) = (
            sigmoid(z[0][r]),
            sigmoid(z[1][r]),
            z[2][r].tanh(),
            sigmoid(z[3][r]),
        );
        c[r] = f * c[r] + i * g;
        h[r] = o * c[r].tanh();
    }
}

/// GRU with gates z, r, n (Keras order), Keras `reset_after` true or false;
/// `b_rec` is Keras `bias[1]` (ignored without `reset_after`).
pub fn gru(
    w: [&[f32]; 3],
    u: [&[f32]; 3],
    b_in: [&[f32]; 3],
    b_rec: [&[f32]; 3],
    reset_after: bool,
    h: &mut [f64],
    x: &[f64],
) {
    let none: [f64; 0] = [];
    let xp: Vec<Vec<f64>> = (0..3)
        .map(|g| affine(b_in[g], w[g], x, &[], &none))
        .collect();
    let hidden = h.len();
    let zeros = vec![0.0f32; hidden];
    let bias_rec: [&[f32]; 3] = if reset_after {
        b_rec
    } else {
        [&zeros, &zeros, &zeros]
    };
    let hp: Vec<Vec<f64>> = (0..3)
        .map(|g| affine(bias_rec[g], &[], &none, u[g], h))
        .collect();
    let z: Vec<f64> = (0..hidden).map(|r| sigmoid(xp[0][r] + hp[0][r])).collect();
    let rg: Vec<f64> = (0..hidden).map(|r| sigmoid(xp[1][r] + hp[1][r])).collect();
    let n: Vec<f64> = if reset_after {
        (0..hidden)
            .map(|r| (xp[2][r] + rg[r] * hp[2][r]).tanh())
            .collect()
    } else {
        let rh: Vec<f64> = (0..hidden).map(|r| rg[r] * h[r]).collect();
        let un = affine(&zeros, &[], &none, u[2], &rh);
        (0..hidden).map(|r| (xp[2][r] + un[r]).tanh()).collect()
    };
    for r in 0..hidden {
        h[r] = z[r] * h[r] + (1.0 - z[r]) * n[r];
    }
}

/// Dense: `y = act(W x + b)`, `w: [O × I]`.
pub fn dense(w: &[f32], b: &[f32], act: &str, x: &[f64]) -> Vec<f64> {
    let none: [f64; 0] = [];
    apply_vector(act, affine(b, w, x, &[], &none))
}
