//! Retrying Discord calls that fail for a moment (a 5xx, a 429, a dropped connection, no
//! answer), for as long as they can still succeed, and saying plainly what went wrong.
//!
//! Every response the handler sends goes through [`deliver`]: the first response to an
//! interaction must reach Discord within 3 seconds of the interaction, so its deadline is
//! [`interaction_deadline`]; follow-ups and moderator-log posts have [`followup_deadline`].
//! Each attempt is cut off at the deadline, so a hung connection cannot hold a reply either.
//! Logs name the status and the reason, never the URL (it carries the interaction token).

use std::future::Future;
use std::time::{Duration, Instant};

use serenity::all::HttpError;

/// Discord's window for the first response to an interaction.
pub const INTERACTION_WINDOW: Duration = Duration::from_secs(3);

/// Kept free at the end of a window: an attempt started later could not arrive in time.
const MARGIN: Duration = Duration::from_millis(250);

/// The first wait between attempts; it doubles after each.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// How long a follow-up (editing a deferred reply, a moderator-log post) keeps trying.
pub const FOLLOWUP_WINDOW: Duration = Duration::from_secs(10);

/// Discord's code for "Interaction has already been acknowledged": after a retry it means an
/// earlier attempt did arrive, though its answer was lost.
const ALREADY_ACKNOWLEDGED: isize = 40060;

/// The deadline for the first response to an interaction received at `received`.
pub fn interaction_deadline(received: Instant) -> Instant {
    received + INTERACTION_WINDOW - MARGIN
}

/// The deadline for a follow-up starting now.
pub fn followup_deadline() -> Instant {
    Instant::now() + FOLLOWUP_WINDOW
}

/// What kind of failure a Discord call met, for deciding whether to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// HTTP 429: try again after a pause.
    RateLimited,
    /// HTTP 5xx: Discord's side; try again.
    ServerError(u16),
    /// No connection, or no answer in time: try again.
    Network,
    /// Discord refused the request itself (4xx): trying again cannot help.
    Refused(u16),
    /// Anything else (a body that could not be built or read): not retried.
    Other,
}

impl Failure {
    /// Classifies a serenity error.
    pub fn of(error: &serenity::Error) -> Failure {
        match error {
            serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => {
                match response.status_code.as_u16() {
                    429 => Failure::RateLimited,
                    status @ 500..=599 => Failure::ServerError(status),
                    status => Failure::Refused(status),
                }
            }
            serenity::Error::Http(HttpError::Request(_)) => Failure::Network,
            _ => Failure::Other,
        }
    }

    /// Whether another attempt may succeed.
    pub fn transient(self) -> bool {
        matches!(
            self,
            Failure::RateLimited | Failure::ServerError(_) | Failure::Network
        )
    }
}

/// A Discord call that did not succeed within its deadline.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason} (after {attempts} attempt(s))")]
pub struct Failed {
    /// The last reason, in plain words.
    pub reason: String,
    /// How many attempts were made.
    pub attempts: u32,
}

/// A failure in plain words: the status and what it means, Discord's own message when it sent
/// one; never the URL. A 429 whose body serenity cannot decode (no `code`) reads as what it
/// is, a rate limit, and not as a JSON error.
pub fn describe(error: &serenity::Error) -> String {
    match error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => {
            let status = response.status_code.as_u16();
            let meaning = match status {
                429 => "rate limited by Discord",
                500..=599 => "Discord server error",
                _ => "refused by Discord",
            };
            // serenity's placeholder for a body it could not decode says nothing useful.
            if response.error.code == -1 || response.error.message.is_empty() {
                format!("{meaning} (HTTP {status})")
            } else {
                format!(
                    "{meaning} (HTTP {status}, code {}: {})",
                    response.error.code, response.error.message
                )
            }
        }
        serenity::Error::Http(HttpError::Request(request)) if request.is_timeout() => {
            "no answer from Discord in time".to_owned()
        }
        serenity::Error::Http(HttpError::Request(request)) if request.is_connect() => {
            "cannot connect to Discord".to_owned()
        }
        serenity::Error::Http(HttpError::Request(_)) => {
            "the request to Discord failed on the way".to_owned()
        }
        other => other.to_string(),
    }
}

fn already_acknowledged(error: &serenity::Error) -> bool {
    matches!(
        error,
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response))
            if response.error.code == ALREADY_ACKNOWLEDGED
    )
}

/// Runs `attempt` until it succeeds, fails for good, or `deadline` leaves no time for another
/// try; each attempt is cut off at the deadline. `what` names the call in logs ("answer a
/// command"). Transient failures are retried after 100 ms, 200 ms, 400 ms, …
pub async fn deliver<T, F, Fut>(what: &str, deadline: Instant, mut attempt: F) -> Result<(), Failed>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, serenity::Error>>,
{
    let mut attempts = 0u32;
    let mut backoff = FIRST_BACKOFF;
    loop {
        attempts += 1;
        let left = deadline.saturating_duration_since(Instant::now());
        let error = match tokio::time::timeout(left, attempt()).await {
            Ok(Ok(_)) => {
                if attempts > 1 {
                    tracing::info!(target: "nimbus::discord", what, attempts, "delivered after retrying");
                }
                return Ok(());
            }
            Ok(Err(error)) if attempts > 1 && already_acknowledged(&error) => {
                tracing::info!(target: "nimbus::discord", what, attempts, "an earlier attempt had arrived after all");
                return Ok(());
            }
            Ok(Err(error)) => error,
            Err(_) => {
                let reason = "no answer from Discord before the deadline".to_owned();
                tracing::warn!(target: "nimbus::discord", what, attempts, %reason, "giving up");
                return Err(Failed { reason, attempts });
            }
        };
        let failure = Failure::of(&error);
        let reason = describe(&error);
        let next = Instant::now() + backoff;
        // Another attempt needs its pause plus a little time to travel before the deadline.
        if failure.transient() && next + MARGIN < deadline {
            tracing::warn!(target: "nimbus::discord", what, attempts, %reason, retry_in_ms = backoff.as_millis() as u64, "Discord call failed; retrying");
            tokio::time::sleep(backoff).await;
            backoff *= 2;
            continue;
        }
        let why = if failure.transient() {
            "giving up: no time left to retry"
        } else {
            "giving up: retrying cannot help"
        };
        tracing::warn!(target: "nimbus::discord", what, attempts, %reason, "{why}");
        return Err(Failed { reason, attempts });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn succeeds_at_once_without_retrying() {
        let calls = AtomicU32::new(0);
        let result = deliver("test", Instant::now() + Duration::from_secs(3), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok::<_, serenity::Error>(())
        })
        .await;
        assert_eq!(result, Ok(()));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_permanent_failure_is_not_retried() {
        let calls = AtomicU32::new(0);
        let result = deliver("test", Instant::now() + Duration::from_secs(3), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(serenity::Error::Other("bad body"))
        })
        .await;
        assert_eq!(
            result,
            Err(Failed {
                reason: "bad body".into(),
                attempts: 1
            })
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    /// An attempt that never answers is cut off at the deadline: the handler is never held.
    #[tokio::test]
    async fn a_hung_attempt_ends_at_the_deadline() {
        let result = deliver("test", Instant::now() + Duration::from_millis(300), || {
            std::future::pending::<Result<(), serenity::Error>>()
        })
        .await;
        let failed = result.expect_err("gives up");
        assert!(failed.reason.contains("before the deadline"), "{failed}");
    }
}
