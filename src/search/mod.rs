//! Search over the bank's answers: free-text questions (`ask`) and autocomplete (`complete`).
//!
//! Ranking combines exact alias/title hits, BM25 over weighted fields (titles and aliases
//! count more than bodies and quotes), and typo-tolerant matching of unknown words. A question
//! is only answered when enough of it is explained by the best answer; otherwise the caller
//! gets suggestions, because a confident wrong answer is the worst outcome for this bot.

mod analyzer;
mod judge;

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

pub use analyzer::Analyzer;

use crate::embed::{Embedding, Encoder};

/// The text of one answer, per field, in every language, as search sees it.
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// Titles in every language.
    pub titles: Vec<String>,
    /// Aliases in every language.
    pub aliases: Vec<String>,
    /// Category and tags.
    pub tags: Vec<String>,
    /// Bodies in every language.
    pub bodies: Vec<String>,
    /// Names of the people quoted, in every spelling.
    pub people: Vec<String>,
    /// Related quotes and their translations.
    pub quotes: Vec<String>,
    /// Shown first when autocomplete has no input.
    pub pinned: bool,
}

/// How sure search is of what it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// The question is answered: the words of the question are accounted for by one answer.
    Answer,
    /// One answer is probably what was asked, but search is not sure enough to claim it.
    Closest,
    /// Nothing stands out: related answers at most.
    NotSure,
}

/// The outcome of a question.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The answer (document index), when search is confident.
    pub answer: Option<usize>,
    /// The probable answer (document index) when search is not confident but one stands out.
    pub closest: Option<usize>,
    /// Up to three candidates, best first (including the answer or closest one, if any).
    pub ranked: Vec<Scored>,
}

impl Outcome {
    /// Which of the three kinds of reply this is.
    pub fn tier(&self) -> Tier {
        match (self.answer, self.closest) {
            (Some(_), _) => Tier::Answer,
            (None, Some(_)) => Tier::Closest,
            (None, None) => Tier::NotSure,
        }
    }
}

/// A document with its score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    /// Document index.
    pub doc: usize,
    /// BM25-based score (higher is better).
    pub score: f32,
    /// Share of the question's weight that this document explains, 0..=1.
    pub coverage: f32,
}

const FIELD_TITLE: f32 = 3.0;
const FIELD_ALIAS: f32 = 3.0;
const FIELD_TAG: f32 = 2.0;
const FIELD_PEOPLE: f32 = 2.0;
const FIELD_BODY: f32 = 1.0;
const FIELD_QUOTE: f32 = 0.6;
const BM25_K1: f32 = 1.2;
const BM25_B: f32 = 0.75;
/// A typo-corrected word counts for less than the word itself.
const FUZZY_WEIGHT: f32 = 0.8;
/// How much of the question the best answer must explain before the bot answers. A question
/// that keeps a fifth of its weight in words the answer never uses is often asking what the
/// answer does not say ("how many members does NYCC have" of the answer about NYCC): on the
/// tuned sets 0.8 (was 0.6) stopped 5 refused questions being answered and cost 1 right entry;
/// the answers that lose confidence are mostly shown as the closest match instead.
const MIN_COVERAGE: f32 = 0.8;
/// Without a rare title word, this share of the question must be in the answer's title,
/// aliases, tags or people: "who is the CEO of Google" shares words with many bodies, but no
/// answer is about that.
const MIN_STRONG_SHARE: f32 = 0.6;
/// Coverage enough when the answer's title, aliases or tags hold a rare word of the question.
/// A name says whom the question is about, not what it asks of them ("how much does sundar
/// pichai make a year" is not the answer about his memo): the rest must be there too. At 0.9
/// (was 0.8) 7 more of the fifth tuned set's refused questions were not answered, with every
/// tuned set's right entries unchanged.
const MIN_COVERAGE_DISTINCTIVE: f32 = 0.9;
/// A word is rare when its idf is at least this share of the highest possible idf.
const DISTINCTIVE_IDF_SHARE: f32 = 0.6;
/// Weight of a word the bank does not know, against 1.0..=1.0+COVERAGE_IDF_SHARE for known ones.
const UNKNOWN_WORD_WEIGHT: f32 = 1.6;
/// How much a known word's rarity adds to its weight in coverage.
const COVERAGE_IDF_SHARE: f32 = 1.0;
/// How much of the question a candidate must explain to be worth suggesting.
const MIN_SUGGEST_COVERAGE: f32 = 0.45;
/// How many lexical candidates are judged (precision rules, the encoder).
const CANDIDATES: usize = 6;
/// A message of at least this many words is long enough that its questions may be asked on
/// their own.
const LONG_MESSAGE_WORDS: usize = 20;
/// Search reads at most this many characters of a question (Discord allows 300): a pasted
/// essay is not a question, and reading all of it would cost time every other member waits
/// for.
pub const MAX_QUESTION_CHARS: usize = 1000;
/// A word longer than this is never typo-corrected: no word of either language is, and the
/// corrections of a word grow with the square of its length.
const MAX_CORRECTED_CHARS: usize = 32;
/// How much of the question a lexical candidate must explain to be judged at all.
const MIN_CANDIDATE_COVERAGE: f32 = 0.25;
/// A candidate explaining this share of the top one's coverage is a rival for it.
const RIVAL_COVERAGE_SHARE: f32 = 0.9;
/// A rival this near in coverage claims the question as much when it is about as tied to it
/// through its own title, aliases, tags or people. Looser than [`RIVAL_COVERAGE_SHARE`]: on the
/// tuned sets 0.8 turned 2 of 3 wrong confident answers into closest matches, at no right
/// entry ("did google and amazon employees sign something together" is the letter and its
/// growth alike).
const CLAIM_COVERAGE_SHARE: f32 = 0.8;
/// A confident answer scores at least this many times the runner-up. Two answers whose words
/// meet the question almost equally are a guess between them, however much of it each
/// explains: on the tuned sets 1.2 turned the last wrong confident answer into a closest match
/// with every right entry kept, and about one confident answer in ten into a closest match.
const MIN_SCORE_MARGIN: f32 = 1.2;
/// A rival explaining this much of the question competes on its ties alone.
const RIVAL_MIN_COVERAGE: f32 = 0.6;
/// A rival holding this share of the top one's strong share in its own title, aliases, tags or
/// people claims the question as much as the top one does: the question is ambiguous.
const RIVAL_STRONG_SHARE: f32 = 0.75;
/// A title word sets its answer apart when its idf is at least this share of the highest.
const DISTINGUISHING_IDF_SHARE: f32 = 0.9;

