//! Data-parallel training across the processes of an MPI job (feature `mpi`): the
//! [`Trainer`] methods that take a [`Cluster`]. The scheme and its guarantees are described
//! on [`Cluster`].

use std::time::Instant;

use super::sync::{Cluster, MpiSync};
use super::{Progress, TrainReport, Trainer};
use crate::corpus::Corpus;
use crate::error::Result;
use crate::model::SkipGramModel;
use crate::vocab::{CountOptions, Vocabulary};

impl Trainer {
    /// [`build_vocabulary`](Self::build_vocabulary) across the processes of `cluster`: each
    /// counts its 1/K byte range of `corpus` on `config.threads` threads, rank 0 merges the
    /// counts with the same rule (count descending, ties by the word's bytes; `min_count`,
    /// `max_final_vocab`), and every rank returns the identical vocabulary, equal to the one
    /// a single process counts. With `max_vocab_size` each rank's threads prune their own
    /// counts and rank 0 the merged ones, so the result can differ from a single process's.
    /// Collective: every rank calls it.
    ///
    /// # Errors
    /// As [`Corpus::build_vocabulary`] on the rank where it happened, and
    /// [`Error::Distributed`](crate::Error::Distributed) with that error's message on the
    /// others.
    pub fn build_vocabulary_distributed(
        &self,
        corpus: &Corpus,
        cluster: &Cluster,
    ) -> Result<Vocabulary> {
        cluster.build_vocabulary(
            corpus,
            &CountOptions {
                threads: self.config.threads,
                min_count: self.config.min_count,
                max_final_vocab: self.config.max_final_vocab,
                max_vocab_size: self.config.max_vocab_size,
            },
        )
    }

    /// [`fit`](Self::fit) across the processes of `cluster`: the distributed vocabulary, the
    /// same initial model on every rank (the same `seed`), then every planned epoch with
    /// `config.threads` threads per rank. Every rank returns the same, merged model;
    /// write it from rank 0 only ([`Cluster::is_root`]). Collective.
    ///
    /// # Errors
    /// As [`build_vocabulary_distributed`](Self::build_vocabulary_distributed) and
    /// [`train_distributed`](Self::train_distributed).
    pub fn fit_distributed(
        &self,
        corpus: &Corpus,
        cluster: &Cluster,
    ) -> Result<(SkipGramModel, TrainReport)> {
        let t0 = Instant::now();
        let vocab = self.build_vocabulary_distributed(corpus, cluster)?;
        let t1 = Instant::now();
        let mut model = self.init_model(vocab)?;
        let t2 = Instant::now();
        let mut report =
            self.train_distributed(&mut model, corpus, self.config.epochs, cluster, |_| {})?;
        report.phases.vocabulary = (t1 - t0).as_secs_f64();
        report.phases.initialisation += (t2 - t1).as_secs_f64();
        Ok((model, report))
    }

    /// [`train_with_progress`](Self::train_with_progress) across the processes of
    /// `cluster`: trains until the model has trained `epochs` epochs of the plan, each rank
    /// on its 1/K of the corpus, merging the hot rows every
    /// [`sync_period`](super::TrainConfig::sync_period) and the whole model after every
    /// epoch (see [`Cluster`]). Every rank must start from the same model (same vocabulary, same `seed`) and
    /// call this with the same arguments. The report's word counts and the learning rate
    /// follow the words of all ranks; its loss is this rank's. With one process this is
    /// [`train_with_progress`](Self::train_with_progress). Collective.
    ///
    /// # Errors
    /// As [`train_with_progress`](Self::train_with_progress) on the rank where it happened;
    /// [`Error::Distributed`](crate::Error::Distributed) on the others.
    pub fn train_distributed(
        &self,
        model: &mut SkipGramModel,
        corpus: &Corpus,
        epochs: usize,
        cluster: &Cluster,
        progress: impl FnMut(&Progress),
    ) -> Result<TrainReport> {
        // Every rank learns whether all can start, so none waits for a rank that cannot.
        let schedule = self.plan_until(model, epochs);
        let agreed = cluster.agree(schedule.is_ok());
        let schedule = schedule?;
        agreed?;
        let mut sync = MpiSync::new(cluster, &self.config);
        self.run(model, corpus, epochs, schedule, &mut sync, progress)
    }

    /// [`train_more_with_progress`](Self::train_more_with_progress) across the processes of
    /// `cluster`, as [`train_distributed`](Self::train_distributed). Collective.
    ///
    /// # Errors
    /// As [`train_more`](Self::train_more) on the rank where it happened;
    /// [`Error::Distributed`](crate::Error::Distributed) on the others.
    pub fn train_more_distributed(
        &self,
        model: &mut SkipGramModel,
        corpus: &Corpus,
        extra_epochs: usize,
        cluster: &Cluster,
        progress: impl FnMut(&Progress),
    ) -> Result<TrainReport> {
        let plan = self.plan_more(model, extra_epochs);
        let agreed = cluster.agree(plan.is_ok());
        let (last, schedule) = plan?;
        agreed?;
        let mut sync = MpiSync::new(cluster, &self.config);
        self.run(model, corpus, last, schedule, &mut sync, progress)
    }
}
