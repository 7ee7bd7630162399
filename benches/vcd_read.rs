//! Throughput of VCD reading: the `vcd` crate (counting changes) against the migcal reader
//! (delivering every change), on a generated ~20 MB DDR2-interface-like file.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use migcal_traces::vcd;
use std::io::{BufReader, BufWriter};
use std::path::Path;

fn vcd_crate_changes(path: &Path) -> u64 {
    let file = std::fs::File::open(path).expect("bench file");
    let mut n = 0;
    for cmd in ::vcd::Parser::new(BufReader::with_capacity(1 << 20, file)) {
        match cmd.expect("vcd crate reads the synthetic file") {
            ::vcd::Command::ChangeScalar(..)
            | ::vcd::Command::ChangeVector(..)
            | ::vcd::Command::ChangeReal(..)
            | ::vcd::Command::ChangeString(..) => n += 1,
            _ => {}
        }
    }
    n
}

fn migcal_changes(path: &Path) -> u64 {
    let mut src = vcd::open(path).expect("bench file");
    let mut n = 0;
    while let Some(c) = src.next_change().expect("migcal reads the synthetic file") {
        n += 1;
        std::hint::black_box(c.value);
    }
    n
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("synth20.vcd");
    let file = std::fs::File::create(&path).expect("temp file");
    vcd::synth::write_synthetic(BufWriter::new(file), 20 << 20, 1).expect("generate");
    let bytes = std::fs::metadata(&path).expect("size").len();
    assert_eq!(vcd_crate_changes(&path), migcal_changes(&path));
    let mut g = c.benchmark_group("vcd_read");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);
    g.bench_function("vcd_crate", |b| b.iter(|| vcd_crate_changes(&path)));
    g.bench_function("migcal", |b| b.iter(|| migcal_changes(&path)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
