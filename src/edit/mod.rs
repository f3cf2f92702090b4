//! Editing the bank from outside its files: forms pre-filled from an entry, a preview that
//! validates the whole bank with the change applied, and a publish that writes only that entry,
//! atomically, after checking that nobody changed it meanwhile, and records it in the history.
//!
//! Plain Rust with plain types, like `bank::load`: the Discord adapter turns modals and buttons
//! into calls here and the results into replies, and a command line could do the same. The
//! flow: [`Editor::open`] (or `open_new`, `remove`, `revert`, `archive`) gives a [`Pending`]
//! change; [`Pending::submit`] takes what a person typed; [`Editor::preview`] shows what would
//! happen; [`Editor::publish`] does it.

pub mod diff;
pub mod drafts;
pub mod files;
pub mod form;
pub mod history;
pub mod reply;
pub mod writer;

use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use serde::Deserialize;

use crate::bank::{self, Bank, Diagnostic, LoadOptions, Overlay};
use files::{BankFile, BankFiles};
use form::{Content, Field, Langs, Shape, Slot, SlotValue};
pub use history::{Action, Change, History};

/// The kinds of entry the editor changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `[[answer]]`.
    Answer,
    /// `[[quote]]`.
    Quote,
    /// `[[source]]`.
    Source,
    /// `[[event]]`.
    Event,
}

impl Kind {
    /// Every kind, in the order `/bank new` offers them.
    pub const ALL: [Kind; 4] = [Kind::Answer, Kind::Quote, Kind::Source, Kind::Event];

    /// Its TOML table name (`answer`).
    pub fn table(self) -> &'static str {
        match self {
            Kind::Answer => "answer",
            Kind::Quote => "quote",
            Kind::Source => "source",
            Kind::Event => "event",
        }
    }

    /// Its name in messages (the same word).
    pub fn word(self) -> &'static str {
        self.table()
    }

    /// The kind with this table name.
    pub fn from_table(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.table() == name)
    }

    /// The kind with this name.
    pub fn from_word(word: &str) -> Option<Kind> {
        Kind::from_table(word)
    }

    /// The order of keys in a new entry, as the shipped bank writes them.
    fn key_order(self) -> &'static [&'static str] {
        match self {
            Kind::Answer => &[
                "id", "category", "tags", "pinned", "reviewed", "quotes", "sources", "title",
                "aliases", "body",
            ],
            Kind::Quote => &[
                "id",
                "text",
                "language",
                "provenance",
                "spoken_language",
                "translated_by",
                "original",
                "speaker",
                "speaker_aliases",
                "role",
                "source",
                "date",
                "note",
                "translations",
            ],
            Kind::Source => &[
                "id",
                "outlet",
                "title",
                "url",
                "published",
                "language",
                "confidence",
                "note",
                "archive",
            ],
            Kind::Event => &["id", "date", "sources", "text"],
        }
    }

    /// Where a new entry of this kind goes when no file holds one yet.
    fn default_file(self) -> &'static str {
        match self {
            Kind::Answer => "answers.toml",
            Kind::Quote => "quotes.toml",
            Kind::Source => "sources.toml",
            Kind::Event => "timeline.toml",
        }
    }
}

/// 128 random bits as 32 hex digits: draft and proposal ids, which must not be guessable.
pub fn token() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::getrandom(&mut bytes).is_err() {
        // The system's generator failed (almost unheard of); fastrand is seeded from it at
        // start, so ids stay unpredictable from outside, if not cryptographically strong.
        bytes = fastrand::u128(..).to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How the person behind a change is recorded in the history (`editor_identity`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EditorIdentity {
    /// Their Discord username.
    #[default]
    Username,
    /// Their Discord user id.
    Id,
    /// Nobody is named.
    None,
}

impl EditorIdentity {
    /// What the history records for `person`.
    pub fn record(self, person: &drafts::Person) -> Option<String> {
        match self {
            EditorIdentity::Username => Some(person.name.clone()),
            EditorIdentity::Id => Some(format!("discord:{}", person.id)),
            EditorIdentity::None => None,
        }
    }
}

/// Why a change cannot be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// No entry has this id.
    #[error("there is no entry `{0}` in the bank")]
    NotFound(String),
    /// The bank declares no such language.
    #[error("the bank has no language `{0}`")]
    UnknownLanguage(String),
    /// A text is too long for a Discord form.
    #[error("{what} is {len} characters, and a Discord form holds {max}; edit it in {place}")]
    TooLong {
        /// Which text.
        what: String,
        /// Its length.
        len: usize,
        /// The form's limit.
        max: usize,
        /// `file:line` of the entry.
        place: String,
    },
    /// Other entries refer to the one to remove.
    #[error("`{id}` is still used by {}; change those first", .by.join(", "))]
    Referenced {
        /// The entry.
        id: String,
        /// `kind id` of each entry referring to it.
        by: Vec<String>,
    },
    /// An archive upload is unusable.
    #[error("{0}")]
    Archive(String),
    /// The history cannot give what was asked.
    #[error("{0}")]
    History(String),
    /// A file's layout is beyond what the bot changes safely.
    #[error("{0}")]
    Unusual(String),
    /// A file could not be read or written.
    #[error("{0}")]
    Io(String),
}

/// A form being filled: the entry, its fields, what they held when opened and what was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormState {
    /// The entry's kind.
    pub kind: Kind,
    /// The entry's id (`None` for a new entry until the form is submitted).
    pub id: Option<String>,
    /// Whether the entry is new.
    pub new: bool,
    /// Which form.
    pub shape: Shape,
    /// The form language and the bank default.
    pub langs: Langs,
    /// The fields.
    pub fields: Vec<Field>,
    /// What each field held when the form opened.
    pub prefill: Vec<String>,
    /// What each field holds after the last submit.
    pub typed: Option<Vec<String>>,
}

