//! The gateway event handler: registers commands when ready, and answers every interaction
//! (commands, autocomplete, buttons, `/bank`) from the in-memory bank.
//!
//! Every interaction gets an answer: the core is pure and fast, panics inside it are caught and
//! become the bank's `internal_error` apology, and the one slow action (`/bank reload`) defers
//! first. Logs name commands and outcomes, never users or their text unless the config says so.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serenity::all::{
    CommandInteraction, ComponentInteraction, Context, CreateAutocompleteResponse,
    CreateInteractionResponse, CreateInteractionResponseMessage, EventHandler, Http, Interaction,
    InteractionId, Member, ModalInteraction, Permissions, Ready,
};
use serenity::async_trait;
use tokio::sync::mpsc;

use super::cards;
use super::convert::{self, Origin};
use super::editing::{self, Editing, Standing};
use super::exchange::Exchange;
use super::register::{self, Scope};
use super::retry;
use crate::bank::{Bank, Strings};
use crate::card::CardCache;
use crate::commands::{self, Action, Command};
use crate::config::Config;
use crate::cooldown::{Decision, Limiter, Limits};
use crate::gaps::{self, GapLog};
use crate::reload::{LiveBank, Outcome, Status};
use crate::reply::{Reply, Visibility};

/// How many questions `/bank gaps` lists (the message is cut to Discord's limit anyway).
const GAPS_SHOWN: usize = 25;
/// Memory for drawn cards (about 150 landscape cards).
const CARD_CACHE_BYTES: usize = 16 << 20;

/// State shared by every event: the live bank, the settings and the share limiter.
pub struct Shared {
    /// The bank being served.
    pub live: Arc<LiveBank>,
    /// The whole configuration (the handler reads `discord` and the bank path).
    pub config: Config,
    /// Editing the bank from Discord: the editor, drafts and proposals.
    pub editing: Editing,
    /// Quote cards drawn so far, in the community's style.
    pub cards: CardCache,
    limiter: Limiter,
    /// Questions the bot could not answer confidently (text, count and days only).
    pub gaps: Arc<GapLog>,
    /// The command set this process registered last.
    registered: register::Memory,
    /// One registration at a time: the one at startup and one after an early reload would
    /// otherwise both find nothing registered yet and both send the set.
    registering: tokio::sync::Mutex<()>,
    /// What `/healthz` reports: the handler tells it when the gateway comes and goes.
    pub health: Arc<crate::ops::Health>,
}

impl Shared {
    /// Shared state for one running bot, with the share limits in this process's memory and a
    /// health report of its own.
    pub fn new(live: Arc<LiveBank>, config: Config) -> Self {
        let health = crate::ops::Health::new(crate::ops::Mode::Gateway);
        health.bank_loaded(Arc::clone(&live));
        let limiter = Limiter::memory(limits(&config));
        Shared::with_parts(live, config, limiter, health)
    }

    /// Shared state whose share limits live in `limiter` (memory or a shared store), reporting
    /// to `health` (which the listener reads).
    pub fn with_parts(
        live: Arc<LiveBank>,
        config: Config,
        limiter: Limiter,
        health: Arc<crate::ops::Health>,
    ) -> Self {
        let (gaps, warning) = GapLog::open(config.state().gap_log(), config.gaps.clone());
        if let Some(warning) = warning {
            tracing::warn!(target: "nimbus::gaps", %warning, "gap log");
        }
        Shared {
            gaps: Arc::new(gaps),
            editing: Editing::new(&config),
            cards: CardCache::new(config.card.style(), CARD_CACHE_BYTES),
            live,
            config,
            limiter,
            registered: register::Memory::default(),
            registering: tokio::sync::Mutex::new(()),
            health,
        }
    }

    /// Applies the share limits to a would-be public post (and records it when allowed).
    pub async fn check_public(&self, channel: u64, user: u64, key: Option<&str>) -> Decision {
        self.limiter.check(channel, user, key).await.0
    }

