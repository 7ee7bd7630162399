//! The sampling physics: what the IDDR captures on each line for a given IDELAY tap, with
//! the seeded jitter band around transitions.

use super::{BridgeAt, CtrlDrive, Params};
use crate::ddr2_device::Regs as Memory;
use crate::logic::Lv;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// True when neither the memory nor the controller can have driven any DQ line in the window
/// that a sample at `t_ps` looks back into (every tap, every board delay, drift, shift and the
/// jitter band): the whole bus then reads unknown without per-line work or jitter draws.
pub fn bus_idle(p: &Params, mem: &Memory, drive: &CtrlDrive, t_ps: f64) -> bool {
    let half = p.period_ps / 2.0;
    let max_delay = p.max_lookback_ps() + 64.0 * p.tap_ps + p.period_ps;
    let horizon = t_ps - max_delay;
    let mem_idle = mem
        .last_beat
        .is_none_or(|h| ((h + 1) as f64) * half < horizon);
    let drive_idle = drive
        .last_slot
        .is_none_or(|k| ((k + 1) as f64) * half + half / 2.0 < horizon);
    mem_idle && drive_idle
}

/// The level a DQ line shows at the IDDR input at `t_ps`, for IDELAY tap `tap` and an extra
/// timing offset `jitter_ps`: known 0/1, or unknown when nothing drives it.
pub fn sample_line(
    p: &Params,
    mem: &Memory,
    drive: &CtrlDrive,
    line: usize,
    t_ps: f64,
    tap: u8,
    jitter_ps: f64,
) -> Lv {
    let shift = p.capture_shift_ps(line);
    // The controller pin as seen through IDELAY; a change exactly at the instant is not taken.
    let at_pin = t_ps - tap as f64 * p.tap_ps - jitter_ps - shift - 1e-3;
    let own = drive.at(at_pin, p.period_ps).map(|w| p.own_bit(w, line));
    match (p.forced_level(line), own) {
        (Some(level), Some(d)) if p.is_short(line) => {
            // A rail short fights the controller's driver: the winner is unknown unless they agree.
            return if level == d {
                Lv::known(level as u128)
            } else {
                Lv::unknown(1)
            };
        }
        (_, Some(d)) => return Lv::known(d as u128),
        (Some(level), None) => return Lv::known(level as u128),
        (None, None) => {}
    }
    match arrival_level(
        p,
        mem,
        line,
        t_ps - tap as f64 * p.tap_ps - jitter_ps - shift,
    ) {
        Some(b) => Lv::known(b as u128),
        None => Lv::unknown(1),
    }
}

/// The level the memory's read data gives controller pin `line` at `t_pin` (None: nothing
/// drives it). Beat h occupies [h·half, (h+1)·half) at the memory; an arrival exactly at the
/// instant belongs to the next beat, which is not yet taken. A bridge at the controller end
/// combines the two lines' levels as each arrives through its own trace; elsewhere the
/// levels meet as they leave the memory.
pub(super) fn arrival_level(p: &Params, mem: &Memory, line: usize, t_pin: f64) -> Option<bool> {
    let half = p.period_ps / 2.0;
    let beat = |l: usize| {
        let h = ((t_pin - p.line_delay_ps(l)) / half).ceil() - 1.0;
        (h >= 0.0).then_some(h as u64)
    };
    if let Some((other, mode, BridgeAt::Controller)) = p.bridge_at(line) {
        let own = |l: usize| {
            let h = beat(l)?;
            let z = mem.beat_undriven_at(h) >> p.mem_pin(l) & 1 == 1;
            let w = mem.beat_at(h)?;
            (!z).then_some(w >> p.mem_pin(l) & 1 == 1)
        };
        return match (own(line), own(other)) {
            (Some(a), Some(b)) => Some(mode.resolve(a, b)),
            (Some(a), None) | (None, Some(a)) => Some(a),
            (None, None) => None,
        };
    }
    let h = beat(line)?;
    mem.beat_at(h)
        .and_then(|word| p.read_level(word, mem.beat_undriven_at(h), line))
}

/// Distance (ps) from `x` to the nearest point of the grid `offset + k·step`.
fn grid_distance(x: f64, step: f64, offset: f64) -> f64 {
    let r = (x - offset).rem_euclid(step);
    r.min(step - r)
}

/// The whole data bus at the IDDR inputs at `t_ps` (`taps[k]` = IDELAY tap of line k).
///
/// Jitter: a line whose jitter-free sampling instant lies within `jitter_band_sigmas`
/// standard deviations of a transition of the memory's beats or the controller's own write
/// slots draws a Gaussian timing offset (clipped to the band) from `rng`, so inside the band the
/// sampled bit is drawn from the seed and outside it the sample is exact. Lines are drawn in
/// index order: the same seed gives the same bits, whatever runs around the model.
pub fn sample_bus(
    p: &Params,
    mem: &Memory,
    drive: &CtrlDrive,
    t_ps: f64,
    taps: &[u8],
    rng: &mut ChaCha8Rng,
) -> Lv {
    let half = p.period_ps / 2.0;
    let mut v = Lv::default();
    for (line, &tap) in taps.iter().enumerate() {
        let sigma = p.jitter_sigma_ps(line);
        let mut j = 0.0;
        if sigma > 0.0 {
            let band = p.jitter_band_sigmas.max(0.0) * sigma;
            let at_pin = t_ps - tap as f64 * p.tap_ps - p.capture_shift_ps(line);
            let launch = at_pin - p.line_delay_ps(line);
            let near = grid_distance(launch, half, 0.0) < band
                || grid_distance(at_pin, half, half / 2.0) < band;
            if near {
                j = draw_jitter(rng, sigma, band);
            }
        }
        let b = sample_line(p, mem, drive, line, t_ps, tap, j);
        v.v |= b.v << line;
        v.x |= b.x << line;
    }
    v
}

