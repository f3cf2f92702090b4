//! The editing commands at the Discord border: `/bank edit|new|archive|remove|history|revert`,
//! their modals, and the Publish / Edit again / Cancel / Approve / Reject buttons.
//!
//! Everything that decides lives in [`crate::edit`]; this module checks who is acting (again at
//! every step: the command, the modal submit, each button, since a button or form id can be
//! replayed by anyone), keeps drafts and proposals, calls the core off the async threads, and
//! turns results into interaction responses and channel posts. Nothing here logs a user id,
//! a username or what anyone typed.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serenity::all::{
    Builder, ChannelId, CommandInteraction, ComponentInteraction, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateMessage, MessageId, ModalInteraction,
};

use super::convert::{self, OptionValue};
use super::exchange::Exchange;
use super::handler::Shared;
use super::retry;
use crate::config::EditingConfig;
use crate::edit::drafts::{Decision, Drafts, Person, Queue, Unavailable};
use crate::edit::reply::{self as edit_reply, EditButton};
use crate::edit::{EditError, Editor, History, Kind, Op, Pending, Published, Refusal};
use crate::reload::Outcome;
use crate::reply::{Reply, Visibility};

/// How long an answer may take before the bot defers and edits the reply in later: well
/// inside Discord's 3 seconds, with room for the network.
const DEFER_AFTER: Duration = Duration::from_millis(1500);
/// Longest an archive download may take.
const DOWNLOAD_TIME_LIMIT: Duration = Duration::from_secs(20);
/// Drafts kept in all, whoever they belong to.
const MAX_DRAFTS: usize = 500;
/// Proposals waiting at once.
const MAX_PROPOSALS: usize = 100;

/// Who is acting, as far as editing the bank goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// May publish, approve and reject.
    Moderator,
    /// Has an editor role: may make proposals, never publish or approve.
    Editor,
    /// Neither.
    Member,
}

/// A person's standing: moderators as for `/bank reload`, else an editor role, else none.
/// Only inside a guild.
pub fn standing(moderator: bool, in_guild: bool, roles: &[u64], editor_roles: &[u64]) -> Standing {
    if moderator {
        Standing::Moderator
    } else if in_guild && roles.iter().any(|r| editor_roles.contains(r)) {
        Standing::Editor
    } else {
        Standing::Member
    }
}

/// The editor, the drafts and the proposals of a running bot.
pub struct Editing {
    /// The core editor of the served bank folder.
    pub editor: Arc<Editor>,
    drafts: Mutex<Drafts>,
    queue: Mutex<Queue>,
    config: EditingConfig,
}

impl std::fmt::Debug for Editing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Editing")
            .field("history", &self.editor.history())
            .finish()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Editing {
    /// Editing for the bank in `config.bank`, with history in git when the bank is in a work
    /// tree, else in the state folder.
    pub fn new(config: &crate::config::Config) -> Editing {
        let history = History::detect(&config.bank, config.state().history());
        tracing::info!(target: "nimbus::edit", history = %history.describe(), "bank edits are recorded");
        let e = &config.editing;
        Editing {
            editor: Arc::new(Editor::new(
                &config.bank,
                crate::bank::LoadOptions::from_config(config),
                history,
                e.archive_max_kb.saturating_mul(1024),
            )),
            drafts: Mutex::new(Drafts::new(
                Duration::from_secs(e.draft_minutes.saturating_mul(60)),
                e.drafts_per_person,
                MAX_DRAFTS,
            )),
            queue: Mutex::new(Queue::new(
                Duration::from_secs(e.proposal_hours.saturating_mul(3600)),
                MAX_PROPOSALS,
            )),
            config: e.clone(),
        }
    }
}

/// Sends the first response (see [`Exchange::respond`]).
async fn respond(ex: &Exchange, response: CreateInteractionResponse) {
    ex.respond("answer a bank edit", response).await;
}

async fn edit_original(ex: &Exchange, reply: &Reply) {
    ex.edit_original("finish a bank edit answer", convert::edit_message(reply))
        .await;
}