    /// Registers the current command set unless it is unchanged since the last registration;
    /// each guild on its own, each failure logged with the guild's place in the config.
    pub async fn register(&self, http: &Http) {
        let _one_at_a_time = self.registering.lock().await;
        let specs = commands::registry(&self.live.bank().language_choices());
        let scope = Scope::from_config(&self.config);
        let state = register::state_path(&self.config);
        let report =
            register::register_commands(http, &specs, &scope, &state, &self.registered, false)
                .await;
        if !report.is_ok() {
            tracing::error!(target: "nimbus::discord", problem = %report.failure_summary(), "command registration incomplete; it is tried again after the next bank change or restart");
        }
    }

    /// Acts on a reload: refusals and held changes go to the moderator log channel; a new bank
    /// may bring new languages, hence a new `lang` choice list, so the command set is
    /// registered again if it changed.
    pub async fn after_reload(&self, http: &Http, outcome: &Outcome) {
        if let Some(text) = mod_log_text(outcome) {
            self.post_mod_log(http, &text).await;
        }
        if matches!(outcome, Outcome::Swapped { .. }) && http.application_id().is_some() {
            self.register(http).await;
        }
    }

    async fn post_mod_log(&self, http: &Http, text: &str) {
        let Some(channel) = self
            .config
            .discord
            .mod_log_channel
            .and_then(std::num::NonZeroU64::new)
        else {
            return;
        };
        let message = convert::channel_message(text);
        let channel = serenity::all::ChannelId::from(channel);
        let posted = retry::deliver(
            "post to the moderator log",
            retry::followup_deadline(),
            || channel.send_message(http, message.clone()),
        )
        .await;
        if let Err(failed) = posted {
            tracing::warn!(target: "nimbus::discord", %failed, "cannot post to the moderator log channel");
        }
    }
}

/// The share limits `config.toml` sets.
pub fn limits(config: &Config) -> Limits {
    let d = &config.discord;
    Limits {
        cooldown: Duration::from_secs(d.share_cooldown_secs),
        posts_per_window: d.user_public_posts,
        window: Duration::from_secs(d.user_public_window_secs),
    }
}

/// What the moderator log channel is told about a reload, if anything: a refused bank, a
/// change held back (once, not at every re-check), and a change that removed content.
pub fn mod_log_text(outcome: &Outcome) -> Option<String> {
    match outcome {
        Outcome::Kept { errors } => Some(error_report(
            "Bank reload refused; the previous bank is still being served.",
            errors,
            convert::CONTENT_LIMIT,
        )),
        Outcome::Held {
            removed,
            applies_at,
            first: true,
        } => Some(held_text(removed, *applies_at)),
        Outcome::Held { first: false, .. } => None,
        Outcome::Swapped {
            removed: Some(removed),
            ..
        } => Some(convert::truncate(
            &format!("Bank change applied; it removed: {removed}"),
            convert::CONTENT_LIMIT,
        )),
        Outcome::Swapped { removed: None, .. } => None,
    }
}

/// The words for a held change, in the moderator log and `/bank status`.
fn held_text(removed: &str, applies_at: Option<SystemTime>) -> String {
    let when = match applies_at {
        Some(at) => format!(
            "It applies by itself at {} if the files stay as they are, or now with `/bank reload`.",
            timestamp(at)
        ),
        None => "A file was left with no entries, as an interrupted save leaves it: only `/bank reload` applies this change.".to_owned(),
    };
    convert::truncate(
        &format!("Bank change held; the previous bank is still being served. The files on disk would remove: {removed}. {when}"),
        convert::CONTENT_LIMIT,
    )
}

/// The serenity event handler.
pub struct Handler {
    /// State shared with the watcher task.
    pub shared: Arc<Shared>,
    /// Where `/bank reload` outcomes are sent besides the moderator who asked.
    pub outcomes: Option<mpsc::Sender<Outcome>>,
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        tracing::info!(target: "nimbus::discord", guilds = ready.guilds.len(), "connected to Discord");
        self.shared.health.set_gateway(true);
        self.shared.register(&ctx.http).await;
    }

    async fn resume(&self, _ctx: Context, _event: serenity::all::ResumedEvent) {
        self.shared.health.set_gateway(true);
    }

    async fn shard_stage_update(&self, _ctx: Context, event: serenity::all::ShardStageUpdateEvent) {
        let connected = matches!(event.new, serenity::all::ConnectionStage::Connected);
        if connected != self.shared.health.gateway_connected() {
            tracing::info!(target: "nimbus::discord", connected, "gateway connection changed");
        }
        self.shared.health.set_gateway(connected);
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let Some((id, token)) = id_and_token(&interaction) else {
            return;
        };
        let exchange = Exchange::rest(Arc::clone(&ctx.http), id, &token);
        self.handle(&exchange, interaction).await;
    }
}

