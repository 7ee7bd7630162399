//! `dcm`: the DCM's inputs and outputs over milliseconds (CLKIN present, RST, LOCKED,
//! STATUS\[1\], STATUS\[2\]) with the 200 ms autocalibration rule of AR21435 drawn on every RST
//! pulse it applies to, and the DCM rule's findings numbered on the waveforms.
//!
//! The input is either a scenario file's `[clocking]` table, run through the DCM model, or a
//! capture holding `dcm/locked` (and ideally `dcm/rst`, `dcm/clkin` or `dcm/status[1]`).
//! This file builds the figure's content; `draw.rs` draws it.

mod draw;

use super::style;
use super::PlotError;
use crate::analysis::capture::{rising_edges, Capture};
use crate::diagnose::dcm::{diagnose, DiagnoseParams, Edges, Finding, Observation};
use crate::scenario::clocking::ClockingConfig;
use migcal_model::dcm::{fmt_duration, simulate, OutputSignal, Time, FS_PER_MS};
use migcal_traces::TimeBase;

/// One digital row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wave {
    /// Label (`LOCKED`).
    pub label: String,
    /// The canonical signal (`dcm/locked`).
    pub signal: String,
    /// Level at the start (`None` unknown).
    pub initial: Option<bool>,
    /// Level changes in time order.
    pub changes: Vec<(Time, bool)>,
}

impl Wave {
    fn from_edges(label: &str, signal: &str, e: &Edges) -> Wave {
        Wave {
            label: label.into(),
            signal: signal.into(),
            initial: e.initial,
            changes: e.changes.clone(),
        }
    }
}

/// One RST pulse measured against the 200 ms autocalibration reset minimum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RstWindow {
    /// RST rise.
    pub start: Time,
    /// Pulse length (`None`: still high at the end).
    pub length: Option<Time>,
    /// The minimum that clears autocalibration (`autocal_reset_min`, 200 ms).
    pub needed: Time,
    /// Long enough.
    pub enough: bool,
}

/// A numbered finding evidence placed on a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// Row index into [`DcmFigure::waves`].
    pub row: usize,
    /// When.
    pub time: Time,
    /// Number shown (1-based, the finding's evidence order).
    pub number: usize,
    /// What happened there.
    pub text: String,
}

/// The whole figure.
#[derive(Debug, Clone, PartialEq)]
pub struct DcmFigure {
    /// Title.
    pub title: String,
    /// The DCM configuration, or the capture.
    pub subtitle: String,
    /// End of the shown window.
    pub end: Time,
    /// Rows: CLKIN, RST, LOCKED, STATUS\[1\], STATUS\[2\] (those known).
    pub waves: Vec<Wave>,
    /// RST pulses checked against the 200 ms rule.
    pub windows: Vec<RstWindow>,
    /// What the 200 ms rule says in this configuration.
    pub rule: String,
    /// The DCM rule's conclusions, in words.
    pub findings: Vec<String>,
    /// Their evidence on the rows.
    pub marks: Vec<Mark>,
    /// What the configuration check says that is not an error.
    pub notes: Vec<String>,
}

