//! The gap log: questions the bot could not answer confidently, so that moderators see what
//! their community asks and the bank does not yet cover.
//!
//! What is kept is deliberately little: the question's text with mentions, links, e-mail
//! addresses and long numbers removed, how many times it was asked, and the first and last
//! *day* it was asked. No user, guild, channel, message or interaction id, no locale, no time
//! of day. Entries older than `retention_days` (by their last day) are dropped, the log holds
//! at most `max_entries`, and `[gaps] enabled = false` turns it off. Recording is a short
//! in-memory step; the file (`gaps.json` in the state folder) is written atomically by
//! [`GapLog::flush`], which the bot runs in the background, never on a reply's path.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::bank::Bank;

/// The longest question text kept, in characters; the rest is cut at a word.
pub const MAX_TEXT_CHARS: usize = 200;

/// The `[gaps]` section of config.toml.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GapSettings {
    /// Record questions the bot could not answer confidently.
    pub enabled: bool,
    /// Forget a question this many days after it was last asked.
    pub retention_days: u32,
    /// At most this many different questions; a new one replaces the least asked, oldest.
    pub max_entries: usize,
}

/// The longest `retention_days` (ten years): the gap log is for what a community asks now.
pub const MAX_RETENTION_DAYS: u32 = 3650;
/// The most `max_entries`: a moderator reads the top of the list, not ten thousand lines.
pub const MAX_ENTRIES: usize = 10_000;
/// The largest gap log file read, in bytes (a full log of `MAX_ENTRIES` is under 10 MB).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

impl GapSettings {
    /// The setting out of range, if any, as (key, message).
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if !(1..=MAX_RETENTION_DAYS).contains(&self.retention_days) {
            return Some((
                "retention_days",
                format!(
                    "retention_days must be from 1 to {MAX_RETENTION_DAYS} (days); to keep no log, set enabled = false"
                ),
            ));
        }
        if !(1..=MAX_ENTRIES).contains(&self.max_entries) {
            return Some((
                "max_entries",
                format!("max_entries must be from 1 to {MAX_ENTRIES}"),
            ));
        }
        None
    }
}

impl Default for GapSettings {
    fn default() -> Self {
        GapSettings {
            enabled: true,
            retention_days: 30,
            max_entries: 1000,
        }
    }
}

/// One question the bot could not answer, as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gap {
    /// The question, scrubbed (see [`scrub`]).
    pub text: String,
    /// How many times it was asked (spellings that fold to the same words count together).
    pub count: u64,
    /// The first day it was asked, `YYYY-MM-DD` (UTC).
    pub first: String,
    /// The last day it was asked, `YYYY-MM-DD` (UTC).
    pub last: String,
}

/// The file's shape: a version, so a later format can be told apart, and the gaps.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct GapFile {
    version: u32,
    gaps: Vec<Gap>,
}

const FILE_VERSION: u32 = 1;

/// The gap log of one running bot.
#[derive(Debug)]
pub struct GapLog {
    settings: GapSettings,
    path: Option<PathBuf>,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Keyed by the folded text, so "Who is Zelda?" and "who is zelda" are one question.
    gaps: HashMap<String, Gap>,
    dirty: bool,
}

impl Inner {
    fn insert(&mut self, gaps: Vec<Gap>) {
        for gap in gaps {
            self.gaps.insert(crate::text::normalize(&gap.text), gap);
        }
    }
}

impl GapLog {
    /// A log kept at `path` (usually `StateDir::gap_log`), starting from what the file holds.
    ///
    /// A missing file is an empty log. An unreadable or malformed one is set aside as an empty
    /// log too, with a warning for the operator: the gap log must never stop the bot.
    pub fn open(path: PathBuf, settings: GapSettings) -> (GapLog, Option<String>) {
        let mut warning = None;
        let mut inner = Inner::default();
        if settings.enabled {
            match crate::fileread::read_capped(&path, MAX_FILE_BYTES) {
                Ok(bytes) => match parse(&bytes) {
                    Ok(gaps) => inner.insert(gaps),
                    Err(e) => {
                        warning = Some(format!(
                            "{}: not a gap log ({e}); starting an empty one",
                            path.display()
                        ))
                    }
                },
                Err(e) if e.is_not_found() => {}
                Err(e) => {
                    warning = Some(format!(
                        "{}: cannot read the gap log ({e}); starting an empty one",
                        path.display()
                    ))
                }
            }
        }
        let log = GapLog {
            settings,
            path: Some(path),
            inner: Mutex::new(inner),
        };
        (log, warning)
    }

