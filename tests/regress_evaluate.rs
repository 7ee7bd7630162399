//! The fast `evaluate` (the model's changes handed to the analysis in memory, name bindings
//! cached) sees exactly what the VCD path sees: same summary, facts and diagnosis for every
//! bundled scenario.

use migcal::evaluate::regress::discover;
use migcal::evaluate::{evaluate, evaluate_outcome, evaluate_via_vcd};
use migcal::scenario::Scenario;
use std::path::PathBuf;

#[test]
fn memory_path_equals_vcd_path_on_every_bundled_scenario() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sim/scenarios");
    let mut checked = 0;
    for path in discover(&root).unwrap() {
        let Ok(scn) = Scenario::load(&path) else {
            continue;
        };
        let fast = evaluate(&scn).unwrap();
        let slow = evaluate_via_vcd(&scn).unwrap();
        let name = path.display();
        assert_eq!(fast.summary, slow.summary, "{name}: summary");
        assert_eq!(fast.diagnosis, slow.diagnosis, "{name}: diagnosis");
        assert_eq!(
            serde_json::to_value(&fast.facts).unwrap(),
            serde_json::to_value(&slow.facts).unwrap(),
            "{name}: facts"
        );
        // Twice through the cached bindings gives the same again.
        assert_eq!(evaluate(&scn).unwrap().diagnosis, fast.diagnosis, "{name}");
        // Without the pad waveform: the same outcome (the pads only word a cause).
        let outcome = evaluate_outcome(&scn).unwrap().diagnosis;
        let d = &fast.diagnosis;
        assert_eq!(
            (
                outcome.verdict,
                outcome.stage,
                &outcome.faulty_dq,
                outcome.faulty_lane
            ),
            (d.verdict, d.stage, &d.faulty_dq, d.faulty_lane),
            "{name}: outcome without pads"
        );
        checked += 1;
    }
    assert!(checked >= 7, "only {checked} scenarios checked");
}