/// The id and token of an interaction that gets a response (not a PING).
pub fn id_and_token(interaction: &Interaction) -> Option<(InteractionId, String)> {
    match interaction {
        Interaction::Command(c) | Interaction::Autocomplete(c) => Some((c.id, c.token.clone())),
        Interaction::Component(c) => Some((c.id, c.token.clone())),
        Interaction::Modal(m) => Some((m.id, m.token.clone())),
        _ => None,
    }
}

/// Whether a person may use moderator commands: inside a guild, with Manage Messages or
/// Administrator in this channel, or one of the configured moderator roles.
///
/// Checked on every use because guild admins can change who sees a command in Discord's
/// settings, overriding `default_member_permissions`.
pub fn is_moderator(
    in_guild: bool,
    permissions: Option<Permissions>,
    roles: &[u64],
    moderator_roles: &[u64],
) -> bool {
    if !in_guild {
        return false;
    }
    let by_permission = permissions.is_some_and(|p| {
        p.contains(Permissions::MANAGE_MESSAGES) || p.contains(Permissions::ADMINISTRATOR)
    });
    by_permission || roles.iter().any(|r| moderator_roles.contains(r))
}

/// The text of `/bank status`.
pub fn status_text(status: &Status) -> String {
    let mut text = format!(
        "**Bank status**\nFolder: `{}`\nLoaded: {}\nCounts: {}\nReloads since start: {}",
        status.path.display(),
        timestamp(status.loaded_at),
        status.summary,
        status.reloads
    );
    if let Some(held) = &status.held {
        text.push_str(&format!(
            "\n{} (since {})",
            held_text(&held.removed, held.applies_at),
            timestamp(held.since)
        ));
    }
    match &status.last_error {
        None => text.push_str("\nLast reload error: none"),
        Some(error) => {
            let header = format!(
                "{text}\nLast reload error ({}), the bank above is still served:",
                timestamp(error.at)
            );
            text = error_report(&header, &error.errors, convert::CONTENT_LIMIT);
        }
    }
    text
}

/// `header` and as many of `errors` as fit in `limit` characters, in a code block, with a
/// count of those left out.
pub fn error_report(header: &str, errors: &[String], limit: usize) -> String {
    let mut shown: Vec<&str> = Vec::new();
    // Room for the header, the fences and a "... and N more" line.
    let budget = limit.saturating_sub(header.chars().count() + 40);
    let mut used = 0;
    for error in errors {
        // Triple backticks inside an error would close the block early.
        let len = error.chars().count() + 1;
        if used + len > budget {
            break;
        }
        used += len;
        shown.push(error);
    }
    let mut text = format!(
        "{header}\n```\n{}\n```",
        shown.join("\n").replace("```", "'''")
    );
    if shown.len() < errors.len() {
        text.push_str(&format!("… and {} more", errors.len() - shown.len()));
    }
    convert::truncate(&text, limit)
}

fn timestamp(at: SystemTime) -> String {
    let at = time::OffsetDateTime::from(at);
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    at.format(&format).unwrap_or_else(|_| "unknown".to_owned())
}

/// Runs the core, turning a panic into an error message instead of an unanswered interaction.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(AssertUnwindSafe(f)).map_err(|panic| {
        panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_owned())
    })
}

/// A stable key for a public reply's content, so the same answer posted twice in a channel is
/// recognised (FNV-1a over its text; the shared-by line is not part of a command reply).
fn content_key(reply: &Reply) -> String {
    let json = serde_json::to_string(&(&reply.content, &reply.embeds)).unwrap_or_default();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in json.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("reply:{hash:016x}")
}