    /// A log that keeps nothing in memory or on disk.
    pub fn in_memory(settings: GapSettings) -> GapLog {
        GapLog {
            settings,
            path: None,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Whether questions are recorded at all.
    pub fn enabled(&self) -> bool {
        self.settings.enabled
    }

    /// Records one question the bot could not answer confidently, asked on `today`.
    pub fn record(&self, question: &str, today: time::Date) {
        if !self.settings.enabled || self.settings.max_entries == 0 {
            return;
        }
        let Some(text) = scrub(question) else {
            return;
        };
        let key = crate::text::normalize(&text);
        if key.is_empty() {
            return;
        }
        let day = day_string(today);
        let mut inner = self.lock();
        if let Some(gap) = inner.gaps.get_mut(&key) {
            gap.count = gap.count.saturating_add(1);
            gap.last = day;
        } else {
            if inner.gaps.len() >= self.settings.max_entries {
                // The least asked, then the longest unasked, makes room.
                if let Some(victim) = inner
                    .gaps
                    .iter()
                    .min_by(|a, b| a.1.count.cmp(&b.1.count).then(a.1.last.cmp(&b.1.last)))
                    .map(|(k, _)| k.clone())
                {
                    inner.gaps.remove(&victim);
                }
            }
            inner.gaps.insert(
                key,
                Gap {
                    text,
                    count: 1,
                    first: day.clone(),
                    last: day,
                },
            );
        }
        inner.dirty = true;
    }

    /// The questions kept on `today` (older ones dropped), most asked first, then most recent.
    pub fn list(&self, today: time::Date) -> Vec<Gap> {
        let mut inner = self.lock();
        self.prune(&mut inner, today);
        let mut gaps: Vec<Gap> = inner.gaps.values().cloned().collect();
        gaps.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| b.last.cmp(&a.last))
                .then_with(|| a.text.cmp(&b.text))
        });
        gaps
    }

    /// Writes the log to its file if it changed since the last write (or if entries expired),
    /// atomically: a crash leaves the old file or the new one, never half of one. A disabled
    /// log removes its file, so turning the setting off also forgets what was kept.
    pub fn flush(&self, today: time::Date) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        if !self.settings.enabled {
            return match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            };
        }
        let file = {
            let mut inner = self.lock();
            self.prune(&mut inner, today);
            if !inner.dirty {
                return Ok(());
            }
            inner.dirty = false;
            let mut gaps: Vec<Gap> = inner.gaps.values().cloned().collect();
            gaps.sort_by(|a, b| a.first.cmp(&b.first).then_with(|| a.text.cmp(&b.text)));
            GapFile {
                version: FILE_VERSION,
                gaps,
            }
        };
        let result = write_atomic(path, &file);
        if result.is_err() {
            // Try again at the next flush rather than lose what was recorded.
            self.lock().dirty = true;
        }
        result
    }

    /// Forgets every question, in memory and (at the next flush) on disk.
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.gaps.clear();
        inner.dirty = true;
    }

    fn prune(&self, inner: &mut Inner, today: time::Date) {
        // Checked: settings built in code skip the config's range check.
        let oldest = today
            .checked_sub(time::Duration::days(i64::from(
                self.settings.retention_days,
            )))
            .unwrap_or(time::Date::MIN);
        let oldest = day_string(oldest);
        let before = inner.gaps.len();
        inner.gaps.retain(|_, gap| gap.last >= oldest);
        if inner.gaps.len() != before {
            inner.dirty = true;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data that is still consistent.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Reads a gap log file for `nimbus-bot gaps`: its entries still within `retention_days` on
/// `today`, most asked first. A missing file is an empty log.
pub fn read(path: &Path, settings: &GapSettings, today: time::Date) -> Result<Vec<Gap>, String> {
    let bytes = match crate::fileread::read_capped(path, MAX_FILE_BYTES) {
        Ok(bytes) => bytes,
        Err(e) if e.is_not_found() => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: cannot read the gap log: {e}", path.display())),
    };
    let gaps = parse(&bytes).map_err(|e| {
        format!(
            "{}: not a gap log: {e}\n  hint: the bot writes this file; move it aside and a new one is started",
            path.display()
        )
    })?;
    let log = GapLog::in_memory(settings.clone());
    log.lock().insert(gaps);
    Ok(log.list(today))
}

/// A gap log file's entries, or why this version cannot use them. A date that is not a day
/// would never fall out of retention (days compare as text), so the file is refused instead.
fn parse(bytes: &[u8]) -> Result<Vec<Gap>, String> {
    let file: GapFile = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if file.version != FILE_VERSION {
        return Err(format!(
            "format version {}, and this nimbus-bot reads version {FILE_VERSION}",
            file.version
        ));
    }
    // The entry's number, not its text: messages reach the log, which keeps no question text.
    if let Some(n) = file
        .gaps
        .iter()
        .position(|g| !is_day(&g.first) || !is_day(&g.last) || g.first > g.last)
    {
        return Err(format!(
            "entry {} has dates that are not two days YYYY-MM-DD, first before last",
            n + 1
        ));
    }
    Ok(file.gaps)
}

/// Whether `text` is a real day written `YYYY-MM-DD`, as [`day_string`] writes it.
fn is_day(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !digits(0..4)
        || !digits(5..7)
        || !digits(8..10)
    {
        return false;
    }
    let number = |r: std::ops::Range<usize>| text[r].parse::<u16>().unwrap_or(0);
    let month = u8::try_from(number(5..7))
        .ok()
        .and_then(|m| time::Month::try_from(m).ok());
    let (Some(month), Ok(day)) = (month, u8::try_from(number(8..10))) else {
        return false;
    };
    time::Date::from_calendar_date(i32::from(number(0..4)), month, day).is_ok()
}

/// A question's text as the gap log keeps it: Discord mentions, `@everyone`/`@here`, links,
/// e-mail addresses and handles, and numbers of five or more digits (phone numbers, ids)
/// removed; whitespace folded; lower case; at most [`MAX_TEXT_CHARS`] characters. `None`
/// when nothing is left.
pub fn scrub(question: &str) -> Option<String> {
    let mut kept: Vec<String> = Vec::new();
    for word in question.split_whitespace() {
        let lower = word.to_lowercase();
        let digits = lower.chars().filter(|c| c.is_numeric()).count();
        let private = lower.contains('@')
            || lower.contains("://")
            || lower.starts_with("www.")
            || (lower.starts_with("<#") || lower.starts_with("<@"))
            || digits >= 5;
        if private {
            if kept.last().map(String::as_str) != Some("…") {
                kept.push("…".to_owned());
            }
            continue;
        }
        kept.push(lower);
    }
    // A question that was nothing but removed parts tells moderators nothing.
    if kept.iter().all(|w| w == "…") {
        return None;
    }
    let mut text = String::new();
    for word in kept {
        let extra = usize::from(!text.is_empty()) + word.chars().count();
        if text.chars().count() + extra > MAX_TEXT_CHARS {
            break;
        }
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&word);
    }
    (!text.is_empty()).then_some(text)
}

/// The report `/bank gaps` and `nimbus-bot gaps` show: the most asked questions, each with the
/// entries search now finds nearest, at most `limit` lines and `max_chars` characters.
pub fn report(bank: &Bank, gaps: &[Gap], limit: usize, max_chars: usize) -> String {
    if gaps.is_empty() {
        return "No unanswered questions are recorded.".to_owned();
    }
    let mut text = format!(
        "**Questions the bot could not answer confidently** ({} kept; most asked first)\n",
        gaps.len()
    );
    let mut shown = 0;
    for gap in gaps.iter().take(limit) {
        let line = format!("{}\n", report_line(bank, gap));
        if text.chars().count() + line.chars().count() + 40 > max_chars {
            break;
        }
        text.push_str(&line);
        shown += 1;
    }
    if shown < gaps.len() {
        text.push_str(&format!("… and {} more", gaps.len() - shown));
    }
    text.trim_end().to_owned()
}

/// One line of [`report`]: count, the question (mentions neutralised), its days and the
/// nearest entries.
fn report_line(bank: &Bank, gap: &Gap) -> String {
    let asked = crate::commands::ask(bank, &gap.text);
    let nearest: Vec<String> = asked
        .entry
        .iter()
        .chain(&asked.suggestions)
        .take(3)
        .map(|id| format!("`{id}`"))
        .collect();
    let nearest = if nearest.is_empty() {
        "nothing in the bank".to_owned()
    } else {
        nearest.join(", ")
    };
    let days = if gap.first == gap.last {
        gap.last.clone()
    } else {
        format!("{} – {}", gap.first, gap.last)
    };
    format!(
        "{}× “{}” ({days}) → {nearest}",
        gap.count,
        crate::render::neutralize_mentions(&gap.text)
    )
}

/// Today's date in UTC.
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

fn day_string(day: time::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

fn write_atomic(path: &Path, file: &GapFile) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir)?;
    let json = serde_json::to_vec_pretty(file).map_err(std::io::Error::other)?;
    let tmp = dir.join(format!(".gaps.json.{}.tmp", std::process::id()));
    {
        let mut out = std::fs::File::create(&tmp)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            out.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        out.write_all(&json)?;
        out.sync_all()?;
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn settings() -> GapSettings {
        GapSettings::default()
    }

    #[test]
    fn scrub_removes_mentions_links_addresses_and_long_numbers() {
        let text = scrub(
            "Hey <@123456789012345678> @everyone see https://x.example/a and mail me at a@b.org or call 0501234567, <#998877665544332211> 2021?",
        )
        .expect("text left");
        // Neighbouring removed parts fold into one mark.
        assert_eq!(text, "hey … see … and mail me at … or call … 2021?");
        for id in [
            "123456789012345678",
            "0501234567",
            "a@b.org",
            "https",
            "998877",
        ] {
            assert!(!text.contains(id), "{id} kept in {text:?}");
        }
    }

    #[test]
    fn scrub_keeps_arabic_and_years_and_caps_length() {
        assert_eq!(
            scrub("  متى   وقعت غوغل عقد نمبوس 2021 ").as_deref(),
            Some("متى وقعت غوغل عقد نمبوس 2021")
        );
        let long = "word ".repeat(100);
        let text = scrub(&long).expect("text");
        assert!(text.chars().count() <= MAX_TEXT_CHARS);
        assert!(text.ends_with("word"), "cut at a word: {text:?}");
        assert_eq!(scrub("<@1234567> https://a.b"), None);
        assert_eq!(scrub("   "), None);
    }

    #[test]
    fn the_same_question_counts_once_with_first_and_last_day() {
        let log = GapLog::in_memory(settings());
        log.record("Who is Zelda?", date!(2026 - 12 - 01));
        log.record("who is   zelda?", date!(2026 - 12 - 03));
        log.record("ما هي الخدمة", date!(2026 - 12 - 02));
        let gaps = log.list(date!(2026 - 12 - 03));
        assert_eq!(gaps.len(), 2);
        assert_eq!(gaps[0].text, "who is zelda?");
        assert_eq!(gaps[0].count, 2);
        assert_eq!(gaps[0].first, "2026-12-01");
        assert_eq!(gaps[0].last, "2026-12-03");
    }

    #[test]
    fn old_entries_expire_and_the_log_is_bounded() {
        let log = GapLog::in_memory(GapSettings {
            max_entries: 2,
            retention_days: 30,
            ..settings()
        });
        log.record("old question", date!(2026 - 10 - 01));
        log.record("asked twice", date!(2026 - 11 - 20));
        log.record("asked twice", date!(2026 - 11 - 21));
        // Full: the least asked and oldest ("old question") makes room.
        log.record("new question", date!(2026 - 11 - 22));
        let texts: Vec<String> = log
            .list(date!(2026 - 11 - 22))
            .into_iter()
            .map(|g| g.text)
            .collect();
        assert_eq!(texts, ["asked twice", "new question"]);
        // Kept for 30 days after its last day, gone on the 31st.
        assert_eq!(log.list(date!(2026 - 12 - 21)).len(), 2);
        let left = log.list(date!(2026 - 12 - 22));
        assert_eq!(left.len(), 1, "{left:?}");
        assert_eq!(left[0].text, "new question");
    }

    /// The config refuses such a value; settings built in code must still not panic.
    #[test]
    fn a_retention_longer_than_the_calendar_keeps_everything() {
        let log = GapLog::in_memory(GapSettings {
            retention_days: u32::MAX,
            ..settings()
        });
        log.record("old question", date!(2026 - 10 - 01));
        assert_eq!(log.list(date!(2026 - 12 - 01)).len(), 1);
        assert!(settings().problem().is_none());
        let long = GapSettings {
            retention_days: 4_400_000,
            ..settings()
        };
        assert_eq!(long.problem().map(|(key, _)| key), Some("retention_days"));
    }

    #[test]
    fn disabled_records_nothing_and_removes_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("gaps.json");
        std::fs::write(&path, "{}").expect("write");
        let (log, _) = GapLog::open(
            path.clone(),
            GapSettings {
                enabled: false,
                ..settings()
            },
        );
        log.record("anything", date!(2026 - 12 - 01));
        assert!(log.list(date!(2026 - 12 - 01)).is_empty());
        log.flush(date!(2026 - 12 - 01)).expect("flush");
        assert!(!path.exists(), "turning the log off forgets the file");
    }

    #[test]
    fn the_file_round_trips_and_holds_only_text_count_and_days() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state").join("gaps.json");
        let (log, warning) = GapLog::open(path.clone(), settings());
        assert_eq!(warning, None);
        log.record("who is zelda montes", date!(2026 - 12 - 01));
        log.flush(date!(2026 - 12 - 01)).expect("flush");
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        let gaps = value["gaps"].as_array().expect("gaps");
        let keys: Vec<&str> = gaps[0]
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["count", "first", "last", "text"]);
        let (again, _) = GapLog::open(path.clone(), settings());
        assert_eq!(
            again.list(date!(2026 - 12 - 02)),
            log.list(date!(2026 - 12 - 02))
        );
        assert_eq!(
            read(&path, &settings(), date!(2026 - 12 - 02)).expect("read"),
            log.list(date!(2026 - 12 - 02))
        );
    }

    #[test]
    fn a_broken_file_starts_an_empty_log_with_a_warning() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("gaps.json");
        std::fs::write(&path, "not json").expect("write");
        let (log, warning) = GapLog::open(path, settings());
        assert!(warning.expect("warning").contains("not a gap log"));
        assert!(log.list(date!(2026 - 12 - 01)).is_empty());
    }

    /// A date that is not a day would compare after every real one and never be pruned; a
    /// later format may mean something else by the same fields. Neither is read.
    #[test]
    fn a_file_with_bad_dates_or_another_version_is_not_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("gaps.json");
        let file = |version: u32, first: &str, last: &str| {
            format!(
                r#"{{"version":{version},"gaps":[{{"text":"who is zelda","count":2,"first":"{first}","last":"{last}"}}]}}"#
            )
        };
        let today = date!(2026 - 12 - 01);
        for (text, why) in [
            (file(1, "zzzz", "zzzz"), "entry 1 has dates"),
            (file(1, "2026-02-30", "2026-03-01"), "entry 1 has dates"),
            (file(1, "2026-11-30", "2026-11-29"), "entry 1 has dates"),
            (file(99, "2026-11-29", "2026-11-30"), "format version 99"),
        ] {
            std::fs::write(&path, &text).expect("write");
            let error = read(&path, &settings(), today).expect_err(&text);
            assert!(error.contains(why), "{text}: {error}");
            assert!(!error.contains("zelda"), "{error}");
            let (log, warning) = GapLog::open(path.clone(), settings());
            assert!(warning.expect("warning").contains(why), "{text}");
            assert!(log.list(today).is_empty());
        }
        std::fs::write(&path, file(1, "2026-11-29", "2026-11-30")).expect("write");
        assert_eq!(read(&path, &settings(), today).expect("read").len(), 1);
    }
}
