//! The `vcd` crate as an oracle: every change of a file as `(time_fs, signal, value)`, one row
//! per aliased `$var`, values extended to the declared width as IEEE 1364 says.

use migcal_traces::{ChangeSource, Time, ValueRef};
use std::collections::HashMap;
use std::io::BufRead;

/// One change in a comparable form: bits as `0 1 x z` text, reals as `r<value>`, strings as `s<text>`.
pub type Row = (Time, u32, String);

fn pad(bits: &str, width: usize) -> String {
    if bits.len() >= width {
        return bits.to_string();
    }
    let fill = match bits.as_bytes()[0] {
        b'x' => 'x',
        b'z' => 'z',
        _ => '0',
    };
    std::iter::repeat_n(fill, width - bits.len()).collect::<String>() + bits
}

/// Makes a GHDL/Questa file digestible for the `vcd` crate, which knows only 4 states and
/// rejects text before the header: 9-state value characters are folded token by token (id
/// codes untouched) and lines before the first `$` are dropped.
pub fn fold_for_oracle(text: &[u8]) -> Vec<u8> {
    let fold = |c: u8| match c {
        b'u' | b'U' | b'w' | b'W' | b'-' => b'x',
        b'h' | b'H' => b'1',
        b'l' | b'L' => b'0',
        c => c,
    };
    let mut out = Vec::with_capacity(text.len());
    let mut in_body = false;
    let mut seen_dollar = false;
    for line in text.split_inclusive(|&c| c == b'\n') {
        if !seen_dollar {
            if line.first() != Some(&b'$') {
                continue;
            }
            seen_dollar = true;
        }
        if !in_body {
            out.extend_from_slice(line);
            if line.windows(15).any(|w| w == b"$enddefinitions") {
                in_body = true;
            }
            continue;
        }
        let mut vec_digits = false;
        let mut start_of_tok = true;
        // After a `b`/`r`/`s` value comes its id code, which must stay as it is.
        let mut id_next = false;
        let mut in_id = false;
        for &c in line {
            if c.is_ascii_whitespace() {
                start_of_tok = true;
                vec_digits = false;
                in_id = false;
                out.push(c);
                continue;
            }
            if start_of_tok {
                start_of_tok = false;
                if id_next {
                    id_next = false;
                    in_id = true;
                    out.push(c);
                    continue;
                }
                match c {
                    b'b' | b'B' => {
                        vec_digits = true;
                        id_next = true;
                        out.push(c);
                    }
                    b'r' | b'R' | b's' | b'S' => {
                        id_next = true;
                        in_id = true;
                        out.push(c);
                    }
                    b'#' | b'$' => {
                        in_id = true;
                        out.push(c);
                    }
                    // A scalar change: its first character is the value.
                    _ => {
                        in_id = true;
                        out.push(fold(c));
                    }
                }
                continue;
            }
            out.push(if vec_digits && !in_id { fold(c) } else { c });
        }
    }
    out
}

/// Every change the `vcd` crate reports, `None` when it rejects the file.
pub fn vcd_crate_rows(input: impl BufRead, samples: bool) -> Result<Vec<Row>, String> {
    let mut parser = vcd::Parser::new(input);
    let mut ids: HashMap<vcd::IdCode, Vec<(u32, u32)>> = HashMap::new();
    let mut n = 0u32;
    let mut mult = 1u64;
    let mut t: Time = 0;
    let mut rows = Vec::new();
    for cmd in &mut parser {
        let cmd = cmd.map_err(|e| e.to_string())?;
        use vcd::Command::*;
        match cmd {
            Timescale(k, unit) if !samples => {
                mult = k as u64 * (1_000_000_000_000_000 / unit.divisor());
            }
            VarDef(_, width, code, _, _) => {
                ids.entry(code).or_default().push((n, width));
                n += 1;
            }
            Timestamp(ts) => t = ts * mult,
            ChangeScalar(code, v) => {
                for &(s, w) in ids.get(&code).ok_or("undefined id")? {
                    if w > 0 {
                        rows.push((t, s, pad(&v.to_string(), w as usize)));
                    }
                }
            }
            ChangeVector(code, v) => {
                for &(s, w) in ids.get(&code).ok_or("undefined id")? {
                    if w > 0 {
                        rows.push((t, s, pad(&v.to_string(), w as usize)));
                    }
                }
            }
            ChangeReal(code, v) => {
                for &(s, w) in ids.get(&code).ok_or("undefined id")? {
                    if w > 0 {
                        rows.push((t, s, format!("r{v:?}")));
                    }
                }
            }
            ChangeString(code, v) => {
                for &(s, _) in ids.get(&code).ok_or("undefined id")? {
                    rows.push((t, s, format!("s{v}")));
                }
            }
            _ => {}
        }
    }
    Ok(rows)
}

/// Every change a migcal source delivers, in the same form.
pub fn source_rows(src: &mut dyn ChangeSource) -> Result<Vec<Row>, migcal_traces::TraceError> {
    let mut rows = Vec::new();
    while let Some(c) = src.next_change()? {
        let v = match c.value {
            ValueRef::Bits(b) => String::from_utf8(b.to_vec()).expect("ASCII bits"),
            ValueRef::Real(r) => format!("r{r:?}"),
            ValueRef::Str(s) => format!("s{s}"),
        };
        rows.push((c.time, c.signal, v));
    }
    Ok(rows)
}
