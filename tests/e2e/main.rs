//! End to end: the real serenity client of `nimbus_bot::discord` against a stand-in Discord on
//! 127.0.0.1, driven through registration, commands in two languages, autocomplete, sharing,
//! the share cooldown, moderator gating and live reloads. Every body the bot sends is checked
//! against Discord's OpenAPI spec.

mod spec;
mod standin;

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

use nimbus_bot::config::Config;
use standin::{Recorded, StandIn, APP_ID, TOKEN};

const GUILD: u64 = 1000;
const CHANNEL: u64 = 2000;
const MOD_LOG: u64 = 3000;
const MOD_ROLE: u64 = 4242;
/// Manage Messages.
const MANAGE_MESSAGES: &str = "8192";
/// Send Messages only.
const PLAIN_MEMBER: &str = "2048";
const WAIT: Duration = Duration::from_secs(15);

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn member(user: u64, permissions: &str, roles: &[u64]) -> Value {
    json!({
        "user": {"id": user.to_string(), "username": format!("user{user}"), "discriminator": "0",
                 "global_name": null, "avatar": null},
        "roles": roles.iter().map(u64::to_string).collect::<Vec<_>>(),
        "joined_at": "2024-01-01T00:00:00+00:00", "deaf": false, "mute": false, "flags": 0,
        "permissions": permissions
    })
}

/// An interaction envelope of `kind` (2 command, 3 component, 4 autocomplete) numbered `n`.
fn interaction(n: u64, kind: u8, data: Value, member: Value, locale: &str) -> Value {
    json!({
        "id": (8_000_000 + n).to_string(), "application_id": APP_ID.to_string(), "type": kind,
        "token": format!("token-{n}"), "version": 1, "locale": locale, "guild_locale": "en-US",
        "entitlements": [], "attachment_size_limit": 8_388_608, "app_permissions": "0",
        "guild_id": GUILD.to_string(), "channel_id": CHANNEL.to_string(), "member": member,
        "data": data
    })
}

fn command_data(name: &str, options: Value) -> Value {
    json!({"id": "6000", "name": name, "type": 1, "options": options})
}

fn callback_path(n: u64) -> String {
    format!("/interactions/{}/token-{n}/callback", 8_000_000 + n)
}

/// Everything a reader would see in a message body: content and embed texts.
fn visible_text(data: &Value) -> String {
    let mut parts = vec![data["content"].as_str().unwrap_or("").to_owned()];
    for embed in data["embeds"].as_array().into_iter().flatten() {
        for key in ["title", "description"] {
            parts.push(embed[key].as_str().unwrap_or("").to_owned());
        }
        for field in embed["fields"].as_array().into_iter().flatten() {
            parts.push(field["name"].as_str().unwrap_or("").to_owned());
            parts.push(field["value"].as_str().unwrap_or("").to_owned());
        }
        parts.push(embed["footer"]["text"].as_str().unwrap_or("").to_owned());
    }
    parts.join("\n")
}

fn is_ephemeral(data: &Value) -> bool {
    data["flags"].as_u64().unwrap_or(0) & 64 != 0
}

fn assert_no_mentions(data: &Value, what: &str) {
    assert_eq!(
        data["allowed_mentions"]["parse"],
        json!([]),
        "{what}: allowed_mentions must parse nothing: {data:#}"
    );
}

