//! The loader against hostile or unlucky files: FIFOs, symlinks out of the bank, oversized files,
//! unreadable folders, odd extensions, bytes that are not UTF-8, byte-order marks, emptied files.
//! Each case names the file and position it reports, and none may hang or read without end.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use nimbus_bot::bank::{load, Diagnostic, LoadOptions, Loaded};

use crate::{copy_dir, fixture_dir, options};

/// A copy of the fixture bank in a temporary folder (the bank is `bank/` inside it, so a test
/// can put files "outside the bank" beside it).
fn bank_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let bank = dir.path().join("bank");
    copy_dir(&fixture_dir(), &bank);
    (dir, bank)
}

/// Loads on another thread and fails (rather than hangs) if the load does not finish.
fn load_within(bank: &Path, options: LoadOptions) -> Loaded {
    let (tx, rx) = mpsc::channel();
    let bank = bank.to_path_buf();
    std::thread::spawn(move || {
        let _ = tx.send(load(&bank, &options));
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the load finishes instead of hanging")
}

fn shown(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics.iter().map(ToString::to_string).collect()
}

/// The one diagnostic about `file` (a path ending), failing with everything otherwise.
#[track_caller]
fn about<'a>(loaded: &'a Loaded, file: &str) -> &'a Diagnostic {
    let found: Vec<&Diagnostic> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.path.ends_with(file))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one diagnostic about {file}: {:#?}",
        shown(&loaded.diagnostics)
    );
    found[0]
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

#[cfg(unix)]
#[test]
fn a_fifo_named_toml_is_skipped_with_a_warning() {
    let (_dir, bank) = bank_copy();
    mkfifo(&bank.join("pipe.toml"));
    let loaded = load_within(&bank, options());
    let d = about(&loaded, "pipe.toml");
    assert!(!d.is_error(), "{d}");
    assert!(d.message.contains("not a regular file"), "{d}");
    assert!(loaded.bank.is_some(), "{:#?}", shown(&loaded.diagnostics));
}

#[cfg(unix)]
#[test]
fn a_fifo_as_archive_is_an_error_not_a_hang() {
    let (_dir, bank) = bank_copy();
    let archive = bank.join("archive/guardian-2021-10-12.txt");
    std::fs::remove_file(&archive).expect("remove archive");
    mkfifo(&archive);
    let loaded = load_within(&bank, options());
    let d = about(&loaded, "starter.toml");
    assert!(d.is_error(), "{d}");
    assert!(d.message.contains("guardian-2021-10-12.txt"), "{d}");
    assert!(loaded.bank.is_none());
}

#[cfg(unix)]
#[test]
fn a_symlink_to_dev_zero_is_skipped() {
    let (_dir, bank) = bank_copy();
    std::os::unix::fs::symlink("/dev/zero", bank.join("zero.toml")).expect("symlink");
    let loaded = load_within(&bank, options());
    let d = about(&loaded, "zero.toml");
    assert!(!d.is_error(), "{d}");
    assert!(d.message.contains("inside the bank folder"), "{d}");
    assert!(loaded.bank.is_some());
}

/// `archive/x.txt -> /outside/file` must not let a quote "verify" against a file outside the
/// bank: that turned `/bank status` into an oracle for any file the bot can read.
#[cfg(unix)]
#[test]
fn an_archive_symlink_out_of_the_bank_is_refused() {
    let (dir, bank) = bank_copy();
    let archive = bank.join("archive/guardian-2021-10-12.txt");
    let outside = dir.path().join("secret.txt");
    std::fs::copy(&archive, &outside).expect("copy the archive outside the bank");
    std::fs::remove_file(&archive).expect("remove archive");
    std::os::unix::fs::symlink(&outside, &archive).expect("symlink");
    let loaded = load_within(&bank, options());
    assert!(loaded.bank.is_none(), "{:#?}", shown(&loaded.diagnostics));
    let d = about(&loaded, "starter.toml");
    assert!(d.is_error());
    assert!(
        d.message.contains("guardian-2021-10-12.txt")
            && d.message.contains("not a file inside the bank folder"),
        "{d}"
    );
    // The same words whether the target exists or not: the message reveals nothing outside.
    std::fs::remove_file(&outside).expect("remove outside file");
    let again = load_within(&bank, options());
    assert_eq!(about(&again, "starter.toml").message, d.message);
}

