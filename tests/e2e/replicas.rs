//! Two `nimbus-bot serve` processes (the real binary) sharing one real `redis-server` on
//! 127.0.0.1 enforce one share cooldown between them; with redis stopped they still answer,
//! each falling back to its own memory (and saying so in its log); with redis back they share
//! again.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::http::{client, endpoint_url, post_signed, serve_setup, Keys};
use crate::{command_data, interaction, member, spawn_nimbus, KillOnDrop, PLAIN_MEMBER, WAIT};

/// A `redis-server` of this test's own: no persistence, 127.0.0.1 only.
struct Redis {
    child: Option<Child>,
    port: u16,
    dir: std::path::PathBuf,
}

impl Redis {
    /// Starts one on a free port (or on `port`), waiting until it answers PING.
    fn start(dir: &Path, port: Option<u16>) -> Redis {
        let port = port.unwrap_or_else(|| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port()
        });
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start redis-server ({e}): this test needs it. Install it with \
                     `apt-get update && apt-get install -y redis-server` (Debian package \
                     redis-server; .ci/run does this)"
                )
            });
        let redis = Redis {
            child: Some(child),
            port,
            dir: dir.to_path_buf(),
        };
        let started = Instant::now();
        while !redis.answers() {
            assert!(started.elapsed() < WAIT, "redis-server did not answer PING");
            std::thread::sleep(Duration::from_millis(20));
        }
        redis
    }

    fn answers(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
        let mut reply = [0u8; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut reply).is_ok()
            && &reply == b"+PONG\r\n"
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn restart(&mut self) {
        self.stop();
        *self = Redis::start(&self.dir.clone(), Some(self.port));
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A Share press on `share` by `user` in the test's channel, numbered `n`.
fn press(n: u64, share: &str, user: u64) -> Value {
    press_in(n, share, user, crate::CHANNEL)
}

/// A Share press in `channel`.
fn press_in(n: u64, share: &str, user: u64, channel: u64) -> Value {
    let mut envelope = interaction(
        n,
        3,
        json!({"custom_id": share, "component_type": 2}),
        member(user, PLAIN_MEMBER, &[]),
        "en-US",
    );
    envelope["channel_id"] = json!(channel.to_string());
    envelope["message"] = crate::standin::message_json(channel, 64);
    envelope
}

fn is_public(response: &Value) -> bool {
    response["type"] == json!(4) && !crate::is_ephemeral(&response["data"])
}

fn recently_shared(response: &Value) -> bool {
    crate::is_ephemeral(&response["data"])
        && crate::visible_text(&response["data"]).contains("just shared")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_one_cooldown_through_redis() {
    let keys = Keys::new();
    let redis_dir = tempfile::tempdir().expect("tempdir");
    let mut redis = Redis::start(redis_dir.path(), None);
    let top = format!("state_url = \"{}\"", redis.url());
    let secret: &[(&str, &str)] = &[(
        nimbus_bot::cooldown::SECRET_ENV,
        "a-test-secret-of-enough-bytes-0123",
    )];
    let (dir_a, config_a, token_a) = serve_setup(&keys.public_hex(), "http://127.0.0.1:9", &top);
    let (dir_b, config_b, token_b) = serve_setup(&keys.public_hex(), "http://127.0.0.1:9", &top);
    let (a, _, log_a) = spawn_nimbus(dir_a.path(), &config_a, &token_a, "serve", secret, "a");
    let _a = KillOnDrop(a);
    let (b, _, log_b) = spawn_nimbus(dir_b.path(), &config_b, &token_b, "serve", secret, "b");
    let _b = KillOnDrop(b);
    let (url_a, url_b) = (endpoint_url(&log_a), endpoint_url(&log_b));
    let client = client();

    // Share buttons of three answers, from /ask at replica A.
    let mut shares = Vec::new();
    for (i, question) in [
        "what is project nimbus",
        "shareholder vote 2022",
        "aws summit protest",
    ]
    .iter()
    .enumerate()
    {
        let ask = interaction(
            10 + i as u64,
            2,
            command_data(
                "ask",
                json!([{"name": "question", "type": 3, "value": question}]),
            ),
            member(3001, PLAIN_MEMBER, &[]),
            "en-US",
        );
        let (status, body) = post_signed(&client, &url_a, &keys, &ask).await;
        assert_eq!(status, 200, "{body}");
        if let Some(share) = crate::buttons(&body["data"])
            .into_iter()
            .find(|b| b.starts_with("share:"))
        {
            shares.push(share);
        }
    }
    assert!(
        shares.len() >= 2,
        "two answers with Share buttons: {shares:?}"
    );

    // Shared: A posts it publicly, B (another person) then gets the cooldown note.
    let (_, first) = post_signed(&client, &url_a, &keys, &press(20, &shares[0], 4001)).await;
    assert!(is_public(&first), "first share is public: {first:#}");
    let (_, second) = post_signed(&client, &url_b, &keys, &press(21, &shares[0], 4002)).await;
    assert!(
        recently_shared(&second),
        "the other replica knows it was just shared: {second:#}"
    );
    // Nothing stored names anyone: no key holds a raw user or channel id.
    let keys_listed = redis_keys(redis.port);
    assert!(!keys_listed.is_empty(), "the limits are in redis");
    for key in &keys_listed {
        for id in ["4001", "4002", &crate::CHANNEL.to_string()] {
            assert!(!key.contains(id), "key {key} holds an id");
        }
        assert!(redis_ttl(redis.port, key) > 0, "{key} expires by itself");
    }

    // Redis down: both still answer at once; each decides from its own memory.
    redis.stop();
    let (status, alone_a) = post_signed(&client, &url_a, &keys, &press(30, &shares[1], 4003)).await;
    assert_eq!(status, 200);
    assert!(is_public(&alone_a), "{alone_a:#}");
    let (status, alone_b) = post_signed(&client, &url_b, &keys, &press(31, &shares[1], 4004)).await;
    assert_eq!(status, 200);
    assert!(
        is_public(&alone_b),
        "without redis, B cannot know A's share (memory fallback): {alone_b:#}"
    );
    // The limit still holds within one replica.
    let (_, again_b) = post_signed(&client, &url_b, &keys, &press(32, &shares[1], 4005)).await;
    assert!(recently_shared(&again_b), "{again_b:#}");
    for log in [&log_a, &log_b] {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        assert_eq!(
            text.matches("shared state unreachable").count(),
            1,
            "logged once: {text}"
        );
    }

    // Redis back (empty): after the reconnect pause, shared again.
    redis.restart();
    let share = shares[2].clone();
    let started = Instant::now();
    let mut n = 40;
    loop {
        n += 2;
        // Another channel each round, so that memory from an earlier round cannot decide.
        let channel = 9000 + n;
        let (_, at_a) = post_signed(
            &client,
            &url_a,
            &keys,
            &press_in(n, &share, 5000 + n, channel),
        )
        .await;
        let (_, at_b) = post_signed(
            &client,
            &url_b,
            &keys,
            &press_in(n + 1, &share, 5001 + n, channel),
        )
        .await;
        if is_public(&at_a) && recently_shared(&at_b) {
            break;
        }
        assert!(
            started.elapsed() < WAIT,
            "replicas did not share again after redis returned: {at_a:#} {at_b:#}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let text = std::fs::read_to_string(&log_b).unwrap_or_default();
    assert!(text.contains("shared state reachable again"), "{text}");
    let text = std::fs::read_to_string(&log_a).unwrap_or_default();
    assert!(!text.contains("panicked"), "{text}");
}

/// `KEYS *` through a plain RESP exchange.
fn redis_keys(port: u16) -> Vec<String> {
    resp(port, &["KEYS", "*"])
        .lines()
        .filter(|l| l.starts_with("nimbus:"))
        .map(str::to_owned)
        .collect()
}

fn redis_ttl(port: u16, key: &str) -> i64 {
    resp(port, &["PTTL", key])
        .trim()
        .trim_start_matches(':')
        .parse()
        .unwrap_or(-2)
}

/// Sends one command, returns what came back within a short while.
fn resp(port: u16, args: &[&str]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("redis");
    let _ = stream.set_read_timeout(Some(Duration::from_millis(300)));
    let mut command = format!("*{}\r\n", args.len());
    for arg in args {
        command.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
    }
    stream.write_all(command.as_bytes()).expect("send");
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&out).into_owned()
}
