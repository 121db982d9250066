//! Rust types for `proto/yhchat_friend.proto` (written from the YHChat
//! document) and for the MaxIM client socket's `spec/proto/xsync.proto` (the
//! project's own copy of the wire schema), independent of the server's
//! generated models and of its socket code. `protoc` comes from the
//! `protoc-bin-vendored` crate, so no system install is needed.

fn main() {
    println!("cargo:rerun-if-changed=proto/yhchat_friend.proto");
    println!("cargo:rerun-if-changed=../spec/proto/xsync.proto");
    let protoc = match protoc_bin_vendored::protoc_bin_path() {
        Ok(path) => path,
        Err(e) => panic!("no vendored protoc for this platform: {e}"),
    };
    let mut config = prost_build::Config::new();
    config.protoc_executable(&protoc);
    if let Err(e) = config.compile_protos(&["proto/yhchat_friend.proto"], &["proto"]) {
        panic!("compiling proto/yhchat_friend.proto: {e}");
    }
    let mut config = prost_build::Config::new();
    config.protoc_executable(protoc);
    if let Err(e) = config.compile_protos(&["../spec/proto/xsync.proto"], &["../spec/proto"]) {
        panic!("compiling spec/proto/xsync.proto: {e}");
    }
}
