//! Assertions the parsers' unit tests share.

use crate::error::DocError;

/// Asserts that `e` points at `line` and its message says `needle`.
#[track_caller]
pub(crate) fn assert_error(e: &DocError, line: usize, needle: &str) {
    assert_eq!(e.line, line, "{e}");
    assert!(e.message.contains(needle), "{e}");
}
