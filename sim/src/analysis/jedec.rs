//! A JEDEC check of the command bus, with the rules and message texts of Micron's DDR/DDR2
//! models (jedec-ddr2-v4-dcm.md §1.6): the init sequence, the decoded mode registers, and the
//! command-to-command timings that matter during MIG init (tMRD, tRP, tRFC, DLL lock).

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

/// Timing parameters of the check (ns). Defaults: DDR-400/DDR2-400 values of the goldens'
/// memory (tRFC 70 ns for the MT46V32M8; a 512 Mb DDR2 part needs 105 ns: set `t_rfc_ns`).
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Mode-register set cycle, in clocks.
    pub t_mrd_clk: u64,
    /// Precharge period.
    pub t_rp_ns: f64,
    /// Refresh cycle time.
    pub t_rfc_ns: f64,
    /// Clocks from the DLL reset to a READ (tDLLK).
    pub t_dllk_clk: u64,
}

impl Timing {
    /// The defaults for a profile.
    pub fn for_profile(p: Profile) -> Timing {
        match p {
            Profile::Minimodule => Timing {
                t_mrd_clk: 2,
                t_rp_ns: 15.0,
                t_rfc_ns: 70.0,
                t_dllk_clk: 200,
            },
            Profile::Ddr2 => Timing {
                t_mrd_clk: 2,
                t_rp_ns: 15.0,
                t_rfc_ns: 105.0,
                t_dllk_clk: 200,
            },
        }
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
fn zero(a: u64) -> bool {
    a == 0
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
            e("MRS", Some(2), zero, "EMR(2) = 0"),
            e("MRS", Some(3), zero, "EMR(3) = 0"),
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

/// Decodes a mode register write into words, and the Micron errors for illegal fields.
fn decode_mr(p: Profile, ba: u64, a: u64) -> (String, Vec<String>) {
    let mut errs = Vec::new();
    let words = match ba {
        0 => {
            let bl_code = a & 7;
            let bl = match (p, bl_code) {
                (Profile::Minimodule, 1) => Some(2),
                (_, 2) => Some(4),
                (_, 3) => Some(8),
                _ => None,
            };
            let cl_code = (a >> 4) & 7;
            let cl = match (p, cl_code) {
                (Profile::Minimodule, 2) => Some("2"),
                (Profile::Minimodule, 3) => Some("3"),
                (Profile::Minimodule, 6) => Some("2.5"),
                (Profile::Ddr2, 3) => Some("3"),
                (Profile::Ddr2, 4) => Some("4"),
                (Profile::Ddr2, 5) => Some("5"),
                (Profile::Ddr2, 6) => Some("6"),
                _ => None,
            };
            if bl.is_none() {
                errs.push(format!(
                    "ERROR: Load Mode 0 Illegal Burst Length = {bl_code}"
                ));
            }
            if cl.is_none() {
                errs.push(format!(
                    "ERROR: Load Mode 0 Illegal CAS Latency = {cl_code}"
                ));
            }
            let mut w = format!(
                "MR: burst length {}, {}, CAS latency {}, DLL reset {}",
                bl.map(|b| b.to_string()).unwrap_or("?".into()),
                if a & 8 != 0 {
                    "interleaved"
                } else {
                    "sequential"
                },
                cl.unwrap_or("?"),
                if dll_reset(a) { "yes" } else { "no" }
            );
            if p == Profile::Ddr2 {
                let _ = std::fmt::Write::write_fmt(
                    &mut w,
                    format_args!(", write recovery {}", ((a >> 9) & 7) + 1),
                );
            }
            w
        }
        1 => {
            let mut w = format!(
                "EMR: DLL {}, drive {}",
                if dll_enabled(a) {
                    "enabled"
                } else {
                    "disabled"
                },
                if a & 2 != 0 { "reduced" } else { "full" }
            );
            if p == Profile::Ddr2 {
                let rtt = match ((a >> 6) & 1) << 1 | ((a >> 2) & 1) {
                    0 => "off",
                    1 => "75 ohm",
                    2 => "150 ohm",
                    _ => "50 ohm",
                };
                let al = (a >> 3) & 7;
                if al > 4 {
                    errs.push(format!(
                        "ERROR: Load Mode 1 Illegal Additive Latency = {al}"
                    ));
                }
                let ocd = (a >> 7) & 7;
                if ocd != 0 && ocd != 7 {
                    errs.push(format!(
                        "ERROR: Load Mode 1 Illegal OCD Program = {ocd:03b}"
                    ));
                }
                let _ = std::fmt::Write::write_fmt(
                    &mut w,
                    format_args!(", ODT Rtt {rtt}, additive latency {al}, OCD {ocd:03b}"),
                );
            }
            w
        }
        2 | 3 => {
            if a != 0 && p == Profile::Ddr2 {
                errs.push(format!("ERROR: Load Mode {ba} Illegal value.  Reserved bits must be programmed to zero"));
            }
            format!("EMR({ba}) = 0x{a:04X}")
        }
        _ => format!("mode register {ba} = 0x{a:04X}"),
    };
    (words, errs)
}

/// Checks the command list.
pub fn check(
    cmds: &[BusCommand],
    p: Profile,
    clock: Clock,
    time_base: TimeBase,
    timing: &Timing,
) -> Vec<JedecFinding> {
    let mut out = Vec::new();
    // Micron prints the CK edge that latched the command: half a clk_0 period after launch.
    let fs = time_base == TimeBase::Femtoseconds;
    let ps_of = |c: &BusCommand| fs.then(|| (c.time + clock.period / 2) / 1000);
    let mut push = |sev: Severity, c: &BusCommand, text: String| {
        let prefix = match ps_of(c) {
            Some(ps) => format!("at time {ps}.0 ps "),
            None => format!("at cycle {} ", c.cycle),
        };
        out.push(JedecFinding {
            severity: sev,
            cycle: c.cycle,
            time_ps: ps_of(c),
            message: format!("{prefix}{text}"),
        });
    };
    if cmds.is_empty() {
        return out;
    }
    let seq = sequence(p);
    let mut step = 0;
    let mut complete = false;
    let mut dll_reset_cycle: Option<u64> = None;
    let clock_ns = if fs { clock.period as f64 / 1e6 } else { 0.0 };
    for (i, c) in cmds.iter().enumerate() {
        // Timing against the previous command.
        if let Some(prev) = i.checked_sub(1).map(|j| &cmds[j]) {
            let gap = c.cycle.saturating_sub(prev.cycle);
            let gap_ns = gap as f64 * clock_ns;
            if prev.kind == "MRS" && gap < timing.t_mrd_clk {
                push(
                    Severity::Error,
                    c,
                    format!("ERROR:  tMRD violation during {}", padded(c.kind)),
                );
            }
            if fs
                && prev.kind == "PRE"
                && matches!(c.kind, "ACT" | "REF" | "MRS")
                && gap_ns < timing.t_rp_ns
            {
                push(
                    Severity::Error,
                    c,
                    format!("ERROR:  tRP violation during {}", padded(c.kind)),
                );
            }
            if fs && prev.kind == "REF" && gap_ns < timing.t_rfc_ns {
                push(
                    Severity::Error,
                    c,
                    format!("ERROR:  tRFC violation during {}", padded(c.kind)),
                );
            }
        }
        if c.kind == "MRS" {
            let (words, errs) = decode_mr(p, c.ba.unwrap_or(0), c.a.unwrap_or(0));
            push(
                Severity::Info,
                c,
                format!("INFO: Load Mode {} {words}", c.ba.unwrap_or(0)),
            );
            for e in errs {
                push(Severity::Error, c, e);
            }
            if c.ba == Some(0) && dll_reset(c.a.unwrap_or(0)) {
                dll_reset_cycle = Some(c.cycle);
            }
        }
        if !complete {
            if matches!(c.kind, "ACT" | "WR" | "RD") {
                push(
                    Severity::Error,
                    c,
                    format!(
                        "ERROR: {} Failure.  Initialization sequence is not complete.",
                        padded(c.kind)
                    ),
                );
                push(
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
                push(
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
                    push(
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
                    push(Severity::Warning, c, "WARNING: Read      prior to DLL locked.  Failing to wait for synchronization to occur may result in a violation of the tAC or tDQSCK parameters.".to_string());
                    dll_reset_cycle = None;
                }
            }
        }
    }
    out
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
