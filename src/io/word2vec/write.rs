//! The writers.

use std::io::Write;

use super::WriteWord2Vec;
use ndarray::ArrayView2;

use crate::embeddings::Embeddings;
use crate::error::Result;
use crate::model::SkipGramModel;
use crate::vocab::Vocabulary;

impl WriteWord2Vec for Embeddings {
    fn write_word2vec_text(&self, mut w: impl Write) -> Result<()> {
        write_text(self.vocab(), self.vectors(), &mut w)
    }

    fn write_word2vec_binary(&self, mut w: impl Write) -> Result<()> {
        write_binary(self.vocab(), self.vectors(), &mut w)
    }
}

/// A model writes its embeddings, the rows of p (V×N), with no copy: what
/// `model.to_embeddings()` would write.
impl WriteWord2Vec for SkipGramModel {
    fn write_word2vec_text(&self, mut w: impl Write) -> Result<()> {
        write_text(self.vocab(), self.input_weights(), &mut w)
    }

    fn write_word2vec_binary(&self, mut w: impl Write) -> Result<()> {
        write_binary(self.vocab(), self.input_weights(), &mut w)
    }
}

fn write_text(vocab: &Vocabulary, vectors: ArrayView2<'_, f32>, w: &mut impl Write) -> Result<()> {
    writeln!(w, "{} {}", vectors.nrows(), vectors.ncols())?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    write_text_rows(vocab.words(), vectors, w, TEXT_CHUNK_ROWS, threads)?;
    w.flush()?;
    Ok(())
}

fn write_binary(
    vocab: &Vocabulary,
    vectors: ArrayView2<'_, f32>,
    w: &mut impl Write,
) -> Result<()> {
    writeln!(w, "{} {}", vectors.nrows(), vectors.ncols())?;
    let mut bytes = Vec::with_capacity(vectors.ncols() * 4 + 1);
    for (word, row) in vocab.words().iter().zip(vectors.rows()) {
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

/// Rows formatted by one thread at a time when writing text.
const TEXT_CHUNK_ROWS: usize = 2048;

/// Writes `words` with the rows of `vectors` as text lines, formatted in parallel: each round, `threads`
/// threads format one chunk of `chunk_rows` rows each into a buffer, and the buffers are
/// written in order, so the output is byte-identical to formatting row by row while memory
/// stays at `threads` chunks.
pub(super) fn write_text_rows(
    words: &[String],
    vectors: ArrayView2<'_, f32>,
    w: &mut impl Write,
    chunk_rows: usize,
    threads: usize,
) -> Result<()> {
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
