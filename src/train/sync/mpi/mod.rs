//! The MPI implementation of [`ModelSync`], the distributed vocabulary, and [`Cluster`], the
//! handle library users create. Only the thread that calls the trainer talks to MPI; the
//! worker threads never do.

use std::cell::Cell;
use std::ops::Range;
use std::time::{Duration, Instant};

use mpi::collective::SystemOperation;
use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use mpi::Threading;

use super::config::SyncConfig;
use super::rates::{apply_merge, merge_factor, rate_scale, saturation, RowRates, CURVATURE};
use super::{hot_rows, Agreed, ModelSync, Status};
use crate::error::{try_vec, Error, Result};
use crate::parallel::in_parts;
use crate::train::shared::{SharedMatrix, SharedWeights};
#[cfg(doc)]
use crate::TrainConfig;

mod vocab;

/// Floats merged per all-reduce call: 1 Mi floats (4 MiB), so that a full-model sync needs
/// 8 MiB of scratch space however large the model is.
const CHUNK_FLOATS: usize = 1 << 20;

/// A handle on the processes of an MPI job (`mpirun -np K …`), for data-parallel training
/// through [`TrainOptions::cluster`](crate::TrainOptions::cluster) with
/// [`Trainer::fit`](crate::Trainer::fit) and [`Trainer::train`](crate::Trainer::train).
/// Feature `mpi`.
///
/// Training follows pWord2Vec (Ji et al. 2016, "Parallelizing Word2Vec in Shared and
/// Distributed Memory", `pWord2Vec_mpi.cpp`): every process (rank) keeps a full copy of p
/// and p' and trains Hogwild on its own 1/K byte range of the corpus with
/// [`TrainConfig::threads`] threads; every [`SyncConfig::period`](crate::SyncConfig::period) seconds the
/// calling thread merges the rows of the most frequent words across ranks
/// ([`SyncConfig::rows`](crate::SyncConfig::rows) rows, doubled by the trailing zero bits of the sync counter), and at the end of every epoch
/// it merges the whole model, so that after training every rank holds the same model. The
/// learning rate decays on the word count of all ranks, exchanged at every sync.
///
/// **Merging** keeps, for every row, its value after the last merge (the same on all ranks;
/// one extra copy of p and p' per rank). Each rank's change since then is summed over the
/// ranks with `MPI_Allreduce`, multiplied by a factor c, and added to that value. Every rank
/// trains with the learning rate multiplied by m = min(K, 4), so the defaults need no
/// change as K grows. With K ≤ 4, c = 1/K: model averaging at K times the rate, which
/// counts a row's updates on all ranks as one process counts them (the rate undone by the
/// average) and averages the rows that every rank has brought to the same optimum.
/// Beyond 4 ranks the rate stays 4α and c goes from 1/4 for rows each rank changed a little
/// since their last merge (summed, in effect) down to 1/K for rows each rank changed many
/// times (averaged), following the expected updates of each row from the vocabulary's
/// counts. Plain summing (c = 1) diverged with 4 ranks: every rank moves a frequent word's
/// row to the same point, the sum moves it K times as far, and the error grows by 1 − K
/// per merge. pWord2Vec's averaging at the unscaled rate (c = 1/K, m = 1) divides the
/// learning rate by K (3.0 % on the analogies with 2 ranks on 30 MB of Wikipedia, against
/// 10.4 % for one process). The learning rate the workers use, as progress reports show
/// it, is the scaled one.
///
/// A merge reads a row, all-reduces the change and updates the row while the local workers
/// keep training. It does not write the merged value over the row: it takes this rank's
/// sent change out of the row's current value and adds the merged change, so the updates a
/// worker made while the sum travelled (tens of milliseconds, longer when ranks wait for
/// each other) are kept and merged next time. Only an update that falls between that last
/// read and write of the row is lost, as Hogwild loses updates. (pWord2Vec writes the
/// merged value over the row; with 8 ranks sharing 2 cores, where a sync took 160 ms, that
/// cost 1.3–2.4 points on the analogies.)
///
/// **Threads.** MPI is initialised with `MPI_THREAD_SERIALIZED`; all MPI calls are made by
/// the thread that calls the trainer, never concurrently.
///
/// **Failures.** Every collective step is entered by all ranks: when training fails on one
/// rank (an I/O error, divergence), every rank learns it at the next sync and returns an
/// error ([`Error::Distributed`] on the others), so none waits forever. A rank that dies
/// makes `mpirun` end the job. A program that stops on an error while other ranks may still
/// be inside a collective should call [`abort`](Self::abort).
///
/// ```no_run
/// use skipgram::{Cluster, Corpus, TrainConfig, TrainOptions, Trainer};
/// let cluster = Cluster::init()?; // once per process, under `mpirun -np K`
/// let corpus = Corpus::from_path("/shared/corpus.txt")?; // the same file on every node
/// let trainer = Trainer::new(TrainConfig { threads: 16, ..Default::default() })?;
/// let (model, _report) = trainer.fit(&corpus, TrainOptions::new().cluster(&cluster))?;
/// if cluster.is_root() {
///     model.to_embeddings().save_word2vec_text("vectors.txt")?;
/// }
/// # Ok::<(), skipgram::Error>(())
/// ```
pub struct Cluster {
    /// Finalises MPI when dropped, if this handle initialised it.
    _universe: Option<Universe>,
    world: SimpleCommunicator,
    rank: usize,
    size: usize,
    stats: Cell<SyncStats>,
}

