//! The phrases issue's targets on the shared corpus, which a fresh clone does not have: run
//! with `cargo test --release --test it phrases_targets -- --ignored --nocapture`.

use std::collections::BTreeMap;

use skipgram::phrases::{PhraseModel, Phrases, PhrasesConfig};
use skipgram::Corpus;

/// The targets on the shared corpus (run with
/// `cargo test --release --test phrases_targets -- --ignored --nocapture`): with default settings,
/// learned on the first 30 MB, `new_york`, `united_states`, `los_angeles`, `prime_minister`
/// and `world_war` are each joined at least 100 times and `of_the` / `in_the` at most 50
/// times; and the time to learn the full 100 MB is printed.
#[test]
#[ignore = "reads the shared data folder (SKIPGRAM_DATA or ../shared/data)"]
fn targets_on_the_shared_corpus() {
    use std::io::Read;
    let Some(data) = crate::common::shared_data() else {
        return;
    };
    let path = data.join("corpora/enwiki-2015-text8style-100M.txt");
    let mut head = Vec::new();
    std::fs::File::open(&path)
        .unwrap()
        .take(30_000_000)
        .read_to_end(&mut head)
        .unwrap();
    let cut = head.iter().rposition(|&b| b == b' ').unwrap();
    head.truncate(cut);
    let corpus = Corpus::from_bytes(head);
    for (name, config) in [
        ("default", PhrasesConfig::default()),
        ("gensim", PhrasesConfig::gensim()),
        ("word2vec", PhrasesConfig::word2vec()),
    ] {
        let t = std::time::Instant::now();
        let p = Phrases::learn_corpus(config, &corpus).unwrap();
        let learn = t.elapsed();
        let mut out = Vec::new();
        p.write_phrased(&corpus, &mut out).unwrap();
        let mut joined: BTreeMap<&str, u64> = BTreeMap::new();
        for t in std::str::from_utf8(&out).unwrap().split_whitespace() {
            if t.contains('_') {
                *joined.entry(t).or_insert(0) += 1;
            }
        }
        let n = |k: &str| joined.get(k).copied().unwrap_or(0);
        println!(
            "{name}: learned 30 MB in {learn:.2?}; {} entries, {} phrases; new_york {} \
             united_states {} los_angeles {} prime_minister {} world_war {} of_the {} in_the {}",
            p.len_vocab(),
            p.freeze().len(),
            n("new_york"),
            n("united_states"),
            n("los_angeles"),
            n("prime_minister"),
            n("world_war"),
            n("of_the"),
            n("in_the"),
        );
        for k in [
            "new_york",
            "united_states",
            "los_angeles",
            "prime_minister",
            "world_war",
        ] {
            assert!(n(k) >= 100, "{name}: {k} joined {} times", n(k));
        }
        assert!(n("of_the") <= 50 && n("in_the") <= 50, "{name}");
    }
    let t = std::time::Instant::now();
    let full = Phrases::learn_corpus(PhrasesConfig::default(), &Corpus::from_path(&path).unwrap())
        .unwrap();
    println!(
        "learned the full 100 MB in {:.2?} ({} words, {} entries)",
        t.elapsed(),
        full.total_words(),
        full.len_vocab()
    );
    if let Some(kib) = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
    {
        println!("peak memory so far: {kib}");
    }
    let t = std::time::Instant::now();
    let par = Phrases::learn_file_parallel(PhrasesConfig::default(), &path, 2).unwrap();
    println!(
        "learned the full 100 MB on 2 threads in {:.2?}",
        t.elapsed()
    );
    assert_eq!(par.len_vocab(), full.len_vocab());
    assert_eq!(par.total_words(), full.total_words());
}
