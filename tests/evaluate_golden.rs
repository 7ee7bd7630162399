//! The bundled golden scenarios, simulated and diagnosed through the capture path, meet their
//! `[expect]` and agree with the diagnosis of the real golden traces.

mod common;
use migcal::evaluate::{check_expect, evaluate};
use migcal::scenario::Scenario;
use std::path::PathBuf;

fn scenario(name: &str) -> Scenario {
    let p =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("sim/scenarios/golden/{name}.toml"));
    Scenario::load(&p).unwrap()
}

#[test]
fn simulated_goldens_are_diagnosed_like_the_real_traces() {
    for name in [
        "nominal",
        "skew",
        "fault1",
        "fault2",
        "dq5_stuck_high",
        "dqs1_open",
        "idelayctrl_not_ready",
    ] {
        let scn = scenario(name);
        let e = evaluate(&scn).unwrap();
        let real = {
            use migcal::analysis::{analyze, Config};
            let c = migcal::analysis::capture::Capture::open(
                &common::golden(name),
                &Default::default(),
                None,
            )
            .unwrap();
            migcal::diagnose::diagnose(
                &analyze(
                    &c,
                    &Config {
                        profile: None,
                        clock: None,
                    },
                ),
                &Default::default(),
            )
        };
        assert_eq!(
            (
                e.diagnosis.verdict,
                e.diagnosis.stage,
                &e.diagnosis.faulty_dq,
                e.diagnosis.faulty_lane
            ),
            (real.verdict, real.stage, &real.faulty_dq, real.faulty_lane),
            "{name}: model {:#?}\nreal {:#?}",
            e.diagnosis,
            real
        );
        if let Some(x) = &scn.expect {
            let m = check_expect(x, &e);
            assert!(m.is_empty(), "{name}: {m:?}");
        }
    }
}
