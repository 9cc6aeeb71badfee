//! The distributed vocabulary (feature `mpi`): under `mpirun -np K`, every rank counts its
//! byte range, rank 0 merges, and every rank must end with exactly the vocabulary a single
//! process counts. Run under `mpirun -np 2` (see .ci/run).

use std::hash::{Hash, Hasher};

use crate::support::ensure;
use skipgram::TrainOptions;
use skipgram::{Cluster, Corpus, Error, TrainConfig, Trainer, Vocabulary};

const EXCERPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/data/enwiki-2015-text8style-4M.txt"
);

fn trainer(min_count: u64, max_final_vocab: Option<usize>) -> Trainer {
    Trainer::new(TrainConfig {
        vocab: skipgram::VocabConfig {
            min_count,
            max_final_vocab,
            ..Default::default()
        },
        threads: 1,
        ..Default::default()
    })
    .unwrap()
}

fn fingerprint(v: &Vocabulary) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for (w, c) in v.iter() {
        w.hash(&mut h);
        c.hash(&mut h);
    }
    h.finish()
}

/// The distributed vocabulary equals the serial one on this rank, and is the same on all.
fn check_same(
    cluster: &Cluster,
    corpus: &Corpus,
    min: u64,
    max: Option<usize>,
) -> Result<(), String> {
    let serial = corpus
        .build_vocabulary(min, max)
        .map_err(|e| e.to_string())?;
    let dist = trainer(min, max)
        .build_vocabulary(corpus, &TrainOptions::new().cluster(cluster))
        .map_err(|e| e.to_string())?;
    ensure(cluster.all_equal(fingerprint(&dist)), || {
        "the ranks' vocabularies differ".into()
    })?;
    ensure(dist.words() == serial.words(), || {
        format!(
            "order differs (min_count {min}, max {max:?}): {:?} vs {:?}",
            &dist.words()[..dist.len().min(5)],
            &serial.words()[..serial.len().min(5)]
        )
    })?;
    ensure(dist.counts() == serial.counts(), || "counts differ".into())?;
    ensure(dist == serial, || "vocabularies differ".into())
}

fn excerpt_matches_serial(cluster: &Cluster) -> Result<(), String> {
    let corpus = Corpus::from_path(EXCERPT).map_err(|e| e.to_string())?;
    check_same(cluster, &corpus, 5, None)?;
    check_same(cluster, &corpus, 1, None)?;
    // The cut at max_final_vocab falls among words of equal count: ties by bytes decide.
    let full = corpus.build_vocabulary(1, None).unwrap();
    ensure(full.count(999) == full.count(1000), || {
        "expected a tie across the cut at 1000".into()
    })?;
    check_same(cluster, &corpus, 1, Some(1000))
}

fn small_corpora_match_serial(cluster: &Cluster) -> Result<(), String> {
    // Ties everywhere, words cut by the byte split, newlines, multibyte UTF-8, a part with
    // no tokens at all (with more ranks than tokens).
    let texts = [
        "b a c a b a d".to_string(),
        "zz yy xx ww".to_string(),
        "été été naïve\nnaïve café café café\n\n  été".to_string(),
        "x".to_string(),
        "the quick brown fox jumps over the lazy dog\n".repeat(37),
        (0..500).map(|i| format!("w{} ", i % 97)).collect(),
    ];
    for t in &texts {
        let corpus = Corpus::from_text(t.clone());
        check_same(cluster, &corpus, 1, None)?;
        check_same(cluster, &corpus, 1, Some(2))?;
    }
    Ok(())
}

fn errors_reach_every_rank(cluster: &Cluster) -> Result<(), String> {
    // No word reaches min_count: rank 0 finds it, every rank returns an error.
    let corpus = Corpus::from_text("a b c a");
    match trainer(3, None).build_vocabulary(&corpus, &TrainOptions::new().cluster(cluster)) {
        Err(Error::EmptyVocabulary {
            min_count: 3,
            types: 3,
        }) if cluster.is_root() => {}
        Err(Error::Distributed { message }) if !cluster.is_root() => {
            ensure(message.contains("min_count = 3"), || message.clone())?
        }
        other => return Err(format!("expected an error, got {other:?}")),
    }
    // Invalid UTF-8 in the last rank's byte range only: that rank reports its own error,
    // the others a distributed one; none waits for it.
    let mut bytes = "fine words here ".repeat(100).into_bytes();
    bytes.extend_from_slice(b"bad\xFFbyte");
    let corpus = Corpus::from_bytes(bytes);
    let last = cluster.rank() + 1 == cluster.size();
    match trainer(1, None).build_vocabulary(&corpus, &TrainOptions::new().cluster(cluster)) {
        Err(Error::InvalidUtf8 { .. }) if last => Ok(()),
        Err(Error::Distributed { message }) if !last => {
            ensure(message.contains("UTF-8"), || message.clone())
        }
        other => Err(format!("expected an error, got {other:?}")),
    }
}

fn max_vocab_size_gives_one_vocabulary_on_every_rank(cluster: &Cluster) -> Result<(), String> {
    // Each rank's threads prune their own counts to max_vocab_size, and rank 0 the merged
    // ones: the counts of rare words then depend on K, but every rank ends with rank 0's
    // vocabulary, and the frequent words are those of an unpruned count, in its order.
    let corpus = Corpus::from_path(EXCERPT).map_err(|e| e.to_string())?;
    let full = corpus
        .build_vocabulary(1, None)
        .map_err(|e| e.to_string())?;
    for limit in [2_000, 20_000] {
        let t = Trainer::new(TrainConfig {
            vocab: skipgram::VocabConfig {
                min_count: 1,
                max_vocab_size: Some(limit),
                ..Default::default()
            },
            threads: 2,
            ..Default::default()
        })
        .unwrap();
        let dist = t
            .build_vocabulary(&corpus, &TrainOptions::new().cluster(cluster))
            .map_err(|e| e.to_string())?;
        ensure(cluster.all_equal(fingerprint(&dist)), || {
            format!("max_vocab_size {limit}: the ranks' vocabularies differ")
        })?;
        ensure(full.len() > limit, || "the limit should prune".into())?;
        ensure(dist.len() <= limit, || {
            format!("max_vocab_size {limit}: {} types kept", dist.len())
        })?;
        ensure(dist.words()[..50] == full.words()[..50], || {
            format!("max_vocab_size {limit}: the 50 most frequent words differ")
        })?;
    }
    Ok(())
}

/// The tests of this module, in the order every rank runs them.
pub(crate) const TESTS: &[(&str, crate::support::Test)] = &[
    ("excerpt_matches_serial", excerpt_matches_serial),
    ("small_corpora_match_serial", small_corpora_match_serial),
    ("errors_reach_every_rank", errors_reach_every_rank),
    (
        "max_vocab_size_gives_one_vocabulary_on_every_rank",
        max_vocab_size_gives_one_vocabulary_on_every_rank,
    ),
];