/// Posts to a channel (moderator log, review channel), retried for a while; the message id
/// when it was posted.
async fn post(
    http: &Arc<serenity::all::Http>,
    channel: u64,
    message: CreateMessage,
    what: &str,
) -> Option<u64> {
    let posted: Mutex<Option<u64>> = Mutex::new(None);
    let sent = retry::deliver(what, retry::followup_deadline(), || {
        let message = message.clone();
        let posted = &posted;
        async move {
            let m = ChannelId::new(channel).send_message(http, message).await?;
            *lock(posted) = Some(m.id.get());
            Ok::<_, serenity::Error>(())
        }
    })
    .await;
    if let Err(failed) = sent {
        tracing::warn!(target: "nimbus::edit", %failed, "{what}: giving up");
    }
    let id = *lock(&posted);
    id
}

/// How a slow answer appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    /// A new private message.
    Private,
    /// Replacing the message the button sat on.
    Update,
}

/// Answers with what `work` produces: at once when it is quick, else after a deferral (so the
/// 3-second deadline can never pass), editing the deferred answer when it is ready.
async fn answer(ex: &Exchange, shown: Shown, work: impl Future<Output = Reply>) {
    tokio::pin!(work);
    tokio::select! {
        reply = &mut work => {
            let message = match shown {
                Shown::Private => convert::response_message(&reply),
                Shown::Update => convert::update_message(&reply),
            };
            let response = match shown {
                Shown::Private => CreateInteractionResponse::Message(message),
                Shown::Update => CreateInteractionResponse::UpdateMessage(message),
            };
            respond(ex, response).await;
        }
        () = tokio::time::sleep(DEFER_AFTER) => {
            let deferral = match shown {
                Shown::Private => CreateInteractionResponse::Defer(
                    CreateInteractionResponseMessage::new()
                        .ephemeral(true)
                        .allowed_mentions(convert::no_mentions()),
                ),
                Shown::Update => CreateInteractionResponse::Acknowledge,
            };
            respond(ex, deferral).await;
            let reply = work.await;
            edit_original(ex, &reply).await;
        }
    }
}

/// Runs blocking core work (file reads, validation, git) off the async threads.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    match tokio::task::spawn_blocking(move || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
    })
    .await
    {
        Ok(Ok(value)) => Some(value),
        Ok(Err(_)) | Err(_) => {
            tracing::error!(target: "nimbus::edit", "an editing task failed");
            None
        }
    }
}

fn failed() -> Reply {
    edit_reply::notice(
        "Something went wrong on the bot's side; nothing was changed. The log has the details.",
    )
}

fn person(user: &serenity::all::User) -> Person {
    Person {
        id: user.id.get(),
        name: user.name.clone(),
    }
}

fn mention(id: u64) -> String {
    format!("<@{id}>")
}

fn gone(what: Unavailable, minutes: u64) -> Reply {
    match what {
        Unavailable::NotYours => {
            edit_reply::notice("This belongs to someone else's draft; start your own with /bank edit.")
        }
        Unavailable::Gone => edit_reply::notice(&format!(
            "This draft is gone: it was published or cancelled, or it expired (drafts last {minutes} minutes unused, and a restart forgets them). Start again with /bank edit or /bank new."
        )),
    }
}

fn modal_response(pending: &Pending, draft: &str) -> Option<CreateInteractionResponse> {
    let (title, fields) = pending.form()?;
    let custom_id = EditButton::Form(draft.to_owned()).custom_id();
    Some(CreateInteractionResponse::Modal(convert::modal(
        &custom_id, &title, &fields,
    )))
}

