//! The health and metrics listener (`[ops]` in config.toml), for both the gateway bot and
//! `nimbus-bot serve`: `/healthz` says whether this process can answer, `/metrics` exposes the
//! counters of [`crate::metrics`] and a few gauges in Prometheus text format. Plus the client
//! half, [`probe`], behind `nimbus-bot healthcheck` (a distroless image has no curl).
//!
//! The listener is off unless configured and binds 127.0.0.1 unless told otherwise: what it
//! shows holds no member data, but it is for the host, not the internet.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::metrics;
use crate::reload::LiveBank;

/// How the process talks to Discord, which decides what "ready" means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `nimbus-bot run`: ready once the bank is loaded and the gateway is connected.
    Gateway,
    /// `nimbus-bot serve`: ready once the bank is loaded (Discord comes to us).
    Http,
}

/// What `/healthz` and `/metrics` report about this process, updated by whoever knows:
/// the start-up code (bank loaded) and the gateway handler (connected or not).
#[derive(Debug)]
pub struct Health {
    mode: Mode,
    live: OnceLock<Arc<LiveBank>>,
    gateway: AtomicBool,
}

impl Health {
    /// Nothing loaded, not connected.
    pub fn new(mode: Mode) -> Arc<Health> {
        Arc::new(Health {
            mode,
            live: OnceLock::new(),
            gateway: AtomicBool::new(false),
        })
    }

    /// The mode this process runs in.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The bank is loaded and served from `live` (the first call wins; a reload swaps inside
    /// the same `LiveBank`).
    pub fn bank_loaded(&self, live: Arc<LiveBank>) {
        let _ = self.live.set(live);
    }

    /// The gateway connection came up (READY, RESUMED) or went down.
    pub fn set_gateway(&self, connected: bool) {
        self.gateway.store(connected, Ordering::Relaxed);
    }

    /// Whether the gateway is connected (always false in HTTP mode).
    pub fn gateway_connected(&self) -> bool {
        self.gateway.load(Ordering::Relaxed)
    }

    /// Ready, or the one-line reason why not.
    pub fn readiness(&self) -> Result<(), &'static str> {
        if self.live.get().is_none() {
            return Err("not ready: the bank is not loaded yet");
        }
        if self.mode == Mode::Gateway && !self.gateway_connected() {
            return Err("not ready: not connected to the Discord gateway");
        }
        Ok(())
    }

    /// The whole `/metrics` page: the process's counters and this process's gauges.
    pub fn metrics_text(&self) -> String {
        let mut out = String::with_capacity(4096);
        metrics::global().write_prometheus(&mut out);
        metrics::family(
            &mut out,
            "nimbus_ready",
            "gauge",
            "1 when /healthz answers 200 (bank loaded and, in gateway mode, connected).",
        );
        let _ = writeln!(out, "nimbus_ready {}", u8::from(self.readiness().is_ok()));
        metrics::family(
            &mut out,
            "nimbus_gateway_connected",
            "gauge",
            "1 while the Discord gateway is connected (always 0 for nimbus-bot serve).",
        );
        let _ = writeln!(
            out,
            "nimbus_gateway_connected {}",
            u8::from(self.gateway_connected())
        );
        metrics::family(
            &mut out,
            "nimbus_bank_entries",
            "gauge",
            "Entries in the bank being served, by kind.",
        );
        if let Some(live) = self.live.get() {
            let bank = live.bank();
            for (kind, n) in [
                ("answer", bank.answers.len()),
                ("quote", bank.quotes.len()),
                ("source", bank.sources.len()),
                ("event", bank.events.len()),
                ("language", bank.languages.len()),
            ] {
                let _ = writeln!(out, "nimbus_bank_entries{{kind=\"{kind}\"}} {n}");
            }
        }
        out
    }
}

