//! Finding and reading the bank's files safely: only regular files really inside the bank
//! folder, never more than the size limits, never blocking on a FIFO or a device.
//!
//! One rule for everything the bank reads (`.toml` files, sub-folders, archives): a symlink is
//! followed when its real path is inside the bank folder, and skipped (reported) otherwise, so a
//! link such as `archive/x.txt -> /etc/passwd` cannot make the bot read or "verify" against a
//! file outside the bank. The bank folder itself may be a symlink (a deploy's `current`).

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::diagnostic::{Diagnostic, Severity};
use crate::fileread::{read_capped, utf8_text, Unreadable};

/// One mebibyte, the unit of the size settings.
pub const MIB: u64 = 1024 * 1024;

/// Caps on what one load reads, so a hostile or broken file cannot exhaust memory or time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest single file (a `.toml` file or an archive), in bytes (`max_file_mb`).
    pub file_bytes: u64,
    /// Largest bank, all files read together, in bytes (`max_bank_mb`). Loading takes a
    /// multiple of what it reads (parsing and the search index: about 20 to 100 bytes per byte
    /// of TOML, the most for long lists of tiny values), and the bot holds the served bank and
    /// the new one at once while it reloads.
    pub bank_bytes: u64,
    /// Longest a load may take; files not read by then make it fail (`None`: no limit).
    pub time: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // Forty times the largest shipped file, and a hundred times the shipped bank: a
            // hostile file at these limits costs hundreds of MB to load, not gigabytes.
            file_bytes: 4 * MIB,
            bank_bytes: 64 * MIB,
            time: None,
        }
    }
}

/// Why a file was not read.
#[derive(Debug)]
pub(super) enum Unread {
    /// A FIFO, socket, device or folder where a file was expected.
    NotRegular,
    /// Its real path is outside the bank folder, or it cannot be resolved.
    Outside,
    /// Larger than the per-file limit.
    TooLarge,
    /// The bank's total limit or time limit was reached before it (reported once, elsewhere).
    OverBudget,
    /// The bytes are not UTF-8; `valid` is the text before the first bad byte.
    NotUtf8 { valid: String },
    /// Any other I/O error.
    Io(std::io::Error),
}

impl Unread {
    /// The reason in words, for a diagnostic about `what` (e.g. "file", "archive `x`").
    pub(super) fn describe(&self, limits: &Limits) -> String {
        match self {
            Unread::NotRegular => {
                "not a regular file (a FIFO, socket or device is never read)".into()
            }
            Unread::Outside => {
                "not a file inside the bank folder (a symlink out of the bank is never followed)"
                    .into()
            }
            Unread::TooLarge => format!(
                "larger than the {} MiB limit per file (max_file_mb in config.toml)",
                limits.file_bytes.div_ceil(MIB)
            ),
            Unread::OverBudget => "not read: the bank is over its size or time limit".into(),
            Unread::NotUtf8 { .. } => "not UTF-8 text; save it as UTF-8".into(),
            Unread::Io(e) => e.to_string(),
        }
    }
}

/// Reads files of one bank within its limits, keeping count of the bytes read.
#[derive(Debug)]
pub(super) struct Reader {
    /// The bank folder's real path (symlinks resolved).
    pub root: PathBuf,
    pub limits: Limits,
    used: Cell<u64>,
    deadline: Option<Instant>,
    /// Set once the total or time limit is passed; nothing more is read.
    exhausted: Cell<bool>,
    /// Texts read instead of the files at these paths (as the loader names them), which need
    /// not exist: a change being validated before it is written.
    overlay: HashMap<PathBuf, String>,
}

impl Default for Reader {
    fn default() -> Self {
        Reader::new(PathBuf::new(), Limits::default())
    }
}

impl Reader {
    pub(super) fn new(root: PathBuf, limits: Limits) -> Reader {
        Reader {
            root,
            limits,
            used: Cell::new(0),
            deadline: limits.time.map(|t| Instant::now() + t),
            exhausted: Cell::new(false),
            overlay: HashMap::new(),
        }
    }

    /// The same reader, reading these texts instead of the files at their paths.
    pub(super) fn with_overlay(mut self, overlay: HashMap<PathBuf, String>) -> Reader {
        self.overlay = overlay;
        self
    }

    /// Whether the total size or time limit stopped reading (the caller reports it once).
    pub(super) fn exhausted(&self) -> bool {
        self.exhausted.get()
    }

