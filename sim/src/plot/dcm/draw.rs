//! Draws a [`DcmFigure`]: one digital row per wave, the 200 ms windows on RST, the numbered
//! evidence, and the findings in words under the chart.

use super::{DcmFigure, Wave};
use crate::plot::style::{self, anchored, BLUE, GREEN, GREY, LIGHT, ORANGE, RED};
use crate::plot::{draw_err, Figure, PlotError, Size};
use migcal_model::dcm::fmt_duration;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::TextStyle;

/// The waveform chart: x in ms, one unit of y per row.
type Chart<'a, 'b, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

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
        super::super::draw_title(&header, &self.title, &self.subtitle)?;
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
            wave(&mut chart, wv, y0, x1)?;
        }
        self.rst_windows(&mut chart, &row_y, x1)?;
        self.marks(&mut chart, &row_y)?;
        self.notes(&notes, w.saturating_sub(40))
    }
}

/// One digital trace on its row: low at y0+0.2, high at y0+0.75, unknown as a grey band, and
/// LOCKED's high stretches shaded.
fn wave<DB: DrawingBackend>(
    chart: &mut Chart<'_, '_, DB>,
    wv: &Wave,
    y0: f64,
    x1: f64,
) -> Result<(), PlotError> {
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
                spans
                    .into_iter()
                    .map(|(a, b)| Rectangle::new([(a, lo), (b, hi)], GREEN.mix(0.25).filled())),
            )
            .map_err(draw_err)?;
    }
    chart
        .draw_series(LineSeries::new(pts, color.stroke_width(2)))
        .map_err(draw_err)?;
    Ok(())
}

impl DcmFigure {
    /// The 200 ms rule on every RST pulse it applies to.
    fn rst_windows<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, '_, DB>,
        row_y: &dyn Fn(usize) -> f64,
        x1: f64,
    ) -> Result<(), PlotError> {
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
        Ok(())
    }

    /// The numbered evidence marks.
    fn marks<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, '_, DB>,
        row_y: &dyn Fn(usize) -> f64,
    ) -> Result<(), PlotError> {
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
        Ok(())
    }

    /// Findings, numbered evidence and notes in words under the chart, wrapped to `width`.
    fn notes<DB: DrawingBackend>(
        &self,
        notes: &DrawingArea<DB, Shift>,
        width: u32,
    ) -> Result<(), PlotError> {
        let mut lines: Vec<(String, TextStyle<'static>, i32)> = Vec::new();
        for (k, f) in self.findings.iter().enumerate() {
            let st = style::bold(12, RED);
            for l in wrap(notes, &format!("finding {}: {f}", k + 1), &st, width)? {
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
            for l in wrap(notes, &text, &st, width)? {
                lines.push((l, st.clone(), 24));
            }
        }
        for n in &self.notes {
            let st = style::text(12, GREY);
            for l in wrap(notes, &format!("note: {n}"), &st, width)? {
                lines.push((l, st.clone(), 12));
            }
        }
        for (i, (text, st, x)) in lines.into_iter().enumerate() {
            notes
                .draw(&Text::new(text, (x, 4 + 18 * i as i32), st))
                .map_err(draw_err)?;
        }
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
