//! Settings from `config.toml`: where the bank is, languages, staleness, and how the Discord bot
//! behaves per guild. Secrets never live here: the token comes from the environment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Environment variable naming the config file when `--config` is not given.
pub const CONFIG_ENV: &str = "NIMBUS_CONFIG";

/// The largest config file read, in bytes: a settings file is a few kilobytes, and one that is
/// `/dev/zero` must fail rather than fill memory.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

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
    /// Largest bank file (a `.toml` or an archive) the loader reads, in MiB.
    pub max_file_mb: u64,
    /// Largest bank, all its files together, in MiB: a larger one is refused, never served.
    pub max_bank_mb: u64,
    /// The Discord bot's settings.
    pub discord: DiscordConfig,
    /// Editing the bank from Discord.
    pub editing: EditingConfig,
    /// The gap log: questions the bot could not answer confidently (see [`crate::gaps`]).
    pub gaps: crate::gaps::GapSettings,
    /// Running the bot: the health and metrics listener, the log format.
    pub ops: OpsConfig,
    /// Where share cooldowns and per-person limits live when several replicas serve one bot:
    /// a Redis or Valkey URL (`redis://host:port`). Unset: this process's memory.
    pub state_url: Option<String>,
    /// The HTTP interactions endpoint (`nimbus-bot serve`).
    pub http: HttpConfig,
    /// How quote cards look.
    pub card: CardConfig,
    /// The file these settings came from, when there was one (for `path:line:col` messages).
    #[serde(skip)]
    pub file: Option<ConfigFile>,
}

/// The config file as read: its real path and text.
#[derive(Debug, Clone, Default)]
pub struct ConfigFile {
    /// The file's real path (symlinks and `..` resolved), as messages name it.
    pub path: PathBuf,
    /// Its text, to find where a setting is written.
    pub text: String,
}

/// How a community's quote cards look (`[card]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CardConfig {
    /// Small print at the bottom of every card, e.g. the community's name (at most
    /// [`CardConfig::FOOTER_MAX`] characters, so it stays one line).
    pub footer: String,
    /// The accent colour (bar and footer) as `#RRGGBB`.
    pub accent: String,
}

impl Default for CardConfig {
    fn default() -> Self {
        let style = crate::card::CardStyle::default();
        CardConfig {
            footer: style.footer,
            accent: format!(
                "#{:02X}{:02X}{:02X}",
                style.accent[0], style.accent[1], style.accent[2]
            ),
        }
    }
}

impl CardConfig {
    /// Longest footer: one line on the smallest card at its footer size.
    pub const FOOTER_MAX: usize = 48;

    /// The accent as RGB, `None` unless it reads `#RRGGBB`.
    pub fn accent_rgb(&self) -> Option<[u8; 3]> {
        let hex = self.accent.strip_prefix('#')?;
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some([byte(0)?, byte(2)?, byte(4)?])
    }

    /// The style cards are drawn with (the default accent if the setting was not validated).
    pub fn style(&self) -> crate::card::CardStyle {
        let default = crate::card::CardStyle::default();
        crate::card::CardStyle {
            footer: self.footer.clone(),
            accent: self.accent_rgb().unwrap_or(default.accent),
        }
    }

    /// What is wrong with these settings, as (keys, message), if anything.
    fn problem(&self) -> Option<(&'static str, String)> {
        if self.accent_rgb().is_none() {
            return Some((
                "accent",
                format!(
                    "card accent `{}` is not a colour; write it as \"#RRGGBB\", e.g. \"#8E6C8A\"",
                    self.accent
                ),
            ));
        }
        let chars = self.footer.chars().count();
        if chars > Self::FOOTER_MAX || self.footer.contains(['\n', '\r']) {
            return Some((
                "footer",
                format!(
                    "card footer must be one line of at most {} characters (it has {chars})",
                    Self::FOOTER_MAX
                ),
            ));
        }
        None
    }
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

/// Environment variable that overrides `[ops] listen` (the container image sets it, so that its
/// `HEALTHCHECK` finds the listener whatever config file is mounted).
pub const OPS_LISTEN_ENV: &str = "NIMBUS_OPS_LISTEN";

/// Environment variable that overrides `[ops] log_format` (`human` or `json`).
pub const LOG_FORMAT_ENV: &str = "NIMBUS_LOG_FORMAT";

/// The port of the health and metrics listener when none is written.
pub const OPS_DEFAULT_PORT: u16 = 9464;

/// How the bot is run: the health and metrics listener and the log format.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OpsConfig {
    /// Turns the listener on at `127.0.0.1:9464` when `listen` is not written.
    pub enabled: bool,
    /// Where the listener serves `/healthz` and `/metrics`: `host:port`, or a port alone
    /// (then on 127.0.0.1). Writing it turns the listener on.
    pub listen: Option<String>,
    /// `human` (the default; colours only at a terminal) or `json` (one object per line).
    pub log_format: Option<LogFormat>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One readable line per event; coloured only when stderr is a terminal.
    #[default]
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<LogFormat, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "human" | "text" => Ok(LogFormat::Human),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("`{other}` is not a log format; use human or json")),
        }
    }
}