/// How a candidate answer is tied to the question through its strong fields.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Anchor {
    /// Share of the question's weight found in its title, aliases, tags or people.
    strong_share: f32,
    /// Whether a rare word of the question is among them.
    distinctive: bool,
}

/// The years a document is about (`named` in its titles and aliases) and speaks of
/// (`mentioned` in its bodies), for [`Index::names_other_year`].
#[derive(Debug, Default)]
struct DocYears {
    named: Vec<u16>,
    mentioned: Vec<u16>,
}

#[derive(Debug, Default)]
struct Posting {
    doc: u32,
    tf: f32,
    strong: bool,
}

/// The search index over a bank's answers. Built once per bank load; read-only afterwards.
#[derive(Debug, Default)]
pub struct Index {
    analyzer: Analyzer,
    terms: HashMap<String, u32>,
    words: Vec<String>,
    postings: Vec<Vec<Posting>>,
    idf: Vec<f32>,
    doc_len: Vec<f32>,
    avg_len: f32,
    /// Hash of each one-character deletion of a term -> the terms. Hashes, not strings, keep
    /// the build cheap; a collision only adds a candidate that the edit-distance check drops.
    /// Sorted, so building is one sort rather than a map of small vectors.
    deletes: Vec<(u64, u32)>,
    exact: HashMap<String, u32>,
    /// (folded title or alias, doc), sorted, for prefix autocomplete.
    phrases: Vec<(String, u32)>,
    /// (folded word of a title or alias, doc), sorted, for word-prefix autocomplete.
    phrase_words: Vec<(String, u32)>,
    pinned: Vec<u32>,
    docs: usize,
    /// Each document's titles as (script, term ids), for the distinguishing-word rule.
    title_terms: Vec<Vec<(Option<crate::text::Script>, Vec<u32>)>>,
    /// How many documents' titles hold each term.
    title_df: Vec<u32>,
    /// Whether some document holds each term in its title, aliases, tags or people.
    anchoring: Vec<bool>,
    /// Whether each document's bodies give a number (`text::gives_count`).
    gives_count: Vec<bool>,
    /// Whether each document's bodies give a duration (`text::gives_duration`).
    gives_duration: Vec<bool>,
    /// The years each document names in its titles and aliases, and those its bodies mention.
    years: Vec<DocYears>,
    /// What the encoder sees of each document (titles and aliases), encoded on first need.
    embed_texts: Vec<Vec<String>>,
    embeddings: Vec<OnceLock<Vec<Embedding>>>,
}

impl Index {
    /// Builds the index. `docs[i]` is answer `i` of the bank.
    pub fn build(analyzer: Analyzer, docs: &[Document]) -> Index {
        let mut index = Index {
            analyzer,
            docs: docs.len(),
            ..Index::default()
        };
        let mut doc_terms: HashMap<u32, (f32, bool)> = HashMap::new();
        for (doc_id, doc) in docs.iter().enumerate() {
            let doc_id = doc_id as u32;
            doc_terms.clear();
            let mut len = 0.0;
            let fields: [(&[String], f32, bool); 6] = [
                (&doc.titles, FIELD_TITLE, true),
                (&doc.aliases, FIELD_ALIAS, true),
                (&doc.tags, FIELD_TAG, true),
                (&doc.people, FIELD_PEOPLE, true),
                (&doc.bodies, FIELD_BODY, false),
                (&doc.quotes, FIELD_QUOTE, false),
            ];
            for (texts, weight, strong) in fields {
                for text in texts {
                    for term in index.analyzer.terms(text) {
                        let id = match index.terms.get(&term) {
                            Some(&id) => id,
                            None => {
                                let id = index.words.len() as u32;
                                index.words.push(term.clone());
                                index.terms.insert(term, id);
                                id
                            }
                        };
                        let entry = doc_terms.entry(id).or_insert((0.0, false));
                        entry.0 += weight;
                        entry.1 |= strong;
                        len += weight;
                    }
                }
            }
            index.postings.resize_with(index.terms.len(), Vec::new);
            for (&term, &(tf, strong)) in &doc_terms {
                index.postings[term as usize].push(Posting {
                    doc: doc_id,
                    tf,
                    strong,
                });
            }
            index.doc_len.push(len);
            let titled = doc
                .titles
                .iter()
                .map(|t| {
                    let mut ids: Vec<u32> = index
                        .analyzer
                        .terms(t)
                        .filter_map(|t| index.terms.get(&t).copied())
                        .collect();
                    ids.sort_unstable();
                    ids.dedup();
                    (crate::text::dominant_script(t), ids)
                })
                .collect();
            index.title_terms.push(titled);
            index
                .embed_texts
                .push(doc.titles.iter().chain(&doc.aliases).cloned().collect());
            index.embeddings.push(OnceLock::new());

            for phrase in doc.titles.iter().chain(&doc.aliases) {
                let key = index.analyzer.key(phrase);
                if !key.is_empty() {
                    index.exact.entry(key).or_insert(doc_id);
                }
                let folded = crate::text::normalize(phrase);
                for word in crate::text::words(&folded) {
                    index.phrase_words.push((word.to_string(), doc_id));
                }
                index.phrases.push((folded, doc_id));
            }
            if doc.pinned {
                index.pinned.push(doc_id);
            }
        }
        for postings in &mut index.postings {
            postings.sort_by_key(|p| p.doc);
        }
        let n = docs.len() as f32;
        index.avg_len = if docs.is_empty() {
            1.0
        } else {
            (index.doc_len.iter().sum::<f32>() / n).max(1.0)
        };
        index.idf = index
            .postings
            .iter()
            .map(|p| bm25_idf(n, p.len() as f32))
            .collect();
        for doc in docs {
            // Each body is folded once for all the answer-type checks.
            let gives: Vec<crate::text::Gives> = doc
                .bodies
                .iter()
                .map(|b| crate::text::Gives::of(b))
                .collect();
            index.gives_count.push(gives.iter().any(|g| g.count));
            index.gives_duration.push(gives.iter().any(|g| g.duration));
            let mut mentioned: Vec<u16> = gives.into_iter().flat_map(|g| g.years).collect();
            mentioned.sort_unstable();
            mentioned.dedup();
            index.years.push(DocYears {
                named: crate::text::years(&[doc.titles.join(" "), doc.aliases.join(" ")].join(" ")),
                mentioned,
            });
        }
        index.anchoring = index
            .postings
            .iter()
            .map(|p| p.iter().any(|p| p.strong))
            .collect();
        for (term, &id) in &index.terms {
            if term.chars().count() >= 4 {
                for deleted in deletion_hashes(term) {
                    index.deletes.push((deleted, id));
                }
            }
        }
        index.title_df = vec![0; index.words.len()];
        for titled in &index.title_terms {
            let mut ids: Vec<u32> = titled.iter().flat_map(|(_, ids)| ids).copied().collect();
            ids.sort_unstable();
            ids.dedup();
            for t in ids {
                index.title_df[t as usize] += 1;
            }
        }
        index.deletes.sort_unstable();
        index.deletes.dedup();
        index.phrases.sort();
        index.phrases.dedup();
        index.phrase_words.sort();
        index.phrase_words.dedup();
        index
    }

