//! A JEDEC check of the bus, with the rules and message texts of Micron's DDR2 model
//! (ddr2_model.v v5.82, jedec-ddr2-v4-dcm.md §1.6): the init sequence, the decoded mode
//! registers and their fields, the bank and command-to-command timings ([`bank`]), and the write
//! strobes of every burst ([`strobe`]). Every finding carries the clk_0 cycle and the time of
//! the CK edge (or strobe edge) Micron's model would print.

mod bank;
mod mode;
pub mod odt;
pub mod strobe;

use crate::analysis::{BusCommand, Clock, Profile};
use migcal_traces::TimeBase;
use serde::Serialize;

/// How bad a finding is (Micron's classes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A protocol error.
    Error,
    /// A warning.
    Warning,
    /// Information (sequence complete, decoded registers).
    Info,
}

/// One finding of the check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JedecFinding {
    /// Class.
    pub severity: Severity,
    /// clk_0 cycle of the command.
    pub cycle: u64,
    /// Time of the CK edge that latched it, in ps (`None` for sample-indexed captures).
    pub time_ps: Option<u64>,
    /// The message, in the form Micron's model prints it.
    pub message: String,
}

/// Timing parameters of the check (ns unless named `_clk`). Defaults: the -5E speed grade
/// (DDR2-400, CL3) of Micron's parameter file for the `ddr2` profile, x16, 4 banks, tRFC of the
/// 512 Mb part; the DDR-400 values of the goldens' MT46V32M8 for the `minimodule` (tRFC 70 ns).
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Mode-register set cycle, in clocks.
    pub t_mrd_clk: u64,
    /// Precharge period (tRPA is one clock more on an 8-bank part).
    pub t_rp_ns: f64,
    /// Refresh cycle time.
    pub t_rfc_ns: f64,
    /// Clocks from the DLL reset to a READ (tDLLK).
    pub t_dllk_clk: u64,
    /// Longest time between two REFRESH commands Micron's model accepts (its only refresh
    /// interval check: `tRFC maximum`, 70 µs).
    pub t_rfc_max_ns: f64,
    /// ACTIVE to ACTIVE/REFRESH, same bank.
    pub t_rc_ns: f64,
    /// ACTIVE to PRECHARGE, minimum.
    pub t_ras_ns: f64,
    /// ACTIVE to PRECHARGE, maximum.
    pub t_ras_max_ns: f64,
    /// ACTIVE to READ/WRITE (after the additive latency).
    pub t_rcd_ns: f64,
    /// ACTIVE to ACTIVE, different banks.
    pub t_rrd_ns: f64,
    /// Write recovery: end of the write burst to PRECHARGE.
    pub t_wr_ns: f64,
    /// End of the write burst to the internal READ.
    pub t_wtr_ns: f64,
    /// READ to READ, WRITE to WRITE.
    pub t_ccd_clk: u64,
    /// Banks of the part (8 adds a clock to tRPA).
    pub banks: u64,
    /// Data bits of one part (RDQS is legal on x8 only).
    pub part_width: u32,
    /// The shortest CAS latency time of the speed grade (`CL_TIME`), checked at DLL lock.
    pub cl_time_ns: f64,
    /// Legal CAS latencies of the part.
    pub cl_range: (u64, u64),
    /// Legal additive latencies.
    pub al_range: (u64, u64),
    /// Legal write recoveries.
    pub wr_range: (u64, u64),
}

impl Timing {
    /// The defaults for a profile.
    pub fn for_profile(p: Profile) -> Timing {
        let ddr2 = Timing {
            t_mrd_clk: 2,
            t_rp_ns: 15.0,
            t_rfc_ns: 105.0,
            t_dllk_clk: 200,
            t_rfc_max_ns: 70_000.0,
            t_rc_ns: 55.0,
            t_ras_ns: 40.0,
            t_ras_max_ns: 70_000.0,
            t_rcd_ns: 15.0,
            t_rrd_ns: 10.0,
            t_wr_ns: 15.0,
            t_wtr_ns: 10.0,
            t_ccd_clk: 2,
            banks: 4,
            part_width: 16,
            cl_time_ns: 15.0,
            cl_range: (3, 6),
            al_range: (0, 5),
            wr_range: (2, 6),
        };
        match p {
            Profile::Minimodule => Timing {
                t_rfc_ns: 70.0,
                // DDR1 at BL2: a READ or WRITE every clock.
                t_ccd_clk: 1,
                t_wtr_ns: 0.0,
                part_width: 8,
                ..ddr2
            },
            Profile::Ddr2 => ddr2,
        }
    }
}

