//! The YHChat parser on the real document: shape checks, then a snapshot of
//! the whole model (review the snapshot against the document on change).

use xtask::model::{Media, Method};
use xtask::parse::yhchat;

const FILE: &str = "spec/docs/yhchat/friend.md";
const SRC: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/docs/yhchat/friend.md"));

#[test]
fn parses_friend_document() {
    let doc = yhchat::parse(FILE, SRC).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(doc.vendor, "yhchat");
    assert_eq!(doc.servers, ["https://chat-go.jwzhd.com"]);

    let paths: Vec<&str> = doc.operations.iter().map(|o| o.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/v1/friend/apply",
            "/v1/friend/delete-friend",
            "/v1/friend/agree-apply",
            "/v1/friend/address-book-list",
            "/v1/friend/request-list",
            "/v1/friend/no-notify",
        ]
    );
    assert!(doc.operations.iter().all(|o| o.methods == [Method::Post]));
    assert!(doc.operations.iter().all(|o| o.section == doc.title));

    let media: Vec<(Option<Media>, Vec<Media>)> = doc
        .operations
        .iter()
        .map(|o| (o.body.as_ref().map(|b| b.media), o.responses.iter().map(|r| r.media).collect()))
        .collect();
    use Media::{Json, Protobuf};
    assert_eq!(
        media,
        [
            (Some(Json), vec![Json]),
            (Some(Json), vec![Json]),
            (Some(Json), vec![Json]),
            (Some(Protobuf), vec![Protobuf]),
            (None, vec![Protobuf]),
            (Some(Json), vec![Json]),
        ]
    );

    insta::assert_yaml_snapshot!("yhchat_model", doc);
}
