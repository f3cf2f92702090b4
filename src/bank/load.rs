//! Reading a bank folder: find the TOML files, parse each entry on its own (so one bad entry
//! does not hide the problems of the next), then hand everything to the validator.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde::de::{DeserializeOwned, IntoDeserializer};
use toml_edit::{ImDocument, Item};

use super::diagnostic::{line_col, Diagnostic, LineIndex, Severity};
use super::files::{self, Limits, Reader, Unread};
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
    /// How much one load may read, and for how long.
    pub limits: Limits,
    /// Where `default_language` is set (config.toml's real path, line and column), so that a
    /// language the bank does not declare is reported there rather than in the bank.
    pub default_language_at: Option<Place>,
    /// Each guild's `language` setting: the guild's key, the code, and where it is written.
    /// Checked against the bank's languages like `default_language`.
    pub guild_languages: Vec<(String, String, Option<Place>)>,
    /// The config file's real path: a diagnostic there is the settings' fault, not the bank's.
    pub config_file: Option<PathBuf>,
}

/// A position in a file: a setting in config.toml, or an example question in the bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
}

impl LoadOptions {
    /// Options from the config, with today's UTC date.
    pub fn from_config(config: &Config) -> LoadOptions {
        LoadOptions {
            default_language: config.default_language.clone(),
            stale_after_days: config.stale_after_days,
            today: time::OffsetDateTime::now_utc().date(),
            limits: Limits {
                file_bytes: config.max_file_mb.saturating_mul(files::MIB),
                bank_bytes: config.max_bank_mb.saturating_mul(files::MIB),
                time: None,
            },
            default_language_at: config.place_of(&["default_language"]),
            guild_languages: config
                .discord
                .guilds
                .iter()
                .filter_map(|(key, guild)| {
                    let code = guild.language.clone()?;
                    let place = config.place_of(&["discord", "guilds", key, "language"]);
                    Some((key.clone(), code, place))
                })
                .collect(),
            config_file: config.file.as_ref().map(|f| f.path.clone()),
        }
    }

    /// Whether a diagnostic at `path` is about the settings (config.toml) rather than the bank.
    pub fn is_config_file(&self, path: &Path) -> bool {
        self.config_file.as_deref() == Some(path)
            || self
                .default_language_at
                .as_ref()
                .is_some_and(|p| p.path == path)
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
    /// The `.toml` files read, in path order: what live reload compares between two loads.
    pub files: Vec<FileInfo>,
}

/// One `.toml` file as a load read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    /// The file.
    pub path: PathBuf,
    /// How many entries (`[[answer]]`, `[[quote]]`, …) it holds, valid or not.
    pub entries: usize,
    /// A hash of its text, to tell whether it changed between two loads of one process.
    pub hash: u64,
}

impl Loaded {
    /// A hash of every file read (paths and texts): equal for two loads of unchanged files.
    pub fn fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for file in &self.files {
            file.path.hash(&mut hasher);
            file.hash.hash(&mut hasher);
        }
        hasher.finish()
    }

    /// The errors located in a file other than the bank's (config.toml): the bank is not at
    /// fault, the settings are.
    pub fn config_errors(&self, options: &LoadOptions) -> Vec<&Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.is_error() && options.is_config_file(&d.path))
            .collect()
    }

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
    /// Its lines, to locate its problems.
    pub lines: LineIndex,
}

impl File {
    /// 1-based line and column of a byte offset in this file.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        self.lines.line_col(&self.text, offset)
    }
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
    /// Reads archives within the same limits as the `.toml` files.
    pub reader: Rc<Reader>,
    pub files: Vec<File>,
    pub answers: Vec<Located<raw::Answer>>,
    pub quotes: Vec<Located<raw::Quote>>,
    pub sources: Vec<Located<raw::Source>>,
    pub events: Vec<Located<raw::Event>>,
    pub languages: Vec<Located<raw::Language>>,
    pub synonyms: Vec<Located<raw::Synonyms>>,
    pub concepts: Vec<Located<raw::Concept>>,
    pub fillers: Vec<Located<raw::Filler>>,
    /// Codes of `[[language]]` entries that failed to load (already reported there).
    pub broken_languages: Vec<String>,
}

/// Entry kinds, as their TOML table names.
const KINDS: [&str; 8] = [
    "answer", "quote", "source", "event", "language", "synonyms", "concept", "filler",
];

