//! Changing one entry of a file, and writing files safely.
//!
//! An edit parses only the entry's own text (from its header to the next entry) with
//! `toml_edit`, changes values there, and splices the result back: every byte outside the
//! entry is the file's own by construction, and a check afterwards proves that every other
//! entry reads back the same. A removal cuts the entry with the comment lines directly above
//! it; an addition goes at the end of the file. Files are replaced atomically: a temporary
//! file in the same folder, flushed to disk, then renamed over the old one, so neither the
//! bank watcher nor a crash ever sees half a file.

use std::io::Write;
use std::path::Path;

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table};

use super::files::{BankFile, Located};
use super::{EditError, Kind};

/// The file's text with the entry changed by `change`, which edits the entry's table.
pub fn edit(
    file: &BankFile,
    entry: &Located,
    change: impl FnOnce(&mut Table),
) -> Result<String, EditError> {
    let slice = file.slice(entry);
    let mut document: DocumentMut = slice.parse().map_err(|_| unusual(file))?;
    // toml_edit keeps a document's bytes when nothing changes; an entry for which it would not
    // is left to a person rather than risk rewriting what nobody asked to change.
    if document.to_string() != slice {
        return Err(unusual(file));
    }
    let table = document
        .get_mut(entry.kind.table())
        .and_then(Item::as_array_of_tables_mut)
        .filter(|tables| tables.len() == 1)
        .and_then(|tables| tables.get_mut(0))
        .ok_or_else(|| unusual(file))?;
    change(table);
    let replaced = document.to_string();
    let mut text = String::with_capacity(file.text.len() + replaced.len());
    text.push_str(&file.text[..entry.range.start]);
    text.push_str(&replaced);
    text.push_str(&file.text[entry.range.end..]);
    check_others(file, &text, entry.kind, &entry.id, Some(1))?;
    Ok(text)
}

/// The file's text with the entry replaced by `entry_text` (an entry as a previous version of
/// a file had it, for a revert).
pub fn replace(file: &BankFile, entry: &Located, entry_text: &str) -> Result<String, EditError> {
    let mut text = String::with_capacity(file.text.len() + entry_text.len());
    text.push_str(&file.text[..entry.range.start]);
    text.push_str(entry_text);
    if !entry_text.ends_with('\n') {
        text.push('\n');
    }
    let rest = &file.text[entry.range.end..];
    if !rest.is_empty() && !text.ends_with("\n\n") {
        text.push('\n');
    }
    text.push_str(rest);
    check_others(file, &text, entry.kind, &entry.id, Some(1))?;
    Ok(text)
}

/// The file's text without the entry and the comment lines directly above it.
pub fn remove(file: &BankFile, entry: &Located) -> Result<String, EditError> {
    let mut start = entry.lead;
    let end = entry.range.end;
    if end == file.text.len() {
        // The last entry: take the blank lines before it too, so the file ends as it did.
        while start > 0 && file.text[..start].ends_with("\n\n") {
            start -= 1;
        }
    }
    let text = format!("{}{}", &file.text[..start], &file.text[end..]);
    check_others(file, &text, entry.kind, &entry.id, Some(0))?;
    Ok(text)
}

/// The file's text (empty for a new file) with `entry_text` added at the end after a blank
/// line.
pub fn append(
    file: &BankFile,
    kind: Kind,
    id: &str,
    entry_text: &str,
) -> Result<String, EditError> {
    let mut text = file.text.clone();
    if !text.trim().is_empty() {
        if !text.ends_with('\n') {
            text.push('\n');
        }
        if !text.ends_with("\n\n") {
            text.push('\n');
        }
    } else {
        text.clear();
    }
    text.push_str(entry_text);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    check_others(file, &text, kind, id, Some(1))?;
    Ok(text)
}

/// The text of a new entry of `kind` holding `table`, as `[[kind]]` with its values.
pub fn entry_text(kind: Kind, table: Table) -> String {
    let mut tables = ArrayOfTables::new();
    tables.push(table);
    let mut document = DocumentMut::new();
    document.insert(kind.table(), Item::ArrayOfTables(tables));
    document.to_string()
}

fn unusual(file: &BankFile) -> EditError {
    EditError::Unusual(format!(
        "{} is laid out in a way the bot cannot change safely; edit it by hand",
        file.relative.display()
    ))
}

/// Proves that a changed file still holds every other entry exactly as before (by value: the
/// bytes outside the changed entry are kept by construction) and the changed entry `count`
/// times.
fn check_others(
    before: &BankFile,
    after: &str,
    kind: Kind,
    id: &str,
    count: Option<usize>,
) -> Result<(), EditError> {
    let without = |text: &str| -> Option<(toml::Table, usize)> {
        let mut value: toml::Table = toml::from_str(text).ok()?;
        let mut found = 0;
        if let Some(toml::Value::Array(entries)) = value.get_mut(kind.table()) {
            entries.retain(|e| {
                let same = e.get("id").and_then(toml::Value::as_str) == Some(id);
                found += usize::from(same);
                !same
            });
            if entries.is_empty() {
                value.remove(kind.table());
            }
        }
        Some((value, found))
    };
    let old = without(&before.text).map(|(v, _)| v);
    let new = without(after);
    match (old, new) {
        (Some(old), Some((new, found))) if old == new && count.is_none_or(|c| c == found) => Ok(()),
        _ => Err(unusual(before)),
    }
}

