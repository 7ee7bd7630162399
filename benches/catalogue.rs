//! Speed of the fault catalogue (issue 13), on a 260 us nominal minimodule board simulated here:
//! - `kept_runs`: every single fault simulated on the board and compared with the board's own
//!   run, i.e. the cache `diagnose --dictionary` keeps per board (target for 600 us: 5 s);
//! - `explain_warm_nominal`: a capture of the board itself explained with those runs kept (the
//!   warm-cache diagnose; target 1 s);
//! - `explain_pairs`: a capture of two faults at once (DQ3 open, DQ12 stuck high), which no
//!   single fault explains, so the pair search runs (target 60 s).
//!
//! The whole-program figures on the 9.9 MB goldens, against the targets, are
//! scripts/bench_catalogue.sh.

use criterion::{criterion_group, criterion_main, Criterion};
use migcal::analysis::capture::Capture;
use migcal::analysis::{analyze, Clock, Config};
use migcal::diagnose::exact::{covering, Sampled, SLOTS_PER_CYCLE};
use migcal::diagnose::explain::{catalogue, explain_with, known, Target};
use migcal::run::{simulate, Options};
use migcal::scenario::Scenario;
use migcal_traces::names::CanonicalSource;
use migcal_traces::vcd::VcdReader;
use std::path::Path;

fn board(faults: &str) -> Scenario {
    let text = format!(
        "profile = \"minimodule\"\nseed = 1\nstop_time_us = 260\n[clock]\nperiod_ps = 5000\n[memory]\npart = \"MT46V32M8\"\ncl = 3\nbl = 2\nal = 0\n[board]\ntap_ps = 78.0\n{faults}"
    );
    Scenario::parse(&text, Path::new("bench.toml")).expect("valid scenario")
}

/// The board's run as a capture, as the CLI loads it.
fn capture(scn: &Scenario) -> (Capture, Sampled, Clock) {
    let opts = Options {
        vcd: true,
        pads: true,
        skip_idle: true,
    };
    let bytes = simulate(scn, &opts).expect("simulates").1.expect("a VCD");
    let reader =
        || VcdReader::new(std::io::Cursor::new(bytes.clone()), Path::new("c.vcd")).expect("reads");
    let cap =
        Capture::from_source_only("c.vcd".into(), Box::new(reader()), None, None).expect("loads");
    let cfg = Config {
        profile: None,
        clock: None,
    };
    let clock = analyze(&cap, &cfg).clock;
    let mut canon = CanonicalSource::new(Box::new(reader()), cap.map.bindings().to_vec());
    let sampled = Sampled::read(&mut canon, &clock, None).expect("samples");
    (cap, sampled, clock)
}

fn bench(c: &mut Criterion) {
    let nominal = board("");
    let pair = board(
        "[[fault]]\nkind = \"dq_open\"\ndq = 3\n[[fault]]\nkind = \"dq_stuck\"\ndq = 12\nhigh = true\n",
    );
    let (cap, sampled, clock) = capture(&nominal);
    let base = covering(&nominal, sampled.end_slot / SLOTS_PER_CYCLE + 1);
    let cands = catalogue::enumerate(base.memory.data_width).candidates;
    let mut g = c.benchmark_group("catalogue");
    g.sample_size(10);
    g.bench_function("kept_runs", |b| {
        b.iter(|| known::build(&base, &cands).expect("builds").len())
    });
    let kept = known::build(&base, &cands).expect("builds");
    let t = Target {
        sampled: &sampled,
        capture: &cap,
        clock: &clock,
    };
    g.bench_function("explain_warm_nominal", |b| {
        b.iter(|| {
            explain_with(&t, &nominal, Some(&kept))
                .expect("explains")
                .explanations
                .len()
        })
    });
    let (pcap, psampled, pclock) = capture(&pair);
    let pt = Target {
        sampled: &psampled,
        capture: &pcap,
        clock: &pclock,
    };
    g.bench_function("explain_pairs", |b| {
        b.iter(|| {
            explain_with(&pt, &nominal, Some(&kept))
                .expect("explains")
                .explanations
                .len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
