//! The memory command bus decoded from the controller's pins.

use super::capture::{bit_at, high_intervals, Capture};
use super::Clock;
use migcal_traces::Time;
use serde::Serialize;

/// One command seen on the memory bus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BusCommand {
    /// When (the clk_0 edge that launched it).
    pub time: Time,
    /// clk_0 cycle.
    pub cycle: u64,
    /// `PRE`, `MRS`, `REF`, `ACT`, `WR`, `RD`.
    pub kind: &'static str,
    /// Bank address.
    pub ba: Option<u64>,
    /// Address bus.
    pub a: Option<u64>,
}

/// The most clk_0 cycles one command is counted for while no bus pin changes. Real bursts of
/// back-to-back commands with the same pins last a few cycles (the MIG's stage-3 reads: a
/// handful); a capture whose pins hold a command for longer is read as this many, so the work and
/// the list stay bounded by the capture's changes, not by its declared time span or the clock.
pub const MAX_HELD_COMMAND_CYCLES: u64 = 4096;

/// Decodes the command bus: a command is launched on a clk_0 rising edge and latched by the
/// memory on the CK rising edge half a cycle later, so every clk_0 cycle during which `cs_n` is
/// low carries one command, read from RAS#/CAS#/WE# in the middle of that cycle. This needs no
/// CK in the capture and counts back-to-back repeats exactly (the golden README's READ counts).
/// The cycles are walked a stretch of unchanged pins at a time, so the work is bounded by the
/// number of changes, whatever the time span or the clock period.
pub(super) fn bus_commands(c: &Capture, clock: Clock) -> Vec<BusCommand> {
    let (Some(cs), Some(ras), Some(cas), Some(we)) = (
        c.bit("pins/cs_n", 0),
        c.bit("pins/ras_n", 0),
        c.bit("pins/cas_n", 0),
        c.bit("pins/we_n", 0),
    ) else {
        return Vec::new();
    };
    let cke = c.bit("pins/cke", 0);
    let ba = c.ints("pins/ba");
    let a = c.ints("pins/a");
    let value_at = |v: &Option<Vec<(Time, Option<u64>)>>, t: Time| {
        v.as_ref().and_then(|v| {
            let i = v.partition_point(|(ct, _)| *ct <= t);
            i.checked_sub(1).and_then(|i| v[i].1)
        })
    };
    // Every time a pin the decoder reads changes: between two of them, each cycle decodes alike.
    let mut breaks: Vec<Time> = [Some(&ras), Some(&cas), Some(&we), cke.as_ref()]
        .into_iter()
        .flatten()
        .flat_map(|v| v.iter().map(|(t, _)| *t))
        .chain(
            [&ba, &a]
                .into_iter()
                .flatten()
                .flat_map(|v| v.iter().map(|(t, _)| *t)),
        )
        .collect();
    breaks.sort_unstable();
    breaks.dedup();
    let low: Vec<(Time, u8)> = cs
        .iter()
        .map(|&(t, b)| (t, if b == b'0' { b'1' } else { b'0' }))
        .collect();
    let period = clock.period.max(1);
    let half = clock.period / 2;
    let offset = half.max(1);
    let end = c.end_time();
    let decode = |t: Time| match [bit_at(&ras, t), bit_at(&cas, t), bit_at(&we, t)] {
        [b'0', b'1', b'0'] => Some("PRE"),
        [b'0', b'0', b'0'] => Some("MRS"),
        [b'0', b'0', b'1'] => Some("REF"),
        [b'0', b'1', b'1'] => Some("ACT"),
        [b'1', b'0', b'0'] => Some("WR"),
        [b'1', b'0', b'1'] => Some("RD"),
        _ => None,
    };
    // A command read at `t`, launched on the clk_0 edge whose decode point is at or before it.
    let at = |t: Time| -> Option<BusCommand> {
        if cke.as_ref().is_some_and(|k| bit_at(k, t) != b'1') {
            return None;
        }
        let launch =
            clock.first_edge + t.saturating_sub(clock.first_edge + offset) / period * period;
        Some(BusCommand {
            time: launch,
            cycle: clock.cycle(launch),
            kind: decode(t)?,
            ba: value_at(&ba, t),
            a: value_at(&a, t),
        })
    };
    let mut out = Vec::new();
    for (s, e) in high_intervals(&low, end) {
        let before = out.len();
        let mut prev_t = s;
        // The cycles whose launch edge lies in [s, e) and whose sample point is in the capture.
        let first = if s <= clock.first_edge {
            0
        } else {
            (s - clock.first_edge).div_ceil(period)
        };
        let before_e = e.saturating_sub(clock.first_edge).div_ceil(period);
        let in_capture = match end.checked_sub(clock.first_edge.saturating_add(half)) {
            Some(d) => d / period + 1,
            None => 0,
        };
        let last = before_e.min(in_capture);
        let mut n = first;
        while n < last {
            let launch = clock.first_edge + n * period;
            let t = launch + offset;
            for m in skipped_stretches(&breaks, prev_t, t, (s, e), period) {
                out.extend(at(m));
            }
            // The stretch of cycles sampled before the next pin change.
            let i = breaks.partition_point(|&b| b <= t);
            let stretch_end = match breaks.get(i) {
                Some(&b) => (b - clock.first_edge - offset).div_ceil(period).min(last),
                None => last,
            };
            let held = n..stretch_end.min(n + MAX_HELD_COMMAND_CYCLES);
            n = stretch_end.max(n + 1);
            prev_t = clock.first_edge + (n - 1) * period + offset;
            if cke.as_ref().is_some_and(|k| bit_at(k, t) != b'1') {
                continue;
            }
            let Some(kind) = decode(t) else {
                continue;
            };
            let (ba, a) = (value_at(&ba, t), value_at(&a, t));
            for k in held {
                let launch = clock.first_edge + k * period;
                out.push(BusCommand {
                    time: launch,
                    cycle: clock.cycle(launch),
                    kind,
                    ba,
                    a,
                });
            }
        }
        for m in skipped_stretches(&breaks, prev_t, e.min(end), (s, e), period) {
            out.extend(at(m));
        }
        // A one-cycle pulse captured by a sample clock not locked to clk_0 can be shortened so
        // that no cycle's decode point falls inside it: it is still one command, read at its
        // middle (where the other pins were sampled alike).
        if out.len() == before && e <= end && (e - s).saturating_mul(4) >= period {
            out.extend(at(s + (e - s) / 2));
        }
    }
    out
}

/// The middles of the stretches of unchanged pins that lie wholly between two decode points
/// `from` and `to` (and inside the chip-select interval `cs`): a one-cycle command captured by a
/// sample clock not locked to clk_0 can be shortened so that no decode point falls inside it.
/// A stretch shorter than a quarter cycle is a skew between pins changing together, not a
/// command.
fn skipped_stretches(
    breaks: &[Time],
    from: Time,
    to: Time,
    cs: (Time, Time),
    period: Time,
) -> Vec<Time> {
    let i0 = breaks.partition_point(|&b| b <= from);
    let i1 = breaks.partition_point(|&b| b < to);
    (i0..i1)
        .filter_map(|j| {
            let st = breaks[j];
            let en = breaks.get(j + 1).copied().unwrap_or(cs.1).min(cs.1);
            (st >= cs.0 && en <= to && en > st && (en - st).saturating_mul(4) >= period)
                .then_some(st + (en - st) / 2)
        })
        .collect()
}
