//! Search quality on the shipped bank: a dev set of real questions in English and Arabic with
//! the expected answer ids, and off-topic questions that must get no answer.

use nimbus_bot::commands::ask;
use serde::Deserialize;

use crate::{options, responses_dir};

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

#[test]
fn dev_set_top1_accuracy_is_at_least_90_percent() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/search_dev.toml");
    let text = std::fs::read_to_string(&path).expect("tests/data/search_dev.toml");
    let dev: DevSet = toml::from_str(&text).expect("dev set parses");
    let loaded = nimbus_bot::bank::load(&responses_dir(), &options());
    let bank = loaded.bank.expect("shipped bank loads");
    let mut right = 0;
    let mut wrong_answers = Vec::new();
    let mut off_topic_answered = Vec::new();
    let (mut en, mut ar) = (0, 0);
    for case in &dev.case {
        match case.lang.as_str() {
            "ar" => ar += 1,
            _ => en += 1,
        }
        let got = ask(&bank, &case.q).entry.unwrap_or_default();
        if got == case.expect {
            right += 1;
        } else if case.expect.is_empty() {
            off_topic_answered.push(format!("{:?} -> {got}", case.q));
        } else {
            wrong_answers.push(format!(
                "{:?}: expected {}, got {got:?}",
                case.q, case.expect
            ));
        }
    }
    let total = dev.case.len();
    let accuracy = right as f64 / total as f64;
    println!(
        "search dev set: top-1 accuracy {:.1}% ({right}/{total}; {en} English, {ar} Arabic)",
        accuracy * 100.0
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
        "top-1 accuracy {:.1}% is below 90%: {wrong_answers:#?}",
        accuracy * 100.0
    );
}
