//! End to end: the real serenity client of `nimbus_bot::discord` against a stand-in Discord on
//! 127.0.0.1, driven through registration, commands in two languages, autocomplete, sharing,
//! the share cooldown, moderator gating and live reloads. Every body the bot sends is checked
//! against Discord's OpenAPI spec.

mod editing;
mod gaps;
mod http;
mod ops;
mod reliability;
mod replicas;
mod spec;
mod standin;

use std::path::{Path, PathBuf};
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

/// The width and height of an attached PNG, once all its pixel data decodes.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("the attachment is a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut pixels).expect("PNG data decodes");
    (info.width, info.height)
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
            ("POST", ["channels", _, "messages"]) if !r.files.is_empty() => {
                // A multipart body: payload_json with each file part beside it.
                let mut body = r.body.clone();
                for (name, _, bytes) in &r.files {
                    body[name] = json!(String::from_utf8_lossy(bytes));
                }
                spec::assert_valid(&spec.channel_message_multipart, &body, &r.path)
            }
            ("POST", ["channels", _, "messages"]) => {
                spec::assert_valid(&spec.channel_message, &r.body, &r.path)
            }
            ("PATCH", ["channels", _, "messages", _]) => {
                spec::assert_valid(&spec.channel_message_edit, &r.body, &r.path)
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
        state_dir: dir.path().join(".nimbus-state"),
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

    // Quote cards: /quote offers a Card button; pressing it posts the card publicly as a PNG
    // attachment (multipart, validated below with every other body), mentions off.
    let (_, body) = h
        .command(
            "quote",
            json!([{"name": "about", "type": 3, "value": "guardian-letter-demand"}]),
            member(3005, PLAIN_MEMBER, &[]),
            "en-US",
        )
        .await;
    let card_button = buttons(&body["data"])
        .into_iter()
        .find(|b| b.starts_with("card:"))
        .expect("a Card button under /quote");
    assert_eq!(card_button, "card:guardian-letter-demand:en");
    let (n, body) = h
        .send_component(
            json!({"custom_id": card_button, "component_type": 2}),
            member(3005, PLAIN_MEMBER, &[]),
        )
        .await;
    assert_eq!(body["type"], json!(4), "{body:#}");
    let data = &body["data"];
    assert!(!is_ephemeral(data), "a card is posted publicly: {data:#}");
    assert_no_mentions(data, "card post");
    assert!(visible_text(data).contains("Shared by <@3005>"), "{data:#}");
    let path = callback_path(n);
    let posted = h
        .standin
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path == path)
        .expect("the card's callback");
    assert_eq!(posted.files.len(), 1, "one file part");
    let (part, file_name, png_bytes) = &posted.files[0];
    assert_eq!(part, "files[0]");
    assert!(file_name.ends_with(".png"), "{file_name}");
    assert_eq!(data["attachments"][0]["filename"], json!(file_name));
    assert!(data["attachments"][0]["description"]
        .as_str()
        .is_some_and(|d| d.contains("For this reason")));
    assert_eq!(png_size(png_bytes), (1200, 675));

    // A second press in the same channel within the cooldown: privately, nothing drawn.
    let (n, body) = h
        .send_component(
            json!({"custom_id": "card:guardian-letter-demand:en", "component_type": 2}),
            member(3006, PLAIN_MEMBER, &[]),
        )
        .await;
    let data = &body["data"];
    assert!(is_ephemeral(data), "second card press is private: {data:#}");
    assert!(visible_text(data).contains("just shared"), "{data:#}");
    assert_no_mentions(data, "card cooldown note");
    let path = callback_path(n);
    assert!(h
        .standin
        .requests()
        .iter()
        .filter(|r| r.path == path)
        .all(|r| r.files.is_empty()));

    // `/quote card:true` attaches the card to the reply itself.
    let (n, body) = h
        .command(
            "quote",
            json!([{"name": "about", "type": 3, "value": "hayes-keep-safe"},
                   {"name": "card", "type": 5, "value": true}]),
            member(3007, PLAIN_MEMBER, &[]),
            "en-US",
        )
        .await;
    assert_no_mentions(&body["data"], "/quote card:true");
    let path = callback_path(n);
    let with_card = h
        .standin
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path == path)
        .expect("callback");
    assert_eq!(with_card.files.len(), 1, "{:#}", with_card.body);
    assert!(with_card.files[0].2.starts_with(b"\x89PNG"));

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
    std::fs::read_to_string(dir.join(".nimbus-state/commands.fingerprint"))
        .is_ok_and(|s| s.trim().len() == 16)
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

/// How a `nimbus-bot` child process ended, with everything it printed.
struct Finished {
    status: std::process::ExitStatus,
    stdout: String,
    stderr: String,
}

