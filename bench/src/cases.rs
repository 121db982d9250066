//! The benchmark's cases: what one operation of each sends, built from the
//! manifest and the operation's sequence number so that writes vary (each
//! message its own text, each apply + accept a pair of strangers never
//! paired before). Reads first, then writes: `cargo xtask bench` runs them
//! in this order on a fresh copy of the seeded database per target.

use bytes::Bytes;
use hyper::Method;
use serde_json::json;

use crate::manifest::Manifest;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    RosterListGet,
    RosterListPost,
    GroupMemberList,
    MessageConversation,
    MessageSendUser,
    MessageSendGroup,
    RosterApplyAccept,
}

/// One HTTP request of an operation.
#[derive(Debug, Clone)]
pub struct Step {
    pub method: Method,
    pub path: String,
    pub token: String,
    pub body: Option<Bytes>,
}

impl Case {
    pub const ALL: [Case; 7] = [
        Case::RosterListGet,
        Case::RosterListPost,
        Case::GroupMemberList,
        Case::MessageConversation,
        Case::MessageSendUser,
        Case::MessageSendGroup,
        Case::RosterApplyAccept,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Case::RosterListGet => "roster_list_get",
            Case::RosterListPost => "roster_list_post",
            Case::GroupMemberList => "group_member_list",
            Case::MessageConversation => "message_conversation",
            Case::MessageSendUser => "message_send_user",
            Case::MessageSendGroup => "message_send_group",
            Case::RosterApplyAccept => "roster_apply_accept",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Case::RosterListGet => "GET /roster/list (100 friends)",
            Case::RosterListPost => "POST /roster/list (50 items)",
            Case::GroupMemberList => "GET /group/member_list (2,000 members)",
            Case::MessageConversation => "GET /message/conversation (page of 20)",
            Case::MessageSendUser => "POST /message/send (one-to-one)",
            Case::MessageSendGroup => "POST /message/send (group of 500)",
            Case::RosterApplyAccept => "POST /roster/apply + /roster/accept",
        }
    }

    pub fn by_name(name: &str) -> Option<Case> {
        Case::ALL.into_iter().find(|c| c.name() == name)
    }

    pub fn writes(self) -> bool {
        matches!(self, Case::MessageSendUser | Case::MessageSendGroup | Case::RosterApplyAccept)
    }

    /// The requests of operation number `seq`, sent one after the other on
    /// one connection; an operation's latency is theirs together.
    pub fn steps(self, m: &Manifest, seq: u64) -> Vec<Step> {
        let reader = &m.reader.token;
        match self {
            Case::RosterListGet => vec![get("/roster/list".into(), reader)],
            Case::RosterListPost => vec![post("/roster/list", reader, json!({ "list": m.roster_items }))],
            Case::GroupMemberList => {
                vec![get(format!("/group/member_list?group_id={}", m.group_big.group_id), reader)]
            }
            Case::MessageConversation => {
                vec![get(format!("/message/conversation?opposite_id={}&limit=20", m.peer.user_id), reader)]
            }
            Case::MessageSendUser => {
                let sender = &m.senders[pick(seq, m.senders.len())];
                let body = json!({ "type": 1, "targets": [m.reader.user_id], "content_type": 0,
                                   "content": format!("bench one-to-one {seq}") });
                vec![post("/message/send", &sender.token, body)]
            }
            Case::MessageSendGroup => {
                let sender = &m.senders[pick(seq, m.senders.len())];
                let body = json!({ "type": 2, "targets": [m.group_500.group_id], "content_type": 0,
                                   "content": format!("bench group {seq}") });
                vec![post("/message/send", &sender.token, body)]
            }
            Case::RosterApplyAccept => {
                let (a, b) = stranger_pair(seq, m.strangers.len());
                let (a, b) = (&m.strangers[a], &m.strangers[b]);
                vec![
                    post("/roster/apply", &a.token, json!({ "user_id": b.user_id, "reason": "bench" })),
                    post("/roster/accept", &b.token, json!({ "user_id": a.user_id })),
                ]
            }
        }
    }
}

fn pick(seq: u64, len: usize) -> usize {
    usize::try_from(seq % u64::try_from(len.max(1)).unwrap_or(1)).unwrap_or(0)
}

/// The `seq`-th pair of distinct strangers, never the same unordered pair
/// twice for `seq` below n·(n/2 − 1): pair `i` with `i + d` for the
/// distance `d` = 1, 2, … < n/2, every `i` once per distance.
pub fn stranger_pair(seq: u64, n: usize) -> (usize, usize) {
    let n64 = u64::try_from(n.max(3)).unwrap_or(3);
    let distances = (n64 - 1) / 2;
    let i = seq % n64;
    let d = 1 + (seq / n64) % distances;
    let j = (i + d) % n64;
    (usize::try_from(i).unwrap_or(0), usize::try_from(j).unwrap_or(0))
}

fn get(path: String, token: &str) -> Step {
    Step { method: Method::GET, path, token: token.to_string(), body: None }
}

fn post(path: &str, token: &str, body: serde_json::Value) -> Step {
    Step {
        method: Method::POST,
        path: path.to_string(),
        token: token.to_string(),
        body: Some(Bytes::from(body.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::stranger_pair;
    use std::collections::HashSet;

    #[test]
    fn stranger_pairs_never_repeat_and_never_pair_a_user_with_itself() {
        let n = 50;
        let mut seen = HashSet::new();
        for seq in 0..(n * (n / 2 - 1)) as u64 {
            let (a, b) = stranger_pair(seq, n);
            assert_ne!(a, b);
            assert!(seen.insert((a.min(b), a.max(b))), "pair {a},{b} repeated at {seq}");
        }
    }
}
