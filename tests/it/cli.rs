//! The `nimbus-bot` binary: exit codes, one-line errors, and the `ask --json` contract.

use std::process::{Command, Output};

use crate::{copy_dir, fixture_dir};

fn bot(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nimbus-bot"))
        .args(args)
        .env_remove("NIMBUS_CONFIG")
        .env_remove("DISCORD_TOKEN")
        .env_remove("DISCORD_TOKEN_FILE")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run nimbus-bot")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// What CI requires of `check` (see .ci/run): exit 0, a last line starting `ok: `, and no
/// error or warning lines; answers due for review may be listed, whatever today's date.
fn assert_passes_ci(o: &Output) {
    let out = stdout(o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(o));
    let last = out.lines().last().unwrap_or("");
    assert!(last.starts_with("ok: "), "{out}");
    assert!(
        !out.contains(": error: ") && !out.contains(": warning: "),
        "{out}"
    );
}

#[test]
fn check_passes_on_the_fixture_with_a_summary_line() {
    let fixture = fixture_dir();
    let o = bot(&["check", "--bank", fixture.to_str().unwrap()]);
    assert_passes_ci(&o);
    let out = stdout(&o);
    let last = out.lines().last().unwrap_or("");
    assert!(
        last.starts_with("ok: 4 answers (en 4, ar 4), 4 quotes"),
        "{out}"
    );
}

#[test]
fn answers_due_for_review_are_listed_and_counted_but_pass() {
    // A date in the past stays in the past: this holds on any day the test runs.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture_dir(), dir.path());
    let starter = dir.path().join("starter.toml");
    let text = std::fs::read_to_string(&starter).unwrap();
    std::fs::write(&starter, text.replace("2026-11-28", "2001-01-01")).unwrap();
    let o = bot(&["check", "--bank", dir.path().to_str().unwrap()]);
    assert_passes_ci(&o);
    let out = stdout(&o);
    assert!(out.contains("starter.toml:"), "{out}");
    assert!(
        out.contains(": review: answer `what-is-nimbus` was last reviewed"),
        "{out}"
    );
    let last = out.lines().last().unwrap_or("");
    assert!(last.ends_with(", 4 need review"), "{out}");
    assert!(!last.contains("warning"), "{out}");
}

#[test]
fn the_shipped_bank_passes_ci_whatever_the_date() {
    let o = bot(&["check", "--bank", "responses"]);
    assert_passes_ci(&o);
}

#[test]
fn check_lists_every_problem_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture_dir(), dir.path());
    std::fs::write(
        dir.path().join("bad.toml"),
        "[[answr]]\n\n[[source]]\nid = \"x\"\n",
    )
    .unwrap();
    let o = bot(&["check", "--bank", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("bad.toml:1:3: error: unknown entry kind `answr`"),
        "{out}"
    );
    assert!(out.contains("bad.toml:3:1: error: missing field"), "{out}");
}

