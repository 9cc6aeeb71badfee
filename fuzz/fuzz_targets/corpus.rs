//! The corpus reader on arbitrary bytes: `TokenReader` (through buffers of every small size)
//! against a reference tokenizer; `Corpus::from_bytes` vocabulary building, strict and
//! lossy, with and without preprocessing; and, when a vocabulary builds and the first byte
//! is odd, one cheap training run (dim 4, 1 epoch) whose weights must stay finite and which
//! must read every token once.
//!
//! Input layout: two configuration bytes, then the corpus bytes.
#![no_main]

use std::io::BufReader;

use libfuzzer_sys::fuzz_target;
use skipgram::corpus::MAX_TOKEN_BYTES;
use skipgram::{
    Corpus, Epochs, Error, Objective, Preprocessor, TokenReader, TrainConfig, TrainOptions, Trainer,
};

/// (bytes, offset, line_start) of every token, computed the obvious way.
fn reference_tokens(data: &[u8]) -> Vec<(&[u8], u64, bool)> {
    let mut out = Vec::new();
    let mut newline = false;
    let mut i = 0;
    while i < data.len() {
        if data[i].is_ascii_whitespace() {
            newline |= data[i] == b'\n';
            i += 1;
            continue;
        }
        let start = i;
        while i < data.len() && !data[i].is_ascii_whitespace() {
            i += 1;
        }
        if i - start <= MAX_TOKEN_BYTES {
            out.push((&data[start..i], start as u64, std::mem::take(&mut newline)));
        }
    }
    out
}

fn read_tokens(data: &[u8], capacity: usize) -> Vec<(Vec<u8>, u64, bool)> {
    let mut r = TokenReader::new(BufReader::with_capacity(capacity, data));
    let mut out = Vec::new();
    while let Some(t) = r.next_token().expect("reading from memory") {
        out.push((t.bytes.to_vec(), t.offset, t.line_start));
    }
    out
}

