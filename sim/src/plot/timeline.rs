//! `timeline`: the init sequence as a Gantt chart. Top: the whole capture, one bar per stage
//! (`clocking`, `memory_setup`, `tap_calibration`, `read_latency`, `done`) and the bus commands
//! as ticks. Bottom: a zoom on the end of calibration (or on the stall), one row per
//! `init_state` visited there, by name, the bus commands with their names, the milestones
//! (`tap_sel_done`, `comp_done`, `init_done`, ...) and the stall marked in red.

use super::style::{self, anchored, BLUE, GREEN, GREY, LIGHT, ORANGE, PURPLE, RED};
use super::{draw_err, Chart, Figure, PlotError, Size};
use crate::analysis::capture::Capture;
use crate::analysis::{BusCommand, Clock, Facts, Profile};
use crate::diagnose::{Diagnosis, Stage, Verdict};
use migcal_traces::{Time, TimeBase};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// One stage's bar.
#[derive(Debug, Clone, PartialEq)]
pub struct StageBar {
    /// The stage.
    pub stage: Stage,
    /// When it began.
    pub start: Time,
    /// When it ended, or the capture's end.
    pub end: Time,
    /// It never ended within the capture (the run stalled there, or the capture stops).
    pub open: bool,
}

/// One `init_state` value's intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct StateRow {
    /// The code.
    pub code: u64,
    /// Its MIG name (`INIT_PATTERN_READ_WAIT`).
    pub name: String,
    /// `[from, to)` intervals in that state.
    pub intervals: Vec<(Time, Time)>,
}

/// A named instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Milestone {
    /// When.
    pub time: Time,
    /// The MIG signal that marks it (`tap_sel_done`).
    pub label: String,
}

/// Where the run stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct StallMark {
    /// When the controller entered the state it never left.
    pub time: Time,
    /// The words for it.
    pub text: String,
}

/// The whole figure.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineFigure {
    /// Title.
    pub title: String,
    /// Verdict and stage.
    pub subtitle: String,
    /// What times count.
    pub time_base: TimeBase,
    /// clk_0 (for sample-indexed captures the x axis is in cycles).
    pub clock: Clock,
    /// End of the capture.
    pub end: Time,
    /// Stage bars, in stage order.
    pub stages: Vec<StageBar>,
    /// `init_state` rows, in order of first visit.
    pub states: Vec<StateRow>,
    /// Bus commands.
    pub commands: Vec<BusCommand>,
    /// Milestones.
    pub milestones: Vec<Milestone>,
    /// The stall, when the run failed.
    pub stall: Option<StallMark>,
    /// The zoomed window of the lower panel.
    pub zoom: (Time, Time),
}

