//! Subword models (fastText, Bojanowski et al. 2017): the n-gram bucket rows a
//! [`SkipGramModel`] holds besides p, and the conversions to fastText's `.bin` model and to
//! [`SubwordEmbeddings`].

use std::path::Path;

use ndarray::{s, Array2, ArrayView2, Axis, CowArray, Ix2};
use rand::Rng;

use super::{init_half, init_threads, uniform_weights, SkipGramModel};
use crate::error::{shape2, try_zeros, Error, Result};
use crate::io::fasttext::{
    write_bin, FastTextArgs, FastTextModel, LOSS_HS, LOSS_NS, MODEL_SKIPGRAM,
};
use crate::io::write_atomically;
use crate::parallel::for_each_parallel;
use crate::subword::{for_each_ngram, NgramConfig};
use crate::subword_embeddings::SubwordEmbeddings;
use crate::train::TrainConfig;

impl SkipGramModel {
    /// This model with n-gram rows: `config.bucket` rows of N (bucket×N, 4 bytes each),
    /// drawn uniformly from [−1/N, 1/N) as fastText draws its input matrix; p is left as
    /// it is ([`Trainer::init_model`](crate::Trainer::init_model) draws a subword model's p
    /// from [−1/N, 1/N) as well). A word's input vector is then the
    /// average of its row of p and the rows of its character n-grams' buckets
    /// ([`crate::subword::bucket_ids`]), as in fastText, whose input matrix is p stacked
    /// on these rows ((V + bucket)×N). With `config.maxn == 0` the model stays word-level.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use skipgram::{subword::NgramConfig, SkipGramModel, Vocabulary};
    /// let vocab = Vocabulary::from_words(["cat", "cats"])?;
    /// let mut rng = StdRng::seed_from_u64(1);
    /// let ngrams = NgramConfig { minn: 3, maxn: 4, bucket: 100 };
    /// let model = SkipGramModel::new(vocab, 8, &mut rng)?.with_ngrams(ngrams, &mut rng)?;
    /// assert_eq!(model.ngram_weights().unwrap().dim(), (100, 8));
    /// // An unseen word gets a vector from its n-grams.
    /// assert_eq!(model.subword_embeddings()?.embedding("catty")?.len(), 8);
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] from [`NgramConfig::validate`]; [`Error::OutOfMemory`] if
    /// the bucket×N rows cannot be allocated (checked before any is written).
    pub fn with_ngrams<R: Rng + ?Sized>(
        mut self,
        config: NgramConfig,
        rng: &mut R,
    ) -> Result<Self> {
        config.validate()?;
        if !config.enabled() {
            self.ngrams = None;
            return Ok(self);
        }
        let n = self.dim();
        let b = config.bucket;
        let what = || format!("n-gram rows ({b}×{n})");
        let len = b.checked_mul(n).ok_or_else(|| Error::OutOfMemory {
            what: what(),
            bytes: u64::MAX,
        })?;
        let rows = uniform_weights(len, n, init_half(n, true), rng.random(), what)?;
        self.ngrams = Some((
            config,
            Array2::from_shape_vec((b, n), rows).expect("the length is bucket·N"),
        ));
        Ok(self)
    }

    /// The n-gram settings of a subword model; `None` for a word-level model.
    pub fn ngram_config(&self) -> Option<NgramConfig> {
        self.ngrams.as_ref().map(|(c, _)| *c)
    }

    /// A subword model's n-gram bucket rows, bucket×N: row b belongs to every n-gram whose
    /// hash is b modulo bucket ([`NgramConfig::bucket_of`]); `None` for a word-level model.
    /// fastText's input matrix is p (V×N) stacked on these rows.
    pub fn ngram_weights(&self) -> Option<ArrayView2<'_, f32>> {
        self.ngrams.as_ref().map(|(_, a)| a.view())
    }

    /// The vocabulary words' vectors, V×N: for a subword model each word's row of p
    /// averaged with its n-gram rows (summed in fastText's order and scaled by 1/k, so that
    /// they equal fastText's `get_word_vector` and `.vec` output), on all cores; for a
    /// word-level model a copy of p.
    pub(crate) fn word_vectors(&self) -> Array2<f32> {
        let p = self.input_weights();
        let Some((cfg, ngrams)) = &self.ngrams else {
            return p.to_owned();
        };
        let (v, n) = p.dim();
        let mut out = Array2::<f32>::zeros((v, n));
        let words = self.vocab().words();
        let threads = init_threads();
        let chunk = v.div_ceil(threads).max(1);
        let blocks = out.axis_chunks_iter_mut(Axis(0), chunk).enumerate();
        for_each_parallel(blocks, threads, |(c, mut block)| {
            for (j, mut row) in block.rows_mut().into_iter().enumerate() {
                let i = c * chunk + j;
                row.assign(&p.row(i));
                let mut k = 1usize;
                for_each_ngram(&words[i], cfg, |_, b| {
                    row += &ngrams.row(b);
                    k += 1;
                });
                row *= 1.0 / k as f32;
            }
        });
        out
    }

    /// Takes the n-gram rows out for the trainer, which trains them in place, leaving a
    /// 0×N array until [`put_ngram_array`](Self::put_ngram_array) returns them.
    pub(crate) fn take_ngram_array(&mut self) -> Option<Array2<f32>> {
        let n = self.dim();
        self.ngrams
            .as_mut()
            .map(|(_, a)| std::mem::replace(a, Array2::zeros((0, n))))
    }

    /// Takes p (V×N) out for the trainer, which trains a subword model's input rows in
    /// place, leaving a 0×N array until [`put_input_array`](Self::put_input_array) returns
    /// it.
    pub(crate) fn take_input_array(&mut self) -> Array2<f32> {
        let n = self.dim();
        std::mem::replace(&mut self.input, Array2::zeros((0, n)))
    }

    /// Returns p (V×N), which [`take_input_array`](Self::take_input_array) took.
    pub(crate) fn put_input_array(&mut self, p: Array2<f32>) {
        self.input = p;
    }

    /// Returns the n-gram rows [`take_ngram_array`](Self::take_ngram_array) took.
    pub(crate) fn put_ngram_array(&mut self, rows: Array2<f32>) {
        if let Some((_, a)) = self.ngrams.as_mut() {
            *a = rows;
        }
    }

    /// The model as fastText's: settings from `config` (window, negative, min_count,
    /// sample; dimension and n-gram settings from the model, epochs as trained), the
    /// vocabulary with counts, the input matrix p stacked on the n-gram rows
    /// ((V + bucket)×N; V×N for a word-level model, written with bucket 0 and maxn 0) and
    /// the V×N output matrix: p' for negative sampling (`loss ns`); for hierarchical
    /// softmax (`loss hs`) the V − 1 inner-node vectors, negated because fastText labels a
    /// node with its code bit where word2vec.c labels it with 1 − bit, and a zero row
    /// (fastText builds the same Huffman tree from the counts). [`FastTextModel::write`]
    /// then writes a `.bin` that fastText's `load_model` reads.
    ///
    /// Memory: a copy of the input rows, (V + bucket)×N floats, and of the output matrix.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if a size exceeds fastText's 32-bit settings;
    /// [`Error::OutOfMemory`]; as [`FastTextModel::new`].
    pub fn to_fasttext(&self, config: &TrainConfig) -> Result<FastTextModel> {
        let args = self.fasttext_args(config)?;
        let (v, n) = (self.vocab_size(), self.dim());
        let bucket = self.ngram_config().map_or(0, |c| c.bucket);
        let rows = v + bucket;
        let mut input = try_zeros((rows, n), || {
            format!("fastText input matrix ({})", shape2(rows, n))
        })?;
        input.slice_mut(s![..v, ..]).assign(&self.input_weights());
        if let Some(ng) = self.ngram_weights() {
            input.slice_mut(s![v.., ..]).assign(&ng);
        }
        let output = self.fasttext_output()?.into_owned();
        let words = self
            .vocab()
            .iter()
            .map(|(w, c)| (w.to_string(), c))
            .collect();
        let ntokens = i64::try_from(self.vocab().total_count()).unwrap_or(i64::MAX);
        FastTextModel::new(args, words, ntokens, input, output)
    }

    /// Writes the model as a fastText `.bin` (version 12), as
    /// `self.to_fasttext(config)?.write(path)` does, but streamed from the model's own
    /// matrices: no copy of the (V + bucket)×N input rows is made. Written atomically: on
    /// error no file, or the file that was at `path`, is left.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use skipgram::{io::fasttext::FastTextModel, subword::NgramConfig};
    /// use skipgram::{SkipGramModel, TrainConfig, Vocabulary};
    /// let vocab = Vocabulary::from_counts([("cats", 3), ("cat", 2)])?;
    /// let mut rng = StdRng::seed_from_u64(1);
    /// let ngrams = NgramConfig { minn: 3, maxn: 4, bucket: 50 };
    /// let model = SkipGramModel::new(vocab, 8, &mut rng)?.with_ngrams(ngrams, &mut rng)?;
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("model.bin");
    /// model.save_fasttext(&TrainConfig::default(), &path)?;
    /// assert_eq!(FastTextModel::read(&path)?, model.to_fasttext(&TrainConfig::default())?);
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`to_fasttext`](Self::to_fasttext) for the settings; [`Error::Io`] naming `path`.
    pub fn save_fasttext(&self, config: &TrainConfig, path: impl AsRef<Path>) -> Result<()> {
        let args = self.fasttext_args(config)?;
        let p = self.input_weights();
        let input = match self.ngram_weights() {
            Some(ng) => vec![p, ng],
            None => vec![p],
        };
        let vocab = self.vocab();
        let ntokens = i64::try_from(vocab.total_count()).unwrap_or(i64::MAX);
        let output = self.fasttext_output()?;
        write_atomically(path.as_ref(), |w| {
            write_bin(
                w,
                &args,
                vocab.words(),
                vocab.counts(),
                ntokens,
                &input,
                output.view(),
            )
        })
    }

    /// fastText's settings for this model (see [`to_fasttext`](Self::to_fasttext)).
    fn fasttext_args(&self, config: &TrainConfig) -> Result<FastTextArgs> {
        let i32_of = |name: &str, x: usize| {
            i32::try_from(x).map_err(|_| {
                Error::InvalidConfig(format!(
                    "{name} {x} does not fit fastText's 32-bit settings"
                ))
            })
        };
        let n = self.dim();
        let ngram = self.ngram_config().unwrap_or(NgramConfig {
            minn: 0,
            maxn: 0,
            bucket: 0,
        });
        let args = FastTextArgs {
            dim: i32_of("dim", n)?,
            ws: i32_of("window", config.window)?,
            epoch: i32_of("epochs", self.epochs_trained().max(1))?,
            min_count: i32_of(
                "min_count",
                config.vocab.min_count.min(i32::MAX as u64) as usize,
            )?,
            neg: i32_of("negative", config.negative)?,
            word_ngrams: 1,
            loss: match self.hs_node_vectors() {
                Some(_) => LOSS_HS,
                None => LOSS_NS,
            },
            model: MODEL_SKIPGRAM,
            bucket: i32_of("bucket", ngram.bucket)?,
            minn: i32_of("minn", ngram.minn)?,
            maxn: i32_of("maxn", ngram.maxn)?,
            lr_update_rate: 100,
            t: config.sample,
        };
        Ok(args)
    }

    /// The V×N output matrix of the fastText form: p' transposed (a view) for negative
    /// sampling; for hierarchical softmax the (V−1)×N inner-node vectors negated, then a
    /// zero row (a copy). fastText numbers the nodes as [`HuffmanTree`] does and keeps
    /// node n in output row n, but trains σ(h·u) towards the code bit where word2vec.c and
    /// this crate train σ(h·v) towards 1 − bit: u = −v.
    ///
    /// [`HuffmanTree`]: super::huffman::HuffmanTree
    fn fasttext_output(&self) -> Result<CowArray<'_, f32, Ix2>> {
        let Some(nodes) = self.hs_node_vectors() else {
            return Ok(self.output_weights_transposed().into());
        };
        let (v, n) = (self.vocab_size(), self.dim());
        let mut out = try_zeros((v, n), || {
            format!("fastText output matrix ({})", shape2(v, n))
        })?;
        out.slice_mut(s![..nodes.nrows(), ..])
            .zip_mut_with(&nodes, |o, &x| *o = -x);
        Ok(out.into())
    }

    /// The model of a fastText `.bin` file, to train further, and the settings the file
    /// records: p and the n-gram rows from its (V + bucket)×N input matrix, p' from its
    /// V×N output matrix (with `loss hs`: the inner-node vectors from its first V − 1 rows,
    /// negated as [`to_fasttext`](Self::to_fasttext) describes, and p' zero), the
    /// vocabulary with its counts in the file's row order, epochs trained = the file's
    /// `epoch`. The [`TrainConfig`] carries the file's `dim`, `ws` (window), `neg`, `t`
    /// (sample), `minCount`, `minn`, `maxn`, `bucket`, `epoch` and `loss` (the objective);
    /// every other setting is its default. Memory: a copy of both matrices.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use skipgram::{subword::NgramConfig, SkipGramModel, TrainConfig, Vocabulary};
    /// let vocab = Vocabulary::from_counts([("cats", 3), ("cat", 2)])?;
    /// let mut rng = StdRng::seed_from_u64(1);
    /// let ngrams = NgramConfig { minn: 3, maxn: 4, bucket: 50 };
    /// let model = SkipGramModel::new(vocab, 8, &mut rng)?.with_ngrams(ngrams, &mut rng)?;
    /// let bin = model.to_fasttext(&TrainConfig::default())?;
    /// let (back, config) = SkipGramModel::from_fasttext(&bin)?;
    /// assert_eq!(back.input_weights(), model.input_weights());
    /// assert_eq!(back.ngram_weights(), model.ngram_weights());
    /// assert_eq!((config.dim, config.minn, config.maxn, config.bucket), (8, 3, 4, 50));
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a model other than a skip-gram with negative sampling
    /// or hierarchical softmax (CBOW, supervised: their p' means something else) or with
    /// settings out of range; as [`Vocabulary::from_counts`](crate::Vocabulary::from_counts)
    /// for its words; [`Error::OutOfMemory`].
    pub fn from_fasttext(model: &FastTextModel) -> Result<(Self, TrainConfig)> {
        let a = model.args();
        let hs = a.loss == LOSS_HS;
        if a.model != MODEL_SKIPGRAM || !(hs || a.loss == LOSS_NS) {
            return Err(Error::InvalidConfig(format!(
                "only a skip-gram fastText model with negative sampling or hierarchical \
                 softmax can be trained further here (this one has model {} and loss {})",
                a.model, a.loss
            )));
        }
        let setting = |name: &str, x: i32| {
            usize::try_from(x)
                .map_err(|_| Error::InvalidConfig(format!("the fastText model's {name} is {x}")))
        };
        let (v, n) = (model.words().len(), model.dim());
        let vocab = crate::vocab::Vocabulary::from_counts(
            model
                .words()
                .iter()
                .map(String::as_str)
                .zip(model.counts().iter().copied()),
        )?;
        let input = model.input();
        let p = input.slice(s![..v, ..]).to_owned();
        // Hierarchical softmax: the node vectors are the first V − 1 output rows, negated
        // (see `fasttext_output`), and p' starts at zero as a fresh model's does.
        let (output, nodes) = match hs {
            false => (model.output().to_owned(), None),
            true => {
                let nodes = model
                    .output()
                    .slice(s![..v.saturating_sub(1), ..])
                    .mapv(|x| -x);
                let zeros = try_zeros((v, n), || format!("p' ({n}×{v})"))?;
                (zeros, Some(nodes))
            }
        };
        let mut sg =
            SkipGramModel::from_parts(vocab, p, output, nodes, setting("epoch", a.epoch)?)?;
        let ngrams = model.ngram_config();
        if ngrams.enabled() {
            ngrams.validate()?;
            sg.ngrams = Some((ngrams, input.slice(s![v.., ..]).to_owned()));
        }
        let config = TrainConfig {
            dim: n,
            window: setting("ws", a.ws)?,
            negative: setting("neg", a.neg)?,
            sample: a.t,
            vocab: crate::vocab::VocabConfig {
                min_count: setting("minCount", a.min_count)? as u64,
                ..Default::default()
            },
            epochs: setting("epoch", a.epoch)?.max(1),
            objective: match hs {
                true => crate::train::Objective::HierarchicalSoftmax,
                false => crate::train::Objective::NegativeSampling,
            },
            minn: ngrams.minn,
            maxn: ngrams.maxn,
            bucket: if ngrams.enabled() {
                ngrams.bucket
            } else {
                TrainConfig::default().bucket
            },
            ..TrainConfig::default()
        };
        Ok((sg, config))
    }

    /// Embeddings with a vector for every word with at least one n-gram: vocabulary words
    /// the average of their row of p and their n-gram rows (what fastText writes to its
    /// `.vec`), other words the average of their n-gram rows. For a word-level model, the
    /// rows of p.
    ///
    /// # Errors
    /// As [`to_fasttext`](Self::to_fasttext) and [`SubwordEmbeddings::new`].
    pub fn subword_embeddings(&self) -> Result<SubwordEmbeddings> {
        SubwordEmbeddings::new(self.to_fasttext(&TrainConfig::default())?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::forward::hs_log_probabilities;
    use crate::train::Objective;

    /// Made by `scripts/make_fasttext_fixtures.py` with the `fasttext` package: skip-gram,
    /// `loss hs`, trained on sentences of one of these two topics each.
    const HS_BIN: &[u8] = include_bytes!("../../tests/fixtures/fasttext/tiny-hs.bin");
    const ANIMALS: [&str; 12] = [
        "cat", "dog", "horse", "cow", "sheep", "goat", "mouse", "tiger", "lion", "bear", "wolf",
        "fox",
    ];
    const VEHICLES: [&str; 12] = [
        "car", "bus", "truck", "train", "plane", "boat", "bike", "tram", "ship", "van", "taxi",
        "jeep",
    ];

    /// Over every topic word w: the mean of ln p(c | h) (hierarchical softmax with `nodes`
    /// and this crate's Huffman tree, h = w's composed vector) over the words c of w's topic,
    /// less the mean over the other topic's words.
    fn topic_gap(model: &SkipGramModel, nodes: &Array2<f32>) -> f64 {
        let tree = model.huffman().unwrap();
        let vectors = model.word_vectors();
        let vocab = model.vocab();
        let mean = |scores: &ndarray::Array1<f32>, words: &[&str]| {
            let sum: f64 = words
                .iter()
                .map(|w| scores[vocab.index(w).unwrap()] as f64)
                .sum();
            sum / words.len() as f64
        };
        let mut gap = 0.0;
        for (own, other) in [(&ANIMALS, &VEHICLES), (&VEHICLES, &ANIMALS)] {
            for w in own.iter() {
                let h = vectors.row(vocab.index(w).unwrap()).to_owned();
                let scores = hs_log_probabilities(&tree, nodes, &h);
                gap += mean(&scores, own) - mean(&scores, other);
            }
        }
        gap / 24.0
    }

    #[test]
    fn fasttext_hierarchical_softmax_nodes_are_this_crates_nodes() {
        let ft = FastTextModel::from_bytes(HS_BIN).unwrap();
        assert_eq!(ft.args().loss, LOSS_HS);
        let (model, config) = SkipGramModel::from_fasttext(&ft).unwrap();
        assert_eq!(config.objective, Objective::HierarchicalSoftmax);
        let nodes = model.hs_node_vectors().unwrap().to_owned();
        assert_eq!(nodes.nrows(), model.vocab_size() - 1);
        assert!(model.output_weights().iter().all(|&x| x == 0.0));
        // fastText trained its nodes to predict a word's own topic: with the same tree and
        // the sign turned, they do so here; left as fastText stores them, they predict the
        // other topic.
        let gap = topic_gap(&model, &nodes);
        let unturned = topic_gap(&model, &nodes.mapv(|x| -x));
        assert!(gap > 1.0, "own topic more likely by {gap:.3} nats");
        assert!(unturned < -1.0, "unturned nodes: {unturned:.3} nats");
        // Written back, the file is fastText's, byte for byte.
        let bytes = model.to_fasttext(&config).unwrap().to_bytes().unwrap();
        assert!(bytes == HS_BIN, "the written .bin differs from fastText's");
    }
}