fuzz_target!(|input: &[u8]| {
    let [a, b, data @ ..] = input else {
        return;
    };
    let (a, b) = (*a, *b);

    // 1. Tokens, through a small buffer (so tokens straddle refills) and a large one.
    let want = reference_tokens(data);
    for capacity in [1 + (a as usize % 7), 1 << 16] {
        let got = read_tokens(data, capacity);
        assert_eq!(got.len(), want.len(), "token count, buffer {capacity}");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!((&g.0[..], g.1, g.2), *w, "buffer {capacity}");
        }
    }

    // 2. Vocabulary, strict and lossy.
    let min_count = 1 + u64::from(a >> 6); // 1..=4
    let max_size = (b & 1 == 1).then_some(1 + (b as usize >> 1) % 8);
    let lossy_corpus = Corpus::from_bytes(data.to_vec()).lossy_utf8(true);
    let strict_corpus = Corpus::from_bytes(data.to_vec());
    let all_utf8 = want.iter().all(|t| std::str::from_utf8(t.0).is_ok());
    let lossy = lossy_corpus.build_vocabulary(min_count, max_size);
    let strict = strict_corpus.build_vocabulary(min_count, max_size);
    match (&strict, all_utf8) {
        (Err(Error::InvalidUtf8 { offset, path: None }), false) => {
            assert!((*offset as usize) < data.len());
        }
        (_, false) => panic!("strict reading of non-UTF-8 tokens gave {strict:?}"),
        (s, true) => match (s, &lossy) {
            (Ok(x), Ok(y)) => assert_eq!(x, y),
            (Err(x), Err(y)) => {
                assert_eq!(std::mem::discriminant(x), std::mem::discriminant(y));
            }
            _ => panic!("strict {s:?} vs lossy {lossy:?} on UTF-8 input"),
        },
    }
    let mut tokens = 0u64;
    lossy_corpus
        .for_each_token(|t| {
            assert!(!t.is_empty() && !t.bytes().any(|b| b.is_ascii_whitespace()));
            tokens += 1;
        })
        .expect("lossy scanning never fails on memory");
    assert_eq!(tokens, want.len() as u64);
    let vocab = match lossy {
        Ok(v) => v,
        Err(Error::EmptyCorpus) => {
            assert!(want.is_empty());
            return;
        }
        Err(Error::EmptyVocabulary { .. }) => return,
        Err(e) => panic!("unexpected vocabulary error {e:?}"),
    };
    assert!(vocab.counts().iter().all(|&c| c >= min_count));
    assert!(
        vocab.counts().windows(2).all(|w| w[0] >= w[1]),
        "not sorted by count"
    );
    if max_size.is_none() && min_count == 1 {
        assert_eq!(vocab.total_count(), tokens);
    }
    if let Some(m) = max_size {
        assert!(vocab.len() <= m);
    }

    // 3. Preprocessing never panics, and keeps at most as many tokens.
    if b & 2 == 2 {
        let mut kept = 0u64;
        static TUTORIAL: std::sync::OnceLock<Preprocessor> = std::sync::OnceLock::new();
        let tutorial = TUTORIAL.get_or_init(Preprocessor::tutorial).clone();
        let pre = lossy_corpus.clone().with_preprocessor(tutorial);
        pre.for_each_token(|_| kept += 1).expect("lossy");
        assert!(kept <= tokens);
        let _ = pre.build_vocabulary(1, None);
    }

    // 4. One cheap training run, for half the inputs and small ones only: a training call
    // costs milliseconds (thread start-up, the shared matrices), far more than the rest.
    if a & 1 == 0 || data.len() > 2048 {
        return;
    }
    let objective = match b >> 6 {
        0 | 1 => Objective::NegativeSampling,
        2 => Objective::HierarchicalSoftmax,
        _ => Objective::Softmax,
    };
    let alpha = match (b >> 2) & 3 {
        0 | 1 => 0.025,
        2 => 0.5,
        _ => 1e30,
    };
    let config = TrainConfig {
        dim: 4,
        epochs: 1,
        threads: if b & 16 == 16 { 3 } else { 1 },
        window: 1 + (a as usize >> 3) % 3,
        negative: 1 + (a as usize) % 3,
        min_count,
        max_final_vocab: max_size,
        sample: if a & 4 == 4 { 1e-3 } else { 0.0 },
        max_sentence_len: 1 + (a as usize >> 5),
        alpha,
        objective,
        seed: u64::from(a),
        ..TrainConfig::default()
    };
    let trainer = Trainer::new(config).expect("a valid configuration");
    let mut model = trainer
        .init_model(vocab.clone())
        .expect("the vocabulary built above");
    assert_eq!(model.vocab(), &vocab);
    let before = model.clone();
    match trainer.train(&mut model, &lossy_corpus, Epochs::Planned, TrainOptions::new()) {
        Ok(report) => {
            assert_eq!(report.epochs.len(), 1);
            // Every in-vocabulary token is read exactly once, however the corpus is split.
            assert_eq!(report.epochs[0].words, vocab.total_count(), "{config:?}");
            assert!(report.epochs[0].loss.is_finite());
            assert_eq!(model.epochs_trained(), 1);
            let finite = model.input_weights().iter().all(|x| x.is_finite())
                && model.output_weights_transposed().iter().all(|x| x.is_finite())
                && model
                    .hs_node_vectors()
                    .is_none_or(|h| h.iter().all(|x| x.is_finite()));
            assert!(finite, "Ok, but non-finite weights with {config:?}");
        }
        Err(Error::Diverged { .. }) if alpha > 0.1 => {
            assert_eq!(model.input_weights(), before.input_weights());
            assert_eq!(model.epochs_trained(), 0);
        }
        Err(Error::InvalidConfig(_))
            if objective == Objective::HierarchicalSoftmax && vocab.len() < 2 => {}
        Err(e) => panic!("training failed with {e:?} for {config:?}"),
    }
});
