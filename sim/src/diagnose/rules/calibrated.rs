//! Calibration passed: init_done rose, or COMP_DONE after stage 2, or (with neither in the
//! capture) every probed clk_cnt_rise stopped counting after tap_sel_done. A line that hit the
//! 55-increment ceiling without an edge still fails the verdict: it is marginal.

use super::{list_dq, Outcome, Stage};
use crate::diagnose::{per_dq::sweep_signal, Ctx, Verdict};

/// The pass rule, with its evidence.
pub(super) fn passed(cx: &mut Ctx) -> Option<Outcome> {
    let f = cx.f;
    // Without init_done or COMP_DONE in the capture (a probe of the spec §7 nets), stage 3 has
    // found the pattern when every clk_cnt_rise probed stopped counting after tap_sel_done.
    let counters_stopped = !f.init_done_captured
        && f.comp_done.is_none()
        && f.tap_sel_done.or(f.data_tap_inc_done).is_some()
        // Every byte's pattern_compare8 must be seen to stop: one group probed says nothing of
        // the others (a DQS1 open leaves group 1 hunting while group 0 matched).
        && (0..f.pattern_bytes).all(|g| f.pattern.iter().any(|p| p.group == g))
        && f.pattern.iter().all(|p| {
            p.comp_done.is_none()
                && p.still_hunting == Some(false)
                && p.last_clk_cnt_change
                    .zip(f.tap_sel_done.or(f.data_tap_inc_done))
                    .is_some_and(|(c, t)| c > t)
        });
    let passed = f.init_done.is_some()
        || (f.comp_done.is_some()
            && (f.tap_sel_done.is_some()
                // Stage 3 runs only after stage 2: with tap_sel_done not probed, COMP_DONE
                // rising is the whole story.
                || f.missing.iter().any(|m| m == "tap_logic/tap_sel_done")))
        || counters_stopped;
    if !passed {
        return None;
    }
    let ceiling = cx.ceiling.clone();
    if let Some(t) = f.init_done.or(f.comp_done) {
        cx.add(
            if f.init_done.is_some() {
                "ddr_controller/init_done"
            } else {
                "rd_data/comp_done"
            },
            Some(t),
            "calibration complete",
        );
    }
    if counters_stopped {
        for p in &f.pattern {
            cx.add(&format!("pattern_compare[{}]/clk_cnt_rise", p.group), p.last_clk_cnt_change, "clk_cnt_rise stopped counting: pattern_compare8 found the pattern (init_done and COMP_DONE are not in the capture)");
        }
    }
    if let Some(t) = f.tap_sel_done {
        cx.add(
            "tap_logic/tap_sel_done",
            Some(t),
            "stage 2 (tap calibration) complete",
        );
    }
    if let Some(t) = f.comp_done {
        cx.add(
            "rd_data/comp_done",
            Some(t),
            "stage 3 (read-latency search) complete",
        );
    }
    for p in &f.pattern {
        if let Some(n) = p.clk_count_rise {
            cx.add(
                &format!("pattern_compare[{}]/clk_count_rise", p.group),
                None,
                format!("read latency found: clk_count_rise {n}"),
            );
        }
    }
    for dq in &ceiling {
        let sig = f
            .per_dq
            .iter()
            .find(|s| s.dq == *dq)
            .map(sweep_signal)
            .unwrap_or_default();
        cx.add(&sig, None, format!("DQ{dq} hit the 55-increment ceiling without an edge although stage 3 passed: a marginal or intermittent line"));
    }
    let cause = if ceiling.is_empty() {
        "calibration passes: init_done reached".to_string()
    } else {
        format!(
            "init_done reached, but {} never showed an edge in the tap sweep",
            list_dq(&ceiling)
        )
    };
    Some(Outcome {
        verdict: if ceiling.is_empty() {
            Verdict::Pass
        } else {
            Verdict::Fail
        },
        stage: Stage::Done,
        cause,
        faulty_dq: ceiling,
        faulty_lane: None,
    })
}
