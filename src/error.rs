//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong in `skipgram`: bad input gets one of these, never a panic.
///
/// The enum is `#[non_exhaustive]`: match it with a wildcard arm, since later versions may add
/// variants.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The corpus (or token iterator) held no tokens at all.
    #[error("the corpus is empty: it holds no tokens")]
    EmptyCorpus,

    /// Tokens were seen, but none of their types reached `min_count`, so the vocabulary
    /// would be empty.
    #[error("no word type occurs at least min_count = {min_count} times ({types} types seen)")]
    EmptyVocabulary {
        /// The `min_count` that was asked for.
        min_count: u64,
        /// How many distinct types the corpus held.
        types: usize,
    },

    /// A vocabulary was to be made from an explicit word list (or a vocabulary file) that
    /// holds no word.
    #[error("the word list is empty: a vocabulary needs at least one word")]
    EmptyWordList,

    /// Training would train no (center, context) pair, so it would only return the starting
    /// weights: no token of the corpus is in the model's vocabulary (a vocabulary file or a
    /// checkpoint from another corpus), or no line holds two of them.
    #[error("{}", nothing_to_train(*.tokens_in_vocabulary))]
    NothingToTrain {
        /// How many corpus tokens are in the vocabulary (0: none of its words occurs).
        tokens_in_vocabulary: u64,
    },

    /// An explicit word list named the same word twice.
    #[error("duplicate word {0:?} in the vocabulary")]
    DuplicateWord(String),

    /// A word that a vocabulary cannot hold, because no word2vec file or checkpoint could
    /// store it: empty, containing ASCII whitespace (space, `\t`, `\n`, `\x0C`, `\r`, what
    /// every reader splits words on), or longer than
    /// [`MAX_WORD_BYTES`](crate::io::MAX_WORD_BYTES).
    #[error("word {index} {} cannot be in a vocabulary: it {reason}", quote(.word.as_bytes()))]
    InvalidWord {
        /// Its position in the list given.
        index: usize,
        /// The word (cut to 64 bytes and `…` if longer).
        word: String,
        /// Why: `"is empty"`, `"contains ASCII whitespace"` or `"is longer than 1 MiB"`.
        reason: &'static str,
    },

    /// A word (or several, for analogies and batches) is not in the vocabulary.
    #[error("unknown word{}: {}", if .0.len() == 1 { "" } else { "s" }, .0.join(", "))]
    UnknownWords(Vec<String>),

    /// A query that needs words was given none (e.g. `most_similar` with no positive and no
    /// negative word, `doesnt_match` with an empty list).
    #[error("{what}: no query words given")]
    EmptyQuery {
        /// Which query, e.g. `"most_similar"`.
        what: &'static str,
    },

    /// An index was not below the vocabulary size `len`.
    #[error("index {index} is out of range for a vocabulary of {len} words")]
    IndexOutOfRange {
        /// The index asked for.
        index: usize,
        /// The vocabulary size V.
        len: usize,
    },

    /// Arrays whose shapes do not fit together (e.g. p of V×N with p' not of N×V).
    #[error("shape mismatch for {what}: expected {expected}, found {found}")]
    ShapeMismatch {
        /// Which array or argument.
        what: &'static str,
        /// The expected shape, e.g. `"6×3"`.
        expected: String,
        /// The shape that was given.
        found: String,
    },

    /// A NaN or infinity where finite numbers are required (weights, scores, vectors).
    #[error("non-finite value (NaN or infinity) in {what}")]
    NonFinite {
        /// Which array or argument.
        what: &'static str,
    },

    /// A setting outside its valid range, e.g. `dim = 0` ([`TrainConfig::validate`]
    /// names the first one).
    ///
    /// [`TrainConfig::validate`]: crate::TrainConfig::validate
    #[error("{setting} = {value} is out of range: expected {allowed}")]
    OutOfRange {
        /// The setting, as the field is named, e.g. `"dim"`.
        setting: &'static str,
        /// The value given, formatted.
        value: String,
        /// The accepted range, e.g. `"1..=1048576"` or `"finite and > 0"`.
        allowed: String,
    },

    /// Settings that contradict each other or the data (e.g. negative sampling with
    /// `negative = 0`, word + context vectors of a hierarchical-softmax model), or scratch
    /// space that several settings multiply beyond its bound. A single setting out of its
    /// range is [`OutOfRange`](Error::OutOfRange).
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),

    /// A name that is not one of a setting's values, as parsed by the `FromStr` of
    /// [`Objective`](crate::Objective), [`NsDirection`](crate::NsDirection),
    /// [`AnalogyMethod`](crate::AnalogyMethod) or [`Scoring`](crate::phrases::Scoring).
    #[error("unknown {setting} {value:?}: expected one of {allowed}")]
    UnknownValue {
        /// The setting, e.g. `"loss"`.
        setting: &'static str,
        /// The name given.
        value: String,
        /// The accepted names, comma-separated.
        allowed: &'static str,
    },

    /// A setting or file asks for more memory than can be allocated: the allocation was
    /// tried with `try_reserve` and refused, or its size overflows.
    #[error("{what} needs {bytes} bytes, which cannot be allocated")]
    OutOfMemory {
        /// What was being allocated, e.g. `"p (1432×1000000)"`.
        what: String,
        /// The bytes asked for (saturated at `u64::MAX`).
        bytes: u64,
    },

    /// [`Trainer::train`](crate::Trainer::train) on a model that has already trained every
    /// planned epoch: nothing would happen. Use
    /// [`Epochs::More`](crate::Epochs::More) to train further epochs.
    #[error(
        "the model has already trained {epochs_trained} of the {epochs} planned epochs; \
         use Epochs::More to train more"
    )]
    AlreadyTrained {
        /// Epochs the model has trained.
        epochs_trained: usize,
        /// Epochs the configuration plans.
        epochs: usize,
    },

    /// Training produced a non-finite loss: the learning rate is too high for this data.
    /// The model is left with the weights it had before the failed call.
    #[error(
        "training diverged (non-finite loss) in epoch {epoch} after {words} words; \
         lower the learning rate (alpha)"
    )]
    Diverged {
        /// Epoch (1-based) in which divergence was detected.
        epoch: usize,
        /// Words processed in total when it was detected.
        words: u64,
    },

    /// Bytes that are not UTF-8 where text was expected (use the lossy options to accept
    /// them with U+FFFD replacement).
    #[error("invalid UTF-8 at byte offset {offset}{}", source_name(.path))]
    InvalidUtf8 {
        /// Byte offset of the offending token or word.
        offset: u64,
        /// The file, where known.
        path: Option<PathBuf>,
    },

    /// A file whose content does not follow its format (word2vec text/binary, checkpoint).
    #[error("malformed {format} data{}: {message}", line_info(*.line))]
    Format {
        /// The format being read, e.g. `"word2vec text"`.
        format: &'static str,
        /// 1-based line number where known (text formats).
        line: Option<u64>,
        /// What is wrong.
        message: String,
    },

    /// A file that ends before its header said it would.
    #[error("truncated {format} data: {message}")]
    Truncated {
        /// The format being read.
        format: &'static str,
        /// What was missing.
        message: String,
    },

    /// A compressed corpus (gzip, bzip2, xz or zstd) whose data is corrupt or ends early:
    /// the decoder failed, so the corpus is not read short.
    #[error("corrupt or truncated {format} data in {}: {source}", .path.display())]
    Decompress {
        /// The compressed file.
        path: PathBuf,
        /// Its format: `"gzip"`, `"bzip2"`, `"xz"` or `"zstd"`.
        format: &'static str,
        /// The decoder's error.
        #[source]
        source: std::io::Error,
    },

    /// A corpus compressed in a format this build cannot read: the Cargo feature
    /// `compression` (on by default) is off.
    #[error(
        "{} is compressed with {format}, but this build of skipgram has no decoders \
         (Cargo feature `compression`)",
        .path.display()
    )]
    CompressionUnsupported {
        /// The compressed file.
        path: PathBuf,
        /// Its format, as recognised by its magic bytes.
        format: &'static str,
    },

    /// An I/O error from the operating system, with the file it concerned where known.
    #[error("I/O error{}: {source}", source_name(.path))]
    Io {
        /// The file or directory being read or written, where known.
        path: Option<PathBuf>,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// An output path names the same file as an input or as another output (found by
    /// device and inode, or for files not created yet by canonical path): writing it would
    /// destroy the input or the other output, so nothing is written.
    #[error("{}", same_file(.output, .other, *.other_is_input))]
    SameFile {
        /// The output path as given.
        output: PathBuf,
        /// The input, or the earlier output, it names the same file as.
        other: PathBuf,
        /// Whether `other` is an input (otherwise another output).
        other_is_input: bool,
    },

    /// Distributed training (the `mpi` feature) could not go on: another process failed, or
    /// the processes could not agree. Every process of the run stops with an error; the one
    /// that failed first reports its own error, the others this one.
    #[error("distributed training stopped: {message}")]
    Distributed {
        /// What went wrong, naming the process (rank) where known.
        message: String,
    },
}

