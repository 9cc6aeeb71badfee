//! Vocabulary files: one `word count` line per type, most frequent first, as word2vec.c's
//! `-save-vocab` writes and `-read-vocab` reads.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use super::{write_atomically, MAX_WORD_BYTES};
use crate::error::{Error, Result};
use crate::vocab::Vocabulary;

const FORMAT: &str = "vocabulary";

impl Vocabulary {
    /// Writes one `word count` line per word, in vocabulary order.
    ///
    /// # Errors
    /// [`Error::Io`] from the writer.
    pub fn write_counts(&self, mut w: impl Write) -> Result<()> {
        for (word, count) in self.iter() {
            writeln!(w, "{word} {count}")?;
        }
        Ok(())
    }

    /// [`write_counts`](Self::write_counts) to `path`, atomically (a temporary file renamed
    /// into place, so a failed save leaves no half-written file).
    ///
    /// # Errors
    /// [`Error::Io`] naming the path.
    pub fn save_counts(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        write_atomically(path, |w| self.write_counts(w)).map_err(|e| e.at_path(path))
    }

    /// Reads `word count` lines (separated by ASCII whitespace; blank lines are skipped) in
    /// the file's order. word2vec.c writes its sentence marker `</s>` first; it is skipped,
    /// since this crate's corpus reader never produces it.
    ///
    /// A count header as word2vec and fastText files begin with (`V N`: two numbers) is
    /// recognised when it is the first line and V is the number of words that follow it
    /// (with or without `</s>`): it is skipped. A first line of two numbers whose first is
    /// not that number is refused, rather than read as the word "V".
    ///
    /// # Errors
    /// [`Error::Format`] with the line number for a line that is not a word and a count, a
    /// word over [`MAX_WORD_BYTES`](crate::io::MAX_WORD_BYTES), a count that is not a
    /// `u64`, or a first line of two numbers that is not a matching count header;
    /// [`Error::InvalidUtf8`]; [`Error::DuplicateWord`]; [`Error::EmptyWordList`] if no word
    /// is left; [`Error::Io`].
    pub fn read_counts(mut r: impl BufRead) -> Result<Self> {
        let mut entries = Vec::new();
        // The first line that holds anything, if it is two numbers: (line, V).
        let mut first_numbers: Option<(u64, u64)> = None;
        let mut seen_line = false;
        let mut marker = false;
        let mut buf = Vec::new();
        let mut line_no = 0u64;
        let mut offset = 0u64;
        loop {
            buf.clear();
            // One line, but never more than a word and a count can take.
            let n = Read::take(&mut r, MAX_WORD_BYTES as u64 + 64).read_until(b'\n', &mut buf)?;
            if n == 0 {
                break;
            }
            line_no += 1;
            let bad = |message: String| Error::Format {
                format: FORMAT,
                line: Some(line_no),
                message,
            };
            if buf.last() != Some(&b'\n') && n as u64 == MAX_WORD_BYTES as u64 + 64 {
                return Err(bad(format!("a line is longer than {MAX_WORD_BYTES} bytes")));
            }
            let text =
                std::str::from_utf8(&buf).map_err(|_| Error::InvalidUtf8 { offset, path: None })?;
            offset += n as u64;
            let mut fields = text.split_ascii_whitespace();
            let (word, count) = match (fields.next(), fields.next(), fields.next()) {
                (None, _, _) => continue,
                (Some(w), Some(c), None) => (w, c),
                _ => return Err(bad("expected `word count`".into())),
            };
            let count: u64 = count
                .parse()
                .map_err(|_| bad(format!("the count {:?} is not a number", truncate(count))))?;
            if !std::mem::replace(&mut seen_line, true) {
                if let Ok(v) = word.parse::<u64>() {
                    first_numbers = Some((line_no, v));
                }
            }
            if word != "</s>" {
                entries.push((word.to_string(), count));
            } else {
                marker = true;
            }
        }
        if let Some((line, v)) = first_numbers {
            let after = entries.len() as u64 - 1;
            if v != after && v != after + u64::from(marker) {
                return Err(Error::Format {
                    format: FORMAT,
                    line: Some(line),
                    message: format!(
                        "the first line looks like a count header (`{v} …`), but {after} \
                         words follow it; a vocabulary file holds `word count` lines \
                         (remove the header, or make it the number of words)"
                    ),
                });
            }
            entries.remove(0);
        }
        Vocabulary::from_counts(entries)
    }

    /// [`read_counts`](Self::read_counts) from the file at `path`.
    ///
    /// # Errors
    /// As `read_counts`, with [`Error::Io`] and [`Error::InvalidUtf8`] naming the path.
    pub fn load_counts(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| Error::io_at(path, e))?;
        Self::read_counts(&mut BufReader::new(file)).map_err(|e| e.at_path(path))
    }
}

/// At most 40 characters of `s`, for error messages.
fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_word2vec_files() {
        let v = Vocabulary::from_counts([("the", 10u64), ("cat", 3), ("naïve", 1)]).unwrap();
        let mut bytes = Vec::new();
        v.write_counts(&mut bytes).unwrap();
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            "the 10\ncat 3\nnaïve 1\n"
        );
        let back = Vocabulary::read_counts(&mut bytes.as_slice()).unwrap();
        assert_eq!(back.words(), v.words());
        assert_eq!(back.counts(), v.counts());
        // word2vec.c's -save-vocab: `</s>` first, no newline at the end is fine.
        let w2v = "</s> 4\nthe 10\n\ncat 3";
        let back = Vocabulary::read_counts(&mut w2v.as_bytes()).unwrap();
        assert_eq!(back.words(), ["the", "cat"]);
    }

    #[test]
    fn bad_lines_name_their_line() {
        for (text, line) in [
            ("a 1\nb\n", 2),
            ("a 1\nb x\n", 2),
            ("a 1 2\n", 1),
            ("a -1\n", 1),
        ] {
            match Vocabulary::read_counts(&mut text.as_bytes()) {
                Err(Error::Format { line: l, .. }) => assert_eq!(l, Some(line), "{text:?}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
        assert!(matches!(
            Vocabulary::read_counts(&mut "a 1\na 2\n".as_bytes()),
            Err(Error::DuplicateWord(_))
        ));
        assert!(matches!(
            Vocabulary::read_counts(&mut "\n</s> 3\n".as_bytes()),
            Err(Error::EmptyWordList)
        ));
        assert!(matches!(
            Vocabulary::read_counts(&mut &b"a\xff 1\n"[..]),
            Err(Error::InvalidUtf8 { .. })
        ));
    }
}