/// Loads and validates the bank in `dir`.
pub fn load(dir: &Path, options: &LoadOptions) -> Loaded {
    load_with(dir, options, &Overlay::default())
}

/// Texts that stand in for files of the bank folder, so that a change can be validated as a
/// whole bank before anything is written: the editor's preview and publish load the folder with
/// the changed files' would-be texts laid over it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overlay {
    /// Text by path relative to the bank folder (`contract.toml`, `archive/x.txt`).
    files: std::collections::BTreeMap<PathBuf, String>,
}

impl Overlay {
    /// Lays `text` over the file at `relative` (a path inside the bank folder); the file need
    /// not exist yet.
    pub fn set(&mut self, relative: impl Into<PathBuf>, text: impl Into<String>) {
        self.files.insert(relative.into(), text.into());
    }
}

/// Loads and validates the bank in `dir` as it would be with `overlay`'s texts in place of (or
/// besides) its files, read within the same limits. Nothing is written.
pub fn load_with(dir: &Path, options: &LoadOptions, overlay: &Overlay) -> Loaded {
    let mut diagnostics = Vec::new();
    let found = std::fs::canonicalize(dir).and_then(|root| {
        let mut paths = files::toml_files(dir, &root, &mut diagnostics)?;
        for relative in overlay.files.keys() {
            let path = dir.join(relative);
            if files::is_toml(path.as_os_str()) && !paths.contains(&path) {
                paths.push(path);
            }
        }
        paths.sort();
        Ok((root, paths))
    });
    let (root, paths) = match found {
        Ok(found) => found,
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
                files: Vec::new(),
            };
        }
    };
    let laid_over = overlay
        .files
        .iter()
        .map(|(relative, text)| (dir.join(relative), text.clone()))
        .collect();
    let reader = Rc::new(Reader::new(root, options.limits).with_overlay(laid_over));
    let mut parsed = Parsed {
        reader: Rc::clone(&reader),
        ..Parsed::default()
    };
    let mut infos = Vec::new();
    for path in paths {
        match reader.read(&path) {
            Ok(text) => {
                let file = parsed.files.len();
                let hash = {
                    use std::hash::{Hash, Hasher};
                    let mut hasher = std::collections::hash_map::DefaultHasher::new();
                    text.hash(&mut hasher);
                    hasher.finish()
                };
                parsed.files.push(File {
                    path: path.clone(),
                    lines: LineIndex::new(&text),
                    text,
                });
                let entries = parse_file(&mut parsed, file, &mut diagnostics);
                infos.push(FileInfo {
                    path,
                    entries,
                    hash,
                });
            }
            Err(unread) => {
                if let Some(d) = unread_file(path, &unread, &options.limits) {
                    diagnostics.push(d);
                }
            }
        }
    }
    let bank = validate::validate(dir, parsed, options, &mut diagnostics);
    if reader.exhausted() {
        diagnostics.push(reader.exhausted_diagnostic(dir));
    }
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    let mut loaded = Loaded {
        bank: None,
        diagnostics,
        files: infos,
    };
    let version = loaded.fingerprint();
    loaded.bank = bank.filter(|_| !has_errors).map(|mut bank| {
        bank.version = version;
        bank
    });
    loaded
}

/// The diagnostic for a `.toml` file that could not be read; `None` when the reason is
/// reported once for the whole bank (its size or time limit).
fn unread_file(path: PathBuf, unread: &Unread, limits: &Limits) -> Option<Diagnostic> {
    let (line, col, severity, hint) = match unread {
        Unread::OverBudget => return None,
        // Passed over, as the folder walk does: such a file holds no bank entries.
        Unread::NotRegular | Unread::Outside => (1, 1, Severity::Warning, None),
        Unread::NotUtf8 { valid } => {
            let (line, col) = line_col(valid, valid.len());
            let hint = "the first byte that is not UTF-8 is here; re-save the file as UTF-8";
            (line, col, Severity::Error, Some(hint.to_owned()))
        }
        Unread::TooLarge | Unread::Io(_) => (1, 1, Severity::Error, None),
    };
    let message = match unread {
        Unread::NotRegular | Unread::Outside => format!("skipped: {}", unread.describe(limits)),
        Unread::Io(e) => format!("cannot read file: {e}"),
        other => format!("file is {}", other.describe(limits)),
    };
    Some(Diagnostic {
        path,
        line,
        col,
        severity,
        message,
        hint,
    })
}

