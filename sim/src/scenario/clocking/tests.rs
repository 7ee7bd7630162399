//! Unit tests of the `[clocking]` schema and its checks.

use super::*;
use migcal_model::dcm::{Input, FS_PER_MS};
use serde::de::value::{Error as DeError, MapDeserializer};
use serde::de::IntoDeserializer;

fn pulse(at_ms: f64, length_ms: f64) -> RstPulse {
    RstPulse { at_ms, length_ms }
}

#[test]
fn defaults_match_the_spec() {
    let s = ClockingConfig::default().build().unwrap();
    assert_eq!(s.params, Params::default());
    assert_eq!(s.clkin, ClkinInitial::default());
    assert!(s.inputs.is_empty());
}

#[test]
fn events_come_out_in_time_order() {
    let c = ClockingConfig {
        clkin_stop: vec![ClkinStop {
            at_ms: 2.0,
            resume_at_ms: Some(3.0),
        }],
        rst: vec![pulse(5.0, 1.0), pulse(3.0, 0.5)],
        ..ClockingConfig::default()
    };
    let s = c.build().unwrap();
    let t: Vec<_> = s
        .inputs
        .iter()
        .map(|e| (e.time / FS_PER_MS, e.input))
        .collect();
    assert_eq!(
        t,
        vec![
            (2, Input::ClkinStop),
            (3, Input::ClkinResume),
            (3, Input::RstAssert),
            (3, Input::RstDeassert),
            (5, Input::RstAssert),
            (6, Input::RstDeassert),
        ]
    );
    assert_eq!(s.inputs[3].time, 3_500_000_000_000);
}

#[test]
fn overlapping_rst_names_the_key() {
    let c = ClockingConfig {
        rst: vec![pulse(1.0, 2.0), pulse(2.5, 1.0)],
        ..ClockingConfig::default()
    };
    let e = c.build().unwrap_err();
    assert_eq!(
        e,
        ConfigError::OverlappingRst {
            key: "clocking.rst[1].at_ms".into(),
            at_ms: 2.5,
            previous_end_ms: 3.0
        }
    );
    assert!(e.to_string().starts_with("clocking.rst[1].at_ms = 2.5"));
}

#[test]
fn negative_length_and_resume_before_stop_are_rejected() {
    let c = ClockingConfig {
        rst: vec![pulse(1.0, -2.0)],
        ..ClockingConfig::default()
    };
    assert!(matches!(
        c.build().unwrap_err(),
        ConfigError::BadNumber { ref key, value, .. } if key == "clocking.rst[0].length_ms" && value == -2.0
    ));
    let c = ClockingConfig {
        clkin_stop: vec![ClkinStop {
            at_ms: 4.0,
            resume_at_ms: Some(3.0),
        }],
        ..ClockingConfig::default()
    };
    assert!(matches!(
        c.build().unwrap_err(),
        ConfigError::ResumeBeforeStop { ref key, .. } if key == "clocking.clkin_stop[0].resume_at_ms"
    ));
    let c = ClockingConfig {
        clkin_period_ps: f64::NAN,
        ..ClockingConfig::default()
    };
    assert!(matches!(
        c.build().unwrap_err(),
        ConfigError::BadNumber { ref key, .. } if key == "clocking.clkin_period_ps"
    ));
}

#[test]
fn stops_may_not_overlap_or_follow_a_stop_that_never_ends() {
    let c = ClockingConfig {
        clkin_stop: vec![
            ClkinStop {
                at_ms: 1.0,
                resume_at_ms: None,
            },
            ClkinStop {
                at_ms: 5.0,
                resume_at_ms: Some(6.0),
            },
        ],
        ..ClockingConfig::default()
    };
    assert!(matches!(
        c.build().unwrap_err(),
        ConfigError::OverlappingClkinStop { ref key, .. } if key == "clocking.clkin_stop[1].at_ms"
    ));
    let c = ClockingConfig {
        clkin_start_ms: 3.0,
        clkin_stop: vec![ClkinStop {
            at_ms: 2.0,
            resume_at_ms: Some(6.0),
        }],
        ..ClockingConfig::default()
    };
    assert!(matches!(
        c.build().unwrap_err(),
        ConfigError::OverlappingClkinStop { busy_until_ms, .. } if busy_until_ms == 3.0
    ));
}

