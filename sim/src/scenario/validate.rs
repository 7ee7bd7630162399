//! What [`Scenario::validate`] checks: every value against what the model supports, each
//! violation an error that names its dotted key.

use super::{faults, Board, Expect, Memory, Profile, Scenario, ScenarioError, STAGES};
use std::path::Path;

/// Builds the errors of one file.
struct Check<'a> {
    path: &'a Path,
}

impl Check<'_> {
    fn bad(&self, key: &str, message: String) -> ScenarioError {
        ScenarioError::Invalid {
            path: self.path.to_owned(),
            key: key.to_string(),
            message,
        }
    }

    fn range(&self, key: &str, v: f64, lo: f64, hi: f64, unit: &str) -> Result<(), ScenarioError> {
        if v.is_finite() && (lo..=hi).contains(&v) {
            Ok(())
        } else {
            Err(self.bad(key, format!("expected {lo}..={hi} {unit}, found {v}")))
        }
    }

    /// A per-DQ vector: at most one entry per line, each in range.
    fn per_line(
        &self,
        width: usize,
        key: &str,
        v: &[f64],
        (lo, hi): (f64, f64),
        unit: &str,
    ) -> Result<(), ScenarioError> {
        if v.len() > width {
            return Err(self.bad(
                key,
                format!("at most {width} entries (one per DQ), found {}", v.len()),
            ));
        }
        for (k, &d) in v.iter().enumerate() {
            self.range(&format!("{key}[{k}]"), d, lo, hi, unit)?;
        }
        Ok(())
    }

    /// `true` or the error for `key`.
    fn require(&self, ok: bool, key: &str, message: String) -> Result<(), ScenarioError> {
        if ok {
            Ok(())
        } else {
            Err(self.bad(key, message))
        }
    }
}

impl Scenario {
    /// Checks every value against what the model supports (what [`Scenario::parse`] does after
    /// reading); `path` is used in messages only. For scenarios edited in memory (`sweep`).
    pub fn validate(&self, path: &Path) -> Result<(), ScenarioError> {
        let c = Check { path };
        // A DCM story (the 200 ms autocalibration reset, the 100 ms clock-stop rule) needs
        // hundreds of milliseconds; the model skips idle stretches, so that is affordable.
        let max_stop_us = if self.clocking.is_some() {
            1_000_000.0
        } else {
            100_000.0
        };
        c.range("stop_time_us", self.stop_time_us, 0.01, max_stop_us, "us")?;
        c.range(
            "clock.period_ps",
            self.clock.period_ps,
            2500.0,
            10_000.0,
            "ps",
        )?;
        match self.profile {
            Profile::Minimodule => minimodule_memory(&c, &self.memory)?,
            Profile::Ddr2 => ddr2_memory(&c, &self.memory)?,
        }
        let width = self.memory.data_width as usize;
        board(&c, &self.board, width)?;
        faults::validate_faults(&self.fault, self.memory.data_width)
            .map_err(|e| c.bad(&e.key, e.message))?;
        if self.profile == Profile::Minimodule {
            if let Some(key) = faults::odt_fault_key(&self.fault) {
                return Err(c.bad(
                    &key,
                    "the minimodule build's DDR1 part has no ODT pin (profile \"ddr2\" has one)"
                        .to_string(),
                ));
            }
        }
        match &self.expect {
            Some(e) => expect(&c, e, width),
            None => Ok(()),
        }
    }
}

fn minimodule_memory(c: &Check, m: &Memory) -> Result<(), ScenarioError> {
    let bl = m.burst_length(Profile::Minimodule);
    c.require(
        bl == 2,
        "memory.bl",
        format!("the minimodule build runs its DDR1 part at burst length 2, found {bl}"),
    )?;
    c.require(
        (2..=3).contains(&m.cl),
        "memory.cl",
        format!("expected 2 or 3 (DDR1), found {}", m.cl),
    )?;
    c.require(
        m.al == 0,
        "memory.al",
        format!("DDR1 has no additive latency, found {}", m.al),
    )?;
    c.require(
        m.rtt_ohm == 0,
        "memory.rtt_ohm",
        format!("DDR1 has no on-die termination, found {}", m.rtt_ohm),
    )?;
    c.require(
        m.data_width == 16,
        "memory.data_width",
        format!(
            "the minimodule build is 16 bits wide, found {}",
            m.data_width
        ),
    )
}