impl FormState {
    /// The values that differ from what the form showed when it opened (for a new entry:
    /// every value given), or every problem with what was typed.
    pub fn changes(&self) -> Result<Vec<(Slot, SlotValue)>, Vec<String>> {
        let typed = self
            .typed
            .as_ref()
            .ok_or_else(|| vec!["the form has not been submitted".to_owned()])?;
        let mut problems = Vec::new();
        let mut changes: Vec<(Slot, SlotValue)> = Vec::new();
        for ((field, now), before) in self.fields.iter().zip(typed).zip(&self.prefill) {
            if let Some(c) = form::control_character(now) {
                problems.push(format!(
                    "{}: holds an invisible control character (U+{:04X})",
                    field.label,
                    u32::from(c)
                ));
                continue;
            }
            let len = now.chars().count();
            if len > field.max {
                problems.push(format!(
                    "{}: {len} characters, at most {}",
                    field.label, field.max
                ));
                continue;
            }
            match &field.content {
                Content::Id => {}
                Content::One(slot) => match (form::parse(*slot, now), form::parse(*slot, before)) {
                    (Ok(new), Ok(old)) => {
                        if self.new || !form::same(*slot, &old, &new) {
                            changes.push((*slot, new));
                        }
                    }
                    (Err(e), _) | (_, Err(e)) => problems.push(format!("{}: {e}", field.label)),
                },
                Content::Details(slots) => {
                    let old = form::parse_details(slots, before).unwrap_or_default();
                    match form::parse_details(slots, now) {
                        Ok(new) => {
                            for (i, value) in new.into_iter().enumerate() {
                                let Some(value) = value else { continue };
                                let previous =
                                    old.get(i).cloned().flatten().unwrap_or(SlotValue::Absent);
                                if self.new || !form::same(slots[i], &previous, &value) {
                                    changes.push((slots[i], value));
                                }
                            }
                        }
                        Err(mut p) => problems.append(&mut p),
                    }
                }
            }
        }
        if !self.new && changes.is_empty() && problems.is_empty() {
            problems.push("nothing changed: every field is as it was".to_owned());
        }
        if problems.is_empty() {
            Ok(changes)
        } else {
            Err(problems)
        }
    }
}

/// What a pending change does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Change (or create) an entry through a form.
    Form(FormState),
    /// Put an entry back as an earlier text of it (a revert); `None` removes it.
    Restore {
        /// The entry's kind.
        kind: Kind,
        /// Its id.
        id: String,
        /// The file that held it, relative to the bank folder.
        file: PathBuf,
        /// Its earlier text.
        text: Option<String>,
        /// The change being undone.
        reverts: String,
    },
    /// Remove an entry.
    Remove {
        /// The entry's kind.
        kind: Kind,
        /// Its id.
        id: String,
    },
    /// Attach or replace a source's archive text.
    Archive {
        /// The source.
        source: String,
        /// The new text.
        text: String,
        /// The change being undone, for a revert.
        reverts: Option<String>,
    },
}

/// A change waiting to be published: what it does, and the entry as it was when it was opened
/// (`None`: it did not exist), against which Publish checks that nobody changed it meanwhile.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    /// What it does.
    pub op: Op,
    /// The entry when opened.
    pub base: Option<toml::Table>,
}

impl Pending {
    /// The entry's kind.
    pub fn kind(&self) -> Kind {
        match &self.op {
            Op::Form(f) => f.kind,
            Op::Restore { kind, .. } | Op::Remove { kind, .. } => *kind,
            Op::Archive { .. } => Kind::Source,
        }
    }

    /// The entry's id, once known.
    pub fn id(&self) -> Option<&str> {
        match &self.op {
            Op::Form(f) => f.id.as_deref(),
            Op::Restore { id, .. } | Op::Remove { id, .. } => Some(id),
            Op::Archive { source, .. } => Some(source),
        }
    }

    /// The form language, for a form.
    pub fn lang(&self) -> Option<&str> {
        match &self.op {
            Op::Form(f) => Some(&f.langs.form),
            _ => None,
        }
    }

    /// What it is, in a few words: `edit answer what-is-nimbus (ar)`.
    pub fn summary(&self) -> String {
        let id = self.id().unwrap_or("(new)");
        let kind = self.kind().word();
        match &self.op {
            Op::Form(f) if f.new => format!("add {kind} {id} ({})", f.langs.form),
            Op::Form(f) => format!("edit {kind} {id} ({})", f.langs.form),
            Op::Restore { reverts, .. } => {
                format!("revert {kind} {id} to before {}", short(reverts))
            }
            Op::Remove { .. } => format!("remove {kind} {id}"),
            Op::Archive { reverts: None, .. } => format!("archive text of source {id}"),
            Op::Archive {
                reverts: Some(r), ..
            } => {
                format!(
                    "revert the archive text of source {id} to before {}",
                    short(r)
                )
            }
        }
    }

