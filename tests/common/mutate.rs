//! Damaged copies of a fixture for reader fuzz tests: a few bytes overwritten, then the file
//! cut short (never below `min_len`, so the format's magic mostly survives and the damage
//! reaches the parser behind it).

use proptest::prelude::*;

/// `base` with 1 to 7 bytes overwritten and cut at a random length of at least `min_len`.
pub fn mutated(base: Vec<u8>, min_len: usize) -> impl Strategy<Value = Vec<u8>> {
    let n = base.len();
    (proptest::collection::vec((0..n, any::<u8>()), 1..8), 0..=n).prop_map(move |(edits, cut)| {
        let mut b = base.clone();
        for (i, v) in edits {
            b[i] = v;
        }
        b.truncate(cut.max(min_len));
        b
    })
}
