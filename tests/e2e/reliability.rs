//! Faults against the running bot: a slow save of a bank file while members ask, a change
//! held back until a moderator confirms it, Discord failing callbacks and registrations, a
//! state folder that cannot be written, and SIGTERM with a FIFO in the bank.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;

use nimbus_bot::config::Config;
use nimbus_bot::discord::Running;
use nimbus_bot::reload::Outcome;

use crate::standin::{StandIn, APP_ID, TOKEN};
use crate::{
    callback_path, command_data, copy_dir, interaction, member, spawn_nimbus, validate_all,
    visible_text, Harness, KillOnDrop, GUILD, MANAGE_MESSAGES, MOD_LOG, PLAIN_MEMBER, WAIT,
};

/// A copy of the fixture bank in `dir/bank` and a config for the stand-in (one guild, a
/// moderator log channel); `state_dir` is `state` relative to `dir`.
fn config_for(standin: &StandIn, dir: &Path, state: &str, watch: bool) -> Config {
    let bank = dir.join("bank");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bank"),
        &bank,
    );
    let mut config = Config {
        bank,
        state_dir: dir.join(state),
        ..Config::default()
    };
    config.discord.api_base = Some(standin.api_base.clone());
    config.discord.gateway_url = Some(standin.gateway_url.clone());
    config.discord.guild_ids = vec![GUILD];
    config.discord.mod_log_channel = Some(MOD_LOG);
    config.discord.watch_bank = watch;
    config
}

/// Waits for the bot's first registration, the sign it is connected and ready.
async fn ready(standin: &StandIn) {
    let put_path = format!("/applications/{APP_ID}/guilds/{GUILD}/commands");
    standin
        .wait_for("command registration", WAIT, |r| {
            r.method == "PUT" && r.path == put_path
        })
        .await;
}

/// The next reload outcome that `want` accepts, skipping others (deadline [`WAIT`]).
async fn next_outcome(bot: &mut Running, want: impl Fn(&Outcome) -> bool) -> Outcome {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, bot.reloads.recv()).await {
            Ok(Some(outcome)) if want(&outcome) => return outcome,
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the bot stopped reporting reloads"),
            Err(_) => panic!("no such reload outcome within {WAIT:?}"),
        }
    }
}

/// Where a slow writer pauses: after the sources, inside the first answer's body (a cut that
/// is not valid TOML), between answers, inside the last answer, before the events.
fn cut_points(text: &str) -> Vec<usize> {
    let nth = |needle: &str, n: usize| -> usize {
        text.match_indices(needle)
            .nth(n)
            .unwrap_or_else(|| panic!("the fixture has a {n}th `{needle}`"))
            .0
    };
    let body = nth("en = \"Project Nimbus", 0);
    let last_answer = nth("\n[[answer]]", 3);
    let mut cuts = vec![
        nth("\n[[quote]]", 0),
        nth("\n[[answer]]", 0),
        body + 30,
        nth("\n[[answer]]", 1),
        last_answer,
        nth("\n[answer.aliases]", 3),
        nth("\n[[event]]", 0),
        text.len(),
    ];
    cuts.sort_unstable();
    cuts
}

/// The worst case: an editor truncates `starter.toml` and writes it back slowly while
/// members keep asking. Every reply must come from a complete bank, the old one or the new
/// one; then a deliberate removal is held (status, moderator log) until a moderator confirms.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_save_never_serves_half_a_bank() {
    tokio::time::timeout(Duration::from_secs(120), slow_save())
        .await
        .expect("the slow-save scenario finishes within 2 minutes");
}