/// `/bank edit|new|archive|remove|history|revert` from someone whose standing allows editing.
pub async fn command(
    shared: &Arc<Shared>,
    ex: &Exchange,
    command: &CommandInteraction,
    subcommand: &str,
    options: &[(String, OptionValue)],
) {
    let editing = &shared.editing;
    let who = person(&command.user);
    let text = |name: &str| convert::option_text(options, name);
    let bank = shared.live.bank();
    match subcommand {
        "edit" | "new" => {
            let editor = Arc::clone(&editing.editor);
            let lang = text("lang");
            let opened = if subcommand == "edit" {
                let entry = text("entry").unwrap_or_default();
                let bank = Arc::clone(&bank);
                blocking(move || editor.open(&bank, &entry, lang.as_deref())).await
            } else {
                let kind = text("kind").and_then(|k| Kind::from_word(&k));
                Some(match kind {
                    Some(kind) => editor.open_new(&bank, kind, lang.as_deref()),
                    None => Err(EditError::NotFound("(kind)".to_owned())),
                })
            };
            match opened {
                Some(Ok(pending)) => {
                    let id = lock(&editing.drafts).insert(Instant::now(), who, pending.clone());
                    match modal_response(&pending, &id) {
                        Some(modal) => respond(ex, modal).await,
                        None => respond_reply(ex, &failed()).await,
                    }
                }
                Some(Err(error)) => {
                    respond_reply(ex, &edit_reply::notice(&error.to_string())).await
                }
                None => respond_reply(ex, &failed()).await,
            }
        }
        "remove" | "revert" | "archive" => {
            let shared = Arc::clone(shared);
            let entry = text("entry").or_else(|| text("source")).unwrap_or_default();
            let change = text("change").unwrap_or_default();
            let attachment = convert::option_attachment(options, "file").and_then(|id| {
                command
                    .data
                    .resolved
                    .attachments
                    .iter()
                    .find(|(a, _)| a.get() == id)
                    .map(|(_, a)| a.clone())
            });
            let kind = subcommand.to_owned();
            answer(ex, Shown::Private, async move {
                let editor = Arc::clone(&shared.editing.editor);
                let opened = match kind.as_str() {
                    "remove" => blocking(move || editor.remove(&bank, &entry)).await,
                    "revert" => blocking(move || editor.revert(&entry, &change)).await,
                    _ => match attachment {
                        None => Some(Err(EditError::Archive(
                            "attach the text as a file".to_owned(),
                        ))),
                        Some(file) => match download(&file, editor.archive_max_bytes()).await {
                            Ok(bytes) => blocking(move || editor.archive(&entry, &bytes)).await,
                            Err(problem) => Some(Err(EditError::Archive(problem))),
                        },
                    },
                };
                match opened {
                    Some(Ok(pending)) => draft_preview(&shared, who, pending).await,
                    Some(Err(error)) => edit_reply::notice(&error.to_string()),
                    None => failed(),
                }
            })
            .await;
        }
        "history" => {
            let editor = Arc::clone(&editing.editor);
            let entry = text("entry").unwrap_or_default();
            answer(ex, Shown::Private, async move {
                let describe = editor.history().describe();
                let id = entry.clone();
                match blocking(move || editor.changes(&id, 15)).await {
                    Some(Ok(changes)) => edit_reply::history(&entry, &changes, &describe),
                    Some(Err(error)) => edit_reply::notice(&error.to_string()),
                    None => failed(),
                }
            })
            .await;
        }
        _ => respond_reply(ex, &failed()).await,
    }
}

async fn respond_reply(ex: &Exchange, reply: &Reply) {
    respond(
        ex,
        CreateInteractionResponse::Message(convert::response_message(reply)),
    )
    .await;
}

/// Keeps `pending` as a new draft of `who` and previews it.
async fn draft_preview(shared: &Arc<Shared>, who: Person, pending: Pending) -> Reply {
    let has_form = matches!(pending.op, Op::Form(_));
    let id = lock(&shared.editing.drafts).insert(Instant::now(), who, pending.clone());
    preview_reply(shared, pending, &id, has_form).await
}

