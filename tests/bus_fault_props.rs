//! Invariants of the command/address bus and write-path faults (proptest):
//! - an address line stuck low that every init command drives low anyway (above the mode
//!   register's fields: A9, A11, A12 of the DDR1 build, A12 of the DDR2 one) changes nothing;
//! - a swap or bridge of two such lines changes nothing either, wherever the bridge sits;
//! - on the board: a command/address swap applied twice is the identity, a bridge whose two
//!   drivers agree is transparent, and a write-path delay shared by a lane's data and strobe
//!   (or below a quarter period) latches every beat as sent.

use migcal::run::run;
use migcal::scenario::Scenario;
use migcal_model::board::{self, CmdPin, CmdPins, CtrlDrive, DelayPath, Fault};
use proptest::prelude::*;
use std::path::Path;

fn scenario(profile: &str, faults: &str) -> Scenario {
    let memory = if profile == "ddr2" {
        "[memory]\npart = \"MT47H32M16\"\ncl = 3\nbl = 4\ndata_width = 16\n"
    } else {
        ""
    };
    let text = format!("profile = \"{profile}\"\nseed = 3\nstop_time_us = 250\n{memory}\n{faults}");
    Scenario::parse(&text, Path::new("prop.toml")).expect("valid scenario")
}

/// Address lines every init command of the profile drives low.
fn quiet_lines(profile: &str) -> Vec<&'static str> {
    if profile == "ddr2" {
        vec!["a12"]
    } else {
        vec!["a9", "a11", "a12"]
    }
}

fn pins() -> impl Strategy<Value = CmdPins> {
    (any::<[bool; 6]>(), 0u8..4, 0u16..0x2000).prop_map(|(b, ba, a)| CmdPins {
        cke: b[0],
        cs_n: b[1],
        ras_n: b[2],
        cas_n: b[3],
        we_n: b[4],
        odt: b[5],
        ba,
        a,
    })
}

fn pin() -> impl Strategy<Value = CmdPin> {
    prop_oneof![
        (0u8..13).prop_map(CmdPin::A),
        (0u8..2).prop_map(CmdPin::Ba),
        Just(CmdPin::RasN),
        Just(CmdPin::CasN),
        Just(CmdPin::WeN),
        Just(CmdPin::CsN),
        Just(CmdPin::Cke),
        Just(CmdPin::Odt),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn a_stuck_low_line_above_the_mode_fields_changes_nothing(
        ddr2 in any::<bool>(),
        k in 0usize..3,
    ) {
        let profile = if ddr2 { "ddr2" } else { "minimodule" };
        let lines = quiet_lines(profile);
        let line = lines[k % lines.len()];
        let (plain, _) = run(&scenario(profile, ""), false).expect("runs");
        let fault = format!("[[fault]]\nkind = \"cmd_stuck\"\npin = \"{line}\"\nhigh = false\n");
        let (stuck, _) = run(&scenario(profile, &fault), false).expect("runs");
        prop_assert_eq!(plain, stuck);
    }

    #[test]
    fn a_swap_or_bridge_of_two_quiet_lines_changes_nothing(
        pair in proptest::sample::subsequence(vec!["a9", "a11", "a12"], 2),
        bridge in any::<bool>(),
        or in any::<bool>(),
        at in proptest::sample::select(vec!["memory", "controller", "trace"]),
    ) {
        let (a, b) = (pair[0], pair[1]);
        let fault = if bridge {
            let mode = if or { "or" } else { "and" };
            format!("[[fault]]\nkind = \"cmd_bridge\"\na = \"{a}\"\nb = \"{b}\"\nmode = \"{mode}\"\nat = \"{at}\"\n")
        } else {
            format!("[[fault]]\nkind = \"cmd_swap\"\na = \"{a}\"\nb = \"{b}\"\n")
        };
        let (plain, _) = run(&scenario("minimodule", ""), false).expect("runs");
        let (faulty, _) = run(&scenario("minimodule", &fault), false).expect("runs");
        prop_assert_eq!(plain, faulty);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_command_swap_twice_is_the_identity(drv in pins(), a in pin(), b in pin()) {
        prop_assume!(a != b);
        let p = board::Params {
            faults: vec![Fault::CmdSwap { a, b }],
            ..board::Params::default()
        };
        let once = p.cmd_at_memory(&drv);
        prop_assert_eq!(p.cmd_at_memory(&once), drv);
        prop_assert_eq!(p.cmd_at_controller(&drv), drv);
    }

    #[test]
    fn a_bridge_of_agreeing_drivers_is_transparent(
        drv in pins(),
        a in pin(),
        b in pin(),
        or in any::<bool>(),
        at in proptest::sample::select(vec![board::BridgeAt::Memory, board::BridgeAt::Controller, board::BridgeAt::Trace]),
    ) {
        prop_assume!(a != b && drv.get(a) == drv.get(b));
        let mode = if or { board::BridgeMode::Or } else { board::BridgeMode::And };
        let p = board::Params {
            faults: vec![Fault::CmdBridge { a, b, mode, at }],
            ..board::Params::default()
        };
        prop_assert_eq!(p.cmd_at_memory(&drv), drv);
        prop_assert_eq!(p.cmd_at_controller(&drv), drv);
    }

    #[test]
    fn a_write_delay_shared_by_data_and_strobe_latches_every_beat(
        words in any::<[(u16, u16); 4]>(),
        lane in 0u8..2,
        ps in -5000i32..=5000,
        small in -1200i32..=1200,
        bl8 in any::<bool>(),
    ) {
        let words = words.map(|(r, f)| (r as u128, f as u128));
        let bl = if bl8 { 8 } else { 4 };
        let drive = CtrlDrive::default().schedule(200, &words, bl, 2, 16);
        let clean = board::Params::default().write_latch(&drive, 204, bl, 16);
        let shared = board::Params {
            faults: vec![
                Fault::DqDelay { dq: None, lane: Some(lane), ps, path: DelayPath::Write },
                Fault::DqsDelay { lane, ps, path: DelayPath::Both },
                // A skew of less than a quarter period between data and strobe is inside the eye.
                Fault::DqDelay { dq: Some(8 * lane), lane: None, ps: small, path: DelayPath::Both },
            ],
            ..board::Params::default()
        };
        prop_assert_eq!(shared.write_latch(&drive, 204, bl, 16), clean);
        prop_assert_eq!(clean.0[0], words[0]);
        prop_assert_eq!(clean.1, [(0, 0); 4]);
    }
}

/// The comparison above can fail: a line inside the CAS latency field (A4) stuck low changes
/// the run (the memory answers at CL 2).
#[test]
fn a_stuck_line_inside_the_mode_fields_changes_the_run() {
    let (plain, _) = run(&scenario("minimodule", ""), false).expect("runs");
    let fault = "[[fault]]\nkind = \"cmd_stuck\"\npin = \"a4\"\nhigh = false\n";
    let (stuck, _) = run(&scenario("minimodule", fault), false).expect("runs");
    assert_ne!(plain, stuck);
}
