//! The response bank: answers, quotes, sources, events and languages, loaded from a folder of
//! TOML files and validated as a whole. A [`Bank`] only exists once it has passed validation,
//! so the rest of the program never sees a half-checked bank.

mod diagnostic;
mod files;
mod load;
mod raw;
mod validate;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

pub use diagnostic::{line_col, plain_serde, Diagnostic, Severity};
pub use files::{Limits, MIB};
pub(crate) use load::suggest;
pub use load::{load, load_with, FileInfo, LoadOptions, Loaded, Overlay, Place};
pub use raw::{Confidence, Direction, Strings};
pub use validate::{
    fold_whitespace, parse_date, valid_id, MAX_BODY, MAX_EXAMPLE, MAX_EXAMPLES, MAX_ID_LEN,
    MAX_LINE, MAX_QUOTE_FIELD, MAX_TITLE,
};

use crate::search::Index;

/// The bank's `.toml` files, as the loader finds them (regular files inside the folder, sorted);
/// what the loader reports about files it passes over is left to the loader.
pub(crate) fn toml_files(dir: &std::path::Path) -> std::io::Result<Vec<PathBuf>> {
    let root = std::fs::canonicalize(dir)?;
    files::toml_files(dir, &root, &mut Vec::new())
}

/// Text per language code.
pub type Texts = BTreeMap<String, String>;

/// A text shown in the reply language when the bank has it, else in its fallback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Localized {
    fallback: String,
    per_lang: Texts,
}

impl Localized {
    /// The same text in every language.
    pub fn plain(text: impl Into<String>) -> Localized {
        Localized {
            fallback: text.into(),
            per_lang: Texts::new(),
        }
    }

    /// Texts per language, and the one to show where a language is missing.
    pub fn new(fallback: String, per_lang: Texts) -> Localized {
        Localized { fallback, per_lang }
    }

    /// The text for a language code.
    pub fn get(&self, lang: &str) -> &str {
        self.per_lang.get(lang).unwrap_or(&self.fallback)
    }
}

/// A source behind answers and quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Unique id.
    pub id: String,
    /// Who published the page cited.
    pub outlet: Localized,
    /// The page's title (or, for an untitled source, a description per language).
    pub title: Localized,
    /// Where to read it, when it has a public address.
    pub url: Option<String>,
    /// Publication date as written (`YYYY-MM-DD`, `YYYY-MM` or `YYYY`).
    pub published: String,
    /// Language code of the source.
    pub language: String,
    /// How far it can be trusted.
    pub confidence: Confidence,
    /// A remark for readers.
    pub note: Option<Localized>,
}

/// A verbatim quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// Unique id.
    pub id: String,
    /// The exact words.
    pub text: String,
    /// Language code of the original words.
    pub language: String,
    /// Speaker's name per language.
    pub speaker: Texts,
    /// Other spellings of the speaker's name.
    pub speaker_aliases: Vec<String>,
    /// Speaker's role per language.
    pub role: Texts,
    /// Source id.
    pub source: String,
    /// When it was said.
    pub date: String,
    /// Context per language.
    pub note: Texts,
    /// The bank's translations per language.
    pub translations: Texts,
    /// How the words reached the bank.
    pub provenance: Provenance,
}

/// How a quote's words reached the bank. Rendering decides from this what a reader may be
/// shown as the speaker's own words (see [`crate::render::quote_view`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    /// The speaker's own words, in the language they used.
    Spoken,
    /// A published translation (by someone other than the bank) of words said in another
    /// language.
    Translated {
        /// Language code of the words as the speaker said them.
        spoken_language: String,
        /// Who published the translation.
        translated_by: Localized,
        /// Id of a quote holding the speaker's own words, when the bank has them.
        original: Option<String>,
    },
}

impl Quote {
    /// The speaker's name for readers of `lang`, else as the source spells it.
    pub fn speaker_in(&self, lang: &str) -> &str {
        self.speaker
            .get(lang)
            .or_else(|| self.speaker.get(&self.language))
            .map_or("", String::as_str)
    }
}

/// A curated answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Unique id.
    pub id: String,
    /// Grouping word.
    pub category: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Listed first in empty autocomplete.
    pub pinned: bool,
    /// Date of last review.
    pub reviewed: String,
    /// Indexes into [`Bank::quotes`].
    pub quotes: Vec<usize>,
    /// Indexes into [`Bank::sources`].
    pub sources: Vec<usize>,
    /// Title per language.
    pub title: Texts,
    /// Aliases per language.
    pub aliases: BTreeMap<String, Vec<String>>,
    /// Body per language.
    pub body: Texts,
    /// Example questions, in file order: what `check` runs through search. Search never reads
    /// them.
    pub examples: Vec<Example>,
}

/// A question an answer lists as one members ask, with where it is written, so that `check`
/// can report a miss at the example itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// Language code the bank files it under.
    pub lang: String,
    /// The question as written.
    pub text: String,
    /// Its position in the bank's files.
    pub at: Place,
}

/// A timeline event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Unique id.
    pub id: String,
    /// Date as written.
    pub date: String,
    /// Text per language.
    pub text: Texts,
    /// Indexes into [`Bank::sources`].
    pub sources: Vec<usize>,
}