/// A would-be public post, as the share limits see it.
struct Post {
    /// The guild; limits apply only inside one.
    guild: Option<u64>,
    channel: u64,
    user: u64,
    /// What identifies the content; a hash of the reply when `None`.
    key: Option<String>,
    /// Whether a refused post is shown privately in full (a command) or only as a note (a
    /// Share press, whose presser already sees the content).
    keep_content: bool,
}

fn strings_for<'b>(
    bank: &'b Bank,
    lang: Option<&str>,
    guild_lang: Option<&str>,
    locale: Option<&str>,
) -> &'b Strings {
    &bank.resolve_language(lang, guild_lang, locale).strings
}

impl Handler {
    /// Answers one interaction through `exchange`, whichever transport brought it: the
    /// gateway (REST callback) or the HTTP endpoint (response body).
    pub async fn handle(&self, exchange: &Exchange, interaction: Interaction) {
        match interaction {
            Interaction::Command(command) => self.on_command(exchange, &command).await,
            Interaction::Autocomplete(command) => self.on_autocomplete(exchange, &command).await,
            Interaction::Component(component) => self.on_component(exchange, &component).await,
            Interaction::Modal(modal) => self.on_modal(exchange, &modal).await,
            _ => {}
        }
    }

    /// Who is acting, from the interaction's member: checked on every command, modal submit
    /// and button.
    fn standing(&self, in_guild: bool, member: Option<&Member>) -> Standing {
        let (permissions, roles) = match member {
            Some(member) => (
                member.permissions,
                member.roles.iter().map(|r| r.get()).collect::<Vec<_>>(),
            ),
            None => (None, Vec::new()),
        };
        let in_guild = in_guild && member.is_some();
        let moderator = is_moderator(
            in_guild,
            permissions,
            &roles,
            &self.shared.config.discord.moderator_role_ids,
        );
        editing::standing(
            moderator,
            in_guild,
            &roles,
            &self.shared.config.editing.editor_role_ids,
        )
    }

    async fn on_modal(&self, ex: &Exchange, modal: &ModalInteraction) {
        let started = ex.received();
        let standing = self.standing(modal.guild_id.is_some(), modal.member.as_ref());
        editing::modal(&self.shared, ex, modal, standing).await;
        let outcome = if standing == Standing::Member {
            "not-allowed"
        } else {
            "ok"
        };
        self.log(
            "modal",
            "bank form",
            outcome,
            started,
            modal.user.id.get(),
            None,
        );
    }

    fn origin_of(guild_id: Option<u64>, locale: &str) -> Origin {
        Origin {
            guild_id,
            locale: Some(locale.to_owned()).filter(|l| !l.is_empty()),
        }
    }

    fn log(
        &self,
        kind: &str,
        name: &str,
        outcome: &str,
        started: Instant,
        user: u64,
        text: Option<&str>,
    ) {
        let elapsed = started.elapsed();
        crate::metrics::interaction(kind, name, outcome, elapsed);
        let elapsed_us = elapsed.as_micros() as u64;
        if self.shared.config.discord.log_user_content {
            tracing::info!(target: "nimbus::discord", kind, command = name, outcome, elapsed_us, user, text = text.unwrap_or(""), "interaction");
        } else {
            tracing::info!(target: "nimbus::discord", kind, command = name, outcome, elapsed_us, "interaction");
        }
    }

    /// Sends a message response (a command's or a button's); over REST it is retried while
    /// Discord's 3-second window allows.
    async fn respond(&self, ex: &Exchange, what: &str, reply: &Reply) {
        let response = CreateInteractionResponse::Message(convert::response_message(reply));
        ex.respond(what, response).await;
    }

