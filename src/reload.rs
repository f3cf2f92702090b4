//! The live bank: the bank being served, swapped atomically when a reload validates, kept when
//! it does not, plus a debounced watcher that reloads when the bank's files change.
//!
//! Readers take an `Arc<Bank>` and keep a whole, consistent bank for as long as they hold it;
//! a reload never empties or half-fills what is served (a broken edit leaves the old bank live).

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use notify::{EventKind, RecursiveMode, Watcher};

use crate::bank::{self, Bank, Diagnostic, LoadOptions};

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
    },
    /// The folder has errors; the previous bank is still served. One entry per problem.
    Kept {
        /// Every diagnostic (errors and warnings) as `Diagnostic`'s Display prints it.
        errors: Vec<String>,
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
}

/// A reload that was refused because the bank had errors.
#[derive(Debug, Clone)]
pub struct ReloadError {
    /// When it was attempted.
    pub at: SystemTime,
    /// The problems, one `path:line:col: error: message` entry each.
    pub errors: Vec<String>,
}

/// The bank being served and how it got there.
pub struct LiveBank {
    current: ArcSwap<Bank>,
    dir: PathBuf,
    options: LoadOptions,
    status: Mutex<Status>,
    /// Serialises reloads so a slow old load can never overwrite a newer one.
    reloading: Mutex<()>,
}

impl std::fmt::Debug for LiveBank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveBank").field("dir", &self.dir).finish()
    }
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
        };
        Ok(LiveBank {
            current: ArcSwap::from_pointee(bank),
            dir: dir.to_path_buf(),
            options,
            status: Mutex::new(status),
            reloading: Mutex::new(()),
        })
    }

    /// The bank to answer from. Hold the `Arc` for one whole answer so it is consistent.
    pub fn bank(&self) -> Arc<Bank> {
        self.current.load_full()
    }

    /// The bank folder being served.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Loads and validates the whole folder; swaps it in only if it has no errors.
    ///
    /// Blocking (reads files): call it from a blocking context.
    pub fn reload(&self) -> Outcome {
        let _one_at_a_time = lock(&self.reloading);
        let loaded = bank::load(&self.dir, &self.options);
        let lines: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
        match loaded.bank {
            Some(bank) => {
                let summary = bank.summary();
                self.current.store(Arc::new(bank));
                let mut status = lock(&self.status);
                status.loaded_at = SystemTime::now();
                status.summary = summary.clone();
                status.last_error = None;
                status.reloads += 1;
                tracing::info!(target: "nimbus::bank", summary = %summary, "bank reloaded");
                for warning in &lines {
                    tracing::warn!(target: "nimbus::bank", problem = %warning, "bank warning");
                }
                Outcome::Swapped {
                    summary,
                    warnings: lines,
                }
            }
            None => {
                for error in &lines {
                    tracing::error!(target: "nimbus::bank", problem = %error, "bank reload refused; keeping the previous bank");
                }
                lock(&self.status).last_error = Some(ReloadError {
                    at: SystemTime::now(),
                    errors: lines.clone(),
                });
                Outcome::Kept { errors: lines }
            }
        }
    }

    /// A copy of the current status.
    pub fn status(&self) -> Status {
        lock(&self.status).clone()
    }
}

/// Locks a mutex even if a panicking thread poisoned it: the data (a status record, a unit) is
/// always left consistent, so serving on is safe.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Keeps a bank folder watched; dropping it stops the watching thread.
pub struct WatchGuard {
    _watcher: notify::RecommendedWatcher,
}

impl std::fmt::Debug for WatchGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WatchGuard")
    }
}

/// Default quiet time before a burst of file events becomes one reload: editors often write a
/// file in several steps (truncate, write, rename), and reloading mid-way would report errors
/// that are not really there.
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// Watches the bank folder recursively and reloads after `debounce` of quiet following a
/// change; `on_reload` receives each outcome (the Discord side posts errors to moderators).
pub fn watch(
    live: Arc<LiveBank>,
    debounce: Duration,
    on_reload: impl Fn(Outcome) + Send + 'static,
) -> notify::Result<WatchGuard> {
    let (tx, rx) = mpsc::channel::<()>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        match event {
            Ok(event) if is_relevant(&event) => {
                // The receiver only goes away when the guard is dropped; nothing to do then.
                let _ = tx.send(());
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(target: "nimbus::bank", %error, "bank watcher error"),
        }
    })?;
    watcher.watch(live.dir(), RecursiveMode::Recursive)?;
    std::thread::Builder::new()
        .name("bank-watch".into())
        .spawn(move || {
            // Each outer recv is the first event of a burst; the inner loop swallows the rest.
            while rx.recv().is_ok() {
                loop {
                    match rx.recv_timeout(debounce) {
                        Ok(()) => continue,
                        Err(mpsc::RecvTimeoutError::Timeout) => break,
                        Err(mpsc::RecvTimeoutError::Disconnected) => return,
                    }
                }
                tracing::info!(target: "nimbus::bank", "bank files changed; reloading");
                on_reload(live.reload());
            }
        })
        .map_err(notify::Error::io)?;
    Ok(WatchGuard { _watcher: watcher })
}

/// Whether a file event may change the bank: reads and editor scratch files cannot.
fn is_relevant(event: &notify::Event) -> bool {
    if matches!(event.kind, EventKind::Access(_)) {
        return false;
    }
    event.paths.is_empty()
        || event.paths.iter().any(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !(name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp"))
        })
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

    #[test]
    fn editor_scratch_files_are_ignored() {
        let event = notify::Event::new(EventKind::Create(notify::event::CreateKind::File))
            .add_path(PathBuf::from("/bank/.answers.toml.swp"));
        assert!(!is_relevant(&event));
        let event = notify::Event::new(EventKind::Modify(notify::event::ModifyKind::Any))
            .add_path(PathBuf::from("/bank/answers.toml"));
        assert!(is_relevant(&event));
    }
}