impl TimelineFigure {
    /// Builds the figure from a capture, its analysis and its diagnosis.
    pub fn new(
        source: &str,
        capture: &Capture,
        facts: &Facts,
        diag: &Diagnosis,
    ) -> Result<TimelineFigure, PlotError> {
        let end = facts.end_time.max(1);
        let states = state_rows(capture, facts.profile, end);
        if states.is_empty() && facts.commands.is_empty() {
            return Err(PlotError::NoData(format!(
                "{source}: nothing to put on a timeline: no ddr_controller/init_state and no bus command pins (missing: {})",
                facts.missing.join(", ")
            )));
        }
        // The 200 µs counter's first step from one known value to another (x -> 31 at reset
        // is not counting).
        let counter_start = capture.ints("ddr_controller/cke_200us_cnt").and_then(|v| {
            v.windows(2)
                .find(|w| w[0].1.is_some() && w[1].1.is_some() && w[0].1 != w[1].1)
                .map(|w| w[1].0)
        });
        let stages = stage_bars(facts, counter_start, end);
        let mut milestones = Vec::new();
        let mut push = |t: Option<Time>, label: &str| {
            if let Some(t) = t {
                milestones.push(Milestone {
                    time: t,
                    label: label.to_string(),
                });
            }
        };
        push(facts.done_200us, "done_200us");
        push(facts.dummyread_start, "ctrl_dummyread_start");
        push(facts.tap_sel_done, "tap_sel_done");
        push(facts.comp_done, "comp_done");
        push(facts.init_done, "init_done");
        let stall = match (diag.verdict, &diag.stall) {
            (Verdict::Fail, Some(s)) => {
                let (time, name) = match facts.init_state {
                    Some((code, t)) => (t, facts.profile.init_state_name(code)),
                    None => (
                        facts.clock.first_edge + s.cycle * facts.clock.period,
                        "the last state".to_string(),
                    ),
                };
                Some(StallMark {
                    time,
                    text: format!(
                        "stall: {name} from {} to the end of the capture ({})",
                        style::time_label(time, facts.time_base),
                        style::time_label(end, facts.time_base)
                    ),
                })
            }
            _ => None,
        };
        let zoom = zoom_window(facts, stall.as_ref().map(|s| s.time), &states, end);
        let verdict = match diag.verdict {
            Verdict::Pass => "PASS: init_done".to_string(),
            Verdict::Fail => format!("FAIL in {}", diag.stage.name()),
        };
        Ok(TimelineFigure {
            title: format!("Init sequence: {}", style::short_name(source)),
            subtitle: format!("{verdict} · {}", diag.cause),
            time_base: facts.time_base,
            clock: facts.clock,
            end,
            stages,
            states,
            commands: facts.commands.clone(),
            milestones,
            stall,
            zoom,
        })
    }

    fn xv(&self, t: Time) -> f64 {
        match self.time_base {
            TimeBase::Femtoseconds => style::us(t),
            TimeBase::Samples => t as f64,
        }
    }

