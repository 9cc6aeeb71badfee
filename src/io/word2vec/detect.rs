//! Telling the text and binary formats apart from the bytes after the header (the rules are in
//! the [module docs](super)).

use std::io::{BufRead, Read};

use super::header::{read_header, MAX_HEADER_BYTES};
use crate::error::Result;

/// Bytes a text number token can hold: digits, signs, the decimal point, the exponent, and
/// the letters of `inf`, `infinity` and `nan` in either case (what Rust's and C's float
/// parsers accept).
const NUMBER_BYTES: &[u8] = b"0123456789+-.eEiInNfFaAtTyY";

/// Most bytes after the header that detection looks at.
const MAX_WINDOW: usize = 16 << 20;

/// What the bytes after the header look like, with the evidence for error messages.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Guess {
    /// Clearly text.
    Text(String),
    /// Clearly binary.
    Binary(String),
    /// Either could be true, or neither is clear.
    Unknown,
}

/// Reads and checks the header (errors name `format`), then up to 64 KiB + 32·N bytes
/// more, and guesses the format from them (rules 1 to 4 of the [module docs](super)).
/// Returns every byte read, to be read again.
///
/// # Errors
/// A bad header, as [`read_header`]; [`Error::Io`](crate::Error::Io).
pub(super) fn sniff(r: &mut impl BufRead, format: &'static str) -> Result<(Vec<u8>, Guess)> {
    let mut prefix = Vec::new();
    r.take(MAX_HEADER_BYTES as u64 + 1)
        .read_until(b'\n', &mut prefix)?;
    let (v, n) = read_header(&mut prefix.as_slice(), &mut Vec::new(), format)?;
    let header_len = prefix.len();
    let window = n
        .saturating_mul(32)
        .saturating_add(64 << 10)
        .min(MAX_WINDOW);
    let got = r.take(window as u64).read_to_end(&mut prefix)?;
    let data = &prefix[header_len..];
    let guess = match guess(data, n) {
        Guess::Unknown => by_structure(data, v, n, got < window),
        g => g,
    };
    Ok((prefix, guess))
}

/// Rule 4 of the [module docs](super): the bytes looked at, read as V text lines and as V
/// binary records. If exactly one reading holds no contradiction, that is the format.
/// `whole` says that `data` is all the input there is (a record cut short is then a
/// contradiction, not the end of the window).
fn by_structure(data: &[u8], v: usize, n: usize, whole: bool) -> Guess {
    match (fits_text(data, v, n, whole), fits_binary(data, v, n, whole)) {
        (true, false) => Guess::Text(
            "the data reads as text lines of a word and N numbers, and not as binary records"
                .into(),
        ),
        (false, true) => Guess::Binary(
            "the data is not text lines of a word and N numbers, and reads as binary records \
             of a word, a space and 4N bytes"
                .into(),
        ),
        _ => Guess::Unknown,
    }
}

/// Whether `data` can be (the start of) V text lines of a word and N finite numbers,
/// followed by nothing but whitespace.
fn fits_text(data: &[u8], v: usize, n: usize, whole: bool) -> bool {
    let mut rest = data;
    for _ in 0..v {
        let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
            // Cut inside a line: the window ended, or (whole) the data is truncated.
            return !whole;
        };
        let mut fields = rest[..nl]
            .split(u8::is_ascii_whitespace)
            .filter(|f| !f.is_empty());
        if fields.next().is_none() {
            return false;
        }
        let mut count = 0;
        for f in fields {
            let finite = std::str::from_utf8(f)
                .ok()
                .and_then(|s| s.parse::<f32>().ok())
                .is_some_and(f32::is_finite);
            if !finite || count == n {
                return false;
            }
            count += 1;
        }
        if count != n {
            return false;
        }
        rest = &rest[nl + 1..];
    }
    rest.iter().all(u8::is_ascii_whitespace)
}

/// Whether `data` can be (the start of) V binary records: ASCII whitespace, a word without
/// ASCII whitespace up to a space, 4N bytes of finite f32; then nothing but whitespace.
fn fits_binary(data: &[u8], v: usize, n: usize, whole: bool) -> bool {
    let mut rest = data;
    for _ in 0..v {
        let start = rest
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(rest.len());
        rest = &rest[start..];
        let Some(space) = rest.iter().position(u8::is_ascii_whitespace) else {
            return !whole && !rest.is_empty();
        };
        if rest[space] != b' ' {
            return false;
        }
        rest = &rest[space + 1..];
        let bytes = n.saturating_mul(4);
        if rest.len() < bytes {
            let finite = rest
                .chunks_exact(4)
                .all(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]).is_finite());
            return !whole && finite;
        }
        let (vector, after) = rest.split_at(bytes);
        if !vector
            .chunks_exact(4)
            .all(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]).is_finite())
        {
            return false;
        }
        rest = after;
    }
    rest.iter().all(u8::is_ascii_whitespace)
}

