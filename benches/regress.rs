//! Speed of judging scenarios: one nominal evaluation through the in-memory trace and through
//! the VCD round trip it replaced, and a small Monte Carlo batch (the sweep's inner loop) on one
//! and on two threads. Criterion reports elements/s = scenarios/s. The 10 000-scenario timing
//! is scripts/bench_regress.sh.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use migcal::evaluate::sweep::{parse_axis, sweep};
use migcal::evaluate::{evaluate, evaluate_via_vcd};
use migcal::scenario::Scenario;
use std::path::Path;

fn nominal() -> Scenario {
    // The golden nominal board, stopped at 260 µs (init_done comes at 243.9 µs).
    Scenario::parse(
        "profile = \"minimodule\"\nseed = 1\nstop_time_us = 260\n",
        Path::new("bench.toml"),
    )
    .expect("valid scenario")
}

fn bench(c: &mut Criterion) {
    let scn = nominal();
    let mut g = c.benchmark_group("evaluate");
    g.throughput(Throughput::Elements(1));
    g.sample_size(20);
    g.bench_function("memory", |b| {
        b.iter(|| evaluate(&scn).expect("evaluates").diagnosis.verdict)
    });
    g.bench_function("vcd_round_trip", |b| {
        b.iter(|| evaluate_via_vcd(&scn).expect("evaluates").diagnosis.verdict)
    });
    g.finish();

    // 2 skews x 2 jitters x 8 seeds: passing and stalling runs, as in a real sweep.
    let axes = [
        parse_axis("skew.dq3=0,300").expect("axis"),
        parse_axis("jitter=0,1").expect("axis"),
    ];
    let runs = 8;
    let mut g = c.benchmark_group("sweep_batch_32");
    g.throughput(Throughput::Elements(4 * runs));
    g.sample_size(10);
    for threads in [1, 2] {
        g.bench_function(format!("threads_{threads}"), |b| {
            b.iter(|| {
                sweep(
                    &scn,
                    Path::new("bench.toml"),
                    &axes,
                    runs,
                    Some(threads),
                    None,
                    &|| {},
                )
                .expect("sweeps")
                .points
                .len()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
