//! Issue 19: one regression test per defect the mutation fuzzer found (the small files are made
//! here). Every run is of the real binary under a hang detector: it must end with 0, 1 or 2,
//! never a signal (an abort on a failed allocation is SIGABRT), within a generous timeout (a
//! hang detector, not a speed assertion).

mod common;
use common::bounded;
use std::path::{Path, PathBuf};

fn vcd(dir: &Path, name: &str, body: &str) -> PathBuf {
    common::write(dir, name, body)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn declared_width(width: &str) {
    let dir = tempfile::tempdir().unwrap();
    let p = vcd(
        dir.path(),
        "wide.vcd",
        &format!("$timescale 1ps $end\n$var wire {width} ! dq $end\n$enddefinitions $end\n#0\nb1 !\n#10\nb0 !\n"),
    );
    for cmd in ["signals", "diagnose"] {
        let (code, err) = bounded(&[cmd, s(&p)]);
        assert_eq!(code, 2, "{cmd}: {err}");
        assert!(err.contains("wide.vcd:2"), "{cmd}: {err}");
        assert!(err.contains("at most 65536 bits"), "{cmd}: {err}");
    }
}

#[test]
fn a_width_of_2147483648_is_an_error_not_an_abort() {
    declared_width("2147483648");
}

#[test]
fn a_width_of_4294967295_is_an_error_not_an_abort() {
    declared_width("4294967295");
}

/// Issue 19: a range such as `dq [100000000:99999999]` is two bits wide but no bus a capture
/// holds; it is an error with the file, the line and the limit (never a table sized from it).
#[test]
fn a_range_with_huge_indices_is_an_error_with_file_line_and_limit() {
    let dir = tempfile::tempdir().unwrap();
    for (var, line) in [
        ("$var wire 2 ! dq [100000000:99999999] $end", 3),
        ("$var wire 2 ! dqs [4294967295:4294967294] $end", 3),
        ("$var wire 2 ! dm [-100000000:-99999999] $end", 3),
        ("$var wire 2 ! a[100000000:99999999] $end", 3),
    ] {
        let p = vcd(
            dir.path(),
            "range.vcd",
            &format!("$timescale 1ps $end\n$scope module pins $end\n{var}\n$upscope $end\n$enddefinitions $end\n#0\nb01 !\n"),
        );
        for cmd in ["signals", "diagnose", "convert"] {
            let mut args = vec![cmd, s(&p)];
            let out = dir.path().join("o.vcd");
            if cmd == "convert" {
                args.extend(["-o", out.to_str().unwrap()]);
            }
            let (code, err) = bounded(&args);
            assert_eq!(code, 2, "{cmd} {var}: {err}");
            assert!(
                err.contains(&format!("range.vcd:{line}"))
                    && err.contains("indices of at most 65536 (the limit)"),
                "{cmd} {var}: {err}"
            );
        }
    }
    // The same range in a CSV header: row 1, the limit.
    let csv = common::write(
        dir.path(),
        "range.csv",
        "time_ns,dq[100000000:99999999]\n0,1\n5,2\n",
    );
    let (code, err) = bounded(&["signals", s(&csv)]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("range.csv:1") && err.contains("indices of at most 65536 (the limit)"),
        "{err}"
    );
    // Ranges up to the limit still read.
    let p = vcd(
        dir.path(),
        "ok.vcd",
        "$timescale 1ps $end\n$scope module pins $end\n$var wire 2 ! dq [65536:65535] $end\n$upscope $end\n$enddefinitions $end\n#0\nb01 !\n",
    );
    let (code, err) = bounded(&["signals", s(&p)]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_very_long_identifier_is_a_limit_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let long = "a".repeat(70_000);
    let p = vcd(
        dir.path(),
        "long.vcd",
        &format!("$timescale 1ps $end\n$var wire 1 ! tap_logic_{long} $end\n$enddefinitions $end\n#0\n1!\n"),
    );
    let (code, err) = bounded(&["signals", s(&p)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("at most 16384 bytes"), "{err}");
    // A long name under the limit is listed (its column is capped, not sized from it).
    let name = format!("{}/ddr_controller/init_state", "s".repeat(10_000));
    let p = vcd(
        dir.path(),
        "long_ok.vcd",
        &format!("$timescale 1ps $end\n$var wire 4 ! {name} $end\n$var wire 1 # {} $end\n$enddefinitions $end\n#0\nb0 !\n1#\n", "q".repeat(12_000)),
    );
    let (code, err) = bounded(&["signals", s(&p)]);
    assert_eq!(code, 0, "{err}");
}

/// The nominal run's trace (timescale 1 fs) with its timescale replaced by `unit`: the same
/// changes over a time span 10^6 times longer (`1 NS`), or past 2^64 fs (`1 us`, an error).
fn rescaled(dir: &Path, unit: &str) -> PathBuf {
    let scn = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sim/scenarios/golden/nominal.toml");
    let vcd = dir.join("nominal.vcd");
    if !vcd.exists() {
        let o = common::migcal(&["simulate", s(&scn), "-o", s(&vcd)]);
        assert_eq!(o.status.code(), Some(0), "{}", common::text(&o.stderr));
    }
    let text = std::fs::read_to_string(&vcd).unwrap();
    let start = text.find("$timescale").unwrap();
    let end = start + text[start..].find("$end").unwrap() + 4;
    let out = dir.join(format!("coarse_{}.vcd", unit.replace(' ', "_")));
    std::fs::write(
        &out,
        format!("{}$timescale {unit} $end{}", &text[..start], &text[end..]),
    )
    .unwrap();
    out
}

#[test]
fn a_coarse_timescale_does_not_hang_diagnose() {
    let dir = tempfile::tempdir().unwrap();
    for unit in ["1 us", "1 NS", "100 ps", "100 s"] {
        let p = rescaled(dir.path(), unit);
        for cmd in [
            vec!["diagnose", s(&p)],
            vec!["diagnose", s(&p), "--json"],
            vec!["signals", s(&p)],
        ] {
            bounded(&cmd);
        }
    }
}

#[test]
fn a_clock_period_of_1fs_is_refused_with_the_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let p = rescaled(dir.path(), "1 ps");
    for period in ["1fs", "2ms", "999ps"] {
        let (code, err) = bounded(&["diagnose", s(&p), "--clock-period", period]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("1 ns to 1 ms"), "{err}");
    }
    let (code, err) = bounded(&["diagnose", s(&p), "--sample-period", "1fs"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn the_analysis_work_is_bounded_by_the_capture_not_the_clock() {
    // The library takes any clock: a 1 fs period over a 1 ns-timescale capture (6 * 10^17
    // cycles declared) still ends, with what the capture holds.
    use migcal::analysis::capture::Capture;
    use migcal::analysis::{analyze, Clock, Config};
    let dir = tempfile::tempdir().unwrap();
    let p = rescaled(dir.path(), "1 NS");
    let c = Capture::open(&p, &Default::default(), None).unwrap();
    for clock in [
        Clock {
            period: 1,
            first_edge: 0,
        },
        Clock::GOLDEN,
    ] {
        let f = analyze(
            &c,
            &Config {
                profile: None,
                clock: Some(clock),
            },
        );
        // At most MAX_HELD_COMMAND_CYCLES per stretch of unchanged bus pins.
        let pin_changes: usize = [
            "pins/cs_n",
            "pins/ras_n",
            "pins/cas_n",
            "pins/we_n",
            "pins/cke",
        ]
        .iter()
        .map(|n| c.bit(n, 0).map_or(0, |v| v.len()))
        .chain(
            ["pins/ba", "pins/a"]
                .iter()
                .map(|n| c.ints(n).map_or(0, |v| v.len())),
        )
        .sum();
        assert!(
            f.commands.len() as u64
                <= migcal::analysis::MAX_HELD_COMMAND_CYCLES * (pin_changes as u64 + 1),
            "{} commands from {pin_changes} pin changes",
            f.commands.len()
        );
    }
}

#[test]
fn the_bus_decoder_counts_every_golden_command_exactly() {
    // Walking the cycles a stretch at a time must count what walking them one by one counted:
    // the golden README's READ count for the nominal run (603 READs in the trace of the model).
    use migcal::analysis::capture::Capture;
    use migcal::analysis::{analyze, Config};
    let dir = tempfile::tempdir().unwrap();
    let p = rescaled(dir.path(), "1 fs");
    let c = Capture::open(&p, &Default::default(), None).unwrap();
    let f = analyze(
        &c,
        &Config {
            profile: None,
            clock: None,
        },
    );
    let reads = f.commands.iter().filter(|c| c.kind == "RD").count();
    assert!(reads > 0);
    let o = common::migcal(&[
        "simulate",
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("sim/scenarios/golden/nominal.toml")
            .to_str()
            .unwrap(),
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["command_counts"]["RD"].as_u64(),
        Some(reads as u64),
        "bus decoder READs vs the simulate summary"
    );
}

/// A text input read whole (scenario, mapping file, board scenario, DCM plot input, shard
/// result, a scenario under `regress`) that never ends is refused at its size limit, exit 2,
/// naming the file: memory is bounded by the limit, not by the input (`/dev/zero` used to grow
/// until the allocation failed).
#[test]
fn an_endless_text_input_is_refused_at_its_limit() {
    let dir = tempfile::tempdir().unwrap();
    let zero = dir.path().join("zero.toml");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let suite = dir.path().join("suite");
    std::fs::create_dir(&suite).unwrap();
    std::os::unix::fs::symlink("/dev/zero", suite.join("zero.toml")).unwrap();
    let z = zero.to_str().unwrap();
    let fixture = common::fixture("ghdl_dq_counter.vcd");
    let f = fixture.to_str().unwrap();
    let png = dir.path().join("dcm.png");
    for args in [
        vec!["simulate", z],
        vec!["signals", f, "--map", z],
        vec!["merge", z],
        vec!["plot", "dcm", z, "-o", png.to_str().unwrap()],
    ] {
        let (code, err) = common::bounded(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains("zero.toml") && err.contains("larger than"),
            "{args:?}: {err}"
        );
    }
    let (code, err) = common::bounded(&["regress", suite.to_str().unwrap()]);
    assert_eq!(code, 2, "regress: {err}");
}
