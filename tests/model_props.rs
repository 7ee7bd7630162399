//! Invariants of the model over seeds and board variations (proptest).

use migcal::run::{run, run_with};
use migcal::scenario::Scenario;
use proptest::prelude::*;
use std::path::Path;

fn scenario(seed: u64, jitter: f64, delays: &[u32]) -> Scenario {
    let delays: Vec<String> = delays.iter().map(|d| d.to_string()).collect();
    let text = format!(
        "profile = \"minimodule\"\nseed = {seed}\nstop_time_us = 250\n[board]\n\
         jitter_ps_rms = {jitter}\ndq_delay_ps = [{}]\n",
        delays.join(", ")
    );
    Scenario::parse(&text, Path::new("prop.toml")).expect("valid scenario")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn calibration_invariants(
        seed in any::<u64>(),
        jitter in 0.0f64..60.0,
        delays in proptest::collection::vec(0u32..900, 8),
    ) {
        let (s, _) = run(&scenario(seed, jitter, &delays), false).expect("runs");
        for &t in &s.final_taps {
            prop_assert!(t < 64, "tap {t} out of range");
        }
        // 4 lines per tap_logic group, the first never walked individually: 3 CHAN_DONE each
        // up to calib_done (later pulses select no line).
        for g in 0..2 {
            prop_assert_eq!(s.groups[g].chan_done_cycles.len(), 3, "group {}", g);
        }
        if s.init_done_cycle.is_some() {
            prop_assert!(s.comp_done_cycle.is_some());
            prop_assert!(s.tap_sel_done_cycle.is_some());
            prop_assert!(s.comp_done_cycle > s.tap_sel_done_cycle);
            prop_assert!(s.init_done_cycle > s.comp_done_cycle);
            prop_assert!(s.stall.is_none());
        } else {
            prop_assert!(s.stall.is_some());
        }
    }

    #[test]
    fn same_scenario_and_seed_give_identical_vcd(seed in any::<u64>(), jitter in 0.0f64..80.0) {
        let scn = scenario(seed, jitter, &[0, 100, 200, 300, 400, 500, 600, 700]);
        let (a, va) = run(&scn, true).expect("runs");
        let (b, vb) = run(&scn, true).expect("runs");
        prop_assert_eq!(a, b);
        prop_assert!(va.is_some());
        prop_assert!(va == vb, "VCD bytes differ");
    }
}

#[test]
fn zero_skew_gives_the_golden_taps() {
    let (s, _) = run(&scenario(7, 0.0, &[]), false).expect("runs");
    assert_eq!(&s.final_taps[..8], &[20, 17, 17, 17, 20, 17, 17, 17]);
    assert!(s.final_taps[8..].iter().all(|&t| t == 0));
}

#[test]
fn skipping_idle_stretches_changes_nothing() {
    for text in [
        "profile = \"minimodule\"\nstop_time_us = 600\n",
        "profile = \"minimodule\"\nstop_time_us = 300\n[[fault]]\nkind = \"dq_open\"\ndq = 3\n",
        "profile = \"minimodule\"\nstop_time_us = 50\n[[fault]]\nkind = \"refclk_missing\"\n",
        "profile = \"minimodule\"\nseed = 9\nstop_time_us = 260\n[board]\njitter_ps_rms = 40\n",
        // DCM lock lost and regained mid-run: skipping must stop at every dcm_lock change.
        "profile = \"minimodule\"\nstop_time_us = 700\n[clocking]\nlock_time_ms = 0.005\n\
         autocal_unlock_delay_ms = 0.3\n[[clocking.clkin_stop]]\nat_ms = 0.01\nresume_at_ms = 0.02\n\
         [[clocking.rst]]\nat_ms = 0.03\nlength_ms = 0.0001\n",
    ] {
        let scn = Scenario::parse(text, Path::new("skip.toml")).expect("valid");
        let (a, va) = run_with(&scn, true, true).expect("runs");
        let (b, vb) = run_with(&scn, true, false).expect("runs");
        assert_eq!(a, b, "{text}");
        assert!(va == vb, "VCD differs with idle skipping: {text}");
    }
}

