//! The gap log end to end: a question the bot cannot answer, asked through the stand-in
//! Discord, shows up in `/bank gaps` for a moderator (not for a member) and in
//! `nimbus-bot gaps`, and the state folder then holds the question's text, count and days —
//! no user, guild, channel or interaction id, no token.

use super::*;

/// A member id long enough to be recognisable anywhere it might leak.
const ASKER: u64 = 712_345_678_901_234_567;

fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read state folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            all_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unanswered_questions_reach_bank_gaps_and_the_cli_without_identifiers() {
    tokio::time::timeout(Duration::from_secs(120), gaps_scenario())
        .await
        .expect("the gap log scenario finishes within 2 minutes");
}

async fn gaps_scenario() {
    let spec = spec::Spec::load();
    let standin = StandIn::start().await;
    let (dir, config_path, _token_file) = setup(&standin, TOKEN);
    let mut config = Config::load(Some(&config_path)).expect("config");
    config.discord.watch_bank = false;
    let state = config.state_dir.clone();
    let bot = nimbus_bot::discord::start(&config, TOKEN)
        .await
        .expect("bot starts");
    let mut h = Harness { standin, next: 0 };

    // Asked twice, in two spellings, by a member; plus one question the bank answers.
    let question = "Who is the CEO of Microsoft?";
    for (n, q) in [(0, question), (1, "who is the ceo of microsoft?   ")] {
        let (_, body) = h
            .command(
                "ask",
                json!([{"name": "question", "type": 3, "value": q}]),
                member(ASKER + n, PLAIN_MEMBER, &[]),
                "en-US",
            )
            .await;
        let text = visible_text(&body["data"]);
        assert!(
            !text.contains("Project Nimbus is a $1.2 billion"),
            "an off-topic question must not get an answer: {text}"
        );
    }
    let answered = h.ask("what is project nimbus", None).await;
    assert!(visible_text(&answered).contains("Project Nimbus is a $1.2 billion"));

    // A member cannot read the log.
    let gaps_command = json!([{"name": "gaps", "type": 1, "options": []}]);
    let (_, body) = h
        .command(
            "bank",
            gaps_command.clone(),
            member(3004, PLAIN_MEMBER, &[]),
            "en-US",
        )
        .await;
    let text = visible_text(&body["data"]);
    assert!(text.contains("Only moderators"), "{text}");
    assert!(!text.contains("microsoft"), "{text}");

    // A moderator sees the question once, counted twice, privately, mentions off.
    let (_, body) = h
        .command(
            "bank",
            gaps_command,
            member(3005, MANAGE_MESSAGES, &[]),
            "en-US",
        )
        .await;
    assert_eq!(body["type"], json!(4), "{body:#}");
    let data = &body["data"];
    assert!(is_ephemeral(data));
    assert_no_mentions(data, "/bank gaps");
    let text = visible_text(data);
    assert!(
        text.contains("2× “who is the ceo of microsoft?”"),
        "/bank gaps lists the question with its count: {text}"
    );
    assert!(!text.contains("what is project nimbus"), "{text}");

    let requests = h.standin.requests();
    assert!(validate_all(&spec, &requests) >= 4);
    tokio::time::timeout(Duration::from_secs(15), bot.shutdown())
        .await
        .expect("the bot shuts down cleanly");

    // The file: exactly the text, a count and two days.
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(state.join("gaps.json")).expect("gaps.json written at shutdown"),
    )
    .expect("gaps.json is JSON");
    let today = time::OffsetDateTime::now_utc().date();
    let day = format!(
        "{:04}-{:02}-{:02}",
        today.year(),
        u8::from(today.month()),
        today.day()
    );
    assert_eq!(
        file,
        json!({"version": 1, "gaps": [
            {"text": "who is the ceo of microsoft?", "count": 2, "first": day, "last": day}
        ]}),
        "the gap log keeps nothing else"
    );
    // No identifier of the people, the place or the interaction anywhere in the state folder.
    let mut files = Vec::new();
    all_files(&state, &mut files);
    for path in files {
        let bytes = std::fs::read(&path).expect("read state file");
        let text = String::from_utf8_lossy(&bytes);
        for needle in [
            ASKER.to_string(),
            (ASKER + 1).to_string(),
            "token-".to_owned(),
            "8000001".to_owned(),
            format!("\"{CHANNEL}\""),
            format!("\"{GUILD}\""),
            "en-US".to_owned(),
        ] {
            assert!(
                !text.contains(&needle),
                "{} holds {needle:?}: {text}",
                path.display()
            );
        }
    }

    // `nimbus-bot gaps` reads the same file and names the nearest entries.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nimbus-bot"))
        .arg("--config")
        .arg(&config_path)
        .args(["gaps", "--json"])
        .env_remove("NIMBUS_STATE_DIR")
        .env_remove("NIMBUS_CONFIG")
        .current_dir(dir.path())
        .output()
        .expect("run nimbus-bot gaps");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: Value = serde_json::from_slice(&out.stdout).expect("gaps --json is JSON");
    assert_eq!(listed[0]["text"], json!("who is the ceo of microsoft?"));
    assert_eq!(listed[0]["count"], json!(2));
    assert!(listed[0]["nearest"].is_array(), "{listed:#}");
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed:#}");
}
