//! The end-to-end tests, one module per area, in one test binary: each
//! binary links the server, the client, sqlx and reqwest, so one binary
//! links them once. A new area is a new module here, not a new file in
//! `tests/tests/` (which would be a binary of its own).

mod bad_input;
mod cross_dialect;
mod maxim_files;
mod maxim_groups;
mod maxim_groups_races;
mod maxim_messages;
mod maxim_push;
mod maxim_roster;
mod maxim_roster_races;
mod maxim_tokens;
mod maxim_users;
mod netease_checksum;
mod netease_friend;
mod netease_limits;
mod quick_start;
mod readme_walkthrough;
mod server_basics;
mod two_nodes;
mod xsync;
mod yhchat_friend;
