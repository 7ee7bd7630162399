//! The DCM in front of the MIG (a scenario's `[clocking]`): its waveform up to the stop time,
//! the controller's `dcm_lock` taken from it, its LOCKED/RST/STATUS changes interleaved with the
//! controller's in the trace, and the summary's account of locks, unlocks and restarts.

use super::sinks::ChangeSink;
use super::RunError;
use migcal_model::dcm::config::{ClockingConfig, DcmSetup};
use migcal_model::dcm::{self, Input, OutputSignal, Waveform, FS_PER_MS};
use serde::Serialize;

/// One change of the DCM's LOCKED (the controller's `dcm_lock`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LockChange {
    /// `true` when LOCKED rose, `false` when it fell.
    pub locked: bool,
    /// When, in milliseconds.
    pub time_ms: f64,
    /// When, in femtoseconds (exact).
    pub time_fs: u64,
    /// The first clk_0 cycle whose rising edge sees the new level.
    pub cycle: u64,
}

/// One change on the DCM's inputs (CLKIN stop/resume/period, RST).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DcmInputChange {
    /// When, in milliseconds.
    pub time_ms: f64,
    /// When, in femtoseconds (exact).
    pub time_fs: u64,
    /// What changed (`RST assert`, `CLKIN stop`, ...).
    pub input: String,
}

/// A reset of the whole interface by LOCKED falling: the controller goes back to reset and init
/// starts over at the next lock.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Restart {
    /// When LOCKED fell, in milliseconds.
    pub unlock_time_ms: f64,
    /// The first clk_0 cycle that saw LOCKED low.
    pub unlock_cycle: u64,
    /// The cycle `init_done` fell, when init had completed before the unlock.
    pub init_done_lost_cycle: Option<u64>,
    /// When LOCKED rose again (init starting over), in milliseconds; `None` if not in the run.
    pub relock_time_ms: Option<f64>,
    /// The first clk_0 cycle that saw the relock.
    pub relock_cycle: Option<u64>,
    /// The cycle `init_done` rose again after the relock, if it did before the run ended (or
    /// LOCKED fell again).
    pub init_done_again_cycle: Option<u64>,
}

/// What the DCM did during the run (present when the scenario has `[clocking]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DcmSummary {
    /// The primitive (`DCM`, `DCM_BASE`, `DCM_ADV`).
    pub primitive: String,
    /// `DCM_AUTOCALIBRATION` in effect (the legacy `DCM` has no attribute: TRUE).
    pub dcm_autocalibration: bool,
    /// Whether MAP inserts the AR21435 autocalibration macro (TRUE and stepping >= 2).
    pub autocal_macro: bool,
    /// The input changes, in time order.
    pub inputs: Vec<DcmInputChange>,
    /// Every rise and fall of LOCKED, in time order.
    pub lock_changes: Vec<LockChange>,
    /// LOCKED at the end of the run.
    pub locked_at_end: bool,
    /// Every interface reset caused by LOCKED falling after it had risen.
    pub restarts: Vec<Restart>,
    /// Every cycle `init_done` rose (more than one when the interface restarted).
    pub init_done_cycles: Vec<u64>,
    /// Remarks on the configuration that are not errors.
    pub notes: Vec<String>,
}
/// The DCM side of a run: its inputs and the waveform the model gives up to the stop time.
pub(super) struct DcmRun {
    setup: DcmSetup,
    wave: Waveform,
}

/// The DCM signals in the VCD, after the controller's and the pads: names an engineer's
/// testbench would use for a DCM instance, which the name matcher binds to `dcm/locked`,
/// `dcm/rst`, `dcm/status[1]` and `dcm/status[2]`.
pub(super) const DCM_VCD_NAMES: [&str; 4] = [
    "tb/dut/infrastructure0/dcm0/locked",
    "tb/dut/infrastructure0/dcm0/rst",
    "tb/dut/infrastructure0/dcm0/status[1]",
    "tb/dut/infrastructure0/dcm0/status[2]",
];

