//! One test per JEDEC rule of Micron's DDR2 model: a DDR2 bus broken in exactly that way draws
//! exactly that message (Micron's text, at the CK edge Micron prints), and the unbroken bus
//! draws none. The bus is the `ddr2` profile's own init and training sequence (27 clocks between
//! init commands, as the model's controller issues them) at 200 MHz.

use migcal::analysis::jedec::{check, JedecFinding, Severity, Timing};
use migcal::analysis::{BusCommand, Clock, Profile};
use migcal_traces::TimeBase;

mod common;

use common::bus::{cmd, P};

/// The ddr2 profile's init (BL4, CL3, AL0, WR3) and the first training write and reads.
fn nominal() -> Vec<BusCommand> {
    vec![
        cmd(0, "PRE", 0, 0x400),
        cmd(27, "MRS", 2, 0),
        cmd(54, "MRS", 3, 0),
        cmd(81, "MRS", 1, 0),
        cmd(108, "MRS", 0, 0x532),
        cmd(135, "PRE", 0, 0x400),
        cmd(162, "REF", 0, 0),
        cmd(189, "REF", 0, 0),
        cmd(216, "MRS", 0, 0x432),
        cmd(243, "MRS", 1, 0x380),
        cmd(270, "MRS", 1, 0),
        cmd(502, "ACT", 0, 0),
        cmd(528, "WR", 0, 0),
        cmd(554, "RD", 0, 0),
        cmd(556, "RD", 0, 0),
    ]
}

fn errors_with(cmds: &[BusCommand], t: &Timing) -> Vec<String> {
    let f = check(
        cmds,
        Profile::Ddr2,
        Clock::GOLDEN,
        TimeBase::Femtoseconds,
        t,
    );
    problems(&f)
}

fn problems(f: &[JedecFinding]) -> Vec<String> {
    f.iter()
        .filter(|f| f.severity != Severity::Info)
        .map(|f| f.message.clone())
        .collect()
}

fn errors(cmds: &[BusCommand]) -> Vec<String> {
    errors_with(cmds, &Timing::for_profile(Profile::Ddr2))
}

/// The bus with the command at `cycle` replaced (or removed with `None`), plus `extra`.
fn broken(replace: &[(u64, Option<BusCommand>)], extra: &[BusCommand]) -> Vec<BusCommand> {
    let mut v: Vec<BusCommand> = nominal()
        .into_iter()
        .filter_map(|c| match replace.iter().find(|(cy, _)| *cy == c.cycle) {
            Some((_, r)) => r.clone(),
            None => Some(c),
        })
        .collect();
    v.extend(extra.iter().cloned());
    v.sort_by_key(|c| c.cycle);
    v
}

/// `text` at the CK edge of clk_0 cycle `cycle`.
fn at(cycle: u64, text: &str) -> String {
    format!(
        "at time {}.0 ps {text}",
        (Clock::GOLDEN.first_edge + cycle * P + P / 2) / 1000
    )
}

#[test]
fn the_nominal_bus_draws_nothing() {
    assert_eq!(errors(&nominal()), Vec::<String>::new());
}

#[test]
fn tmrd() {
    let b = broken(&[(54, Some(cmd(28, "MRS", 3, 0)))], &[]);
    assert_eq!(
        errors(&b),
        [at(28, "ERROR:  tMRD violation during Load Mode")]
    );
}

#[test]
fn trfc() {
    let b = broken(&[(189, Some(cmd(172, "REF", 0, 0)))], &[]);
    assert_eq!(
        errors(&b),
        [at(172, "ERROR:  tRFC violation during Refresh  ")]
    );
}

#[test]
fn trfc_maximum_is_the_refresh_interval_check() {
    let t = Timing {
        t_rfc_max_ns: 1_000.0,
        ..Timing::for_profile(Profile::Ddr2)
    };
    assert_eq!(
        errors_with(&nominal(), &t),
        [at(502, "ERROR:  tRFC maximum violation during Activate ")]
    );
}

