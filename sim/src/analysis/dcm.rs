//! The DCM's LOCKED, RST, CLKIN and STATUS[1] as the DCM rule reads them.

use super::capture::{rising_edges, Capture};
use migcal_model::dcm::{ClkinInitial, Input, InputEvent, OutputSignal, Waveform};
use migcal_traces::Time;

/// A bit's changes as the DCM rule wants them: the level at the capture start, then edges.
fn edges(bits: &[(Time, u8)]) -> Edges {
    let mut initial = None;
    let mut changes = Vec::new();
    for &(t, b) in bits {
        let level = match b {
            b'1' => Some(true),
            b'0' => Some(false),
            _ => None,
        };
        match (t, level) {
            (0, l) => initial = l,
            (_, Some(l))
                if changes
                    .last()
                    .map(|(_, p)| *p != l)
                    .unwrap_or(initial != Some(l)) =>
            {
                changes.push((t, l));
            }
            _ => {}
        }
    }
    Edges { initial, changes }
}

/// CLKIN presence from a captured CLKIN: present from its first edge; a gap of more than two
/// periods (the shortest rise-to-rise interval) is a stop from two periods after the last edge.
fn clkin_presence(clk: &[(Time, u8)]) -> Option<(Edges, Time)> {
    let rises = rising_edges(clk);
    let period = rises.windows(2).map(|w| w[1] - w[0]).min()?;
    let mut changes = vec![(rises[0], true)];
    for w in rises.windows(2) {
        if w[1] - w[0] > 2 * period {
            changes.push((w[0] + 2 * period, false));
            changes.push((w[1], true));
        }
    }
    Some((
        Edges {
            initial: Some(rises[0] == 0),
            changes,
        },
        period,
    ))
}

/// The level changes of one 1-bit signal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Edges {
    /// The level before the first change (`None` if unknown, e.g. X at the capture start).
    pub initial: Option<bool>,
    /// Changes in time order; repeated levels are allowed and ignored.
    pub changes: Vec<(Time, bool)>,
}

/// What the rule looks at: the capture window and the DCM-side signals in it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Observation {
    /// First time covered by the capture.
    pub start: Time,
    /// Last time covered by the capture.
    pub end: Time,
    /// LOCKED (`dcm/locked`, the MIG's `dcm_lock`).
    pub locked: Edges,
    /// RST (`dcm/rst`), if captured.
    pub rst: Option<Edges>,
    /// CLKIN presence (high while CLKIN toggles), if known. A capture holds `dcm/clkin` as a
    /// clock; the caller turns gaps longer than two periods into "not present".
    pub clkin_present: Option<Edges>,
    /// The CLKIN period, if known (needed for the 3-cycle RST rule).
    pub clkin_period: Option<Time>,
    /// STATUS\[1\] (`dcm/status[1]`, CLKIN stopped), if captured. Used as a stand-in for CLKIN
    /// presence when [`Observation::clkin_present`] is `None`; it reads 0 before the first lock
    /// and after each RST, so a stop then is not seen on it.
    pub status1: Option<Edges>,
}

impl Observation {
    /// The observation a capture of a model run would give: LOCKED from the waveform, RST and
    /// CLKIN presence from the inputs, and the initial CLKIN period.
    pub fn from_model(w: &Waveform, clkin: &ClkinInitial, inputs: &[InputEvent]) -> Observation {
        let mut rst = Edges {
            initial: Some(false),
            changes: Vec::new(),
        };
        let mut present = Edges {
            initial: Some(clkin.running),
            changes: Vec::new(),
        };
        for e in inputs.iter().filter(|e| e.time <= w.end) {
            match e.input {
                Input::RstAssert => rst.changes.push((e.time, true)),
                Input::RstDeassert => rst.changes.push((e.time, false)),
                Input::ClkinStop => present.changes.push((e.time, false)),
                Input::ClkinResume => present.changes.push((e.time, true)),
                Input::ClkinPeriod { .. } => {}
            }
        }
        Observation {
            start: 0,
            end: w.end,
            locked: Edges {
                initial: Some(w.initial.locked),
                changes: w
                    .changes(OutputSignal::Locked)
                    .map(|e| (e.time, e.value))
                    .collect(),
            },
            rst: Some(rst),
            clkin_present: Some(present),
            clkin_period: Some(clkin.period),
            status1: Some(Edges {
                initial: Some(w.initial.status1),
                changes: w
                    .changes(OutputSignal::Status1)
                    .map(|e| (e.time, e.value))
                    .collect(),
            }),
        }
    }
}

/// What a capture shows of the DCM, when it has LOCKED (the DCM rule in `diagnose` reads it).
pub(super) fn observation(c: &Capture) -> Option<Observation> {
    let locked = c.bit("dcm/locked", 0)?;
    let clk = c.bit("dcm/clkin", 0).and_then(|b| clkin_presence(&b));
    Some(Observation {
        start: 0,
        end: c.end_time(),
        locked: edges(&locked),
        rst: c.bit("dcm/rst", 0).map(|b| edges(&b)),
        clkin_present: clk.as_ref().map(|(e, _)| e.clone()),
        clkin_period: clk.map(|(_, p)| p),
        status1: c
            .bit("dcm/status[1]", 0)
            .or_else(|| c.bit("dcm/status", 1))
            .map(|b| edges(&b)),
    })
}
