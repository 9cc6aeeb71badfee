//! Saving and loading phrase models: a versioned text format with a CRC-32 trailer.
//!
//! ```text
//! skipgram-phrases 1            | skipgram-frozen-phrases 1
//! scoring gensim                | scoring gensim
//! min_count 5                   | threshold 10
//! threshold 10                  | delimiter _
//! delta min_count               | connectors a an the …
//! delimiter _                   | phrases M
//! max_vocab_size 40000000       | <score> <word> <word> …   × M
//! total_words N                 | end <crc32 hex>
//! min_reduce R                  |
//! connectors a an the …         |
//! unigrams K                    |
//! <count> <word>      × K       |
//! phrases M                     |
//! <count> <word> <word> …  × M  |
//! end <crc32 hex>               |
//! ```
//!
//! Several passes of frozen tables ([`PhrasePasses`](super::PhrasePasses)) are version 2 of
//! the frozen format: `skipgram-frozen-phrases 2`, `passes K`, then for each pass k a line
//! `pass k` followed by that pass's lines from `scoring` to its last phrase, and one `end`
//! line whose CRC-32 covers all passes. A single pass is written as version 1.
//!
//! Fields are separated by one space (words hold no whitespace); floats are written in
//! Rust's shortest round-trip form, so a loaded model scores bit for bit as the saved one.
//! The CRC-32 (crc32fast) covers every byte before the `end` line. Loading is strict: every
//! field in order, no duplicate entries, phrase words consistent with the connector set,
//! counts positive, the settings valid, and nothing after `end`.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use super::count::Table;
use super::{FrozenPhrases, PhrasePasses, Phrases, PhrasesConfig, Scoring};
use crate::error::{Error, Result};
use crate::io::write_atomically;

const PHRASES_MAGIC: &str = "skipgram-phrases 1";
const FROZEN_MAGIC: &str = "skipgram-frozen-phrases 1";
const PASSES_MAGIC: &str = "skipgram-frozen-phrases 2";
const PHRASES_FORMAT: &str = "skipgram phrases";
const FROZEN_FORMAT: &str = "skipgram frozen phrases";

struct Out<'a> {
    w: &'a mut dyn Write,
    crc: crc32fast::Hasher,
}

impl Out<'_> {
    fn line(&mut self, s: &str) -> Result<()> {
        self.crc.update(s.as_bytes());
        self.crc.update(b"\n");
        self.w.write_all(s.as_bytes())?;
        self.w.write_all(b"\n")?;
        Ok(())
    }

    fn end(self) -> Result<()> {
        let crc = self.crc.finalize();
        writeln!(self.w, "end {crc:08x}")?;
        self.w.flush()?;
        Ok(())
    }
}

struct In<R> {
    r: R,
    line: u64,
    crc: crc32fast::Hasher,
    buf: Vec<u8>,
    format: &'static str,
}

impl<R: BufRead> In<R> {
    fn new(r: R, format: &'static str) -> Self {
        In {
            r,
            line: 0,
            crc: crc32fast::Hasher::new(),
            buf: Vec::new(),
            format,
        }
    }

    fn err(&self, message: impl Into<String>) -> Error {
        Error::Format {
            format: self.format,
            line: Some(self.line),
            message: message.into(),
        }
    }

    /// The next line without its newline; the CRC covers it unless `for_end`.
    fn next_line(&mut self, for_end: bool) -> Result<&str> {
        self.buf.clear();
        self.r.read_until(b'\n', &mut self.buf)?;
        self.line += 1;
        if self.buf.last() != Some(&b'\n') {
            return Err(Error::Truncated {
                format: self.format,
                message: format!("the data ends inside or before line {}", self.line),
            });
        }
        if !for_end {
            self.crc.update(&self.buf);
        }
        self.buf.pop();
        let line = self.line;
        std::str::from_utf8(&self.buf).map_err(|_| Error::Format {
            format: self.format,
            line: Some(line),
            message: "not UTF-8".into(),
        })
    }

