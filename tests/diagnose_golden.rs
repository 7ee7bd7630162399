mod common;
use common::tmp_golden;
use migcal::analysis::{analyze, Config};
use migcal::diagnose::{diagnose, RuleConfig, Stage, Verdict};

fn run(name: &str) -> migcal::diagnose::Diagnosis {
    let c = tmp_golden::load(name);
    let f = analyze(&c, &Config { profile: None, clock: None });
    let d = diagnose(&f, &RuleConfig::default());
    println!("{}", serde_json::to_string_pretty(&d).unwrap());
    d
}

#[test]
#[test]
fn show_nominal() { run("nominal"); }

#[test]
fn show_fault1() { run("fault1"); }

#[test]
fn show_fault2() { run("fault2"); }

#[test]
fn show_skew() { run("skew"); }

#[test]
fn show_dq5_stuck_high() { run("dq5_stuck_high"); }

#[test]
fn show_dqs1_open() { run("dqs1_open"); }

#[test]
fn show_idelayctrl_not_ready() { run("idelayctrl_not_ready"); }

fn nominal() {
    let d = run("nominal");
    assert_eq!(d.verdict, Verdict::Pass);
    assert_eq!(d.stage, Stage::Done);
}

#[test]
fn fault1() {
    let d = run("fault1");
    assert_eq!(d.verdict, Verdict::Fail);
    assert_eq!(d.stage, Stage::ReadLatency);
    assert_eq!(d.faulty_dq, vec![3]);
}