impl DcmFigure {
    /// From a scenario file's text: reads its `[clocking]` table (other tables are ignored) and
    /// runs the DCM model up to `until` (default: the last input + 150 ms).
    pub fn from_scenario_text(
        source: &str,
        text: &str,
        until: Option<Time>,
    ) -> Result<DcmFigure, PlotError> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| PlotError::NoData(format!("{source}: {e}")))?;
        let clocking = table.get("clocking").ok_or_else(|| {
            PlotError::NoData(format!(
                "{source}: no [clocking] table: the dcm plot needs the DCM's configuration and its CLKIN/RST events"
            ))
        })?;
        let cfg: ClockingConfig = clocking.clone().try_into().map_err(|e: toml::de::Error| {
            PlotError::NoData(format!("{source}: [clocking]: {e}"))
        })?;
        DcmFigure::from_config(source, &cfg, until)
    }

    /// From a parsed `[clocking]` section.
    pub fn from_config(
        source: &str,
        cfg: &ClockingConfig,
        until: Option<Time>,
    ) -> Result<DcmFigure, PlotError> {
        let setup = cfg
            .build()
            .map_err(|e| PlotError::NoData(format!("{source}: {e}")))?;
        let last = setup.inputs.last().map(|e| e.time).unwrap_or(0);
        let until = until.unwrap_or(last + 150 * FS_PER_MS);
        let w = simulate(&setup.params, &setup.clkin, &setup.inputs, until)
            .map_err(|e| PlotError::NoData(format!("{source}: [clocking]: {e}")))?;
        let obs = Observation::from_model(&w, &setup.clkin, &setup.inputs);
        let p = &setup.params;
        let out = |sig: OutputSignal| Edges {
            initial: Some(level(&w.initial, sig)),
            changes: w.changes(sig).map(|e| (e.time, e.value)).collect(),
        };
        let clkin = obs.clkin_present.clone().unwrap_or_default();
        let rst = obs.rst.clone().unwrap_or_default();
        let waves = vec![
            Wave::from_edges("CLKIN present", "dcm/clkin", &clkin),
            Wave::from_edges("RST", "dcm/rst", &rst),
            Wave::from_edges("LOCKED", "dcm/locked", &out(OutputSignal::Locked)),
            Wave::from_edges("STATUS[1]", "dcm/status[1]", &out(OutputSignal::Status1)),
            Wave::from_edges("STATUS[2]", "dcm/status[2]", &out(OutputSignal::Status2)),
        ];
        let applies = p.autocal_macro_inserted();
        let stopped_first = first_stop(&clkin, p.autocal_if_clkin_absent_at_start);
        let windows = if applies {
            rst_windows(&rst, stopped_first, p.autocal_reset_min, w.end)
        } else {
            Vec::new()
        };
        let rule = if applies {
            format!(
                "{} with DCM_AUTOCALIBRATION = TRUE and STEPPING = {}: MAP inserts the autocalibration macro; after CLKIN stops, only a RST of at least {} clears it",
                p.primitive,
                p.stepping,
                fmt_duration(p.autocal_reset_min)
            )
        } else {
            format!(
                "{} with DCM_AUTOCALIBRATION = {} and STEPPING = {}: no autocalibration macro, the 200 ms rule does not apply",
                p.primitive,
                if p.effective_autocalibration() { "TRUE" } else { "FALSE" },
                p.stepping
            )
        };
        let findings = diagnose(&obs, &DiagnoseParams::from(p))
            .map_err(|e| PlotError::NoData(format!("{source}: {e}")))?;
        let mut fig = DcmFigure {
            title: format!("DCM: CLKIN, RST and LOCKED: {}", style::short_name(source)),
            subtitle: String::new(),
            end: w.end,
            waves,
            windows,
            rule,
            findings: Vec::new(),
            marks: Vec::new(),
            notes: Vec::new(),
        };
        fig.subtitle = format!(
            "model run of the [clocking] table to {}",
            fmt_duration(w.end)
        );
        fig.notes = setup.notes.clone();
        fig.add_findings(&findings);
        Ok(fig)
    }

    /// From a capture with `dcm/locked` (and what it has of `dcm/rst`, `dcm/clkin`,
    /// `dcm/status[1]`, `dcm/status[2]`).
    pub fn from_capture(source: &str, c: &Capture) -> Result<DcmFigure, PlotError> {
        if c.time_base() != TimeBase::Femtoseconds {
            return Err(PlotError::NoData(format!(
                "{source}: the dcm plot needs real time (give --sample-period for a sample-indexed capture)"
            )));
        }
        let edges = |name: &str| -> Option<Edges> {
            let bits = c.bit(name, 0)?;
            let mut e = Edges::default();
            for (i, (t, b)) in bits.iter().enumerate() {
                let v = match b {
                    b'1' => Some(true),
                    b'0' => Some(false),
                    _ => None,
                };
                if i == 0 && *t == 0 {
                    e.initial = v;
                } else if let Some(v) = v {
                    e.changes.push((*t, v));
                }
            }
            Some(e)
        };
        let locked = edges("dcm/locked").ok_or_else(|| {
            PlotError::NoData(format!(
                "{source}: no dcm/locked in the capture: the dcm plot needs at least LOCKED (bind it with --map if the capture names it otherwise)"
            ))
        })?;
        let end = c.end_time().max(1);
        let (clkin, period) = match c.bit("dcm/clkin", 0) {
            Some(bits) => clock_presence(&bits, end),
            None => (None, None),
        };
        let rst = edges("dcm/rst");
        let status1 = edges("dcm/status[1]");
        let status2 = edges("dcm/status[2]");
        let mut waves = Vec::new();
        if let Some(e) = &clkin {
            waves.push(Wave::from_edges("CLKIN present", "dcm/clkin", e));
        }
        if let Some(e) = &rst {
            waves.push(Wave::from_edges("RST", "dcm/rst", e));
        }
        waves.push(Wave::from_edges("LOCKED", "dcm/locked", &locked));
        if let Some(e) = &status1 {
            waves.push(Wave::from_edges("STATUS[1]", "dcm/status[1]", e));
        }
        if let Some(e) = &status2 {
            waves.push(Wave::from_edges("STATUS[2]", "dcm/status[2]", e));
        }
        let p = DiagnoseParams::default();
        // CLKIN stopped: from the clock itself, else STATUS[1] rising.
        let stopped_first = clkin
            .as_ref()
            .and_then(|e| first_stop(e, false))
            .or_else(|| {
                status1
                    .as_ref()
                    .and_then(|e| e.changes.iter().find(|c| c.1).map(|c| c.0))
            });
        let windows = rst
            .as_ref()
            .map(|r| rst_windows(r, stopped_first, p.autocal_reset_min, end))
            .unwrap_or_default();
        let obs = Observation {
            start: 0,
            end,
            locked,
            rst,
            clkin_present: clkin,
            clkin_period: period,
            status1,
        };
        let findings =
            diagnose(&obs, &p).map_err(|e| PlotError::NoData(format!("{source}: {e}")))?;
        let mut fig = DcmFigure {
            title: format!("DCM: CLKIN, RST and LOCKED: {}", style::short_name(source)),
            subtitle: format!("capture {source}, {}", fmt_duration(end)),
            end,
            waves,
            windows,
            rule: format!(
                "if DCM_AUTOCALIBRATION = TRUE and STEPPING >= 2 (not visible in a capture): after CLKIN stops, only a RST of at least {} clears autocalibration",
                fmt_duration(p.autocal_reset_min)
            ),
            findings: Vec::new(),
            marks: Vec::new(),
            notes: Vec::new(),
        };
        fig.add_findings(&findings);
        Ok(fig)
    }

    /// Lines of text under the chart (findings wrap to about two lines each).
    fn text_lines(&self) -> usize {
        2 * self.findings.len().max(1) + self.marks.len() + 2 * self.notes.len()
    }

    fn add_findings(&mut self, findings: &[Finding]) {
        let mut n = 0;
        for f in findings {
            self.findings.push(f.text.clone());
            for e in &f.evidence {
                let row = self
                    .waves
                    .iter()
                    .position(|w| w.signal == e.signal)
                    .or_else(|| self.waves.iter().position(|w| w.signal == "dcm/locked"));
                if let Some(row) = row {
                    n += 1;
                    self.marks.push(Mark {
                        row,
                        time: e.time,
                        number: n,
                        text: e.text.clone(),
                    });
                }
            }
        }
    }
}

