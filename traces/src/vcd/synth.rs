//! A synthetic DDR2-interface-like VCD of any size, for throughput and memory measurements
//! (benches/vcd_read.rs, scripts/bench_vcd.sh): hundreds of signals, bit-blasted DQ, wide
//! vectors, x and z. Deterministic for a given seed.

use super::VcdWriter;
use crate::{SignalInfo, TraceError, ValueRef, VarKind};
use std::io::Write;

/// xorshift64*: deterministic and dependency-free; statistical quality is irrelevant here.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// Counts bytes on their way to the output.
struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn bits(name: String, width: u32) -> SignalInfo {
    SignalInfo {
        source_name: name,
        width,
        kind: VarKind::Bits,
        range: (width > 1).then(|| (width as i64 - 1, 0)),
    }
}

/// The signal set: a 64-bit DDR2 interface's pins (DQ bit-blasted), per-DQ IDELAY taps and
/// calibration state vectors, 336 signals in all.
pub fn synthetic_signals() -> Vec<SignalInfo> {
    let mut s = Vec::new();
    s.push(bits("tb/ck".into(), 1));
    for k in 0..64 {
        s.push(bits(format!("tb/pins/dq[{k}]"), 1));
    }
    for k in 0..8 {
        s.push(bits(format!("tb/pins/dqs[{k}]"), 1));
        s.push(bits(format!("tb/pins/dm[{k}]"), 1));
    }
    for n in ["cke", "cs_n", "ras_n", "cas_n", "we_n", "odt"] {
        s.push(bits(format!("tb/pins/{n}"), 1));
    }
    s.push(bits("tb/pins/a".into(), 13));
    s.push(bits("tb/pins/ba".into(), 2));
    for k in 0..64 {
        s.push(bits(
            format!("tb/dut/iobs/v4_dq_iob_gen({k})/idelay_dq/tap"),
            6,
        ));
        s.push(bits(
            format!("tb/dut/iobs/v4_dq_iob_gen({k})/rd_data_rise"),
            1,
        ));
        s.push(bits(
            format!("tb/dut/iobs/v4_dq_iob_gen({k})/rd_data_fall"),
            1,
        ));
    }
    for g in 0..8 {
        let p = format!("tb/dut/tap_ctrl_gen({g})/tap_ctrl_0");
        s.push(bits(format!("{p}/current_state"), 4));
        s.push(bits(format!("{p}/tap_count"), 6));
        s.push(bits(format!("{p}/dec_count"), 6));
        s.push(bits(format!("{p}/calib_start"), 1));
        s.push(bits(
            format!("tb/dut/data_tap_inc_gen({g})/chan_sel_int"),
            4,
        ));
    }
    s.push(bits("tb/dut/ddr2_controller_00/init_state".into(), 5));
    s.push(bits("tb/dut/ddr2_controller_00/init_count".into(), 4));
    s.push(bits("tb/dut/ddr2_controller_00/refresh_cnt".into(), 32));
    s.push(bits("tb/dut/rd_data/fifo_data".into(), 128));
    s.push(bits("tb/dut/rd_data/user_data".into(), 64));
    while s.len() < 336 {
        let k = s.len();
        s.push(bits(format!("tb/dut/misc/flag_{k}"), 1));
    }
    s
}

/// Writes at least `target_bytes` of synthetic VCD (1 ps timescale, a 400 MHz clock) to `out`.
pub fn write_synthetic<W: Write>(out: W, target_bytes: u64, seed: u64) -> Result<W, TraceError> {
    let sigs = synthetic_signals();
    let mut w = VcdWriter::new(
        Counting {
            inner: out,
            bytes: 0,
        },
        1_000,
        &sigs,
    )?;
    let mut rng = Rng(seed | 1);
    let mut val = vec![0u8; 128];
    let mut t = 0u64;
    let mut ck = b'0';
    let four = [b'0', b'1', b'x', b'z'];
    // Initial values: everything x except the clock.
    for (i, s) in sigs.iter().enumerate() {
        val.clear();
        val.resize(s.width as usize, if i == 0 { b'0' } else { b'x' });
        w.change(0, i as u32, ValueRef::Bits(&val))?;
    }
    let mut step = 0u64;
    loop {
        t += 1_250_000;
        step += 1;
        ck = if ck == b'0' { b'1' } else { b'0' };
        w.change(t, 0, ValueRef::Bits(&[ck]))?;
        for (i, s) in sigs.iter().enumerate().skip(1) {
            let r = rng.next();
            // Pins, DQ-side bits and the data-path buses change often, state vectors rarely.
            let p = match s.width {
                1 if i < 100 => 40,
                1 => 8,
                w if w >= 32 => 50,
                _ => 3,
            };
            if r % 100 >= p {
                continue;
            }
            val.clear();
            let special = (r >> 8).checked_rem(50) == Some(0);
            let mut bitsrc = rng.next();
            for b in 0..s.width {
                if b % 64 == 63 {
                    bitsrc = rng.next();
                }
                let c = if special {
                    four[2 + (bitsrc & 1) as usize]
                } else {
                    four[(bitsrc & 1) as usize]
                };
                bitsrc >>= 1;
                val.push(c);
            }
            w.change(t, i as u32, ValueRef::Bits(&val))?;
        }
        if step & 63 == 0 {
            // Check the size only now and then; the writer buffers 64 KiB.
            let c = w.bytes_written();
            if c >= target_bytes {
                break;
            }
        }
    }
    Ok(w.finish()?.inner)
}

impl<W: Write> VcdWriter<Counting<W>> {
    fn bytes_written(&self) -> u64 {
        self.out_ref().bytes + self.pending_len() as u64
    }
}
