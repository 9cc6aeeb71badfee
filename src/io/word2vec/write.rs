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
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        write_text_rows(self, w, TEXT_CHUNK_ROWS, threads)?;
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

/// Rows formatted by one thread at a time when writing text.
const TEXT_CHUNK_ROWS: usize = 2048;

/// Writes the rows of `emb` as text lines, formatted in parallel: each round, `threads`
/// threads format one chunk of `chunk_rows` rows each into a buffer, and the buffers are
/// written in order, so the output is byte-identical to formatting row by row while memory
/// stays at `threads` chunks.
pub(super) fn write_text_rows(
    emb: &Embeddings,
    w: &mut impl Write,
    chunk_rows: usize,
    threads: usize,
) -> Result<()> {
    let words = emb.vocab().words();
    let vectors = emb.vectors();
    let chunks: Vec<(usize, usize)> = (0..words.len())
        .step_by(chunk_rows.max(1))
        .map(|start| (start, (start + chunk_rows.max(1)).min(words.len())))
        .collect();
    let format = |(start, end): (usize, usize)| -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        for (word, row) in words[start..end]
            .iter()
            .zip(vectors.rows().into_iter().skip(start))
        {
            out.push_str(word);
            for &x in row {
                // Writing to a String cannot fail.
                let _ = if x == 0.0 || (1e-4..1e16).contains(&x.abs()) {
                    write!(out, " {x}")
                } else {
                    write!(out, " {x:e}")
                };
            }
            out.push('\n');
        }
        out
    };
    for round in chunks.chunks(threads.max(1)) {
        let texts: Vec<String> = if round.len() == 1 {
            vec![format(round[0])]
        } else {
            std::thread::scope(|scope| {
                // A thread that cannot be started leaves its chunk to this thread.
                let handles: Vec<_> = round[1..]
                    .iter()
                    .map(|&c| {
                        std::thread::Builder::new()
                            .spawn_scoped(scope, move || format(c))
                            .map_err(|_| c)
                    })
                    .collect();
                let mut texts = vec![format(round[0])];
                texts.extend(handles.into_iter().map(|h| match h {
                    Ok(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                    Err(c) => format(c),
                }));
                texts
            })
        };
        for t in texts {
            w.write_all(t.as_bytes())?;
        }
    }
    Ok(())
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
