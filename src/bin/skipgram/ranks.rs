//! The processes `skipgram train` runs as: one, or (feature `mpi`, under `mpirun -np K`) the
//! K ranks of an MPI job, which train one model together. Rank 0 prints and writes; a rank
//! that fails prints its error and ends every rank (`MPI_Abort`), so none hangs.

use skipgram::TrainOptions;

/// This process's place in the job.
pub(crate) struct Ranks {
    #[cfg(feature = "mpi")]
    cluster: Option<skipgram::Cluster>,
}

impl Ranks {
    /// Joins the MPI job when started by `mpirun` (feature `mpi`); otherwise one process,
    /// without touching MPI.
    pub(crate) fn join() -> skipgram::Result<Self> {
        #[cfg(feature = "mpi")]
        {
            let cluster = if skipgram::Cluster::launched_by_mpirun() {
                Some(skipgram::Cluster::init()?)
            } else {
                None
            };
            Ok(Ranks { cluster })
        }
        #[cfg(not(feature = "mpi"))]
        Ok(Ranks {})
    }

    /// The number of processes K.
    pub(crate) fn size(&self) -> usize {
        #[cfg(feature = "mpi")]
        if let Some(c) = &self.cluster {
            return c.size();
        }
        1
    }

    /// This process's rank.
    pub(crate) fn rank(&self) -> usize {
        #[cfg(feature = "mpi")]
        if let Some(c) = &self.cluster {
            return c.rank();
        }
        0
    }

    /// Whether this process prints and writes files (rank 0).
    pub(crate) fn is_root(&self) -> bool {
        self.rank() == 0
    }

    #[cfg(feature = "mpi")]
    fn cluster(&self) -> Option<&skipgram::Cluster> {
        self.cluster.as_ref().filter(|c| c.size() > 1)
    }

    /// Training options that train across all ranks (with several processes).
    pub(crate) fn options(&self) -> TrainOptions<'_> {
        #[cfg(feature = "mpi")]
        if let Some(c) = self.cluster() {
            return TrainOptions::new().cluster(c);
        }
        TrainOptions::new()
    }

    /// The sync costs of this rank as JSON, when distributed.
    pub(crate) fn sync_json(&self) -> serde_json::Value {
        #[cfg(feature = "mpi")]
        if let Some(c) = self.cluster() {
            let s = c.sync_stats();
            return serde_json::json!({
                "syncs": s.syncs,
                "bytes": s.bytes,
                "seconds": s.seconds,
                "full_syncs": s.full_syncs,
                "full_bytes": s.full_bytes,
                "full_seconds": s.full_seconds,
            });
        }
        serde_json::Value::Null
    }

    /// Waits for rank 0's outcome (`ok` there) on every rank, so that all end alike.
    pub(crate) fn agree(&self, ok: bool) -> skipgram::Result<()> {
        #[cfg(feature = "mpi")]
        if let Some(c) = self.cluster() {
            return c.agree(ok);
        }
        let _ = ok;
        Ok(())
    }

    /// With several ranks: prints `message` naming this rank and ends every rank of the job
    /// with status 1 (`MPI_Abort`), as other ranks may be waiting for this one. With one
    /// process: returns, and the caller reports the error as usual.
    pub(crate) fn fail(&self, message: &str) {
        #[cfg(feature = "mpi")]
        if let Some(c) = self.cluster() {
            // One write of the whole line: `eprintln!` writes its pieces one by one, and
            // mpirun's merged stderr would interleave another rank's line with them.
            let line = format!("error (process {} of {}): {message}\n", c.rank(), c.size());
            let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), line.as_bytes());
            c.abort(1);
        }
        let _ = message;
    }
}