async fn slow_save() {
    nimbus_bot::discord::init_logging();
    let spec = crate::spec::Spec::load();
    let standin = StandIn::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config_for(&standin, dir.path(), ".nimbus-state", true);
    let starter = config.bank.join("starter.toml");
    let mut bot = nimbus_bot::discord::start(&config, TOKEN)
        .await
        .expect("bot starts");
    ready(&standin).await;
    let mut h = Harness { standin, next: 0 };

    let questions = ["what is project nimbus", "aws summit protest"];
    let mut old = Vec::new();
    for q in questions {
        old.push(visible_text(&h.ask(q, None).await));
    }
    assert!(
        old[0].contains("Project Nimbus is a $1.2 billion"),
        "{}",
        old[0]
    );
    assert!(old[1].contains("AWS Summit"), "{}", old[1]);
    let new_first = old[0].replace(
        "Project Nimbus is a $1.2 billion",
        "Project Nimbus (edited) is a $1.2 billion",
    );
    let allowed = [
        vec![old[0].clone(), new_first.clone()],
        vec![old[1].clone()],
    ];

    let original = std::fs::read_to_string(&starter).expect("read starter.toml");
    let edited = original.replace(
        "en = \"Project Nimbus is a $1.2 billion",
        "en = \"Project Nimbus (edited) is a $1.2 billion",
    );
    assert_ne!(original, edited);
    let cuts = cut_points(&edited);
    let writer = {
        let (starter, edited) = (starter.clone(), edited.clone());
        tokio::task::spawn_blocking(move || {
            // Truncate, then write piece by piece, each piece on disk longer than the
            // watcher's quiet time, so each half-written state is loaded.
            let mut file = std::fs::File::create(&starter).expect("truncate starter.toml");
            let mut written = 0;
            for cut in cuts {
                file.write_all(&edited.as_bytes()[written..cut])
                    .expect("write");
                file.flush().expect("flush");
                written = cut;
                std::thread::sleep(Duration::from_millis(450));
            }
        })
    };
    let check = |i: usize, q: usize, text: &str| {
        assert!(
            allowed[q].iter().any(|a| a == text),
            "reply {i} to `{}` did not come from a complete bank:\n{text}",
            questions[q]
        );
    };
    let mut asked = 0;
    while !writer.is_finished() {
        let q = asked % questions.len();
        let text = visible_text(&h.ask(questions[q], None).await);
        check(asked, q, &text);
        asked += 1;
    }
    writer.await.expect("writer");
    assert!(
        asked >= 10,
        "only {asked} questions were asked during the save"
    );
    // The finished save removes nothing, so it goes live by itself.
    let deadline = Instant::now() + WAIT;
    loop {
        let text = visible_text(&h.ask(questions[0], None).await);
        check(asked, 0, &text);
        asked += 1;
        if text == new_first {
            break;
        }
        assert!(Instant::now() < deadline, "the edit never went live");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("slow save: {asked} replies, all from a complete bank");

    // A deliberate removal, saved atomically: held, shown to moderators, then confirmed.
    while bot.reloads.try_recv().is_ok() {}
    let last_answer = edited
        .match_indices("\n[[answer]]")
        .nth(3)
        .expect("4th answer")
        .0;
    let events = edited.find("\n[[event]]").expect("events");
    let without_last = format!("{}{}", &edited[..last_answer], &edited[events..]);
    let tmp = config.bank.join(".starter.toml.tmp");
    std::fs::write(&tmp, &without_last).expect("write temp file");
    std::fs::rename(&tmp, &starter).expect("rename over starter.toml");
    let held = next_outcome(&mut bot, |o| matches!(o, Outcome::Held { .. })).await;
    assert!(
        matches!(&held, Outcome::Held { removed, applies_at: Some(_), first: true } if removed.contains("answer `aws-summit-2022`")),
        "{held:?}"
    );
    let text = visible_text(&h.ask(questions[1], None).await);
    assert_eq!(text, old[1], "the held removal is not served");
    let moderator = member(3005, MANAGE_MESSAGES, &[]);
    let (_, body) = h
        .command(
            "bank",
            json!([{"name": "status", "type": 1, "options": []}]),
            moderator.clone(),
            "en-US",
        )
        .await;
    let status = visible_text(&body["data"]);
    assert!(
        status.contains("held")
            && status.contains("aws-summit-2022")
            && status.contains("/bank reload"),
        "{status}"
    );
    let log_path = format!("/channels/{MOD_LOG}/messages");
    let log = h
        .standin
        .wait_for("the held change in the moderator log", WAIT, |r| {
            r.method == "POST" && r.path == log_path && visible_text(&r.body).contains("held")
        })
        .await;
    assert!(
        visible_text(&log.body).contains("aws-summit-2022"),
        "{:#}",
        log.body
    );
    let result = visible_text(&h.reload(moderator).await);
    assert!(
        result.contains("Bank reloaded")
            && result.contains("Removed:")
            && result.contains("aws-summit-2022"),
        "{result}"
    );
    let text = visible_text(&h.ask(questions[1], None).await);
    assert_ne!(text, old[1], "the confirmed removal is served");

    let requests = h.standin.requests();
    assert!(validate_all(&spec, &requests) >= asked);
    assert_eq!(
        h.standin.unexpected(),
        Vec::<String>::new(),
        "unexpected routes"
    );
    tokio::time::timeout(Duration::from_secs(15), bot.shutdown())
        .await
        .expect("the bot shuts down cleanly");
}

/// If the registration state cannot be written, the bot still remembers what it registered:
/// bank reloads that do not change the command set send nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_state_folder_does_not_re_register_on_every_reload() {
    nimbus_bot::discord::init_logging();
    let standin = StandIn::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    // A file where the state folder should be: nothing can be written inside it.
    std::fs::write(dir.path().join("state"), "not a folder").expect("write");
    let config = config_for(&standin, dir.path(), "state", false);
    let mut bot = nimbus_bot::discord::start(&config, TOKEN)
        .await
        .expect("bot starts");
    ready(&standin).await;
    let mut h = Harness { standin, next: 0 };
    for _ in 0..2 {
        let result = visible_text(&h.reload(member(3005, MANAGE_MESSAGES, &[])).await);
        assert!(result.contains("Bank reloaded"), "{result}");
        // Reported after the bot acted on it (registration included).
        next_outcome(&mut bot, |o| matches!(o, Outcome::Swapped { .. })).await;
    }
    let puts = h
        .standin
        .requests()
        .iter()
        .filter(|r| r.method == "PUT")
        .count();
    assert_eq!(puts, 1, "the unchanged set was registered again");
    tokio::time::timeout(Duration::from_secs(15), bot.shutdown())
        .await
        .expect("the bot shuts down cleanly");
}