    /// The form's title and its fields with the values to show: what was typed last, else what
    /// the entry holds. `None` when the change has no form.
    pub fn form(&self) -> Option<(String, Vec<(&Field, &str)>)> {
        let Op::Form(f) = &self.op else { return None };
        let values = f.typed.as_ref().unwrap_or(&f.prefill);
        let title = match &f.id {
            Some(id) if !f.new => format!("Edit {} {id} ({})", f.kind.word(), f.langs.form),
            _ => format!("New {} ({})", f.kind.word(), f.langs.form),
        };
        Some((
            crate::render::fit(&title, form::MAX_LABEL),
            f.fields
                .iter()
                .zip(values)
                .map(|(field, value)| (field, value.as_str()))
                .collect(),
        ))
    }

    /// Takes what a person typed, by field id. Unknown ids are ignored and missing fields keep
    /// their value: the submit comes from outside and is checked again at preview and publish.
    pub fn submit(&mut self, values: &[(String, String)]) {
        let Op::Form(f) = &mut self.op else { return };
        let mut typed = f.typed.clone().unwrap_or_else(|| f.prefill.clone());
        for (field, slot) in f.fields.iter().zip(typed.iter_mut()) {
            if let Some((_, value)) = values.iter().find(|(id, _)| id == field.id) {
                // Discord sends \r\n from some clients; the bank uses \n.
                *slot = value.replace("\r\n", "\n");
            }
        }
        if f.new {
            let id = f
                .fields
                .iter()
                .position(|field| field.content == Content::Id)
                .and_then(|i| typed.get(i))
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty());
            f.id = id;
        }
        f.typed = Some(typed);
    }
}

fn short(change: &str) -> &str {
    &change[..change.len().min(12)]
}

/// One file write of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Write {
    relative: PathBuf,
    before: Option<String>,
    after: String,
}

/// Everything a change writes, worked out against the files as they are.
#[derive(Debug, Clone)]
struct Plan {
    writes: Vec<Write>,
    action: Action,
    kind: Kind,
    id: String,
    lang: Option<String>,
    /// The entry's file (the archive file, for an archive change).
    file: PathBuf,
    entry_before: Option<String>,
    entry_after: Option<String>,
    reverts: Option<String>,
}

impl Plan {
    fn diff(&self) -> String {
        self.writes
            .iter()
            .map(|w| {
                diff::unified(
                    &history::slash(&w.relative),
                    w.before.as_deref(),
                    Some(&w.after),
                )
            })
            .collect()
    }

    fn overlay(&self) -> Overlay {
        let mut overlay = Overlay::default();
        for w in &self.writes {
            overlay.set(&w.relative, w.after.clone());
        }
        overlay
    }
}

/// What a preview found.
#[derive(Debug)]
pub struct Preview {
    /// What the change is, in a few words.
    pub summary: String,
    /// The entry's kind.
    pub kind: Kind,
    /// The entry's id, when known.
    pub id: Option<String>,
    /// The form language, for a form.
    pub lang: Option<String>,
    /// Every problem, errors first, as `file:line:col: error: message` where located.
    pub problems: Vec<String>,
    /// How many of them block publishing.
    pub errors: usize,
    /// The bank as it would be, when valid (to render the entry as readers would see it).
    pub bank: Option<Bank>,
    /// The change as a unified diff of the files.
    pub diff: String,
    /// Whether the change removes the entry.
    pub removes: bool,
    /// Whether the entry changed since the form opened.
    pub conflict: bool,
}

/// A change that went into the files and the history.
#[derive(Debug)]
pub struct Published {
    /// The history's id for it (a commit hash or a history-file id).
    pub change: String,
    /// What it was, in a few words.
    pub summary: String,
    /// What was done.
    pub action: Action,
    /// The entry's kind.
    pub kind: Kind,
    /// The entry's id.
    pub id: String,
    /// The form language, if any.
    pub lang: Option<String>,
    /// The change as a unified diff.
    pub diff: String,
    /// The files written, relative to the bank folder.
    pub files: Vec<PathBuf>,
    /// The bank as validated with the change: what is now on disk, ready to serve without
    /// loading it again (`LiveBank::install`).
    pub validated: Option<bank::Loaded>,
}

/// Why Publish did not happen. Nothing was written in any case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The entry changed since the form opened (a hand edit, another moderator).
    Conflict,
    /// The change has problems (form or validation); each is listed.
    Invalid(Vec<String>),
    /// Writing or recording failed; the files were put back.
    Failed(String),
}

/// Changes the bank in one folder. Cheap to share; publishes run one at a time.
#[derive(Debug)]
pub struct Editor {
    dir: PathBuf,
    options: LoadOptions,
    history: History,
    archive_max_bytes: usize,
    writing: Mutex<()>,
}

impl Editor {
    /// An editor of the bank in `dir`, validating with `options`, recording in `history`,
    /// accepting archive texts up to `archive_max_bytes`.
    pub fn new(
        dir: &Path,
        options: LoadOptions,
        history: History,
        archive_max_bytes: usize,
    ) -> Editor {
        Editor {
            dir: dir.to_path_buf(),
            options,
            history,
            archive_max_bytes,
            writing: Mutex::new(()),
        }
    }

    /// The history in use.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// The largest archive text accepted, in bytes.
    pub fn archive_max_bytes(&self) -> usize {
        self.archive_max_bytes
    }

    fn langs(bank: &Bank, lang: Option<&str>) -> Result<Langs, EditError> {
        let default = bank.default_language().code.clone();
        let form = match lang {
            Some(code) if bank.language(code).is_none() => {
                return Err(EditError::UnknownLanguage(code.to_owned()))
            }
            Some(code) => code.to_owned(),
            None => default.clone(),
        };
        Ok(Langs { form, default })
    }

