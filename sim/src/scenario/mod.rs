//! Scenario files: what to simulate (profile, clock, memory, board, faults) and, for `regress`,
//! what to expect. TOML, unknown keys rejected, every out-of-range value reported with its key.

pub mod clocking;
pub mod faults;
mod validate;

use migcal_model::board::{self, Fault};
use migcal_model::mig;
pub use migcal_model::profile::Profile;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Why a scenario could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// Not valid TOML for a scenario (the message carries line and column).
    #[error("{path}: {message}")]
    Parse {
        /// File.
        path: PathBuf,
        /// What the parser found.
        message: String,
        /// The 1-based line the parser stopped at (from its span), when it gave one.
        line: Option<usize>,
    },
    /// A value outside what the model supports.
    #[error("{path}: key `{key}`: {message}")]
    Invalid {
        /// File.
        path: PathBuf,
        /// Dotted key.
        key: String,
        /// Expected vs found.
        message: String,
    },
}

/// `[clock]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clock {
    /// clk_0 period in ps.
    #[serde(default = "default_period")]
    pub period_ps: f64,
}

fn default_period() -> f64 {
    5000.0
}

impl Default for Clock {
    fn default() -> Self {
        Clock {
            period_ps: default_period(),
        }
    }
}

/// `[memory]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Memory {
    /// Part number (informational; the model's timing does not depend on it).
    #[serde(default = "default_part")]
    pub part: String,
    /// CAS latency.
    #[serde(default = "default_cl")]
    pub cl: u8,
    /// Burst length; absent, the profile's: 2 for the minimodule's DDR1 part, 4 for DDR2
    /// (see [`Memory::burst_length`]).
    #[serde(default)]
    pub bl: Option<u8>,
    /// Additive latency.
    #[serde(default)]
    pub al: u8,
    /// Data bus width in bits (minimodule: 16; ddr2: 8..=72 in steps of 8).
    #[serde(default = "default_width")]
    pub data_width: u32,
    /// DDR2 on-die termination written to EMR A6/A2 (0 = off, 50, 75, 150 Ω). It only changes
    /// the EMR contents: the model drives the ODT pin but has no electrical effect of
    /// termination.
    #[serde(default)]
    pub rtt_ohm: u16,
}

fn default_width() -> u32 {
    16
}

fn default_part() -> String {
    "MT46V32M8".into()
}
fn default_cl() -> u8 {
    3
}

impl Memory {
    /// The burst length the controller runs: the file's `bl`, else the profile's default (the
    /// minimodule's DDR1 part runs BL 2; MIG's DDR2 designs default to BL 4).
    pub fn burst_length(&self, profile: Profile) -> u8 {
        self.bl.unwrap_or(match profile {
            Profile::Minimodule => 2,
            Profile::Ddr2 => 4,
        })
    }
}

impl Default for Memory {
    fn default() -> Self {
        Memory {
            part: default_part(),
            cl: default_cl(),
            bl: None,
            al: 0,
            data_width: default_width(),
            rtt_ohm: 0,
        }
    }
}

/// `[board]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Board {
    /// IDELAY tap size in ps.
    #[serde(default = "default_tap")]
    pub tap_ps: f64,
    /// Per-DQ read-path delay in ps of the trace at memory DQ k (missing lines = 0).
    #[serde(default)]
    pub dq_delay_ps: Vec<f64>,
    /// RMS sampling jitter common to every line, in ps.
    #[serde(default)]
    pub jitter_ps_rms: f64,
    /// Per-DQ extra RMS jitter in ps (missing = 0), added in quadrature.
    #[serde(default)]
    pub dq_jitter_ps_rms: Vec<f64>,
    /// Half-width of the jitter band in standard deviations.
    #[serde(default = "default_band")]
    pub jitter_band_sigmas: f64,
    /// Board temperature in °C.
    #[serde(default = "default_temp")]
    pub temperature_c: f64,
    /// Data-path drift per °C away from 25 °C, in ps, for every line without its own value.
    #[serde(default = "default_dq_coeff")]
    pub temp_coeff_ps_per_c: f64,
    /// Per-DQ data-path drift in ps/°C (missing = `temp_coeff_ps_per_c`).
    #[serde(default)]
    pub dq_temp_coeff_ps_per_c: Vec<f64>,
    /// Capture-clock drift per °C away from 25 °C, in ps.
    #[serde(default = "default_clock_coeff")]
    pub clock_temp_coeff_ps_per_c: f64,
    /// Temperature above which the refresh interval halves (DDR2 2x refresh).
    #[serde(default = "default_hot_refresh")]
    pub refresh_double_above_c: f64,
}

