//! Editing the bank without Discord: the same calls the Discord adapter makes (open a form,
//! submit, preview, publish, history, revert, remove, archive), on a copy of the shipped bank.
//! These are the "dozen lines of glue" a command-line editor would need.

use std::path::{Path, PathBuf};

use nimbus_bot::bank::{self, Bank};
use nimbus_bot::edit::files::BankFiles;
use nimbus_bot::edit::{Editor, History, Kind, Op, Pending, Refusal};

use crate::{copy_dir, options, responses_dir};

struct Setup {
    _dir: tempfile::TempDir,
    bank: PathBuf,
    state: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let bank = dir.path().join("responses");
    copy_dir(&responses_dir(), &bank);
    let state = dir.path().join("state");
    Setup {
        bank,
        state,
        _dir: dir,
    }
}

fn editor(s: &Setup) -> Editor {
    let history = History::detect(&s.bank, s.state.join("history.jsonl"));
    Editor::new(&s.bank, options(), history, 64 * 1024)
}

fn live(dir: &Path) -> Bank {
    let loaded = bank::load(dir, &options());
    let problems: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
    loaded
        .bank
        .unwrap_or_else(|| panic!("the bank loads: {problems:#?}"))
}

fn typed(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The value a form field shows.
fn shown(pending: &Pending, field: &str) -> String {
    let (_, fields) = pending.form().expect("a form");
    fields
        .iter()
        .find(|(f, _)| f.id == field)
        .map(|(_, v)| (*v).to_owned())
        .unwrap_or_else(|| panic!("no field {field}"))
}

/// Every entry except `id`, by file, as values: what a change must leave alone.
fn others(dir: &Path, id: &str) -> Vec<(PathBuf, String, toml::Table)> {
    BankFiles::read(dir)
        .expect("read")
        .files
        .into_iter()
        .flat_map(|f| {
            let path = f.relative.clone();
            f.entries
                .into_iter()
                .filter(|e| e.id != id)
                .map(move |e| (path.clone(), e.id, e.value))
        })
        .collect()
}

/// Publishes with the editor recorded as `tester`, failing the test on a refusal.
fn publish(editor: &Editor, pending: &Pending) -> nimbus_bot::edit::Published {
    editor
        .publish(pending, Some("tester".into()), None)
        .unwrap_or_else(|r| panic!("publish refused: {r:?}"))
}

#[test]
fn every_shipped_entry_opens_in_every_language_and_an_untouched_form_changes_nothing() {
    let s = setup();
    let bank = live(&s.bank);
    let files = BankFiles::read(&s.bank).expect("read");
    let mut opened = 0;
    for file in &files.files {
        for entry in &file.entries {
            for lang in ["en", "ar"] {
                let mut pending = Editor::open_in(&files, &bank, &entry.id, Some(lang))
                    .unwrap_or_else(|e| panic!("{} ({lang}): {e}", entry.id));
                let (title, fields) = pending.form().expect("form");
                assert!(title.chars().count() <= 45, "{title}");
                let values: Vec<(String, String)> = fields
                    .iter()
                    .map(|(f, v)| (f.id.to_owned(), (*v).to_owned()))
                    .collect();
                pending.submit(&values);
                let Op::Form(form) = &pending.op else {
                    panic!("a form")
                };
                assert_eq!(
                    form.changes(),
                    Err(vec!["nothing changed: every field is as it was".to_owned()]),
                    "{} ({lang}): reading a form back must change nothing",
                    entry.id
                );
                opened += 1;
            }
        }
    }
    assert!(opened > 300, "{opened} forms");
}

#[test]
fn an_edit_of_each_kind_keeps_every_other_byte_and_loads_back() {
    let s = setup();
    let editor = editor(&s);
    let cases: [(&str, &str, &str, &str); 4] = [
        ("nimbus-value", "ar", "body", "نص جديد للجواب.\nوسطر ثانٍ."),
        (
            "seed-ice-gloss",
            "en",
            "translation",
            "A new translation, the bank's own.",
        ),
        ("crn-nimbus-2021", "ar", "outlet", "سي آر إن"),
        (
            "ev-2018-aws-summit-protest",
            "en",
            "text",
            "Protests at the AWS Summit in New York.",
        ),
    ];
    for (id, lang, field, value) in cases {
        let bank = live(&s.bank);
        let before = BankFiles::read(&s.bank).expect("read");
        let (file, entry) = before.find(id).expect("entry");
        let (path, text, range) = (
            file.relative.clone(),
            file.text.clone(),
            entry.range.clone(),
        );
        let untouched = others(&s.bank, id);

        let mut pending = editor.open(&bank, id, Some(lang)).expect("open");
        pending.submit(&typed(&[(field, value)]));
        let preview = editor.preview(&pending);
        assert_eq!(preview.errors, 0, "{id}: {:?}", preview.problems);
        assert!(
            preview.diff.contains(&format!("+++ b/{}", path.display())),
            "{}",
            preview.diff
        );
        let published = publish(&editor, &pending);
        assert_eq!(published.files, std::slice::from_ref(&path));

        let after = std::fs::read_to_string(s.bank.join(&path)).expect("read");
        assert_eq!(
            &after[..range.start],
            &text[..range.start],
            "{id}: bytes before"
        );
        let tail = text.len() - range.end;
        assert_eq!(
            &after[after.len() - tail..],
            &text[range.end..],
            "{id}: bytes after"
        );
        assert_eq!(others(&s.bank, id), untouched, "{id}: every other entry");
        let bank = live(&s.bank);
        let reopened = editor.open(&bank, id, Some(lang)).expect("reopen");
        assert_eq!(
            shown(&reopened, field),
            value,
            "{id}: the new value reads back"
        );
    }
    // The Arabic body kept its """ block and its final newline; English was not touched.
    let bank = live(&s.bank);
    let answer = bank.answer("nimbus-value").expect("answer");
    assert_eq!(answer.body["ar"], "نص جديد للجواب.\nوسطر ثانٍ.\n");
    assert!(answer.body["en"].starts_with("The initial investment was 4 billion shekels"));
    let source = bank.source("crn-nimbus-2021").expect("source");
    assert_eq!(source.outlet.get("ar"), "سي آر إن");
    assert_eq!(
        source.outlet.get("en"),
        "CRN",
        "a single name became per-language, keeping it"
    );
}

#[test]
fn adding_then_removing_an_answer_gives_back_the_file_byte_for_byte() {
    let s = setup();
    let editor = editor(&s);
    let bank = live(&s.bank);
    let original = std::fs::read_to_string(s.bank.join("contract.toml")).expect("read");
    let mut pending = editor.open_new(&bank, Kind::Answer, None).expect("new");
    assert!(shown(&pending, "details").contains("reviewed: 2026-11-28"));
    pending.submit(&typed(&[
        ("id", "nimbus-test-answer"),
        ("title", "What does the test ask?"),
        ("aliases", "test question one\ntest question two"),
        ("body", "A body that \"quotes\" and says @everyone.\nOn two lines."),
        (
            "details",
            "sources: crn-nimbus-2021, globes-2021-04-21\nquotes: crn-value\ncategory: contract\ntags: test\nreviewed: 2026-11-28\npinned: no",
        ),
    ]));
    let preview = editor.preview(&pending);
    assert_eq!(preview.errors, 0, "{:?}", preview.problems);
    assert!(
        preview.problems.iter().any(|p| p.contains("no `ar` text")),
        "warnings about the new entry are shown: {:?}",
        preview.problems
    );
    let published = publish(&editor, &pending);
    assert_eq!(published.summary, "add answer nimbus-test-answer (en)");
    assert_eq!(
        published.files,
        [PathBuf::from("contract.toml")],
        "the file of its category"
    );
    let added = std::fs::read_to_string(s.bank.join("contract.toml")).expect("read");
    assert!(
        added.starts_with(&original),
        "the file only grew at the end"
    );
    assert!(added.ends_with(
        "[answer.body]\nen = \"\"\"\nA body that \"quotes\" and says @everyone.\nOn two lines.\"\"\"\n"
    ), "{}", &added[original.len()..]);
    let bank = live(&s.bank);
    let answer = bank.answer("nimbus-test-answer").expect("added");
    assert_eq!(
        answer.aliases["en"],
        ["test question one", "test question two"]
    );
    assert_eq!(bank.sources[answer.sources[1]].id, "globes-2021-04-21");

    let pending = editor.remove(&bank, "nimbus-test-answer").expect("remove");
    assert!(editor.preview(&pending).removes);
    publish(&editor, &pending);
    let removed = std::fs::read_to_string(s.bank.join("contract.toml")).expect("read");
    assert_eq!(removed, original, "add then remove is no change at all");
}

#[test]
fn a_new_quote_must_be_in_its_source_archive_which_can_be_attached() {
    let s = setup();
    let editor = editor(&s);
    let bank = live(&s.bank);
    let words = "The cloud sites will keep the government and military data within Israel’s borders, a newer copy says.";
    let mut pending = editor
        .open_new(&bank, Kind::Quote, Some("en"))
        .expect("new");
    pending.submit(&typed(&[
        ("id", "crn-newer-copy"),
        ("text", words),
        ("speaker", "CRN"),
        ("role", "Technology news site"),
        ("details", "source: crn-nimbus-2021\ndate: 2021-04"),
    ]));
    let preview = editor.preview(&pending);
    assert!(preview.errors > 0);
    assert!(
        preview
            .problems
            .iter()
            .any(|p| p.contains("does not appear in the archive of source `crn-nimbus-2021`")),
        "{:?}",
        preview.problems
    );
    assert_eq!(
        editor
            .publish(&pending, None, None)
            .err()
            .map(|r| matches!(r, Refusal::Invalid(_))),
        Some(true)
    );

    // The archive gets the newer text; then the quote is verifiable.
    let archive = s.bank.join("archive/crn-nimbus-2021.txt");
    let old = std::fs::read_to_string(&archive).expect("read");
    let upload = format!("{old}\n{words}\n");
    let attach = editor
        .archive("crn-nimbus-2021", upload.as_bytes())
        .expect("archive");
    let preview = editor.preview(&attach);
    assert_eq!(preview.errors, 0, "{:?}", preview.problems);
    publish(&editor, &attach);
    assert_eq!(std::fs::read_to_string(&archive).expect("read"), upload);

    let preview = editor.preview(&pending);
    assert_eq!(preview.errors, 0, "{:?}", preview.problems);
    publish(&editor, &pending);
    let bank = live(&s.bank);
    let quote = bank.quote("crn-newer-copy").expect("added");
    assert_eq!(quote.text, words);
    assert_eq!(quote.language, "en");
    assert_eq!(quote.speaker["en"], "CRN");
}

#[test]
fn archive_uploads_must_be_plain_utf8_text_within_the_limit() {
    let s = setup();
    let editor = editor(&s);
    for (bytes, expected) in [
        (vec![0xff, 0xfe, 0x41], "not plain UTF-8"),
        (b"text\0with a nul".to_vec(), "control character"),
        (vec![b'a'; 64 * 1024 + 1], "at most 65536 bytes"),
        (b"  \n".to_vec(), "empty"),
    ] {
        let error = editor
            .archive("crn-nimbus-2021", &bytes)
            .expect_err("refused");
        assert!(error.to_string().contains(expected), "{error}");
    }
    assert!(editor.archive("no-such-source", b"text").is_err());
    assert!(
        editor.archive("crn-value", b"text").is_err(),
        "a quote is not a source"
    );
}

#[test]
fn a_source_without_an_archive_gets_one_in_the_archive_folder() {
    let s = setup();
    let editor = editor(&s);
    let bank = live(&s.bank);
    let id = bank
        .sources
        .iter()
        .map(|x| x.id.clone())
        .find(|id| {
            let files = BankFiles::read(&s.bank).expect("read");
            let (_, e) = files.find(id).expect("entry");
            !e.value.contains_key("archive")
        })
        .expect("a source with no archive");
    let pending = editor
        .archive(&id, "Some words of the page.\n".as_bytes())
        .expect("archive");
    let published = publish(&editor, &pending);
    let expected = PathBuf::from(format!("archive/{id}.txt"));
    assert!(published.files.contains(&expected), "{:?}", published.files);
    assert!(published.files.contains(&PathBuf::from("sources.toml")));
    let files = BankFiles::read(&s.bank).expect("read");
    let (_, entry) = files.find(&id).expect("entry");
    assert_eq!(
        entry.value["archive"].as_str(),
        Some(format!("archive/{id}.txt").as_str())
    );
    live(&s.bank);
}

#[test]
fn a_change_made_meanwhile_is_never_overwritten() {
    let s = setup();
    let editor = editor(&s);
    let bank = live(&s.bank);
    let mut pending = editor.open(&bank, "nimbus-value", None).expect("open");
    pending.submit(&typed(&[("title", "How much is Nimbus worth?")]));
    assert_eq!(editor.preview(&pending).errors, 0);

    // Someone edits a different entry of the same file by hand: no conflict, and their edit stays.
    let path = s.bank.join("contract.toml");
    let text = std::fs::read_to_string(&path).expect("read");
    let hand = text.replace("ما هو مشروع نمبوس؟", "ما هو مشروع نمبوس بالضبط؟");
    assert_ne!(hand, text);
    std::fs::write(&path, &hand).expect("hand edit");
    let mut other = pending.clone();
    // Now the entry itself is changed by hand.
    let hand2 = hand.replace(
        "en = \"How much is the Nimbus contract worth?\"",
        "en = \"How much is the Nimbus contract worth, in total?\"",
    );
    assert_ne!(hand2, hand);
    std::fs::write(&path, &hand2).expect("hand edit");
    assert!(editor.preview(&pending).conflict);
    assert!(matches!(
        editor.publish(&pending, None, None),
        Err(Refusal::Conflict)
    ));
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        hand2,
        "nothing written"
    );

    // Starting again from the current version works, and keeps both hand edits.
    let bank = live(&s.bank);
    other = editor.reopen(&bank, &other).expect("reopen");
    assert_eq!(
        shown(&other, "title"),
        "How much is the Nimbus contract worth, in total?"
    );
    other.submit(&typed(&[("title", "How much is Nimbus worth?")]));
    publish(&editor, &other);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains("ما هو مشروع نمبوس بالضبط؟"));
    assert!(text.contains("en = \"How much is Nimbus worth?\""));
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn revert_restores(s: &Setup) {
    let editor = editor(s);
    let id = "what-is-notechforapartheid";
    let files = BankFiles::read(&s.bank).expect("read");
    let (file, entry) = files.find(id).expect("entry");
    let original_entry = file.slice(entry).to_owned();
    let original_file = file.text.clone();

    let bank = live(&s.bank);
    let mut first = editor.open(&bank, id, Some("ar")).expect("open");
    first.submit(&typed(&[(
        "title",
        "ما هي حملة لا تكنولوجيا للفصل العنصري؟",
    )]));
    let one = publish(&editor, &first);
    let bank = live(&s.bank);
    let mut second = editor.open(&bank, id, None).expect("open");
    second.submit(&typed(&[(
        "aliases",
        "no tech for apartheid\nnotechforapartheid",
    )]));
    let two = publish(&editor, &second);

    let changes = editor.changes(id, 10).expect("history");
    assert_eq!(
        changes.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
        [two.change.clone(), one.change.clone()],
        "newest first"
    );
    assert_eq!(changes[1].lang.as_deref(), Some("ar"));
    assert_eq!(changes[0].editor.as_deref(), Some("tester"));

    // Back to before the first change: the entry as it was, byte for byte.
    let revert = editor.revert(id, &one.change).expect("revert");
    assert!(matches!(revert.op, Op::Restore { .. }));
    assert_eq!(editor.preview(&revert).errors, 0);
    publish(&editor, &revert);
    let text = std::fs::read_to_string(s.bank.join(file.relative.clone())).expect("read");
    assert_eq!(text, original_file);
    let files = BankFiles::read(&s.bank).expect("read");
    let (file, entry) = files.find(id).expect("entry");
    assert_eq!(file.slice(entry), original_entry);
    assert_eq!(editor.changes(id, 10).expect("history").len(), 3);
    assert!(editor.revert(id, "not-a-change").is_err());
    assert!(
        editor.revert("nimbus-value", &one.change).is_err(),
        "a change to another entry"
    );
}