    /// Applies the share limits to a public reply in a guild; anything else passes unchanged.
    async fn limit_public(
        &self,
        reply: Reply,
        post: Post,
        strings: &Strings,
    ) -> (Reply, &'static str) {
        if reply.visibility != Visibility::Public || post.guild.is_none() {
            return (reply, "ok");
        }
        let key = post.key.or_else(|| Some(content_key(&reply)));
        let keep_content = post.keep_content;
        let (note, outcome) = match self
            .shared
            .check_public(post.channel, post.user, key.as_deref())
            .await
        {
            Decision::Allow => return (reply, "ok"),
            Decision::RecentlyShared => (&strings.recently_shared, "recently-shared"),
            Decision::UserLimit => (&strings.share_limit, "share-limit"),
        };
        if keep_content {
            (convert::private_with_note(reply, note), outcome)
        } else {
            // The person pressing Share already sees the content privately: the note is enough.
            (Reply::text(note.clone(), Visibility::Ephemeral), outcome)
        }
    }

    async fn on_command(&self, ex: &Exchange, command: &CommandInteraction) {
        let started = ex.received();
        let name = command.data.name.as_str();
        let guild = command.guild_id.map(|g| g.get());
        let origin = Self::origin_of(guild, &command.locale);
        let (subcommand, options) = convert::flatten_options(&command.data.options);
        let bank = self.shared.live.bank();
        let config = &self.shared.config.discord;
        if name == "bank" {
            return self
                .on_bank(
                    ex,
                    command,
                    subcommand.as_deref(),
                    &options,
                    &origin,
                    &bank,
                    started,
                )
                .await;
        }
        let request = match convert::command_request(name, &options, &origin, config) {
            Ok(request) => request,
            Err(error) => {
                tracing::warn!(target: "nimbus::discord", %error, "cannot convert a command");
                let strings = strings_for(&bank, None, None, origin.locale.as_deref());
                let reply = Reply::text(strings.internal_error.clone(), Visibility::Ephemeral);
                self.respond(ex, "answer a command", &reply).await;
                self.log(
                    "command",
                    name,
                    "internal-error",
                    started,
                    command.user.id.get(),
                    None,
                );
                return;
            }
        };
        let strings = strings_for(
            &bank,
            request.lang.as_deref(),
            request.guild_lang.as_deref(),
            request.locale.as_deref(),
        );
        let query = match &request.command {
            Command::Ask { question } => Some(question.as_str()),
            _ => None,
        };
        let (reply, outcome) = match guarded(|| commands::handle(&bank, &request)) {
            Ok(commands::Handled { reply, unanswered }) => {
                if let Some(question) = unanswered {
                    self.shared.gaps.record(&question, gaps::today());
                }
                let post = Post {
                    guild,
                    channel: command.channel_id.get(),
                    user: command.user.id.get(),
                    key: None,
                    keep_content: true,
                };
                self.limit_public(reply, post, strings).await
            }
            Err(panic) => {
                tracing::error!(target: "nimbus::discord", command = name, panic = %panic, "dispatch panicked");
                (
                    Reply::text(strings.internal_error.clone(), Visibility::Ephemeral),
                    "internal-error",
                )
            }
        };
        let wants_card = name == "quote" && convert::boolean(&options, "card") == Some(true);
        if wants_card && outcome != "internal-error" {
            let visibility = reply.visibility;
            let work = cards::attach(&self.shared, Arc::clone(&bank), reply);
            cards::answer(ex, visibility, work).await;
        } else {
            self.respond(ex, "answer a command", &reply).await;
        }
        self.log(
            "command",
            name,
            outcome,
            started,
            command.user.id.get(),
            query,
        );
    }

