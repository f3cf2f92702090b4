//! The bank's files as text, and where each entry sits in them: the byte range an entry
//! occupies, its parsed value and its kind. The writer splices inside these ranges, so
//! everything outside the entry it changes stays byte for byte as it was.

use std::ops::Range;
use std::path::{Path, PathBuf};

use toml_edit::ImDocument;

use super::{EditError, Kind};

/// One entry of a file: where it is and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    /// Its kind.
    pub kind: Kind,
    /// Its id (empty when it has none, which the validator reports).
    pub id: String,
    /// From the start of its `[[kind]]` header line to the start of the next entry (or of the
    /// comment lines directly above the next entry's header), or to the end of the file.
    pub range: Range<usize>,
    /// Where the comment lines directly above its header begin (`range.start` when none).
    pub lead: usize,
    /// Its value, for comparing entries whatever their formatting.
    pub value: toml::Table,
}

/// A `.toml` file of the bank and its entries.
#[derive(Debug, Clone)]
pub struct BankFile {
    /// Path relative to the bank folder.
    pub relative: PathBuf,
    /// The whole text.
    pub text: String,
    /// Its editable entries (answers, quotes, sources, events) in file order.
    pub entries: Vec<Located>,
    /// Entries of every kind, also languages and synonyms, whose headers bound the others.
    pub headers: usize,
    /// Why the file cannot be edited by the bot, if it cannot (it does not parse, or writes
    /// entries as an inline array).
    pub unusable: Option<String>,
}

/// Every `.toml` file of a bank folder, read at one moment.
#[derive(Debug, Clone)]
pub struct BankFiles {
    /// The bank folder.
    pub dir: PathBuf,
    /// Its files, sorted by path.
    pub files: Vec<BankFile>,
}

impl BankFiles {
    /// Reads every `.toml` file of the bank in `dir`, and finds the entries of each.
    pub fn read(dir: &Path) -> Result<BankFiles, EditError> {
        BankFiles::read_where(dir, |_| true)
    }

    /// Reads every `.toml` file of the bank in `dir`, but looks for entries only in those whose
    /// text mentions `id`: enough to find that entry (its file names it) at a fraction of the
    /// cost. The others hold their text and no entries.
    pub fn read_about(dir: &Path, id: &str) -> Result<BankFiles, EditError> {
        BankFiles::read_where(dir, |text| text.contains(id))
    }

    fn read_where(dir: &Path, scan: impl Fn(&str) -> bool) -> Result<BankFiles, EditError> {
        let paths = crate::bank::toml_files(dir)
            .map_err(|e| EditError::Io(format!("cannot read the bank folder: {e}")))?;
        let mut files = Vec::new();
        for path in paths {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| EditError::Io(format!("cannot read {}: {e}", path.display())))?;
            let relative = path.strip_prefix(dir).unwrap_or(&path).to_path_buf();
            files.push(if scan(&text) {
                BankFile::parse(relative, text)
            } else {
                BankFile {
                    relative,
                    text,
                    entries: Vec::new(),
                    headers: 0,
                    unusable: None,
                }
            });
        }
        Ok(BankFiles {
            dir: dir.to_path_buf(),
            files,
        })
    }

    /// The file holding the entry with this id, and the entry.
    pub fn find(&self, id: &str) -> Option<(&BankFile, &Located)> {
        self.files
            .iter()
            .find_map(|f| f.entries.iter().find(|e| e.id == id).map(|e| (f, e)))
    }

    /// The file at this relative path.
    pub fn file(&self, relative: &Path) -> Option<&BankFile> {
        self.files.iter().find(|f| f.relative == relative)
    }
}

impl BankFile {
    /// Scans a file's text for its entries.
    pub fn parse(relative: PathBuf, text: String) -> BankFile {
        match scan(&text) {
            Ok((entries, headers)) => BankFile {
                relative,
                text,
                entries,
                headers,
                unusable: None,
            },
            Err(reason) => BankFile {
                relative,
                text,
                entries: Vec::new(),
                headers: 0,
                unusable: Some(reason),
            },
        }
    }

    /// The exact text of an entry (from its header to the next entry).
    pub fn slice(&self, entry: &Located) -> &str {
        &self.text[entry.range.clone()]
    }
}

/// The start of the line holding byte `offset`.
fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// Moves up from a header line over the comment lines directly above it (no blank line
/// between): they describe that entry and go with it.
fn lead_start(text: &str, header_line: usize) -> usize {
    let mut start = header_line;
    while start > 0 {
        let previous = line_start(text, start - 1);
        if text[previous..start].trim_start().starts_with('#') {
            start = previous;
        } else {
            break;
        }
    }
    start
}

