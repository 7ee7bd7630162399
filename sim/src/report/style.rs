//! Colour for the text reports on a terminal: the verdict and the failing lines only.
//!
//! A [`Palette`] that is off returns every string unchanged, so a report written to a pipe or a
//! file is byte for byte the report of a build without colour (the goldens compare it). Whether
//! it is on is the command line's decision ([`crate::cli::colour_stdout`]), never the report's.

use anstyle::{AnsiColor, Style};

/// Paints report lines, or leaves them alone when off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Palette {
    on: bool,
}

const GOOD: Style = AnsiColor::Green.on_default().bold();
const BAD: Style = AnsiColor::Red.on_default().bold();

impl Palette {
    /// No colour: the plain report.
    pub const OFF: Palette = Palette { on: false };
    /// ANSI colour.
    pub const ON: Palette = Palette { on: true };

    /// A palette that paints when `on`.
    pub fn new(on: bool) -> Self {
        Palette { on }
    }

    /// Whether this palette paints.
    pub fn is_on(self) -> bool {
        self.on
    }

    /// `text` in the passing colour (green).
    pub fn good(self, text: &str) -> String {
        self.paint(GOOD, text)
    }

    /// `text` in the failing colour (red).
    pub fn bad(self, text: &str) -> String {
        self.paint(BAD, text)
    }

    /// `text` green when `pass`, red otherwise.
    pub fn verdict(self, pass: bool, text: &str) -> String {
        if pass {
            self.good(text)
        } else {
            self.bad(text)
        }
    }

    fn paint(self, style: Style, text: &str) -> String {
        if self.on {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_is_the_identity_and_on_wraps_in_sgr() {
        assert_eq!(Palette::OFF.bad("FAIL: stage x"), "FAIL: stage x");
        assert_eq!(Palette::OFF.verdict(true, "PASS"), "PASS");
        let red = Palette::ON.bad("FAIL");
        assert!(red.starts_with("\x1b[") && red.contains("31m") && red.ends_with("\x1b[0m"));
        assert!(Palette::ON.good("PASS").contains("32m"));
    }
}
