//! Quote cards in Discord: the Card button (a public post through the share limits) and the
//! `card:` option of `/quote`. Cards are drawn off the async threads, from the cache when
//! they were drawn before, and the answer is deferred when drawing takes more than 1.5 s.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serenity::all::{
    ComponentInteraction, CreateInteractionResponse, CreateInteractionResponseMessage,
};

use super::convert;
use super::exchange::Exchange;
use super::handler::Shared;
use crate::bank::Bank;
use crate::card::{Card, CardError, CardSize};
use crate::commands::{self, Action};
use crate::cooldown::Decision;
use crate::reply::{Attachment, Reply, Visibility};

/// How long drawing may take before the bot defers: well inside Discord's 3 seconds.
const DEFER_AFTER: Duration = Duration::from_millis(1500);

/// Draws a card on a blocking thread, through the cache.
pub async fn draw(
    shared: &Arc<Shared>,
    bank: Arc<Bank>,
    quote_id: String,
    lang: String,
) -> Result<Arc<Card>, CardError> {
    let shared = Arc::clone(shared);
    let drawn = tokio::task::spawn_blocking(move || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let lang = bank.resolve_language(Some(&lang), None, None);
            let quote = bank.quote(&quote_id).ok_or(CardError::Render)?;
            shared.cards.get(&bank, quote, lang, CardSize::Landscape)
        }))
    })
    .await;
    match drawn {
        Ok(Ok(card)) => card,
        Ok(Err(_)) | Err(_) => {
            tracing::error!(target: "nimbus::discord", "drawing a card failed");
            Err(CardError::Render)
        }
    }
}

/// Answers with what `work` produces: at once when it is quick, else after a deferral of the
/// same visibility, editing the deferred answer when it is ready. Over HTTP the first response
/// is the body of Discord's request, which cannot carry a file, so a card is always deferred
/// there and attached by the edit.
pub async fn answer(ex: &Exchange, visibility: Visibility, work: impl Future<Output = Reply>) {
    tokio::pin!(work);
    let in_body = ex.answers_in_body();
    let wait = if in_body { Duration::ZERO } else { DEFER_AFTER };
    tokio::select! {
        biased;
        reply = &mut work, if !in_body => {
            let response = CreateInteractionResponse::Message(convert::response_message(&reply));
            ex.respond("answer with a card", response).await;
        }
        () = tokio::time::sleep(wait) => {
            let deferral = CreateInteractionResponse::Defer(
                CreateInteractionResponseMessage::new()
                    .ephemeral(visibility == Visibility::Ephemeral)
                    .allowed_mentions(convert::no_mentions()),
            );
            ex.respond("defer a card", deferral).await;
            let reply = work.await;
            ex.edit_original("finish a card", convert::edit_message(&reply)).await;
        }
    }
}

/// Answers at once with a reply that carries no card (a refusal, a note).
async fn answer_now(ex: &Exchange, reply: &Reply) {
    let response = CreateInteractionResponse::Message(convert::response_message(reply));
    ex.respond("answer a card press", response).await;
}

/// A Card press: the share limits first (a refused press draws nothing and answers privately),
/// then the card, posted publicly with who shared it. Returns the outcome for the log.
pub async fn press(
    shared: &Arc<Shared>,
    ex: &Exchange,
    component: &ComponentInteraction,
    quote: String,
    lang: String,
) -> &'static str {
    let bank = shared.live.bank();
    let language = bank.resolve_language(Some(&lang), None, None);
    let strings = &language.strings;
    let refused = |note: &str| Reply::text(note.to_owned(), Visibility::Ephemeral);
    if bank.quote(&quote).is_none() {
        answer_now(ex, &refused(&strings.not_found)).await;
        return "not-found";
    }
    if component.guild_id.is_some() {
        let key = Action::Card {
            quote: quote.clone(),
            lang: lang.clone(),
        }
        .custom_id();
        let decision = shared
            .check_public(
                component.channel_id.get(),
                component.user.id.get(),
                Some(&key),
            )
            .await;
        let note = match decision {
            Decision::Allow => None,
            Decision::RecentlyShared => Some((&strings.recently_shared, "recently-shared")),
            Decision::UserLimit => Some((&strings.share_limit, "share-limit")),
        };
        if let Some((note, outcome)) = note {
            answer_now(ex, &refused(note)).await;
            return outcome;
        }
    }
    let who = format!("<@{}>", component.user.id.get());
    let work = async {
        let card = draw(shared, Arc::clone(&bank), quote.clone(), lang.clone()).await;
        commands::card_post(&bank, &quote, language, card, Some(&who))
    };
    answer(ex, Visibility::Public, work).await;
    "ok"
}

/// The card of the quote a `/quote` reply shows (named by its Card button), attached to the
/// reply; the reply unchanged when it has no card (no quote, or too long to fit).
pub async fn attach(shared: &Arc<Shared>, bank: Arc<Bank>, mut reply: Reply) -> Reply {
    let Some((quote, lang)) =
        reply
            .buttons
            .iter()
            .find_map(|b| match Action::parse(&b.custom_id) {
                Some(Action::Card { quote, lang }) => Some((quote, lang)),
                _ => None,
            })
    else {
        return reply;
    };
    if let Ok(card) = draw(shared, bank, quote, lang).await {
        reply.attachment = Some(Attachment {
            file_name: card.file_name.clone(),
            bytes: Arc::new(card.png.clone()),
            description: card.alt.clone(),
        });
    }
    reply
}