#[test]
fn the_history_file_records_and_reverts_without_git() {
    let s = setup();
    assert!(matches!(editor(&s).history(), History::File { .. }));
    revert_restores(&s);
    let lines = std::fs::read_to_string(s.state.join("history.jsonl")).expect("history file");
    assert_eq!(lines.lines().count(), 3);
    let first: serde_json::Value =
        serde_json::from_str(lines.lines().next().expect("line")).expect("json");
    assert_eq!(first["editor"], "tester");
    assert_eq!(first["action"], "edit");
    assert!(first["before"]
        .as_str()
        .is_some_and(|b| b.starts_with("[[answer]]")));
}

#[test]
fn git_records_one_commit_per_change_and_reverts() {
    if std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_err()
    {
        return; // no git here; the history-file test covers the same flow
    }
    let s = setup();
    let root = s.bank.parent().expect("parent").to_path_buf();
    git(&root, &["init", "-q"]);
    git(
        &root,
        &["-c", "user.name=t", "-c", "user.email=t@t", "add", "."],
    );
    git(
        &root,
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qm",
            "start",
        ],
    );
    assert!(matches!(editor(&s).history(), History::Git { .. }));
    revert_restores(&s);
    let log = git(&root, &["log", "--format=%s%n%b%x1e"]);
    let commits: Vec<&str> = log
        .split('\u{1e}')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(commits.len(), 4, "{log}");
    assert!(
        commits[2].starts_with("bank: edit answer what-is-notechforapartheid (ar)"),
        "{log}"
    );
    assert!(commits[2].contains("Edited-by: tester"), "{log}");
    assert!(commits[0].contains("Bank-Action: revert"), "{log}");
    assert!(
        !log.contains("not yet committed"),
        "the tree was clean: {log}"
    );
    assert_eq!(
        git(&root, &["status", "--porcelain"]),
        "",
        "everything committed"
    );
    assert!(
        !s.state.join("history.jsonl").exists(),
        "git is the history"
    );
}

