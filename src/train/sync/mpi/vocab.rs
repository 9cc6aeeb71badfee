//! The distributed vocabulary: each rank counts its byte range, rank 0 merges the counts
//! and broadcasts the vocabulary.

use mpi::datatype::PartitionMut;
use mpi::traits::*;
use mpi::Count;

use super::Cluster;
use crate::corpus::Corpus;
use crate::error::{Error, Result};
use crate::train::sync::{decode_counts, encode_counts};
use crate::vocab::{CountOptions, VocabConfig, Vocabulary, VocabularyBuilder};

impl Cluster {
    /// The distributed vocabulary: each rank counts its 1/K byte range of `corpus` on
    /// `opts.threads` threads (the byte ranges the trainer gives its threads), rank 0 gathers
    /// and merges the counts and builds the vocabulary with the same rule as
    /// [`Corpus::build_vocabulary_with`] (count descending, ties by bytes; `min_count`,
    /// `max_final_vocab`), and broadcasts it. Every rank returns the identical vocabulary,
    /// equal to the one a single process counts (without `max_vocab_size`; with it, each
    /// rank's threads prune their own counts, and rank 0 the merged ones).
    pub(crate) fn build_vocabulary(
        &self,
        corpus: &Corpus,
        opts: &CountOptions,
    ) -> Result<Vocabulary> {
        let local = opts
            .validate()
            .and_then(|()| count_range(corpus, self.rank, self.size, opts));
        let mut msg = encode_counts(
            local
                .as_ref()
                .map(|v| v.iter().flat_map(|v| v.iter()))
                .map_err(|e| format!("process {}: {e}", self.rank)),
        );
        if Count::try_from(msg.len()).is_err() {
            msg = encode_counts(Err::<std::iter::Empty<_>, _>(format!(
                "process {}: its word counts take {} bytes, more than MPI's 2 GiB per message",
                self.rank,
                msg.len()
            )));
        }
        let root = self.world.process_at_rank(0);
        let len = msg.len() as Count;
        let merged: Option<Result<Vocabulary>> = if self.is_root() {
            let mut lens = vec![0 as Count; self.size];
            root.gather_into_root(&len, &mut lens[..]);
            Some(merge_on_root(&root, &msg, &lens, opts))
        } else {
            root.gather_into(&len);
            root.gather_varcount_into(&msg[..]);
            None
        };
        // Rank 0 broadcasts the vocabulary, or the first error, to everyone.
        let mut reply = match &merged {
            Some(Ok(v)) => encode_counts(Ok(v.iter())),
            Some(Err(e)) => encode_counts(Err::<std::iter::Empty<_>, _>(e.to_string())),
            None => Vec::new(),
        };
        let mut reply_len = reply.len() as u64;
        root.broadcast_into(&mut reply_len);
        reply.resize(reply_len as usize, 0);
        for chunk in reply.chunks_mut(1 << 30) {
            root.broadcast_into(chunk);
        }
        drop(local?);
        if let Some(result) = merged {
            return result;
        }
        match decode_counts(&reply)? {
            Ok(entries) => Vocabulary::from_counts(entries),
            Err(message) => Err(Error::Distributed { message }),
        }
    }
}

/// Rank 0's part of the vocabulary gather: receives every rank's counts and merges them.
fn merge_on_root(
    root: &mpi::topology::Process<'_>,
    msg: &[u8],
    lens: &[Count],
    opts: &CountOptions,
) -> Result<Vocabulary> {
    let total: i64 = lens.iter().map(|&l| i64::from(l)).sum();
    let displs: Option<Vec<Count>> = lens
        .iter()
        .scan(0i64, |acc, &l| {
            let d = Count::try_from(*acc).ok();
            *acc += i64::from(l);
            Some(d)
        })
        .collect();
    let Some(displs) = displs else {
        // MPI_Gatherv addresses the receive buffer with 32-bit displacements. The other
        // ranks still send; receive nothing useful and report.
        let mut sink = [0u8; 0];
        let zeros = vec![0 as Count; lens.len()];
        let mut p = PartitionMut::new(&mut sink[..], &zeros[..], &zeros[..]);
        root.gather_varcount_into_root(msg, &mut p);
        return Err(Error::Distributed {
            message: format!("the word counts of all processes take {total} bytes, more than MPI's 2 GiB per gather"),
        });
    };
    let mut buf = vec![0u8; total as usize];
    {
        let mut p = PartitionMut::new(&mut buf[..], lens, &displs[..]);
        root.gather_varcount_into_root(msg, &mut p);
    }
    let mut builder = VocabularyBuilder::from_config(&opts.vocab);
    for (&d, &l) in displs.iter().zip(lens) {
        let part = &buf[d as usize..(d + l) as usize];
        match decode_counts(part)? {
            Ok(entries) => {
                for (w, c) in entries {
                    builder.add_count(&w, c);
                }
            }
            Err(message) => return Err(Error::Distributed { message }),
        }
    }
    builder.build()
}

/// Counts byte range `rank` of `ranks` of `corpus` on `opts.threads` threads (parts
/// `rank·T + t` of `K·T`, merged in byte order as a single process merges its threads'
/// counts), pruning each thread's counts to `opts.vocab.max_vocab_size` if set; returns every type
/// with its count (sorted), or `None` if the range holds no token.
fn count_range(
    corpus: &Corpus,
    rank: usize,
    ranks: usize,
    opts: &CountOptions,
) -> Result<Option<Vocabulary>> {
    let threads = opts.threads.max(1);
    // Raw counts: min_count and max_final_vocab apply once all ranks' counts are merged.
    let raw = CountOptions {
        threads,
        vocab: VocabConfig {
            min_count: 1,
            max_final_vocab: None,
            max_vocab_size: opts.vocab.max_vocab_size,
        },
    };
    let merged = corpus.count_parts(&raw, rank * threads, ranks.saturating_mul(threads))?;
    match merged.build() {
        Ok(v) => Ok(Some(v)),
        Err(Error::EmptyCorpus) => Ok(None),
        Err(e) => Err(e),
    }
}
