//! Counts the value changes of a VCD with either reader, for scripts/bench_vcd.sh.
//!
//! Usage: `vcd_count migcal|vcd-crate <file.vcd>`; prints `<changes> changes`.

use std::io::BufReader;
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(which), Some(path)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: vcd_count migcal|vcd-crate <file.vcd>");
        return ExitCode::from(2);
    };
    let result: Result<u64, String> = match which.as_str() {
        "migcal" => count_migcal(Path::new(path)).map_err(|e| e.to_string()),
        "vcd-crate" => count_vcd_crate(Path::new(path)),
        _ => Err(format!("unknown reader {which}")),
    };
    match result {
        Ok(n) => {
            println!("{n} changes");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{path}: {e}");
            ExitCode::from(2)
        }
    }
}

/// Every change delivered, with its value touched so nothing is optimised away.
fn count_migcal(path: &Path) -> Result<u64, migcal_traces::TraceError> {
    let mut src = migcal_traces::vcd::open(path)?;
    let mut n = 0u64;
    let mut check = 0u64;
    while let Some(c) = src.next_change()? {
        n += 1;
        if let migcal_traces::ValueRef::Bits(b) = c.value {
            check = check.wrapping_add(b.len() as u64 + c.time);
        }
    }
    std::hint::black_box(check);
    Ok(n)
}

fn count_vcd_crate(path: &Path) -> Result<u64, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut n = 0u64;
    for cmd in vcd::Parser::new(BufReader::with_capacity(1 << 20, file)) {
        match cmd.map_err(|e| e.to_string())? {
            vcd::Command::ChangeScalar(..)
            | vcd::Command::ChangeVector(..)
            | vcd::Command::ChangeReal(..)
            | vcd::Command::ChangeString(..) => n += 1,
            _ => {}
        }
    }
    Ok(n)
}
