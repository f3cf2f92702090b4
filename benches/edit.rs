//! Benchmarks of editing from Discord on the shipped bank: opening a form (`/bank edit`), a
//! modal submit to its preview, and Publish to live (publish + the moderator-confirmed reload),
//! with history in git and in the history file. Figures: BENCHMARKS.md.
//!
//! Each step is what the Discord adapter runs off the async threads for one interaction; the
//! network round trips to Discord are not included.

use std::path::{Path, PathBuf};
use std::time::Instant;

use nimbus_bot::bank::{self, LoadOptions};
use nimbus_bot::edit::{Editor, History, Pending};
use nimbus_bot::reload::LiveBank;

const RUNS: usize = 30;

fn main() {
    let (dir, bank_dir) = copy_of_shipped_bank();
    let options = options();
    let history = History::detect(&bank_dir, dir.path().join("state/history.jsonl"));
    let editor = Editor::new(&bank_dir, options.clone(), history, 256 * 1024);
    let bank = bank::load(&bank_dir, &options)
        .bank
        .expect("shipped bank loads");

    // For scale: what a reload costs on this machine now (a preview validates the whole bank).
    let mut load = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        std::hint::black_box(bank::load(&bank_dir, &options).bank.expect("loads"));
        load.push(ms(t));
    }
    report("for scale: load + validate the bank", load);

    let mut open = Vec::new();
    let mut pending = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        pending = Some(
            editor
                .open(&bank, "nimbus-value", Some("ar"))
                .expect("opens"),
        );
        open.push(ms(t));
    }
    report("open form (/bank edit → modal)", open);

    let mut form = pending.expect("opened");
    form.submit(&[(
        "body".to_owned(),
        "نص جديد للجواب في قياس الأداء.".to_owned(),
    )]);
    let mut preview = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let p = editor.preview(&form);
        preview.push(ms(t));
        assert_eq!(p.errors, 0, "{:?}", p.problems);
    }
    report("modal submit → preview", preview);

    // Publish → live, history in the history file, then in git.
    publish_to_live(
        "publish → live (history file)",
        &bank_dir,
        &editor,
        &options,
    );
    let git_dir = tempfile::tempdir().expect("tempdir");
    let git_bank = git_dir.path().join("responses");
    copy_dir(&shipped_dir(), &git_bank);
    if git(git_dir.path(), &["init", "-q"])
        && git(git_dir.path(), &["add", "."])
        && git(
            git_dir.path(),
            &[
                "-c",
                "user.name=b",
                "-c",
                "user.email=b@b",
                "commit",
                "-qm",
                "bank",
            ],
        )
    {
        let history = History::detect(&git_bank, git_dir.path().join("state/history.jsonl"));
        assert!(matches!(history, History::Git { .. }));
        let editor = Editor::new(&git_bank, options.clone(), history, 256 * 1024);
        publish_to_live("publish → live (git)", &git_bank, &editor, &options);
    } else {
        println!("git is not available: the git figure is skipped");
    }
}

/// Publishes alternating bodies (so each publish changes something) and reloads the live bank,
/// timing the publish, the reload and both.
fn publish_to_live(label: &str, dir: &Path, editor: &Editor, options: &LoadOptions) {
    let live = LiveBank::load(dir, options.clone()).expect("live bank");
    let (mut publish, mut reload, mut total) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..RUNS {
        let bank = live.bank();
        let mut form: Pending = editor
            .open(&bank, "nimbus-value", Some("ar"))
            .expect("opens");
        form.submit(&[("body".to_owned(), format!("نص جديد للجواب، النسخة {i}."))]);
        let t = Instant::now();
        let mut published = editor
            .publish(&form, Some("bench".into()), None)
            .expect("publishes");
        publish.push(ms(t));
        let r = Instant::now();
        let outcome = live.install(published.validated.take().expect("validated bank"));
        reload.push(ms(r));
        total.push(ms(t));
        assert!(
            matches!(outcome, nimbus_bot::reload::Outcome::Swapped { .. }),
            "{outcome:?}"
        );
        assert!(live
            .bank()
            .answer("nimbus-value")
            .is_some_and(|a| a.body["ar"].contains(&format!("النسخة {i}."))));
    }
    report(&format!("{label}: publish"), publish);
    report(&format!("{label}: swap in"), reload);
    report(label, total);
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn report(label: &str, mut samples: Vec<f64>) {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    println!(
        "{label:45} p50 {:7.1} ms  p99 {:7.1} ms  max {:7.1} ms",
        at(0.5),
        at(0.99),
        at(1.0)
    );
}

fn options() -> LoadOptions {
    LoadOptions {
        default_language: None,
        stale_after_days: 100_000,
        today: time::macros::date!(2026 - 11 - 28),
        ..LoadOptions::default()
    }
}

fn shipped_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("responses")
}

fn copy_of_shipped_bank() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let bank = dir.path().join("responses");
    copy_dir(&shipped_dir(), &bank);
    (dir, bank)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn git(dir: &Path, args: &[&str]) -> bool {
    std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .is_ok_and(|o| o.status.success())
}
