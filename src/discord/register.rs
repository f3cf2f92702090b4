//! Slash-command registration: the core's [`CommandSpec`]s as serenity builders, sent as one
//! bulk overwrite per scope, and skipped when the set has not changed since last time.
//!
//! Discord allows only 200 command creates per guild per day, and a bulk overwrite replaces
//! every command, so the bot remembers a hash of what it last registered in a small state file
//! (see [`state_path`]) and only calls Discord when that hash changes.

use std::path::{Path, PathBuf};

use serenity::all::{
    Command, CommandOptionType, CommandType, CreateCommand, CreateCommandOption, GuildId, Http,
    Permissions,
};

use crate::commands::{CommandSpec, OptionKind, OptionSpec, Permission};
use crate::config::Config;

/// The permissions Discord requires by default for moderator commands; guild admins may
/// change this in their settings, so the handler checks again on every use.
pub const MODERATOR_PERMISSIONS: Permissions = Permissions::MANAGE_MESSAGES;

/// Where registration is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Guild commands in each of these guilds (appear at once).
    Guilds(Vec<u64>),
    /// Global commands (may take up to an hour to appear).
    Global,
}

impl Scope {
    /// Guild-scoped for the configured guild ids, else global.
    pub fn from_config(config: &Config) -> Scope {
        if config.discord.guild_ids.is_empty() {
            Scope::Global
        } else {
            Scope::Guilds(config.discord.guild_ids.clone())
        }
    }

    /// `global` or `guilds`, for logs (which never carry guild ids).
    fn kind(&self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::Guilds(_) => "guilds",
        }
    }

    fn describe(&self) -> String {
        match self {
            Scope::Global => "global".to_owned(),
            Scope::Guilds(ids) => {
                let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
                format!("guilds:{}", ids.join(","))
            }
        }
    }
}

/// Builds the serenity command for one top-level spec.
pub fn build_command(spec: &CommandSpec) -> CreateCommand {
    let mut command = CreateCommand::new(spec.name)
        .kind(CommandType::ChatInput)
        .description(spec.description);
    if spec.permission == Permission::Moderator
        || spec
            .subcommands
            .iter()
            .any(|s| s.permission == Permission::Moderator)
    {
        command = command
            .default_member_permissions(MODERATOR_PERMISSIONS)
            // Moderation only means something inside a guild.
            .dm_permission(false);
    }
    for sub in &spec.subcommands {
        let mut option =
            CreateCommandOption::new(CommandOptionType::SubCommand, sub.name, sub.description);
        for inner in &sub.options {
            option = option.add_sub_option(build_option(inner));
        }
        command = command.add_option(option);
    }
    for option in &spec.options {
        command = command.add_option(build_option(option));
    }
    command
}

fn build_option(spec: &OptionSpec) -> CreateCommandOption {
    let option =
        |kind| CreateCommandOption::new(kind, spec.name, spec.description).required(spec.required);
    match &spec.kind {
        OptionKind::String {
            autocomplete,
            max_length,
        } => {
            let mut o = option(CommandOptionType::String).set_autocomplete(*autocomplete);
            if let Some(max) = max_length {
                o = o.max_length(*max);
            }
            o
        }
        OptionKind::Integer { min, max } => {
            let mut o = option(CommandOptionType::Integer);
            // serenity takes unsigned bounds; the registry's bounds (years) are positive.
            if let Ok(min) = u64::try_from(*min) {
                o = o.min_int_value(min);
            }
            if let Ok(max) = u64::try_from(*max) {
                o = o.max_int_value(max);
            }
            o
        }
        OptionKind::Boolean => option(CommandOptionType::Boolean),
        OptionKind::Attachment => option(CommandOptionType::Attachment),
        OptionKind::Choice(choices) => choices
            .iter()
            .fold(option(CommandOptionType::String), |o, (name, value)| {
                o.add_string_choice(name, value)
            }),
    }
}

/// Every command, as sent in the bulk overwrite.
pub fn build_commands(specs: &[CommandSpec]) -> Vec<CreateCommand> {
    specs.iter().map(build_command).collect()
}

