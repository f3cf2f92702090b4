//! The live bank: the bank being served, swapped atomically when a reload validates, kept when
//! it does not, plus a debounced watcher that reloads when the bank's files change.
//!
//! Readers take an `Arc<Bank>` and keep a whole, consistent bank for as long as they hold it;
//! a reload never empties or half-fills what is served. Three guards stand between a save in
//! progress and the members:
//!
//! - **Quiet time.** The watcher reloads only after [`DEBOUNCE`] without file events (but at
//!   most [`MAX_WAIT`] after the first, so a file that never stops changing still reloads).
//! - **Validation.** A broken bank is refused and the old one kept ([`Outcome::Kept`]).
//! - **Nothing silently lost.** A watcher reload that would remove anything from what is
//!   served (an entry, or part of one: a title, body, alias, tag, source, quote or
//!   translation) is held ([`Outcome::Held`]): a save that truncates a file and writes it back
//!   slowly looks, half-way, exactly like a valid bank with entries missing. The old bank keeps
//!   answering; the held change applies when a moderator confirms it with `/bank reload`, or by
//!   itself once the files have stayed unchanged for [`HOLD`]. A change that leaves a file
//!   with no entries at all (what an interrupted save leaves behind) only applies when
//!   confirmed. Additions and edits that remove nothing apply at once.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use arc_swap::ArcSwap;
use notify::{EventKind, RecursiveMode, Watcher};

use crate::bank::{self, Bank, Diagnostic, FileInfo, LoadOptions};

/// What happened when the bank was loaded again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The new bank is valid and now served; `summary` is its one line of counts and
    /// `warnings` its non-blocking problems as `path:line:col` lines.
    Swapped {
        /// One line of counts.
        summary: String,
        /// Warnings, one per entry.
        warnings: Vec<String>,
        /// What the new bank no longer has that the previous one had, when anything (the
        /// change was confirmed with `/bank reload`, or held long enough).
        removed: Option<String>,
    },
    /// The folder has errors; the previous bank is still served. One entry per problem.
    Kept {
        /// Every diagnostic (errors and warnings) as `Diagnostic`'s Display prints it.
        errors: Vec<String>,
    },
    /// The files hold a valid bank that would remove something from what is served: it is
    /// held, and the previous bank is still served (see the module documentation).
    Held {
        /// What would be removed, in words.
        removed: String,
        /// When it applies by itself if the files do not change; `None` when only
        /// `/bank reload` applies it (a file was left with no entries).
        applies_at: Option<SystemTime>,
        /// Whether this is the first report of this held change (later ones are re-checks).
        first: bool,
    },
}

/// What `/bank status` shows.
#[derive(Debug, Clone)]
pub struct Status {
    /// The bank folder.
    pub path: PathBuf,
    /// When the bank being served was loaded.
    pub loaded_at: SystemTime,
    /// The served bank's counts.
    pub summary: String,
    /// The most recent failed reload, if it happened after the last successful one.
    pub last_error: Option<ReloadError>,
    /// Successful reloads since start (the first load not counted).
    pub reloads: u64,
    /// A change on disk that is held rather than served, if any.
    pub held: Option<HeldChange>,
}

/// A reload that was refused because the bank had errors.
#[derive(Debug, Clone)]
pub struct ReloadError {
    /// When it was attempted.
    pub at: SystemTime,
    /// The problems, one `path:line:col: error: message` entry each.
    pub errors: Vec<String>,
}

/// A valid change on disk that would remove something, held back from members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldChange {
    /// Since when the files have been in this state.
    pub since: SystemTime,
    /// What it would remove, in words.
    pub removed: String,
    /// When it applies by itself if the files stay as they are; `None`: only `/bank reload`.
    pub applies_at: Option<SystemTime>,
}

/// How long files that would remove something must stay unchanged before the change applies
/// without a moderator's `/bank reload`. Long enough for a slow upload or a stalled editor to
/// finish; short enough that a deliberate deletion goes live within the minute.
pub const HOLD: Duration = Duration::from_secs(60);

/// Longest a reload may read files; past it the reload fails and the old bank stays.
pub const RELOAD_TIME_LIMIT: Duration = Duration::from_secs(120);

/// A held change, with what is needed to recognise the same files again.
#[derive(Debug, Clone)]
struct Held {
    fingerprint: u64,
    since: Instant,
    shown: HeldChange,
}

/// Everything about the served bank that changes with a reload, under one lock.
#[derive(Debug)]
struct State {
    status: Status,
    /// The files the served bank was loaded from.
    files: Vec<FileInfo>,
    held: Option<Held>,
}

/// The bank being served and how it got there.
pub struct LiveBank {
    current: ArcSwap<Bank>,
    dir: PathBuf,
    options: LoadOptions,
    hold: Duration,
    state: Mutex<State>,
    /// Serialises reloads so a slow old load can never overwrite a newer one.
    reloading: Mutex<()>,
}

impl std::fmt::Debug for LiveBank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveBank").field("dir", &self.dir).finish()
    }
}

/// Who asked for a reload: the watcher (guarded) or a moderator (confirmed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    Watcher,
    Moderator,
}