    #[allow(clippy::too_many_arguments)] // reason: one interaction's parts, passed through once
    async fn on_bank(
        &self,
        ex: &Exchange,
        command: &CommandInteraction,
        subcommand: Option<&str>,
        options: &[(String, convert::OptionValue)],
        origin: &Origin,
        bank: &Bank,
        started: Instant,
    ) {
        let config = &self.shared.config.discord;
        let guild_lang = config.guild(origin.guild_id).language;
        let strings = strings_for(bank, None, guild_lang.as_deref(), origin.locale.as_deref());
        let standing = self.standing(command.guild_id.is_some(), command.member.as_deref());
        let editing = matches!(
            subcommand,
            Some("edit" | "new" | "archive" | "remove" | "history" | "revert")
        );
        // Members with an editor role may prepare changes (which become proposals); only
        // moderators see the status and reload.
        let allowed = match standing {
            Standing::Moderator => true,
            Standing::Editor => editing,
            Standing::Member => false,
        };
        let name = format!("bank {}", subcommand.unwrap_or(""));
        if allowed && editing {
            editing::command(
                &self.shared,
                ex,
                command,
                subcommand.unwrap_or_default(),
                options,
            )
            .await;
            self.log("command", &name, "ok", started, command.user.id.get(), None);
            return;
        }
        if !allowed {
            let reply = Reply::text(strings.not_allowed.clone(), Visibility::Ephemeral);
            self.respond(ex, "answer a command", &reply).await;
            self.log(
                "command",
                &name,
                "not-allowed",
                started,
                command.user.id.get(),
                None,
            );
            return;
        }
        match subcommand {
            Some("status") => {
                let reply = Reply::text(
                    status_text(&self.shared.live.status()),
                    Visibility::Ephemeral,
                );
                self.respond(ex, "answer a command", &reply).await;
                self.log("command", &name, "ok", started, command.user.id.get(), None);
            }
            Some("gaps") => {
                let gaps = self.shared.gaps.list(gaps::today());
                let text = if self.shared.gaps.enabled() {
                    gaps::report(bank, &gaps, GAPS_SHOWN, crate::render::limits::CONTENT)
                } else {
                    "The gap log is off (`[gaps] enabled = false` in config.toml).".to_owned()
                };
                let reply = Reply::text(text, Visibility::Ephemeral);
                self.respond(ex, "answer /bank gaps", &reply).await;
                self.log("command", &name, "ok", started, command.user.id.get(), None);
            }
            Some("reload") => {
                // Loading reads every file: defer first so the 3-second deadline cannot pass.
                let defer = CreateInteractionResponseMessage::new()
                    .ephemeral(true)
                    .allowed_mentions(convert::no_mentions());
                ex.respond(
                    "defer /bank reload",
                    CreateInteractionResponse::Defer(defer),
                )
                .await;
                let live = Arc::clone(&self.shared.live);
                let outcome = match tokio::task::spawn_blocking(move || live.reload()).await {
                    Ok(outcome) => outcome,
                    Err(error) => {
                        tracing::error!(target: "nimbus::discord", %error, "reload task failed");
                        let reply =
                            Reply::text(strings.internal_error.clone(), Visibility::Ephemeral);
                        ex.edit_original("finish /bank reload", convert::edit_message(&reply))
                            .await;
                        return;
                    }
                };
                let text = match &outcome {
                    Outcome::Swapped {
                        summary,
                        warnings,
                        removed,
                    } => {
                        let mut text = format!("Bank reloaded: {summary}");
                        if let Some(removed) = removed {
                            text.push_str(&format!("\nRemoved: {removed}"));
                        }
                        if !warnings.is_empty() {
                            text = error_report(
                                &format!("{text}\nWarnings:"),
                                warnings,
                                convert::CONTENT_LIMIT,
                            );
                        }
                        text
                    }
                    Outcome::Kept { errors } => error_report(
                        "Bank reload refused; the previous bank is still being served. Problems:",
                        errors,
                        convert::CONTENT_LIMIT,
                    ),
                    Outcome::Held {
                        removed,
                        applies_at,
                        ..
                    } => held_text(removed, *applies_at),
                };
                let reply = Reply::text(text, Visibility::Ephemeral);
                ex.edit_original("finish /bank reload", convert::edit_message(&reply))
                    .await;
                let label = if matches!(outcome, Outcome::Swapped { .. }) {
                    "reloaded"
                } else {
                    "reload-refused"
                };
                self.log(
                    "command",
                    &name,
                    label,
                    started,
                    command.user.id.get(),
                    None,
                );
                self.shared.after_reload(ex.http(), &outcome).await;
                if let Some(outcomes) = &self.outcomes {
                    // Only for observers (tests); a full queue (nobody reading) drops it.
                    let _ = outcomes.try_send(outcome);
                }
            }
            _ => {
                tracing::warn!(target: "nimbus::discord", "unknown /bank subcommand");
                let reply = Reply::text(strings.internal_error.clone(), Visibility::Ephemeral);
                self.respond(ex, "answer a command", &reply).await;
            }
        }
    }

