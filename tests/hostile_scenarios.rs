//! Issue 19: hostile scenario files. Huge, negative, NaN and absurd numbers, wrong types and
//! unknown keys each give an error naming the key, exit 2, never a panic or a hang, whether the
//! scenario is simulated, swept or run by `regress`.

mod common;
use common::bounded;

const B: &str = "profile = \"minimodule\"\nstop_time_us = 1\n";

/// (file body, the key the error must name).
fn cases() -> Vec<(String, &'static str)> {
    let b = |rest: &str| format!("{B}{rest}");
    let long: Vec<&str> = vec!["1"; 100_000];
    vec![
        ("profile = \"minimodule\"\nseed = -1\n".into(), "seed"),
        (
            "profile = \"minimodule\"\nseed = 18446744073709551616\n".into(),
            "seed",
        ),
        (
            "profile = \"minimodule\"\nstop_time_us = nan\n".into(),
            "stop_time_us",
        ),
        (
            "profile = \"minimodule\"\nstop_time_us = inf\n".into(),
            "stop_time_us",
        ),
        (
            "profile = \"minimodule\"\nstop_time_us = 1e300\n".into(),
            "stop_time_us",
        ),
        (
            "profile = \"minimodule\"\nstop_time_us = -5\n".into(),
            "stop_time_us",
        ),
        ("profile = 3\n".into(), "profile"),
        ("profile = \"lpddr5\"\n".into(), "profile"),
        (b("[clock]\nperiod_ps = 0\n"), "clock.period_ps"),
        (b("[clock]\nperiod_ps = 4294967295000\n"), "clock.period_ps"),
        (b("[clock]\nperiod_ps = \"fast\"\n"), "clock.period_ps"),
        (b("clock = 5\n"), "clock"),
        (b("[board]\ntap_ps = nan\n"), "board.tap_ps"),
        (b("[board]\ntap_ps = -78\n"), "board.tap_ps"),
        (b("[board]\njitter_ps_rms = inf\n"), "board.jitter_ps_rms"),
        (b("[board]\ntemperature_c = 1e9\n"), "board.temperature_c"),
        (
            b(&format!("[board]\ndq_delay_ps = [{}]\n", long.join(","))),
            "board.dq_delay_ps",
        ),
        (b("[board]\ndq_delay_ps = [nan]\n"), "board.dq_delay_ps[0]"),
        (b("[board]\ntap_pss = 78\n"), "board.tap_pss"),
        (b("[memory]\ncl = 99\n"), "memory.cl"),
        (b("[memory]\ncl = \"three\"\n"), "memory.cl"),
        (
            b("[[fault]]\nkind = \"dq_open\"\ndq = 4294967295\n"),
            "fault[0].dq",
        ),
        (b("[[fault]]\nkind = \"dq_open\"\ndq = -1\n"), "fault[0].dq"),
        (
            b("[[fault]]\nkind = \"dq_open\"\ndq = 200\n"),
            "fault[0].dq",
        ),
        (b("[[fault]]\nkind = \"gremlins\"\n"), "fault[0].kind"),
        (b("colour = \"red\"\n"), "colour"),
        (b("[expect]\nverdict = 1\n"), "expect.verdict"),
        (b("[expect]\nverdict = \"maybe\"\n"), "expect.verdict"),
    ]
}

#[test]
fn every_hostile_scenario_is_a_key_named_error_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    for (k, (body, key)) in cases().iter().enumerate() {
        let p = common::write(dir.path(), &format!("case{k}.toml"), body);
        let p = p.to_str().unwrap();
        for args in [
            vec!["simulate", p],
            vec!["sweep", p, "--vary", "temperature=25..35:10", "--runs", "1"],
        ] {
            let (code, err) = bounded(&args);
            let named = err.contains(&format!("key `{key}`"));
            if code != 2 || !named || err.contains("panicked") {
                problems.push(format!(
                    "{} on {:?}: exit {code}, expected 2 naming key `{key}`: {err}",
                    args[0],
                    body.chars().take(120).collect::<String>()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `regress` over a folder of them: each is a bad scenario naming its key, exit 2.
#[test]
fn regress_reports_each_hostile_scenario_by_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases = cases();
    for (k, (body, _)) in cases.iter().enumerate() {
        common::write(dir.path(), &format!("case{k:02}.toml"), body);
    }
    let out = common::migcal(&["regress", dir.path().to_str().unwrap()]);
    let text = common::text(&out.stdout) + &common::text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{text}");
    for (_, key) in &cases {
        assert!(text.contains(&format!("key `{key}`")), "{key}: {text}");
    }
    assert!(!text.contains("panicked"), "{text}");
}
