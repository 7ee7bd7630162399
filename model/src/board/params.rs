//! The board's parameters, and the read-path delays they give each line: trace delay,
//! temperature drift of the data path and of the capture clock, read-delay shifts, jitter.

use super::Fault;

/// Default data-path temperature coefficient in ps/°C: 0, as in the golden stand-ins (ideal
/// delays), so a scenario drifts only with the coefficients it gives. A plausible value for the
/// whole read round trip (CK output path, memory tAC, board, input buffer), used by the bundled
/// `temperature_hot` example, is [`TYPICAL_DQ_TEMP_COEFF_PS_PER_C`].
pub const DEFAULT_DQ_TEMP_COEFF_PS_PER_C: f64 = 0.0;

/// A plausible data-path temperature coefficient in ps/°C. **[U]**: no datasheet gives the
/// sum; 3 ps/°C is the order of a DDR2 part's tAC drift plus the FPGA's I/O paths.
pub const TYPICAL_DQ_TEMP_COEFF_PS_PER_C: f64 = 3.0;

/// Default capture-clock temperature coefficient in ps/°C: 0, as in the goldens.
pub const DEFAULT_CLOCK_TEMP_COEFF_PS_PER_C: f64 = 0.0;

/// A plausible capture-clock (clk_0 at the IDDR) coefficient in ps/°C: what the DCM's deskew
/// leaves of the global clock tree's drift. **[U]**, small because the DCM feedback compensates
/// the tree.
pub const TYPICAL_CLOCK_TEMP_COEFF_PS_PER_C: f64 = 0.5;

/// Above this board temperature DDR2 needs twice the refresh rate (JEDEC: tREFI 3.9 µs above
/// 85 °C).
pub const DEFAULT_REFRESH_DOUBLE_ABOVE_C: f64 = 85.0;

/// Default half-width of the jitter band in standard deviations: outside it the sample is the
/// jitter-free one, inside it the sampling offset is drawn from the seed.
pub const DEFAULT_JITTER_BAND_SIGMAS: f64 = 4.0;

/// The reference temperature of every delay (the delays given are those at 25 °C).
pub const REFERENCE_TEMPERATURE_C: f64 = 25.0;

/// Board parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// clk_0 period in ps.
    pub period_ps: f64,
    /// IDELAY tap size in ps.
    pub tap_ps: f64,
    /// Read-path delay in ps of the trace at memory DQ k (missing lines = 0). Without a swap
    /// that trace reaches controller pin k.
    pub dq_delay_ps: Vec<f64>,
    /// RMS of the Gaussian sampling jitter common to every line, in ps (0 = none).
    pub jitter_ps_rms: f64,
    /// Per controller line extra RMS jitter in ps (missing = 0); adds to the global one in
    /// quadrature.
    pub dq_jitter_ps_rms: Vec<f64>,
    /// Half-width of the jitter band in standard deviations (the draw is also clipped there).
    pub jitter_band_sigmas: f64,
    /// Board temperature in °C.
    pub temperature_c: f64,
    /// Data-path drift per °C away from 25 °C, in ps, for every line without its own value.
    pub temp_coeff_ps_per_c: f64,
    /// Per controller line data-path drift in ps/°C (missing = `temp_coeff_ps_per_c`).
    pub dq_temp_coeff_ps_per_c: Vec<f64>,
    /// Capture-clock (clk_0 at the IDDR) drift per °C away from 25 °C, in ps: a later capture
    /// clock samples the data earlier in its eye.
    pub clock_temp_coeff_ps_per_c: f64,
    /// Temperature above which the refresh interval halves (DDR2 2x refresh).
    pub refresh_double_above_c: f64,
    /// Faults.
    pub faults: Vec<Fault>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            period_ps: 5000.0,
            tap_ps: 78.0,
            dq_delay_ps: Vec::new(),
            jitter_ps_rms: 0.0,
            dq_jitter_ps_rms: Vec::new(),
            jitter_band_sigmas: DEFAULT_JITTER_BAND_SIGMAS,
            temperature_c: REFERENCE_TEMPERATURE_C,
            temp_coeff_ps_per_c: DEFAULT_DQ_TEMP_COEFF_PS_PER_C,
            dq_temp_coeff_ps_per_c: Vec::new(),
            clock_temp_coeff_ps_per_c: DEFAULT_CLOCK_TEMP_COEFF_PS_PER_C,
            refresh_double_above_c: DEFAULT_REFRESH_DOUBLE_ABOVE_C,
            faults: Vec::new(),
        }
    }
}
impl Params {
    fn delta_t(&self) -> f64 {
        self.temperature_c - REFERENCE_TEMPERATURE_C
    }

    fn dq_temp_coeff(&self, line: usize) -> f64 {
        self.dq_temp_coeff_ps_per_c
            .get(line)
            .copied()
            .unwrap_or(self.temp_coeff_ps_per_c)
    }

    /// Read-path delay of a controller line up to its pin, in ps: the trace of the memory pin
    /// it is wired to plus the data path's temperature drift.
    pub fn line_delay_ps(&self, line: usize) -> f64 {
        self.dq_delay_ps
            .get(self.mem_pin(line))
            .copied()
            .unwrap_or(0.0)
            + self.dq_fault_delay_ps(line, true)
            + self.dq_temp_coeff(line) * self.delta_t()
    }

