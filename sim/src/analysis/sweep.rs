//! Per-DQ IDELAY tap histories: which steps each line took during the tap sweep, from the best
//! source a capture has (tap values, per-line CE/INC, group CE/INC with the select, or the
//! order of the walks alone).

use super::capture::{bit_at, high_intervals, BitChanges, Capture};
use super::{Clock, Profile};
use migcal_traces::Time;
use serde::Serialize;

/// Where a per-DQ tap history came from, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepSource {
    /// The IDELAY tap value itself (simulation stand-in `idelay_dq[k]/tap`).
    IdelayTap,
    /// Per-line `tap_logic/data_idelay_ce` and `data_idelay_inc`.
    PerLineCe,
    /// Group `dlyce_dqs`/`dlyinc_dqs` with `dlyinc_global_flag_dqs` and `chan_sel_int`.
    GroupCeWithSelect,
    /// Group `dlyce_dqs`/`dlyinc_dqs` alone: lines told apart by the order of their walks.
    GroupCeOrder,
}

/// One IDELAY step of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Step {
    /// When the step was taken (the CE cycle's time).
    pub time: Time,
    /// Increment (true) or decrement.
    pub inc: bool,
    /// Taken by every line of the group at once (INIT_IDELAY_TAPS, GLOBAL_INC).
    pub global: bool,
}

/// What the tap sweep did to one DQ line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DqSweep {
    /// DQ line.
    pub dq: u32,
    /// tap_logic group.
    pub group: u32,
    /// Was this line walked individually (not the group's first line in the minimodule build)?
    pub walked: bool,
    /// Where the history came from.
    pub source: SweepSource,
    /// Group-wide increments taken.
    pub global_incs: u32,
    /// Tap when the individual walk began (global increments, mod 64).
    pub start_tap: u32,
    /// Individual increments.
    pub walk_incs: u32,
    /// Tap at the end of the walk (start + increments, mod 64).
    pub peak_tap: u32,
    /// Decrements of the back-off.
    pub backoff: u32,
    /// Final tap (mod 64).
    pub final_tap: u32,
    /// Did the walk reach the 55-increment ceiling without seeing an edge?
    pub ceiling: bool,
    /// Did the walk finish (back-off complete)?
    pub finished: bool,
    /// Time of the walk's first and last step.
    pub walk_span: Option<(Time, Time)>,
    /// The tap at which the sampled bit first flipped, when the trace shows it: two taps
    /// before the peak in the golden build (the edge test looks at the registered data).
    pub edge_tap: Option<u32>,
    /// Every IDELAY step of the line in time order (the tap-versus-time curve that plots draw,
    /// whatever signal the history came from); not part of the JSON.
    #[serde(skip)]
    pub steps: Vec<Step>,
}

/// Per-DQ sweep records, from the best source the capture has.
pub(super) fn sweeps(c: &Capture, profile: Profile, clock: Clock, groups: u32) -> Vec<DqSweep> {
    let lpg = profile.lines_per_group();
    let mut out = Vec::new();
    for g in 0..groups {
        let lines: Vec<u32> = (g * lpg..(g + 1) * lpg).collect();
        let per_line = steps_from_taps(c, &lines)
            .map(|s| (SweepSource::IdelayTap, s))
            .or_else(|| steps_from_line_ce(c, &lines, clock).map(|s| (SweepSource::PerLineCe, s)))
            .or_else(|| {
                steps_from_group_select(c, g, &lines, profile, clock)
                    .map(|s| (SweepSource::GroupCeWithSelect, s))
            })
            .or_else(|| {
                steps_from_group_order(c, g, &lines, profile, clock)
                    .map(|s| (SweepSource::GroupCeOrder, s))
            });
        let Some((source, per_line)) = per_line else {
            continue;
        };
        for (j, steps) in per_line.into_iter().enumerate() {
            let dq = lines[j];
            let walked = (j as u32) >= profile.first_walked_line();
            out.push(summarize(dq, g, walked, source, &steps, profile));
        }
    }
    out
}

