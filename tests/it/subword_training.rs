//! Training subword (fastText) vectors: n-gram rows learn from the words that contain
//! them, unseen words get vectors, and `maxn = 0` leaves word-level training as it was.

use skipgram::io::fasttext::FastTextModel;
use skipgram::{Checkpoint, Corpus, Epochs, Error, Objective, TrainConfig, TrainOptions, Trainer};

use crate::common::cosine;

const ANIMALS: [&str; 6] = ["cat", "dog", "horse", "cow", "sheep", "goat"];
const VEHICLES: [&str; 6] = ["car", "bus", "truck", "train", "plane", "boat"];

/// Two topics (animal words among animal words, vehicle words among vehicle words) in a
/// fixed pseudo-random order; `rare` words appear once each, in a sentence of their topic.
fn corpus(sentences: usize, rare: &[(&str, bool)]) -> String {
    let mut state = 7u64;
    let mut next = |n: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as usize) % n
    };
    let mut out = String::new();
    for s in 0..sentences {
        let group = if s % 2 == 0 { &ANIMALS } else { &VEHICLES };
        for _ in 0..12 {
            out.push_str(group[next(group.len())]);
            out.push(' ');
        }
        if let Some((w, _)) = rare.iter().find(|(_, animal)| *animal == (s % 2 == 0)) {
            if s < 2 {
                out.push_str(w);
            }
        }
        out.push('\n');
    }
    out
}

fn cfg(maxn: usize) -> TrainConfig {
    TrainConfig {
        dim: 16,
        window: 3,
        vocab: skipgram::VocabConfig {
            min_count: 1,
            ..Default::default()
        },
        epochs: 3,
        threads: 1,
        sample: 0.0,
        minn: 3,
        maxn,
        bucket: 5_000,
        ..Default::default()
    }
}

/// Mean cosine of `v` with the vectors of `words` in `emb`.
fn mean_cos(emb: &skipgram::SubwordEmbeddings, v: &ndarray::Array1<f32>, words: &[&str]) -> f64 {
    words
        .iter()
        .map(|w| cosine(v.view(), emb.embedding(w).unwrap().view()))
        .sum::<f64>()
        / words.len() as f64
}

#[test]
fn unseen_words_get_vectors_from_trained_ngrams() {
    unseen_words_get_vectors(Objective::NegativeSampling);
}

#[test]
fn hierarchical_softmax_trains_the_ngram_rows_too() {
    unseen_words_get_vectors(Objective::HierarchicalSoftmax);
}

fn unseen_words_get_vectors(objective: Objective) {
    let text = corpus(600, &[]);
    let trainer = Trainer::new(TrainConfig {
        objective,
        ..cfg(5)
    })
    .unwrap();
    let (model, report) = trainer
        .fit(&Corpus::from_text(text), TrainOptions::new())
        .unwrap();
    assert!(report.epochs[2].loss < report.epochs[0].loss);
    // Hierarchical softmax trains the inner-node vectors, not p'.
    let hs = objective == Objective::HierarchicalSoftmax;
    assert_eq!(model.hs_node_vectors().is_some(), hs);
    let emb = model.subword_embeddings().unwrap();
    // Neither word occurs in the corpus: their vectors come from the n-gram rows they
    // share with "horse" and "truck", which trained only in their topic's sentences.
    for (unseen, own, other) in [
        ("horses", &ANIMALS[..], &VEHICLES[..]),
        ("trucks", &VEHICLES[..], &ANIMALS[..]),
    ] {
        assert!(model.vocab().index(unseen).is_none());
        let v = emb.embedding(unseen).unwrap();
        let (a, b) = (mean_cos(&emb, &v, own), mean_cos(&emb, &v, other));
        assert!(
            a > b + 0.2,
            "{unseen}: own topic {a:.3}, other topic {b:.3}"
        );
    }
    // The untrained model has no such preference.
    let fresh = trainer
        .init_model(model.vocab().clone())
        .unwrap()
        .subword_embeddings()
        .unwrap();
    let v = fresh.embedding("horses").unwrap();
    let gap = mean_cos(&fresh, &v, &ANIMALS) - mean_cos(&fresh, &v, &VEHICLES);
    assert!(gap.abs() < 0.2, "untrained gap {gap:.3}");
}

/// The largest |x| over `xs`.
fn max_abs<'a>(xs: impl IntoIterator<Item = &'a f32>) -> f32 {
    xs.into_iter().fold(0.0, |m, x| m.max(x.abs()))
}