/// Finds every entry of `text`: its kind, id, value and range; and the number of entry
/// headers of any kind.
fn scan(text: &str) -> Result<(Vec<Located>, usize), String> {
    let document = ImDocument::parse(text.to_owned())
        .map_err(|e| format!("it is not valid TOML ({})", e.message().trim()))?;
    // Header line starts of every entry of every kind, in file order: each bounds the entry
    // before it.
    let mut starts: Vec<usize> = Vec::new();
    let mut found: Vec<(Kind, usize, usize)> = Vec::new();
    for (key, item) in document.as_table().iter() {
        match item {
            toml_edit::Item::ArrayOfTables(tables) => {
                for (index, table) in tables.iter().enumerate() {
                    let Some(span) = table.span() else {
                        return Err(format!("an entry of `{key}` has no header"));
                    };
                    let start = line_start(text, span.start);
                    starts.push(start);
                    if let Some(kind) = Kind::from_table(key) {
                        found.push((kind, index, start));
                    }
                }
            }
            toml_edit::Item::Value(toml_edit::Value::Array(_))
                if Kind::from_table(key).is_some() =>
            {
                return Err(format!(
                    "it writes `{key}` entries as an inline array; the bot edits only `[[{key}]]` entries"
                ));
            }
            _ => {}
        }
    }
    starts.sort_unstable();
    // The values from the tree already parsed: a second parse would double the cost.
    let values: toml::Table = toml_edit::de::from_document(document)
        .map_err(|e| format!("it is not valid TOML ({})", e.message()))?;
    let mut entries = Vec::new();
    for (kind, index, start) in found {
        let value = values
            .get(kind.table())
            .and_then(toml::Value::as_array)
            .and_then(|a| a.get(index))
            .and_then(toml::Value::as_table)
            .cloned()
            .ok_or_else(|| format!("cannot read `{}` entry {}", kind.table(), index + 1))?;
        let next = starts.iter().copied().find(|&s| s > start);
        let end = next.map_or(text.len(), |s| lead_start(text, s).max(start));
        let id = value
            .get("id")
            .and_then(toml::Value::as_str)
            .unwrap_or_default()
            .to_owned();
        entries.push(Located {
            kind,
            id,
            range: start..end,
            lead: lead_start(text, start),
            value,
        });
    }
    entries.sort_by_key(|e| e.range.start);
    Ok((entries, starts.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# The file's own comment.\n\n[[answer]]\nid = \"a\"\ntitle = { en = \"A\" }\n\n[answer.body]\nen = \"x\"\n\n# About b.\n# More about b.\n[[quote]]\nid = \"b\"\ntext = \"t\"\n\n[[language]]\ncode = \"en\"\n";

    #[test]
    fn entries_run_from_their_header_to_the_comments_above_the_next() {
        let file = BankFile::parse("f.toml".into(), FILE.to_owned());
        assert_eq!(file.unusable, None);
        assert_eq!(file.headers, 3);
        let ids: Vec<(&str, Kind)> = file
            .entries
            .iter()
            .map(|e| (e.id.as_str(), e.kind))
            .collect();
        assert_eq!(ids, [("a", Kind::Answer), ("b", Kind::Quote)]);
        let a = &file.entries[0];
        assert_eq!(
            file.slice(a),
            "[[answer]]\nid = \"a\"\ntitle = { en = \"A\" }\n\n[answer.body]\nen = \"x\"\n\n"
        );
        assert_eq!(
            a.lead, a.range.start,
            "a blank line separates the file's comment"
        );
        let b = &file.entries[1];
        assert_eq!(file.slice(b), "[[quote]]\nid = \"b\"\ntext = \"t\"\n\n");
        assert_eq!(
            &FILE[b.lead..b.range.start],
            "# About b.\n# More about b.\n"
        );
        assert_eq!(
            a.value
                .get("body")
                .and_then(|b| b.get("en"))
                .and_then(toml::Value::as_str),
            Some("x")
        );
    }

    #[test]
    fn inline_arrays_and_broken_files_are_not_editable() {
        let file = BankFile::parse("f.toml".into(), "answer = [{ id = \"a\" }]\n".into());
        assert!(file
            .unusable
            .as_deref()
            .is_some_and(|r| r.contains("inline array")));
        let file = BankFile::parse("f.toml".into(), "[[answer]\n".into());
        assert!(file
            .unusable
            .as_deref()
            .is_some_and(|r| r.contains("not valid TOML")));
    }
}
