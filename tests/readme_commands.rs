//! The README as a test (issue 18): every command README.md shows is run and, where the README
//! shows its output, the output is compared, so the README and the program cannot drift apart.
//!
//! A small runner of our own rather than trycmd/snapbox: the README's transcripts run pipelines
//! (`| head -8`), shell loops that write shard files, `echo $?` after a command, paths into
//! `../shared` beside the repository, and files the README itself shows as TOML blocks. trycmd's
//! markdown cases run one binary per `$` line with no shell, so most of these could not be
//! written as the README shows them.
//!
//! What a README block means to the runner:
//! - A block whose lines start with `$ ` is a transcript: every `$` command runs in one `sh`
//!   session (so `echo $?` reports the command before it) and the lines up to the next `$` are
//!   its expected stdout and stderr, merged. A line `...` stands for any number of lines, `[..]`
//!   for any text within a line; trailing white space is ignored. A command that exits non-zero
//!   must be followed by `$ echo $?` showing the status, so every exit status is documented.
//! - A `sh` block: every line runs (`cargo run --release [-q] --` is the built binary); it must
//!   not fail to do its job (exit 2) nor die on a signal. `cargo test` / `cargo install` lines
//!   are the only ones not run (the first is this very suite, the second installs into
//!   `~/.cargo`); `man` needs the pages installed and only reads them.
//! - `<!-- file: NAME -->` just before a block writes the block to `NAME` before anything runs,
//!   so a TOML file the README shows is the file its commands use.
//! - `yaml` blocks are CI configuration, not commands run here.
//!
//! Everything runs in a scratch folder that links the repository's top-level entries and has
//! `../shared` beside it, with `HOME` there too, so nothing lands in the checkout or in `~`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// One fenced block of README.md.
struct Block {
    /// 1-based line of the opening fence.
    line: usize,
    info: String,
    body: Vec<String>,
    /// From a `<!-- file: NAME -->` line just before the fence.
    file: Option<String>,
}

fn blocks(readme: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut lines = readme.lines().enumerate().peekable();
    let mut last_comment: Option<String> = None;
    while let Some((i, l)) = lines.next() {
        if let Some(info) = l.strip_prefix("```") {
            let mut body = Vec::new();
            for (_, b) in lines.by_ref() {
                if b.starts_with("```") {
                    break;
                }
                body.push(b.to_string());
            }
            out.push(Block {
                line: i + 1,
                info: info.trim().to_string(),
                body,
                file: last_comment.take(),
            });
            continue;
        }
        let t = l.trim();
        last_comment = t
            .strip_prefix("<!-- file:")
            .and_then(|r| r.strip_suffix("-->"))
            .map(|n| n.trim().to_string());
    }
    out
}

/// Whether `got` matches the expected lines, `...` being any run of lines and `[..]` any text.
fn matches(want: &[String], got: &[&str]) -> bool {
    match want.split_first() {
        None => got.is_empty(),
        Some((w, rest)) if w.trim() == "..." => (0..=got.len()).any(|k| matches(rest, &got[k..])),
        Some((w, rest)) => match got.split_first() {
            Some((g, grest)) => line_matches(w.trim_end(), g.trim_end()) && matches(rest, grest),
            None => false,
        },
    }
}

fn line_matches(want: &str, got: &str) -> bool {
    let parts: Vec<&str> = want.split("[..]").collect();
    if parts.len() == 1 {
        return want == got;
    }
    let Some(mut rest) = got.strip_prefix(parts[0]) else {
        return false;
    };
    for (k, p) in parts.iter().enumerate().skip(1) {
        if k == parts.len() - 1 {
            return rest.ends_with(p);
        }
        match rest.find(p) {
            Some(pos) => rest = &rest[pos + p.len()..],
            None => return false,
        }
    }
    true
}

/// A scratch folder laid out like the checkout: `work/<entries of the repo>` as links,
/// `shared` beside `work`, and a `home`.
struct Scratch {
    _dir: tempfile::TempDir,
    work: PathBuf,
    home: PathBuf,
}

fn scratch() -> Scratch {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    for e in std::fs::read_dir(repo).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        std::os::unix::fs::symlink(e.path(), work.join(&name)).unwrap();
    }
    std::os::unix::fs::symlink(common::shared_dir(), dir.path().join("shared")).unwrap();
    Scratch {
        _dir: dir,
        work,
        home,
    }
}

/// The README's own ways of calling the built binary, as the binary.
fn as_binary(cmd: &str) -> String {
    cmd.replace("cargo run --release -q -- ", "migcal ")
        .replace("cargo run --release -- ", "migcal ")
}

fn shell(s: &Scratch, script: &str) -> std::process::Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_migcal")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(&s.work)
        .env("PATH", path)
        .env("HOME", &s.home)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("MIGCAL_SHARED")
        .env_remove("CI_NODE_INDEX")
        .env_remove("CI_NODE_TOTAL")
        .output()
        .expect("sh runs")
}

