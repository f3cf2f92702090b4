//! Turns text into search terms: fold, split, drop conversational filler and stop words, map
//! the words and phrases of one concept (any language, any dialect) and spelling variants to
//! one canonical term, stem. Queries and bank text go through the same analyzer.

use std::collections::{HashMap, HashSet};

use crate::text::{normalize, stem, words};

/// The bank's stop words, spelling variants, concepts and filler, applied to queries and bank
/// text alike.
#[derive(Debug, Clone, Default)]
pub struct Analyzer {
    stopwords: HashSet<String>,
    variants: HashMap<String, String>,
    /// Phrases of two or more words, by the key of their first word. Longest first.
    phrases: HashMap<String, Vec<Phrase>>,
    /// The terms that are names (companies, products, agencies), as [`Analyzer::term`] gives
    /// them, each with the other names whose mention counts as its own.
    names: HashMap<String, Vec<String>>,
}

/// The keys of a phrase's words and the term it becomes (`None`: filler, dropped).
type Phrase = (Vec<String>, Option<String>);

impl Analyzer {
    /// Builds an analyzer from stop words (any language) and groups of spellings, each group's
    /// first entry being the canonical one.
    pub fn new<'a>(
        stopwords: impl IntoIterator<Item = &'a str>,
        synonym_groups: impl IntoIterator<Item = Vec<&'a str>>,
    ) -> Analyzer {
        let stopwords = stopwords
            .into_iter()
            .flat_map(|w| words(&normalize(w)).map(str::to_string).collect::<Vec<_>>())
            .collect();
        let mut analyzer = Analyzer {
            stopwords,
            ..Analyzer::default()
        };
        for group in synonym_groups {
            let mut folded = group.into_iter().map(normalize).filter(|w| !w.is_empty());
            let Some(canonical) = folded.next() else {
                continue;
            };
            for variant in folded {
                analyzer.add_variant(&variant, &canonical);
            }
        }
        analyzer
    }

    /// Adds concepts (groups of words or phrases that mean one thing; the first names it) and
    /// filler phrases (dropped wherever they occur).
    pub fn with_meaning<'a>(
        mut self,
        concepts: impl IntoIterator<Item = Vec<&'a str>>,
        fillers: impl IntoIterator<Item = &'a str>,
    ) -> Analyzer {
        // Every single-word variant first, then the phrases: a phrase's words are compared by
        // their keys, which depend on the variants, so a phrase listed before a variant of one
        // of its words ("server farm" before "servers") must not be keyed without it.
        let mut phrases: Vec<(Vec<String>, String)> = Vec::new();
        for concept in concepts {
            let mut terms = concept.into_iter().map(normalize).filter(|t| !t.is_empty());
            let Some(name) = terms.next() else {
                continue;
            };
            // A concept named by a phrase becomes one term, its words joined.
            let canonical = joined_words(&name);
            let name_words: Vec<String> = words(&name).map(str::to_string).collect();
            if name_words.len() > 1 {
                phrases.push((name_words, canonical.clone()));
            }
            for term in terms {
                let term_words: Vec<String> = words(&term).map(str::to_string).collect();
                if term_words.len() == 1 {
                    self.add_variant(&term_words[0], &canonical);
                } else {
                    phrases.push((term_words, canonical.clone()));
                }
            }
        }
        for (phrase_words, canonical) in phrases {
            let keys = phrase_words.iter().map(|w| self.word_key(w)).collect();
            self.add_phrase(keys, Some(canonical));
        }
        for filler in fillers {
            let folded = normalize(filler);
            let keys: Vec<String> = words(&folded).map(|w| self.word_key(w)).collect();
            match keys.len() {
                0 => {}
                1 => {
                    self.stopwords.insert(folded);
                }
                _ => self.add_phrase(keys, None),
            }
        }
        for list in self.phrases.values_mut() {
            list.sort_by_key(|(keys, _)| std::cmp::Reverse(keys.len()));
        }
        self
    }

    /// Marks the concepts named by `names` (each a concept's first term, with the other names
    /// an answer may use for it) as names: search asks a confident answer to mention every
    /// name the question gives.
    pub fn with_names<'a>(
        mut self,
        names: impl IntoIterator<Item = (&'a str, Vec<&'a str>)>,
    ) -> Analyzer {
        for (name, includes) in names {
            if let Some(term) = self.name_term(name) {
                let also = includes
                    .into_iter()
                    .filter_map(|n| self.name_term(n))
                    .collect();
                self.names.insert(term, also);
            }
        }
        self
    }

    fn name_term(&self, name: &str) -> Option<String> {
        let joined = joined_words(&normalize(name));
        (!joined.is_empty()).then(|| self.term(&joined))
    }

    /// The search term of `spelling` when it is one of the names (see [`Analyzer::with_names`]).
    pub fn name_of(&self, spelling: &str) -> Option<String> {
        self.name_term(spelling).filter(|t| self.is_name(t))
    }

    /// Whether a search term is a name (see [`Analyzer::with_names`]).
    pub fn is_name(&self, term: &str) -> bool {
        self.names.contains_key(term)
    }

    /// The other names whose mention counts as mentioning the name `term`.
    pub fn also_named(&self, term: &str) -> &[String] {
        self.names.get(term).map_or(&[], Vec::as_slice)
    }

    fn add_variant(&mut self, variant: &str, canonical: &str) {
        // A concept named by a phrase is a made-up term, not a word to stem.
        let canonical_stem = if canonical.contains('_') {
            canonical.to_string()
        } else {
            stem(canonical).to_string()
        };
        self.variants
            .entry(variant.to_string())
            .or_insert_with(|| canonical.to_string());
        let variant_stem = stem(variant).to_string();
        if variant_stem != canonical_stem {
            self.variants.entry(variant_stem).or_insert(canonical_stem);
        }
    }

    fn add_phrase(&mut self, keys: Vec<String>, term: Option<String>) {
        if let Some(first) = keys.first().cloned() {
            self.phrases.entry(first).or_default().push((keys, term));
        }
    }

    /// How a word is compared inside phrases: its spelling variant, stemmed.
    fn word_key(&self, word: &str) -> String {
        let word = self.variants.get(word).map_or(word, String::as_str);
        stem(word).to_string()
    }

    /// The search terms of `text`, in order.
    pub fn terms<'s>(&'s self, text: &str) -> impl Iterator<Item = String> + 's {
        self.terms_with_words(text)
            .into_iter()
            .map(|(term, _)| term)
    }

    /// Each search term with the folded word it came from: typo matching works better on the
    /// whole word ("nimbs" is one letter from "nimbus"; its stem "nimb" is two). A phrase that
    /// became one concept term comes with that term.
    pub fn terms_with_words(&self, text: &str) -> Vec<(String, String)> {
        let folded = normalize(text);
        let all: Vec<&str> = words(&folded).collect();
        let mut out = Vec::with_capacity(all.len());
        let keys: Vec<String> = if self.phrases.is_empty() {
            Vec::new()
        } else {
            all.iter().map(|w| self.word_key(w)).collect()
        };
        let mut i = 0;
        'words: while i < all.len() {
            // A phrase may start on a word with "in", "for", "so" or "like" written onto it
            // ("لمراكز البيانات" is "for the data centres").
            let unprefixed = keys
                .get(i)
                .and(without_particle(all[i], 2))
                .map(|rest| self.word_key(rest));
            let firsts = keys.get(i).into_iter().chain(unprefixed.as_ref());
            for first in firsts {
                let Some(list) = self.phrases.get(first) else {
                    continue;
                };
                for (phrase, term) in list {
                    if keys[i + 1..].starts_with(&phrase[1..]) {
                        if let Some(term) = term {
                            out.push((self.term(term), term.clone()));
                        }
                        i += phrase.len();
                        continue 'words;
                    }
                }
            }
            let word = all[i];
            i += 1;
            // A word a concept lists counts even where it is also a stop word ("how much").
            if !self.is_stopword(word) || self.variants.contains_key(word) {
                out.push((self.term(word), word.to_string()));
            }
        }
        out
    }

    /// One folded word as a search term.
    pub(crate) fn term(&self, word: &str) -> String {
        if let Some(variant) = self.variants.get(word) {
            return self.term_of_known(variant);
        }
        let stemmed = stem(word);
        if let Some(variant) = self.variants.get(stemmed) {
            return variant.clone();
        }
        // A listed spelling with a particle written onto it ("بنمبوس", "لغوغل") is that
        // spelling: only listed words are read this way, for most words that begin with these
        // letters begin with them in their own right.
        match without_particle(word, 4) {
            Some(rest)
                if self.variants.contains_key(rest) || self.variants.contains_key(stem(rest)) =>
            {
                self.term(rest)
            }
            _ => stemmed.to_string(),
        }
    }

    /// The term of a word's listed variant: a concept's joined term stays whole, a spelling is
    /// stemmed like any word.
    fn term_of_known(&self, word: &str) -> String {
        if word.contains('_') {
            return word.to_string();
        }
        let stemmed = stem(word);
        self.variants
            .get(stemmed)
            .map_or(stemmed, String::as_str)
            .to_string()
    }

    /// Whether `word` (folded) is a long Latin stop word or filler word mistyped by one letter
    /// or written with its apostrophe dropped ("actualy", "theres", "everyones"): chatter
    /// still, not a word the bank lacks. Arabic is left out: one letter turns one of its words
    /// into another too often ("بيحولوا" is not "بيقولوا").
    pub fn is_mistyped_stopword(&self, word: &str) -> bool {
        const LONG: usize = 6;
        let n = word.len();
        word.is_ascii()
            && n >= LONG
            && self
                .stopwords
                .iter()
                .any(|stop| stop.len().abs_diff(n) <= 1 && strsim::osa_distance(word, stop) == 1)
    }

    /// Whether `word` (folded) is a stop word or filler, or one with "and", "so", "in", "for"
    /// (و, ف, ب, ل) written onto it: Arabic joins them to the next word, so "ومتى" ("and
    /// when") is as empty as "متى".
    pub fn is_stopword(&self, word: &str) -> bool {
        self.stopwords.contains(word)
            || ["و", "ف", "ب", "ل"].iter().any(|joined| {
                word.strip_prefix(joined)
                    .is_some_and(|rest| rest.chars().count() >= 2 && self.stopwords.contains(rest))
            })
    }

    /// The terms of `text` joined by spaces: two texts with the same key ask the same thing.
    pub fn key(&self, text: &str) -> String {
        self.terms(text).collect::<Vec<_>>().join(" ")
    }
}