/// A `config.toml` for `nimbus-bot run`/`register` in a child process, with the fixture bank
/// and `discord` as the rest of its `[discord]` table.
fn child_setup(standin: &StandIn, discord: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    crate::setup_with(standin, TOKEN, discord)
}

/// Waits until `nimbus-bot run` identified with the gateway (and has not exited).
async fn identified(standin: &StandIn, child: &mut KillOnDrop, err_path: &Path) {
    let deadline = Instant::now() + WAIT;
    while standin.identify().is_none() {
        assert!(
            Instant::now() < deadline && child.0.try_wait().expect("poll").is_none(),
            "the bot did not connect; stderr:\n{}",
            std::fs::read_to_string(err_path).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Polls the bot's stderr (deadline [`WAIT`]) until it contains `needle`.
async fn logged(err_path: &Path, needle: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let text = std::fs::read_to_string(err_path).unwrap_or_default();
        if text.contains(needle) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "`{needle}` never logged:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Discord answers a callback with a 500, then a 429 whose body has no `code`: the bot tries
/// again within the 3-second window, the member gets the answer, and the log says plainly
/// what happened (a rate limit, not a JSON error), without the interaction token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_callback_is_retried_within_the_window() {
    let standin = StandIn::start().await;
    let (dir, config, token_file) =
        child_setup(&standin, "guild_ids = [1000]\nwatch_bank = false\n");
    let (child, _, err_path) = spawn_nimbus(dir.path(), &config, &token_file, "run", &[], "run");
    let mut child = KillOnDrop(child);
    identified(&standin, &mut child, &err_path).await;

    let path = callback_path(1);
    standin.fail(
        "POST",
        &path,
        502,
        Some(json!({"message": "Bad Gateway", "code": 0})),
        1,
    );
    standin.fail(
        "POST",
        &path,
        429,
        Some(
            json!({"message": "You are being rate limited.", "retry_after": 0.05, "global": false}),
        ),
        1,
    );
    standin.inject(interaction(
        1,
        2,
        command_data(
            "ask",
            json!([{"name": "question", "type": 3, "value": "what is project nimbus"}]),
        ),
        member(3001, PLAIN_MEMBER, &[]),
        "en-US",
    ));
    let reply = standin
        .wait_for("the callback, after the retries", WAIT, |r| {
            r.method == "POST" && r.path == path
        })
        .await;
    assert!(
        visible_text(&reply.body["data"]).contains("Project Nimbus is a $1.2 billion"),
        "{:#}",
        reply.body
    );
    assert_eq!(
        standin.faulted().len(),
        2,
        "two failed attempts before the answer"
    );
    let log = logged(&err_path, "delivered after retrying").await;
    drop(child);
    assert!(log.contains("Discord server error (HTTP 502"), "{log}");
    assert!(log.contains("rate limited by Discord (HTTP 429)"), "{log}");
    assert!(!log.contains("Could not decode json"), "{log}");
    assert!(
        !log.contains("token-1"),
        "the interaction token is in the log:\n{log}"
    );
}

/// `nimbus-bot register` with three guilds, the middle one refusing (403 Missing Access): the
/// other two still get the commands, the failure names the guild by its place in the config
/// (logs carry no guild ids), and the exit code says it failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_goes_on_past_a_guild_that_refuses() {
    let standin = StandIn::start().await;
    let (dir, config, token_file) = child_setup(&standin, "guild_ids = [1000, 424242, 1002]\n");
    let refused = format!("/applications/{APP_ID}/guilds/424242/commands");
    standin.fail(
        "PUT",
        &refused,
        403,
        Some(json!({"message": "Missing Access", "code": 50001})),
        1,
    );
    let done = {
        let (dir, config, token_file) = (dir.path().to_owned(), config.clone(), token_file.clone());
        tokio::task::spawn_blocking(move || {
            crate::run_nimbus(
                &dir,
                &config,
                &token_file,
                "register",
                &[],
                Duration::from_secs(60),
                "register",
            )
        })
        .await
        .expect("runner")
    };
    let puts: Vec<String> = standin
        .requests()
        .iter()
        .filter(|r| r.method == "PUT")
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        puts,
        [
            format!("/applications/{APP_ID}/guilds/1000/commands"),
            format!("/applications/{APP_ID}/guilds/1002/commands")
        ],
        "stderr:\n{}",
        done.stderr
    );
    assert_eq!(standin.faulted().len(), 1);
    assert_eq!(done.status.code(), Some(1), "stderr:\n{}", done.stderr);
    let last = done
        .stderr
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or("");
    assert!(
        last.starts_with("nimbus-bot: ")
            && last.contains("1 of 3")
            && last.contains("guild_ids[1]")
            && last.contains("HTTP 403")
            && last.contains("Missing Access"),
        "{last}"
    );
    assert!(
        !done.stderr.contains("424242"),
        "a guild id is in the output:\n{}",
        done.stderr
    );
    // Not every guild has the set: nothing is recorded, so the next start tries again.
    assert!(!dir
        .path()
        .join(".nimbus-state/commands.fingerprint")
        .exists());
}

/// A FIFO named `*.toml` appears in the bank of a running bot: the watcher's reload skips it
/// (it used to block on it for ever), a moderator's `/bank reload` still answers, and SIGTERM
/// stops the process promptly with exit code 0.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_bot_with_a_fifo_in_the_bank() {
    let standin = StandIn::start().await;
    let (dir, config, token_file) = child_setup(&standin, "guild_ids = [1000]\n");
    let (child, _, err_path) = spawn_nimbus(dir.path(), &config, &token_file, "run", &[], "run");
    let mut child = KillOnDrop(child);
    identified(&standin, &mut child, &err_path).await;
    // The watcher is armed once the bot has started; the commands' registration comes after.
    ready(&standin).await;

    let fifo = dir.path().join("bank/pipe.toml");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    logged(&err_path, "pipe.toml").await;

    let n = 1;
    standin.inject(interaction(
        n,
        2,
        command_data(
            "bank",
            json!([{"name": "reload", "type": 1, "options": []}]),
        ),
        member(3005, MANAGE_MESSAGES, &[]),
        "en-US",
    ));
    let edit_path = format!("/webhooks/{APP_ID}/token-{n}/messages/@original");
    let edit = standin
        .wait_for("the /bank reload result", WAIT, |r| {
            r.method == "PATCH" && r.path == edit_path
        })
        .await;
    let text = visible_text(&edit.body);
    assert!(
        text.contains("Bank reloaded") && text.contains("pipe.toml"),
        "{text}"
    );

    // SAFETY: kill(2) with a pid this test started and still owns.
    let pid = libc::pid_t::try_from(child.0.id()).expect("pid fits");
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0, "send SIGTERM");
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(status) = child.0.try_wait().expect("poll") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "SIGTERM did not stop the bot; stderr:\n{}",
            std::fs::read_to_string(&err_path).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(
        exit.code(),
        Some(0),
        "stderr:\n{}",
        std::fs::read_to_string(&err_path).unwrap_or_default()
    );
}
