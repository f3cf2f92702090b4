//! Conversions at the Discord border: serenity interactions into core [`Request`]s, and core
//! [`Reply`]s into serenity builders, always with mentions switched off.
//!
//! Every builder made here carries `allowed_mentions: {"parse": []}`: bank text and a person's
//! query can contain `@everyone` or `<@id>`, and nothing the bot posts may ever ping.

use serenity::all::{
    ButtonStyle as SerenityButtonStyle, CommandDataOption, CommandDataOptionValue, CreateActionRow,
    CreateAllowedMentions, CreateAttachment, CreateButton, CreateEmbed, CreateEmbedFooter,
    CreateInputText, CreateInteractionResponseMessage, CreateMessage, CreateModal,
    EditInteractionResponse, EditMessage, InputTextStyle, UserId,
};

use crate::commands::{AutocompleteRequest, Command, Request};
use crate::config::DiscordConfig;
use crate::reply::{ButtonStyle, Reply, Visibility};

/// Discord's limit on message content, in characters.
pub const CONTENT_LIMIT: usize = 2000;
/// Discord's limit on buttons per action row.
pub const BUTTONS_PER_ROW: usize = 5;
/// Discord's limit on action rows per message.
pub const ROWS_PER_MESSAGE: usize = 5;

/// An option value as the core cares about it, detached from serenity's types so that the
/// mapping from options to commands can be tested without building interactions.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    /// A string option (also an autocomplete option being typed).
    Text(String),
    /// An integer option.
    Integer(i64),
    /// A boolean option.
    Boolean(bool),
    /// An attachment option: the attachment's id, resolved from the interaction's data.
    Attachment(u64),
}

/// Where an interaction happened and who made it; what the guild settings depend on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The guild, or `None` in direct messages.
    pub guild_id: Option<u64>,
    /// The person's Discord locale (`en-US`).
    pub locale: Option<String>,
}

/// Why an interaction could not be turned into a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// A command name the registry does not have (e.g. a stale registration).
    #[error("unknown command `{0}`")]
    UnknownCommand(String),
}

/// Flattens serenity's option tree into (name, value) pairs; subcommands contribute their own
/// options, and the subcommand's name is returned separately.
pub fn flatten_options(
    options: &[CommandDataOption],
) -> (Option<String>, Vec<(String, OptionValue)>) {
    let mut subcommand = None;
    let mut flat = Vec::new();
    for option in options {
        match &option.value {
            CommandDataOptionValue::SubCommand(inner)
            | CommandDataOptionValue::SubCommandGroup(inner) => {
                subcommand = Some(option.name.clone());
                let (_, nested) = flatten_options(inner);
                flat.extend(nested);
            }
            CommandDataOptionValue::String(s) => {
                flat.push((option.name.clone(), OptionValue::Text(s.clone())))
            }
            CommandDataOptionValue::Autocomplete { value, .. } => {
                flat.push((option.name.clone(), OptionValue::Text(value.clone())))
            }
            CommandDataOptionValue::Integer(i) => {
                flat.push((option.name.clone(), OptionValue::Integer(*i)))
            }
            CommandDataOptionValue::Boolean(b) => {
                flat.push((option.name.clone(), OptionValue::Boolean(*b)))
            }
            CommandDataOptionValue::Attachment(id) => {
                flat.push((option.name.clone(), OptionValue::Attachment(id.get())))
            }
            // The registry declares no other option types; anything else is ignored.
            _ => {}
        }
    }
    (subcommand, flat)
}

/// The text option `name`, if given.
pub fn option_text(options: &[(String, OptionValue)], name: &str) -> Option<String> {
    text(options, name)
}

/// The attachment option `name`, if given: its id.
pub fn option_attachment(options: &[(String, OptionValue)], name: &str) -> Option<u64> {
    options.iter().find_map(|(n, v)| match v {
        OptionValue::Attachment(id) if n == name => Some(*id),
        _ => None,
    })
}

fn text(options: &[(String, OptionValue)], name: &str) -> Option<String> {
    options.iter().find_map(|(n, v)| match v {
        OptionValue::Text(s) if n == name => Some(s.clone()),
        _ => None,
    })
}

