//! A shmoo plot: a pass/fail map over a grid of two swept parameters (for example board delay
//! against temperature, or tap size against jitter). The sweep command builds the grid; this
//! module only checks it and draws it: green pass, red fail, grey not run.

use super::style::{self, anchored, GREEN, GREY, LIGHT, RED};
use super::{draw_err, Figure, PlotError};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// One point of a sweep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShmooCell {
    /// The x parameter's value.
    pub x: f64,
    /// The y parameter's value.
    pub y: f64,
    /// Did the run pass?
    pub pass: bool,
}

/// The checked grid.
#[derive(Debug, Clone, PartialEq)]
pub struct ShmooFigure {
    /// Title.
    pub title: String,
    /// x parameter with unit (`dq_delay_ps[3] (ps)`).
    pub x_label: String,
    /// y parameter with unit.
    pub y_label: String,
    /// Distinct x values, ascending.
    pub xs: Vec<f64>,
    /// Distinct y values, ascending.
    pub ys: Vec<f64>,
    /// `grid[j * xs.len() + i]`: result at (`xs[i]`, `ys[j]`); `None` = not run.
    pub grid: Vec<Option<bool>>,
}

impl ShmooFigure {
    /// Checks the cells (finite values, no point twice) and lays them on a grid of their
    /// distinct x and y values.
    pub fn new(
        title: &str,
        x_label: &str,
        y_label: &str,
        cells: &[ShmooCell],
    ) -> Result<ShmooFigure, PlotError> {
        if cells.is_empty() {
            return Err(PlotError::NoData("shmoo: no sweep point to draw".into()));
        }
        if let Some(c) = cells.iter().find(|c| !c.x.is_finite() || !c.y.is_finite()) {
            return Err(PlotError::NoData(format!(
                "shmoo: point ({}, {}): expected finite values",
                c.x, c.y
            )));
        }
        let distinct = |f: fn(&ShmooCell) -> f64| {
            let mut v: Vec<f64> = cells.iter().map(f).collect();
            v.sort_by(f64::total_cmp);
            v.dedup();
            v
        };
        let xs = distinct(|c| c.x);
        let ys = distinct(|c| c.y);
        let mut grid = vec![None; xs.len() * ys.len()];
        for c in cells {
            let i = xs.partition_point(|v| *v < c.x);
            let j = ys.partition_point(|v| *v < c.y);
            let slot = &mut grid[j * xs.len() + i];
            if slot.is_some() {
                return Err(PlotError::NoData(format!(
                    "shmoo: point ({}, {}) given twice; expected one result per point",
                    c.x, c.y
                )));
            }
            *slot = Some(c.pass);
        }
        Ok(ShmooFigure {
            title: title.to_string(),
            x_label: x_label.to_string(),
            y_label: y_label.to_string(),
            xs,
            ys,
            grid,
        })
    }

    /// Passing points.
    pub fn passes(&self) -> usize {
        self.grid.iter().filter(|c| **c == Some(true)).count()
    }

    /// Failing points.
    pub fn fails(&self) -> usize {
        self.grid.iter().filter(|c| **c == Some(false)).count()
    }
}