#[test]
fn trpa_after_precharge_all() {
    let b = broken(&[(27, Some(cmd(1, "MRS", 2, 0)))], &[]);
    assert_eq!(
        errors(&b),
        [at(1, "ERROR:  tRPA violation during Load Mode")]
    );
}

#[test]
fn trp_after_a_bank_precharge() {
    let b = broken(&[], &[cmd(520, "PRE", 0, 0), cmd(521, "ACT", 0, 0)]);
    let b: Vec<_> = b.into_iter().filter(|c| c.cycle < 522).collect();
    assert_eq!(
        errors(&b),
        [at(521, "ERROR:   tRP violation during Activate  to bank 0")]
    );
}

#[test]
fn tras_minimum() {
    let b: Vec<_> = broken(&[], &[cmd(505, "PRE", 0, 0)])
        .into_iter()
        .filter(|c| c.cycle <= 505)
        .collect();
    assert_eq!(
        errors(&b),
        [at(
            505,
            "ERROR:  tRAS minimum violation during Precharge to bank 0"
        )]
    );
}

#[test]
fn tras_maximum() {
    let t = Timing {
        t_ras_max_ns: 1_000.0,
        ..Timing::for_profile(Profile::Ddr2)
    };
    let b = broken(&[], &[cmd(900, "PRE", 0, 0)]);
    assert_eq!(
        errors_with(&b, &t),
        [at(
            900,
            "ERROR:  tRAS maximum violation during Precharge to bank 0"
        )]
    );
}

#[test]
fn trc() {
    // With -5E values tRC = tRAS + tRP; a longer tRC isolates the rule.
    let t = Timing {
        t_rc_ns: 70.0,
        ..Timing::for_profile(Profile::Ddr2)
    };
    let b: Vec<_> = broken(&[], &[cmd(510, "PRE", 0, 0), cmd(513, "ACT", 0, 0)])
        .into_iter()
        .filter(|c| c.cycle <= 513)
        .collect();
    assert_eq!(
        errors_with(&b, &t),
        [at(513, "ERROR:   tRC violation during Activate  to bank 0")]
    );
}

#[test]
fn trrd() {
    let b = broken(&[], &[cmd(503, "ACT", 1, 0)]);
    assert_eq!(
        errors(&b),
        [at(503, "ERROR:  tRRD violation during Activate  to bank 1")]
    );
}

#[test]
fn trcd() {
    let b = broken(&[(528, Some(cmd(504, "WR", 0, 0)))], &[]);
    assert_eq!(
        errors(&b),
        [at(504, "ERROR:  tRCD violation during Write    ")]
    );
}

#[test]
fn twr() {
    let b: Vec<_> = broken(&[], &[cmd(533, "PRE", 0, 0)])
        .into_iter()
        .filter(|c| c.cycle <= 533)
        .collect();
    assert_eq!(
        errors(&b),
        [at(533, "ERROR:   tWR violation during Precharge to bank 0")]
    );
}

#[test]
fn twtr() {
    let b = broken(&[(554, Some(cmd(530, "RD", 0, 0)))], &[]);
    assert_eq!(
        errors(&b),
        [at(530, "ERROR:  tWTR violation during Read      to bank 0")]
    );
}

#[test]
fn trtw() {
    let b = broken(&[], &[cmd(558, "WR", 0, 0)]);
    assert_eq!(
        errors(&b),
        [at(558, "ERROR:  tRTW violation during Write     to bank 0")]
    );
}

#[test]
fn tccd() {
    let b = broken(&[(556, Some(cmd(555, "RD", 0, 0)))], &[]);
    assert_eq!(
        errors(&b),
        [at(555, "ERROR:  tCCD violation during Read      to bank 0")]
    );
}