#[test]
fn a_fresh_subword_model_is_drawn_as_fasttext_draws_it() {
    // fastText draws its whole input matrix (word rows and n-gram rows) from [−1/N, 1/N);
    // word-level training keeps word2vec.c's [−0.5/N, 0.5/N). N = 16, so 1/N = 0.0625.
    let vocab = Corpus::from_text(corpus(20, &[]))
        .build_vocabulary_with(&Default::default())
        .unwrap();
    let sub = Trainer::new(cfg(5))
        .unwrap()
        .init_model(vocab.clone())
        .unwrap();
    let word = Trainer::new(cfg(0)).unwrap().init_model(vocab).unwrap();
    let (p, rows) = (sub.input_weights(), sub.ngram_weights().unwrap());
    for (what, m) in [("p", max_abs(p)), ("n-gram rows", max_abs(rows))] {
        assert!((0.055..0.0625).contains(&m), "{what}: max |x| = {m}");
    }
    let m = max_abs(word.input_weights());
    assert!((0.025..0.03125).contains(&m), "word-level p: max |x| = {m}");
    assert!(sub.output_weights().iter().all(|&x| x == 0.0));
}

#[test]
fn subwords_bring_plurals_closer_to_their_singulars() {
    let corpus = Corpus::from_text(crate::common::real_text(1_500_000));
    let real = |maxn| TrainConfig {
        dim: 32,
        window: 5,
        vocab: skipgram::VocabConfig {
            min_count: 3,
            ..Default::default()
        },
        epochs: 2,
        sample: 1e-3,
        bucket: 100_000,
        // One noise distribution for both runs (the defaults differ), so that only the
        // n-grams differ.
        ns_exponent: Some(0.75),
        ..cfg(maxn)
    };
    let (sub, _) = Trainer::new(real(6))
        .unwrap()
        .fit(&corpus, TrainOptions::new())
        .unwrap();
    let (word, _) = Trainer::new(real(0))
        .unwrap()
        .fit(&corpus, TrainOptions::new())
        .unwrap();
    let se = sub.subword_embeddings().unwrap();
    let we = word.to_embeddings();
    let vocab = word.vocab();
    let pairs: Vec<(&str, String)> = vocab
        .words()
        .iter()
        .filter(|w| w.len() >= 4)
        .map(|w| (w.as_str(), format!("{w}s")))
        .filter(|(_, p)| vocab.index(p).is_some())
        .take(60)
        .collect();
    assert!(pairs.len() >= 30, "{} pairs", pairs.len());
    // The gap between a singular's cosine with its plural and with another word's plural.
    let gap = |cos: &dyn Fn(&str, &str) -> f64| {
        let k = pairs.len();
        (0..k)
            .map(|i| cos(pairs[i].0, &pairs[i].1) - cos(pairs[i].0, &pairs[(i + 1) % k].1))
            .sum::<f64>()
            / k as f64
    };
    // After so little text every vector shares one large common direction (cosines near
    // 1 for any two words); compare the vectors less their mean over the vocabulary.
    let centred = |e: &skipgram::Embeddings| {
        let mean = e.vectors().mean_axis(ndarray::Axis(0)).unwrap();
        move |v: ndarray::ArrayView1<f32>| &v - &mean
    };
    let (sc, wc) = (centred(se.embeddings()), centred(&we));
    let sub_gap = gap(&|a, b| {
        cosine(
            sc(se.embedding(a).unwrap().view()).view(),
            sc(se.embedding(b).unwrap().view()).view(),
        )
    });
    let word_gap =
        gap(&|a, b| cosine(wc(we.get(a).unwrap()).view(), wc(we.get(b).unwrap()).view()));
    // Measured: 0.54 with subwords, 0.16 without.
    assert!(
        sub_gap > word_gap + 0.2,
        "subwords {sub_gap:.3}, words {word_gap:.3}"
    );
}

#[test]
fn maxn_zero_is_word_level_training() {
    let corpus = Corpus::from_text(corpus(200, &[]));
    let base = TrainConfig { maxn: 0, ..cfg(0) };
    let other = TrainConfig {
        minn: 2,
        bucket: 7,
        ..base
    };
    let a = Trainer::new(base)
        .unwrap()
        .fit(&corpus, TrainOptions::new())
        .unwrap()
        .0;
    let b = Trainer::new(other)
        .unwrap()
        .fit(&corpus, TrainOptions::new())
        .unwrap()
        .0;
    assert!(a.ngram_weights().is_none());
    assert_eq!(a.input_weights(), b.input_weights());
    assert_eq!(a.output_weights(), b.output_weights());
}