impl LiveBank {
    /// Loads the bank in `dir`; fails with every diagnostic when it has errors, since there is
    /// no previous bank to fall back on.
    pub fn load(dir: &Path, options: LoadOptions) -> Result<LiveBank, Vec<Diagnostic>> {
        let loaded = bank::load(dir, &options);
        let Some(bank) = loaded.bank else {
            return Err(loaded.diagnostics);
        };
        for warning in &loaded.diagnostics {
            tracing::warn!(target: "nimbus::bank", problem = %warning, "bank warning");
        }
        let status = Status {
            path: dir.to_path_buf(),
            loaded_at: SystemTime::now(),
            summary: bank.summary(),
            last_error: None,
            reloads: 0,
            held: None,
        };
        let mut options = options;
        options.limits.time = options.limits.time.or(Some(RELOAD_TIME_LIMIT));
        Ok(LiveBank {
            current: ArcSwap::from_pointee(bank),
            dir: dir.to_path_buf(),
            options,
            hold: HOLD,
            state: Mutex::new(State {
                status,
                files: loaded.files,
                held: None,
            }),
            reloading: Mutex::new(()),
        })
    }

    /// The same live bank with another hold time (tests use a short one).
    pub fn with_hold(mut self, hold: Duration) -> LiveBank {
        self.hold = hold;
        self
    }

    /// The bank to answer from. Hold the `Arc` for one whole answer so it is consistent.
    pub fn bank(&self) -> Arc<Bank> {
        self.current.load_full()
    }

    /// The bank folder being served.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A moderator's reload (`/bank reload`): loads and validates the whole folder and swaps
    /// it in if it has no errors, even when it removes entries (that is the confirmation).
    ///
    /// Blocking (reads files): call it from a blocking context.
    pub fn reload(&self) -> Outcome {
        self.reload_as(Trigger::Moderator)
    }

    /// The watcher's reload: as [`LiveBank::reload`], except that a bank which would remove
    /// anything from what is served is held (see the module documentation).
    ///
    /// Blocking (reads files): call it from a blocking context.
    pub fn reload_watched(&self) -> Outcome {
        self.reload_as(Trigger::Watcher)
    }

    /// A moderator's reload with the folder already loaded: the editor validated the bank with
    /// its change, then wrote those very files, so loading them again would only repeat the
    /// work. The same checks as [`LiveBank::reload`] then apply.
    ///
    /// `loaded` must come from this bank folder (with this `LoadOptions`).
    pub fn install(&self, loaded: bank::Loaded) -> Outcome {
        let _one_at_a_time = lock(&self.reloading);
        self.apply(loaded, Trigger::Moderator)
    }

    fn reload_as(&self, trigger: Trigger) -> Outcome {
        let _one_at_a_time = lock(&self.reloading);
        let loaded = bank::load(&self.dir, &self.options);
        self.apply(loaded, trigger)
    }

    /// Serves `loaded` if it is sound (and, for the watcher, removes nothing), else keeps the
    /// bank being served. Called with `reloading` held.
    fn apply(&self, loaded: bank::Loaded, trigger: Trigger) -> Outcome {
        let outcome = self.apply_uncounted(loaded, trigger);
        crate::metrics::reload(&outcome);
        outcome
    }

    fn apply_uncounted(&self, loaded: bank::Loaded, trigger: Trigger) -> Outcome {
        let lines: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
        let fingerprint = loaded.fingerprint();
        let Some(bank) = loaded.bank else {
            for error in &lines {
                tracing::error!(target: "nimbus::bank", problem = %error, "bank reload refused; keeping the previous bank");
            }
            let mut state = lock(&self.state);
            state.status.last_error = Some(ReloadError {
                at: SystemTime::now(),
                errors: lines.clone(),
            });
            // The files changed since any held state; it no longer describes them.
            state.held = None;
            state.status.held = None;
            return Outcome::Kept { errors: lines };
        };
        let mut state = lock(&self.state);
        let loss = Loss::between(&self.bank(), &state.files, &bank, &loaded.files);
        let removed = (!loss.is_empty()).then(|| loss.describe());
        if let (Some(removed), Trigger::Watcher) = (&removed, trigger) {
            let now = Instant::now();
            let previous = state.held.take().filter(|h| h.fingerprint == fingerprint);
            let first = previous.is_none();
            let (since, since_wall) = previous
                .as_ref()
                .map_or((now, SystemTime::now()), |h| (h.since, h.shown.since));
            let due = now.duration_since(since) >= self.hold;
            if !loss.emptied.is_empty() || !due {
                let applies_at = loss.emptied.is_empty().then(|| since_wall + self.hold);
                let shown = HeldChange {
                    since: since_wall,
                    removed: removed.clone(),
                    applies_at,
                };
                if first {
                    tracing::warn!(target: "nimbus::bank", removed = %removed, confirm_only = applies_at.is_none(), "bank change held: it would remove content; still serving the previous bank");
                }
                state.status.held = Some(shown.clone());
                state.held = Some(Held {
                    fingerprint,
                    since,
                    shown,
                });
                return Outcome::Held {
                    removed: removed.clone(),
                    applies_at,
                    first,
                };
            }
        }
        let summary = bank.summary();
        self.current.store(Arc::new(bank));
        state.files = loaded.files;
        state.held = None;
        let status = &mut state.status;
        status.loaded_at = SystemTime::now();
        status.summary = summary.clone();
        status.last_error = None;
        status.held = None;
        status.reloads += 1;
        match &removed {
            Some(removed) => {
                tracing::info!(target: "nimbus::bank", summary = %summary, removed = %removed, "bank reloaded, removing content")
            }
            None => tracing::info!(target: "nimbus::bank", summary = %summary, "bank reloaded"),
        }
        for warning in &lines {
            tracing::warn!(target: "nimbus::bank", problem = %warning, "bank warning");
        }
        Outcome::Swapped {
            summary,
            warnings: lines,
            removed,
        }
    }