impl DcmRun {
    /// Builds the DCM's inputs and simulates it up to the scenario's stop time (the same
    /// computation the scenario's `dcm_locked_ps` comes from).
    pub(super) fn new(c: &ClockingConfig, stop_time_us: f64) -> Result<DcmRun, RunError> {
        let setup = c.build()?;
        let until = (stop_time_us * 1e9) as u64;
        let wave = dcm::simulate(&setup.params, &setup.clkin, &setup.inputs, until)?;
        Ok(DcmRun { setup, wave })
    }

    /// LOCKED high stretches in ps, the controller's `dcm_lock`.
    pub(super) fn locked_ps(&self) -> Vec<(f64, Option<f64>)> {
        let ps = |t: u64| t as f64 / 1000.0;
        self.wave
            .locked_intervals()
            .map(|iv| (ps(iv.rise), iv.fall.map(ps)))
            .collect()
    }

    /// Every level change of the four traced DCM signals as (time fs, index into
    /// [`DCM_VCD_NAMES`], level), in time order, starting with the levels at t = 0. At one
    /// instant an input (RST) comes before the outputs it causes.
    fn vcd_changes(&self) -> Vec<(u64, usize, bool)> {
        let w = &self.wave;
        let mut v = vec![
            (0, 0, w.initial.locked),
            (0, 1, false),
            (0, 2, w.initial.status1),
            (0, 3, w.initial.status2),
        ];
        for e in self.setup.inputs.iter().filter(|e| e.time <= w.end) {
            match e.input {
                Input::RstAssert => v.push((e.time, 1, true)),
                Input::RstDeassert => v.push((e.time, 1, false)),
                _ => {}
            }
        }
        for e in &w.events {
            let i = match e.signal {
                OutputSignal::Locked => 0,
                OutputSignal::Status1 => 2,
                OutputSignal::Status2 => 3,
            };
            v.push((e.time, i, e.value));
        }
        // Stable: the order above (inputs, then outputs) is kept within an instant.
        v.sort_by_key(|c| c.0);
        v
    }

    /// The summary section, from the waveform and the controller's `init_done` history.
    pub(super) fn summary(
        &self,
        period_ps: f64,
        init_done_rises: &[u64],
        init_done_falls: &[u64],
    ) -> DcmSummary {
        let ms = |t: u64| t as f64 / FS_PER_MS as f64;
        let lock_changes: Vec<LockChange> = self
            .wave
            .changes(OutputSignal::Locked)
            .map(|e| LockChange {
                locked: e.value,
                time_ms: ms(e.time),
                time_fs: e.time,
                cycle: first_edge_after(e.time, period_ps),
            })
            .collect();
        let mut restarts = Vec::new();
        for (k, fall) in lock_changes.iter().enumerate() {
            if fall.locked || !lock_changes[..k].iter().any(|c| c.locked) {
                continue;
            }
            let relock = lock_changes[k + 1..].iter().find(|c| c.locked);
            let next_fall = relock.and_then(|r| {
                lock_changes[k + 1..]
                    .iter()
                    .find(|c| !c.locked && c.time_fs > r.time_fs)
            });
            // init_done falls a few cycles after the unlock (the reset synchronisers), before
            // the relock.
            let lost = init_done_falls
                .iter()
                .copied()
                .find(|&c| c >= fall.cycle && relock.is_none_or(|r| c < r.cycle));
            let again = relock.and_then(|r| {
                init_done_rises
                    .iter()
                    .copied()
                    .find(|&c| c >= r.cycle && next_fall.is_none_or(|f| c < f.cycle))
            });
            restarts.push(Restart {
                unlock_time_ms: fall.time_ms,
                unlock_cycle: fall.cycle,
                init_done_lost_cycle: lost,
                relock_time_ms: relock.map(|r| r.time_ms),
                relock_cycle: relock.map(|r| r.cycle),
                init_done_again_cycle: again,
            });
        }
        let p = &self.setup.params;
        DcmSummary {
            primitive: p.primitive.to_string(),
            dcm_autocalibration: p.effective_autocalibration(),
            autocal_macro: p.autocal_macro_inserted(),
            inputs: self
                .setup
                .inputs
                .iter()
                .filter(|e| e.time <= self.wave.end)
                .map(|e| DcmInputChange {
                    time_ms: ms(e.time),
                    time_fs: e.time,
                    input: e.input.to_string(),
                })
                .collect(),
            locked_at_end: self.wave.locked_at(self.wave.end),
            lock_changes,
            restarts,
            init_done_cycles: init_done_rises.to_vec(),
            notes: self.setup.notes.clone(),
        }
    }
}