    fn x_desc(&self) -> &'static str {
        match self.time_base {
            TimeBase::Femtoseconds => "time (µs)",
            TimeBase::Samples => "sample",
        }
    }

    fn whole<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let rows = self.stages.len().max(1) as f64 + 1.0;
        let (x0, x1) = (0.0, self.xv(self.end));
        let mut chart = ChartBuilder::on(area)
            .margin(8)
            .margin_right(20)
            .x_label_area_size(30)
            .y_label_area_size(190)
            .build_cartesian_2d(x0..x1, 0f64..rows)
            .map_err(draw_err)?;
        let (zx0, zx1) = (self.xv(self.zoom.0), self.xv(self.zoom.1));
        chart
            .draw_series([Rectangle::new(
                [(zx0, 0.0), (zx1.max(zx0 + (x1 - x0) * 0.003), rows)],
                LIGHT.mix(0.7).filled(),
            )])
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(12)
            .x_label_formatter(&|v| style::tidy(*v))
            .x_desc(self.x_desc())
            .label_style(style::text(11, GREY))
            .axis_desc_style(style::text(11, GREY))
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(LIGHT)
            .draw()
            .map_err(draw_err)?;
        let top = rows;
        for (i, s) in self.stages.iter().enumerate() {
            let y0 = top - 1.0 - i as f64;
            row_label(area, &chart, (x0, y0 + 0.5), s.stage.name(), stage_color(s))?;
            let (a, b) = (self.xv(s.start), self.xv(s.end));
            let b = b.max(a + (x1 - x0) * 0.002);
            chart
                .draw_series([Rectangle::new(
                    [(a, y0 + 0.2), (b, y0 + 0.8)],
                    stage_color(s).mix(if s.open { 0.45 } else { 0.8 }).filled(),
                )])
                .map_err(draw_err)?;
            if s.open && s.stage != Stage::Done {
                chart
                    .draw_series([Text::new(
                        format!("{}: never finished", s.stage.name()),
                        (b, y0 + 0.5),
                        anchored(style::bold(11, RED), HPos::Right, VPos::Center),
                    )])
                    .map_err(draw_err)?;
            }
        }
        row_label(area, &chart, (x0, 0.5), "bus commands", BLACK)?;
        chart
            .draw_series(self.commands.iter().map(|c| {
                let x = self.xv(c.time);
                PathElement::new(
                    [(x, 0.15), (x, 0.85)],
                    command_color(c.kind).stroke_width(1),
                )
            }))
            .map_err(draw_err)?;
        chart
            .draw_series([Text::new(
                "zoomed below",
                (zx0, top - 0.02),
                anchored(style::text(10, GREY), HPos::Right, VPos::Top),
            )])
            .map_err(draw_err)?;
        if let Some(s) = &self.stall {
            let x = self.xv(s.time);
            chart
                .draw_series([PathElement::new([(x, 0.0), (x, top)], RED.stroke_width(2))])
                .map_err(draw_err)?;
        }
        Ok(())
    }

    fn zoomed<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let (lo, hi) = self.zoom;
        let shown: Vec<&StateRow> = self
            .states
            .iter()
            .filter(|r| r.intervals.iter().any(|&(a, b)| a < hi && b > lo))
            .collect();
        // Rows: states, then the bus; two extra rows on top for milestone labels.
        let n = shown.len() as f64 + 1.0;
        let top = n + 1.6;
        let (x0, x1) = (self.xv(lo), self.xv(hi));
        let mut chart = ChartBuilder::on(area)
            .margin(8)
            .margin_right(20)
            .x_label_area_size(34)
            .y_label_area_size(190)
            .build_cartesian_2d(x0..x1, 0f64..top)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(10)
            .x_label_formatter(&|v| style::tidy(*v))
            .x_desc(format!("{} (zoom)", self.x_desc()))
            .label_style(style::text(11, GREY))
            .axis_desc_style(style::text(11, GREY))
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(LIGHT)
            .draw()
            .map_err(draw_err)?;
        for (i, r) in shown.iter().enumerate() {
            let y0 = n - 1.0 - i as f64;
            let stalled = self
                .stall
                .as_ref()
                .is_some_and(|s| r.intervals.iter().any(|&(a, _)| a == s.time));
            let color = if stalled { RED } else { BLUE };
            row_label(
                area,
                &chart,
                (x0, y0 + 0.5),
                &r.name,
                if stalled { RED } else { BLACK },
            )?;
            chart
                .draw_series([PathElement::new([(x0, y0), (x1, y0)], LIGHT)])
                .map_err(draw_err)?;
            chart
                .draw_series(r.intervals.iter().filter(|&&(a, b)| a < hi && b > lo).map(
                    |&(a, b)| {
                        let (a, b) = (self.xv(a.max(lo)), self.xv(b.min(hi)));
                        Rectangle::new(
                            [(a, y0 + 0.2), (b.max(a + (x1 - x0) * 0.002), y0 + 0.8)],
                            color.mix(0.8).filled(),
                        )
                    },
                ))
                .map_err(draw_err)?;
        }
        // Bus commands with their names; labels alternate in height when they crowd.
        row_label(area, &chart, (x0, 0.5), "bus commands", BLACK)?;
        let px_per_x = area.dim_in_pixel().0 as f64 / (x1 - x0).max(1e-12);
        self.zoom_commands(&mut chart, px_per_x)?;
        self.zoom_milestones(&mut chart, (x0, x1), top)?;
        self.zoom_stall(&mut chart, (x0, x1), n)
    }

    /// The bus commands inside the zoom, one tick each, labelled by runs of one kind.
    fn zoom_commands<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        px_per_x: f64,
    ) -> Result<(), PlotError> {
        let (lo, hi) = self.zoom;
        let shown_cmds: Vec<&BusCommand> = self
            .commands
            .iter()
            .filter(|c| c.time >= lo && c.time <= hi)
            .collect();
        chart
            .draw_series(shown_cmds.iter().map(|c| {
                let x = self.xv(c.time);
                PathElement::new([(x, 0.1), (x, 0.45)], command_color(c.kind).stroke_width(2))
            }))
            .map_err(draw_err)?;
        // One label per run of same-kind commands too close to label one by one (the dummy
        // reads come every few cycles): `RD ×54`.
        let mut runs: Vec<(&str, f64, f64, usize)> = Vec::new();
        for c in &shown_cmds {
            let x = self.xv(c.time);
            match runs.last_mut() {
                Some(r) if r.0 == c.kind && (x - r.2) * px_per_x < 30.0 => {
                    r.2 = x;
                    r.3 += 1;
                }
                _ => runs.push((c.kind, x, x, 1)),
            }
        }
        let mut last_end = f64::NEG_INFINITY;
        let mut lift = false;
        for (kind, a, b, count) in runs {
            let label = if count > 1 {
                format!("{kind} ×{count}")
            } else {
                kind.to_string()
            };
            let x = (a + b) / 2.0;
            lift = if (x - last_end) * px_per_x < 40.0 {
                !lift
            } else {
                false
            };
            last_end = x;
            let color = command_color(kind);
            chart
                .draw_series([Text::new(
                    label,
                    (x, if lift { 0.92 } else { 0.5 }),
                    anchored(style::bold(10, color), HPos::Center, VPos::Bottom),
                )])
                .map_err(draw_err)?;
        }
        Ok(())
    }

    /// Milestones: dashed purple lines, labels staggered over the two top rows.
    fn zoom_milestones<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        (x0, x1): (f64, f64),
        top: f64,
    ) -> Result<(), PlotError> {
        let (lo, hi) = self.zoom;
        for (k, m) in self
            .milestones
            .iter()
            .filter(|m| m.time >= lo && m.time <= hi)
            .enumerate()
        {
            let x = self.xv(m.time);
            let ly = top - 0.05 - (k % 3) as f64 * 0.5;
            chart
                .draw_series(DashedLineSeries::new(
                    [(x, 0.0), (x, ly)],
                    5,
                    3,
                    PURPLE.stroke_width(1),
                ))
                .map_err(draw_err)?;
            chart
                .draw_series([Text::new(
                    format!("{} {}", m.label, style::time_label(m.time, self.time_base)),
                    (x, ly),
                    anchored(
                        style::bold(11, PURPLE),
                        if x > x0 + (x1 - x0) * 0.75 {
                            HPos::Right
                        } else {
                            HPos::Left
                        },
                        VPos::Top,
                    ),
                )])
                .map_err(draw_err)?;
        }
        Ok(())
    }

    /// The stall: a red line over the state rows with the stall's text.
    fn zoom_stall<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        (x0, x1): (f64, f64),
        n: f64,
    ) -> Result<(), PlotError> {
        let (lo, hi) = self.zoom;
        if let Some(s) = &self.stall {
            if s.time >= lo && s.time <= hi {
                let x = self.xv(s.time);
                chart
                    .draw_series([
                        PathElement::new([(x, 0.0), (x, n)], RED.stroke_width(3)).into_dyn(),
                        Text::new(
                            s.text.clone(),
                            (x, n + 0.05),
                            anchored(
                                style::bold(12, RED),
                                if x > x0 + (x1 - x0) * 0.5 {
                                    HPos::Right
                                } else {
                                    HPos::Left
                                },
                                VPos::Bottom,
                            ),
                        )
                        .into_dyn(),
                    ])
                    .map_err(draw_err)?;
            }
        }
        Ok(())
    }
}