    async fn on_autocomplete(&self, ex: &Exchange, command: &CommandInteraction) {
        let started = ex.received();
        let Some(focused) = command.data.autocomplete() else {
            return;
        };
        let origin = Self::origin_of(command.guild_id.map(|g| g.get()), &command.locale);
        let (_, options) = convert::flatten_options(&command.data.options);
        let request = convert::autocomplete_request(
            &command.data.name,
            (focused.name, focused.value),
            &options,
            &origin,
            &self.shared.config.discord,
        );
        let bank = self.shared.live.bank();
        let standing = self.standing(command.guild_id.is_some(), command.member.as_deref());
        if request.command == "bank" && standing == Standing::Member {
            // Entry ids and history are for moderators and editors only.
            ex.respond(
                "answer autocomplete",
                CreateInteractionResponse::Autocomplete(CreateAutocompleteResponse::new()),
            )
            .await;
            self.log(
                "autocomplete",
                &command.data.name,
                "not-allowed",
                started,
                command.user.id.get(),
                None,
            );
            return;
        }
        let history_choices = if request.command == "bank" && request.option == "change" {
            let entry = convert::option_text(&options, "entry").unwrap_or_default();
            Some(editing::change_choices(&self.shared, entry).await)
        } else {
            None
        };
        let choices = match guarded(|| commands::autocomplete(&bank, &request)) {
            Ok(choices) => choices,
            Err(panic) => {
                tracing::error!(target: "nimbus::discord", panic = %panic, "autocomplete panicked");
                Vec::new()
            }
        };
        let choices: Vec<commands::Choice> = match history_choices {
            Some(list) => list
                .into_iter()
                .map(|(name, value)| commands::Choice { name, value })
                .collect(),
            None => choices,
        };
        let response = choices
            .iter()
            // A value over 100 characters would make Discord reject the whole list.
            .filter(|c| c.value.chars().count() <= 100 && !c.value.is_empty())
            .take(25)
            .fold(CreateAutocompleteResponse::new(), |r, c| {
                r.add_string_choice(convert::truncate(&c.name, 100), &c.value)
            });
        ex.respond(
            "answer autocomplete",
            CreateInteractionResponse::Autocomplete(response),
        )
        .await;
        self.log(
            "autocomplete",
            &command.data.name,
            "ok",
            started,
            command.user.id.get(),
            Some(focused.value),
        );
    }

