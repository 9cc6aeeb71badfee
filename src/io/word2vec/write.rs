//! The writers.

use std::io::Write;

use super::{WriteWord2Vec, BINARY, MAX_WORD_BYTES, TEXT};
use crate::embeddings::Embeddings;
use crate::error::{Error, Result};
use crate::io::quote;
use crate::vocab::Vocabulary;

impl WriteWord2Vec for Embeddings {
    fn write_word2vec_text(&self, w: &mut impl Write) -> Result<()> {
        check_writable(self.vocab(), TEXT)?;
        writeln!(w, "{} {}", self.len(), self.dim())?;
        for (word, row) in self.vocab().words().iter().zip(self.vectors().rows()) {
            w.write_all(word.as_bytes())?;
            for &x in row {
                if x == 0.0 || (1e-4..1e16).contains(&x.abs()) {
                    write!(w, " {x}")?;
                } else {
                    write!(w, " {x:e}")?;
                }
            }
            w.write_all(b"\n")?;
        }
        w.flush()?;
        Ok(())
    }

    fn write_word2vec_binary(&self, w: &mut impl Write) -> Result<()> {
        check_writable(self.vocab(), BINARY)?;
        writeln!(w, "{} {}", self.len(), self.dim())?;
        let mut bytes = Vec::with_capacity(self.dim() * 4 + 1);
        for (word, row) in self.vocab().words().iter().zip(self.vectors().rows()) {
            w.write_all(word.as_bytes())?;
            bytes.clear();
            bytes.push(b' ');
            for &x in row {
                bytes.extend_from_slice(&x.to_le_bytes());
            }
            bytes.push(b'\n');
            w.write_all(&bytes)?;
        }
        w.flush()?;
        Ok(())
    }
}

pub(super) fn check_writable(vocab: &Vocabulary, format: &'static str) -> Result<()> {
    for (i, w) in vocab.words().iter().enumerate() {
        let problem = if w.is_empty() {
            "is empty"
        } else if w.len() > MAX_WORD_BYTES {
            "is longer than 1 MiB"
        } else if w.bytes().any(|b| b.is_ascii_whitespace()) {
            "contains ASCII whitespace"
        } else {
            continue;
        };
        return Err(Error::Format {
            format,
            line: None,
            message: format!(
                "cannot write word {i} ({}): it {problem}",
                quote(w.as_bytes())
            ),
        });
    }
    Ok(())
}
