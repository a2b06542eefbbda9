//! One file per layer kind, plus const helpers to build weights in `static`s.

pub mod dense;
pub mod gru;
pub mod lstm;
pub mod simple_rnn;

use nalgebra::{ArrayStorage, SMatrix, SVector};

/// A matrix from its columns, usable in `const` and `static` items.
///
/// # Shapes
/// `columns`: `C` columns of `R` values (nalgebra is column-major), so a
/// Keras kernel block `(I, H)` read row by row gives `columns` for an
/// `[H × I]` matrix directly.
pub const fn matrix<const R: usize, const C: usize>(columns: [[f32; R]; C]) -> SMatrix<f32, R, C> {
    SMatrix::from_array_storage(ArrayStorage(columns))
}

/// A column vector `[R]`, usable in `const` and `static` items.
pub const fn vector<const R: usize>(values: [f32; R]) -> SVector<f32, R> {
    SMatrix::from_array_storage(ArrayStorage([values]))
}

/// All-zero matrix, usable in `const` and `static` items.
pub const fn zeros<const R: usize, const C: usize>() -> SMatrix<f32, R, C> {
    matrix([[0.0; R]; C])
}