    /// A `key value` line; returns the value (possibly empty).
    fn field(&mut self, key: &str) -> Result<String> {
        let l = self.next_line(false)?;
        let v = match l.strip_prefix(key) {
            Some("") => Some(String::new()),
            Some(rest) => rest.strip_prefix(' ').map(str::to_string),
            None => None,
        };
        v.ok_or_else(|| self.err(format!("expected the field {key:?}")))
    }

    fn parse<T: std::str::FromStr>(&self, key: &str, v: &str) -> Result<T> {
        v.parse()
            .map_err(|_| self.err(format!("bad value {v:?} for {key}")))
    }

    fn number<T: std::str::FromStr>(&mut self, key: &str) -> Result<T> {
        let v = self.field(key)?;
        self.parse(key, &v)
    }

    fn end(mut self) -> Result<()> {
        let want = self.crc.clone().finalize();
        let l = self.next_line(true)?.to_string();
        let got = l
            .strip_prefix("end ")
            .filter(|h| h.len() == 8)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or_else(|| self.err("expected \"end <crc32>\""))?;
        if got != want {
            return Err(self.err(format!(
                "checksum mismatch: file says {got:08x}, content gives {want:08x}"
            )));
        }
        let mut rest = [0u8; 1];
        if self.r.read(&mut rest)? != 0 {
            return Err(self.err("data after the end line"));
        }
        Ok(())
    }

    /// `<number> <word> <word>…` with at least `min_words` words.
    fn entry<T: std::str::FromStr>(&mut self, min_words: usize) -> Result<(T, Vec<String>)> {
        let l = self.next_line(false)?.to_string();
        let mut it = l.split(' ');
        let n = it.next().unwrap_or("");
        let words: Vec<String> = it.map(str::to_string).collect();
        let n = self.parse("an entry", n)?;
        if words.len() < min_words || words.iter().any(String::is_empty) {
            return Err(self.err(format!(
                "expected a number and at least {min_words} words separated by single spaces"
            )));
        }
        Ok((n, words))
    }
}

fn connectors_line(words: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    let mut s = String::from("connectors");
    for w in words {
        s.push(' ');
        s.push_str(w.as_ref());
    }
    s
}

fn check_word(w: &str) -> Result<()> {
    if w.is_empty() || w.contains(char::is_whitespace) {
        return Err(Error::InvalidConfig(format!(
            "cannot save the token {w:?}: saved phrase words must be non-empty without whitespace"
        )));
    }
    Ok(())
}

fn read_scoring<R: BufRead>(inp: &mut In<R>) -> Result<Scoring> {
    let s = inp.field("scoring")?;
    s.parse::<Scoring>().map_err(|e| inp.err(e.to_string()))
}

impl Phrases {
    /// Writes the whole model (settings and counts) in the text format of this module.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if a counted token holds whitespace (possible only through
    /// [`Phrases::learn`] with such tokens); [`Error::Io`] from `w`.
    pub fn write_to(&self, mut w: impl Write) -> Result<()> {
        let c = &self.config;
        let t = &self.table;
        let mut out = Out {
            w: &mut w,
            crc: crc32fast::Hasher::new(),
        };
        out.line(PHRASES_MAGIC)?;
        out.line(&format!("scoring {}", c.scoring))?;
        out.line(&format!("min_count {}", c.min_count))?;
        out.line(&format!("threshold {:?}", c.threshold))?;
        match c.delta {
            None => out.line("delta min_count")?,
            Some(d) => out.line(&format!("delta {d:?}"))?,
        }
        out.line(&format!("delimiter {}", c.delimiter))?;
        out.line(&format!("max_vocab_size {}", c.max_vocab_size))?;
        out.line(&format!("total_words {}", t.total_words))?;
        out.line(&format!("min_reduce {}", t.min_reduce))?;
        out.line(&connectors_line(&c.connector_words))?;
        let mut unigrams: Vec<(&str, u64)> = t.unigrams().collect();
        unigrams.sort_unstable();
        out.line(&format!("unigrams {}", unigrams.len()))?;
        for (w, n) in unigrams {
            check_word(w)?;
            out.line(&format!("{n} {w}"))?;
        }
        let mut phrases: Vec<(Vec<&str>, u64)> = t
            .phrases()
            .map(|(ids, n)| (ids.iter().map(|&i| t.word(i)).collect(), n))
            .collect();
        phrases.sort_unstable();
        out.line(&format!("phrases {}", phrases.len()))?;
        for (ws, n) in phrases {
            ws.iter().try_for_each(|w| check_word(w))?;
            out.line(&format!("{n} {}", ws.join(" ")))?;
        }
        out.end()
    }