    /// The analyzer this index folds text with.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// Answers a free-text question: the best answer when confident, else the closest one when
    /// one stands out, and up to three ranked candidates either way.
    ///
    /// Lexical evidence alone decides a confident answer. The sentence encoder is asked only
    /// when that fails, only about the lexical candidates, and can only make a closest match:
    /// alone it finds something "similar" to nearly any question.
    ///
    /// A long message that search cannot place is asked again through its questions alone
    /// ("… anyway, my actual question is how many got fired?"): the story around a question
    /// dilutes it.
    pub fn ask(&self, question: &str) -> Outcome {
        let question = clipped(question);
        let whole = self.ask_whole(question);
        if whole.tier() != Tier::NotSure {
            return whole;
        }
        crate::text::asked_part(question, LONG_MESSAGE_WORDS)
            .map(|part| self.ask_whole(&part))
            .filter(|focused| focused.tier() != Tier::NotSure)
            .unwrap_or(whole)
    }

    fn ask_whole(&self, question: &str) -> Outcome {
        let (query, asked) = self.query_counted(question);
        let mut ranked = self.candidates(&query);
        // A question that is an alias or title, as typed or with its typos corrected. Not one
        // that only reads as one because two of its words mean one thing: "how many servers
        // are in the nimbus data centers" asks more than "nimbus data centres".
        let typed: Vec<&str> = query.iter().map(|w| w.term.as_str()).collect();
        let repeated = asked != query.len();
        let exact = (!repeated)
            .then(|| {
                self.exact
                    .get(&typed.join(" "))
                    .or_else(|| self.exact.get(&self.corrected_key(&query)))
            })
            .flatten()
            .map(|&d| d as usize);
        if let Some(doc) = exact {
            ranked.retain(|s| s.doc != doc && s.coverage >= MIN_SUGGEST_COVERAGE);
            ranked.insert(
                0,
                Scored {
                    doc,
                    score: f32::INFINITY,
                    coverage: 1.0,
                },
            );
            ranked.truncate(3);
            return Outcome {
                answer: Some(doc),
                closest: None,
                ranked,
            };
        }
        let script = crate::text::dominant_script(question);
        let answer = ranked
            .first()
            .filter(|top| self.doubt(question, &query, script, top, &ranked).is_none())
            .map(|top| top.doc);
        let (closest, likely) = match answer {
            Some(_) => (None, Vec::new()),
            None => self.judge(question, &query, script, &mut ranked),
        };
        let shown = answer.or(closest);
        ranked.retain(|s| {
            Some(s.doc) == shown || s.coverage >= MIN_SUGGEST_COVERAGE || likely.contains(&s.doc)
        });
        ranked.truncate(3);
        Outcome {
            answer,
            closest,
            ranked,
        }
    }