    /// Delay between the controller pin and the IDDR beyond IDELAY, relative to the capture
    /// clock, in ps: the read-delay-shift faults minus the capture clock's temperature drift.
    pub fn capture_shift_ps(&self, line: usize) -> f64 {
        let mut s = 0.0;
        for f in &self.faults {
            if let Fault::ReadDelayShift { dq, lane, ps } = *f {
                let hit = match (dq, lane) {
                    (Some(d), _) => d as usize == line,
                    (None, Some(l)) => l as usize == line / 8,
                    (None, None) => true,
                };
                if hit {
                    s += ps as f64;
                }
            }
        }
        s - self.clock_temp_coeff_ps_per_c * self.delta_t()
    }

    /// RMS jitter of a line in ps.
    pub fn jitter_sigma_ps(&self, line: usize) -> f64 {
        let l = self.dq_jitter_ps_rms.get(line).copied().unwrap_or(0.0);
        (self.jitter_ps_rms * self.jitter_ps_rms + l * l).sqrt()
    }

    /// The refresh-interval counter terminal the controller should use at this temperature:
    /// above `refresh_double_above_c` the interval halves (DDR2 2x refresh). In the MIG RTL
    /// the same counter times the 200 µs power-up wait (`cke_200us_cnt` counts its terminals),
    /// so a build for hot operation also halves that wait.
    pub fn refresh_interval(&self, max_ref_cnt: u16) -> u16 {
        if self.temperature_c > self.refresh_double_above_c {
            // The interval is terminal + 1 cycles.
            max_ref_cnt.div_ceil(2).saturating_sub(1)
        } else {
            max_ref_cnt
        }
    }

    /// Upper bound of how far back (ps) a sample on any line can look past its tap: the
    /// largest trace delay, drifts, shifts and jitter band.
    pub(super) fn max_lookback_ps(&self) -> f64 {
        let dt = self.delta_t().abs();
        let coeff = self
            .dq_temp_coeff_ps_per_c
            .iter()
            .fold(self.temp_coeff_ps_per_c.abs(), |m, &c| m.max(c.abs()));
        let shifts: f64 = self
            .faults
            .iter()
            .map(|f| match *f {
                Fault::ReadDelayShift { ps, .. } | Fault::DqDelay { ps, .. } => (ps as f64).abs(),
                _ => 0.0,
            })
            .sum();
        let jl = self.dq_jitter_ps_rms.iter().fold(0.0f64, |m, &j| m.max(j));
        let sigma = (self.jitter_ps_rms * self.jitter_ps_rms + jl * jl).sqrt();
        self.dq_delay_ps.iter().fold(0.0f64, |m, &d| m.max(d))
            + (coeff + self.clock_temp_coeff_ps_per_c.abs()) * dt
            + shifts
            + self.jitter_band_sigmas.max(0.0) * sigma
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::Pull;

    #[test]
    fn open_pull_and_shifts() {
        let p = Params {
            faults: vec![
                Fault::DqOpen {
                    dq: 2,
                    pull: Pull::Up,
                },
                Fault::ReadDelayShift {
                    dq: None,
                    lane: Some(1),
                    ps: 200,
                },
                Fault::ReadDelayShift {
                    dq: Some(9),
                    lane: None,
                    ps: -50,
                },
                Fault::ReadDelayShift {
                    dq: None,
                    lane: None,
                    ps: 10,
                },
            ],
            ..Params::default()
        };
        assert_eq!(p.forced_level(2), Some(true));
        assert_eq!(p.capture_shift_ps(0), 10.0);
        assert_eq!(p.capture_shift_ps(8), 210.0);
        assert_eq!(p.capture_shift_ps(9), 160.0);
    }

    #[test]
    fn temperature_drifts_and_doubles_refresh() {
        let cold = Params::default();
        assert_eq!(cold.line_delay_ps(0), 0.0);
        assert_eq!(cold.capture_shift_ps(0), 0.0);
        assert_eq!(cold.refresh_interval(1543), 1543);
        let hot = Params {
            temperature_c: 90.0,
            temp_coeff_ps_per_c: TYPICAL_DQ_TEMP_COEFF_PS_PER_C,
            dq_temp_coeff_ps_per_c: vec![1.0],
            clock_temp_coeff_ps_per_c: TYPICAL_CLOCK_TEMP_COEFF_PS_PER_C,
            ..Params::default()
        };
        assert_eq!(hot.line_delay_ps(0), 65.0);
        assert_eq!(hot.line_delay_ps(1), 65.0 * TYPICAL_DQ_TEMP_COEFF_PS_PER_C);
        assert_eq!(
            hot.capture_shift_ps(3),
            -65.0 * TYPICAL_CLOCK_TEMP_COEFF_PS_PER_C
        );
        // The defaults drift nothing (the goldens have no temperature model).
        let default_hot = Params {
            temperature_c: 90.0,
            ..Params::default()
        };
        assert_eq!(default_hot.line_delay_ps(0), 0.0);
        assert_eq!(default_hot.capture_shift_ps(0), 0.0);
        assert_eq!(hot.refresh_interval(1543), 771);
    }
}
