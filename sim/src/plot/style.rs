//! Shared look: the embedded font, colours, text styles and number formats of every figure.

use migcal_traces::{Time, TimeBase};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, TextStyle};

/// The one font family the figures use (registered from the embedded DejaVu Sans).
pub const FAMILY: &str = "sans-serif";

/// Registers DejaVu Sans (regular and bold) as [`FAMILY`] once per process. plotters keeps the
/// table globally; registering again would only replace the same bytes.
pub fn register_fonts() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid font shipped by the crate; a failure here is a build problem
        // that the render tests catch (the text would be missing), not a user error.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FAMILY, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// Data line blue.
pub const BLUE: RGBColor = RGBColor(31, 100, 180);
/// Edge / warning orange.
pub const ORANGE: RGBColor = RGBColor(230, 120, 10);
/// Good green.
pub const GREEN: RGBColor = RGBColor(40, 150, 40);
/// Fault red.
pub const RED: RGBColor = RGBColor(205, 30, 30);
/// Secondary text grey.
pub const GREY: RGBColor = RGBColor(110, 110, 110);
/// Light grid / band grey.
pub const LIGHT: RGBColor = RGBColor(225, 225, 225);
/// Purple for milestones.
pub const PURPLE: RGBColor = RGBColor(120, 60, 170);
/// Panel tint behind a faulty line.
pub const RED_TINT: RGBColor = RGBColor(255, 228, 228);
/// Band tint behind the worst line that still passes.
pub const YELLOW_TINT: RGBColor = RGBColor(255, 243, 190);

/// Regular text of `size` px in `color`.
pub fn text(size: u32, color: RGBColor) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&color)
}

/// Bold text.
pub fn bold(size: u32, color: RGBColor) -> TextStyle<'static> {
    (FAMILY, size, FontStyle::Bold).into_font().color(&color)
}

/// `style` anchored at its horizontal `h` and vertical `v` position.
pub fn anchored(style: TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.pos(Pos::new(h, v))
}

/// `text` cut to fit `width` pixels in `style`, ending in an ellipsis when cut (subtitles carry
/// the diagnosis' cause, which can be long).
pub fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    text: &str,
    style: &TextStyle<'static>,
    width: u32,
) -> String {
    let fits = |t: &str| {
        area.estimate_text_size(t, style)
            .map(|(w, _)| w <= width)
            .unwrap_or(true)
    };
    if fits(text) {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let (mut lo, mut hi) = (0, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let cand: String = chars[..mid].iter().collect::<String>() + "…";
        if fits(&cand) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    chars[..lo].iter().collect::<String>() + "…"
}

/// Femtoseconds as microseconds.
pub fn us(t: Time) -> f64 {
    t as f64 / 1e9
}

/// Femtoseconds as milliseconds.
pub fn ms(t: Time) -> f64 {
    t as f64 / 1e12
}

/// A time for labels: ns with the digits that matter for real-time captures, the sample number
/// otherwise.
pub fn time_label(t: Time, base: TimeBase) -> String {
    match base {
        TimeBase::Femtoseconds => crate::diagnose::fmt_ns(t),
        TimeBase::Samples => format!("sample {t}"),
    }
}

/// Axis numbers without float noise (`243.5`, `12`, `0.25`).
pub fn tidy(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// `head` and the lines as `DQ3, DQ7`, for a subtitle; empty when there are none.
pub fn dq_note(head: &str, dq: impl Iterator<Item = u32>) -> String {
    let list: Vec<String> = dq.map(|q| format!("DQ{q}")).collect();
    if list.is_empty() {
        String::new()
    } else {
        format!("{head}{}", list.join(", "))
    }
}

/// The file name of a path-like source, for titles (the full path is in the subtitle).
pub fn short_name(source: &str) -> String {
    std::path::Path::new(source)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| source.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_numbers() {
        assert_eq!(tidy(243.5), "243.5");
        assert_eq!(tidy(12.0), "12");
        assert_eq!(tidy(-0.0001), "0");
        assert_eq!(tidy(0.25), "0.25");
    }

    #[test]
    fn long_text_is_cut_to_the_width() {
        register_fonts();
        let mut svg = String::new();
        let area = SVGBackend::with_string(&mut svg, (400, 100)).into_drawing_area();
        let st = text(13, GREY);
        assert_eq!(fit(&area, "short", &st, 300), "short");
        let long = "stage 3 never matched the pattern in group 0 although every line calibrated";
        let cut = fit(&area, long, &st, 200);
        assert!(cut.ends_with('…') && cut.len() < long.len(), "{cut}");
        assert!(area.estimate_text_size(&cut, &st).unwrap().0 <= 200);
        assert!(long.starts_with(cut.trim_end_matches('…')));
    }
}
