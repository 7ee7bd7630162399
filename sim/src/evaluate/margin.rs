//! Where the margin runs out along each axis of a sweep, and whether the axis changed anything.

use super::axis::{fmt_value, Axis, Param};
use super::sweep::PointResult;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where the margin runs out along one axis (the pass rate at a value of the axis is the
/// worst over the other axes).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AxisMargin {
    /// Axis name.
    pub axis: String,
    /// Unit of the values.
    pub unit: String,
    /// First and last value of the longest run of consecutive values passing at 100 %.
    pub full_pass: Option<(f64, f64)>,
    /// The value just below that run and its pass rate: where the margin runs out going down.
    pub below: Option<(f64, f64)>,
    /// The value just above that run and its pass rate: where the margin runs out going up.
    pub above: Option<(f64, f64)>,
    /// The first value, in grid order, whose pass rate is below 100 %.
    pub first_below_full: Option<(f64, f64)>,
    /// Whether changing this axis changed anything at all (taps, stages, verdicts); `None`
    /// with a single value.
    pub effect: Option<bool>,
    /// Why there was no effect, when known.
    pub note: Option<String>,
}

/// The margin along axis `i` (`a`) over `points`; `temp_coeff_ps_per_c` is the scenario's, which
/// words the note when temperature changed nothing.
pub fn axis_margin(
    temp_coeff_ps_per_c: f64,
    i: usize,
    a: &Axis,
    points: &[PointResult],
) -> AxisMargin {
    // The pass rate at each value of this axis: the worst over the other axes.
    let rate_at: Vec<f64> = a
        .values
        .iter()
        .map(|&v| {
            points
                .iter()
                .filter(|p| p.values[i] == v)
                .map(|p| p.pass_rate)
                .fold(1.0, f64::min)
        })
        .collect();
    let mut best: Option<(usize, usize)> = None;
    let mut k = 0;
    while k < rate_at.len() {
        if rate_at[k] >= 1.0 {
            let s = k;
            while k < rate_at.len() && rate_at[k] >= 1.0 {
                k += 1;
            }
            if best.is_none_or(|(bs, be)| k - s > be - bs) {
                best = Some((s, k));
            }
        } else {
            k += 1;
        }
    }
    let at = |j: usize| (a.values[j], rate_at[j]);
    let (full_pass, below, above) = match best {
        Some((s, e)) => (
            Some((a.values[s], a.values[e - 1])),
            s.checked_sub(1).map(at),
            (e < a.values.len()).then(|| at(e)),
        ),
        None => (None, None, None),
    };
    let first_below_full = rate_at.iter().position(|&r| r < 1.0).map(at);
    // No effect when every pair of points that differ only in this axis saw the same runs.
    let effect = (a.values.len() > 1).then(|| {
        let mut groups: BTreeMap<String, &Vec<String>> = BTreeMap::new();
        points.iter().any(|p| {
            let others: Vec<String> = p
                .values
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, v)| fmt_value(*v))
                .collect();
            match groups.entry(others.join(",")) {
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(&p.fingerprints);
                    false
                }
                std::collections::btree_map::Entry::Occupied(e) => *e.get() != &p.fingerprints,
            }
        })
    });
    let note = match (effect, a.param) {
        (Some(false), Param::Temperature) if temp_coeff_ps_per_c == 0.0 => Some(
            "temperature changed nothing: the model moves each line's arrival by \
             board.temp_coeff_ps_per_c x (T - 25 °C) and this scenario's coefficient is 0"
                .to_string(),
        ),
        (Some(false), _) => Some(format!(
            "{} changed nothing in this grid (same taps, stages and verdicts at every value)",
            a.param.name()
        )),
        _ => None,
    };
    AxisMargin {
        axis: a.param.name(),
        unit: a.param.unit().to_string(),
        full_pass,
        below,
        above,
        first_below_full,
        effect,
        note,
    }
}