#[test]
fn bad_bank_path_is_one_line_and_exit_2() {
    let o = bot(&["check", "--bank", "/no/such/folder"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("/no/such/folder: no such bank folder"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_config_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "bank = \"responses\"\nstale_after_dayz = 3\n").unwrap();
    let o = bot(&["--config", config.to_str().unwrap(), "check"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("config.toml:2:1: error: unknown field `stale_after_dayz`"),
        "{err}"
    );
}

/// A config that is not UTF-8 is located; one that is a FIFO or a device is refused at once
/// (a FIFO used to hang start-up, `/dev/zero` to fill memory).
#[test]
fn a_config_that_is_not_text_or_not_a_file_is_refused_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, b"bank = \"responses\"\n# caf\xe9\n").unwrap();
    let o = bot(&["--config", config.to_str().unwrap(), "check"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("config.toml:2:6: error: this byte is not UTF-8 text"),
        "{err}"
    );
    assert!(err.contains("hint: re-save the file as UTF-8"), "{err}");

    let o = bot(&["--config", "/dev/zero", "check"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    #[cfg(unix)]
    {
        let fifo = dir.path().join("fifo.toml");
        let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let o = bot(&["--config", fifo.to_str().unwrap(), "check"]);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    }
}

#[test]
fn bad_gaps_limit_says_what_is_allowed() {
    for limit in ["-1", "abc", "0", "99999999999999999999"] {
        let o = bot(&["gaps", "--bank", "responses", "--limit", limit]);
        assert_eq!(o.status.code(), Some(2), "{limit}");
        assert!(
            stderr(&o).contains("give a whole number from 1 to 10000"),
            "{limit}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn bad_lang_flag_says_what_is_allowed() {
    let fixture = fixture_dir();
    let bank = fixture.to_str().unwrap();
    // `--explain` shows the same evidence in every language, but a wrong code is still wrong.
    for extra in [None, Some("--explain")] {
        let mut args = vec!["ask", "--bank", bank, "--lang", "fr"];
        args.extend(extra);
        args.push("nimbus");
        let o = bot(&args);
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        assert!(
            stderr(&o).contains("the bank has: en, ar"),
            "{extra:?}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn a_closed_pipe_is_not_a_panic() {
    use std::io::Read;
    let fixture = fixture_dir();
    let mut child = Command::new(env!("CARGO_BIN_EXE_nimbus-bot"))
        .args([
            "ask",
            "--bank",
            fixture.to_str().unwrap(),
            "what is project nimbus",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Close our end of stdout at once, as `| head -0` would.
    drop(child.stdout.take());
    let status = child.wait().expect("wait");
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(status.code(), Some(0), "{err}");
}

#[test]
fn ask_json_contract() {
    let fixture = fixture_dir();
    let o = bot(&[
        "ask",
        "--json",
        "--bank",
        fixture.to_str().unwrap(),
        "what",
        "is",
        "project",
        "nimbus",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("one JSON object");
    assert_eq!(v["answered"], true);
    assert_eq!(v["tier"], "answer");
    assert_eq!(v["entry"], "what-is-nimbus");
    assert_eq!(v["closest"], serde_json::Value::Null);
    assert_eq!(v["title"], "What is Project Nimbus?");
    let text = v["text"].as_str().unwrap();
    assert!(text.contains("$1.2 billion"), "{text}");
    assert!(
        text.contains("Sources"),
        "the text names its sources: {text}"
    );
    assert_eq!(v["sources"][0]["id"], "seed-2022-07");
    assert!(v["suggestions"].is_array());
}

#[test]
fn ask_in_arabic_replies_in_arabic() {
    let fixture = fixture_dir();
    let o = bot(&[
        "ask",
        "--json",
        "--bank",
        fixture.to_str().unwrap(),
        "ما هو مشروع نمبوس",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["entry"], "what-is-nimbus");
    assert_eq!(v["lang"], "ar");
    assert_eq!(v["title"], "ما هو مشروع نمبوس؟");
    assert!(
        v["text"].as_str().unwrap().contains("المصادر"),
        "{}",
        v["text"]
    );
}

#[test]
fn ask_json_off_topic_is_unanswered() {
    let fixture = fixture_dir();
    let o = bot(&[
        "ask",
        "--json",
        "--bank",
        fixture.to_str().unwrap(),
        "how do I bake bread",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["answered"], false);
    assert_eq!(v["tier"], "not_sure");
    assert_eq!(v["entry"], serde_json::Value::Null);
    assert_eq!(v["title"], serde_json::Value::Null);
    assert!(v["text"].as_str().unwrap().contains("not sure"));
    assert!(
        v["text"]
            .as_str()
            .unwrap()
            .contains("Nothing in the bank relates"),
        "with no suggestion the reply says plainly that nothing relates"
    );
}

#[test]
fn complete_lists_choices() {
    let fixture = fixture_dir();
    let o = bot(&[
        "complete",
        "--json",
        "--lang",
        "ar",
        "--bank",
        fixture.to_str().unwrap(),
        "رسالة",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v[0]["value"], "guardian-letter");
    assert_eq!(v[0]["name"], "رسالة عاملي غوغل وأمازون (أكتوبر 2021)");
}

#[test]
fn run_without_token_says_how_to_get_one() {
    let fixture = fixture_dir();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, format!("bank = {:?}\n", fixture.to_str().unwrap())).unwrap();
    let o = bot(&["--config", config.to_str().unwrap(), "run"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("DISCORD_TOKEN"), "{err}");
}

/// `ask --explain --json` is what `tools/fit_tiers.py` refits the judge from: the same reply
/// as `ask`, and per candidate the judge's features.
#[test]
fn ask_explain_shows_the_evidence_and_agrees_with_ask() {
    let question = "how much money is the nimbus contract";
    let asked = bot(&["ask", "--json", "--bank", "responses", "--", question]);
    let asked: serde_json::Value = serde_json::from_str(&stdout(&asked)).expect("JSON");
    let o = bot(&[
        "ask",
        "--explain",
        "--json",
        "--bank",
        "responses",
        "--",
        question,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let why: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("one JSON object");
    assert_eq!(why["tier"], asked["tier"]);
    let given = asked["entry"].as_str().or(asked["closest"].as_str());
    assert_eq!(why["given"].as_str(), given);
    let candidates = why["candidates"].as_array().expect("candidates");
    assert!(!candidates.is_empty());
    for c in candidates {
        assert_eq!(c["features"].as_array().map(Vec::len), Some(9), "{c}");
        let likely = c["likely"].as_f64().expect("likely");
        assert!((0.0..=1.0).contains(&likely), "{c}");
    }
    assert!(why["words"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["term"] == "nimbus"));

    let human = bot(&["ask", "--explain", "--bank", "responses", "--", question]);
    let text = stdout(&human);
    assert!(text.starts_with("reply: "), "{text}");
    assert!(text.contains("candidates"), "{text}");
    assert!(text.contains("likely the answer"), "{text}");
}