/// Guesses the format of `data`, the bytes after a header that announced dimension `n`.
pub(super) fn guess(data: &[u8], n: usize) -> Guess {
    let Some(start) = data.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Guess::Unknown;
    };
    let data = &data[start..];
    let word_end = data
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(data.len());
    let newline = data.iter().position(|&b| b == b'\n');
    let spaced = data.get(word_end) == Some(&b' ');

    // Text: the first line is a word and ASCII number tokens.
    if let Some(nl) = newline {
        let fields: Vec<&[u8]> = data[word_end.min(nl)..nl]
            .split(u8::is_ascii_whitespace)
            .filter(|f| !f.is_empty())
            .collect();
        let numeric = !fields.is_empty()
            && fields
                .iter()
                .all(|f| f.iter().all(|b| NUMBER_BYTES.contains(b)));
        // A binary record whose 4N bytes happen to be number tokens fits both.
        let binary_shaped = spaced && nl == word_end + 1 + 4 * n;
        if numeric && !binary_shaped {
            let parsed = fields.len() == n
                && fields.iter().all(|f| {
                    std::str::from_utf8(f)
                        .ok()
                        .and_then(|s| s.parse::<f32>().ok())
                        .is_some()
                });
            // A '\n' byte among the first vector's f32 can end a short "line" of number-like
            // bytes early; only N parsed numbers are evidence enough there.
            let inside_vector = spaced && nl < word_end + 1 + 4 * n;
            if inside_vector && !parsed {
                return binary_evidence(data, word_end, n);
            }
            return Guess::Text(if parsed {
                format!("line 2 is a word and {n} numbers in ASCII, ending in a newline")
            } else {
                format!(
                    "line 2 is a word and {} ASCII number tokens (the header says {n}), \
                     ending in a newline",
                    fields.len()
                )
            });
        }
    }

    if spaced {
        return binary_evidence(data, word_end, n);
    }
    Guess::Unknown
}

