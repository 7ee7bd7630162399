//! Writes a synthetic VCD for speed and memory measurements.
//!
//! Usage: `gen_synth_vcd <out.vcd> <megabytes> [seed]`

use std::io::BufWriter;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(mb)) = (args.get(1), args.get(2).and_then(|s| s.parse::<u64>().ok()))
    else {
        eprintln!("usage: gen_synth_vcd <out.vcd> <megabytes> [seed]");
        return ExitCode::from(2);
    };
    let seed = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
    let file = match std::fs::File::create(path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    match migcal_traces::vcd::synth::write_synthetic(BufWriter::new(file), mb << 20, seed) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}
