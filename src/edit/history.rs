//! Where every publish, removal and revert is recorded, and read back by `/bank history` and
//! `/bank revert`.
//!
//! When the bank folder is inside a git work tree (the usual way a community keeps its bank),
//! each change is one commit of the files it touched, through the `git` command line, with
//! `Bank-…` trailers naming the entry and an `Edited-by` trailer as `editor_identity` says.
//! Otherwise each change is one JSON line, with the entry's text before and after, appended to
//! `history.jsonl` in the state folder.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::files::BankFile;
use super::Kind;

/// Longest a git command may run (a commit hook, say) before it is stopped.
const GIT_TIME_LIMIT: Duration = Duration::from_secs(30);

/// The kinds of change recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// An entry changed through a form.
    Edit,
    /// A new entry.
    Add,
    /// An entry removed.
    Remove,
    /// An entry put back as it was before an earlier change.
    Revert,
    /// A source's archive text attached or replaced.
    Archive,
}

impl Action {
    /// The word used in commit subjects and listings.
    pub fn word(self) -> &'static str {
        match self {
            Action::Edit => "edit",
            Action::Add => "add",
            Action::Remove => "remove",
            Action::Revert => "revert",
            Action::Archive => "archive",
        }
    }

    fn parse(word: &str) -> Option<Action> {
        [
            Action::Edit,
            Action::Add,
            Action::Remove,
            Action::Revert,
            Action::Archive,
        ]
        .into_iter()
        .find(|a| a.word() == word)
    }
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Record {
    /// What was done.
    pub action: Action,
    /// The entry's kind.
    pub kind: Kind,
    /// The entry's id.
    pub entry: String,
    /// The form language, for an edit.
    pub lang: Option<String>,
    /// Who made it, as `editor_identity` records people (`None`: nobody is named).
    pub editor: Option<String>,
    /// Who approved it under the two-person rule, recorded the same way.
    pub approved_by: Option<String>,
    /// The file holding the entry (for an archive change: the archive file), relative to the
    /// bank folder.
    pub file: PathBuf,
    /// Every file written, relative to the bank folder.
    pub files: Vec<PathBuf>,
    /// Whether those files held changes nobody had committed before this one was written.
    pub uncommitted: bool,
    /// The entry's text before (an archive's text, for an archive change), if it existed.
    pub before: Option<String>,
    /// The entry's text after, if it still exists.
    pub after: Option<String>,
    /// For a revert: the change it undoes.
    pub reverts: Option<String>,
}

/// A recorded change, as `/bank history` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Its id: a commit hash, or the history file's record id.
    pub id: String,
    /// When, as `YYYY-MM-DD HH:MM UTC`.
    pub at: String,
    /// What was done.
    pub action: Action,
    /// The form language, if any.
    pub lang: Option<String>,
    /// Who, as recorded (`None`: not recorded).
    pub editor: Option<String>,
    /// Who approved it, if anyone.
    pub approved_by: Option<String>,
}

/// An entry as it was before a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Before {
    /// The entry's kind.
    pub kind: Kind,
    /// The file that held it, relative to the bank folder.
    pub file: PathBuf,
    /// Its text then; `None` when the change created it.
    pub text: Option<String>,
    /// What the change did.
    pub action: Action,
}

/// The history in use for a bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum History {
    /// Commits in the git work tree holding the bank folder.
    Git {
        /// The bank folder.
        dir: PathBuf,
    },
    /// `history.jsonl` in the state folder.
    File {
        /// The file.
        path: PathBuf,
    },
}

/// A line of `history.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Line {
    id: String,
    at: String,
    action: Action,
    kind: String,
    entry: String,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    editor: Option<String>,
    #[serde(default)]
    approved_by: Option<String>,
    file: PathBuf,
    #[serde(default)]
    before: Option<String>,
    #[serde(default)]
    after: Option<String>,
    #[serde(default)]
    reverts: Option<String>,
}

impl History {
    /// Git when `dir` is inside a git work tree and `git` runs; else the history file.
    pub fn detect(dir: &Path, history_file: PathBuf) -> History {
        match git(dir, &["rev-parse", "--is-inside-work-tree"], &[]) {
            Ok(out) if out.trim() == "true" => History::Git {
                dir: dir.to_path_buf(),
            },
            _ => History::File { path: history_file },
        }
    }

