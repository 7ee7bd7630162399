//! The levels the pins show (what a trace of `tb/dq` and `tb/dqs` holds).

use super::{CtrlDrive, Fault, Params};
use crate::ddr2_device::Regs as Memory;
use crate::probe::Value;

/// The level of DQ line `line` at the controller pin at `t_ps` (what `tb/dq` shows): the
/// controller's own write data, else the memory's beat delayed by the line's board delay, else
/// a fault's level (open: the weak pull-down reads 0), else undriven. A rail short against the
/// controller's opposite level is unknown.
pub fn dq_pin(p: &Params, mem: &Memory, drive: &CtrlDrive, line: usize, t_ps: f64) -> Value {
    let own = drive.at(t_ps, p.period_ps).map(|w| p.own_bit(w, line));
    let short = p.is_short(line);
    let level = p.forced_level(line);
    let bit = |b: bool| Value::known(b as u128);
    match (own, level) {
        (Some(d), Some(l)) if short => {
            return if d == l { bit(l) } else { Value::unknown(1) };
        }
        (Some(d), _) => return bit(d),
        (None, Some(l)) if short => return bit(l),
        _ => {}
    }
    let launch = t_ps - p.line_delay_ps(line);
    if launch >= 0.0 && level.is_none() {
        // A bit the memory latched undriven is driven back undriven ('Z').
        if let Some(b) = super::sample::arrival_level(p, mem, line, t_ps + 1e-3) {
            return bit(b);
        }
    }
    match level {
        Some(l) => bit(l),
        None => Value {
            bits: 0,
            unknown: 0,
            highz: 1,
        },
    }
}

/// The level of DQS lane `lane` at the controller pin: the controller's write strobe, else the
/// memory's read strobe (preamble 0 one clock before the first beat, 1 on rise beats, 0 on fall
/// beats), else undriven; an open DQS shows the controller's weak pull-down instead of the
/// memory's strobe.
pub fn dqs_pin(p: &Params, mem: &Memory, drive: &CtrlDrive, lane: u8, t_ps: f64) -> Value {
    let half = p.period_ps / 2.0;
    let stuck = p.faults.iter().find_map(|f| match *f {
        Fault::DqsStuck { lane: l, high } if l == lane => Some(high),
        _ => None,
    });
    if let Some(l) = drive.dqs_at(t_ps, p.period_ps) {
        // A rail short fights the controller's strobe driver.
        return match stuck {
            Some(s) if s != l => Value::unknown(1),
            _ => Value::known(l as u128),
        };
    }
    if let Some(s) = stuck {
        return Value::known(s as u128);
    }
    if p.faults.contains(&Fault::DqsOpen { lane }) {
        return Value::known(0);
    }
    // The memory's read strobe reaches the pin after the lane's DQS read-path delay.
    let hh = ((t_ps - p.dqs_fault_delay_ps(lane as usize, true)) / half).floor();
    if hh >= 0.0 {
        let hh = hh as u64;
        if mem.beat_at(hh).is_some() {
            return Value::known(hh.is_multiple_of(2) as u128);
        }
        if mem.beat_at(hh + 1).is_some() || mem.beat_at(hh + 2).is_some() {
            return Value::known(0);
        }
    }
    Value {
        bits: 0,
        unknown: 0,
        highz: 1,
    }
}
