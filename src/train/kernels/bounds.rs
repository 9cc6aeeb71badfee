//! The shape check every kernel entry point makes before it touches a slice.

/// Whether a slice of `len` elements holds `rows × cols` of them; `false` when the product
/// overflows, so a wrapped product can never pass as small.
#[inline]
pub(super) fn fits(len: usize, rows: usize, cols: usize) -> bool {
    rows.checked_mul(cols).is_some_and(|need| need <= len)
}
