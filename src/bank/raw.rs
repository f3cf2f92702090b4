//! The bank's entries exactly as moderators write them in TOML, with the position of every value
//! so that problems can be reported as `path:line:col`. Validation turns them into [`super`] types.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_spanned::Spanned;

/// Text per language code: `{ en = "...", ar = "..." }`.
pub type PerLang = BTreeMap<String, Spanned<String>>;

/// A source: a page or document that answers and quotes rest on.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Unique id across the bank.
    pub id: Spanned<String>,
    /// Who published the page cited (a copy names itself as a copy); one text, or per language.
    pub outlet: Spanned<Localized>,
    /// The page's title as published; for an untitled source, a description per language.
    pub title: Spanned<Localized>,
    /// Where it can be read; a source with no public address must have an archive.
    #[serde(default)]
    pub url: Option<Spanned<String>>,
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
    pub published: Spanned<String>,
    /// Language code of the source itself.
    pub language: Spanned<String>,
    /// How far the source can be trusted.
    pub confidence: Spanned<Confidence>,
    /// A remark for readers, e.g. that the page is a copy; one text, or per language.
    #[serde(default)]
    pub note: Option<Spanned<Localized>>,
    /// Path, relative to the bank folder, of the archived text that quotes are checked against.
    #[serde(default)]
    pub archive: Option<Spanned<String>>,
}

/// A text that is the same in every language (a name), or given per language.
#[derive(Debug, Clone, Deserialize)]
#[serde(
    untagged,
    expecting = "a string, or a table of texts per language such as { en = \"...\", ar = \"...\" }"
)]
pub enum Localized {
    /// Shown as it is in every language.
    Plain(String),
    /// Text per language code.
    PerLang(BTreeMap<String, String>),
}

/// How far a source can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Advocacy summary, reworded copy or inference.
    Low,
    /// Reputable copy, or an outlet's paraphrase of a primary source.
    Medium,
    /// Primary or original reputable outlet, read directly.
    High,
}

/// A verbatim quote with its speaker.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quote {
    /// Unique id across the bank.
    pub id: Spanned<String>,
    /// The words, character for character as the source prints them.
    pub text: Spanned<String>,
    /// Language code of the original words.
    pub language: Spanned<String>,
    /// The speaker's name per language; the original language's entry is spelt as in the source.
    pub speaker: PerLang,
    /// Other spellings of the speaker's name, for search.
    #[serde(default)]
    pub speaker_aliases: Vec<Spanned<String>>,
    /// The speaker's role or title per language.
    pub role: PerLang,
    /// The source the quote is taken from.
    pub source: Spanned<String>,
    /// When it was said or published.
    pub date: Spanned<String>,
    /// Optional context per language.
    #[serde(default)]
    pub note: PerLang,
    /// The bank's own translations, always labelled as such.
    #[serde(default)]
    pub translations: PerLang,
    /// How the words reached us: `spoken` (the default: the speaker's own words, in the language
    /// they used) or `translated` (a published translation of words said in another language).
    /// Kept as text so that `check` can explain an unknown value.
    #[serde(default)]
    pub provenance: Option<Spanned<String>>,
    /// For a published translation: the language the speaker used.
    #[serde(default)]
    pub spoken_language: Option<Spanned<String>>,
    /// For a published translation: who published it; one text, or per language.
    #[serde(default)]
    pub translated_by: Option<Spanned<Localized>>,
    /// For a published translation: the id of a quote holding the speaker's own words.
    #[serde(default)]
    pub original: Option<Spanned<String>>,
}

/// A curated answer to a question.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// Unique id across the bank; also the autocomplete value.
    pub id: Spanned<String>,
    /// One word that groups answers.
    pub category: Spanned<String>,
    /// Optional tags, searched like aliases.
    #[serde(default)]
    pub tags: Vec<Spanned<String>>,
    /// Listed first when autocomplete has no input.
    #[serde(default)]
    pub pinned: bool,
    /// When a moderator last checked it against its sources.
    pub reviewed: Spanned<String>,
    /// Quote ids shown under the answer.
    #[serde(default)]
    pub quotes: Vec<Spanned<String>>,
    /// Source ids; at least one.
    pub sources: Spanned<Vec<Spanned<String>>>,
    /// Title per language.
    pub title: PerLang,
    /// The ways people ask, per language.
    #[serde(default)]
    pub aliases: BTreeMap<String, Vec<Spanned<String>>>,
    /// The answer text per language.
    pub body: PerLang,
    /// Questions as members would ask them, per language: `check` runs each through search and
    /// warns when it does not reach this answer. Never used for matching.
    #[serde(default)]
    pub examples: BTreeMap<String, Vec<Spanned<String>>>,
}

/// A dated event for the timeline.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Unique id across the bank.
    pub id: Spanned<String>,
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
    pub date: Spanned<String>,
    /// What happened, per language.
    pub text: PerLang,
    /// Source ids; at least one.
    pub sources: Spanned<Vec<Spanned<String>>>,
}

