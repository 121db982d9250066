//! What failed below an API (a database, a hashing thread), carried by a
//! dialect's `ApiError` up to the one place that answers it, where it is
//! logged once with its whole chain. Every dialect logs the same way; the
//! caller only ever sees the error's code and message.

use std::fmt;
use std::sync::Arc;

/// A failure's cause, cheap to clone with the error that carries it.
#[derive(Clone)]
pub struct Cause(Arc<dyn std::error::Error + Send + Sync + 'static>);

impl Cause {
    pub fn new(cause: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Cause(Arc::from(cause.into()))
    }

    /// Logs the cause, if there is one, of an error answered with `code`.
    /// Called by the generated code wherever an error becomes a response.
    pub fn report(cause: Option<&Cause>, code: i32, message: &str) {
        if let Some(cause) = cause {
            tracing::error!(code, message, cause = %cause, "answered an error caused below the API");
        }
    }
}

/// The cause and each of its sources, joined by `: `.
impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(s) = source {
            write!(f, ": {s}")?;
            source = s.source();
        }
        Ok(())
    }
}

impl fmt::Debug for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cause({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(std::io::Error);

    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("cannot reach the database")
        }
    }

    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn the_whole_chain_is_shown() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        let cause = Cause::new(Outer(io));
        assert_eq!(cause.to_string(), "cannot reach the database: connection refused");
    }
}
