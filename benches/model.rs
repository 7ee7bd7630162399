//! Speed of the model: a full nominal minimodule init (power-up to init_done, 245 µs = 49 000
//! clk_0 cycles), with and without VCD output. Criterion reports elements/s = clk_0 cycles/s.
//! GHDL needs ~4-10 s for 600 µs (~12 000 cycles/s, shared/golden/README.md).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use migcal::run::{run, run_with};
use migcal::scenario::Scenario;
use std::path::Path;

fn nominal() -> Scenario {
    Scenario::parse(
        "profile = \"minimodule\"\nstop_time_us = 245\n",
        Path::new("bench.toml"),
    )
    .expect("valid scenario")
}

fn bench(c: &mut Criterion) {
    let scn = nominal();
    let mut g = c.benchmark_group("minimodule_init");
    g.throughput(Throughput::Elements(scn.cycles()));
    g.sample_size(10);
    g.bench_function("no_trace", |b| {
        b.iter(|| {
            let (s, _) = run(&scn, false).expect("runs");
            assert!(s.init_done_cycle.is_some());
        })
    });
    g.bench_function("with_vcd", |b| {
        b.iter(|| {
            let (_, v) = run(&scn, true).expect("runs");
            v.map(|x| x.len())
        })
    });
    // Every cycle stepped (no idle skipping): the raw per-cycle speed of the model.
    g.bench_function("no_trace_every_cycle", |b| {
        b.iter(|| {
            let (s, _) = run_with(&scn, false, false).expect("runs");
            assert!(s.init_done_cycle.is_some());
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
