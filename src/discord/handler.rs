//! The gateway event handler: registers commands when ready, and answers every interaction
//! (commands, autocomplete, buttons, `/bank`) from the in-memory bank.
//!
//! Every interaction gets an answer: the core is pure and fast, panics inside it are caught and
//! become the bank's `internal_error` apology, and the one slow action (`/bank reload`) defers
//! first. Logs name commands and outcomes, never users or their text unless the config says so.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serenity::all::{
    CommandInteraction, ComponentInteraction, Context, CreateAutocompleteResponse,
    CreateInteractionResponse, CreateInteractionResponseMessage, EventHandler, Http, Interaction,
    Member, ModalInteraction, Permissions, Ready,
};
use serenity::async_trait;
use tokio::sync::mpsc;

use super::cards;
use super::convert::{self, Origin};
use super::editing::{self, Editing, Standing};
use super::register::{self, Scope};
use super::retry;
use crate::bank::{Bank, Strings};
use crate::card::CardCache;
use crate::commands::{self, Action, Command};
use crate::config::Config;
use crate::cooldown::{Decision, ShareLimiter};
use crate::reload::{LiveBank, Outcome, Status};
use crate::reply::{Reply, Visibility};

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
    limiter: Mutex<ShareLimiter>,
    /// The command set this process registered last.
    registered: register::Memory,
}

impl Shared {
    /// Shared state for one running bot.
    pub fn new(live: Arc<LiveBank>, config: Config) -> Self {
        let d = &config.discord;
        let limiter = ShareLimiter::new(
            Duration::from_secs(d.share_cooldown_secs),
            d.user_public_posts,
            Duration::from_secs(d.user_public_window_secs),
        );
        Shared {
            editing: Editing::new(&config),
            cards: CardCache::new(config.card.style(), CARD_CACHE_BYTES),
            live,
            config,
            limiter: Mutex::new(limiter),
            registered: register::Memory::default(),
        }
    }

    /// Applies the share limits to a would-be public post (and records it when allowed).
    pub fn check_public(&self, channel: u64, user: u64, key: Option<&str>) -> Decision {
        let mut limiter = self
            .limiter
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        limiter.check(Instant::now(), channel, user, key)
    }

