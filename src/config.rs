//! Settings from `config.toml`: where the bank is, languages, staleness, and how the Discord bot
//! behaves per guild. Secrets never live here: the token comes from the environment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Environment variable naming the config file when `--config` is not given.
pub const CONFIG_ENV: &str = "NIMBUS_CONFIG";

/// Everything `config.toml` can say. Every field has a default, so an empty file is valid.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The bank folder; relative paths are taken from the config file's folder.
    pub bank: PathBuf,
    /// Language used when nothing else decides (must be declared in the bank).
    pub default_language: Option<String>,
    /// `check` warns about answers whose `reviewed` date is older than this many days.
    pub stale_after_days: u32,
    /// The bot's own files (registration fingerprint, gap log, edit history); relative paths
    /// are taken from the config file's folder. `NIMBUS_STATE_DIR` overrides it.
    pub state_dir: PathBuf,
    /// The Discord bot's settings.
    pub discord: DiscordConfig,
    /// Editing the bank from Discord.
    pub editing: EditingConfig,
}

/// How moderators edit the bank from Discord (`/bank edit`, `new`, `archive`, `remove`,
/// `history`, `revert`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EditingConfig {
    /// How the history names who made a change: `username`, `id` or `none`. A bank
    /// repository may be public, and these communities are watched.
    pub editor_identity: crate::edit::EditorIdentity,
    /// The two-person rule: Publish makes a proposal that another moderator must approve.
    pub require_review: bool,
    /// Where proposals are posted (default: the moderator log channel).
    pub review_channel: Option<u64>,
    /// Roles whose members (not moderators) may propose changes but never publish them.
    pub editor_role_ids: Vec<u64>,
    /// A draft (a submitted form waiting for Publish) is forgotten after this many minutes
    /// without use.
    pub draft_minutes: u64,
    /// At most this many drafts per person; opening one more forgets their oldest.
    pub drafts_per_person: usize,
    /// A proposal nobody approved or rejected expires after this many hours.
    pub proposal_hours: u64,
    /// The largest archive text `/bank archive` accepts, in kilobytes (1024 bytes).
    pub archive_max_kb: usize,
}

impl Default for EditingConfig {
    fn default() -> Self {
        EditingConfig {
            editor_identity: crate::edit::EditorIdentity::Username,
            require_review: false,
            review_channel: None,
            editor_role_ids: Vec::new(),
            draft_minutes: 30,
            drafts_per_person: 5,
            proposal_hours: 72,
            archive_max_kb: 256,
        }
    }
}

/// How the Discord bot behaves.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiscordConfig {
    /// Guilds to register commands in instantly; empty means global registration.
    pub guild_ids: Vec<u64>,
    /// Base URL for REST calls instead of `https://discord.com` (an HTTP proxy, or a test
    /// stand-in). Setting it turns serenity's own rate limiter off, as the proxy must do that job.
    pub api_base: Option<String>,
    /// Gateway URL to use instead of the one Discord announces (tests only).
    pub gateway_url: Option<String>,
    /// Roles whose members may use `/bank`, in addition to members with Manage Messages.
    pub moderator_role_ids: Vec<u64>,
    /// Channel that receives reload errors.
    pub mod_log_channel: Option<u64>,
    /// Replies are public unless the person asks otherwise (per guild overrides below).
    pub public_by_default: bool,
    /// The same content shared publicly in one channel again within this many seconds is
    /// shown privately instead.
    pub share_cooldown_secs: u64,
    /// At most this many public posts per person ...
    pub user_public_posts: u32,
    /// ... within this many seconds.
    pub user_public_window_secs: u64,
    /// Log user ids and query text (off by default: these communities are watched).
    pub log_user_content: bool,
    /// Watch the bank folder and reload on change.
    pub watch_bank: bool,
    /// Per-guild settings, keyed by guild id.
    pub guilds: BTreeMap<String, GuildConfig>,
}

/// Settings for one guild.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GuildConfig {
    /// Default reply language in this guild.
    pub language: Option<String>,
    /// Whether replies are public by default in this guild.
    pub public_by_default: Option<bool>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bank: PathBuf::from("responses"),
            default_language: None,
            stale_after_days: 365,
            state_dir: PathBuf::from(".nimbus-state"),
            discord: DiscordConfig::default(),
            editing: EditingConfig::default(),
        }
    }
}