fn default_tap() -> f64 {
    78.0
}
fn default_temp() -> f64 {
    board::REFERENCE_TEMPERATURE_C
}
fn default_band() -> f64 {
    board::DEFAULT_JITTER_BAND_SIGMAS
}
fn default_dq_coeff() -> f64 {
    board::DEFAULT_DQ_TEMP_COEFF_PS_PER_C
}
fn default_clock_coeff() -> f64 {
    board::DEFAULT_CLOCK_TEMP_COEFF_PS_PER_C
}
fn default_hot_refresh() -> f64 {
    board::DEFAULT_REFRESH_DOUBLE_ABOVE_C
}

impl Default for Board {
    fn default() -> Self {
        Board {
            tap_ps: default_tap(),
            dq_delay_ps: Vec::new(),
            jitter_ps_rms: 0.0,
            dq_jitter_ps_rms: Vec::new(),
            jitter_band_sigmas: default_band(),
            temperature_c: default_temp(),
            temp_coeff_ps_per_c: default_dq_coeff(),
            dq_temp_coeff_ps_per_c: Vec::new(),
            clock_temp_coeff_ps_per_c: default_clock_coeff(),
            refresh_double_above_c: default_hot_refresh(),
        }
    }
}

/// Expected cycles (`[expect.cycles]`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectCycles {
    /// `init_done` cycle.
    pub init_done: Option<u64>,
    /// `tap_sel_done` cycle.
    pub tap_sel_done: Option<u64>,
    /// `comp_done` cycle.
    pub comp_done: Option<u64>,
}

/// `[expect]`: what `regress` checks.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// `pass` or `fail`.
    pub verdict: String,
    /// Stage name of the failure (`clocking`, `memory_setup`, `tap_calibration`,
    /// `read_latency`, `done`).
    #[serde(default)]
    pub stage: Option<String>,
    /// DQ lines the diagnosis should blame.
    #[serde(default)]
    pub faulty_dq: Vec<u8>,
    /// Exact cycles, when known.
    #[serde(default)]
    pub cycles: Option<ExpectCycles>,
}

/// A scenario file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Controller profile.
    #[serde(default = "default_profile")]
    pub profile: Profile,
    /// Jitter seed.
    #[serde(default)]
    pub seed: u64,
    /// Simulated time in µs.
    #[serde(default = "default_stop")]
    pub stop_time_us: f64,
    /// Clock.
    #[serde(default)]
    pub clock: Clock,
    /// Memory.
    #[serde(default)]
    pub memory: Memory,
    /// Board.
    #[serde(default)]
    pub board: Board,
    /// Board faults.
    #[serde(default)]
    pub fault: Vec<Fault>,
    /// The DCM whose LOCKED is the controller's `dcm_lock` (absent: the golden testbench's
    /// `dcm_lock` rising at 100 ns).
    #[serde(default)]
    pub clocking: Option<crate::scenario::clocking::ClockingConfig>,
    /// `dcm_lock` as the DCM model gives it (locked intervals in ps), computed at load.
    #[serde(skip)]
    pub dcm_locked_ps: Option<Vec<(f64, Option<f64>)>>,
    /// Expected outcome.
    #[serde(default)]
    pub expect: Option<Expect>,
}

fn default_profile() -> Profile {
    Profile::Ddr2
}
fn default_stop() -> f64 {
    600.0
}

/// Stage names (contract).
pub const STAGES: &[&str] = &[
    "clocking",
    "memory_setup",
    "tap_calibration",
    "read_latency",
    "done",
];

