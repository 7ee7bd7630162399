//! The controller's own DQ and DQS output drivers during writes.

/// Slots of controller write data kept: a burst's data is latched two clocks after it ends
/// (the memory's write FIFO), by when a BL8 burst more may have been scheduled.
const DRIVE_SLOTS: usize = 32;

/// The controller's DQ output drivers: the ODDR on clk_90 puts the rise half of a write word on
/// the pins from a quarter period after the CK edge that takes the WRITE plus half a period,
/// then the fall half, then releases the bus (the tri-state flip-flop, also on clk_90). Slot k
/// covers [k·T/2 + T/4, (k+1)·T/2 + T/4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct CtrlDrive {
    /// (slot, value) ring.
    pub slots: [(u64, u128); DRIVE_SLOTS],
    /// Valid flags.
    pub valid: [bool; DRIVE_SLOTS],
    /// The latest slot driven (None before the first write).
    pub last_slot: Option<u64>,
    /// The controller's DQS write bursts: (half-clock of the first beat, beats), a ring.
    pub dqs_bursts: [(u64, u64); 4],
    /// Next slot of `dqs_bursts`.
    pub dqs_next: u8,
}

impl CtrlDrive {
    /// Schedule the `bl` beats of a WRITE taken at CK half-clock `h`, write latency `wl`
    /// clocks (DDR1: 1).
    pub fn schedule(
        &self,
        h: u64,
        words: &[(u128, u128); 4],
        bl: u64,
        wl: u64,
        width: u32,
    ) -> CtrlDrive {
        let mut n = *self;
        let m = crate::logic::mask(width);
        let i = n.dqs_next as usize % 4;
        n.dqs_bursts[i] = (h + 2 * wl, bl.max(2));
        n.dqs_next = n.dqs_next.wrapping_add(1);
        for beat in 0..bl.max(2) {
            let k = h + 2 * wl - 1 + beat;
            let w = words[(beat / 2) as usize % 4];
            let data = if beat % 2 == 0 { w.0 & m } else { w.1 & m };
            let i = (k % DRIVE_SLOTS as u64) as usize;
            n.slots[i] = (k, data);
            n.valid[i] = true;
            n.last_slot = Some(k);
        }
        n
    }

    /// The word of DQ slot `k`, if the controller drives it.
    pub fn slot(&self, k: u64) -> Option<u128> {
        let i = (k % DRIVE_SLOTS as u64) as usize;
        (self.valid[i] && self.slots[i].0 == k).then_some(self.slots[i].1)
    }

    /// The word driven at `t_ps`, if any.
    pub fn at(&self, t_ps: f64, period_ps: f64) -> Option<u128> {
        let half = period_ps / 2.0;
        let k = ((t_ps - half / 2.0) / half).floor();
        if k < 0.0 {
            return None;
        }
        let k = k as u64;
        let i = (k % DRIVE_SLOTS as u64) as usize;
        (self.valid[i] && self.slots[i].0 == k).then_some(self.slots[i].1)
    }
}

impl CtrlDrive {
    /// The controller's DQS level at `t_ps`: `Some(level)` while it drives (preamble 0 for one
    /// clock, then 1/0 with the beats), `None` when released. Beats win over a later burst's
    /// preamble (back-to-back writes keep toggling).
    pub fn dqs_at(&self, t_ps: f64, period_ps: f64) -> Option<bool> {
        let half = period_ps / 2.0;
        let hh = (t_ps / half).floor();
        if hh < 0.0 {
            return None;
        }
        let hh = hh as u64;
        let mut pre = false;
        for k in 0..self.dqs_next.min(4) as usize {
            let (first, beats) = self.dqs_bursts[k];
            if hh >= first && hh < first + beats {
                return Some((hh - first).is_multiple_of(2));
            }
            if hh + 2 >= first && hh < first {
                pre = true;
            }
        }
        pre.then_some(false)
    }
}