/// An archive symlink that stays inside the bank is an ordinary archive.
#[cfg(unix)]
#[test]
fn an_archive_symlink_inside_the_bank_is_followed() {
    let (_dir, bank) = bank_copy();
    let archive = bank.join("archive/guardian-2021-10-12.txt");
    std::fs::rename(&archive, bank.join("archive/real.txt")).expect("rename");
    std::os::unix::fs::symlink("real.txt", &archive).expect("symlink");
    let loaded = load_within(&bank, options());
    assert!(
        loaded.diagnostics.is_empty(),
        "{:#?}",
        shown(&loaded.diagnostics)
    );
}

/// A link that cannot be followed is not "outside the bank": it says what is wrong with it.
#[cfg(unix)]
#[test]
fn a_dangling_or_looping_symlink_is_named_for_what_it_is() {
    let (_dir, bank) = bank_copy();
    std::os::unix::fs::symlink(bank.join("gone.toml"), bank.join("dangling.toml"))
        .expect("symlink");
    std::os::unix::fs::symlink(bank.join("loop-b.toml"), bank.join("loop-a.toml"))
        .expect("symlink");
    std::os::unix::fs::symlink(bank.join("loop-a.toml"), bank.join("loop-b.toml"))
        .expect("symlink");
    let loaded = load_within(&bank, options());
    let d = about(&loaded, "dangling.toml");
    assert!(!d.is_error(), "{d}");
    assert!(d.message.contains("target does not exist"), "{d}");
    for name in ["loop-a.toml", "loop-b.toml"] {
        let d = about(&loaded, name);
        assert!(!d.is_error(), "{d}");
        assert!(d.message.contains("cannot be followed"), "{d}");
        assert!(!d.message.contains("inside the bank"), "{d}");
    }
    assert!(loaded.bank.is_some());
}

/// Symlinked `.toml` files and folders follow one rule: read when they lead inside the bank,
/// skipped with a warning naming them when they lead outside.
#[cfg(unix)]
#[test]
fn symlinks_out_of_the_bank_are_skipped_and_reported_files_and_folders_alike() {
    let (dir, bank) = bank_copy();
    let outside = dir.path().join("elsewhere");
    std::fs::create_dir(&outside).expect("mkdir");
    std::fs::write(outside.join("more.toml"), "").expect("write");
    std::os::unix::fs::symlink(&outside, bank.join("linked-folder")).expect("symlink");
    std::os::unix::fs::symlink(outside.join("more.toml"), bank.join("linked.toml"))
        .expect("symlink");
    let loaded = load_within(&bank, options());
    for name in ["linked-folder", "linked.toml"] {
        let d = about(&loaded, name);
        assert!(!d.is_error(), "{d}");
        assert!(d.message.contains("inside the bank folder"), "{d}");
    }
    assert!(loaded.bank.is_some());
}

#[cfg(unix)]
#[test]
fn a_symlinked_folder_inside_the_bank_is_read_once() {
    let (_dir, bank) = bank_copy();
    let topics = bank.join("topics");
    std::fs::create_dir(&topics).expect("mkdir");
    std::fs::rename(bank.join("starter.toml"), topics.join("starter.toml")).expect("move");
    std::os::unix::fs::symlink("topics", bank.join("alias")).expect("symlink");
    let loaded = load_within(&bank, options());
    assert!(loaded.bank.is_some(), "{:#?}", shown(&loaded.diagnostics));
    // Read once: no duplicate-id errors, and the second route is reported.
    let d = about(&loaded, "alias");
    assert!(d.message.contains("already read"), "{d}");
}

#[test]
fn upper_case_toml_extension_is_loaded() {
    let (_dir, bank) = bank_copy();
    std::fs::rename(bank.join("starter.toml"), bank.join("STARTER.TOML")).expect("rename");
    let loaded = load_within(&bank, options());
    let bank = loaded.bank.expect("loads");
    assert!(bank.answer("what-is-nimbus").is_some());
}

