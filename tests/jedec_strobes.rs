//! The write-strobe rules of Micron's DDR2 model, one test per rule: one lane's DQS around the
//! `ddr2` profile's training WRITE (cycle 528, WL 2, BL4) broken in exactly that way draws
//! exactly that message; the other lane stays nominal and draws none.

use migcal::analysis::jedec::strobe::{self, StrobeTiming};
use migcal::analysis::jedec::Severity;
use migcal::analysis::{BusCommand, Clock, Profile};
use migcal_traces::TimeBase;

mod common;
use common::bus::{cmd, P};

/// The mode registers in force (BL4, CL3, AL0) and the training write.
fn nominal() -> Vec<BusCommand> {
    vec![
        cmd(81, "MRS", 1, 0),
        cmd(216, "MRS", 0, 0x432),
        cmd(502, "ACT", 0, 0),
        cmd(528, "WR", 0, 0),
    ]
}

/// One lane's DQS for the WRITE at cycle 528 (WL 2, BL4): driven low `pre` clocks before the
/// first rise, rising `shift` clocks late, the edges of `edges` (offsets in clocks from the
/// first expected rise, alternately rising and falling), then low for half a clock and Z.
fn dqs(pre: f64, shift: f64, edges: &[f64]) -> Vec<(u64, u8)> {
    let first = Clock::GOLDEN.first_edge + 528 * P + P / 2 + 2 * P;
    let t = |c: f64| (first as f64 + (c + shift) * P as f64).round() as u64;
    let mut v = vec![(0, b'z')];
    if pre > 0.0 {
        v.push((t(-pre), b'0'));
    }
    for (i, &e) in edges.iter().enumerate() {
        v.push((t(e), if i % 2 == 0 { b'1' } else { b'0' }));
    }
    v.push((t(edges.last().copied().unwrap_or(0.0) + 0.5), b'z'));
    v
}

const BURST: [f64; 4] = [0.0, 0.5, 1.0, 1.5];

fn strobes(lane0: Vec<(u64, u8)>) -> Vec<String> {
    let f = strobe::check(
        &nominal(),
        &[lane0, dqs(1.0, 0.0, &BURST)],
        Profile::Ddr2,
        Clock::GOLDEN,
        TimeBase::Femtoseconds,
        &StrobeTiming::default(),
    );
    f.into_iter()
        .filter(|f| f.severity != Severity::Info)
        .map(|f| f.message)
        .map(|m| m.split_once(" ps ").map(|x| x.1.to_string()).unwrap_or(m))
        .collect()
}

#[test]
fn nominal_strobes_draw_nothing() {
    assert_eq!(strobes(dqs(1.0, 0.0, &BURST)), Vec::<String>::new());
}

#[test]
fn tdqss() {
    assert_eq!(
        strobes(dqs(1.0, 0.3, &BURST)),
        [
            "ERROR: tDQSS violation on DQS bit 0",
            "ERROR: tDQSS violation on DQS bit 0"
        ]
    );
}

#[test]
fn a_write_a_clock_late_against_its_strobes() {
    assert_eq!(
        strobes(dqs(1.0, -1.0, &BURST)),
        [
            "ERROR: DQS bit 0 latching edge required during the preceding clock period",
            "ERROR: DQS bit 0 latching edge required during the preceding clock period.",
        ]
    );
}

#[test]
fn twpre() {
    assert_eq!(
        strobes(dqs(0.2, 0.0, &BURST)),
        ["ERROR: tWPRE violation on DQS bit 0"]
    );
}

#[test]
fn no_preamble_is_an_invalid_latching_edge() {
    assert_eq!(
        strobes(dqs(0.0, 0.0, &BURST)),
        ["ERROR: Invalid latching edge on DQS bit 0"]
    );
}

#[test]
fn twpst() {
    assert_eq!(
        strobes(dqs(1.0, 0.0, &[0.0, 0.5, 1.0, 1.5, 1.7, 1.9])),
        ["ERROR: tWPST violation on DQS bit 0"]
    );
}

#[test]
fn tdqsh() {
    assert_eq!(
        strobes(dqs(1.0, 0.0, &[0.0, 0.25, 1.0, 1.5])),
        ["ERROR: tDQSH violation on DQS bit 0"]
    );
}

#[test]
fn tdqsl() {
    assert_eq!(
        strobes(dqs(1.0, 0.0, &[0.0, 0.5, 0.8, 1.5])),
        ["ERROR: tDQSL violation on DQS bit 0"]
    );
}
