//! Search quality on the shipped bank: dev sets of questions in English and Arabic with the
//! expected answer ids, and questions that must be refused.
//!
//! `search_fresh.toml`, `search_fresh_more.toml`, `search_fresh_third.toml`,
//! `search_fresh_fourth.toml` and `search_fresh_fifth.toml` are the tuned part;
//! `search_holdout.toml`, `search_kept.toml`, `search_kept_third.toml`,
//! `search_kept_fourth.toml`, `search_kept_fifth.toml` and `search_kept_sixth.toml` are kept aside and only ever measured in aggregate (their cases
//! and misses are never printed), so that their figures say how search does on questions nobody
//! tuned it for.

use nimbus_bot::bank::Bank;
use nimbus_bot::commands::{ask, AskResult, Tier};
use serde::Deserialize;

use crate::shipped_bank;

#[derive(Deserialize)]
struct DevSet {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    q: String,
    lang: String,
    /// Expected answer id; empty means the bot must not answer.
    expect: String,
}

fn dev_set(name: &str) -> DevSet {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The figures issue 12 judges search by, over one dev set.
#[derive(Debug, Default)]
struct Figures {
    answerable: usize,
    refused: usize,
    /// The right entry given as the answer or as the closest match.
    right_given: usize,
    /// The right entry given as a confident answer.
    right_confident: usize,
    /// The right entry shown at all (answer, closest match or suggestion)...
    right_shown: usize,
    /// ...and shown first.
    right_first: usize,
    /// A wrong entry given as a confident answer.
    wrong_confident: usize,
    /// A wrong entry given as the closest match.
    wrong_closest: usize,
    refused_answered: usize,
    refused_closest: usize,
    misses: Vec<String>,
}

impl Figures {
    fn measure(bank: &Bank, set: &DevSet) -> Figures {
        let mut f = Figures::default();
        for case in &set.case {
            let got = ask(bank, &case.q);
            f.add(case, &got);
        }
        f
    }

    fn add(&mut self, case: &Case, got: &AskResult) {
        let shown = got.shown();
        let given = got.given();
        if case.expect.is_empty() {
            self.refused += 1;
            match got.tier {
                Tier::Answer => self.refused_answered += 1,
                Tier::Closest => self.refused_closest += 1,
                Tier::NotSure => return,
            }
            self.misses.push(format!(
                "refused {:?} ({}) got {:?} {}",
                case.q,
                case.lang,
                got.tier,
                given.unwrap_or_default()
            ));
            return;
        }
        self.answerable += 1;
        if given == Some(case.expect.as_str()) {
            self.right_given += 1;
            self.right_confident += usize::from(got.tier == Tier::Answer);
        } else {
            match got.tier {
                Tier::Answer => self.wrong_confident += 1,
                Tier::Closest => self.wrong_closest += 1,
                Tier::NotSure => {}
            }
            self.misses.push(format!(
                "{:?} ({}) expected {} got {:?} {:?}",
                case.q, case.lang, case.expect, got.tier, shown
            ));
        }
        if shown.contains(&case.expect.as_str()) {
            self.right_shown += 1;
            if shown.first() == Some(&case.expect.as_str()) {
                self.right_first += 1;
            }
        }
    }

    fn pct(n: usize, of: usize) -> f64 {
        if of == 0 {
            0.0
        } else {
            100.0 * n as f64 / of as f64
        }
    }

    fn right_given_pct(&self) -> f64 {
        Self::pct(self.right_given, self.answerable)
    }

    fn right_first_pct(&self) -> f64 {
        Self::pct(self.right_first, self.right_shown)
    }

    fn wrong_confident_pct(&self) -> f64 {
        Self::pct(self.wrong_confident, self.answerable)
    }

    fn line(&self, name: &str) -> String {
        format!(
            "{name}: right given {:.1}% ({}/{}, {} of them as a confident answer); right first among shown {:.1}% ({}/{}); \
             wrong confident {:.1}% ({}); wrong closest {}; refused answered {}/{}; \
             refused given a closest match {}/{}",
            self.right_given_pct(),
            self.right_given,
            self.answerable,
            self.right_confident,
            self.right_first_pct(),
            self.right_first,
            self.right_shown,
            self.wrong_confident_pct(),
            self.wrong_confident,
            self.wrong_closest,
            self.refused_answered,
            self.refused,
            self.refused_closest,
            self.refused
        )
    }
}

/// The first dev set, written before the closest tier existed. It measured confident answers
/// only; now that two answers claiming a question as much give a closest match instead, the
/// right entry *given* (answer or closest match) is the measure, with confident answers kept
/// at the level reached (BENCHMARKS.md; 76.9 % since a confident answer needs 80 % of the
/// question explained, 90 % with a name in a title, and a lead of a fifth over the runner-up).
#[test]
fn dev_set_gives_the_right_entry_for_at_least_90_percent() {
    let dev = dev_set("search_dev.toml");
    let bank = shipped_bank();
    let (mut right, mut confident) = (0, 0);
    let mut wrong_answers = Vec::new();
    let mut off_topic_answered = Vec::new();
    let (mut en, mut ar) = (0, 0);
    for case in &dev.case {
        match case.lang.as_str() {
            "ar" => ar += 1,
            _ => en += 1,
        }
        let got = ask(&bank, &case.q);
        let given = got
            .entry
            .as_deref()
            .or(got.closest.as_deref())
            .unwrap_or_default();
        if case.expect.is_empty() {
            if got.tier == Tier::Answer {
                off_topic_answered.push(format!("{:?} -> {given}", case.q));
            } else {
                right += 1;
                confident += 1;
            }
        } else if given == case.expect {
            right += 1;
            confident += usize::from(got.tier == Tier::Answer);
        } else {
            wrong_answers.push(format!(
                "{:?}: expected {}, got {:?} {given:?}",
                case.q, case.expect, got.tier
            ));
        }
    }
    let total = dev.case.len();
    let accuracy = right as f64 / total as f64;
    let confident_accuracy = confident as f64 / total as f64;
    println!(
        "search dev set: right entry given {:.1}% ({right}/{total}), as a confident answer {:.1}% \
         ({confident}/{total}; refused cases count when not answered; {en} English, {ar} Arabic)",
        accuracy * 100.0,
        confident_accuracy * 100.0
    );
    for w in &wrong_answers {
        println!("  miss: {w}");
    }
    assert!(
        total >= 40,
        "the dev set needs at least 40 questions, has {total}"
    );
    assert!(
        dev.case.iter().any(|c| c.expect.is_empty()),
        "the dev set needs off-topic negatives"
    );
    assert!(
        off_topic_answered.is_empty(),
        "off-topic questions were answered: {off_topic_answered:#?}"
    );
    assert!(
        accuracy >= 0.90,
        "right entry given {:.1}% is below 90%: {wrong_answers:#?}",
        accuracy * 100.0
    );
    assert!(
        confident_accuracy >= 0.76,
        "confident answers {:.1}% fell below the level reached",
        confident_accuracy * 100.0
    );
}

/// The floors a set's figures must keep: the levels reached (BENCHMARKS.md), so that a
/// regression fails CI.
struct Floors {
    right_given: usize,
    right_first_pct: f64,
    wrong_confident: usize,
    refused_answered: usize,
    refused_closest: usize,
}

/// Measures a tuned set, prints its figures and every miss (so that tuning can see what it
/// does), and checks them against `floors`.
fn tuned_set_keeps(file: &str, name: &str, floors: Floors) -> Figures {
    let f = Figures::measure(&shipped_bank(), &dev_set(file));
    println!("{}", f.line(&format!("{name} (tuned)")));
    for miss in &f.misses {
        println!("  miss: {miss}");
    }
    f.keeps(name, &floors);
    f
}

impl Figures {
    #[track_caller]
    fn keeps(&self, name: &str, floors: &Floors) {
        let line = self.line(name);
        assert!(self.right_given >= floors.right_given, "{line}");
        assert!(self.right_first_pct() >= floors.right_first_pct, "{line}");
        assert!(self.wrong_confident <= floors.wrong_confident, "{line}");
        assert!(self.refused_answered <= floors.refused_answered, "{line}");
        assert!(self.refused_closest <= floors.refused_closest, "{line}");
    }
}

/// The tuned part. Issue 12 asks for 97 % given here.
#[test]
fn fresh_tuned_set_meets_its_figures() {
    let floors = Floors {
        right_given: 267,
        right_first_pct: 97.7,
        wrong_confident: 0,
        refused_answered: 0,
        refused_closest: 2,
    };
    let fresh = tuned_set_keeps("search_fresh.toml", "search_fresh", floors);
    assert!(fresh.answerable >= 200 && fresh.refused >= 40);
}

/// The second tuned part, written after the first was tuned on, with a batch of hard refused
/// questions.
#[test]
fn second_tuned_set_meets_its_figures() {
    let floors = Floors {
        right_given: 129,
        right_first_pct: 97.1,
        wrong_confident: 0,
        refused_answered: 0,
        refused_closest: 13,
    };
    let more = tuned_set_keeps("search_fresh_more.toml", "search_fresh_more", floors);
    assert!(more.answerable >= 140 && more.refused >= 150);
}

/// The third tuned part, written (like the second kept-aside part) from the bodies only on
/// 2026-12-07, with long messages and questions that describe rather than name.
#[test]
fn third_tuned_set_meets_its_figures() {
    let floors = Floors {
        right_given: 131,
        right_first_pct: 94.4,
        wrong_confident: 0,
        refused_answered: 0,
        refused_closest: 6,
    };
    let third = tuned_set_keeps("search_fresh_third.toml", "search_fresh_third", floors);
    assert!(third.answerable >= 140 && third.refused >= 50);
}

/// The fourth tuned part, written from the bodies only in the session after the third, with
/// synonyms no body uses, rambling messages and more dialect: much harder than the others.
#[test]
fn fourth_tuned_set_meets_its_figures() {
    let floors = Floors {
        right_given: 146,
        right_first_pct: 92.8,
        wrong_confident: 0,
        refused_answered: 0,
        refused_closest: 13,
    };
    let fourth = tuned_set_keeps("search_fresh_fourth.toml", "search_fresh_fourth", floors);
    assert!(fourth.answerable >= 200 && fourth.refused >= 70);
}

/// The fifth tuned part: four in five of its questions borrow one answer's words to ask what no
/// answer says (a salary, another year, what happened next), written to find where confident
/// answers go wrong. Read for its misses, not fitted on (tools/fit_tiers.py says why).
#[test]
fn fifth_tuned_set_meets_its_figures() {
    let floors = Floors {
        right_given: 52,
        right_first_pct: 98.1,
        wrong_confident: 0,
        refused_answered: 1,
        refused_closest: 133,
    };
    let fifth = tuned_set_keeps("search_fresh_fifth.toml", "search_fresh_fifth", floors);
    assert!(fifth.answerable >= 50 && fifth.refused >= 200);
}

/// Measures a part kept aside, prints its figures (aggregates only, never its cases) and
/// checks them against `floors`.
fn kept_aside_keeps(file: &str, name: &str, floors: Floors) -> Figures {
    let f = Figures::measure(&shipped_bank(), &dev_set(file));
    println!("{}", f.line(&format!("{name} (kept aside)")));
    assert!(f.answerable >= 100 && f.refused >= 30);
    f.keeps(name, &floors);
    f
}

/// The first part kept aside (2026-11-29). Issue 12's targets are 80 % given, 95 % first, at
/// most 1 % wrong and no refused case answered; the given and first floors here are those
/// targets (112 of 140 is 80 %), the others the levels reached (BENCHMARKS.md), so that a
/// regression fails CI.
#[test]
fn holdout_set_keeps_its_figures() {
    let floors = Floors {
        right_given: 112,
        right_first_pct: 95.0,
        wrong_confident: 1,
        refused_answered: 0,
        refused_closest: 3,
    };
    kept_aside_keeps("search_holdout.toml", "search_holdout", floors);
}

/// The second part kept aside, written from the bodies only on 2026-12-07 and measured before
/// anything was tuned after it. Floors: the levels reached (BENCHMARKS.md), below the targets
/// for given and first.
#[test]
fn second_kept_aside_set_keeps_its_figures() {
    let floors = Floors {
        right_given: 150,
        right_first_pct: 94.7,
        wrong_confident: 0,
        refused_answered: 0,
        refused_closest: 10,
    };
    kept_aside_keeps("search_kept.toml", "search_kept", floors);
}

/// The third part kept aside, written from the bodies only by two new writers in a later
/// session, with a brief that named no company for the refused questions, and measured before
/// anything was tuned after it. Floors: the levels reached (BENCHMARKS.md), below the targets.
#[test]
fn third_kept_aside_set_keeps_its_figures() {
    let floors = Floors {
        right_given: 147,
        right_first_pct: 94.6,
        wrong_confident: 0,
        refused_answered: 1,
        refused_closest: 14,
    };
    kept_aside_keeps("search_kept_third.toml", "search_kept_third", floors);
}

/// The fourth part kept aside, written from the bodies only by two new writers in the session
/// after the third, with the third's brief, and measured before anything was tuned after it
/// (74.5 % given, 93.2 % first, 3 wrong confident, 1 refused answered on arrival). Floors: the
/// levels reached (BENCHMARKS.md), below the targets.
#[test]
fn fourth_kept_aside_set_keeps_its_figures() {
    let floors = Floors {
        right_given: 138,
        right_first_pct: 92.6,
        wrong_confident: 0,
        refused_answered: 0,
        refused_closest: 8,
    };
    kept_aside_keeps("search_kept_fourth.toml", "search_kept_fourth", floors);
}

/// The fifth part kept aside, written from the bodies only by two new writers in the session
/// after the fourth, with the fourth's brief, and measured before anything was tuned after it
/// (74.9 % given, 93.2 % first, no wrong confident, no refused answered on arrival). Floors: the
/// levels reached (BENCHMARKS.md), below the targets.
#[test]
fn fifth_kept_aside_set_keeps_its_figures() {
    let floors = Floors {
        right_given: 137,
        right_first_pct: 93.8,
        wrong_confident: 0,
        refused_answered: 0,
        refused_closest: 7,
    };
    kept_aside_keeps("search_kept_fifth.toml", "search_kept_fifth", floors);
}

/// The sixth part kept aside, written from the bodies only by two new writers in the session
/// after the fifth, with the fifth's brief, and measured before anything was tuned after it
/// (78.0 % given, 93.9 % first, no wrong confident, no refused answered on arrival). Floors: the
/// levels reached (BENCHMARKS.md), below the targets.
#[test]
fn sixth_kept_aside_set_keeps_its_figures() {
    let floors = Floors {
        right_given: 144,
        right_first_pct: 94.5,
        wrong_confident: 0,
        refused_answered: 0,
        refused_closest: 11,
    };
    kept_aside_keeps("search_kept_sixth.toml", "search_kept_sixth", floors);
}

/// The seventh part kept aside, written from the bodies only by two new writers in the session
/// after the sixth, with the sixth's brief, and measured once on arrival, after that session's
/// changes (75.1 % given, 92.9 % first, no wrong confident, but 2 of 62 refused questions
/// answered with confidence: the first kept part to miss that target on arrival). A question
/// for a name is no longer answered confidently (chosen on the tuned fifth part): 1 of 62, with
/// one more refused question given a closest match. Floors: those levels (BENCHMARKS.md); the
/// refused answered is a ceiling to bring down, not a goal.
#[test]
fn seventh_kept_aside_set_keeps_its_figures() {
    let floors = Floors {
        right_given: 135,
        right_first_pct: 92.8,
        wrong_confident: 0,
        refused_answered: 1,
        refused_closest: 8,
    };
    kept_aside_keeps("search_kept_seventh.toml", "search_kept_seventh", floors);
}

/// Every question quoted in issue 12, with the entries that answer it (several where the bank
/// has more than one true answer); an empty list means the question must be refused.
const ISSUE_12_QUESTIONS: &[(&str, &[&str])] = &[
    (
        "who won the nimbus contract",
        &["what-is-nimbus", "nimbus-award-signing"],
    ),
    (
        "who won nimbus",
        &["what-is-nimbus", "nimbus-award-signing"],
    ),
    (
        "which companies won project nimbus",
        &["what-is-nimbus", "nimbus-award-signing"],
    ),
    (
        "من فاز بعقد نمبوس",
        &["what-is-nimbus", "nimbus-award-signing"],
    ),
    (
        "which companies lost the nimbus tender",
        &["nimbus-losing-bidders"],
    ),
    (
        "where r the nimbus data centers in israel",
        &["nimbus-data-centres"],
    ),
    ("who are the workers google fired", &["google-firings-2024"]),
    ("من هم العمال الذين فصلتهم غوغل", &["google-firings-2024"]),
    (
        "which groups organized the protest at the AWS summit",
        &["aws-summit-2022-groups"],
    ),
    (
        "does the israeli army use microsoft azure for unit 8200 surveillance",
        &[],
    ),
    (
        "did workers speak out",
        &[
            "guardian-letter-2021",
            "letter-support-growth",
            "nbc-oped-2021",
        ],
    ),
    ("were workers arrested", &["google-sit-ins-2024"]),
    ("face recognition stuff", &["andy-jassy", "nimbus-ai-tools"]),
    (
        "what does google say nimbus is used for",
        &["google-position"],
    ),
    ("وين مراكز البيانات تبع نمبوس", &["nimbus-data-centres"]),
    ("شو طلع بتسريب العقد", &["nimbus-2025-leak"]),
    ("هل تقدر قوقل توقف الخدمة", &["nimbus-boycott-clause"]),
    ("wat is projct nimbus?", &["what-is-nimbus"]),
];

/// Issue 12's "Done when": each of its questions gets a right entry (as the answer or the
/// closest match) or "not sure" with a right entry among the suggestions, never a wrong entry;
/// the one that must be refused gets "not sure".
#[test]
fn every_question_quoted_in_issue_12_gets_a_right_entry_or_not_sure_with_it() {
    let bank = shipped_bank();
    let mut failures = Vec::new();
    for &(question, right) in ISSUE_12_QUESTIONS {
        for id in right {
            assert!(bank.answer(id).is_some(), "{id} is not in the bank");
        }
        let got = ask(&bank, question);
        let given = got.given();
        let ok = match (right.is_empty(), got.tier) {
            (true, tier) => tier == Tier::NotSure,
            (false, Tier::Answer | Tier::Closest) => given.is_some_and(|g| right.contains(&g)),
            (false, Tier::NotSure) => got.suggestions.iter().any(|s| right.contains(&s.as_str())),
        };
        if !ok {
            failures.push(format!("{question:?}: {:?} {:?}", got.tier, got.shown()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