    /// Saves the model to `path` atomically (a temporary file renamed into place).
    ///
    /// # Errors
    /// As [`Phrases::write_to`]; [`Error::Io`] naming `path`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        write_atomically(path, |w| self.write_to(w)).map_err(|e| e.at_path(path))
    }

    /// Reads a model written by [`Phrases::write_to`], validating it strictly.
    ///
    /// # Errors
    /// [`Error::Format`] (with the line) for any deviation from the format, a checksum
    /// mismatch or invalid settings; [`Error::Truncated`] if the data ends early;
    /// [`Error::Io`] from `r`.
    pub fn read_from(r: impl BufRead) -> Result<Self> {
        let mut inp = In::new(r, PHRASES_FORMAT);
        if inp.next_line(false)? != PHRASES_MAGIC {
            return Err(inp.err(format!("expected the header {PHRASES_MAGIC:?}")));
        }
        let scoring = read_scoring(&mut inp)?;
        let min_count = inp.number("min_count")?;
        let threshold = inp.number("threshold")?;
        let delta = match inp.field("delta")?.as_str() {
            "min_count" => None,
            v => Some(inp.parse("delta", v)?),
        };
        let delimiter = inp.field("delimiter")?;
        let max_vocab_size = inp.number("max_vocab_size")?;
        let total_words: u64 = inp.number("total_words")?;
        let min_reduce: u64 = inp.number("min_reduce")?;
        let connector_words = inp.field("connectors")?;
        let config = PhrasesConfig {
            min_count,
            threshold,
            delta,
            scoring,
            delimiter,
            connector_words: connector_words
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect(),
            max_vocab_size,
        };
        config.validate().map_err(|e| inp.err(e.to_string()))?;
        if min_reduce == 0 {
            return Err(inp.err("min_reduce must be at least 1"));
        }
        let mut p = Phrases::new(config)?;
        let t: &mut Table = &mut p.table;
        t.total_words = total_words;
        t.min_reduce = min_reduce;
        let k: u64 = inp.number("unigrams")?;
        let mut sum = 0u64;
        for _ in 0..k {
            let (n, ws): (u64, _) = inp.entry(1)?;
            if ws.len() != 1 || n == 0 {
                return Err(inp.err("expected \"<count ≥ 1> <word>\""));
            }
            let id = t.intern(&ws[0]);
            if t.is_connector(id) || t.count(id) > 0 {
                return Err(inp.err(format!("{:?} is a connector word or repeated", ws[0])));
            }
            t.add_unigram(id, n);
            sum = sum.saturating_add(n);
        }
        if sum > total_words {
            return Err(inp.err("unigram counts exceed total_words"));
        }
        let m: u64 = inp.number("phrases")?;
        for _ in 0..m {
            let (n, ws): (u64, _) = inp.entry(2)?;
            let ids: Vec<u32> = ws.iter().map(|w| t.intern(w)).collect();
            let last = ids.len() - 1;
            let ok = n > 0
                && ids
                    .iter()
                    .enumerate()
                    .all(|(i, &id)| t.is_connector(id) == (i != 0 && i != last))
                && t.phrase_count(&ids) == 0;
            if !ok {
                return Err(inp.err(format!(
                    "bad phrase entry {:?}: zero count, repeated, or connector words misplaced",
                    ws.join(" ")
                )));
            }
            t.add_phrase(ids[0], &ids[1..last], ids[last], n);
        }
        inp.end()?;
        Ok(p)
    }

    /// Loads a model saved by [`Phrases::save`].
    ///
    /// # Errors
    /// As [`Phrases::read_from`], with [`Error::Io`] naming `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let f = std::fs::File::open(path).map_err(|e| Error::io_at(path, e))?;
        Phrases::read_from(BufReader::new(f)).map_err(|e| e.at_path(path))
    }
}