#[test]
fn removal_is_refused_while_other_entries_refer_to_it() {
    let s = setup();
    let editor = editor(&s);
    let bank = live(&s.bank);
    let error = editor
        .remove(&bank, "crn-nimbus-2021")
        .expect_err("refused");
    let text = error.to_string();
    assert!(
        text.contains("answer what-is-nimbus") && text.contains("quote crn-value"),
        "{text}"
    );
    assert!(editor.remove(&bank, "no-such-entry").is_err());
}

#[test]
fn typed_text_cannot_escape_the_bank_or_its_toml() {
    let s = setup();
    let editor = editor(&s);
    let bank = live(&s.bank);
    let before_files: Vec<PathBuf> = BankFiles::read(&s.bank)
        .expect("read")
        .files
        .into_iter()
        .map(|f| f.relative)
        .collect();
    for id in ["../evil", "Evil", "a/b", "-x", ""] {
        let mut pending = editor.open_new(&bank, Kind::Event, None).expect("new");
        pending.submit(&typed(&[
            ("id", id),
            ("text", "x"),
            ("date", "2024"),
            ("sources", "crn-nimbus-2021"),
        ]));
        let preview = editor.preview(&pending);
        assert!(preview.errors > 0, "id `{id}` accepted");
        assert!(editor.publish(&pending, None, None).is_err());
    }
    // A category that is not a file name sends a new answer to answers.toml, and text shaped
    // like TOML stays text.
    let mut pending = editor.open_new(&bank, Kind::Answer, None).expect("new");
    let sneaky = "x\"\"\"\n\n[[answer]]\nid = \"injected\"\n";
    pending.submit(&typed(&[
        ("id", "fine-id"),
        ("title", "A fine title"),
        ("body", sneaky),
        (
            "details",
            "sources: crn-nimbus-2021\ncategory: ../../etc\nreviewed: 2026-11-28",
        ),
    ]));
    let preview = editor.preview(&pending);
    assert_eq!(preview.errors, 0, "{:?}", preview.problems);
    let published = publish(&editor, &pending);
    assert_eq!(published.files, [PathBuf::from("answers.toml")]);
    let bank = live(&s.bank);
    assert!(bank.answer("injected").is_none());
    assert_eq!(
        bank.answer("fine-id").expect("added").body["en"],
        sneaky.trim()
    );
    let after: Vec<PathBuf> = BankFiles::read(&s.bank)
        .expect("read")
        .files
        .into_iter()
        .map(|f| f.relative)
        .collect();
    assert_eq!(after.len(), before_files.len() + 1);

    // Control characters and unknown details keys are problems, not content.
    let mut pending = editor.open(&bank, "nimbus-value", None).expect("open");
    pending.submit(&typed(&[
        ("title", "bell\u{7}"),
        ("details", "sourse: crn-nimbus-2021"),
    ]));
    let preview = editor.preview(&pending);
    assert_eq!(preview.errors, 2, "{:?}", preview.problems);
    assert!(
        preview.problems[1].contains("did you mean `sources`"),
        "{:?}",
        preview.problems
    );
}