/// Collects findings with Micron's `at time %t` prefix.
pub(crate) struct Emit {
    out: Vec<JedecFinding>,
    /// Real time (fs captures): the ns rules can run.
    real_time: bool,
    clock: Clock,
    /// clk_0 period in ns (0 for sample-indexed captures).
    clock_ns: f64,
}

impl Emit {
    fn new(clock: Clock, time_base: TimeBase) -> Emit {
        let real_time = time_base == TimeBase::Femtoseconds;
        Emit {
            out: Vec::new(),
            real_time,
            clock,
            clock_ns: if real_time {
                clock.period as f64 / 1e6
            } else {
                0.0
            },
        }
    }

    /// The CK rising edge that latched a command, in ps (half a clk_0 period after launch).
    fn ck_ps(&self, c: &BusCommand) -> f64 {
        (c.time + self.clock.period / 2) as f64 / 1000.0
    }

    /// A finding at a command's CK edge.
    fn push(&mut self, sev: Severity, c: &BusCommand, text: String) {
        let ps = self
            .real_time
            .then(|| (c.time + self.clock.period / 2) / 1000);
        self.push_at(sev, c.cycle, ps, text);
    }

    /// A finding at clk_0 cycle `cycle`, time `ps` (None without real time).
    fn push_at(&mut self, sev: Severity, cycle: u64, ps: Option<u64>, text: String) {
        let prefix = match ps {
            Some(ps) => format!("at time {ps}.0 ps "),
            None => format!("at cycle {cycle} "),
        };
        self.out.push(JedecFinding {
            severity: sev,
            cycle,
            time_ps: ps,
            message: format!("{prefix}{text}"),
        });
    }
}

/// Micron's 9-character command names.
fn padded(kind: &str) -> &'static str {
    match kind {
        "MRS" => "Load Mode",
        "REF" => "Refresh  ",
        "PRE" => "Precharge",
        "ACT" => "Activate ",
        "WR" => "Write    ",
        "RD" => "Read     ",
        _ => "No Op    ",
    }
}

/// One expected step of the init sequence.
struct Expect {
    kind: &'static str,
    ba: Option<u64>,
    check: fn(u64) -> bool,
    what: &'static str,
}

fn any(_: u64) -> bool {
    true
}
fn a10(a: u64) -> bool {
    a & (1 << 10) != 0
}
fn dll_reset(a: u64) -> bool {
    a & (1 << 8) != 0
}
fn no_dll_reset(a: u64) -> bool {
    a & (1 << 8) == 0
}
fn dll_enabled(a: u64) -> bool {
    a & 1 == 0
}
fn ocd_default(a: u64) -> bool {
    (a >> 7) & 7 == 7
}
fn ocd_exit(a: u64) -> bool {
    (a >> 7) & 7 == 0 && a & 1 == 0
}