    /// A copy of the current status.
    pub fn status(&self) -> Status {
        lock(&self.state).status.clone()
    }
}

/// What a new bank would take away from the served one.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Loss {
    /// Entries whose id is gone, as "answer `id`".
    pub gone: Vec<String>,
    /// Entries still there with fewer texts, list items or references than before.
    pub shortened: Vec<String>,
    /// Files that held entries and now hold none.
    pub emptied: Vec<PathBuf>,
}

impl Loss {
    /// Compares two banks and the files they came from.
    pub fn between(old: &Bank, old_files: &[FileInfo], new: &Bank, new_files: &[FileInfo]) -> Loss {
        let mut loss = Loss::default();
        let before = parts(old);
        let after = parts(new);
        for (key, count) in &before {
            match after.get(key) {
                None => loss.gone.push(key.clone()),
                Some(now) if now < count => loss.shortened.push(key.clone()),
                Some(_) => {}
            }
        }
        for file in new_files.iter().filter(|f| f.entries == 0) {
            if old_files
                .iter()
                .any(|o| o.path == file.path && o.entries > 0)
            {
                loss.emptied.push(file.path.clone());
            }
        }
        loss
    }

    /// Whether nothing is lost.
    pub fn is_empty(&self) -> bool {
        self.gone.is_empty() && self.shortened.is_empty() && self.emptied.is_empty()
    }

    /// One line for moderators: what goes, what shrinks, which files were emptied.
    pub fn describe(&self) -> String {
        fn list(items: &[String]) -> String {
            const SHOWN: usize = 5;
            let mut text = items
                .iter()
                .take(SHOWN)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if items.len() > SHOWN {
                text.push_str(&format!(" and {} more", items.len() - SHOWN));
            }
            text
        }
        let mut parts = Vec::new();
        if !self.emptied.is_empty() {
            let files: Vec<String> = self
                .emptied
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            parts.push(format!("left with no entries: {}", list(&files)));
        }
        if !self.gone.is_empty() {
            parts.push(format!("gone: {}", list(&self.gone)));
        }
        if !self.shortened.is_empty() {
            parts.push(format!("shortened: {}", list(&self.shortened)));
        }
        parts.join("; ")
    }
}

/// Every entry of a bank, keyed "kind `id`", with how many texts, list items and references
/// it has: a save cut off inside an entry can leave it valid but with fewer of them.
fn parts(bank: &Bank) -> std::collections::BTreeMap<String, usize> {
    let mut out = std::collections::BTreeMap::new();
    for a in &bank.answers {
        let aliases: usize = a.aliases.values().map(Vec::len).sum();
        let n = a.title.len()
            + a.body.len()
            + aliases
            + a.tags.len()
            + a.sources.len()
            + a.quotes.len();
        out.insert(format!("answer `{}`", a.id), n);
    }
    for q in &bank.quotes {
        let n = q.speaker.len()
            + q.role.len()
            + q.note.len()
            + q.translations.len()
            + q.speaker_aliases.len();
        out.insert(format!("quote `{}`", q.id), n);
    }
    for s in &bank.sources {
        let n = usize::from(s.url.is_some()) + usize::from(s.note.is_some());
        out.insert(format!("source `{}`", s.id), n);
    }
    for e in &bank.events {
        out.insert(format!("event `{}`", e.id), e.text.len() + e.sources.len());
    }
    for l in &bank.languages {
        out.insert(format!("language `{}`", l.code), l.locales.len());
    }
    out
}

/// Locks a mutex even if a panicking thread poisoned it: the data (a status record, a unit) is
/// always left consistent, so serving on is safe.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Default quiet time before a burst of file events becomes one reload: editors often write a
/// file in several steps (truncate, write, rename), and reloading mid-way would report errors
/// that are not really there.
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// The longest a burst of file events can put a reload off: a file that keeps changing (a log
/// someone put in the bank, a sync tool looping) must not starve reloads for ever.
pub const MAX_WAIT: Duration = Duration::from_secs(3);

/// How often the watcher checks that the bank folder is still the one it watches (a folder
/// deleted and restored, or swapped by a rename, needs a new watch).
pub const IDENTITY_POLL: Duration = Duration::from_secs(1);

/// How the watcher waits before reloading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchOptions {
    /// Quiet time after the last event of a burst.
    pub debounce: Duration,
    /// Upper bound on the wait, from the first event of a burst.
    pub max_wait: Duration,
    /// How often the folder's identity is checked.
    pub identity_poll: Duration,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            debounce: DEBOUNCE,
            max_wait: MAX_WAIT,
            identity_poll: IDENTITY_POLL,
        }
    }
}

/// Keeps a bank folder watched; dropping it stops the watching thread.
pub struct WatchGuard {
    stop: mpsc::Sender<Signal>,
}