    async fn on_component(&self, ex: &Exchange, component: &ComponentInteraction) {
        let started = ex.received();
        let guild = component.guild_id.map(|g| g.get());
        let origin = Self::origin_of(guild, &component.locale);
        let bank = self.shared.live.bank();
        let config = &self.shared.config.discord;
        let custom_id = component.data.custom_id.as_str();
        if custom_id.starts_with("edit:") {
            let standing = self.standing(component.guild_id.is_some(), component.member.as_ref());
            if editing::button(&self.shared, ex, component, standing).await {
                let outcome = if standing == Standing::Member {
                    "not-allowed"
                } else {
                    "ok"
                };
                self.log(
                    "button",
                    "bank edit",
                    outcome,
                    started,
                    component.user.id.get(),
                    None,
                );
                return;
            }
        }
        let Some(action) = Action::parse(custom_id) else {
            // An old button from a previous version of the bot, or a forged id.
            let strings = strings_for(&bank, None, None, origin.locale.as_deref());
            let reply = Reply::text(strings.not_found.clone(), Visibility::Ephemeral);
            self.respond(ex, "answer a button", &reply).await;
            self.log(
                "button",
                "unknown",
                "unknown-button",
                started,
                component.user.id.get(),
                None,
            );
            return;
        };
        let (kind, lang) = match &action {
            Action::Share { lang, .. } => ("share", lang.clone()),
            Action::Show { lang, .. } => ("show", lang.clone()),
            Action::Card { quote, lang } => {
                let outcome =
                    cards::press(&self.shared, ex, component, quote.clone(), lang.clone()).await;
                self.log(
                    "button",
                    "card",
                    outcome,
                    started,
                    component.user.id.get(),
                    None,
                );
                return;
            }
        };
        let mut request = convert::base_request(Command::Button(action.clone()), &origin, config);
        request.lang = Some(lang);
        if kind == "share" {
            request.shared_by = Some(format!("<@{}>", component.user.id.get()));
        }
        let strings = strings_for(
            &bank,
            request.lang.as_deref(),
            request.guild_lang.as_deref(),
            request.locale.as_deref(),
        );
        let (reply, outcome) = match guarded(|| commands::handle(&bank, &request)) {
            Ok(commands::Handled { reply, unanswered }) => {
                if let Some(question) = unanswered {
                    self.shared.gaps.record(&question, gaps::today());
                }
                let post = Post {
                    guild,
                    channel: component.channel_id.get(),
                    user: component.user.id.get(),
                    key: Some(custom_id.to_owned()),
                    keep_content: false,
                };
                self.limit_public(reply, post, strings).await
            }
            Err(panic) => {
                tracing::error!(target: "nimbus::discord", panic = %panic, "dispatch panicked on a button");
                (
                    Reply::text(strings.internal_error.clone(), Visibility::Ephemeral),
                    "internal-error",
                )
            }
        };
        self.respond(ex, "answer a button", &reply).await;
        self.log(
            "button",
            kind,
            outcome,
            started,
            component.user.id.get(),
            None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reload::ReloadError;
    use std::path::PathBuf;

    #[test]
    fn moderators_by_permission_or_role_and_only_in_guilds() {
        let mods = [42u64];
        let cases = [
            (true, Some(Permissions::MANAGE_MESSAGES), vec![], true),
            (true, Some(Permissions::ADMINISTRATOR), vec![], true),
            (true, Some(Permissions::SEND_MESSAGES), vec![], false),
            (true, None, vec![], false),
            (true, Some(Permissions::SEND_MESSAGES), vec![7, 42], true),
            (true, Some(Permissions::SEND_MESSAGES), vec![7], false),
            (false, Some(Permissions::ADMINISTRATOR), vec![42], false),
        ];
        for (in_guild, permissions, roles, expected) in cases {
            assert_eq!(
                is_moderator(in_guild, permissions, &roles, &mods),
                expected,
                "{in_guild} {permissions:?} {roles:?}"
            );
        }
    }

    #[test]
    fn error_report_fits_the_limit_and_counts_the_rest() {
        let errors: Vec<String> = (0..200)
            .map(|i| format!("answers.toml:{i}:1: error: bad value number {i}"))
            .collect();
        let text = error_report("Refused:", &errors, 2000);
        assert!(text.chars().count() <= 2000);
        assert!(text.starts_with("Refused:\n```\nanswers.toml:0:1"));
        assert!(text.contains("more"), "{text}");
        let short = error_report("Refused:", &errors[..2], 2000);
        assert!(!short.contains("more"));
        assert!(short.ends_with("```"));
    }

    #[test]
    fn status_shows_path_counts_and_last_error() {
        let mut status = Status {
            path: PathBuf::from("/srv/responses"),
            loaded_at: SystemTime::UNIX_EPOCH,
            summary: "3 answers".into(),
            last_error: None,
            reloads: 2,
            held: None,
        };
        let text = status_text(&status);
        assert!(
            text.contains("/srv/responses")
                && text.contains("3 answers")
                && text.contains("1970-01-01 00:00:00 UTC")
        );
        assert!(text.contains("Last reload error: none"));
        status.last_error = Some(ReloadError {
            at: SystemTime::UNIX_EPOCH,
            errors: vec!["answers.toml:3:1: error: unknown field `sourse`".into()],
        });
        let text = status_text(&status);
        assert!(text.contains("unknown field `sourse`"), "{text}");
    }

    #[test]
    fn panics_become_errors() {
        assert_eq!(guarded(|| 1), Ok(1));
        let result: Result<(), String> = guarded(|| panic!("boom"));
        assert_eq!(result, Err("boom".to_owned()));
    }
}