impl FrozenPhrases {
    /// Writes the table in the text format of this module.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if a phrase word holds whitespace; [`Error::Io`] from `w`.
    pub fn write_to(&self, mut w: impl Write) -> Result<()> {
        let mut out = Out {
            w: &mut w,
            crc: crc32fast::Hasher::new(),
        };
        out.line(FROZEN_MAGIC)?;
        self.write_body(&mut out)?;
        out.end()
    }

    /// The lines after the magic line, up to the `end` line: one pass's table.
    fn write_body(&self, out: &mut Out<'_>) -> Result<()> {
        out.line(&format!("scoring {}", self.scoring))?;
        out.line(&format!("threshold {:?}", self.threshold))?;
        out.line(&format!("delimiter {}", self.delimiter))?;
        out.line(&connectors_line(self.connector_words()))?;
        let mut entries: Vec<(Vec<&str>, f64)> = self.entries().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        out.line(&format!("phrases {}", entries.len()))?;
        for (ws, s) in entries {
            ws.iter().try_for_each(|w| check_word(w))?;
            out.line(&format!("{s:?} {}", ws.join(" ")))?;
        }
        Ok(())
    }

    /// Saves the table to `path` atomically.
    ///
    /// # Errors
    /// As [`FrozenPhrases::write_to`]; [`Error::Io`] naming `path`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        write_atomically(path, |w| self.write_to(w)).map_err(|e| e.at_path(path))
    }

    /// Reads a table written by [`FrozenPhrases::write_to`], validating it strictly (every
    /// score finite and above the threshold, no repeated phrase, connector words only inside).
    ///
    /// # Errors
    /// [`Error::Format`] (with the line), [`Error::Truncated`], [`Error::Io`] from `r`.
    pub fn read_from(r: impl BufRead) -> Result<Self> {
        let mut inp = In::new(r, FROZEN_FORMAT);
        match inp.next_line(false)?.to_string().as_str() {
            FROZEN_MAGIC => {}
            PASSES_MAGIC => {
                return Err(inp.err(
                    "this table holds several passes (version 2): load it with \
                     PhrasePasses::load, which applies them in order",
                ))
            }
            _ => return Err(inp.err(format!("expected the header {FROZEN_MAGIC:?}"))),
        }
        let f = Self::read_body(&mut inp)?;
        inp.end()?;
        Ok(f)
    }

    /// One pass's table: the lines [`write_body`](Self::write_body) writes.
    fn read_body<R: BufRead>(inp: &mut In<R>) -> Result<Self> {
        let scoring = read_scoring(inp)?;
        let threshold: f64 = inp.number("threshold")?;
        let delimiter = inp.field("delimiter")?;
        let connectors = inp.field("connectors")?;
        let config = PhrasesConfig {
            threshold,
            scoring,
            delimiter,
            connector_words: connectors
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect(),
            ..PhrasesConfig::gensim()
        };
        config.validate().map_err(|e| inp.err(e.to_string()))?;
        let mut f = FrozenPhrases::from_parts(
            scoring,
            threshold,
            config.delimiter,
            config.connector_words.iter().map(String::as_str),
            std::iter::empty::<(Vec<&str>, f64)>(),
        );
        let m: u64 = inp.number("phrases")?;
        for _ in 0..m {
            let (s, ws): (f64, _) = inp.entry(2)?;
            let last = ws.len() - 1;
            let placed = ws.iter().enumerate().all(|(i, w)| {
                use super::PhraseModel;
                f.is_connector(w) == (i != 0 && i != last)
            });
            let words: Vec<&str> = ws.iter().map(String::as_str).collect();
            if !(s.is_finite() && s > threshold && placed && f.insert(&words, s)) {
                return Err(inp.err(format!(
                    "bad phrase entry {:?}: score not above the threshold, repeated, or \
                     connector words misplaced",
                    ws.join(" ")
                )));
            }
        }
        Ok(f)
    }

    /// Loads a table saved by [`FrozenPhrases::save`].
    ///
    /// # Errors
    /// As [`FrozenPhrases::read_from`], with [`Error::Io`] naming `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let f = std::fs::File::open(path).map_err(|e| Error::io_at(path, e))?;
        FrozenPhrases::read_from(BufReader::new(f)).map_err(|e| e.at_path(path))
    }
}

