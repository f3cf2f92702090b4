//! Example questions: `check` runs each through search the way `/ask` does and warns, at the
//! example, when it does not reach its answer. Moderators' own regression tests for their bank.

use std::path::Path;
use std::process::Command;

use nimbus_bot::bank::{load, Severity};
use nimbus_bot::commands::AskResult;
use nimbus_bot::examples;

use crate::{copy_dir, fixture_dir, options};

/// An answer whose examples are, in order: its own title (reaches it), an alias of the
/// fixture's `aws-summit-2022` (stolen), and a question about nothing in the bank.
const CASE: &str = r#"[[answer]]
id = "case-keynote"
category = "protests"
reviewed = "2026-11-01"
sources = ["mediajustice-vice-2022"]
title = { en = "Who spoke at the keynote?", ar = "من تحدث في الخطاب الرئيسي؟" }
body = { en = "Body.", ar = "نص." }

[answer.examples]
en = [
  "who spoke at the keynote",
  "keynote disruption",
  "best sourdough starter recipe",
]
"#;

fn case_bank(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&fixture_dir(), dir.path());
    std::fs::write(dir.path().join("zz-case.toml"), text).expect("write case");
    dir
}

#[test]
fn an_example_stolen_by_another_answers_alias_is_a_warning_at_the_example() {
    let dir = case_bank(CASE);
    let loaded = load(dir.path(), &options());
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let bank = loaded.bank.expect("loads");
    let report = examples::check(&bank);
    assert_eq!((report.asked, report.passed), (3, 1));
    let shown: Vec<String> = report.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(report.warnings.len(), 2, "{shown:#?}");

    let stolen = &report.warnings[0];
    assert!(stolen.path.ends_with("zz-case.toml"), "{shown:#?}");
    assert_eq!((stolen.line, stolen.col), (12, 3), "{shown:#?}");
    assert_eq!(stolen.severity, Severity::Warning);
    assert!(
        stolen.message.contains(
            "does not reach answer `case-keynote`: search answers it with `aws-summit-2022`"
        ),
        "{shown:#?}"
    );

    let unknown = &report.warnings[1];
    assert_eq!((unknown.line, unknown.col), (13, 3), "{shown:#?}");
    assert!(unknown.message.contains("not sure"), "{shown:#?}");
}

#[test]
fn a_confident_answer_or_the_closest_match_with_the_right_entry_passes() {
    use nimbus_bot::commands::Tier;
    let result =
        |tier: Tier, entry: Option<&str>, closest: Option<&str>, suggestions: &[&str]| AskResult {
            tier,
            entry: entry.map(str::to_owned),
            closest: closest.map(str::to_owned),
            suggestions: suggestions.iter().map(|s| (*s).to_owned()).collect(),
        };
    assert!(examples::reaches(
        "a",
        &result(Tier::Answer, Some("a"), None, &["b"])
    ));
    assert!(!examples::reaches(
        "a",
        &result(Tier::Answer, Some("b"), None, &["a"])
    ));
    assert!(examples::reaches(
        "a",
        &result(Tier::Closest, None, Some("a"), &["b"])
    ));
    assert!(!examples::reaches(
        "a",
        &result(Tier::Closest, None, Some("b"), &["a"])
    ));
    assert!(!examples::reaches(
        "a",
        &result(Tier::NotSure, None, None, &["a", "b"])
    ));
    assert!(!examples::reaches(
        "a",
        &result(Tier::NotSure, None, None, &[])
    ));
}

#[test]
fn every_shipped_answer_has_examples_in_every_language() {
    let bank = crate::shipped_bank();
    let mut missing = Vec::new();
    for answer in &bank.answers {
        for lang in &bank.languages {
            if !answer.examples.iter().any(|e| e.lang == lang.code) {
                missing.push(format!("{} ({})", answer.id, lang.code));
            }
        }
    }
    assert!(missing.is_empty(), "answers without examples: {missing:#?}");
    // Every one of them reaches its answer: CI, which allows no warning, relies on it.
    let report = examples::check(&bank);
    let shown: Vec<String> = report.warnings.iter().map(ToString::to_string).collect();
    assert!(shown.is_empty(), "{shown:#?}");
    assert_eq!(report.asked, report.passed);
}

fn check(dir: &Path) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_nimbus-bot"))
        .args(["check", "--bank", dir.to_str().expect("utf-8 path")])
        .env_remove("NIMBUS_CONFIG")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run nimbus-bot");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

#[test]
fn check_prints_each_miss_at_its_place_and_counts_it_as_a_warning() {
    let dir = case_bank(CASE);
    let (code, out) = check(dir.path());
    // Warnings do not fail `check`; CI fails on them.
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains(
            "zz-case.toml:12:3: warning: example question does not reach answer `case-keynote`"
        ),
        "{out}"
    );
    assert!(out.contains("zz-case.toml:13:3: warning: "), "{out}");
    let last = out.lines().last().unwrap_or("");
    assert!(last.starts_with("ok: "), "{out}");
    assert!(
        last.ends_with(", 1 of 3 example questions reach their answers, 2 warnings"),
        "{out}"
    );

    // With the stolen and the unknown one gone, the summary says so and nothing is warned.
    let clean = CASE
        .replace("  \"keynote disruption\",\n", "")
        .replace("  \"best sourdough starter recipe\",\n", "");
    std::fs::write(dir.path().join("zz-case.toml"), clean).expect("write");
    let (code, out) = check(dir.path());
    assert_eq!(code, Some(0), "{out}");
    assert!(!out.contains("warning"), "{out}");
    assert!(
        out.trim_end()
            .ends_with(", 1 example question reaches its answer"),
        "{out}"
    );
}
