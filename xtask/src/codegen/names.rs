//! Rust identifiers for spec names: snake_case fields and methods with
//! keyword escaping, UpperCamel types, and deterministic collision handling.

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};
use std::collections::BTreeSet;

/// Strict and reserved keywords of Rust 2024.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop",
    "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self", "Self",
    "static", "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers: they get a trailing `_`.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// Replaces what cannot stand in an identifier and makes sure it does not
/// start with a digit.
fn sanitize(s: &str) -> String {
    let mut out: String =
        s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if out.is_empty() || out.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if out.chars().all(|c| c == '_') {
        out.push('x');
    }
    out
}

/// The snake_case text of a JSON name, before keyword escaping.
pub fn snake(name: &str) -> String {
    let s = name.to_snake_case();
    let s = if s.is_empty() { name.to_string() } else { s };
    sanitize(&s)
}

/// UpperCamel type name.
pub fn camel(name: &str) -> String {
    let s = name.to_upper_camel_case();
    let s = sanitize(&s);
    if is_keyword(&s) { format!("{s}_") } else { s }
}

/// SCREAMING_SNAKE constant name.
pub fn shouty(name: &str) -> String {
    sanitize(&name.to_shouty_snake_case())
}

/// A field or method identifier: raw when it is a keyword (`r#type`), with
/// a trailing `_` where a raw identifier is not allowed (`self_`).
pub fn ident(text: &str) -> Ident {
    if NOT_RAW.contains(&text) {
        Ident::new(&format!("{text}_"), Span::call_site())
    } else if is_keyword(text) {
        Ident::new_raw(text, Span::call_site())
    } else {
        Ident::new(text, Span::call_site())
    }
}

/// A plain identifier (type names, constants): never raw.
pub fn type_ident(text: &str) -> Ident {
    Ident::new(text, Span::call_site())
}

/// The text an identifier stands for in serde (`r#type` is `type`).
pub fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_string).unwrap_or(s)
}

/// Field names for the JSON names of one struct, in the same order. A JSON
/// name that already is its own snake_case keeps it; the others take it in
/// order of appearance, then `_2`, `_3`… (`device_sn`, `deviceSn` →
/// `device_sn`, `device_sn_2`).
pub fn field_names(json_names: &[&str]) -> Vec<String> {
    let snakes: Vec<String> = json_names.iter().map(|n| snake(n)).collect();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut out: Vec<Option<String>> = vec![None; json_names.len()];
    // Exact matches first, so `device_sn` keeps `device_sn` even after `deviceSn`.
    for (i, (j, s)) in json_names.iter().zip(&snakes).enumerate() {
        if *j == s && !taken.contains(s) {
            taken.insert(s.clone());
            out[i] = Some(s.clone());
        }
    }
    for (i, s) in snakes.iter().enumerate() {
        if out[i].is_some() {
            continue;
        }
        let name = if !taken.contains(s) {
            s.clone()
        } else {
            (2..).map(|n| format!("{s}_{n}")).find(|c| !taken.contains(c)).unwrap_or_default()
        };
        taken.insert(name.clone());
        out[i] = Some(name);
    }
    out.into_iter().map(Option::unwrap_or_default).collect()
}

/// A name not in `taken` (then added): `base`, else `base2`, `base3`….
pub fn unique(base: &str, taken: &mut BTreeSet<String>) -> String {
    let name = if !taken.contains(base) {
        base.to_string()
    } else {
        (2..).map(|n| format!("{base}{n}")).find(|c| !taken.contains(c)).unwrap_or_default()
    };
    taken.insert(name.clone());
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_escaped() {
        assert_eq!(ident("type").to_string(), "r#type");
        assert_eq!(ident("self").to_string(), "self_");
        assert_eq!(ident("ref").to_string(), "r#ref");
        assert_eq!(ident("user_id").to_string(), "user_id");
        assert_eq!(unraw(&ident("type")), "type");
    }

    #[test]
    fn collisions_resolve_deterministically() {
        assert_eq!(field_names(&["deviceSn", "device_sn"]), vec!["device_sn_2", "device_sn"]);
        assert_eq!(field_names(&["device_sn", "deviceSn"]), vec!["device_sn", "device_sn_2"]);
        assert_eq!(field_names(&["aB", "a_b", "AB"]), vec!["a_b_2", "a_b", "ab"]);
        assert_eq!(snake("chatId"), "chat_id");
        assert_eq!(snake("123"), "_123");
        assert_eq!(camel("roster_accept"), "RosterAccept");
        assert_eq!(shouty("TokenExpired"), "TOKEN_EXPIRED");
    }
}
