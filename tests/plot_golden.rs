//! `migcal plot`: every kind renders from the golden captures (taps, eye, timeline from nominal
//! and fault1) and from the DCM model (an inline `[clocking]` scenario) or a DCM capture. The
//! SVG is checked for the labels and marks an engineer reads (not just for being non-empty),
//! the PNG is decoded and checked for its size and content, and the same input gives the same
//! bytes.

mod common;

use migcal::analysis::capture::Capture;
use migcal::analysis::{analyze, Config, Facts};
use migcal::diagnose::{diagnose, Diagnosis, RuleConfig};
use migcal::plot::{self, dcm, eye, taps, timeline, Figure, Size};
use migcal_traces::sniff::OpenOptions;
use std::process::Command;
use std::sync::OnceLock;

struct Loaded {
    capture: Capture,
    facts: Facts,
    diag: Diagnosis,
}

fn load(name: &str) -> &'static Loaded {
    static NOMINAL: OnceLock<Loaded> = OnceLock::new();
    static FAULT1: OnceLock<Loaded> = OnceLock::new();
    let cell = match name {
        "nominal" => &NOMINAL,
        "fault1" => &FAULT1,
        _ => unreachable!("only nominal and fault1 are loaded here"),
    };
    cell.get_or_init(|| {
        let capture = Capture::open(&common::golden(name), &OpenOptions::default(), None)
            .expect("golden capture opens");
        let facts = analyze(
            &capture,
            &Config {
                profile: None,
                clock: None,
            },
        );
        let diag = diagnose(&facts, &RuleConfig::default());
        Loaded {
            capture,
            facts,
            diag,
        }
    })
}

fn source(name: &str) -> String {
    common::golden(name).display().to_string()
}

/// The text of every `<text>` element, in document order.
fn texts(svg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find("<text") {
        rest = &rest[i..];
        let open_end = rest.find('>').expect("text element closes its tag") + 1;
        let close = rest.find("</text>").expect("text element ends");
        out.push(
            rest[open_end..close]
                .trim()
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&apos;", "'")
                .replace("&quot;", "\"")
                .replace("&amp;", "&"),
        );
        rest = &rest[close..];
    }
    out
}

fn has_text(svg: &str, needle: &str) -> bool {
    texts(svg).iter().any(|t| t.contains(needle))
}

fn assert_texts(svg: &str, needles: &[&str]) {
    for n in needles {
        assert!(
            has_text(svg, n),
            "no text containing {n:?} in {:?}",
            texts(svg)
        );
    }
}

/// Renders both formats, checks determinism, decodes the PNG and returns the SVG.
fn render_all(fig: &impl Figure) -> String {
    let svg = plot::render_svg(fig, fig.natural_size()).unwrap();
    assert_eq!(
        svg,
        plot::render_svg(fig, fig.natural_size()).unwrap(),
        "same input, same SVG bytes"
    );
    let size = fig.natural_size();
    assert!(svg.starts_with(&format!(
        "<svg width=\"{}\" height=\"{}\"",
        size.width, size.height
    )));
    let png = plot::render_png(fig, size).unwrap();
    assert_eq!(png, plot::render_png(fig, size).unwrap(), "same PNG bytes");
    check_png(&png, size);
    svg
}

struct Pixels {
    rgb: Vec<u8>,
}

impl Pixels {
    fn count(&self, f: impl Fn(u8, u8, u8) -> bool) -> usize {
        self.rgb
            .chunks_exact(3)
            .filter(|p| f(p[0], p[1], p[2]))
            .count()
    }
}

/// Decodes `png` and checks its size and that it is a drawing: a fair share of non-white
/// pixels, dark text pixels (the embedded font rendered), not all one colour.
fn check_png(png: &[u8], size: Size) -> Pixels {
    let dec = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = dec.read_info().expect("PNG header decodes");
    let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader.next_frame(&mut buf).expect("PNG data decodes");
    assert_eq!((info.width, info.height), (size.width, size.height));
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    let px = Pixels { rgb: buf };
    let total = (size.width * size.height) as usize;
    let non_white = px.count(|r, g, b| (r, g, b) != (255, 255, 255));
    assert!(
        non_white > total / 50 && non_white < total * 9 / 10,
        "{non_white} of {total} pixels drawn"
    );
    let dark = px.count(|r, g, b| r < 80 && g < 80 && b < 80);
    assert!(
        dark > 2000,
        "only {dark} dark (text) pixels: did the font render?"
    );
    px
}

