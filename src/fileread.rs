//! Reading a file an operator points at (the config, the gap log) the way the bank reads its
//! own: only a regular file, only up to a size limit, and never waiting on a FIFO. A config
//! named `/dev/zero` would otherwise fill memory, and one that is a FIFO would hang start-up.

use std::io::Read;
use std::path::Path;

/// Why a file was not read.
#[derive(Debug)]
pub enum Unreadable {
    /// The operating system's reason (`NotFound` included, for callers that allow a missing file).
    Io(std::io::Error),
    /// A FIFO, socket, device or folder.
    NotRegular,
    /// Longer than the limit, in bytes.
    TooLarge(u64),
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unreadable::Io(e) => write!(f, "{e}"),
            Unreadable::NotRegular => {
                f.write_str("not a regular file (a folder, FIFO, socket or device is never read)")
            }
            Unreadable::TooLarge(limit) => write!(f, "larger than {limit} bytes"),
        }
    }
}

impl Unreadable {
    /// Whether the file does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Unreadable::Io(e) if e.kind() == std::io::ErrorKind::NotFound)
    }
}

/// Opens for reading without blocking: opening a FIFO with no writer would otherwise wait
/// forever (and hold shutdown with it). Regular files ignore the flag.
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// The bytes of the regular file at `path` (symlinks followed), at most `limit` of them.
pub fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>, Unreadable> {
    let file = open_nonblocking(path).map_err(Unreadable::Io)?;
    let meta = file.metadata().map_err(Unreadable::Io)?;
    if !meta.is_file() {
        return Err(Unreadable::NotRegular);
    }
    if meta.len() > limit {
        return Err(Unreadable::TooLarge(limit));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // The length can grow while reading (a writer appending): read one byte past the limit.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(Unreadable::Io)?;
    if bytes.len() as u64 > limit {
        return Err(Unreadable::TooLarge(limit));
    }
    Ok(bytes)
}

/// `bytes` as text, without a leading byte-order mark (editors hide it; columns must not count
/// it). Not UTF-8: the text before the first byte that is not, to locate it.
pub fn utf8_text(bytes: Vec<u8>) -> Result<String, String> {
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let mut bytes = e.into_bytes();
        bytes.truncate(valid);
        String::from_utf8(bytes).unwrap_or_default()
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_file_within_its_limit_and_refuses_others() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.toml");
        std::fs::write(&path, "abc").expect("write");
        assert_eq!(read_capped(&path, 3).expect("read"), b"abc");
        assert!(matches!(
            read_capped(&path, 2),
            Err(Unreadable::TooLarge(2))
        ));
        assert!(matches!(
            read_capped(dir.path(), 10),
            Err(Unreadable::NotRegular)
        ));
        assert_eq!(utf8_text(b"\xEF\xBB\xBFab".to_vec()).as_deref(), Ok("ab"));
        assert_eq!(utf8_text(b"a\nb\xE9c".to_vec()), Err("a\nb".to_string()));
        assert!(read_capped(&dir.path().join("gone"), 10)
            .expect_err("missing")
            .is_not_found());
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_waiting() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("fifo.toml");
        let status = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .expect("mkfifo");
        assert!(status.success());
        assert!(matches!(
            read_capped(&path, 10),
            Err(Unreadable::NotRegular)
        ));
    }
}