fn ddr2_memory(c: &Check, m: &Memory) -> Result<(), ScenarioError> {
    let bl = m.burst_length(Profile::Ddr2);
    c.require(
        bl == 4 || bl == 8,
        "memory.bl",
        format!("expected 4 or 8 (DDR2), found {bl}"),
    )?;
    c.require(
        (3..=5).contains(&m.cl),
        "memory.cl",
        format!("expected 3..=5, found {}", m.cl),
    )?;
    c.require(
        m.al <= 4,
        "memory.al",
        format!("expected 0..=4, found {}", m.al),
    )?;
    c.require(
        [0, 50, 75, 150].contains(&m.rtt_ohm),
        "memory.rtt_ohm",
        format!("expected 0, 50, 75 or 150, found {}", m.rtt_ohm),
    )?;
    c.require(
        (8..=72).contains(&m.data_width) && m.data_width.is_multiple_of(8),
        "memory.data_width",
        format!("expected 8..=72 in steps of 8, found {}", m.data_width),
    )
}

fn board(c: &Check, b: &Board, width: usize) -> Result<(), ScenarioError> {
    c.range("board.tap_ps", b.tap_ps, 10.0, 200.0, "ps")?;
    c.per_line(
        width,
        "board.dq_delay_ps",
        &b.dq_delay_ps,
        (-2500.0, 10_000.0),
        "ps",
    )?;
    c.range("board.jitter_ps_rms", b.jitter_ps_rms, 0.0, 1000.0, "ps")?;
    c.per_line(
        width,
        "board.dq_jitter_ps_rms",
        &b.dq_jitter_ps_rms,
        (0.0, 1000.0),
        "ps",
    )?;
    c.range(
        "board.jitter_band_sigmas",
        b.jitter_band_sigmas,
        0.5,
        8.0,
        "standard deviations",
    )?;
    c.range("board.temperature_c", b.temperature_c, -55.0, 150.0, "°C")?;
    c.range(
        "board.temp_coeff_ps_per_c",
        b.temp_coeff_ps_per_c,
        -100.0,
        100.0,
        "ps/°C",
    )?;
    c.per_line(
        width,
        "board.dq_temp_coeff_ps_per_c",
        &b.dq_temp_coeff_ps_per_c,
        (-100.0, 100.0),
        "ps/°C",
    )?;
    c.range(
        "board.clock_temp_coeff_ps_per_c",
        b.clock_temp_coeff_ps_per_c,
        -100.0,
        100.0,
        "ps/°C",
    )?;
    c.range(
        "board.refresh_double_above_c",
        b.refresh_double_above_c,
        -55.0,
        150.0,
        "°C",
    )
}

fn expect(c: &Check, e: &Expect, width: usize) -> Result<(), ScenarioError> {
    c.require(
        e.verdict == "pass" || e.verdict == "fail",
        "expect.verdict",
        format!("expected \"pass\" or \"fail\", found {:?}", e.verdict),
    )?;
    if let Some(st) = &e.stage {
        c.require(
            STAGES.contains(&st.as_str()),
            "expect.stage",
            format!("expected one of {STAGES:?}, found {st:?}"),
        )?;
    }
    match e.faulty_dq.iter().find(|&&d| d as usize >= width) {
        Some(&d) => Err(c.bad(
            "expect.faulty_dq",
            format!("expected DQ indices 0..={}, found {d}", width - 1),
        )),
        None => Ok(()),
    }
}
