//! Cases that other programs measure, joined to the same table: the place
//! for the client-socket benchmark (issue 13) and any later one.
//!
//! An extra case is a program that, given the target's address and the
//! fixture manifest, loads the target from its own process and prints ONE
//! JSON line shaped like `bench-load`'s (`report::LoadReport`: `case`,
//! `seconds`, `operations`, `ops_per_sec`, `latency_us`, `curve`, `errors`,
//! …). To add one: an entry in [`CASES`] and a branch in `command` of
//! `mod.rs`'s caller that runs it (today the list is empty, and `run`
//! lists each entry as "not run" in the report's notes).

/// One extra case.
#[derive(Debug, Clone, Copy)]
pub struct ExtraCase {
    /// The case's name in the table.
    pub name: &'static str,
    /// What it measures and which binary does it.
    pub describe: &'static str,
}

/// The extra cases (none yet).
pub const CASES: &[ExtraCase] = &[];
