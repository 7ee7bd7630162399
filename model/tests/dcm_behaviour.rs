//! The DCM model's behaviour in the cases of the spec (README §3, jedec-ddr2-v4-dcm.md §3.2-3.3).

use migcal_model::dcm::{
    advance, settle, simulate, ClkinInitial, DcmError, Input, InputEvent, LockedInterval,
    OutputEvent, OutputSignal, Params, Primitive, Regs, Time, Waveform, FS_PER_MS, FS_PER_NS,
};

const MS: Time = FS_PER_MS;

fn ev(time: Time, input: Input) -> InputEvent {
    InputEvent { time, input }
}

/// Lock at 1 ms, CLKIN stops at 5 ms and returns at 10 ms, then RST pulses as given.
fn disturbed_then(resets: &[(Time, Time)]) -> Vec<InputEvent> {
    let mut v = vec![
        ev(5 * MS, Input::ClkinStop),
        ev(10 * MS, Input::ClkinResume),
    ];
    for &(at, len) in resets {
        v.push(ev(at, Input::RstAssert));
        v.push(ev(at + len, Input::RstDeassert));
    }
    v
}

fn locked_edges(w: &Waveform) -> Vec<(Time, bool)> {
    w.changes(OutputSignal::Locked)
        .map(|e| (e.time, e.value))
        .collect()
}

fn run(p: &Params, inputs: &[InputEvent], until: Time) -> Waveform {
    simulate(p, &ClkinInitial::default(), inputs, until).expect("valid inputs")
}

fn false_params() -> Params {
    Params {
        dcm_autocalibration: false,
        ..Params::default()
    }
}

#[test]
fn autocal_true_short_reset_after_clkin_return_locks_then_unlocks() {
    let p = Params::default();
    let w = run(&p, &disturbed_then(&[(20 * MS, MS)]), 500 * MS);
    assert_eq!(
        locked_edges(&w),
        vec![
            (MS, true),
            (20 * MS, false),
            (21 * MS + p.lock_time, true),
            (21 * MS + p.lock_time + p.autocal_unlock_delay, false),
        ]
    );
    assert!(
        !w.locked_at(499 * MS),
        "the lost lock stays lost without a RST"
    );
    let v: Vec<_> = w.locked_intervals().collect();
    assert_eq!(
        v[1],
        LockedInterval {
            rise: 22 * MS,
            fall: Some(52 * MS)
        }
    );
}

#[test]
fn autocal_true_200ms_reset_restores_normal_lock() {
    let p = Params::default();
    let w = run(&p, &disturbed_then(&[(20 * MS, 200 * MS)]), 1000 * MS);
    assert_eq!(
        locked_edges(&w),
        vec![(MS, true), (20 * MS, false), (221 * MS, true)]
    );
    assert!(w.locked_at(1000 * MS));
}

#[test]
fn autocal_reset_counts_only_while_clkin_runs() {
    let p = Params::default();
    // RST from 8 ms (CLKIN stopped) to 208 ms: 200 ms long but only 198 ms with CLKIN back.
    let inputs = [
        ev(5 * MS, Input::ClkinStop),
        ev(8 * MS, Input::RstAssert),
        ev(10 * MS, Input::ClkinResume),
        ev(208 * MS, Input::RstDeassert),
    ];
    let w = run(&p, &inputs, 1000 * MS);
    assert_eq!(
        locked_edges(&w),
        vec![
            (MS, true),
            (8 * MS, false),
            (209 * MS, true),
            (239 * MS, false)
        ]
    );
}

#[test]
fn autocal_false_short_reset_is_enough() {
    let w = run(
        &false_params(),
        &disturbed_then(&[(20 * MS, MS)]),
        1000 * MS,
    );
    assert_eq!(
        locked_edges(&w),
        vec![(MS, true), (20 * MS, false), (22 * MS, true)]
    );
    assert!(w.locked_at(1000 * MS));
}

#[test]
fn dcm_adv_and_dcm_base_with_false_behave_alike() {
    let inputs = disturbed_then(&[(20 * MS, MS)]);
    let base = run(&false_params(), &inputs, 300 * MS);
    let adv = run(
        &Params {
            primitive: Primitive::DcmAdv,
            ..false_params()
        },
        &inputs,
        300 * MS,
    );
    assert_eq!(base, adv);
}

#[test]
fn legacy_dcm_behaves_as_true_even_with_false() {
    let inputs = disturbed_then(&[(20 * MS, MS)]);
    let legacy = Params {
        primitive: Primitive::Dcm,
        dcm_autocalibration: false,
        ..Params::default()
    };
    assert!(legacy.autocal_macro_inserted());
    let w_legacy = run(&legacy, &inputs, 300 * MS);
    let w_true = run(&Params::default(), &inputs, 300 * MS);
    assert_eq!(w_legacy, w_true);
    assert!(!w_legacy.locked_at(100 * MS));
}

#[test]
fn stepping_1_with_true_behaves_as_false() {
    let inputs = disturbed_then(&[(20 * MS, MS)]);
    let step1 = Params {
        stepping: 1,
        ..Params::default()
    };
    assert!(!step1.autocal_macro_inserted());
    assert_eq!(
        run(&step1, &inputs, 300 * MS),
        run(&false_params(), &inputs, 300 * MS)
    );
}