impl OpsConfig {
    /// The address the listener binds, or `None` when it is off.
    pub fn listen_addr(&self) -> Option<std::net::SocketAddr> {
        match &self.listen {
            Some(text) => parse_listen(text).ok(),
            None if self.enabled => Some(std::net::SocketAddr::from((
                [127, 0, 0, 1],
                OPS_DEFAULT_PORT,
            ))),
            None => None,
        }
    }
}

/// Reads `host:port` or a bare port (bound to 127.0.0.1, never to every interface unasked).
pub fn parse_listen(text: &str) -> Result<std::net::SocketAddr, String> {
    let text = text.trim();
    if let Ok(port) = text.parse::<u16>() {
        return Ok(std::net::SocketAddr::from(([127, 0, 0, 1], port)));
    }
    text.parse().map_err(|_| {
        format!("`{text}` is not an address; write an IP and a port such as 127.0.0.1:9464 (0.0.0.0:9464 to be reached from outside a container)")
    })
}

/// Why `[http] listen` cannot be bound, or `None`: an IP and a port, or a host name and a port
/// (`localhost:8080`, resolved when the endpoint binds). A port alone is not enough here.
fn http_listen_problem(text: &str) -> Option<String> {
    if text.trim().parse::<std::net::SocketAddr>().is_ok() {
        return None;
    }
    let named = text.trim().rsplit_once(':').is_some_and(|(host, port)| {
        let host_ok = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        host_ok && port.parse::<u16>().is_ok()
    });
    (!named).then(|| {
        format!("`{text}` is not an address; write a host and a port such as 127.0.0.1:8080")
    })
}

/// The HTTP interactions endpoint (`nimbus-bot serve`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Address and port to listen on (`127.0.0.1:8080`; a reverse proxy terminates TLS).
    pub listen: String,
    /// The application's public key, 64 hex digits (not a secret); `DISCORD_PUBLIC_KEY`
    /// overrides it.
    pub public_key: Option<String>,
    /// The largest request body read, in kilobytes; a larger one is refused with 413.
    pub max_body_kb: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            listen: "127.0.0.1:8080".to_owned(),
            public_key: None,
            max_body_kb: 64,
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
            max_file_mb: 4,
            max_bank_mb: 64,
            discord: DiscordConfig::default(),
            editing: EditingConfig::default(),
            gaps: crate::gaps::GapSettings::default(),
            ops: OpsConfig::default(),
            state_url: None,
            http: HttpConfig::default(),
            card: CardConfig::default(),
            file: None,
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

    /// Where the setting at `keys` (e.g. `["discord", "guild_ids"]`) is written in the config
    /// file: its real path and the value's line and column; `None` when it is not written.
    pub fn place_of(&self, keys: &[&str]) -> Option<crate::bank::Place> {
        let file = self.file.as_ref()?;
        let offset = value_offset(&file.text, keys)?;
        let (line, col) = crate::bank::line_col(&file.text, offset);
        Some(crate::bank::Place {
            path: file.path.clone(),
            line,
            col,
        })
    }
}

