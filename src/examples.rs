//! Example questions as the bank's own regression tests: `check` runs every answer's examples
//! through search, exactly as `/ask` would, and warns at the example where one does not reach its
//! answer. Only `check` does this; loading a bank (the bot's live reloads, the editor's preview)
//! never runs search over the examples, since search may cost a millisecond per question.

use crate::bank::{Answer, Bank, Diagnostic, Example, Severity};
use crate::commands::{self, AskResult};

/// Whether what search gave for an example of answer `expected` counts as reaching it.
///
/// The one rule `check` applies: a confident answer with `expected`, or `expected` shown
/// first as the closest match (the member is taken to it, framed as probable).
pub fn reaches(expected: &str, result: &AskResult) -> bool {
    result.given() == Some(expected)
}

/// What search did with one example question.
#[derive(Debug, Clone)]
pub struct Outcome<'b> {
    /// The answer that lists the example.
    pub answer: &'b Answer,
    /// The example, with its position.
    pub example: &'b Example,
    /// What `/ask` would have found.
    pub result: AskResult,
    /// Whether that counts as reaching the answer ([`reaches`]).
    pub passed: bool,
}

/// What `check` reports about the bank's example questions.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// How many example questions were asked.
    pub asked: usize,
    /// How many reached their answer.
    pub passed: usize,
    /// One warning per example that did not, at the example's own position.
    pub warnings: Vec<Diagnostic>,
}

/// Asks search every example question of the bank, in bank order.
pub fn run(bank: &Bank) -> Vec<Outcome<'_>> {
    bank.answers
        .iter()
        .flat_map(|answer| {
            answer.examples.iter().map(move |example| {
                let result = commands::ask(bank, &example.text);
                let passed = reaches(&answer.id, &result);
                Outcome {
                    answer,
                    example,
                    result,
                    passed,
                }
            })
        })
        .collect()
}

/// Runs every example question and turns each miss into a warning at the example.
pub fn check(bank: &Bank) -> Report {
    let outcomes = run(bank);
    let mut report = Report {
        asked: outcomes.len(),
        ..Report::default()
    };
    for outcome in &outcomes {
        if outcome.passed {
            report.passed += 1;
        } else {
            report.warnings.push(miss(bank, outcome));
        }
    }
    report
}

/// The warning for an example that search does not send to its answer: what it gave instead.
fn miss(bank: &Bank, outcome: &Outcome) -> Diagnostic {
    let id = &outcome.answer.id;
    let example = outcome.example;
    let result = &outcome.result;
    let title = |other: &str| {
        bank.answer(other)
            .map(|a| bank.text_in(&a.title, &example.lang).0.to_owned())
            .unwrap_or_default()
    };
    let (message, hint) = match result.entry.as_deref() {
        Some(other) => (
            format!(
                "example question does not reach answer `{id}`: search answers it with `{other}` (“{}”)",
                title(other)
            ),
            format!(
                "give `{id}` an alias or tag in the words this question uses, or find what in `{other}` claims it; reword the example only if members would not ask it this way"
            ),
        ),
        None if result.suggestions.is_empty() => (
            format!(
                "example question does not reach answer `{id}`: search is not sure and suggests nothing"
            ),
            format!(
                "search found nothing of `{id}` in it: give `{id}` an alias or tag in the words this question uses"
            ),
        ),
        None => {
            let listed: Vec<String> = result
                .suggestions
                .iter()
                .map(|s| format!("`{s}`"))
                .collect();
            let place = match result.suggestions.iter().position(|s| s == id) {
                Some(0) => format!("`{id}` is suggested first"),
                Some(i) => format!("`{id}` is suggestion {}", i + 1),
                None => format!("`{id}` is not among them"),
            };
            (
                format!(
                    "example question does not reach answer `{id}`: search is not sure (suggests {}; {place})",
                    listed.join(", ")
                ),
                format!(
                    "give `{id}` an alias or tag in the words this question uses, so that search is sure"
                ),
            )
        }
    };
    Diagnostic {
        path: example.at.path.clone(),
        line: example.at.line,
        col: example.at.col,
        severity: Severity::Warning,
        message,
        hint: Some(hint),
    }
}
