//! Unit tests of the DCM model.

use super::*;

const MS: Time = FS_PER_MS;

fn ev(time: Time, input: Input) -> InputEvent {
    InputEvent { time, input }
}

#[test]
fn locks_after_lock_time_from_configuration() {
    let p = Params::default();
    let w = simulate(&p, &ClkinInitial::default(), &[], 5 * MS).unwrap();
    assert!(!w.initial.locked);
    assert_eq!(
        w.events,
        vec![OutputEvent {
            time: MS,
            signal: OutputSignal::Locked,
            value: true
        }]
    );
    assert!(!w.locked_at(MS - 1));
    assert!(w.locked_at(MS));
}

#[test]
fn short_stop_keeps_lock_and_long_stop_loses_it() {
    let p = Params {
        dcm_autocalibration: false,
        ..Params::default()
    };
    let short = [
        ev(2 * MS, Input::ClkinStop),
        ev(52 * MS, Input::ClkinResume),
    ];
    let w = simulate(&p, &ClkinInitial::default(), &short, 200 * MS).unwrap();
    assert!(w.locked_at(51 * MS) && w.locked_at(199 * MS));
    let long = [
        ev(2 * MS, Input::ClkinStop),
        ev(150 * MS, Input::ClkinResume),
    ];
    let w = simulate(&p, &ClkinInitial::default(), &long, 300 * MS).unwrap();
    assert!(w.locked_at(102 * MS - 1));
    assert!(!w.locked_at(102 * MS));
    assert!(!w.locked_at(299 * MS), "lost lock needs a RST");
}

#[test]
fn status1_follows_clkin_and_status2_is_sticky_until_rst() {
    let p = Params {
        dcm_autocalibration: false,
        ..Params::default()
    };
    let inputs = [
        ev(2 * MS, Input::ClkinStop),
        ev(3 * MS, Input::ClkinResume),
        ev(10 * MS, Input::RstAssert),
        ev(11 * MS, Input::RstDeassert),
    ];
    let w = simulate(&p, &ClkinInitial::default(), &inputs, 20 * MS).unwrap();
    let detect = 2 * MS + 10 * FS_PER_NS;
    assert!(!w.outputs_at(detect - 1).status1);
    assert!(w.outputs_at(detect).status1 && w.outputs_at(detect).status2);
    let back = w.outputs_at(3 * MS);
    assert!(!back.status1 && back.status2 && back.locked);
    let rst = w.outputs_at(10 * MS);
    assert!(!rst.status2 && !rst.locked);
    assert!(w.locked_at(12 * MS));
}

#[test]
fn out_of_order_and_impossible_inputs_are_errors() {
    let p = Params::default();
    let c = ClkinInitial::default();
    let e = simulate(
        &p,
        &c,
        &[ev(5, Input::RstAssert), ev(4, Input::RstDeassert)],
        10,
    )
    .unwrap_err();
    assert_eq!(e, DcmError::OutOfOrder { at: 4, previous: 5 });
    let e = simulate(&p, &c, &[ev(5, Input::ClkinResume)], 10).unwrap_err();
    assert!(matches!(e, DcmError::InvalidTransition { at: 5, .. }));
    let e = simulate(&p, &c, &[ev(5, Input::RstDeassert)], 10).unwrap_err();
    assert!(matches!(e, DcmError::InvalidTransition { at: 5, .. }));
}

#[test]
fn jitter_beyond_limit_loses_lock_and_blocks_relock() {
    let p = Params {
        dcm_autocalibration: false,
        ..Params::default()
    };
    let inputs = [
        ev(
            2 * MS,
            Input::ClkinPeriod {
                period: 5 * FS_PER_NS,
                jitter: 400 * FS_PER_PS,
            },
        ),
        ev(3 * MS, Input::RstAssert),
        ev(4 * MS, Input::RstDeassert),
    ];
    let w = simulate(&p, &ClkinInitial::default(), &inputs, 20 * MS).unwrap();
    assert!(w.locked_at(2 * MS - 1));
    assert!(!w.locked_at(2 * MS));
    assert!(!w.locked_at(19 * MS));
}

#[test]
fn locked_intervals_pair_rises_and_falls() {
    let w = Waveform {
        initial: Outputs {
            locked: true,
            ..Outputs::default()
        },
        events: vec![
            OutputEvent {
                time: 5,
                signal: OutputSignal::Locked,
                value: false,
            },
            OutputEvent {
                time: 7,
                signal: OutputSignal::Locked,
                value: true,
            },
        ],
        end: 10,
    };
    let v: Vec<_> = w.locked_intervals().collect();
    assert_eq!(
        v,
        vec![
            LockedInterval {
                rise: 0,
                fall: Some(5)
            },
            LockedInterval {
                rise: 7,
                fall: None
            }
        ]
    );
}

#[test]
fn rst_too_short_error_names_time_and_length() {
    let p = Params::default();
    let e = simulate(
        &p,
        &ClkinInitial::default(),
        &[
            ev(MS, Input::RstAssert),
            ev(MS + 10_000_000, Input::RstDeassert),
        ],
        2 * MS,
    )
    .unwrap_err();
    assert_eq!(
        e,
        DcmError::RstTooShort {
            at: MS,
            length: 10_000_000,
            clkin_cycles_milli: 2000,
            min_cycles: 3
        }
    );
    let msg = e.to_string();
    assert!(msg.contains("at 1 ms for 10 ns"), "{msg}");
    assert!(msg.contains("2.000 CLKIN cycles"), "{msg}");
}
