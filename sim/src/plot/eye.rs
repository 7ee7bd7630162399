//! `eye`: per DQ line, what the stage-2 sweep saw of the data window against the final sampling
//! point: the taps the walk crossed with the sampled bit stable, the edge where it flipped, the
//! final tap after the back-off, and the margin between them, in ps (bottom axis) and taps (top
//! axis). The line with the least margin is highlighted; lines that found no edge are red.

use super::style::{self, anchored, BLUE, GREEN, GREY, LIGHT, ORANGE, RED, RED_TINT, YELLOW_TINT};
use super::{draw_err, Chart, Figure, PlotError, Size};
use crate::analysis::Facts;
use crate::diagnose::{Diagnosis, PerDq, Verdict};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// One DQ line's row.
#[derive(Debug, Clone, PartialEq)]
pub struct EyeRow {
    /// The diagnosis' per-line summary (taps, edge, margin).
    pub line: PerDq,
    /// The line with the least margin among lines with an edge.
    pub worst: bool,
}

/// The whole figure.
#[derive(Debug, Clone, PartialEq)]
pub struct EyeFigure {
    /// Title.
    pub title: String,
    /// Verdict, tap size, worst margin.
    pub subtitle: String,
    /// IDELAY tap size, ps.
    pub tap_ps: f64,
    /// Rows, DQ order.
    pub rows: Vec<EyeRow>,
}

impl EyeFigure {
    /// Builds the figure from the diagnosis' per-DQ summaries (computed with `tap_ps`).
    pub fn new(
        source: &str,
        facts: &Facts,
        diag: &Diagnosis,
        tap_ps: f64,
    ) -> Result<EyeFigure, PlotError> {
        if diag.per_dq.is_empty() {
            return Err(PlotError::NoData(format!(
                "{source}: no per-DQ sweep to draw: the capture has neither idelay_dq[k]/tap nor tap_logic/dlyce_dqs and dlyinc_dqs (missing: {})",
                facts.missing.join(", ")
            )));
        }
        let worst = diag
            .per_dq
            .iter()
            .filter(|d| d.margin_taps.is_some())
            .min_by_key(|d| (d.margin_taps, d.dq))
            .map(|d| d.dq);
        let rows: Vec<EyeRow> = diag
            .per_dq
            .iter()
            .map(|d| {
                // Margins in ps follow this figure's tap size, whatever the diagnosis used.
                let mut line = d.clone();
                line.margin_ps = line.margin_taps.map(|m| m as f64 * tap_ps);
                EyeRow {
                    line,
                    worst: Some(d.dq) == worst,
                }
            })
            .collect();
        let verdict = match diag.verdict {
            Verdict::Pass => "PASS".to_string(),
            Verdict::Fail => format!("FAIL in {}", diag.stage.name()),
        };
        let worst_text = rows
            .iter()
            .find(|r| r.worst)
            .and_then(|r| Some((r.line.dq, r.line.margin_taps?, r.line.margin_ps?)))
            .map(|(dq, t, ps)| {
                let ties = rows
                    .iter()
                    .filter(|r| r.line.margin_taps == Some(t))
                    .count();
                let tie = if ties > 1 {
                    format!(" ({ties} lines tie)")
                } else {
                    String::new()
                };
                format!(
                    "worst margin DQ{dq}: {t} taps = {} ps{tie}",
                    style::tidy(ps)
                )
            })
            .unwrap_or_else(|| "no line found an edge".into());
        let no_edge = style::dq_note(
            " · no edge (ceiling): ",
            rows.iter().filter(|r| r.line.ceiling).map(|r| r.line.dq),
        );
        Ok(EyeFigure {
            title: format!(
                "Data window against the sampling point: {}",
                style::short_name(source)
            ),
            subtitle: format!(
                "{verdict} · tap = {} ps (--tap-ps) · margin = edge − final tap · {worst_text}{no_edge}",
                style::tidy(tap_ps)
            ),
            tap_ps,
            rows,
        })
    }
}

impl Figure for EyeFigure {
    fn natural_size(&self) -> Size {
        Size {
            width: 1000,
            height: (150 + 50 * self.rows.len() as u32).max(600),
        }
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let (_, h) = area.dim_in_pixel();
        let (header, rest) = area.split_vertically(52);
        super::draw_title(&header, &self.title, &self.subtitle)?;
        let (body, legend) = rest.split_vertically(h.saturating_sub(52 + 26));
        let n = self.rows.len() as i32;
        let span = 64.0 * self.tap_ps;
        // Row i (DQ order, top first) occupies y in [n-1-i, n-i].
        let mut chart = ChartBuilder::on(&body)
            .margin(10)
            .margin_right(20)
            .x_label_area_size(36)
            .top_x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..span, 0f64..n as f64)
            .map_err(draw_err)?
            .set_secondary_coord(0f64..64f64, 0f64..n as f64);
        for (i, r) in self.rows.iter().enumerate() {
            let y0 = (n - 1 - i as i32) as f64;
            if r.line.ceiling || r.worst {
                let tint = if r.line.ceiling {
                    RED_TINT
                } else {
                    YELLOW_TINT
                };
                chart
                    .draw_series([Rectangle::new([(0.0, y0), (span, y0 + 1.0)], tint.filled())])
                    .map_err(draw_err)?;
            }
        }
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(11)
            .x_label_formatter(&|v| style::tidy(*v))
            .x_desc("IDELAY delay (ps)")
            .label_style(style::text(12, GREY))
            .axis_desc_style(style::text(12, GREY))
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(LIGHT)
            .draw()
            .map_err(draw_err)?;
        chart
            .configure_secondary_axes()
            .x_labels(17)
            .x_label_formatter(&|v| format!("{}", v.round() as i64))
            .x_desc("tap")
            .label_style(style::text(12, GREY))
            .axis_desc_style(style::text(12, GREY))
            .draw()
            .map_err(draw_err)?;