impl Default for DiscordConfig {
    fn default() -> Self {
        DiscordConfig {
            guild_ids: Vec::new(),
            api_base: None,
            gateway_url: None,
            moderator_role_ids: Vec::new(),
            mod_log_channel: None,
            public_by_default: false,
            share_cooldown_secs: 600,
            user_public_posts: 5,
            user_public_window_secs: 600,
            log_user_content: false,
            watch_bank: true,
            guilds: BTreeMap::new(),
        }
    }
}

impl Config {
    /// The state folder (see [`crate::state`]).
    pub fn state(&self) -> crate::state::StateDir {
        crate::state::StateDir::new(&self.state_dir)
    }
}

impl DiscordConfig {
    /// The settings of one guild, or defaults.
    pub fn guild(&self, guild_id: Option<u64>) -> GuildConfig {
        guild_id
            .and_then(|id| self.guilds.get(&id.to_string()))
            .cloned()
            .unwrap_or_default()
    }
}

/// A config file that could not be used; the message says what to fix.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Reads `path`, or returns defaults when no path is given and `config.toml` is absent.
    ///
    /// The bank path is resolved against the config file's folder.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let (path, must_exist) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => match std::env::var_os(CONFIG_ENV) {
                Some(p) => (PathBuf::from(p), true),
                None => (PathBuf::from("config.toml"), false),
            },
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if !must_exist && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Config::default())
            }
            Err(e) => {
                return Err(ConfigError(format!(
                    "{}: cannot read config file: {e}",
                    path.display()
                )))
            }
        };
        let mut config = Config::parse(&text)
            .map_err(|message| ConfigError(format!("{}:{message}", path.display())))?;
        if let Some(dir) = path.parent() {
            if config.bank.is_relative() {
                config.bank = dir.join(&config.bank);
            }
            if config.state_dir.is_relative() {
                config.state_dir = dir.join(&config.state_dir);
            }
        }
        if let Some(dir) = std::env::var_os(crate::state::STATE_DIR_ENV).filter(|d| !d.is_empty()) {
            config.state_dir = PathBuf::from(dir);
        }
        Ok(config)
    }

    /// Parses config text; an error reads `line:col: error: message`.
    pub fn parse(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| {
            let (line, col) = e
                .span()
                .map(|span| crate::bank::line_col(text, span.start))
                .unwrap_or((1, 1));
            format!("{line}:{col}: error: {}", e.message().trim())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_config_parses_and_its_editing_settings_are_the_defaults() {
        let text = include_str!("../config.toml");
        let config = Config::parse(text).expect("config.toml parses");
        let defaults = EditingConfig::default();
        assert_eq!(config.editing.editor_identity, defaults.editor_identity);
        assert_eq!(config.editing.require_review, defaults.require_review);
        assert_eq!(config.editing.draft_minutes, defaults.draft_minutes);
        assert_eq!(config.editing.drafts_per_person, defaults.drafts_per_person);
        assert_eq!(config.editing.proposal_hours, defaults.proposal_hours);
        assert_eq!(config.editing.archive_max_kb, defaults.archive_max_kb);
        assert!(
            config.editing.editor_role_ids.is_empty() && config.editing.review_channel.is_none()
        );
    }

    #[test]
    fn editor_identity_takes_only_its_three_values() {
        for (value, expected) in [
            ("username", crate::edit::EditorIdentity::Username),
            ("id", crate::edit::EditorIdentity::Id),
            ("none", crate::edit::EditorIdentity::None),
        ] {
            let config = Config::parse(&format!("[editing]\neditor_identity = \"{value}\"\n"))
                .expect("parses");
            assert_eq!(config.editing.editor_identity, expected);
        }
        let error = Config::parse("[editing]\neditor_identity = \"email\"\n").expect_err("refused");
        assert!(error.starts_with("2:19: error:"), "{error}");
        assert!(
            error.contains("username") && error.contains("none"),
            "{error}"
        );
    }
}
