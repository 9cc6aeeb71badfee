//! Unit tests of checkpoints.

use super::*;
use crate::corpus::Corpus;
use crate::train::{NsDirection, Objective, Trainer};
use crate::vocab::VocabConfig;
use crate::{Epochs, TrainOptions};

fn trained(objective: Objective) -> (SkipGramModel, TrainConfig) {
    let corpus = Corpus::from_text("x y z x y w x z w y ".repeat(20));
    let config = TrainConfig {
        dim: 4,
        vocab: VocabConfig {
            min_count: 1,
            max_final_vocab: Some(100),
            max_vocab_size: Some(1000),
        },
        epochs: 2,
        threads: 1,
        objective,
        ..Default::default()
    };
    let trainer = Trainer::new(config).unwrap();
    let mut model = trainer
        .init_model(
            trainer
                .build_vocabulary(&corpus, &TrainOptions::new())
                .unwrap(),
        )
        .unwrap();
    trainer
        .train(&mut model, &corpus, Epochs::Until(1), TrainOptions::new())
        .unwrap();
    (model, config)
}

fn to_bytes(model: &SkipGramModel, config: &TrainConfig) -> Vec<u8> {
    let mut out = Vec::new();
    Checkpoint::write_to(model, config, &mut out).unwrap();
    out
}

fn weights(m: &SkipGramModel) -> Vec<u32> {
    let mut v: Vec<u32> = m.input_weights().iter().map(|x| x.to_bits()).collect();
    v.extend(m.output_weights_transposed().iter().map(|x| x.to_bits()));
    if let Some(h) = m.hs_node_vectors() {
        v.extend(h.iter().map(|x| x.to_bits()));
    }
    v
}

/// The sections of a version-2 or -3 checkpoint as (name, byte range without the checksum), each
/// followed by its 4-byte CRC-32, computed from the lengths stored in the file.
fn sections(b: &[u8]) -> Vec<(&'static str, std::ops::Range<usize>)> {
    let u64_at = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap()) as usize;
    let hl = u32::from_le_bytes(b[18..22].try_into().unwrap()) as usize;
    let h = PREAMBLE + 4;
    let (v, n, vocab) = (u64_at(h + hl - 25), u64_at(h + hl - 17), u64_at(h + hl - 9));
    let hs = b[h + hl - 1] == 1;
    let mut out = vec![("preamble", 0..PREAMBLE), ("header", h..h + hl)];
    let mut at = h + hl + 4;
    let mut push = |name, len| {
        out.push((name, at..at + len));
        at += len + 4;
    };
    push("vocabulary", vocab);
    push("p", 4 * v * n);
    push("p'", 4 * v * n);
    if hs {
        push("hierarchical softmax node vectors", 4 * (v - 1) * n);
    }
    assert_eq!(at, b.len());
    out
}

/// Recomputes every checksum over the sections of `layout` (an unpatched checkpoint's), so
/// that a patched field reaches the reader's other checks: chained (version 3), each over
/// the sections up to its own.
fn reseal(b: &mut [u8], layout: &[u8]) {
    let mut hasher = crc32fast::Hasher::new();
    for (_, r) in sections(layout) {
        hasher.update(&b[r.clone()]);
        let crc = hasher.clone().finalize();
        b[r.end..r.end + 4].copy_from_slice(&crc.to_le_bytes());
    }
}

/// `b` as a version-2 file: version 2 and each checksum over its own section only.
fn as_version_2(b: &[u8]) -> Vec<u8> {
    let mut v2 = b.to_vec();
    v2[14..18].copy_from_slice(&2u32.to_le_bytes());
    for (_, r) in sections(b) {
        let crc = crc32fast::hash(&v2[r.clone()]);
        v2[r.end..r.end + 4].copy_from_slice(&crc.to_le_bytes());
    }
    v2
}

#[test]
fn round_trip_restores_everything() {
    for objective in [
        Objective::Softmax,
        Objective::NegativeSampling,
        Objective::HierarchicalSoftmax,
    ] {
        let (model, config) = trained(objective);
        let bytes = to_bytes(&model, &config);
        let back = Checkpoint::read_from(&mut bytes.as_slice()).unwrap();
        assert_eq!(back.1, config);
        assert_eq!(back.0.vocab(), model.vocab());
        assert_eq!(back.0.epochs_trained(), 1);
        let hs = objective == Objective::HierarchicalSoftmax;
        assert_eq!(back.0.hs_node_vectors().is_some(), hs);
        assert_eq!(weights(&back.0), weights(&model));
        // Layout: V = 4 one-byte words, N = 4: preamble 22, header 116 + 4·8 + 1 = 149,
        // vocabulary 4 × 13, two 4×4 matrices, possibly 3×4 node vectors; each + CRC.
        let hs_bytes = if hs { 48 + 4 } else { 0 };
        assert_eq!(
            bytes.len(),
            (22 + 4) + (149 + 4) + (52 + 4) + 2 * (64 + 4) + hs_bytes
        );
        let names: Vec<&str> = sections(&bytes).iter().map(|s| s.0).collect();
        assert_eq!(names.len(), 5 + usize::from(hs));
        let (model2, config2) = back;
        assert_eq!((weights(&model2), config2), (weights(&model), config));
    }
}

