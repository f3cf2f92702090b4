//! `nimbus-bot serve`: Discord's "Interactions Endpoint URL" — each interaction arrives as a
//! signed HTTP POST, is verified, and is answered by the same [`Handler`] as the gateway's,
//! its first response written as the HTTP response body (see [`Exchange`]).
//!
//! Nothing a client sends can make this panic or hold a task for long: the body is capped
//! before it is read, headers are parsed by hand with every failure a 401, and the handler runs
//! in its own task behind `catch_unwind`-guarded core code, with Discord's window as a limit.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ed25519_dalek::{Signature, VerifyingKey};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serenity::all::{Http, Interaction};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::exchange::Exchange;
use super::handler::{id_and_token, Handler};

/// Environment variable holding the application's public key (hex), overriding `[http]
/// public_key` in config.toml.
pub const PUBLIC_KEY_ENV: &str = "DISCORD_PUBLIC_KEY";
/// How far a request's timestamp may be from this machine's clock, either way: older requests
/// are replays, newer ones come from a wrong clock. Discord sends each request at once.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);
/// How long the server waits for the handler's first response: Discord abandons the request
/// after 3 s, so an answer later than this is useless (slow work defers well before).
pub const ANSWER_WITHIN: Duration = Duration::from_millis(2900);
/// How long a client may take to send its request headers.
const HEADER_TIME_LIMIT: Duration = Duration::from_secs(10);
/// How long reading a (capped) body may take.
const BODY_TIME_LIMIT: Duration = Duration::from_secs(10);

/// Why a request was refused before it reached the handler (logged at debug, never shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// `X-Signature-Ed25519` is absent.
    MissingSignature,
    /// It is not 128 hex digits.
    MalformedSignature,
    /// `X-Signature-Timestamp` is absent.
    MissingTimestamp,
    /// It is not a number of seconds.
    MalformedTimestamp,
    /// It is more than [`MAX_CLOCK_SKEW`] away from now.
    StaleTimestamp,
    /// The signature does not match the timestamp and body under the public key.
    WrongSignature,
}

/// Checks Discord's signatures: Ed25519 over `timestamp ++ body` with the application's key,
/// and a timestamp within [`MAX_CLOCK_SKEW`] of now (ed25519 alone does not stop replays).
#[derive(Debug, Clone)]
pub struct Verifier {
    key: VerifyingKey,
}

impl Verifier {
    /// A verifier for the public key as the Developer Portal shows it (64 hex digits).
    pub fn from_hex(hex: &str) -> Result<Verifier, String> {
        let bytes: [u8; 32] = decode_hex(hex.trim().as_bytes())
            .ok_or_else(|| "the public key must be 64 hex digits (Developer Portal → your app → General Information → Public Key)".to_owned())?;
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| "the public key is not a valid Ed25519 key".to_owned())?;
        Ok(Verifier { key })
    }

    /// A verifier for `key` (tests and benchmarks make their own key pairs).
    pub fn new(key: VerifyingKey) -> Verifier {
        Verifier { key }
    }

    /// Whether a request with these header values and this body is Discord's, sent at a time
    /// within [`MAX_CLOCK_SKEW`] of `now`.
    pub fn verify(
        &self,
        signature: Option<&[u8]>,
        timestamp: Option<&[u8]>,
        body: &[u8],
        now: SystemTime,
    ) -> Result<(), Rejection> {
        let signature = signature.ok_or(Rejection::MissingSignature)?;
        let signature: [u8; 64] =
            decode_hex(signature.trim_ascii()).ok_or(Rejection::MalformedSignature)?;
        let timestamp = timestamp.ok_or(Rejection::MissingTimestamp)?;
        let seconds = parse_seconds(timestamp).ok_or(Rejection::MalformedTimestamp)?;
        let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        if now.abs_diff(seconds) > MAX_CLOCK_SKEW.as_secs() {
            return Err(Rejection::StaleTimestamp);
        }
        let mut message = Vec::with_capacity(timestamp.len() + body.len());
        message.extend_from_slice(timestamp);
        message.extend_from_slice(body);
        self.key
            .verify_strict(&message, &Signature::from_bytes(&signature))
            .map_err(|_| Rejection::WrongSignature)
    }
}

