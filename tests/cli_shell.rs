//! The shell side of issue 15: completion scripts, the man page, and colour in the text reports
//! only on a terminal (never in a pipe, under `NO_COLOR` or under CI).

mod common;
use common::{golden, migcal, text};

use std::process::{Command, Output};

const SUBCOMMANDS: [&str; 11] = [
    "signals",
    "convert",
    "diagnose",
    "plot",
    "gtkw",
    "simulate",
    "regress",
    "sweep",
    "merge",
    "completions",
    "man",
];

#[test]
fn completions_for_every_shell_name_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = migcal(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        assert!(script.len() > 1000, "{shell}: script too short: {script}");
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell} script lacks `{sub}`");
        }
        // An option of one subcommand, so the script completes past the command name.
        assert!(
            script.contains("sample-period"),
            "{shell}: no --sample-period"
        );
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = migcal(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("tcsh"), "{}", text(&out.stderr));
}

#[test]
fn man_page_on_stdout_is_roff() {
    let out = migcal(&["man"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let page = text(&out.stdout);
    let th = page
        .lines()
        .find(|l| l.starts_with(".TH "))
        .expect(".TH line");
    assert!(th.starts_with(".TH migcal 1"), "{th}");
    assert!(page.contains(".SH NAME") && page.contains(".SH SUBCOMMANDS"));
    for sub in SUBCOMMANDS {
        assert!(page.contains(&format!("migcal\\-{sub}(1)")), "no {sub}(1)");
    }
}

#[test]
fn man_dir_gets_one_page_per_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("man1");
    let out = migcal(&["man", "-o", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let top = std::fs::read_to_string(out_dir.join("migcal.1")).unwrap();
    assert_eq!(top.as_bytes(), migcal(&["man"]).stdout.as_slice());
    for sub in SUBCOMMANDS {
        let page = std::fs::read_to_string(out_dir.join(format!("migcal-{sub}.1"))).unwrap();
        let th = page.lines().find(|l| l.starts_with(".TH ")).unwrap();
        assert!(th.starts_with(&format!(".TH migcal-{sub} 1")), "{th}");
        assert!(th.contains(env!("CARGO_PKG_VERSION")), "{th}");
    }
    let pages = std::fs::read_dir(&out_dir).unwrap().count();
    assert_eq!(pages, SUBCOMMANDS.len() + 1);
}

/// migcal with a clean colour environment plus `env`, stdout a pipe.
fn piped(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_migcal"));
    for k in ["CI", "NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE"] {
        c.env_remove(k);
    }
    c.env("TERM", "xterm-256color").envs(env.iter().copied());
    c.args(args).output().unwrap()
}

fn fault1() -> String {
    golden("fault1").display().to_string()
}

#[test]
fn no_colour_in_a_pipe_whatever_the_environment() {
    let f = fault1();
    let plain = piped(&["diagnose", &f], &[]);
    assert_eq!(plain.status.code(), Some(1));
    assert!(!plain.stdout.contains(&0x1b), "escape in a pipe");
    assert!(text(&plain.stdout).contains("\nFAIL: stage read_latency\n"));
    for env in [[("NO_COLOR", "1")], [("CI", "true")], [("CLICOLOR", "1")]] {
        assert_eq!(
            piped(&["diagnose", &f], &env).stdout,
            plain.stdout,
            "{env:?}"
        );
    }
    let reg = piped(&["regress", "sim/scenarios/golden/fault1.toml"], &[]);
    assert!(!reg.stdout.is_empty() && !reg.stdout.contains(&0x1b));
    let sim = piped(&["simulate", "sim/scenarios/golden/fault1.toml"], &[]);
    assert!(!sim.stdout.is_empty() && !sim.stdout.contains(&0x1b));
}

#[test]
fn clicolor_force_paints_even_a_pipe() {
    let out = piped(&["diagnose", &fault1()], &[("CLICOLOR_FORCE", "1")]);
    let t = text(&out.stdout);
    assert!(
        t.contains("\x1b[1m\x1b[31mFAIL: stage read_latency\x1b[0m"),
        "{t}"
    );
    // NO_COLOR wins over CLICOLOR_FORCE.
    let off = piped(
        &["diagnose", &fault1()],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    );
    assert!(!off.stdout.contains(&0x1b));
}

/// migcal under a pseudo-terminal made by util-linux `script`; None when it is not installed.
fn on_a_terminal(args: &[&str], env: &[(&str, &str)]) -> Option<String> {
    let line = std::iter::once(env!("CARGO_BIN_EXE_migcal"))
        .chain(args.iter().copied())
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut c = Command::new("script");
    for k in ["CI", "NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE"] {
        c.env_remove(k);
    }
    c.env("TERM", "xterm-256color").envs(env.iter().copied());
    let out = c.args(["-qec", &line, "/dev/null"]).output().ok()?;
    Some(text(&out.stdout))
}

#[test]
fn colour_on_a_terminal_only_for_verdicts() {
    let f = fault1();
    let Some(tty) = on_a_terminal(&["diagnose", &f], &[]) else {
        eprintln!("skipped: util-linux `script` (a pseudo-terminal) is not installed");
        return;
    };
    assert!(
        tty.contains("\x1b[1m\x1b[31mFAIL: stage read_latency\x1b[0m"),
        "{tty}"
    );
    assert!(tty.contains("\x1b[1m\x1b[31mfaulty DQ: 3\x1b[0m"), "{tty}");
    // With the escapes taken out it is the piped report (the terminal turns \n into \r\n).
    let stripped = tty
        .replace("\r\n", "\n")
        .replace("\x1b[1m\x1b[31m", "")
        .replace("\x1b[0m", "");
    assert_eq!(stripped, text(&piped(&["diagnose", &f], &[]).stdout));
    for env in [[("NO_COLOR", "1")], [("CI", "true")], [("TERM", "dumb")]] {
        let t = on_a_terminal(&["diagnose", &f], &env).unwrap();
        assert!(
            t.contains("FAIL: stage") && !t.contains('\x1b'),
            "{env:?}: {t}"
        );
    }
    let reg = on_a_terminal(&["regress", "sim/scenarios/golden/fault1.toml"], &[]).unwrap();
    assert!(
        reg.contains("\x1b[1m\x1b[32m1 scenarios: 1 as expected"),
        "{reg}"
    );
    let sim = on_a_terminal(&["simulate", "sim/scenarios/golden/nominal.toml"], &[]).unwrap();
    assert!(
        sim.contains("\x1b[1m\x1b[32mresult: init_done reached\x1b[0m"),
        "{sim}"
    );
}
