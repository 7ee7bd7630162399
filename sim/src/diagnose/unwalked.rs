//! The line nobody walks (issue 13): in the golden build the first line of each tap_logic group
//! (DQ0, DQ4, ...) is never calibrated individually, but it takes part in the group's
//! bit-boundary alignment, the group-wide increments that run until every line of the group reads
//! the training data alike. A first line whose data arrive late (a longer trace, a swap onto a
//! long trace) keeps that alignment going: its group takes many more group-wide increments than
//! the other groups, while the group's walked lines then find their edges normally. Stage 3
//! then fails because that one line samples another beat than the rest of its byte. The sweep
//! table shows it; this rule says it.

use crate::analysis::Facts;

/// Group-wide increments beyond the least of any group that mark a group's alignment as held up.
pub const EXTRA_GLOBAL_INCS: u32 = 8;

/// The never-walked first line of byte `b`'s one tap_logic group whose bit-boundary alignment
/// took [`EXTRA_GLOBAL_INCS`] or more increments beyond the least of any group, when every
/// walked line of that group found its edge; with the words for the cause.
pub fn late_first_line(f: &Facts, b: u32) -> Option<(u32, String)> {
    let first = f.profile.first_walked_line();
    if first == 0 || f.per_dq.is_empty() {
        return None;
    }
    let lpg = f.profile.lines_per_group();
    let incs_of = |g: u32| {
        f.per_dq
            .iter()
            .find(|s| s.group == g)
            .map(|s| s.global_incs)
    };
    let groups: Vec<u32> = {
        let mut v: Vec<u32> = f.per_dq.iter().map(|s| s.group).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let least = groups.iter().filter_map(|g| incs_of(*g)).min()?;
    let held: Vec<u32> = groups
        .iter()
        .copied()
        .filter(|g| g * lpg / 8 == b)
        .filter(|g| incs_of(*g).is_some_and(|n| n >= least + EXTRA_GLOBAL_INCS))
        .filter(|g| {
            let walked: Vec<_> = f
                .per_dq
                .iter()
                .filter(|s| s.group == *g && s.walked)
                .collect();
            !walked.is_empty() && walked.iter().all(|s| !s.ceiling && s.edge_tap.is_some())
        })
        .collect();
    let [g] = held.as_slice() else {
        return None;
    };
    let dq = g * lpg;
    let n = incs_of(*g)?;
    Some((
        dq,
        format!(
            "DQ{dq} (the first line of tap_logic group {g}, never calibrated individually) holds up its group's bit-boundary alignment: {n} group-wide increments against {least} in the least of the other groups, while the group's walked lines find their edges normally; its data arrive later than the rest of its byte (a longer trace, or a swap onto one), so it samples another beat and pattern group {b} never matches"
        ),
    ))
}