    /// The first reason the best candidate is not a confident answer, if any.
    fn doubt(
        &self,
        question: &str,
        query: &[QueryWord],
        script: Option<crate::text::Script>,
        top: &Scored,
        ranked: &[Scored],
    ) -> Option<&'static str> {
        let anchor = self.anchor(query, top.doc);
        let enough = if anchor.distinctive {
            top.coverage >= MIN_COVERAGE_DISTINCTIVE
        } else {
            top.coverage >= MIN_COVERAGE && anchor.strong_share >= MIN_STRONG_SHARE
        };
        if !enough {
            Some("it explains too little of the question, or too little of it in its title, aliases, tags or people")
        } else if Self::unknown_words(query) > 0 {
            // A word the bank has never seen ("pentagon", "saudi") may be what the question
            // is really about, and the answer cannot speak to it.
            Some("the question has a word the bank has never seen")
        } else if self.lacks_name(query, top.doc) {
            Some("the question names something the answer never mentions")
        } else if !self.years[top.doc].named.is_empty()
            && self.names_other_year(&crate::text::years(question), top.doc)
        {
            // "was there a protest at the aws summit in 2023" uses every word of the answer
            // about the 2022 summit, which is about another year.
            Some("the question asks about a year the answer does not speak of")
        } else if self.most_specific_elsewhere(query, top.doc) {
            Some("the question's most specific word is only in its body, and in another answer's title")
        } else if self.points_elsewhere(query, top.doc) {
            Some("a rare word of the question belongs to another answer")
        } else if self.distinguished_away(query, script, top, ranked) {
            Some("its title has a word that sets it apart, which the question lacks")
        } else if ranked
            .get(1)
            .is_some_and(|s| s.score * MIN_SCORE_MARGIN > top.score)
        {
            Some("another answer scores almost as high")
        } else if !self.gives_count[top.doc] && crate::text::asks_count(question) {
            // "how many people protested the 2018 summit" uses every word of the answer about
            // it, which says what the protest was about and gives no count.
            Some("the question asks how many, and the answer gives no number")
        } else if !self.gives_duration[top.doc] && crate::text::asks_duration(question) {
            // "how long has barak regev been google israel's head" uses the words of the
            // answer about the engineer who interrupted him, which gives dates, not spans.
            Some("the question asks how long, and the answer gives no duration")
        } else if crate::text::asks_name(question) {
            // "شو اسم مهندس غوغل كلاود اللي قاطع باراك ريغيف" uses the words of the answer about
            // him, which never names him.
            Some("the question asks for a name, which the answer may not hold")
        } else if crate::text::asks_now(question) {
            // "is myaisha hayes still director at mediajustice" uses every word of the answer
            // about her, which can only say what she was when its sources were written.
            Some("the question asks how things stand now, and answers tell what their sources said")
        } else if self.claimed_twice(query, top, &anchor, ranked) {
            Some("another answer claims the question as much")
        } else {
            None
        }
    }

    /// Whether another candidate explains the question as well as the top one and is as tied
    /// to it through its own title, aliases, tags or people, or explains enough of it and is
    /// tied to it at least as much: two answers claim the question, so neither is certain (the
    /// judge then picks by words and meaning together).
    fn claimed_twice(
        &self,
        query: &[QueryWord],
        top: &Scored,
        anchor: &Anchor,
        ranked: &[Scored],
    ) -> bool {
        ranked.iter().skip(1).any(|s| {
            let near = s.coverage >= top.coverage * CLAIM_COVERAGE_SHARE;
            let enough = s.coverage >= RIVAL_MIN_COVERAGE;
            // Only a rival that explains enough is anchored (this is the confident path).
            if !near && !enough {
                return false;
            }
            let rival = self.anchor(query, s.doc).strong_share;
            (near && rival >= anchor.strong_share * RIVAL_STRONG_SHARE)
                // The top's lead rests on its body alone: the rival is as tied to the question
                // through its own title and aliases (the 2022 vote and the 2025 proposal).
                || (enough && rival >= anchor.strong_share)
        })
    }

    /// Whether a rare word of the question is absent from `doc` but anchors another answer
    /// (its title, aliases, tags or people): "does the army use microsoft azure" shares words
    /// with the military-use answer, but "microsoft" is another answer's business.
    fn points_elsewhere(&self, query: &[QueryWord], doc: usize) -> bool {
        let rare = DISTINCTIVE_IDF_SHARE * self.max_idf();
        query.iter().any(|word| {
            word.matches.iter().any(|&(id, factor)| {
                factor >= 1.0
                    && self.idf[id as usize] >= rare
                    && self.posting(id, doc).is_none()
                    && self.anchoring[id as usize]
            })
        })
    }

    /// Whether the question's rarest known word is only in passing in `doc` (its body or
    /// quotes) while another answer holds it in its title, aliases, tags or people: "were any
    /// amazon employees fired" is about firings, whatever else the campaign's demands share.
    fn most_specific_elsewhere(&self, query: &[QueryWord], doc: usize) -> bool {
        let rarest = query
            .iter()
            .flat_map(|w| w.matches.iter().filter(|&&(_, f)| f >= 1.0))
            .max_by(|a, b| self.idf[a.0 as usize].total_cmp(&self.idf[b.0 as usize]));
        let Some(&(id, _)) = rarest else {
            return false;
        };
        let here = self.posting(id, doc).is_some_and(|p| p.strong);
        !here && self.anchoring[id as usize]
    }

    /// Whether the question names something (a company, a product, an agency: the bank's
    /// `name = true` concepts) that `doc` never mentions, under it or a name it includes (AWS
    /// for Amazon): "did amazon fire anyone like google did" is not answered by the answer
    /// about Google's firings.
    fn lacks_name(&self, query: &[QueryWord], doc: usize) -> bool {
        query.iter().any(|word| {
            // A name the bank knows of but never mentions: no answer speaks of it.
            (word.matches.is_empty() && self.analyzer.is_name(&word.term))
                || word.matches.iter().any(|&(id, factor)| {
                    let term = &self.words[id as usize];
                    factor >= 1.0
                        && self.analyzer.is_name(term)
                        && self.posting(id, doc).is_none()
                        && !self.analyzer.also_named(term).iter().any(|also| {
                            self.terms
                                .get(also)
                                .is_some_and(|&a| self.posting(a, doc).is_some())
                        })
                })
        })
    }

    /// Whether the question asks about a year that `doc` is not about: its titles and aliases
    /// name years, none of them `asked` (the question's, `text::years`), and its bodies never
    /// mention an asked one. Such an answer is neither the confident answer nor the closest
    /// match, only a suggestion ("the 2023 shareholder vote" is not the 2022 vote, nor the
    /// 2025 proposal).
    fn names_other_year(&self, asked: &[u16], doc: usize) -> bool {
        let years = &self.years[doc];
        !asked.is_empty()
            && !years.named.is_empty()
            && !asked
                .iter()
                .any(|y| years.named.contains(y) || years.mentioned.contains(y))
    }

    /// How many words of the question the bank has never seen, typos included.
    fn unknown_words(query: &[QueryWord]) -> usize {
        query.iter().filter(|w| w.matches.is_empty()).count()
    }

    /// Whether the top candidate's title holds a word no other title has, which the question
    /// lacks, while another candidate explains the question about as well: "who won the other
    /// Nimbus tenders" is not the answer to "who won nimbus".
    fn distinguished_away(
        &self,
        query: &[QueryWord],
        script: Option<crate::text::Script>,
        top: &Scored,
        ranked: &[Scored],
    ) -> bool {
        let rival = ranked
            .iter()
            .skip(1)
            .any(|s| s.coverage >= top.coverage * RIVAL_COVERAGE_SHARE);
        rival && self.lacks_own_word(&Self::asked_terms(query), script, top.doc)
    }

    /// Every index term the question's words stand for.
    fn asked_terms(query: &[QueryWord]) -> HashSet<u32> {
        query
            .iter()
            .flat_map(|w| w.matches.iter().map(|&(id, _)| id))
            .collect()
    }

    /// Whether `doc`'s title holds a rare word no other title has and the question lacks.
    /// Only the title in the question's script counts: an English question lacks every word
    /// of the Arabic title.
    fn lacks_own_word(
        &self,
        asked: &HashSet<u32>,
        script: Option<crate::text::Script>,
        doc: usize,
    ) -> bool {
        self.title_terms[doc]
            .iter()
            .filter(|(s, _)| *s == script)
            .flat_map(|(_, ids)| ids)
            .any(|&t| {
                self.title_df[t as usize] == 1
                    && !asked.contains(&t)
                    && self.idf[t as usize] >= DISTINGUISHING_IDF_SHARE * self.max_idf()
            })
    }

    /// The lexical candidates worth judging, best first.
    fn candidates(&self, query: &[QueryWord]) -> Vec<Scored> {
        let mut ranked = self.rank(query, CANDIDATES);
        ranked.retain(|s| s.coverage >= MIN_CANDIDATE_COVERAGE);
        ranked
    }

    /// Each candidate's evidence for the judge, with the encoder's cosine (0 without one).
    fn evidence(
        &self,
        query: &[QueryWord],
        script: Option<crate::text::Script>,
        ranked: &[Scored],
        asked: Option<(&Encoder, &Embedding)>,
    ) -> Vec<judge::Candidate> {
        let terms = Self::asked_terms(query);
        ranked
            .iter()
            .map(|s| {
                let anchor = self.anchor(query, s.doc);
                judge::Candidate {
                    score: s.score,
                    coverage: s.coverage,
                    strong_share: anchor.strong_share,
                    distinctive: anchor.distinctive,
                    points_elsewhere: self.points_elsewhere(query, s.doc),
                    lacks_own_word: self.lacks_own_word(&terms, script, s.doc),
                    cosine: asked.map_or(0.0, |(e, a)| self.similarity(e, a, s.doc)),
                }
            })
            .collect()
    }

    /// The closest match, when the lexical rules did not answer: the candidates are reordered
    /// by how likely each is the answer (words and meaning together), and the best is given
    /// when it is likely right at all and no other is about as likely ("who won nimbus" is as
    /// much the award as the other tenders: neither is given, both are offered). Also the
    /// candidates likely enough to offer as suggestions whatever their coverage. Without the
    /// encoder there is no closest match.
    fn judge(
        &self,
        question: &str,
        query: &[QueryWord],
        script: Option<crate::text::Script>,
        ranked: &mut [Scored],
    ) -> (Option<usize>, Vec<usize>) {
        if ranked.is_empty() {
            return (None, Vec::new());
        }
        let Ok(encoder) = Encoder::try_shared() else {
            return (None, Vec::new());
        };
        let asked = encoder.encode(question);
        let evidence = self.evidence(query, script, ranked, Some((encoder, &asked)));
        let features = judge::rank_features(&evidence);
        let mut order: Vec<(f32, usize)> = features
            .iter()
            .enumerate()
            .map(|(i, f)| (judge::rank(f), i))
            .collect();
        order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let (p_best, best) = order[0];
        let p_second = order.get(1).map_or(0.0, |&(p, _)| p);
        let give = judge::give(&judge::give_features(
            p_best,
            p_second,
            &features[best],
            Self::unknown_words(query),
            query.len(),
        ));
        let likely = order
            .iter()
            .filter(|&&(p, _)| p >= judge::SUGGEST_LIKELY)
            .map(|&(_, i)| ranked[i].doc)
            .collect();
        let reordered: Vec<Scored> = order.iter().map(|&(_, i)| ranked[i]).collect();
        ranked.copy_from_slice(&reordered);
        let asked_years = crate::text::years(question);
        // Meaning alone cannot settle it for an answer whose title sets it apart by a word the
        // question lacks, when another likely one explains the question as well ("who won
        // nimbus" reads like "who won the other nimbus tenders" to the encoder; it is the award).
        let set_apart = evidence[best].lacks_own_word
            && order.iter().skip(1).any(|&(p, i)| {
                p >= judge::GIVE_THRESHOLD
                    && evidence[i].coverage >= evidence[best].coverage
                    && evidence[i].strong_share >= evidence[best].strong_share
            });
        let other_year = self.names_other_year(&asked_years, ranked[0].doc);
        let contested = p_best - p_second < judge::CONTESTED_MARGIN
            || set_apart
            || self.lacks_name(query, ranked[0].doc)
            || other_year;
        let closest = (give >= judge::GIVE_THRESHOLD && !contested).then_some(ranked[0].doc);
        if other_year {
            // The best is about another year: an answer whose title or aliases name the year
            // asked is offered before it ("the 2022 vote" before the 2025 proposal).
            ranked.sort_by_key(|s| {
                !asked_years
                    .iter()
                    .any(|y| self.years[s.doc].named.contains(y))
            });
        }
        (closest, likely)
    }

    /// The best cosine between the question and the document's titles and aliases, encoding
    /// those on the document's first need.
    fn similarity(&self, encoder: &Encoder, asked: &Embedding, doc: usize) -> f32 {
        self.embeddings[doc]
            .get_or_init(|| {
                self.embed_texts[doc]
                    .iter()
                    .map(|t| encoder.encode(t))
                    .collect()
            })
            .iter()
            .map(|e| e.cosine(asked))
            .fold(0.0, f32::max)
    }

    /// Why a question gets the reply it gets: its words as search read them, and each
    /// candidate with the evidence it was judged on. For moderators (`ask --explain`) and for
    /// tuning; answering never calls it.
    pub fn explain(&self, question: &str) -> Explanation {
        let question = clipped(question);
        let query = self.query(question);
        let words = query
            .iter()
            .map(|w| ExplainedWord {
                term: w.term.clone(),
                matches: w
                    .matches
                    .iter()
                    .map(|&(id, _)| self.words[id as usize].clone())
                    .collect(),
                weight: w.weight,
            })
            .collect();
        let encoder = Encoder::try_shared().ok();
        let asked = encoder.map(|e| (e, e.encode(question)));
        let ranked = self.candidates(&query);
        let script = crate::text::dominant_script(question);
        let doubt = ranked
            .first()
            .and_then(|top| self.doubt(question, &query, script, top, &ranked));
        let evidence = self.evidence(
            &query,
            script,
            &ranked,
            asked.as_ref().map(|(e, a)| (*e, a)),
        );
        let features = judge::rank_features(&evidence);
        let candidates = ranked
            .iter()
            .zip(&evidence)
            .zip(&features)
            .map(|((s, e), f)| Evidence {
                doc: s.doc,
                score: s.score,
                coverage: s.coverage,
                strong_share: e.strong_share,
                distinctive: e.distinctive,
                points_elsewhere: e.points_elsewhere,
                cosine: asked.as_ref().map(|_| e.cosine),
                features: f.to_vec(),
                likely: judge::rank(f),
            })
            .collect();
        Explanation {
            words,
            doubt,
            unknown_words: Self::unknown_words(&query),
            word_count: query.len(),
            candidates,
            outcome: self.ask(question),
        }
    }

    fn max_idf(&self) -> f32 {
        bm25_idf(self.docs as f32, 0.5)
    }

    fn posting(&self, term: u32, doc: usize) -> Option<&Posting> {
        let postings = &self.postings[term as usize];
        postings
            .binary_search_by_key(&(doc as u32), |p| p.doc)
            .ok()
            .map(|i| &postings[i])
    }

    /// The words of a question with the index terms each stands for, looked up once.
    ///
    /// Coverage weighs words by how telling they are, but within a narrow band: a word the bank
    /// has never seen must outweigh a common one (off-topic questions are mostly such words),
    /// yet one unknown word in a long, clearly on-topic question must not sink it.
    fn query(&self, text: &str) -> Vec<QueryWord> {
        self.query_counted(text).0
    }

    /// [`Index::query`], with how many terms the question had before a term asked twice was
    /// counted once.
    fn query_counted(&self, text: &str) -> (Vec<QueryWord>, usize) {
        let max_idf = bm25_idf(self.docs as f32, 0.5);
        let telling = |idf: f32| 1.0 + COVERAGE_IDF_SHARE * idf / max_idf;
        let mut seen = HashSet::new();
        let terms = self.analyzer.terms_with_words(text);
        let asked = terms.len();
        let words = terms
            .into_iter()
            // A word asked twice is still one word of the question.
            .filter(|(term, _)| seen.insert(term.clone()))
            .filter(|(term, word)| {
                self.terms.contains_key(term) || !self.analyzer.is_mistyped_stopword(word)
            })
            .map(|(term, word)| {
                let matches = self.lookup(&term, &word);
                let weight = matches
                    .iter()
                    .map(|&(t, _)| telling(self.idf[t as usize]))
                    .reduce(f32::max)
                    .unwrap_or(UNKNOWN_WORD_WEIGHT);
                QueryWord {
                    term,
                    matches,
                    weight,
                }
            })
            .collect();
        (words, asked)
    }

    /// Ranks documents for the terms of a question, best first, at most `limit`.
    fn rank(&self, query: &[QueryWord], limit: usize) -> Vec<Scored> {
        if query.is_empty() || self.docs == 0 {
            return Vec::new();
        }
        let mut total_weight = 0.0;
        let mut seen_terms: HashSet<u32> = HashSet::new();
        // Typo corrections of two words can meet at one term: it scores once.
        let words: Vec<(f32, Vec<(u32, f32)>)> = query
            .iter()
            .map(|w| {
                let matches = w
                    .matches
                    .iter()
                    .copied()
                    .filter(|&(t, _)| seen_terms.insert(t))
                    .collect();
                (w.weight, matches)
            })
            .collect();
        let postings: usize = words
            .iter()
            .flat_map(|(_, m)| m)
            .map(|&(t, _)| self.postings[t as usize].len())
            .sum();
        // Common words touch most of a large bank: a flat array beats a hash map there.
        let mut scores = if postings > self.docs / 8 {
            Scores::Dense(vec![(0.0, 0.0); self.docs], Vec::new())
        } else {
            Scores::Sparse(HashMap::new())
        };
        for (weight, matches) in &words {
            total_weight += weight;
            let score = |term: u32, factor: f32, p: &Posting| {
                let idf = self.idf[term as usize];
                let norm = 1.0 - BM25_B + BM25_B * self.doc_len[p.doc as usize] / self.avg_len;
                factor * idf * p.tf * (BM25_K1 + 1.0) / (p.tf + BM25_K1 * norm)
            };
            if let [(term, factor)] = matches.as_slice() {
                for p in &self.postings[*term as usize] {
                    scores.add(p.doc, score(*term, *factor, p), weight * factor);
                }
                continue;
            }
            // Per document, a word counts once even if it matched several spellings.
            let mut per_doc: HashMap<u32, (f32, f32)> = HashMap::new();
            for &(term, factor) in matches {
                for p in &self.postings[term as usize] {
                    let e = per_doc.entry(p.doc).or_insert((0.0, 0.0));
                    e.0 = e.0.max(score(term, factor, p));
                    e.1 = e.1.max(weight * factor);
                }
            }
            for (doc, (s, covered)) in per_doc {
                scores.add(doc, s, covered);
            }
        }
        let mut ranked: Vec<Scored> = scores
            .into_entries()
            .map(|(doc, (score, covered))| Scored {
                doc: doc as usize,
                score,
                coverage: if total_weight > 0.0 {
                    (covered / total_weight).min(1.0)
                } else {
                    0.0
                },
            })
            .collect();
        let order =
            |a: &Scored, b: &Scored| b.score.total_cmp(&a.score).then_with(|| a.doc.cmp(&b.doc));
        if ranked.len() > limit && limit > 0 {
            ranked.select_nth_unstable_by(limit - 1, order);
            ranked.truncate(limit);
        }
        ranked.sort_by(order);
        ranked.truncate(limit);
        ranked
    }

    /// How the question is tied to a document through its title, aliases, tags and quoted
    /// people: the share of the question's weight found there, and whether a rare word is. An
    /// answer that matches only in passing (in its body) is not what was asked, and a rare name
    /// in a title is strong evidence.
    fn anchor(&self, query: &[QueryWord], doc: usize) -> Anchor {
        let distinctive_idf = DISTINCTIVE_IDF_SHARE * bm25_idf(self.docs as f32, 0.5);
        let total: f32 = query.iter().map(|w| w.weight).sum();
        let mut anchor = Anchor {
            strong_share: 0.0,
            distinctive: false,
        };
        for word in query {
            let mut best = 0.0f32;
            for &(id, factor) in &word.matches {
                let postings = &self.postings[id as usize];
                let strong = postings
                    .binary_search_by_key(&(doc as u32), |p| p.doc)
                    .is_ok_and(|i| postings[i].strong);
                if strong {
                    best = best.max(factor);
                    anchor.distinctive |= factor >= 1.0 && self.idf[id as usize] >= distinctive_idf;
                }
            }
            if total > 0.0 {
                anchor.strong_share += word.weight * best / total;
            }
        }
        anchor
    }

    /// The question's key with each unknown word replaced by its closest spelling in the bank,
    /// so that "whats nimbs" still meets the alias "nimbus".
    fn corrected_key(&self, query: &[QueryWord]) -> String {
        query
            .iter()
            .map(|word| {
                // A known word matches itself; an unknown one its most common correction.
                word.matches
                    .iter()
                    .max_by_key(|(id, _)| self.postings[*id as usize].len())
                    .map_or(word.term.as_str(), |(id, _)| {
                        self.words[*id as usize].as_str()
                    })
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The index terms a query word stands for: itself, or its typo corrections.
    /// `term` is the analysed form, `word` the folded word it came from.
    fn lookup(&self, term: &str, word: &str) -> Vec<(u32, f32)> {
        if let Some(&id) = self.terms.get(term) {
            return vec![(id, 1.0)];
        }
        if let Some(id) = self.without_affixes(word) {
            return vec![(id, 1.0)];
        }
        // A name the bank never mentions ("pentagon") is not a typo for a word it does.
        if self.analyzer.is_name(term) {
            return Vec::new();
        }
        // A number one digit away is another number: 2026 is not a typo for 2024.
        if word.chars().any(|c| c.is_ascii_digit()) {
            return Vec::new();
        }
        let mut found: Vec<u32> = Vec::new();
        // Arabic packs its words close: a four-letter word with one letter changed (or two
        // swapped) is usually another word (راتب "salary", كاتب "writer"); a letter left out or
        // doubled is a typo.
        let arabic = crate::text::dominant_script(word) == Some(crate::text::Script::Arabic);
        for form in [term, word] {
            let letters = form.chars().count();
            if !(4..=MAX_CORRECTED_CHARS).contains(&letters) {
                continue;
            }
            let same_length_ok = !arabic || form.chars().count() >= 5;
            // A short Latin word keeps its first letter: typists rarely get that one wrong, and
            // one edit there turns a word into another ("town" into "own"). Arabic is left
            // alone: its first letters are often prefixes ("أخفى" is form IV of "خفي").
            let first_letter_free = arabic || form.chars().count() >= 5;
            let keeps_first_letter =
                |known: &str| first_letter_free || form.chars().next() == known.chars().next();
            let mut candidates: Vec<String> = deletions(form);
            candidates.push(form.to_string());
            for c in &candidates {
                let hash = hash_chars(c.chars());
                let start = self.deletes.partition_point(|&(h, _)| h < hash);
                let ids = self.deletes[start..]
                    .iter()
                    .take_while(|&&(h, _)| h == hash)
                    .map(|&(_, id)| id);
                // Shared deletions also pair words two edits apart; keep one edit (or a swap).
                found.extend(ids.filter(|&id| {
                    let other = &self.words[id as usize];
                    strsim::osa_distance(form, other) <= 1
                        && (same_length_ok || form.chars().count() != other.chars().count())
                        && keeps_first_letter(other)
                }));
                // A deletion from the query that is itself a term: one extra letter was typed.
                if c != form && keeps_first_letter(c) {
                    if let Some(&id) = self.terms.get(c.as_str()) {
                        found.push(id);
                    }
                }
            }
        }
        // A real word the bank lacks ("fine", "sept", "جامع") is not a misspelling of one it has
        // ("fire", "set", "جمع"); at most another form of it ("quick" for "quickly").
        if !found.is_empty() && Encoder::try_shared().is_ok_and(|e| e.knows_word(word)) {
            found.retain(|&id| {
                let known = self.words[id as usize].as_str();
                [term, word]
                    .iter()
                    .any(|typed| known.starts_with(typed) || typed.starts_with(known))
            });
        }
        found.sort_unstable();
        found.dedup();
        found.into_iter().map(|id| (id, FUZZY_WEIGHT)).collect()
    }

    /// An Arabic word the bank does not know, read without the particles written onto its
    /// front ("بواشنطن" is "in Washington", "لغوغل" "to Google", "هالعقد" "this contract"), the
    /// dialects' tense marker before a verb ("بيستخدموها" "they are using it": the ب/ك/ح/ه of
    /// "is doing", "will do"; the verb's own person letter stays) or the pronoun and verb ending written onto its end ("فصلوهم" "they fired
    /// them", "علاقتها" "its relation"), when what stays is a word the bank knows. The reading
    /// that strips the fewest letters wins.
    fn without_affixes(&self, word: &str) -> Option<u32> {
        // Only Arabic words start or end with these.
        const CLITICS: [&str; 12] = [
            "", "وب", "ول", "فب", "فل", "وك", "ها", "ب", "ل", "ف", "ك", "و",
        ];
        // A tense marker only ever stands before a verb's person prefix.
        const TENSE: [&str; 5] = ["", "ب", "ك", "ح", "ه"];
        const PERSON: [char; 4] = ['ي', 'ت', 'ن', 'ا'];
        // Pronouns, and the plural "وا" of verbs ("دعموا" "they supported").
        const PRONOUNS: [&str; 12] = [
            "", "هم", "ها", "هن", "كم", "نا", "وا", "ه", "و", "ون", "ين", "ي",
        ];
        // What a verb or a noun ends with before its pronoun: "فصلو-هم", "علاقت-ها".
        const ENDINGS: [&str; 4] = ["", "و", "ت", "وا"];
        // "ها" is "this" only before the article: "هالعقد", not "هاتف".
        let fronts = CLITICS
            .iter()
            .filter(|&&clitic| clitic != "ها" || word.starts_with("هال"))
            .filter_map(|clitic| word.strip_prefix(clitic))
            .flat_map(|front| {
                TENSE.iter().filter_map(move |tense| {
                    let verb = front.strip_prefix(tense)?;
                    (tense.is_empty() || verb.starts_with(PERSON)).then_some(verb)
                })
            });
        let mut readings: Vec<&str> = fronts
            .flat_map(|verb| PRONOUNS.iter().filter_map(move |p| verb.strip_suffix(p)))
            .flat_map(|body| ENDINGS.iter().filter_map(move |e| body.strip_suffix(e)))
            .filter(|rest| rest.len() < word.len() && rest.chars().count() >= 3)
            .collect();
        // Stable: of two readings that strip as much, the first listed wins.
        readings.sort_by_key(|rest| word.len() - rest.len());
        readings
            .into_iter()
            .find_map(|rest| self.terms.get(&self.analyzer.term(rest)).copied())
    }

    /// Autocomplete: up to `limit` documents for a partial input, best first. Empty input
    /// lists pinned documents, then the rest in bank order.
    pub fn complete(&self, partial: &str, limit: usize) -> Vec<usize> {
        let folded = crate::text::normalize(clipped(partial));
        let mut out: Vec<usize> = Vec::new();
        let mut seen: HashSet<u32> = HashSet::new();
        let mut push = |doc: u32, out: &mut Vec<usize>| {
            if out.len() < limit && seen.insert(doc) {
                out.push(doc as usize);
            }
        };
        if folded.is_empty() {
            for &doc in &self.pinned {
                push(doc, &mut out);
            }
            for doc in 0..self.docs as u32 {
                if out.len() >= limit {
                    break;
                }
                push(doc, &mut out);
            }
            return out;
        }
        // 1. Titles and aliases that start with the input.
        let start = self
            .phrases
            .partition_point(|(p, _)| p.as_str() < folded.as_str());
        for (phrase, doc) in &self.phrases[start..] {
            if !phrase.starts_with(&folded) || out.len() >= limit {
                break;
            }
            push(*doc, &mut out);
        }
        // 2. Titles and aliases with a word that starts with the last word typed.
        let typed: Vec<&str> = crate::text::words(&folded).collect();
        if let Some(last) = typed.last() {
            let start = self
                .phrase_words
                .partition_point(|(w, _)| w.as_str() < *last);
            for (word, doc) in &self.phrase_words[start..] {
                if !word.starts_with(last) || out.len() >= limit {
                    break;
                }
                push(*doc, &mut out);
            }
        }
        // 3. Full search, typo-tolerant, for what prefixes missed.
        if out.len() < limit {
            for scored in self.rank(&self.query(partial), limit) {
                push(scored.doc as u32, &mut out);
            }
        }
        out
    }
}

/// What [`Index::explain`] found.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// The question's words after analysis.
    pub words: Vec<ExplainedWord>,
    /// Why the best candidate was not a confident answer, when it was not.
    pub doubt: Option<&'static str>,
    /// How many of them the bank has never seen, typos included.
    pub unknown_words: usize,
    /// How many words the question has after analysis.
    pub word_count: usize,
    /// The lexical candidates, best first, with their evidence.
    pub candidates: Vec<Evidence>,
    /// What [`Index::ask`] replies.
    pub outcome: Outcome,
}

/// One word of a question as search read it.
#[derive(Debug, Clone)]
pub struct ExplainedWord {
    /// The analysed term (a concept's name when the word belongs to one).
    pub term: String,
    /// The bank's terms it matched: itself, its typo corrections, or none.
    pub matches: Vec<String>,
    /// How much it counts towards coverage.
    pub weight: f32,
}

/// The evidence one candidate was judged on.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// Document index.
    pub doc: usize,
    /// Lexical score.
    pub score: f32,
    /// Share of the question it explains.
    pub coverage: f32,
    /// Share of the question in its title, aliases, tags or people.
    pub strong_share: f32,
    /// Whether a rare word of the question is in those fields.
    pub distinctive: bool,
    /// Whether a rare word of the question anchors another answer instead.
    pub points_elsewhere: bool,
    /// Best cosine between the question and its titles and aliases (no encoder: `None`).
    pub cosine: Option<f32>,
    /// What the judge reads of it (see `search::judge`), for refitting.
    pub features: Vec<f32>,
    /// How likely the judge finds it is the answer.
    pub likely: f32,
}

