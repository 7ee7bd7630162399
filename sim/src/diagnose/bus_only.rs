//! Diagnosis from the DDR pins alone. The init FSM leaves its marks on the command bus: the
//! JEDEC sequence (PRE, mode registers, refreshes), the dummy reads of column 0 for as long as
//! the tap sweep runs, the pattern write and its reads, and then either refresh resumes (the
//! main FSM takes over: init done) or the bus falls silent (the controller waits in
//! PATTERN_READ_WAIT for a COMP_DONE that never comes, with no refresh at all). Where the window
//! ends before one of those shows, the rule says so instead of guessing.

use super::window::end_words;
use super::{fmt_ns, Stage, Verdict};
use crate::analysis::{BusCommand, Facts};

/// Refreshes are due every `max_ref_cnt` + 1 clk_0 cycles (1544 in both profiles): a bus silent
/// for three intervals after the pattern reads is a controller that stopped refreshing.
const REFRESH_INTERVAL_CYCLES: u64 = 1544;
const SILENT_INTERVALS: u64 = 3;

/// The command-bus phases of an init run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phases {
    /// Mode-register writes (the JEDEC sequence).
    pub mode_registers: usize,
    /// Index of the first READ (the dummy reads start).
    pub first_read: Option<usize>,
    /// Index of the first WRITE after the dummy reads began: the stage-3 pattern write.
    pub pattern_write: Option<usize>,
    /// READs before the pattern write.
    pub dummy_reads: usize,
    /// READs after the pattern write.
    pub pattern_reads: usize,
    /// Index of the last READ.
    pub last_read: Option<usize>,
    /// REFRESH commands after the last READ that follows the pattern write.
    pub refresh_after: usize,
}

/// Splits the command list into its init phases.
pub fn phases(cmds: &[BusCommand]) -> Phases {
    fn is(k: &'static str) -> impl Fn(&&BusCommand) -> bool {
        move |c| c.kind == k
    }
    let first_read = cmds.iter().position(|c| c.kind == "RD");
    let pattern_write = first_read.and_then(|r| {
        cmds.iter()
            .skip(r)
            .position(|c| c.kind == "WR")
            .map(|i| i + r)
    });
    let last_read = cmds.iter().rposition(|c| c.kind == "RD");
    let (dummy, pattern) = match pattern_write {
        Some(w) => (&cmds[..w], &cmds[w..]),
        None => (cmds, &cmds[cmds.len()..]),
    };
    let refresh_after = match (pattern_write, last_read) {
        (Some(w), Some(r)) if r > w => cmds[r..].iter().filter(is("REF")).count(),
        _ => 0,
    };
    Phases {
        mode_registers: cmds.iter().filter(is("MRS")).count(),
        first_read,
        pattern_write,
        dummy_reads: dummy.iter().filter(is("RD")).count(),
        pattern_reads: pattern.iter().filter(is("RD")).count(),
        last_read,
        refresh_after,
    }
}

/// Does the capture hold the command bus and nothing of the controller's internals?
pub fn applies(f: &Facts) -> bool {
    !f.commands.is_empty()
        && f.init_state.is_none()
        && !f.dummyread_captured
        && !f.init_done_captured
        && f.per_dq.is_empty()
        && f.tap_sel_done.is_none()
        && f.data_tap_inc_done.is_none()
        && f.calib_done.iter().all(|c| c.is_none())
        && f.pattern.is_empty()
        && f.comp_done.is_none()
}

/// A decision read from the bus.
#[derive(Debug, Clone, PartialEq)]
pub struct BusVerdict {
    /// Pass or fail.
    pub verdict: Verdict,
    /// Where init ended.
    pub stage: Stage,
    /// In words.
    pub cause: String,
    /// (time of the command, what it shows).
    pub evidence: Vec<(u64, String)>,
}

fn decided(verdict: Verdict, stage: Stage, cause: String, evidence: Vec<(u64, String)>) -> Outcome {
    Outcome::Decided(BusVerdict {
        verdict,
        stage,
        cause,
        evidence,
    })
}

/// What the bus shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A verdict.
    Decided(BusVerdict),
    /// The window ends before the bus shows how init ended: why, in words.
    Open(String),
}

