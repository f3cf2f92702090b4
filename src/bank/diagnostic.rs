//! Problems found in a bank, as data: file, line, column, severity, message and hint.

use std::fmt;
use std::path::PathBuf;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The bank cannot be served.
    Error,
    /// Worth fixing; the bank still loads.
    Warning,
    /// Due for a moderator's review (an answer's `reviewed` date is old). Shown and counted,
    /// but never a warning: it depends on today's date, not on the bank, so CI ignores it.
    Review,
}

/// One problem, located in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, as given to the loader (relative paths stay relative).
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// How to fix it, where that helps.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// Whether this problem stops the bank from loading.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `path:line:col: error: message`, with `  hint: ...` on the next line when there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Review => "review",
        };
        write!(
            f,
            "{}:{}:{}: {severity}: {}",
            visible(&self.path.display().to_string()),
            self.line,
            self.col,
            visible(&self.message)
        )?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {}", visible(hint))?;
        }
        Ok(())
    }
}

/// `text` with its control characters written as escapes: a file named with a line break or
/// a title holding a terminal escape must not forge another diagnostic line or clear the
/// screen of whoever reads the report.
fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

/// 1-based line and column (in characters) of a byte offset in `text`. Scans the text up to
/// the offset: for many offsets in one text, the bank keeps a `LineIndex` per file.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let text = &text[..char_floor(text, offset)];
    LineIndex::new(text).line_col(text, offset)
}

/// Where each line of a text starts, and how many characters come before every few thousand
/// bytes, so that a file with thousands of problems is located in time proportional to the
/// file, not to the file times its problems (even when it is written on one long line).
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// (byte offset, characters before it), every [`CHECKPOINT_BYTES`] or so.
    checkpoints: Vec<(usize, usize)>,
}

/// How far apart [`LineIndex`] counts characters ahead of need.
const CHECKPOINT_BYTES: usize = 4096;

impl LineIndex {
    /// Indexes `text`'s lines.
    pub fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let mut checkpoints = vec![(0, 0)];
        let mut at = 0;
        let mut chars = 0;
        while at + CHECKPOINT_BYTES < text.len() {
            let next = char_floor(text, at + CHECKPOINT_BYTES).max(at + 1);
            let next = (next..=text.len())
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(text.len());
            chars += text[at..next].chars().count();
            checkpoints.push((next, chars));
            at = next;
        }
        LineIndex {
            starts,
            checkpoints,
        }
    }

    /// 1-based line and column (in characters) of a byte offset in `text`, the text this index
    /// was built from, as [`line_col`].
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = char_floor(text, offset);
        // The last line starting at or before the offset.
        let line = self.starts.partition_point(|&start| start <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0).min(offset);
        (
            line,
            self.chars_before(text, offset) - self.chars_before(text, start) + 1,
        )
    }

    /// How many characters of `text` come before the byte `offset` (a character boundary).
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        let i = self
            .checkpoints
            .partition_point(|&(at, _)| at <= offset)
            .max(1);
        let (at, chars) = self.checkpoints[i - 1];
        chars + text.get(at..offset).map_or(0, |s| s.chars().count())
    }
}

/// `offset`, clamped to the text and moved back to a character boundary.
fn char_floor(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// serde's type errors ("invalid type: string \"30\", expected u32") in a moderator's words
/// ("expected a whole number, 0 or more; found the text \"30\""); other messages unchanged.
pub fn plain_serde(message: &str) -> String {
    let Some((found, expected)) = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        .and_then(|rest| rest.split_once(", expected "))
    else {
        return message.to_owned();
    };
    let expected = match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, 0 or more",
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number",
        "f32" | "f64" => "a number",
        "a boolean" => "true or false",
        "a sequence" => "a list in brackets, such as [\"a\", \"b\"]",
        "a string" | "path string" => "text in quotes",
        "a map" | "struct" => "a table",
        other => other,
    };
    let quoted = |kind: &str| {
        found
            .strip_prefix(kind)
            .map(|v| v.trim_matches('`').to_owned())
    };
    let found = if let Some(n) = quoted("integer ").or_else(|| quoted("floating point ")) {
        format!("the number {n}")
    } else if let Some(text) = found.strip_prefix("string ") {
        format!("the text {text}")
    } else if let Some(b) = quoted("boolean ") {
        b
    } else {
        match found {
            "map" => "a table".to_owned(),
            "sequence" => "a list".to_owned(),
            other => other.to_owned(),
        }
    };
    format!("expected {expected}; found {found}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_type_errors_read_in_plain_words() {
        for (serde, plain) in [
            (
                "invalid value: integer `-1`, expected u32",
                "expected a whole number, 0 or more; found the number -1",
            ),
            (
                "invalid type: string \"30\", expected u32",
                "expected a whole number, 0 or more; found the text \"30\"",
            ),
            (
                "invalid type: string \"yes\", expected a boolean",
                "expected true or false; found the text \"yes\"",
            ),
            (
                "invalid type: floating point `1.5`, expected u64",
                "expected a whole number, 0 or more; found the number 1.5",
            ),
            (
                "invalid type: string \"x\", expected a sequence",
                "expected a list in brackets, such as [\"a\", \"b\"]; found the text \"x\"",
            ),
            (
                "invalid type: boolean `true`, expected a string",
                "expected text in quotes; found true",
            ),
            ("unknown field `bnak`", "unknown field `bnak`"),
        ] {
            assert_eq!(plain_serde(serde), plain);
        }
    }

    #[test]
    fn control_characters_are_shown_escaped() {
        let d = Diagnostic {
            path: PathBuf::from("evil\nfake.toml:1:1: error: spoofed.toml"),
            line: 2,
            col: 3,
            severity: Severity::Error,
            message: "title `\u{1b}[2J` is odd".into(),
            hint: Some("tab\there".into()),
        };
        let shown = d.to_string();
        assert_eq!(shown.lines().count(), 2, "{shown}");
        assert!(shown.starts_with("evil\\nfake.toml"), "{shown}");
        assert!(
            !shown.contains('\u{1b}') && shown.contains("\\u{1b}[2J"),
            "{shown}"
        );
    }

    #[test]
    fn line_and_column_count_characters_from_one() {
        let text = "a = 1\nنص = \"x\"\n\nlast";
        let index = LineIndex::new(text);
        for (offset, want) in [
            (0, (1, 1)),
            (4, (1, 5)),
            (5, (1, 6)),
            (6, (2, 1)),
            (text.rfind('=').unwrap_or(0), (2, 4)),
            (text.find("last").unwrap_or(0), (4, 1)),
            (text.len(), (4, 5)),
            (text.len() + 10, (4, 5)),
        ] {
            assert_eq!(index.line_col(text, offset), want, "offset {offset}");
            assert_eq!(line_col(text, offset), want, "offset {offset}");
        }
        // Inside a two-byte letter: the letter's own column.
        assert_eq!(line_col(text, 7), (2, 1));
        // A long line of two-byte letters, past many checkpoints.
        let long = format!("x\n{}", "ن".repeat(10_000));
        let index = LineIndex::new(&long);
        for offset in [2, 3, 4097, 4098, 9000, long.len()] {
            assert_eq!(
                index.line_col(&long, offset),
                line_col(&long, offset),
                "{offset}"
            );
        }
        assert_eq!(index.line_col(&long, long.len()), (2, 10_001));
    }
}
