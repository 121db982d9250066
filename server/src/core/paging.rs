//! Keyset pagination. A cursor names the last key a page returned, so rows
//! added or removed elsewhere never shift the rest of the list (no skips, no
//! repeats), unlike an offset.

use super::error::{Error, Result};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 1000;

/// One page and the roster version read before it. `next_cursor` is `None` on
/// the last page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
    pub version: i64,
}

/// A request for a page: clients send `cursor=` and `limit=0` for "from the
/// start, default size", so both are accepted.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

impl PageRequest {
    pub fn first(limit: i64) -> Self {
        PageRequest { cursor: None, limit: Some(limit) }
    }

    pub fn after(cursor: Option<String>, limit: i64) -> Self {
        PageRequest { cursor, limit: Some(limit) }
    }

    pub(crate) fn limit(&self) -> Result<i64> {
        match self.limit {
            None | Some(0) => Ok(DEFAULT_LIMIT),
            Some(n) if n < 0 => Err(Error::invalid("limit", "must not be negative")),
            Some(n) => Ok(n.min(MAX_LIMIT)),
        }
    }

    /// The key after which the page starts; `None` starts from the beginning.
    pub(crate) fn after_key(&self) -> Result<Option<i64>> {
        match self.cursor.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(c) => decode(c).map(Some),
        }
    }
}

const PREFIX: &str = "k";

pub(crate) fn encode(key: i64) -> String {
    format!("{PREFIX}{key:x}")
}

fn decode(cursor: &str) -> Result<i64> {
    cursor
        .strip_prefix(PREFIX)
        .and_then(|hex| i64::from_str_radix(hex, 16).ok())
        .filter(|k| *k >= 0)
        .ok_or_else(|| Error::invalid("cursor", "not a cursor returned by this server"))
}

/// Builds a page from up to `limit + 1` rows: the extra row only proves that
/// another page exists.
pub(crate) fn page_of<T>(mut rows: Vec<T>, limit: i64, version: i64, key: impl Fn(&T) -> i64) -> Page<T> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let next_cursor = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|r| encode(key(r)))
    } else {
        None
    };
    Page { items: rows, next_cursor, version }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let req = PageRequest { cursor: Some(encode(12345)), limit: None };
        assert_eq!(req.after_key().unwrap(), Some(12345));
        assert_eq!(req.limit().unwrap(), DEFAULT_LIMIT);
        for bad in ["zz", "k", "kxyz", "k-1", "12"] {
            let req = PageRequest { cursor: Some(bad.into()), limit: None };
            assert!(req.after_key().is_err(), "{bad}");
        }
        let empty = PageRequest { cursor: Some(String::new()), limit: Some(0) };
        assert_eq!(empty.after_key().unwrap(), None);
        assert!(PageRequest { cursor: None, limit: Some(-1) }.limit().is_err());
        assert_eq!(PageRequest { cursor: None, limit: Some(5000) }.limit().unwrap(), MAX_LIMIT);
    }

    #[test]
    fn pages() {
        let p = page_of(vec![1, 2, 3], 2, 7, |x| *x);
        assert_eq!(p.items, vec![1, 2]);
        assert_eq!(p.next_cursor, Some(encode(2)));
        let p = page_of(vec![1, 2], 2, 7, |x| *x);
        assert_eq!(p.next_cursor, None);
    }
}
