//! The health and metrics listener against the stand-in Discord: `/healthz` follows the bank
//! and the gateway connection, `/metrics` is valid Prometheus text whose counters move with
//! real interactions and whose labels never hold an id; `nimbus-bot healthcheck` exit codes;
//! `--log-format json` lines that parse and carry no user id or question.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use nimbus_bot::config::Config;
use nimbus_bot::ops::{self, Health, Mode};

use crate::standin::{StandIn, TOKEN};
use crate::{
    command_data, copy_dir, interaction, member, run_nimbus, setup, spawn_nimbus, visible_text,
    KillOnDrop, PLAIN_MEMBER, WAIT,
};

/// Ids as long as Discord's (18 and 19 digits), so a label that carried one would show.
const USER: u64 = 987_654_321_012_345_678;
const GUILD_ID: u64 = 1_234_567_890_123_456_789;
const CHANNEL_ID: u64 = 223_456_789_012_345_678;
const QUESTION: &str = "what is project nimbus";

/// One sample of a metrics page: its name, labels and value.
#[derive(Debug, Clone)]
pub struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses Prometheus text format 0.0.4 strictly: every family has one `# HELP` and one
/// `# TYPE` before its samples; names and label names match the format's grammar; label
/// values are quoted with valid escapes, never repeated; values are floats; a family's
/// samples are contiguous; histograms have `le` buckets that never decrease and end at
/// `+Inf` equal to `_count`. Returns the samples by family, or what is wrong and where.
pub fn parse_prometheus(text: &str) -> Result<BTreeMap<String, Vec<Sample>>, String> {
    let name_ok = |n: &str| {
        let mut chars = n.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    };
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut helps: BTreeMap<String, String> = BTreeMap::new();
    let mut families: BTreeMap<String, Vec<Sample>> = BTreeMap::new();
    let mut finished: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    if !text.ends_with('\n') {
        return Err("the page must end with a newline".into());
    }
    for (i, line) in text.lines().enumerate() {
        let at = |m: &str| format!("line {}: {m}: {line:?}", i + 1);
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (keyword, name, tail) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
            );
            if !name_ok(name) {
                return Err(at("bad metric name"));
            }
            let map = match keyword {
                "HELP" => &mut helps,
                "TYPE" => {
                    if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&tail) {
                        return Err(at("unknown type"));
                    }
                    &mut types
                }
                _ => continue,
            };
            if map.insert(name.to_owned(), tail.to_owned()).is_some() {
                return Err(at("repeated"));
            }
            if families.contains_key(name) {
                return Err(at("HELP/TYPE after the family's samples"));
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let (name, rest) = match line.find(['{', ' ']) {
            Some(p) => line.split_at(p),
            None => return Err(at("no value")),
        };
        if !name_ok(name) {
            return Err(at("bad metric name"));
        }
        let mut labels = BTreeMap::new();
        let rest = if let Some(inner) = rest.strip_prefix('{') {
            let mut chars = inner.char_indices().peekable();
            let end;
            loop {
                let Some((start, c)) = chars.next() else {
                    return Err(at("unclosed labels"));
                };
                if c == '}' {
                    end = start;
                    break;
                }
                if c == ',' {
                    continue;
                }
                let mut label = String::from(c);
                for (_, c) in chars.by_ref() {
                    if c == '=' {
                        break;
                    }
                    label.push(c);
                }
                if !name_ok(&label) || label.contains(':') {
                    return Err(at("bad label name"));
                }
                if chars.next().map(|(_, c)| c) != Some('"') {
                    return Err(at("label value not quoted"));
                }
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some((_, '"')) => break,
                        Some((_, '\\')) => match chars.next() {
                            Some((_, 'n')) => value.push('\n'),
                            Some((_, '\\')) => value.push('\\'),
                            Some((_, '"')) => value.push('"'),
                            _ => return Err(at("bad escape")),
                        },
                        Some((_, c)) => value.push(c),
                        None => return Err(at("unterminated label value")),
                    }
                }
                if labels.insert(label, value).is_some() {
                    return Err(at("label repeated"));
                }
            }
            &inner[end + 1..]
        } else {
            rest
        };
        let mut fields = rest.split_whitespace();
        let value = fields.next().ok_or_else(|| at("no value"))?;
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            v => v.parse().map_err(|_| at("value is not a float"))?,
        };
        if let Some(timestamp) = fields.next() {
            timestamp
                .parse::<i64>()
                .map_err(|_| at("timestamp is not an integer"))?;
        }
        if fields.next().is_some() {
            return Err(at("trailing text"));
        }
        let family = ["_bucket", "_sum", "_count", "_total"]
            .iter()
            .filter_map(|suffix| name.strip_suffix(suffix))
            .find(|base| types.contains_key(*base) || types.contains_key(&format!("{base}_total")))
            .map(|base| {
                if types.contains_key(base) {
                    base.to_owned()
                } else {
                    format!("{base}_total")
                }
            })
            .unwrap_or_else(|| name.to_owned());
        let family = if types.contains_key(name) {
            name.to_owned()
        } else {
            family
        };
        if !types.contains_key(&family) || !helps.contains_key(&family) {
            return Err(at("sample without # HELP and # TYPE"));
        }
        if current.as_deref() != Some(&family) {
            if finished.contains(&family) {
                return Err(at("family's samples are not contiguous"));
            }
            if let Some(previous) = current.replace(family.clone()) {
                finished.push(previous);
            }
        }
        families.entry(family).or_default().push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    for (family, kind) in &types {
        if kind != "histogram" {
            continue;
        }
        let samples = families.get(family).cloned().unwrap_or_default();
        let mut series: BTreeMap<String, Vec<&Sample>> = BTreeMap::new();
        for sample in &samples {
            let mut key = sample.labels.clone();
            key.remove("le");
            series.entry(format!("{key:?}")).or_default().push(sample);
        }
        for (key, samples) in series {
            let buckets: Vec<&&Sample> = samples
                .iter()
                .filter(|s| s.name == format!("{family}_bucket"))
                .collect();
            let mut last = (f64::NEG_INFINITY, 0.0);
            for bucket in &buckets {
                let le: f64 = match bucket.labels.get("le").map(String::as_str) {
                    Some("+Inf") => f64::INFINITY,
                    Some(le) => le
                        .parse()
                        .map_err(|_| format!("{family} {key}: le {le:?} is not a float"))?,
                    None => return Err(format!("{family} {key}: a bucket without le")),
                };
                if le <= last.0 || bucket.value < last.1 {
                    return Err(format!("{family} {key}: buckets out of order"));
                }
                last = (le, bucket.value);
            }
            let count = samples
                .iter()
                .find(|s| s.name == format!("{family}_count"))
                .map(|s| s.value);
            if last.0 != f64::INFINITY || count != Some(last.1) {
                return Err(format!(
                    "{family} {key}: the +Inf bucket must exist and equal _count"
                ));
            }
            if !samples.iter().any(|s| s.name == format!("{family}_sum")) {
                return Err(format!("{family} {key}: no _sum"));
            }
        }
    }
    Ok(families)
}