/// Binary if the 4N bytes after the word's space (at `word_end`) hold what text never holds
/// among its numbers, else unknown.
fn binary_evidence(data: &[u8], word_end: usize, n: usize) -> Guess {
    let after = &data[word_end + 1..];
    let vector = &after[..after.len().min(n.saturating_mul(4))];
    let first_newline = vector
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(vector.len());
    let odd = vector.iter().enumerate().find(|&(k, &b)| {
        (b.is_ascii_control() && !matches!(b, b'\t' | b'\r' | b'\n'))
            || (b >= 0x80 && k < first_newline)
    });
    match odd {
        Some((k, &b)) => Guess::Binary(format!(
            "byte {k} after the first word and its space is 0x{b:02x}, which text never \
             holds among the numbers"
        )),
        None => Guess::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binary_record(word: &str, v: &[f32], newline: bool) -> Vec<u8> {
        let mut out = word.as_bytes().to_vec();
        out.push(b' ');
        for x in v {
            out.extend_from_slice(&x.to_le_bytes());
        }
        if newline {
            out.push(b'\n');
        }
        out
    }

    fn is_text(g: &Guess) -> bool {
        matches!(g, Guess::Text(_))
    }

    fn is_binary(g: &Guess) -> bool {
        matches!(g, Guess::Binary(_))
    }

    #[test]
    fn text_lines() {
        assert!(is_text(&guess(b"the 0.1 -2 3e-5\nnext", 3)));
        // fastText's trailing space, CRLF, tabs, inf/nan spellings.
        assert!(is_text(&guess(b"the 0.125 -2 3e-5 \n", 3)));
        assert!(is_text(&guess(b"the\t0.1 -2 3e-5\r\n", 3)));
        assert!(is_text(&guess(b"w inf NaN -Infinity\n", 3)));
        // A non-ASCII word is fine; a wrong count is still text (the text reader says so).
        assert!(is_text(&guess("日本 1 2\n".as_bytes(), 2)));
        let long_line = b"w 0.25 -1.5\n";
        match guess(long_line, 2) {
            Guess::Text(why) => assert!(why.contains("2 numbers"), "{why}"),
            g => panic!("{g:?}"),
        }
        match guess(long_line, 1) {
            Guess::Text(why) => assert!(why.contains("2 ASCII number tokens"), "{why}"),
            g => panic!("{g:?}"),
        }
        // Too few numbers in fewer than 4N bytes: a binary vector could hold that "line".
        assert_eq!(guess(b"w 1 2\n", 3), Guess::Unknown);
        // Cut before the newline, or a non-number: undecided (the text reader reports it).
        assert_eq!(guess(b"w 1 2", 2), Guess::Unknown);
        assert_eq!(guess(b"w 1 x\n", 2), Guess::Unknown);
        assert_eq!(guess(b"", 2), Guess::Unknown);
        assert_eq!(guess(b"  \n ", 2), Guess::Unknown);
    }

    #[test]
    fn binary_records() {
        for newline in [false, true] {
            let r = binary_record("the", &[0.1, -0.25, 0.5], newline);
            assert!(is_binary(&guess(&r, 3)), "{newline}");
            // Zeros are 0x00 bytes.
            let r = binary_record("w", &[0.0, 0.0], newline);
            assert!(is_binary(&guess(&r, 2)));
        }
        // The first float starts with '\n' and ' ' bytes (gensim's `edge` row), then 0x3f.
        let r = binary_record("edge", &[f32::from_bits(0x3F0A_200A), -1.0], false);
        match guess(&r, 2) {
            Guess::Binary(why) => assert!(why.contains("0x"), "{why}"),
            g => panic!("{g:?}"),
        }
        // A '\n' byte early in the first f32 ends a "line" holding one number-like byte:
        // binary if the rest shows it, else undecided, never text.
        let x = f32::from_le_bytes([b'1', b'\n', 0x00, 0x3f]);
        let r = binary_record("w", &[x, -1.0], true);
        assert!(is_binary(&guess(&r, 2)));
        let y = f32::from_le_bytes([b'1', b'\n', b'A', 0x3f]);
        let r = binary_record("w", &[y, f32::from_le_bytes(*b"AAA?")], true);
        assert_eq!(guess(&r, 2), Guess::Unknown);
        // Cut short: what there is decides.
        let r = binary_record("w", &[-1.0, 2.0], false);
        assert!(is_binary(&guess(&r[..4], 2)));
    }

    #[test]
    fn ambiguous_records() {
        // The f32 whose little-endian bytes are "1234", then word2vec.c's newline: both a
        // binary record of N = 1 and a text line.
        let x = f32::from_le_bytes(*b"1234");
        let r = binary_record("w", &[x], true);
        assert_eq!(r, b"w 1234\n");
        assert_eq!(guess(&r, 1), Guess::Unknown);
        // A text line whose numbers take exactly 4N bytes fits both too.
        assert_eq!(guess(b"the 0.1 -2 3e-5 \n", 3), Guess::Unknown);
        // All printable ASCII that is not a number token: undecided.
        let r = binary_record("w", &[f32::from_le_bytes(*b"abcd")], false);
        assert_eq!(guess(&r, 1), Guess::Unknown);
    }

    #[test]
    fn structure_decides_what_the_first_record_cannot() {
        // N = 1, V = 1, a vector whose first byte is '\n' and whose other bytes are
        // printable: the first "line" is the word alone, which text cannot be.
        let x = f32::from_le_bytes([b'\n', b'A', b'A', b'?']);
        let r = binary_record("w", &[x], true);
        assert_eq!(guess(&r, 1), Guess::Unknown);
        assert!(is_binary(&by_structure(&r, 1, 1, true)));
        // The same with bytes ≥ 0x80 after the '\n', and two records.
        let y = f32::from_le_bytes([b'\n', 0x80, 0x80, 0xbf]);
        let mut r = binary_record("w", &[y], true);
        r.extend(binary_record("z", &[2.5], true));
        assert!(is_binary(&by_structure(&r, 2, 1, true)));
        // Text that is valid but binary-shaped stays undecided; text that cannot be binary
        // (a record would run past the end) is text.
        assert_eq!(by_structure(b"w 1234\n", 1, 1, true), Guess::Unknown);
        assert!(is_text(&by_structure(b"w 1\n", 1, 1, true)));
        // Neither: undecided, for the text reader to report.
        assert_eq!(by_structure(b"w x\n", 1, 1, true), Guess::Unknown);
        // More rows than announced fit neither.
        assert!(!fits_text(b"a 1\nb 2\n", 1, 1, true));
        assert!(!fits_binary(
            &[
                binary_record("a", &[1.0], true),
                binary_record("b", &[2.0], true)
            ]
            .concat(),
            1,
            1,
            true
        ));
    }
}
