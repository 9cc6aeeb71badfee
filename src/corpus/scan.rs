//! The fast tokeniser behind [`Corpus`](super::Corpus) passes: token boundaries found 64
//! bytes at a time from whitespace bit masks, and input read in large chunks that end at
//! whitespace.
//!
//! It splits exactly as [`TokenReader`](super::TokenReader) does (tests compare the two):
//! tokens are maximal runs of bytes that are not ASCII whitespace (space, `\t`, `\n`,
//! form feed, `\r`), tokens longer than [`MAX_TOKEN_BYTES`] are skipped, and a token starts
//! a line when a `\n` lies between it and the previous token that was not skipped.
//!
//! Finding the boundaries byte by byte costs a mispredicted branch at nearly every token
//! boundary (a third of the vocabulary pass). Here each 8-byte word is classified with a
//! few integer operations (SWAR), every 64 bytes give one mask of whitespace and one of
//! newlines, and the token starts and ends are read off the masks' bit transitions.

use std::io::Read;
use std::ops::ControlFlow;

use super::reader::MAX_TOKEN_BYTES;

const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
const HIGH: u64 = 0x8080_8080_8080_8080;
const ONES: u64 = 0x0101_0101_0101_0101;

/// The high bit of every byte of `y` that is zero (exact: no carries between bytes).
#[inline]
fn zero_bytes(y: u64) -> u64 {
    !(((y & LOW7) + LOW7) | y | LOW7)
}