        for (i, r) in self.rows.iter().enumerate() {
            let y0 = (n - 1 - i as i32) as f64;
            let row = Row {
                r,
                y0,
                tp: self.tap_ps,
                span,
            };
            row.label(&mut chart, &body)?;
            row.walk(&mut chart)?;
            row.final_marker(&mut chart)?;
        }
        legend_row(&legend)
    }
}

/// One DQ line's row as it is drawn: `y0` is its bottom, `tp` the tap size in ps.
struct Row<'r> {
    r: &'r EyeRow,
    y0: f64,
    tp: f64,
    span: f64,
}

impl Row<'_> {
    fn ps(&self, tap: u32) -> f64 {
        tap as f64 * self.tp
    }

    /// The row label on the left, in the label area (drawn in pixel space), and the row's rule.
    fn label<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        body: &DrawingArea<DB, Shift>,
    ) -> Result<(), PlotError> {
        let (r, d, y0) = (self.r, &self.r.line, self.y0);
        let (lx, ly) = chart.backend_coord(&(0.0, y0 + 0.5));
        let (bx, by) = body.get_base_pixel();
        let (lx, ly) = (lx - bx, ly - by);
        let label_color = if d.ceiling {
            RED
        } else if r.worst {
            ORANGE
        } else {
            BLACK
        };
        body.draw(&Text::new(
            format!("DQ{}", d.dq),
            (lx - 10, ly),
            anchored(style::bold(14, label_color), HPos::Right, VPos::Center),
        ))
        .map_err(draw_err)?;
        if r.worst {
            body.draw(&Text::new(
                "worst",
                (lx - 10, ly + 15),
                anchored(style::bold(11, ORANGE), HPos::Right, VPos::Center),
            ))
            .map_err(draw_err)?;
        }
        chart
            .draw_series([PathElement::new([(0.0, y0), (self.span, y0)], LIGHT)])
            .map_err(draw_err)?;
        Ok(())
    }

    /// What the walk saw: the taps crossed to the edge and the margin, the ceiling, or the note
    /// that the line was never walked on its own.
    fn walk<DB: DrawingBackend>(&self, chart: &mut Chart<'_, DB>) -> Result<(), PlotError> {
        let d = &self.r.line;
        if d.ceiling {
            self.ceiling(chart)
        } else if let Some(e) = d.edge_tap {
            self.edge(chart, e)?;
            match (d.margin_taps, d.margin_ps) {
                (Some(mt), Some(mps)) => self.margin(chart, e, mt, mps),
                _ => Ok(()),
            }
        } else if !d.walked {
            self.unwalked(chart)
        } else {
            Ok(())
        }
    }

    fn ceiling<DB: DrawingBackend>(&self, chart: &mut Chart<'_, DB>) -> Result<(), PlotError> {
        let (d, y0) = (&self.r.line, self.y0);
        // The walk crossed 55 taps from the start tap (wrapping at 64) and the sampled bit
        // never flipped.
        let end = d.start_tap + 55;
        let mut spans = vec![(d.start_tap, end.min(64))];
        if end > 64 {
            spans.push((0, end - 64));
        }
        for (a, b) in spans {
            chart
                .draw_series([Rectangle::new(
                    [(self.ps(a), y0 + 0.3), (self.ps(b), y0 + 0.7)],
                    RED.mix(0.35).filled(),
                )])
                .map_err(draw_err)?;
        }
        chart
            .draw_series([Text::new(
                format!(
                    "no edge in 55 taps from tap {} (ceiling): no data window seen",
                    d.start_tap
                ),
                (self.ps(d.start_tap) + 4.0, y0 + 0.72),
                anchored(style::bold(12, RED), HPos::Left, VPos::Bottom),
            )])
            .map_err(draw_err)?;
        Ok(())
    }

    fn edge<DB: DrawingBackend>(&self, chart: &mut Chart<'_, DB>, e: u32) -> Result<(), PlotError> {
        let (d, y0) = (&self.r.line, self.y0);
        let (a, b) = (d.start_tap.min(e), e);
        let pe = self.ps(e);
        chart
            .draw_series([
                Rectangle::new(
                    [(self.ps(a), y0 + 0.3), (self.ps(b), y0 + 0.7)],
                    GREEN.mix(0.35).filled(),
                )
                .into_dyn(),
                PathElement::new([(pe, y0 + 0.1), (pe, y0 + 0.9)], ORANGE.stroke_width(3))
                    .into_dyn(),
                Text::new(
                    format!("edge {e}"),
                    if e > 56 {
                        (pe - 6.0, y0 + 0.88)
                    } else {
                        (pe + 6.0, y0 + 0.88)
                    },
                    anchored(
                        style::bold(11, ORANGE),
                        if e > 56 { HPos::Right } else { HPos::Left },
                        VPos::Top,
                    ),
                )
                .into_dyn(),
            ])
            .map_err(draw_err)?;
        Ok(())
    }

    fn margin<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        e: u32,
        mt: u32,
        mps: f64,
    ) -> Result<(), PlotError> {
        let (r, d, y0, tp) = (self.r, &self.r.line, self.y0, self.tp);
        let yc = y0 + 0.5;
        let f = self.ps(d.final_tap);
        let to = if d.final_tap <= e {
            self.ps(e)
        } else {
            self.ps(e) + 64.0 * tp
        };
        let color = if r.worst { ORANGE } else { GREY };
        chart
            .draw_series([
                PathElement::new([(f, yc), (to.min(64.0 * tp), yc)], color.stroke_width(2))
                    .into_dyn(),
                Text::new(
                    format!("margin {mt} taps = {} ps", style::tidy(mps)),
                    ((f + to.min(64.0 * tp)) / 2.0, y0 + 0.12),
                    anchored(
                        if r.worst {
                            style::bold(11, ORANGE)
                        } else {
                            style::text(11, GREY)
                        },
                        HPos::Center,
                        VPos::Bottom,
                    ),
                )
                .into_dyn(),
            ])
            .map_err(draw_err)?;
        Ok(())
    }

    fn unwalked<DB: DrawingBackend>(&self, chart: &mut Chart<'_, DB>) -> Result<(), PlotError> {
        let (d, yc, tp) = (&self.r.line, self.y0 + 0.5, self.tp);
        let right = d.final_tap > 28;
        chart
            .draw_series([Text::new(
                "not walked individually (first line of its group): only group-wide increments"
                    .to_string(),
                if right {
                    (self.ps(d.final_tap) - 2.0 * tp, yc)
                } else {
                    (self.ps(d.final_tap) + 2.0 * tp, yc)
                },
                anchored(
                    style::text(12, GREY),
                    if right { HPos::Right } else { HPos::Left },
                    VPos::Center,
                ),
            )])
            .map_err(draw_err)?;
        Ok(())
    }

    /// The sampling point: a diamond at the final tap.
    fn final_marker<DB: DrawingBackend>(&self, chart: &mut Chart<'_, DB>) -> Result<(), PlotError> {
        let (d, y0, tp) = (&self.r.line, self.y0, self.tp);
        let (yc, f) = (y0 + 0.5, self.ps(d.final_tap));
        chart
            .draw_series([
                Polygon::new(
                    vec![
                        (f - 0.6 * tp, yc),
                        (f, yc + 0.22),
                        (f + 0.6 * tp, yc),
                        (f, yc - 0.22),
                    ],
                    BLUE.filled(),
                )
                .into_dyn(),
                Text::new(
                    format!("final {}", d.final_tap),
                    (f - 6.0, y0 + 0.88),
                    anchored(style::bold(11, BLUE), HPos::Right, VPos::Top),
                )
                .into_dyn(),
            ])
            .map_err(draw_err)?;
        Ok(())
    }
}