fn summarize(
    dq: u32,
    group: u32,
    walked: bool,
    source: SweepSource,
    steps: &[Step],
    profile: Profile,
) -> DqSweep {
    let global_incs = steps.iter().filter(|s| s.global && s.inc).count() as u32;
    let global_decs = steps.iter().filter(|s| s.global && !s.inc).count() as u32;
    let start_tap = (global_incs + 64 * 4 - global_decs) % 64;
    let ind: Vec<&Step> = steps.iter().filter(|s| !s.global).collect();
    let walk_incs = ind.iter().take_while(|s| s.inc).count() as u32;
    let backoff = ind
        .iter()
        .skip(walk_incs as usize)
        .filter(|s| !s.inc)
        .count() as u32;
    let later_incs = ind
        .iter()
        .skip(walk_incs as usize)
        .filter(|s| s.inc)
        .count() as u32;
    let peak_tap = (start_tap + walk_incs) % 64;
    let final_tap = (peak_tap + 64 * 4 + later_incs - backoff) % 64;
    let ceiling = walk_incs >= profile.ceiling();
    DqSweep {
        dq,
        group,
        walked,
        source,
        global_incs,
        start_tap,
        walk_incs,
        peak_tap,
        backoff,
        final_tap,
        ceiling,
        finished: backoff >= profile.backoff_taps(),
        walk_span: ind.first().zip(ind.last()).map(|(a, b)| (a.time, b.time)),
        edge_tap: (walk_incs > 0 && !ceiling).then(|| (peak_tap + 64 - 2) % 64),
        steps: steps.to_vec(),
    }
}

/// From `idelay_dq[k]/tap`: each +1/-1 (mod 64) is a step; steps every line of the group takes
/// at the same time are global.
fn steps_from_taps(c: &Capture, lines: &[u32]) -> Option<Vec<Vec<Step>>> {
    let hist: Vec<Vec<(Time, Option<u64>)>> = lines
        .iter()
        .map(|k| c.ints(&format!("idelay_dq[{k}]/tap")))
        .collect::<Option<_>>()?;
    let raw: Vec<Vec<(Time, bool)>> = hist
        .iter()
        .map(|h| {
            let mut prev: Option<u64> = None;
            let mut s = Vec::new();
            for (t, v) in h {
                if let (Some(p), Some(v)) = (prev, v) {
                    if (p + 1) % 64 == *v {
                        s.push((*t, true));
                    } else if (v + 1) % 64 == p {
                        s.push((*t, false));
                    }
                }
                if v.is_some() {
                    prev = *v;
                }
            }
            s
        })
        .collect();
    Some(mark_global(raw))
}

/// A step is global when every line of the group steps the same way at the same time.
fn mark_global(raw: Vec<Vec<(Time, bool)>>) -> Vec<Vec<Step>> {
    let n = raw.len();
    raw.iter()
        .map(|line| {
            line.iter()
                .map(|&(t, inc)| Step {
                    time: t,
                    inc,
                    global: n > 1
                        && raw.iter().all(|other| {
                            other
                                .binary_search_by_key(&t, |(ot, _)| *ot)
                                .map(|i| other[i].1 == inc)
                                .unwrap_or(false)
                        }),
                })
                .collect()
        })
        .collect()
}

/// CE cycles of a CE/INC pair: each clk_0 cycle CE is high is one step, INC sampled then.
/// The IDELAY has 64 taps and the walk gives up after 55 increments, so CE held high longer
/// than this many cycles holds nothing more to learn; a capture that does so (a stuck CE, a
/// coarse timescale) is read as this many steps, keeping the work bounded by the capture.
pub const MAX_CE_RUN_CYCLES: u64 = 4096;

fn ce_steps(ce: &BitChanges, inc: &BitChanges, clock: Clock, end: Time) -> Vec<(Time, bool)> {
    let mut out = Vec::new();
    for (s, e) in high_intervals(ce, end) {
        let n = clock.cycles_in(e - s).clamp(1, MAX_CE_RUN_CYCLES);
        for i in 0..n {
            let t = s + i * clock.period;
            out.push((t, bit_at(inc, t) == b'1'));
        }
    }
    out
}

