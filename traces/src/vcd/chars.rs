//! Byte classes of the VCD body: whitespace, value characters folded onto the 4 states.

const fn ws_table() -> [bool; 256] {
    let mut t = [false; 256];
    t[b' ' as usize] = true;
    t[b'\t' as usize] = true;
    t[b'\r' as usize] = true;
    t[b'\n' as usize] = true;
    t[0x0b] = true;
    t[0x0c] = true;
    t
}
pub(super) static WS: [bool; 256] = ws_table();

/// Value characters mapped onto the 4 states; 0 = not a value character. VHDL's 9 states fold
/// as IEEE 1076.3's `To_X01Z` does: `u w -` unknown, `h l` the driven level.
const fn fold_table() -> [u8; 256] {
    let mut t = [0u8; 256];
    t[b'0' as usize] = b'0';
    t[b'1' as usize] = b'1';
    t[b'x' as usize] = b'x';
    t[b'X' as usize] = b'x';
    t[b'z' as usize] = b'z';
    t[b'Z' as usize] = b'z';
    t[b'u' as usize] = b'x';
    t[b'U' as usize] = b'x';
    t[b'w' as usize] = b'x';
    t[b'W' as usize] = b'x';
    t[b'-' as usize] = b'x';
    t[b'h' as usize] = b'1';
    t[b'H' as usize] = b'1';
    t[b'l' as usize] = b'0';
    t[b'L' as usize] = b'0';
    t
}
pub(super) static FOLD: [u8; 256] = fold_table();

const fn is4_table() -> [bool; 256] {
    let mut t = [false; 256];
    t[b'0' as usize] = true;
    t[b'1' as usize] = true;
    t[b'x' as usize] = true;
    t[b'z' as usize] = true;
    t
}
/// The characters of a value that needs no folding.
static IS4: [bool; 256] = is4_table();

/// True when every byte is `0 1 x z`; checks 8 bytes at a time for the common all-binary run.
#[inline]
pub(super) fn all_four_state(digits: &[u8]) -> bool {
    let mut chunks = digits.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
        // `0` and `1` differ only in bit 0.
        if w & 0xfefe_fefe_fefe_fefe != 0x3030_3030_3030_3030 && !c.iter().all(|&b| IS4[b as usize])
        {
            return false;
        }
    }
    chunks.remainder().iter().all(|&b| IS4[b as usize])
}

pub(super) fn is_nine_state(c: u8) -> bool {
    matches!(
        c,
        b'u' | b'U' | b'w' | b'W' | b'-' | b'h' | b'H' | b'l' | b'L'
    )
}
