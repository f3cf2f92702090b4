//! Load benchmark of `nimbus-bot serve`, the HTTP interactions endpoint: starts the real
//! binary on 127.0.0.1 with the shipped bank, signs its own requests with a key pair made
//! here, and measures, each bounded in time and count:
//!
//! - closed loop (each connection sends its next request when the last is answered): signed
//!   `/ask` and signed autocomplete, requests per second and p50/p99;
//! - open loop for `/ask` at half the closed-loop rate (requests sent on a schedule, latency
//!   from the scheduled time, so a stall counts against every request it delays);
//! - Ed25519 verification alone, in this process;
//! - the in-process answer time of gateway mode (parse the interaction, build the request,
//!   dispatch, build and serialise the response), for comparison.
//!
//! The load generator is one thread in this process (hand-written HTTP/1.1 over kept-alive
//! connections, requests signed before the clock starts); on a 2-core machine it takes about
//! one core, leaving the server the other. `cargo bench --bench http`. Figures: BENCHMARKS.md.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Longest any one measurement runs.
const RUN_FOR: Duration = Duration::from_secs(5);
/// Most requests any one measurement sends.
const MAX_REQUESTS: usize = 200_000;
/// Connections kept open by the closed loop.
const CONNECTIONS: usize = 16;
/// Connections the open loop spreads its schedule over.
const OPEN_CONNECTIONS: usize = 64;

const QUESTIONS: [&str; 8] = [
    "what is project nimbus",
    "who signed the nimbus contract",
    "ما هو مشروع نمبوس",
    "did google employees protest",
    "what is no tech for apartheid",
    "how much is the contract worth",
    "is amazon part of nimbus",
    "what happened in april 2024",
];
const PARTIALS: [&str; 4] = ["nim", "goo", "pro", "نم"];

fn main() {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).expect("random seed");
    let key = SigningKey::from_bytes(&seed);
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut server, address) = start_server(dir.path(), &key);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let asks: Vec<Arc<Vec<u8>>> = (0..2000).map(|i| signed(&key, &address, &ask(i))).collect();
    let completes: Vec<Arc<Vec<u8>>> = (0..2000)
        .map(|i| signed(&key, &address, &autocomplete(i)))
        .collect();

    // Warm up: connections, caches, the server's allocator.
    runtime.block_on(closed_loop(&address, &asks, Duration::from_millis(500)));
    let ask_closed = runtime.block_on(closed_loop(&address, &asks, RUN_FOR));
    report("signed /ask, closed loop", &ask_closed);
    let complete_closed = runtime.block_on(closed_loop(&address, &completes, RUN_FOR));
    report("signed autocomplete, closed loop", &complete_closed);
    let half = ask_closed.rate() / 2.0;
    let ask_open = runtime.block_on(open_loop(&address, &asks, half, RUN_FOR));
    report(&format!("signed /ask, open loop at {half:.0}/s"), &ask_open);

    verification_alone(&key);
    gateway_answer_time();

    let _ = server.kill();
    let _ = server.wait();
}

/// What one measurement saw.
struct Run {
    latencies_us: Vec<f64>,
    elapsed: Duration,
    failures: usize,
}