/// A Gaussian offset of RMS `sigma`, clipped to ±`band`.
fn draw_jitter(rng: &mut ChaCha8Rng, sigma: f64, band: f64) -> f64 {
    match Normal::new(0.0, sigma) {
        Ok(n) => n.sample(rng).clamp(-band, band),
        // Only a non-finite sigma gets here, and scenario validation rejects those: no jitter.
        Err(_) => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::{Fault, Pull};

    fn mem_with_alternating() -> Memory {
        let mut m = Memory::default();
        for h in 0..40u64 {
            let k = (h % crate::ddr2_device::RING as u64) as usize;
            m.beats[k] = (h, if h % 2 == 0 { 0xFFFF } else { 0 });
            m.beat_valid[k] = true;
        }
        m
    }

    #[test]
    fn edge_found_where_delay_passes_half_a_period() {
        // Sampling at a clk_0 rising edge (an odd half-clock boundary): beat 2k (ones) launched
        // half a period earlier is seen until delay + tap·78 > 2500 ps.
        let p = Params::default();
        let m = mem_with_alternating();
        let t = 10.0 * 2500.0 + 2500.0; // boundary between beat 10 (ones) and 11 (zeros)
        assert_eq!(
            sample_line(&p, &m, &CtrlDrive::default(), 1, t, 32, 0.0),
            Lv::known(1)
        );
        assert_eq!(
            sample_line(&p, &m, &CtrlDrive::default(), 1, t, 33, 0.0),
            Lv::known(0)
        );
        let skew = Params {
            dq_delay_ps: vec![0.0, 300.0],
            ..Params::default()
        };
        assert_eq!(
            sample_line(&skew, &m, &CtrlDrive::default(), 1, t, 28, 0.0),
            Lv::known(1)
        );
        assert_eq!(
            sample_line(&skew, &m, &CtrlDrive::default(), 1, t, 29, 0.0),
            Lv::known(0)
        );
    }

    #[test]
    fn faults_force_levels_and_mask_lanes() {
        let p = Params {
            faults: vec![
                Fault::DqOpen {
                    dq: 3,
                    pull: Pull::Down,
                },
                Fault::DqStuck { dq: 5, high: true },
                Fault::DmStuck {
                    lane: 0,
                    high: true,
                },
            ],
            ..Params::default()
        };
        let m = Memory::default();
        assert_eq!(
            sample_line(&p, &m, &CtrlDrive::default(), 3, 1e5, 0, 0.0),
            Lv::known(0)
        );
        assert_eq!(
            sample_line(&p, &m, &CtrlDrive::default(), 5, 1e5, 0, 0.0),
            Lv::known(1)
        );
        assert_eq!(
            sample_line(&p, &m, &CtrlDrive::default(), 6, 1e5, 0, 0.0),
            Lv::unknown(1)
        );
        assert_eq!(p.write_lanes(2), 0b10);
    }

    #[test]
    fn a_bridge_at_the_controller_combines_each_line_at_its_own_arrival() {
        use crate::board::BridgeMode;
        let m = mem_with_alternating();
        // DQ1's trace is half a period longer: at the controller end it arrives with the other
        // beat, so the wired-AND of alternating all-ones/all-zeros beats reads 0 throughout;
        // where the levels meet at the memory (or anywhere on the trace) both lines carry the
        // same beat.
        let at = |at| Params {
            dq_delay_ps: vec![0.0, 2500.0],
            faults: vec![Fault::DqBridge {
                a: 0,
                b: 1,
                mode: BridgeMode::And,
                at,
            }],
            ..Params::default()
        };
        let t = 10.0 * 2500.0 + 1000.0; // inside beat 10 (ones) at DQ0
        let d = CtrlDrive::default();
        for line in [0, 1] {
            assert_eq!(
                sample_line(&at(BridgeAt::Controller), &m, &d, line, t, 0, 0.0),
                Lv::known(0)
            );
        }
        assert_eq!(
            sample_line(&at(BridgeAt::Memory), &m, &d, 0, t, 0, 0.0),
            Lv::known(1)
        );
    }

    #[test]
    fn jitter_band_draws_only_near_transitions() {
        use rand::SeedableRng;
        let m = mem_with_alternating();
        let p = Params {
            jitter_ps_rms: 30.0,
            ..Params::default()
        };
        let taps = vec![10u8; 16];
        // Far from any transition (tap 10 = 780 ps into a 2500 ps beat): exact, no draw.
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let before = rng.clone();
        let t = 10.0 * 2500.0 + 2500.0;
        let v = sample_bus(&p, &m, &CtrlDrive::default(), t, &taps, &mut rng);
        assert_eq!(v, Lv::known(0xFFFF));
        assert_eq!(rng, before);
        // At the edge (tap 32/33 straddle it): the bits come from the seed, reproducibly.
        let taps = vec![32u8; 16];
        let draw = |seed| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let t = 10.0 * 2500.0 + 2500.0 + 40.0;
            sample_bus(&p, &m, &CtrlDrive::default(), t, &taps, &mut rng)
        };
        assert_eq!(draw(3), draw(3));
        let mixed = (0..20).map(draw).any(|v| v.v != 0 && v.v != 0xFFFF);
        assert!(mixed, "no line ever drew the other beat");
    }
}