/// The byte offset of the value at `keys` in TOML `text`.
fn value_offset(text: &str, keys: &[&str]) -> Option<usize> {
    let document = toml_edit::ImDocument::parse(text).ok()?;
    let (last, parents) = keys.split_last()?;
    let mut table = document.as_item();
    for key in parents {
        table = table.get(key)?;
    }
    table.get(last)?.span().map(|s| s.start)
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
    /// The bank path is resolved against the config file's folder. The file must be a regular
    /// file of at most [`MAX_CONFIG_BYTES`].
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let (path, must_exist) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => match std::env::var_os(CONFIG_ENV) {
                Some(p) => (PathBuf::from(p), true),
                None => (PathBuf::from("config.toml"), false),
            },
        };
        // `/dev/null` is how Unix says "no settings": the one device read (as empty).
        let read = if path == Path::new("/dev/null") {
            Ok(Vec::new())
        } else {
            crate::fileread::read_capped(&path, MAX_CONFIG_BYTES)
        };
        let bytes = match read {
            Ok(bytes) => bytes,
            Err(e) if !must_exist && e.is_not_found() => {
                let mut config = Config::default();
                config.apply_env()?;
                return Ok(config);
            }
            Err(e) => {
                return Err(ConfigError(format!(
                    "{}: cannot read config file: {e}",
                    path.display()
                )))
            }
        };
        // Messages name the file by its real path: the one an operator can open, whatever
        // relative path, symlink or $NIMBUS_CONFIG led here.
        let shown = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        let text = crate::fileread::utf8_text(bytes).map_err(|valid| {
            let (line, col) = crate::bank::line_col(&valid, valid.len());
            ConfigError(format!(
                "{}:{line}:{col}: error: this byte is not UTF-8 text\n  hint: re-save the file as \
                 UTF-8 (the encoding every editor offers)",
                shown.display()
            ))
        })?;
        let mut config = Config::parse(&text)
            .map_err(|message| ConfigError(format!("{}:{message}", shown.display())))?;
        if let Some(dir) = path.parent() {
            if config.bank.is_relative() {
                config.bank = dir.join(&config.bank);
            }
            if config.state_dir.is_relative() {
                config.state_dir = dir.join(&config.state_dir);
            }
        }
        config.file = Some(ConfigFile { path: shown, text });
        config.apply_env()?;
        Ok(config)
    }

    /// Settings the environment overrides (`NIMBUS_STATE_DIR`, `NIMBUS_OPS_LISTEN`,
    /// `NIMBUS_LOG_FORMAT`); an
    /// unusable value is an error naming the variable.
    pub fn apply_env(&mut self) -> Result<(), ConfigError> {
        if let Some(dir) = std::env::var_os(crate::state::STATE_DIR_ENV).filter(|d| !d.is_empty()) {
            self.state_dir = PathBuf::from(dir);
        }
        if let Some(listen) = std::env::var(OPS_LISTEN_ENV)
            .ok()
            .filter(|v| !v.trim().is_empty())
        {
            parse_listen(&listen).map_err(|e| ConfigError(format!("{OPS_LISTEN_ENV}: {e}")))?;
            self.ops.listen = Some(listen);
        }
        if let Some(format) = std::env::var(LOG_FORMAT_ENV)
            .ok()
            .filter(|v| !v.trim().is_empty())
        {
            let format = format
                .parse()
                .map_err(|e| ConfigError(format!("{LOG_FORMAT_ENV}: {e}")))?;
            self.ops.log_format = Some(format);
        }
        Ok(())
    }

    /// Parses config text; an error reads `line:col: error: message`.
    pub fn parse(text: &str) -> Result<Config, String> {
        let at = |offset: usize, message: &str| {
            let (line, col) = crate::bank::line_col(text, offset);
            format!("{line}:{col}: error: {message}")
        };
        let config: Config = toml::from_str(text).map_err(|e| {
            let message = crate::bank::plain_serde(e.message().trim());
            at(e.span().map_or(0, |s| s.start), &message)
        })?;
        // A setting's problem, reported where the setting is written.
        let at_setting = |keys: &[&str], message: &str| -> Result<Config, String> {
            Err(at(value_offset(text, keys).unwrap_or(0), message))
        };
        if let Some((offset, message)) = bad_id(text, &config) {
            return Err(at(offset, &message));
        }
        if config.max_file_mb == 0 || config.max_bank_mb == 0 {
            let key = if config.max_file_mb == 0 {
                "max_file_mb"
            } else {
                "max_bank_mb"
            };
            return at_setting(&[key], &format!("{key} must be at least 1"));
        }
        if config.bank.as_os_str().is_empty() {
            let message = "bank is empty: name the bank folder, e.g. bank = \"responses\"";
            return at_setting(&["bank"], message);
        }
        if let Some((key, message)) = config.gaps.problem() {
            return at_setting(&["gaps", key], &message);
        }
        if let Some(Err(message)) = config.ops.listen.as_deref().map(parse_listen) {
            return at_setting(&["ops", "listen"], &format!("listen: {message}"));
        }
        if let Some(message) = http_listen_problem(&config.http.listen) {
            return at_setting(&["http", "listen"], &format!("listen: {message}"));
        }
        if config.http.max_body_kb == 0 {
            return at_setting(&["http", "max_body_kb"], "max_body_kb must be at least 1");
        }
        if let Some(message) = config
            .state_url
            .as_deref()
            .filter(|url| !url.trim().is_empty())
            .and_then(crate::cooldown::Limiter::url_problem)
        {
            return at_setting(&["state_url"], &message);
        }
        if let Some((key, message)) = config.card.problem() {
            return at_setting(&["card", key], &message);
        }
        Ok(config)
    }
}

