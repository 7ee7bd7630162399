//! The seven golden GHDL VCDs (`shared/golden/`) read completely, checked against the event
//! times and values their README states.

mod common;

use migcal_traces::{vcd, Header, Time, Trace};

const NS: Time = 1_000_000;

fn load(name: &str) -> Trace {
    let path = common::golden(name);
    let mut src = vcd::open(&path).unwrap_or_else(|e| panic!("{e}"));
    Trace::load(src.as_mut(), None).unwrap_or_else(|e| panic!("{e}"))
}

fn id(h: &Header, suffix: &str) -> u32 {
    let hits: Vec<usize> = (0..h.signals.len())
        .filter(|&i| h.signals[i].source_name.ends_with(suffix))
        .collect();
    assert_eq!(hits.len(), 1, "{suffix}: {hits:?}");
    hits[0] as u32
}

/// Time of the first change of `sig` to `value`.
fn first(t: &Trace, sig: u32, value: &str) -> Option<Time> {
    t.changes[sig as usize]
        .iter()
        .find(|(_, v)| v.to_string() == value)
        .map(|(t, _)| *t)
}

fn final_taps(t: &Trace) -> Vec<u64> {
    (0..8)
        .map(|k| {
            let s = id(
                &t.header,
                &format!("v4_dq_iob_gen({k})/v4_dq_iob_0/idelay_dq/tap"),
            );
            t.changes[s as usize].last().unwrap().1.to_u64().unwrap()
        })
        .collect()
}

#[test]
fn nominal_events() {
    let t = load("nominal");
    let h = &t.header;
    assert_eq!(h.timescale_text.as_deref(), Some("1 fs"));
    // 114 $vars plus the 4 enumeration signals GHDL could only mention in a $comment.
    assert_eq!(h.signals.len(), 114);
    let unhandled = h
        .notes
        .iter()
        .filter(|n| n.ends_with("is not handled"))
        .count();
    assert_eq!(h.signals.len() + unhandled, 118);
    assert_eq!(h.signals[0].source_name, "tb/dq");
    assert_eq!(h.signals[0].range, Some((15, 0)));
    assert_eq!(h.signals[0].width, 16);
    let tap_sel = id(h, "tap_logic_00/tap_sel_done");
    assert_eq!(first(&t, tap_sel, "1"), Some(243_472_500_000));
    let init_done = id(h, "tb/init_done");
    assert_eq!(first(&t, init_done, "1"), Some(243_922 * NS + 500_000));
    let calib = id(h, "tap_logic_00/calib_done_dqs");
    assert_eq!(first(&t, calib, "11"), Some(243_462 * NS + 500_000));
    assert_eq!(final_taps(&t), [20, 17, 17, 17, 20, 17, 17, 17]);
    // Every change lies within the 600 us run, and the 9-state 'U' start values were folded.
    assert!(
        t.end_time <= 600_000 * NS && t.end_time > 599_000 * NS,
        "{}",
        t.end_time
    );
    assert!(t.warnings.nine_state_folded > 0);
    assert_eq!(t.warnings.fractional_times_rounded, 0);
}

#[test]
fn fault_and_variant_files() {
    let cases: [(&str, Option<Time>, [u64; 8]); 6] = [
        (
            "fault1",
            Some(244_882 * NS + 500_000),
            [36, 47, 47, 9, 20, 17, 17, 17],
        ),
        (
            "fault2",
            Some(245_272 * NS + 500_000),
            [20, 57, 57, 57, 20, 57, 57, 57],
        ),
        (
            "skew",
            Some(243_262 * NS + 500_000),
            [20, 13, 9, 15, 20, 7, 14, 10],
        ),
        (
            "dq5_stuck_high",
            Some(244_072 * NS + 500_000),
            [20, 17, 17, 17, 20, 57, 17, 17],
        ),
        (
            "dqs1_open",
            Some(243_472 * NS + 500_000),
            [20, 17, 17, 17, 20, 17, 17, 17],
        ),
        ("idelayctrl_not_ready", None, [0; 8]),
    ];
    for (name, tap_sel_at, taps) in cases {
        let t = load(name);
        assert_eq!(t.header.signals.len(), 114, "{name}");
        let tap_sel = id(&t.header, "tap_logic_00/tap_sel_done");
        assert_eq!(first(&t, tap_sel, "1"), tap_sel_at, "{name}");
        assert_eq!(final_taps(&t), taps, "{name}");
        let init_done = id(&t.header, "tb/init_done");
        let done_at = first(&t, init_done, "1");
        match name {
            "skew" => assert_eq!(done_at, Some(243_712 * NS + 500_000)),
            _ => assert_eq!(done_at, None, "{name}"),
        }
    }
}