#[test]
fn taps_nominal() {
    let l = load("nominal");
    let fig =
        taps::TapsFigure::new(&source("nominal"), &l.facts, &l.diag, taps::XAxis::Us).unwrap();
    assert_eq!(fig.lines.len(), 8);
    let dq3 = &fig.lines[3];
    assert_eq!(
        (dq3.start_tap, dq3.edge_tap, dq3.peak_tap, dq3.final_tap),
        (20, Some(33), 35, 17)
    );
    assert!(!dq3.ceiling && dq3.edge_time.is_some());
    assert_eq!(
        dq3.history.last().unwrap().1,
        17,
        "curve ends at the final tap"
    );
    let svg = render_all(&fig);
    assert_texts(
        &svg,
        &[
            "IDELAY tap sweep per DQ line: mig17_minimodule_nominal.vcd.gz",
            "PASS",
            "tap_sel_done 243 472.5 ns",
            "DQ3",
            "tap (idelay_dq[3]/tap)",
            "time (µs)",
            "20 → edge 33 → 35 → final 17",
            "not walked (group's first line), final 20",
            "edge 33",
            "final 17",
            "-18",
        ],
    );
    assert!(
        !has_text(&svg, "ceiling: no edge"),
        "nominal has no ceiling line"
    );
    assert!(!svg.contains("#FFE4E4"), "no panel tinted red");
}

#[test]
fn taps_fault1_marks_the_ceiling() {
    let l = load("fault1");
    let fig =
        taps::TapsFigure::new(&source("fault1"), &l.facts, &l.diag, taps::XAxis::Cycles).unwrap();
    let svg = render_all(&fig);
    assert_texts(
        &svg,
        &[
            "FAIL in read_latency",
            "at the ceiling: DQ3",
            "ceiling: no edge, final 9",
            "ceiling",
            "clk_0 cycle",
            "36 → edge 63 → 1 → final 47",
        ],
    );
    // Exactly one panel (DQ3) is tinted red, and its caption is red.
    assert_eq!(svg.matches("fill=\"#FFE4E4\"").count(), 1);
    let png = plot::render_png(&fig, fig.natural_size()).unwrap();
    let px = check_png(&png, fig.natural_size());
    assert!(
        px.count(|r, g, b| (r, g, b) == (255, 228, 228)) > 10_000,
        "red-tinted panel"
    );
    assert!(
        px.count(|r, g, b| (r, g, b) == (205, 30, 30)) > 200,
        "red curve and cross"
    );
}

#[test]
fn eye_nominal_and_fault1() {
    let l = load("nominal");
    let fig = eye::EyeFigure::new(&source("nominal"), &l.facts, &l.diag, 78.125).unwrap();
    assert_eq!(fig.rows.iter().filter(|r| r.worst).count(), 1);
    let svg = render_all(&fig);
    assert_texts(
        &svg,
        &[
            "Data window against the sampling point",
            "tap = 78.125 ps (--tap-ps)",
            "worst margin DQ1: 16 taps = 1250 ps (6 lines tie)",
            "margin 16 taps = 1250 ps",
            "IDELAY delay (ps)",
            "tap",
            "DQ0",
            "DQ7",
            "worst",
            "edge 33",
            "final 17",
            "not walked individually",
        ],
    );
    let l = load("fault1");
    let fig = eye::EyeFigure::new(&source("fault1"), &l.facts, &l.diag, 78.0).unwrap();
    let svg = render_all(&fig);
    assert_texts(
        &svg,
        &[
            "FAIL in read_latency",
            "tap = 78 ps",
            "no edge (ceiling): DQ3",
            "no edge in 55 taps from tap 36 (ceiling)",
            "margin 16 taps = 1248 ps",
        ],
    );
    assert_eq!(
        svg.matches("fill=\"#FFE4E4\"").count(),
        1,
        "DQ3's row tinted"
    );
}