    /// The diagnostic for an exhausted reader, at the bank folder.
    pub(super) fn exhausted_diagnostic(&self, dir: &Path) -> Diagnostic {
        let over_time = self.deadline.is_some_and(|d| Instant::now() >= d);
        let message = if over_time && self.used.get() <= self.limits.bank_bytes {
            format!(
                "loading the bank took longer than {} s and was stopped (a slow or stuck file system?)",
                self.limits.time.map_or(0, |t| t.as_secs())
            )
        } else {
            format!(
                "the bank is larger than its {} MiB limit (max_bank_mb in config.toml) and was not loaded",
                self.limits.bank_bytes.div_ceil(MIB)
            )
        };
        Diagnostic {
            path: dir.to_path_buf(),
            line: 1,
            col: 1,
            severity: Severity::Error,
            message,
            hint: Some(
                "a bank this large cannot be held twice while reloading; split off what is not needed, or raise the limit".into(),
            ),
        }
    }

    /// Reads `path` as UTF-8 text when it is a regular file inside the bank within the limits.
    /// A leading byte-order mark is dropped (editors hide it; columns must not count it).
    pub(super) fn read(&self, path: &Path) -> Result<String, Unread> {
        if let Some(text) = self.overlay.get(path) {
            // Held to the same limits as the file it stands for.
            if text.len() as u64 > self.limits.file_bytes {
                return Err(Unread::TooLarge);
            }
            let used = self.used.get() + text.len() as u64;
            self.used.set(used);
            if used > self.limits.bank_bytes {
                self.exhausted.set(true);
                return Err(Unread::OverBudget);
            }
            return Ok(text.clone());
        }
        let real = std::fs::canonicalize(path).map_err(|e| {
            // A dangling symlink and a link out of the bank read alike: nothing is revealed
            // about what lies outside.
            if is_symlink(path) {
                Unread::Outside
            } else {
                Unread::Io(e)
            }
        })?;
        if !real.starts_with(&self.root) {
            return Err(Unread::Outside);
        }
        if self.exhausted.get() || self.deadline.is_some_and(|d| Instant::now() >= d) {
            self.exhausted.set(true);
            return Err(Unread::OverBudget);
        }
        let bytes = read_capped(&real, self.limits.file_bytes).map_err(|e| match e {
            Unreadable::Io(e) => Unread::Io(e),
            Unreadable::NotRegular => Unread::NotRegular,
            Unreadable::TooLarge(_) => Unread::TooLarge,
        })?;
        let used = self.used.get() + bytes.len() as u64;
        self.used.set(used);
        if used > self.limits.bank_bytes {
            self.exhausted.set(true);
            return Err(Unread::OverBudget);
        }
        utf8_text(bytes).map_err(|valid| Unread::NotUtf8 { valid })
    }
}

fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Whether a file name is a bank file: `*.toml` in any letter case.
pub(super) fn is_toml(name: &std::ffi::OsStr) -> bool {
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
}

fn skipped(path: PathBuf, message: String, hint: Option<&str>) -> Diagnostic {
    Diagnostic {
        path,
        line: 1,
        col: 1,
        severity: Severity::Warning,
        message: format!("skipped: {message}"),
        hint: hint.map(str::to_owned),
    }
}

/// The bank's `.toml` files (any letter case), sorted so reports come in a stable order.
///
/// Names starting with `.` are passed over silently (`.git`, editor swap files). Everything else
/// that is passed over is reported as a warning naming it: a folder that cannot be read (a
/// `lost+found`), a symlink leading out of the bank, a `.toml` that is not a regular file, a
/// second route to a file or folder already read (real paths are walked before symlinks, so the
/// symlink is the one reported). Only the bank folder itself being unreadable is an error.
pub(super) fn toml_files(
    dir: &Path,
    root: &Path,
    out: &mut Vec<Diagnostic>,
) -> std::io::Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(dir)?;
    if !meta.is_dir() {
        return Err(std::io::Error::other("not a folder"));
    }
    let mut walk = Walk {
        out,
        files: Vec::new(),
        seen_dirs: HashMap::new(),
        seen_files: HashSet::new(),
        stack: vec![(dir.to_path_buf(), root.to_path_buf())],
        linked_dirs: Vec::new(),
        linked_files: Vec::new(),
    };
    walk.seen_dirs.insert(root.to_path_buf(), dir.to_path_buf());
    let mut first = true;
    loop {
        while let Some((folder, real)) = walk.stack.pop() {
            match std::fs::read_dir(&folder) {
                Ok(entries) => walk.folder(&folder, &real, root, entries),
                Err(e) if first => return Err(e),
                Err(e) => walk.out.push(skipped(
                    folder,
                    format!("cannot read this folder: {e}"),
                    Some("give the bot read access, or move the folder out of the bank"),
                )),
            }
            first = false;
        }
        // Symlinked folders last, so a folder reachable by its real path is read as that.
        let Some((path, real)) = walk.linked_dirs.pop() else {
            break;
        };
        match walk.seen_dirs.get(&real) {
            Some(first) => {
                let message = format!("this folder was already read as {}", first.display());
                walk.out.push(skipped(path, message, None));
            }
            None => {
                walk.seen_dirs.insert(real.clone(), path.clone());
                walk.stack.push((path, real));
            }
        }
    }
    for (path, real) in std::mem::take(&mut walk.linked_files) {
        if walk.seen_files.insert(real) {
            walk.files.push(path);
        } else {
            let message = "this file was already read by another name".to_owned();
            walk.out.push(skipped(path, message, None));
        }
    }
    let mut files = walk.files;
    files.sort();
    Ok(files)
}