#[test]
fn quote_provenance_is_edited_like_any_other_field_and_checked_the_same() {
    let s = setup();
    let editor = editor(&s);
    let bank = live(&s.bank);
    // The translation form (English, for an Arabic quote) edits who published the translation.
    let mut pending = editor
        .open(&bank, "seed-campaign-may-2021", Some("en"))
        .expect("open");
    assert_eq!(shown(&pending, "translated_by"), "the Arabic seed article");
    pending.submit(&typed(&[(
        "translated_by",
        "the Arabic news article (the seed)",
    )]));
    let preview = editor.preview(&pending);
    assert_eq!(preview.errors, 0, "{:?}", preview.problems);
    publish(&editor, &pending);
    let files = BankFiles::read(&s.bank).expect("read");
    let (_, entry) = files.find("seed-campaign-may-2021").expect("entry");
    assert_eq!(
        entry.value["translated_by"]["en"].as_str(),
        Some("the Arabic news article (the seed)")
    );
    assert_eq!(
        entry.value["translated_by"]["ar"].as_str(),
        Some("المقال العربي")
    );

    // Its own form shows provenance in the details; a translation with no spoken language is
    // refused by the same check as in the files.
    let bank = live(&s.bank);
    let pending = editor
        .open(&bank, "seed-campaign-may-2021", None)
        .expect("open");
    let details = shown(&pending, "details");
    assert!(details.contains("provenance: translated"), "{details}");
    assert!(details.contains("original: campaign-bombed"), "{details}");
    let mut pending = pending;
    pending.submit(&typed(&[(
        "details",
        &details.replace("spoken_language: en", "spoken_language:"),
    )]));
    let preview = editor.preview(&pending);
    assert!(preview.errors > 0, "{:?}", preview.problems);
    assert!(
        preview
            .problems
            .iter()
            .any(|p| p.contains("spoken_language")),
        "{:?}",
        preview.problems
    );
}

