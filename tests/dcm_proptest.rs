//! Invariants of the DCM model over random input lists.

use migcal::diagnose::dcm::{diagnose, DiagnoseParams, FindingKind, Observation};
use migcal_model::dcm::{
    simulate, ClkinInitial, Input, InputEvent, OutputSignal, Params, Primitive, Time, FS_PER_MS,
    FS_PER_NS, FS_PER_PS, FS_PER_US,
};
use proptest::prelude::*;

/// One random step: wait `gap_us`, then do `op` (0 toggles CLKIN, 1 a RST pulse of `len_us`,
/// 2 a CLKIN period change to `period_ps` with `jitter_ps`).
#[derive(Debug, Clone)]
struct Step {
    gap_us: u64,
    op: u8,
    len_us: u64,
    period_ps: u64,
    jitter_ps: u64,
}

fn step(ops: u8) -> impl Strategy<Value = Step> {
    (
        prop_oneof![0u64..2_000, 0u64..300_000],
        0u8..ops,
        prop_oneof![1u64..5_000, 100_000u64..300_000],
        4_000u64..6_000,
        0u64..500,
    )
        .prop_map(|(gap_us, op, len_us, period_ps, jitter_ps)| Step {
            gap_us,
            op,
            len_us,
            period_ps,
            jitter_ps,
        })
}

/// Turns steps into a valid input list: RST pulses are whole (nothing else happens inside
/// them) and only given while CLKIN runs, so every pulse is at least 3 cycles.
fn build(steps: &[Step]) -> Vec<InputEvent> {
    let mut t: Time = 0;
    let mut running = true;
    let mut v = Vec::new();
    for s in steps {
        t += s.gap_us * FS_PER_US;
        match s.op {
            0 => {
                v.push(InputEvent {
                    time: t,
                    input: if running {
                        Input::ClkinStop
                    } else {
                        Input::ClkinResume
                    },
                });
                running = !running;
            }
            1 if running => {
                v.push(InputEvent {
                    time: t,
                    input: Input::RstAssert,
                });
                t += s.len_us * FS_PER_US;
                v.push(InputEvent {
                    time: t,
                    input: Input::RstDeassert,
                });
            }
            2 => v.push(InputEvent {
                time: t,
                input: Input::ClkinPeriod {
                    period: s.period_ps * FS_PER_PS,
                    jitter: s.jitter_ps * FS_PER_PS,
                },
            }),
            _ => {}
        }
    }
    v
}

fn params(kind: u8) -> Params {
    match kind {
        0 => Params::default(),
        1 => Params {
            dcm_autocalibration: false,
            ..Params::default()
        },
        2 => Params {
            primitive: Primitive::Dcm,
            dcm_autocalibration: false,
            ..Params::default()
        },
        _ => Params {
            stepping: 1,
            ..Params::default()
        },
    }
}