async fn preview_reply(
    shared: &Arc<Shared>,
    pending: Pending,
    draft: &str,
    has_form: bool,
) -> Reply {
    let editor = Arc::clone(&shared.editing.editor);
    let live = shared.live.bank();
    match blocking(move || editor.preview(&pending)).await {
        Some(preview) => edit_reply::preview(&preview, &live, draft, has_form),
        None => failed(),
    }
}

/// Downloads an attachment: at most `max` bytes, within [`DOWNLOAD_TIME_LIMIT`], from an
/// http(s) address only.
async fn download(file: &serenity::all::Attachment, max: usize) -> Result<Vec<u8>, String> {
    let too_big = || {
        format!("the file is larger than {max} bytes, the most an archive text may be (archive_max_kb in config.toml)")
    };
    if usize::try_from(file.size).unwrap_or(usize::MAX) > max {
        return Err(too_big());
    }
    let url = url::Url::parse(&file.url)
        .map_err(|_| "the attachment has no usable address".to_owned())?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err("the attachment has no usable address".to_owned());
    }
    let fetch = async {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .map_err(|e| e.to_string())?;
        let mut response = client
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("cannot download the file: {}", e.without_url()))?;
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("cannot download the file: {}", e.without_url()))?
        {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > max {
                return Err(too_big());
            }
        }
        Ok(bytes)
    };
    tokio::time::timeout(DOWNLOAD_TIME_LIMIT, fetch)
        .await
        .map_err(|_| {
            format!(
                "the download took longer than {} s",
                DOWNLOAD_TIME_LIMIT.as_secs()
            )
        })?
}

/// A modal submit: what was typed goes into the draft, and the answer is its preview.
pub async fn modal(
    shared: &Arc<Shared>,
    ex: &Exchange,
    modal: &ModalInteraction,
    standing: Standing,
) {
    let Some(EditButton::Form(draft)) = EditButton::parse(&modal.data.custom_id) else {
        respond_reply(
            ex,
            &edit_reply::notice("This form is not one the bot knows."),
        )
        .await;
        return;
    };
    if standing == Standing::Member {
        respond_reply(ex, &not_allowed()).await;
        return;
    }
    // Both shapes (action rows, label components) are read from the components as JSON.
    let values = serde_json::to_value(&modal.data.components)
        .map(|json| convert::modal_values(&json))
        .unwrap_or_default();
    let user = modal.user.id.get();
    let minutes = shared.editing.config.draft_minutes;
    let pending = {
        let mut drafts = lock(&shared.editing.drafts);
        drafts.get(Instant::now(), &draft, user).map(|d| {
            d.pending.submit(&values);
            d.pending.clone()
        })
    };
    let shared = Arc::clone(shared);
    answer(ex, Shown::Private, async move {
        match pending {
            Ok(pending) => preview_reply(&shared, pending, &draft, true).await,
            Err(Unavailable::Gone) => {
                // Nothing typed is lost: it comes back to the person who typed it.
                let typed: Vec<String> = values
                    .iter()
                    .map(|(id, value)| format!("{id}: {value}"))
                    .collect();
                let mut reply = gone(Unavailable::Gone, minutes);
                reply.content = Some(edit_reply::listing(
                    reply.content.as_deref().unwrap_or_default(),
                    &typed,
                    convert::CONTENT_LIMIT,
                ));
                reply
            }
            Err(other) => gone(other, minutes),
        }
    })
    .await;
}

fn not_allowed() -> Reply {
    edit_reply::notice(
        "Only moderators (and, for proposals, members with an editor role) can do that.",
    )
}