    /// A form for the entry `id` in `lang` (by default: a quote's own language, else the
    /// bank's), pre-filled from its file.
    pub fn open(&self, bank: &Bank, id: &str, lang: Option<&str>) -> Result<Pending, EditError> {
        let files = BankFiles::read_about(&self.dir, id)?;
        Self::open_in(&files, bank, id, lang)
    }

    /// As [`Editor::open`], from files already read.
    pub fn open_in(
        files: &BankFiles,
        bank: &Bank,
        id: &str,
        lang: Option<&str>,
    ) -> Result<Pending, EditError> {
        let (file, entry) = files
            .find(id)
            .ok_or_else(|| EditError::NotFound(id.to_owned()))?;
        if let Some(reason) = &file.unusable {
            return Err(EditError::Unusual(format!(
                "{} cannot be edited from Discord: {reason}",
                file.relative.display()
            )));
        }
        let quote_language = entry.value.get("language").and_then(toml::Value::as_str);
        let lang = lang.or(match entry.kind {
            Kind::Quote => quote_language,
            _ => None,
        });
        let langs = Self::langs(bank, lang)?;
        let shape = Shape::of(entry.kind, &langs.form, quote_language);
        let fields = form::fields(shape, &langs.form, false);
        let prefill: Vec<String> = fields
            .iter()
            .map(|f| prefill(f, &entry.value, &langs))
            .collect();
        for (field, value) in fields.iter().zip(&prefill) {
            let len = value.chars().count();
            if len > field.max {
                let (line, _) = bank::line_col(&file.text, entry.range.start);
                return Err(EditError::TooLong {
                    what: field.label.clone(),
                    len,
                    max: field.max,
                    place: format!("{}:{line}", file.relative.display()),
                });
            }
        }
        Ok(Pending {
            op: Op::Form(FormState {
                kind: entry.kind,
                id: Some(id.to_owned()),
                new: false,
                shape,
                langs,
                fields,
                prefill,
                typed: None,
            }),
            base: Some(entry.value.clone()),
        })
    }

    /// The same form again, pre-filled from the entry as it is now (after a conflict).
    pub fn reopen(&self, bank: &Bank, pending: &Pending) -> Result<Pending, EditError> {
        let id = pending
            .id()
            .ok_or_else(|| EditError::NotFound("(new)".to_owned()))?;
        self.open(bank, id, pending.lang())
    }

