//! Counting a corpus's words into a vocabulary: one streaming pass on threads, each over its
//! own byte range, and the threads' counts merged in pairs.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::Corpus;
use crate::error::{Error, Result};
use crate::parallel::reduce_in_pairs;
use crate::vocab::{CountOptions, VocabConfig, Vocabulary, VocabularyBuilder};

impl Corpus {
    /// Counts every token and builds the vocabulary (one streaming pass), keeping the types
    /// seen at least `min_count` times, at most `max_final_vocab` of them (the most
    /// frequent; ties in byte order).
    ///
    /// Counts on as many threads as the machine has cores (at most one per MiB of input);
    /// the result is the same as on one thread. For a thread count of your choice or a
    /// memory bound while counting, use [`build_vocabulary_with`](Self::build_vocabulary_with).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if `max_final_vocab` is `Some(0)`, [`Error::EmptyCorpus`],
    /// [`Error::EmptyVocabulary`], [`Error::InvalidUtf8`] (unless lossy), [`Error::Io`].
    pub fn build_vocabulary(
        &self,
        min_count: u64,
        max_final_vocab: Option<usize>,
    ) -> Result<Vocabulary> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let per_mib = usize::try_from(self.len_bytes() >> 20).unwrap_or(usize::MAX);
        self.build_vocabulary_with(&CountOptions {
            threads: cores.min(per_mib).max(1),
            vocab: VocabConfig {
                min_count,
                max_final_vocab,
                max_vocab_size: None,
            },
        })
    }

    /// Counts every token on `opts.threads` threads and builds the vocabulary: as
    /// [`count_words`](Self::count_words) followed by [`VocabularyBuilder::build`].
    ///
    /// ```
    /// use skipgram::{CountOptions, Corpus, VocabConfig};
    /// let corpus = Corpus::from_text("b a c a b a\nd a c");
    /// let vocab = VocabConfig { min_count: 1, max_final_vocab: Some(3), ..Default::default() };
    /// let opts = CountOptions { threads: 3, vocab };
    /// let v = corpus.build_vocabulary_with(&opts)?;
    /// assert_eq!(v.words(), ["a", "b", "c"]); // b and c tie at 2: byte order
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for invalid options ([`CountOptions::validate`]),
    /// [`Error::EmptyCorpus`], [`Error::EmptyVocabulary`], [`Error::InvalidUtf8`] (unless
    /// lossy), [`Error::Io`].
    pub fn build_vocabulary_with(&self, opts: &CountOptions) -> Result<Vocabulary> {
        self.count_words(opts)?.build()
    }

    /// Counts every token in one streaming pass on `opts.threads` threads, each over its
    /// own byte range of the corpus (cut at whitespace, as for training), and merges the
    /// counts of neighbouring ranges, in pairs on parallel threads, until one is left; the
    /// vocabulary is not built yet.
    ///
    /// Without `max_vocab_size` the counts are exact and do not depend on the number of
    /// threads. With it, each thread's map holds at most `max_vocab_size` types (so up to
    /// `threads × max_vocab_size` types are held at once) and the merged counts are pruned
    /// to the bound again; the result is deterministic for given input and options.
    ///
    /// ```
    /// use skipgram::{CountOptions, Corpus};
    /// let corpus = Corpus::from_text("x y x z x y");
    /// let counts = corpus.count_words(&CountOptions { threads: 2, ..Default::default() })?;
    /// assert_eq!((counts.token_count(), counts.type_count()), (6, 3));
    /// assert_eq!(counts.count_of("x"), Some(3));
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for invalid options ([`CountOptions::validate`]),
    /// [`Error::InvalidUtf8`] (unless lossy; the first in the corpus, as on one thread),
    /// [`Error::Io`] (also if the operating system cannot start a thread).
    pub fn count_words(&self, opts: &CountOptions) -> Result<VocabularyBuilder> {
        opts.validate()?;
        self.count_parts(opts, 0, opts.threads)
    }

    /// Counts byte ranges `first..first + opts.threads` of `parts` (one thread each) and
    /// merges them ([`merge_in_pairs`]): [`count_words`](Self::count_words) counts all `threads`
    /// ranges; one process of a distributed run counts its share of `ranks × threads`.
    pub(crate) fn count_parts(
        &self,
        opts: &CountOptions,
        first: usize,
        parts: usize,
    ) -> Result<VocabularyBuilder> {
        let threads = opts.threads.max(1);
        let pass = self.pass(first, threads, parts)?;
        let count_part = |part: usize, failed: &AtomicUsize| -> Result<VocabularyBuilder> {
            let mut b = VocabularyBuilder::from_config(&opts.vocab);
            let mut n = 0u32;
            let r = pass.scan(part - first, |t, _| {
                b.add(t);
                n = n.wrapping_add(1);
                // Stop early once an earlier part has failed: its error is the one reported.
                if n & 4095 == 0 && failed.load(Ordering::Relaxed) < part {
                    return ControlFlow::Break(());
                }
                ControlFlow::Continue(())
            });
            if r.is_err() {
                failed.fetch_min(part, Ordering::Relaxed);
            }
            r.map(|()| b)
        };
        let failed = AtomicUsize::new(usize::MAX);
        if threads == 1 {
            return count_part(first, &failed);
        }
        let results: Vec<Result<VocabularyBuilder>> = std::thread::scope(|s| {
            let handles: Vec<_> = (first..first + threads)
                .map(|p| {
                    let (count_part, failed) = (&count_part, &failed);
                    let spawned =
                        std::thread::Builder::new().spawn_scoped(s, move || count_part(p, failed));
                    if spawned.is_err() {
                        // Threads after an unspawnable one stop early; its error is reported.
                        failed.fetch_min(p, Ordering::Relaxed);
                        pass.release(p - first);
                    }
                    spawned
                })
                .collect();
            handles
                .into_iter()
                .map(|h| match h {
                    Ok(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
                    Err(e) => Err(Error::from(e)),
                })
                .collect()
        });
        // The first error in byte order is the one a single thread would have met.
        let counts = results.into_iter().collect::<Result<Vec<_>>>()?;
        Ok(merge_in_pairs(counts).unwrap_or_else(|| VocabularyBuilder::from_config(&opts.vocab)))
    }
}

/// Merges counts of consecutive byte ranges, neighbours in pairs on parallel threads
/// ([`reduce_in_pairs`]): log₂ T rounds instead of T − 1 merges one after another (which,
/// on many cores, would be serial work as large as each thread's count). Each pair merges
/// the later range into the earlier, so a bounded count is deterministic.
fn merge_in_pairs(counts: Vec<VocabularyBuilder>) -> Option<VocabularyBuilder> {
    reduce_in_pairs(counts, |mut a, b| {
        a.merge(b);
        a
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_in_pairs_equals_merging_in_order() {
        let part = |i: usize| {
            let mut b = VocabularyBuilder::new();
            for j in 0..=i * 3 {
                b.add_count(&format!("w{}", j % 7), (i + j) as u64 + 1);
            }
            b
        };
        assert!(merge_in_pairs(Vec::new()).is_none());
        for n in 1..10 {
            let mut serial = part(0);
            for i in 1..n {
                serial.merge(part(i));
            }
            let paired = merge_in_pairs((0..n).map(part).collect()).unwrap();
            assert_eq!(paired.token_count(), serial.token_count(), "{n} parts");
            assert_eq!(paired.type_count(), serial.type_count(), "{n} parts");
            for j in 0..7 {
                let w = format!("w{j}");
                assert_eq!(paired.count_of(&w), serial.count_of(&w), "{w}, {n} parts");
            }
        }
    }
}
