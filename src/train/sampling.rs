//! Subsampling of frequent words and the negative-sampling noise distribution.

use rand::Rng;
use rand_distr::{weighted::WeightedAliasIndex, Distribution};

use super::config::{check_ns_exponent, check_sample};
use crate::error::{Error, Result};

/// Keep probabilities for subsampling frequent words (Mikolov et al. 2013, section 2.3, in
/// the form word2vec.c implements).
///
/// A token of a word with relative frequency f = count / total is kept with probability
/// min(1, √(t/f) + t/f), where t is the `sample` threshold (word2vec.c `-sample`; 1e-3 there
/// by default, 1e-4 to 1e-5 for large corpora). `sample = 0` keeps every token.
#[derive(Clone, Debug)]
pub(crate) struct Subsampler {
    keep: Vec<f32>,
}

impl Subsampler {
    /// Keep probabilities for words with these `counts`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if `sample` is negative or not finite.
    pub(crate) fn new(counts: &[u64], sample: f64) -> Result<Self> {
        check_sample(sample)?;
        // In f64: counts may add up to more than u64 holds.
        let total: f64 = counts.iter().map(|&c| c as f64).sum();
        let keep = counts
            .iter()
            .map(|&c| {
                if sample == 0.0 || c == 0 {
                    return 1.0;
                }
                let ratio = sample * total / c as f64; // t/f
                (ratio.sqrt() + ratio).min(1.0) as f32
            })
            .collect();
        Ok(Subsampler { keep })
    }

    /// The probability that a token of each word is kept.
    pub(crate) fn probabilities(&self) -> &[f32] {
        &self.keep
    }

    /// The probability that a token of word `w` is kept.
    #[cfg(test)]
    pub(crate) fn keep_probability(&self, w: usize) -> f32 {
        self.keep[w]
    }

    /// Draws whether to keep one token of word `w`.
    #[inline]
    pub(crate) fn keep<R: Rng + ?Sized>(&self, w: usize, rng: &mut R) -> bool {
        let p = self.keep[w];
        p >= 1.0 || rng.random::<f32>() < p
    }
}

/// Draws negative samples from the unigram distribution raised to a power
/// (Mikolov et al. 2013, section 2.2: P(w) ∝ count(w)^0.75), in O(1) per draw with Walker's
/// alias method (`rand_distr`'s `WeightedAliasIndex`) instead of word2vec.c's 10⁸-entry table.
#[derive(Clone, Debug)]
pub(crate) struct NegativeSampler {
    alias: WeightedAliasIndex<f64>,
    #[cfg(test)]
    probs: Vec<f64>,
}

/// The unnormalised noise weights count^`exponent` (0 for a count of 0).
pub(crate) fn noise_weights(counts: &[u64], exponent: f64) -> Vec<f64> {
    counts
        .iter()
        .map(|&c| {
            if c == 0 {
                0.0
            } else {
                (c as f64).powf(exponent)
            }
        })
        .collect()
}

impl NegativeSampler {
    /// The noise distribution count^exponent, normalised.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if the counts are all zero, or the exponent is not finite.
    pub(crate) fn new(counts: &[u64], exponent: f64) -> Result<Self> {
        check_ns_exponent(exponent)?;
        let weights = noise_weights(counts, exponent);
        let sum: f64 = weights.iter().sum();
        if !(sum > 0.0 && sum.is_finite()) {
            return Err(Error::InvalidConfig(
                "negative sampling needs at least one word with a positive count".into(),
            ));
        }
        #[cfg(test)]
        let probs = weights.iter().map(|w| w / sum).collect();
        let alias = WeightedAliasIndex::new(weights)
            .map_err(|e| Error::InvalidConfig(format!("negative-sampling weights: {e}")))?;
        Ok(NegativeSampler {
            alias,
            #[cfg(test)]
            probs,
        })
    }

    /// The probability of drawing word `w`.
    #[cfg(test)]
    pub(crate) fn probability(&self, w: usize) -> f64 {
        self.probs[w]
    }

    /// Draws one word index.
    #[inline]
    pub(crate) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        self.alias.sample(rng)
    }
}

/// A worker's noise words, drawn [`NoiseDraws::AHEAD`] at a time from its random stream.
///
/// A draw reads a random entry of the V-entry alias table, which is rarely in cache while
/// the training step streams rows of p and p' through it. Drawn one by one inside the step,
/// each such read stalls it; the draws of one refill are independent, so the CPU overlaps
/// their reads. Each word is a draw of [`NegativeSampler::sample`] from the worker's
/// stream; only the interleaving of those draws with the stream's other uses (windows,
/// subsampling) differs from drawing them one by one.
#[derive(Debug, Default)]
pub(crate) struct NoiseDraws {
    words: Vec<u32>,
    next: usize,
}