fn legend_row<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
    let y = 12;
    let t = |s: &str, x: i32| {
        Text::new(
            s.to_string(),
            (x, y),
            anchored(style::text(12, GREY), HPos::Left, VPos::Center),
        )
    };
    let mut x = 14;
    area.draw(&Rectangle::new(
        [(x, y - 5), (x + 22, y + 5)],
        GREEN.mix(0.35).filled(),
    ))
    .map_err(draw_err)?;
    area.draw(&t(
        "sampled bit stable while the walk crossed these taps",
        x + 28,
    ))
    .map_err(draw_err)?;
    x += 360;
    area.draw(&PathElement::new(
        [(x + 6, y - 7), (x + 6, y + 7)],
        ORANGE.stroke_width(3),
    ))
    .map_err(draw_err)?;
    area.draw(&t("edge (bit flipped)", x + 16))
        .map_err(draw_err)?;
    x += 140;
    area.draw(&Polygon::new(
        vec![(x, y), (x + 6, y - 6), (x + 12, y), (x + 6, y + 6)],
        BLUE.filled(),
    ))
    .map_err(draw_err)?;
    area.draw(&t("final tap (sampling point)", x + 18))
        .map_err(draw_err)?;
    x += 200;
    area.draw(&Rectangle::new(
        [(x, y - 5), (x + 22, y + 5)],
        RED.mix(0.35).filled(),
    ))
    .map_err(draw_err)?;
    area.draw(&t("walked, no edge", x + 28)).map_err(draw_err)?;
    Ok(())
}