/// A running listener; dropping it stops accepting connections.
#[derive(Debug)]
pub struct Listener {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Listener {
    /// The address it is bound to (the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the listener `config` asks for (`[ops] listen` or `enabled`), or returns `None`
/// when it is off. Call it inside the Tokio runtime, before loading the bank, so that a
/// health check sees "not ready" rather than nothing during a slow start.
pub async fn spawn_listener(
    config: &Config,
    health: Arc<Health>,
) -> std::io::Result<Option<Listener>> {
    match config.ops.listen_addr() {
        Some(addr) => bind(addr, health).await.map(Some),
        None => Ok(None),
    }
}

/// Most connections served at once; more wait in the kernel's backlog. Scrapers and health
/// checks need a handful.
const MAX_CONNECTIONS: usize = 32;

/// Binds `addr` and serves `/healthz` and `/metrics` from `health` until dropped.
pub async fn bind(addr: SocketAddr, health: Arc<Health>) -> std::io::Result<Listener> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot listen on {addr} for /healthz and /metrics ([ops] listen): {e}"),
        )
    })?;
    let addr = listener.local_addr()?;
    tracing::info!(target: "nimbus::ops", %addr, "serving /healthz and /metrics");
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let task = tokio::spawn(async move {
        loop {
            let Ok(permit) = Arc::clone(&slots).acquire_owned().await else {
                return;
            };
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors, typically: wait rather than spin.
                    tracing::warn!(target: "nimbus::ops", %error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let health = Arc::clone(&health);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let health = Arc::clone(&health);
                    async move { Ok::<_, Infallible>(respond(&health, &request)) }
                });
                let connection = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(5))
                    .keep_alive(false)
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                // A slow or stuck client cannot hold a slot for ever.
                let _ = tokio::time::timeout(Duration::from_secs(10), connection).await;
                drop(permit);
            });
        }
    });
    Ok(Listener { addr, task })
}

/// The answer to one request.
fn respond(health: &Health, request: &Request<Incoming>) -> Response<Full<Bytes>> {
    let head = request.method() == Method::HEAD;
    if request.method() != Method::GET && !head {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "use GET\n", head);
    }
    match request.uri().path() {
        "/healthz" => match health.readiness() {
            Ok(()) => plain(StatusCode::OK, "ready\n", head),
            Err(reason) => plain(
                StatusCode::SERVICE_UNAVAILABLE,
                &format!("{reason}\n"),
                head,
            ),
        },
        "/metrics" => {
            let mut response = plain(StatusCode::OK, &health.metrics_text(), head);
            response.headers_mut().insert(
                hyper::header::CONTENT_TYPE,
                hyper::header::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            response
        }
        _ => plain(
            StatusCode::NOT_FOUND,
            "not found: try /healthz or /metrics\n",
            head,
        ),
    }
}