impl Figure for ShmooFigure {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let (nx, ny) = (self.xs.len() as u32, self.ys.len() as u32);
        let (header, body) = area.split_vertically(52);
        header
            .draw(&Text::new(
                self.title.clone(),
                (12, 6),
                style::bold(18, BLACK),
            ))
            .map_err(draw_err)?;
        header
            .draw(&Text::new(
                format!(
                    "{} pass · {} fail · {} not run",
                    self.passes(),
                    self.fails(),
                    self.grid.len() - self.passes() - self.fails()
                ),
                (12, 30),
                style::text(13, GREY),
            ))
            .map_err(draw_err)?;
        let xs = self.xs.clone();
        let ys = self.ys.clone();
        let mut chart = ChartBuilder::on(&body)
            .margin(12)
            .margin_right(24)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d((0..nx).into_segmented(), (0..ny).into_segmented())
            .map_err(draw_err)?;
        let fmt = |vals: &[f64], v: &SegmentValue<u32>| match v {
            SegmentValue::CenterOf(i) => vals
                .get(*i as usize)
                .map(|x| style::tidy(*x))
                .unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(nx.min(16) as usize)
            .y_labels(ny.min(16) as usize)
            .x_label_formatter(&|v| fmt(&xs, v))
            .y_label_formatter(&|v| fmt(&ys, v))
            .x_desc(self.x_label.clone())
            .y_desc(self.y_label.clone())
            .label_style(style::text(12, GREY))
            .axis_desc_style(style::text(13, GREY))
            .draw()
            .map_err(draw_err)?;
        chart
            .draw_series(
                (0..ny)
                    .flat_map(|j| (0..nx).map(move |i| (i, j)))
                    .map(|(i, j)| {
                        let color = match self.grid[(j * nx + i) as usize] {
                            Some(true) => GREEN,
                            Some(false) => RED,
                            None => LIGHT,
                        };
                        Rectangle::new(
                            [
                                (SegmentValue::Exact(i), SegmentValue::Exact(j + 1)),
                                (SegmentValue::Exact(i + 1), SegmentValue::Exact(j)),
                            ],
                            color.filled(),
                        )
                    }),
            )
            .map_err(draw_err)?;
        // Cell letters for a grey-scale print or a colour-blind reader, when cells are big.
        if nx <= 24 && ny <= 16 {
            chart
                .draw_series(
                    (0..ny)
                        .flat_map(|j| (0..nx).map(move |i| (i, j)))
                        .filter_map(|(i, j)| {
                            let t = match self.grid[(j * nx + i) as usize]? {
                                true => "P",
                                false => "F",
                            };
                            Some(Text::new(
                                t,
                                (SegmentValue::CenterOf(i), SegmentValue::CenterOf(j)),
                                anchored(style::bold(12, WHITE), HPos::Center, VPos::Center),
                            ))
                        }),
                )
                .map_err(draw_err)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::{render_svg, Size};

    fn cells() -> Vec<ShmooCell> {
        let mut v = Vec::new();
        for (i, x) in [0.0, 150.0, 300.0].into_iter().enumerate() {
            for (j, y) in [25.0, 85.0].into_iter().enumerate() {
                v.push(ShmooCell {
                    x,
                    y,
                    pass: !(i == 2 && j == 1),
                });
            }
        }
        v
    }

    #[test]
    fn grid_is_built_and_drawn() {
        let f = ShmooFigure::new(
            "DQ3 delay vs temperature",
            "delay (ps)",
            "temperature (°C)",
            &cells(),
        )
        .unwrap();
        assert_eq!(f.xs, vec![0.0, 150.0, 300.0]);
        assert_eq!(f.ys, vec![25.0, 85.0]);
        assert_eq!((f.passes(), f.fails()), (5, 1));
        assert_eq!(f.grid[3 + 2], Some(false), "x = 300, y = 85");
        let svg = render_svg(&f, Size::DEFAULT).unwrap();
        // One filled cell per point in its colour, and the letters.
        assert_eq!(svg.matches("fill=\"#289628\"").count(), 5, "green cells");
        assert_eq!(svg.matches("fill=\"#CD1E1E\"").count(), 1, "red cells");
        assert_eq!(svg.matches("\nF\n</text>").count(), 1);
        assert_eq!(svg.matches("\nP\n</text>").count(), 5);
        for label in [
            "150",
            "300",
            "85",
            "delay (ps)",
            "temperature (°C)",
            "5 pass · 1 fail",
        ] {
            assert!(svg.contains(label), "{label} missing");
        }
        assert_eq!(svg, render_svg(&f, Size::DEFAULT).unwrap(), "deterministic");
    }

    #[test]
    fn missing_points_and_bad_input() {
        let mut c = cells();
        c.remove(0);
        let f = ShmooFigure::new("t", "x", "y", &c).unwrap();
        assert_eq!(f.grid[0], None);
        let svg = render_svg(&f, Size::DEFAULT).unwrap();
        assert!(svg.contains("1 not run"));
        let mut dup = cells();
        dup.push(dup[0]);
        let e = ShmooFigure::new("t", "x", "y", &dup).unwrap_err();
        assert!(e.to_string().contains("given twice"), "{e}");
        assert!(ShmooFigure::new("t", "x", "y", &[]).is_err());
        let nan = [ShmooCell {
            x: f64::NAN,
            y: 0.0,
            pass: true,
        }];
        assert!(ShmooFigure::new("t", "x", "y", &nan).is_err());
    }
}