/// A stable fingerprint of a command set as sent to a scope of an application.
///
/// FNV-1a rather than `DefaultHasher`, whose output may change between Rust releases and
/// would then force a needless re-registration after an upgrade.
pub fn fingerprint(commands: &[CreateCommand], scope: &Scope, application_id: u64) -> String {
    let json = serde_json::to_string(commands).unwrap_or_default();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in format!("{application_id}\n{}\n{json}", scope.describe()).bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// The state file remembering the last registered set: `commands.fingerprint` in the state
/// folder, outside the watched bank.
pub fn state_path(config: &Config) -> PathBuf {
    config.state().commands_fingerprint()
}

/// What registration did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registered {
    /// The set was sent to Discord.
    Sent,
    /// The set matched the last registration; nothing was sent.
    Unchanged,
}

/// The fingerprint registered last by this process, so that a state file that cannot be
/// written does not make every bank edit register everything again.
#[derive(Debug, Default)]
pub struct Memory(std::sync::Mutex<Option<String>>);

impl Memory {
    fn get(&self) -> Option<String> {
        self.lock().clone()
    }

    fn set(&self, hash: String) {
        *self.lock() = Some(hash);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        // A plain value: a panic elsewhere cannot leave it half-written.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One place commands are registered: global, or one configured guild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// How logs and messages name it: `global`, or `guild_ids[i]` (its place in the config,
    /// since logs never carry guild ids).
    pub label: String,
    guild: Option<u64>,
}

impl Scope {
    /// Every target of the scope, each registered on its own.
    pub fn targets(&self) -> Vec<Target> {
        match self {
            Scope::Global => vec![Target {
                label: "global".into(),
                guild: None,
            }],
            Scope::Guilds(ids) => ids
                .iter()
                .enumerate()
                .map(|(i, id)| Target {
                    label: format!("guild_ids[{i}]"),
                    guild: Some(*id),
                })
                .collect(),
        }
    }
}

/// What one registration did, target by target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Sent, or skipped as unchanged.
    pub registered: Registered,
    /// Targets that accepted the set.
    pub sent: Vec<String>,
    /// Targets that refused it, with the reason in plain words.
    pub failed: Vec<(String, String)>,
}

impl Report {
    /// Whether every target has the set.
    pub fn is_ok(&self) -> bool {
        self.failed.is_empty()
    }

    /// One line naming each target that failed and why, with the usual cause.
    pub fn failure_summary(&self) -> String {
        let total = self.sent.len() + self.failed.len();
        let each: Vec<String> = self
            .failed
            .iter()
            .map(|(label, reason)| format!("{label}: {reason}"))
            .collect();
        format!(
            "command registration failed for {} of {total} target(s): {} (a 403 Missing Access means the bot is not in that server, or was invited without the applications.commands scope)",
            self.failed.len(),
            each.join("; ")
        )
    }
}

/// Sends the whole command set to each target of `scope`, unless `force` is off and this exact
/// set was registered already (by this process, per `memory`, or before, per the `state`
/// file). Each guild is registered on its own: one that refuses does not keep the others from
/// getting the commands. The state file is written only when every target accepted the set.
pub async fn register_commands(
    http: &Http,
    specs: &[CommandSpec],
    scope: &Scope,
    state: &Path,
    memory: &Memory,
    force: bool,
) -> Report {
    let commands = build_commands(specs);
    let application_id = http.application_id().map_or(0, |id| id.get());
    let hash = fingerprint(&commands, scope, application_id);
    let previous = memory.get().or_else(|| {
        std::fs::read_to_string(state)
            .ok()
            .map(|s| s.trim().to_owned())
    });
    if !force && previous.as_deref() == Some(hash.as_str()) {
        tracing::info!(target: "nimbus::discord", scope = %scope.kind(), "commands unchanged; registration skipped");
        return Report {
            registered: Registered::Unchanged,
            sent: Vec::new(),
            failed: Vec::new(),
        };
    }
    let mut report = Report {
        registered: Registered::Sent,
        sent: Vec::new(),
        failed: Vec::new(),
    };
    for target in scope.targets() {
        let result = match target.guild.map(std::num::NonZeroU64::new) {
            None => Command::set_global_commands(http, commands.clone())
                .await
                .map(drop),
            Some(Some(id)) => GuildId::from(id)
                .set_commands(http, commands.clone())
                .await
                .map(drop),
            Some(None) => Err(serenity::Error::Other("0 is not a server id")),
        };
        match result {
            Ok(()) => {
                tracing::info!(target: "nimbus::discord", place = %target.label, count = specs.len(), "commands registered");
                report.sent.push(target.label);
            }
            Err(error) => {
                let reason = super::retry::describe(&error);
                tracing::error!(target: "nimbus::discord", place = %target.label, %reason, "command registration failed");
                report.failed.push((target.label, reason));
            }
        }
    }
    if !report.is_ok() {
        return report;
    }
    memory.set(hash.clone());
    let written = match state.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => std::fs::create_dir_all(parent),
        _ => Ok(()),
    }
    .and_then(|()| std::fs::write(state, format!("{hash}\n")));
    if let Err(error) = written {
        // Not fatal: this process remembers the set, and the next start registers again.
        tracing::warn!(target: "nimbus::discord", path = %state.display(), %error, "cannot write registration state; commands will be registered again at the next start");
    }
    report
}

