//! Rust types for `spec/proto/xsync.proto`, the MaxIM client socket's wire
//! schema (`docs/socket.md`). `protoc` comes from the `protoc-bin-vendored`
//! crate, so no system install is needed.

fn main() {
    println!("cargo:rerun-if-changed=../spec/proto/xsync.proto");
    let protoc = match protoc_bin_vendored::protoc_bin_path() {
        Ok(path) => path,
        Err(e) => panic!("no vendored protoc for this platform: {e}"),
    };
    let mut config = prost_build::Config::new();
    config.protoc_executable(protoc);
    if let Err(e) = config.compile_protos(&["../spec/proto/xsync.proto"], &["../spec/proto"]) {
        panic!("compiling spec/proto/xsync.proto: {e}");
    }
}