/// The state of one walk through the bank folder.
struct Walk<'a> {
    out: &'a mut Vec<Diagnostic>,
    files: Vec<PathBuf>,
    /// Real path of every folder read → the path it was read by.
    seen_dirs: HashMap<PathBuf, PathBuf>,
    seen_files: HashSet<PathBuf>,
    /// Folders still to read: (path as shown, real path).
    stack: Vec<(PathBuf, PathBuf)>,
    linked_dirs: Vec<(PathBuf, PathBuf)>,
    linked_files: Vec<(PathBuf, PathBuf)>,
}

impl Walk<'_> {
    fn folder(
        &mut self,
        folder: &Path,
        real_folder: &Path,
        root: &Path,
        entries: std::fs::ReadDir,
    ) {
        let mut listed = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => listed.push(entry),
                Err(e) => self.out.push(skipped(
                    folder.to_path_buf(),
                    format!("cannot list this folder completely: {e}"),
                    None,
                )),
            }
        }
        listed.sort_by_key(std::fs::DirEntry::file_name);
        for entry in listed {
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                self.out
                    .push(skipped(path, "cannot tell what this is".into(), None));
                continue;
            };
            if kind.is_symlink() {
                self.symlink(path, &name, root);
            } else if kind.is_dir() {
                let real = real_folder.join(&name);
                self.seen_dirs.insert(real.clone(), path.clone());
                self.stack.push((path, real));
            } else if is_toml(&name) {
                if kind.is_file() {
                    self.seen_files.insert(real_folder.join(&name));
                    self.files.push(path);
                } else {
                    self.out.push(not_regular(path));
                }
            }
        }
    }

    /// A symlink is followed only to a real path inside the bank, and after the real tree.
    fn symlink(&mut self, path: PathBuf, name: &std::ffi::OsStr, root: &Path) {
        let real = match std::fs::canonicalize(&path) {
            Ok(real) => real,
            Err(e) => {
                // Not "outside the bank": the link is dangling, or a loop ("too many levels of
                // symbolic links").
                let why = if e.kind() == std::io::ErrorKind::NotFound {
                    "a symlink whose target does not exist".to_string()
                } else {
                    format!("a symlink that cannot be followed ({e})")
                };
                let hint = "point the link at a file inside the bank folder, or remove it";
                return self.out.push(skipped(path, why, Some(hint)));
            }
        };
        let target = Some(real)
            .filter(|real| real.starts_with(root))
            .and_then(|real| std::fs::metadata(&real).ok().map(|m| (real, m)));
        match target {
            Some((real, meta)) if meta.is_dir() => self.linked_dirs.push((path, real)),
            Some((real, meta)) if is_toml(name) => {
                if meta.is_file() {
                    self.linked_files.push((path, real));
                } else {
                    self.out.push(not_regular(path));
                }
            }
            Some(_) => {} // a non-bank file (an archive is checked where it is used)
            None => self.out.push(skipped(
                path,
                "a symlink that does not lead inside the bank folder".into(),
                Some("the bank reads only files inside its folder; copy the file in, or make the bank folder itself the link"),
            )),
        }
    }
}

fn not_regular(path: PathBuf) -> Diagnostic {
    skipped(
        path,
        "not a regular file (a FIFO, socket or device is never read)".into(),
        None,
    )
}
