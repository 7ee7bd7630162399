//! Every command that writes a file treats its target the same way (issue 19): a regular file is
//! replaced atomically, a FIFO and a device are written through (never replaced by a regular
//! file), `-` is stdout, a symlink's target is replaced and the link kept, a directory refused.
//! Table-driven: each writing command (`merge`'s `--junit` and `--csv` too) against each kind
//! of target; `man -o DIR`'s pages and the dictionary cache (`write_file_only`, tested in
//! `dictionary_cache.rs` and `cache.rs`) have their own tests.

mod common;
use std::fs;
use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repository root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A writing command: its arguments with `OUT` where the output path goes.
struct Writer {
    name: &'static str,
    args: Vec<String>,
}

/// Inputs every command can run on quickly, made once per test in `dir`.
fn writers(dir: &Path) -> Vec<Writer> {
    let scn = root().join("sim/scenarios/golden/nominal.toml");
    let vcd = dir.join("nominal.vcd");
    if !vcd.exists() {
        let o = run(&["simulate", s(&scn), "-o", s(&vcd)]);
        assert_eq!(o.status.code(), Some(0), "{}", common::text(&o.stderr));
    }
    let suite = dir.join("suite");
    fs::create_dir_all(&suite).unwrap();
    fs::copy(
        root().join("sim/scenarios/faults/dq_open.toml"),
        suite.join("dq_open.toml"),
    )
    .unwrap();
    let fixture = root().join("tests/fixtures/vcd/ghdl_dq_counter.vcd");
    let sweep_args = [
        "sweep",
        s(&scn),
        "--vary",
        "temperature=25..25:1",
        "--runs",
        "1",
        "--stop-time-us",
        "260",
    ];
    let regress_shard = shard_json(dir, "regress", &["regress", s(&suite)]);
    let sweep_shard = shard_json(dir, "sweep", &sweep_args);
    let w = |name, args: &[&str]| Writer {
        name,
        args: args.iter().map(|a| a.to_string()).collect(),
    };
    vec![
        w("convert", &["convert", s(&fixture), "-o", "OUT"]),
        w("simulate", &["simulate", s(&scn), "-o", "OUT"]),
        w(
            "plot",
            &["plot", "timeline", s(&vcd), "--format", "svg", "-o", "OUT"],
        ),
        w("gtkw", &["gtkw", s(&vcd), "-o", "OUT"]),
        w("regress", &["regress", s(&suite), "--junit", "OUT"]),
        w("sweep", &[&sweep_args[..], &["--csv", "OUT"]].concat()),
        w(
            "merge-junit",
            &["merge", s(&regress_shard), "--junit", "OUT"],
        ),
        w("merge-csv", &["merge", s(&sweep_shard), "--csv", "OUT"]),
    ]
}

/// The `--json` result of `args --shard 1/1` in `dir` (the input `merge` joins), made once.
fn shard_json(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let p = dir.join(format!("{name}.shard.json"));
    if !p.exists() {
        let o = run(&[args, &["--shard", "1/1", "--json"]].concat());
        assert!(
            o.status.code().is_some_and(|c| c < 2),
            "{name}: {}",
            common::text(&o.stderr)
        );
        fs::write(&p, &o.stdout).unwrap();
    }
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn run(args: &[&str]) -> Output {
    common::migcal(args)
}

impl Writer {
    fn args_to(&self, out: &Path) -> Vec<String> {
        self.args
            .iter()
            .map(|a| {
                if a == "OUT" {
                    s(out).to_string()
                } else {
                    a.clone()
                }
            })
            .collect()
    }
    fn run_to(&self, out: &Path) -> Output {
        let args = self.args_to(out);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&refs)
    }
    /// What the command writes into a fresh regular file (what every other target must get).
    fn reference(&self, dir: &Path) -> Vec<u8> {
        let p = dir.join(format!("{}.reference", self.name));
        let o = self.run_to(&p);
        assert!(
            o.status.success(),
            "{}: {}",
            self.name,
            common::text(&o.stderr)
        );
        let b = fs::read(&p).unwrap();
        assert!(!b.is_empty(), "{}: empty output", self.name);
        b
    }
}

/// Bytes whose only run-dependent part is the regress JUnit's timestamp/time attributes and
/// the gtkw/convert absolute paths: compare the lengths and the first line for those, all bytes
/// otherwise.
fn same_output(name: &str, a: &[u8], b: &[u8]) {
    if name == "regress" || name == "merge-junit" {
        let first = |x: &[u8]| common::text(x).lines().next().map(str::to_string);
        assert_eq!(first(a), first(b), "{name}");
        assert!(common::text(b).contains("<testsuites"), "{name}");
    } else {
        assert!(a == b, "{name}: output differs from the regular file's");
    }
}

#[test]
fn a_fifo_gets_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    for w in writers(dir.path()) {
        let want = w.reference(dir.path());
        let fifo = dir.path().join(format!("{}.fifo", w.name));
        let mk = Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(mk.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                let mut got = Vec::new();
                fs::File::open(&fifo)
                    .unwrap()
                    .read_to_end(&mut got)
                    .unwrap();
                got
            })
        };
        let o = w.run_to(&fifo);
        // Unblocks a reader still waiting in open() if the command never opened the FIFO
        // (read-write open of a FIFO never blocks on Linux).
        drop(fs::OpenOptions::new().read(true).write(true).open(&fifo));
        let got = reader.join().unwrap();
        assert!(
            o.status.success(),
            "{}: {}",
            w.name,
            common::text(&o.stderr)
        );
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
        same_output(w.name, &want, &got);
    }
}

