//! The ODT pin rules, one test per rule: an ODT waveform broken in exactly that way draws exactly
//! that message, and an ODT held low draws none.

use migcal::analysis::jedec::odt::{self, OdtTiming, ODT_LOW_DURING_INIT};
use migcal::analysis::jedec::{Severity, Timing};
use migcal::analysis::{BusCommand, Clock, Profile};
use migcal_traces::TimeBase;

mod common;
use common::bus::{cmd, P};

/// An init with a DLL reset at cycle 100 and the last EMR at cycle 300, then the training ACT.
fn init() -> Vec<BusCommand> {
    vec![
        cmd(81, "MRS", 1, 0),
        cmd(100, "MRS", 0, 0x532),
        cmd(300, "MRS", 1, 0),
        cmd(502, "ACT", 0, 0),
    ]
}

/// The CK edge of cycle `c` plus `ns`, in fs.
fn at(c: u64, ns: u64) -> u64 {
    Clock::GOLDEN.first_edge + c * P + P / 2 + ns * 1_000_000
}

fn messages(p: Profile, odt: &[(u64, u8)]) -> Vec<(Severity, String)> {
    odt::check(
        &init(),
        odt,
        p,
        Clock::GOLDEN,
        TimeBase::Femtoseconds,
        &Timing::for_profile(p),
        &OdtTiming::default(),
    )
    .into_iter()
    .map(|f| {
        let text = f.message.split_once(" ps ").map(|x| x.1.to_string());
        (f.severity, text.unwrap_or(f.message))
    })
    .collect()
}

#[test]
fn odt_held_low_draws_nothing() {
    assert_eq!(messages(Profile::Ddr2, &[(0, b'0')]), vec![]);
    // Raised well after init, tMOD and tDLLK: still nothing.
    assert_eq!(
        messages(Profile::Ddr2, &[(0, b'0'), (at(600, 0), b'1')]),
        vec![]
    );
}

#[test]
fn odt_high_from_power_up_is_an_init_error() {
    assert_eq!(
        messages(Profile::Ddr2, &[(0, b'1')]),
        vec![(Severity::Error, ODT_LOW_DURING_INIT.to_string())]
    );
}

#[test]
fn odt_raised_within_tmod_of_an_emr_load() {
    assert_eq!(
        messages(Profile::Ddr2, &[(0, b'0'), (at(300, 5), b'1')]),
        vec![(
            Severity::Error,
            "ERROR:  tMOD violation during ODT transition".to_string()
        )]
    );
}

#[test]
fn odt_raised_within_tdllk_of_a_dll_reset() {
    assert_eq!(
        messages(Profile::Ddr2, &[(0, b'0'), (at(150, 0), b'1')]),
        vec![
            (Severity::Error, ODT_LOW_DURING_INIT.to_string()),
            (
                Severity::Warning,
                "WARNING: tDLLK violation during ODT transition.".to_string()
            ),
        ]
    );
}

#[test]
fn the_ddr1_minimodule_has_no_odt_to_check() {
    assert_eq!(messages(Profile::Minimodule, &[(0, b'1')]), vec![]);
}
