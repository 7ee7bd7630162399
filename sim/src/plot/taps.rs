//! `taps`: each DQ line's IDELAY tap over time during the stage-2 sweep, one small panel per
//! line: the group-wide increments, the individual walk, the tap where the sampled bit flipped
//! (the edge), where the walk stopped, the back-off and the final tap; a line that hit the
//! 55-increment ceiling without an edge is tinted red and crossed.

use super::style::{self, anchored, BLUE, GREEN, GREY, LIGHT, ORANGE, RED, RED_TINT};
use super::{draw_err, Chart, Figure, PlotError, Size};
use crate::analysis::{Clock, DqSweep, Facts, SweepSource};
use crate::diagnose::{Diagnosis, Verdict};
use migcal_traces::{Time, TimeBase};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// What the x axis counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum XAxis {
    /// Microseconds of capture time (sample-indexed captures fall back to cycles).
    Us,
    /// clk_0 cycles (rising edges from t = 0).
    Cycles,
}

/// One DQ line's tap history and the sweep's landmarks on it.
#[derive(Debug, Clone, PartialEq)]
pub struct TapLine {
    /// DQ line.
    pub dq: u32,
    /// tap_logic group.
    pub group: u32,
    /// The MIG signal(s) the history was read or rebuilt from.
    pub signal: String,
    /// Walked individually (not the group's first line in the minimodule build).
    pub walked: bool,
    /// Tap when the individual walk began.
    pub start_tap: u32,
    /// Tap where the sampled bit flipped, when found.
    pub edge_tap: Option<u32>,
    /// When the walk reached the edge tap.
    pub edge_time: Option<Time>,
    /// Tap where the walk stopped.
    pub peak_tap: u32,
    /// When the walk stopped.
    pub peak_time: Option<Time>,
    /// Decrements of the back-off.
    pub backoff: u32,
    /// Final tap.
    pub final_tap: u32,
    /// Hit the 55-increment ceiling without an edge.
    pub ceiling: bool,
    /// Tap value from each time on (the first entry is the reset value, 0).
    pub history: Vec<(Time, u32)>,
}

impl TapLine {
    /// Builds the line from the analysis' sweep record.
    pub fn from_sweep(s: &DqSweep, start: Time) -> TapLine {
        let mut tap = 0u32;
        let mut history = vec![(start, 0)];
        for st in &s.steps {
            tap = if st.inc {
                (tap + 1) % 64
            } else {
                (tap + 63) % 64
            };
            history.push((st.time, tap));
        }
        let ind: Vec<Time> = s
            .steps
            .iter()
            .filter(|st| !st.global)
            .map(|st| st.time)
            .collect();
        let w = s.walk_incs as usize;
        let peak_time = (w > 0).then(|| ind[w - 1]);
        let edge_time = s.edge_tap.and(if w >= 3 {
            Some(ind[w - 3])
        } else {
            ind.first().copied()
        });
        let signal = match s.source {
            SweepSource::IdelayTap => format!("idelay_dq[{}]/tap", s.dq),
            SweepSource::PerLineCe => format!("tap_logic/data_idelay_ce[{}], _inc", s.dq),
            SweepSource::GroupCeWithSelect => {
                format!("tap_logic/dlyce_dqs[{}] + chan_sel_int", s.group)
            }
            SweepSource::GroupCeOrder => format!("tap_logic/dlyce_dqs[{}] (walk order)", s.group),
        };
        TapLine {
            dq: s.dq,
            group: s.group,
            signal,
            walked: s.walked,
            start_tap: s.start_tap,
            edge_tap: s.edge_tap,
            edge_time,
            peak_tap: s.peak_tap,
            peak_time,
            backoff: s.backoff,
            final_tap: s.final_tap,
            ceiling: s.ceiling,
            history,
        }
    }

    /// One-line summary for the panel.
    pub fn summary(&self) -> String {
        if self.ceiling {
            format!("ceiling: no edge, final {}", self.final_tap)
        } else if !self.walked {
            format!("not walked (group's first line), final {}", self.final_tap)
        } else if let Some(e) = self.edge_tap {
            format!(
                "{} → edge {} → {} → final {}",
                self.start_tap, e, self.peak_tap, self.final_tap
            )
        } else {
            format!(
                "{} → {} → final {}",
                self.start_tap, self.peak_tap, self.final_tap
            )
        }
    }
}