/// What the periodic and full syncs of a [`Cluster`] cost so far, on this rank.
///
/// Feature `mpi`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SyncStats {
    /// Periodic syncs (hot rows).
    pub syncs: u64,
    /// Bytes of rows this rank sent into the all-reduces of periodic syncs (f32, 4 bytes
    /// each, p and p' together).
    pub bytes: u64,
    /// Wall time of the periodic syncs, in seconds, from reading the rows to writing the
    /// means back (including waiting for slower ranks).
    pub seconds: f64,
    /// Full-model syncs (end of epoch, and every `SyncConfig::full_every` periodic syncs).
    pub full_syncs: u64,
    /// Bytes of the full-model syncs.
    pub full_bytes: u64,
    /// Wall time of the full-model syncs, in seconds.
    pub full_seconds: f64,
}

impl Cluster {
    /// Initialises MPI (thread level `MPI_THREAD_SERIALIZED`) and returns the handle on all
    /// processes of the job (`MPI_COMM_WORLD`). MPI is finalised when the handle is dropped;
    /// it can be initialised only once per process.
    ///
    /// # Errors
    /// [`Error::Distributed`] if MPI was already initialised in this process (use
    /// [`from_initialized`](Self::from_initialized)) or does not support threads.
    pub fn init() -> Result<Self> {
        let (universe, level) =
            mpi::initialize_with_threading(Threading::Serialized).ok_or_else(|| {
                Error::Distributed {
                    message: "MPI is already initialised in this process".into(),
                }
            })?;
        check_threading(level)?;
        Ok(Self::with(Some(universe)))
    }

    /// A handle on `MPI_COMM_WORLD` for a program that initialised MPI itself (with at least
    /// `MPI_THREAD_FUNNELED`, training from the thread that initialised it). The program
    /// keeps the duty of finalising MPI.
    ///
    /// # Errors
    /// [`Error::Distributed`] if MPI is not initialised, or only single-threaded.
    pub fn from_initialized() -> Result<Self> {
        if !mpi::environment::is_initialized() || mpi::environment::is_finalized() {
            return Err(Error::Distributed {
                message: "MPI is not initialised".into(),
            });
        }
        check_threading(mpi::environment::threading_support())?;
        Ok(Self::with(None))
    }

    fn with(universe: Option<Universe>) -> Self {
        let world = SimpleCommunicator::world();
        let rank = usize::try_from(world.rank()).expect("MPI ranks are non-negative");
        let size = usize::try_from(world.size()).expect("MPI sizes are positive");
        Cluster {
            _universe: universe,
            world,
            rank,
            size,
            stats: Cell::new(SyncStats::default()),
        }
    }

    /// Whether this process was started by `mpirun`/`mpiexec` (Open MPI, MPICH or any
    /// PMI/PMIx launcher sets these variables): a program can then call
    /// [`init`](Self::init), and otherwise train as a single process without touching MPI.
    pub fn launched_by_mpirun() -> bool {
        ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"]
            .iter()
            .any(|v| std::env::var_os(v).is_some())
    }

    /// This process's rank, in 0..[`size`](Self::size).
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// The number of processes K.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether this is rank 0, the one that should write output files.
    pub fn is_root(&self) -> bool {
        self.rank == 0
    }

    /// What this rank's syncs have cost since the handle was created.
    pub fn sync_stats(&self) -> SyncStats {
        self.stats.get()
    }

