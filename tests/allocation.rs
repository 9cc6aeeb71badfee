//! Loaders never reserve memory a header merely claims: a file whose header announces 10¹²
//! words or a dimension of 10⁹ fails with an error after allocating no more than its size
//! (or, for a reader of unknown length, a fixed amount) can justify.
//!
//! Measured with a counting global allocator, in its own test binary. Counting is per thread
//! (a thread-local flag and counters), so tests running in parallel do not disturb each other.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use ndarray::Array2;
use skipgram::{Checkpoint, Embeddings, ReadWord2Vec, SkipGramModel, TrainConfig, Vocabulary};

struct Counting;

thread_local! {
    static TRACKING: Cell<bool> = const { Cell::new(false) };
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn on_alloc(size: usize) {
    // `try_with`: thread-locals may already be gone while a thread shuts down.
    let _ = TRACKING.try_with(|t| {
        if t.get() {
            let live = LIVE.get() + size;
            LIVE.set(live);
            PEAK.set(PEAK.get().max(live));
            LARGEST.set(LARGEST.get().max(size));
        }
    });
}

fn on_dealloc(size: usize) {
    let _ = TRACKING.try_with(|t| {
        if t.get() {
            LIVE.set(LIVE.get().saturating_sub(size));
        }
    });
}

// SAFETY: every method forwards to the system allocator with the caller's arguments
// unchanged, so `System`'s guarantees carry over; the bookkeeping only touches const
// thread-locals of `Cell<usize>`/`Cell<bool>`, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        on_alloc(layout.size());
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        on_alloc(layout.size());
        // SAFETY: as in `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        on_dealloc(layout.size());
        // SAFETY: `ptr` came from `System` through this allocator with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        on_dealloc(layout.size());
        on_alloc(new_size);
        // SAFETY: as in `dealloc`, and `new_size` is the caller's valid size.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns its result with (peak bytes live during it, largest single
/// allocation), counting this thread's allocations only.
fn measure<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    LIVE.set(0);
    PEAK.set(0);
    LARGEST.set(0);
    TRACKING.set(true);
    let r = f();
    TRACKING.set(false);
    (r, PEAK.get(), LARGEST.get())
}

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;

/// A fresh file under the system temp dir, removed when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(tag: &str, bytes: &[u8]) -> Self {
        let p = std::env::temp_dir().join(format!("skipgram-alloc-{tag}-{}", std::process::id()));
        std::fs::write(&p, bytes).unwrap();
        TempFile(p)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn the_counter_sees_allocations() {
    // The measurement itself works: a 5 MiB vector shows up as such.
    let (_, peak, largest) = measure(|| vec![1u8; 5 * MIB].len());
    assert!(largest >= 5 * MIB && peak >= 5 * MIB, "{peak} {largest}");
    let (_, peak, _) = measure(|| ());
    assert!(peak < KIB);
}

#[test]
fn huge_word2vec_headers_allocate_only_what_the_data_justifies() {
    // 10^12 words (more than a vocabulary holds), 4·10^9 words of dimension 1000, one word
    // of dimension 10^9, 2 words of dimension ~10^18, and claims a naive reader could
    // satisfy (40 MB: 10^5 words of dimension 100, one word of dimension 10^7), each
    // followed by one short line or record.
    for header in [
        "100000 100\n",
        "1 10000000\n",
        "1000000000000 4\n",
        "4000000000 1000\n",
        "1 1000000000\n",
        "2 999999999999999999\n",
    ] {
        let mut text = header.as_bytes().to_vec();
        text.extend_from_slice(b"w 1 2 3\n");
        let mut bin = header.as_bytes().to_vec();
        bin.extend_from_slice(b"w ");
        for x in [1.0f32, 2.0, 3.0] {
            bin.extend_from_slice(&x.to_le_bytes());
        }
        for (data, binary) in [(&text, false), (&bin, true)] {
            // From a file: the reader knows the length; beyond its 1 MiB read buffer it may
            // reserve only in proportion to the file.
            let file = TempFile::new(if binary { "bin" } else { "txt" }, data);
            let (r, peak, largest) = measure(|| {
                if binary {
                    Embeddings::load_word2vec_binary(&file.0)
                } else {
                    Embeddings::load_word2vec_text(&file.0)
                }
            });
            assert!(r.is_err(), "{header}");
            let bound = MIB + 64 * KIB + 64 * data.len();
            assert!(
                peak <= bound && largest <= MIB + 64 * KIB,
                "file, binary = {binary}, {header:?}: peak {peak} B, largest {largest} B"
            );
            // From a reader of unknown length: a fixed amount (a few MiB), never the header's
            // V×N×4 bytes (4 GB to 8 EB here).
            let (r, peak, _) = measure(|| {
                if binary {
                    Embeddings::read_word2vec_binary(&mut data.as_slice())
                } else {
                    Embeddings::read_word2vec_text(&mut data.as_slice())
                }
            });
            assert!(r.is_err(), "{header}");
            assert!(
                peak <= 4 * MIB,
                "reader, binary = {binary}, {header:?}: peak {peak} B"
            );
        }
    }
}

#[test]
fn huge_checkpoint_headers_allocate_only_what_the_data_justifies() {
    // A valid checkpoint of one word of dimension 4, then V patched to 2^32 − 1 (so V×N
    // floats would be 64 GB) and the data cut after the first word.
    let config = TrainConfig {
        dim: 4,
        threads: 1,
        ..Default::default()
    };
    let model = SkipGramModel::from_weights(
        Vocabulary::from_words(["a"]).unwrap(),
        Array2::zeros((1, 4)),
        Array2::zeros((4, 1)),
    )
    .unwrap();
    let mut bytes = Vec::new();
    Checkpoint::write_to(&model, &config, &mut bytes).unwrap();
    // The header (after the 26-byte preamble, its length at bytes 18..22) ends with V, N,
    // the vocabulary's length in bytes (u64 each) and the node-vector flag; its CRC-32
    // follows: see the format table in src/io/checkpoint/mod.rs. V and the vocabulary
    // length are patched and the header's checksum recomputed, so the reader trusts them.
    let header_len = u32::from_le_bytes(bytes[18..22].try_into().unwrap()) as usize;
    let header_end = 26 + header_len;
    let v_at = header_end - 25;
    assert_eq!(bytes[v_at..v_at + 8], 1u64.to_le_bytes());
    bytes[v_at..v_at + 8].copy_from_slice(&u64::from(u32::MAX).to_le_bytes());
    bytes[v_at + 16..v_at + 24].copy_from_slice(&(13 * u64::from(u32::MAX)).to_le_bytes());
    let crc = crc32fast::hash(&bytes[26..header_end]);
    bytes[header_end..header_end + 4].copy_from_slice(&crc.to_le_bytes());
    // Cut after the first vocabulary entry ("a": 4 + 1 + 8 bytes).
    bytes.truncate(header_end + 4 + 13);

    let file = TempFile::new("ckpt", &bytes);
    let (r, peak, _) = measure(|| Checkpoint::load(&file.0));
    assert!(r.is_err());
    assert!(peak <= MIB + 64 * KIB, "file: peak {peak} B");
    let (r, peak, _) = measure(|| Checkpoint::read_from(&mut bytes.as_slice()));
    assert!(r.is_err());
    assert!(peak <= 4 * MIB, "reader: peak {peak} B");
}