fn integer(options: &[(String, OptionValue)], name: &str) -> Option<i64> {
    options.iter().find_map(|(n, v)| match v {
        OptionValue::Integer(i) if n == name => Some(*i),
        _ => None,
    })
}

/// The boolean option named `name`, if given.
pub fn boolean(options: &[(String, OptionValue)], name: &str) -> Option<bool> {
    options.iter().find_map(|(n, v)| match v {
        OptionValue::Boolean(b) if n == name => Some(*b),
        _ => None,
    })
}

/// Fills the language and visibility fields every request shares, from the guild's settings.
pub fn base_request(command: Command, origin: &Origin, config: &DiscordConfig) -> Request {
    let guild = config.guild(origin.guild_id);
    let mut request = Request::new(command);
    request.guild_lang = guild.language;
    request.locale = origin.locale.clone();
    request.public_by_default = guild.public_by_default.unwrap_or(config.public_by_default);
    request
}

/// Turns a chat-input command (not `/bank`, which the handler serves itself) into a request.
pub fn command_request(
    name: &str,
    options: &[(String, OptionValue)],
    origin: &Origin,
    config: &DiscordConfig,
) -> Result<Request, ConvertError> {
    let command = match name {
        // Discord enforces required options; an absent one becomes empty text, which the core
        // answers with its "not sure" reply rather than failing.
        "ask" => Command::Ask {
            question: text(options, "question").unwrap_or_default(),
        },
        "topic" => Command::Topic {
            id: text(options, "name").unwrap_or_default(),
        },
        "quote" => Command::Quote {
            about: text(options, "about"),
            speaker: text(options, "speaker"),
        },
        "sources" => Command::Sources {
            topic: text(options, "topic"),
        },
        "timeline" => Command::Timeline {
            year: integer(options, "year").and_then(|y| i32::try_from(y).ok()),
        },
        "help" => Command::Help,
        other => return Err(ConvertError::UnknownCommand(other.to_owned())),
    };
    let mut request = base_request(command, origin, config);
    request.lang = text(options, "lang");
    request.public = boolean(options, "public");
    Ok(request)
}

/// Turns an autocomplete interaction into a request; `focused` is the option being typed and
/// what has been typed so far.
pub fn autocomplete_request(
    name: &str,
    focused: (&str, &str),
    options: &[(String, OptionValue)],
    origin: &Origin,
    config: &DiscordConfig,
) -> AutocompleteRequest {
    let guild = config.guild(origin.guild_id);
    AutocompleteRequest {
        command: name.to_owned(),
        option: focused.0.to_owned(),
        partial: focused.1.to_owned(),
        lang: text(options, "lang"),
        guild_lang: guild.language,
        locale: origin.locale.clone(),
    }
}

/// No mentions parsed, no users or roles listed: nothing the bot posts can ping anyone.
pub fn no_mentions() -> CreateAllowedMentions {
    CreateAllowedMentions::new()
}

