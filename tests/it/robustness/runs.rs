//! Runs that would train nothing, endless runs, and vocabulary files: a run either trains
//! something or says why it cannot, before any weights are returned.

use super::*;
use skipgram::{Epochs, TrainOptions};

fn cfg() -> TrainConfig {
    TrainConfig {
        dim: 4,
        vocab: skipgram::VocabConfig {
            min_count: 1,
            ..Default::default()
        },
        epochs: 1,
        threads: 1,
        sample: 0.0,
        ..Default::default()
    }
}

#[test]
fn a_vocabulary_sharing_no_word_with_the_corpus_is_nothing_to_train() {
    let trainer = Trainer::new(cfg()).unwrap();
    let vocab = Vocabulary::from_counts([("alpha", 3u64), ("beta", 2)]).unwrap();
    let mut model = trainer.init_model(vocab).unwrap();
    let before = model.input_weights().to_owned();
    let corpus = Corpus::from_text("x y z x y z\n".repeat(10));
    let e = trainer
        .train(&mut model, &corpus, Epochs::Planned, TrainOptions::new())
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::NothingToTrain {
                tokens_in_vocabulary: 0
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .contains("no corpus word is in the vocabulary"),
        "{e}"
    );
    // Nothing trained, nothing counted.
    assert_eq!(model.input_weights(), before);
    assert_eq!(model.epochs_trained(), 0);
    // One known word per line is no pair either; the message says so.
    let corpus = Corpus::from_text("alpha x y\nbeta z\n".repeat(5));
    let e = trainer
        .train(&mut model, &corpus, Epochs::Planned, TrainOptions::new())
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::NothingToTrain {
                tokens_in_vocabulary: 10
            }
        ),
        "{e:?}"
    );
    // Two known words on one line are enough.
    let corpus = Corpus::from_text("x alpha beta y\n".repeat(5));
    let report = trainer
        .train(&mut model, &corpus, Epochs::Planned, TrainOptions::new())
        .unwrap();
    assert!(report.epochs[0].pairs > 0);
}

#[test]
fn train_more_on_a_foreign_corpus_is_nothing_to_train() {
    let trainer = Trainer::new(cfg()).unwrap();
    let (mut model, _) = trainer
        .fit(
            &Corpus::from_text("a b c a b c\n".repeat(10)),
            TrainOptions::new(),
        )
        .unwrap();
    let before = model.input_weights().to_owned();
    let foreign = Corpus::from_text("p q r\n".repeat(10));
    for hs in [false, true] {
        let t = Trainer::new(TrainConfig {
            objective: match hs {
                true => Objective::HierarchicalSoftmax,
                false => Objective::NegativeSampling,
            },
            ..cfg()
        })
        .unwrap();
        let e = t
            .train(&mut model, &foreign, Epochs::More(1), TrainOptions::new())
            .unwrap_err();
        assert!(matches!(e, Error::NothingToTrain { .. }), "{e:?}");
    }
    assert_eq!(model.input_weights(), before);
    assert_eq!(model.epochs_trained(), 1);
}

#[test]
fn train_more_is_capped_as_epochs_is() {
    let trainer = Trainer::new(cfg()).unwrap();
    let corpus = Corpus::from_text("a b c a b c\n".repeat(10));
    let (mut model, _) = trainer.fit(&corpus, TrainOptions::new()).unwrap();
    for extra in [usize::MAX - 1, TrainConfig::MAX_SIZE + 1] {
        let e = trainer
            .train(
                &mut model,
                &corpus,
                Epochs::More(extra),
                TrainOptions::new(),
            )
            .unwrap_err();
        assert!(
            matches!(&e, Error::InvalidConfig(m) if m.contains("epochs is more than")),
            "{e:?}"
        );
    }
    assert_eq!(model.epochs_trained(), 1);
}

#[test]
fn max_final_vocab_on_a_vocabulary_file_keeps_the_most_frequent() {
    // A file not sorted by count: the first two lines are not the two most frequent.
    let file = "rare 2\nmid 5\ntop 9\nalso 5\ntiny 1\n";
    let vocab = Vocabulary::read_counts(&mut file.as_bytes()).unwrap();
    let trainer = Trainer::new(TrainConfig {
        vocab: skipgram::VocabConfig {
            max_final_vocab: Some(2),
            min_count: 2,
            ..Default::default()
        },
        ..cfg()
    })
    .unwrap();
    let v = vocab
        .filtered(
            trainer.config().vocab.min_count,
            trainer.config().vocab.max_final_vocab,
        )
        .unwrap();
    assert_eq!(v.words(), ["top", "mid"]);
    assert_eq!(v.counts(), [9, 5]);
    // Without a cap: every word reaching min_count, most frequent first, ties in file order.
    let v = vocab.filtered(2, None).unwrap();
    assert_eq!(v.words(), ["top", "mid", "also", "rare"]);
    // Nothing reaches min_count: the error carries the min_count asked for.
    let e = vocab.filtered(10, None).unwrap_err();
    assert!(
        matches!(
            e,
            Error::EmptyVocabulary {
                min_count: 10,
                types: 5
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("min_count = 10"), "{e}");
}

#[test]
fn a_count_header_in_a_vocabulary_file_is_skipped_or_refused() {
    // word2vec/fastText style `V N` header naming the words that follow: skipped.
    let v = Vocabulary::read_counts(&mut "3 20\nthe 9\ncat 4\nsat 2\n".as_bytes()).unwrap();
    assert_eq!(v.words(), ["the", "cat", "sat"]);
    assert_eq!(v.index("3"), None);
    // word2vec.c's vocabulary counts `</s>` among its words.
    let v = Vocabulary::read_counts(&mut "3 20\n</s> 0\nthe 9\ncat 4\n".as_bytes()).unwrap();
    assert_eq!(v.words(), ["the", "cat"]);
    // A header that does not match the file is refused at its line, not read as a word.
    let e = Vocabulary::read_counts(&mut "4551 20\nthe 9\ncat 4\n".as_bytes()).unwrap_err();
    assert!(
        matches!(&e, Error::Format { line: Some(1), message, .. } if message.contains("header")),
        "{e:?}"
    );
    // A number later in the file is an ordinary word.
    let v = Vocabulary::read_counts(&mut "the 9\n1990 4\n".as_bytes()).unwrap();
    assert_eq!(v.words(), ["the", "1990"]);
}
