//! The fixture manifest `server seed` writes (docs/seeding.md): which users,
//! tokens and groups each case uses. Its shape is the contract between the
//! seeder and the bench.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub app_id: String,
    pub admin_token: String,
    /// Exactly 100 friends.
    pub reader: User,
    /// 50 friend ids of the reader (`POST /roster/list`).
    pub roster_items: Vec<i64>,
    /// 2,000 members; the reader is one.
    pub group_big: Group,
    /// 500 members; the reader and every sender are members.
    pub group_500: Group,
    /// A friend of the reader with at least 40 messages between them.
    pub peer: User,
    /// 64 friends of the reader, members of `group_500`.
    pub senders: Vec<User>,
    /// 2,000 users without friendships among them (for apply + accept;
    /// the bench makes them ask for approval first).
    pub strangers: Vec<User>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub user_id: i64,
    pub token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    pub group_id: i64,
    pub members: i64,
}

impl Manifest {
    pub fn read(path: &std::path::Path) -> anyhow::Result<Manifest> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("reading the manifest {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("manifest {}: {e}", path.display()))
    }
}
