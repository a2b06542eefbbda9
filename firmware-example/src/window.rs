//! The window of the last readings, as the deployment templates keep it.

use heapless::HistoryBuf;

/// The readings of `window`, oldest first: the order of
/// `HistoryBuf::oldest_ordered`, whose slicing at the write position keeps
/// a bounds check (and with it about 2.9 KB of `core::fmt`) in the binary.
/// `split_at_checked` has no panic path.
pub fn oldest_first<T: Copy, const N: usize>(
    window: &HistoryBuf<T, N>,
) -> impl Iterator<Item = T> + '_ {
    let slice = window.as_slice();
    let start = window.oldest_index().unwrap_or(0);
    let (newer, older) = slice.split_at_checked(start).unwrap_or((slice, &[]));
    older.iter().chain(newer).copied()
}
