//! Domain scenarios, each run on SQLite and on PostgreSQL (see `harness`).

mod harness;

mod apps;
mod files;
mod friends;
mod groups;
mod housekeeping;
mod inbox;
mod limits;
mod messages;
mod notices;
mod races;
mod throttle;
mod tokens;
mod users;
