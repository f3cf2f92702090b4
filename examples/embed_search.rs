//! How well the sentence encoder alone finds the right answer for the search dev set, for
//! several ways of representing an answer: an offline measurement for tuning search, not a
//! test. Run it with
//!
//! ```sh
//! cargo run --release --example embed_search [-- [--misses] [DEV_SET.toml]]
//! ```
//!
//! For each representation it prints, over `tests/data/search_dev.toml` (or the dev set named;
//! a held-out set is refused, since this is a tuning tool): top-1 accuracy and
//! how often the right answer is among the top 3 (on-topic cases, by language), the best
//! cosine and its margin over the runner-up for right answers, wrong answers and off-topic
//! cases (`expect = ""`), and for a grid of (cosine, margin) gates how many cases each gate
//! would let through right, wrong and off-topic. `--misses` also lists the on-topic questions
//! whose best match is wrong.

use std::collections::BTreeMap;
use std::path::Path;

use nimbus_bot::bank::{load, Answer, LoadOptions};
use nimbus_bot::embed::{Embedding, Encoder};

#[derive(serde::Deserialize)]
struct DevSet {
    case: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    q: String,
    lang: String,
    expect: String,
}

/// How an answer becomes texts to embed; its score is the best cosine over them.
struct Representation {
    name: &'static str,
    texts: fn(&Answer) -> Vec<(String, String)>,
    /// Only the texts in the question's language count.
    same_language_only: bool,
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let options = LoadOptions {
        stale_after_days: 100_000,
        today: time::macros::date!(2026 - 11 - 28),
        ..LoadOptions::default()
    };
    let loaded = load(&root.join("responses"), &options);
    let Some(bank) = loaded.bank else {
        for diagnostic in &loaded.diagnostics {
            eprintln!("{diagnostic}");
        }
        fail("the shipped bank does not load");
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_misses = args.iter().any(|a| a == "--misses");
    let dev_path = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map_or_else(|| root.join("tests/data/search_dev.toml"), Into::into);
    if dev_path.to_string_lossy().contains("holdout") {
        fail("refusing a held-out set: tune on the dev set only");
    }
    let shown = dev_path.display();
    let dev_text =
        std::fs::read_to_string(&dev_path).unwrap_or_else(|e| fail(&format!("{shown}: {e}")));
    let dev: DevSet = toml::from_str(&dev_text).unwrap_or_else(|e| fail(&format!("{shown}: {e}")));
    let encoder = Encoder::shared();
    let on_topic = dev.case.iter().filter(|c| !c.expect.is_empty()).count();
    println!(
        "{} answers; dev set: {} cases, {on_topic} on-topic, {} off-topic\n",
        bank.answers.len(),
        dev.case.len(),
        dev.case.len() - on_topic
    );

    let representations = [
        Representation {
            name: "title",
            texts: |a| per_language(a, |_, title, _, _| title.to_owned()),
            same_language_only: false,
        },
        Representation {
            name: "title + aliases",
            texts: |a| per_language(a, |_, title, aliases, _| join(title, aliases, None)),
            same_language_only: false,
        },
        Representation {
            name: "title + aliases + first sentence",
            texts: |a| per_language(a, |_, t, aliases, body| join(t, aliases, Some(body))),
            same_language_only: false,
        },
        Representation {
            name: "each of title, aliases, first sentence (max)",
            texts: separate_texts,
            same_language_only: false,
        },
        Representation {
            name: "each of title, aliases, first sentence, question's language only",
            texts: separate_texts,
            same_language_only: true,
        },
        Representation {
            name: "title + aliases, both languages in one text",
            texts: |a| {
                let all: Vec<String> = per_language(a, |_, t, al, _| join(t, al, None))
                    .into_iter()
                    .map(|(_, text)| text)
                    .collect();
                vec![(String::new(), all.join(". "))]
            },
            same_language_only: false,
        },
    ];

    for normalise in [false, true] {
        for rep in &representations {
            let prepare = |text: &str| {
                if normalise {
                    nimbus_bot::text::normalize(text)
                } else {
                    text.to_owned()
                }
            };
            let answers: Vec<(String, Vec<(String, Embedding)>)> = bank
                .answers
                .iter()
                .map(|a| {
                    let vectors = (rep.texts)(a)
                        .into_iter()
                        .map(|(lang, text)| (lang, encoder.encode(&prepare(&text))))
                        .collect();
                    (a.id.clone(), vectors)
                })
                .collect();
            let label = if normalise {
                format!("{} [text::normalize first]", rep.name)
            } else {
                rep.name.to_owned()
            };
            let embed = |q: &str| encoder.encode(&prepare(q));
            evaluate(
                &label,
                &dev.case,
                &answers,
                rep.same_language_only,
                show_misses,
                embed,
            );
        }
    }
}

fn fail(message: &str) -> ! {
    eprintln!("{message}");
    std::process::exit(1)
}

/// One text per language the answer has a title in, built from its title, aliases and body.
fn per_language(
    answer: &Answer,
    build: impl Fn(&str, &str, &[String], &str) -> String,
) -> Vec<(String, String)> {
    answer
        .title
        .iter()
        .map(|(lang, title)| {
            let aliases = answer.aliases.get(lang).map_or(&[][..], Vec::as_slice);
            let body = answer.body.get(lang).map_or("", String::as_str);
            (lang.clone(), build(lang, title, aliases, body))
        })
        .collect()
}

fn separate_texts(answer: &Answer) -> Vec<(String, String)> {
    let mut texts = Vec::new();
    for (lang, title) in &answer.title {
        texts.push((lang.clone(), title.clone()));
        for alias in answer.aliases.get(lang).into_iter().flatten() {
            texts.push((lang.clone(), alias.clone()));
        }
        if let Some(body) = answer.body.get(lang) {
            texts.push((lang.clone(), first_sentence(body).to_owned()));
        }
    }
    texts
}

fn join(title: &str, aliases: &[String], body: Option<&str>) -> String {
    let mut parts = vec![title.to_owned()];
    parts.extend(aliases.iter().cloned());
    if let Some(body) = body {
        parts.push(first_sentence(body).to_owned());
    }
    parts.join(". ")
}

/// The body up to its first sentence end (`.`, `!`, `?`, `؟` followed by a space or the end).
fn first_sentence(body: &str) -> &str {
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if matches!(c, '.' | '!' | '?' | '؟' | '\n') {
            let next = chars.peek().map(|&(_, c)| c);
            if next.is_none_or(char::is_whitespace) {
                return &body[..i + c.len_utf8()];
            }
        }
    }
    body
}