#[test]
fn a_device_node_stays_a_device() {
    let dir = tempfile::tempdir().unwrap();
    let null = dir.path().join("null");
    // mknod needs root (CAP_MKNOD); without it there is no device to test with.
    let made = Command::new("mknod")
        .arg(&null)
        .args(["c", "1", "3"])
        .stderr(Stdio::piped())
        .output();
    match made {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            eprintln!(
                "skipped: cannot make a device node (not root?): {}",
                common::text(&o.stderr)
            );
            return;
        }
        Err(e) => {
            eprintln!("skipped: no mknod: {e}");
            return;
        }
    }
    for w in writers(dir.path()) {
        let o = w.run_to(&null);
        assert!(
            o.status.success(),
            "{}: {}",
            w.name,
            common::text(&o.stderr)
        );
        let m = fs::symlink_metadata(&null).unwrap();
        assert!(
            m.file_type().is_char_device(),
            "{}: the device was replaced",
            w.name
        );
    }
}

#[test]
fn a_symlink_target_is_replaced_and_the_link_kept() {
    let dir = tempfile::tempdir().unwrap();
    for w in writers(dir.path()) {
        let want = w.reference(dir.path());
        let target = dir.path().join(format!("{}.target", w.name));
        fs::write(&target, b"old").unwrap();
        let mid = dir.path().join(format!("{}.mid", w.name));
        let link = dir.path().join(format!("{}.link", w.name));
        std::os::unix::fs::symlink(target.file_name().unwrap(), &mid).unwrap();
        std::os::unix::fs::symlink(&mid, &link).unwrap();
        let o = w.run_to(&link);
        assert!(
            o.status.success(),
            "{}: {}",
            w.name,
            common::text(&o.stderr)
        );
        for l in [&link, &mid] {
            assert!(
                fs::symlink_metadata(l).unwrap().file_type().is_symlink(),
                "{}: link replaced",
                w.name
            );
        }
        same_output(w.name, &want, &fs::read(&target).unwrap());
    }
}

#[test]
fn a_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for w in writers(dir.path()) {
        let target = dir.path().join(format!("{}.dir", w.name));
        fs::create_dir(&target).unwrap();
        let o = w.run_to(&target);
        assert_eq!(o.status.code(), Some(2), "{}", w.name);
        let err = common::text(&o.stderr);
        assert!(err.contains("is a directory"), "{}: {err}", w.name);
        assert_eq!(fs::read_dir(&target).unwrap().count(), 0, "{}", w.name);
    }
}

#[test]
fn dash_is_stdout_and_the_report_moves_to_stderr() {
    let dir = tempfile::tempdir().unwrap();
    for w in writers(dir.path()) {
        let want = w.reference(dir.path());
        let o = w.run_to(Path::new("-"));
        assert!(
            o.status.success(),
            "{}: {}",
            w.name,
            common::text(&o.stderr)
        );
        same_output(w.name, &want, &o.stdout);
        assert!(!dir.path().join("-").exists(), "{}", w.name);
    }
}

#[test]
fn a_replaced_file_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    for w in writers(dir.path()) {
        let p = dir.path().join(format!("{}.mode", w.name));
        fs::write(&p, b"old").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        let o = w.run_to(&p);
        assert!(
            o.status.success(),
            "{}: {}",
            w.name,
            common::text(&o.stderr)
        );
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o640,
            "{}",
            w.name
        );
        assert_ne!(fs::read(&p).unwrap(), b"old", "{}", w.name);
    }
}

/// `man -o DIR` writes one page per command into DIR: each page is an output like any other
/// (a symlinked page's target is replaced and the link kept; a folder in a page's place is
/// refused, not filled).
#[test]
fn man_pages_in_a_folder_are_outputs_like_any_other() {
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    fs::create_dir(&pages).unwrap();
    let target = dir.path().join("elsewhere.1");
    fs::write(&target, b"old").unwrap();
    let link = pages.join("migcal-diagnose.1");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let o = run(&["man", "-o", s(&pages)]);
    assert_eq!(o.status.code(), Some(0), "{}", common::text(&o.stderr));
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let page = common::text(&fs::read(&target).unwrap());
    assert!(page.starts_with(".ie") || page.contains(".TH"), "{page}");
    assert!(page.contains("diagnose"), "{page}");

    fs::remove_file(pages.join("migcal-signals.1")).unwrap();
    fs::create_dir(pages.join("migcal-signals.1")).unwrap();
    let o = run(&["man", "-o", s(&pages)]);
    assert_eq!(o.status.code(), Some(2));
    let err = common::text(&o.stderr);
    assert!(err.contains("migcal-signals.1: is a directory"), "{err}");
    assert_eq!(
        fs::read_dir(pages.join("migcal-signals.1"))
            .unwrap()
            .count(),
        0
    );
}
