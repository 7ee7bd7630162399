//! The DCM diagnosis rule run on the event lists the DCM model produces, and on capture-like
//! observations the model cannot produce (a too-short RST).

use migcal::diagnose::dcm::{
    diagnose, DiagnoseParams, Edges, FindingKind, Observation, AUTOCAL_FINDING_TEXT,
};
use migcal_model::dcm::{
    simulate, ClkinInitial, Input, InputEvent, Params, Primitive, Time, FS_PER_MS, FS_PER_NS,
};

const MS: Time = FS_PER_MS;

fn ev(time: Time, input: Input) -> InputEvent {
    InputEvent { time, input }
}

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

fn observe(p: &Params, inputs: &[InputEvent], until: Time) -> Observation {
    let clkin = ClkinInitial::default();
    let w = simulate(p, &clkin, inputs, until).unwrap();
    Observation::from_model(&w, &clkin, inputs)
}

fn kinds(obs: &Observation, p: &Params) -> Vec<FindingKind> {
    diagnose(obs, &DiagnoseParams::from(p))
        .unwrap()
        .iter()
        .map(|f| f.kind)
        .collect()
}

#[test]
fn names_the_autocal_case_with_evidence_times() {
    let p = Params::default();
    let obs = observe(&p, &disturbed_then(&[(20 * MS, MS)]), 200 * MS);
    let f = diagnose(&obs, &DiagnoseParams::from(&p)).unwrap();
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].kind, FindingKind::AutocalShortReset);
    assert_eq!(f[0].text, AUTOCAL_FINDING_TEXT);
    assert_eq!(
        f[0].text,
        "DCM autocalibration: reset shorter than 200 ms after CLKIN returned; set DCM_AUTOCALIBRATION = FALSE on DCM_BASE/DCM_ADV, or hold RST for at least 200 ms"
    );
    assert_eq!(f[0].note, None);
    let ev: Vec<_> = f[0].evidence.iter().map(|e| (e.signal, e.time)).collect();
    assert_eq!(
        ev,
        vec![
            ("dcm/clkin", 10 * MS),
            ("dcm/rst", 20 * MS),
            ("dcm/locked", 22 * MS),
            ("dcm/locked", 52 * MS),
        ]
    );
    assert!(f[0].evidence[1].text.contains("1 ms"));
}

#[test]
fn without_clkin_the_case_is_still_named_and_the_note_says_so() {
    let p = Params::default();
    let mut obs = observe(&p, &disturbed_then(&[(20 * MS, MS)]), 200 * MS);
    obs.clkin_present = None;
    obs.status1 = None;
    let f = diagnose(&obs, &DiagnoseParams::from(&p)).unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].text, AUTOCAL_FINDING_TEXT);
    let note = f[0].note.as_deref().unwrap();
    assert!(note.contains("CLKIN presence was not captured"), "{note}");
    assert!(f[0].evidence.iter().all(|e| e.signal != "dcm/clkin"));
}

#[test]
fn status1_stands_in_for_clkin_presence() {
    let p = Params::default();
    let mut obs = observe(&p, &disturbed_then(&[(20 * MS, MS)]), 200 * MS);
    obs.clkin_present = None;
    let f = diagnose(&obs, &DiagnoseParams::from(&p)).unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].text, AUTOCAL_FINDING_TEXT);
    assert_eq!(
        (f[0].evidence[0].signal, f[0].evidence[0].time),
        ("dcm/status[1]", 10 * MS)
    );
    let note = f[0].note.as_deref().unwrap();
    assert!(note.contains("taken from STATUS[1]"), "{note}");
    assert!(!note.contains("not seen"), "{note}");

    // A stop before the first lock never shows on STATUS[1]: the finding stays, and says so.
    let inputs = [
        ev(MS / 2, Input::ClkinStop),
        ev(MS, Input::ClkinResume),
        ev(20 * MS, Input::RstAssert),
        ev(21 * MS, Input::RstDeassert),
    ];
    let mut obs = observe(&p, &inputs, 200 * MS);
    obs.clkin_present = None;
    let f = diagnose(&obs, &DiagnoseParams::from(&p)).unwrap();
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].kind, FindingKind::AutocalShortReset);
    assert!(f[0].note.as_deref().unwrap().contains("not seen on it"));
}

#[test]
fn late_clkin_with_no_reset_at_all_is_named_too() {
    let p = Params::default();
    let clkin = ClkinInitial {
        running: false,
        ..ClkinInitial::default()
    };
    let inputs = [ev(2 * MS, Input::ClkinResume)];
    let w = simulate(&p, &clkin, &inputs, 100 * MS).unwrap();
    let obs = Observation::from_model(&w, &clkin, &inputs);
    let f = diagnose(&obs, &DiagnoseParams::from(&p)).unwrap();
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].text, AUTOCAL_FINDING_TEXT);
    let ev: Vec<_> = f[0]
        .evidence
        .iter()
        .map(|e| (e.time, e.text.as_str()))
        .collect();
    assert_eq!(
        ev,
        vec![
            (2 * MS, "CLKIN returned"),
            (
                3 * MS,
                "LOCKED rose 1 ms after CLKIN returned, with no RST since"
            ),
            (
                33 * MS,
                "LOCKED fell 30 ms after rising, with RST low and CLKIN running"
            ),
        ]
    );
}