#[cfg(test)]
mod tests {
    //! Every generated command held to Discord's rules (see /work/shared/discord-notes.md).
    use super::*;
    use crate::commands::registry;
    use serde_json::Value;

    fn languages() -> Vec<(String, String)> {
        vec![
            ("English".to_owned(), "en".to_owned()),
            ("العربية".to_owned(), "ar".to_owned()),
        ]
    }

    fn commands_json() -> Vec<Value> {
        build_commands(&registry(&languages()))
            .iter()
            .map(|c| serde_json::to_value(c).expect("serialises"))
            .collect()
    }

    type Check<'a> = dyn FnMut(&str, &Value, &mut Vec<String>, &mut usize) + 'a;

    /// Every rule Discord states for a chat-input command, as a list of broken ones.
    pub(crate) fn command_problems(command: &Value) -> Vec<String> {
        let name_re =
            regex::Regex::new(r"^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$").expect("regex");
        let mut problems = Vec::new();
        let mut total_chars = 0usize;
        fn chars(v: &Value) -> usize {
            v.as_str().map_or(0, |s| s.chars().count())
        }
        let mut check_named =
            |what: &str, item: &Value, problems: &mut Vec<String>, total: &mut usize| {
                let name = item["name"].as_str().unwrap_or("");
                if !name_re.is_match(name) || name.to_lowercase() != name {
                    problems.push(format!("{what} name `{name}` breaks the name rule"));
                }
                let d = chars(&item["description"]);
                if !(1..=100).contains(&d) {
                    problems.push(format!("{what} `{name}` description has {d} chars"));
                }
                *total += chars(&item["name"]) + d;
            };
        check_named("command", command, &mut problems, &mut total_chars);
        fn walk(
            options: &Value,
            problems: &mut Vec<String>,
            total: &mut usize,
            check: &mut Check<'_>,
        ) {
            let options = options.as_array().cloned().unwrap_or_default();
            if options.len() > 25 {
                problems.push(format!("{} options", options.len()));
            }
            let mut seen_optional = false;
            for option in &options {
                check("option", option, problems, total);
                let name = option["name"].as_str().unwrap_or("");
                let required = option["required"].as_bool().unwrap_or(false);
                if required && seen_optional {
                    problems.push(format!("required option `{name}` after an optional one"));
                }
                seen_optional |= !required;
                let choices = option["choices"].as_array().cloned().unwrap_or_default();
                if choices.len() > 25 {
                    problems.push(format!("option `{name}` has {} choices", choices.len()));
                }
                if !choices.is_empty() && option["autocomplete"].as_bool() == Some(true) {
                    problems.push(format!("option `{name}` has both choices and autocomplete"));
                }
                for choice in &choices {
                    let n = chars(&choice["name"]);
                    if !(1..=100).contains(&n) {
                        problems.push(format!("choice name of `{name}` has {n} chars"));
                    }
                    if let Some(v) = choice["value"].as_str() {
                        if v.chars().count() > 100 {
                            problems.push(format!("choice value of `{name}` over 100 chars"));
                        }
                    }
                    *total += n + choice["value"].as_str().map_or(0, |v| v.chars().count());
                }
                walk(&option["options"], problems, total, check);
            }
        }
        walk(
            &command["options"],
            &mut problems,
            &mut total_chars,
            &mut check_named,
        );
        if total_chars > 8000 {
            problems.push(format!("{total_chars} chars in total"));
        }
        problems
    }