#[test]
fn init_order_load_mode_before_precharge_all() {
    let b = broken(&[(0, None)], &[]);
    assert_eq!(
        errors(&b),
        [
            at(27, "ERROR: init sequence step 1 expected PRECHARGE ALL (A10 = 1), found MRS (BA 2, A 0x0000)"),
            at(27, "ERROR: Load Mode Failure.  All banks must be Precharged."),
            at(54, "ERROR: init sequence step 1 expected PRECHARGE ALL (A10 = 1), found MRS (BA 3, A 0x0000)"),
            at(54, "ERROR: Load Mode Failure.  All banks must be Precharged."),
            at(81, "ERROR: init sequence step 1 expected PRECHARGE ALL (A10 = 1), found MRS (BA 1, A 0x0000)"),
            at(81, "ERROR: Load Mode Failure.  All banks must be Precharged."),
            at(108, "ERROR: init sequence step 1 expected PRECHARGE ALL (A10 = 1), found MRS (BA 0, A 0x0532)"),
            at(108, "ERROR: Load Mode Failure.  All banks must be Precharged."),
            at(162, "ERROR: init sequence step 2 expected EMR(2), found REF (BA 0, A 0x0000)"),
            at(189, "ERROR: init sequence step 2 expected EMR(2), found REF (BA 0, A 0x0000)"),
            at(216, "ERROR: init sequence step 2 expected EMR(2), found MRS (BA 0, A 0x0432)"),
            at(243, "ERROR: init sequence step 2 expected EMR(2), found MRS (BA 1, A 0x0380)"),
            at(270, "ERROR: init sequence step 2 expected EMR(2), found MRS (BA 1, A 0x0000)"),
            at(502, "ERROR: Activate  Failure.  Initialization sequence is not complete."),
        ]
    );
}

#[test]
fn activate_before_the_init_is_complete() {
    let b = broken(&[(270, None)], &[]);
    assert_eq!(
        errors(&b),
        [at(
            502,
            "ERROR: Activate  Failure.  Initialization sequence is not complete."
        )]
    );
}

#[test]
fn read_prior_to_dll_locked() {
    let b = broken(
        &[(502, None), (528, None), (554, None), (556, None)],
        &[
            cmd(280, "ACT", 0, 0),
            cmd(290, "WR", 0, 0),
            cmd(300, "RD", 0, 0),
        ],
    );
    assert_eq!(
        errors(&b),
        [at(300, "WARNING: Read      prior to DLL locked.  Failing to wait for synchronization to occur may result in a violation of the tAC or tDQSCK parameters.")]
    );
}

#[test]
fn load_mode_with_a_bank_open() {
    let b = broken(&[], &[cmd(600, "MRS", 0, 0x432)]);
    assert_eq!(
        errors(&b),
        [at(
            600,
            "ERROR: Load Mode Failure.  All banks must be Precharged."
        )]
    );
}

#[test]
fn refresh_with_a_bank_open() {
    let b = broken(&[], &[cmd(600, "REF", 0, 0)]);
    assert_eq!(
        errors(&b),
        [at(
            600,
            "ERROR: Refresh   Failure.  All banks must be Precharged."
        )]
    );
}

#[test]
fn activate_to_an_open_bank() {
    let b = broken(&[], &[cmd(520, "ACT", 0, 0)]);
    assert_eq!(
        errors(&b),
        [at(
            520,
            "ERROR: Activate  Failure.  Bank 0 must be Precharged."
        )]
    );
}

#[test]
fn write_to_a_closed_bank() {
    let b = broken(&[(528, Some(cmd(528, "WR", 1, 0)))], &[]);
    assert_eq!(
        errors(&b),
        [at(
            528,
            "ERROR: Write     Failure.  Bank 1 must be Activated."
        )]
    );
}

/// The nominal bus with the final MR (cycle 216) or the first EMR (cycle 81) changed.
fn mode(cycle: u64, ba: u64, a: u64) -> Vec<String> {
    errors(&broken(&[(cycle, Some(cmd(cycle, "MRS", ba, a)))], &[]))
}

#[test]
fn illegal_burst_length() {
    assert_eq!(
        mode(216, 0, 0x434),
        [at(216, "ERROR: Load Mode 0 Illegal Burst Length = 16")]
    );
}

#[test]
fn illegal_cas_latency() {
    assert_eq!(
        mode(216, 0, 0x472),
        [at(216, "ERROR: Load Mode 0 Illegal CAS Latency = 7")]
    );
}

