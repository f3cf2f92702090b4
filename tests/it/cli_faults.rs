//! The command line when the settings or the output go wrong: config errors located in the
//! real config file with exit 2, and output that cannot be written.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::fixture_dir;

fn bot(args: &[&str], dir: &Path, stdout: Stdio) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nimbus-bot"))
        .args(args)
        .env_remove("NIMBUS_CONFIG")
        .env_remove("DISCORD_TOKEN")
        .env_remove("DISCORD_TOKEN_FILE")
        .current_dir(dir)
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .expect("run nimbus-bot")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A config.toml with `extra` after the bank line, in a temporary folder.
fn config_with(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let bank = fixture_dir();
    std::fs::write(
        dir.path().join("config.toml"),
        format!("bank = {:?}\n{extra}", bank.to_str().expect("utf-8 path")),
    )
    .expect("write config");
    dir
}

/// `default_language` naming a language the bank lacks is the settings' fault: exit 2 and the
/// position in config.toml by its real path, for every command that loads the bank. A guild's
/// `language` is checked the same way ("fr" used to pass, and that guild then got the default
/// language without a word).
#[test]
fn an_undeclared_language_setting_is_a_config_error_in_the_real_config_file() {
    let guild = "[discord.guilds.\"1000\"]\nlanguage = ";
    for (setting, at) in [
        (
            "default_language = \"fr\"\n".to_owned(),
            "2:20: error: default_language = `fr`",
        ),
        (
            format!("{guild}\"fr\"\n"),
            "3:12: error: [discord.guilds.\"1000\"] language = `fr`",
        ),
    ] {
        let dir = config_with(&setting);
        let real = std::fs::canonicalize(dir.path().join("config.toml")).expect("real path");
        let expected = format!("nimbus-bot: {}:{at}", real.display());
        for args in [
            &["--config", "./config.toml", "check"][..],
            &["--config", "config.toml", "ask", "nimbus"][..],
        ] {
            let o = bot(args, dir.path(), Stdio::piped());
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
            assert!(err.starts_with(&expected), "{args:?}: {err}");
            assert!(err.contains("declared languages: en, ar"), "{err}");
        }
    }
    // A declared one passes.
    let ok = config_with(&format!("{guild}\"ar\"\n"));
    let o = bot(
        &["--config", "config.toml", "check"],
        ok.path(),
        Stdio::piped(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// `run` says so too, before it connects anywhere (the addresses point at a closed local
/// port, so a regression could not reach Discord either).
#[test]
fn run_with_an_undeclared_default_language_exits_2_before_connecting() {
    let dir = config_with(
        "default_language = \"fr\"\n[discord]\napi_base = \"http://127.0.0.1:9\"\ngateway_url = \"ws://127.0.0.1:9\"\n",
    );
    let o = Command::new(env!("CARGO_BIN_EXE_nimbus-bot"))
        .args(["--config", "config.toml", "run"])
        .env_remove("NIMBUS_CONFIG")
        .env_remove("DISCORD_TOKEN_FILE")
        .env("DISCORD_TOKEN", "not-a-real-token")
        .current_dir(dir.path())
        .output()
        .expect("run nimbus-bot");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("config.toml:2:20: error: default_language = `fr`"),
        "{err}"
    );
}

#[test]
fn a_zero_guild_id_is_a_config_error_with_its_position() {
    let dir = config_with("\n[discord]\nguild_ids = [0]\n");
    let o = bot(
        &["--config", "config.toml", "check"],
        dir.path(),
        Stdio::piped(),
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("config.toml:4:14: error: guild_ids: 0"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// `ask --json … > /dev/full` used to exit 0 with nothing written.
#[cfg(target_os = "linux")]
#[test]
fn a_write_error_on_stdout_fails_the_command() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full");
    let fixture = fixture_dir();
    let dir = tempfile::tempdir().expect("tempdir");
    for args in [
        &[
            "ask",
            "--json",
            "--bank",
            fixture.to_str().expect("utf-8"),
            "nimbus",
        ][..],
        &["check", "--bank", fixture.to_str().expect("utf-8")][..],
    ] {
        let o = bot(
            args,
            dir.path(),
            Stdio::from(full.try_clone().expect("dup")),
        );
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("cannot write the output"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// A pipe whose reader is already gone (`| head -0` that finished first): quiet, exit 0.
/// The read end is closed before the bot starts, so this does not depend on timing.
#[cfg(unix)]
#[test]
fn a_pipe_closed_before_the_first_write_ends_quietly() {
    use std::os::fd::{FromRawFd, OwnedFd};
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe(2) writes.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0, "pipe");
    // SAFETY: both descriptors were just created and are owned here alone.
    let (reader, writer) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(reader);
    let fixture = fixture_dir();
    let dir = tempfile::tempdir().expect("tempdir");
    let o = bot(
        &["ask", "--bank", fixture.to_str().expect("utf-8"), "nimbus"],
        dir.path(),
        Stdio::from(writer),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
}