/// An Arabic word without the particle written onto its front (ب ل ف ك, after an optional
/// و), when a word of at least `min_letters` letters stays; the stemmer already reads off و
/// and the article with its particles.
fn without_particle(word: &str, min_letters: usize) -> Option<&str> {
    let rest = word.strip_prefix('و').unwrap_or(word);
    let rest = ['ب', 'ل', 'ف', 'ك']
        .iter()
        .find_map(|particle| rest.strip_prefix(*particle))?;
    (rest.chars().count() >= min_letters).then_some(rest)
}

/// The term a concept named by `folded` becomes: its words joined by `_` (one word stays
/// itself).
fn joined_words(folded: &str) -> String {
    words(folded).collect::<Vec<_>>().join("_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzer() -> Analyzer {
        Analyzer::new(["the", "are"], [vec!["nimbus", "نمبوس"]]).with_meaning(
            [
                vec![
                    "data centre",
                    "data centers",
                    "server farms",
                    "مراكز البيانات",
                ],
                vec!["fire", "sacked", "فصلت"],
            ],
            ["hey bot", "quick q", "وين"],
        )
    }

    #[test]
    fn phrases_and_words_of_one_concept_become_one_term() {
        let a = analyzer();
        let key = a.key("where are the nimbus data centres");
        assert!(a
            .key("where r the server farms for nimbus")
            .contains("data_centre"));
        assert!(key.contains("data_centre"), "{key}");
        assert_eq!(
            a.key("وين مراكز البيانات تبع نمبوس"),
            a.key("data centers تبع nimbus")
        );
        assert_eq!(a.key("sacked"), a.key("fire"));
        assert_eq!(a.key("فصلت"), a.key("fire"));
    }

    #[test]
    fn a_phrase_starts_on_a_word_with_a_particle_written_onto_it() {
        let a = analyzer();
        let plain = a.key("مراكز البيانات");
        // "for", "in", "and in" written onto the phrase's first word.
        for q in ["لمراكز البيانات", "بمراكز البيانات", "وبمراكز البيانات"]
        {
            assert_eq!(a.key(q), plain, "{q}");
        }
        // The phrase's first word alone is still not the phrase.
        assert_ne!(a.key("لمراكز"), plain);
        // A two-letter first word is enough, the rest of the phrase having to follow.
        let places = Analyzer::new(["the"], [vec!["nimbus"]])
            .with_meaning([vec!["tel aviv", "تل ابيب"]], ["hey bot"]);
        assert_eq!(places.key("بتل ابيب"), places.key("tel aviv"));
    }

    #[test]
    fn a_listed_word_with_a_particle_written_onto_it_is_that_word() {
        let a = analyzer();
        for q in ["بنمبوس", "لنمبوس", "ولنمبوس"] {
            assert_eq!(a.key(q), a.key("nimbus"), "{q}");
        }
        assert_eq!(a.key("لفصلت"), a.key("fire"));
        // Only listed words are read so: most words that begin with these letters begin with
        // them in their own right.
        assert_eq!(a.key("بنات"), "بنات");
    }

    #[test]
    fn a_phrase_matches_whatever_the_order_of_its_concept() {
        // "servers" makes "server" a variant after "server farm" was listed.
        let a = Analyzer::new(["the"], Vec::<Vec<&str>>::new()).with_meaning(
            [vec!["data centre", "server farm", "servers"]],
            Vec::<&str>::new(),
        );
        assert_eq!(a.key("the server farm"), "data_centre");
        assert_eq!(a.key("servers"), "data_centre");
        assert_eq!(a.key("data centre"), "data_centre");
    }

    #[test]
    fn a_stop_word_with_and_written_onto_it_is_a_stop_word() {
        let a = Analyzer::new(["متى", "شو"], Vec::<Vec<&str>>::new());
        assert_eq!(a.key("ومتى بدأت"), a.key("متى بدأت"));
        assert_eq!(a.key("وشو صار"), a.key("صار"));
        // Only a whole stop word after the particle: "وقت" is not "و" + "قت".
        assert_eq!(a.key("وقت"), "وقت");
    }

    #[test]
    fn filler_phrases_are_dropped() {
        let a = analyzer();
        assert_eq!(a.key("hey bot, quick q: nimbus?"), a.key("nimbus"));
        // Only the whole phrase is filler.
        assert_eq!(a.key("bot nimbus"), "bot nimbus");
    }
}