/// One transcript command with what the README shows after it.
struct Step {
    cmd: String,
    want: Vec<String>,
}

fn steps(b: &Block) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::new();
    for l in &b.body {
        if let Some(c) = l.strip_prefix("$ ") {
            out.push(Step {
                cmd: c.to_string(),
                want: Vec::new(),
            });
        } else if let Some(s) = out.last_mut() {
            s.want.push(l.clone());
        }
    }
    out
}

const MARK: &str = "@@readme-step@@";

/// Runs a transcript block; returns the problems found.
fn run_transcript(s: &Scratch, b: &Block) -> Vec<String> {
    let steps = steps(b);
    let mut script = String::from("__s=0\n");
    for (k, st) in steps.iter().enumerate() {
        script.push_str(&format!(
            "echo '{MARK}{k}'\n(exit $__s)\n{{ {}\n}} 2>&1\n__s=$?\necho '{MARK}status '$__s\n",
            as_binary(&st.cmd)
        ));
    }
    let out = shell(s, &script);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut problems = Vec::new();
    let mut chunks: Vec<(Vec<&str>, i32)> = Vec::new();
    let mut cur: Option<Vec<&str>> = None;
    for l in text.lines() {
        if let Some(st) = l.strip_prefix(&format!("{MARK}status ")) {
            chunks.push((
                cur.take().unwrap_or_default(),
                st.trim().parse().unwrap_or(-1),
            ));
        } else if l.starts_with(MARK) {
            cur = Some(Vec::new());
        } else if let Some(c) = cur.as_mut() {
            c.push(l);
        }
    }
    if chunks.len() != steps.len() {
        return vec![format!(
            "README.md:{}: the shell ran {} of {} commands: {}",
            b.line,
            chunks.len(),
            steps.len(),
            String::from_utf8_lossy(&out.stderr)
        )];
    }
    for (k, (st, (got, status))) in steps.iter().zip(&chunks).enumerate() {
        if !matches(&st.want, got) {
            problems.push(format!(
                "README.md:{}: `$ {}` prints\n{}\n--- where the README shows ---\n{}",
                b.line,
                st.cmd,
                got.join("\n"),
                st.want.join("\n")
            ));
        }
        let next_is_status = steps.get(k + 1).is_some_and(|n| n.cmd.trim() == "echo $?");
        if *status != 0 && st.cmd.trim() != "echo $?" && !next_is_status {
            problems.push(format!(
                "README.md:{}: `$ {}` exits {status}, and the README does not show it (add `$ echo $?`)",
                b.line, st.cmd
            ));
        }
    }
    problems
}

/// Lines of `sh` blocks the runner does not run, and why (kept short on purpose: a new
/// command in the README is run unless it is added here with a reason).
fn not_run(line: &str) -> Option<&'static str> {
    let l = line.trim();
    if l.starts_with("cargo test") {
        Some("the test suite itself")
    } else if l.starts_with("cargo install") {
        Some("installs into ~/.cargo")
    } else if l.starts_with("man ") || l.contains("| man ") {
        Some("reads installed manual pages")
    } else {
        None
    }
}

fn run_sh(s: &Scratch, b: &Block) -> Vec<String> {
    let mut problems = Vec::new();
    for l in &b.body {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') || not_run(t).is_some() {
            continue;
        }
        let out = shell(s, &format!("{}\n", as_binary(t)));
        match out.status.code() {
            Some(0 | 1) => {}
            code => problems.push(format!(
                "README.md:{}: `{t}` exits {code:?}: {}",
                b.line,
                String::from_utf8_lossy(&out.stderr)
            )),
        }
        for w in written(t) {
            let p = s.work.join(w.replace('~', &s.home.display().to_string()));
            if !holds_something(&p) {
                problems.push(format!(
                    "README.md:{}: `{t}` leaves nothing at `{w}`",
                    b.line
                ));
            }
        }
    }
    problems
}

/// The files a `sh` line says it writes: the word after `-o` and after a `>` redirection
/// (the output of such a line is its file, so the file must be there afterwards).
fn written(line: &str) -> Vec<&str> {
    let words: Vec<&str> = line.split_whitespace().collect();
    words
        .windows(2)
        .filter(|w| w[0] == "-o" || w[0] == ">")
        .map(|w| w[1])
        .filter(|w| *w != "-")
        .collect()
}

/// A non-empty regular file, or a folder with at least one entry.
fn holds_something(p: &Path) -> bool {
    match std::fs::metadata(p) {
        Ok(m) if m.is_dir() => std::fs::read_dir(p).is_ok_and(|mut d| d.next().is_some()),
        Ok(m) => m.len() > 0,
        Err(_) => false,
    }
}

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