/// Runs `nimbus-bot --config <config> <command>` in `dir`, the token coming from a file named
/// by `DISCORD_TOKEN_FILE` (as from a secret mount), with `RUST_LOG=info,serenity=warn` unless
/// `env` says otherwise. A child process, so the test sets no environment variable in this
/// (multi-threaded) one. Killed and failed after `limit`, stderr in the message. `name` tells
/// runs apart (their output files in `dir`, and messages).
fn run_nimbus(
    dir: &Path,
    config: &Path,
    token_file: &Path,
    command: &str,
    env: &[(&str, &str)],
    limit: Duration,
    name: &str,
) -> Finished {
    use std::time::Instant;

    let (mut child, out_path, err_path) = spawn_nimbus(dir, config, token_file, command, env, name);
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for nimbus-bot") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`nimbus-bot {command}` ({name}) still running after {limit:?}; stderr:\n{}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Finished {
        status,
        stdout: std::fs::read_to_string(&out_path).expect("read stdout"),
        stderr: std::fs::read_to_string(&err_path).expect("read stderr"),
    }
}

/// Starts `nimbus-bot --config <config> <command>` as [`run_nimbus`] does and returns at once:
/// the child and the files its stdout and stderr go to.
fn spawn_nimbus(
    dir: &Path,
    config: &Path,
    token_file: &Path,
    command: &str,
    env: &[(&str, &str)],
    name: &str,
) -> (std::process::Child, PathBuf, PathBuf) {
    use std::process::{Command, Stdio};

    let out_path = dir.join(format!("{name}.stdout"));
    let err_path = dir.join(format!("{name}.stderr"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nimbus-bot"));
    // `command` may carry flags before it (`--log-format json run`).
    cmd.arg("--config")
        .arg(config)
        .args(command.split_whitespace())
        .current_dir(dir)
        .env_remove(nimbus_bot::discord::TOKEN_ENV)
        .env(nimbus_bot::discord::TOKEN_FILE_ENV, token_file)
        .env_remove("NIMBUS_CONFIG")
        .env_remove("NIMBUS_LOG_FORMAT")
        .env_remove(nimbus_bot::discord::LOG_DEPENDENCIES_ENV)
        .env("RUST_LOG", "info,serenity=warn")
        // Straight to the stand-in on 127.0.0.1, whatever proxy the machine has.
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy");
    for (key, value) in env {
        cmd.env(key, value);
    }
    let child = cmd
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("create stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("create stderr file"))
        .spawn()
        .unwrap_or_else(|e| panic!("start nimbus-bot {command}: {e}"));
    (child, out_path, err_path)
}

/// `nimbus-bot register` (see [`run_nimbus`]), which must succeed within 60 s.
fn run_register(dir: &Path, config: &Path, token_file: &Path, run: u32) {
    let name = format!("register-{run}");
    let done = run_nimbus(
        dir,
        config,
        token_file,
        "register",
        &[],
        Duration::from_secs(60),
        &name,
    );
    assert!(
        done.status.success(),
        "`nimbus-bot register` (run {run}) failed with {}; stderr:\n{}",
        done.status,
        done.stderr
    );
}

/// A temporary folder holding a copy of the fixture bank in `bank/`, a token file holding
/// `token`, and a `config.toml` pointing at the stand-in (REST and gateway) with one guild.
fn setup(standin: &StandIn, token: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    setup_with(standin, token, &format!("guild_ids = [{GUILD}]\n"))
}

/// A temporary folder holding a copy of the fixture bank (`bank/`) and a token file with
/// `token`, for a config file the caller writes beside them.
pub fn fixture_folder(token: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bank"),
        &dir.path().join("bank"),
    );
    let token_file = dir.path().join("discord-token");
    std::fs::write(&token_file, format!("{token}\n")).expect("write token file");
    (dir, token_file)
}

/// [`setup`] with `discord` (lines of the `[discord]` table) in place of the one guild.
fn setup_with(
    standin: &StandIn,
    token: &str,
    discord: &str,
) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let (dir, token_file) = fixture_folder(token);
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "bank = \"bank\"\n\n[discord]\napi_base = \"{}\"\ngateway_url = \"{}\"\n{discord}",
            standin.api_base, standin.gateway_url
        ),
    )
    .expect("write config");
    (dir, config, token_file)
}

/// `nimbus-bot register`: each run learns the application id, then sends the whole command set
/// as one bulk overwrite to the configured guild, valid against Discord's spec, and records it
/// in `.nimbus-state/commands.fingerprint` beside the config file. A second run sends the set again, though
/// nothing changed: registering is what the person asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_command_overwrites_the_whole_set() {
    let spec = spec::Spec::load();
    let standin = StandIn::start().await;
    let (dir, config, token_file) = setup(&standin, TOKEN);
    let state = dir.path().join(".nimbus-state/commands.fingerprint");
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

