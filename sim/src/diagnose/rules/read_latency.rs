//! Stage 3, the read-latency search: tap calibration finished but pattern_compare8 never found
//! AA then 99 (or 55 then 66). The rule finds the byte lanes that failed and, within each, the
//! lines at fault: lines at the tap ceiling, lines reading wrong bits, a first line whose
//! group-wide alignment ran on, or lines the capture does not follow.

use super::{list_dq, Outcome, Stage};
use crate::analysis::{DqSweep, Facts, Profile};
use crate::diagnose::{per_dq::sweep_signal, unwalked, Ctx, Verdict};

/// The read-latency search stalled: the lanes and lines that explain it.
pub(super) fn stalled(cx: &mut Ctx) -> Outcome {
    let f = cx.f;
    evidence(cx);
    let failing: Vec<u32> = f
        .pattern
        .iter()
        .filter(|p| p.failed())
        .map(|p| p.group)
        .collect();
    if failing.is_empty() && f.pattern.is_empty() {
        cx.next
            .push("pattern_compare clk_cnt_rise / comp_done per group".to_string());
    }
    // Lines at fault: ceiling lines inside a failing byte; if every calibrated line of the byte
    // hit the ceiling, it is the lane, not a line.
    let failing_bytes: Vec<u32> = if failing.is_empty() && f.pattern.is_empty() {
        // Without pattern_compare signals, the bytes holding ceiling lines are the suspects.
        let mut b: Vec<u32> = cx.ceiling.iter().map(|d| d / 8).collect();
        b.dedup();
        b
    } else {
        failing.clone()
    };
    let mut s = Suspects::default();
    for b in failing_bytes {
        s.byte(cx, b);
    }
    if s.causes.is_empty() {
        s.no_cause(cx, &failing);
    }
    let cause = s.causes.join("; ");
    if !s.lines.is_empty() {
        s.lane = None;
    }
    Outcome {
        verdict: Verdict::Fail,
        stage: Stage::ReadLatency,
        cause,
        faulty_dq: s.lines,
        faulty_lane: s.lane,
    }
}