impl std::fmt::Debug for WatchGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WatchGuard")
    }
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        // The thread may have ended already; then there is nothing to stop.
        let _ = self.stop.send(Signal::Stop);
    }
}

/// What the watching thread hears.
enum Signal {
    /// Something in the bank folder changed.
    Changed,
    /// The bank folder itself was removed or renamed: the watch on it is dead.
    RootMoved,
    /// The guard was dropped.
    Stop,
}

/// Watches the bank folder recursively and reloads after `debounce` of quiet following a
/// change; `on_reload` receives each outcome (the Discord side posts errors to moderators).
/// The other waits are the defaults of [`WatchOptions`].
pub fn watch(
    live: Arc<LiveBank>,
    debounce: Duration,
    on_reload: impl Fn(Outcome) + Send + 'static,
) -> notify::Result<WatchGuard> {
    let options = WatchOptions {
        debounce,
        ..WatchOptions::default()
    };
    watch_with(live, options, on_reload)
}

/// [`watch`] with every wait chosen. Reloads go through [`LiveBank::reload_watched`], so a
/// change that removes content is held; the watcher re-checks a held change when it is due.
pub fn watch_with(
    live: Arc<LiveBank>,
    options: WatchOptions,
    on_reload: impl Fn(Outcome) + Send + 'static,
) -> notify::Result<WatchGuard> {
    let (tx, rx) = mpsc::channel::<Signal>();
    let root = live.dir().to_path_buf();
    let roots = Roots::of(&root);
    let events = tx.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        match event {
            Ok(event) if roots.moved(&event) => {
                let _ = events.send(Signal::RootMoved);
            }
            Ok(event) if is_relevant(&event, &roots) => {
                // The receiver only goes away when the thread ends; nothing to do then.
                let _ = events.send(Signal::Changed);
            }
            Ok(_) => {}
            Err(error) => {
                // An overflowing event queue, for one, loses changes: reload to be sure.
                tracing::warn!(target: "nimbus::bank", %error, "bank watcher error; reloading to be sure");
                let _ = events.send(Signal::Changed);
            }
        }
    })?;
    watcher.watch(&root, RecursiveMode::Recursive)?;
    let watched = identity(&root);
    std::thread::Builder::new()
        .name("bank-watch".into())
        .spawn(move || {
            let mut run = WatchLoop {
                live,
                options,
                watcher,
                root,
                watched,
            };
            run.run(&rx, &on_reload);
        })
        .map_err(notify::Error::io)?;
    Ok(WatchGuard { stop: tx })
}

/// The watching thread's state.
struct WatchLoop {
    live: Arc<LiveBank>,
    options: WatchOptions,
    watcher: notify::RecommendedWatcher,
    root: PathBuf,
    /// The identity of the folder being watched; `None` while it is missing.
    watched: Option<Identity>,
}