impl PhrasePasses {
    /// Writes the passes: a single pass exactly as [`FrozenPhrases::write_to`] (version 1,
    /// readable by older versions), several as version 2 (`passes K`, then each pass's
    /// table after a `pass k` line, one CRC-32 over all).
    ///
    /// # Errors
    /// As [`FrozenPhrases::write_to`].
    pub fn write_to(&self, mut w: impl Write) -> Result<()> {
        if let [one] = self.passes() {
            return one.write_to(w);
        }
        let mut out = Out {
            w: &mut w,
            crc: crc32fast::Hasher::new(),
        };
        out.line(PASSES_MAGIC)?;
        out.line(&format!("passes {}", self.passes().len()))?;
        for (k, pass) in self.passes().iter().enumerate() {
            out.line(&format!("pass {}", k + 1))?;
            pass.write_body(&mut out)?;
        }
        out.end()
    }

    /// Saves the passes to `path` atomically.
    ///
    /// # Errors
    /// As [`PhrasePasses::write_to`]; [`Error::Io`] naming `path`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        write_atomically(path, |w| self.write_to(w)).map_err(|e| e.at_path(path))
    }

    /// Reads a table of one pass (version 1, as [`FrozenPhrases::write_to`] writes) or of
    /// several (version 2), validating every pass as [`FrozenPhrases::read_from`] does.
    ///
    /// # Errors
    /// [`Error::Format`] (with the line), [`Error::Truncated`], [`Error::Io`] from `r`.
    pub fn read_from(r: impl BufRead) -> Result<Self> {
        let mut inp = In::new(r, FROZEN_FORMAT);
        let passes = match inp.next_line(false)?.to_string().as_str() {
            FROZEN_MAGIC => vec![FrozenPhrases::read_body(&mut inp)?],
            PASSES_MAGIC => {
                let k: u64 = inp.number("passes")?;
                if !(1..=crate::TrainConfig::MAX_SIZE as u64).contains(&k) {
                    return Err(inp.err(format!("bad number of passes {k}")));
                }
                let mut passes = Vec::new();
                for pass in 1..=k {
                    if inp.field("pass")? != pass.to_string() {
                        return Err(inp.err(format!("expected \"pass {pass}\"")));
                    }
                    passes.push(FrozenPhrases::read_body(&mut inp)?);
                }
                passes
            }
            _ => {
                return Err(inp.err(format!(
                    "expected the header {FROZEN_MAGIC:?} or {PASSES_MAGIC:?}"
                )))
            }
        };
        inp.end()?;
        PhrasePasses::new(passes)
    }

    /// Loads passes saved by [`PhrasePasses::save`] or a table saved by
    /// [`FrozenPhrases::save`].
    ///
    /// # Errors
    /// As [`PhrasePasses::read_from`], with [`Error::Io`] naming `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let f = std::fs::File::open(path).map_err(|e| Error::io_at(path, e))?;
        PhrasePasses::read_from(BufReader::new(f)).map_err(|e| e.at_path(path))
    }
}