impl Figure for TimelineFigure {
    fn natural_size(&self) -> Size {
        let (lo, hi) = self.zoom;
        let rows = self
            .states
            .iter()
            .filter(|r| r.intervals.iter().any(|&(a, b)| a < hi && b > lo))
            .count() as u32;
        Size {
            width: 1000,
            height: (400 + 26 * rows).max(600),
        }
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let (_, h) = area.dim_in_pixel();
        let (header, rest) = area.split_vertically(52);
        super::draw_title(&header, &self.title, &self.subtitle)?;
        let whole_h = ((h.saturating_sub(52)) as f64 * 0.36) as u32;
        let (top, bottom) = rest.split_vertically(whole_h);
        self.whole(&top)?;
        self.zoomed(&bottom)
    }
}

fn row_label<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &Chart<'_, DB>,
    at: (f64, f64),
    text: &str,
    color: RGBColor,
) -> Result<(), PlotError> {
    let (px, py) = chart.backend_coord(&at);
    let (bx, by) = area.get_base_pixel();
    area.draw(&Text::new(
        text.to_string(),
        (px - bx - 8, py - by),
        anchored(style::text(12, color), HPos::Right, VPos::Center),
    ))
    .map_err(draw_err)
}

fn stage_color(s: &StageBar) -> RGBColor {
    if s.open && s.stage != Stage::Done {
        return RED;
    }
    match s.stage {
        Stage::Clocking => GREY,
        Stage::MemorySetup => BLUE,
        Stage::TapCalibration => ORANGE,
        Stage::ReadLatency => PURPLE,
        Stage::Done => GREEN,
    }
}

