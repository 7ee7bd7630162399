//! Replay: run the model beside a capture and compare the two exactly ([`super::exact`]): every
//! signal the capture holds that the model traces, pins included, over the whole capture,
//! nothing cut. A golden or a board that behaves like the model shows no departure; a fault
//! shows where its effect first becomes visible.

use super::exact::{self, Comparison, ExactError};
use crate::analysis::capture::Capture;
use crate::analysis::Clock;
use crate::scenario::Scenario;
use migcal_traces::ChangeSource;

pub use super::exact::Departure;

/// The result of a replay: the exact comparison of the capture with the board's run.
pub type Replay = Comparison;

/// Simulates `board` for at least the capture's length and compares the capture with it:
/// `capture` is the capture as loaded for the analysis (its name bindings and landmarks), and
/// `open` gives a fresh reader of the same file, streamed through the comparison.
///
/// The two are first compared cycle for cycle (a capture from power-up, on the model's own time
/// base). When that departs and the first landmark both show ([`exact::LANDMARKS`]) sits at
/// another cycle in the capture (a sample-indexed probe dump, a triggered window), they are
/// compared again aligned on it, and the alignment that follows the model further is the one
/// reported.
pub fn replay(
    open: &dyn Fn() -> Result<Box<dyn ChangeSource + Send>, ExactError>,
    capture: &Capture,
    clock: &Clock,
    board: &Scenario,
) -> Result<Replay, ExactError> {
    let names: Vec<String> = capture
        .map
        .bindings()
        .iter()
        .map(|b| b.name.clone())
        .collect();
    let scn = exact::covering(board, clock.cycle(capture.end_time()) + 1);
    let mut model = exact::simulate_sampled(&scn, &exact::wanted_names(capture))?;
    exact::add_bit_selections(&mut model, &names);
    let plain = exact::compare_stream(open()?, capture, clock, &model, None)?;
    let Some(first) = plain.first.clone() else {
        return Ok(plain);
    };
    match exact::align(capture, clock, &model) {
        Some(a) if a.1 != 0 => {
            let aligned = exact::compare_stream(open()?, capture, clock, &model, Some(a))?;
            let further = aligned
                .first
                .as_ref()
                .is_none_or(|d| (d.cycle, d.quarter) > (first.cycle, first.quarter));
            Ok(if further { aligned } else { plain })
        }
        _ => Ok(plain),
    }
}