/// A button of the editor. Returns `false` when the id is not one (the handler tries its own).
pub async fn button(
    shared: &Arc<Shared>,
    ex: &Exchange,
    component: &ComponentInteraction,
    standing: Standing,
) -> bool {
    let Some(button) = EditButton::parse(&component.data.custom_id) else {
        return false;
    };
    let who = person(&component.user);
    let minutes = shared.editing.config.draft_minutes;
    let allowed = match &button {
        // Only moderators decide on proposals; a proposer may withdraw their own (checked below).
        EditButton::Approve(_) => standing == Standing::Moderator,
        EditButton::Reject(_) => standing != Standing::Member,
        _ => standing != Standing::Member,
    };
    if !allowed {
        respond_reply(ex, &not_allowed()).await;
        return true;
    }
    match button {
        EditButton::Form(_) => respond_reply(ex, &failed()).await,
        EditButton::Again(draft) | EditButton::Current(draft) => {
            let current = matches!(button_kind(&component.data.custom_id), Some("current"));
            let pending = lock(&shared.editing.drafts)
                .get(Instant::now(), &draft, who.id)
                .map(|d| d.pending.clone());
            let pending = match (pending, current) {
                (Ok(pending), true) => {
                    let editor = Arc::clone(&shared.editing.editor);
                    let bank = shared.live.bank();
                    match blocking(move || editor.reopen(&bank, &pending)).await {
                        Some(Ok(fresh)) => {
                            if let Ok(d) =
                                lock(&shared.editing.drafts).get(Instant::now(), &draft, who.id)
                            {
                                d.pending = fresh.clone();
                            }
                            Ok(fresh)
                        }
                        Some(Err(error)) => {
                            respond_reply(ex, &edit_reply::notice(&error.to_string())).await;
                            return true;
                        }
                        None => {
                            respond_reply(ex, &failed()).await;
                            return true;
                        }
                    }
                }
                (other, _) => other,
            };
            match pending.map(|p| modal_response(&p, &draft)) {
                Ok(Some(modal)) => respond(ex, modal).await,
                Ok(None) => {
                    respond_reply(
                        ex,
                        &edit_reply::notice("This change has no form to reopen."),
                    )
                    .await
                }
                Err(what) => respond_reply(ex, &gone(what, minutes)).await,
            }
        }
        EditButton::Cancel(draft) => {
            let reply = match lock(&shared.editing.drafts).take(Instant::now(), &draft, who.id) {
                Ok(_) => Reply::text("Cancelled: nothing was changed.", Visibility::Ephemeral),
                Err(what) => gone(what, minutes),
            };
            respond(
                ex,
                CreateInteractionResponse::UpdateMessage(convert::update_message(&reply)),
            )
            .await;
        }
        EditButton::Publish(draft) => {
            let pending = lock(&shared.editing.drafts)
                .get(Instant::now(), &draft, who.id)
                .map(|d| d.pending.clone());
            let pending = match pending {
                Ok(pending) => pending,
                Err(what) => {
                    respond_reply(ex, &gone(what, minutes)).await;
                    return true;
                }
            };
            let review = standing == Standing::Editor || shared.editing.config.require_review;
            let shared2 = Arc::clone(shared);
            let http = Arc::clone(ex.http());
            answer(ex, Shown::Private, async move {
                if review {
                    propose(&shared2, &http, who, draft, pending).await
                } else {
                    publish(&shared2, &http, &who, &draft, pending).await
                }
            })
            .await;
        }
        EditButton::Approve(proposal) | EditButton::Reject(proposal) => {
            let decision = if matches!(button_kind(&component.data.custom_id), Some("approve")) {
                Decision::Approve
            } else {
                Decision::Reject
            };
            let taken = {
                let mut queue = lock(&shared.editing.queue);
                match queue.get(Instant::now(), &proposal) {
                    // A member with an editor role may only withdraw their own.
                    Some(p) if standing == Standing::Editor && p.proposer.id != who.id => {
                        Err(Unavailable::NotYours)
                    }
                    _ => queue.decide(Instant::now(), &proposal, who.id, decision),
                }
            };
            let proposal = match taken {
                Ok(p) => p,
                Err(Unavailable::NotYours) if decision == Decision::Approve => {
                    respond_reply(
                        ex,
                        &edit_reply::notice(
                            "You proposed this change: another moderator must approve it.",
                        ),
                    )
                    .await;
                    return true;
                }
                Err(Unavailable::NotYours) => {
                    respond_reply(ex, &not_allowed()).await;
                    return true;
                }
                Err(Unavailable::Gone) => {
                    respond_reply(
                        ex,
                        &edit_reply::notice("This proposal was already decided, or it expired."),
                    )
                    .await;
                    return true;
                }
            };
            let shared2 = Arc::clone(shared);
            let http = Arc::clone(ex.http());
            answer(ex, Shown::Update, async move {
                decide(&shared2, &http, &who, proposal, decision).await
            })
            .await;
        }
    }
    true
}

