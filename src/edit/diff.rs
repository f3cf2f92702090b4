//! Unified diffs (`diff -u`, `git diff`) of a file before and after a change, for previews,
//! the moderator log and the history file.
//!
//! The bot changes one entry at a time, so the texts share a long head and tail; the middle
//! is compared line by line (longest common subsequence), which keeps diffs minimal without a
//! dependency.

/// Lines of context around each change.
const CONTEXT: usize = 3;
/// Above this many cells the middle is shown as removed then added, not compared.
const MAX_CELLS: usize = 4_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Same,
    Removed,
    Added,
}

/// A unified diff of `before` → `after` for the file at `path` (relative, `/`-separated);
/// `None` stands for a file that does not exist. Empty when nothing changed.
pub fn unified(path: &str, before: Option<&str>, after: Option<&str>) -> String {
    let a: Vec<&str> = before.map_or_else(Vec::new, |t| t.split_inclusive('\n').collect());
    let b: Vec<&str> = after.map_or_else(Vec::new, |t| t.split_inclusive('\n').collect());
    if a == b && before.is_some() == after.is_some() {
        return String::new();
    }
    let ops = compare(&a, &b);
    let mut out = String::new();
    out.push_str(&match before {
        Some(_) => format!("--- a/{path}\n"),
        None => "--- /dev/null\n".to_owned(),
    });
    out.push_str(&match after {
        Some(_) => format!("+++ b/{path}\n"),
        None => "+++ /dev/null\n".to_owned(),
    });
    // Walk the operations, with the line numbers each one sits at.
    let mut positions = Vec::with_capacity(ops.len());
    let (mut i, mut j) = (0usize, 0usize);
    for op in &ops {
        positions.push((i, j));
        match op {
            Op::Same => {
                i += 1;
                j += 1;
            }
            Op::Removed => i += 1,
            Op::Added => j += 1,
        }
    }
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| ops[k] != Op::Same).collect();
    let mut k = 0;
    while k < changed.len() {
        // A hunk: changes closer than twice the context run together.
        let first = changed[k];
        let mut last = first;
        while k + 1 < changed.len() && changed[k + 1] - last <= 2 * CONTEXT {
            k += 1;
            last = changed[k];
        }
        k += 1;
        let start = first.saturating_sub(CONTEXT);
        let end = (last + CONTEXT + 1).min(ops.len());
        let (old_start, new_start) = positions[start];
        let old_len = ops[start..end].iter().filter(|o| **o != Op::Added).count();
        let new_len = ops[start..end]
            .iter()
            .filter(|o| **o != Op::Removed)
            .count();
        // An empty side is numbered by the line before it, as diff does.
        let number = |start: usize, len: usize| if len == 0 { start } else { start + 1 };
        out.push_str(&format!(
            "@@ -{},{old_len} +{},{new_len} @@\n",
            number(old_start, old_len),
            number(new_start, new_len)
        ));
        for (op, &(i, j)) in ops[start..end].iter().zip(&positions[start..end]) {
            let (mark, line) = match op {
                Op::Same => (' ', a[i]),
                Op::Removed => ('-', a[i]),
                Op::Added => ('+', b[j]),
            };
            out.push(mark);
            out.push_str(line);
            if !line.ends_with('\n') {
                out.push_str("\n\\ No newline at end of file\n");
            }
        }
    }
    out
}