/// When CLKIN first stopped (or `Some(0)` when it was absent at configuration and that counts).
fn first_stop(clkin: &Edges, absent_at_start_counts: bool) -> Option<Time> {
    if clkin.initial == Some(false) && absent_at_start_counts {
        return Some(0);
    }
    clkin.changes.iter().find(|c| !c.1).map(|c| c.0)
}

/// RST pulses that begin after CLKIN first stopped, measured against `needed`.
fn rst_windows(rst: &Edges, stopped: Option<Time>, needed: Time, end: Time) -> Vec<RstWindow> {
    let Some(stopped) = stopped else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut rise: Option<Time> = None;
    for &(t, v) in &rst.changes {
        match (v, rise) {
            (true, None) => rise = Some(t),
            (false, Some(r)) => {
                if r >= stopped {
                    out.push(RstWindow {
                        start: r,
                        length: Some(t - r),
                        needed,
                        enough: t - r >= needed,
                    });
                }
                rise = None;
            }
            _ => {}
        }
    }
    if let Some(r) = rise.filter(|r| *r >= stopped) {
        out.push(RstWindow {
            start: r,
            length: None,
            needed,
            enough: end - r >= needed,
        });
    }
    out
}

/// CLKIN presence from a captured clock: present while edges come at most two periods apart.
/// The period is the smallest gap between rising edges.
fn clock_presence(bits: &[(Time, u8)], end: Time) -> (Option<Edges>, Option<Time>) {
    let rises = rising_edges(bits);
    let period = rises
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d > 0)
        .min();
    let Some(period) = period else {
        return (
            Some(Edges {
                initial: Some(false),
                changes: Vec::new(),
            }),
            None,
        );
    };
    let mut e = Edges {
        initial: Some(rises.first() == Some(&0) || rises[0] <= 2 * period),
        changes: Vec::new(),
    };
    let mut level = e.initial.unwrap_or(false);
    let mut prev: Option<Time> = None;
    for &t in &rises {
        if let Some(p) = prev {
            if t - p > 2 * period {
                if level {
                    e.changes.push((p + period, false));
                }
                e.changes.push((t, true));
                level = true;
            }
        } else if !level {
            e.changes.push((t, true));
            level = true;
        }
        prev = Some(t);
    }
    if let Some(p) = prev {
        if level && end > p + 2 * period {
            e.changes.push((p + period, false));
        }
    }
    (Some(e), Some(period))
}

fn level(o: &migcal_model::dcm::Outputs, s: OutputSignal) -> bool {
    match s {
        OutputSignal::Locked => o.locked,
        OutputSignal::Status1 => o.status1,
        OutputSignal::Status2 => o.status2,
    }
}
