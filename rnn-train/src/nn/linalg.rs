//! Strided column-major matrix views and the one product the layers need,
//! `C = beta·C + A·B`, in `f32` or `f64` ([`Real`]). Transposes are free: they swap the strides of a view.
//!
//! Products with every dimension above [`SMALL_DIM`] go to nalgebra's
//! `gemm`, which hands them to matrixmultiply; smaller ones (for example
//! one input feature) use a plain loop here, because nalgebra's own small
//! path mis-handles row-strided (transposed) views.

use nalgebra::{DMatrixView, DMatrixViewMut, Dyn, MatrixView, MatrixViewMut};

use super::real::Real;

/// A read-only strided matrix over a slice: element `(r, c)` is
/// `data[r·row_stride + c·col_stride]`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mat<'a, T> {
    data: &'a [T],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a, T: Real> Mat<'a, T> {
    /// A contiguous column-major `[rows × cols]` matrix at the start of `data`.
    pub(crate) fn new(data: &'a [T], rows: usize, cols: usize) -> Self {
        Self {
            data,
            rows,
            cols,
            row_stride: 1,
            col_stride: rows,
        }
    }

    /// Rows `start..start + count` of this matrix.
    pub(crate) fn rows(self, start: usize, count: usize) -> Self {
        Self {
            data: self.tail(start * self.row_stride),
            rows: count,
            ..self
        }
    }

    /// Columns `start..start + count` of this matrix.
    pub(crate) fn cols(self, start: usize, count: usize) -> Self {
        Self {
            data: self.tail(start * self.col_stride),
            cols: count,
            ..self
        }
    }

    /// The data from `offset` on (empty past the end, for views with no columns).
    fn tail(&self, offset: usize) -> &'a [T] {
        self.data.get(offset..).unwrap_or_default()
    }

    /// The transpose (no copy).
    pub(crate) fn t(self) -> Self {
        Self {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }

    fn view(&self) -> DMatrixView<'a, T, Dyn, Dyn> {
        MatrixView::from_slice_with_strides_generic(
            self.data,
            Dyn(self.rows),
            Dyn(self.cols),
            Dyn(self.row_stride),
            Dyn(self.col_stride),
        )
    }
}

/// A mutable strided matrix over a slice (see [`Mat`]).
#[derive(Debug)]
pub(crate) struct MatMut<'a, T> {
    data: &'a mut [T],
    rows: usize,
    cols: usize,
    col_stride: usize,
}

impl<'a, T: Real> MatMut<'a, T> {
    /// A contiguous column-major `[rows × cols]` matrix at the start of `data`.
    pub(crate) fn new(data: &'a mut [T], rows: usize, cols: usize) -> Self {
        Self {
            data,
            rows,
            cols,
            col_stride: rows,
        }
    }

    /// Rows `start..start + count` of a contiguous column-major
    /// `[rows_total × cols]` matrix.
    pub(crate) fn rows_of(
        data: &'a mut [T],
        rows_total: usize,
        cols: usize,
        start: usize,
        count: usize,
    ) -> Self {
        Self {
            data: &mut data[start..],
            rows: count,
            cols,
            col_stride: rows_total,
        }
    }

    fn view(&mut self) -> DMatrixViewMut<'_, T, Dyn, Dyn> {
        MatrixViewMut::from_slice_with_strides_generic(
            self.data,
            Dyn(self.rows),
            Dyn(self.cols),
            Dyn(1),
            Dyn(self.col_stride),
        )
    }
}