fn buttons(data: &Value) -> Vec<String> {
    data["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|b| b["custom_id"].as_str().map(str::to_owned))
        .collect()
}

struct Harness {
    standin: StandIn,
    next: u64,
}

impl Harness {
    /// Injects an interaction and returns the callback body the bot answered with.
    async fn send(&mut self, kind: u8, data: Value, member: Value, locale: &str) -> (u64, Value) {
        self.next += 1;
        let n = self.next;
        self.standin
            .inject(interaction(n, kind, data, member, locale));
        let path = callback_path(n);
        let recorded = self
            .standin
            .wait_for(&format!("callback {n}"), WAIT, |r| {
                r.method == "POST" && r.path == path
            })
            .await;
        (n, recorded.body)
    }

    async fn command(
        &mut self,
        name: &str,
        options: Value,
        member: Value,
        locale: &str,
    ) -> (u64, Value) {
        self.send(2, command_data(name, options), member, locale)
            .await
    }

    async fn ask(&mut self, question: &str, lang: Option<&str>) -> Value {
        let mut options = vec![json!({"name": "question", "type": 3, "value": question})];
        if let Some(lang) = lang {
            options.push(json!({"name": "lang", "type": 3, "value": lang}));
        }
        let (_, body) = self
            .command(
                "ask",
                Value::Array(options),
                member(3001, PLAIN_MEMBER, &[]),
                "en-US",
            )
            .await;
        assert_eq!(body["type"], json!(4), "{body:#}");
        body["data"].clone()
    }

    /// `/bank reload` by a moderator: the deferral, then the edit of the original response.
    async fn reload(&mut self, member: Value) -> Value {
        let (n, body) = self
            .command(
                "bank",
                json!([{"name": "reload", "type": 1, "options": []}]),
                member,
                "en-US",
            )
            .await;
        assert_eq!(body["type"], json!(5), "reload defers first: {body:#}");
        assert!(is_ephemeral(&body["data"]));
        let path = format!("/webhooks/{APP_ID}/token-{n}/messages/@original");
        let edit = self
            .standin
            .wait_for("reload result", WAIT, |r| {
                r.method == "PATCH" && r.path == path
            })
            .await;
        edit.body
    }
}

fn validate_all(spec: &spec::Spec, requests: &[Recorded]) -> usize {
    let mut checked = 0;
    for r in requests {
        let segments: Vec<&str> = r.path.trim_start_matches('/').split('/').collect();
        match (r.method.as_str(), segments.as_slice()) {
            ("PUT", ["applications", .., "commands"]) => {
                for item in r.body.as_array().expect("bulk overwrite is an array") {
                    spec::assert_valid(&spec.command, item, &format!("command {}", item["name"]));
                }
            }
            ("POST", ["interactions", .., "callback"]) => {
                spec::assert_valid(&spec.callback, &r.body, &r.path)
            }
            ("PATCH", ["webhooks", ..]) => spec::assert_valid(&spec.edit, &r.body, &r.path),
            ("POST", ["channels", _, "messages"]) => {
                spec::assert_valid(&spec.channel_message, &r.body, &r.path)
            }
            ("GET", _) => continue,
            _ => panic!("no schema for {} {}", r.method, r.path),
        }
        checked += 1;
    }
    checked
}

fn check_command_rules(command: &Value) {
    let name = command["name"].as_str().unwrap_or("");
    assert!(spec::name_ok(name), "command name `{name}`");
    fn walk(options: &Value) {
        let options = options.as_array().cloned().unwrap_or_default();
        assert!(options.len() <= 25);
        for option in &options {
            let name = option["name"].as_str().unwrap_or("");
            assert!(spec::name_ok(name), "option name `{name}`");
            let choices = option["choices"].as_array().map_or(0, Vec::len);
            assert!(choices <= 25, "`{name}` has {choices} choices");
            assert!(
                !(choices > 0 && option["autocomplete"] == json!(true)),
                "`{name}` mixes choices and autocomplete"
            );
            walk(&option["options"]);
        }
    }
    walk(&command["options"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bot_against_stand_in_discord() {
    tokio::time::timeout(Duration::from_secs(180), scenario())
        .await
        .expect("the end-to-end scenario finishes within 3 minutes");
}

async fn scenario() {
    nimbus_bot::discord::init_logging();
    let spec = spec::Spec::load();
    let standin = StandIn::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let bank = dir.path().join("bank");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bank"),
        &bank,
    );

    let mut config = Config {
        bank: bank.clone(),
        ..Config::default()
    };
    config.discord.api_base = Some(standin.api_base.clone());
    config.discord.gateway_url = Some(standin.gateway_url.clone());
    config.discord.guild_ids = vec![GUILD];
    config.discord.moderator_role_ids = vec![MOD_ROLE];
    config.discord.mod_log_channel = Some(MOD_LOG);
    // Reloads are driven by /bank reload here so each step is deterministic; the watcher has
    // its own tests in src/reload.rs.
    config.discord.watch_bank = false;

    let bot = nimbus_bot::discord::start(&config, TOKEN)
        .await
        .expect("bot starts");
    let mut h = Harness { standin, next: 0 };

    // Registration: one bulk overwrite of the whole set in the configured guild.
    let put_path = format!("/applications/{APP_ID}/guilds/{GUILD}/commands");
    let put = h
        .standin
        .wait_for("command registration", WAIT, |r| {
            r.method == "PUT" && r.path == put_path
        })
        .await;
    let commands = put.body.as_array().expect("array of commands");
    let mut names: Vec<&str> = commands.iter().filter_map(|c| c["name"].as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["ask", "bank", "help", "quote", "sources", "timeline", "topic"]
    );
    commands.iter().for_each(check_command_rules);
    let bank_cmd = commands
        .iter()
        .find(|c| c["name"] == "bank")
        .expect("/bank");
    assert_eq!(
        bank_cmd["default_member_permissions"],
        json!(MANAGE_MESSAGES)
    );
    let identify = h.standin.identify().expect("the bot identified");
    assert_eq!(
        identify["intents"],
        json!(0),
        "no gateway intents are needed for interactions"
    );

    // /ask in English: private, with a Share button, mentions off.
    let data = h.ask("what is project nimbus", None).await;
    let text = visible_text(&data);
    assert!(text.contains("Project Nimbus is a $1.2 billion"), "{text}");
    assert!(is_ephemeral(&data), "private by default");
    assert_no_mentions(&data, "/ask");
    let share = buttons(&data)
        .into_iter()
        .find(|b| b.starts_with("share:"))
        .expect("a Share button");
    // Written once Discord accepted the set; the /ask round trip above gives it time.
    assert!(
        state_written(dir.path()),
        "registration state recorded beside the bank"
    );

    // /ask in Arabic via the lang option.
    let data = h.ask("ما هو مشروع نمبوس", Some("ar")).await;
    let text = visible_text(&data);
    assert!(text.contains("مشروع نمبوس عقد حوسبة سحابية"), "{text}");
    assert_no_mentions(&data, "/ask ar");

    // Autocomplete: type 8, at most 25 choices.
    let (_, body) = h
        .send(
            4,
            command_data(
                "topic",
                json!([{"name": "name", "type": 3, "value": "nimbus", "focused": true}]),
            ),
            member(3001, PLAIN_MEMBER, &[]),
            "en-US",
        )
        .await;
    assert_eq!(body["type"], json!(8), "{body:#}");
    let choices = body["data"]["choices"].as_array().expect("choices");
    assert!(!choices.is_empty() && choices.len() <= 25, "{choices:?}");
    assert!(
        choices.iter().any(|c| c["value"] == "what-is-nimbus"),
        "{choices:?}"
    );

    // The Share button posts publicly, credited without a ping.
    let press = |user: u64| {
        (
            json!({"custom_id": share, "component_type": 2}),
            member(user, PLAIN_MEMBER, &[]),
        )
    };
    let (data_a, member_a) = press(3002);
    let (_, body) = h.send_component(data_a, member_a).await;
    assert_eq!(body["type"], json!(4));
    let data = &body["data"];
    assert!(!is_ephemeral(data), "a shared post is public: {data:#}");
    assert!(visible_text(data).contains("Shared by <@3002>"), "{data:#}");
    assert!(visible_text(data).contains("Project Nimbus is a $1.2 billion"));
    assert_no_mentions(data, "shared post");

    // The same content again in the same channel: shown privately with the note.
    let (data_b, member_b) = press(3003);
    let (_, body) = h.send_component(data_b, member_b).await;
    let data = &body["data"];
    assert!(is_ephemeral(data), "second share is private: {data:#}");
    assert!(visible_text(data).contains("just shared"), "{data:#}");
    assert_no_mentions(data, "cooldown note");

    // A non-moderator is refused /bank reload, privately.
    let (_, body) = h
        .command(
            "bank",
            json!([{"name": "reload", "type": 1, "options": []}]),
            member(3004, PLAIN_MEMBER, &[]),
            "en-US",
        )
        .await;
    assert_eq!(body["type"], json!(4));
    assert!(is_ephemeral(&body["data"]));
    assert!(
        visible_text(&body["data"]).contains("Only moderators"),
        "{body:#}"
    );

    // A moderator reloads after an edit on disk: the answer changes.
    let starter = bank.join("starter.toml");
    let original = std::fs::read_to_string(&starter).expect("read");
    let edited = original.replace(
        "Project Nimbus is a $1.2 billion",
        "Project Nimbus (edited) is a $1.2 billion",
    );
    assert_ne!(original, edited, "the fixture text to edit is present");
    std::fs::write(&starter, edited).expect("write");
    let result = h.reload(member(3005, MANAGE_MESSAGES, &[])).await;
    assert!(
        visible_text(&result).contains("Bank reloaded"),
        "{result:#}"
    );
    assert_no_mentions(&result, "reload result");
    let text = visible_text(&h.ask("what is project nimbus", None).await);
    assert!(text.contains("Project Nimbus (edited) is"), "{text}");

    // A broken edit (by a moderator through a role): refused, old bank still served,
    // errors in the reply, the moderator log and /bank status.
    std::fs::write(
        bank.join("broken.toml"),
        "[[answer]]\nid = \"broken\"\nsourse = 1\n",
    )
    .expect("write");
    let moderator_by_role = member(3006, PLAIN_MEMBER, &[MOD_ROLE]);
    let result = h.reload(moderator_by_role.clone()).await;
    let text = visible_text(&result);
    assert!(
        text.contains("refused") && text.contains("broken.toml"),
        "{text}"
    );
    let log_path = format!("/channels/{MOD_LOG}/messages");
    let log = h
        .standin
        .wait_for("moderator log post", WAIT, |r| {
            r.method == "POST" && r.path == log_path
        })
        .await;
    assert!(
        visible_text(&log.body).contains("broken.toml"),
        "{:#}",
        log.body
    );
    assert_no_mentions(&log.body, "moderator log");
    let text = visible_text(&h.ask("what is project nimbus", None).await);
    assert!(
        text.contains("Project Nimbus (edited) is"),
        "old bank still served: {text}"
    );
    let (_, body) = h
        .command(
            "bank",
            json!([{"name": "status", "type": 1, "options": []}]),
            moderator_by_role,
            "en-US",
        )
        .await;
    let text = visible_text(&body["data"]);
    assert!(
        text.contains("Last reload error") && text.contains("broken.toml"),
        "{text}"
    );
    assert!(is_ephemeral(&body["data"]));
    let status = bot.live.status();
    assert!(status.last_error.is_some());

    // Every body the bot sent matches Discord's spec; nothing hit an unexpected route.
    let requests = h.standin.requests();
    let checked = validate_all(&spec, &requests);
    assert!(checked >= 15, "validated {checked} bodies");
    assert_eq!(
        h.standin.unexpected(),
        Vec::<String>::new(),
        "unexpected routes"
    );

    tokio::time::timeout(Duration::from_secs(15), bot.shutdown())
        .await
        .expect("the bot shuts down cleanly");
}

fn state_written(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join(".nimbus-bot-commands")).is_ok_and(|s| s.trim().len() == 16)
}

impl Harness {
    async fn send_component(&mut self, data: Value, member: Value) -> (u64, Value) {
        // Discord sends the message the button sits on with every press.
        let message = standin::message_json(CHANNEL, 64);
        self.next += 1;
        let n = self.next;
        let mut envelope = interaction(n, 3, Value::Null, member, "en-US");
        envelope["data"] = data;
        envelope["message"] = message;
        self.standin.inject(envelope);
        let path = callback_path(n);
        let recorded = self
            .standin
            .wait_for(&format!("callback {n}"), WAIT, |r| {
                r.method == "POST" && r.path == path
            })
            .await;
        (n, recorded.body)
    }
}

/// The architecture's invariant: only `src/discord/` knows serenity.
#[test]
fn only_the_discord_module_uses_serenity() {
    fn walk(dir: &Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                if !path.ends_with("discord") {
                    walk(&path, found);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                if text.contains("serenity::") || text.contains("use serenity") {
                    found.push(path.display().to_string());
                }
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    walk(&src, &mut found);
    assert!(src.join("discord/mod.rs").exists());
    assert_eq!(
        found,
        Vec::<String>::new(),
        "serenity used outside src/discord"
    );
}

/// Runs `nimbus-bot --config <config> register` in `dir`, the token coming from a file named
/// by `DISCORD_TOKEN_FILE` (as from a secret mount). A child process, so the test sets no
/// environment variable in this (multi-threaded) one. Fails after 60 s, stderr in the message.
fn run_register(dir: &Path, config: &Path, token_file: &Path, run: u32) {
    use std::process::{Command, Stdio};
    use std::time::Instant;

    let log = dir.join(format!("register-{run}.log"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_nimbus-bot"))
        .arg("--config")
        .arg(config)
        .arg("register")
        .current_dir(dir)
        .env_remove(nimbus_bot::discord::TOKEN_ENV)
        .env(nimbus_bot::discord::TOKEN_FILE_ENV, token_file)
        .env_remove("NIMBUS_CONFIG")
        .env_remove("NIMBUS_LOG_FORMAT")
        .env("RUST_LOG", "info,serenity=warn")
        // Straight to the stand-in on 127.0.0.1, whatever proxy the machine has.
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("create log file"))
        .spawn()
        .expect("start nimbus-bot register");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for nimbus-bot") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`nimbus-bot register` (run {run}) still running after 60 s; stderr:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        status.success(),
        "`nimbus-bot register` (run {run}) failed with {status}; stderr:\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
}

/// `nimbus-bot register`: each run learns the application id, then sends the whole command set
/// as one bulk overwrite to the configured guild, valid against Discord's spec, and records it
/// in `.nimbus-bot-commands` beside the bank folder. A second run sends the set again, though
/// nothing changed: registering is what the person asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_command_overwrites_the_whole_set() {
    let spec = spec::Spec::load();
    let standin = StandIn::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bank"),
        &dir.path().join("bank"),
    );
    let token_file = dir.path().join("discord-token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).expect("write token file");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "bank = \"bank\"\n\n[discord]\napi_base = \"{}\"\nguild_ids = [{GUILD}]\n",
            standin.api_base
        ),
    )
    .expect("write config");
    let state = dir.path().join(".nimbus-bot-commands");
    assert!(!state.exists());

    let expected_routes = [
        "GET /oauth2/applications/@me".to_owned(),
        format!("PUT /applications/{APP_ID}/guilds/{GUILD}/commands"),
    ];
    let mut fingerprints = Vec::new();
    let mut bodies = Vec::new();
    for run in 1..=2 {
        let before = standin.requests().len();
        let (dir_path, config, token_file) =
            (dir.path().to_owned(), config.clone(), token_file.clone());
        tokio::task::spawn_blocking(move || run_register(&dir_path, &config, &token_file, run))
            .await
            .expect("register runner");

        // The process has exited, so every request it made is recorded.
        let requests = standin.requests()[before..].to_vec();
        let routes: Vec<String> = requests
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        assert_eq!(
            routes, expected_routes,
            "run {run}: one look-up, one bulk PUT"
        );
        let commands = requests[1].body.as_array().expect("array of commands");
        let mut names: Vec<&str> = commands.iter().filter_map(|c| c["name"].as_str()).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            ["ask", "bank", "help", "quote", "sources", "timeline", "topic"],
            "run {run}"
        );
        commands.iter().for_each(check_command_rules);
        assert_eq!(
            validate_all(&spec, &requests),
            1,
            "run {run}: the PUT checked"
        );
        bodies.push(requests[1].body.clone());

        let fingerprint = std::fs::read_to_string(&state)
            .unwrap_or_else(|e| panic!("run {run}: no state file beside the bank folder: {e}"));
        let fingerprint = fingerprint.trim().to_owned();
        assert!(
            fingerprint.len() == 16 && fingerprint.bytes().all(|b| b.is_ascii_hexdigit()),
            "run {run}: state file holds `{fingerprint}`"
        );
        fingerprints.push(fingerprint);
    }
    assert_eq!(bodies[0], bodies[1], "the same set both times");
    assert_eq!(
        fingerprints[0], fingerprints[1],
        "the same fingerprint both times"
    );
    assert_eq!(
        standin.unexpected(),
        Vec::<String>::new(),
        "unexpected routes"
    );
}