/// Cuts `text` to at most `limit` characters, ending with an ellipsis when cut.
pub fn truncate(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(limit.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn embeds(reply: &Reply) -> Vec<CreateEmbed> {
    reply
        .embeds
        .iter()
        .map(|embed| {
            let mut out = CreateEmbed::new();
            if let Some(title) = &embed.title {
                out = out.title(title);
            }
            if let Some(url) = &embed.url {
                out = out.url(url);
            }
            if let Some(description) = &embed.description {
                out = out.description(description);
            }
            for field in &embed.fields {
                out = out.field(&field.name, &field.value, field.inline);
            }
            if let Some(footer) = &embed.footer {
                out = out.footer(CreateEmbedFooter::new(footer));
            }
            if let Some(color) = embed.color {
                out = out.colour(color);
            }
            out
        })
        .collect()
}

/// The reply's buttons in rows of at most five, at most five rows (Discord's limits).
pub fn button_rows(reply: &Reply) -> Vec<CreateActionRow> {
    reply
        .buttons
        .chunks(BUTTONS_PER_ROW)
        .take(ROWS_PER_MESSAGE)
        .map(|row| {
            CreateActionRow::Buttons(
                row.iter()
                    .map(|b| {
                        CreateButton::new(&b.custom_id)
                            .label(truncate(&b.label, 80))
                            .style(match b.style {
                                ButtonStyle::Primary => SerenityButtonStyle::Primary,
                                ButtonStyle::Secondary => SerenityButtonStyle::Secondary,
                            })
                    })
                    .collect(),
            )
        })
        .collect()
}

/// An interaction response message for `reply`: content, embeds, buttons, the ephemeral flag
/// when the reply is private, and mentions off.
pub fn response_message(reply: &Reply) -> CreateInteractionResponseMessage {
    let mut message = update_message(reply).ephemeral(reply.visibility == Visibility::Ephemeral);
    if let Some(file) = attachment(reply) {
        // Sent as multipart/form-data: payload_json plus files[0].
        message = message.add_file(file);
    }
    message
}

/// The reply's file (a quote card) as serenity sends it, with its alt text.
fn attachment(reply: &Reply) -> Option<CreateAttachment> {
    reply.attachment.as_ref().map(|file| {
        CreateAttachment::bytes(file.bytes.as_ref().clone(), file.file_name.clone())
            .description(truncate(&file.description, 1024))
    })
}

/// An edit of a deferred response into `reply` (the ephemeral flag was set by the deferral).
pub fn edit_message(reply: &Reply) -> EditInteractionResponse {
    let mut edit = EditInteractionResponse::new()
        .embeds(embeds(reply))
        .components(button_rows(reply))
        .allowed_mentions(no_mentions());
    if let Some(content) = &reply.content {
        edit = edit.content(truncate(content, CONTENT_LIMIT));
    }
    if let Some(file) = attachment(reply) {
        edit = edit.new_attachment(file);
    }
    edit
}

/// A plain channel message (the moderator log), mentions off.
pub fn channel_message(content: &str) -> CreateMessage {
    CreateMessage::new()
        .content(truncate(content, CONTENT_LIMIT))
        .allowed_mentions(no_mentions())
}

/// A reply replacing the message its button sat on (an interaction response of type 7, or
/// the edit after a type-6 deferral): no ephemeral flag, which an update cannot change.
pub fn update_message(reply: &Reply) -> CreateInteractionResponseMessage {
    let mut message = CreateInteractionResponseMessage::new()
        .embeds(embeds(reply))
        .components(button_rows(reply))
        .allowed_mentions(no_mentions());
    if let Some(content) = &reply.content {
        message = message.content(truncate(content, CONTENT_LIMIT));
    }
    message
}

/// A modal (an interaction response of type 9) for a form: at most five text inputs, each
/// pre-filled, with Discord's limits on title, labels, placeholders and lengths applied.
pub fn modal(
    custom_id: &str,
    title: &str,
    fields: &[(&crate::edit::form::Field, &str)],
) -> CreateModal {
    let rows = fields
        .iter()
        .take(5)
        .map(|(field, value)| {
            let style = if field.long {
                InputTextStyle::Paragraph
            } else {
                InputTextStyle::Short
            };
            let max = u16::try_from(field.max.clamp(1, 4000)).unwrap_or(4000);
            let mut input = CreateInputText::new(style, truncate(&field.label, 45), field.id)
                .required(field.required)
                .max_length(max);
            if !value.is_empty() {
                input = input.value(truncate(value, usize::from(max)));
            }
            if let Some(placeholder) = &field.placeholder {
                input = input.placeholder(truncate(placeholder, 100));
            }
            CreateActionRow::InputText(input)
        })
        .collect();
    CreateModal::new(custom_id, truncate(title, 45)).components(rows)
}

/// The (input id, value) pairs of a modal submit's components, read from JSON in either shape
/// Discord sends: action rows (type 1) holding text inputs (type 4), or label components
/// (type 18) each wrapping one input. Anything else is skipped.
pub fn modal_values(components: &serde_json::Value) -> Vec<(String, String)> {
    fn walk(value: &serde_json::Value, out: &mut Vec<(String, String)>) {
        match value {
            serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            serde_json::Value::Object(map) => {
                match map.get("type").and_then(serde_json::Value::as_u64) {
                    Some(4) => {
                        if let (Some(id), Some(value)) = (
                            map.get("custom_id").and_then(serde_json::Value::as_str),
                            map.get("value").and_then(serde_json::Value::as_str),
                        ) {
                            out.push((id.to_owned(), value.to_owned()));
                        }
                    }
                    Some(1) => walk(
                        map.get("components").unwrap_or(&serde_json::Value::Null),
                        out,
                    ),
                    Some(18) => walk(
                        map.get("component").unwrap_or(&serde_json::Value::Null),
                        out,
                    ),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(components, &mut out);
    out
}

/// A channel message for an editor post (moderator log, review channel): mentions off except
/// the users in `ping` (a proposer being told the outcome), the diff attached when it is long.
pub fn post_message(post: &crate::edit::reply::Post, ping: &[u64]) -> CreateMessage {
    let reply = Reply {
        content: None,
        embeds: post.embeds.clone(),
        buttons: post.buttons.clone(),
        visibility: Visibility::Public,
        attachment: None,
    };
    let mut message = CreateMessage::new()
        .content(truncate(&post.content, CONTENT_LIMIT))
        .embeds(embeds(&reply))
        .components(button_rows(&reply))
        .allowed_mentions(
            CreateAllowedMentions::new().users(ping.iter().map(|id| UserId::new(*id))),
        );
    if let Some((name, bytes)) = &post.file {
        message = message.add_file(CreateAttachment::bytes(bytes.clone(), name.clone()));
    }
    message
}

/// An edit of a channel message the bot posted (a proposal that expired), buttons removed.
pub fn edit_post(content: &str) -> EditMessage {
    EditMessage::new()
        .content(truncate(content, CONTENT_LIMIT))
        .components(Vec::new())
        .allowed_mentions(no_mentions())
}

/// Puts a note above a reply and makes it private: what the second sharer of the same content
/// (or someone over their public-post limit) sees instead of a public post.
pub fn private_with_note(mut reply: Reply, note: &str) -> Reply {
    reply.content = Some(match reply.content.take() {
        Some(content) => truncate(&format!("{note}\n\n{content}"), CONTENT_LIMIT),
        None => truncate(note, CONTENT_LIMIT),
    });
    reply.visibility = Visibility::Ephemeral;
    reply.buttons.clear();
    reply
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::{Button, Embed, Field};
    use serde_json::{json, Value};

    fn reply(visibility: Visibility, buttons: usize) -> Reply {
        Reply {
            content: Some("@everyone look <@123> <@&456>".into()),
            embeds: vec![Embed {
                title: Some("Title".into()),
                url: Some("https://example.org".into()),
                description: Some("Body @here".into()),
                fields: vec![Field {
                    name: "Sources".into(),
                    value: "One".into(),
                    inline: false,
                }],
                footer: Some("Reviewed".into()),
                color: Some(0x336699),
            }],
            buttons: (0..buttons)
                .map(|i| Button {
                    custom_id: format!("share:answer:x{i}:en"),
                    label: format!("Share {i}"),
                    style: ButtonStyle::Primary,
                })
                .collect(),
            visibility,
            attachment: None,
        }
    }

    fn json_of<T: serde::Serialize>(value: &T) -> Value {
        serde_json::to_value(value).expect("builders serialise")
    }

    #[test]
    fn modal_submits_are_read_in_both_shapes() {
        let rows = json!([
            {"type": 1, "components": [{"type": 4, "custom_id": "title", "value": "T"}]},
            {"type": 1, "components": [{"type": 4, "custom_id": "body", "value": "B\nC"}]}
        ]);
        let labels = json!([
            {"type": 18, "label": "Title", "component": {"type": 4, "custom_id": "title", "value": "T"}},
            {"type": 18, "label": "Body", "component": {"type": 4, "custom_id": "body", "value": "B\nC"}},
            {"type": 10, "content": "text display, not an input"}
        ]);
        let expected = vec![
            ("title".to_owned(), "T".to_owned()),
            ("body".to_owned(), "B\nC".to_owned()),
        ];
        assert_eq!(modal_values(&rows), expected);
        assert_eq!(modal_values(&labels), expected);
        assert!(modal_values(&json!({"type": 4, "custom_id": "x"})).is_empty());
    }

    #[test]
    fn modals_keep_to_discords_limits() {
        use crate::edit::form::{Content, Field, Slot};
        let field = Field {
            id: "body",
            label: "L".repeat(60),
            long: true,
            max: 9000,
            required: false,
            placeholder: Some("p".repeat(150)),
            content: Content::One(Slot::Text("text")),
        };
        let long_value = "v".repeat(5000);
        let fields: Vec<(&Field, &str)> = (0..7).map(|_| (&field, long_value.as_str())).collect();
        let body = json_of(&modal("edit:form:x", &"T".repeat(60), &fields));
        assert_eq!(body["title"].as_str().map(|t| t.chars().count()), Some(45));
        let rows = body["components"].as_array().expect("rows");
        assert_eq!(rows.len(), 5, "at most five inputs");
        let input = &rows[0]["components"][0];
        assert_eq!(input["type"], json!(4));
        assert_eq!(input["style"], json!(2), "paragraph");
        assert_eq!(input["max_length"], json!(4000));
        assert_eq!(input["label"].as_str().map(|l| l.chars().count()), Some(45));
        assert_eq!(
            input["placeholder"].as_str().map(|p| p.chars().count()),
            Some(100)
        );
        assert_eq!(
            input["value"].as_str().map(|v| v.chars().count()),
            Some(4000)
        );
    }

    #[test]
    fn posts_ping_only_who_they_name_to_ping() {
        let post = crate::edit::reply::Post {
            content: "@everyone <@1> your proposal".into(),
            embeds: Vec::new(),
            buttons: Vec::new(),
            file: Some(("x.diff".into(), b"+a\n".to_vec())),
        };
        let body = json_of(&post_message(&post, &[]));
        assert_eq!(body["allowed_mentions"]["parse"], json!([]));
        assert_eq!(body["allowed_mentions"]["users"], json!([]));
        assert_eq!(body["attachments"][0]["filename"], json!("x.diff"));
        let body = json_of(&post_message(&post, &[1]));
        assert_eq!(
            body["allowed_mentions"]["parse"],
            json!([]),
            "never @everyone"
        );
        assert_eq!(body["allowed_mentions"]["users"], json!(["1"]));
    }

    #[test]
    fn ephemeral_reply_sets_flag_64_and_no_mentions() {
        let body = json_of(&response_message(&reply(Visibility::Ephemeral, 1)));
        assert_eq!(body["flags"], json!(64));
        assert_eq!(body["allowed_mentions"]["parse"], json!([]));
        assert_eq!(body["allowed_mentions"]["users"], json!([]));
        assert_eq!(body["allowed_mentions"]["roles"], json!([]));
        assert_eq!(body["embeds"][0]["title"], json!("Title"));
        assert_eq!(body["embeds"][0]["footer"]["text"], json!("Reviewed"));
        assert_eq!(
            body["components"][0]["components"][0]["custom_id"],
            json!("share:answer:x0:en")
        );
    }

    #[test]
    fn public_reply_has_no_ephemeral_flag_but_still_no_mentions() {
        let body = json_of(&response_message(&reply(Visibility::Public, 0)));
        let flags = body.get("flags").and_then(Value::as_u64).unwrap_or(0);
        assert_eq!(flags & 64, 0, "{body}");
        assert_eq!(body["allowed_mentions"]["parse"], json!([]));
    }

    #[test]
    fn edits_and_channel_messages_have_no_mentions() {
        let body = json_of(&edit_message(&reply(Visibility::Ephemeral, 2)));
        assert_eq!(body["allowed_mentions"]["parse"], json!([]));
        let body = json_of(&channel_message("@everyone reload failed"));
        assert_eq!(body["allowed_mentions"]["parse"], json!([]));
    }

    #[test]
    fn buttons_come_in_rows_of_at_most_five() {
        for (count, rows) in [(0, 0), (1, 1), (5, 1), (6, 2), (11, 3), (40, 5)] {
            let body = json_of(&response_message(&reply(Visibility::Ephemeral, count)));
            let components = body["components"].as_array().cloned().unwrap_or_default();
            assert_eq!(components.len(), rows, "{count} buttons");
            for row in &components {
                assert_eq!(row["type"], json!(1));
                let n = row["components"].as_array().map_or(0, Vec::len);
                assert!((1..=5).contains(&n), "{count} buttons: a row of {n}");
            }
        }
    }

    #[test]
    fn content_is_cut_to_discord_limit() {
        let mut long = reply(Visibility::Public, 0);
        long.content = Some("x".repeat(5000));
        let body = json_of(&response_message(&long));
        assert_eq!(
            body["content"].as_str().map(|s| s.chars().count()),
            Some(2000)
        );
    }

    #[test]
    fn private_note_makes_reply_ephemeral_without_share_button() {
        let out = private_with_note(reply(Visibility::Public, 1), "Just shared here.");
        assert_eq!(out.visibility, Visibility::Ephemeral);
        assert!(out.buttons.is_empty());
        assert!(out
            .content
            .as_deref()
            .is_some_and(|c| c.starts_with("Just shared here.")));
    }

    #[test]
    fn options_map_to_commands() {
        let config = DiscordConfig::default();
        let origin = Origin {
            guild_id: None,
            locale: Some("en-US".into()),
        };
        let opts = |pairs: &[(&str, OptionValue)]| -> Vec<(String, OptionValue)> {
            pairs
                .iter()
                .map(|(n, v)| (n.to_string(), v.clone()))
                .collect()
        };
        type Case = (&'static str, Vec<(String, OptionValue)>, Command);
        let cases: Vec<Case> = vec![
            (
                "ask",
                opts(&[("question", OptionValue::Text("what is nimbus".into()))]),
                Command::Ask {
                    question: "what is nimbus".into(),
                },
            ),
            (
                "topic",
                opts(&[("name", OptionValue::Text("what-is-nimbus".into()))]),
                Command::Topic {
                    id: "what-is-nimbus".into(),
                },
            ),
            (
                "quote",
                opts(&[("speaker", OptionValue::Text("panjwani".into()))]),
                Command::Quote {
                    about: None,
                    speaker: Some("panjwani".into()),
                },
            ),
            ("sources", opts(&[]), Command::Sources { topic: None }),
            (
                "timeline",
                opts(&[("year", OptionValue::Integer(2021))]),
                Command::Timeline { year: Some(2021) },
            ),
            (
                "timeline",
                opts(&[("year", OptionValue::Integer(i64::MAX))]),
                Command::Timeline { year: None },
            ),
            ("help", opts(&[]), Command::Help),
        ];
        for (name, options, expected) in cases {
            let request = command_request(name, &options, &origin, &config).expect("known command");
            assert_eq!(request.command, expected, "/{name}");
            assert_eq!(request.locale.as_deref(), Some("en-US"));
        }
        assert_eq!(
            command_request("nope", &[], &origin, &config),
            Err(ConvertError::UnknownCommand("nope".into()))
        );
    }

    #[test]
    fn lang_public_and_guild_settings_reach_the_request() {
        let mut config = DiscordConfig::default();
        config.guilds.insert(
            "7".into(),
            crate::config::GuildConfig {
                language: Some("ar".into()),
                public_by_default: Some(true),
            },
        );
        let origin = Origin {
            guild_id: Some(7),
            locale: Some("fr".into()),
        };
        let options = vec![
            ("question".to_string(), OptionValue::Text("q".into())),
            ("lang".to_string(), OptionValue::Text("en".into())),
            ("public".to_string(), OptionValue::Boolean(false)),
        ];
        let request = command_request("ask", &options, &origin, &config).expect("ask");
        assert_eq!(request.lang.as_deref(), Some("en"));
        assert_eq!(request.guild_lang.as_deref(), Some("ar"));
        assert_eq!(request.public, Some(false));
        assert!(request.public_by_default);

        let other_guild = Origin {
            guild_id: Some(8),
            locale: None,
        };
        let request = command_request("help", &[], &other_guild, &config).expect("help");
        assert_eq!(request.guild_lang, None);
        assert!(!request.public_by_default);
    }
}
