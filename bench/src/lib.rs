//! The side-by-side benchmark's programs (`docs/benchmarks.md`): the
//! hand-written peer the server is compared with, the static-JSON ceiling,
//! the load generator and the cases it runs, the fixture manifest `server
//! seed` writes for them, and the database chores around a run. `cargo xtask bench` (`xtask/src/bench/`) builds
//! and drives them; they are separate binaries so that the load never runs
//! in the process it measures.

pub mod cases;
pub mod ceiling;
pub mod db_admin;
pub mod load;
pub mod manifest;
pub mod peer;