/// Replaces the file at `path` with `text` atomically, keeping its permissions. Refuses a
/// symbolic link (the bot writes only real files inside the bank).
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let folder = path
        .parent()
        .ok_or_else(|| std::io::Error::other("no folder"))?;
    std::fs::create_dir_all(folder)?;
    let old = std::fs::symlink_metadata(path).ok();
    if old.as_ref().is_some_and(|m| m.file_type().is_symlink()) {
        return Err(std::io::Error::other(
            "it is a symbolic link; the bot does not write through links",
        ));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A name starting with `.`: the bank loader and watcher skip it.
    let temporary = folder.join(format!(".{name}.{}.tmp", super::token()));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)?;
        if let Some(old) = &old {
            file.set_permissions(old.permissions())?;
        }
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result?;
    // The rename is a change to the folder: flush it too, where the platform allows.
    #[cfg(unix)]
    if let Ok(dir) = std::fs::File::open(folder) {
        let _ = dir.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use toml_edit::value;

    const FILE: &str = r#"# Quotes, verbatim.

[[quote]]
id = "one"   # first
text = "Words one."
speaker = { en = "A" }

# The second quote.
[[quote]]
id = "two"
text = """
Words
two."""
speaker = { en = "B", ar = "ب" }

[quote.translations]
ar = "كلمات"

[[quote]]
id = "three"
text = 'Words three.'
speaker = { en = "C" }
"#;

    fn file() -> BankFile {
        BankFile::parse("quotes.toml".into(), FILE.to_owned())
    }

    fn entry<'f>(file: &'f BankFile, id: &str) -> &'f Located {
        file.entries.iter().find(|e| e.id == id).expect("entry")
    }

    /// Everything outside `range` of `before` is in `after`, in place.
    fn outside_kept(before: &str, after: &str, start: usize, end_from_back: usize) {
        assert_eq!(&after[..start], &before[..start], "bytes before the entry");
        assert_eq!(
            &after[after.len() - end_from_back..],
            &before[before.len() - end_from_back..],
            "bytes after the entry"
        );
    }

    #[test]
    fn an_edit_changes_only_the_entry() {
        let file = file();
        let two = entry(&file, "two");
        let text = edit(&file, two, |t| {
            t["speaker"]["en"] = value("Bee");
            t["translations"]["ar"] = value("كلمات أخرى");
        })
        .expect("edit");
        outside_kept(FILE, &text, two.range.start, FILE.len() - two.range.end);
        let after = BankFile::parse("quotes.toml".into(), text.clone());
        assert_eq!(after.entries.len(), 3);
        assert_eq!(after.entries[0].value, file.entries[0].value);
        assert_eq!(after.entries[2].value, file.entries[2].value);
        assert_eq!(
            after.entries[1].value["speaker"]["en"].as_str(),
            Some("Bee")
        );
        assert!(
            text.contains("text = \"\"\"\nWords\ntwo.\"\"\""),
            "untouched value keeps its form"
        );
        assert!(text.contains("# The second quote.\n[[quote]]\nid = \"two\""));
    }

    #[test]
    fn a_removal_takes_the_entry_and_its_comment() {
        let file = file();
        let two = entry(&file, "two");
        let text = remove(&file, two).expect("remove");
        assert_eq!(
            text,
            FILE.replace(&FILE[two.lead..two.range.end], ""),
            "exactly the entry and its comment lines go"
        );
        assert!(!text.contains("second quote"));
        let last = entry(&file, "three");
        let text = remove(&file, last).expect("remove last");
        assert_eq!(
            text,
            FILE[..FILE.find("\n\n[[quote]]\nid = \"three\"").expect("three")].to_owned() + "\n"
        );
        let after = BankFile::parse("quotes.toml".into(), text);
        assert_eq!(after.entries.len(), 2);
    }

    #[test]
    fn an_addition_goes_at_the_end_after_a_blank_line() {
        let file = file();
        let mut table = Table::new();
        table.insert("id", value("four"));
        table.insert("text", value("Words four."));
        let new = entry_text(Kind::Quote, table);
        assert_eq!(new, "[[quote]]\nid = \"four\"\ntext = \"Words four.\"\n");
        let text = append(&file, Kind::Quote, "four", &new).expect("append");
        assert_eq!(text, format!("{FILE}\n{new}"));
        let empty = BankFile::parse("new.toml".into(), String::new());
        assert_eq!(
            append(&empty, Kind::Quote, "four", &new).expect("new file"),
            new
        );
    }

    #[test]
    fn a_replacement_restores_an_old_version_in_place() {
        let file = file();
        let one = entry(&file, "one");
        let old = "[[quote]]\nid = \"one\"\ntext = \"Old words.\"\nspeaker = { en = \"A\" }\n";
        let text = replace(&file, one, old).expect("replace");
        assert!(text.starts_with(
            "# Quotes, verbatim.\n\n[[quote]]\nid = \"one\"\ntext = \"Old words.\"\n"
        ));
        outside_kept(FILE, &text, one.range.start, FILE.len() - one.range.end);
    }

    #[test]
    fn a_change_that_would_touch_another_entry_is_refused() {
        let file = file();
        let one = entry(&file, "one");
        // A replacement text that smuggles in a second entry.
        let sneaky = "[[quote]]\nid = \"one\"\ntext = \"x\"\n\n[[quote]]\nid = \"two\"\n";
        assert!(matches!(
            replace(&file, one, sneaky),
            Err(EditError::Unusual(_))
        ));
    }

    #[test]
    fn atomic_writes_replace_the_file_and_leave_nothing_behind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.toml");
        std::fs::write(&path, "old").expect("write");
        write_atomic(&path, "new").expect("atomic write");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "new");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.toml"]);
        write_atomic(&dir.path().join("archive/new.txt"), "text").expect("new folder");
        #[cfg(unix)]
        {
            let link = dir.path().join("link.toml");
            std::os::unix::fs::symlink(&path, &link).expect("symlink");
            assert!(write_atomic(&link, "x").is_err());
            assert_eq!(std::fs::read_to_string(&path).expect("read"), "new");
        }
    }
}