fn button_kind(custom_id: &str) -> Option<&str> {
    custom_id.strip_prefix("edit:")?.split(':').next()
}

/// Publishes a draft, swaps the live bank, posts to the moderator log.
async fn publish(
    shared: &Arc<Shared>,
    http: &Arc<serenity::all::Http>,
    who: &Person,
    draft: &str,
    pending: Pending,
) -> Reply {
    let editor = Arc::clone(&shared.editing.editor);
    let identity = shared.editing.config.editor_identity;
    let editor_name = identity.record(who);
    let attempt = pending.clone();
    let result = blocking(move || editor.publish(&attempt, editor_name, None)).await;
    match result {
        Some(Ok(mut published)) => {
            let _ = lock(&shared.editing.drafts).take(Instant::now(), draft, who.id);
            let live = go_live(shared, http, published.validated.take()).await;
            log_published(shared, http, &published, &mention(who.id), None).await;
            tracing::info!(target: "nimbus::edit", summary = %published.summary, "bank change published");
            edit_reply::published(
                &published,
                live.as_deref().map_err(String::as_str),
                &shared.editing.editor.history().describe(),
            )
        }
        Some(Err(Refusal::Conflict)) => {
            let live = shared.live.bank();
            edit_reply::conflict(
                &live,
                pending.kind(),
                pending.id().unwrap_or_default(),
                pending.lang(),
                Some(draft),
            )
        }
        Some(Err(Refusal::Invalid(problems))) => edit_reply::invalid(&problems),
        Some(Err(Refusal::Failed(problem))) => {
            tracing::error!(target: "nimbus::edit", %problem, "publishing failed");
            edit_reply::notice(&format!("Not published: {problem}"))
        }
        None => failed(),
    }
}

/// Reloads the live bank after a publish (a moderator's confirmed reload: a removal applies at
/// once) and returns its summary, or why it did not take.
async fn go_live(
    shared: &Arc<Shared>,
    http: &Arc<serenity::all::Http>,
    validated: Option<crate::bank::Loaded>,
) -> Result<String, String> {
    let live = Arc::clone(&shared.live);
    // The bank publish validated is what is on disk now: served without loading it again.
    let outcome = blocking(move || match validated {
        Some(loaded) => live.install(loaded),
        None => live.reload(),
    })
    .await;
    let Some(outcome) = outcome else {
        return Err("the reload failed".to_owned());
    };
    shared.after_reload(http, &outcome).await;
    match outcome {
        Outcome::Swapped { summary, .. } => Ok(summary),
        Outcome::Kept { errors } => Err(format!(
            "the bank folder has {} problem(s) now",
            errors.len()
        )),
        // A moderator's reload applies removals; a hold would mean the files changed meanwhile.
        Outcome::Held { removed, .. } => Err(format!("a change on disk is held ({removed})")),
    }
}

async fn log_published(
    shared: &Arc<Shared>,
    http: &Arc<serenity::all::Http>,
    published: &Published,
    who: &str,
    approver: Option<&str>,
) {
    let Some(channel) = shared.config.discord.mod_log_channel else {
        return;
    };
    let message = convert::post_message(&edit_reply::log_post(published, who, approver), &[]);
    post(
        http,
        channel,
        message,
        "post a bank change to the moderator log",
    )
    .await;
}