fn steps_from_line_ce(c: &Capture, lines: &[u32], clock: Clock) -> Option<Vec<Vec<Step>>> {
    let raw = lines
        .iter()
        .map(|&k| {
            let ce = c.bit("tap_logic/data_idelay_ce", k)?;
            let inc = c.bit("tap_logic/data_idelay_inc", k)?;
            Some(ce_steps(&ce, &inc, clock, c.end_time()))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(mark_global(raw))
}

fn steps_from_group_select(
    c: &Capture,
    g: u32,
    lines: &[u32],
    _profile: Profile,
    clock: Clock,
) -> Option<Vec<Vec<Step>>> {
    let ce = c.bit("tap_logic/dlyce_dqs", g)?;
    let inc = c.bit("tap_logic/dlyinc_dqs", g)?;
    let flag = c.bit("tap_logic/dlyinc_global_flag_dqs", g)?;
    let sel = c.ints(&format!("data_tap_inc[{g}]/chan_sel_int"))?;
    let mut per_line = vec![Vec::new(); lines.len()];
    for (t, is_inc) in ce_steps(&ce, &inc, clock, c.end_time()) {
        if bit_at(&flag, t) == b'1' {
            for l in per_line.iter_mut() {
                l.push(Step {
                    time: t,
                    inc: is_inc,
                    global: true,
                });
            }
        } else {
            let i = sel.partition_point(|(ct, _)| *ct <= t);
            let s = i.checked_sub(1).and_then(|i| sel[i].1).unwrap_or(0);
            for (j, l) in per_line.iter_mut().enumerate() {
                if (s >> j) & 1 == 1 {
                    l.push(Step {
                        time: t,
                        inc: is_inc,
                        global: false,
                    });
                }
            }
        }
    }
    Some(per_line)
}

/// The field method of spec §7: only the group's CE and INC are probed. Decrements only happen
/// in a line's back-off, so each run of decrements closes one walk; the increments of that walk
/// are the run before it spaced three cycles apart (INC, WAIT_INC, EDGE). Everything else is
/// global. Walk j belongs to the j-th individually calibrated line of the group.
fn steps_from_group_order(
    c: &Capture,
    g: u32,
    lines: &[u32],
    profile: Profile,
    clock: Clock,
) -> Option<Vec<Vec<Step>>> {
    let ce = c.bit("tap_logic/dlyce_dqs", g)?;
    let inc = c.bit("tap_logic/dlyinc_dqs", g)?;
    let steps = ce_steps(&ce, &inc, clock, c.end_time());
    let mut owner: Vec<Option<usize>> = vec![None; steps.len()];
    let mut walk = 0usize;
    let mut i = 0;
    while i < steps.len() {
        if steps[i].1 {
            i += 1;
            continue;
        }
        // A run of decrements starting at i.
        let mut j = i;
        while j < steps.len() && !steps[j].1 {
            j += 1;
        }
        // Increments of this walk: going back from i while three cycles apart.
        let mut k = i;
        while k > 0 && steps[k - 1].1 && owner[k - 1].is_none() {
            let next_t = steps[k].0;
            let gap = clock.cycles_in(next_t - steps[k - 1].0);
            if k < i && gap != 3 {
                break;
            }
            if k == i && gap > 4 {
                break;
            }
            k -= 1;
        }
        for o in owner.iter_mut().take(j).skip(k) {
            *o = Some(walk);
        }
        walk += 1;
        i = j;
    }
    // An unfinished walk at the end: trailing increments three cycles apart.
    let mut k = steps.len();
    while k > 1
        && steps[k - 1].1
        && owner[k - 1].is_none()
        && clock.cycles_in(steps[k - 1].0 - steps[k - 2].0) == 3
    {
        k -= 1;
    }
    if k < steps.len() && steps.len() - k >= 2 {
        for o in owner.iter_mut().skip(k) {
            *o = Some(walk);
        }
    }
    let first = profile.first_walked_line() as usize;
    let first_owned = owner
        .iter()
        .position(|o| o.is_some())
        .unwrap_or(owner.len());
    let mut per_line = vec![Vec::new(); lines.len()];
    for (i, ((t, is_inc), o)) in steps.iter().zip(owner).enumerate() {
        match o {
            // Group-wide moves happen only before the first walk; a lone step after the walks
            // began is tap_ctrl stepping with `chan_sel` all zero, which moves no line.
            None if i > first_owned => {}
            None => {
                for l in per_line.iter_mut() {
                    l.push(Step {
                        time: *t,
                        inc: *is_inc,
                        global: true,
                    });
                }
            }
            Some(w) => {
                if let Some(l) = per_line.get_mut(first + w) {
                    l.push(Step {
                        time: *t,
                        inc: *is_inc,
                        global: false,
                    });
                }
            }
        }
    }
    Some(per_line)
}
