//! Running the DCM: settle to a time, advance through one input, simulate a whole input list
//! into a [`Waveform`].

use super::{
    ClkinInitial, DcmError, InputEvent, OutputEvent, OutputSignal, Outputs, Params, Regs, Time,
};

/// Collects the output changes between two states.
fn diff(before: Outputs, after: Outputs, t: Time, out: &mut Vec<OutputEvent>) {
    for s in [
        OutputSignal::Locked,
        OutputSignal::Status1,
        OutputSignal::Status2,
    ] {
        if before.get(s) != after.get(s) {
            out.push(OutputEvent {
                time: t,
                signal: s,
                value: after.get(s),
            });
        }
    }
}

/// Runs the DCM's own timers (lock completion, lock loss, stop detection) up to and including
/// `until`, with no input change. Returns the output changes and the state at `until`.
pub fn settle(regs: &Regs, until: Time, params: &Params) -> (Vec<OutputEvent>, Regs) {
    let mut out = Vec::new();
    let mut r = regs.clone();
    settle_in_place(&mut r, until, params, &mut out);
    (out, r)
}

fn settle_in_place(r: &mut Regs, until: Time, params: &Params, out: &mut Vec<OutputEvent>) {
    while let Some(t) = r.next_timer(params).filter(|&t| t <= until) {
        let t = t.max(r.now);
        let before = r.outputs();
        r.fire_timers_at(t, params);
        diff(before, r.outputs(), t, out);
    }
    if until > r.now {
        r.count_rst_cycles(until);
        r.now = until;
    }
}

/// Applies one input event: first the timers due up to its time, then the input.
/// Returns the output changes, in time order, and the next state.
pub fn advance(
    regs: &Regs,
    event: &InputEvent,
    params: &Params,
) -> Result<(Vec<OutputEvent>, Regs), DcmError> {
    if event.time < regs.now {
        return Err(DcmError::OutOfOrder {
            at: event.time,
            previous: regs.now,
        });
    }
    let mut out = Vec::new();
    let mut r = regs.clone();
    settle_in_place(&mut r, event.time, params, &mut out);
    let before = r.outputs();
    r.apply(event, params)?;
    diff(before, r.outputs(), event.time, &mut out);
    Ok((out, r))
}

/// A whole run: the outputs at t = 0 and every change up to the end time.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Waveform {
    /// Output levels at t = 0 (before any event).
    pub initial: Outputs,
    /// Output changes in time order.
    pub events: Vec<OutputEvent>,
    /// The time the run was simulated to.
    pub end: Time,
}

/// One stretch of LOCKED high.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct LockedInterval {
    /// When LOCKED rose (0 if it was high from the start).
    pub rise: Time,
    /// When it fell, or `None` if it was still high at [`Waveform::end`].
    pub fall: Option<Time>,
}

impl Waveform {
    /// The level of `signal` at `t`, after every change at or before `t`.
    pub fn level_at(&self, signal: OutputSignal, t: Time) -> bool {
        let upto = self.events.partition_point(|e| e.time <= t);
        self.events[..upto]
            .iter()
            .rev()
            .find(|e| e.signal == signal)
            .map_or(self.initial.get(signal), |e| e.value)
    }

    /// LOCKED at `t`.
    pub fn locked_at(&self, t: Time) -> bool {
        self.level_at(OutputSignal::Locked, t)
    }

    /// All outputs at `t`.
    pub fn outputs_at(&self, t: Time) -> Outputs {
        Outputs {
            locked: self.level_at(OutputSignal::Locked, t),
            status1: self.level_at(OutputSignal::Status1, t),
            status2: self.level_at(OutputSignal::Status2, t),
        }
    }

    /// The changes of one output, in time order.
    pub fn changes(&self, signal: OutputSignal) -> impl Iterator<Item = &OutputEvent> + '_ {
        self.events.iter().filter(move |e| e.signal == signal)
    }

    /// The stretches of LOCKED high, in time order. Zero-length pulses (rise and fall at the
    /// same instant) are skipped: the MIG never sees them.
    pub fn locked_intervals(&self) -> impl Iterator<Item = LockedInterval> + '_ {
        let mut changes = self.changes(OutputSignal::Locked).peekable();
        let mut pending = self.initial.locked.then_some(0);
        std::iter::from_fn(move || loop {
            match (pending, changes.next()) {
                (Some(rise), Some(e)) if !e.value => {
                    pending = None;
                    if e.time > rise {
                        return Some(LockedInterval {
                            rise,
                            fall: Some(e.time),
                        });
                    }
                }
                (None, Some(e)) if e.value => pending = Some(e.time),
                (_, Some(_)) => {}
                (Some(rise), None) => {
                    pending = None;
                    return Some(LockedInterval { rise, fall: None });
                }
                (None, None) => return None,
            }
        })
    }
}

/// Runs the DCM from configuration through `inputs` (time-ordered) up to `until`; inputs after
/// `until` are not looked at. The first input error stops the run.
pub fn simulate(
    params: &Params,
    clkin: &ClkinInitial,
    inputs: &[InputEvent],
    until: Time,
) -> Result<Waveform, DcmError> {
    let mut regs = Regs::power_up(params, clkin)?;
    let initial = regs.outputs();
    let mut events = Vec::new();
    for ev in inputs {
        if ev.time > until {
            break;
        }
        let (out, next) = advance(&regs, ev, params)?;
        events.extend(out);
        regs = next;
    }
    let mut r = regs;
    settle_in_place(&mut r, until, params, &mut events);
    Ok(Waveform {
        initial,
        events,
        end: until.max(r.now),
    })
}