/// Turns a draft into a proposal in the review channel.
async fn propose(
    shared: &Arc<Shared>,
    http: &Arc<serenity::all::Http>,
    who: Person,
    draft: String,
    pending: Pending,
) -> Reply {
    let Some(channel) = shared
        .editing
        .config
        .review_channel
        .or(shared.config.discord.mod_log_channel)
    else {
        return edit_reply::notice("Changes need a second moderator's approval here, but no review_channel (or mod_log_channel) is set in config.toml; ask the bot's operator.");
    };
    let editor = Arc::clone(&shared.editing.editor);
    let attempt = pending.clone();
    let Some(preview) = blocking(move || editor.preview(&attempt)).await else {
        return failed();
    };
    if preview.errors > 0 {
        return edit_reply::invalid(&preview.problems);
    }
    if lock(&shared.editing.drafts)
        .take(Instant::now(), &draft, who.id)
        .is_err()
    {
        return gone(Unavailable::Gone, shared.editing.config.draft_minutes);
    }
    let proposer = mention(who.id);
    let summary = preview.summary.clone();
    let id = lock(&shared.editing.queue).propose(Instant::now(), who, pending, summary);
    let post = {
        let queue = lock(&shared.editing.queue);
        queue
            .get(Instant::now(), &id)
            .map(|p| edit_reply::proposal_post(p, &preview, &proposer))
    };
    let Some(post) = post else { return failed() };
    match self::post(
        http,
        channel,
        convert::post_message(&post, &[]),
        "post a proposal",
    )
    .await
    {
        Some(message) => {
            lock(&shared.editing.queue).set_message(&id, channel, message);
            tracing::info!(target: "nimbus::edit", "bank change proposed");
            // Built here, not from bank text: the channel link must stay a link.
            Reply::text(
                format!("Proposed in <#{channel}>: another moderator must approve it before it goes live. You will be told the outcome there."),
                Visibility::Ephemeral,
            )
        }
        None => {
            let _ = lock(&shared.editing.queue).decide(Instant::now(), &id, 0, Decision::Reject);
            edit_reply::notice(
                "The proposal could not be posted in the review channel; nothing was changed.",
            )
        }
    }
}

/// Approves (publishes) or rejects a proposal; the answer replaces the proposal's message, and
/// the proposer is told in the review channel.
async fn decide(
    shared: &Arc<Shared>,
    http: &Arc<serenity::all::Http>,
    who: &Person,
    proposal: crate::edit::drafts::Proposal,
    decision: Decision,
) -> Reply {
    let decider = mention(who.id);
    let proposer = mention(proposal.proposer.id);
    let (text, tell) = match decision {
        Decision::Reject if proposal.proposer.id == who.id => (
            format!("Withdrawn by {proposer}: {}.", proposal.summary),
            None,
        ),
        Decision::Reject => (
            format!(
                "Rejected by {decider}: {}. Proposed by {proposer}.",
                proposal.summary
            ),
            Some(format!(
                "{proposer}, your proposal ({}) was rejected by {decider}.",
                proposal.summary
            )),
        ),
        Decision::Approve => {
            let editor = Arc::clone(&shared.editing.editor);
            let identity = shared.editing.config.editor_identity;
            let (proposed_by, approved_by) =
                (identity.record(&proposal.proposer), identity.record(who));
            let pending = proposal.pending.clone();
            match blocking(move || editor.publish(&pending, proposed_by, approved_by)).await {
                Some(Ok(mut published)) => {
                    let live = go_live(shared, http, published.validated.take()).await;
                    log_published(shared, http, &published, &proposer, Some(&decider)).await;
                    tracing::info!(target: "nimbus::edit", summary = %published.summary, "proposal approved and published");
                    let state = match &live {
                        Ok(_) => "live",
                        Err(_) => "written, but the live bank did not reload (see /bank status)",
                    };
                    (
                        format!("Approved by {decider} and published ({state}): {}. Proposed by {proposer}.", published.summary),
                        Some(format!("{proposer}, your proposal ({}) was approved by {decider} and is {state}.", published.summary)),
                    )
                }
                Some(Err(refusal)) => {
                    let why = match refusal {
                        Refusal::Conflict => "the entry changed since it was proposed".to_owned(),
                        Refusal::Invalid(problems) => format!(
                            "it no longer passes the checks ({})",
                            problems.first().cloned().unwrap_or_default()
                        ),
                        Refusal::Failed(problem) => problem,
                    };
                    (
                        format!("Approved by {decider}, but not published: {why}. The proposal is closed; {proposer} can propose it again."),
                        Some(format!("{proposer}, your proposal ({}) was approved but could not be published: {why}.", proposal.summary)),
                    )
                }
                None => return failed(),
            }
        }
    };
    if let (Some(tell), Some((channel, _))) = (tell, proposal.message) {
        let post = edit_reply::Post {
            content: crate::render::fit(&tell, convert::CONTENT_LIMIT),
            embeds: Vec::new(),
            buttons: Vec::new(),
            file: None,
        };
        // The one message that pings: the proposer, being told the outcome.
        let message = convert::post_message(&post, &[proposal.proposer.id]);
        self::post(http, channel, message, "tell a proposer the outcome").await;
    }
    Reply::text(
        crate::render::fit(&text, convert::CONTENT_LIMIT),
        Visibility::Public,
    )
}

