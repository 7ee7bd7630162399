//! Pictures for bug reports: the per-DQ tap sweep ([`taps`]), the data window against the
//! sampling point ([`eye`]), the init sequence as a Gantt chart ([`timeline`]), the DCM's LOCKED
//! story ([`dcm`]) and a pass/fail map for sweeps ([`shmoo`]).
//!
//! Every figure is built in two steps: a plain data struct made from a [`Capture`]'s facts (or
//! the DCM model), then drawing. The data step is the same for a capture and for a simulated
//! trace (a VCD written by `simulate -o` is just another capture), and is what the tests check
//! for content; drawing only places it.
//!
//! Output is SVG or PNG ([`ImageFormat`]). Text is laid out with plotters' `ab_glyph` backend
//! and DejaVu Sans embedded in the binary (the `dejavu` crate), never a system font, so the same
//! input gives the same bytes on every machine, and the PNG text renders with no font installed.
//!
//! [`Capture`]: crate::analysis::capture::Capture

pub mod dcm;
pub mod eye;
pub mod shmoo;
pub mod taps;
pub mod timeline;

mod style;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// A chart on plain f64 axes, as the per-row and per-panel drawing helpers take it.
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// What can go wrong making a picture.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The output name does not say SVG or PNG.
    #[error("{path}: expected an output name ending in .svg or .png (or --format svg|png), found \"{found}\"")]
    UnknownFormat {
        /// The output path.
        path: String,
        /// Its extension (empty when it has none).
        found: String,
    },
    /// The input holds nothing this kind of plot can show.
    #[error("{0}")]
    NoData(String),
    /// A size the picture cannot be drawn at.
    #[error("picture size {width}x{height}: expected a width of 400..=8000 and a height of 300..=8000 pixels")]
    BadSize {
        /// Asked width.
        width: u32,
        /// Asked height.
        height: u32,
    },
    /// The drawing library failed (a bug, or memory).
    #[error("drawing failed: {0}")]
    Draw(String),
    /// PNG encoding failed.
    #[error("PNG encoding failed: {0}")]
    Encode(String),
}

/// The image file format, chosen from the output file's extension (or `--format`, for `-o -`
/// and devices).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImageFormat {
    /// Scalable vector graphics: text stays text (searchable, diffable).
    Svg,
    /// 8-bit RGB PNG.
    Png,
}

impl ImageFormat {
    /// `.svg` or `.png` (any case).
    pub fn from_path(path: &Path) -> Result<ImageFormat, PlotError> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "svg" => Ok(ImageFormat::Svg),
            "png" => Ok(ImageFormat::Png),
            _ => Err(PlotError::UnknownFormat {
                path: path.display().to_string(),
                found: ext,
            }),
        }
    }
}

/// Picture size in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl Size {
    /// 1000 x 600: fits a bug report or an issue comment without scaling.
    pub const DEFAULT: Size = Size {
        width: 1000,
        height: 600,
    };

    fn check(self) -> Result<Size, PlotError> {
        if (400..=8000).contains(&self.width) && (300..=8000).contains(&self.height) {
            Ok(self)
        } else {
            Err(PlotError::BadSize {
                width: self.width,
                height: self.height,
            })
        }
    }
}

/// Something that draws itself on any plotters backend.
pub trait Figure {
    /// The size it looks best at, when the user did not ask for one.
    fn natural_size(&self) -> Size {
        Size::DEFAULT
    }

    /// Draws on the whole `area` (already cleared to white).
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError>;
}

/// Renders `fig` to SVG text.
pub fn render_svg(fig: &impl Figure, size: Size) -> Result<String, PlotError> {
    let size = size.check()?;
    style::register_fonts();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (size.width, size.height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        fig.draw(&root)?;
        root.present().map_err(draw_err)?;
    }
    Ok(out)
}

/// Renders `fig` to PNG bytes (8-bit RGB).
pub fn render_png(fig: &impl Figure, size: Size) -> Result<Vec<u8>, PlotError> {
    let size = size.check()?;
    style::register_fonts();
    let (w, h) = (size.width, size.height);
    let mut rgb = vec![255u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        fig.draw(&root)?;
        root.present().map_err(draw_err)?;
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc
            .write_header()
            .map_err(|e| PlotError::Encode(e.to_string()))?;
        writer
            .write_image_data(&rgb)
            .map_err(|e| PlotError::Encode(e.to_string()))?;
        writer
            .finish()
            .map_err(|e| PlotError::Encode(e.to_string()))?;
    }
    Ok(out)
}

/// Renders `fig` in `format`; `size` `None` = the figure's natural size.
pub fn render(
    fig: &impl Figure,
    format: ImageFormat,
    size: Option<Size>,
) -> Result<Vec<u8>, PlotError> {
    let size = size.unwrap_or_else(|| fig.natural_size());
    match format {
        ImageFormat::Svg => render_svg(fig, size).map(String::into_bytes),
        ImageFormat::Png => render_png(fig, size),
    }
}

/// Turns a plotters error into ours (the backend error types differ per backend).
/// Every figure's header: the title in bold and, below it, the subtitle cut to the width.
pub(crate) fn draw_title<DB: DrawingBackend>(
    header: &DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    subtitle: &str,
) -> Result<(), PlotError> {
    use plotters::prelude::{Text, BLACK};
    let (w, _) = header.dim_in_pixel();
    header
        .draw(&Text::new(
            title.to_string(),
            (12, 6),
            style::bold(18, BLACK),
        ))
        .map_err(draw_err)?;
    let grey = style::text(13, style::GREY);
    header
        .draw(&Text::new(
            style::fit(header, subtitle, &grey, w.saturating_sub(24)),
            (12, 30),
            grey.clone(),
        ))
        .map_err(draw_err)?;
    Ok(())
}

pub(crate) fn draw_err<E: std::error::Error + Send + Sync>(
    e: plotters::drawing::DrawingAreaErrorKind<E>,
) -> PlotError {
    PlotError::Draw(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_extension() {
        assert_eq!(
            ImageFormat::from_path(Path::new("a/b.SVG")).unwrap(),
            ImageFormat::Svg
        );
        assert_eq!(
            ImageFormat::from_path(Path::new("x.png")).unwrap(),
            ImageFormat::Png
        );
        let e = ImageFormat::from_path(Path::new("x.jpg")).unwrap_err();
        assert!(e.to_string().contains("found \"jpg\""), "{e}");
        assert!(ImageFormat::from_path(Path::new("noext")).is_err());
    }

    #[test]
    fn sizes_are_checked() {
        assert!(Size {
            width: 10,
            height: 600
        }
        .check()
        .is_err());
        assert!(Size::DEFAULT.check().is_ok());
    }
}
