//! A worker's batch of one center word, and the thread-local buffers it is computed in.

use crate::error::{try_vec, Error, Result};

/// Rows of p updated together as one block: 2 × word2vec.c's default window of 5.
///
/// A block sums its rows' gradients into the shared output rows before they are applied,
/// which word2vec.c's pair-by-pair loop does not. The difference grows with the rows: on
/// 60 kB of the bundled text (dim 16, 1 epoch) the mean loss of one block per center word
/// was 0.6 % above the pair-by-pair loss at window 5, 2.3 % at 8, 3.9 % at 10, 9 % at 16,
/// 46 % at 50 and 230 % at 200 (and at window 200 on the 4 MB excerpt the weights blew up).
/// So a batch of at most this many rows is one block (the pWord2Vec speed-up, whose quality
/// at window 5 matches word2vec.c's), and a wider batch is stepped row by row, exactly as
/// word2vec.c does, each row seeing the output rows the previous one updated.
pub(crate) const MAX_BLOCK_ROWS: usize = 10;

/// Row stride of the thread-local buffers: N rounded up to whole 8-float SIMD registers.
/// The padding columns start at zero and stay zero (the updates add products of zeros), so
/// the kernels run without scalar tails.
pub(crate) fn padded(dim: usize) -> usize {
    dim.next_multiple_of(8)
}

/// One worker's scratch buffers, allocated once per epoch; rows have stride [`padded`]`(N)`.
pub(crate) struct Scratch {
    pub(crate) a: Vec<f32>,
    pub(crate) b: Vec<f32>,
    pub(crate) g: Vec<f32>,
    pub(crate) db: Vec<f32>,
    /// The batch being computed and the next one, whose rows are being prefetched.
    pub(crate) cur: Batch,
    pub(crate) next: Batch,
}

impl Scratch {
    /// Buffers for blocks of `rows` rows of p against `o` output rows of stride `n`.
    pub(crate) fn new(rows: usize, o: usize, n: usize) -> Result<Self> {
        let what = || format!("training scratch space ({rows}+{o} rows of {n})");
        let len = |a: usize, b: usize| {
            a.checked_mul(b).ok_or_else(|| Error::OutOfMemory {
                what: what(),
                bytes: u64::MAX,
            })
        };
        Ok(Scratch {
            a: try_vec(len(rows, n)?, 0.0, what)?,
            b: try_vec(len(o, n)?, 0.0, what)?,
            g: try_vec(len(rows, o)?, 0.0, what)?,
            db: try_vec(len(o, n)?, 0.0, what)?,
            cur: Batch::default(),
            next: Batch::default(),
        })
    }
}

/// One center word's update: its context words (rows of p) and output rows with labels.
///
/// For the binary objectives a row that occurs twice in a batch (a context word repeated
/// in the window, a noise word drawn twice) is kept once with weight 2: the update is then
/// the same as applying both occurrences' deltas, and each row is written back once.
#[derive(Default)]
pub(crate) struct Batch {
    pub(crate) center: u32,
    /// (center, context) pairs this batch trains.
    pub(crate) pairs: u64,
    pub(crate) ctx: Vec<u32>,
    pub(crate) ctx_weight: Vec<f32>,
    pub(crate) out: Vec<u32>,
    pub(crate) out_weight: Vec<f32>,
    pub(crate) labels: Vec<f32>,
    /// Subword training only: per (center, context) pair, the indices in `out` of its
    /// context word and noise words (`slots`), and where each pair's indices end (`ends`).
    pub(crate) slots: Vec<u32>,
    pub(crate) ends: Vec<u32>,
}

/// Merges repeated ids, keeping each first occurrence with its multiplicity as weight (and
/// its label, when labels are given).
pub(crate) fn merge_repeats(
    ids: &mut Vec<u32>,
    weights: &mut Vec<f32>,
    mut labels: Option<&mut Vec<f32>>,
) {
    weights.clear();
    let mut kept = 0;
    for i in 0..ids.len() {
        let id = ids[i];
        if let Some(first) = ids[..kept].iter().position(|&x| x == id) {
            weights[first] += 1.0;
        } else {
            ids[kept] = id;
            if let Some(l) = labels.as_deref_mut() {
                l[kept] = l[i];
            }
            weights.push(1.0);
            kept += 1;
        }
    }
    ids.truncate(kept);
    if let Some(l) = labels {
        l.truncate(kept);
    }
}
