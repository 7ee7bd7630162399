//! What the controller's DQ pins showed while the memory drove them (the dummy reads).

use super::capture::{bit_at, Capture};
use super::dq_width;
use migcal_traces::Time;
use serde::Serialize;

/// The levels one DQ controller pin showed during the dummy reads (stage 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PinActivity {
    /// DQ line.
    pub dq: u32,
    /// Changes to 0 seen in the window.
    pub zeros: u32,
    /// Changes to 1 seen.
    pub ones: u32,
    /// Changes to x (contention) seen.
    pub unknown: u32,
}

impl PinActivity {
    /// Words for what the pin did, when it is not a normally toggling line.
    pub fn describe(&self) -> Option<&'static str> {
        match (self.zeros > 0, self.ones > 0, self.unknown > 0) {
            (false, true, true) => Some(
                "reads 1 and shows x when the controller drives 0: stuck high (shorted to VDD)",
            ),
            (true, false, true) => Some(
                "reads 0 and shows x when the controller drives 1: stuck low (shorted to ground)",
            ),
            (false, true, false) => Some("stays 1: stuck high, or open with a weak pull-up"),
            (true, false, false) => Some("stays 0: stuck low, or open with a weak pull-down"),
            (false, false, _) => Some("never changes: open or stuck"),
            _ => None,
        }
    }
}

/// Levels on each controller DQ pin during the dummy reads (the memory drives the line then, so a
/// stuck or open line shows its own level), plus any x (contention) seen after the 200 µs wait.
pub(super) fn pin_activity(c: &Capture, from: Option<Time>, to: Option<Time>) -> Vec<PinActivity> {
    let Some(from) = from else { return Vec::new() };
    let to = to.unwrap_or(c.end_time());
    let width = dq_width(c);
    (0..width)
        .filter_map(|k| {
            let bits = c.bit("pins/dq", k)?;
            let mut a = PinActivity {
                dq: k,
                zeros: 0,
                ones: 0,
                unknown: 0,
            };
            let count = |b: u8, a: &mut PinActivity| match b {
                b'0' => a.zeros += 1,
                b'1' => a.ones += 1,
                b'x' => a.unknown += 1,
                _ => {}
            };
            count(bit_at(&bits, from), &mut a);
            for (_, b) in bits.iter().filter(|(t, _)| *t > from && *t <= to) {
                count(*b, &mut a);
            }
            if bits.iter().any(|(t, b)| *t <= to && *b == b'x' && *t > 0) && a.unknown == 0 {
                a.unknown = 1;
            }
            Some(a)
        })
        .collect()
}