    /// A few words for logs and `/bank history`.
    pub fn describe(&self) -> String {
        match self {
            History::Git { .. } => "git".to_owned(),
            History::File { path } => format!("history file {}", path.display()),
        }
    }

    /// Records a change whose files are already written; returns the change's id.
    pub fn record(&self, record: &Record) -> Result<String, String> {
        match self {
            History::Git { dir } => commit(dir, record),
            History::File { path } => append_line(path, record),
        }
    }

    /// Whether any of the files have changes nobody committed (git only), so the commit can
    /// say it includes them.
    pub fn uncommitted(&self, files: &[PathBuf]) -> bool {
        let History::Git { dir } = self else {
            return false;
        };
        let mut args = vec!["status", "--porcelain", "--"];
        let names: Vec<String> = files.iter().map(|f| slash(f)).collect();
        args.extend(names.iter().map(String::as_str));
        git(dir, &args, &[]).is_ok_and(|out| !out.trim().is_empty())
    }

    /// The last `limit` changes to the entry `id`, newest first.
    pub fn list(&self, id: &str, limit: usize) -> Result<Vec<Change>, String> {
        match self {
            History::Git { dir } => {
                let grep = format!("--grep=Bank-Entry: {id}");
                let out = git(
                    dir,
                    &[
                        "log",
                        "-n",
                        "200",
                        "--fixed-strings",
                        &grep,
                        "--format=%H%x1f%cI%x1f%B%x1e",
                        "--",
                        ".",
                    ],
                    &[],
                )?;
                Ok(out
                    .split('\u{1e}')
                    .filter_map(|commit| {
                        let mut parts = commit.trim_start_matches('\n').splitn(3, '\u{1f}');
                        let hash = parts.next()?.trim().to_owned();
                        let at = parts.next()?.to_owned();
                        let trailers = Trailers::parse(parts.next()?);
                        (trailers.get("Bank-Entry") == Some(id)).then(|| Change {
                            id: hash,
                            at: short_time(&at),
                            action: trailers
                                .get("Bank-Action")
                                .and_then(Action::parse)
                                .unwrap_or(Action::Edit),
                            lang: trailers.get("Bank-Language").map(str::to_owned),
                            editor: trailers.get("Edited-by").map(str::to_owned),
                            approved_by: trailers.get("Approved-by").map(str::to_owned),
                        })
                    })
                    .take(limit)
                    .collect())
            }
            History::File { path } => {
                let mut changes: Vec<Change> = read_lines(path)?
                    .into_iter()
                    .filter(|l| l.entry == id)
                    .map(|l| Change {
                        id: l.id,
                        at: short_time(&l.at),
                        action: l.action,
                        lang: l.lang,
                        editor: l.editor,
                        approved_by: l.approved_by,
                    })
                    .collect();
                changes.reverse();
                changes.truncate(limit);
                Ok(changes)
            }
        }
    }

    /// The entry `id` as it was before the change `change` (which must be a change to it).
    pub fn before(&self, id: &str, change: &str) -> Result<Before, String> {
        match self {
            History::Git { dir } => {
                if !(7..=64).contains(&change.len())
                    || !change.bytes().all(|b| b.is_ascii_hexdigit())
                {
                    return Err(format!("`{change}` is not a change of this history"));
                }
                let message = git(dir, &["show", "-s", "--format=%B", change, "--"], &[])
                    .map_err(|_| format!("`{change}` is not a change of this history"))?;
                let trailers = Trailers::parse(&message);
                if trailers.get("Bank-Entry") != Some(id) {
                    return Err(format!("change `{change}` is not a change to `{id}`"));
                }
                let kind = trailers
                    .get("Bank-Kind")
                    .and_then(Kind::from_word)
                    .ok_or_else(|| {
                        format!("change `{change}` does not say what kind of entry it changed")
                    })?;
                let action = trailers
                    .get("Bank-Action")
                    .and_then(Action::parse)
                    .unwrap_or(Action::Edit);
                let file = trailers
                    .get("Bank-File")
                    .map(PathBuf::from)
                    .ok_or_else(|| format!("change `{change}` does not name its file"))?;
                let spec = format!("{change}^:./{}", slash(&file));
                let text = match git(dir, &["show", &spec], &[]) {
                    Ok(old) if action == Action::Archive => Some(old),
                    Ok(old) => {
                        let old = BankFile::parse(file.clone(), old);
                        old.entries
                            .iter()
                            .find(|e| e.id == id)
                            .map(|e| old.slice(e).to_owned())
                    }
                    // The file did not exist before the change.
                    Err(_) => None,
                };
                Ok(Before {
                    kind,
                    file,
                    text,
                    action,
                })
            }
            History::File { path } => {
                let line = read_lines(path)?
                    .into_iter()
                    .find(|l| l.id == change && l.entry == id)
                    .ok_or_else(|| format!("change `{change}` is not a change to `{id}`"))?;
                let kind = Kind::from_word(&line.kind)
                    .ok_or_else(|| format!("change `{change}` names no kind of entry"))?;
                Ok(Before {
                    kind,
                    file: line.file,
                    text: line.before,
                    action: line.action,
                })
            }
        }
    }
}

