//! TEMPORARY: loads a golden VCD with the `vcd` crate and golden-specific names, until the traces
//! reader and NameMap land. Replaced by the real path before merge.
#![allow(dead_code)]
use migcal::capture::Capture;
use migcal_traces::{TimeBase, Value};
use std::collections::HashMap;
use std::io::BufReader;
use std::path::PathBuf;

pub fn shared() -> PathBuf {
    if let Ok(p) = std::env::var("MIGCAL_SHARED") {
        return PathBuf::from(p);
    }
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if p.exists() {
        p
    } else {
        PathBuf::from("/work/shared")
    }
}

fn canon(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    let last = parts[parts.len() - 1];
    let find = |pre: &str| parts.iter().find(|p| p.starts_with(pre)).map(|p| p[p.find('(').unwrap() + 1..p.find(')').unwrap()].to_string());
    if parts.len() == 2 {
        return format!("pins/{last}");
    }
    if parts.contains(&"ddr_controller_00") {
        return format!("ddr_controller/{last}");
    }
    if let Some(i) = find("tap_ctrl_gen(") {
        if parts.contains(&"data_tap_inc_0") {
            return format!("data_tap_inc[{i}]/{last}");
        }
        return format!("tap_ctrl[{i}]/{last}");
    }
    if parts.contains(&"tap_logic_00") {
        return format!("tap_logic/{last}");
    }
    if let Some(k) = find("v4_dq_iob_gen(") {
        return format!("idelay_dq[{k}]/tap");
    }
    if let Some(i) = find("pattern_compare4_gen(") {
        return format!("pattern_compare[{i}]/{last}");
    }
    if parts.contains(&"rd_data_00") {
        return format!("rd_data/{last}");
    }
    if parts.contains(&"backend_fifos_00") {
        return format!("backend_fifos/{last}");
    }
    if parts.contains(&"data_path_00") {
        return format!("data_path/{last}");
    }
    path.to_string()
}

pub fn load(name: &str) -> Capture {
    use std::io::BufRead;
    let p = shared().join(format!("golden/mig17_minimodule_{name}.vcd.gz"));
    let f = std::fs::File::open(&p).unwrap();
    let r = BufReader::new(flate2::read::GzDecoder::new(f));
    let mut scopes: Vec<String> = Vec::new();
    let mut ids: HashMap<String, (String, u32)> = HashMap::new();
    let mut sigs: HashMap<String, Vec<(u64, Value)>> = HashMap::new();
    let mut t = 0u64;
    let fold = |c: u8| match c.to_ascii_lowercase() {
        b'0' | b'l' => b'0',
        b'1' | b'h' => b'1',
        b'z' => b'z',
        _ => b'x',
    };
    for line in r.lines() {
        let line = line.unwrap();
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.is_empty() {
            continue;
        }
        match w[0] {
            "$scope" => scopes.push(w[2].to_string()),
            "$upscope" => {
                scopes.pop();
            }
            "$var" => {
                let full = format!("{}/{}", scopes.join("/"), w[4].split('[').next().unwrap());
                ids.insert(w[3].to_string(), (canon(&full), w[2].parse().unwrap()));
            }
            x if x.starts_with('#') => t = x[1..].parse().unwrap(),
            x if x.starts_with('b') => {
                let (n, wd) = &ids[w[1]];
                let mut bits: Vec<u8> = x[1..].bytes().map(fold).collect();
                while bits.len() < *wd as usize {
                    bits.insert(0, if bits[0] == b'1' { b'0' } else { bits[0] });
                }
                sigs.entry(n.clone()).or_default().push((t, Value::Bits(bits.into())));
            }
            x if x.starts_with('$') => {}
            x => {
                let b = x.as_bytes();
                if let Some((n, _)) = ids.get(&x[1..]) {
                    sigs.entry(n.clone()).or_default().push((t, Value::Bits(vec![fold(b[0])].into())));
                }
            }
        }
    }
    let mut c = Capture::new(name, TimeBase::Femtoseconds);
    for (k, mut v) in sigs {
        v.dedup_by(|b, a| a.1 == b.1);
        c.insert(k, v);
    }
    c.end_time = t;
    c
}