    /// Collective: every rank says whether its step succeeded (`ok`); returns `Ok` only if
    /// all did, so that all ranks go on or stop together (e.g. after rank 0 writes the
    /// output).
    ///
    /// # Errors
    /// [`Error::Distributed`] naming how many ranks failed, on every rank, when any did.
    pub fn agree(&self, ok: bool) -> Result<()> {
        match all_failed(&self.world, ok) {
            0 => Ok(()),
            n => Err(Error::Distributed {
                message: format!("{n} of {} process(es) failed", self.size),
            }),
        }
    }

    /// Collective: whether every rank passed the same `value` (e.g. a checksum of its model
    /// after training).
    pub fn all_equal(&self, value: u64) -> bool {
        let mut lo = 0u64;
        let mut hi = 0u64;
        self.world
            .all_reduce_into(&value, &mut lo, SystemOperation::min());
        self.world
            .all_reduce_into(&value, &mut hi, SystemOperation::max());
        lo == hi
    }

    /// Ends every process of the job with exit status `code` (`MPI_Abort`): for errors after
    /// which the other ranks might wait in a collective forever.
    pub fn abort(&self, code: i32) -> ! {
        self.world.abort(code)
    }
}

/// A row-major copy of `m`.
fn read_all(m: &SharedMatrix) -> Result<Vec<f32>> {
    let dim = m.dim();
    let mut out = try_vec(m.rows().saturating_mul(dim), 0.0f32, || {
        format!("the last synced copy of the weights ({}×{dim})", m.rows())
    })?;
    if dim > 0 {
        for (r, row) in out.chunks_exact_mut(dim).enumerate() {
            m.read_row(r, row);
        }
    }
    Ok(out)
}

fn check_threading(level: Threading) -> Result<()> {
    if level < Threading::Funneled {
        return Err(Error::Distributed {
            message: format!("the MPI library supports only {level:?} threading"),
        });
    }
    Ok(())
}

/// Collective: how many ranks passed `ok = false`.
fn all_failed(comm: &SimpleCommunicator, ok: bool) -> usize {
    let mine = u64::from(!ok);
    let mut all = 0u64;
    comm.all_reduce_into(&mine, &mut all, SystemOperation::sum());
    all as usize
}

/// How long the syncing thread sleeps between two tests of an unfinished all-reduce: from
/// the first value, doubling up to the second.
const POLL: (Duration, Duration) = (Duration::from_micros(20), Duration::from_millis(1));

/// `recv = Σ over ranks of send`, without spinning: a non-blocking all-reduce
/// (`MPI_Iallreduce`) tested after sleeps of 20 µs, 40 µs, … up to 1 ms, so that while it
/// waits for slower ranks the syncing thread leaves its core to the workers and wakes
/// rarely. (A blocking all-reduce busy-polls on the workers' cores: with it, 2 ranks on 2
/// cores spent 37 ms per sync, against 15–27 ms polled.)
fn sum_all<T: Equivalence>(comm: &SimpleCommunicator, send: &[T], recv: &mut [T]) {
    mpi::request::scope(|scope| {
        let mut req = comm.immediate_all_reduce_into(scope, send, recv, SystemOperation::sum());
        let mut pause = POLL.0;
        loop {
            match req.test() {
                Ok(_) => break,
                Err(r) => {
                    req = r;
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(POLL.1);
                }
            }
        }
    });
}