/// The edit script from `a` to `b`: a shared head and tail, and the middle by LCS.
fn compare(a: &[&str], b: &[&str]) -> Vec<Op> {
    let head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let mut ops = vec![Op::Same; head];
    if ma.len().saturating_mul(mb.len()) > MAX_CELLS {
        ops.extend(std::iter::repeat_n(Op::Removed, ma.len()));
        ops.extend(std::iter::repeat_n(Op::Added, mb.len()));
    } else {
        // lengths[i][j]: the LCS of ma[i..] and mb[j..].
        let width = mb.len() + 1;
        let mut lengths = vec![0u32; (ma.len() + 1) * width];
        for i in (0..ma.len()).rev() {
            for j in (0..mb.len()).rev() {
                lengths[i * width + j] = if ma[i] == mb[j] {
                    lengths[(i + 1) * width + j + 1] + 1
                } else {
                    lengths[(i + 1) * width + j].max(lengths[i * width + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < ma.len() || j < mb.len() {
            if i < ma.len() && j < mb.len() && ma[i] == mb[j] {
                ops.push(Op::Same);
                i += 1;
                j += 1;
            } else if i < ma.len()
                && (j == mb.len() || lengths[(i + 1) * width + j] >= lengths[i * width + j + 1])
            {
                // Removals before additions, as diff and git print them.
                ops.push(Op::Removed);
                i += 1;
            } else {
                ops.push(Op::Added);
                j += 1;
            }
        }
    }
    ops.extend(std::iter::repeat_n(Op::Same, tail));
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(n: usize) -> String {
        (1..=n).map(|i| format!("line {i}\n")).collect()
    }

    #[test]
    fn one_changed_line_has_three_lines_of_context() {
        let before = lines(10);
        let after = before.replace("line 5\n", "line five\n");
        assert_eq!(
            unified("a.toml", Some(&before), Some(&after)),
            "--- a/a.toml\n+++ b/a.toml\n@@ -2,7 +2,7 @@\n line 2\n line 3\n line 4\n-line 5\n+line five\n line 6\n line 7\n line 8\n"
        );
        assert_eq!(unified("a.toml", Some(&before), Some(&before)), "");
    }

    #[test]
    fn distant_changes_make_separate_hunks_and_new_files_come_from_dev_null() {
        let before = lines(20);
        let after = before
            .replace("line 2\n", "line two\n")
            .replace("line 18\n", "");
        let diff = unified("a.toml", Some(&before), Some(&after));
        assert_eq!(diff.matches("@@ -").count(), 2, "{diff}");
        assert!(diff.contains("@@ -15,6 +15,5 @@\n"), "{diff}");
        let created = unified("archive/x.txt", None, Some("one\ntwo"));
        assert_eq!(
            created,
            "--- /dev/null\n+++ b/archive/x.txt\n@@ -0,0 +1,2 @@\n+one\n+two\n\\ No newline at end of file\n"
        );
    }

    /// The diffs are real patches: `git apply` turns the old text into the new.
    #[test]
    fn git_applies_the_diffs() {
        if std::process::Command::new("git")
            .arg("--version")
            .output()
            .is_err()
        {
            return; // no git on this machine: the format tests above still hold
        }
        let cases = [
            (lines(12), lines(12).replace("line 1\n", "")),
            (lines(12), format!("{}tail\n", lines(12))),
            (
                lines(30),
                lines(30)
                    .replace("line 4\n", "x\ny\n")
                    .replace("line 25\n", "z\n"),
            ),
            ("a\nb\nc".to_owned(), "a\nB\nc".to_owned()),
            (String::new(), "new\n".to_owned()),
        ];
        for (before, after) in cases {
            let dir = tempfile::tempdir().expect("tempdir");
            std::fs::write(dir.path().join("f.txt"), &before).expect("write");
            let patch = unified("f.txt", Some(&before), Some(&after));
            std::fs::write(dir.path().join("p.diff"), &patch).expect("write");
            let out = std::process::Command::new("git")
                .args(["apply", "--unidiff-zero", "p.diff"])
                .current_dir(dir.path())
                .output()
                .expect("git apply");
            assert!(
                out.status.success(),
                "{}\n{patch}",
                String::from_utf8_lossy(&out.stderr)
            );
            let patched = std::fs::read_to_string(dir.path().join("f.txt")).expect("read");
            assert_eq!(patched, after, "{patch}");
        }
    }
}