impl NoiseDraws {
    /// Words drawn per refill.
    pub(crate) const AHEAD: usize = 256;

    /// The next noise word, refilling from `ns` and `rng` when all are used.
    #[inline]
    pub(crate) fn draw<R: Rng + ?Sized>(&mut self, ns: &NegativeSampler, rng: &mut R) -> u32 {
        if self.next == self.words.len() {
            self.refill(ns, rng);
        }
        let w = self.words[self.next];
        self.next += 1;
        w
    }

    #[inline(never)]
    fn refill<R: Rng + ?Sized>(&mut self, ns: &NegativeSampler, rng: &mut R) {
        self.words.clear();
        self.words
            .extend((0..Self::AHEAD).map(|_| ns.sample(rng) as u32));
        self.next = 0;
    }

    /// Drops the words drawn ahead, so that the next draw starts a refill from whatever
    /// stream it is given (deterministic training switches streams between rounds).
    pub(crate) fn clear(&mut self) {
        self.words.clear();
        self.next = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::SmallRng, SeedableRng};

    #[test]
    fn keep_probability_formula() {
        let counts = [1_000_000u64, 10_000, 100, 1];
        let total = counts.iter().sum::<u64>() as f64;
        let s = Subsampler::new(&counts, 1e-4).unwrap();
        for (w, &c) in counts.iter().enumerate() {
            let f = c as f64 / total;
            let want = ((1e-4 / f).sqrt() + 1e-4 / f).min(1.0);
            assert!((s.keep_probability(w) as f64 - want).abs() < 1e-6);
        }
        assert!(s.keep_probability(0) < 0.02);
        assert_eq!(s.keep_probability(3), 1.0);
        let none = Subsampler::new(&counts, 0.0).unwrap();
        assert_eq!(none.keep_probability(0), 1.0);
        assert!(Subsampler::new(&counts, -1.0).is_err());
        assert!(Subsampler::new(&counts, f64::NAN).is_err());
    }

    #[test]
    fn keep_frequencies_match_probabilities() {
        let counts = [1_000_000u64, 30_000, 1000];
        let s = Subsampler::new(&counts, 1e-3).unwrap();
        let mut rng = SmallRng::seed_from_u64(11);
        let n = 200_000;
        for w in 0..3 {
            let kept = (0..n).filter(|_| s.keep(w, &mut rng)).count() as f64 / n as f64;
            let p = s.keep_probability(w) as f64;
            // 5 standard deviations of a binomial proportion.
            let sd = (p * (1.0 - p) / n as f64).sqrt();
            assert!((kept - p).abs() <= 5.0 * sd + 1e-9, "w={w}: {kept} vs {p}");
        }
    }

    #[test]
    fn counts_summing_past_u64_do_not_overflow() {
        // 2·(2⁶⁴ − 1) words: the total is taken in f64, so every probability stays finite.
        let s = Subsampler::new(&[u64::MAX, u64::MAX], 1e-3).unwrap();
        let p = s.keep_probability(0);
        // t/f = 1e-3 · 2 → √0.002 + 0.002.
        assert!((p as f64 - (0.002f64.sqrt() + 0.002)).abs() < 1e-6, "{p}");
        let ns = NegativeSampler::new(&[u64::MAX, u64::MAX, 1], 0.75).unwrap();
        assert!((ns.probability(0) - 0.5).abs() < 1e-9);
    }

    #[test]
    fn negative_distribution_is_unigram_to_the_075() {
        let counts = [1000u64, 100, 10, 1, 0];
        let ns = NegativeSampler::new(&counts, 0.75).unwrap();
        let z: f64 = counts.iter().map(|&c| (c as f64).powf(0.75)).sum();
        for (w, &c) in counts.iter().enumerate() {
            assert!((ns.probability(w) - (c as f64).powf(0.75) / z).abs() < 1e-12);
        }
        // Chi-square goodness of fit on 400k draws.
        let mut rng = SmallRng::seed_from_u64(5);
        let n = 400_000;
        let mut seen = [0u64; 5];
        for _ in 0..n {
            seen[ns.sample(&mut rng)] += 1;
        }
        assert_eq!(seen[4], 0, "a word with count 0 is never drawn");
        let chi2: f64 = (0..4)
            .map(|w| {
                let e = ns.probability(w) * n as f64;
                (seen[w] as f64 - e).powi(2) / e
            })
            .sum();
        // 3 degrees of freedom: P(χ² > 16.27) = 0.001.
        assert!(chi2 < 16.27, "chi2 = {chi2}, seen = {seen:?}");
        assert!(NegativeSampler::new(&[0, 0], 0.75).is_err());
    }
}