/// Merges rows `rows` of `m` across ranks: each rank's change since the last merge
/// (`m − base`) is summed over all ranks, multiplied by `scale(row)` and added to `base`,
/// which becomes the new value of the rows on every rank; with `live` (workers training
/// meanwhile) the rows keep what the workers added since they were read ([`apply_merge`]).
/// Rows are sent in chunks of at most [`CHUNK_FLOATS`], each packed
/// and unpacked on up to `threads` threads; returns the bytes this rank sent.
#[allow(clippy::too_many_arguments)]
fn merge_rows(
    comm: &SimpleCommunicator,
    m: &SharedMatrix,
    base: &mut [f32],
    rows: Range<usize>,
    send: &mut Vec<f32>,
    recv: &mut Vec<f32>,
    scale: &(dyn Fn(usize) -> f32 + Sync),
    threads: usize,
    live: bool,
) -> u64 {
    let dim = m.dim();
    if dim == 0 || rows.is_empty() {
        return 0;
    }
    let per_chunk = (CHUNK_FLOATS / dim).max(1);
    let mut start = rows.start;
    let mut bytes = 0u64;
    while start < rows.end {
        let end = rows.end.min(start + per_chunk);
        let n = (end - start) * dim;
        send.resize(n, 0.0);
        recv.resize(n, 0.0);
        let base = &mut base[start * dim..end * dim];
        // Pieces of at least PART_ROWS rows: a few thousand rows take longer to copy than
        // a thread takes to start.
        let part = (end - start)
            .div_ceil(threads.max(1))
            .max(PART_ROWS)
            .saturating_mul(dim);
        in_parts(&mut send[..n], base, part, |first, delta, base| {
            let rows = start + first / dim..;
            for ((r, d), b) in rows
                .zip(delta.chunks_exact_mut(dim))
                .zip(base.chunks_exact(dim))
            {
                m.read_row(r, d);
                d.iter_mut().zip(b).for_each(|(d, b)| *d -= b);
            }
        });
        sum_all(comm, &send[..n], &mut recv[..n]);
        let sent = &send[..n];
        in_parts(base, &recv[..n], part, |first, base, sum| {
            let rows = start + first / dim..;
            let mine = &sent[first..first + base.len()];
            let mut now = vec![0.0; dim];
            for (((r, b), d), mine) in rows
                .zip(base.chunks_exact_mut(dim))
                .zip(sum.chunks_exact(dim))
                .zip(mine.chunks_exact(dim))
            {
                // The row's value now, with what the workers added while the sum travelled:
                // take out this rank's sent change and put in the merged one, so that those
                // updates are kept and count in the next merge.
                if live {
                    m.read_row(r, &mut now);
                    apply_merge(b, &mut now, d, mine, scale(r));
                    m.write_row(r, &now);
                } else {
                    // No worker runs: the merged value itself, bit for bit the same on
                    // every rank.
                    let c = scale(r);
                    b.iter_mut().zip(d).for_each(|(b, d)| *b += c * d);
                    m.write_row(r, b);
                }
            }
        });
        bytes += n as u64 * 4;
        start = end;
    }
    bytes
}

/// Rows a thread of [`merge_rows`] packs or unpacks at least.
const PART_ROWS: usize = 4096;

/// [`ModelSync`] over MPI for one training call.
pub(crate) struct MpiSync<'c> {
    cluster: &'c Cluster,
    /// A communicator handle created on this (the calling) thread.
    comm: SimpleCommunicator,
    period: Duration,
    sync_rows: usize,
    full_every: usize,
    /// Periodic syncs so far (all epochs), 1-based after the first.
    counter: u64,
    /// p and p' (or the node vectors) as they were after the last sync of each row, the
    /// same on every rank: row-major, `dim` floats per row.
    base_in: Vec<f32>,
    base_out: Vec<f32>,
    send: Vec<f32>,
    recv: Vec<f32>,
    /// How often each row is updated, and the schedule (set by `begin`).
    rates: Option<RowRates>,
    /// For every row of p and of the output rows: the words all ranks had trained when it
    /// was last merged.
    merged_in: Vec<u64>,
    merged_out: Vec<u64>,
    /// Words all ranks have trained (the schedule's position), as of the last sync.
    words: u64,
    /// Threads of the full merge, which runs between epochs.
    threads: usize,
}

impl<'c> MpiSync<'c> {
    /// The sync for training across `cluster` with the settings `sync`; the full merge
    /// between epochs runs on `threads` threads.
    pub(crate) fn new(cluster: &'c Cluster, sync: &SyncConfig, threads: usize) -> Self {
        MpiSync {
            cluster,
            comm: SimpleCommunicator::world(),
            period: Duration::from_secs_f64(sync.period),
            sync_rows: sync.rows,
            full_every: sync.full_every,
            counter: 0,
            base_in: Vec::new(),
            base_out: Vec::new(),
            send: Vec::new(),
            recv: Vec::new(),
            rates: None,
            merged_in: Vec::new(),
            merged_out: Vec::new(),
            words: 0,
            threads,
        }
    }