#[test]
fn a_byte_that_is_not_utf8_is_reported_at_its_line_and_column() {
    let (_dir, bank) = bank_copy();
    let mut bytes = b"# fine\n\n[[answer]]\nid = \"caf".to_vec();
    bytes.push(0xff);
    bytes.extend_from_slice(b"\"\n");
    std::fs::write(bank.join("zz.toml"), bytes).expect("write");
    let loaded = load_within(&bank, options());
    let d = about(&loaded, "zz.toml");
    assert!(d.is_error());
    assert_eq!((d.line, d.col), (4, 10), "{d}");
    assert!(d.message.contains("UTF-8"), "{d}");
}

#[test]
fn a_lone_carriage_return_is_named_where_the_parser_gives_no_words() {
    let (_dir, bank) = bank_copy();
    std::fs::write(bank.join("zz.toml"), "# c\rx = 1\n").expect("write");
    let loaded = load_within(&bank, options());
    let d = about(&loaded, "zz.toml");
    assert!(d.is_error());
    assert_eq!((d.line, d.col), (1, 4), "{d}");
    assert!(d.message.contains("carriage return"), "{d}");
}

#[test]
fn many_problems_in_one_file_are_each_located() {
    let (_dir, bank) = bank_copy();
    // One unknown entry kind per line (each located through the file's line index).
    let text: String = (0..20_000).map(|i| format!("k{i} = 1\n")).collect();
    std::fs::write(bank.join("zz.toml"), &text).expect("write");
    let loaded = load_within(&bank, options());
    let about_it: Vec<&Diagnostic> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.path.ends_with("zz.toml"))
        .collect();
    assert!(about_it.len() >= 20_000, "{}", about_it.len());
    assert!(about_it
        .iter()
        .any(|d| (d.line, d.col) == (20_000, 1) && d.message.contains("`k19999`")));
}

#[test]
fn a_control_character_in_text_is_an_error() {
    let (_dir, bank) = bank_copy();
    let path = bank.join("starter.toml");
    let text = std::fs::read_to_string(&path).expect("read");
    let needle = "[answer.title]\nen = \"";
    let at = text.find(needle).expect("an answer title") + needle.len();
    let text = format!("{}\\u001b[2J{}", &text[..at], &text[at..]);
    std::fs::write(&path, text).expect("write");
    let loaded = load_within(&bank, options());
    assert!(loaded.bank.is_none());
    let d = about(&loaded, "starter.toml");
    assert!(d.message.contains("U+001B"), "{d}");

    // A source's title is shown too (a text that may be given per language).
    let (_dir, bank) = bank_copy();
    let path = bank.join("starter.toml");
    let text = std::fs::read_to_string(&path).expect("read");
    let needle = "title = \"We are Google";
    let at = text.find(needle).expect("a source title") + "title = \"".len();
    let text = format!("{}\\u0007{}", &text[..at], &text[at..]);
    std::fs::write(&path, text).expect("write");
    let loaded = load_within(&bank, options());
    assert!(loaded.bank.is_none());
    let d = about(&loaded, "starter.toml");
    assert!(
        d.message
            .contains("source title holds the control character U+0007"),
        "{d}"
    );
}

/// Text that would show something other than what is written: a direction override reverses
/// what follows, a letter under dozens of marks spills over its neighbours (errors); a
/// Markdown link shows words in place of its address (a warning). Arabic's own marks pass.
#[test]
fn text_that_disguises_itself_is_caught() {
    let body = "en = \"Project Nimbus is";
    let edit = |insert: &str| {
        let (dir, bank) = bank_copy();
        let path = bank.join("starter.toml");
        let text = std::fs::read_to_string(&path).expect("read");
        let at = text.find(body).expect("a body") + "en = \"".len();
        std::fs::write(&path, format!("{}{insert}{}", &text[..at], &text[at..])).expect("write");
        let loaded = load_within(&bank, options());
        (dir, loaded)
    };
    let (_d, loaded) = edit("\\u202Egro.live ");
    assert!(loaded.bank.is_none());
    assert!(about(&loaded, "starter.toml")
        .message
        .contains("direction override U+202E"));
    let (_d, loaded) = edit(&format!("a{} ", "\u{0301}".repeat(40)));
    assert!(loaded.bank.is_none());
    assert!(about(&loaded, "starter.toml")
        .message
        .contains("stacks 40 marks"));
    let (_d, loaded) = edit("[the facts](https://example.org/x) ");
    assert!(loaded.bank.is_some(), "a warning only");
    let d = about(&loaded, "starter.toml");
    assert!(d.message.contains("Markdown link"), "{d}");
    // Shadda and a vowel on one letter, as Arabic writes them.
    let (_d, loaded) = edit("مُحَمَّدٌ ");
    assert!(loaded.bank.is_some());
    assert!(
        !loaded
            .diagnostics
            .iter()
            .any(|d| d.path.ends_with("starter.toml")),
        "{:?}",
        loaded.diagnostics
    );
}

