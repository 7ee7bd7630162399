//! Issue 13, the exact comparison: a capture replayed against the board that made it departs
//! nowhere, on every signal it holds (pins included), over the whole capture, whatever its
//! time base; against another board it departs, at the first sample that differs.

mod common;

use std::path::PathBuf;

const GOLDENS: &[&str] = &[
    "nominal",
    "fault1",
    "fault2",
    "skew",
    "dq5_stuck_high",
    "dqs1_open",
    "idelayctrl_not_ready",
];

fn scenario(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("sim/scenarios/golden/{name}.toml"))
}

fn replay(capture: &str, board: &str) -> serde_json::Value {
    let out = common::migcal(&["diagnose", "--json", "--scenario", board, capture]);
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["replay"].clone()
}

#[test]
fn every_golden_follows_its_own_scenario_on_every_signal() {
    for g in GOLDENS {
        let r = replay(
            common::golden(g).to_str().unwrap(),
            scenario(g).to_str().unwrap(),
        );
        assert_eq!(r["first"], serde_json::Value::Null, "{g}: {r:#}");
        let compared: Vec<&str> = r["compared"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        // Every signal of the golden, the pads and the command pins among them.
        assert_eq!(compared.len(), 113, "{g}: {compared:?}");
        for pin in [
            "pins/dq",
            "pins/dqs",
            "pins/dm",
            "pins/ck",
            "pins/cs_n",
            "pins/a",
        ] {
            assert!(compared.contains(&pin), "{g}: {pin} not compared");
        }
        // The whole capture: 600 us of clk_0.
        assert_eq!(r["window"][1], 119_999, "{g}: {r:#}");
    }
}

#[test]
fn a_fault_departs_from_the_nominal_board_at_its_first_effect() {
    // DQ5 stuck high: the controller pin shows it the first time the memory drives the bus.
    let r = replay(
        common::golden("dq5_stuck_high").to_str().unwrap(),
        scenario("nominal").to_str().unwrap(),
    );
    let first = &r["first"];
    assert_eq!(first["signal"], "pins/dq", "{r:#}");
    let capture = first["capture"].as_str().unwrap();
    assert_eq!(&capture[capture.len() - 6..capture.len() - 5], "1", "{r:#}");
}

#[test]
fn a_probe_dump_and_a_triggered_window_of_it_follow_their_board() {
    let dir = tempfile::tempdir().unwrap();
    for g in ["fault1", "nominal", "dqs1_open"] {
        let csv = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/fixtures/csv/golden_{g}_s7.sigrok.csv.gz"));
        let r = replay(csv.to_str().unwrap(), scenario(g).to_str().unwrap());
        assert_eq!(r["first"], serde_json::Value::Null, "{g}: {r:#}");
        // A window triggered 240 us in: its t = 0 is the trigger, so it is aligned on an event.
        let text = {
            use std::io::Read;
            let mut s = String::new();
            flate2::read::GzDecoder::new(std::fs::File::open(&csv).unwrap())
                .read_to_string(&mut s)
                .unwrap();
            s
        };
        let lines: Vec<&str> = text.lines().collect();
        let mut cut: Vec<&str> = lines[..5].to_vec();
        cut.extend(&lines[5 + 96_000..]);
        let path = dir.path().join(format!("{g}_window.csv"));
        std::fs::write(&path, cut.join("\n") + "\n").unwrap();
        let r = replay(path.to_str().unwrap(), scenario(g).to_str().unwrap());
        assert_eq!(r["first"], serde_json::Value::Null, "{g} window: {r:#}");
        assert_eq!(r["aligned_on"][1], -48_000, "{g} window: {r:#}");
    }
}