#[test]
fn timeline_nominal_and_fault1() {
    let l = load("nominal");
    let fig =
        timeline::TimelineFigure::new(&source("nominal"), &l.capture, &l.facts, &l.diag).unwrap();
    assert!(fig.stall.is_none());
    let stages: Vec<&str> = fig.stages.iter().map(|s| s.stage.name()).collect();
    assert_eq!(
        stages,
        [
            "clocking",
            "memory_setup",
            "tap_calibration",
            "read_latency",
            "done"
        ]
    );
    let svg = render_all(&fig);
    assert_texts(
        &svg,
        &[
            "Init sequence: mig17_minimodule_nominal.vcd.gz",
            "PASS: init_done",
            "memory_setup",
            "tap_calibration",
            "INIT_PATTERN_READ_WAIT",
            "INIT_DUMMY_READ",
            "tap_sel_done 243 472.5 ns",
            "comp_done 243 797.5 ns",
            "init_done 243 922.5 ns",
            "RD ×2",
            "WR ×2",
            "bus commands",
            "time (µs) (zoom)",
        ],
    );
    assert!(!has_text(&svg, "stall"));

    let l = load("fault1");
    let fig =
        timeline::TimelineFigure::new(&source("fault1"), &l.capture, &l.facts, &l.diag).unwrap();
    let stall = fig.stall.as_ref().expect("fault1 stalls");
    assert!(fig.zoom.0 <= stall.time && stall.time <= fig.zoom.1);
    let svg = render_all(&fig);
    assert_texts(
        &svg,
        &[
            "FAIL in read_latency",
            "stall: INIT_PATTERN_READ_WAIT from",
            "to the end of the capture (600 000 ns)",
            "read_latency: never finished",
            "tap_sel_done 244 882.5 ns",
        ],
    );
    assert!(
        !has_text(&svg, "init_done 2"),
        "fault1 never reaches init_done"
    );
}

const AUTOCAL: &str = r#"
profile = "minimodule"   # other tables belong to the scenario and are ignored here
[board]
tap_ps = 78.0

[clocking]
primitive = "DCM_BASE"
stepping = 2

[[clocking.clkin_stop]]
at_ms = 5.0
resume_at_ms = 10.0

[[clocking.rst]]
at_ms = 20.0
length_ms = 1.0
"#;

#[test]
fn dcm_from_an_inline_clocking_scenario() {
    let fig = dcm::DcmFigure::from_scenario_text("autocal.toml", AUTOCAL, None).unwrap();
    assert_eq!(fig.windows.len(), 1);
    assert!(!fig.windows[0].enough);
    assert_eq!(fig.findings.len(), 1);
    let svg = render_all(&fig);
    assert_texts(
        &svg,
        &[
            "DCM: CLKIN, RST and LOCKED: autocal.toml",
            "CLKIN present",
            "RST",
            "LOCKED",
            "STATUS[1]",
            "STATUS[2]",
            "dcm/locked",
            "time (ms)",
            "200 ms window: RST 1 ms < 200 ms needed",
            "only a RST of at least 200 ms clears it",
            "finding 1: DCM autocalibration",
            "52 ms: LOCKED fell 30 ms after rising",
        ],
    );

    // The fix: DCM_AUTOCALIBRATION = FALSE. No macro, no window, no finding.
    let fixed = AUTOCAL.replace(
        "stepping = 2",
        "stepping = 2\ndcm_autocalibration = \"FALSE\"",
    );
    let fig = dcm::DcmFigure::from_scenario_text("fixed.toml", &fixed, None).unwrap();
    assert!(fig.windows.is_empty() && fig.findings.is_empty());
    let svg = render_all(&fig);
    assert_texts(&svg, &["the 200 ms rule does not apply", "no DCM finding"]);

    // A long enough reset is drawn green as clearing autocalibration.
    let long = AUTOCAL.replace("length_ms = 1.0", "length_ms = 250.0");
    let fig = dcm::DcmFigure::from_scenario_text("long.toml", &long, None).unwrap();
    assert!(fig.windows[0].enough);
    let svg = plot::render_svg(&fig, fig.natural_size()).unwrap();
    assert_texts(&svg, &["RST 250 ms ≥ 200 ms: autocalibration cleared"]);
}