impl Run {
    fn rate(&self) -> f64 {
        self.latencies_us.len() as f64 / self.elapsed.as_secs_f64()
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn report(what: &str, run: &Run) {
    let mut sorted = run.latencies_us.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "{what:<44} {:>9.0} req/s  p50 {:>7.0} µs  p99 {:>7.0} µs  max {:>7.0} µs  ({} requests, {} failed, {:.1} s)",
        run.rate(),
        percentile(&sorted, 0.5),
        percentile(&sorted, 0.99),
        sorted.last().copied().unwrap_or(f64::NAN),
        sorted.len(),
        run.failures,
        run.elapsed.as_secs_f64()
    );
}

/// Starts `nimbus-bot serve` on a port the system picks, with a copy of the shipped bank;
/// returns the child and its `host:port`.
fn start_server(dir: &Path, key: &SigningKey) -> (Child, String) {
    let bank = dir.join("bank");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("responses"),
        &bank,
    );
    let public: String = key
        .verifying_key()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "bank = \"bank\"\n[http]\nlisten = \"127.0.0.1:0\"\npublic_key = \"{public}\"\n\n[discord]\n# Nothing listens here: the benchmark sends nothing that needs REST.\napi_base = \"http://127.0.0.1:9\"\nwatch_bank = false\n"
        ),
    )
    .expect("config");
    let mut child = Command::new(env!("CARGO_BIN_EXE_nimbus-bot"))
        .arg("--config")
        .arg(&config)
        .arg("serve")
        .current_dir(dir)
        .env("DISCORD_TOKEN", "bench-token.not-real")
        // Per-request logs would measure the terminal; warnings still show.
        .env("RUST_LOG", "warn,nimbus::http=info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nimbus-bot serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    let address = loop {
        let line = match lines.next() {
            Some(Ok(line)) => line,
            _ => panic!("nimbus-bot serve ended before listening"),
        };
        let line = strip_colours(&line);
        if let Some(rest) = line.split("address=").nth(1) {
            break rest.split_whitespace().next().expect("address").to_owned();
        }
        assert!(Instant::now() < deadline, "serve did not start");
    };
    // Keep draining its log so that it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, address)
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

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn envelope(i: usize, kind: u8, data: Value) -> Value {
    json!({
        "id": (8_000_000 + i).to_string(), "application_id": "900000000000000001", "type": kind,
        "token": format!("bench-token-{i}"), "version": 1, "locale": "en-US",
        "guild_locale": "en-US", "entitlements": [], "attachment_size_limit": 8_388_608,
        "app_permissions": "0", "guild_id": "1000", "channel_id": "2000",
        "member": {
            "user": {"id": (3000 + i % 50).to_string(), "username": "someone",
                     "discriminator": "0", "global_name": null, "avatar": null},
            "roles": [], "joined_at": "2024-01-01T00:00:00+00:00", "deaf": false,
            "mute": false, "flags": 0, "permissions": "2048"
        },
        "data": data
    })
}

fn ask(i: usize) -> Value {
    envelope(
        i,
        2,
        json!({"id": "6000", "name": "ask", "type": 1, "options": [
            {"name": "question", "type": 3, "value": QUESTIONS[i % QUESTIONS.len()]}]}),
    )
}

fn autocomplete(i: usize) -> Value {
    envelope(
        i,
        4,
        json!({"id": "6001", "name": "topic", "type": 1, "options": [
            {"name": "name", "type": 3, "value": PARTIALS[i % PARTIALS.len()], "focused": true}]}),
    )
}

