//! The byte format in which ranks exchange word counts and vocabularies: a status byte, then
//! per entry the word's length (u32, little-endian), its UTF-8 bytes and its count (u64,
//! little-endian). Status 0 is a list of entries; status 1 is an error message (UTF-8) from
//! the rank that failed.

use crate::error::{Error, Result};

/// Status byte of a list of entries.
const OK: u8 = 0;
/// Status byte of an error message.
const FAILED: u8 = 1;

/// Encodes `entries`, or the error `Err(message)`.
pub(crate) fn encode_counts<'a>(
    entries: std::result::Result<impl Iterator<Item = (&'a str, u64)>, String>,
) -> Vec<u8> {
    match entries {
        Ok(it) => {
            let mut out = vec![OK];
            for (w, c) in it {
                // Tokens are at most MAX_TOKEN_BYTES long, far below u32::MAX.
                out.extend_from_slice(&(w.len() as u32).to_le_bytes());
                out.extend_from_slice(w.as_bytes());
                out.extend_from_slice(&c.to_le_bytes());
            }
            out
        }
        Err(message) => {
            let mut out = vec![FAILED];
            out.extend_from_slice(message.as_bytes());
            out
        }
    }
}

/// Decodes what [`encode_counts`] wrote: `Ok(Ok(entries))`, `Ok(Err(message))` for a rank's
/// error, or `Err` for bytes that are not in the format.
///
/// # Errors
/// [`Error::Format`] for malformed bytes.
pub(crate) fn decode_counts(
    bytes: &[u8],
) -> Result<std::result::Result<Vec<(String, u64)>, String>> {
    let bad = |message: &str| Error::Format {
        format: "distributed word counts",
        line: None,
        message: message.to_string(),
    };
    let (&status, mut rest) = bytes.split_first().ok_or_else(|| bad("empty message"))?;
    match status {
        OK => {
            let mut entries = Vec::new();
            while !rest.is_empty() {
                let (len, r) = take::<4>(rest).ok_or_else(|| bad("truncated length"))?;
                let len = u32::from_le_bytes(len) as usize;
                if r.len() < len {
                    return Err(bad("truncated word"));
                }
                let (word, r) = r.split_at(len);
                let word = std::str::from_utf8(word).map_err(|_| bad("a word is not UTF-8"))?;
                let (count, r) = take::<8>(r).ok_or_else(|| bad("truncated count"))?;
                entries.push((word.to_string(), u64::from_le_bytes(count)));
                rest = r;
            }
            Ok(Ok(entries))
        }
        FAILED => Ok(Err(String::from_utf8_lossy(rest).into_owned())),
        s => Err(bad(&format!("unknown status byte {s}"))),
    }
}

fn take<const N: usize>(b: &[u8]) -> Option<([u8; N], &[u8])> {
    if b.len() < N {
        return None;
    }
    let (head, rest) = b.split_at(N);
    Some((head.try_into().ok()?, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let entries = [("the", 7u64), ("", 0), ("naïve", u64::MAX)];
        let bytes = encode_counts(Ok(entries.iter().copied()));
        assert_eq!(bytes[0], OK);
        assert_eq!(bytes.len(), 1 + 3 * 12 + 3 + 6);
        let back = decode_counts(&bytes).unwrap().unwrap();
        let want: Vec<(String, u64)> = entries.iter().map(|&(w, c)| (w.into(), c)).collect();
        assert_eq!(back, want);
        let empty = encode_counts(Ok(std::iter::empty()));
        assert_eq!(decode_counts(&empty).unwrap().unwrap(), vec![]);
    }

    #[test]
    fn errors_travel_and_garbage_is_rejected() {
        let bytes = encode_counts(Err::<std::iter::Empty<(&str, u64)>, _>(
            "disk on fire".into(),
        ));
        assert_eq!(
            decode_counts(&bytes).unwrap(),
            Err("disk on fire".to_string())
        );
        assert!(decode_counts(&[]).is_err());
        assert!(decode_counts(&[7]).is_err());
        assert!(decode_counts(&[OK, 3, 0, 0, 0, b'a']).is_err());
        assert!(decode_counts(&[OK, 1, 0, 0, 0, b'a', 1, 2]).is_err());
        assert!(decode_counts(&[OK, 1, 0, 0, 0, 0xFF, 1, 0, 0, 0, 0, 0, 0, 0]).is_err());
    }
}