/// One word of a question and the index terms it stands for.
struct QueryWord {
    /// The analysed word.
    term: String,
    /// Index terms with their weight: the word itself (1.0) or its typo corrections.
    matches: Vec<(u32, f32)>,
    /// How much the word counts towards coverage (see [`Index::query`]).
    weight: f32,
}

/// Score and coverage per document while a question is ranked.
enum Scores {
    /// For questions that touch few documents.
    Sparse(HashMap<u32, (f32, f32)>),
    /// For questions that touch many: one slot per document, and the documents touched.
    Dense(Vec<(f32, f32)>, Vec<u32>),
}

impl Scores {
    fn add(&mut self, doc: u32, score: f32, covered: f32) {
        let slot = match self {
            Scores::Sparse(map) => map.entry(doc).or_insert((0.0, 0.0)),
            Scores::Dense(slots, touched) => {
                let slot = &mut slots[doc as usize];
                if *slot == (0.0, 0.0) {
                    touched.push(doc);
                }
                slot
            }
        };
        slot.0 += score;
        slot.1 += covered;
    }

    fn into_entries(self) -> Box<dyn Iterator<Item = (u32, (f32, f32))>> {
        match self {
            Scores::Sparse(map) => Box::new(map.into_iter()),
            Scores::Dense(slots, mut touched) => {
                touched.sort_unstable();
                touched.dedup();
                Box::new(touched.into_iter().map(move |d| (d, slots[d as usize])))
            }
        }
    }
}

fn bm25_idf(n: f32, df: f32) -> f32 {
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// FNV-1a over the characters: small, fast and stable, which is all a candidate filter needs.
fn hash_chars(chars: impl Iterator<Item = char>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for c in chars {
        hash ^= u64::from(c);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The hash of every string made by deleting one character of `word`, without building them.
fn deletion_hashes(word: &str) -> Vec<u64> {
    let chars: Vec<char> = word.chars().collect();
    (0..chars.len())
        .map(|skip| {
            hash_chars(
                chars
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| i != skip)
                    .map(|(_, &c)| c),
            )
        })
        .collect()
}

/// Every string made by deleting one character of `word`.
fn deletions(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    (0..chars.len())
        .map(|skip| {
            chars
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != skip)
                .map(|(_, c)| c)
                .collect()
        })
        .collect()
}

/// The first [`MAX_QUESTION_CHARS`] characters of a question.
fn clipped(question: &str) -> &str {
    question
        .char_indices()
        .nth(MAX_QUESTION_CHARS)
        .map_or(question, |(end, _)| &question[..end])
}
