//! Acceptance: the `minimodule` model reproduces the GHDL runs of the real MIG RTL to the cycle.
//!
//! For every compared signal, each change in the golden VCD must happen in the model at the same
//! clk_0 cycle with the same value (and the model must have no extra changes), and the final
//! IDELAY taps must be equal. On a mismatch the first divergent cycle, the signal and both values
//! are printed.

mod common;

use common::cycles::{assert_matches, from_cycle, read_cycles, Changes, EDGE0_FS, PERIOD_FS};
use common::shared_dir;
use migcal_model::mig::{Mig, Params};
use migcal_traces::trace::ValueRef;
use std::collections::HashMap;
use std::path::PathBuf;

/// Every signal the model traces is compared: that is every signal of the golden VCDs except the
/// sub-cycle pad waveforms `tb/dq`, `tb/dqs`, `tb/dm` and `tb/ck`. It includes the ones the
/// acceptance criteria name (init_state, current_state, tap_count, chan_done_dqs, calib_done_dqs,
/// tap_sel_done, comp_done, clk_cnt_rise, init_done and the command/address pins).
const REQUIRED: &[&str] = &[
    "ddr_controller_00/init_state",
    "tap_ctrl_gen(0)/tap_ctrl_0/current_state",
    "tap_ctrl_gen(1)/tap_ctrl_0/current_state",
    "tap_ctrl_gen(0)/tap_ctrl_0/tap_count",
    "tap_ctrl_gen(1)/tap_ctrl_0/tap_count",
    "tap_logic_00/chan_done_dqs",
    "tap_logic_00/calib_done_dqs",
    "tap_logic_00/tap_sel_done",
    "rd_data_00/comp_done",
    "pattern_compare4_gen(0)/pattern_0/clk_cnt_rise",
    "pattern_compare4_gen(1)/pattern_0/clk_cnt_rise",
    "ddr_controller_00/init_done",
    "tb/cs_n",
    "tb/ras_n",
    "tb/cas_n",
    "tb/we_n",
    "tb/ba",
    "tb/a",
];

fn compare(golden: &str, p: Params) {
    let decl_names: Vec<String> = Mig::new(p.clone())
        .signal_decls()
        .into_iter()
        .map(|d| d.name)
        .collect();
    for r in REQUIRED {
        assert!(
            decl_names.iter().any(|n| n.ends_with(r)),
            "the model does not trace {r}"
        );
    }
    assert_matches(&common::golden(golden), "golden", p, &[]);
}

/// The bundled scenario that reproduces golden `name`.
fn scenario_params(name: &str) -> Params {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("sim/scenarios/golden")
        .join(format!("{name}.toml"));
    migcal::scenario::Scenario::load(&path)
        .unwrap_or_else(|e| panic!("{e}"))
        .model_params()
}

#[test]
fn nominal_matches_golden_to_the_cycle() {
    compare("nominal", scenario_params("nominal"));
}

#[test]
fn skew_matches_golden_to_the_cycle() {
    compare("skew", scenario_params("skew"));
}

#[test]
fn idelayctrl_not_ready_matches_golden_to_the_cycle() {
    compare(
        "idelayctrl_not_ready",
        scenario_params("idelayctrl_not_ready"),
    );
}

#[test]
fn fault1_dq3_open_matches_golden_to_the_cycle() {
    compare("fault1", scenario_params("fault1"));
}

#[test]
fn fault2_dm0_stuck_high_matches_golden_to_the_cycle() {
    compare("fault2", scenario_params("fault2"));
}

#[test]
fn dq5_stuck_high_matches_golden_to_the_cycle() {
    compare("dq5_stuck_high", scenario_params("dq5_stuck_high"));
}

#[test]
fn dqs1_open_matches_golden_to_the_cycle() {
    compare("dqs1_open", scenario_params("dqs1_open"));
}

/// A model change must be able to fail the comparison: shifting the power-up reset by one
/// IDELAYCTRL edge moves every event one cycle and is caught.
#[test]
#[should_panic(expected = "first divergence")]
fn comparison_catches_a_one_cycle_shift() {
    let mut p = scenario_params("nominal");
    p.idelayctrl_ready_edges = 16;
    compare("nominal", p);
}

/// The VCD `migcal simulate -o` writes, read back through the traces crate, carries the same
/// changes as the golden for every signal it declares.
#[test]
fn simulate_vcd_matches_golden() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sim/scenarios/golden/skew.toml");
    let scn = migcal::scenario::Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let (_, bytes) = migcal::run::run(&scn, true).expect("runs");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("skew.vcd");
    std::fs::write(&out, bytes.expect("vcd bytes")).expect("write vcd");
    let mut src = migcal_traces::vcd::open(&out).expect("our VCD reads back");
    let names: Vec<String> = src
        .header()
        .signals
        .iter()
        .map(|s| s.source_name.clone())
        .collect();
    let (gold, _) = read_cycles(&common::golden("skew"), &names);
    let mut ours: Changes = HashMap::new();
    while let Some(c) = src.next_change().expect("readable") {
        let cycle = c.time.saturating_sub(EDGE0_FS) / PERIOD_FS;
        let list = ours.entry(names[c.signal as usize].clone()).or_default();
        let v = c.value.to_u64();
        if list.last().map(|&(lc, _)| lc) == Some(cycle) {
            list.pop();
        }
        if list.last().map(|&(_, lv)| lv) != Some(v) {
            list.push((cycle, v));
        }
    }
    // Every golden variable: 110 per-cycle signals and the four pads (compared below).
    assert_eq!(names.len(), 114);
    for n in names.iter().filter(|n| !PADS.contains(&n.as_str())) {
        let g = from_cycle(gold.get(n).cloned().unwrap_or_default(), 1);
        let m = from_cycle(ours.get(n).cloned().unwrap_or_default(), 1);
        assert_eq!(g, m, "{n}");
    }
}

