//! Errors that point at a place in a document.

use std::fmt;

/// A problem in an input document or override file: where, and what was
/// expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocError {
    pub file: String,
    /// 1-based; 0 when the problem is not tied to a line.
    pub line: usize,
    pub message: String,
}

impl DocError {
    pub fn new(file: impl Into<String>, line: usize, message: impl Into<String>) -> Self {
        DocError { file: file.into(), line, message: message.into() }
    }
}

impl fmt::Display for DocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

impl std::error::Error for DocError {}

pub type DocResult<T> = Result<T, DocError>;