/// A language the bank speaks, with the words the bot shows around the content.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Language {
    /// Language code used as the key of per-language texts (`en`, `ar`).
    pub code: Spanned<String>,
    /// Its name in itself (`English`, `العربية`), shown in the `lang` option.
    pub name: Spanned<String>,
    /// Writing direction.
    #[serde(default)]
    pub direction: Direction,
    /// Discord locales whose users get this language by default (`en-US`, `en-GB`).
    #[serde(default)]
    pub locales: Vec<String>,
    /// Words search ignores in this language.
    #[serde(default)]
    pub stopwords: Vec<String>,
    /// Words the bot shows around the content.
    pub strings: Strings,
}

/// Writing direction of a language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Left to right.
    #[default]
    Ltr,
    /// Right to left (Arabic).
    Rtl,
}

/// The interface words of one language. Every language must give all of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Strings {
    /// Heading of the sources block.
    pub sources: String,
    /// Label put before the bank's translation of a quote.
    pub translation_label: String,
    /// "I'm not sure" reply when nothing matches well enough.
    pub not_sure: String,
    /// Line before suggestions.
    pub suggestions: String,
    /// Line above a closest match: probably what was asked, not surely.
    pub closest: String,
    /// Added to "not sure" when nothing in the bank relates to the question.
    pub nothing_related: String,
    /// Label of the share button.
    pub share: String,
    /// Label of the button that posts a quote's card (an image); "Card" when not given.
    #[serde(default = "default_card_label")]
    pub card: String,
    /// "Shared by {who}" line on a shared post.
    pub shared_by: String,
    /// Footer words before the review date.
    pub reviewed: String,
    /// Heading of the timeline.
    pub timeline: String,
    /// When nothing matches a /topic, /quote or /sources request.
    pub not_found: String,
    /// Note when the same content was just shared in the channel.
    pub recently_shared: String,
    /// Note when a person has shared too much recently.
    pub share_limit: String,
    /// Refusal for non-moderators.
    pub not_allowed: String,
    /// Apology when something went wrong inside the bot.
    pub internal_error: String,
    /// Note that content is missing in this language and shown in another.
    pub fallback_language: String,
    /// Text of `/help`.
    pub help: String,
    /// Word for confidence levels: high.
    pub confidence_high: String,
    /// Word for confidence levels: medium.
    pub confidence_medium: String,
    /// Word for confidence levels: low.
    pub confidence_low: String,
    /// The text "said by" joins speaker and role with, if any; e.g. "—".
    pub quote_said: String,
    /// Label over a published translation of someone's words: `{by}` is who translated them,
    /// `{language}` the name (from `language_names`) of the language the speaker used.
    pub published_translation: String,
    /// Label before the bank's own translation of a published translation.
    pub translation_of_translation: String,
    /// A word or two marking translated text where room is short (autocomplete choices).
    pub translation_short: String,
    /// Names of languages as this language writes them, by code, for provenance labels; every
    /// language a translated quote was spoken in needs one.
    pub language_names: BTreeMap<String, String>,
}

impl Strings {
    /// These words with every mention in them broken ([`crate::render::neutralize_mentions`]):
    /// interface words are the bank's text like any other, and none of them may ping anyone.
    pub fn defused(mut self) -> Strings {
        for text in [
            &mut self.sources,
            &mut self.translation_label,
            &mut self.not_sure,
            &mut self.suggestions,
            &mut self.closest,
            &mut self.nothing_related,
            &mut self.share,
            &mut self.card,
            &mut self.shared_by,
            &mut self.reviewed,
            &mut self.timeline,
            &mut self.not_found,
            &mut self.recently_shared,
            &mut self.share_limit,
            &mut self.not_allowed,
            &mut self.internal_error,
            &mut self.fallback_language,
            &mut self.help,
            &mut self.confidence_high,
            &mut self.confidence_medium,
            &mut self.confidence_low,
            &mut self.quote_said,
            &mut self.published_translation,
            &mut self.translation_of_translation,
            &mut self.translation_short,
        ] {
            *text = crate::render::neutralize_mentions(text);
        }
        for name in self.language_names.values_mut() {
            *name = crate::render::neutralize_mentions(name);
        }
        self
    }
}

fn default_card_label() -> String {
    "Card".to_owned()
}

/// Spellings that search treats as one word.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Synonyms {
    /// The spellings; the first is the canonical one.
    pub terms: Vec<Spanned<String>>,
}

/// Words and phrases, in any language or dialect, that search treats as one concept.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Concept {
    /// The words or phrases; the first names the concept.
    pub terms: Vec<Spanned<String>>,
    /// Whether the concept is a name (a company, a product, an agency): an answer that never
    /// mentions a name the question gives cannot be a confident answer to it.
    #[serde(default)]
    pub name: bool,
    /// Other names an answer may use for this one (`aws` for `amazon`): mentioning any of them
    /// counts as mentioning this name. Only with `name = true`.
    #[serde(default)]
    pub includes: Vec<Spanned<String>>,
}

/// Conversational phrases search ignores ("hey bot", "quick q").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filler {
    /// The phrases, any language.
    pub phrases: Vec<Spanned<String>>,
}