/// Byte `j`'s high bit (bit 8j + 7) → bit `j` of an 8-bit mask.
#[inline]
fn gather_high_bits(h: u64) -> u64 {
    ((h >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// (whitespace, newline) bit masks of 8 bytes as high bits per byte.
#[inline]
fn classify_word(bytes: [u8; 8]) -> (u64, u64) {
    let x = u64::from_le_bytes(bytes);
    // Bytes ≤ 0x20: (b & 0x7F) + 0x5F reaches 0x80 exactly when b & 0x7F ≥ 0x21.
    let low = !(((x & LOW7) + 0x5F5F_5F5F_5F5F_5F5F) | x) & HIGH;
    if low == 0 {
        return (0, 0);
    }
    let spaces = zero_bytes(x ^ (ONES * u64::from(b' ')));
    if spaces == low {
        return (spaces, 0);
    }
    // A newline, tab or control byte among them: classify those eight bytes one by one.
    let (mut ws, mut nl) = (0, 0);
    for (k, b) in bytes.into_iter().enumerate() {
        ws |= u64::from(b.is_ascii_whitespace()) << (8 * k + 7);
        nl |= u64::from(b == b'\n') << (8 * k + 7);
    }
    (ws, nl)
}

/// Bit `j` of the first mask: byte `j` is ASCII whitespace; of the second: it is `\n`.
#[inline]
fn classify(block: &[u8; 64]) -> (u64, u64) {
    let (mut ws, mut nl) = (0, 0);
    for (j, word) in block.chunks_exact(8).enumerate() {
        let (w, n) = classify_word(word.try_into().expect("8 bytes"));
        ws |= gather_high_bits(w) << (8 * j);
        nl |= gather_high_bits(n) << (8 * j);
    }
    (ws, nl)
}

/// Bits `from..to` (`from ≤ to ≤ 64`).
#[inline]
fn bits(from: usize, to: usize) -> u64 {
    let below = |n: usize| if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
    below(to) & !below(from)
}

/// What a pass carries from one chunk to the next.
#[derive(Debug, Default)]
pub(super) struct ScanState {
    /// A `\n` came after the last token reported.
    pub(super) newline: bool,
}

/// Calls `f(start, end, line_start)` for every token `chunk[start..end]` that starts before
/// `stop`, in order, until `f` breaks (then returns `Break`). `chunk` must not end inside a
/// token, unless the input ends there; tokens over [`MAX_TOKEN_BYTES`] are skipped.
pub(super) fn tokens(
    chunk: &[u8],
    stop: usize,
    state: &mut ScanState,
    mut f: impl FnMut(usize, usize, bool) -> ControlFlow<()>,
) -> ControlFlow<()> {
    // Position where the current token began, if one is open.
    let mut open: Option<usize> = None;
    // Where (within the block) the current whitespace run began.
    let mut run_from = 0;
    let mut newline = state.newline;
    let mut last = [b' '; 64];
    for (b, block) in chunk.chunks(64).enumerate() {
        let base = b * 64;
        let (ws, nl) = match <&[u8; 64]>::try_from(block) {
            Ok(full) => classify(full),
            Err(_) => {
                // The last, partial block: padded with spaces (no newlines).
                last[..block.len()].copy_from_slice(block);
                classify(&last)
            }
        };
        let text = !ws;
        let before = (text << 1) | u64::from(open.is_some() && base > 0);
        let starts = text & !before;
        let ends = ws & before;
        let mut events = starts | ends;
        while events != 0 {
            let p = events.trailing_zeros() as usize;
            events &= events - 1;
            if starts & (1u64 << p) != 0 {
                newline |= nl & bits(run_from, p) != 0;
                if base + p >= stop {
                    state.newline = newline;
                    return ControlFlow::Break(());
                }
                open = Some(base + p);
            } else if let Some(start) = open.take() {
                run_from = p;
                let end = (base + p).min(chunk.len());
                if end - start <= MAX_TOKEN_BYTES {
                    f(start, end, std::mem::take(&mut newline))?;
                }
            }
        }
        if open.is_none() {
            newline |= nl & bits(run_from, 64) != 0;
        }
        run_from = 0;
    }
    if let Some(start) = open {
        // The input ends inside this token.
        if chunk.len() - start <= MAX_TOKEN_BYTES {
            f(start, chunk.len(), std::mem::take(&mut newline))?;
        }
    }
    state.newline = newline;
    ControlFlow::Continue(())
}

/// Reads `input` in chunks that end at whitespace (or at the end of input), calling
/// `f(chunk, offset of its first byte)` on each until it breaks. Bytes before the first
/// whitespace are skipped when `skip_first` (the tail of a token begun before `input`), as
/// are the bytes of any token longer than the buffer.
pub(super) fn chunks<R: Read>(
    mut input: R,
    mut offset: u64,
    capacity: usize,
    skip_first: bool,
    mut f: impl FnMut(&[u8], u64) -> crate::Result<ControlFlow<()>>,
) -> crate::Result<()> {
    let capacity = capacity.max(MAX_TOKEN_BYTES + 1);
    let mut buf = vec![0u8; capacity];
    let mut filled = 0;
    let mut skipping = skip_first;
    loop {
        // Fill the buffer, or read to the end of input.
        let mut eof = false;
        while filled < capacity {
            match input.read(&mut buf[filled..]) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        let mut from = 0;
        if skipping {
            match buf[..filled].iter().position(u8::is_ascii_whitespace) {
                Some(k) => {
                    from = k;
                    skipping = false;
                }
                None => from = filled,
            }
        }
        let cut = match eof {
            true => filled,
            false => match buf[from..filled].iter().rposition(u8::is_ascii_whitespace) {
                Some(k) => from + k + 1,
                None => {
                    // A full buffer without whitespace: one token over MAX_TOKEN_BYTES.
                    skipping = true;
                    filled
                }
            },
        };
        let skipped = skipping && cut == filled && !eof;
        if cut > from && !skipped && f(&buf[from..cut], offset + from as u64)?.is_break() {
            return Ok(());
        }
        if eof {
            return Ok(());
        }
        buf.copy_within(cut..filled, 0);
        offset += cut as u64;
        filled -= cut;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::TokenReader;
    use proptest::prelude::*;

    /// Every token as `TokenReader` (byte by byte, independent of the masks) reads it:
    /// (offset, bytes, line_start).
    fn reference(input: &[u8], stop: usize) -> Vec<(usize, Vec<u8>, bool)> {
        let mut r = TokenReader::new(input);
        let mut out = Vec::new();
        while let Some(t) = r.next_token().unwrap() {
            if t.offset as usize >= stop {
                break;
            }
            out.push((t.offset as usize, t.bytes.to_vec(), t.line_start));
        }
        out
    }

    fn scanned(input: &[u8], stop: usize) -> Vec<(usize, Vec<u8>, bool)> {
        let mut out = Vec::new();
        let _ = tokens(input, stop, &mut ScanState::default(), |s, e, line| {
            out.push((s, input[s..e].to_vec(), line));
            ControlFlow::Continue(())
        });
        out
    }

    fn chunked(input: &[u8], capacity: usize) -> Vec<(usize, Vec<u8>, bool)> {
        let mut out = Vec::new();
        let mut state = ScanState::default();
        chunks(input, 0, capacity, false, |chunk, offset| {
            let base = offset as usize;
            Ok(tokens(chunk, usize::MAX, &mut state, |s, e, line| {
                out.push((base + s, chunk[s..e].to_vec(), line));
                ControlFlow::Continue(())
            }))
        })
        .unwrap();
        out
    }

    /// Text from a small alphabet: letters, every whitespace byte, a control byte that is
    /// not whitespace (vertical tab), multi-byte UTF-8, and now and then a run long enough
    /// to exceed MAX_TOKEN_BYTES.
    fn text() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            8 => "[a-c]{1,12}".prop_map(String::into_bytes),
            4 => Just(b" ".to_vec()),
            2 => Just(b"\n".to_vec()),
            1 => Just(b"\t".to_vec()),
            1 => Just(b"\r\n".to_vec()),
            1 => Just(b"\x0C".to_vec()),
            1 => Just(b"\x0B".to_vec()),
            1 => Just(b"\x00".to_vec()),
            1 => Just("ünï日本".as_bytes().to_vec()),
            1 => (4090usize..4110).prop_map(|n| vec![b'x'; n]),
        ];
        prop::collection::vec(piece, 0..120).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn tokens_match_the_byte_by_byte_reader(input in text(), stop_frac in 0.0f64..1.2) {
            let stop = (input.len() as f64 * stop_frac) as usize;
            prop_assert_eq!(scanned(&input, stop), reference(&input, stop));
        }

        #[test]
        fn chunked_reading_matches_the_byte_by_byte_reader(
            input in text(),
            capacity in prop::sample::select(vec![1, 4097, 4200, 9000, 1 << 20]),
        ) {
            prop_assert_eq!(chunked(&input, capacity), reference(&input, usize::MAX));
        }
    }

    #[test]
    fn every_byte_value_is_classified_as_is_ascii_whitespace() {
        for b in 0..=255u8 {
            for at in 0..64 {
                let mut block = [b'a'; 64];
                block[at] = b;
                block[(at + 9) % 64] = b' ';
                let (ws, nl) = classify(&block);
                let want_ws = u64::from(b.is_ascii_whitespace()) << at | 1 << ((at + 9) % 64);
                assert_eq!(ws, want_ws, "byte {b:#04x} at {at}");
                assert_eq!(nl, u64::from(b == b'\n') << at, "byte {b:#04x} at {at}");
            }
        }
    }

    #[test]
    fn a_token_longer_than_the_buffer_is_skipped_and_keeps_the_newline_before_it() {
        let mut input = b"a\n".to_vec();
        input.extend(vec![b'y'; 10_000]);
        input.extend(b" b c");
        let want = vec![
            (0, b"a".to_vec(), false),
            (10_003, b"b".to_vec(), true),
            (10_005, b"c".to_vec(), false),
        ];
        assert_eq!(reference(&input, usize::MAX), want);
        for capacity in [4097, 5000, 20_000] {
            assert_eq!(chunked(&input, capacity), want, "capacity {capacity}");
        }
    }
}