/// The whole figure.
#[derive(Debug, Clone, PartialEq)]
pub struct TapsFigure {
    /// Title (names the capture).
    pub title: String,
    /// Verdict and stage-2 times.
    pub subtitle: String,
    /// What the x axis counts.
    pub x: XAxis,
    /// clk_0, for cycles.
    pub clock: Clock,
    /// Shown time window.
    pub window: (Time, Time),
    /// One entry per DQ line the capture lets us follow.
    pub lines: Vec<TapLine>,
    /// Panels per row (the tap_logic group size, at most 4).
    pub columns: u32,
}

impl TapsFigure {
    /// Builds the figure from the analysis and diagnosis of `source`.
    pub fn new(
        source: &str,
        facts: &Facts,
        diag: &Diagnosis,
        x: XAxis,
    ) -> Result<TapsFigure, PlotError> {
        if facts.per_dq.is_empty() {
            return Err(PlotError::NoData(format!(
                "{source}: no per-DQ tap history: the capture has neither idelay_dq[k]/tap nor tap_logic/dlyce_dqs and dlyinc_dqs (missing: {})",
                facts.missing.join(", ")
            )));
        }
        let x = match facts.time_base {
            TimeBase::Samples => XAxis::Cycles,
            TimeBase::Femtoseconds => x,
        };
        let times = facts
            .per_dq
            .iter()
            .flat_map(|s| s.steps.iter().map(|st| st.time));
        let (lo, hi) = times.fold((Time::MAX, 0), |(lo, hi), t| (lo.min(t), hi.max(t)));
        let window = if lo > hi {
            (0, facts.end_time.max(1))
        } else {
            let pad = ((hi - lo) / 25).max(facts.clock.period * 20);
            (
                lo.saturating_sub(pad),
                (hi + pad).min(facts.end_time.max(hi)),
            )
        };
        let lines: Vec<TapLine> = facts
            .per_dq
            .iter()
            .map(|s| TapLine::from_sweep(s, window.0))
            .collect();
        let verdict = match diag.verdict {
            Verdict::Pass => "PASS".to_string(),
            Verdict::Fail => format!("FAIL in {}", diag.stage.name()),
        };
        let at = |t: Option<Time>| {
            t.map(|t| style::time_label(t, facts.time_base))
                .unwrap_or_else(|| "never".into())
        };
        let moved = if lo > hi {
            " · no IDELAY tap moved in the capture"
        } else {
            ""
        };
        let ceiling = style::dq_note(
            " · at the ceiling: ",
            lines.iter().filter(|l| l.ceiling).map(|l| l.dq),
        );
        Ok(TapsFigure {
            title: format!(
                "IDELAY tap sweep per DQ line: {}",
                style::short_name(source)
            ),
            subtitle: format!(
                "{verdict} · ctrl_dummyread_start {} · tap_sel_done {}{ceiling}{moved}",
                at(facts.dummyread_start),
                at(facts.tap_sel_done)
            ),
            x,
            clock: facts.clock,
            window,
            columns: facts.profile.lines_per_group().min(4),
            lines,
        })
    }

    fn xv(&self, t: Time) -> f64 {
        match self.x {
            XAxis::Us => style::us(t),
            XAxis::Cycles => {
                (t as f64 - self.clock.first_edge as f64) / self.clock.period.max(1) as f64
            }
        }
    }