#[test]
fn a_200ms_reset_begun_before_clkin_returned_is_still_too_short() {
    let p = Params::default();
    let inputs = [
        ev(5 * MS, Input::ClkinStop),
        ev(8 * MS, Input::RstAssert),
        ev(10 * MS, Input::ClkinResume),
        ev(208 * MS, Input::RstDeassert),
    ];
    let obs = observe(&p, &inputs, 400 * MS);
    let f = diagnose(&obs, &DiagnoseParams::from(&p)).unwrap();
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].kind, FindingKind::AutocalShortReset);
    let rst = f[0]
        .evidence
        .iter()
        .find(|e| e.signal == "dcm/rst")
        .unwrap();
    assert_eq!(
        (rst.time, rst.text.as_str()),
        (
            8 * MS,
            "RST high for 200 ms, 198 ms of it after CLKIN returned (< 200 ms)"
        )
    );
}

#[test]
fn repeated_short_resets_give_one_finding_with_every_occurrence() {
    let p = Params::default();
    let obs = observe(
        &p,
        &disturbed_then(&[(20 * MS, MS), (60 * MS, 2 * MS), (100 * MS, MS)]),
        300 * MS,
    );
    let f = diagnose(&obs, &DiagnoseParams::from(&p)).unwrap();
    assert_eq!(f.len(), 1);
    assert!(f[0].note.as_deref().unwrap().contains("seen 3 times"));
    let falls: Vec<_> = f[0]
        .evidence
        .iter()
        .filter(|e| e.text.starts_with("LOCKED fell"))
        .map(|e| e.time)
        .collect();
    assert_eq!(falls, vec![52 * MS, 93 * MS, 132 * MS]);
}

#[test]
fn no_finding_after_a_200ms_reset_or_with_autocalibration_off() {
    let p = Params::default();
    let obs = observe(&p, &disturbed_then(&[(20 * MS, 200 * MS)]), 1000 * MS);
    assert_eq!(kinds(&obs, &p), vec![]);
    let off = Params {
        primitive: Primitive::DcmAdv,
        dcm_autocalibration: false,
        ..Params::default()
    };
    let obs = observe(&off, &disturbed_then(&[(20 * MS, MS)]), 1000 * MS);
    assert_eq!(kinds(&obs, &off), vec![]);
}

#[test]
fn legacy_dcm_run_is_named_as_autocal() {
    let p = Params {
        primitive: Primitive::Dcm,
        dcm_autocalibration: false,
        ..Params::default()
    };
    let obs = observe(&p, &disturbed_then(&[(20 * MS, MS)]), 200 * MS);
    assert_eq!(kinds(&obs, &p), vec![FindingKind::AutocalShortReset]);
}

#[test]
fn long_clkin_stop_is_named_as_such() {
    let p = Params {
        dcm_autocalibration: false,
        ..Params::default()
    };
    let inputs = [
        ev(5 * MS, Input::ClkinStop),
        ev(300 * MS, Input::ClkinResume),
    ];
    let obs = observe(&p, &inputs, 400 * MS);
    assert_eq!(kinds(&obs, &p), vec![FindingKind::LockLostClkinStopped]);
}

#[test]
fn locked_never_rose_when_clkin_never_runs() {
    let p = Params::default();
    let clkin = ClkinInitial {
        running: false,
        ..ClkinInitial::default()
    };
    let w = simulate(&p, &clkin, &[], 50 * MS).unwrap();
    let obs = Observation::from_model(&w, &clkin, &[]);
    let f = diagnose(&obs, &DiagnoseParams::from(&p)).unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].kind, FindingKind::LockedNeverRose);
    assert!(f[0].text.contains("CLKIN never toggled"), "{}", f[0].text);
}

#[test]
fn rst_shorter_than_3_cycles_in_a_capture() {
    // The model refuses such a pulse, so this is what a capture would show.
    let obs = Observation {
        start: 0,
        end: 10 * MS,
        locked: Edges {
            initial: Some(false),
            changes: vec![(MS, true), (2 * MS, false)],
        },
        rst: Some(Edges {
            initial: Some(false),
            changes: vec![(2 * MS, true), (2 * MS + 10 * FS_PER_NS, false)],
        }),
        clkin_present: None,
        clkin_period: Some(5 * FS_PER_NS),
        status1: None,
    };
    let f = diagnose(&obs, &DiagnoseParams::default()).unwrap();
    let short: Vec<_> = f
        .iter()
        .filter(|f| f.kind == FindingKind::RstTooShort)
        .collect();
    assert_eq!(short.len(), 1, "{f:#?}");
    assert!(
        short[0].text.contains("10 ns (2 cycles of 5 ns)"),
        "{}",
        short[0].text
    );
    assert_eq!(short[0].evidence[0].time, 2 * MS);
}