#[test]
fn dcm_scenario_errors_name_the_problem() {
    let e = dcm::DcmFigure::from_scenario_text("s.toml", "profile = \"ddr2\"\n", None).unwrap_err();
    assert!(e.to_string().contains("no [clocking] table"), "{e}");
    let e = dcm::DcmFigure::from_scenario_text("s.toml", "[clocking]\nstepping = \"two\"\n", None)
        .unwrap_err();
    assert!(
        e.to_string().contains("s.toml: [clocking]") && e.to_string().contains("stepping"),
        "{e}"
    );
    let e = dcm::DcmFigure::from_scenario_text("s.toml", "[clocking\n", None).unwrap_err();
    assert!(e.to_string().starts_with("s.toml: "), "{e}");
}

#[test]
fn dcm_from_a_capture() {
    use migcal_traces::vcd::VcdWriter;
    use migcal_traces::{SignalInfo, ValueRef, VarKind};
    let sig = |n: &str, w: u32| SignalInfo {
        source_name: n.into(),
        width: w,
        kind: VarKind::Bits,
        range: None,
    };
    let ms = 1_000_000_000_000u64;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dcm.vcd");
    let mut w = VcdWriter::new(
        std::fs::File::create(&path).unwrap(),
        1_000_000,
        &[
            sig("tb/dcm0/locked", 1),
            sig("tb/dcm0/rst", 1),
            sig("tb/dcm0/status", 3),
        ],
    )
    .unwrap();
    let events: &[(u64, u32, &[u8])] = &[
        (0, 0, b"0"),
        (0, 1, b"0"),
        (0, 2, b"000"),
        (ms, 0, b"1"),
        (5 * ms, 2, b"010"),
        (10 * ms, 2, b"000"),
        (20 * ms, 1, b"1"),
        (20 * ms, 0, b"0"),
        (21 * ms, 1, b"0"),
        (22 * ms, 0, b"1"),
        (52 * ms, 0, b"0"),
        (120 * ms, 1, b"0"),
    ];
    for &(t, id, v) in events {
        w.change(t, id, ValueRef::Bits(v)).unwrap();
    }
    w.finish().unwrap();
    let c = Capture::open(&path, &OpenOptions::default(), None).unwrap();
    let fig = dcm::DcmFigure::from_capture("dcm.vcd", &c).unwrap();
    let labels: Vec<&str> = fig.waves.iter().map(|w| w.label.as_str()).collect();
    assert_eq!(labels, ["RST", "LOCKED", "STATUS[1]", "STATUS[2]"]);
    assert_eq!(
        fig.windows.len(),
        1,
        "the RST after STATUS[1] showed CLKIN stopped"
    );
    let svg = render_all(&fig);
    assert_texts(
        &svg,
        &[
            "200 ms window: RST 1 ms < 200 ms needed",
            "LOCKED",
            "finding 1",
        ],
    );

    // The golden MIG captures hold no DCM signal: a clear error, not an empty picture.
    let l = load("nominal");
    let e = dcm::DcmFigure::from_capture("nominal", &l.capture).unwrap_err();
    assert!(e.to_string().contains("no dcm/locked"), "{e}");
}

fn migcal(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_migcal"))
        .args(args)
        .output()
        .expect("migcal runs")
}