    fn x_desc(&self) -> &'static str {
        match self.x {
            XAxis::Us => "time (µs)",
            XAxis::Cycles => "clk_0 cycle",
        }
    }

    fn rows(&self) -> u32 {
        (self.lines.len() as u32).div_ceil(self.columns.max(1))
    }

    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        line: &TapLine,
    ) -> Result<(), PlotError> {
        let (head, area) = area.split_vertically(20);
        panel_head(&head, line)?;
        let (x0, x1) = (self.xv(self.window.0), self.xv(self.window.1));
        let x1 = if x1 > x0 { x1 } else { x0 + 1.0 };
        let mut chart = ChartBuilder::on(&area)
            .margin(6)
            .margin_top(2)
            .x_label_area_size(30)
            .y_label_area_size(34)
            .build_cartesian_2d(x0..x1, -3f64..67f64)
            .map_err(draw_err)?;
        if line.ceiling {
            chart.plotting_area().fill(&RED_TINT).map_err(draw_err)?;
        }
        chart
            .configure_mesh()
            .x_labels(4)
            .y_labels(5)
            .x_label_formatter(&|v| style::tidy(*v))
            .y_label_formatter(&|v| format!("{}", v.round() as i64))
            .label_style(style::text(11, GREY))
            .axis_desc_style(style::text(11, GREY))
            .x_desc(self.x_desc())
            .y_desc(format!("tap ({})", line.signal))
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(LIGHT)
            .draw()
            .map_err(draw_err)?;
        self.curve(&mut chart, line)?;
        final_tap_line(&mut chart, line, (x0, x1))?;
        self.markers(&mut chart, line, (x0, x1))
    }

    /// The tap curve as a staircase, broken where the tap wraps (63 -> 0 or 0 -> 63) so a wrap
    /// does not draw a line across the panel.
    fn curve<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        line: &TapLine,
    ) -> Result<(), PlotError> {
        let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        let mut prev: Option<u32> = None;
        let mut wraps: Vec<f64> = Vec::new();
        for &(t, tap) in &line.history {
            let x = self.xv(t.max(self.window.0));
            if let Some(p) = prev {
                let wrapped = (p == 63 && tap == 0) || (p == 0 && tap == 63);
                if wrapped {
                    segments.last_mut().unwrap().push((x, p as f64));
                    segments.push(Vec::new());
                    wraps.push(x);
                } else {
                    segments.last_mut().unwrap().push((x, p as f64));
                }
            }
            segments.last_mut().unwrap().push((x, tap as f64));
            prev = Some(tap);
        }
        if let Some(p) = prev {
            segments
                .last_mut()
                .unwrap()
                .push((self.xv(self.window.1), p as f64));
        }
        let curve = if line.ceiling { RED } else { BLUE };
        for seg in segments.into_iter().filter(|s| s.len() > 1) {
            chart
                .draw_series(LineSeries::new(seg, curve.stroke_width(2)))
                .map_err(draw_err)?;
        }
        // A wrap is the same tap register going past 63: a dotted connector keeps the curve
        // readable as one walk.
        for x in wraps {
            chart
                .draw_series(DashedLineSeries::new(
                    [(x, 0.0), (x, 63.0)],
                    2,
                    3,
                    curve.mix(0.6).stroke_width(1),
                ))
                .map_err(draw_err)?;
        }
        Ok(())
    }

    /// The edge (a dot), the peak of the walk (a triangle, or a cross at the ceiling) and the
    /// back-off from it.
    fn markers<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        line: &TapLine,
        (x0, x1): (f64, f64),
    ) -> Result<(), PlotError> {
        if let (Some(e), Some(t)) = (line.edge_tap, line.edge_time) {
            let p = (self.xv(t), e as f64);
            chart
                .draw_series([
                    Circle::new(p, 4, ORANGE.filled()).into_dyn(),
                    Text::new(
                        format!("edge {e}"),
                        (p.0, p.1 + 3.0),
                        anchored(style::bold(11, ORANGE), HPos::Right, VPos::Bottom),
                    )
                    .into_dyn(),
                ])
                .map_err(draw_err)?;
        }
        let Some(t) = line.peak_time else {
            return Ok(());
        };
        let p = (self.xv(t), line.peak_tap as f64);
        if line.ceiling {
            chart
                .draw_series([
                    Cross::new(p, 7, RED.stroke_width(3)).into_dyn(),
                    Text::new(
                        "ceiling",
                        (p.0, (p.1 + 4.0).min(63.0)),
                        anchored(style::bold(12, RED), HPos::Center, VPos::Bottom),
                    )
                    .into_dyn(),
                ])
                .map_err(draw_err)?;
        } else {
            chart
                .draw_series([TriangleMarker::new(p, 4, BLACK.filled())])
                .map_err(draw_err)?;
        }
        if line.backoff > 0 {
            chart
                .draw_series([Text::new(
                    format!("-{}", line.backoff),
                    (p.0 + (x1 - x0) * 0.035, (p.1 + line.final_tap as f64) / 2.0),
                    anchored(style::text(11, GREY), HPos::Left, VPos::Center),
                )])
                .map_err(draw_err)?;
        }
        Ok(())
    }
}

