//! Reading a bank folder: find the TOML files, parse each entry on its own (so one bad entry
//! does not hide the problems of the next), then hand everything to the validator.

use std::path::{Path, PathBuf};

use serde::de::{DeserializeOwned, IntoDeserializer};
use toml_edit::{ImDocument, Item};

use super::diagnostic::{line_col, Diagnostic, Severity};
use super::raw;
use super::validate;
use super::Bank;
use crate::config::Config;

/// What loading needs besides the folder.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The configured default language, if any.
    pub default_language: Option<String>,
    /// Answers reviewed longer ago than this get a warning.
    pub stale_after_days: u32,
    /// Today's date, for staleness (a parameter so tests do not depend on the clock).
    pub today: time::Date,
}

impl LoadOptions {
    /// Options from the config, with today's UTC date.
    pub fn from_config(config: &Config) -> LoadOptions {
        LoadOptions {
            default_language: config.default_language.clone(),
            stale_after_days: config.stale_after_days,
            today: time::OffsetDateTime::now_utc().date(),
        }
    }
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions::from_config(&Config::default())
    }
}

/// The result of loading: a bank when there were no errors, and every problem found.
#[derive(Debug)]
pub struct Loaded {
    /// The bank, present if and only if no diagnostic is an error.
    pub bank: Option<Bank>,
    /// Errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    /// Number of answers due for review (`reviewed` older than `stale_after_days`).
    pub fn reviews_due(&self) -> usize {
        self.count(Severity::Review)
    }

    fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }
}

/// A source file of the bank, kept to turn byte offsets into line and column.
#[derive(Debug)]
pub(super) struct File {
    pub path: PathBuf,
    pub text: String,
}

/// An entry and the file it came from, with the span of its header for whole-entry problems.
#[derive(Debug)]
pub(super) struct Located<T> {
    pub file: usize,
    pub span: std::ops::Range<usize>,
    pub value: T,
}

/// Everything parsed from the folder, before validation.
#[derive(Debug, Default)]
pub(super) struct Parsed {
    pub files: Vec<File>,
    pub answers: Vec<Located<raw::Answer>>,
    pub quotes: Vec<Located<raw::Quote>>,
    pub sources: Vec<Located<raw::Source>>,
    pub events: Vec<Located<raw::Event>>,
    pub languages: Vec<Located<raw::Language>>,
    pub synonyms: Vec<Located<raw::Synonyms>>,
}

/// Entry kinds, as their TOML table names.
const KINDS: [&str; 6] = ["answer", "quote", "source", "event", "language", "synonyms"];

/// Loads and validates the bank in `dir`.
pub fn load(dir: &Path, options: &LoadOptions) -> Loaded {
    let mut diagnostics = Vec::new();
    let paths = match toml_files(dir) {
        Ok(paths) => paths,
        Err(e) => {
            diagnostics.push(Diagnostic {
                path: dir.to_path_buf(),
                line: 1,
                col: 1,
                severity: Severity::Error,
                message: format!("cannot read the bank folder: {e}"),
                hint: Some("pass the folder that holds the bank's .toml files with --bank".into()),
            });
            return Loaded {
                bank: None,
                diagnostics,
            };
        }
    };
    let mut parsed = Parsed::default();
    for path in paths {
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let file = parsed.files.len();
                parsed.files.push(File { path, text });
                parse_file(&mut parsed, file, &mut diagnostics);
            }
            Err(e) => diagnostics.push(Diagnostic {
                path,
                line: 1,
                col: 1,
                severity: Severity::Error,
                message: format!("cannot read file: {e}"),
                hint: None,
            }),
        }
    }
    let bank = validate::validate(dir, parsed, options, &mut diagnostics);
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    Loaded {
        bank: if has_errors { None } else { bank },
        diagnostics,
    }
}