impl From<std::io::Error> for Error {
    fn from(source: std::io::Error) -> Self {
        Error::Io { path: None, source }
    }
}

impl Error {
    /// An [`Error::Io`] that names `path`.
    pub(crate) fn io_at(path: &std::path::Path, source: std::io::Error) -> Self {
        Error::Io {
            path: Some(path.to_path_buf()),
            source,
        }
    }

    /// Adds `path` to an error that can name a file and has none yet.
    pub(crate) fn at_path(self, path: &std::path::Path) -> Self {
        match self {
            Error::InvalidUtf8 { offset, path: None } => Error::InvalidUtf8 {
                offset,
                path: Some(path.to_path_buf()),
            },
            Error::Io { path: None, source } => Error::io_at(path, source),
            e => e,
        }
    }
}

fn source_name(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map(|p| format!(" in {}", p.display()))
        .unwrap_or_default()
}

fn same_file(output: &std::path::Path, other: &std::path::Path, input: bool) -> String {
    match input {
        true => format!(
            "output {} is the same file as input {}: writing it would destroy the input; \
             nothing was written",
            output.display(),
            other.display()
        ),
        false => format!(
            "outputs {} and {} are the same file: one would overwrite the other; \
             nothing was written",
            other.display(),
            output.display()
        ),
    }
}