/// Every family the issue asks for, with its type.
const FAMILIES: [(&str, &str); 7] = [
    ("nimbus_interactions_total", "counter"),
    ("nimbus_answer_seconds", "histogram"),
    ("nimbus_reloads_total", "counter"),
    ("nimbus_bank_entries", "gauge"),
    ("nimbus_gateway_connected", "gauge"),
    ("nimbus_cards_rendered_total", "counter"),
    ("nimbus_ready", "gauge"),
];

/// Checks the families are there and no label value looks like a Discord id (17 digits or
/// more in a row) or is one of `ids`.
fn check_page(text: &str, ids: &[u64]) -> BTreeMap<String, Vec<Sample>> {
    let families = parse_prometheus(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    for (family, kind) in FAMILIES {
        assert!(
            text.contains(&format!("# TYPE {family} {kind}\n")),
            "no {kind} {family} in\n{text}"
        );
    }
    let id_like = regex::Regex::new(r"[0-9]{17,}").expect("regex");
    for sample in families.values().flatten() {
        for (label, value) in &sample.labels {
            assert!(
                !id_like.is_match(value) && !id_like.is_match(label),
                "{}{{{label}={value:?}}} looks like a Discord id",
                sample.name
            );
        }
    }
    for id in ids {
        assert!(!text.contains(&id.to_string()), "{id} in\n{text}");
    }
    families
}

/// The value of the sample named `name` (a family's own name, or `…_count`, `…_bucket`) with
/// `labels`; 0 when there is none (a counter not yet incremented).
fn value(families: &BTreeMap<String, Vec<Sample>>, name: &str, labels: &[(&str, &str)]) -> f64 {
    families
        .values()
        .flatten()
        .find(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map_or(0.0, |s| s.value)
}

async fn get(url: String) -> Result<(u16, String), String> {
    tokio::task::spawn_blocking(move || ops::get(&url))
        .await
        .expect("GET task")
}

/// Polls `url` until it answers `status`, failing with the last answer after [`WAIT`].
async fn wait_status(url: &str, status: u16) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let answer = get(url.to_owned()).await;
        if let Ok((s, body)) = &answer {
            if *s == status {
                return body.clone();
            }
        }
        assert!(
            Instant::now() < deadline,
            "{url} did not answer {status} within {WAIT:?}; last: {answer:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn ask_envelope(n: u64) -> Value {
    let mut envelope = interaction(
        n,
        2,
        command_data(
            "ask",
            json!([{"name": "question", "type": 3, "value": QUESTION}]),
        ),
        member(USER, PLAIN_MEMBER, &[]),
        "en-US",
    );
    envelope["guild_id"] = json!(GUILD_ID.to_string());
    envelope["channel_id"] = json!(CHANNEL_ID.to_string());
    envelope
}

fn in_process_config(standin: &StandIn, dir: &Path) -> Config {
    let bank = dir.join("bank");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bank"),
        &bank,
    );
    let mut config = Config {
        bank,
        state_dir: dir.join(".nimbus-state"),
        ..Config::default()
    };
    config.discord.api_base = Some(standin.api_base.clone());
    config.discord.gateway_url = Some(standin.gateway_url.clone());
    config.discord.watch_bank = false;
    config
}

/// `/healthz` is 503 before the bank is loaded, 200 once the gateway is READY, and 503 again
/// after the gateway is shut down; `/metrics` parses, has every family, counts a real `/ask`
/// and holds none of the ids that interaction carried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_and_metrics_follow_a_gateway_bot() {
    nimbus_bot::discord::init_logging();
    let standin = StandIn::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = in_process_config(&standin, dir.path());
    let health = Health::new(Mode::Gateway);
    let listener = ops::bind(SocketAddr::from(([127, 0, 0, 1], 0)), Arc::clone(&health))
        .await
        .expect("bind the listener");
    let healthz = format!("http://{}/healthz", listener.addr());
    let metrics = format!("http://{}/metrics", listener.addr());

    let (status, reason) = get(healthz.clone()).await.expect("an answer");
    assert_eq!(
        (status, reason.as_str()),
        (503, "not ready: the bank is not loaded yet\n")
    );
    let (_, page) = get(metrics.clone()).await.expect("metrics");
    let families = check_page(&page, &[]);
    assert_eq!(value(&families, "nimbus_ready", &[]), 0.0);

    let bot = nimbus_bot::discord::start_with(&config, TOKEN, Arc::clone(&health))
        .await
        .expect("bot starts");
    assert_eq!(wait_status(&healthz, 200).await, "ready\n");

    let labels = [("kind", "command"), ("command", "ask"), ("outcome", "ok")];
    let (_, page) = get(metrics.clone()).await.expect("metrics");
    let before = value(
        &check_page(&page, &[]),
        "nimbus_interactions_total",
        &labels,
    );
    standin.inject(ask_envelope(1));
    let path = "/interactions/8000001/token-1/callback";
    let reply = standin
        .wait_for("the /ask callback", WAIT, |r| {
            r.method == "POST" && r.path == path
        })
        .await;
    assert!(visible_text(&reply.body["data"]).contains("Project Nimbus"));
    // The counter moves after the callback is accepted; give it a moment.
    let deadline = Instant::now() + WAIT;
    let families = loop {
        let (status, page) = get(metrics.clone()).await.expect("metrics");
        assert_eq!(status, 200);
        let families = check_page(&page, &[USER, GUILD_ID, CHANNEL_ID]);
        if value(&families, "nimbus_interactions_total", &labels) > before {
            break families;
        }
        assert!(
            Instant::now() < deadline,
            "the /ask was not counted:\n{page}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(value(&families, "nimbus_ready", &[]), 1.0);
    assert_eq!(value(&families, "nimbus_gateway_connected", &[]), 1.0);
    let answers = bot.live.bank().answers.len() as f64;
    assert_eq!(
        value(&families, "nimbus_bank_entries", &[("kind", "answer")]),
        answers
    );
    assert!(
        value(
            &families,
            "nimbus_answer_seconds_count",
            &[("kind", "command")]
        ) >= 1.0
    );

    bot.shutdown().await;
    let (status, reason) = get(healthz).await.expect("an answer");
    assert_eq!(
        (status, reason.as_str()),
        (503, "not ready: not connected to the Discord gateway\n")
    );
}

/// With the bank loaded but no gateway to reach, the bot is not ready, and says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_is_503_while_the_gateway_is_unreachable() {
    let standin = StandIn::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = in_process_config(&standin, dir.path());
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    config.discord.gateway_url = Some(format!("ws://127.0.0.1:{port}"));
    let health = Health::new(Mode::Gateway);
    let listener = ops::bind(SocketAddr::from(([127, 0, 0, 1], 0)), Arc::clone(&health))
        .await
        .expect("bind the listener");
    let healthz = format!("http://{}/healthz", listener.addr());
    let bot = nimbus_bot::discord::start_with(&config, TOKEN, Arc::clone(&health))
        .await
        .expect("bot starts");
    for _ in 0..5 {
        let (status, reason) = get(healthz.clone()).await.expect("an answer");
        assert_eq!(
            (status, reason.as_str()),
            (503, "not ready: not connected to the Discord gateway\n")
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bot.shutdown().await;
}

/// The real binary: `healthcheck` exits 1 with nothing listening and 0 once `run` is ready,
/// then 1 again after it stops; `--log-format json` writes only JSON lines, none holding the
/// person's id, the ids of where they asked, or the question; `/metrics` counted the `/ask`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_serves_healthz_metrics_and_json_logs() {
    let standin = StandIn::start().await;
    let (dir, config, token_file) = setup(&standin, TOKEN);
    let port = {
        let free = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        free.local_addr().expect("addr").port()
    };
    let mut text = std::fs::read_to_string(&config).expect("read config");
    text.push_str(&format!(
        "watch_bank = false\n\n[ops]\nlisten = \"127.0.0.1:{port}\"\n"
    ));
    std::fs::write(&config, text).expect("write config");
    let healthcheck = |name: &'static str| {
        let (dir, config, token_file) = (dir.path().to_owned(), config.clone(), token_file.clone());
        tokio::task::spawn_blocking(move || {
            run_nimbus(
                &dir,
                &config,
                &token_file,
                "healthcheck",
                &[],
                Duration::from_secs(20),
                name,
            )
        })
    };

    let before = healthcheck("healthcheck-before").await.expect("runner");
    assert_eq!(before.status.code(), Some(1), "{}", before.stderr);
    assert!(
        before.stderr.contains("cannot connect"),
        "{}",
        before.stderr
    );

    let (child, _, err_path) = spawn_nimbus(
        dir.path(),
        &config,
        &token_file,
        "--log-format json run",
        &[],
        "run",
    );
    let mut child = KillOnDrop(child);
    let deadline = Instant::now() + WAIT;
    loop {
        let check = healthcheck("healthcheck-during").await.expect("runner");
        if check.status.code() == Some(0) {
            assert_eq!(check.stdout, "ready\n");
            break;
        }
        assert_eq!(check.status.code(), Some(1), "{}", check.stderr);
        assert!(
            child.0.try_wait().expect("poll").is_none() && Instant::now() < deadline,
            "not healthy within {WAIT:?}: {}; bot stderr:\n{}",
            check.stderr,
            std::fs::read_to_string(&err_path).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    standin.inject(ask_envelope(1));
    let path = "/interactions/8000001/token-1/callback";
    standin
        .wait_for("the /ask callback", WAIT, |r| {
            r.method == "POST" && r.path == path
        })
        .await;
    let metrics = format!("http://127.0.0.1:{port}/metrics");
    let labels = [("kind", "command"), ("command", "ask"), ("outcome", "ok")];
    let deadline = Instant::now() + WAIT;
    loop {
        let (_, page) = get(metrics.clone()).await.expect("metrics");
        let families = check_page(&page, &[USER, GUILD_ID, CHANNEL_ID]);
        // A fresh process: exactly this one interaction.
        if value(&families, "nimbus_interactions_total", &labels) == 1.0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the /ask was not counted:\n{page}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(child);

    let after = healthcheck("healthcheck-after").await.expect("runner");
    assert_eq!(after.status.code(), Some(1), "{}", after.stderr);

    let log = std::fs::read_to_string(&err_path).expect("read stderr");
    let mut interactions = 0;
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        let event: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line:?}"));
        assert!(
            event["level"].is_string() && event["fields"].is_object(),
            "{line}"
        );
        if event["fields"]["message"] == json!("interaction") {
            interactions += 1;
            assert_eq!(event["fields"]["command"], json!("ask"), "{line}");
        }
    }
    assert_eq!(interactions, 1, "one interaction logged:\n{log}");
    for secret in [
        USER.to_string(),
        GUILD_ID.to_string(),
        CHANNEL_ID.to_string(),
        QUESTION.to_owned(),
        TOKEN.to_owned(),
    ] {
        assert!(!log.contains(&secret), "`{secret}` in the log:\n{log}");
    }
    assert!(!log.contains('\u{1b}'), "no colour codes in a file:\n{log}");
}