fn plain(status: StatusCode, text: &str, head: bool) -> Response<Full<Bytes>> {
    let body = if head {
        Bytes::new()
    } else {
        Bytes::from(text.to_owned())
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// The `/healthz` URL `nimbus-bot healthcheck` asks when given none: the configured listener,
/// reached on loopback when it listens on every interface.
pub fn default_health_url(config: &Config) -> Option<String> {
    let mut addr = config.ops.listen_addr()?;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    Some(format!("http://{addr}/healthz"))
}

/// How long [`probe`] waits for each step: container health checks have their own timeout,
/// and a hung bot must read as unhealthy, not hang the check.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Asks `url` (plain `http://`, no proxy) and returns the status code and the first line of
/// the body; an error says why no answer came. Blocking; std only, so it works in any image.
pub fn probe(url: &str) -> Result<(u16, String), String> {
    let (status, body) = get(url)?;
    Ok((status, body.lines().next().unwrap_or("").trim().to_owned()))
}

/// Largest answer [`get`] reads: a `/metrics` page is a few kilobytes.
const MAX_ANSWER: u64 = 1024 * 1024;

/// A plain HTTP/1.1 GET of `url` with [`PROBE_TIMEOUT`] on each step: the status code and
/// the whole body (at most 1 MiB). Blocking; std only.
pub fn get(url: &str) -> Result<(u16, String), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("{url}: not a URL: {e}"))?;
    if parsed.scheme() != "http" {
        return Err(format!(
            "{url}: only http:// is supported (the listener is plain HTTP on a private address)"
        ));
    }
    let host = parsed.host_str().ok_or_else(|| format!("{url}: no host"))?;
    let port = parsed.port_or_known_default().unwrap_or(80);
    let addrs: Vec<SocketAddr> = std::net::ToSocketAddrs::to_socket_addrs(&(host, port))
        .map_err(|e| format!("{url}: cannot resolve {host}: {e}"))?
        .collect();
    let addr = addrs
        .first()
        .ok_or_else(|| format!("{url}: {host} has no address"))?;
    let mut stream = TcpStream::connect_timeout(addr, PROBE_TIMEOUT)
        .map_err(|e| format!("{url}: cannot connect: {e}"))?;
    stream
        .set_read_timeout(Some(PROBE_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(PROBE_TIMEOUT)))
        .map_err(|e| format!("{url}: {e}"))?;
    let path = match parsed.query() {
        Some(query) => format!("{}?{query}", parsed.path()),
        None => parsed.path().to_owned(),
    };
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\nUser-Agent: nimbus-bot-healthcheck\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("{url}: cannot send the request: {e}"))?;
    let mut response = Vec::new();
    stream
        .take(MAX_ANSWER)
        .read_to_end(&mut response)
        .map_err(|e| format!("{url}: no answer: {e}"))?;
    let text = String::from_utf8_lossy(&response);
    let status = text
        .lines()
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| format!("{url}: not an HTTP answer"))?;
    // The listener closes each connection and never chunks, so the body is the rest.
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::LoadOptions;

    fn fixture_bank() -> Arc<LiveBank> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bank");
        Arc::new(LiveBank::load(&dir, LoadOptions::default()).expect("fixture bank loads"))
    }

    #[test]
    fn ready_needs_a_bank_and_in_gateway_mode_a_connection() {
        let http = Health::new(Mode::Http);
        assert!(http.readiness().unwrap_err().contains("bank"));
        http.bank_loaded(fixture_bank());
        assert_eq!(http.readiness(), Ok(()));

        let gateway = Health::new(Mode::Gateway);
        gateway.set_gateway(true);
        assert!(gateway.readiness().unwrap_err().contains("bank"));
        gateway.set_gateway(false);
        gateway.bank_loaded(fixture_bank());
        assert!(gateway.readiness().unwrap_err().contains("gateway"));
        gateway.set_gateway(true);
        assert_eq!(gateway.readiness(), Ok(()));
    }

    #[tokio::test]
    async fn healthz_is_503_until_the_bank_is_loaded_then_200() {
        let health = Health::new(Mode::Http);
        let listener = bind(SocketAddr::from(([127, 0, 0, 1], 0)), Arc::clone(&health))
            .await
            .expect("bind");
        let url = format!("http://{}/healthz", listener.addr());
        let ask = |url: String| async move {
            tokio::task::spawn_blocking(move || probe(&url))
                .await
                .expect("probe task")
        };
        let (status, reason) = ask(url.clone()).await.expect("answer");
        assert_eq!(status, 503);
        assert_eq!(reason, "not ready: the bank is not loaded yet");
        health.bank_loaded(fixture_bank());
        assert_eq!(ask(url.clone()).await, Ok((200, "ready".to_owned())));
        let metrics = format!("http://{}/metrics", listener.addr());
        let (status, first) = ask(metrics).await.expect("metrics");
        assert_eq!(
            (status, first.starts_with("# HELP")),
            (200, true),
            "{first}"
        );
        let missing = format!("http://{}/nothing", listener.addr());
        assert_eq!(ask(missing).await.map(|(s, _)| s), Ok(404));
        drop(listener);
        // Stopped: a health check now fails to connect, which reads as unhealthy.
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(ask(url).await.is_err());
    }

    #[test]
    fn metrics_page_has_the_gauges_and_bank_counts() {
        let health = Health::new(Mode::Gateway);
        let text = health.metrics_text();
        assert!(text.contains("nimbus_ready 0") && text.contains("nimbus_gateway_connected 0"));
        assert!(
            !text.contains("nimbus_bank_entries{"),
            "no bank yet: {text}"
        );
        let live = fixture_bank();
        let answers = live.bank().answers.len();
        health.bank_loaded(live);
        health.set_gateway(true);
        let text = health.metrics_text();
        assert!(text.contains("nimbus_ready 1"), "{text}");
        assert!(
            text.contains(&format!("nimbus_bank_entries{{kind=\"answer\"}} {answers}")),
            "{text}"
        );
    }

    #[test]
    fn default_url_follows_the_listener_on_loopback() {
        let mut config = Config::default();
        assert_eq!(default_health_url(&config), None);
        config.ops.enabled = true;
        assert_eq!(
            default_health_url(&config).as_deref(),
            Some("http://127.0.0.1:9464/healthz")
        );
        config.ops.listen = Some("0.0.0.0:9100".into());
        assert_eq!(
            default_health_url(&config).as_deref(),
            Some("http://127.0.0.1:9100/healthz")
        );
        config.ops.listen = Some("9200".into());
        assert_eq!(
            default_health_url(&config).as_deref(),
            Some("http://127.0.0.1:9200/healthz")
        );
    }

    #[test]
    fn probe_refuses_what_it_cannot_ask() {
        assert!(probe("https://127.0.0.1:1/healthz")
            .unwrap_err()
            .contains("http://"));
        assert!(probe("not a url").is_err());
    }
}