/// A complete HTTP/1.1 request, signed now (valid for the 5 minutes the server allows).
fn signed(key: &SigningKey, address: &str, interaction: &Value) -> Arc<Vec<u8>> {
    let body = serde_json::to_vec(interaction).expect("json");
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        .to_string();
    let mut message = timestamp.as_bytes().to_vec();
    message.extend_from_slice(&body);
    let signature: String = key
        .sign(&message)
        .to_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut request = format!(
        "POST /interactions HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nX-Signature-Ed25519: {signature}\r\nX-Signature-Timestamp: {timestamp}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    Arc::new(request)
}

/// One kept-alive connection: sends a request, reads one response; whether it was a 200.
struct Connection {
    stream: tokio::net::TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    async fn open(address: &str) -> Connection {
        let stream = tokio::net::TcpStream::connect(address)
            .await
            .expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Connection {
            stream,
            buffer: Vec::with_capacity(16 * 1024),
        }
    }

    async fn exchange(&mut self, request: &[u8]) -> bool {
        if self.stream.write_all(request).await.is_err() {
            return false;
        }
        self.buffer.clear();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buffer[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                while self.buffer.len() < end + 4 + length {
                    match self.stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return false,
                        Ok(n) => self.buffer.extend_from_slice(&chunk[..n]),
                    }
                }
                return head.starts_with("http/1.1 200");
            }
            match self.stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => self.buffer.extend_from_slice(&chunk[..n]),
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn closed_loop(address: &str, requests: &[Arc<Vec<u8>>], run_for: Duration) -> Run {
    let started = Instant::now();
    let per_connection = MAX_REQUESTS / CONNECTIONS;
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..CONNECTIONS {
        let address = address.to_owned();
        let requests: Vec<Arc<Vec<u8>>> = requests.to_vec();
        tasks.spawn(async move {
            let mut connection = Connection::open(&address).await;
            let mut latencies = Vec::with_capacity(per_connection);
            let mut failures = 0;
            let mut i = c;
            while started.elapsed() < run_for && latencies.len() < per_connection {
                let request = &requests[i % requests.len()];
                i += CONNECTIONS;
                let sent = Instant::now();
                if connection.exchange(request).await {
                    latencies.push(sent.elapsed().as_secs_f64() * 1e6);
                } else {
                    failures += 1;
                    connection = Connection::open(&address).await;
                }
            }
            (latencies, failures)
        });
    }
    collect(tasks, started).await
}

async fn open_loop(address: &str, requests: &[Arc<Vec<u8>>], rate: f64, run_for: Duration) -> Run {
    let total = ((rate * run_for.as_secs_f64()) as usize).min(MAX_REQUESTS);
    let interval = Duration::from_secs_f64(1.0 / rate);
    let started = Instant::now() + Duration::from_millis(50);
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..OPEN_CONNECTIONS {
        let address = address.to_owned();
        let requests: Vec<Arc<Vec<u8>>> = requests.to_vec();
        tasks.spawn(async move {
            let mut connection = Connection::open(&address).await;
            let mut latencies = Vec::new();
            let mut failures = 0;
            // This connection's share of the schedule: slots c, c + N, c + 2N, …
            let mut slot = c;
            while slot < total {
                let due = started + interval.mul_f64(slot as f64);
                tokio::time::sleep_until(due.into()).await;
                let request = &requests[slot % requests.len()];
                if connection.exchange(request).await {
                    // From when it was due, not when it went out: waiting counts.
                    latencies.push(due.elapsed().as_secs_f64() * 1e6);
                } else {
                    failures += 1;
                    connection = Connection::open(&address).await;
                }
                slot += OPEN_CONNECTIONS;
            }
            (latencies, failures)
        });
    }
    collect(tasks, started).await
}

async fn collect(mut tasks: tokio::task::JoinSet<(Vec<f64>, usize)>, started: Instant) -> Run {
    let mut run = Run {
        latencies_us: Vec::new(),
        elapsed: Duration::ZERO,
        failures: 0,
    };
    while let Some(done) = tasks.join_next().await {
        let (latencies, failures) = done.expect("load task");
        run.latencies_us.extend(latencies);
        run.failures += failures;
    }
    run.elapsed = started.elapsed();
    run
}

/// Ed25519 verification of a typical `/ask` request, in this process.
fn verification_alone(key: &SigningKey) {
    let verifier = nimbus_bot::discord::http::Verifier::new(key.verifying_key());
    let body = serde_json::to_vec(&ask(0)).expect("json");
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        .to_string();
    let mut message = timestamp.as_bytes().to_vec();
    message.extend_from_slice(&body);
    let signature: String = key
        .sign(&message)
        .to_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut samples = Vec::with_capacity(20_000);
    let started = Instant::now();
    for _ in 0..20_000 {
        let t = Instant::now();
        let ok = verifier.verify(
            Some(signature.as_bytes()),
            Some(timestamp.as_bytes()),
            std::hint::black_box(&body),
            SystemTime::now(),
        );
        samples.push(t.elapsed().as_secs_f64() * 1e6);
        assert!(ok.is_ok());
        if started.elapsed() > RUN_FOR {
            break;
        }
    }
    let run = Run {
        elapsed: started.elapsed(),
        latencies_us: samples,
        failures: 0,
    };
    report("Ed25519 verification alone (1 thread)", &run);
}

/// Gateway mode's cost for one `/ask`: what the bot does between receiving the interaction
/// and handing the response to the REST client, in this process.
fn gateway_answer_time() {
    use nimbus_bot::discord::http::answer_in_process;
    let bank = nimbus_bot::bank::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("responses"),
        &nimbus_bot::bank::LoadOptions::default(),
    )
    .bank
    .expect("shipped bank loads");
    let config = nimbus_bot::config::DiscordConfig::default();
    let bodies: Vec<Vec<u8>> = (0..QUESTIONS.len())
        .map(|i| serde_json::to_vec(&ask(i)).expect("json"))
        .collect();
    let mut samples = Vec::with_capacity(20_000);
    let started = Instant::now();
    for i in 0..20_000 {
        let t = Instant::now();
        let bytes = answer_in_process(&bank, &config, &bodies[i % bodies.len()]);
        assert!(bytes.is_some());
        std::hint::black_box(bytes);
        samples.push(t.elapsed().as_secs_f64() * 1e6);
        if started.elapsed() > RUN_FOR {
            break;
        }
    }
    let run = Run {
        elapsed: started.elapsed(),
        latencies_us: samples,
        failures: 0,
    };
    report("gateway mode in-process /ask (1 thread)", &run);
}