/// Best and second-best answer for a question: (id, score) sorted by score.
fn ranking(
    question: &Embedding,
    lang: &str,
    answers: &[(String, Vec<(String, Embedding)>)],
    same_language_only: bool,
) -> Vec<(String, f32)> {
    let mut scored: Vec<(String, f32)> = answers
        .iter()
        .map(|(id, vectors)| {
            let best = vectors
                .iter()
                .filter(|(l, _)| !same_language_only || l == lang)
                .map(|(_, v)| question.cosine(v))
                .fold(f32::MIN, f32::max);
            (id.clone(), best)
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    scored
}

#[derive(Default)]
struct Tally {
    cases: usize,
    top1: usize,
    top3: usize,
}

fn evaluate(
    name: &str,
    cases: &[Case],
    answers: &[(String, Vec<(String, Embedding)>)],
    same_language_only: bool,
    show_misses: bool,
    embed: impl Fn(&str) -> Embedding,
) {
    let mut misses = Vec::new();
    let mut by_lang: BTreeMap<String, Tally> = BTreeMap::new();
    // (best cosine, margin over the runner-up) for each kind of outcome.
    let (mut right, mut wrong, mut off_topic) = (Vec::new(), Vec::new(), Vec::new());
    for case in cases {
        let ranked = ranking(&embed(&case.q), &case.lang, answers, same_language_only);
        let (top_id, top) = (&ranked[0].0, ranked[0].1);
        let margin = top - ranked.get(1).map_or(-1.0, |r| r.1);
        if case.expect.is_empty() {
            off_topic.push((top, margin));
            continue;
        }
        let tally = by_lang.entry(case.lang.clone()).or_default();
        tally.cases += 1;
        if *top_id == case.expect {
            tally.top1 += 1;
            right.push((top, margin));
        } else {
            wrong.push((top, margin));
            misses.push(format!(
                "    {:?}: {top_id} {top:.2}, want {}",
                case.q, case.expect
            ));
        }
        if ranked.iter().take(3).any(|(id, _)| *id == case.expect) {
            tally.top3 += 1;
        }
    }
    println!("== {name}");
    let total = by_lang.values().fold(Tally::default(), |acc, t| Tally {
        cases: acc.cases + t.cases,
        top1: acc.top1 + t.top1,
        top3: acc.top3 + t.top3,
    });
    for (lang, t) in by_lang.iter().chain([(&"all".to_owned(), &total)]) {
        println!(
            "  {lang:3}: top-1 {:5.1}% ({}/{}), in top 3 {:5.1}%",
            100.0 * t.top1 as f64 / t.cases as f64,
            t.top1,
            t.cases,
            100.0 * t.top3 as f64 / t.cases as f64,
        );
    }
    for (label, outcome) in [
        ("right top-1", &right),
        ("wrong top-1", &wrong),
        ("off-topic", &off_topic),
    ] {
        println!(
            "  {label:11}: cosine {}  margin {}",
            spread(outcome.iter().map(|o| o.0)),
            spread(outcome.iter().map(|o| o.1))
        );
    }
    println!("  gate (cosine >= c and margin >= m): right / wrong / off-topic let through");
    for c in [0.4, 0.45, 0.5, 0.55, 0.6, 0.65] {
        let cells: Vec<String> = [0.0, 0.05, 0.1, 0.15]
            .iter()
            .map(|&m| {
                let pass = |o: &&(f32, f32)| o.0 >= c && o.1 >= m;
                format!(
                    "m {m:.2}: {:3}/{:2}/{:2}",
                    right.iter().filter(pass).count(),
                    wrong.iter().filter(pass).count(),
                    off_topic.iter().filter(pass).count()
                )
            })
            .collect();
        println!("    c {c:.2}  {}", cells.join("   "));
    }
    if show_misses {
        println!("  wrong best match:\n{}", misses.join("\n"));
    }
    println!();
}

/// min / median / max of some values.
fn spread(values: impl Iterator<Item = f32>) -> String {
    let mut v: Vec<f32> = values.collect();
    if v.is_empty() {
        return "(none)".into();
    }
    v.sort_by(f32::total_cmp);
    format!(
        "min {:.2} p50 {:.2} max {:.2}",
        v[0],
        v[v.len() / 2],
        v[v.len() - 1]
    )
}
