//! Issue 19: the `--dictionary` cache is checked before it is trusted. Two runs sharing an empty
//! cache folder at once both succeed with the same report; a cache file with two signatures
//! swapped, or holding `[]`, is noticed (a note on stderr), rebuilt, and the report equals the
//! uncached one.

mod common;
use std::path::Path;
use std::process::{Command, Output};

fn diagnose(cache: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_migcal"))
        .args(["diagnose", "--dictionary", "--json"])
        .arg(common::golden("fault1"))
        .env("MIGCAL_CACHE", cache)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

fn finish(c: std::process::Child) -> Output {
    let o = c.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", common::text(&o.stderr));
    o
}

fn cache_file(dir: &Path) -> std::path::PathBuf {
    let files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

#[test]
fn an_edited_or_emptied_cache_is_rebuilt_and_the_report_unchanged() {
    if !common::golden("fault1").exists() {
        eprintln!("skipped: no golden captures");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Concurrent runs on an empty cache: both build, one rename wins, both reports agree.
    let (a, b) = (diagnose(dir.path()), diagnose(dir.path()));
    let (a, b) = (finish(a), finish(b));
    assert_eq!(a.stdout, b.stdout);
    let uncached = a.stdout;
    let path = cache_file(dir.path());
    let whole = std::fs::read(&path).unwrap();

    // Valid cache: used silently.
    let o = finish(diagnose(dir.path()));
    assert_eq!(o.stdout, uncached);
    assert!(
        !common::text(&o.stderr).contains("note"),
        "{}",
        common::text(&o.stderr)
    );

    // Two signatures swapped: the edit that made ck_inverted rank first on an open DQ3.
    let mut v: serde_json::Value = serde_json::from_slice(&whole).unwrap();
    let entries = v["entries"].as_array_mut().unwrap();
    let at = |name: &str| entries.iter().position(|e| e["name"] == name).unwrap();
    let (i, j) = (at("dq_open dq=3"), at("ck_inverted"));
    let si = entries[i]["signature"].clone();
    entries[i]["signature"] = entries[j]["signature"].clone();
    entries[j]["signature"] = si;
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let o = finish(diagnose(dir.path()));
    let err = common::text(&o.stderr);
    assert!(err.contains("checksum mismatch"), "{err}");
    assert!(err.contains("rebuilding"), "{err}");
    assert_eq!(o.stdout, uncached, "swapped signatures changed the report");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        whole,
        "rebuilt cache is whole"
    );

    // A cache holding [].
    std::fs::write(&path, b"[]").unwrap();
    let o = finish(diagnose(dir.path()));
    let err = common::text(&o.stderr);
    assert!(err.contains("not a migcal dictionary cache"), "{err}");
    assert_eq!(o.stdout, uncached, "[] changed the report");
    assert_eq!(std::fs::read(&path).unwrap(), whole);
}
