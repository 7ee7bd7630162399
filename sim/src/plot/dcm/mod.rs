//! `dcm`: the DCM's inputs and outputs over milliseconds (CLKIN present, RST, LOCKED,
//! STATUS\[1\], STATUS\[2\]) with the 200 ms autocalibration rule of AR21435 drawn on every RST
//! pulse it applies to, and the DCM rule's findings numbered on the waveforms.
//!
//! The input is either a scenario file's `[clocking]` table, run through the DCM model, or a
//! capture holding `dcm/locked` (and ideally `dcm/rst`, `dcm/clkin` or `dcm/status[1]`).

use super::style::{self, anchored, BLUE, GREEN, GREY, LIGHT, ORANGE, RED};
use super::{draw_err, Figure, PlotError, Size};
use crate::analysis::capture::{rising_edges, Capture};
use crate::diagnose::dcm::{diagnose, DiagnoseParams, Edges, Finding, Observation};
use crate::scenario::clocking::ClockingConfig;
use migcal_model::dcm::{fmt_duration, simulate, OutputSignal, Time, FS_PER_MS};
use migcal_traces::TimeBase;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::TextStyle;

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

impl Figure for DcmFigure {
    fn natural_size(&self) -> Size {
        Size {
            width: 1000,
            height: (480 + 18 * self.text_lines() as u32).max(600),
        }
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let (w, h) = area.dim_in_pixel();
        let (header, rest) = area.split_vertically(72);
        super::draw_title(&header, &self.title, &self.subtitle)?;
        header
            .draw(&Text::new(
                self.rule.clone(),
                (12, 50),
                style::text(12, ORANGE),
            ))
            .map_err(draw_err)?;
        let notes_h = 16 + 18 * self.text_lines() as u32;
        let (body, notes) = rest.split_vertically(h.saturating_sub(72 + notes_h).max(200));
        let n = self.waves.len() as f64;
        let x1 = style::ms(self.end);
        let mut chart = ChartBuilder::on(&body)
            .margin(10)
            .margin_right(24)
            .x_label_area_size(34)
            .y_label_area_size(120)
            .build_cartesian_2d(0f64..x1, 0f64..n)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(12)
            .x_label_formatter(&|v| style::tidy(*v))
            .x_desc("time (ms)")
            .label_style(style::text(12, GREY))
            .axis_desc_style(style::text(12, GREY))
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(LIGHT)
            .draw()
            .map_err(draw_err)?;
        let row_y = |i: usize| n - 1.0 - i as f64;
        let (bx, by) = body.get_base_pixel();
        for (i, wv) in self.waves.iter().enumerate() {
            let y0 = row_y(i);
            let (px, py) = chart.backend_coord(&(0.0, y0 + 0.5));
            body.draw(&Text::new(
                wv.label.clone(),
                (px - bx - 10, py - by - 7),
                anchored(style::bold(13, BLACK), HPos::Right, VPos::Center),
            ))
            .map_err(draw_err)?;
            body.draw(&Text::new(
                wv.signal.clone(),
                (px - bx - 10, py - by + 9),
                anchored(style::text(11, GREY), HPos::Right, VPos::Center),
            ))
            .map_err(draw_err)?;
            chart
                .draw_series([PathElement::new([(0.0, y0), (x1, y0)], LIGHT)])
                .map_err(draw_err)?;
            // The digital trace: low at y0+0.2, high at y0+0.75; unknown drawn as a grey band.
            let (lo, hi) = (y0 + 0.2, y0 + 0.75);
            let mut pts: Vec<(f64, f64)> = Vec::new();
            let mut level = wv.initial;
            let mut from = 0.0;
            let color = if wv.signal == "dcm/locked" {
                BLUE
            } else {
                BLACK
            };
            let lv = |l: Option<bool>| if l == Some(true) { hi } else { lo };
            if level.is_none() {
                pts.clear();
            } else {
                pts.push((0.0, lv(level)));
            }
            let mut unknown: Vec<(f64, f64)> = Vec::new();
            for &(t, v) in &wv.changes {
                let x = style::ms(t);
                match level {
                    Some(_) => {
                        pts.push((x, lv(level)));
                        pts.push((x, lv(Some(v))));
                    }
                    None => {
                        unknown.push((from, x));
                        pts.push((x, lv(Some(v))));
                    }
                }
                level = Some(v);
                from = x;
            }
            match level {
                Some(_) => pts.push((x1, lv(level))),
                None => unknown.push((from, x1)),
            }
            chart
                .draw_series(
                    unknown
                        .into_iter()
                        .map(|(a, b)| Rectangle::new([(a, lo), (b, hi)], GREY.mix(0.3).filled())),
                )
                .map_err(draw_err)?;
            if wv.signal == "dcm/locked" {
                // Shade LOCKED high so the lock stretches read at a glance.
                let mut l = wv.initial;
                let mut start = 0.0;
                let mut spans = Vec::new();
                for &(t, v) in &wv.changes {
                    if l == Some(true) && !v {
                        spans.push((start, style::ms(t)));
                    }
                    if v && l != Some(true) {
                        start = style::ms(t);
                    }
                    l = Some(v);
                }
                if l == Some(true) {
                    spans.push((start, x1));
                }
                chart
                    .draw_series(
                        spans.into_iter().map(|(a, b)| {
                            Rectangle::new([(a, lo), (b, hi)], GREEN.mix(0.25).filled())
                        }),
                    )
                    .map_err(draw_err)?;
            }
            chart
                .draw_series(LineSeries::new(pts, color.stroke_width(2)))
                .map_err(draw_err)?;
        }
        // The 200 ms rule on every RST pulse it applies to.
        if let Some(ri) = self.waves.iter().position(|w| w.signal == "dcm/rst") {
            let y0 = row_y(ri);
            for (k, win) in self.windows.iter().enumerate() {
                // Overlapping windows alternate above and below the trace.
                let (line_y, tick, text_y, v) = if k % 2 == 0 {
                    (y0 + 0.9, (y0 + 0.8, y0 + 1.0), y0 + 0.93, VPos::Bottom)
                } else {
                    (y0 + 0.1, (y0 + 0.0, y0 + 0.2), y0 + 0.07, VPos::Top)
                };
                let a = style::ms(win.start);
                let b = style::ms(win.start + win.needed).min(x1);
                let color = if win.enough { GREEN } else { RED };
                let len = win
                    .length
                    .map(fmt_duration)
                    .unwrap_or_else(|| "still high".into());
                let verdict = if win.enough {
                    format!("RST {len} ≥ 200 ms: autocalibration cleared")
                } else {
                    format!("RST {len} < 200 ms needed")
                };
                chart
                    .draw_series([
                        Rectangle::new([(a, y0 + 0.2), (b, y0 + 0.75)], color.mix(0.08).filled())
                            .into_dyn(),
                        PathElement::new([(a, line_y), (b, line_y)], color.stroke_width(2))
                            .into_dyn(),
                        PathElement::new([(a, tick.0), (a, tick.1)], color.stroke_width(2))
                            .into_dyn(),
                        PathElement::new([(b, tick.0), (b, tick.1)], color.stroke_width(2))
                            .into_dyn(),
                        Text::new(
                            format!("200 ms window: {verdict}"),
                            (a + (x1 * 0.004), text_y),
                            anchored(style::bold(11, color), HPos::Left, v),
                        )
                        .into_dyn(),
                    ])
                    .map_err(draw_err)?;
            }
        }
        // Numbered evidence.
        for m in &self.marks {
            let y0 = row_y(m.row);
            let x = style::ms(m.time);
            chart
                .draw_series([
                    Circle::new((x, y0 + 0.5), 9, ORANGE.filled()).into_dyn(),
                    Text::new(
                        m.number.to_string(),
                        (x, y0 + 0.5),
                        anchored(style::bold(11, WHITE), HPos::Center, VPos::Center),
                    )
                    .into_dyn(),
                ])
                .map_err(draw_err)?;
        }
        // Findings, numbered evidence and notes in words under the chart, wrapped to the width.
        let mut lines: Vec<(String, TextStyle<'static>, i32)> = Vec::new();
        let width = w.saturating_sub(40);
        for (k, f) in self.findings.iter().enumerate() {
            let st = style::bold(12, RED);
            for l in wrap(&notes, &format!("finding {}: {f}", k + 1), &st, width)? {
                lines.push((l, st.clone(), 12));
            }
        }
        if self.findings.is_empty() {
            lines.push((
                "no DCM finding: LOCKED does what the inputs ask".into(),
                style::text(12, GREEN),
                12,
            ));
        }
        for m in &self.marks {
            let st = style::text(12, GREY);
            let text = format!("({}) {}: {}", m.number, fmt_duration(m.time), m.text);
            for l in wrap(&notes, &text, &st, width)? {
                lines.push((l, st.clone(), 24));
            }
        }
        for n in &self.notes {
            let st = style::text(12, GREY);
            for l in wrap(&notes, &format!("note: {n}"), &st, width)? {
                lines.push((l, st.clone(), 12));
            }
        }
        for (i, (text, st, x)) in lines.into_iter().enumerate() {
            notes
                .draw(&Text::new(text, (x, 4 + 18 * i as i32), st))
                .map_err(draw_err)?;
        }
        let _ = w;
        Ok(())
    }
}

/// Splits `text` into lines no wider than `width` pixels in `st` (breaking at spaces).
fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    st: &TextStyle<'static>,
    width: u32,
) -> Result<Vec<String>, PlotError> {
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        let w = area.estimate_text_size(&candidate, st).map_err(draw_err)?.0;
        if w > width && !line.is_empty() {
            out.push(std::mem::take(&mut line));
            line = format!("    {word}");
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        out.push(line);
    }
    Ok(out)
}