    #[test]
    fn every_command_follows_discord_rules() {
        let commands = commands_json();
        assert!(!commands.is_empty());
        assert!(commands.len() <= 100);
        for command in &commands {
            let problems = command_problems(command);
            assert!(problems.is_empty(), "{}: {problems:?}", command["name"]);
        }
    }

    #[test]
    fn rule_check_catches_bad_commands() {
        let bad = serde_json::json!({
            "name": "Ask Me",
            "description": "",
            "options": [
                {"type": 3, "name": "a", "description": "x", "required": false},
                {"type": 3, "name": "b", "description": "x", "required": true,
                 "autocomplete": true, "choices": [{"name": "", "value": "v"}]}
            ]
        });
        let problems = command_problems(&bad);
        for expected in [
            "name rule",
            "description has 0",
            "after an optional",
            "both choices",
            "choice name",
        ] {
            assert!(
                problems.iter().any(|p| p.contains(expected)),
                "missing {expected}: {problems:?}"
            );
        }
        let many = serde_json::json!({
            "name": "x", "description": "x",
            "options": [{"type": 3, "name": "o", "description": "x",
                "choices": (0..26).map(|i| serde_json::json!({"name": format!("{i}"), "value": "v"})).collect::<Vec<_>>()}]
        });
        assert!(command_problems(&many)
            .iter()
            .any(|p| p.contains("26 choices")));
    }

    #[test]
    fn moderator_commands_need_manage_messages_and_a_guild() {
        let commands = commands_json();
        let bank = commands
            .iter()
            .find(|c| c["name"] == "bank")
            .expect("/bank exists");
        assert_eq!(
            bank["default_member_permissions"],
            Value::String(MODERATOR_PERMISSIONS.bits().to_string())
        );
        assert_eq!(bank["dm_permission"], Value::Bool(false));
        let subs: Vec<&str> = bank["options"]
            .as_array()
            .expect("subcommands")
            .iter()
            .filter_map(|o| o["name"].as_str())
            .collect();
        assert_eq!(
            subs,
            ["status", "reload", "gaps", "edit", "new", "archive", "remove", "history", "revert"]
        );
        let ask = commands
            .iter()
            .find(|c| c["name"] == "ask")
            .expect("/ask exists");
        assert!(ask
            .get("default_member_permissions")
            .is_none_or(Value::is_null));
    }

    #[test]
    fn lang_option_offers_the_bank_languages() {
        let commands = commands_json();
        let ask = commands.iter().find(|c| c["name"] == "ask").expect("/ask");
        let lang = ask["options"]
            .as_array()
            .and_then(|o| o.iter().find(|o| o["name"] == "lang"))
            .expect("lang");
        let values: Vec<&str> = lang["choices"]
            .as_array()
            .expect("choices")
            .iter()
            .filter_map(|c| c["value"].as_str())
            .collect();
        assert_eq!(values, ["en", "ar"]);
    }

    #[test]
    fn fingerprint_changes_with_set_scope_and_app() {
        let specs = registry(&languages());
        let a = build_commands(&specs);
        let scope = Scope::Guilds(vec![1]);
        let base = fingerprint(&a, &scope, 5);
        assert_eq!(
            base,
            fingerprint(&build_commands(&specs), &scope, 5),
            "stable"
        );
        assert_ne!(base, fingerprint(&a, &Scope::Global, 5));
        assert_ne!(base, fingerprint(&a, &scope, 6));
        let fewer = build_commands(&registry(&languages()[..1]));
        assert_ne!(base, fingerprint(&fewer, &scope, 5));
    }

    #[test]
    fn state_file_sits_in_the_state_folder() {
        let config = Config {
            state_dir: PathBuf::from("/var/lib/nimbus-bot"),
            ..Config::default()
        };
        assert_eq!(
            state_path(&config),
            PathBuf::from("/var/lib/nimbus-bot/commands.fingerprint")
        );
    }
}
