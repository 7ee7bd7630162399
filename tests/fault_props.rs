//! Invariants of the board's fault catalogue (proptest):
//! - a swap of two lines of one DQS group (byte lane) with alike delays changes no calibration
//!   result, whatever the other lines' delays;
//! - a stuck line never shows an edge: its tap walks to the 55-increment ceiling;
//! - with no jitter and the same skew on every line, every calibrated line ends at the same tap;
//! - a scenario's trace does not depend on the thread count running it.

use migcal::evaluate::evaluate;
use migcal::run::run;
use migcal::scenario::Scenario;
use proptest::prelude::*;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Lines the minimodule build walks individually (the first of each 4-line tap_logic group and
/// byte 1 are never walked).
const WALKED: [u8; 6] = [1, 2, 3, 5, 6, 7];

fn scenario(board: &str, faults: &str) -> Scenario {
    let text = format!(
        "profile = \"minimodule\"\nseed = 7\nstop_time_us = 250\n[board]\n{board}\n{faults}"
    );
    Scenario::parse(&text, Path::new("prop.toml")).expect("valid scenario")
}

fn list(v: &[u32]) -> String {
    v.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn swap_within_a_dqs_group_changes_no_calibration_result(
        lane in 0u8..2,
        a in 0u8..8,
        b in 0u8..8,
        shared in 0u32..800,
        others in proptest::collection::vec(0u32..800, 16),
    ) {
        prop_assume!(a != b);
        let (a, b) = (8 * lane + a, 8 * lane + b);
        // The two swapped lines' traces are alike; the other lines keep their own delays.
        let mut delays = others;
        delays[a as usize] = shared;
        delays[b as usize] = shared;
        let board = format!("dq_delay_ps = [{}]", list(&delays));
        let (plain, _) = run(&scenario(&board, ""), false).expect("runs");
        let fault = format!("[[fault]]\nkind = \"dq_swap\"\na = {a}\nb = {b}\n");
        let (swapped, _) = run(&scenario(&board, &fault), false).expect("runs");
        prop_assert_eq!(plain, swapped);
    }

    #[test]
    fn a_stuck_line_never_shows_an_edge(
        line in proptest::sample::select(WALKED.to_vec()),
        high in any::<bool>(),
        skew in 0u32..600,
    ) {
        let board = format!("dq_delay_ps = [{}]", list(&[skew; 16]));
        let fault = format!("[[fault]]\nkind = \"dq_stuck\"\ndq = {line}\nhigh = {high}\n");
        let e = evaluate(&scenario(&board, &fault)).expect("evaluates");
        let s = e
            .facts
            .per_dq
            .iter()
            .find(|s| s.dq == line as u32)
            .expect("the stuck line's sweep is traced");
        prop_assert!(s.walked);
        prop_assert!(s.ceiling, "DQ{} did not reach the ceiling: {:?}", line, s.walk_incs);
        prop_assert_eq!(s.walk_incs, 55);
        prop_assert_eq!(s.edge_tap, None);
        prop_assert_eq!(s.final_tap, (s.start_tap + 55 + 64 - 18) % 64);
    }

    #[test]
    fn same_skew_everywhere_gives_the_same_tap_on_every_calibrated_line(
        skew in 0u32..900,
    ) {
        let board = format!("jitter_ps_rms = 0.0\ndq_delay_ps = [{}]", list(&[skew; 16]));
        let (s, _) = run(&scenario(&board, ""), false).expect("runs");
        let t = s.final_taps[WALKED[0] as usize];
        for &line in &WALKED {
            prop_assert_eq!(s.final_taps[line as usize], t, "DQ{} vs DQ{}", line, WALKED[0]);
        }
    }
}

/// The VCD bytes of every scenario, simulated on a rayon pool of `threads` threads.
fn traces_on(threads: usize, scenarios: &[Scenario]) -> Vec<Vec<u8>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    pool.install(|| {
        scenarios
            .par_iter()
            .map(|s| run(s, true).expect("runs").1.expect("VCD requested"))
            .collect()
    })
}

#[test]
fn traces_do_not_depend_on_the_thread_count() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sim/scenarios/faults");
    let mut scenarios: Vec<Scenario> = ["jitter", "dq_open", "skew", "ck_inverted"]
        .iter()
        .map(|n| Scenario::load(&dir.join(format!("{n}.toml"))).expect("bundled scenario"))
        .collect();
    // Heavy jitter on every line, so that a draw made in another order would show.
    scenarios.push(scenario(
        "jitter_ps_rms = 60.0\ndq_jitter_ps_rms = [10, 20, 30, 40, 50, 60, 70, 80]",
        "[[fault]]\nkind = \"dq_open\"\ndq = 3\n",
    ));
    let one = traces_on(1, &scenarios);
    let two = traces_on(2, &scenarios);
    for (k, (a, b)) in one.iter().zip(&two).enumerate() {
        assert!(a == b, "scenario {k}: VCD differs between 1 and 2 threads");
    }
    // The check can fail: another seed draws other jitter and gives another trace.
    let mut reseeded = scenarios[4].clone();
    reseeded.seed += 1;
    let other = traces_on(1, &[reseeded]);
    assert!(
        other[0] != one[4],
        "the seed does not reach the jitter draws"
    );
}
