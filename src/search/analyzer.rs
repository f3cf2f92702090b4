//! Turns text into search terms: fold, split, drop stop words, map spelling variants to one
//! canonical word, stem. Queries and bank text go through the same analyzer.

use std::collections::{HashMap, HashSet};

use crate::text::{normalize, stem, words};

/// The bank's stop words and spelling variants, applied to queries and bank text alike.
#[derive(Debug, Clone, Default)]
pub struct Analyzer {
    stopwords: HashSet<String>,
    variants: HashMap<String, String>,
}

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
        let mut variants = HashMap::new();
        for group in synonym_groups {
            let mut folded = group.into_iter().map(normalize).filter(|w| !w.is_empty());
            let Some(canonical) = folded.next() else {
                continue;
            };
            let canonical_stem = stem(&canonical).to_string();
            for variant in folded {
                variants.insert(variant.clone(), canonical.clone());
                let variant_stem = stem(&variant).to_string();
                if variant_stem != canonical_stem {
                    variants.insert(variant_stem, canonical_stem.clone());
                }
            }
        }
        Analyzer {
            stopwords,
            variants,
        }
    }

    /// The search terms of `text`, in order.
    pub fn terms<'s>(&'s self, text: &str) -> impl Iterator<Item = String> + 's {
        let folded = normalize(text);
        let terms: Vec<String> = words(&folded)
            .filter(|word| !self.stopwords.contains(*word))
            .map(|word| self.term(word))
            .collect();
        terms.into_iter()
    }

    /// Each search term with the folded word it came from: typo matching works better on the
    /// whole word ("nimbs" is one letter from "nimbus"; its stem "nimb" is two).
    pub fn terms_with_words(&self, text: &str) -> Vec<(String, String)> {
        let folded = normalize(text);
        words(&folded)
            .filter(|word| !self.stopwords.contains(*word))
            .map(|word| (self.term(word), word.to_string()))
            .collect()
    }

    /// One folded word as a search term.
    fn term(&self, word: &str) -> String {
        let word = self.variants.get(word).map_or(word, String::as_str);
        let stemmed = stem(word);
        self.variants
            .get(stemmed)
            .map_or(stemmed, String::as_str)
            .to_string()
    }

    /// The terms of `text` joined by spaces: two texts with the same key ask the same thing.
    pub fn key(&self, text: &str) -> String {
        self.terms(text).collect::<Vec<_>>().join(" ")
    }
}
