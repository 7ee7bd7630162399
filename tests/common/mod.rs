//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The shared data folder (`golden/`, `spec/`): `$MIGCAL_SHARED` when set, else `../shared`
/// beside the repository (the main checkout's layout), else `/work/shared` (where helper
/// worktrees live apart from it).
pub fn shared_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("MIGCAL_SHARED") {
        return PathBuf::from(p);
    }
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if beside.is_dir() {
        return beside;
    }
    PathBuf::from("/work/shared")
}

/// The golden GHDL VCDs of the MIG 1.7 minimodule.
pub fn golden(name: &str) -> PathBuf {
    shared_dir()
        .join("golden")
        .join(format!("mig17_minimodule_{name}.vcd.gz"))
}

/// `tests/fixtures/vcd/<name>`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/vcd")
        .join(name)
}

pub mod oracle;

/// Runs the built `migcal` binary.
pub fn migcal(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_migcal"))
        .args(args)
        .output()
        .expect("the migcal binary runs")
}

/// Bytes as text, for messages.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Writes `body` to `dir/name` and returns the path.
pub fn write(dir: &std::path::Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}
