//! The tokens that JSON bodies (super::json) and protobuf definitions
//! (super::proto) share, with their `//` comments kept aside by line.
//!
//! Format, line by line: whitespace separates tokens; `//` outside a string
//! starts a comment that runs to the end of the line; `"…"` is a string on
//! one line, where `\n` and `\t` are a newline and a tab and `\` takes any
//! other character as it is; each of `{}[]:,=;<>()` is a symbol; anything
//! else up to whitespace, a quote, a symbol or `//` is a word (`true`, `12`,
//! `int32`, `message`). A comment alone on its line describes what follows
//! it; one after a token describes that line's item (see [`Notes`]).

use crate::error::{DocError, DocResult};
use crate::model::Type;
use std::collections::HashMap;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Sym(char),
    Str(String),
    Word(String),
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Sym(c) => write!(f, "{c}"),
            Tok::Str(s) => write!(f, "\"{s}\""),
            Tok::Word(w) => f.write_str(w),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) line: usize,
    /// Byte offset of the token in its line.
    pub(super) col: usize,
}

pub(super) struct Comment {
    pub(super) line: usize,
    /// Byte offset of the `//` in its line.
    pub(super) col: usize,
    pub(super) text: String,
    /// Nothing but the comment on its line.
    pub(super) own_line: bool,
}

const SYMS: &str = "{}[]:,=;<>()";

pub(super) fn lex(file: &str, src: &[(usize, &str)]) -> DocResult<(Vec<Token>, Vec<Comment>)> {
    let mut toks = Vec::new();
    let mut comments = Vec::new();
    let starts_comment = |text: &str, i: usize| text.get(i..).is_some_and(|r| r.starts_with("//"));
    for &(line, text) in src {
        let mut it = text.char_indices().peekable();
        let mut own_line = true;
        while let Some((i, c)) = it.next() {
            if c.is_whitespace() {
                continue;
            }
            if starts_comment(text, i) {
                let body = text.get(i + 2..).unwrap_or("").trim().to_string();
                comments.push(Comment { line, col: i, text: body, own_line });
                break;
            }
            own_line = false;
            let tok = if c == '"' {
                let mut s = String::new();
                let mut closed = false;
                while let Some((_, d)) = it.next() {
                    match d {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' => match it.next() {
                            Some((_, 'n')) => s.push('\n'),
                            Some((_, 't')) => s.push('\t'),
                            Some((_, e)) => s.push(e),
                            None => break,
                        },
                        _ => s.push(d),
                    }
                }
                if !closed {
                    return Err(DocError::new(file, line, "expected a closing `\"` for the string"));
                }
                Tok::Str(s)
            } else if SYMS.contains(c) {
                Tok::Sym(c)
            } else {
                let mut end = i + c.len_utf8();
                while let Some(&(j, d)) = it.peek() {
                    if d.is_whitespace() || d == '"' || SYMS.contains(d) || starts_comment(text, j) {
                        break;
                    }
                    end = j + d.len_utf8();
                    it.next();
                }
                Tok::Word(text.get(i..end).unwrap_or("").to_string())
            };
            toks.push(Token { tok, line, col: i });
        }
    }
    Ok((toks, comments))
}

/// The comments of a JSON body or protobuf definition, by line.
pub(super) struct Notes {
    trailing: HashMap<usize, String>,
    own: HashMap<usize, String>,
}

impl Notes {
    pub(super) fn new(comments: &[Comment]) -> Self {
        let mut n = Notes { trailing: HashMap::new(), own: HashMap::new() };
        for c in comments {
            let map = if c.own_line { &mut n.own } else { &mut n.trailing };
            map.entry(c.line).or_insert_with(|| c.text.clone());
        }
        n
    }

    /// What describes the item on `line` whose value closes on `end`: the
    /// comment after it, else the comment lines right above it.
    pub(super) fn describe(&self, line: usize, end: usize) -> String {
        if let Some(t) = self.trailing.get(&line).or_else(|| self.trailing.get(&end)) {
            return t.clone();
        }
        let mut above = Vec::new();
        let mut l = line;
        while let Some(t) = l.checked_sub(1).and_then(|p| {
            l = p;
            self.own.get(&p)
        }) {
            above.push(t.as_str());
        }
        above.reverse();
        above.join("\n")
    }
}

pub(super) struct Cursor<'a> {
    pub(super) file: &'a str,
    pub(super) toks: &'a [Token],
    pub(super) pos: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn peek(&self) -> Option<&'a Token> {
        self.toks.get(self.pos)
    }
    pub(super) fn tok_at(&self, n: usize) -> Option<&'a Tok> {
        self.toks.get(self.pos + n).map(|t| &t.tok)
    }
    pub(super) fn next(&mut self) -> Option<&'a Token> {
        let t = self.toks.get(self.pos);
        self.pos += usize::from(t.is_some());
        t
    }
    pub(super) fn eat(&mut self, c: char) -> bool {
        let hit = self.tok_at(0) == Some(&Tok::Sym(c));
        self.pos += usize::from(hit);
        hit
    }
    pub(super) fn end_line(&self) -> usize {
        self.toks.last().map_or(0, |t| t.line)
    }
    pub(super) fn err(&self, line: usize, msg: impl Into<String>) -> DocError {
        DocError::new(self.file, line, msg)
    }
    pub(super) fn word(&mut self, what: &str) -> DocResult<(String, usize)> {
        match self.next() {
            Some(Token { tok: Tok::Word(w), line, .. }) => Ok((w.clone(), *line)),
            Some(t) => Err(self.err(t.line, format!("expected {what}, found `{}`", t.tok))),
            None => {
                Err(self.err(self.end_line(), format!("expected {what}, found the end of the definition")))
            }
        }
    }
}

pub(super) fn is_number(w: &str) -> bool {
    w.starts_with(|c: char| c.is_ascii_digit() || c == '-')
        && w.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c))
        && w.parse::<f64>().is_ok()
}

pub(super) fn number_type(n: &str) -> Type {
    if n.parse::<i32>().is_ok() {
        Type::Int32
    } else if n.parse::<i64>().is_ok() || n.parse::<u64>().is_ok() {
        Type::Int64
    } else {
        Type::Number
    }
}