#[test]
fn illegal_test_mode() {
    assert_eq!(
        mode(216, 0, 0x4B2),
        [at(216, "ERROR: Load Mode 0 Illegal Test Mode = 1")]
    );
}

#[test]
fn illegal_write_recovery() {
    assert_eq!(
        mode(216, 0, 0xE32),
        [at(216, "ERROR: Load Mode 0 Illegal Write Recovery = 8")]
    );
}

#[test]
fn illegal_additive_latency() {
    assert_eq!(
        mode(81, 1, 0x30),
        [at(81, "ERROR: Load Mode 1 Illegal Additive Latency = 6")]
    );
}

#[test]
fn illegal_ocd_program() {
    assert_eq!(
        mode(81, 1, 0x100),
        [at(81, "ERROR: Load Mode 1 Illegal OCD Program = 010")]
    );
}

#[test]
fn rdqs_on_a_x16_part() {
    assert_eq!(
        mode(81, 1, 0x800),
        [at(
            81,
            "WARNING: Load Mode 1 Illegal RDQS Enable.  RDQS only exists on a x8 part"
        )]
    );
}

#[test]
fn emr2_reserved_bits() {
    assert_eq!(
        mode(27, 2, 0x1),
        [at(
            27,
            "ERROR: Load Mode 2 Illegal value.  Reserved bits must be programmed to zero"
        )]
    );
    // A7 (2x self refresh above 85 °C) is a field, not a reserved bit.
    assert_eq!(mode(27, 2, 0x80), Vec::<String>::new());
}

#[test]
fn emr3_reserved_bits() {
    assert_eq!(
        mode(54, 3, 0x4),
        [at(
            54,
            "ERROR: Load Mode 3 Illegal value.  Reserved bits must be programmed to zero"
        )]
    );
}

#[test]
fn cas_latency_against_the_clock_at_dll_lock() {
    let t = Timing {
        cl_time_ns: 20.0,
        ..Timing::for_profile(Profile::Ddr2)
    };
    assert_eq!(
        errors_with(&nominal(), &t),
        [at(
            308,
            "ERROR: CAS Latency = 3 is illegal @tCK(avg) = 5000.000000"
        )]
    );
}

#[test]
fn write_recovery_against_the_clock_at_dll_lock() {
    let t = Timing {
        t_wr_ns: 20.0,
        ..Timing::for_profile(Profile::Ddr2)
    };
    assert_eq!(
        errors_with(&nominal(), &t),
        [at(
            308,
            "ERROR: Write Recovery = 3 is illegal @tCK(avg) = 5000.000000"
        )]
    );
}

// ---- the bundled boards ----

/// The bundled DDR2 board, simulated and diagnosed through the CLI (commands and the DQS pads
/// of its VCD): Micron's rules find nothing.
#[test]
fn the_bundled_ddr2_board_draws_no_error_or_warning() {
    let dir = tempfile::tempdir().unwrap();
    let vcd = dir.path().join("ddr2.vcd");
    let vcd_s = vcd.to_str().unwrap();
    let sim = common::migcal(&["simulate", "sim/scenarios/ddr2_default.toml", "-o", vcd_s]);
    assert!(sim.status.success(), "{}", common::text(&sim.stderr));
    let out = common::migcal(&["diagnose", vcd_s]);
    let text = common::text(&out.stdout);
    assert!(
        text.contains("Initialization Sequence is complete"),
        "{text}"
    );
    assert!(
        !text.contains("ERROR:") && !text.contains("WARNING:"),
        "{text}"
    );
}

/// The goldens' nominal run (the real RTL with Micron's DDR model) draws none either.
#[test]
fn the_golden_nominal_run_draws_no_error_or_warning() {
    let g = common::golden("nominal");
    if !g.exists() {
        eprintln!("skipped: no shared folder");
        return;
    }
    let out = common::migcal(&["diagnose", g.to_str().unwrap()]);
    let text = common::text(&out.stdout);
    assert!(
        text.contains("Initialization Sequence is complete"),
        "{text}"
    );
    assert!(
        !text.contains("ERROR:") && !text.contains("WARNING:"),
        "{text}"
    );
}
