//! `nimbus-bot serve`, the HTTP interactions endpoint: requests signed in the test with a key
//! pair made for it; every way a request can fail verification gets 401 (or 413 for a body
//! too large) and the server goes on answering; PING gets PONG, valid against Discord's spec;
//! and the same interactions answered through the stand-in gateway and POSTed to the endpoint
//! get identical responses, editing forms and a deferred `/bank reload` included.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::{json, Value};

use crate::standin::{StandIn, APP_ID, TOKEN};
use crate::{
    callback_path, command_data, copy_dir, interaction, member, spawn_nimbus, spec, KillOnDrop,
    MANAGE_MESSAGES, MOD_ROLE, PLAIN_MEMBER, WAIT,
};

/// A key pair made for one test, and requests signed with it as Discord signs them.
pub struct Keys {
    signing: SigningKey,
}

impl Keys {
    /// A fresh random key pair.
    pub fn new() -> Keys {
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed).expect("random seed");
        Keys {
            signing: SigningKey::from_bytes(&seed),
        }
    }

    /// The public key as the Developer Portal shows it.
    pub fn public_hex(&self) -> String {
        hex(self.signing.verifying_key().as_bytes())
    }

    /// The signature header for `timestamp` and `body`.
    pub fn sign(&self, timestamp: &str, body: &[u8]) -> String {
        let mut message = timestamp.as_bytes().to_vec();
        message.extend_from_slice(body);
        hex(&self.signing.sign(&message).to_bytes())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Now, in Unix seconds, as Discord writes `X-Signature-Timestamp`.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// A client that goes straight to 127.0.0.1, whatever proxy the machine has.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("HTTP client")
}