#[test]
fn every_truncation_is_an_error() {
    let (model, config) = trained(Objective::HierarchicalSoftmax);
    let bytes = to_bytes(&model, &config);
    for cut in 0..bytes.len() {
        match Checkpoint::read_from(&mut &bytes[..cut]) {
            Err(Error::Truncated { .. }) => {}
            other => panic!("cut at {cut}: {other:?}"),
        }
    }
}

fn checksum_failure(r: Result<(SkipGramModel, TrainConfig)>) -> String {
    match r {
        Err(e @ Error::Format { .. }) => {
            let m = e.to_string();
            assert!(m.contains("checksum failed in the "), "{m}");
            m
        }
        other => panic!("expected a failed checksum, got {other:?}"),
    }
}

#[test]
fn a_flip_in_each_section_names_that_section() {
    let (model, config) = trained(Objective::HierarchicalSoftmax);
    let bytes = to_bytes(&model, &config);
    let secs = sections(&bytes);
    let expected = [
        "preamble",
        "header (configuration and sizes)",
        "vocabulary",
        "p:",
        "p' (stored V×N)",
        "hierarchical softmax node vectors",
    ];
    assert_eq!(secs.len(), expected.len());
    for ((name, range), want) in secs.iter().zip(expected) {
        // The middle of the section, and its checksum.
        for at in [(range.start + range.end) / 2, range.end + 1] {
            let mut b = bytes.clone();
            b[at] ^= 0x10;
            let m = checksum_failure(Checkpoint::read_from(&mut b.as_slice()));
            assert!(
                m.contains(&format!("checksum failed in the {want}")),
                "{name} byte {at}: {m}"
            );
        }
    }
}

#[test]
fn every_single_byte_flip_is_a_failed_checksum() {
    let (model, config) = trained(Objective::HierarchicalSoftmax);
    let bytes = to_bytes(&model, &config);
    for at in 0..bytes.len() {
        for mask in [0x01u8, 0x80, 0xff] {
            let mut b = bytes.clone();
            b[at] ^= mask;
            checksum_failure(Checkpoint::read_from(&mut b.as_slice()));
        }
    }
}

