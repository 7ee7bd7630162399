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

pub mod bus;
pub mod cycles;
pub mod mutate;
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

/// How long a CLI run may take before the hardening tests call it a hang: generous, so only
/// work bounded by a declared time span (not by the input) reaches it. A hang detector, not a
/// speed assertion.
pub const HANG: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs migcal with `args` (stdin closed, stdout discarded); panics on a signal (an abort on a
/// failed allocation is SIGABRT), on a hang past [`HANG`], or on an exit code other than 0, 1,
/// 2. Returns the exit code and stderr.
pub fn bounded(args: &[&str]) -> (i32, String) {
    use std::io::Read;
    use std::process::{Command, Stdio};
    use wait_timeout::ChildExt;
    let mut child = Command::new(env!("CARGO_BIN_EXE_migcal"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the migcal binary runs");
    // stderr is read on a thread so a chatty child cannot block on a full pipe.
    let mut pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut err = String::new();
        let _ = pipe.read_to_string(&mut err);
        err
    });
    let status = match child.wait_timeout(HANG).unwrap() {
        Some(s) => s,
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("migcal {args:?} hung (killed after {HANG:?})");
        }
    };
    let err = reader.join().unwrap();
    let code = status
        .code()
        .unwrap_or_else(|| panic!("migcal {args:?} died on a signal: {status:?}\n{err}"));
    assert!(
        (0..=2).contains(&code),
        "migcal {args:?}: exit {code}\n{err}"
    );
    (code, err)
}

/// The proptest configuration of the fuzz harness (issue 19): a fixed seed (19, or
/// `MIGCAL_FUZZ_SEED`) so the suite is reproducible, `default_cases` cases in the suite and
/// `MIGCAL_FUZZ_CASES` for a longer run, no persistence file (a crashing input becomes a fixture
/// under `tests/fixtures/crash/` with a `CRASHES` entry in `tests/fixture_files.rs`).
pub fn fuzz_config(default_cases: u32) -> proptest::test_runner::Config {
    use proptest::test_runner::{Config, RngAlgorithm, RngSeed};
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u64>().ok());
    Config {
        cases: env("MIGCAL_FUZZ_CASES").map_or(default_cases, |c| c.min(u32::MAX as u64) as u32),
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(env("MIGCAL_FUZZ_SEED").unwrap_or(19)),
        failure_persistence: None,
        ..Config::default()
    }
}

/// The string `key` of every object in the JSON array `list` (`signals[*].name`).
pub fn field_strs<'a>(list: &'a serde_json::Value, key: &str) -> Vec<&'a str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s[key].as_str().unwrap())
        .collect()
}
