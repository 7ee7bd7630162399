//! Property tests: random traces survive VcdWriter -> VcdReader exactly, and no input, however
//! broken, makes the reader panic.

use migcal_traces::vcd::{VcdReader, VcdWriter};
use migcal_traces::{ChangeSource, SignalInfo, Time, Value, VarKind};
use proptest::prelude::*;
use std::path::Path;

fn signal() -> impl Strategy<Value = SignalInfo> {
    let name = (
        prop::collection::vec("[a-z][a-z0-9_]{0,5}", 1..4),
        prop::option::of(0u32..40),
    )
        .prop_map(|(parts, bit)| {
            let mut n = parts.join("/");
            if let Some(b) = bit {
                n.push_str(&format!("[{b}]"));
            }
            n
        });
    let kind = prop_oneof![
        6 => (1u32..80, any::<bool>(), -3i64..3).prop_map(|(w, ranged, off)| (VarKind::Bits, w, ranged.then(|| (w as i64 - 1 + off, off)))),
        1 => Just((VarKind::Real, 1, None)),
        1 => Just((VarKind::Str, 1, None)),
        1 => Just((VarKind::Event, 1, None)),
    ];
    (name, kind).prop_map(|(source_name, (kind, width, range))| SignalInfo {
        source_name,
        width,
        kind,
        range,
    })
}

fn value_for(s: &SignalInfo) -> BoxedStrategy<Value> {
    match s.kind {
        VarKind::Bits | VarKind::Event => prop::collection::vec(
            prop::sample::select(vec![b'0', b'1', b'x', b'z']),
            s.width as usize,
        )
        .prop_map(|b| Value::Bits(b.into()))
        .boxed(),
        VarKind::Real => {
            (prop::num::f64::NORMAL | prop::num::f64::ZERO | prop::num::f64::SUBNORMAL)
                .prop_map(Value::Real)
                .boxed()
        }
        VarKind::Str => "[!-~]{1,12}".prop_map(|s| Value::Str(s.into())).boxed(),
    }
}

fn trace() -> impl Strategy<Value = (u64, Vec<SignalInfo>, Vec<(Time, u32, Value)>)> {
    (
        prop::sample::select(vec![
            1u64,
            10,
            100,
            1_000,
            1_000_000,
            100_000_000_000_000_000,
        ]),
        prop::collection::vec(signal(), 1..8),
    )
        .prop_flat_map(|(ts, sigs)| {
            let n = sigs.len();
            let per: Vec<BoxedStrategy<Value>> = sigs.iter().map(value_for).collect();
            let change = (0u64..4, 0..n).prop_flat_map(move |(dt, i)| {
                let v = per[i].clone();
                v.prop_map(move |v| (dt, i as u32, v))
            });
            let max_steps = if ts > 1_000_000 { 0u64 } else { u64::MAX };
            (
                Just(ts),
                Just(sigs),
                prop::collection::vec(change, 0..60),
                Just(max_steps),
            )
        })
        .prop_map(|(ts, sigs, steps, max_steps)| {
            let mut t = 0u64;
            let changes = steps
                .into_iter()
                .map(|(dt, i, v)| {
                    // A 100 s timescale leaves no room for many steps in u64 femtoseconds.
                    t += dt.min(max_steps.max(u64::from(t == 0)));
                    (t * ts, i, v)
                })
                .collect();
            (ts, sigs, changes)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn writer_reader_round_trip((ts, sigs, changes) in trace()) {
        let mut w = VcdWriter::new(Vec::new(), ts, &sigs).unwrap();
        for (t, i, v) in &changes {
            w.change(*t, *i, v.as_ref()).unwrap();
        }
        let bytes = w.finish().unwrap();
        let mut r = VcdReader::new(&bytes[..], Path::new("mem.vcd")).unwrap();
        prop_assert_eq!(&r.header().signals, &sigs);
        let mut got = Vec::new();
        while let Some(c) = r.next_change().unwrap() {
            got.push((c.time, c.signal, c.value.to_owned()));
        }
        prop_assert_eq!(got, changes);
        prop_assert!(r.warnings().nine_state_folded == 0 && r.warnings().fractional_times_rounded == 0);
        // The `vcd` crate reads the writer's output too.
        let mut n = 0;
        for cmd in vcd::Parser::new(&bytes[..]) {
            cmd.unwrap();
            n += 1;
        }
        prop_assert!(n > sigs.len());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..3000)) {
        drain(&bytes);
    }

    #[test]
    fn mutated_files_never_panic(
        (ts, sigs, changes) in trace(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..8),
    ) {
        let mut w = VcdWriter::new(Vec::new(), ts, &sigs).unwrap();
        for (t, i, v) in &changes {
            w.change(*t, *i, v.as_ref()).unwrap();
        }
        let mut bytes = w.finish().unwrap();
        for (at, b, op) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match op {
                0 => bytes[i] = b,
                1 => bytes.insert(i, b),
                2 => { bytes.remove(i); }
                _ => bytes.truncate(i),
            }
        }
        drain(&bytes);
    }
}

fn drain(bytes: &[u8]) {
    if let Ok(mut r) = VcdReader::new(bytes, Path::new("fuzz.vcd")) {
        while let Ok(Some(_)) = r.next_change() {}
    }
}
