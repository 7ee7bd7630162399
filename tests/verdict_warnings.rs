//! Issue 13, item 4: findings that reach the verdict. A JEDEC violation on the command bus fails
//! the verdict at stage memory_setup even when init_done rises; what does not stop calibration
//! is a warning with its evidence, in text and JSON, exit 0.

mod common;

use migcal::diagnose::{diagnose, RuleConfig, Stage, Verdict};
use migcal::scenario::Scenario;
use std::path::{Path, PathBuf};

fn scenario(rel: &str) -> Scenario {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel);
    Scenario::parse(&std::fs::read_to_string(&p).unwrap(), &p).unwrap()
}

#[test]
fn a_jedec_violation_fails_a_run_that_reached_init_done() {
    let run = migcal::evaluate::evaluate(&scenario("sim/scenarios/golden/nominal.toml")).unwrap();
    assert_eq!(run.diagnosis.verdict, Verdict::Pass);
    let mut facts = run.facts.clone();
    // A second LOAD MODE one clock after the first: tMRD is 2 clocks.
    let i = facts.commands.iter().position(|c| c.kind == "MRS").unwrap();
    let mut extra = facts.commands[i].clone();
    extra.cycle += 1;
    extra.time += facts.clock.period;
    facts.commands.insert(i + 1, extra);
    let d = diagnose(&facts, &RuleConfig::default());
    assert_eq!(d.verdict, Verdict::Fail, "{d:#?}");
    assert_eq!(d.stage, Stage::MemorySetup);
    assert!(d.cause.contains("JEDEC violation"), "{}", d.cause);
    // Every violation is evidence, at its command's cycle.
    let tmrd = d
        .evidence
        .iter()
        .find(|e| e.text.starts_with("JEDEC: ") && e.text.contains("tMRD"))
        .unwrap_or_else(|| panic!("{:#?}", d.evidence));
    assert_eq!(tmrd.cycle, Some(facts.commands[i + 1].cycle));
    // Without the extra command, nothing of it.
    let d = diagnose(&run.facts, &RuleConfig::default());
    assert_eq!(d.verdict, Verdict::Pass);
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
}

#[test]
fn a_read_latency_a_cycle_late_is_a_warning_and_exit_0() {
    // CK and CK# swapped: the memory launches its reads half a period late, and the pattern is
    // found at clk_count_rise 5 instead of 4; calibration completes.
    let dir = tempfile::tempdir().unwrap();
    let vcd = dir.path().join("ck_inverted.vcd");
    let scn =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sim/scenarios/faults/ck_inverted.toml");
    let out = common::migcal(&[
        "simulate",
        scn.to_str().unwrap(),
        "-o",
        vcd.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = common::migcal(&["diagnose", "--json", vcd.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "pass");
    let w = v["warnings"].as_array().unwrap();
    assert_eq!(w.len(), 2, "{w:#?}");
    for (g, x) in w.iter().enumerate() {
        assert_eq!(x["kind"], "read_latency");
        let t = x["text"].as_str().unwrap();
        assert!(t.contains(&format!("pattern group {g}")), "{t}");
        assert!(t.contains("clk_count_rise 5, 1 cycle late of the 4"), "{t}");
        assert_eq!(
            x["evidence"][0]["signal"],
            format!("pattern_compare[{g}]/clk_count_rise")
        );
    }
    let out = common::migcal(&["diagnose", vcd.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("\nwarnings:\n  - pattern group 0: read latency found at clk_count_rise 5"),
        "{text}"
    );
}

#[test]
fn a_line_at_the_edge_of_its_eye_is_a_warning() {
    let run = migcal::evaluate::evaluate(&scenario("sim/scenarios/golden/nominal.toml")).unwrap();
    let mut facts = run.facts.clone();
    let s = facts
        .per_dq
        .iter_mut()
        .find(|s| s.walked && s.edge_tap.is_some())
        .unwrap();
    let dq = s.dq;
    s.final_tap = s.edge_tap.unwrap() - 1;
    let d = diagnose(&facts, &RuleConfig::default());
    assert_eq!(d.verdict, Verdict::Pass);
    let w: Vec<_> = d
        .warnings
        .iter()
        .filter(|w| w.kind == "eye_margin")
        .collect();
    assert_eq!(w.len(), 1, "{:?}", d.warnings);
    assert!(
        w[0].text
            .starts_with(&format!("DQ{dq} calibrated at the edge of its eye")),
        "{}",
        w[0].text
    );
    assert!(
        w[0].text.contains("margin 1 tap (under 2)"),
        "{}",
        w[0].text
    );
}

#[test]
fn the_nominal_clk_count_rise_is_the_models() {
    // The table the read-latency warning reads is what the model gives on an ideal board, at
    // every CAS and additive latency of the DDR2 build.
    for (rel, edits) in [
        ("sim/scenarios/golden/nominal.toml", vec![]),
        (
            "sim/scenarios/ddr2_default.toml",
            vec![("cl = 3", "cl = 5"), ("al = 0", "al = 2")],
        ),
        ("sim/scenarios/ddr2_default.toml", vec![]),
    ] {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel);
        let mut text = std::fs::read_to_string(&p).unwrap();
        for (a, b) in edits {
            assert!(text.contains(a));
            text = text.replace(a, b);
        }
        let scn = Scenario::parse(&text, Path::new(rel)).unwrap();
        let run = migcal::evaluate::evaluate(&scn).unwrap();
        let want = migcal::diagnose::warnings::nominal_clk_count_rise(run.facts.profile);
        for g in &run.facts.pattern {
            assert_eq!(g.clk_count_rise, Some(want), "{rel}");
        }
    }
}