/// POSTs `body` to `url` with these signature headers (each left out when `None`); the status
/// and the body as text.
pub async fn post_raw(
    client: &reqwest::Client,
    url: &str,
    signature: Option<&str>,
    timestamp: Option<&str>,
    body: Vec<u8>,
) -> (u16, String) {
    let mut request = client.post(url).body(body);
    if let Some(signature) = signature {
        request = request.header("X-Signature-Ed25519", signature);
    }
    if let Some(timestamp) = timestamp {
        request = request.header("X-Signature-Timestamp", timestamp);
    }
    let response = request.send().await.expect("the endpoint answers");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// POSTs an interaction signed now with `keys`; the status and the JSON answer.
pub async fn post_signed(
    client: &reqwest::Client,
    url: &str,
    keys: &Keys,
    interaction: &Value,
) -> (u16, Value) {
    let body = serde_json::to_vec(interaction).expect("json");
    let timestamp = now_secs().to_string();
    let signature = keys.sign(&timestamp, &body);
    let (status, text) = post_raw(client, url, Some(&signature), Some(&timestamp), body).await;
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Waits for the line `listening for interactions … address=HOST:PORT` in a `serve` log and
/// returns the endpoint's URL; fails with the log if it does not come within `WAIT`.
pub fn endpoint_url(err_path: &Path) -> String {
    let started = std::time::Instant::now();
    loop {
        let log = std::fs::read_to_string(err_path).unwrap_or_default();
        if let Some(line) = log
            .lines()
            .map(strip_colours)
            .find(|l| l.contains("listening for interactions"))
        {
            let address = line
                .split("address=")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .unwrap_or_else(|| panic!("no address in `{line}`"));
            return format!("http://{address}/interactions");
        }
        assert!(
            started.elapsed() < WAIT,
            "`nimbus-bot serve` did not start listening within {WAIT:?}; its log:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `line` without ANSI colour sequences (`ESC [ … m`).
fn strip_colours(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A folder with the fixture bank, a token file and a `config.toml` for `serve` on a port the
/// system picks, checking signatures with `public_key`, with `extra` appended (top-level keys
/// first, before any table). REST goes to `api_base`.
pub fn serve_setup(
    public_key: &str,
    api_base: &str,
    top: &str,
) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let (dir, token_file) = crate::fixture_folder(TOKEN);
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "bank = \"bank\"\n{top}\n[http]\nlisten = \"127.0.0.1:0\"\npublic_key = \"{public_key}\"\nmax_body_kb = 8\n\n[discord]\napi_base = \"{api_base}\"\nwatch_bank = false\nmoderator_role_ids = [{MOD_ROLE}]\n"
        ),
    )
    .expect("write config");
    (dir, config, token_file)
}

/// A request to refuse: what it is, its signature and timestamp headers, its body.
type Case = (&'static str, Option<String>, Option<String>, Vec<u8>);

/// Every request Discord did not sign, or signed too long ago or for another body, gets 401;
/// a body over the cap gets 413, whether its length is declared or not; nothing of it makes
/// the server panic or stop, and PING gets exactly PONG, as the spec describes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_what_discord_did_not_sign() {
    let keys = Keys::new();
    let (dir, config, token_file) = serve_setup(&keys.public_hex(), "http://127.0.0.1:9", "");
    let (child, _, err_path) =
        spawn_nimbus(dir.path(), &config, &token_file, "serve", &[], "serve");
    let _child = KillOnDrop(child);
    let url = endpoint_url(&err_path);
    let client = client();
    let spec = spec::Spec::load();

    let ping = br#"{"type":1,"id":"1","application_id":"2","token":"t","version":1}"#.to_vec();
    let now = now_secs();
    let ts = now.to_string();
    let good = keys.sign(&ts, &ping);
    let other = Keys::new().sign(&ts, &ping);
    let old = (now - 301).to_string();
    let ahead = (now + 301).to_string();
    let altered = br#"{"type":1,"id":"1","application_id":"2","token":"u","version":1}"#.to_vec();
    let cases: Vec<Case> = vec![
        ("no signature", None, Some(ts.clone()), ping.clone()),
        ("no timestamp", Some(good.clone()), None, ping.clone()),
        ("neither header", None, None, ping.clone()),
        (
            "signature not hex",
            Some("z".repeat(128)),
            Some(ts.clone()),
            ping.clone(),
        ),
        (
            "signature too short",
            Some(good[..100].to_owned()),
            Some(ts.clone()),
            ping.clone(),
        ),
        (
            "signature too long",
            Some(format!("{good}00")),
            Some(ts.clone()),
            ping.clone(),
        ),
        (
            "empty signature",
            Some(String::new()),
            Some(ts.clone()),
            ping.clone(),
        ),
        (
            "another key's signature",
            Some(other),
            Some(ts.clone()),
            ping.clone(),
        ),
        (
            "timestamp not a number",
            Some(good.clone()),
            Some("yesterday".into()),
            ping.clone(),
        ),
        (
            "timestamp negative",
            Some(good.clone()),
            Some("-1".into()),
            ping.clone(),
        ),
        (
            "timestamp huge",
            Some(good.clone()),
            Some("9".repeat(40)),
            ping.clone(),
        ),
        (
            "signed timestamp swapped",
            Some(good.clone()),
            Some((now - 1).to_string()),
            ping.clone(),
        ),
        (
            "stale timestamp",
            Some(keys.sign(&old, &ping)),
            Some(old.clone()),
            ping.clone(),
        ),
        (
            "timestamp ahead",
            Some(keys.sign(&ahead, &ping)),
            Some(ahead.clone()),
            ping.clone(),
        ),
        (
            "altered body",
            Some(good.clone()),
            Some(ts.clone()),
            altered,
        ),
        (
            "empty body",
            Some(good.clone()),
            Some(ts.clone()),
            Vec::new(),
        ),
        (
            "body not UTF-8",
            Some(good.clone()),
            Some(ts.clone()),
            vec![0xff, 0xfe, 0x00, 0x80],
        ),
    ];
    for (what, signature, timestamp, body) in cases {
        let (status, _) = post_raw(
            &client,
            &url,
            signature.as_deref(),
            timestamp.as_deref(),
            body,
        )
        .await;
        assert_eq!(status, 401, "{what}");
    }

    // Header values that are not text at all.
    let response = client
        .post(&url)
        .header(
            "X-Signature-Ed25519",
            reqwest::header::HeaderValue::from_bytes(&[0xc3, 0x28, 0xff]).expect("obs-text"),
        )
        .header(
            "X-Signature-Timestamp",
            reqwest::header::HeaderValue::from_bytes(&[0xe2, 0x82]).expect("obs-text"),
        )
        .body(ping.clone())
        .send()
        .await
        .expect("answered");
    assert_eq!(
        response.status().as_u16(),
        401,
        "headers that are not UTF-8"
    );

    // Over the 8 KiB cap: declared, and streamed without a length (chunked).
    let big = vec![b' '; 9 * 1024];
    let (status, _) = post_raw(&client, &url, Some(&good), Some(&ts), big.clone()).await;
    assert_eq!(status, 413, "a declared body over the cap");
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..9).map(|_| Ok(vec![b' '; 1024])).collect();
    let response = client
        .post(&url)
        .header("X-Signature-Ed25519", &good)
        .header("X-Signature-Timestamp", &ts)
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .expect("answered");
    assert_eq!(
        response.status().as_u16(),
        413,
        "a streamed body over the cap"
    );

    // Signed, but not an interaction: refused without a panic.
    for body in [
        &b"not json"[..],
        b"{}",
        b"[]",
        br#"{"type":2}"#,
        br#"{"type":99,"id":"x"}"#,
    ] {
        let ts = now_secs().to_string();
        let signature = keys.sign(&ts, body);
        let (status, _) = post_raw(&client, &url, Some(&signature), Some(&ts), body.to_vec()).await;
        assert_eq!(status, 400, "{}", String::from_utf8_lossy(body));
    }

    // Other methods and paths.
    let response = client.get(&url).send().await.expect("answered");
    assert_eq!(response.status().as_u16(), 405);
    let elsewhere = url.replace("/interactions", "/admin");
    let (status, _) = post_raw(&client, &elsewhere, Some(&good), Some(&ts), ping.clone()).await;
    assert_eq!(status, 404);

    // Still serving: PING → PONG, and the answer is a valid callback body.
    let ts = now_secs().to_string();
    let signature = keys.sign(&ts, &ping);
    let (status, text) = post_raw(&client, &url, Some(&signature), Some(&ts), ping.clone()).await;
    assert_eq!(status, 200, "{text}");
    let pong: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(pong, json!({"type": 1}));
    spec::assert_valid(&spec.callback, &pong, "PONG");
    assert!(
        spec::check(&spec.callback, &json!({"type": 99})).is_err(),
        "the spec check can fail"
    );

    let log = std::fs::read_to_string(&err_path).unwrap_or_default();
    assert!(!log.contains("panicked"), "{log}");
}

/// The same interactions, once through the stand-in gateway (answered by REST callback) and
/// once POSTed to the HTTP endpoint (answered in the response body), get identical responses:
/// `/ask` in two languages, `/help`, autocomplete, a Share press, a refused `/bank`, an
/// editing form and its submit, and `/bank reload`, which defers in the body and finishes over
/// REST in both modes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_and_http_answer_alike() {
    tokio::time::timeout(Duration::from_secs(120), alike())
        .await
        .expect("finishes within 2 minutes");
}

async fn alike() {
    nimbus_bot::discord::init_logging();
    let spec = spec::Spec::load();
    let standin = StandIn::start().await;
    let keys = Keys::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let configured = |name: &str| {
        let bank = dir.path().join(name).join("bank");
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bank"),
            &bank,
        );
        let mut config = nimbus_bot::config::Config {
            bank,
            state_dir: dir.path().join(name).join(".nimbus-state"),
            ..nimbus_bot::config::Config::default()
        };
        config.discord.api_base = Some(standin.api_base.clone());
        config.discord.gateway_url = Some(standin.gateway_url.clone());
        config.discord.guild_ids = vec![crate::GUILD];
        config.discord.moderator_role_ids = vec![MOD_ROLE];
        config.discord.watch_bank = false;
        config.http.listen = "127.0.0.1:0".into();
        config.http.public_key = Some(keys.public_hex());
        config
    };
    let gateway = nimbus_bot::discord::start(&configured("gateway"), TOKEN)
        .await
        .expect("gateway bot starts");
    let serving = nimbus_bot::discord::start_http(&configured("http"), TOKEN)
        .await
        .expect("HTTP endpoint starts");
    let url = format!("http://{}/interactions", serving.address);
    let client = client();
    let put = format!("/applications/{APP_ID}/guilds/{}/commands", crate::GUILD);
    standin
        .wait_for("registration", WAIT, |r| r.method == "PUT" && r.path == put)
        .await;

    let asker = || member(3001, PLAIN_MEMBER, &[]);
    let moderator = || member(3100, MANAGE_MESSAGES, &[]);
    let ask = |q: &str, lang: Option<&str>| {
        let mut options = vec![json!({"name": "question", "type": 3, "value": q})];
        if let Some(lang) = lang {
            options.push(json!({"name": "lang", "type": 3, "value": lang}));
        }
        command_data("ask", Value::Array(options))
    };
    let mut n = 100;
    // One interaction as the gateway and as the HTTP endpoint receive it (numbered apart, so
    // each has its own token); the first one's number.
    let mut both = |kind: u8, data: Value, member: Value| {
        n += 2;
        let mut pair =
            [n, n + 1].map(|k| interaction(k, kind, data.clone(), member.clone(), "en-US"));
        if kind == 3 {
            // Discord sends the message a button sits on with every press.
            for envelope in &mut pair {
                envelope["message"] = crate::standin::message_json(crate::CHANNEL, 64);
            }
        }
        let [via_gateway, via_http] = pair;
        (n, via_gateway, n + 1, via_http)
    };

    let script: Vec<(&str, u8, Value, Value)> = vec![
        ("/ask en", 2, ask("what is project nimbus", None), asker()),
        ("/ask ar", 2, ask("ما هو مشروع نمبوس", Some("ar")), asker()),
        (
            "/ask unsure",
            2,
            ask("who is the CEO of Google", None),
            asker(),
        ),
        ("/help", 2, command_data("help", json!([])), asker()),
        (
            "autocomplete",
            4,
            command_data(
                "topic",
                json!([{"name": "name", "type": 3, "value": "nim", "focused": true}]),
            ),
            asker(),
        ),
        (
            "/bank by a member",
            2,
            command_data(
                "bank",
                json!([{"name": "status", "type": 1, "options": []}]),
            ),
            asker(),
        ),
    ];
    let mut share = None;
    for (what, kind, data, member) in script {
        let (gn, via_gateway, _hn, via_http) = both(kind, data, member);
        standin.inject(via_gateway);
        let path = callback_path(gn);
        let from_gateway = standin
            .wait_for(what, WAIT, |r| r.method == "POST" && r.path == path)
            .await
            .body;
        let (status, from_http) = post_signed(&client, &url, &keys, &via_http).await;
        assert_eq!(status, 200, "{what}: {from_http}");
        spec::assert_valid(&spec.callback, &from_http, what);
        assert_eq!(from_gateway, from_http, "{what}: gateway and HTTP differ");
        if what == "/ask en" {
            share = crate::buttons(&from_http["data"])
                .into_iter()
                .find(|b| b.starts_with("share:"));
        }
    }

    // A Share press: public, credited without a ping, alike.
    let share = share.expect("a Share button");
    let (gn, via_gateway, _, via_http) = both(
        3,
        json!({"custom_id": share, "component_type": 2}),
        member(3002, PLAIN_MEMBER, &[]),
    );
    standin.inject(via_gateway);
    let path = callback_path(gn);
    let from_gateway = standin
        .wait_for("share", WAIT, |r| r.method == "POST" && r.path == path)
        .await
        .body;
    let (status, from_http) = post_signed(&client, &url, &keys, &via_http).await;
    assert_eq!(status, 200);
    assert_eq!(from_gateway, from_http, "share: gateway and HTTP differ");
    assert!(!crate::is_ephemeral(&from_http["data"]), "{from_http:#}");

    // Editing over HTTP: the form (a modal must be the first response), then its submit.
    let (status, modal) = post_signed(
        &client,
        &url,
        &keys,
        &interaction(
            500,
            2,
            command_data(
                "bank",
                json!([{"name": "edit", "type": 1, "options": [
                    {"name": "entry", "type": 3, "value": "what-is-nimbus"}]}]),
            ),
            moderator(),
            "en-US",
        ),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(modal["type"], json!(9), "a modal in the body: {modal:#}");
    spec::assert_valid(&spec.callback, &modal, "modal over HTTP");
    let form = modal["data"]["custom_id"]
        .as_str()
        .expect("form id")
        .to_owned();
    let (status, preview) = post_signed(
        &client,
        &url,
        &keys,
        &interaction(
            501,
            5,
            json!({"custom_id": form, "components": [
                {"type": 1, "components": [{"type": 4, "custom_id": "body", "value": "Changed over HTTP."}]}]}),
            moderator(),
            "en-US",
        ),
    )
    .await;
    assert_eq!(status, 200);
    // Quick enough to answer at once, or deferred with the preview as a REST edit.
    let preview_data = if preview["type"] == json!(5) {
        let path = format!("/webhooks/{APP_ID}/token-501/messages/@original");
        standin
            .wait_for("preview edit", WAIT, |r| {
                r.method == "PATCH" && r.path == path
            })
            .await
            .body
    } else {
        assert_eq!(preview["type"], json!(4), "{preview:#}");
        preview["data"].clone()
    };
    assert!(
        crate::buttons(&preview_data)
            .iter()
            .any(|b| b.starts_with("edit:publish:")),
        "a preview with Publish: {preview_data:#}"
    );

    // /bank reload: type 5 in the body, then the result as a REST edit, like the gateway's.
    let (status, deferred) = post_signed(
        &client,
        &url,
        &keys,
        &interaction(
            502,
            2,
            command_data(
                "bank",
                json!([{"name": "reload", "type": 1, "options": []}]),
            ),
            moderator(),
            "en-US",
        ),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(deferred["type"], json!(5), "{deferred:#}");
    assert!(crate::is_ephemeral(&deferred["data"]));
    spec::assert_valid(&spec.callback, &deferred, "deferral over HTTP");
    let path = format!("/webhooks/{APP_ID}/token-502/messages/@original");
    let edit = standin
        .wait_for("reload result", WAIT, |r| {
            r.method == "PATCH" && r.path == path
        })
        .await;
    spec::assert_valid(&spec.edit, &edit.body, "reload result over HTTP");
    assert!(
        crate::visible_text(&edit.body).contains("Bank reloaded"),
        "{:#}",
        edit.body
    );

    // A quote card over HTTP: a response body cannot carry files, so the press is deferred
    // publicly in the body and the card arrives as a multipart edit of the original.
    let (status, quoted) = post_signed(
        &client,
        &url,
        &keys,
        &interaction(
            503,
            2,
            command_data(
                "quote",
                json!([{"name": "about", "type": 3, "value": "guardian-letter-demand"}]),
            ),
            asker(),
            "en-US",
        ),
    )
    .await;
    assert_eq!(status, 200, "{quoted:#}");
    let card = crate::buttons(&quoted["data"])
        .into_iter()
        .find(|b| b.starts_with("card:"))
        .expect("a Card button under /quote");
    let mut press = interaction(
        504,
        3,
        json!({"custom_id": card, "component_type": 2}),
        member(3007, PLAIN_MEMBER, &[]),
        "en-US",
    );
    press["message"] = crate::standin::message_json(crate::CHANNEL, 64);
    let (status, deferred) = post_signed(&client, &url, &keys, &press).await;
    assert_eq!(status, 200);
    assert_eq!(
        deferred["type"],
        json!(5),
        "deferred in the body: {deferred:#}"
    );
    assert!(
        !crate::is_ephemeral(&deferred["data"]),
        "a card is posted publicly: {deferred:#}"
    );
    spec::assert_valid(&spec.callback, &deferred, "card deferral over HTTP");
    let path = format!("/webhooks/{APP_ID}/token-504/messages/@original");
    let edit = standin
        .wait_for("card edit", WAIT, |r| r.method == "PATCH" && r.path == path)
        .await;
    spec::assert_valid(&spec.edit, &edit.body, "card edit over HTTP");
    crate::assert_no_mentions(&edit.body, "card over HTTP");
    assert_eq!(edit.files.len(), 1, "one file part: {:#}", edit.body);
    let (_, file_name, png_bytes) = &edit.files[0];
    assert!(file_name.ends_with(".png"), "{file_name}");
    assert_eq!(crate::png_size(png_bytes), (1200, 675));

    assert_eq!(standin.unexpected(), Vec::<String>::new());
    serving.shutdown().await;
    gateway.shutdown().await;
}