impl WatchLoop {
    fn run(&mut self, rx: &mpsc::Receiver<Signal>, on_reload: &impl Fn(Outcome)) {
        // (first event, last event) of the burst being waited out.
        let mut burst: Option<(Instant, Instant)> = None;
        let mut recheck: Option<Instant> = None;
        let mut next_poll = Instant::now() + self.options.identity_poll;
        let mut root_moved = false;
        loop {
            let mut wake = next_poll;
            if let Some((first, last)) = burst {
                wake = wake.min((last + self.options.debounce).min(first + self.options.max_wait));
            }
            if let Some(at) = recheck {
                wake = wake.min(at);
            }
            match rx.recv_timeout(wake.saturating_duration_since(Instant::now())) {
                Ok(Signal::Changed) => {
                    let now = Instant::now();
                    burst = Some(burst.map_or((now, now), |(first, _)| (first, now)));
                }
                Ok(Signal::RootMoved) => {
                    // Check now, whatever the folder's identity says: a folder deleted and
                    // made again can come back with the same inode number.
                    root_moved = true;
                    next_poll = Instant::now();
                }
                Ok(Signal::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            let now = Instant::now();
            let due = burst.is_some_and(|(first, last)| {
                now >= last + self.options.debounce || now >= first + self.options.max_wait
            }) || recheck.is_some_and(|at| now >= at);
            if now >= next_poll || due {
                next_poll = now + self.options.identity_poll;
                if self.rearm_if_replaced(std::mem::take(&mut root_moved)) {
                    // A new folder: load it once it has settled.
                    burst = Some(burst.map_or((now, now), |(first, _)| (first, now)));
                    continue;
                }
            }
            if !due {
                continue;
            }
            burst = None;
            recheck = None;
            if self.watched.is_none() {
                // The folder is gone: keep serving; it is loaded when it comes back.
                continue;
            }
            tracing::info!(target: "nimbus::bank", "bank files changed; reloading");
            let outcome = self.live.reload_watched();
            if let Outcome::Held {
                applies_at: Some(at),
                ..
            } = &outcome
            {
                // A little past the due time, so the re-check finds the hold over.
                let wait = at.duration_since(SystemTime::now()).unwrap_or_default();
                recheck = Some(Instant::now() + wait + Duration::from_millis(50));
            }
            on_reload(outcome);
        }
    }

    /// Re-arms the watch when the bank folder is not the one watched any more (deleted,
    /// restored, renamed over, a symlink switched), or when `moved` says the watched folder
    /// went away; returns whether it did. Logged, so a watcher never goes quiet without a word.
    fn rearm_if_replaced(&mut self, moved: bool) -> bool {
        let now = identity(&self.root);
        if now == self.watched && !(moved && now.is_some()) {
            return false;
        }
        // The old watch may be gone with its folder; failing to remove it is expected.
        let _ = self.watcher.unwatch(&self.root);
        match now {
            None => {
                tracing::warn!(target: "nimbus::bank", folder = %self.root.display(), "the bank folder is gone; still serving the last bank, and waiting for the folder to come back");
                self.watched = None;
            }
            Some(identity) => match self.watcher.watch(&self.root, RecursiveMode::Recursive) {
                Ok(()) => {
                    tracing::info!(target: "nimbus::bank", folder = %self.root.display(), "the bank folder was replaced (restored, renamed over or relinked); watching the new one");
                    self.watched = Some(identity);
                }
                Err(error) => {
                    tracing::warn!(target: "nimbus::bank", folder = %self.root.display(), %error, "cannot watch the new bank folder yet; retrying");
                    self.watched = None;
                    return false;
                }
            },
        }
        true
    }
}

/// What makes a folder the same folder: its device and inode on Unix (a folder renamed into
/// place has a new one), its real path elsewhere.
#[cfg(unix)]
type Identity = (u64, u64);
#[cfg(not(unix))]
type Identity = PathBuf;

#[cfg(unix)]
fn identity(dir: &Path) -> Option<Identity> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(dir)
        .ok()
        .filter(std::fs::Metadata::is_dir)
        .map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(dir: &Path) -> Option<Identity> {
    std::fs::canonicalize(dir).ok().filter(|p| p.is_dir())
}

/// The bank folder as event paths may spell it: absolute, and with symlinks resolved.
#[derive(Debug, Clone)]
struct Roots(Vec<PathBuf>);

impl Roots {
    fn of(dir: &Path) -> Roots {
        let mut roots = vec![dir.to_path_buf()];
        roots.extend(std::path::absolute(dir).ok());
        roots.extend(std::fs::canonicalize(dir).ok());
        Roots(roots)
    }

    /// Whether an event says the bank folder itself was removed or renamed.
    fn moved(&self, event: &notify::Event) -> bool {
        matches!(
            event.kind,
            EventKind::Remove(_) | EventKind::Modify(notify::event::ModifyKind::Name(_))
        ) && event
            .paths
            .iter()
            .any(|p| self.0.iter().any(|root| p == root))
    }
}

/// Whether a file event may change the bank: reads, editor scratch files and anything under a
/// folder whose name starts with `.` (`.git`, which the loader skips as well) cannot.
fn is_relevant(event: &notify::Event, roots: &Roots) -> bool {
    use notify::event::{AccessKind, AccessMode};
    match event.kind {
        // A file written and closed: the clearest sign a save finished.
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => {}
        EventKind::Access(_) => return false,
        _ => {}
    }
    event.paths.is_empty() || event.paths.iter().any(|path| !is_ignored(path, roots))
}

/// Whether a path inside the bank is one the loader never reads.
fn is_ignored(path: &Path, roots: &Roots) -> bool {
    let relative = roots.0.iter().find_map(|root| path.strip_prefix(root).ok());
    let hidden = |c: std::path::Component<'_>| c.as_os_str().to_string_lossy().starts_with('.');
    let in_hidden_folder = match relative {
        Some(relative) => relative.components().any(hidden),
        // Not under the root as we know it: judge by the name alone.
        None => path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.')),
    };
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    in_hidden_folder
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.starts_with('#')
        // Vim's probe file, written to test whether the folder is writable.
        || name == "4913"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    const LANGUAGES: &str = r#"
[[language]]
code = "en"
name = "English"
locales = ["en-US", "en-GB"]
[language.strings]
sources = "Sources"
translation_label = "Translation"
not_sure = "I'm not sure."
suggestions = "Did you mean:"
closest = "Closest:"
nothing_related = "Nothing relates."
share = "Share"
shared_by = "Shared by {who}"
reviewed = "Reviewed"
timeline = "Timeline"
not_found = "Not found."
recently_shared = "This was just shared here."
share_limit = "You have shared a lot recently."
not_allowed = "Only moderators can do that."
internal_error = "Sorry, something went wrong."
fallback_language = "Not available in this language."
help = "Ask me about Project Nimbus."
confidence_high = "high"
confidence_medium = "medium"
confidence_low = "low"
quote_said = "—"
published_translation = "As translated by {by}, from {language}"
translation_of_translation = "Our translation of that translation"
translation_short = "translation"
language_names = { en = "English" }
"#;

    fn answer(body: &str) -> String {
        format!(
            r#"
[[source]]
id = "src-one"
outlet = "Example"
title = "A page"
url = "https://example.org/page"
published = "2022-07"
language = "en"
confidence = "high"

[[answer]]
id = "what-is-nimbus"
category = "contract"
reviewed = "2026-01-01"
sources = ["src-one"]
title = {{ en = "What is Project Nimbus?" }}
body = {{ en = "{body}" }}
"#
        )
    }

    /// A second answer, in its own file unless stated otherwise.
    fn other_answer(aliases: &str) -> String {
        format!(
            r#"
[[answer]]
id = "other"
category = "contract"
reviewed = "2026-01-01"
sources = ["src-one"]
title = {{ en = "Another answer" }}
body = {{ en = "Another body." }}
{aliases}
"#
        )
    }

    fn bank_dir(body: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("_languages.toml"), LANGUAGES).expect("write");
        std::fs::write(dir.path().join("answers.toml"), answer(body)).expect("write");
        dir
    }

    fn body_of(bank: &Bank) -> String {
        bank.answer("what-is-nimbus")
            .expect("answer")
            .body
            .get("en")
            .cloned()
            .unwrap_or_default()
    }

    fn live(dir: &Path) -> LiveBank {
        let options = LoadOptions::from_config(&Config::default());
        LiveBank::load(dir, options).unwrap_or_else(|d| {
            panic!(
                "fixture bank should load: {}",
                d.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
    }

    #[test]
    fn good_reload_swaps() {
        let dir = bank_dir("first version");
        let live = live(dir.path());
        assert!(body_of(&live.bank()).contains("first version"));
        std::fs::write(dir.path().join("answers.toml"), answer("second version")).expect("write");
        let outcome = live.reload();
        assert!(matches!(outcome, Outcome::Swapped { .. }), "{outcome:?}");
        assert!(body_of(&live.bank()).contains("second version"));
        let status = live.status();
        assert_eq!(status.reloads, 1);
        assert!(status.last_error.is_none());
    }

    #[test]
    fn an_installed_load_is_served_like_a_reload_and_a_broken_one_is_kept_out() {
        let dir = bank_dir("first version");
        let live = live(dir.path());
        let options = LoadOptions::from_config(&Config::default());
        std::fs::write(dir.path().join("answers.toml"), answer("installed")).expect("write");
        let outcome = live.install(bank::load(dir.path(), &options));
        assert!(matches!(outcome, Outcome::Swapped { .. }), "{outcome:?}");
        assert!(body_of(&live.bank()).contains("installed"));
        assert_eq!(live.status().reloads, 1);
        std::fs::write(dir.path().join("answers.toml"), "[[answer]]\nid = 1\n").expect("write");
        let outcome = live.install(bank::load(dir.path(), &options));
        assert!(matches!(outcome, Outcome::Kept { .. }), "{outcome:?}");
        assert!(
            body_of(&live.bank()).contains("installed"),
            "the old bank stays"
        );
    }

    #[test]
    fn broken_edit_keeps_old_bank_and_records_errors() {
        let dir = bank_dir("first version");
        let live = live(dir.path());
        std::fs::write(
            dir.path().join("answers.toml"),
            "[[answer]]\nid = \"x\"\nsourse = 1\n",
        )
        .expect("write");
        let outcome = live.reload();
        let Outcome::Kept { errors } = outcome else {
            panic!("a broken bank must not be swapped in: {outcome:?}");
        };
        assert!(!errors.is_empty());
        assert!(
            errors.iter().any(|e| e.contains("answers.toml:")),
            "{errors:?}"
        );
        assert!(body_of(&live.bank()).contains("first version"));
        let status = live.status();
        let last = status.last_error.expect("status records the error");
        assert_eq!(last.errors, errors);
        assert_eq!(status.reloads, 0);

        // A later good edit clears the error.
        std::fs::write(dir.path().join("answers.toml"), answer("fixed")).expect("write");
        assert!(matches!(live.reload(), Outcome::Swapped { .. }));
        assert!(live.status().last_error.is_none());
    }

    #[test]
    fn reader_holding_old_arc_keeps_a_whole_bank() {
        let dir = bank_dir("first version");
        let live = live(dir.path());
        let held = live.bank();
        std::fs::write(dir.path().join("answers.toml"), answer("second version")).expect("write");
        assert!(matches!(live.reload(), Outcome::Swapped { .. }));
        // The old Arc still answers from the old bank, whole.
        assert!(body_of(&held).contains("first version"));
        assert_eq!(held.answers.len(), 1);
        assert_eq!(held.sources.len(), 1);
        assert!(body_of(&live.bank()).contains("second version"));
    }

    #[test]
    fn watcher_reloads_after_a_burst_of_writes() {
        let dir = bank_dir("first version");
        let live = Arc::new(live(dir.path()));
        let (tx, rx) = mpsc::channel();
        let _guard = watch(
            Arc::clone(&live),
            Duration::from_millis(200),
            move |outcome| {
                let _ = tx.send(outcome);
            },
        )
        .expect("watch");
        // Several writes in quick succession, as an editor makes; the last one is valid.
        for step in ["partial", "[[answer]\n", "third"] {
            let text = if step == "[[answer]\n" {
                step.to_string()
            } else {
                answer(step)
            };
            std::fs::write(dir.path().join("answers.toml"), text).expect("write");
            std::thread::sleep(Duration::from_millis(20));
        }
        let outcome = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("a reload happens");
        assert!(matches!(outcome, Outcome::Swapped { .. }), "{outcome:?}");
        assert!(body_of(&live.bank()).contains("third"));
        // The burst coalesced: no second reload follows.
        assert!(rx.recv_timeout(Duration::from_millis(600)).is_err());
    }

    fn event(path: &str) -> notify::Event {
        notify::Event::new(EventKind::Modify(notify::event::ModifyKind::Any))
            .add_path(PathBuf::from(path))
    }

    #[test]
    fn editor_scratch_files_are_ignored() {
        let roots = Roots(vec![PathBuf::from("/bank")]);
        let created = notify::Event::new(EventKind::Create(notify::event::CreateKind::File))
            .add_path(PathBuf::from("/bank/.answers.toml.swp"));
        assert!(!is_relevant(&created, &roots));
        for path in ["/bank/answers.toml~", "/bank/4913", "/bank/#answers.toml#"] {
            assert!(!is_relevant(&event(path), &roots), "{path}");
        }
        assert!(is_relevant(&event("/bank/answers.toml"), &roots));
    }

    /// `git commit` in a bank kept in git writes under `.git/` only: no reload. A bank that
    /// itself sits under a dot-folder (`~/.config/nimbus/bank`) still reloads.
    #[test]
    fn changes_under_hidden_folders_are_ignored() {
        let roots = Roots(vec![PathBuf::from("/home/me/.config/bank")]);
        for path in [
            "/home/me/.config/bank/.git/objects/ab/cdef0123",
            "/home/me/.config/bank/.git/index",
            "/home/me/.config/bank/topics/.cache/x.toml",
        ] {
            assert!(!is_relevant(&event(path), &roots), "{path}");
        }
        assert!(is_relevant(
            &event("/home/me/.config/bank/topics/answers.toml"),
            &roots
        ));
        let read = notify::Event::new(EventKind::Access(notify::event::AccessKind::Read))
            .add_path(PathBuf::from("/home/me/.config/bank/answers.toml"));
        assert!(!is_relevant(&read, &roots));
    }

    fn two_answer_bank() -> tempfile::TempDir {
        let dir = bank_dir("first version");
        std::fs::write(dir.path().join("other.toml"), other_answer("")).expect("write");
        dir
    }

    /// A file emptied by a save in progress: valid, fewer answers. The watcher holds it and
    /// the old bank keeps answering; only `/bank reload` applies it.
    #[test]
    fn an_emptied_file_is_held_until_a_moderator_confirms() {
        let dir = two_answer_bank();
        let live = live(dir.path()).with_hold(Duration::ZERO);
        std::fs::write(dir.path().join("other.toml"), "").expect("truncate");
        let outcome = live.reload_watched();
        let Outcome::Held {
            removed,
            applies_at,
            first,
        } = outcome
        else {
            panic!("an emptied file must be held: {outcome:?}");
        };
        assert!(first);
        assert_eq!(applies_at, None, "an emptied file waits for /bank reload");
        assert!(
            removed.contains("other.toml") && removed.contains("answer `other`"),
            "{removed}"
        );
        assert_eq!(live.bank().answers.len(), 2, "the old bank still answers");
        let held = live.status().held.expect("status shows the held change");
        assert_eq!(held.removed, removed);
        // Even with a zero hold, the watcher never applies it.
        assert!(matches!(
            live.reload_watched(),
            Outcome::Held { first: false, .. }
        ));
        assert_eq!(live.bank().answers.len(), 2);

        let confirmed = live.reload();
        assert!(
            matches!(&confirmed, Outcome::Swapped { removed: Some(r), .. } if r.contains("answer `other`")),
            "{confirmed:?}"
        );
        assert_eq!(live.bank().answers.len(), 1);
        assert!(live.status().held.is_none());
    }

    /// A deliberate deletion is held too, then applies once the files have stayed unchanged
    /// for the hold time; a change to the files in between starts the wait again.
    #[test]
    fn a_removal_applies_once_the_files_stay_unchanged() {
        let dir = two_answer_bank();
        let live = live(dir.path()).with_hold(Duration::from_millis(200));
        // answers.toml keeps its source: only the answer goes, no file is emptied.
        let source_only = answer("")
            .split("[[answer]]")
            .next()
            .expect("source part")
            .to_owned();
        std::fs::write(dir.path().join("answers.toml"), &source_only).expect("write");
        let first = live.reload_watched();
        let Outcome::Held {
            applies_at: Some(at),
            first: true,
            ..
        } = first
        else {
            panic!("a removal is held: {first:?}");
        };
        assert!(at > SystemTime::now() - Duration::from_secs(1));
        assert_eq!(live.bank().answers.len(), 2);
        let deadline = Instant::now() + Duration::from_secs(10);
        let applied = loop {
            match live.reload_watched() {
                Outcome::Held { first: false, .. } => {}
                other => break other,
            }
            assert!(Instant::now() < deadline, "the hold never ended");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(
            matches!(&applied, Outcome::Swapped { removed: Some(r), .. } if r.contains("what-is-nimbus")),
            "{applied:?}"
        );
        assert_eq!(live.bank().answers.len(), 1);
    }

    #[test]
    fn a_change_of_files_restarts_the_hold() {
        let dir = two_answer_bank();
        let live = live(dir.path()).with_hold(Duration::from_secs(3600));
        std::fs::write(dir.path().join("other.toml"), "# nothing\n").expect("write");
        assert!(matches!(
            live.reload_watched(),
            Outcome::Held { first: true, .. }
        ));
        assert!(matches!(
            live.reload_watched(),
            Outcome::Held { first: false, .. }
        ));
        std::fs::write(dir.path().join("other.toml"), "# still nothing\n").expect("write");
        assert!(matches!(
            live.reload_watched(),
            Outcome::Held { first: true, .. }
        ));
        // Restored: nothing is lost any more, so it swaps at once and the hold is gone.
        std::fs::write(dir.path().join("other.toml"), other_answer("")).expect("write");
        assert!(matches!(
            live.reload_watched(),
            Outcome::Swapped { removed: None, .. }
        ));
        assert!(live.status().held.is_none());
    }

    /// A save cut off inside an entry can leave it valid with its last fields missing.
    #[test]
    fn an_answer_losing_its_aliases_is_held_but_gaining_some_is_not() {
        let dir = bank_dir("first version");
        std::fs::write(
            dir.path().join("other.toml"),
            other_answer("aliases = { en = [\"second one\"] }"),
        )
        .expect("write");
        let live = live(dir.path()).with_hold(Duration::from_secs(3600));
        std::fs::write(dir.path().join("other.toml"), other_answer("")).expect("write");
        let outcome = live.reload_watched();
        assert!(
            matches!(&outcome, Outcome::Held { removed, .. } if removed.contains("shortened: answer `other`")),
            "{outcome:?}"
        );
        std::fs::write(
            dir.path().join("other.toml"),
            other_answer("aliases = { en = [\"second one\", \"third\"] }"),
        )
        .expect("write");
        assert!(matches!(
            live.reload_watched(),
            Outcome::Swapped { removed: None, .. }
        ));
    }

    fn quick_watch(live: &Arc<LiveBank>) -> (WatchGuard, mpsc::Receiver<Outcome>) {
        let (tx, rx) = mpsc::channel();
        let options = WatchOptions {
            debounce: Duration::from_millis(150),
            max_wait: Duration::from_millis(600),
            identity_poll: Duration::from_millis(100),
        };
        let guard = watch_with(Arc::clone(live), options, move |outcome| {
            let _ = tx.send(outcome);
        })
        .expect("watch");
        (guard, rx)
    }

    /// Polls (deadline 10 s) until the served answer's body contains `text`.
    #[track_caller]
    fn wait_for_body(live: &LiveBank, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !body_of(&live.bank()).contains(text) {
            assert!(
                Instant::now() < deadline,
                "`{text}` never went live; serving `{}`",
                body_of(&live.bank())
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A file rewritten every 40 ms without pause: the debounce alone would wait for ever.
    #[test]
    fn continuous_writes_do_not_starve_the_reload() {
        let dir = bank_dir("first version");
        let live = Arc::new(live(dir.path()));
        let (_guard, rx) = quick_watch(&live);
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writer = {
            let stop = Arc::clone(&stop);
            let path = dir.path().join("answers.toml");
            std::thread::spawn(move || {
                let until = Instant::now() + Duration::from_secs(10);
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::SeqCst) && Instant::now() < until {
                    n += 1;
                    std::fs::write(&path, answer(&format!("version {n}"))).expect("write");
                    std::thread::sleep(Duration::from_millis(40));
                }
            })
        };
        let outcome = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("a reload happens");
        let still_writing = !writer.is_finished();
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        writer.join().expect("writer");
        assert!(
            still_writing,
            "the reload came only after the writes stopped ({outcome:?})"
        );
    }

    /// Deploy scripts swap the folder: `mv bank bank.old && mv bank.new bank`, or delete it
    /// and restore it. The watch must follow the path, not the old folder.
    #[test]
    fn the_watch_follows_a_folder_renamed_over_or_deleted_and_restored() {
        let parent = tempfile::tempdir().expect("tempdir");
        let bank = parent.path().join("bank");
        let fixture = bank_dir("first version");
        let copy = |to: &Path, body: &str| {
            std::fs::create_dir_all(to).expect("mkdir");
            std::fs::copy(
                fixture.path().join("_languages.toml"),
                to.join("_languages.toml"),
            )
            .expect("copy");
            std::fs::write(to.join("answers.toml"), answer(body)).expect("write");
        };
        copy(&bank, "first version");
        let live = Arc::new(live(&bank));
        let (_guard, _rx) = quick_watch(&live);

        copy(&parent.path().join("bank.new"), "second version");
        std::fs::rename(&bank, parent.path().join("bank.old")).expect("move old away");
        std::fs::rename(parent.path().join("bank.new"), &bank).expect("move new in");
        wait_for_body(&live, "second version");
        // The old folder is not watched any more: editing it changes nothing.
        std::fs::write(parent.path().join("bank.old/answers.toml"), answer("stale"))
            .expect("write");

        std::fs::remove_dir_all(&bank).expect("delete");
        copy(&bank, "third version");
        wait_for_body(&live, "third version");
        // And the restored folder is watched: an ordinary edit goes live.
        std::fs::write(bank.join("answers.toml"), answer("fourth version")).expect("write");
        wait_for_body(&live, "fourth version");
    }

    #[test]
    fn loss_names_what_goes_and_which_files_were_emptied() {
        let loss = Loss {
            gone: (0..7).map(|i| format!("answer `a{i}`")).collect(),
            shortened: vec!["quote `q`".into()],
            emptied: vec![PathBuf::from("bank/x.toml")],
        };
        let text = loss.describe();
        assert!(
            text.starts_with("left with no entries: bank/x.toml; gone: answer `a0`"),
            "{text}"
        );
        assert!(text.contains("and 2 more; shortened: quote `q`"), "{text}");
        assert!(Loss::default().is_empty());
    }
}