#[test]
fn rst_too_short_for_the_dcm_names_the_pulse() {
    let c = ClockingConfig {
        clkin_stop: vec![ClkinStop {
            at_ms: 2.0,
            resume_at_ms: Some(4.0),
        }],
        // The second pulse lies wholly inside the CLKIN stop: no cycles at all.
        rst: vec![pulse(1.0, 0.5), pulse(2.5, 1.0)],
        ..ClockingConfig::default()
    };
    let e = c.build().unwrap_err();
    assert!(
        matches!(&e, ConfigError::RstTooShort { key, source: DcmError::RstTooShort { clkin_cycles_milli: 0, .. } } if key == "clocking.rst[1].length_ms"),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("clocking.rst[1].length_ms: input error: RST asserted at 2.5 ms for 1 ms"),
        "{e}"
    );
    let c = ClockingConfig {
        rst: vec![pulse(1.0, 0.000_01)],
        ..ClockingConfig::default()
    };
    assert!(matches!(
        c.build().unwrap_err(),
        ConfigError::RstTooShort { .. }
    ));
}

#[test]
fn legacy_dcm_with_false_gets_a_note_and_stays_true() {
    let c = ClockingConfig {
        primitive: Primitive::Dcm,
        dcm_autocalibration: Some(Attribute(false)),
        ..ClockingConfig::default()
    };
    let s = c.build().unwrap();
    assert!(s.params.autocal_macro_inserted());
    assert!(s.notes[0].contains("legacy DCM"));
}

#[test]
fn rst_pulse_rejects_unknown_fields() {
    let fields = vec![("at_ms", 1.0), ("length_ms", 2.0)];
    let ok: Result<RstPulse, DeError> =
        RstPulse::deserialize(MapDeserializer::new(fields.into_iter()));
    assert_eq!(ok.unwrap(), pulse(1.0, 2.0));
    let fields = vec![("at_ms", 1.0), ("lenght_ms", 2.0)];
    let e: Result<RstPulse, DeError> =
        RstPulse::deserialize(MapDeserializer::new(fields.into_iter()));
    assert!(e.unwrap_err().to_string().contains("lenght_ms"));
}

#[test]
fn clocking_section_rejects_unknown_keys() {
    let fields = vec![("clkin_period_ps", 4000.0), ("clkin_start_ms", 1.5)];
    let c: ClockingConfig =
        ClockingConfig::deserialize(MapDeserializer::<_, DeError>::new(fields.into_iter()))
            .unwrap();
    assert_eq!(c.clkin_period_ps, 4000.0);
    assert_eq!(c.stepping, 2);
    assert_eq!(c.primitive, Primitive::DcmBase);
    let fields = vec![("clkin_period_ps", 4000.0), ("clkin_jiter_ps", 1.0)];
    let e = ClockingConfig::deserialize(MapDeserializer::<_, DeError>::new(fields.into_iter()))
        .unwrap_err();
    assert!(e.to_string().contains("clkin_jiter_ps"), "{e}");
}

#[test]
fn attribute_accepts_bool_and_xilinx_strings() {
    let d: serde::de::value::StrDeserializer<DeError> = "FALSE".into_deserializer();
    assert_eq!(Attribute::deserialize(d).unwrap(), Attribute(false));
    let d: serde::de::value::StrDeserializer<DeError> = "True".into_deserializer();
    assert_eq!(Attribute::deserialize(d).unwrap(), Attribute(true));
    let d: serde::de::value::BoolDeserializer<DeError> = false.into_deserializer();
    assert_eq!(Attribute::deserialize(d).unwrap(), Attribute(false));
    let d: serde::de::value::StrDeserializer<DeError> = "maybe".into_deserializer();
    assert!(Attribute::deserialize(d).is_err());
}

#[test]
fn clocking_config_drives_the_model() {
    // Moved here from the model's dcm_behaviour tests with the schema: lock at 1 ms, CLKIN
    // stops at 5 ms and returns at 10 ms, then a 1 ms RST at 20 ms.
    use migcal_model::dcm::{simulate, Input, InputEvent, OutputSignal};
    let ms = FS_PER_MS;
    let cfg = ClockingConfig {
        primitive: Primitive::DcmBase,
        dcm_autocalibration: Some(Attribute(true)),
        clkin_stop: vec![ClkinStop {
            at_ms: 5.0,
            resume_at_ms: Some(10.0),
        }],
        rst: vec![RstPulse {
            at_ms: 20.0,
            length_ms: 1.0,
        }],
        ..ClockingConfig::default()
    };
    let s = cfg.build().unwrap();
    let ev = |time, input| InputEvent { time, input };
    let want = vec![
        ev(5 * ms, Input::ClkinStop),
        ev(10 * ms, Input::ClkinResume),
        ev(20 * ms, Input::RstAssert),
        ev(21 * ms, Input::RstDeassert),
    ];
    assert_eq!(s.inputs, want);
    let w = simulate(&s.params, &s.clkin, &s.inputs, 100 * ms).unwrap();
    let last = w
        .changes(OutputSignal::Locked)
        .map(|e| (e.time, e.value))
        .last();
    assert_eq!(last, Some((52 * ms, false)));
    assert!(s.notes.iter().any(|n| n.contains("AR21435")));
}