fn nothing_to_train(tokens: u64) -> String {
    match tokens {
        0 => "nothing to train: no corpus word is in the vocabulary".to_string(),
        n => format!(
            "nothing to train: {n} corpus token(s) are in the vocabulary, but no line holds \
             two of them, so there is no (center, context) pair"
        ),
    }
}

fn line_info(line: Option<u64>) -> String {
    line.map(|l| format!(" at line {l}")).unwrap_or_default()
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A vector of `len` copies of `value`, allocated with `try_reserve_exact` so that a size
/// that cannot be had is an [`Error::OutOfMemory`] naming `what`, not an abort.
pub(crate) fn try_vec<T: Clone>(
    len: usize,
    value: T,
    what: impl FnOnce() -> String,
) -> Result<Vec<T>> {
    let mut v = Vec::new();
    let bytes = (len as u128 * std::mem::size_of::<T>() as u128).min(u64::MAX as u128) as u64;
    if bytes > isize::MAX as u64 || v.try_reserve_exact(len).is_err() {
        return Err(Error::OutOfMemory {
            what: what(),
            bytes,
        });
    }
    v.resize(len, value);
    Ok(v)
}

/// A `rows`×`cols` matrix of zeros, allocated as [`try_vec`] allocates: a size that cannot
/// be had (or whose element count overflows) is an [`Error::OutOfMemory`] naming `what`.
pub(crate) fn try_zeros(
    (rows, cols): (usize, usize),
    what: impl FnOnce() -> String,
) -> Result<ndarray::Array2<f32>> {
    let zeros = try_vec(rows.saturating_mul(cols), 0.0f32, what)?;
    Ok(ndarray::Array2::from_shape_vec((rows, cols), zeros).expect("the length is rows·cols"))
}

/// Formats a shape as `"a×b"` for error messages.
pub(crate) fn shape2(rows: usize, cols: usize) -> String {
    format!("{rows}×{cols}")
}

/// `bytes` quoted for an error message: at most 40 bytes (then `…`), characters escaped as
/// `{:?}` escapes them and bytes that are not UTF-8 written as `\xNN`, so raw binary data
/// never reaches a message.
pub(crate) fn quote(bytes: &[u8]) -> String {
    const MAX: usize = 40;
    let shown = &bytes[..bytes.len().min(MAX)];
    let mut q = String::from("\"");
    for chunk in shown.utf8_chunks() {
        q.extend(chunk.valid().chars().flat_map(char::escape_debug));
        for b in chunk.invalid() {
            q.push_str(&format!("\\x{b:02x}"));
        }
    }
    q.push('"');
    if bytes.len() > MAX {
        q.push('…');
    }
    q
}