/// A path with `/` separators, as git and diffs write them.
pub fn slash(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// `2026-11-28T12:34:56+00:00` → `2026-11-28 12:34 UTC` (offsets are kept as given).
fn short_time(at: &str) -> String {
    match (at.get(..10), at.get(11..16)) {
        (Some(day), Some(time)) if at.ends_with("+00:00") || at.ends_with('Z') => {
            format!("{day} {time} UTC")
        }
        _ => at.to_owned(),
    }
}

/// Now, as RFC 3339 in UTC.
fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The `Key: value` lines at the end of a commit message.
struct Trailers(Vec<(String, String)>);

impl Trailers {
    fn parse(message: &str) -> Trailers {
        let last = message.trim().rsplit("\n\n").next().unwrap_or("");
        Trailers(
            last.lines()
                .filter_map(|l| l.split_once(": "))
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .collect(),
        )
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Keeps a recorded name on one line with no characters that could end a trailer.
fn one_line(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The commit subject: `bank: edit answer what-is-nimbus (ar)`.
pub fn subject(record: &Record) -> String {
    let mut subject = format!(
        "bank: {} {} {}",
        record.action.word(),
        record.kind.word(),
        record.entry
    );
    if let Some(lang) = &record.lang {
        subject.push_str(&format!(" ({lang})"));
    }
    if let Some(change) = &record.reverts {
        subject.push_str(&format!(", undoing {}", &change[..change.len().min(12)]));
    }
    subject
}

fn commit(dir: &Path, record: &Record) -> Result<String, String> {
    let names: Vec<String> = record.files.iter().map(|f| slash(f)).collect();
    let mut message = subject(record);
    message.push_str("\n\n");
    if record.uncommitted {
        message.push_str(
            "Written from Discord. The files may also hold changes made by hand and not yet committed; they are part of this commit.\n\n",
        );
    } else {
        message.push_str("Written from Discord.\n\n");
    }
    let mut trailers = vec![
        ("Bank-Action", record.action.word().to_owned()),
        ("Bank-Kind", record.kind.word().to_owned()),
        ("Bank-Entry", record.entry.clone()),
        ("Bank-File", slash(&record.file)),
    ];
    if let Some(lang) = &record.lang {
        trailers.push(("Bank-Language", lang.clone()));
    }
    if let Some(change) = &record.reverts {
        trailers.push(("Bank-Reverts", change.clone()));
    }
    if let Some(editor) = &record.editor {
        trailers.push(("Edited-by", one_line(editor)));
    }
    if let Some(approver) = &record.approved_by {
        trailers.push(("Approved-by", one_line(approver)));
    }
    for (key, value) in trailers {
        message.push_str(&format!("{key}: {value}\n"));
    }
    let mut add = vec!["add", "--"];
    add.extend(names.iter().map(String::as_str));
    git(dir, &add, &[])?;
    let mut args = vec!["commit", "--quiet", "-m", &message, "--"];
    args.extend(names.iter().map(String::as_str));
    // The bot commits as itself; who edited is in the trailer, recorded as configured.
    let identity = [
        ("GIT_AUTHOR_NAME", "nimbus-bot"),
        ("GIT_AUTHOR_EMAIL", "nimbus-bot@localhost"),
        ("GIT_COMMITTER_NAME", "nimbus-bot"),
        ("GIT_COMMITTER_EMAIL", "nimbus-bot@localhost"),
    ];
    git(dir, &args, &identity)?;
    git(dir, &["rev-parse", "HEAD"], &[]).map(|h| h.trim().to_owned())
}

fn append_line(path: &Path, record: &Record) -> Result<String, String> {
    let line = Line {
        id: super::token()[..16].to_owned(),
        at: now(),
        action: record.action,
        kind: record.kind.word().to_owned(),
        entry: record.entry.clone(),
        lang: record.lang.clone(),
        editor: record.editor.as_deref().map(one_line),
        approved_by: record.approved_by.as_deref().map(one_line),
        file: record.file.clone(),
        before: record.before.clone(),
        after: record.after.clone(),
        reverts: record.reverts.clone(),
    };
    let json = serde_json::to_string(&line).map_err(|e| e.to_string())?;
    if let Some(folder) = path.parent() {
        crate::state::StateDir::new(folder)
            .ensure()
            .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    // One write of one whole line, flushed: a crash leaves whole lines only.
    file.write_all(format!("{json}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(line.id)
}

fn read_lines(path: &Path) -> Result<Vec<Line>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    // A line that does not parse (a hand edit, a torn write) is skipped, not fatal.
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

/// Runs `git -C dir args…` and returns its output; stopped after [`GIT_TIME_LIMIT`].
fn git(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<String, String> {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Never wait for a password or an editor.
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_EDITOR", "true");
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(s) = stdout.as_mut() {
            let _ = std::io::Read::read_to_string(s, &mut text);
        }
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(s) = stderr.as_mut() {
            let _ = std::io::Read::read_to_string(s, &mut text);
        }
        text
    });
    let deadline = Instant::now() + GIT_TIME_LIMIT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "git {} took longer than {GIT_TIME_LIMIT:?}",
                    args[0]
                ));
            }
            Err(e) => return Err(format!("git {}: {e}", args[0])),
        }
    };
    let out = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
    if status.success() {
        Ok(out)
    } else {
        Err(format!(
            "git {} failed: {}",
            args[0],
            err.lines().next().unwrap_or("no message")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(action: Action, before: Option<&str>, after: Option<&str>) -> Record {
        Record {
            action,
            kind: Kind::Answer,
            entry: "what-is-nimbus".into(),
            lang: Some("ar".into()),
            editor: Some("mod\nerator".into()),
            approved_by: None,
            file: "contract.toml".into(),
            files: vec!["contract.toml".into()],
            uncommitted: false,
            before: before.map(str::to_owned),
            after: after.map(str::to_owned),
            reverts: None,
        }
    }

    #[test]
    fn the_history_file_keeps_before_and_after() {
        let dir = tempfile::tempdir().expect("tempdir");
        let history = History::detect(dir.path(), dir.path().join("state/history.jsonl"));
        assert!(matches!(history, History::File { .. }), "{history:?}");
        let first = history
            .record(&record(
                Action::Add,
                None,
                Some("[[answer]]\nid = \"what-is-nimbus\"\n"),
            ))
            .expect("record");
        let second = history
            .record(&record(Action::Edit, Some("v1"), Some("v2")))
            .expect("record");
        let list = history.list("what-is-nimbus", 10).expect("list");
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].id, second, "newest first");
        assert_eq!(list[0].editor.as_deref(), Some("moderator"), "one line");
        assert_eq!(list[1].action, Action::Add);
        assert!(history.list("other", 10).expect("list").is_empty());
        let before = history.before("what-is-nimbus", &second).expect("before");
        assert_eq!(before.text.as_deref(), Some("v1"));
        assert_eq!(
            history
                .before("what-is-nimbus", &first)
                .expect("before")
                .text,
            None
        );
        assert!(history.before("other", &second).is_err());
    }

    #[test]
    fn trailers_come_from_the_last_paragraph() {
        let t = Trailers::parse(
            "bank: edit x\n\nWritten: from Discord.\n\nBank-Entry: x\nEdited-by: someone\n",
        );
        assert_eq!(t.get("Bank-Entry"), Some("x"));
        assert_eq!(t.get("Edited-by"), Some("someone"));
        assert_eq!(t.get("Written"), None);
        assert_eq!(
            short_time("2026-11-28T12:34:56+00:00"),
            "2026-11-28 12:34 UTC"
        );
    }
}