/// Unix seconds as ASCII digits (at most 12, so no overflow and no odd forms such as `+1`).
fn parse_seconds(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 12 || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(text.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
}

fn decode_hex<const N: usize>(text: &[u8]) -> Option<[u8; N]> {
    if text.len() != 2 * N {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let mut out = [0u8; N];
    for (i, pair) in text.chunks_exact(2).enumerate() {
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

/// The endpoint: verification, the body cap and the handler answering interactions.
pub struct Endpoint {
    /// The same handler the gateway uses.
    pub handler: Arc<Handler>,
    /// REST client for follow-ups (editing a deferred reply, moderator log posts).
    pub http: Arc<Http>,
    /// Discord's signature check.
    pub verifier: Verifier,
    /// Largest body read, in bytes; a larger one gets 413.
    pub max_body: usize,
}

type Body = Full<Bytes>;

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn json(bytes: Vec<u8>) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(bytes)));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The response to a PING.
const PONG: &[u8] = br#"{"type":1}"#;

impl Endpoint {
    /// Answers one HTTP request; never fails (every problem is a status code).
    pub async fn handle(self: Arc<Self>, request: Request<Incoming>) -> Response<Body> {
        let received = Instant::now();
        if request.method() != Method::POST {
            return plain(StatusCode::METHOD_NOT_ALLOWED, "POST interactions here\n");
        }
        if !matches!(request.uri().path(), "/" | "/interactions") {
            return plain(StatusCode::NOT_FOUND, "not found\n");
        }
        let declared = request
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > self.max_body as u64) {
            return plain(StatusCode::PAYLOAD_TOO_LARGE, "body too large\n");
        }
        let (parts, body) = request.into_parts();
        let body = match tokio::time::timeout(
            BODY_TIME_LIMIT,
            Limited::new(body, self.max_body).collect(),
        )
        .await
        {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(error)) if error.is::<http_body_util::LengthLimitError>() => {
                return plain(StatusCode::PAYLOAD_TOO_LARGE, "body too large\n");
            }
            Ok(Err(_)) | Err(_) => return plain(StatusCode::BAD_REQUEST, "cannot read body\n"),
        };
        let header = |name: &str| parts.headers.get(name).map(HeaderValue::as_bytes);
        if let Err(rejection) = self.verifier.verify(
            header("x-signature-ed25519"),
            header("x-signature-timestamp"),
            &body,
            SystemTime::now(),
        ) {
            tracing::debug!(target: "nimbus::http", ?rejection, "request refused");
            return plain(StatusCode::UNAUTHORIZED, "invalid request signature\n");
        }
        self.answer(&body, received).await
    }

    /// Answers a verified body.
    async fn answer(&self, body: &[u8], received: Instant) -> Response<Body> {
        let interaction: Interaction = match serde_json::from_slice(body) {
            Ok(interaction) => interaction,
            Err(error) => {
                // A PING is answered even if serenity cannot read the rest of it.
                if is_ping(body) {
                    return json(PONG.to_vec());
                }
                tracing::warn!(target: "nimbus::http", %error, "cannot read an interaction");
                return plain(StatusCode::BAD_REQUEST, "not an interaction\n");
            }
        };
        if matches!(interaction, Interaction::Ping(_)) {
            return json(PONG.to_vec());
        }
        let Some((id, token)) = id_and_token(&interaction) else {
            return plain(StatusCode::BAD_REQUEST, "unsupported interaction type\n");
        };
        if let Some(app) = application_id(&interaction) {
            // Follow-ups name the application; it is the same in every interaction.
            if self.http.application_id() != Some(app) {
                self.http.set_application_id(app);
            }
        }
        let (sender, first) = oneshot::channel();
        let exchange = Exchange::body(Arc::clone(&self.http), id, &token, received, sender);
        let handler = Arc::clone(&self.handler);
        // Its own task: after the first response it goes on (a deferred reply's follow-up)
        // while this request is already answered.
        tokio::spawn(async move { handler.handle(&exchange, interaction).await });
        let window = ANSWER_WITHIN.saturating_sub(received.elapsed());
        match tokio::time::timeout(window, first).await {
            Ok(Ok(response)) => match serde_json::to_vec(&response) {
                Ok(bytes) => json(bytes),
                Err(error) => {
                    tracing::error!(target: "nimbus::http", %error, "cannot serialise a response");
                    plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error\n")
                }
            },
            Ok(Err(_)) => {
                tracing::warn!(target: "nimbus::http", "an interaction got no response");
                plain(StatusCode::INTERNAL_SERVER_ERROR, "no response\n")
            }
            Err(_) => {
                tracing::warn!(target: "nimbus::http", "no response within Discord's window");
                plain(StatusCode::SERVICE_UNAVAILABLE, "too slow\n")
            }
        }
    }
}

fn is_ping(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Kind {
        r#type: u8,
    }
    serde_json::from_slice::<Kind>(body).is_ok_and(|k| k.r#type == 1)
}

fn application_id(interaction: &Interaction) -> Option<serenity::all::ApplicationId> {
    match interaction {
        Interaction::Command(c) | Interaction::Autocomplete(c) => Some(c.application_id),
        Interaction::Component(c) => Some(c.application_id),
        Interaction::Modal(m) => Some(m.application_id),
        _ => None,
    }
}

/// Serves `endpoint` on `listener` until `shutdown` completes; each connection in its own task.
pub async fn serve(
    listener: TcpListener,
    endpoint: Arc<Endpoint>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, _peer): (_, SocketAddr) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors and the like: pause rather than spin.
                tracing::warn!(target: "nimbus::http", %error, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let endpoint = Arc::clone(&endpoint);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let endpoint = Arc::clone(&endpoint);
                async move { Ok::<_, Infallible>(endpoint.handle(request).await) }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIME_LIMIT)
                .serve_connection(TokioIo::new(stream), service);
            if let Err(error) = connection.await {
                tracing::debug!(target: "nimbus::http", %error, "connection ended");
            }
        });
    }
}