    /// An empty form for a new entry of `kind` in `lang` (for a quote: the language of its
    /// words), with a few fields started.
    pub fn open_new(
        &self,
        bank: &Bank,
        kind: Kind,
        lang: Option<&str>,
    ) -> Result<Pending, EditError> {
        let langs = Self::langs(bank, lang)?;
        let shape = Shape::of(kind, &langs.form, None);
        let fields = form::fields(shape, &langs.form, true);
        let today = self.options.today.to_string();
        let prefill = fields
            .iter()
            .map(|f| match &f.content {
                Content::Details(slots) => slots
                    .iter()
                    .map(|s| match (s.key(), kind) {
                        ("reviewed", _) => format!("reviewed: {today}"),
                        ("pinned", _) => "pinned: no".to_owned(),
                        ("language", Kind::Source) => format!("language: {}", langs.form),
                        ("confidence", _) => "confidence: high".to_owned(),
                        (key, _) => format!("{key}: "),
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
                _ => String::new(),
            })
            .collect();
        Ok(Pending {
            op: Op::Form(FormState {
                kind,
                id: None,
                new: true,
                shape,
                langs,
                fields,
                prefill,
                typed: None,
            }),
            base: None,
        })
    }

    /// Removing the entry `id`; refused while other entries refer to it.
    pub fn remove(&self, bank: &Bank, id: &str) -> Result<Pending, EditError> {
        let by = referrers(bank, id);
        if !by.is_empty() {
            return Err(EditError::Referenced {
                id: id.to_owned(),
                by,
            });
        }
        let files = BankFiles::read(&self.dir)?;
        let (_, entry) = files
            .find(id)
            .ok_or_else(|| EditError::NotFound(id.to_owned()))?;
        Ok(Pending {
            op: Op::Remove {
                kind: entry.kind,
                id: id.to_owned(),
            },
            base: Some(entry.value.clone()),
        })
    }

    /// The last `limit` recorded changes to `id`, newest first.
    pub fn changes(&self, id: &str, limit: usize) -> Result<Vec<Change>, EditError> {
        self.history.list(id, limit).map_err(EditError::History)
    }

    /// Putting the entry `id` back as it was before the recorded change `change`.
    pub fn revert(&self, id: &str, change: &str) -> Result<Pending, EditError> {
        let before = self
            .history
            .before(id, change)
            .map_err(EditError::History)?;
        let files = BankFiles::read(&self.dir)?;
        if before.action == Action::Archive {
            let text = before.text.ok_or_else(|| {
                EditError::History(format!(
                    "source `{id}` had no archive text before that change, so there is nothing to go back to"
                ))
            })?;
            let (_, entry) = files
                .find(id)
                .ok_or_else(|| EditError::NotFound(id.to_owned()))?;
            return Ok(Pending {
                op: Op::Archive {
                    source: id.to_owned(),
                    text,
                    reverts: Some(change.to_owned()),
                },
                base: Some(entry.value.clone()),
            });
        }
        let current = files.find(id).map(|(_, e)| e.value.clone());
        if current.is_none() && before.text.is_none() {
            return Err(EditError::History(format!(
                "`{id}` did not exist before that change and does not exist now: nothing to undo"
            )));
        }
        Ok(Pending {
            op: Op::Restore {
                kind: before.kind,
                id: id.to_owned(),
                file: before.file,
                text: before.text,
                reverts: change.to_owned(),
            },
            base: current,
        })
    }

    /// Attaching `bytes` as the archive text of `source`: plain UTF-8 text, within the size
    /// limit, or refused with what is wrong.
    pub fn archive(&self, source: &str, bytes: &[u8]) -> Result<Pending, EditError> {
        if bytes.len() > self.archive_max_bytes {
            return Err(EditError::Archive(format!(
                "the file is {} bytes; archive texts are at most {} bytes (archive_max_bytes in config.toml)",
                bytes.len(),
                self.archive_max_bytes
            )));
        }
        let text = std::str::from_utf8(bytes).map_err(|_| {
            EditError::Archive(
                "the file is not plain UTF-8 text; save the page's text as a .txt file in UTF-8"
                    .to_owned(),
            )
        })?;
        if let Some(c) = text
            .chars()
            .find(|&c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(EditError::Archive(format!(
                "the file holds a control character (U+{:04X}), so it is not plain text",
                u32::from(c)
            )));
        }
        if text.trim().is_empty() {
            return Err(EditError::Archive("the file is empty".to_owned()));
        }
        let files = BankFiles::read(&self.dir)?;
        let (_, entry) = files
            .find(source)
            .filter(|(_, e)| e.kind == Kind::Source)
            .ok_or_else(|| EditError::NotFound(source.to_owned()))?;
        Ok(Pending {
            op: Op::Archive {
                source: source.to_owned(),
                text: text.replace("\r\n", "\n"),
                reverts: None,
            },
            base: Some(entry.value.clone()),
        })
    }

    /// What publishing `pending` would do, against the files as they are now: the problems
    /// `check` would report for the bank with the change, and the bank as readers would see it.
    pub fn preview(&self, pending: &Pending) -> Preview {
        let mut preview = Preview {
            summary: pending.summary(),
            kind: pending.kind(),
            id: pending.id().map(str::to_owned),
            lang: pending.lang().map(str::to_owned),
            problems: Vec::new(),
            errors: 0,
            bank: None,
            diff: String::new(),
            removes: matches!(
                pending.op,
                Op::Remove { .. } | Op::Restore { text: None, .. }
            ),
            conflict: false,
        };
        let files = match files_for(&self.dir, pending) {
            Ok(files) => files,
            Err(e) => {
                preview.problems.push(e.to_string());
                preview.errors = 1;
                return preview;
            }
        };
        if changed_since_opened(&files, pending) {
            preview.conflict = true;
            preview.problems.push(format!(
                "`{}` changed since this was opened (a hand edit, or another moderator); start again from the current version",
                pending.id().unwrap_or_default()
            ));
            preview.errors = 1;
            return preview;
        }
        let plan = match self.plan(&files, pending) {
            Ok(plan) => plan,
            Err(problems) => {
                preview.errors = problems.len();
                preview.problems = problems;
                return preview;
            }
        };
        preview.id = Some(plan.id.clone());
        preview.diff = plan.diff();
        let loaded = bank::load_with(&self.dir, &self.options, &plan.overlay());
        let (problems, errors) = self.problems(&plan, &loaded.diagnostics);
        preview.problems = problems;
        preview.errors = errors;
        preview.bank = loaded.bank;
        preview
    }

    /// Errors anywhere, and warnings about the changed entry, as `file:line:col` lines relative
    /// to the bank folder.
    fn problems(&self, plan: &Plan, diagnostics: &[Diagnostic]) -> (Vec<String>, usize) {
        let lines = plan
            .writes
            .iter()
            .find(|w| w.relative == plan.file)
            .and_then(|w| {
                let file = BankFile::parse(w.relative.clone(), w.after.clone());
                let entry = file.entries.iter().find(|e| e.id == plan.id)?;
                let (first, _) = bank::line_col(&file.text, entry.range.start);
                let (last, _) = bank::line_col(&file.text, entry.range.end);
                Some((self.dir.join(&plan.file), first..=last))
            });
        let shown = |d: &Diagnostic| {
            let mut d = d.clone();
            if let Ok(relative) = d.path.strip_prefix(&self.dir) {
                d.path = relative.to_path_buf();
            }
            d.to_string()
        };
        let errors: Vec<String> = diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(shown)
            .collect();
        let count = errors.len();
        let warnings = diagnostics.iter().filter(|d| {
            !d.is_error()
                && lines
                    .as_ref()
                    .is_some_and(|(path, range)| &d.path == path && range.contains(&d.line))
        });
        let mut all = errors;
        all.extend(warnings.map(shown));
        (all, count)
    }

    /// Publishes `pending`: checks that the entry is as it was when opened, validates the whole
    /// bank with the change against the files as they are now, writes the files atomically and
    /// records the change (`editor` and `approved_by` as the history records people). When the
    /// history cannot be written, the files are put back and nothing is published.
    pub fn publish(
        &self,
        pending: &Pending,
        editor: Option<String>,
        approved_by: Option<String>,
    ) -> Result<Published, Refusal> {
        let _one_at_a_time = self
            .writing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let files = files_for(&self.dir, pending).map_err(|e| Refusal::Failed(e.to_string()))?;
        if changed_since_opened(&files, pending) {
            return Err(Refusal::Conflict);
        }
        let plan = self.plan(&files, pending).map_err(Refusal::Invalid)?;
        let loaded = bank::load_with(&self.dir, &self.options, &plan.overlay());
        let (problems, errors) = self.problems(&plan, &loaded.diagnostics);
        if errors > 0 {
            return Err(Refusal::Invalid(problems));
        }
        let relatives: Vec<PathBuf> = plan.writes.iter().map(|w| w.relative.clone()).collect();
        // Asked before writing: afterwards every file looks changed.
        let uncommitted = self.history.uncommitted(&relatives);
        let mut written: Vec<&Write> = Vec::new();
        for w in &plan.writes {
            if let Err(e) = writer::write_atomic(&self.dir.join(&w.relative), &w.after) {
                self.put_back(&written);
                return Err(Refusal::Failed(format!(
                    "cannot write {}: {e}",
                    w.relative.display()
                )));
            }
            written.push(w);
        }
        let record = history::Record {
            action: plan.action,
            kind: plan.kind,
            entry: plan.id.clone(),
            lang: plan.lang.clone(),
            editor,
            approved_by,
            file: plan.file.clone(),
            files: relatives,
            uncommitted,
            before: plan.entry_before.clone(),
            after: plan.entry_after.clone(),
            reverts: plan.reverts.clone(),
        };
        let change = match self.history.record(&record) {
            Ok(change) => change,
            Err(e) => {
                self.put_back(&written);
                return Err(Refusal::Failed(format!(
                    "the change could not be recorded in the history ({e}), so it was not published"
                )));
            }
        };
        Ok(Published {
            change,
            summary: pending_summary(&plan, pending),
            action: plan.action,
            kind: plan.kind,
            id: plan.id.clone(),
            lang: plan.lang.clone(),
            diff: plan.diff(),
            files: record.files,
            validated: Some(loaded),
        })
    }

    /// Restores files written by a publish that then failed.
    fn put_back(&self, written: &[&Write]) {
        for w in written {
            let path = self.dir.join(&w.relative);
            let result = match &w.before {
                Some(before) => writer::write_atomic(&path, before),
                None => std::fs::remove_file(&path),
            };
            if let Err(error) = result {
                tracing::error!(target: "nimbus::edit", file = %w.relative.display(), %error, "cannot restore a file after a failed publish");
            }
        }
    }

    /// Works out every file write of `pending` against `files`, or lists what is wrong.
    fn plan(&self, files: &BankFiles, pending: &Pending) -> Result<Plan, Vec<String>> {
        match &pending.op {
            Op::Form(f) => self.plan_form(files, f),
            Op::Remove { kind, id } => {
                let (file, entry) = found(files, id)?;
                let after = writer::remove(file, entry).map_err(|e| vec![e.to_string()])?;
                Ok(Plan {
                    writes: vec![Write {
                        relative: file.relative.clone(),
                        before: Some(file.text.clone()),
                        after,
                    }],
                    action: Action::Remove,
                    kind: *kind,
                    id: id.clone(),
                    lang: None,
                    file: file.relative.clone(),
                    entry_before: Some(file.slice(entry).to_owned()),
                    entry_after: None,
                    reverts: None,
                })
            }
            Op::Restore {
                kind,
                id,
                file,
                text,
                reverts,
            } => self.plan_restore(files, *kind, id, file, text.as_deref(), reverts),
            Op::Archive {
                source,
                text,
                reverts,
            } => self.plan_archive(files, source, text, reverts.clone()),
        }
    }

    fn plan_form(&self, files: &BankFiles, f: &FormState) -> Result<Plan, Vec<String>> {
        let (changes, mut problems) = match f.changes() {
            Ok(changes) => (changes, Vec::new()),
            Err(problems) => (Vec::new(), problems),
        };
        let id = f.id.clone().unwrap_or_default();
        if f.new {
            if id.is_empty() {
                problems.push("the id is empty".to_owned());
            } else if !bank::valid_id(&id) {
                problems.push(format!(
                    "id `{}` cannot be used: ids are 1-{} characters of a-z, 0-9 and `-`, not starting with `-`",
                    crate::render::fit(&id, 80),
                    bank::MAX_ID_LEN
                ));
            } else if let Some((file, entry)) = files.find(&id) {
                problems.push(format!(
                    "id `{id}` is already used by the {} in {}",
                    entry.kind.word(),
                    file.relative.display()
                ));
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let langs = &f.langs;
        if f.new {
            let mut table = toml_edit::Table::new();
            for key in f.kind.key_order() {
                match *key {
                    "id" => {
                        table.insert("id", toml_edit::value(id.as_str()));
                    }
                    "language" if f.kind == Kind::Quote => {
                        table.insert("language", toml_edit::value(langs.form.as_str()));
                    }
                    key => {
                        for (slot, value) in changes.iter().filter(|(s, _)| s.key() == key) {
                            form::write(*slot, &mut table, value, langs);
                        }
                    }
                }
            }
            let text = writer::entry_text(f.kind, table);
            let relative = self.new_entry_file(files, f.kind, &changes);
            let empty;
            let file = match files.file(&relative) {
                Some(file) => file,
                None => {
                    empty = BankFile::parse(relative.clone(), String::new());
                    &empty
                }
            };
            if let Some(reason) = &file.unusable {
                return Err(vec![format!(
                    "{} cannot be edited from Discord: {reason}",
                    relative.display()
                )]);
            }
            let after =
                writer::append(file, f.kind, &id, &text).map_err(|e| vec![e.to_string()])?;
            return Ok(Plan {
                writes: vec![Write {
                    relative: relative.clone(),
                    before: files.file(&relative).map(|f| f.text.clone()),
                    after,
                }],
                action: Action::Add,
                kind: f.kind,
                id,
                lang: Some(langs.form.clone()),
                file: relative,
                entry_before: None,
                entry_after: Some(text),
                reverts: None,
            });
        }
        let (file, entry) = found(files, &id)?;
        let after = writer::edit(file, entry, |table| {
            for (slot, value) in &changes {
                form::write(*slot, table, value, langs);
            }
        })
        .map_err(|e| vec![e.to_string()])?;
        let entry_after = entry_text_in(&file.relative, &after, &id);
        Ok(Plan {
            writes: vec![Write {
                relative: file.relative.clone(),
                before: Some(file.text.clone()),
                after,
            }],
            action: Action::Edit,
            kind: f.kind,
            id,
            lang: Some(langs.form.clone()),
            file: file.relative.clone(),
            entry_before: Some(file.slice(entry).to_owned()),
            entry_after,
            reverts: None,
        })
    }

    /// The file a new entry goes to: the one already holding the most entries of its kind
    /// (for an answer: of its category); when none does, `<category>.toml` for an answer whose
    /// category is a usable file name, else `answers.toml`, `quotes.toml`, `sources.toml` or
    /// `timeline.toml`.
    fn new_entry_file(
        &self,
        files: &BankFiles,
        kind: Kind,
        changes: &[(Slot, SlotValue)],
    ) -> PathBuf {
        let category = changes
            .iter()
            .find_map(|(slot, value)| match (slot, value) {
                (Slot::Text("category"), SlotValue::Text(c)) => Some(c.clone()),
                _ => None,
            });
        let count = |file: &BankFile| {
            file.entries
                .iter()
                .filter(|e| e.kind == kind)
                .filter(|e| match (&category, kind) {
                    (Some(c), Kind::Answer) => {
                        e.value.get("category").and_then(toml::Value::as_str) == Some(c.as_str())
                    }
                    _ => true,
                })
                .count()
        };
        let best = files
            .files
            .iter()
            .filter(|f| f.unusable.is_none())
            .map(|f| (count(f), f))
            .filter(|(n, _)| *n > 0)
            // Most entries first; among equals the first file in path order.
            .max_by(|(a, fa), (b, fb)| a.cmp(b).then_with(|| fb.relative.cmp(&fa.relative)));
        match (best, category) {
            (Some((_, file)), _) => file.relative.clone(),
            (None, Some(c)) if kind == Kind::Answer && bank::valid_id(&c) => {
                PathBuf::from(format!("{c}.toml"))
            }
            _ => PathBuf::from(kind.default_file()),
        }
    }

    fn plan_restore(
        &self,
        files: &BankFiles,
        kind: Kind,
        id: &str,
        file: &Path,
        text: Option<&str>,
        reverts: &str,
    ) -> Result<Plan, Vec<String>> {
        let current = files.find(id);
        let (relative, before, after) = match (text, current) {
            (Some(text), current) => {
                let old = BankFile::parse(file.to_path_buf(), text.to_owned());
                if old.entries.len() != 1 || old.entries[0].id != id || old.entries[0].kind != kind
                {
                    return Err(vec![format!(
                        "the recorded text of `{id}` is not one {} entry; restore it by hand",
                        kind.word()
                    )]);
                }
                match current {
                    Some((file, entry)) => (
                        file.relative.clone(),
                        Some(file.text.clone()),
                        writer::replace(file, entry, text),
                    ),
                    None => {
                        if !safe_relative(file) {
                            return Err(vec![format!(
                                "the history names the file `{}`, which is not inside the bank",
                                file.display()
                            )]);
                        }
                        let empty;
                        let target = match files.file(file) {
                            Some(f) => f,
                            None => {
                                empty = BankFile::parse(file.to_path_buf(), String::new());
                                &empty
                            }
                        };
                        (
                            file.to_path_buf(),
                            files.file(file).map(|f| f.text.clone()),
                            writer::append(target, kind, id, text),
                        )
                    }
                }
            }
            (None, Some((file, entry))) => (
                file.relative.clone(),
                Some(file.text.clone()),
                writer::remove(file, entry),
            ),
            (None, None) => {
                return Err(vec![format!(
                    "`{id}` does not exist, as it did not before that change: nothing to undo"
                )])
            }
        };
        let after = after.map_err(|e| vec![e.to_string()])?;
        let entry_after = entry_text_in(&relative, &after, id);
        Ok(Plan {
            writes: vec![Write {
                relative: relative.clone(),
                before,
                after,
            }],
            action: Action::Revert,
            kind,
            id: id.to_owned(),
            lang: None,
            file: relative,
            entry_before: current.map(|(f, e)| f.slice(e).to_owned()),
            entry_after,
            reverts: Some(reverts.to_owned()),
        })
    }

    fn plan_archive(
        &self,
        files: &BankFiles,
        source: &str,
        text: &str,
        reverts: Option<String>,
    ) -> Result<Plan, Vec<String>> {
        let (file, entry) = found(files, source)?;
        let named = entry
            .value
            .get("archive")
            .and_then(toml::Value::as_str)
            .map(PathBuf::from)
            .filter(|p| safe_relative(p) && self.inside(p));
        let (relative, toml_write) = match named {
            Some(path) => (path, None),
            None => {
                let path = PathBuf::from(format!("archive/{source}.txt"));
                let name = history::slash(&path);
                let after = writer::edit(file, entry, |table| {
                    table.insert("archive", toml_edit::value(name.as_str()));
                })
                .map_err(|e| vec![e.to_string()])?;
                (
                    path,
                    Some(Write {
                        relative: file.relative.clone(),
                        before: Some(file.text.clone()),
                        after,
                    }),
                )
            }
        };
        let before = std::fs::read_to_string(self.dir.join(&relative)).ok();
        if before.as_deref() == Some(text) {
            return Err(vec![
                "the archive already holds exactly this text: nothing changes".to_owned(),
            ]);
        }
        let mut writes = vec![Write {
            relative: relative.clone(),
            before: before.clone(),
            after: text.to_owned(),
        }];
        writes.extend(toml_write);
        Ok(Plan {
            writes,
            action: if reverts.is_some() {
                Action::Revert
            } else {
                Action::Archive
            },
            kind: Kind::Source,
            id: source.to_owned(),
            lang: None,
            file: relative,
            entry_before: before,
            entry_after: Some(text.to_owned()),
            reverts,
        })
    }

    /// Whether a relative path's folder, where it exists, really is inside the bank (no link
    /// leading out of it).
    fn inside(&self, relative: &Path) -> bool {
        let Ok(root) = self.dir.canonicalize() else {
            return false;
        };
        let mut folder = self.dir.join(relative);
        folder.pop();
        while !folder.exists() {
            if !folder.pop() {
                return false;
            }
        }
        folder.canonicalize().is_ok_and(|f| f.starts_with(&root))
    }
}

/// The bank's files as a change to `pending` needs them: a new entry needs every file's
/// entries (to place it and to check its id), a change to an existing entry only that entry.
fn files_for(dir: &Path, pending: &Pending) -> Result<BankFiles, EditError> {
    match (&pending.op, pending.id()) {
        (Op::Form(f), _) if f.new => BankFiles::read(dir),
        (_, Some(id)) => BankFiles::read_about(dir, id),
        (_, None) => BankFiles::read(dir),
    }
}

/// The summary of a published change, with the new entry's id filled in.
fn pending_summary(plan: &Plan, pending: &Pending) -> String {
    match &pending.op {
        Op::Form(f) if f.new => format!("add {} {} ({})", plan.kind.word(), plan.id, f.langs.form),
        _ => pending.summary(),
    }
}

/// The text of the entry `id` in a file's text, if there.
fn entry_text_in(relative: &Path, text: &str, id: &str) -> Option<String> {
    let file = BankFile::parse(relative.to_path_buf(), text.to_owned());
    let entry = file.entries.iter().find(|e| e.id == id)?;
    Some(file.slice(entry).to_owned())
}

/// The file and entry with `id`, or why the change cannot go ahead.
fn found<'f>(
    files: &'f BankFiles,
    id: &str,
) -> Result<(&'f BankFile, &'f files::Located), Vec<String>> {
    let (file, entry) = files
        .find(id)
        .ok_or_else(|| vec![format!("`{id}` is no longer in the bank")])?;
    if let Some(reason) = &file.unusable {
        return Err(vec![format!(
            "{} cannot be edited from Discord: {reason}",
            file.relative.display()
        )]);
    }
    Ok((file, entry))
}

/// Whether the entry is no longer what it was when the change was opened.
fn changed_since_opened(files: &BankFiles, pending: &Pending) -> bool {
    let Some(id) = pending.id() else {
        return false;
    };
    if let Op::Form(f) = &pending.op {
        if f.new {
            // A new entry's id was typed, not opened: a clash is reported as a used id.
            return false;
        }
    }
    let now = files.find(id).map(|(_, e)| &e.value);
    now != pending.base.as_ref()
}

/// A relative path of plain names: nothing that climbs out of the bank folder.
fn safe_relative(path: &Path) -> bool {
    !path.as_os_str().is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)))
}