fn sequence(p: Profile) -> Vec<Expect> {
    let e = |kind, ba, check, what| Expect {
        kind,
        ba,
        check,
        what,
    };
    match p {
        // DDR1 (the golden build): PRE, EMR (DLL enable), MR (DLL reset), PRE, REF, REF, MR.
        Profile::Minimodule => vec![
            e("PRE", None, a10, "PRECHARGE ALL (A10 = 1)"),
            e(
                "MRS",
                Some(1),
                dll_enabled,
                "EMR with the DLL enabled (A0 = 0)",
            ),
            e("MRS", Some(0), dll_reset, "MR with DLL reset (A8 = 1)"),
            e("PRE", None, a10, "PRECHARGE ALL"),
            e("REF", None, any, "AUTO REFRESH"),
            e("REF", None, any, "AUTO REFRESH"),
            e(
                "MRS",
                Some(0),
                no_dll_reset,
                "MR without DLL reset (A8 = 0)",
            ),
        ],
        // DDR2 (JESD79-2 §2.3.1, mig-rtl.md §2a).
        Profile::Ddr2 => vec![
            e("PRE", None, a10, "PRECHARGE ALL (A10 = 1)"),
            e("MRS", Some(2), any, "EMR(2)"),
            e("MRS", Some(3), any, "EMR(3)"),
            e(
                "MRS",
                Some(1),
                dll_enabled,
                "EMR with the DLL enabled (A0 = 0)",
            ),
            e("MRS", Some(0), dll_reset, "MR with DLL reset (A8 = 1)"),
            e("PRE", None, a10, "PRECHARGE ALL"),
            e("REF", None, any, "AUTO REFRESH"),
            e("REF", None, any, "AUTO REFRESH"),
            e(
                "MRS",
                Some(0),
                no_dll_reset,
                "MR without DLL reset (A8 = 0)",
            ),
            e(
                "MRS",
                Some(1),
                ocd_default,
                "EMR with OCD default (A9:7 = 111)",
            ),
            e("MRS", Some(1), ocd_exit, "EMR with OCD exit (A9:7 = 000)"),
        ],
    }
}

/// Checks the command list: init sequence, mode registers, bank state and timings.
pub fn check(
    cmds: &[BusCommand],
    p: Profile,
    clock: Clock,
    time_base: TimeBase,
    timing: &Timing,
) -> Vec<JedecFinding> {
    let mut emit = Emit::new(clock, time_base);
    if cmds.is_empty() {
        return emit.out;
    }
    let init_done_at = init_sequence(cmds, p, timing, &mut emit);
    bank::check(
        cmds,
        timing,
        p == Profile::Minimodule,
        init_done_at,
        &mut emit,
    );
    mode::dll_lock(cmds, p, timing, &mut emit);
    // One time line: by cycle, a command's own findings in the order the rules ran.
    emit.out.sort_by_key(|f| f.cycle);
    emit.out
}

