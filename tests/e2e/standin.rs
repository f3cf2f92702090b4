//! A stand-in Discord on 127.0.0.1: REST over tiny_http and the gateway over tokio-tungstenite.
//!
//! Like a strict mock it records every REST request and answers only the routes the bot is
//! expected to use; anything else is recorded as unexpected and fails the test.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// The application (and bot user) id the stand-in announces in READY.
pub const APP_ID: u64 = 900_000_000_000_000_001;
/// The token the bot must present.
pub const TOKEN: &str = "test-token.not-real";

/// One REST request the bot made.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// HTTP method.
    pub method: String,
    /// Path without the `/api/v10` prefix.
    pub path: String,
    /// JSON body (Null when empty).
    pub body: Value,
}

/// A scripted failure: the next `times` requests to `method path` get `status` and `body`.
#[derive(Debug, Clone)]
struct Fault {
    method: String,
    path: String,
    status: u16,
    body: Option<Value>,
    times: usize,
}

/// The running stand-in.
pub struct StandIn {
    /// What to put in `api_base`.
    pub api_base: String,
    /// What to put in `gateway_url`.
    pub gateway_url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    unexpected: Arc<Mutex<Vec<String>>>,
    faults: Arc<Mutex<Vec<Fault>>>,
    faulted: Arc<Mutex<Vec<Recorded>>>,
    identify: Arc<Mutex<Option<Value>>>,
    connections: Arc<AtomicUsize>,
    events: mpsc::UnboundedSender<Value>,
    server: Arc<tiny_http::Server>,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

/// A minimal message object as Discord returns it (serenity parses every field it needs).
pub fn message_json(channel: u64, flags: u64) -> Value {
    json!({
        "id": "7000000000000000001", "channel_id": channel.to_string(),
        "author": {"id": APP_ID.to_string(), "username": "nimbus", "discriminator": "0",
                   "global_name": null, "avatar": null, "bot": true},
        "content": "", "timestamp": "2024-01-01T00:00:00+00:00", "edited_timestamp": null,
        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
        "attachments": [], "embeds": [], "pinned": false, "type": 0, "flags": flags
    })
}

/// The application object of `GET /oauth2/applications/@me`: the fields serenity 0.12.5's
/// `CurrentApplicationInfo` cannot do without (`id`, `name`, `description`, `bot_public`,
/// `bot_require_code_grant`, `verify_key`), plus the nullable ones Discord always sends.
pub fn application_json() -> Value {
    json!({
        "id": APP_ID.to_string(), "name": "nimbus", "icon": null, "description": "",
        "bot_public": false, "bot_require_code_grant": false, "verify_key": "0".repeat(64),
        "owner": null, "team": null, "flags": 0
    })
}

fn respond(request: tiny_http::Request, status: u16, body: Option<Value>) {
    let response = match body {
        Some(body) => tiny_http::Response::from_string(body.to_string())
            .with_status_code(status)
            .with_header(
                tiny_http::Header::from_bytes("Content-Type", "application/json")
                    .expect("static header"),
            ),
        None => tiny_http::Response::from_string(String::new()).with_status_code(status),
    };
    // The bot may have given up on the request; nothing to do about it here.
    let _ = request.respond(response);
}

impl StandIn {
    /// Starts both servers on ephemeral ports of 127.0.0.1. Call inside a tokio runtime.
    pub async fn start() -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind ws");
        let ws_port = listener.local_addr().expect("addr").port();
        let gateway_url = format!("ws://127.0.0.1:{ws_port}");
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind http"));
        let http_port = server.server_addr().to_ip().expect("ip addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let unexpected = Arc::new(Mutex::new(Vec::new()));
        let faults = Arc::new(Mutex::new(Vec::new()));
        let faulted = Arc::new(Mutex::new(Vec::new()));
        let identify = Arc::new(Mutex::new(None));
        let connections = Arc::new(AtomicUsize::new(0));
        let (events, events_rx) = mpsc::unbounded_channel();

        {
            let server = Arc::clone(&server);
            let log = Log {
                requests: Arc::clone(&requests),
                unexpected: Arc::clone(&unexpected),
                faults: Arc::clone(&faults),
                faulted: Arc::clone(&faulted),
            };
            let gateway_url = gateway_url.clone();
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    serve(request, &log, &gateway_url);
                }
            });
        }
        tokio::spawn(gateway(
            listener,
            events_rx,
            Arc::clone(&identify),
            Arc::clone(&connections),
            gateway_url.clone(),
        ));
        StandIn {
            api_base: format!("http://127.0.0.1:{http_port}"),
            gateway_url,
            requests,
            unexpected,
            faults,
            faulted,
            identify,
            connections,
            events,
            server,
        }
    }

    /// Sends an INTERACTION_CREATE dispatch with `interaction` as its data.
    pub fn inject(&self, interaction: Value) {
        self.events.send(interaction).expect("gateway task alive");
    }

    /// Makes the next `times` requests to `method path` (path without `/api/v10`) fail with
    /// `status` and `body`, as a Discord outage or rate limit would.
    pub fn fail(&self, method: &str, path: &str, status: u16, body: Option<Value>, times: usize) {
        self.faults.lock().expect("lock").push(Fault {
            method: method.to_owned(),
            path: path.to_owned(),
            status,
            body,
            times,
        });
    }

    /// The requests answered with a scripted failure, in order.
    pub fn faulted(&self) -> Vec<Recorded> {
        self.faulted.lock().expect("lock").clone()
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("lock").clone()
    }

    /// Requests to routes the bot should never call, and requests to known routes without the
    /// bot token (answered 401 with Discord's body, as Discord does for a token it does not know).
    pub fn unexpected(&self) -> Vec<String> {
        self.unexpected.lock().expect("lock").clone()
    }

    /// The IDENTIFY payload the bot sent, once it has.
    pub fn identify(&self) -> Option<Value> {
        self.identify.lock().expect("lock").clone()
    }

    /// How many TCP connections the gateway accepted (whether or not they became websockets).
    pub fn gateway_connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Waits (at most `timeout`) for a request matching `pred` and returns it.
    pub async fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&Recorded) -> bool,
    ) -> Recorded {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = self.requests().into_iter().find(|r| pred(r)) {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; requests so far: {:#?}; unexpected: {:?}",
                self.requests()
                    .iter()
                    .map(|r| format!("{} {}", r.method, r.path))
                    .collect::<Vec<_>>(),
                self.unexpected()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Where the REST server records what it saw.
struct Log {
    requests: Arc<Mutex<Vec<Recorded>>>,
    unexpected: Arc<Mutex<Vec<String>>>,
    faults: Arc<Mutex<Vec<Fault>>>,
    faulted: Arc<Mutex<Vec<Recorded>>>,
}

fn serve(mut request: tiny_http::Request, log: &Log, gateway_url: &str) {
    let (requests, unexpected) = (&log.requests, &log.unexpected);
    let method = request.method().to_string().to_uppercase();
    let url = request.url().to_owned();
    let path = url.split('?').next().unwrap_or("").to_owned();
    let path = path.strip_prefix("/api/v10").unwrap_or(&path).to_owned();
    let mut raw = String::new();
    let _ = request.as_reader().read_to_string(&mut raw);
    let body: Value = if raw.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&raw).unwrap_or(Value::String(raw.clone()))
    };
    let authorised = request
        .headers()
        .iter()
        .any(|h| h.field.equiv("Authorization") && h.value.as_str() == format!("Bot {TOKEN}"));
    let scripted = {
        let mut faults = log.faults.lock().expect("lock");
        faults
            .iter_mut()
            .find(|f| f.times > 0 && f.method == method && f.path == path)
            .map(|f| {
                f.times -= 1;
                (f.status, f.body.clone())
            })
    };
    if let Some((status, reply)) = scripted {
        log.faulted
            .lock()
            .expect("lock")
            .push(Recorded { method, path, body });
        respond(request, status, reply);
        return;
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let app = APP_ID.to_string();
    let reply: Option<(u16, Option<Value>)> = match (method.as_str(), segments.as_slice()) {
        ("GET", ["gateway"]) => Some((200, Some(json!({"url": gateway_url})))),
        ("GET", ["gateway", "bot"]) => Some((
            200,
            Some(
                json!({"url": gateway_url, "shards": 1, "session_start_limit":
                {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}}),
            ),
        )),
        // `nimbus-bot register` learns the application id here before its bulk overwrite.
        ("GET", ["oauth2", "applications", "@me"]) => Some((200, Some(application_json()))),
        ("PUT", ["applications", a, "guilds", guild, "commands"]) if *a == app => {
            Some((200, Some(echo_commands(&body, Some(guild)))))
        }
        ("PUT", ["applications", a, "commands"]) if *a == app => {
            Some((200, Some(echo_commands(&body, None))))
        }
        ("POST", ["interactions", _, _, "callback"]) => Some((204, None)),
        ("PATCH", ["webhooks", a, _, "messages", "@original"]) if *a == app => {
            Some((200, Some(message_json(2000, 64))))
        }
        ("POST", ["channels", channel, "messages"]) => {
            let channel = channel.parse().unwrap_or(0);
            Some((200, Some(message_json(channel, 0))))
        }
        _ => None,
    };
    let recorded = Recorded {
        method: method.clone(),
        path: path.clone(),
        body,
    };
    match reply {
        Some((status, body)) if authorised || path.starts_with("/interactions/") => {
            requests.lock().expect("lock").push(recorded);
            respond(request, status, body);
        }
        Some(_) => {
            unexpected
                .lock()
                .expect("lock")
                .push(format!("{method} {path} without the bot token"));
            respond(
                request,
                401,
                Some(json!({"message": "401: Unauthorized", "code": 0})),
            );
        }
        None => {
            unexpected
                .lock()
                .expect("lock")
                .push(format!("{method} {path}"));
            respond(
                request,
                404,
                Some(json!({"message": "Unknown route", "code": 0})),
            );
        }
    }
}

fn echo_commands(body: &Value, guild: Option<&str>) -> Value {
    let commands = body.as_array().cloned().unwrap_or_default();
    Value::Array(
        commands
            .into_iter()
            .enumerate()
            .map(|(i, mut command)| {
                let object = command.as_object_mut().expect("command is an object");
                object.insert("id".into(), json!(format!("{}", 5_000_000 + i)));
                object.insert("application_id".into(), json!(APP_ID.to_string()));
                object.insert("version".into(), json!("1"));
                object.entry("type").or_insert(json!(1));
                if let Some(guild) = guild {
                    object.insert("guild_id".into(), json!(guild));
                }
                command
            })
            .collect(),
    )
}

async fn gateway(
    listener: TcpListener,
    events: mpsc::UnboundedReceiver<Value>,
    identify: Arc<Mutex<Option<Value>>>,
    connections: Arc<AtomicUsize>,
    gateway_url: String,
) {
    let events = Arc::new(tokio::sync::Mutex::new(events));
    while let Ok((stream, _)) = listener.accept().await {
        connections.fetch_add(1, Ordering::SeqCst);
        let events = Arc::clone(&events);
        let identify = Arc::clone(&identify);
        let gateway_url = gateway_url.clone();
        tokio::spawn(async move {
            let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                return;
            };
            let hello = json!({"op": 10, "d": {"heartbeat_interval": 41250}});
            if ws.send(WsMessage::Text(hello.to_string())).await.is_err() {
                return;
            }
            let mut seq = 1u64;
            let mut events = events.lock().await;
            loop {
                tokio::select! {
                    incoming = ws.next() => {
                        let Some(Ok(WsMessage::Text(text))) = incoming else {
                            match incoming {
                                Some(Ok(_)) => continue,
                                _ => return,
                            }
                        };
                        let payload: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                        match payload["op"].as_u64() {
                            Some(1) => {
                                let ack = json!({"op": 11});
                                if ws.send(WsMessage::Text(ack.to_string())).await.is_err() { return; }
                            }
                            Some(2) => {
                                *identify.lock().expect("lock") = Some(payload["d"].clone());
                                let ready = json!({"op": 0, "s": seq, "t": "READY", "d": {
                                    "v": 10,
                                    "user": {"id": APP_ID.to_string(), "username": "nimbus",
                                             "discriminator": "0", "global_name": null,
                                             "avatar": null, "bot": true},
                                    "guilds": [{"id": "1000", "unavailable": true}],
                                    "session_id": "session-1",
                                    "resume_gateway_url": gateway_url,
                                    "application": {"id": APP_ID.to_string(), "flags": 0}
                                }});
                                seq += 1;
                                if ws.send(WsMessage::Text(ready.to_string())).await.is_err() { return; }
                            }
                            _ => {}
                        }
                    }
                    event = events.recv() => {
                        let Some(event) = event else { return };
                        let dispatch = json!({"op": 0, "s": seq, "t": "INTERACTION_CREATE", "d": event});
                        seq += 1;
                        if ws.send(WsMessage::Text(dispatch.to_string())).await.is_err() { return; }
                    }
                }
            }
        });
    }
}