/// The first Discord id in the config that cannot be one, as (offset, message). Ids are
/// snowflakes, never 0; a 0 used to panic deep inside the Discord client.
fn bad_id(text: &str, config: &Config) -> Option<(usize, String)> {
    let document = toml_edit::ImDocument::parse(text).ok()?;
    let how = "copy it in Discord with Developer Mode on (right-click → Copy ID)";
    let (d, e) = (&config.discord, &config.editing);
    let ids: [(&str, &str, &[u64], &str); 5] = [
        ("editing", "editor_role_ids", &e.editor_role_ids, "role"),
        (
            "editing",
            "review_channel",
            e.review_channel.as_slice(),
            "channel",
        ),
        ("discord", "guild_ids", &d.guild_ids, "server"),
        (
            "discord",
            "moderator_role_ids",
            &d.moderator_role_ids,
            "role",
        ),
        (
            "discord",
            "mod_log_channel",
            d.mod_log_channel.as_slice(),
            "channel",
        ),
    ];
    for (section, key, ids, what) in ids {
        if let Some(i) = ids.iter().position(|&id| id == 0) {
            // A list's offending element, or the single value.
            let offset = document
                .get(section)
                .and_then(|s| s.get(key))
                .and_then(|v| match v.as_array() {
                    Some(a) => a.get(i).and_then(toml_edit::Value::span),
                    None => v.span(),
                })
                .map_or(0, |s| s.start);
            return Some((offset, format!("{key}: 0 is not a {what} id; {how}")));
        }
    }
    let discord = document.get("discord")?;
    let guilds = discord.get("guilds").and_then(|g| g.as_table_like())?;
    for (key, _) in guilds.iter() {
        if key.parse::<u64>().map_or(true, |id| id == 0) {
            let offset = guilds
                .key(key)
                .and_then(toml_edit::Key::span)
                .map_or(0, |s| s.start);
            return Some((
                offset,
                format!("[discord.guilds.\"{key}\"]: `{key}` is not a server id; {how}"),
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn error_of(text: &str) -> String {
        match Config::parse(text) {
            Ok(config) => panic!("accepted: {config:?}"),
            Err(message) => message,
        }
    }

    /// Each id that cannot be a Discord id is refused at its `line:col` (a 0 used to panic
    /// `register`, or the task posting reload outcomes).
    #[test]
    fn zero_and_malformed_ids_are_refused_where_they_are_written() {
        let cases = [
            (
                "[discord]\nguild_ids = [12, 0]\n",
                "2:18: error: guild_ids: 0",
            ),
            (
                "[discord]\nmod_log_channel = 0\n",
                "2:19: error: mod_log_channel: 0",
            ),
            (
                "[discord]\nmoderator_role_ids = [0]\n",
                "2:23: error: moderator_role_ids: 0",
            ),
            (
                "[discord.guilds.\"my-server\"]\nlanguage = \"ar\"\n",
                "1:17: error: [discord.guilds.\"my-server\"]",
            ),
            ("[discord.guilds.\"0\"]\n", "1:17: error:"),
            (
                "max_bank_mb = 0\n",
                "1:15: error: max_bank_mb must be at least 1",
            ),
            (
                "[editing]\nreview_channel = 0\n",
                "2:18: error: review_channel: 0",
            ),
            (
                "[editing]\neditor_role_ids = [5, 0]\n",
                "2:23: error: editor_role_ids: 0",
            ),
            (
                "[gaps]\nretention_days = 4400000\n",
                "2:18: error: retention_days must be from 1 to 3650",
            ),
            (
                "[gaps]\nmax_entries = 0\n",
                "2:15: error: max_entries must be from 1",
            ),
            ("bank = \"\"\n", "1:8: error: bank is empty"),
        ];
        for (text, expected) in cases {
            let message = error_of(text);
            assert!(message.starts_with(expected), "{text:?}: {message}");
            assert!(!message.contains('\n'), "one line: {message}");
        }
    }

    #[test]
    fn good_ids_and_defaults_pass() {
        let config = Config::parse(
            "[discord]\nguild_ids = [1000]\nmod_log_channel = 3000\n[discord.guilds.\"1000\"]\nlanguage = \"ar\"\n",
        )
        .expect("valid");
        assert_eq!(config.discord.guild_ids, [1000]);
        assert_eq!(config.max_file_mb, 4);
        assert!(Config::parse("").is_ok());
    }

    #[test]
    fn settings_are_located_in_the_real_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("etc")).expect("mkdir");
        let path = dir.path().join("etc/config.toml");
        std::fs::write(&path, "bank = \"responses\"\n\ndefault_language = \"fr\"\n")
            .expect("write");
        // Reached through `..`: messages still name the file by its real path.
        let config = Config::load(Some(&dir.path().join("etc/../etc/config.toml"))).expect("loads");
        let place = config.place_of(&["default_language"]).expect("written");
        let real = std::fs::canonicalize(&path).expect("real path");
        assert_eq!((place.path, place.line, place.col), (real, 3, 20));
        assert!(config.place_of(&["discord", "guild_ids"]).is_none());
    }
}

#[cfg(test)]
mod ops_settings {
    use super::*;

    #[test]
    fn the_listener_is_off_unless_asked_and_on_loopback_by_default() {
        let off = Config::parse("").expect("parses");
        assert_eq!(off.ops.listen_addr(), None);
        let on = Config::parse("[ops]\nenabled = true\n").expect("parses");
        assert_eq!(
            on.ops.listen_addr(),
            Some(std::net::SocketAddr::from(([127, 0, 0, 1], 9464)))
        );
        let port = Config::parse("[ops]\nlisten = \"9100\"\n").expect("parses");
        assert_eq!(
            port.ops.listen_addr(),
            Some(std::net::SocketAddr::from(([127, 0, 0, 1], 9100)))
        );
        let all = Config::parse("[ops]\nlisten = \"0.0.0.0:9100\"\n").expect("parses");
        assert_eq!(
            all.ops.listen_addr(),
            Some(std::net::SocketAddr::from(([0, 0, 0, 0], 9100)))
        );
        let json = Config::parse("[ops]\nlog_format = \"json\"\n").expect("parses");
        assert_eq!(json.ops.log_format, Some(LogFormat::Json));
    }

    #[test]
    fn a_bad_listen_address_or_format_is_refused_where_it_is_written() {
        let error = Config::parse("[ops]\nlisten = \"localhost:http\"\n").expect_err("refused");
        assert!(error.starts_with("2:10: error: listen:"), "{error}");
        assert!(error.contains("127.0.0.1:9464"), "{error}");
        let error = Config::parse("[ops]\nlog_format = \"xml\"\n").expect_err("refused");
        assert!(error.starts_with("2:14: error:"), "{error}");
    }

    /// The HTTP endpoint's settings and `state_url` are read when the config is, so `check`
    /// reports them where they are written instead of `serve` or `run` failing later.
    #[test]
    fn bad_endpoint_and_state_settings_are_refused_where_they_are_written() {
        for (text, expected) in [
            (
                "[http]\nlisten = \"not an address\"\n",
                "2:10: error: listen:",
            ),
            (
                "[http]\nlisten = \"localhost:http\"\n",
                "2:10: error: listen:",
            ),
            ("[http]\nlisten = \":8080\"\n", "2:10: error: listen:"),
            ("[http]\nlisten = \"8080\"\n", "2:10: error: listen:"),
            ("[http]\nmax_body_kb = 0\n", "2:15: error: max_body_kb"),
            ("state_url = \"mysql://x\"\n", "1:13: error: state_url:"),
            (
                "stale_after_days = \"30\"\n",
                "1:20: error: expected a whole number, 0 or more; found the text \"30\"",
            ),
        ] {
            let error = Config::parse(text).expect_err(text);
            assert!(error.starts_with(expected), "{text}: {error}");
        }
        for text in [
            "[http]\nlisten = \"localhost:8080\"\n",
            "[http]\nlisten = \"0.0.0.0:8080\"\n",
            "[http]\nlisten = \"[::1]:8080\"\n",
            "state_url = \"redis://127.0.0.1:6379\"\n",
            "state_url = \"\"\n",
        ] {
            assert!(Config::parse(text).is_ok(), "{text}");
        }
    }
}

#[cfg(test)]
mod editing_settings {
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