#[test]
fn a_byte_order_mark_does_not_shift_columns_on_line_one() {
    let (_dir, bank) = bank_copy();
    std::fs::write(bank.join("zz.toml"), "\u{feff}[[answer]\nid = \"x\"\n").expect("write");
    let loaded = load_within(&bank, options());
    let d = about(&loaded, "zz.toml");
    // Without the mark this error is at 1:9 (see validate::toml_syntax_error).
    assert_eq!((d.line, d.col), (1, 9), "{d}");
}

#[test]
fn an_emptied_file_is_a_warning() {
    let (_dir, bank) = bank_copy();
    std::fs::write(bank.join("zz-empty.toml"), "").expect("write");
    std::fs::write(bank.join("zz-comments.toml"), "# nothing yet\n\n").expect("write");
    let loaded = load_within(&bank, options());
    for name in ["zz-empty.toml", "zz-comments.toml"] {
        let d = about(&loaded, name);
        assert!(!d.is_error(), "{d}");
        assert_eq!((d.line, d.col), (1, 1));
        assert!(d.message.contains("no entries"), "{d}");
    }
    assert!(loaded.bank.is_some());
}

#[test]
fn a_file_over_the_size_limit_is_an_error() {
    let (_dir, bank) = bank_copy();
    let size = std::fs::metadata(bank.join("starter.toml"))
        .expect("meta")
        .len();
    let mut options = options();
    options.limits.file_bytes = size - 1;
    let loaded = load_within(&bank, options);
    assert!(loaded.bank.is_none());
    let d = about(&loaded, "starter.toml");
    assert!(d.is_error() && d.message.contains("larger than"), "{d}");
}

#[test]
fn a_bank_over_the_total_limit_is_refused() {
    let (_dir, bank) = bank_copy();
    let mut options = options();
    options.limits.bank_bytes = 10_000;
    let loaded = load_within(&bank, options);
    assert!(loaded.bank.is_none());
    let errors: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    assert!(
        errors.iter().any(|e| e.contains("max_bank_mb")),
        "{errors:#?}"
    );
}

/// `nimbus-bot check` as a user who cannot read one sub-folder (a root-owned `lost+found` on a
/// mount): the folder is skipped with a warning naming it, and the rest of the bank checks.
/// Run as `nobody` when the tests run as root, since root reads any folder.
#[cfg(unix)]
#[test]
fn an_unreadable_sub_folder_is_skipped_with_a_warning_naming_it() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;

    let (dir, bank) = bank_copy();
    let lost = bank.join("lost+found");
    std::fs::create_dir(&lost).expect("mkdir");
    std::fs::write(lost.join("x.txt"), "").expect("write");
    for folder in [dir.path(), bank.as_path(), &bank.join("archive")] {
        std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    std::fs::set_permissions(&lost, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_nimbus-bot"));
    command
        .args(["check", "--bank"])
        .arg(&bank)
        .env_remove("NIMBUS_CONFIG")
        .current_dir(dir.path());
    // Root reads any folder: run as `nobody` then.
    let uid = std::process::Command::new("id")
        .arg("-u")
        .output()
        .expect("id -u");
    if String::from_utf8_lossy(&uid.stdout).trim() == "0" {
        command.uid(65_534).gid(65_534);
    }
    let out = command.output().expect("run nimbus-bot check");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    std::fs::set_permissions(&lost, std::fs::Permissions::from_mode(0o755)).expect("chmod back");
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    let warning = stdout
        .lines()
        .find(|l| l.contains("lost+found"))
        .unwrap_or_else(|| panic!("no line names lost+found:\n{stdout}"));
    assert!(
        warning.contains("warning") && warning.contains("cannot read"),
        "{warning}"
    );
    assert!(stdout.lines().any(|l| l.starts_with("ok: ")), "{stdout}");
}