#[test]
fn rst_shorter_than_3_clkin_cycles_is_an_input_error() {
    // 5 ns CLKIN: 14 ns is 2.8 cycles.
    let inputs = [
        ev(2 * MS, Input::RstAssert),
        ev(2 * MS + 14 * FS_PER_NS, Input::RstDeassert),
    ];
    let e = simulate(
        &Params::default(),
        &ClkinInitial::default(),
        &inputs,
        3 * MS,
    )
    .unwrap_err();
    assert_eq!(
        e,
        DcmError::RstTooShort {
            at: 2 * MS,
            length: 14 * FS_PER_NS,
            clkin_cycles_milli: 2800,
            min_cycles: 3
        }
    );
    // Exactly 3 cycles is enough.
    let inputs = [
        ev(2 * MS, Input::RstAssert),
        ev(2 * MS + 15 * FS_PER_NS, Input::RstDeassert),
    ];
    assert!(simulate(
        &Params::default(),
        &ClkinInitial::default(),
        &inputs,
        3 * MS
    )
    .is_ok());
    // A RST while CLKIN is stopped sees no cycles at all.
    let inputs = [
        ev(2 * MS, Input::ClkinStop),
        ev(3 * MS, Input::RstAssert),
        ev(4 * MS, Input::RstDeassert),
    ];
    let e = simulate(&false_params(), &ClkinInitial::default(), &inputs, 5 * MS).unwrap_err();
    assert!(
        matches!(e, DcmError::RstTooShort { at, length, clkin_cycles_milli: 0, .. } if at == 3 * MS && length == MS)
    );
}

#[test]
fn repeated_short_resets_repeat_the_rise_and_fall() {
    let p = Params::default();
    let w = run(
        &p,
        &disturbed_then(&[(20 * MS, MS), (60 * MS, 2 * MS), (100 * MS, MS)]),
        500 * MS,
    );
    assert_eq!(
        locked_edges(&w),
        vec![
            (MS, true),
            (20 * MS, false),
            (22 * MS, true),
            (52 * MS, false),
            (63 * MS, true),
            (93 * MS, false),
            (102 * MS, true),
            (132 * MS, false),
        ]
    );
    // ... until a long reset.
    let w = run(
        &p,
        &disturbed_then(&[(20 * MS, MS), (60 * MS, 250 * MS)]),
        1000 * MS,
    );
    assert_eq!(
        locked_edges(&w)[4..],
        [(311 * MS, true)],
        "{:?}",
        locked_edges(&w)
    );
}

#[test]
fn status1_follows_clkin_status2_sticky_until_rst() {
    let p = Params::default();
    let w = run(&p, &disturbed_then(&[(20 * MS, MS)]), 100 * MS);
    let detect = 5 * MS + 2 * 5 * FS_PER_NS;
    let status: Vec<_> = w
        .events
        .iter()
        .filter(|e| e.signal != OutputSignal::Locked)
        .copied()
        .collect();
    assert_eq!(
        status,
        vec![
            OutputEvent {
                time: detect,
                signal: OutputSignal::Status1,
                value: true
            },
            OutputEvent {
                time: detect,
                signal: OutputSignal::Status2,
                value: true
            },
            OutputEvent {
                time: 10 * MS,
                signal: OutputSignal::Status1,
                value: false
            },
            OutputEvent {
                time: 20 * MS,
                signal: OutputSignal::Status2,
                value: false
            },
        ]
    );
}

#[test]
fn status_bits_read_zero_before_the_first_lock() {
    // CLKIN stops before the DCM ever locked: no status bit moves.
    let inputs = [ev(MS / 2, Input::ClkinStop), ev(MS, Input::ClkinResume)];
    let w = run(&false_params(), &inputs, 10 * MS);
    assert!(w.changes(OutputSignal::Status1).next().is_none());
    assert!(w.changes(OutputSignal::Status2).next().is_none());
    // Acquisition restarted when CLKIN came back.
    assert_eq!(locked_edges(&w), vec![(2 * MS, true)]);
}

#[test]
fn clkin_stop_over_100ms_drops_locked_in_both_modes() {
    for p in [Params::default(), false_params()] {
        let inputs = [
            ev(5 * MS, Input::ClkinStop),
            ev(300 * MS, Input::ClkinResume),
        ];
        let w = run(&p, &inputs, 400 * MS);
        assert_eq!(
            locked_edges(&w),
            vec![(MS, true), (5 * MS + p.clkin_stop_lose_lock, false)]
        );
    }
}

#[test]
fn late_clkin_counts_as_a_stop_for_the_macro() {
    let clkin = ClkinInitial {
        running: false,
        ..ClkinInitial::default()
    };
    let inputs = [
        ev(2 * MS, Input::ClkinResume),
        ev(5 * MS, Input::RstAssert),
        ev(6 * MS, Input::RstDeassert),
    ];
    let w = simulate(&Params::default(), &clkin, &inputs, 100 * MS).unwrap();
    assert_eq!(
        locked_edges(&w),
        vec![
            (3 * MS, true),
            (5 * MS, false),
            (7 * MS, true),
            (37 * MS, false)
        ]
    );
    let p = Params {
        autocal_if_clkin_absent_at_start: false,
        ..Params::default()
    };
    let w = simulate(&p, &clkin, &inputs, 100 * MS).unwrap();
    assert_eq!(
        locked_edges(&w),
        vec![(3 * MS, true), (5 * MS, false), (7 * MS, true)]
    );
}

#[test]
fn advance_and_settle_compose_to_simulate() {
    let p = Params::default();
    let inputs = disturbed_then(&[(20 * MS, MS)]);
    let mut regs = Regs::power_up(&p, &ClkinInitial::default()).unwrap();
    let mut out = Vec::new();
    for e in &inputs {
        let (o, next) = advance(&regs, e, &p).unwrap();
        out.extend(o);
        regs = next;
    }
    let (o, regs) = settle(&regs, 200 * MS, &p);
    out.extend(o);
    assert_eq!(regs.now, 200 * MS);
    assert_eq!(out, run(&p, &inputs, 200 * MS).events);
}
