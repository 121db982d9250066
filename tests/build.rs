//! Rust types for `proto/yhchat_friend.proto` (written from the YHChat
//! document), independent of the server's generated models. `protoc` comes
//! from the `protoc-bin-vendored` crate, so no system install is needed.

fn main() {
    println!("cargo:rerun-if-changed=proto/yhchat_friend.proto");
    let protoc = match protoc_bin_vendored::protoc_bin_path() {
        Ok(path) => path,
        Err(e) => panic!("no vendored protoc for this platform: {e}"),
    };
    let mut config = prost_build::Config::new();
    config.protoc_executable(protoc);
    if let Err(e) = config.compile_protos(&["proto/yhchat_friend.proto"], &["proto"]) {
        panic!("compiling proto/yhchat_friend.proto: {e}");
    }
}