/// The work gateway mode does for a command between receiving it and handing the response to
/// the REST client, without limits, logs or transport: read the interaction, build the
/// request, dispatch, build and serialise the response. For benchmarks comparing the modes;
/// `None` when `body` is not a command.
pub fn answer_in_process(
    bank: &crate::bank::Bank,
    discord: &crate::config::DiscordConfig,
    body: &[u8],
) -> Option<Vec<u8>> {
    let Ok(Interaction::Command(command)) = serde_json::from_slice::<Interaction>(body) else {
        return None;
    };
    let origin = super::convert::Origin {
        guild_id: command.guild_id.map(|g| g.get()),
        locale: Some(command.locale.clone()),
    };
    let (_, options) = super::convert::flatten_options(&command.data.options);
    let request =
        super::convert::command_request(&command.data.name, &options, &origin, discord).ok()?;
    let reply = crate::commands::dispatch(bank, &request);
    let response =
        serenity::all::CreateInteractionResponse::Message(super::convert::response_message(&reply));
    serde_json::to_vec(&response).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn keys() -> (SigningKey, Verifier) {
        let signing = SigningKey::from_bytes(&[7; 32]);
        let verifier = Verifier::new(signing.verifying_key());
        (signing, verifier)
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn signatures_and_timestamps() {
        let (signing, verifier) = keys();
        let now = SystemTime::now();
        let secs = now.duration_since(UNIX_EPOCH).expect("clock").as_secs();
        let body = br#"{"type":1}"#;
        let sign = |ts: &str, body: &[u8]| {
            let mut message = ts.as_bytes().to_vec();
            message.extend_from_slice(body);
            hex(&signing.sign(&message).to_bytes())
        };
        let ts = secs.to_string();
        let good = sign(&ts, body);
        let check = |sig: Option<&str>, ts: Option<&str>, body: &[u8]| {
            verifier.verify(sig.map(str::as_bytes), ts.map(str::as_bytes), body, now)
        };
        assert_eq!(check(Some(&good), Some(&ts), body), Ok(()));
        assert_eq!(check(Some(&good.to_uppercase()), Some(&ts), body), Ok(()));
        assert_eq!(
            check(None, Some(&ts), body),
            Err(Rejection::MissingSignature)
        );
        assert_eq!(
            check(Some("zz"), Some(&ts), body),
            Err(Rejection::MalformedSignature)
        );
        assert_eq!(
            check(Some(&good[..126]), Some(&ts), body),
            Err(Rejection::MalformedSignature)
        );
        assert_eq!(
            check(Some(&good), None, body),
            Err(Rejection::MissingTimestamp)
        );
        for bad in ["", "+1", "-5", "1e9", "99999999999999999999", "١٢٣"] {
            assert_eq!(
                check(Some(&good), Some(bad), body),
                Err(Rejection::MalformedTimestamp),
                "{bad}"
            );
        }
        assert_eq!(
            check(Some(&good), Some(&ts), br#"{"type":2}"#),
            Err(Rejection::WrongSignature)
        );
        let old = (secs - 301).to_string();
        assert_eq!(
            check(Some(&sign(&old, body)), Some(&old), body),
            Err(Rejection::StaleTimestamp)
        );
        let ahead = (secs + 301).to_string();
        assert_eq!(
            check(Some(&sign(&ahead, body)), Some(&ahead), body),
            Err(Rejection::StaleTimestamp)
        );
        let recent = (secs - 299).to_string();
        assert_eq!(
            check(Some(&sign(&recent, body)), Some(&recent), body),
            Ok(())
        );
        // Signed with another key.
        let other = SigningKey::from_bytes(&[8; 32]);
        let mut message = ts.as_bytes().to_vec();
        message.extend_from_slice(body);
        let forged = hex(&other.sign(&message).to_bytes());
        assert_eq!(
            check(Some(&forged), Some(&ts), body),
            Err(Rejection::WrongSignature)
        );
    }

    #[test]
    fn public_key_from_hex() {
        let (signing, _) = keys();
        let key = hex(signing.verifying_key().as_bytes());
        assert!(Verifier::from_hex(&key).is_ok());
        assert!(Verifier::from_hex(&format!(" {key}\n")).is_ok());
        assert!(Verifier::from_hex(&key[..62]).is_err());
        assert!(Verifier::from_hex("not hex").is_err());
    }
}