#[test]
fn every_command_the_readme_shows_runs_as_shown() {
    let bl = blocks(&readme());
    let s = scratch();
    for b in &bl {
        if let Some(name) = &b.file {
            std::fs::write(s.work.join(name), b.body.join("\n") + "\n").unwrap();
        }
    }
    let mut problems = Vec::new();
    let mut ran = 0;
    for b in &bl {
        if b.body.first().is_some_and(|l| l.starts_with("$ ")) {
            problems.extend(run_transcript(&s, b));
            ran += 1;
        } else if b.info == "sh" {
            problems.extend(run_sh(&s, b));
            ran += 1;
        }
    }
    assert!(ran >= 10, "only {ran} README blocks found to run");
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// The quick start's two set-up commands stay what a fresh machine runs: one runs the test
/// suite, one runs the main job on a bundled example (the run itself is checked above).
#[test]
fn the_quick_start_keeps_its_two_commands() {
    let text = readme();
    let quick = blocks(&text)
        .into_iter()
        .find(|b| b.info == "sh")
        .expect("a sh block");
    assert_eq!(
        quick.body,
        [
            "cargo test --workspace --release",
            "cargo run --release -- diagnose ../shared/golden/mig17_minimodule_fault1.vcd.gz"
        ]
    );
    // What the prose after it promises: stage `read_latency`, DQ 3, exit status 1.
    let s = scratch();
    let out = shell(&s, &as_binary(&quick.body[1]));
    let stdout = common::text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL: stage read_latency"), "{stdout}");
    assert!(stdout.contains("faulty DQ: 3"), "{stdout}");
}

#[test]
fn a_sh_line_names_the_files_it_writes() {
    assert_eq!(written("migcal plot eye x.vcd.gz -o eye.png"), ["eye.png"]);
    assert_eq!(
        written("migcal completions fish > ~/.config/fish/completions/migcal.fish"),
        ["~/.config/fish/completions/migcal.fish"]
    );
    assert!(written("migcal man | man -l -").is_empty());
    assert!(written("zcat a.vcd.gz | migcal diagnose -").is_empty());
}

/// A block whose lines start with a command but that is neither a transcript nor a `sh` block
/// would silently not run: every block that names `migcal` is one of the two, YAML (CI) or
/// `text` (a table of measured figures, such as the Speed section's).
#[test]
fn no_readme_command_block_escapes_the_runner() {
    for b in blocks(&readme()) {
        let names = b.body.iter().any(|l| l.trim_start().starts_with("migcal "));
        let runs = b.info == "sh" || b.body.first().is_some_and(|l| l.starts_with("$ "));
        assert!(
            !names || runs || b.info == "yaml" || b.info == "text",
            "README.md:{}: a block of migcal commands that is neither `sh` nor a `$` transcript",
            b.line
        );
    }
}

#[test]
fn the_matcher_understands_ellipses_and_wildcards() {
    let w = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(matches(&w(&["a", "...", "z"]), &["a", "b", "c", "z"]));
    assert!(matches(&w(&["a", "...", "z"]), &["a", "z"]));
    assert!(!matches(&w(&["a", "z"]), &["a", "b", "z"]));
    assert!(matches(&w(&["took [..] s"]), &["took 1.5 s"]));
    assert!(!matches(&w(&["took [..] s"]), &["took 1.5 ms!"]));
    assert!(matches(&w(&["x  "]), &["x"]));
}

/// Each command's heading in the README is its synopsis: every option `--help` lists is in it
/// (issue 18: the `diagnose` heading lacked four flags), by its long or its short name.
#[test]
fn every_synopsis_names_every_option() {
    let text = readme();
    let mut checked = 0;
    for heading in text.lines().filter_map(|l| l.strip_prefix("### `migcal ")) {
        let synopsis = heading.trim_end_matches('`');
        let cmd = synopsis.split_whitespace().next().unwrap();
        let out = common::migcal(&[cmd, "--help"]);
        assert_eq!(out.status.code(), Some(0), "migcal {cmd} --help");
        let help = common::text(&out.stdout);
        for l in help.lines() {
            let t = l.trim_start();
            let (short, rest) = match t.strip_prefix('-').filter(|r| !r.starts_with('-')) {
                Some(r) => (
                    r.get(..1).map(|c| format!("-{c}")),
                    r.get(3..).unwrap_or(""),
                ),
                None => (None, t),
            };
            let Some(long) = rest.strip_prefix("--") else {
                continue;
            };
            let long: String = long
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            if long == "help" || long == "version" {
                continue;
            }
            let named = synopsis.contains(&format!("--{long}"))
                || short.is_some_and(|s| synopsis.contains(&format!("{s} ")));
            assert!(
                named,
                "README heading `migcal {synopsis}` lacks --{long} (from `migcal {cmd} --help`)"
            );
        }
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} command headings found");
}