#[test]
fn old_versions_and_other_files_are_named() {
    let (model, config) = trained(Objective::NegativeSampling);
    let mut v1 = to_bytes(&model, &config);
    v1[14..18].copy_from_slice(&1u32.to_le_bytes());
    match Checkpoint::read_from(&mut v1.as_slice()) {
        Err(e @ Error::Format { .. }) => assert!(e.to_string().contains("version-1"), "{e}"),
        other => panic!("{other:?}"),
    }
    let mut v4 = to_bytes(&model, &config);
    v4[14..18].copy_from_slice(&4u32.to_le_bytes());
    reseal(&mut v4, &v1);
    match Checkpoint::read_from(&mut v4.as_slice()) {
        Err(e @ Error::Format { .. }) => assert!(e.to_string().contains("version 4"), "{e}"),
        other => panic!("{other:?}"),
    }
    let text = b"2 3\nthe 0.1 0.2 0.3\ncat 1 2 3\n";
    match Checkpoint::read_from(&mut &text[..]) {
        Err(e @ Error::Format { .. }) => {
            let m = e.to_string();
            assert!(m.contains("not a skipgram checkpoint"), "{m}");
            assert!(!m.chars().any(char::is_control), "{m}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn fields_behind_a_valid_checksum_are_still_checked() {
    let (model, config) = trained(Objective::NegativeSampling);
    let bytes = to_bytes(&model, &config);
    let h = PREAMBLE + 4;
    let hl = u32::from_le_bytes(bytes[18..22].try_into().unwrap()) as usize;
    // Offsets inside the configuration: see config.rs.
    let patched = |at: usize, val: &[u8]| {
        let mut b = bytes.clone();
        b[at..at + val.len()].copy_from_slice(val);
        reseal(&mut b, &bytes);
        Checkpoint::read_from(&mut b.as_slice())
    };
    let format_with = |r: Result<(SkipGramModel, TrainConfig)>, what: &str| match r {
        Err(e @ Error::Format { .. }) => assert!(e.to_string().contains(what), "{what}: {e}"),
        other => panic!("{what}: {other:?}"),
    };
    format_with(patched(0, b"X"), "magic");
    format_with(patched(18, &5000u32.to_le_bytes()), "header claims");
    format_with(patched(h, &0u64.to_le_bytes()), "dim"); // dim 0: invalid config
    format_with(patched(h + 16, &[7]), "objective code");
    format_with(patched(h + 25, &[9]), "direction code");
    format_with(patched(h + 50, &[2]), "max_final_vocab flag");
    let v_at = h + hl - 25;
    assert_eq!(&bytes[v_at..v_at + 8], &4u64.to_le_bytes());
    format_with(patched(v_at, &0u64.to_le_bytes()), "V = 0");
    format_with(patched(v_at + 8, &5u64.to_le_bytes()), "dimension 5");
    format_with(
        patched(v_at + 16, &5u64.to_le_bytes()),
        "cannot take 5 bytes",
    );
    format_with(patched(h + hl - 1, &[2]), "flag must be 0 or 1");
    // A huge V (and so V×N) on a short stream: Truncated, without allocating V entries.
    let mut huge = bytes.clone();
    huge[v_at..v_at + 8].copy_from_slice(&u64::from(u32::MAX).to_le_bytes());
    huge[v_at + 16..v_at + 24].copy_from_slice(&(13 * u64::from(u32::MAX)).to_le_bytes());
    let crc = crc32fast::hash(&[&huge[..PREAMBLE], &huge[h..h + hl]].concat());
    huge[h + hl..h + hl + 4].copy_from_slice(&crc.to_le_bytes());
    assert!(matches!(
        Checkpoint::read_from(&mut huge.as_slice()),
        Err(Error::Truncated { .. })
    ));
    let vocab_at = h + hl + 4;
    // A word length beyond the cap, invalid UTF-8 in the first (one-byte) word.
    format_with(patched(vocab_at, &u32::MAX.to_le_bytes()), "claims");
    assert!(matches!(
        patched(vocab_at + 4, &[0xff]),
        Err(Error::InvalidUtf8 { offset, .. }) if offset == vocab_at as u64 + 4
    ));
    // NaN in p: found only once the checksum has passed.
    let p_at = vocab_at + 52 + 4;
    assert!(matches!(
        patched(p_at + 4, &f32::NAN.to_le_bytes()),
        Err(Error::NonFinite { what: "p" })
    ));
}

#[test]
fn the_config_encoding_round_trips_every_variant() {
    for (objective, ns_direction, max_final_vocab, ns_exponent) in [
        (
            Objective::Softmax,
            NsDirection::CenterPredictsContext,
            None,
            None,
        ),
        (
            Objective::HierarchicalSoftmax,
            NsDirection::ContextPredictsCenter,
            Some(7),
            Some(0.6),
        ),
    ] {
        let c = TrainConfig {
            objective,
            ns_direction,
            ns_exponent,
            vocab: VocabConfig {
                max_final_vocab,
                max_vocab_size: max_final_vocab.map(|m| m * 10),
                ..Default::default()
            },
            seed: u64::MAX - 3,
            alpha: 0.0125,
            ..Default::default()
        };
        let mut b = Vec::new();
        encode_config(&c, &mut b);
        assert_eq!(b.len(), 116);
        let mut f = Fields::new(&b, "header");
        assert_eq!(decode_config(&mut f).unwrap(), c);
        assert_eq!(f.remaining(), 0);
    }
}

/// A fresh directory under the system temp dir, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let d =
            std::env::temp_dir().join(format!("skipgram-ckpt-{tag}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        TempDir(d)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn resuming_from_a_saved_checkpoint_is_bit_identical() {
    let corpus = Corpus::from_text(
        "the cat sat on the mat\nthe dog sat on the log\na cat and a dog met on a mat\n".repeat(30),
    );
    let dir = TempDir::new("resume");
    for objective in [Objective::NegativeSampling, Objective::HierarchicalSoftmax] {
        let config = TrainConfig {
            dim: 8,
            window: 3,
            vocab: VocabConfig {
                min_count: 1,
                ..Default::default()
            },
            epochs: 3,
            threads: 1,
            seed: 42,
            objective,
            ..Default::default()
        };
        let trainer = Trainer::new(config).unwrap();
        let mut straight = trainer
            .init_model(
                trainer
                    .build_vocabulary(&corpus, &TrainOptions::new())
                    .unwrap(),
            )
            .unwrap();
        trainer
            .train(&mut straight, &corpus, Epochs::Planned, TrainOptions::new())
            .unwrap();
        assert_eq!(straight.epochs_trained(), 3);

        let mut first = trainer
            .init_model(
                trainer
                    .build_vocabulary(&corpus, &TrainOptions::new())
                    .unwrap(),
            )
            .unwrap();
        trainer
            .train(&mut first, &corpus, Epochs::Until(2), TrainOptions::new())
            .unwrap();
        let after_two = weights(&first);
        let path = dir.0.join("model.ckpt");
        Checkpoint::save(&first, &config, &path).unwrap();

        let mut loaded = Checkpoint::load(&path).unwrap();
        assert_eq!(loaded.1, config);
        assert_eq!(loaded.0.epochs_trained(), 2);
        assert_eq!(weights(&loaded.0), after_two);
        let report = Trainer::new(loaded.1)
            .unwrap()
            .train(&mut loaded.0, &corpus, Epochs::Planned, TrainOptions::new())
            .unwrap();
        assert_eq!(report.epochs.len(), 1);
        assert_eq!(report.epochs[0].epoch, 3);
        assert_eq!(loaded.0.epochs_trained(), 3);
        assert_ne!(weights(&loaded.0), after_two);
        assert_eq!(weights(&loaded.0), weights(&straight), "{objective:?}");
    }
}

#[test]
fn damaged_files_are_rejected() {
    let (model, config) = trained(Objective::HierarchicalSoftmax);
    let dir = TempDir::new("damaged");
    let path = dir.0.join("c.ckpt");
    Checkpoint::save(&model, &config, &path).unwrap();
    let good = std::fs::read(&path).unwrap();
    assert!(Checkpoint::load(&path).is_ok());

    let damaged = dir.0.join("d.ckpt");
    for cut in [0, 10, 140, 150, good.len() / 2, good.len() - 1] {
        std::fs::write(&damaged, &good[..cut]).unwrap();
        match Checkpoint::load(&damaged) {
            Err(Error::Truncated { .. }) => {}
            other => panic!("cut at {cut}: {other:?}"),
        }
    }
    let mut bad = good.clone();
    bad[3] = b'X';
    std::fs::write(&damaged, &bad).unwrap();
    checksum_failure(Checkpoint::load(&damaged));
    let mut long = good.clone();
    long.push(0);
    std::fs::write(&damaged, &long).unwrap();
    match Checkpoint::load(&damaged) {
        Err(e @ Error::Format { .. }) => assert!(e.to_string().contains("after byte"), "{e}"),
        other => panic!("{other:?}"),
    }
    let missing = dir.0.join("missing");
    match Checkpoint::load(&missing) {
        Err(Error::Io { path: Some(p), .. }) => assert_eq!(p, missing),
        other => panic!("{other:?}"),
    }
    let nowhere = dir.0.join("no/such/dir/c.ckpt");
    match Checkpoint::save(&model, &config, &nowhere) {
        Err(Error::Io { path: Some(p), .. }) => assert_eq!(p, nowhere),
        other => panic!("{other:?}"),
    }
}

#[test]
fn refuses_to_write_inconsistent_checkpoints() {
    let (model, config) = trained(Objective::NegativeSampling);
    let mut out = Vec::new();
    assert!(matches!(
        Checkpoint::write_to(&model, &TrainConfig { dim: 5, ..config }, &mut out),
        Err(Error::ShapeMismatch { .. })
    ));
    let bad = TrainConfig {
        alpha: -1.0,
        ..config
    };
    assert!(matches!(
        Checkpoint::write_to(&model, &bad, &mut out),
        Err(Error::OutOfRange {
            setting: "alpha",
            ..
        })
    ));
    assert!(out.is_empty());
}

#[test]
fn version_2_files_are_still_read() {
    let (model, config) = trained(Objective::HierarchicalSoftmax);
    let v3 = to_bytes(&model, &config);
    assert_eq!(&v3[14..18], &3u32.to_le_bytes());
    let v2 = as_version_2(&v3);
    let back = Checkpoint::read_from(&mut v2.as_slice()).unwrap();
    assert_eq!(weights(&back.0), weights(&model));
    assert_eq!(back.0.vocab(), model.vocab());
    // Its checksums cover one section each: a chained reader would refuse them.
    let mut as_v3 = v2.clone();
    as_v3[14..18].copy_from_slice(&3u32.to_le_bytes());
    let pre = crc32fast::hash(&as_v3[..PREAMBLE]);
    as_v3[PREAMBLE..PREAMBLE + 4].copy_from_slice(&pre.to_le_bytes());
    checksum_failure(Checkpoint::read_from(&mut as_v3.as_slice()));
}

#[test]
fn a_section_spliced_from_another_checkpoint_is_refused() {
    // Two checkpoints of the same vocabulary and shape, different weights.
    let (a, config) = trained(Objective::NegativeSampling);
    let mut b_model = a.clone();
    let bumped = b_model.output_array().mapv(|x| x + 0.5);
    b_model.replace_output(bumped);
    let bumped = b_model.input_array().mapv(|x| x - 0.25);
    b_model.replace_input(bumped);
    let (ab, bb) = (to_bytes(&a, &config), to_bytes(&b_model, &config));
    let secs = sections(&ab);
    assert_eq!(secs, sections(&bb));
    let (_, pp) = secs.iter().find(|s| s.0 == "p'").unwrap().clone();
    assert_ne!(ab[pp.clone()], bb[pp.clone()]);
    // p' with its own checksum, taken from the other file.
    let mut spliced = ab.clone();
    spliced[pp.start..pp.end + 4].copy_from_slice(&bb[pp.start..pp.end + 4]);
    let m = checksum_failure(Checkpoint::read_from(&mut spliced.as_slice()));
    assert!(m.contains("p' (stored V×N)"), "{m}");
    assert!(m.contains("different checkpoints"), "{m}");
    // Each section is valid on its own: version 2 could not tell.
    let (a2, b2) = (as_version_2(&ab), as_version_2(&bb));
    let mut spliced2 = a2.clone();
    spliced2[pp.start..pp.end + 4].copy_from_slice(&b2[pp.start..pp.end + 4]);
    assert!(Checkpoint::read_from(&mut spliced2.as_slice()).is_ok());
}

#[test]
fn hierarchical_softmax_without_node_vectors_is_refused() {
    let (model, config) = trained(Objective::NegativeSampling);
    assert!(model.epochs_trained() > 0 && model.hs_node_vectors().is_none());
    let hs = TrainConfig {
        objective: Objective::HierarchicalSoftmax,
        ..config
    };
    // Writing: refused before a byte is written.
    let mut out = Vec::new();
    match Checkpoint::write_to(&model, &hs, &mut out) {
        Err(e @ Error::InvalidConfig(_)) => assert!(e.to_string().contains("node vectors"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(out.is_empty());
    // Reading: a forged file (objective code 2 behind a valid checksum) is refused.
    let bytes = to_bytes(&model, &config);
    let h = PREAMBLE + 4;
    assert_eq!(bytes[h + 16], 1);
    let mut forged = bytes.clone();
    forged[h + 16] = 2;
    reseal(&mut forged, &bytes);
    match Checkpoint::read_from(&mut forged.as_slice()) {
        Err(e @ Error::Format { .. }) => assert!(e.to_string().contains("node vectors"), "{e}"),
        other => panic!("{other:?}"),
    }
    // Before any training there are no node vectors yet (training starts them at zero).
    let mut fresh = model.clone();
    fresh.set_epochs_trained(0);
    let bytes = to_bytes(&fresh, &hs);
    let back = Checkpoint::read_from(&mut bytes.as_slice()).unwrap();
    assert!(back.0.hs_node_vectors().is_none());
}

#[test]
fn a_truncation_counts_the_bytes_present() {
    let (model, config) = trained(Objective::NegativeSampling);
    let bytes = to_bytes(&model, &config);
    let h = PREAMBLE + 4;
    let hl = u32::from_le_bytes(bytes[18..22].try_into().unwrap()) as usize;
    let message = |cut: usize| match Checkpoint::read_from(&mut &bytes[..cut]) {
        Err(Error::Truncated { message, .. }) => message,
        other => panic!("cut at {cut}: {other:?}"),
    };
    for present in [0, 1, 74, hl - 1] {
        let m = message(h + present);
        let want = format!("({} of {hl} bytes missing)", hl - present);
        assert!(m.contains(&want), "{present} present: {m}");
    }
    // p holds V×N = 4×4 values; cut after 5 of them and 2 bytes of the sixth.
    let vocab = sections(&bytes)[2].1.clone();
    let p_at = vocab.end + 4;
    let m = message(p_at + 5 * 4 + 2);
    assert!(m.contains("p (11 of 16 values missing)"), "{m}");
}
