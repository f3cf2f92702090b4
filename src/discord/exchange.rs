//! The one seam between the handler and the two transports: an [`Exchange`] is one interaction
//! being answered, and [`Exchange::respond`] sends its first response either as a REST callback
//! (gateway mode) or as the body of Discord's HTTP request (`nimbus-bot serve`).
//!
//! Everything after the first response (editing a deferred reply, posts to the moderator log)
//! goes over REST in both modes, with the interaction token, so the handler and the editing
//! code are the same whichever way the interaction arrived.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use serenity::all::{
    Builder, CreateInteractionResponse, EditInteractionResponse, Http, InteractionId,
};
use tokio::sync::oneshot;

use super::retry;

/// How the first response of an interaction leaves the bot.
enum Responder {
    /// `POST /interactions/{id}/{token}/callback` (gateway mode).
    Rest,
    /// Handed to the HTTP server, which writes it as the response body (HTTP mode). `None`
    /// once sent: a second first response can only go over REST.
    Body(Mutex<Option<oneshot::Sender<CreateInteractionResponse>>>),
}

/// One interaction being answered: who to answer, how, and when it arrived (Discord's 3-second
/// window runs from then).
pub struct Exchange {
    http: Arc<Http>,
    id: InteractionId,
    token: String,
    received: Instant,
    responder: Responder,
}

impl std::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the token: it lets anyone holding it post as the bot for 15 minutes.
        f.debug_struct("Exchange").field("id", &self.id).finish()
    }
}

impl Exchange {
    /// An interaction from the gateway, answered by REST callback.
    pub fn rest(http: Arc<Http>, id: InteractionId, token: &str) -> Exchange {
        Exchange {
            http,
            id,
            token: token.to_owned(),
            received: Instant::now(),
            responder: Responder::Rest,
        }
    }

    /// An interaction POSTed to the HTTP endpoint: its first response goes to `body`.
    pub fn body(
        http: Arc<Http>,
        id: InteractionId,
        token: &str,
        received: Instant,
        body: oneshot::Sender<CreateInteractionResponse>,
    ) -> Exchange {
        Exchange {
            http,
            id,
            token: token.to_owned(),
            received,
            responder: Responder::Body(Mutex::new(Some(body))),
        }
    }

    /// The REST client, for follow-ups and channel posts.
    pub fn http(&self) -> &Arc<Http> {
        &self.http
    }

    /// Whether the first response goes back as the body of Discord's HTTP request (which
    /// cannot carry files) rather than as a REST callback.
    pub fn answers_in_body(&self) -> bool {
        matches!(self.responder, Responder::Body(_))
    }

    /// When the interaction arrived.
    pub fn received(&self) -> Instant {
        self.received
    }

    /// Sends the first response; `what` names it in logs. Over REST it is retried while
    /// Discord's window allows; as an HTTP body it is handed over at once.
    pub async fn respond(&self, what: &str, response: CreateInteractionResponse) {
        if let Responder::Body(slot) = &self.responder {
            let sender = slot
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take();
            if let Some(sender) = sender {
                if sender.send(response).is_err() {
                    // The server gave up waiting (Discord's window passed) or the client left.
                    tracing::warn!(target: "nimbus::discord", what, "cannot answer: the HTTP request is gone");
                }
                return;
            }
        }
        let deadline = retry::interaction_deadline(self.received);
        let sent = retry::deliver(what, deadline, || {
            response
                .clone()
                .execute(&self.http, (self.id, self.token.as_str()))
        })
        .await;
        if let Err(failed) = sent {
            tracing::warn!(target: "nimbus::discord", %failed, "cannot {what}");
        }
    }

    /// Replaces the deferred (or first) response, over REST in both modes, retried for a
    /// while; `what` names it in logs.
    pub async fn edit_original(&self, what: &str, edit: EditInteractionResponse) {
        let sent = retry::deliver(what, retry::followup_deadline(), || {
            edit.clone().execute(&self.http, self.token.as_str())
        })
        .await;
        if let Err(failed) = sent {
            tracing::warn!(target: "nimbus::discord", %failed, "cannot {what}");
        }
    }
}