    /// Merges the hot block of `rows` rows: the first rows of p and of p'ᵀ, or, for
    /// hierarchical softmax (fewer output rows than words), the last rows of the node
    /// vectors, which are the inner nodes nearest the root of the Huffman tree that every
    /// path passes. `live`: whether workers train meanwhile (see [`merge_rows`]).
    fn merge_hot(&mut self, w: &SharedWeights<'_>, rows: usize, threads: usize, live: bool) -> u64 {
        let v = w.input.rows();
        let o = w.output.rows();
        let out_rows = if o < v {
            o.saturating_sub(rows)..o
        } else {
            0..rows.min(o)
        };
        let in_rows = 0..rows.min(v);
        let (send, recv) = (&mut self.send, &mut self.recv);
        let (k, now) = (self.cluster.size, self.words);
        // `begin` sets the rates; without them every row is averaged.
        let (rin, rout, schedule) = match &self.rates {
            Some(rr) => (&rr.input[..], &rr.output[..], Some(rr.schedule)),
            None => (&[][..], &[][..], None),
        };
        let factor = |rates: &[f64], merged: &[u64], r: usize| {
            let s = schedule.map_or(1.0, |schedule| {
                saturation(
                    rates.get(r).copied().unwrap_or(0.0),
                    merged.get(r).copied().unwrap_or(now),
                    now,
                    k,
                    &schedule,
                    CURVATURE,
                )
            });
            merge_factor(k, rate_scale(k), s)
        };
        let (mi, mo) = (&self.merged_in, &self.merged_out);
        let bytes = merge_rows(
            &self.comm,
            w.input,
            &mut self.base_in,
            in_rows.clone(),
            send,
            recv,
            &|r| factor(rin, mi, r),
            threads,
            live,
        ) + merge_rows(
            &self.comm,
            w.output,
            &mut self.base_out,
            out_rows.clone(),
            send,
            recv,
            &|r| factor(rout, mo, r),
            threads,
            live,
        );
        self.merged_in[in_rows].fill(now);
        self.merged_out[out_rows].fill(now);
        bytes
    }

    fn record(&self, f: impl FnOnce(&mut SyncStats)) {
        let mut s = self.cluster.stats.get();
        f(&mut s);
        self.cluster.stats.set(s);
    }
}

impl ModelSync for MpiSync<'_> {
    fn ranks(&self) -> usize {
        self.cluster.size
    }

    fn rank(&self) -> usize {
        self.cluster.rank
    }

    fn period(&self) -> Option<Duration> {
        (self.cluster.size > 1).then_some(self.period)
    }

    fn begin(&mut self, w: &SharedWeights<'_>, rates: &dyn Fn() -> RowRates) -> Result<()> {
        if self.cluster.size > 1 {
            self.base_in = read_all(w.input)?;
            self.base_out = read_all(w.output)?;
            let r = rates();
            self.words = r.words;
            self.merged_in = try_vec(w.input.rows(), r.words, || {
                format!("the last merge of each row of p ({} rows)", w.input.rows())
            })?;
            self.merged_out = try_vec(w.output.rows(), r.words, || {
                format!(
                    "the last merge of each output row ({} rows)",
                    w.output.rows()
                )
            })?;
            self.rates = Some(r);
        }
        Ok(())
    }

    fn start_epoch(&mut self, words: u64) {
        self.words = words;
    }

    fn periodic(&mut self, mine: Status, w: &SharedWeights<'_>) -> Result<Agreed> {
        let t0 = Instant::now();
        let send = [mine.words, u64::from(mine.done), u64::from(mine.failed)];
        let mut all = [0u64; 3];
        sum_all(&self.comm, &send[..], &mut all[..]);
        let agreed = Agreed {
            words: all[0],
            done: all[1] as usize,
            failed: all[2] as usize,
        };
        self.words = self.words.saturating_add(agreed.words);
        // The epoch's end (a full sync follows) or a failure: no rows to merge.
        if agreed.failed > 0 || agreed.done == self.cluster.size {
            return Ok(agreed);
        }
        self.counter += 1;
        let full = self.full_every > 0 && self.counter.is_multiple_of(self.full_every as u64);
        let rows = if full {
            usize::MAX
        } else {
            hot_rows(self.counter, self.sync_rows, w.input.rows())
        };
        let bytes = self.merge_hot(w, rows, 1, true);
        let secs = t0.elapsed().as_secs_f64();
        self.record(|s| {
            if full {
                s.full_syncs += 1;
                s.full_bytes += bytes;
                s.full_seconds += secs;
            } else {
                s.syncs += 1;
                s.bytes += bytes;
                s.seconds += secs;
            }
        });
        Ok(agreed)
    }

    fn full(&mut self, w: &SharedWeights<'_>) -> Result<()> {
        if self.cluster.size == 1 {
            return Ok(());
        }
        let t0 = Instant::now();
        // The training threads have joined: their cores pack and unpack the rows.
        let bytes = self.merge_hot(w, usize::MAX, self.threads, false);
        let secs = t0.elapsed().as_secs_f64();
        self.record(|s| {
            s.full_syncs += 1;
            s.full_bytes += bytes;
            s.full_seconds += secs;
        });
        Ok(())
    }

    fn agree(&mut self, ok: bool) -> Result<usize> {
        Ok(all_failed(&self.comm, ok))
    }
}
