//! What a capture cannot show: its window and its sample rate. A probe dump is a window of the
//! run, sampled at whatever clock was at hand; absence is evidence only inside the window and
//! only for nets sampled fast enough to show what they do. These rules say when the outcome lies
//! outside what was captured, and what to capture instead.

use super::fmt_ns;
use crate::analysis::Facts;
use migcal_traces::TimeBase;

/// Words for the signals left unread because the sampling cannot resolve them, with the sample
/// rate that would (`None` when every loaded signal was read).
pub fn unresolved_note(f: &Facts) -> Option<String> {
    if f.unresolved.is_empty() || f.time_base != TimeBase::Femtoseconds {
        return None;
    }
    let gap = f
        .sample_gap
        .map(|g| format!("changes at least {} apart", fmt_ns(g)))
        .unwrap_or_else(|| "fewer than two change times".to_string());
    let mhz = 1e9 / f.clock.period as f64;
    Some(format!(
        "not read: {} (the capture has {gap}, so it may sample less than once per clk_0 cycle of {}: a one-cycle pulse can fall between samples and clk_cnt_rise[0]'s per-cycle toggle can alias to a constant); capture them at {mhz:.0} MS/s synchronous to clk_0, or faster",
        f.unresolved.join(", "),
        fmt_ns(f.clock.period),
    ))
}

/// The end of what is known, in words (`"the last row, at 1 234 ns: the export says nothing
/// after it"` for a change-per-row export).
pub fn end_words(f: &Facts) -> String {
    if f.end_known {
        format!("the end of the capture at {}", show(f, f.end_time))
    } else {
        format!(
            "the last row at {} (not captured after it: the export writes a row only where a net changes; give --capture-end if you know when the capture ended)",
            show(f, f.end_time)
        )
    }
}

fn show(f: &Facts, t: u64) -> String {
    match f.time_base {
        TimeBase::Femtoseconds => fmt_ns(t),
        TimeBase::Samples => format!("sample {t}"),
    }
}

/// `Some(reason)` when stage 2 is seen to finish and nothing the capture resolves inside its
/// window says how stage 3 ended: no init_done, no COMP_DONE, no line at the ceiling, and no
/// pattern_compare8 seen still hunting or stopped.
pub fn stage3_beyond(f: &Facts) -> Option<String> {
    let stage2_done = f.tap_sel_done.is_some() || f.data_tap_inc_done.is_some();
    let decided = f.init_done.is_some()
        || f.init_done_captured
        || f.comp_done.is_some()
        || f.per_dq.iter().any(|s| s.walked && s.ceiling)
        || f.pattern
            .iter()
            .any(|p| p.still_hunting == Some(true) || !p.error_bits.is_empty())
        || unprobed_bytes(f).is_empty() && f.pattern.iter().all(pattern_known);
    if !stage2_done || decided {
        return None;
    }
    let t = f.tap_sel_done.or(f.data_tap_inc_done).unwrap_or(0);
    let absent = unprobed_bytes(f);
    let why = if let Some(n) = unresolved_note(f).filter(|_| f.pattern.is_empty()) {
        n
    } else if !f.pattern.is_empty() && !absent.is_empty() && f.pattern.iter().all(pattern_known) {
        let list = |v: Vec<u32>| {
            v.iter()
                .map(|g| g.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "pattern group(s) {} found the pattern, and pattern group(s) {} (one per byte lane) are not in the capture. Capture their clk_cnt_rise[0] too",
            list(f.pattern.iter().map(|p| p.group).collect()),
            list(absent)
        )
    } else if !f.pattern.is_empty() {
        format!(
            "clk_cnt_rise still changed in the last rows, up to {}",
            end_words(f)
        )
    } else {
        "the capture has no stage-3 net (init_done, COMP_DONE, clk_cnt_rise)".to_string()
    };
    Some(format!(
        "stage 2 (tap calibration) finished at {}, but whether stage 3 found the pattern is not in the capture: {why}. Capture init_done or rd_data/comp_done, or clk_cnt_rise[0] past the pattern reads",
        show(f, t)
    ))
}

/// The pattern groups (bytes) of the build whose pattern_compare8 the capture has no net of.
fn unprobed_bytes(f: &Facts) -> Vec<u32> {
    (0..f.pattern_bytes)
        .filter(|g| !f.pattern.iter().any(|p| p.group == *g))
        .collect()
}

/// Does the capture say how this pattern group's search ended (or that it is still on)?
fn pattern_known(p: &crate::analysis::PatternGroup) -> bool {
    p.comp_done_captured
        || p.still_hunting.is_some()
        || p.clk_count_rise.is_some()
        || !p.error_bits.is_empty()
}

/// `Some(reason)` when the capture holds neither `init_state` nor the command bus and its
/// stage-2 nets show no finished calibration: a window that ends before stage 2 is over, or one
/// of a stage-2 stall, look alike until the stall has lasted, and a stall before the dummy reads
/// cannot be told from a window that closed too early. (A capture whose stage-2 nets never moved
/// at all over the whole power-up time is decided elsewhere: held in reset.)
pub fn before_stage2(f: &Facts) -> Option<String> {
    let stage2_done = f.tap_sel_done.is_some() || f.data_tap_inc_done.is_some();
    if stage2_done
        || f.init_state.is_some()
        || !f.commands.is_empty()
        || f.dummyread_start.is_some()
        || f.init_done.is_some()
        || f.comp_done.is_some()
        || (!f.anything_moved && long_quiet(f))
    {
        return None;
    }
    let sweeping = !f.per_dq.is_empty() || f.chan_done.iter().any(|v| !v.is_empty());
    Some(format!(
        "{} up to {}, and the capture has no init_state or command bus to say where initialization stands. Capture a window that runs past tap_sel_done (stage 2 takes a few microseconds after the dummy reads start, about 240 us after reset), or add init_state or the command pins",
        if sweeping {
            "the tap sweep runs and tap_sel_done has not risen"
        } else {
            "no stage-2 net shows calibration finishing"
        },
        end_words(f)
    ))
}

/// Long enough that a running controller would have reached stage 2 (the 200 us power-up wait
/// and the init sequence): the window in which "nothing moved" is evidence (see
/// `nothing_moved` in the rules).
fn long_quiet(f: &Facts) -> bool {
    match f.time_base {
        TimeBase::Femtoseconds => f.end_time > 260_000_000_000,
        TimeBase::Samples => f.clock.cycle(f.end_time) > 52_000,
    }
}