/// A token Discord does not know: distinctive, so any trace of it in the output is found.
const WRONG_TOKEN: &str = "MTk4NjIyNDgzNDcx.wrong-Gx7Qz.k3YpV9sLbTn2WcRf";

/// Runs `nimbus-bot <command>` on a blocking thread (see [`run_nimbus`]).
async fn run_child(
    dir: &Path,
    config: &Path,
    token_file: &Path,
    command: &'static str,
    env: &'static [(&'static str, &'static str)],
    limit: Duration,
) -> Finished {
    let (dir, config, token_file) = (dir.to_owned(), config.to_owned(), token_file.to_owned());
    tokio::task::spawn_blocking(move || {
        run_nimbus(&dir, &config, &token_file, command, env, limit, command)
    })
    .await
    .expect("nimbus-bot runner")
}

/// `nimbus-bot register` with a token Discord refuses, every log level on: exit code 2, one
/// actionable line naming DISCORD_TOKEN, and the token itself printed nowhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_with_a_wrong_token_exits_2_without_printing_it() {
    let standin = StandIn::start().await;
    let (dir, config, token_file) = setup(&standin, WRONG_TOKEN);

    let done = run_child(
        dir.path(),
        &config,
        &token_file,
        "register",
        &[("RUST_LOG", "trace")],
        Duration::from_secs(60),
    )
    .await;

    assert_eq!(
        done.status.code(),
        Some(2),
        "exit code; stderr:\n{}",
        done.stderr
    );
    for (stream, text) in [("stdout", &done.stdout), ("stderr", &done.stderr)] {
        assert!(
            !text.contains(WRONG_TOKEN),
            "the wrong token is printed on {stream}:\n{text}"
        );
    }
    let errors: Vec<&str> = done
        .stderr
        .lines()
        .filter(|l| l.starts_with("nimbus-bot: "))
        .collect();
    assert_eq!(errors.len(), 1, "one error line; stderr:\n{}", done.stderr);
    assert_eq!(
        done.stderr.lines().rfind(|l| !l.trim().is_empty()),
        Some(errors[0]),
        "the error is the last thing printed"
    );
    assert!(
        errors[0].contains("token") && errors[0].contains("DISCORD_TOKEN"),
        "actionable: {}",
        errors[0]
    );
    // The bot asked once with the wrong token, got Discord's 401 and stopped there.
    assert_eq!(standin.requests().len(), 0, "{:?}", standin.requests());
    assert_eq!(
        standin.unexpected(),
        ["GET /oauth2/applications/@me without the bot token"],
        "one look-up, refused"
    );
    assert_eq!(standin.gateway_connections(), 0);
}

/// A successful `nimbus-bot register` with every log level asked for, as JSON lines: the
/// token appears nowhere in the output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_never_appears_in_logs() {
    let standin = StandIn::start().await;
    let (dir, config, token_file) = setup(&standin, TOKEN);

    let done = run_child(
        dir.path(),
        &config,
        &token_file,
        "register",
        &[("RUST_LOG", "trace"), ("NIMBUS_LOG_FORMAT", "json")],
        Duration::from_secs(60),
    )
    .await;

    assert!(
        done.status.success(),
        "register failed with {}; stderr:\n{}",
        done.status,
        done.stderr
    );
    let put_path = format!("/applications/{APP_ID}/guilds/{GUILD}/commands");
    assert!(
        standin
            .requests()
            .iter()
            .any(|r| r.method == "PUT" && r.path == put_path),
        "the commands were registered: {:?}",
        standin.requests()
    );
    // The logging asked for is really on: JSON lines on stderr, nimbus-bot's own at any level,
    // every other crate's (serenity, reqwest, hyper: where secrets travel) at most warnings.
    let lines: Vec<Value> = done
        .stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get("level").is_some())
        .collect();
    assert!(
        !lines.is_empty(),
        "no JSON log lines; stderr:\n{}",
        done.stderr
    );
    for line in &lines {
        let target = line["target"].as_str().unwrap_or_default();
        assert!(
            target.starts_with("nimbus")
                || matches!(line["level"].as_str(), Some("WARN" | "ERROR")),
            "a dependency logs below warnings though RUST_LOG asked for trace: {line}"
        );
    }
    for (stream, text) in [("stdout", &done.stdout), ("stderr", &done.stderr)] {
        assert!(
            !text.contains(TOKEN),
            "the token is printed on {stream}:\n{text}"
        );
    }
    assert_eq!(
        standin.unexpected(),
        Vec::<String>::new(),
        "unexpected routes"
    );
}