/// Parses one file's entries into `parsed`; returns how many entries it holds (valid or not).
fn parse_file(parsed: &mut Parsed, file: usize, diagnostics: &mut Vec<Diagnostic>) -> usize {
    let text = parsed.files[file].text.clone();
    let path = parsed.files[file].path.clone();
    let lines = parsed.files[file].lines.clone();
    let error_at = |offset: usize, message: String, hint: Option<String>| {
        let (line, col) = lines.line_col(&text, offset);
        // toml hands serde a TOML date (`reviewed = 2026-12-01`) as a map, and serde says
        // "invalid type: map"; say what was written instead.
        let (message, hint) =
            if message.starts_with("invalid type: map") && is_bare_date(&text, offset) {
                let hint = "write it as `\"2026-12-01\"` (or `\"2026-12\"`, `\"2026\"`)";
                (
                    "a date here is text: put it in quotes".to_string(),
                    Some(hint.to_string()),
                )
            } else {
                (super::diagnostic::plain_serde(&message), hint)
            };
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
            let message = Some(syntax_message(e.message()))
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| unexpected(&text, offset));
            let hint = message.contains("duplicate key").then(|| {
                "a key or table header may appear once: merge the two into the first".to_string()
            });
            diagnostics.push(error_at(offset, format!("TOML syntax: {message}"), hint));
            // Unknown, but not none: an unparsable file is not an emptied one.
            return 1;
        }
    };
    let mut entries = 0;
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
                entries += 1;
                continue;
            }
        };
        entries += elements.len();
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
                "language" => {
                    let code = value
                        .as_inline_table()
                        .and_then(|t| t.get("code"))
                        .and_then(|c| c.as_str())
                        .map(str::to_string);
                    let before = parsed.languages.len();
                    push(
                        &mut parsed.languages,
                        file,
                        span,
                        value,
                        &error_at,
                        diagnostics,
                    );
                    if let Some(code) = code.filter(|_| parsed.languages.len() == before) {
                        parsed.broken_languages.push(code);
                    }
                }
                "concept" => push(
                    &mut parsed.concepts,
                    file,
                    span,
                    value,
                    &error_at,
                    diagnostics,
                ),
                "filler" => push(
                    &mut parsed.fillers,
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
    if entries == 0 {
        diagnostics.push(Diagnostic {
            path,
            line: 1,
            col: 1,
            severity: Severity::Warning,
            message: "this file has no entries".into(),
            hint: Some("an emptied file is what a save still being written looks like; if it is meant to be empty, delete it".into()),
        });
    }
    entries
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
pub(crate) fn suggest<'a>(word: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| (strsim::damerau_levenshtein(word, a), *a))
        .filter(|(d, a)| *d <= 2.max(a.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

/// What the parser stopped at, for the syntax errors it gives no words for (a lone carriage
/// return, a control character).
fn unexpected(text: &str, offset: usize) -> String {
    let found = text
        .get(offset.min(text.len())..)
        .and_then(|rest| rest.chars().next());
    match found {
        Some('\r') => {
            "a carriage return not followed by a line feed: lines must end in LF or CRLF \
                        (re-save the file with Unix or Windows line endings)"
                .to_string()
        }
        Some(c) if c.is_control() => format!(
            "unexpected control character U+{:04X}: remove it (TOML allows tabs, not other control \
             characters)",
            u32::from(c)
        ),
        Some(c) => format!("unexpected `{c}`"),
        None => "unexpected end of file".to_string(),
    }
}

/// Whether the value written at `offset` is an unquoted TOML date (`2026-12-01`).
fn is_bare_date(text: &str, offset: usize) -> bool {
    let rest = text.get(offset..).unwrap_or("").as_bytes();
    rest.len() >= 5 && rest[..4].iter().all(u8::is_ascii_digit) && rest[4] == b'-'
}

/// The parser's message on one line: its first line is often only "invalid table header", and
/// the cause ("duplicate key `title` in table `answer`", "expected `]`") follows.
fn syntax_message(message: &str) -> String {
    let lines: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines.join("; ")
}

fn first_line(message: &str) -> String {
    message.trim().lines().next().unwrap_or("").to_string()
}