/// Closes proposals that expired: their message says so and loses its buttons, and the
/// proposer is told.
pub async fn expire_proposals(shared: &Arc<Shared>, http: &Arc<serenity::all::Http>) {
    let expired = lock(&shared.editing.queue).expired(Instant::now());
    for proposal in expired {
        let Some((channel, message)) = proposal.message else {
            continue;
        };
        let hours = shared.editing.config.proposal_hours;
        let proposer = mention(proposal.proposer.id);
        let text = format!(
            "Expired: nobody approved or rejected this within {hours} hours: {}. Proposed by {proposer}; nothing was changed.",
            proposal.summary
        );
        if let Err(error) = convert::edit_post(&text)
            .execute(
                http,
                (ChannelId::new(channel), MessageId::new(message), None),
            )
            .await
        {
            tracing::warn!(target: "nimbus::edit", %error, "cannot mark a proposal expired");
        }
        let post = edit_reply::Post {
            content: format!(
                "{proposer}, your proposal ({}) expired without a decision.",
                proposal.summary
            ),
            embeds: Vec::new(),
            buttons: Vec::new(),
            file: None,
        };
        let message = convert::post_message(&post, &[proposal.proposer.id]);
        self::post(http, channel, message, "tell a proposer it expired").await;
    }
}

/// Choices for `/bank revert change:`: the entry's recorded changes, newest first.
pub async fn change_choices(shared: &Arc<Shared>, entry: String) -> Vec<(String, String)> {
    let editor = Arc::clone(&shared.editing.editor);
    let changes = blocking(move || editor.changes(&entry, 25))
        .await
        .and_then(Result::ok)
        .unwrap_or_default();
    changes
        .into_iter()
        .map(|c| {
            let mut name = format!(
                "{} · {} · {}",
                &c.id[..c.id.len().min(10)],
                c.at,
                c.action.word()
            );
            if let Some(lang) = &c.lang {
                name.push_str(&format!(" ({lang})"));
            }
            if let Some(editor) = &c.editor {
                name.push_str(&format!(" by {editor}"));
            }
            (convert::truncate(&name, 100), c.id)
        })
        .filter(|(_, value)| value.len() <= 100)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standing_follows_moderation_then_editor_roles() {
        assert_eq!(standing(true, true, &[], &[5]), Standing::Moderator);
        assert_eq!(standing(false, true, &[5], &[5]), Standing::Editor);
        assert_eq!(standing(false, true, &[6], &[5]), Standing::Member);
        assert_eq!(
            standing(false, false, &[5], &[5]),
            Standing::Member,
            "not outside a guild"
        );
        assert_eq!(standing(false, true, &[5], &[]), Standing::Member);
    }
}
