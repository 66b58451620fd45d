//! The help texts (help/*.txt), compressed at build time by build/help.rs and expanded
//! here when asked for.
use alloc::vec::Vec;

include!(concat!(env!("OUT_DIR"), "/help.rs"));

/// The whole text of every help file, decompressed (see build/help.rs for the format).
pub fn expand() -> Vec<u8> {
    let mut out = Vec::with_capacity(TEXT_LEN);
    let mut it = BLOB.iter();
    while let Some(&b) = it.next() {
        if b < 0x80 {
            out.push(b);
        } else {
            let len = (b >> 3 & 15) as usize + 3;
            let lo = it.next().map_or(0, |&l| l as usize);
            let back = ((b as usize & 7) << 8 | lo) + 1;
            // build/help.rs only copies from what is already out: `get` never fails.
            for _ in 0..len {
                let c = out.get(out.len().wrapping_sub(back)).map_or(0, |&c| c);
                out.push(c);
            }
        }
    }
    out
}

/// Writes one help text (a span from the generated constants) to `fd`.
pub fn write(fd: i32, span: (u16, u16)) {
    let text = expand();
    let text = text
        .get(span.0 as usize..span.1 as usize)
        .unwrap_or_default();
    let _ = crate::sys::write_all(fd, text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let t = expand();
        assert_eq!(t.len(), TEXT_LEN);
        assert_eq!(
            &t[RUN.0 as usize..RUN.1 as usize],
            include_bytes!("../help/run.txt")
        );
        assert_eq!(
            &t[TOP.0 as usize..TOP.1 as usize],
            include_bytes!("../help/top.txt")
        );
        assert!(
            BLOB.len() < TEXT_LEN * 2 / 3,
            "{} of {}",
            BLOB.len(),
            TEXT_LEN
        );
    }
}