const PADS: &[&str] = &["tb/dq", "tb/dqs", "tb/dm", "tb/ck"];

/// Pad changes (time in fs, value characters) after `from_fs`.
fn pad_changes(path: &std::path::Path, from_fs: u64) -> HashMap<String, Vec<(u64, String)>> {
    let mut src = migcal_traces::vcd::open(path).expect("readable VCD");
    let names: Vec<String> = src
        .header()
        .signals
        .iter()
        .map(|s| s.source_name.to_lowercase())
        .collect();
    let ids: Vec<u32> = (0..names.len() as u32)
        .filter(|&i| PADS.contains(&names[i as usize].as_str()))
        .collect();
    src.set_filter(&ids);
    let mut out: HashMap<String, Vec<(u64, String)>> = HashMap::new();
    while let Some(c) = src.next_change().expect("readable") {
        if c.time < from_fs {
            continue;
        }
        let v = match c.value {
            ValueRef::Bits(b) => String::from_utf8_lossy(b).to_string(),
            _ => continue,
        };
        let list = out.entry(names[c.signal as usize].clone()).or_default();
        if list.last().map(|x| &x.1) != Some(&v) {
            list.push((c.time, v));
        }
    }
    out
}

/// The pads `migcal simulate -o` writes (dq with per-line board delays, the strobes of both
/// sides, dm, ck) change at the same femtosecond with the same value as in every golden, after
/// the power-up nanoseconds (where the golden harnesses differ among themselves).
#[test]
fn simulated_pads_match_every_golden() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in [
        "nominal",
        "skew",
        "fault1",
        "fault2",
        "dq5_stuck_high",
        "dqs1_open",
        "idelayctrl_not_ready",
    ] {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("sim/scenarios/golden")
            .join(format!("{name}.toml"));
        let scn = migcal::scenario::Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let (_, bytes) = migcal::run::run(&scn, true).expect("runs");
        let out = dir.path().join(format!("{name}.vcd"));
        std::fs::write(&out, bytes.expect("vcd bytes")).expect("write vcd");
        let golden = shared_dir()
            .join("golden")
            .join(format!("mig17_minimodule_{name}.vcd.gz"));
        // fault1 is the original golden: its harness showed 'U' on the unfaulted DQ pins until
        // the memory first drove them at 239 640 ns (golden README, "Reproduction check").
        let from = if name == "fault1" {
            239_640_000_001
        } else {
            10_000_000 // 10 ns
        };
        let g = pad_changes(&golden, from);
        let m = pad_changes(&out, from);
        for pad in PADS {
            let gl = g.get(*pad).cloned().unwrap_or_default();
            let ml = m.get(*pad).cloned().unwrap_or_default();
            if let Some(k) = (0..gl.len().max(ml.len())).find(|&k| gl.get(k) != ml.get(k)) {
                panic!(
                    "{name}: {pad}: first divergence (change #{k}): golden {:?}, model {:?}",
                    gl.get(k),
                    ml.get(k)
                );
            }
        }
    }
}

/// Every bundled golden scenario's `[expect]` agrees with what the model does: the verdict, the
/// stall stage and the expected cycles. (The `regress` runner relies on these tables.)
#[test]
fn bundled_scenarios_meet_their_expectations() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sim/scenarios/golden");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("scenario folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        seen += 1;
        let scn = migcal::scenario::Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let exp = scn.expect.clone().expect("golden scenarios carry [expect]");
        let (s, _) = migcal::run::run(&scn, false).expect("runs");
        let name = path.display();
        let verdict = if s.init_done_at_end { "pass" } else { "fail" };
        assert_eq!(verdict, exp.verdict, "{name}");
        let stage = s.stall.as_ref().map_or("done", |st| st.stage.as_str());
        assert_eq!(Some(stage), exp.stage.as_deref(), "{name}");
        if let Some(c) = exp.cycles {
            if c.tap_sel_done.is_some() {
                assert_eq!(s.tap_sel_done_cycle, c.tap_sel_done, "{name}: tap_sel_done");
            }
            if c.comp_done.is_some() {
                assert_eq!(s.comp_done_cycle, c.comp_done, "{name}: comp_done");
            }
            if c.init_done.is_some() {
                assert_eq!(s.init_done_cycle, c.init_done, "{name}: init_done");
            }
        }
    }
    assert_eq!(seen, 7);
}