/// The bank's `.toml` files, sorted so that reports come in a stable order. Names starting
/// with `.` are skipped (editor swap files, `.git`).
fn toml_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    let meta = std::fs::metadata(dir)?;
    if !meta.is_dir() {
        return Err(std::io::Error::other("not a folder"));
    }
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let entry = entry?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn parse_file(parsed: &mut Parsed, file: usize, diagnostics: &mut Vec<Diagnostic>) {
    let text = parsed.files[file].text.clone();
    let path = parsed.files[file].path.clone();
    let error_at = |offset: usize, message: String, hint: Option<String>| {
        let (line, col) = line_col(&text, offset);
        Diagnostic {
            path: path.clone(),
            line,
            col,
            severity: Severity::Error,
            message,
            hint,
        }
    };
    let document = match ImDocument::parse(text.clone()) {
        Ok(document) => document,
        Err(e) => {
            let offset = e.span().map_or(0, |s| s.start);
            let message = first_line(e.message());
            diagnostics.push(error_at(offset, format!("TOML syntax: {message}"), None));
            return;
        }
    };
    for (key, item) in document.as_table().iter() {
        let key_span = document
            .as_table()
            .key(key)
            .and_then(|k| k.span())
            .or_else(|| item.span())
            .unwrap_or(0..0);
        if !KINDS.contains(&key) {
            let hint = suggest(key, &KINDS)
                .map(|k| format!("did you mean `[[{k}]]`?"))
                .or_else(|| Some(format!("entries are one of: {}", KINDS.join(", "))));
            diagnostics.push(error_at(
                key_span.start,
                format!("unknown entry kind `{key}`"),
                hint,
            ));
            continue;
        }
        let elements: Vec<(std::ops::Range<usize>, toml_edit::Value)> = match item {
            Item::ArrayOfTables(tables) => tables
                .iter()
                .map(|t| {
                    let span = t.span().unwrap_or_else(|| key_span.clone());
                    (
                        span,
                        toml_edit::Value::InlineTable(t.clone().into_inline_table()),
                    )
                })
                .collect(),
            Item::Value(toml_edit::Value::Array(array)) => array
                .iter()
                .map(|v| (v.span().unwrap_or_else(|| key_span.clone()), v.clone()))
                .collect(),
            _ => {
                diagnostics.push(error_at(
                    key_span.start,
                    format!("`{key}` must be a list of entries"),
                    Some(format!("write each entry under its own `[[{key}]]` header")),
                ));
                continue;
            }
        };
        for (span, value) in elements {
            match key {
                "answer" => push(
                    &mut parsed.answers,
                    file,
                    span,
                    value,
                    &error_at,
                    diagnostics,
                ),
                "quote" => push(
                    &mut parsed.quotes,
                    file,
                    span,
                    value,
                    &error_at,
                    diagnostics,
                ),
                "source" => push(
                    &mut parsed.sources,
                    file,
                    span,
                    value,
                    &error_at,
                    diagnostics,
                ),
                "event" => push(
                    &mut parsed.events,
                    file,
                    span,
                    value,
                    &error_at,
                    diagnostics,
                ),
                "language" => push(
                    &mut parsed.languages,
                    file,
                    span,
                    value,
                    &error_at,
                    diagnostics,
                ),
                _ => push(
                    &mut parsed.synonyms,
                    file,
                    span,
                    value,
                    &error_at,
                    diagnostics,
                ),
            }
        }
    }
}

fn push<T: DeserializeOwned>(
    list: &mut Vec<Located<T>>,
    file: usize,
    span: std::ops::Range<usize>,
    value: toml_edit::Value,
    error_at: &impl Fn(usize, String, Option<String>) -> Diagnostic,
    diagnostics: &mut Vec<Diagnostic>,
) {
    match T::deserialize(value.into_deserializer()) {
        Ok(value) => list.push(Located { file, span, value }),
        Err(e) => {
            let offset = e.span().map_or(span.start, |s| s.start);
            let message = first_line(e.message());
            let hint = field_hint(&message);
            diagnostics.push(error_at(offset, message, hint));
        }
    }
}

/// serde's message for a typo names the expected fields; turn that into "did you mean".
fn field_hint(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, expected) = rest.split_once('`')?;
    let expected: Vec<&str> = expected
        .split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, s)| s)
        .collect();
    match suggest(field, &expected) {
        Some(best) => Some(format!("did you mean `{best}`?")),
        None => Some(format!("allowed fields: {}", expected.join(", "))),
    }
}

/// The closest allowed word to a misspelt one, if it is close.
pub(super) fn suggest<'a>(word: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| (strsim::damerau_levenshtein(word, a), *a))
        .filter(|(d, a)| *d <= 2.max(a.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

fn first_line(message: &str) -> String {
    message.trim().lines().next().unwrap_or("").to_string()
}