fn command_color(kind: &str) -> RGBColor {
    match kind {
        "RD" => BLUE,
        "WR" => ORANGE,
        "REF" => GREEN,
        "MRS" => PURPLE,
        "PRE" => RED,
        _ => GREY,
    }
}

fn state_rows(capture: &Capture, profile: Profile, end: Time) -> Vec<StateRow> {
    let Some(v) = capture.ints("ddr_controller/init_state") else {
        return Vec::new();
    };
    let mut rows: Vec<StateRow> = Vec::new();
    for (i, &(t, code)) in v.iter().enumerate() {
        let Some(code) = code else { continue };
        let until = v.get(i + 1).map(|(t, _)| *t).unwrap_or(end);
        let row = match rows.iter_mut().position(|r| r.code == code) {
            Some(k) => &mut rows[k],
            None => {
                rows.push(StateRow {
                    code,
                    name: profile.init_state_name(code),
                    intervals: Vec::new(),
                });
                rows.last_mut().expect("just pushed")
            }
        };
        row.intervals.push((t, until.max(t)));
    }
    rows
}

/// Stage bars from the milestones. `memory_setup` begins when the 200 µs counter is first seen
/// counting (`cke_200us_cnt` leaves its reset value one refresh interval after the controller
/// leaves reset), or when `init_state` leaves idle if the counter is not captured.
fn stage_bars(f: &Facts, counter_start: Option<Time>, end: Time) -> Vec<StageBar> {
    let read_latency_end = f.comp_done.or(f.init_done);
    let setup_start = [counter_start, f.init_start].into_iter().flatten().min();
    let bounds = [
        (Stage::Clocking, Some(0), setup_start),
        (Stage::MemorySetup, setup_start, f.dummyread_start),
        (Stage::TapCalibration, f.dummyread_start, f.tap_sel_done),
        (Stage::ReadLatency, f.tap_sel_done, read_latency_end),
        (Stage::Done, f.init_done, None),
    ];
    bounds
        .into_iter()
        .filter_map(|(stage, start, stop)| {
            let start = start?;
            Some(StageBar {
                stage,
                start,
                end: stop.unwrap_or(end).max(start),
                open: stop.is_none(),
            })
        })
        .collect()
}

fn zoom_window(f: &Facts, stall: Option<Time>, states: &[StateRow], end: Time) -> (Time, Time) {
    let cyc = f.clock.period.max(1);
    let last_change = states
        .iter()
        .flat_map(|r| r.intervals.iter().map(|(a, _)| *a))
        .max();
    // Nothing ever happened (held in reset): the zoom shows the whole capture too.
    if f.commands.is_empty() && f.tap_sel_done.is_none() && last_change.unwrap_or(0) == 0 {
        return (0, end);
    }
    let anchor = f.tap_sel_done.or(stall).or(last_change).unwrap_or(0);
    let latest = [Some(anchor), f.comp_done, f.init_done, stall]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(anchor);
    let lo = anchor.saturating_sub(100 * cyc);
    let hi = (latest + 120 * cyc).min(end);
    if hi > lo + 50 * cyc {
        (lo, hi)
    } else {
        (end.saturating_sub(300 * cyc), end)
    }
}
