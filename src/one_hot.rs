//! One-hot encoding of a vocabulary index.

use ndarray::{Array1, ArrayView1, ArrayView2};

use crate::error::{try_vec, Error, Result};

/// The one-hot vector of a word: length V, a 1 at the word's index, 0 elsewhere.
///
/// It is stored sparsely (index and length). Multiplying it into p (V×N) selects row `index`
/// of p, which is why the skip-gram net's first layer is called a *projection*: no arithmetic
/// happens, a row is looked up. [`OneHot::project`] does that lookup; [`OneHot::to_dense`]
/// gives the dense vector the tutorial prints, for the explicit product.
///
/// ```
/// use ndarray::array;
/// use skipgram::OneHot;
/// let tape = OneHot::new(1, 6)?;
/// assert_eq!(tape.to_dense()?, array![0., 1., 0., 0., 0., 0.]);
/// let p = array![[1., 2.], [3., 4.], [5., 6.], [7., 8.], [9., 10.], [11., 12.]];
/// assert_eq!(tape.to_dense()?.dot(&p), tape.project(p.view())?);
/// # Ok::<(), skipgram::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OneHot {
    index: usize,
    len: usize,
}

impl OneHot {
    /// The one-hot vector of length `len` (V) with its 1 at `index`.
    ///
    /// # Errors
    /// [`Error::IndexOutOfRange`] if `index >= len`.
    pub fn new(index: usize, len: usize) -> Result<Self> {
        if index >= len {
            return Err(Error::IndexOutOfRange { index, len });
        }
        Ok(OneHot { index, len })
    }

    /// The position of the 1.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The vector's length V.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always `false`: a one-hot vector has at least one element.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The dense vector, length V (4·V bytes), allocated with `try_reserve`.
    ///
    /// # Errors
    /// [`Error::OutOfMemory`] if V floats cannot be allocated (a one-hot vector of length
    /// 2⁴⁰ is cheap, its dense form is 4 TiB).
    pub fn to_dense(&self) -> Result<Array1<f32>> {
        let mut v = try_vec(self.len, 0.0f32, || {
            format!("a dense one-hot vector of length {}", self.len)
        })?;
        v[self.index] = 1.0;
        Ok(Array1::from_vec(v))
    }

    /// The product one-hot · p for p of shape V×N: row `index` of p, as a view (no copy).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if p does not have V rows.
    pub fn project<'a>(&self, p: ArrayView2<'a, f32>) -> Result<ArrayView1<'a, f32>> {
        if p.nrows() != self.len {
            return Err(Error::ShapeMismatch {
                what: "p (rows must equal the one-hot length V)",
                expected: format!("{}×N", self.len),
                found: crate::error::shape2(p.nrows(), p.ncols()),
            });
        }
        Ok(p.index_axis_move(ndarray::Axis(0), self.index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn dense_product_equals_row_lookup() {
        let p = Array2::from_shape_fn((5, 3), |(i, j)| (i * 10 + j) as f32 * 0.5 - 3.0);
        for i in 0..5 {
            let oh = OneHot::new(i, 5).unwrap();
            let dense = oh.to_dense().unwrap();
            assert_eq!(dense.sum(), 1.0);
            assert_eq!(dense.dot(&p), p.row(i));
            assert_eq!(oh.project(p.view()).unwrap(), p.row(i));
        }
    }

    #[test]
    fn rejects_bad_index_and_shape() {
        assert!(matches!(
            OneHot::new(5, 5),
            Err(Error::IndexOutOfRange { index: 5, len: 5 })
        ));
        let p = Array2::<f32>::zeros((4, 2));
        assert!(matches!(
            OneHot::new(0, 5).unwrap().project(p.view()),
            Err(Error::ShapeMismatch { .. })
        ));
    }

    #[test]
    fn a_dense_vector_too_large_to_allocate_is_an_error() {
        for len in [1usize << 40, usize::MAX / 2, usize::MAX] {
            let oh = OneHot::new(len - 1, len).unwrap();
            assert_eq!(oh.len(), len);
            assert!(
                matches!(oh.to_dense(), Err(Error::OutOfMemory { .. })),
                "{len}"
            );
        }
    }
}