/// The panel's heading: the line's name and its summary.
fn panel_head<DB: DrawingBackend>(
    head: &DrawingArea<DB, Shift>,
    line: &TapLine,
) -> Result<(), PlotError> {
    let color = if line.ceiling { RED } else { BLACK };
    let dq = format!("DQ{}", line.dq);
    head.draw(&Text::new(dq.clone(), (40, 4), style::bold(13, color)))
        .map_err(draw_err)?;
    let dq_w = head
        .estimate_text_size(&dq, &style::bold(13, color))
        .map_err(draw_err)?
        .0 as i32;
    head.draw(&Text::new(
        line.summary(),
        (46 + dq_w, 5),
        style::text(12, if line.ceiling { RED } else { GREY }),
    ))
    .map_err(draw_err)?;
    Ok(())
}

/// The final tap: a dashed green line across the panel with its value.
fn final_tap_line<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    line: &TapLine,
    (x0, x1): (f64, f64),
) -> Result<(), PlotError> {
    let fy = line.final_tap as f64;
    chart
        .draw_series(DashedLineSeries::new(
            [(x0, fy), (x1, fy)],
            6,
            4,
            GREEN.stroke_width(1),
        ))
        .map_err(draw_err)?;
    let label_y = if fy > 52.0 { fy - 2.0 } else { fy + 2.0 };
    let v = if fy > 52.0 { VPos::Top } else { VPos::Bottom };
    chart
        .draw_series(std::iter::once(Text::new(
            format!("final {}", line.final_tap),
            (x1, label_y),
            anchored(style::bold(11, GREEN), HPos::Right, v),
        )))
        .map_err(draw_err)?;
    Ok(())
}

impl Figure for TapsFigure {
    fn natural_size(&self) -> Size {
        Size {
            width: 1000,
            height: (90 + 260 * self.rows()).max(600),
        }
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let (w, h) = area.dim_in_pixel();
        let (header, rest) = area.split_vertically(52);
        super::draw_title(&header, &self.title, &self.subtitle)?;
        let (body, legend) = rest.split_vertically(h.saturating_sub(52 + 26));
        let panels = body.split_evenly((self.rows() as usize, self.columns.max(1) as usize));
        for (panel, line) in panels.iter().zip(&self.lines) {
            self.panel(panel, line)?;
        }
        legend_row(&legend, w)?;
        Ok(())
    }
}

fn legend_row<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, w: u32) -> Result<(), PlotError> {
    let y = 12;
    let t = |s: &str, x: i32| {
        Text::new(
            s.to_string(),
            (x, y),
            anchored(style::text(12, GREY), HPos::Left, VPos::Center),
        )
    };
    let mut x = 14;
    area.draw(&PathElement::new(
        [(x, y), (x + 22, y)],
        BLUE.stroke_width(2),
    ))
    .map_err(draw_err)?;
    area.draw(&t("tap", x + 28)).map_err(draw_err)?;
    x += 70;
    area.draw(&Circle::new((x + 6, y), 4, ORANGE.filled()))
        .map_err(draw_err)?;
    area.draw(&t("edge: sampled bit flipped", x + 16))
        .map_err(draw_err)?;
    x += 200;
    area.draw(&TriangleMarker::new((x + 6, y), 4, BLACK.filled()))
        .map_err(draw_err)?;
    area.draw(&t("walk stopped (edge + 2), then back-off", x + 16))
        .map_err(draw_err)?;
    x += 275;
    for dx in [0, 8, 16] {
        area.draw(&PathElement::new(
            [(x + dx, y), (x + dx + 5, y)],
            GREEN.stroke_width(1),
        ))
        .map_err(draw_err)?;
    }
    area.draw(&t("final tap", x + 28)).map_err(draw_err)?;
    x += 100;
    area.draw(&Cross::new((x + 6, y), 6, RED.stroke_width(3)))
        .map_err(draw_err)?;
    area.draw(&t("55-increment ceiling, no edge", x + 16))
        .map_err(draw_err)?;
    let _ = w;
    Ok(())
}
