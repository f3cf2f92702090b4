//! Packaging cannot drift from what CI checks: the systemd unit passes `systemd-analyze verify`
//! (where systemd is installed) and keeps its hardening, the Dockerfile builds with the very
//! commands `.ci/run` runs, and token files and `.env` files stay out of git and images.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The unit, with its `ExecStart` pointed at this build's binary (verify checks that the
/// program exists and is executable).
fn unit_for_verify(dir: &Path) -> PathBuf {
    let text = read("deploy/nimbus-bot.service");
    assert!(
        text.contains("ExecStart=/usr/local/bin/nimbus-bot run\n"),
        "the install steps put the binary in /usr/local/bin"
    );
    let text = text.replace(
        "ExecStart=/usr/local/bin/nimbus-bot",
        &format!("ExecStart={}", env!("CARGO_BIN_EXE_nimbus-bot")),
    );
    let path = dir.join("nimbus-bot.service");
    std::fs::write(&path, text).expect("write the unit");
    path
}

#[test]
fn systemd_unit_passes_verify() {
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("skipped: systemd-analyze is not installed (Debian: apt-get install systemd)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let unit = unit_for_verify(dir.path());
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .output()
        .expect("run systemd-analyze");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "systemd-analyze verify failed:\n{stderr}"
    );
    // An unknown or misspelt key is only a warning (exit 0): any line about the unit fails.
    let about_unit: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("nimbus-bot.service"))
        .collect();
    assert!(about_unit.is_empty(), "{}", about_unit.join("\n"));
}

#[test]
fn systemd_unit_is_hardened_and_reads_the_token_from_a_credential() {
    let text = read("deploy/nimbus-bot.service");
    let settings: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && l.contains('='))
        .collect();
    for required in [
        "DynamicUser=yes",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=",
        "StateDirectory=nimbus-bot",
        "LoadCredential=discord-token:/etc/nimbus-bot/discord-token",
        "Environment=DISCORD_TOKEN_FILE=%d/discord-token",
        "Environment=NIMBUS_STATE_DIR=%S/nimbus-bot/state",
        "Restart=on-failure",
    ] {
        assert!(settings.contains(&required), "missing `{required}`");
    }
    assert!(
        !settings.iter().any(|s| s.contains("DISCORD_TOKEN=")),
        "the token never goes in the unit"
    );
    // The config the install steps copy must parse, and put the bank where the bot may write.
    let config = nimbus_bot::config::Config::parse(&read("deploy/config.toml"))
        .unwrap_or_else(|e| panic!("deploy/config.toml:{e}"));
    assert!(config.bank.starts_with("/var/lib/nimbus-bot"));
}

/// The Dockerfile's `RUN` instructions, continuation lines joined, split into commands.
fn dockerfile_commands(text: &str) -> Vec<String> {
    let joined = text.replace("\\\n", " ");
    joined
        .lines()
        .filter_map(|l| l.trim().strip_prefix("RUN "))
        .flat_map(|run| run.split("&&"))
        .map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn dockerfile_builds_with_the_commands_ci_runs() {
    let dockerfile = read("Dockerfile");
    let ci = read(".ci/run");
    let ci_lines: Vec<String> = ci
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let commands = dockerfile_commands(&dockerfile);
    let cargo: Vec<&String> = commands
        .iter()
        .filter(|c| c.starts_with("cargo "))
        .collect();
    assert!(
        cargo.iter().any(|c| c.starts_with("cargo build --release")),
        "the Dockerfile builds a release binary: {commands:?}"
    );
    for command in &cargo {
        assert!(
            ci_lines.iter().any(|l| l == *command),
            "`{command}` (Dockerfile) is not a command of .ci/run"
        );
    }
    for command in commands.iter().filter(|c| c.contains("nimbus-bot check")) {
        assert!(
            ci.contains(command.as_str()),
            "`{command}` (Dockerfile) is not how .ci/run checks the bank"
        );
    }
    // The final stage: non-root, token from a secret file, the binary as its own health check.
    let last_stage = dockerfile
        .rsplit_once("\nFROM ")
        .map_or("", |(_, stage)| stage);
    assert!(last_stage.contains("\nUSER nonroot"), "runs as non-root");
    assert!(last_stage.contains("DISCORD_TOKEN_FILE=/run/secrets/"));
    assert!(last_stage.contains(r#"CMD ["/usr/local/bin/nimbus-bot", "healthcheck"]"#));
    assert!(
        !last_stage.contains("DISCORD_TOKEN="),
        "no token in the image"
    );
}

#[test]
fn dockerfile_command_parsing_sees_every_run_step() {
    let commands = dockerfile_commands(
        "FROM x\nRUN cargo build --release --locked\nRUN a \\\n && cargo  test --release\n",
    );
    assert_eq!(
        commands,
        [
            "cargo build --release --locked",
            "a",
            "cargo test --release"
        ]
    );
}

#[test]
fn secret_files_are_ignored_by_git_and_docker() {
    let gitignore = read(".gitignore");
    let dockerignore = read(".dockerignore");
    let patterns = |text: &str| -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect()
    };
    let (git, docker) = (patterns(&gitignore), patterns(&dockerignore));
    // compose.yaml's secret file, the unit's credential name, environment files.
    for secret in [
        "discord_token",
        "discord-token",
        "*.token",
        ".env",
        ".env.*",
    ] {
        assert!(git.iter().any(|p| p == secret), ".gitignore lacks {secret}");
        assert!(
            docker.iter().any(|p| p == secret),
            ".dockerignore lacks {secret}"
        );
    }
    assert!(docker.iter().any(|p| p == "target/" || p == "target"));
    let compose = read("compose.yaml");
    assert!(
        compose.contains("file: ./discord_token"),
        "compose reads the ignored file"
    );
    assert!(
        !compose.contains("DISCORD_TOKEN:"),
        "compose passes the token as a secret file, never in the environment"
    );
}

/// Every benchmark has its own `main`: without `harness = false` cargo builds it as an empty
/// test harness and `cargo bench` runs nothing (the card merge once did this to the HTTP one).
#[test]
fn every_benchmark_runs_its_own_main() {
    let manifest: toml::Value = toml::from_str(&read("Cargo.toml")).expect("Cargo.toml parses");
    let benches = manifest["bench"].as_array().expect("[[bench]] entries");
    assert!(!benches.is_empty());
    for bench in benches {
        let name = bench["name"].as_str().expect("a bench name");
        assert_eq!(
            bench.get("harness").and_then(toml::Value::as_bool),
            Some(false),
            "benches/{name}.rs needs harness = false in Cargo.toml"
        );
        let source = read(&format!("benches/{name}.rs"));
        assert!(
            source.contains("fn main()"),
            "benches/{name}.rs has no main"
        );
    }
}