/// Reads the init's outcome from the command bus.
pub fn outcome(f: &Facts) -> Outcome {
    let cmds = &f.commands;
    let p = phases(cmds);
    let clock = f.clock;
    let last = cmds[cmds.len() - 1].time;
    let quiet_cycles = clock.cycles_in(f.end_time.saturating_sub(last));
    let silent = f.end_known && quiet_cycles > SILENT_INTERVALS * REFRESH_INTERVAL_CYCLES;
    let mut ev = vec![(
        cmds[0].time,
        format!(
            "JEDEC init on the bus: {} mode-register writes",
            p.mode_registers
        ),
    )];
    let (Some(r0), Some(w)) = (p.first_read, p.pattern_write) else {
        if let Some(r0) = p.first_read {
            let span = last.saturating_sub(cmds[r0].time);
            ev.push((
                cmds[r0].time,
                format!(
                    "{} dummy reads of column 0 over {} (the tap sweep), no pattern write",
                    p.dummy_reads,
                    fmt_ns(span)
                ),
            ));
            if silent {
                return decided(Verdict::Fail, Stage::TapCalibration, format!("the dummy reads stopped after {} with no pattern write, and the bus stayed silent to {}: init stopped in the tap calibration", p.dummy_reads, end_words(f)), ev);
            }
            return Outcome::Open(format!("the bus shows {} dummy reads of column 0 from {} (the tap sweep) and no pattern write up to {}: whether the sweep finishes is not in the capture (an IDELAYCTRL not ready keeps the dummy reads running for ever too). Capture tap_sel_done and dlyce_dqs/dlyinc_dqs, or a longer window", p.dummy_reads, fmt_ns(cmds[r0].time), end_words(f)));
        }
        if silent {
            return decided(Verdict::Fail, Stage::MemorySetup, format!("the init sequence stopped on the bus after {} commands ({} mode-register writes), before any dummy read, and the bus stayed silent to {}", cmds.len(), p.mode_registers, end_words(f)), ev);
        }
        return Outcome::Open(format!("the bus shows the init sequence ({} commands, {} mode-register writes) and no read up to {}: capture a longer window, or init_state", cmds.len(), p.mode_registers, end_words(f)));
    };
    let dummy_span = cmds[w].time.saturating_sub(cmds[r0].time);
    ev.push((
        cmds[r0].time,
        format!(
            "{} dummy reads of column 0 over {} ({} cycles: the tap sweep of every group)",
            p.dummy_reads,
            fmt_ns(dummy_span),
            clock.cycles_in(dummy_span)
        ),
    ));
    ev.push((cmds[w].time, "pattern write (stage 3)".to_string()));
    let last_read = p.last_read.map(|i| cmds[i].time).unwrap_or(cmds[w].time);
    if p.refresh_after > 0 {
        let first_ref = cmds
            .iter()
            .skip(p.last_read.unwrap_or(w))
            .find(|c| c.kind == "REF")
            .map(|c| c.time)
            .unwrap_or(last);
        ev.push((
            first_ref,
            format!(
                "{} pattern reads, then refresh resumes ({} refreshes): the main FSM has taken over, init done",
                p.pattern_reads, p.refresh_after
            ),
        ));
        return decided(
            Verdict::Pass,
            Stage::Done,
            "calibration passes: after the pattern reads the controller refreshes again (init done), seen on the command bus".to_string(),
            ev,
        );
    }
    let reading_cycles = clock.cycles_in(last_read.saturating_sub(cmds[w].time));
    if silent {
        ev.push((last, format!("{} pattern reads; then no command, not even refresh, for {quiet_cycles} cycles to {}", p.pattern_reads, end_words(f))));
        return decided(Verdict::Fail, Stage::ReadLatency, "the read-latency search never completed: after the pattern reads the bus goes silent with no refresh, the controller waiting in PATTERN_READ_WAIT for a COMP_DONE that never comes".to_string(), ev);
    }
    if reading_cycles > SILENT_INTERVALS * REFRESH_INTERVAL_CYCLES {
        ev.push((last_read, format!("{} pattern reads of column 0 over {reading_cycles} cycles and no refresh after them", p.pattern_reads)));
        return decided(Verdict::Fail, Stage::ReadLatency, "the read-latency search never completed: the controller reads the pattern continuously and never returns to refresh".to_string(), ev);
    }
    Outcome::Open(format!(
        "the bus shows the JEDEC init, {} dummy reads over {}, the pattern write and {} pattern reads, and then nothing up to {}: whether refresh resumes (init done) or the bus stays silent (a stall in PATTERN_READ_WAIT) is not in the capture. Capture a longer window, or init_done",
        p.dummy_reads,
        fmt_ns(dummy_span),
        p.pattern_reads,
        end_words(f)
    ))
}