/// The text a field shows for an entry.
fn prefill(field: &Field, entry: &toml::Table, langs: &Langs) -> String {
    match &field.content {
        Content::Id => entry
            .get("id")
            .and_then(toml::Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        Content::One(slot) => form::show(*slot, &form::read(*slot, entry, langs)),
        Content::Details(slots) => {
            let values: Vec<SlotValue> =
                slots.iter().map(|s| form::read(*s, entry, langs)).collect();
            form::show_details(slots, &values)
        }
    }
}

/// Entries that refer to `id` (`answer x`, `quote y`, `event z`), which a removal would break.
pub fn referrers(bank: &Bank, id: &str) -> Vec<String> {
    let mut by = Vec::new();
    match bank.entry(id) {
        Some(bank::EntryRef::Source(s)) => {
            by.extend(
                bank.answers
                    .iter()
                    .filter(|a| a.sources.contains(&s))
                    .map(|a| format!("answer {}", a.id)),
            );
            by.extend(
                bank.quotes
                    .iter()
                    .filter(|q| q.source == id)
                    .map(|q| format!("quote {}", q.id)),
            );
            by.extend(
                bank.events
                    .iter()
                    .filter(|e| e.sources.contains(&s))
                    .map(|e| format!("event {}", e.id)),
            );
        }
        Some(bank::EntryRef::Quote(q)) => by.extend(
            bank.answers
                .iter()
                .filter(|a| a.quotes.contains(&q))
                .map(|a| format!("answer {}", a.id)),
        ),
        _ => {}
    }
    by
}