/// What stage 2 left and what each pattern group did.
fn evidence(cx: &mut Ctx) {
    let f = cx.f;
    if let Some(t) = f.tap_sel_done.or(f.data_tap_inc_done) {
        cx.add(
            "tap_logic/tap_sel_done",
            Some(t),
            "stage 2 (tap calibration) complete",
        );
    }
    if let Some((s, t)) = f.init_state {
        if f.profile.is_pattern_wait(s) {
            cx.add(
                "ddr_controller/init_state",
                Some(t),
                format!(
                    "{} from here to the end of the capture",
                    f.profile.init_state_name(s)
                ),
            );
        }
    }
    for s in f.per_dq.iter().filter(|s| s.walked && s.ceiling) {
        cx.add(
            &sweep_signal(s),
            s.walk_span.map(|w| w.0),
            format!("DQ{}: tap walked to the 55-increment ceiling with no edge (start {}, peak {}); back-off {}; final tap {}", s.dq, s.start_tap, s.peak_tap, s.backoff, s.final_tap),
        );
    }
    for (g, v) in f.chan_done.iter().enumerate() {
        if !v.is_empty() {
            cx.add(
                &format!("tap_logic/chan_done_dqs[{g}]"),
                v.last().copied(),
                format!(
                    "CHAN_DONE {} of {} in tap_logic group {g}",
                    v.len(),
                    f.profile.walks_per_group()
                ),
            );
        }
    }
    for p in &f.pattern {
        let name = format!("pattern_compare[{}]/clk_cnt_rise", p.group);
        if p.comp_done.is_some() {
            cx.add(
                &format!("pattern_compare[{}]/comp_done", p.group),
                p.comp_done,
                format!(
                    "pattern group {} in comp_over (clk_count_rise {})",
                    p.group,
                    p.clk_count_rise
                        .map(|n| n.to_string())
                        .unwrap_or("?".into())
                ),
            );
        } else if p.still_hunting == Some(true) {
            cx.add(&name, p.last_clk_cnt_change, format!("pattern group {} still hunting at the end of the capture (clk_cnt_rise toggling)", p.group));
        }
        if p.comp_done.is_none() && !p.rise_bytes.is_empty() {
            let hex = |v: &[u64]| {
                v.iter()
                    .map(|b| format!("{b:02X}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            cx.add(
                &format!("pattern_compare[{}]/rd_data_rise", p.group),
                None,
                format!(
                    "rise bytes read: {}; fall bytes: {} (expected AA then 99 / 55 then 66)",
                    hex(&p.rise_bytes),
                    hex(&p.fall_bytes)
                ),
            );
        }
    }
}

/// The lines, the lane and the causes found so far.
#[derive(Default)]
struct Suspects {
    lines: Vec<u32>,
    lane: Option<u32>,
    causes: Vec<String>,
}

impl Suspects {
    /// The suspects of one failing byte lane `b`, by the first case that fits.
    fn byte(&mut self, cx: &mut Ctx, b: u32) {
        let f = cx.f;
        let walked: Vec<&DqSweep> = f
            .per_dq
            .iter()
            .filter(|s| s.walked && byte_lines(b).contains(&s.dq))
            .collect();
        let hit: Vec<u32> = walked.iter().filter(|s| s.ceiling).map(|s| s.dq).collect();
        let expected_walked = walked_lines_in_byte(f, b);
        if !hit.is_empty() && hit.len() == walked.len() && walked.len() > 1 {
            self.lane_at_ceiling(cx, b, &walked, &hit, expected_walked);
        } else if !hit.is_empty() {
            self.lines_at_ceiling(cx, b, &hit);
        } else if let Some(bad) = bit_error_lines(f, b) {
            self.bit_errors(cx, b, bad);
        } else if let Some((dq, why)) = unwalked::late_first_line(f, b) {
            self.late_first_line(cx, dq, why);
        } else if expected_walked < walked_lines_in_byte_total(f, b) || walked.len() < 8 {
            self.not_followed(cx, b, &walked);
        } else {
            self.every_edge_found(cx, b);
        }
    }

    /// Every individually calibrated line of the byte hit the ceiling: the lane, not a line.
    fn lane_at_ceiling(
        &mut self,
        cx: &mut Ctx,
        b: u32,
        walked: &[&DqSweep],
        hit: &[u32],
        expected_walked: u32,
    ) {
        self.lane = Some(b);
        if (walked.len() as u32) < expected_walked {
            cx.cannot.push(format!(
                "whether the other calibrated lines of byte {b} also hit the ceiling: the capture follows only {}",
                list_dq(&walked.iter().map(|s| s.dq).collect::<Vec<_>>())
            ));
            cx.next.push(format!(
                "tap_logic dlyce_dqs/dlyinc_dqs of the other tap_logic groups of byte {b}"
            ));
        }
        self.causes.push(format!(
            "byte lane {b}: every individually calibrated line ({}) hit the 55-increment ceiling: a lane-level fault, not one line: DM{b} stuck high (writes masked), DQS{b} or the lane's write path",
            list_dq(hit)
        ));
        cx.cannot.push(format!("DM{b} stuck high vs DQS{b} open vs a write-path fault on byte {b}: probe DM{b} and DQS{b} at the memory during the dummy write"));
    }

    /// Some lines of the byte hit the ceiling: those lines.
    fn lines_at_ceiling(&mut self, cx: &mut Ctx, b: u32, hit: &[u32]) {
        let f = cx.f;
        let kind = pin_behaviour(f, cx, hit);
        self.lines.extend(hit.iter().copied());
        self.causes.push(format!("{} never showed an edge in the tap sweep{kind}; pattern group {b} (byte DQ{}..{}) never matched", list_dq(hit), 8 * b, 8 * b + 7));
    }

    /// Stage 2 saw nothing wrong, but the bytes read back in stage 3 are one to three bits off
    /// the pattern, always on the same bits: those lines.
    fn bit_errors(&mut self, cx: &mut Ctx, b: u32, bad: Vec<u32>) {
        let f = cx.f;
        let kind = pin_behaviour(f, cx, &bad);
        let hex = f.pattern.iter().find(|p| p.group == b).map(|p| {
            let h = |v: &[u64]| {
                v.iter()
                    .map(|x| format!("{x:02X}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            format!("rise {} / fall {}", h(&p.rise_bytes), h(&p.fall_bytes))
        });
        cx.add(
            &format!("pattern_compare[{b}]/rd_data_rise"),
            f.tap_sel_done,
            format!(
                "stage-3 reads of byte {b} differ from AA/55/99/66 only on {}",
                list_dq(&bad)
            ),
        );
        let what = if bad.len() >= 2 {
            "a bridge between these lines (each corrupts the other's bit), or lines sampling another beat"
        } else {
            "stuck, or sampling another beat than the rest of its byte (a line never walked individually, or one whose delay differs)"
        };
        cx.cannot.push(format!(
            "for {}: {what}; the bytes read were {}",
            list_dq(&bad),
            hex.unwrap_or_default()
        ));
        self.lines.extend(bad.iter().copied());
        self.causes.push(format!("{} read back wrong bits in the stage-3 pattern{kind} while their tap sweep looked normal: {what}", list_dq(&bad)));
    }

    /// The byte's first line, never walked individually, samples another beat.
    fn late_first_line(&mut self, cx: &mut Ctx, dq: u32, why: String) {
        let f = cx.f;
        let g = dq / f.profile.lines_per_group();
        if let Some(s) = f.per_dq.iter().find(|s| s.dq == dq) {
            cx.add(
                &sweep_signal(s),
                s.steps.iter().rfind(|st| st.global).map(|st| st.time),
                format!("tap_logic group {g}: {} group-wide increments (DQ{dq}'s tap {}); the group's bit-boundary alignment ran on", s.global_incs, s.start_tap),
            );
        }
        cx.cannot.push(format!("what delays DQ{dq}: a longer trace on its net, a swap onto a longer trace, or a read-path shift of that line alone; the capture shows only that it samples another beat"));
        self.lines.push(dq);
        self.causes.push(why);
    }

    /// Lines of the byte that stage 2 does not see (not calibrated or not captured).
    fn not_followed(&mut self, cx: &mut Ctx, b: u32, walked: &[&DqSweep]) {
        let f = cx.f;
        let uncal: Vec<u32> = byte_lines(b)
            .filter(|d| !walked.iter().any(|s| s.dq == *d))
            .collect();
        let reads_zero = f
            .pattern
            .iter()
            .find(|p| p.group == b)
            .map(|p| !p.rise_bytes.is_empty() && p.rise_bytes.iter().all(|x| *x == 0))
            .unwrap_or(false);
        if reads_zero {
            self.lane = Some(b);
            self.causes.push(format!("byte lane {b} reads back 0x00 (never written) while stage 2 passed: the memory never latched a write on this byte: DQS{b} open (reads are captured with the FPGA clock, so stage 2 cannot see it) or DM{b} stuck high"));
            cx.cannot.push(format!("DQS{b} open vs DM{b} stuck high: probe DQS{b} at the memory pin during the pattern write"));
        } else if walked.is_empty() || uncal.len() == 8 {
            self.lane = Some(b);
            self.causes.push(format!(
                "pattern group {b} (byte DQ{}..{}) never matched AA/99 or 55/66 while stage 2 saw nothing wrong{}: a write-side fault on this byte (DQS{b} open, DM{b} stuck, a bridge or swap across lines with unequal delays)",
                8 * b,
                8 * b + 7,
                if f.profile == Profile::Minimodule && b >= 1 { " (DQ8..15 are not calibrated in this build)" } else { "" }
            ));
            cx.next.push(format!(
                "pattern_compare[{b}]/rd_data_rise and rd_data_fall (what byte {b} reads back)"
            ));
            cx.cannot.push(format!(
                "which line or strobe of byte {b}: the capture has no read data for it"
            ));
        } else {
            self.causes.push(format!("pattern group {b} never matched; the lines of byte {b} that the capture follows calibrated normally; lines not followed: {}", list_dq(&uncal)));
            cx.next.push(format!(
                "tap_logic dlyce_dqs/dlyinc_dqs for the groups holding {}",
                list_dq(&uncal)
            ));
        }
    }

    /// Every line of the byte found an edge, yet the pattern never matched.
    fn every_edge_found(&mut self, cx: &mut Ctx, b: u32) {
        self.lane = Some(b);
        self.causes.push(format!("pattern group {b} never matched although every line of byte {b} found an edge: a bridge between lines, a swap of lines with unequal delays, or a read-latency problem"));
        cx.cannot.push("a bridge (wired-AND/OR) vs a swap vs latency: compare the rise/fall bytes read with AA/55/99/66".to_string());
    }

    /// No failing byte explains the stall.
    fn no_cause(&mut self, cx: &mut Ctx, failing: &[u32]) {
        let f = cx.f;
        let found: Vec<String> = f
            .pattern
            .iter()
            .filter(|p| p.comp_done.is_some() || p.still_hunting == Some(false))
            .map(|p| p.group.to_string())
            .collect();
        if !found.is_empty() && failing.is_empty() {
            self.causes.push(format!(
                "init_done never rose although the probed pattern group(s) {} found the pattern: the failing byte lane is one whose pattern_compare8 is not in the capture",
                found.join(", ")
            ));
            cx.next.push(
                "clk_cnt_rise / comp_done of the other pattern_compare groups (one per byte lane)"
                    .to_string(),
            );
        } else {
            self.causes
                .push("the read-latency search (pattern_compare8) never completed".to_string());
        }
    }
}

/// Which DQ lines a pattern group (byte lane) compares.
fn byte_lines(b: u32) -> std::ops::Range<u32> {
    8 * b..8 * b + 8
}

/// Lines of byte `b` that read back wrong bits in stage 3, when there are one to three of them.
fn bit_error_lines(f: &Facts, b: u32) -> Option<Vec<u32>> {
    let p = f.pattern.iter().find(|p| p.group == b)?;
    (!p.error_bits.is_empty()).then(|| p.error_bits.iter().map(|bit| 8 * b + bit).collect())
}

fn walked_lines_in_byte(f: &Facts, b: u32) -> u32 {
    let lpg = f.profile.lines_per_group();
    let groups = f.calib_done.len() as u32;
    byte_lines(b)
        .filter(|d| d / lpg < groups && d % lpg >= f.profile.first_walked_line())
        .count() as u32
}

fn walked_lines_in_byte_total(f: &Facts, b: u32) -> u32 {
    let _ = b;
    8 - (8 / f.profile.lines_per_group()) * f.profile.first_walked_line()
}

/// What the controller pin of the lines showed during the dummy reads, when captured: adds the
/// evidence and returns words for the cause (empty when the pins are not captured).
fn pin_behaviour(f: &Facts, cx: &mut Ctx, lines: &[u32]) -> String {
    let mut words = Vec::new();
    for dq in lines {
        if let Some(d) = f
            .dq_pins
            .iter()
            .find(|p| p.dq == *dq)
            .and_then(|p| p.describe())
        {
            cx.add(
                &format!("pins/dq[{dq}]"),
                f.dummyread_start,
                format!("DQ{dq} controller pin during the dummy reads: {d}"),
            );
            words.push(format!("DQ{dq} {d}"));
        }
    }
    if words.is_empty() {
        String::new()
    } else {
        format!(" ({})", words.join("; "))
    }
}