/// The first clk_0 cycle whose rising edge (at `(n + 0.5)` periods) lies strictly after `t_fs`:
/// the controller samples `dcm_lock` there (as `Mig::dcm_lock_at`, with the same arithmetic).
fn first_edge_after(t_fs: u64, period_ps: f64) -> u64 {
    let t_ps = t_fs as f64 / 1000.0;
    let edge = |n: u64| period_ps * (n as f64 + 0.5);
    let mut n = ((t_ps / period_ps) - 0.5).floor().max(-1.0) as i64 + 1;
    // Float rounding may put the estimate one edge off either way.
    while n > 0 && edge(n as u64 - 1) > t_ps {
        n -= 1;
    }
    let mut n = n.max(0) as u64;
    while edge(n) <= t_ps {
        n += 1;
    }
    n
}

/// Writes the DCM's changes to the VCD as their times come due.
pub(super) struct DcmTrace {
    changes: Vec<(u64, usize, bool)>,
    next: usize,
    first_id: u32,
}

impl DcmTrace {
    /// The run's DCM changes, traced under ids from `first_id` on.
    pub(super) fn new(run: &DcmRun, first_id: u32) -> DcmTrace {
        DcmTrace {
            changes: run.vcd_changes(),
            next: 0,
            first_id,
        }
    }

    /// Writes every pending change at or before `upto` fs.
    pub(super) fn flush(&mut self, w: &mut dyn ChangeSink, upto: u64) -> Result<(), RunError> {
        while let Some(&(t, i, v)) = self.changes.get(self.next).filter(|c| c.0 <= upto) {
            let id = self.first_id + i as u32;
            if w.wants(id) {
                w.change(t, id, if v { b"1" } else { b"0" })?;
            }
            self.next += 1;
        }
        Ok(())
    }
}
#[cfg(test)]
mod tests {
    use super::first_edge_after;

    #[test]
    fn first_edge_after_is_strictly_after() {
        // Edges at 2.5 ns, 7.5 ns, 12.5 ns, ... of a 5 ns clock.
        assert_eq!(first_edge_after(0, 5000.0), 0);
        assert_eq!(first_edge_after(2_499_999, 5000.0), 0);
        assert_eq!(first_edge_after(2_500_000, 5000.0), 1);
        assert_eq!(first_edge_after(2_500_001, 5000.0), 1);
        // 1 ms: edge 199999 is at 999997.5 ns, edge 200000 at 1000002.5 ns.
        assert_eq!(first_edge_after(1_000_000_000_000, 5000.0), 200_000);
        // An odd period where float rounding matters.
        for n in [1u64, 7, 123_456, 98_765_432] {
            let edge_fs = (3333.0 * (n as f64 + 0.5) * 1000.0).round() as u64;
            let k = first_edge_after(edge_fs, 3333.0);
            assert!(3333.0 * (k as f64 + 0.5) > edge_fs as f64 / 1000.0);
            assert!(k == 0 || 3333.0 * (k as f64 - 0.5) <= edge_fs as f64 / 1000.0);
        }
    }
}