#[test]
fn editing_an_answer_keeps_its_example_questions_byte_for_byte() {
    // The forms do not show examples: an edit of the title, aliases and body around them must
    // leave the `[answer.examples]` table exactly as the moderator wrote it.
    let s = setup();
    let editor = editor(&s);
    let id = "nimbus-value";
    let examples_of = |dir: &Path| -> String {
        let files = BankFiles::read(dir).expect("read");
        let (file, entry) = files.find(id).expect("entry");
        let text = &file.text[entry.range.clone()];
        let start = text
            .find("[answer.examples]")
            .expect("the answer lists examples");
        let len = text[start..].find("\n\n").expect("a blank line after them");
        text[start..start + len].to_owned()
    };
    let before = examples_of(&s.bank);
    let listed = |bank: &Bank| -> Vec<(String, String)> {
        let answer = bank.answer(id).expect("answer");
        answer
            .examples
            .iter()
            .map(|e| (e.lang.clone(), e.text.clone()))
            .collect()
    };
    let bank = live(&s.bank);
    let examples = listed(&bank);
    assert!(
        examples.iter().any(|(lang, _)| lang == "en"),
        "{examples:?}"
    );
    assert!(
        examples.iter().any(|(lang, _)| lang == "ar"),
        "{examples:?}"
    );

    for (lang, fields) in [
        (
            "en",
            [
                ("title", "How much is Nimbus worth, in shekels and dollars?"),
                ("aliases", "nimbus price tag\nnimbus contract value"),
                ("body", "A new body.\nOn two lines."),
            ],
        ),
        (
            "ar",
            [
                ("title", "ما قيمة عقد نمبوس بالشيكل والدولار؟"),
                ("aliases", "سعر نمبوس\nقيمة صفقة نمبوس"),
                ("body", "نص جديد."),
            ],
        ),
    ] {
        let bank = live(&s.bank);
        let mut pending = editor.open(&bank, id, Some(lang)).expect("open");
        pending.submit(&typed(&fields));
        let preview = editor.preview(&pending);
        assert_eq!(preview.errors, 0, "{lang}: {:?}", preview.problems);
        publish(&editor, &pending);
        assert_eq!(examples_of(&s.bank), before, "{lang}: the examples' bytes");
    }
    let bank = live(&s.bank);
    assert_eq!(listed(&bank), examples);
    let answer = bank.answer(id).expect("answer");
    assert_eq!(answer.aliases["ar"], ["سعر نمبوس", "قيمة صفقة نمبوس"]);
    assert_eq!(answer.body["en"], "A new body.\nOn two lines.\n");
}
