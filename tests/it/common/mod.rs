//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use ndarray::ArrayView1;

/// The first `bytes` bytes (cut at a space) of the examples' default corpus: real English
/// Wikipedia text (CC BY-SA 3.0, see examples/data/README.md).
pub fn real_text(bytes: usize) -> String {
    let all = include_str!("../../../examples/data/enwiki-2015-text8style-4M.txt");
    let cut = all[..bytes.min(all.len())].rfind(' ').unwrap_or(0);
    all[..cut].to_string()
}

/// The shared data folder (the 100 MB corpus and the evaluation sets): `$SKIPGRAM_DATA`, or
/// `../shared/data` next to the repository. `None`, with a message, where it does not exist,
/// so that the `#[ignore]`d tests that read it skip on a fresh clone.
pub fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("SKIPGRAM_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: no shared data folder at {} (set SKIPGRAM_DATA)",
            dir.display()
        );
        None
    }
}

/// Cosine similarity in f64.
pub fn cosine(a: ArrayView1<f32>, b: ArrayView1<f32>) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum();
    let na: f64 = a.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

/// A synthetic corpus with two "topics": animal words occur only among animal words and
/// vehicle words only among vehicle words, in random order (fixed LCG seed), one sentence a
/// line.
pub fn two_topic_corpus(sentences: usize) -> String {
    let animals = ["cat", "dog", "horse", "cow", "sheep", "goat"];
    let vehicles = ["car", "bus", "truck", "train", "plane", "boat"];
    let mut state = 12345u64;
    let mut next = |n: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as usize) % n
    };
    let mut out = String::new();
    for s in 0..sentences {
        let group = if s % 2 == 0 { &animals } else { &vehicles };
        for _ in 0..12 {
            out.push_str(group[next(group.len())]);
            out.push(' ');
        }
        out.push('\n');
    }
    out
}

/// A temporary directory (`tempfile`), removed when dropped.
pub struct TempDir(tempfile::TempDir);

impl TempDir {
    /// A new directory whose name starts with `skipgram-test-{tag}-`.
    pub fn new(tag: &str) -> Self {
        TempDir(
            tempfile::Builder::new()
                .prefix(&format!("skipgram-test-{tag}-"))
                .tempdir()
                .unwrap(),
        )
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        self.0.path()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    /// The names in the directory, sorted (temporary files of a save would show up here).
    pub fn entries(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.0.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

/// Where things are in a version-2 checkpoint (format table in src/io/checkpoint/mod.rs):
/// each section's bytes, without the CRC-32 that follows each.
pub struct CkptLayout {
    /// Offset of V (u64) in the header.
    pub v_at: usize,
    /// Offset of the header's CRC-32.
    pub header_crc_at: usize,
    pub sections: Vec<(&'static str, std::ops::Range<usize>)>,
}

impl CkptLayout {
    pub fn of(b: &[u8]) -> Self {
        let u64_at = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap()) as usize;
        let hl = u32::from_le_bytes(b[18..22].try_into().unwrap()) as usize;
        let h = 26;
        let (v_at, hs_at) = (h + hl - 25, h + hl - 1);
        let (v, n, vocab) = (u64_at(v_at), u64_at(v_at + 8), u64_at(v_at + 16));
        let mut sections = vec![("preamble", 0..22), ("header", h..h + hl)];
        let mut at = h + hl + 4;
        let mut lens = vec![("vocabulary", vocab), ("p", 4 * v * n), ("p'", 4 * v * n)];
        if b[hs_at] == 1 {
            lens.push(("node vectors", 4 * (v - 1) * n));
        }
        for (name, len) in lens {
            sections.push((name, at..at + len));
            at += len + 4;
        }
        assert_eq!(at, b.len(), "not a complete version-2 checkpoint");
        CkptLayout {
            v_at,
            header_crc_at: h + hl,
            sections,
        }
    }

    /// The byte range of section `name`.
    pub fn section(&self, name: &str) -> std::ops::Range<usize> {
        self.sections
            .iter()
            .find(|s| s.0 == name)
            .unwrap()
            .1
            .clone()
    }

    /// Recomputes every checksum of `b` over this layout's sections, so that a patched
    /// field reaches the reader's checks behind the checksums.
    pub fn reseal(&self, b: &mut [u8]) {
        for (_, r) in &self.sections {
            let crc = crc32fast::hash(&b[r.clone()]);
            b[r.end..r.end + 4].copy_from_slice(&crc.to_le_bytes());
        }
    }

    /// Recomputes only the header's checksum (after patching sizes in it).
    pub fn reseal_header(&self, b: &mut [u8]) {
        let r = self.section("header");
        let crc = crc32fast::hash(&b[r]);
        b[self.header_crc_at..self.header_crc_at + 4].copy_from_slice(&crc.to_le_bytes());
    }
}