#[test]
fn a_trained_subword_model_round_trips_through_fasttext_bin() {
    let corpus = Corpus::from_text(corpus(200, &[]));
    let cfg = cfg(4);
    let trainer = Trainer::new(cfg).unwrap();
    let (mut model, _) = trainer.fit(&corpus, TrainOptions::new()).unwrap();
    // More epochs continue the n-gram rows too.
    let before = model.ngram_weights().unwrap().to_owned();
    trainer
        .train(&mut model, &corpus, Epochs::More(1), TrainOptions::new())
        .unwrap();
    assert_ne!(model.ngram_weights().unwrap(), before);
    let ft = model.to_fasttext(&cfg).unwrap();
    assert_eq!(ft.input().nrows(), model.vocab_size() + 5_000);
    assert_eq!((ft.args().minn, ft.args().maxn, ft.args().epoch), (3, 4, 4));
    let back = FastTextModel::from_bytes(&ft.to_bytes().unwrap()).unwrap();
    assert_eq!(back, ft);
    // The .vec vector of a word is the mean of its rows.
    let emb = model.subword_embeddings().unwrap();
    let rows = ft.subword_rows("horse");
    let mut mean = ndarray::Array1::<f32>::zeros(16);
    for &r in &rows {
        mean += &ft.input().row(r);
    }
    mean /= rows.len() as f32;
    let got = emb.embeddings().get("horse").unwrap();
    assert!(got.iter().zip(&mean).all(|(a, b)| (a - b).abs() < 1e-6));
    // The model's own embeddings are those composed vectors, bit for bit, without the
    // copy of every n-gram row that the fastText form makes; a word's own row of p alone
    // is not its vector.
    let own = model.to_embeddings();
    assert_eq!(own.vectors(), emb.embeddings().vectors());
    assert_ne!(own.vectors(), model.input_weights());
    assert_eq!(model.clone().into_embeddings().vectors(), own.vectors());
    // Word + context vectors start from the composed vectors too.
    let sum = model.to_embeddings_with(skipgram::VectorKind::Sum).unwrap();
    assert_eq!(
        sum.vectors(),
        &own.vectors() + &model.output_weights_transposed()
    );
    // Checkpoints hold word-level models only: a clear error, no file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.ckpt");
    let err = Checkpoint::save(&model, &cfg, &path).unwrap_err();
    assert!(matches!(err, Error::InvalidConfig(_)), "{err}");
    assert!(!path.exists());
}

/// A subword model trained with hierarchical softmax is saved as fastText's `.bin` (`loss
/// hs`), read back with the same node vectors, and trained further from it.
#[test]
fn a_hierarchical_softmax_subword_model_resumes_from_its_bin() {
    let corpus = Corpus::from_text(corpus(200, &[]));
    let cfg = TrainConfig {
        objective: Objective::HierarchicalSoftmax,
        ..cfg(4)
    };
    let (model, _) = Trainer::new(cfg)
        .unwrap()
        .fit(&corpus, TrainOptions::new())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hs.bin");
    model.save_fasttext(&cfg, &path).unwrap();
    let ft = FastTextModel::read(&path).unwrap();
    assert_eq!(ft.args().loss, skipgram::io::fasttext::LOSS_HS);
    let (mut back, read_cfg) = skipgram::SkipGramModel::from_fasttext(&ft).unwrap();
    assert_eq!(read_cfg.objective, Objective::HierarchicalSoftmax);
    assert_eq!(back.hs_node_vectors(), model.hs_node_vectors());
    assert_eq!(back.input_weights(), model.input_weights());
    assert_eq!(back.ngram_weights(), model.ngram_weights());
    assert_eq!(back.epochs_trained(), 3);
    let nodes = back.hs_node_vectors().unwrap().to_owned();
    let report = Trainer::new(cfg)
        .unwrap()
        .train(&mut back, &corpus, Epochs::More(1), TrainOptions::new())
        .unwrap();
    assert_eq!(report.epochs[0].epoch, 4);
    assert_ne!(back.hs_node_vectors().unwrap(), nodes);
}

#[test]
fn subword_settings_are_checked() {
    let bad = [
        TrainConfig {
            minn: 4,
            maxn: 3,
            ..cfg(3)
        },
        TrainConfig { minn: 0, ..cfg(3) },
        TrainConfig {
            bucket: 0,
            ..cfg(3)
        },
        TrainConfig {
            objective: Objective::Softmax,
            ..cfg(3)
        },
        TrainConfig {
            deterministic: true,
            ..cfg(3)
        },
    ];
    for c in bad {
        assert!(
            matches!(Trainer::new(c), Err(Error::InvalidConfig(_))),
            "{c:?}"
        );
    }
    // A model without n-gram rows cannot train with subwords.
    let corpus = Corpus::from_text(corpus(20, &[]));
    let (mut word, _) = Trainer::new(cfg(0))
        .unwrap()
        .fit(&corpus, TrainOptions::new())
        .unwrap();
    let err = Trainer::new(cfg(3))
        .unwrap()
        .train(&mut word, &corpus, Epochs::More(1), TrainOptions::new())
        .unwrap_err();
    assert!(err.to_string().contains("no n-gram rows"), "{err}");
}

#[test]
fn an_n_gram_table_that_cannot_be_allocated_is_an_error() {
    let corpus = Corpus::from_text(corpus(20, &[]));
    let huge = TrainConfig {
        dim: 100_000,
        bucket: i32::MAX as usize,
        ..cfg(3)
    };
    let trainer = Trainer::new(huge).unwrap();
    let vocab = trainer
        .build_vocabulary(&corpus, &TrainOptions::new())
        .unwrap();
    let err = trainer.init_model(vocab).unwrap_err();
    assert!(matches!(err, Error::OutOfMemory { .. }), "{err}");
}
