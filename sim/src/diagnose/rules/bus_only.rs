//! The bus-only rule: a capture of the command bus alone, when the bus decides (refresh resumes
//! after the pattern reads, or the bus goes silent in the pattern-read wait).

use super::Outcome;
use crate::diagnose::{bus_only, Ctx, Verdict};

/// The bus-only verdict, when the capture is the command bus alone and it decides.
pub(super) fn decided(cx: &mut Ctx) -> Option<Outcome> {
    let f = cx.f;
    if !bus_only::applies(f) {
        return None;
    }
    let bus_only::Outcome::Decided(b) = bus_only::outcome(f) else {
        return None;
    };
    for (t, text) in b.evidence {
        cx.add("pins/cs_n", Some(t), text);
    }
    if b.verdict == Verdict::Fail {
        cx.cannot.push("which byte lane or line: the command bus does not show pattern_compare8's state; capture clk_cnt_rise[0] of each pattern_compare group, or rd_data_rise/rd_data_fall".to_string());
    }
    Some(Outcome {
        verdict: b.verdict,
        stage: b.stage,
        cause: b.cause,
        faulty_dq: Vec::new(),
        faulty_lane: None,
    })
}