/// The init order, the decoded mode registers and the READ-before-DLL-lock warning. Returns the
/// index of the command that completes the sequence.
fn init_sequence(
    cmds: &[BusCommand],
    p: Profile,
    timing: &Timing,
    emit: &mut Emit,
) -> Option<usize> {
    let seq = sequence(p);
    let mut step = 0;
    let mut complete = false;
    let mut done_at = None;
    let mut dll_reset_cycle: Option<u64> = None;
    for (i, c) in cmds.iter().enumerate() {
        if c.kind == "MRS" {
            let (words, errs) = mode::decode(p, timing, c.ba.unwrap_or(0), c.a.unwrap_or(0));
            emit.push(
                Severity::Info,
                c,
                format!("INFO: Load Mode {} {words}", c.ba.unwrap_or(0)),
            );
            for (sev, e) in errs {
                emit.push(sev, c, e);
            }
            if c.ba == Some(0) && dll_reset(c.a.unwrap_or(0)) {
                dll_reset_cycle = Some(c.cycle);
            }
        }
        if !complete {
            if matches!(c.kind, "ACT" | "WR" | "RD") {
                emit.push(
                    Severity::Error,
                    c,
                    format!(
                        "ERROR: {} Failure.  Initialization sequence is not complete.",
                        padded(c.kind)
                    ),
                );
                emit.push(
                    Severity::Info,
                    c,
                    format!(
                        "init sequence stopped at step {} of {}: expected {}",
                        step + 1,
                        seq.len(),
                        seq[step].what
                    ),
                );
                complete = true; // report once
                continue;
            }
            let e = &seq[step];
            let ok = c.kind == e.kind
                && e.ba.is_none_or(|b| c.ba == Some(b))
                && (e.check)(c.a.unwrap_or(0));
            if !ok {
                emit.push(
                    Severity::Error,
                    c,
                    format!(
                        "ERROR: init sequence step {} expected {}, found {}{}",
                        step + 1,
                        e.what,
                        c.kind,
                        c.ba.zip(c.a)
                            .map(|(b, a)| format!(" (BA {b}, A 0x{a:04X})"))
                            .unwrap_or_default()
                    ),
                );
            } else {
                step += 1;
                if step == seq.len() {
                    complete = true;
                    done_at = Some(i);
                    emit.push(
                        Severity::Info,
                        c,
                        "INFO: Initialization Sequence is complete".to_string(),
                    );
                }
            }
        }
        if c.kind == "RD" {
            if let Some(d) = dll_reset_cycle {
                if c.cycle.saturating_sub(d) < timing.t_dllk_clk {
                    emit.push(Severity::Warning, c, "WARNING: Read      prior to DLL locked.  Failing to wait for synchronization to occur may result in a violation of the tAC or tDQSCK parameters.".to_string());
                    dll_reset_cycle = None;
                }
            }
        }
    }
    done_at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(cycle: u64, kind: &'static str, ba: u64, a: u64) -> BusCommand {
        BusCommand {
            time: 2_500_000 + cycle * 5_000_000,
            cycle,
            kind,
            ba: Some(ba),
            a: Some(a),
        }
    }

    /// Some finding's message contains `text`.
    fn says(f: &[JedecFinding], text: &str) -> bool {
        f.iter().any(|f| f.message.contains(text))
    }

    fn run(cmds: &[BusCommand]) -> Vec<JedecFinding> {
        check(
            cmds,
            Profile::Minimodule,
            Clock::GOLDEN,
            TimeBase::Femtoseconds,
            &Timing::for_profile(Profile::Minimodule),
        )
    }

    /// The golden build's sequence: PRE, MRS(BA1,0), MRS(BA0,0x131), PRE, REF, REF, MRS(BA0,0x031).
    fn golden_seq() -> Vec<BusCommand> {
        vec![
            cmd(0, "PRE", 0, 0x400),
            cmd(27, "MRS", 1, 0),
            cmd(54, "MRS", 0, 0x131),
            cmd(81, "PRE", 0, 0x400),
            cmd(108, "REF", 0, 0),
            cmd(135, "REF", 0, 0),
            cmd(162, "MRS", 0, 0x031),
            cmd(400, "ACT", 0, 0),
        ]
    }

    #[test]
    fn golden_sequence_is_clean() {
        let f = run(&golden_seq());
        assert!(f.iter().all(|f| f.severity != Severity::Error), "{f:#?}");
        assert!(f
            .iter()
            .any(|f| f.message.contains("Initialization Sequence is complete")));
        assert!(f.iter().any(|f| f
            .message
            .contains("burst length 2, sequential, CAS latency 3, DLL reset yes")));
    }

    #[test]
    fn activate_before_init_is_micron_error() {
        let mut s = golden_seq();
        s.remove(5);
        let f = run(&s);
        assert!(
            f.iter().any(|f| f
                .message
                .ends_with("ERROR: Activate  Failure.  Initialization sequence is not complete.")),
            "{f:#?}"
        );
    }

    #[test]
    fn tmrd_and_trfc() {
        let s = vec![
            cmd(0, "PRE", 0, 0x400),
            cmd(4, "MRS", 1, 0),
            cmd(5, "MRS", 0, 0x131),
            cmd(30, "REF", 0, 0),
            cmd(32, "REF", 0, 0),
        ];
        let f = run(&s);
        assert!(
            says(&f, "ERROR:  tMRD violation during Load Mode"),
            "{f:#?}"
        );
        assert!(
            says(&f, "ERROR:  tRFC violation during Refresh  "),
            "{f:#?}"
        );
        assert_eq!(
            f[0].message
                .split(' ')
                .take(4)
                .collect::<Vec<_>>()
                .join(" "),
            "at time 25000.0 ps"
        );
    }

    #[test]
    fn illegal_cas_latency() {
        let s = vec![
            cmd(0, "PRE", 0, 0x400),
            cmd(27, "MRS", 1, 0),
            cmd(54, "MRS", 0, 0x171),
        ];
        let f = run(&s);
        assert!(
            says(&f, "ERROR: Load Mode 0 Illegal CAS Latency = 7"),
            "{f:#?}"
        );
    }
}
