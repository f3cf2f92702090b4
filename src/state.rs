//! The state folder: the few files the bot owns besides the bank (the registered command set's
//! fingerprint, the gap log, the edit history), kept in one documented place so that an
//! operator knows what to back up, what to wipe and what PRIVACY.md is talking about.
//!
//! Nothing here holds member identifiers; what each file keeps, and for how long, is stated
//! where the file is written and summed up in the README's privacy section.

use std::path::{Path, PathBuf};

/// Environment variable that overrides `state_dir` (systemd's `StateDirectory=` sets
/// `$STATE_DIRECTORY`; the unit passes it on through this).
pub const STATE_DIR_ENV: &str = "NIMBUS_STATE_DIR";

/// The folder holding the bot's own files. Created on first write, readable only by the bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDir {
    root: PathBuf,
}

impl StateDir {
    /// A state folder at `root` (not created until [`StateDir::ensure`]).
    pub fn new(root: impl Into<PathBuf>) -> StateDir {
        StateDir { root: root.into() }
    }

    /// The folder itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Fingerprint of the last command set registered with Discord.
    pub fn commands_fingerprint(&self) -> PathBuf {
        self.root.join("commands.fingerprint")
    }

    /// Questions the bot could not answer (normalised text and counts only).
    pub fn gap_log(&self) -> PathBuf {
        self.root.join("gaps.json")
    }

    /// Edit history of the bank when it is not kept in git.
    pub fn history(&self) -> PathBuf {
        self.root.join("history.jsonl")
    }

    /// Creates the folder if needed; on Unix it is made readable by the bot's user only.
    pub fn ensure(&self) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.root)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&self.root, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_live_under_the_root() {
        let state = StateDir::new("/var/lib/nimbus-bot");
        for path in [
            state.commands_fingerprint(),
            state.gap_log(),
            state.history(),
        ] {
            assert!(
                path.starts_with("/var/lib/nimbus-bot"),
                "{}",
                path.display()
            );
        }
    }

    #[test]
    fn ensure_creates_a_private_folder() {
        let dir = tempfile::tempdir().expect("temp dir");
        let state = StateDir::new(dir.path().join("a/b"));
        state.ensure().expect("create");
        assert!(state.root().is_dir());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(state.root())
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }
}