/// The ddr2 profile: the JEDEC DDR2 power-up sequence on the bus, 8 CHAN_DONE per group (8 DQ
/// per DQS, every line walked), init_done.
#[test]
fn ddr2_default_runs_the_jedec_sequence_and_calibrates() {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("sim/scenarios/ddr2_default.toml");
    let scn = Scenario::load(&path).expect("bundled scenario");
    let (s, _) = run(&scn, false).expect("runs");
    let init: Vec<(String, u8, u16)> = s
        .commands
        .iter()
        .take(11)
        .map(|c| (c.cmd.clone(), c.ba, c.a))
        .collect();
    let mr = 0x0032 | 0x0400; // BL4, CL3, WR3
    let expected: Vec<(String, u8, u16)> = vec![
        ("PRE".into(), 0, 0x400),
        ("MRS".into(), 2, 0),
        ("MRS".into(), 3, 0),
        ("MRS".into(), 1, 0),
        ("MRS".into(), 0, mr | 0x100),
        ("PRE".into(), 0, 0x400),
        ("REF".into(), 0, 0),
        ("REF".into(), 0, 0),
        ("MRS".into(), 0, mr),
        ("MRS".into(), 1, 0x380),
        ("MRS".into(), 1, 0),
    ];
    assert_eq!(init, expected);
    assert_eq!(s.groups.len(), 2);
    for g in &s.groups {
        assert_eq!(g.chan_done_cycles.len(), 8);
        assert!(g.pattern_comp_done_cycle.is_some());
    }
    assert!(s.init_done_cycle.is_some());
    assert!(s.stall.is_none());
}

fn fault_toml(kind: u8, x: u8, y: u8) -> String {
    let (x, y) = (x % 16, y % 16);
    match kind % 7 {
        0 => String::new(),
        1 => format!("[[fault]]\nkind = \"dq_open\"\ndq = {x}\n"),
        2 => format!(
            "[[fault]]\nkind = \"dq_stuck\"\ndq = {x}\nhigh = {}\n",
            y % 2 == 0
        ),
        3 => format!(
            "[[fault]]\nkind = \"dm_stuck\"\nlane = {}\nhigh = true\n",
            x % 2
        ),
        4 => format!("[[fault]]\nkind = \"dqs_open\"\nlane = {}\n", x % 2),
        5 if x != y => format!("[[fault]]\nkind = \"dq_swap\"\na = {x}\nb = {y}\n"),
        6 if x != y => format!("[[fault]]\nkind = \"dq_bridge\"\na = {x}\nb = {y}\n"),
        _ => String::new(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// Any valid scenario runs to its stop time without panicking, with taps in range and a
    /// summary that is either init_done or a named stall.
    #[test]
    fn any_valid_scenario_runs(
        ddr2 in any::<bool>(),
        period in 3000.0f64..8000.0,
        tap_ps in 40.0f64..120.0,
        jitter in 0.0f64..300.0,
        delays in proptest::collection::vec(-2500.0f64..6000.0, 0..16),
        bl8 in any::<bool>(),
        cl in 3u8..=5,
        kind in any::<u8>(), x in any::<u8>(), y in any::<u8>(),
    ) {
        let memory = if ddr2 {
            format!("[memory]\nbl = {}\ncl = {cl}\nal = {}\n", if bl8 { 8 } else { 4 }, cl % 3)
        } else {
            String::new()
        };
        let delays: Vec<String> = delays.iter().map(|d| format!("{d:.1}")).collect();
        let text = format!(
            "profile = \"{}\"\nstop_time_us = 260\n[clock]\nperiod_ps = {period}\n{memory}\
             [board]\ntap_ps = {tap_ps}\njitter_ps_rms = {jitter}\ndq_delay_ps = [{}]\n{}",
            if ddr2 { "ddr2" } else { "minimodule" },
            delays.join(", "),
            fault_toml(kind, x, y),
        );
        let scn = Scenario::parse(&text, Path::new("any.toml")).expect("valid scenario");
        let (s, _) = run(&scn, false).expect("runs");
        prop_assert!(s.final_taps.iter().all(|&t| t < 64));
        prop_assert_eq!(s.init_done_at_end, s.stall.is_none());
    }
}