/// CLKIN stop intervals `[stop, resume)` (resume = `end` if it never comes back).
fn stops(inputs: &[InputEvent], end: Time) -> Vec<(Time, Time)> {
    let mut out = Vec::new();
    let mut since = None;
    for e in inputs {
        match e.input {
            Input::ClkinStop => since = Some(e.time),
            Input::ClkinResume => out.push((since.take().unwrap(), e.time)),
            _ => {}
        }
    }
    if let Some(s) = since {
        out.push((s, end.max(s)));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn outputs_are_time_ordered_alternating_and_deterministic(
        kind in 0u8..4,
        steps in prop::collection::vec(step(3), 0..25),
        extra_ms in 0u64..500,
    ) {
        let p = params(kind);
        let inputs = build(&steps);
        let end = inputs.last().map_or(0, |e| e.time) + extra_ms * FS_PER_MS;
        let a = simulate(&p, &ClkinInitial::default(), &inputs, end).unwrap();
        let b = simulate(&p, &ClkinInitial::default(), &inputs, end).unwrap();
        prop_assert_eq!(&a, &b);
        prop_assert!(a.events.windows(2).all(|w| w[0].time <= w[1].time));
        prop_assert!(a.events.iter().all(|e| e.time <= end));
        for s in [OutputSignal::Locked, OutputSignal::Status1, OutputSignal::Status2] {
            let mut prev = match s {
                OutputSignal::Locked => a.initial.locked,
                OutputSignal::Status1 => a.initial.status1,
                OutputSignal::Status2 => a.initial.status2,
            };
            for e in a.changes(s) {
                prop_assert_ne!(e.value, prev, "redundant change {:?}", e);
                prev = e.value;
            }
        }
    }

    #[test]
    fn locked_never_high_while_clkin_stopped_longer_than_the_limit(
        kind in 0u8..4,
        steps in prop::collection::vec(step(3), 0..25),
    ) {
        let p = params(kind);
        let inputs = build(&steps);
        let end = inputs.last().map_or(0, |e| e.time) + 400 * FS_PER_MS;
        let w = simulate(&p, &ClkinInitial::default(), &inputs, end).unwrap();
        for (s, r) in stops(&inputs, end) {
            let limit = s + p.clkin_stop_lose_lock;
            if r > limit {
                prop_assert!(!w.locked_at(limit), "LOCKED high {} fs into a stop", limit - s);
                prop_assert!(
                    !w.events.iter().any(|e| e.signal == OutputSignal::Locked
                        && e.value && e.time >= limit && e.time < r),
                    "LOCKED rose during a stop"
                );
            }
            // STATUS[1] is not sticky: low again once CLKIN is back.
            if inputs.iter().any(|e| e.time == r && e.input == Input::ClkinResume) {
                prop_assert!(!w.level_at(OutputSignal::Status1, r));
            }
        }
    }

    #[test]
    fn without_the_macro_diagnosis_never_blames_autocalibration(
        steps in prop::collection::vec(step(2), 0..25),
        stepping_1 in any::<bool>(),
    ) {
        let p = if stepping_1 { params(3) } else { params(1) };
        let inputs = build(&steps);
        let end = inputs.last().map_or(0, |e| e.time) + 300 * FS_PER_MS;
        let clkin = ClkinInitial::default();
        let w = simulate(&p, &clkin, &inputs, end).unwrap();
        let obs = Observation::from_model(&w, &clkin, &inputs);
        let f = diagnose(&obs, &DiagnoseParams::from(&p)).unwrap();
        prop_assert!(f.iter().all(|f| f.kind != FindingKind::AutocalShortReset), "{:#?}", f);
    }

    #[test]
    fn diagnosis_names_exactly_the_autocalibration_unlocks(
        legacy in any::<bool>(),
        steps in prop::collection::vec(step(2), 0..25),
    ) {
        let p = if legacy { params(2) } else { params(0) };
        let inputs = build(&steps);
        let end = inputs.last().map_or(0, |e| e.time) + 300 * FS_PER_MS;
        let clkin = ClkinInitial::default();
        let w = simulate(&p, &clkin, &inputs, end).unwrap();
        let obs = Observation::from_model(&w, &clkin, &inputs);
        // The model's autocalibration unlocks: a fall autocal_unlock_delay after the rise,
        // with RST low and CLKIN running.
        let clkin_running_at = |t: Time| {
            inputs
                .iter()
                .filter(|e| e.time <= t)
                .fold(true, |run, e| match e.input {
                    Input::ClkinStop => false,
                    Input::ClkinResume => true,
                    _ => run,
                })
        };
        let rst_high_at = |t: Time| {
            inputs
                .iter()
                .filter(|e| e.time <= t)
                .fold(false, |h, e| match e.input {
                    Input::RstAssert => true,
                    Input::RstDeassert => false,
                    _ => h,
                })
        };
        let mut model_falls = Vec::new();
        let mut rise = None;
        for e in w.changes(OutputSignal::Locked) {
            if e.value {
                rise = Some(e.time);
            } else if let Some(r) = rise.take() {
                if e.time - r == p.autocal_unlock_delay
                    && !rst_high_at(e.time)
                    && clkin_running_at(e.time)
                {
                    model_falls.push(e.time);
                }
            }
        }
        let f = diagnose(&obs, &DiagnoseParams::from(&p)).unwrap();
        let found: Vec<Time> = f
            .iter()
            .filter(|f| f.kind == FindingKind::AutocalShortReset)
            .flat_map(|f| f.evidence.iter())
            .filter(|e| e.text.starts_with("LOCKED fell"))
            .map(|e| e.time)
            .collect();
        prop_assert_eq!(found, model_falls, "{:#?}", f);
    }

    #[test]
    fn every_locked_rise_follows_lock_time_of_usable_clkin(
        kind in 0u8..4,
        steps in prop::collection::vec(step(2), 0..25),
    ) {
        // Without period changes, LOCKED can only rise lock_time after RST fell, CLKIN
        // returned, or configuration, whichever was last.
        let p = params(kind);
        let inputs = build(&steps);
        let end = inputs.last().map_or(0, |e| e.time) + 300 * FS_PER_MS;
        let w = simulate(&p, &ClkinInitial::default(), &inputs, end).unwrap();
        for e in w.changes(OutputSignal::Locked).filter(|e| e.value) {
            let start = e.time - p.lock_time;
            let ok = start == 0
                || inputs.iter().any(|i| i.time == start
                    && matches!(i.input, Input::RstDeassert | Input::ClkinResume));
            prop_assert!(ok, "rise at {} fs has no cause at {} fs", e.time, start);
        }
    }
}

#[test]
fn status1_goes_high_only_after_the_detect_time() {
    let p = Params::default();
    let inputs = [
        InputEvent {
            time: 2 * FS_PER_MS,
            input: Input::ClkinStop,
        },
        InputEvent {
            time: 2 * FS_PER_MS + 9 * FS_PER_NS,
            input: Input::ClkinResume,
        },
    ];
    let w = simulate(&p, &ClkinInitial::default(), &inputs, 5 * FS_PER_MS).unwrap();
    assert!(w.changes(OutputSignal::Status1).next().is_none());
}
