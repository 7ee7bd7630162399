//! The pads' side of a run's trace (`tb/ck`, `tb/dq`, `tb/dqs`, ...): their waveforms at
//! quarter-clock resolution, walked only when a sink wants them.

use super::dcm::DcmTrace;
use super::sinks::ChangeSink;
use super::RunError;
use migcal_model::mig::Mig;

/// The pads' side of the trace: the tracker, which pads are written under which id (`None`: not
/// traced, or not wanted by the sink), and the DCM changes to interleave with them.
pub(super) struct Pads {
    pub(super) tracker: migcal_model::mig::PadTracker,
    pub(super) upto_ps: f64,
    /// The longest stretch handed to the tracker at once (`None`: any).
    pub(super) step_ps: Option<f64>,
    pub(super) events: Vec<migcal_model::probe::PadEvent>,
    pub(super) chars: Vec<u8>,
    pub(super) ids: Vec<Option<u32>>,
    pub(super) widths: Vec<u32>,
}

impl Pads {
    /// Writes the pad changes up to `to_ps`, with any DCM change that falls before each.
    pub(super) fn advance(
        &mut self,
        mig: &Mig,
        to_ps: f64,
        w: &mut dyn ChangeSink,
        mut dcm: Option<&mut DcmTrace>,
    ) -> Result<(), RunError> {
        loop {
            let to = match self.step_ps {
                Some(step) if to_ps - self.upto_ps > step => self.upto_ps + step,
                _ => to_ps,
            };
            self.events.clear();
            self.tracker.advance(mig, to, &mut self.events);
            for e in &self.events {
                let Some(id) = self.ids[e.pad] else { continue };
                if let Some(d) = dcm.as_deref_mut() {
                    d.flush(w, e.time_fs)?;
                }
                e.value.write_chars(self.widths[e.pad], &mut self.chars);
                w.change(e.time_fs, id, &self.chars)?;
            }
            self.upto_ps = self.upto_ps.max(to);
            if to >= to_ps {
                return Ok(());
            }
        }
    }
}