    /// Registers the current command set unless it is unchanged since the last registration;
    /// each guild on its own, each failure logged with the guild's place in the config.
    pub async fn register(&self, http: &Http) {
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
        self.shared.register(&ctx.http).await;
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        match interaction {
            Interaction::Command(command) => self.on_command(&ctx, &command).await,
            Interaction::Autocomplete(command) => self.on_autocomplete(&ctx, &command).await,
            Interaction::Component(component) => self.on_component(&ctx, &component).await,
            Interaction::Modal(modal) => self.on_modal(&ctx, &modal).await,
            _ => {}
        }
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

    async fn on_modal(&self, ctx: &Context, modal: &ModalInteraction) {
        let started = Instant::now();
        let standing = self.standing(modal.guild_id.is_some(), modal.member.as_ref());
        editing::modal(&self.shared, ctx, modal, standing).await;
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
        let elapsed_us = started.elapsed().as_micros() as u64;
        if self.shared.config.discord.log_user_content {
            tracing::info!(target: "nimbus::discord", kind, command = name, outcome, elapsed_us, user, text = text.unwrap_or(""), "interaction");
        } else {
            tracing::info!(target: "nimbus::discord", kind, command = name, outcome, elapsed_us, "interaction");
        }
    }

    /// Sends the response to a command, retried while Discord's 3-second window allows.
    async fn respond_command(
        &self,
        ctx: &Context,
        command: &CommandInteraction,
        reply: &Reply,
        received: Instant,
    ) {
        let response = CreateInteractionResponse::Message(convert::response_message(reply));
        let deadline = retry::interaction_deadline(received);
        let sent = retry::deliver("answer a command", deadline, || {
            command.create_response(&ctx.http, response.clone())
        })
        .await;
        if let Err(failed) = sent {
            tracing::warn!(target: "nimbus::discord", %failed, "cannot answer a command");
        }
    }

    /// Sends the response to a button press, retried while Discord's window allows.
    async fn respond_component(
        &self,
        ctx: &Context,
        component: &ComponentInteraction,
        reply: &Reply,
        received: Instant,
    ) {
        let response = CreateInteractionResponse::Message(convert::response_message(reply));
        let deadline = retry::interaction_deadline(received);
        let sent = retry::deliver("answer a button", deadline, || {
            component.create_response(&ctx.http, response.clone())
        })
        .await;
        if let Err(failed) = sent {
            tracing::warn!(target: "nimbus::discord", %failed, "cannot answer a button");
        }
    }

    /// Applies the share limits to a public reply in a guild; anything else passes unchanged.
    fn limit_public(&self, reply: Reply, post: Post, strings: &Strings) -> (Reply, &'static str) {
        if reply.visibility != Visibility::Public || post.guild.is_none() {
            return (reply, "ok");
        }
        let key = post.key.or_else(|| Some(content_key(&reply)));
        let keep_content = post.keep_content;
        let (note, outcome) =
            match self
                .shared
                .check_public(post.channel, post.user, key.as_deref())
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

    async fn on_command(&self, ctx: &Context, command: &CommandInteraction) {
        let started = Instant::now();
        let name = command.data.name.as_str();
        let guild = command.guild_id.map(|g| g.get());
        let origin = Self::origin_of(guild, &command.locale);
        let (subcommand, options) = convert::flatten_options(&command.data.options);
        let bank = self.shared.live.bank();
        let config = &self.shared.config.discord;
        if name == "bank" {
            return self
                .on_bank(
                    ctx,
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
                self.respond_command(ctx, command, &reply, started).await;
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
        let (reply, outcome) = match guarded(|| commands::dispatch(&bank, &request)) {
            Ok(reply) => {
                let post = Post {
                    guild,
                    channel: command.channel_id.get(),
                    user: command.user.id.get(),
                    key: None,
                    keep_content: true,
                };
                self.limit_public(reply, post, strings)
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
            let to = cards::To {
                id: command.id,
                token: &command.token,
                received: started,
            };
            let visibility = reply.visibility;
            let work = cards::attach(&self.shared, Arc::clone(&bank), reply);
            cards::answer(ctx, to, visibility, work).await;
        } else {
            self.respond_command(ctx, command, &reply, started).await;
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
        ctx: &Context,
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
                ctx,
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
            self.respond_command(ctx, command, &reply, started).await;
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
                self.respond_command(ctx, command, &reply, started).await;
                self.log("command", &name, "ok", started, command.user.id.get(), None);
            }
            Some("reload") => {
                // Loading reads every file: defer first so the 3-second deadline cannot pass.
                let defer = CreateInteractionResponseMessage::new()
                    .ephemeral(true)
                    .allowed_mentions(convert::no_mentions());
                let deferred = retry::deliver(
                    "defer /bank reload",
                    retry::interaction_deadline(started),
                    || {
                        command.create_response(
                            &ctx.http,
                            CreateInteractionResponse::Defer(defer.clone()),
                        )
                    },
                )
                .await;
                if let Err(failed) = deferred {
                    tracing::warn!(target: "nimbus::discord", %failed, "cannot defer /bank reload");
                    return;
                }
                let live = Arc::clone(&self.shared.live);
                let outcome = match tokio::task::spawn_blocking(move || live.reload()).await {
                    Ok(outcome) => outcome,
                    Err(error) => {
                        tracing::error!(target: "nimbus::discord", %error, "reload task failed");
                        let reply =
                            Reply::text(strings.internal_error.clone(), Visibility::Ephemeral);
                        // Logged inside `deliver`; nothing more to tell anyone.
                        let _ = retry::deliver(
                            "finish /bank reload",
                            retry::followup_deadline(),
                            || command.edit_response(&ctx.http, convert::edit_message(&reply)),
                        )
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
                let edited =
                    retry::deliver("finish /bank reload", retry::followup_deadline(), || {
                        command.edit_response(&ctx.http, convert::edit_message(&reply))
                    })
                    .await;
                if let Err(failed) = edited {
                    tracing::warn!(target: "nimbus::discord", %failed, "cannot finish /bank reload");
                }
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
                self.shared.after_reload(&ctx.http, &outcome).await;
                if let Some(outcomes) = &self.outcomes {
                    // Only for observers (tests); a full queue (nobody reading) drops it.
                    let _ = outcomes.try_send(outcome);
                }
            }
            _ => {
                tracing::warn!(target: "nimbus::discord", "unknown /bank subcommand");
                let reply = Reply::text(strings.internal_error.clone(), Visibility::Ephemeral);
                self.respond_command(ctx, command, &reply, started).await;
            }
        }
    }

    async fn on_autocomplete(&self, ctx: &Context, command: &CommandInteraction) {
        let started = Instant::now();
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
            let _ = command
                .create_response(
                    &ctx.http,
                    CreateInteractionResponse::Autocomplete(CreateAutocompleteResponse::new()),
                )
                .await;
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
        let sent = retry::deliver(
            "answer autocomplete",
            retry::interaction_deadline(started),
            || {
                command.create_response(
                    &ctx.http,
                    CreateInteractionResponse::Autocomplete(response.clone()),
                )
            },
        )
        .await;
        if let Err(failed) = sent {
            tracing::warn!(target: "nimbus::discord", %failed, "cannot answer autocomplete");
        }
        self.log(
            "autocomplete",
            &command.data.name,
            "ok",
            started,
            command.user.id.get(),
            Some(focused.value),
        );
    }

    async fn on_component(&self, ctx: &Context, component: &ComponentInteraction) {
        let started = Instant::now();
        let guild = component.guild_id.map(|g| g.get());
        let origin = Self::origin_of(guild, &component.locale);
        let bank = self.shared.live.bank();
        let config = &self.shared.config.discord;
        let custom_id = component.data.custom_id.as_str();
        if custom_id.starts_with("edit:") {
            let standing = self.standing(component.guild_id.is_some(), component.member.as_ref());
            if editing::button(&self.shared, ctx, component, standing).await {
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
            self.respond_component(ctx, component, &reply, started)
                .await;
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
                let outcome = cards::press(
                    &self.shared,
                    ctx,
                    component,
                    quote.clone(),
                    lang.clone(),
                    started,
                )
                .await;
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
        let (reply, outcome) = match guarded(|| commands::dispatch(&bank, &request)) {
            Ok(reply) => {
                let post = Post {
                    guild,
                    channel: component.channel_id.get(),
                    user: component.user.id.get(),
                    key: Some(custom_id.to_owned()),
                    keep_content: false,
                };
                self.limit_public(reply, post, strings)
            }
            Err(panic) => {
                tracing::error!(target: "nimbus::discord", panic = %panic, "dispatch panicked on a button");
                (
                    Reply::text(strings.internal_error.clone(), Visibility::Ephemeral),
                    "internal-error",
                )
            }
        };
        self.respond_component(ctx, component, &reply, started)
            .await;
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