#[test]
fn cli_writes_each_format_and_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let golden = source("fault1");
    let svg = dir.path().join("taps.svg");
    let out = migcal(&["plot", "taps", &golden, "-o", svg.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(has_text(&text, "ceiling: no edge, final 9"));

    let png = dir.path().join("eye.PNG");
    let out = migcal(&[
        "plot",
        "eye",
        &golden,
        "-o",
        png.to_str().unwrap(),
        "--size",
        "1200x700",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check_png(
        &std::fs::read(&png).unwrap(),
        Size {
            width: 1200,
            height: 700,
        },
    );

    let scen = dir.path().join("autocal.toml");
    std::fs::write(&scen, AUTOCAL).unwrap();
    let dcm_png = dir.path().join("dcm.png");
    let out = migcal(&[
        "plot",
        "dcm",
        scen.to_str().unwrap(),
        "-o",
        dcm_png.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::metadata(&dcm_png).unwrap().len() > 1000);

    // Unknown extension, a scenario without [clocking], a capture with no DCM: exit 2, a
    // message that names the file, and no output left behind.
    let bad = dir.path().join("x.jpg");
    let out = migcal(&["plot", "timeline", &golden, "-o", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("expected an output name ending in .svg or .png"));
    std::fs::write(&scen, "seed = 1\n").unwrap();
    let out = migcal(&[
        "plot",
        "dcm",
        scen.to_str().unwrap(),
        "-o",
        dcm_png.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no [clocking] table"));
    assert!(
        std::fs::metadata(&dcm_png).unwrap().len() > 1000,
        "previous output kept"
    );
    let out = migcal(&["plot", "dcm", &golden, "-o", dcm_png.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let leftovers = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".migcal-")
        })
        .count();
    assert_eq!(leftovers, 0);
}

/// A VCD written by `migcal simulate -o` is just another capture: the fault1 scenario's trace
/// gives the same tap curves, eye rows and init-sequence bars as the golden GHDL run.
#[test]
fn a_simulated_trace_plots_like_the_capture() {
    let dir = tempfile::tempdir().unwrap();
    let vcd = dir.path().join("sim_fault1.vcd");
    let scenario =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sim/scenarios/golden/fault1.toml");
    let out = migcal(&[
        "simulate",
        scenario.to_str().unwrap(),
        "-o",
        vcd.to_str().unwrap(),
    ]);
    assert!(
        vcd.exists(),
        "simulate wrote no trace: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let capture = Capture::open(&vcd, &OpenOptions::default(), None).unwrap();
    let facts = analyze(
        &capture,
        &Config {
            profile: None,
            clock: None,
        },
    );
    let diag = diagnose(&facts, &RuleConfig::default());
    let g = load("fault1");
    let sim = taps::TapsFigure::new("sim", &facts, &diag, taps::XAxis::Us).unwrap();
    let cap = taps::TapsFigure::new("cap", &g.facts, &g.diag, taps::XAxis::Us).unwrap();
    assert_eq!(sim.lines, cap.lines, "same tap curves and landmarks");
    assert_eq!(sim.window, cap.window);
    let sim = eye::EyeFigure::new("sim", &facts, &diag, 78.125).unwrap();
    let cap = eye::EyeFigure::new("cap", &g.facts, &g.diag, 78.125).unwrap();
    assert_eq!(sim.rows, cap.rows);
    let sim = timeline::TimelineFigure::new("sim", &capture, &facts, &diag).unwrap();
    let cap = timeline::TimelineFigure::new("cap", &g.capture, &g.facts, &g.diag).unwrap();
    // The bars and marks agree; only the capture end differs (the model stops on a clk_0
    // edge, 600 002.5 ns, the GHDL run at 600 000 ns), which is where an open bar ends.
    let bars = |f: &timeline::TimelineFigure| -> Vec<_> {
        f.stages
            .iter()
            .map(|b| (b.stage, b.start, (!b.open).then_some(b.end)))
            .collect()
    };
    assert_eq!(bars(&sim), bars(&cap));
    assert_eq!(sim.stall.map(|s| s.time), cap.stall.map(|s| s.time));
    assert_eq!(sim.milestones, cap.milestones);
    assert_eq!(sim.zoom.0, cap.zoom.0);
}