/// A language the bank speaks.
#[derive(Debug, Clone)]
pub struct Language {
    /// Code (`en`).
    pub code: String,
    /// Name in itself (`English`).
    pub name: String,
    /// Writing direction.
    pub direction: Direction,
    /// Discord locales that default to it.
    pub locales: Vec<String>,
    /// The script its name is written in, used to recognise questions written in it.
    pub script: Option<crate::text::Script>,
    /// Interface words.
    pub strings: Strings,
}

/// A validated bank, ready to answer. Cheap to share behind an `Arc`; never mutated.
#[derive(Debug)]
pub struct Bank {
    /// Folder it was loaded from.
    pub dir: PathBuf,
    /// Declared languages; the default first.
    pub languages: Vec<Language>,
    /// Answers in file order.
    pub answers: Vec<Answer>,
    /// Quotes in file order.
    pub quotes: Vec<Quote>,
    /// Sources in file order.
    pub sources: Vec<Source>,
    /// Events sorted by date.
    pub events: Vec<Event>,
    /// Search index over answers.
    pub index: Index,
    /// A hash of the files it was loaded from (paths and texts): two loads of the same files
    /// have the same version, and caches of rendered content (cards) key on it.
    pub version: u64,
    ids: HashMap<String, EntryRef>,
}

/// Where an id points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryRef {
    /// Index into [`Bank::answers`].
    Answer(usize),
    /// Index into [`Bank::quotes`].
    Quote(usize),
    /// Index into [`Bank::sources`].
    Source(usize),
    /// Index into [`Bank::events`].
    Event(usize),
}

impl Bank {
    /// Looks up any entry by id.
    pub fn entry(&self, id: &str) -> Option<EntryRef> {
        self.ids.get(id).copied()
    }

    /// The answer with this id.
    pub fn answer(&self, id: &str) -> Option<&Answer> {
        match self.entry(id)? {
            EntryRef::Answer(i) => self.answers.get(i),
            _ => None,
        }
    }

    /// The quote with this id.
    pub fn quote(&self, id: &str) -> Option<&Quote> {
        match self.entry(id)? {
            EntryRef::Quote(i) => self.quotes.get(i),
            _ => None,
        }
    }

    /// The source with this id.
    pub fn source(&self, id: &str) -> Option<&Source> {
        match self.entry(id)? {
            EntryRef::Source(i) => self.sources.get(i),
            _ => None,
        }
    }

    /// The bank's default language (the first declared, or the configured one).
    pub fn default_language(&self) -> &Language {
        &self.languages[0]
    }

    /// The language with this code.
    pub fn language(&self, code: &str) -> Option<&Language> {
        self.languages.iter().find(|l| l.code == code)
    }

    /// A per-language text in `lang`, else in the bank default (then any language), and
    /// whether it fell back. Rendering, autocomplete and `ask --json` all pick titles this way.
    pub fn text_in<'t>(&self, texts: &'t Texts, lang: &str) -> (&'t str, bool) {
        if let Some(text) = texts.get(lang) {
            return (text, false);
        }
        let fallback = texts
            .get(&self.default_language().code)
            .or_else(|| texts.values().next())
            .map_or("", String::as_str);
        (fallback, true)
    }

    /// (name, code) pairs for the `lang` option.
    pub fn language_choices(&self) -> Vec<(String, String)> {
        self.languages
            .iter()
            .map(|l| (l.name.clone(), l.code.clone()))
            .collect()
    }

    /// Picks the reply language: the person's explicit choice, then the guild's default, then
    /// the Discord locale, then the bank default. Unknown codes are skipped, never an error.
    pub fn resolve_language(
        &self,
        explicit: Option<&str>,
        guild: Option<&str>,
        locale: Option<&str>,
    ) -> &Language {
        let by_code = |code: Option<&str>| code.and_then(|c| self.language(c));
        by_code(explicit)
            .or_else(|| by_code(guild))
            .or_else(|| {
                let locale = locale?;
                self.languages.iter().find(|l| {
                    l.locales.iter().any(|x| x.eq_ignore_ascii_case(locale))
                        || l.code
                            .eq_ignore_ascii_case(locale.split('-').next().unwrap_or(""))
                })
            })
            .unwrap_or_else(|| self.default_language())
    }

    /// The language a text is written in, when its script points to exactly one declared
    /// language (Arabic letters → `ar`); `None` when the script is shared or unclear.
    pub fn language_of_text(&self, text: &str) -> Option<&Language> {
        let script = crate::text::dominant_script(text)?;
        let mut matching = self.languages.iter().filter(|l| l.script == Some(script));
        let first = matching.next()?;
        matching.next().is_none().then_some(first)
    }

    /// One line of counts: kinds, and texts per language.
    pub fn summary(&self) -> String {
        let per_lang: Vec<String> = self
            .languages
            .iter()
            .map(|l| {
                let n = self
                    .answers
                    .iter()
                    .filter(|a| a.body.contains_key(&l.code))
                    .count();
                format!("{} {n}", l.code)
            })
            .collect();
        let quote_langs = {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for q in &self.quotes {
                *counts.entry(q.language.as_str()).or_default() += 1;
            }
            counts
                .iter()
                .map(|(l, n)| format!("{l} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "{} answers ({}), {} quotes ({}), {} sources, {} events, {} languages",
            self.answers.len(),
            per_lang.join(", "),
            self.quotes.len(),
            quote_langs,
            self.sources.len(),
            self.events.len(),
            self.languages.len()
        )
    }
}