/// `c = beta·c + a·b` (`beta = 0` overwrites `c` without reading it).
///
/// Shapes are internal invariants of the layers: `a: [m × k]`, `b: [k × n]`,
/// `c: [m × n]`.
pub(crate) fn gemm<T: Real>(mut c: MatMut<'_, T>, a: Mat<'_, T>, b: Mat<'_, T>, beta: T) {
    let (m, n, k) = (c.rows, c.cols, a.cols);
    if m > SMALL_DIM && n > SMALL_DIM && k > SMALL_DIM {
        c.view().gemm(T::one(), &a.view(), &b.view(), beta);
        return;
    }
    for j in 0..n {
        let out = &mut c.data[j * c.col_stride..j * c.col_stride + m];
        if beta == T::zero() {
            out.fill(T::zero());
        } else if beta != T::one() {
            out.iter_mut().for_each(|v| *v *= beta);
        }
        for p in 0..k {
            let scale = b.data[p * b.row_stride + j * b.col_stride];
            let start = p * a.col_stride;
            if a.row_stride == 1 {
                for (o, &v) in out.iter_mut().zip(&a.data[start..start + m]) {
                    *o += scale * v;
                }
            } else {
                for (i, o) in out.iter_mut().enumerate() {
                    *o += scale * a.data[start + i * a.row_stride];
                }
            }
        }
    }
}

/// Products with every dimension above this go to nalgebra / matrixmultiply
/// (nalgebra's own threshold for it).
const SMALL_DIM: usize = 5;

/// `out[r] = beta·out[r] + Σ_c m[r, c]` for a contiguous column-major `[rows × cols]` `m`.
pub(crate) fn row_sums<T: Real>(out: &mut [T], m: &[T], rows: usize, beta: T) {
    if beta == T::zero() {
        out.fill(T::zero());
    }
    for col in m.chunks_exact(rows) {
        for (o, v) in out.iter_mut().zip(col) {
            *o += *v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gemm_with_transposed_views_matches_hand_product() {
        // a = [[1, 2], [3, 4]] (column-major [1, 3, 2, 4]); b = [[5], [6]].
        let a = [1.0, 3.0, 2.0, 4.0];
        let b = [5.0, 6.0];
        let mut c = [0.0; 2];
        gemm(
            MatMut::new(&mut c, 2, 1),
            Mat::new(&a, 2, 2),
            Mat::new(&b, 2, 1),
            0.0,
        );
        assert_eq!(c, [17.0, 39.0]);
        // a^T b = [[1, 3], [2, 4]] [5, 6] = [23, 34]
        gemm(
            MatMut::new(&mut c, 2, 1),
            Mat::new(&a, 2, 2).t(),
            Mat::new(&b, 2, 1),
            0.0,
        );
        assert_eq!(c, [23.0, 34.0]);
        // accumulate: c += a[1..2, :]^T · [1] = [3, 4]
        gemm(
            MatMut::new(&mut c, 2, 1),
            Mat::new(&a, 2, 2).rows(1, 1).t(),
            Mat::new(&[1.0], 1, 1),
            1.0,
        );
        assert_eq!(c, [26.0, 38.0]);
    }

    #[test]
    fn large_and_small_paths_agree() {
        let (m, k, n) = (7, 9, 6);
        let a: Vec<f64> = (0..m * k).map(|v| (v as f64 * 0.37).sin()).collect();
        let b: Vec<f64> = (0..n * k).map(|v| (v as f64 * 0.11).cos()).collect();
        // c = a · bᵀ with b stored [n × k]: large path (all dims > 5).
        let mut large = vec![1.0; m * n];
        gemm(
            MatMut::new(&mut large, m, n),
            Mat::new(&a, m, k),
            Mat::new(&b, n, k).t(),
            0.5,
        );
        let mut want = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                want[j * m + i] = 0.5 + (0..k).map(|p| a[p * m + i] * b[p * n + j]).sum::<f64>();
            }
        }
        for (x, y) in large.iter().zip(&want) {
            assert!((x - y).abs() < 1e-12);
        }
        // Column by column (n = 1 each): small path.
        for j in 0..n {
            let mut col = vec![1.0; m];
            let bj = Mat::new(&b, n, k).t().cols(j, 1);
            gemm(MatMut::new(&mut col, m, 1), Mat::new(&a, m, k), bj, 0.5);
            for (x, y) in col.iter().zip(&want[j * m..(j + 1) * m]) {
                assert!((x - y).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn row_sums_add_every_column() {
        let m = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let mut out = [10.0, 20.0];
        row_sums(&mut out, &m, 2, 1.0);
        assert_eq!(out, [19.0, 32.0]);
    }
}
