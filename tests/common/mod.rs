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