impl Scenario {
    /// Read and validate a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            path: path.to_owned(),
            source,
        })?;
        Scenario::parse(&text, path)
    }

    /// Parse and validate scenario text (`path` is used in messages only).
    pub fn parse(text: &str, path: &Path) -> Result<Scenario, ScenarioError> {
        let mut s: Scenario = toml::from_str(text).map_err(|e| ScenarioError::Parse {
            path: path.to_owned(),
            message: e.to_string().trim_end().to_string(),
            line: e.span().map(|r| {
                1 + text.as_bytes()[..r.start.min(text.len())]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
            }),
        })?;
        s.validate(path)?;
        if let Some(c) = &s.clocking {
            let bad = |message: String| ScenarioError::Invalid {
                path: path.to_owned(),
                key: "clocking".into(),
                message,
            };
            let setup = c.build().map_err(|e| bad(e.to_string()))?;
            let until = (s.stop_time_us * 1e9) as u64;
            let wave =
                migcal_model::dcm::simulate(&setup.params, &setup.clkin, &setup.inputs, until)
                    .map_err(|e| bad(e.to_string()))?;
            let fs_to_ps = |t: u64| t as f64 / 1000.0;
            s.dcm_locked_ps = Some(
                wave.locked_intervals()
                    .map(|iv| (fs_to_ps(iv.rise), iv.fall.map(fs_to_ps)))
                    .collect(),
            );
        }
        Ok(s)
    }

    /// The model parameters this scenario describes.
    pub fn model_params(&self) -> mig::Params {
        let m = &self.memory;
        let mut p = match self.profile {
            Profile::Minimodule => {
                let mut p = mig::Params::default();
                // Mode register as the controller loads it: BL code in A2:A0, CL in A6:A4.
                p.ctrl.load_mode_register = 0b001 | ((m.cl as u16) << 4);
                p
            }
            Profile::Ddr2 => {
                let mut p = mig::Params::ddr2(
                    m.data_width,
                    m.burst_length(Profile::Ddr2),
                    m.cl,
                    m.al,
                    self.clock.period_ps,
                );
                // EMR {A6, A2}: 01 = 75 Ω, 10 = 150 Ω, 11 = 50 Ω.
                p.ctrl.ext_load_mode_register |= match m.rtt_ohm {
                    75 => 0x0004,
                    150 => 0x0040,
                    50 => 0x0044,
                    _ => 0,
                };
                p
            }
        };
        p.seed = self.seed;
        let b = &self.board;
        p.dcm_locked_ps = self.dcm_locked_ps.clone();
        p.board = board::Params {
            period_ps: self.clock.period_ps,
            tap_ps: b.tap_ps,
            dq_delay_ps: b.dq_delay_ps.clone(),
            jitter_ps_rms: b.jitter_ps_rms,
            dq_jitter_ps_rms: b.dq_jitter_ps_rms.clone(),
            jitter_band_sigmas: b.jitter_band_sigmas,
            temperature_c: b.temperature_c,
            temp_coeff_ps_per_c: b.temp_coeff_ps_per_c,
            dq_temp_coeff_ps_per_c: b.dq_temp_coeff_ps_per_c.clone(),
            clock_temp_coeff_ps_per_c: b.clock_temp_coeff_ps_per_c,
            refresh_double_above_c: b.refresh_double_above_c,
            faults: self.fault.clone(),
        };
        p
    }

    /// Number of clk_0 rising edges up to `stop_time_us`.
    pub fn cycles(&self) -> u64 {
        let t_ps = self.stop_time_us * 1e6;
        // Edges at (n + 0.5) periods, n = 0.., not after the stop time.
        ((t_ps / self.clock.period_ps) - 0.5).floor().max(-1.0) as u64 + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(t: &str) -> Result<Scenario, ScenarioError> {
        Scenario::parse(t, Path::new("t.toml"))
    }

    #[test]
    fn parse_error_line_comes_from_the_parser_span() {
        let e = parse("profile = \"minimodule\"\n\n[clock]\nperiod_ps = \n").unwrap_err();
        assert!(
            matches!(e, ScenarioError::Parse { line: Some(4), .. }),
            "{e:?}"
        );
        // An unknown key is reported where it is written, not where its table starts.
        let e = parse("profile = \"minimodule\"\n[clock]\n\nperiod = 5000.0\n").unwrap_err();
        assert!(
            matches!(e, ScenarioError::Parse { line: Some(4), .. }),
            "{e:?}"
        );
    }

    #[test]
    fn minimal_minimodule() {
        let s = parse("profile = \"minimodule\"\n").unwrap();
        assert_eq!(s.cycles(), 120_000);
        assert_eq!(s.model_params().ctrl.load_mode_register, 0x31);
    }

    #[test]
    fn unknown_key_rejected_with_line() {
        let e = parse("profile = \"minimodule\"\n[board]\ntap = 3\n").unwrap_err();
        let m = e.to_string();
        assert!(m.contains("tap") && m.contains("line 3"), "{m}");
    }

    #[test]
    fn out_of_range_names_key() {
        let e = parse("profile = \"minimodule\"\n[board]\njitter_ps_rms = 5000\n").unwrap_err();
        assert!(e.to_string().contains("board.jitter_ps_rms"), "{e}");
        let e = parse("profile = \"minimodule\"\n[[fault]]\nkind = \"dq_open\"\ndq = 40\n")
            .unwrap_err();
        assert!(e.to_string().contains("fault[0].dq"), "{e}");
    }

    #[test]
    fn ddr2_profile_checks_its_memory() {
        let ok = parse("profile = \"ddr2\"\n[memory]\ncl = 4\nbl = 8\ndata_width = 32\n").unwrap();
        assert_eq!(ok.model_params().groups, 4);
        let e = parse("profile = \"ddr2\"\n[memory]\nbl = 2\n").unwrap_err();
        assert!(e.to_string().contains("memory.bl"), "{e}");
        let e = parse("profile = \"ddr2\"\n[memory]\nbl = 4\ndata_width = 12\n").unwrap_err();
        assert!(e.to_string().contains("memory.data_width"), "{e}");
    }

    /// Regression: a ddr2 scenario without `[memory]` was refused with "memory.bl ... found 2"
    /// because the burst length defaulted to the DDR1 part's whatever the profile.
    #[test]
    fn ddr2_without_memory_table_runs_burst_length_4() {
        let s = parse("profile = \"ddr2\"\n").unwrap();
        assert_eq!(s.memory.burst_length(s.profile), 4);
        let m = parse("profile = \"minimodule\"\n").unwrap();
        assert_eq!(m.memory.burst_length(m.profile), 2);
        let e = parse("profile = \"minimodule\"\n[memory]\nbl = 4\n").unwrap_err();
        assert!(e.to_string().contains("memory.bl"), "{e}");
    }

    #[test]
    fn clocking_section_drives_dcm_lock() {
        let s = parse(
            "profile = \"minimodule\"\nstop_time_us = 2000\n[clocking]\nprimitive = \"DCM_BASE\"\n",
        )
        .unwrap();
        let iv = s.dcm_locked_ps.clone().expect("DCM simulated");
        assert_eq!(iv.len(), 1);
        assert!(iv[0].0 > 0.0 && iv[0].1.is_none());
        let e = parse("profile = \"minimodule\"\n[clocking]\nstepping = \"x\"\n").unwrap_err();
        assert!(e.to_string().contains("stepping"), "{e}");
    }

    #[test]
    fn faults_parse() {
        let s = parse(
            "profile = \"minimodule\"\n[[fault]]\nkind = \"dm_stuck\"\nlane = 0\nhigh = true\n",
        )
        .unwrap();
        assert_eq!(
            s.fault,
            vec![Fault::DmStuck {
                lane: 0,
                high: true
            }]
        );
    }

    #[test]
    fn fault_catalogue_parses_and_contradictions_name_the_key() {
        let s = parse(
            "profile = \"minimodule\"\n\
             [[fault]]\nkind = \"dq_bridge\"\na = 1\nb = 2\nmode = \"or\"\n\
             [[fault]]\nkind = \"dq_open\"\ndq = 3\npull = \"up\"\n\
             [[fault]]\nkind = \"read_delay_shift\"\nlane = 1\nps = -200\n\
             [[fault]]\nkind = \"ck_inverted\"\n",
        )
        .unwrap();
        assert_eq!(s.fault.len(), 4);
        assert_eq!(s.model_params().board.faults, s.fault);
        let e = parse(
            "profile = \"minimodule\"\n[[fault]]\nkind = \"dq_stuck\"\ndq = 3\nhigh = true\n\
             [[fault]]\nkind = \"dq_swap\"\na = 3\nb = 4\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("fault[1].a"), "{e}");
        let s = parse("profile = \"minimodule\"\n[[fault]]\nkind = \"dq_bridge\"\na = 1\nb = 2\n")
            .unwrap();
        assert_eq!(
            s.fault,
            vec![Fault::DqBridge {
                a: 1,
                b: 2,
                mode: board::BridgeMode::And,
                at: board::BridgeAt::Trace,
            }]
        );
        let e = parse(
            "profile = \"minimodule\"\n[[fault]]\nkind = \"dq_bridge\"\na = 1\nb = 2\nmode = \"xor\"\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("xor"), "{e}");
        let e = parse(
            "profile = \"minimodule\"\n[[fault]]\nkind = \"read_delay_shift\"\ndq = 1\nlane = 0\nps = 5\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("fault[0].lane"), "{e}");
        let e = parse("profile = \"minimodule\"\n[[fault]]\nkind = \"dq_melted\"\n").unwrap_err();
        assert!(e.to_string().contains("dq_melted"), "{e}");
    }

    #[test]
    fn per_line_board_vectors_are_checked() {
        let e =
            parse("profile = \"minimodule\"\n[board]\ndq_jitter_ps_rms = [0, -3]\n").unwrap_err();
        assert!(e.to_string().contains("board.dq_jitter_ps_rms[1]"), "{e}");
        let e = parse(&format!(
            "profile = \"minimodule\"\n[board]\ndq_temp_coeff_ps_per_c = [{}]\n",
            vec!["1"; 17].join(", ")
        ))
        .unwrap_err();
        assert!(
            e.to_string().contains("board.dq_temp_coeff_ps_per_c"),
            "{e}"
        );
        let hot = parse("profile = \"minimodule\"\n[board]\ntemperature_c = 95\n").unwrap();
        let p = hot.model_params();
        assert_eq!(p.board.temperature_c, 95.0);
        assert_eq!(p.board.refresh_interval(p.ctrl.max_ref_cnt), 771);
    }
}