/// `nimbus-bot run` with a bank that has a TOML error: exit code 2 with the problem at its
/// `path:line:col`, before any request to Discord, REST or gateway.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_refuses_a_broken_bank_before_connecting() {
    let standin = StandIn::start().await;
    let (dir, config, token_file) = setup(&standin, TOKEN);
    let starter = dir.path().join("bank/starter.toml");
    let mut text = std::fs::read_to_string(&starter).expect("read starter.toml");
    assert!(text.ends_with('\n'));
    // An unclosed table header on a new last line.
    let broken_line = text.lines().count() + 1;
    text.push_str("[[answer]\n");
    std::fs::write(&starter, text).expect("break starter.toml");

    let done = run_child(
        dir.path(),
        &config,
        &token_file,
        "run",
        &[],
        Duration::from_secs(30),
    )
    .await;

    assert_eq!(
        done.status.code(),
        Some(2),
        "exit code; stderr:\n{}",
        done.stderr
    );
    let located = format!("starter.toml:{broken_line}:");
    let problem = done
        .stderr
        .lines()
        .find(|l| l.contains(&located))
        .unwrap_or_else(|| panic!("no `{located}` line; stderr:\n{}", done.stderr));
    let (position, message) = problem
        .split_once(": error: ")
        .unwrap_or_else(|| panic!("not `path:line:col: error: ...`: {problem}"));
    let column = position.rsplit(':').next().expect("a column");
    assert!(
        column.parse::<u32>().is_ok_and(|c| c >= 1) && !message.trim().is_empty(),
        "not `path:line:col: error: ...`: {problem}"
    );
    // Give a connection that should not happen a moment to show up, then check for none.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        standin.requests().len(),
        0,
        "REST requests: {:?}",
        standin.requests()
    );
    assert_eq!(standin.unexpected(), Vec::<String>::new());
    assert_eq!(standin.gateway_connections(), 0, "gateway connections");
}

/// Kills the child on drop, so a failing test leaves no bot running.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `nimbus-bot run` with every log level asked for answers an interaction: neither the bot
/// token nor the interaction's token (which lets anyone holding it post as the bot for 15
/// minutes), nor the person's id or question, appears in its output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_logs_no_interaction_token_even_at_trace() {
    const INTERACTION_TOKEN: &str = "aW50ZXJhY3Rpb24.Zq8Vz3Lm5Xr7Wd2Hs6";
    const USER: u64 = 987_654_321_012_345_678;
    const QUESTION: &str = "what is project nimbus";
    let standin = StandIn::start().await;
    let (dir, config, token_file) = setup(&standin, TOKEN);
    let mut text = std::fs::read_to_string(&config).expect("read config");
    text.push_str("watch_bank = false\n");
    std::fs::write(&config, text).expect("write config");
    let (child, _, err_path) = spawn_nimbus(
        dir.path(),
        &config,
        &token_file,
        "run",
        &[("RUST_LOG", "trace")],
        "run",
    );
    let mut child = KillOnDrop(child);

    let deadline = std::time::Instant::now() + WAIT;
    while standin.identify().is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the bot did not identify within {WAIT:?}; stderr:\n{}",
            std::fs::read_to_string(&err_path).unwrap_or_default()
        );
        assert!(
            child.0.try_wait().expect("poll nimbus-bot").is_none(),
            "nimbus-bot run exited; stderr:\n{}",
            std::fs::read_to_string(&err_path).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut envelope = interaction(
        1,
        2,
        command_data(
            "ask",
            json!([{"name": "question", "type": 3, "value": QUESTION}]),
        ),
        member(USER, PLAIN_MEMBER, &[]),
        "en-US",
    );
    envelope["token"] = json!(INTERACTION_TOKEN);
    standin.inject(envelope);
    let path = format!("/interactions/8000001/{INTERACTION_TOKEN}/callback");
    let reply = standin
        .wait_for("the /ask callback", WAIT, |r| {
            r.method == "POST" && r.path == path
        })
        .await;
    assert!(
        visible_text(&reply.body["data"]).contains("Project Nimbus is a $1.2 billion"),
        "{:#}",
        reply.body
    );
    // Let anything logged after the callback reach the file, then stop the bot.
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(child);

    let stderr = std::fs::read_to_string(&err_path).expect("read stderr");
    assert!(!stderr.is_empty(), "nothing logged");
    for secret in [TOKEN, INTERACTION_TOKEN, &USER.to_string(), QUESTION] {
        assert!(
            !stderr.contains(secret),
            "`{secret}` is in the log at RUST_LOG=trace:\n{stderr}"
        );
    }
    assert_eq!(
        standin.unexpected(),
        Vec::<String>::new(),
        "unexpected routes"
    );
}
