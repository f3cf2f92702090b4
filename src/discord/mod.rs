//! The Discord adapter, and the only module that uses serenity: it connects to the gateway,
//! registers the slash commands and turns interactions into core requests and replies back.
//!
//! `run` and `register` are what `nimbus-bot run` / `nimbus-bot register` call; [`start`]
//! is the same bot as a handle, so tests can drive it against a stand-in Discord.

pub mod cards;
pub mod convert;
pub mod editing;
pub mod exchange;
pub mod handler;
pub mod http;
pub mod register;
pub mod retry;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serenity::all::{ClientBuilder, GatewayIntents, HttpBuilder, ShardManager};
use serenity::gateway::GatewayError;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::bank::{self, LoadOptions};
use crate::config::Config;
use crate::gaps::GapLog;
use crate::reload::{self, LiveBank, Outcome, WatchGuard};

/// Environment variable holding the bot token.
pub const TOKEN_ENV: &str = "DISCORD_TOKEN";
/// Environment variable naming a file that holds the bot token (for secret mounts).
pub const TOKEN_FILE_ENV: &str = "DISCORD_TOKEN_FILE";
/// Environment variable that, set to `1`, lets `RUST_LOG` raise the log level of the crates
/// nimbus-bot depends on above warnings (see [`crate::logging`]).
pub const LOG_DEPENDENCIES_ENV: &str = crate::logging::LOG_DEPENDENCIES_ENV;

/// Why the bot could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Neither `DISCORD_TOKEN` nor `DISCORD_TOKEN_FILE` is set.
    #[error("no Discord token: create one in the Discord Developer Portal (Applications → your app → Bot → Reset Token), then run `DISCORD_TOKEN=... nimbus-bot run` (or set DISCORD_TOKEN_FILE to a file holding it)")]
    MissingToken,
    /// `DISCORD_TOKEN_FILE` names a file that cannot be read or is empty.
    #[error("cannot read the token file named by DISCORD_TOKEN_FILE ({path}): {reason}")]
    TokenFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The bank has errors at start, so there is nothing to serve.
    #[error("the bank in {dir} has errors; run `nimbus-bot check` for details:\n{problems}")]
    Bank {
        /// The bank folder.
        dir: PathBuf,
        /// The diagnostics, one per line.
        problems: String,
    },
    /// The settings contradict the bank (a `default_language` it does not declare).
    #[error("{0}")]
    Config(String),
    /// Discord refused the token.
    #[error("Discord refused the token: check DISCORD_TOKEN (Developer Portal → your app → Bot → Reset Token)")]
    BadToken,
    /// Some registration targets refused the command set (each is named).
    #[error("{0}")]
    Registration(String),
    /// The gateway connection ended without being asked to, or its task panicked: a
    /// supervisor (`Restart=on-failure`) should start the bot again.
    #[error("the Discord gateway connection ended unexpectedly: {0}")]
    Gateway(String),
    /// The health and metrics listener (`[ops] listen`) could not bind its address.
    #[error("{0}")]
    Listener(#[source] std::io::Error),
    /// The async runtime could not be built.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// `nimbus-bot serve` cannot listen on `[http] listen`.
    #[error("cannot listen on {address} ([http] listen in config.toml): {reason}")]
    Listen {
        /// The address.
        address: String,
        /// What went wrong.
        reason: String,
    },
    /// Talking to Discord failed.
    #[error("Discord: {0}")]
    Discord(Box<serenity::Error>),
}

impl From<serenity::Error> for Error {
    fn from(error: serenity::Error) -> Self {
        // Boxed: serenity's error is large and would bloat every `Result` on the way.
        Error::Discord(Box::new(error))
    }
}

impl Error {
    /// The process exit code: 2 for a missing token or bad setup, 1 for anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::MissingToken
            | Error::TokenFile { .. }
            | Error::Bank { .. }
            | Error::Config(_)
            | Error::BadToken
            | Error::Listener(_)
            | Error::Listen { .. } => 2,
            Error::Runtime(_) | Error::Discord(_) | Error::Registration(_) | Error::Gateway(_) => 1,
        }
    }
}

/// Reads the token from `DISCORD_TOKEN`, else from the file named by `DISCORD_TOKEN_FILE`
/// (trimmed). Never from config, and never logged.
pub fn token_from_env() -> Result<String, Error> {
    if let Some(token) = std::env::var(TOKEN_ENV)
        .ok()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
    {
        return Ok(token);
    }
    let Some(path) = std::env::var_os(TOKEN_FILE_ENV).map(PathBuf::from) else {
        return Err(Error::MissingToken);
    };
    match std::fs::read_to_string(&path) {
        Ok(text) if !text.trim().is_empty() => Ok(text.trim().to_owned()),
        Ok(_) => Err(Error::TokenFile {
            path,
            reason: "the file is empty".to_owned(),
        }),
        Err(e) => Err(Error::TokenFile {
            path,
            reason: e.to_string(),
        }),
    }
}

/// Starts structured logging in the format `NIMBUS_LOG_FORMAT` asks for (see
/// [`crate::logging`]); a no-op when the command line already started it with `--log-format`.
pub fn init_logging() {
    crate::logging::init(crate::logging::format_from_env());
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)
}

/// The longest any REST request may take before it is abandoned (and, for responses, retried
/// while Discord's window allows): a hung connection must not hold a task for ever.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(15);
/// The longest connecting may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long shutdown waits for blocking work (a bank load) before the process ends anyway.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

fn http(config: &Config, token: &str) -> serenity::all::Http {
    let mut builder = HttpBuilder::new(token);
    match reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(HTTP_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .build()
    {
        Ok(client) => builder = builder.client(client),
        Err(error) => {
            tracing::warn!(target: "nimbus::discord", %error, "cannot set HTTP timeouts; using the default client");
        }
    }
    if let Some(base) = &config.discord.api_base {
        // serenity's rate limiter builds its own requests and ignores the proxy, so the two must
        // go together; the proxy (or test stand-in) is then responsible for rate limits.
        builder = builder
            .proxy(base.trim_end_matches('/'))
            .ratelimiter_disabled(true);
    }
    builder.build()
}

fn load_live(config: &Config) -> Result<LiveBank, Error> {
    let options = LoadOptions::from_config(config);
    let settings = options.clone();
    LiveBank::load(&config.bank, options).map_err(|diagnostics| {
        let errors = |config_file: bool| {
            diagnostics
                .iter()
                .filter(|d| d.is_error())
                .filter(|d| settings.is_config_file(&d.path) == config_file)
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        };
        let in_config = errors(true);
        if in_config.is_empty() {
            Error::Bank {
                dir: config.bank.clone(),
                problems: errors(false),
            }
        } else {
            Error::Config(in_config)
        }
    })
}

/// Runs the bot until Ctrl-C or SIGTERM, then shuts the shards down cleanly.
pub fn run(config: &Config) -> Result<(), Error> {
    init_logging();
    let token = token_from_env()?;
    let runtime = runtime()?;
    let result = runtime.block_on(async {
        // Listening before the bank loads: a health check sees "not ready", not a refusal.
        let health = crate::ops::Health::new(crate::ops::Mode::Gateway);
        let _listener = crate::ops::spawn_listener(config, Arc::clone(&health))
            .await
            .map_err(Error::Listener)?;
        let mut bot = start_with(config, &token, health).await?;
        let result = tokio::select! {
            result = bot.stopped() => result,
            () = shutdown_signal() => {
                tracing::info!(target: "nimbus::discord", "shutting down");
                Ok(())
            }
        };
        bot.shutdown().await;
        result
    });
    // A blocking task still running (a load on a stuck file system) must not keep the process
    // from exiting after SIGTERM.
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    result
}

/// Registers the command set now (a bulk overwrite per scope), whether or not it changed,
/// and records it so that `run` does not register it again.
pub fn register(config: &Config) -> Result<(), Error> {
    init_logging();
    let token = token_from_env()?;
    let options = LoadOptions::from_config(config);
    let loaded = bank::load(&config.bank, &options);
    let config_errors = loaded.config_errors(&options);
    if !config_errors.is_empty() {
        let lines: Vec<String> = config_errors.iter().map(ToString::to_string).collect();
        return Err(Error::Config(lines.join("\n")));
    }
    let Some(bank) = loaded.bank else {
        return Err(Error::Bank {
            dir: config.bank.clone(),
            problems: loaded
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        });
    };
    runtime()?.block_on(async {
        let http = http(config, &token);
        let app = http
            .get_current_application_info()
            .await
            .map_err(map_auth)?;
        http.set_application_id(app.id);
        let specs = crate::commands::registry(&bank.language_choices());
        let report = register::register_commands(
            &http,
            &specs,
            &register::Scope::from_config(config),
            &register::state_path(config),
            &register::Memory::default(),
            true,
        )
        .await;
        if report.is_ok() {
            Ok(())
        } else {
            Err(Error::Registration(report.failure_summary()))
        }
    })
}

fn map_auth(error: serenity::Error) -> Error {
    match &error {
        serenity::Error::Gateway(GatewayError::InvalidAuthentication) => Error::BadToken,
        serenity::Error::Http(http) if http.status_code().is_some_and(|s| s.as_u16() == 401) => {
            Error::BadToken
        }
        _ => Error::from(error),
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// A running bot: the gateway client task, the live bank and the file watcher.
pub struct Running {
    /// The shard manager, to shut the gateway connections down.
    pub shard_manager: Arc<ShardManager>,
    /// The bank being served (tests read its status).
    pub live: Arc<LiveBank>,
    /// What `/healthz` and `/metrics` report about this bot.
    pub health: Arc<crate::ops::Health>,
    /// Outcomes of every reload, by the watcher or `/bank reload`, for observers such as tests.
    ///
    /// Bounded: when nobody reads (as in `run`), later outcomes are dropped, not queued forever.
    pub reloads: mpsc::Receiver<Outcome>,
    /// Questions the bot could not answer confidently; written to the state folder in the
    /// background and at shutdown.
    pub gaps: Arc<GapLog>,
    client: Option<JoinHandle<Result<(), serenity::Error>>>,
    _watch: Option<WatchGuard>,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running").field("live", &self.live).finish()
    }
}

impl Running {
    /// Waits until the gateway client stops by itself: that is always an error (a fatal
    /// gateway error, a panic in its task, or the connection ending unasked), so that the
    /// process exits non-zero and a supervisor restarts it.
    pub async fn stopped(&mut self) -> Result<(), Error> {
        let Some(client) = self.client.as_mut() else {
            return Ok(());
        };
        let result = client.await;
        self.client = None;
        self.health.set_gateway(false);
        Err(gateway_ended(result))
    }

    /// Closes the gateway connections and waits (at most 10 s) for the client to finish.
    pub async fn shutdown(mut self) {
        self.health.set_gateway(false);
        self.shard_manager.shutdown_all().await;
        flush_gaps(Arc::clone(&self.gaps)).await;
        if let Some(client) = self.client.take() {
            if tokio::time::timeout(Duration::from_secs(10), client)
                .await
                .is_err()
            {
                tracing::warn!(target: "nimbus::discord", "gateway client did not stop within 10 s");
            }
        }
    }
}

/// How often the gap log is written to its file when it changed.
const GAP_FLUSH: Duration = Duration::from_secs(30);

/// Writes the gap log off the async threads, within a bound: a stuck disk must not hold up
/// shutdown or the next flush.
async fn flush_gaps(gaps: Arc<GapLog>) {
    let write = tokio::task::spawn_blocking(move || gaps.flush(crate::gaps::today()));
    match tokio::time::timeout(Duration::from_secs(5), write).await {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(error))) => {
            tracing::warn!(target: "nimbus::gaps", %error, "cannot write the gap log");
        }
        Ok(Err(error)) => tracing::warn!(target: "nimbus::gaps", %error, "gap log task failed"),
        Err(_) => tracing::warn!(target: "nimbus::gaps", "writing the gap log took over 5 s"),
    }
}

/// Why the gateway task ended, when nobody asked it to.
fn gateway_ended(result: Result<Result<(), serenity::Error>, tokio::task::JoinError>) -> Error {
    let error = match result {
        Ok(Ok(())) => Error::Gateway("all shards stopped".into()),
        Ok(Err(error)) => map_auth(error),
        Err(join) if join.is_panic() => Error::Gateway("the gateway task panicked".into()),
        Err(join) => Error::Gateway(join.to_string()),
    };
    tracing::error!(target: "nimbus::discord", %error, "gateway stopped");
    error
}

/// The handler's shared state, with share limits in memory or in the store `state_url` names.
fn shared_state(
    config: &Config,
    live: &Arc<LiveBank>,
    health: Arc<crate::ops::Health>,
) -> Result<handler::Shared, Error> {
    let limiter = crate::cooldown::Limiter::from_settings(
        handler::limits(config),
        config.state_url.as_deref(),
    )
    .map_err(|e| Error::Config(e.to_string()))?;
    if limiter.is_shared() {
        tracing::info!(target: "nimbus::state", "cooldowns are shared through state_url");
    }
    Ok(handler::Shared::with_parts(
        Arc::clone(live),
        config.clone(),
        limiter,
        health,
    ))
}

/// Loads the bank, reports it to `health` and builds the handler's shared state: the first
/// steps of both transports.
fn load_shared(
    config: &Config,
    health: Arc<crate::ops::Health>,
) -> Result<(Arc<LiveBank>, Arc<handler::Shared>), Error> {
    let live = Arc::new(load_live(config)?);
    tracing::info!(target: "nimbus::discord", bank = %config.bank.display(), summary = %live.status().summary, "bank loaded");
    health.bank_loaded(Arc::clone(&live));
    let shared = Arc::new(shared_state(config, &live, health)?);
    Ok((live, shared))
}

/// What runs beside the interactions in both modes: the bank watcher (its outcomes acted on
/// and passed to `observe`) and the expiry of proposals nobody decided on.
fn background(
    config: &Config,
    shared: &Arc<handler::Shared>,
    http: &Arc<serenity::all::Http>,
    observe: mpsc::Sender<Outcome>,
) -> Option<WatchGuard> {
    let live = Arc::clone(&shared.live);
    let observe_tx = observe;
    let watch = if config.discord.watch_bank {
        let (tx, mut rx) = mpsc::unbounded_channel::<Outcome>();
        let shared = Arc::clone(shared);
        let http = Arc::clone(http);
        tokio::spawn(async move {
            while let Some(outcome) = rx.recv().await {
                shared.after_reload(&http, &outcome).await;
                let _ = observe_tx.try_send(outcome);
            }
        });
        match reload::watch(Arc::clone(&live), reload::DEBOUNCE, move |outcome| {
            let _ = tx.send(outcome);
        }) {
            Ok(guard) => Some(guard),
            Err(error) => {
                // Serving without live reload is better than not serving; /bank reload still works.
                tracing::warn!(target: "nimbus::discord", %error, "cannot watch the bank folder; use /bank reload after edits");
                None
            }
        }
    } else {
        None
    };

    // Proposals that nobody decided on expire; their messages and proposers are told.
    {
        let shared = Arc::clone(shared);
        let http = Arc::clone(http);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                editing::expire_proposals(&shared, &http).await;
            }
        });
    }
    // The gap log reaches its file from here, every GAP_FLUSH, never on a reply's path.
    {
        let gaps = Arc::clone(&shared.gaps);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(GAP_FLUSH);
            every.tick().await;
            loop {
                every.tick().await;
                flush_gaps(Arc::clone(&gaps)).await;
            }
        });
    }
    watch
}

/// Loads the bank, connects to Discord (or to `api_base` / `gateway_url` when set) and starts
/// answering; returns at once with a handle. Watches the bank if `watch_bank` is on.
pub async fn start(config: &Config, token: &str) -> Result<Running, Error> {
    start_with(
        config,
        token,
        crate::ops::Health::new(crate::ops::Mode::Gateway),
    )
    .await
}

/// [`start`], reporting the bank and the gateway connection to `health` (which a listener
/// from [`crate::ops::spawn_listener`] may already be serving).
pub async fn start_with(
    config: &Config,
    token: &str,
    health: Arc<crate::ops::Health>,
) -> Result<Running, Error> {
    let (live, shared) = load_shared(config, Arc::clone(&health))?;
    let (observe_tx, observe_rx) = mpsc::channel(16);
    let handler = handler::Handler {
        shared: Arc::clone(&shared),
        outcomes: Some(observe_tx.clone()),
    };
    // Interactions arrive without any gateway intent; asking for none keeps the bot out of
    // message content and member lists entirely.
    let client = ClientBuilder::new_with_http(http(config, token), GatewayIntents::empty())
        .event_handler(handler)
        .await?;
    let mut client = client;
    if let Some(url) = &config.discord.gateway_url {
        *client.ws_url.lock().await = url.clone();
    }
    let shard_manager = Arc::clone(&client.shard_manager);
    let http = Arc::clone(&client.http);

    let watch = background(config, &shared, &http, observe_tx);
    let task = tokio::spawn(async move { client.start().await });
    Ok(Running {
        shard_manager,
        live,
        gaps: Arc::clone(&shared.gaps),
        health,
        reloads: observe_rx,
        client: Some(task),
        _watch: watch,
    })
}

/// Runs the HTTP interactions endpoint (`nimbus-bot serve`) until Ctrl-C or SIGTERM.
pub fn serve(config: &Config) -> Result<(), Error> {
    init_logging();
    let token = token_from_env()?;
    let runtime = runtime()?;
    let result = runtime.block_on(async {
        // Listening before the bank loads: a health check sees "not ready", not a refusal.
        let health = crate::ops::Health::new(crate::ops::Mode::Http);
        let _listener = crate::ops::spawn_listener(config, Arc::clone(&health))
            .await
            .map_err(Error::Listener)?;
        let serving = start_http_with(config, &token, health).await?;
        tracing::info!(target: "nimbus::http", address = %serving.address, "listening for interactions");
        shutdown_signal().await;
        tracing::info!(target: "nimbus::http", "shutting down");
        serving.shutdown().await;
        Ok(())
    });
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    result
}

/// The public key from `DISCORD_PUBLIC_KEY`, else `[http] public_key`.
fn public_key(config: &Config) -> Result<http::Verifier, Error> {
    let from_env = std::env::var(http::PUBLIC_KEY_ENV)
        .ok()
        .filter(|k| !k.trim().is_empty());
    let (key, source) = match (from_env, &config.http.public_key) {
        (Some(key), _) => (key, http::PUBLIC_KEY_ENV.to_owned()),
        (None, Some(key)) => (key.clone(), "[http] public_key".to_owned()),
        (None, None) => {
            return Err(Error::Config(format!(
                "no public key: `nimbus-bot serve` checks that each request comes from Discord with the application's public key; set [http] public_key in config.toml or {} (Developer Portal → your app → General Information → Public Key)",
                http::PUBLIC_KEY_ENV
            )))
        }
    };
    http::Verifier::from_hex(&key).map_err(|reason| {
        let place = config
            .place_of(&["http", "public_key"])
            .filter(|_| source.starts_with('['))
            .map(|p| format!("{}:{}:{}: ", p.path.display(), p.line, p.col))
            .unwrap_or_default();
        Error::Config(format!("{place}{source}: {reason}"))
    })
}

/// A running HTTP endpoint.
pub struct Serving {
    /// The address it listens on (the port is the system's choice when `listen` says `:0`).
    pub address: std::net::SocketAddr,
    /// The bank being served.
    pub live: Arc<LiveBank>,
    /// Questions the bot could not answer confidently; written in the background and at
    /// shutdown.
    pub gaps: Arc<GapLog>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: JoinHandle<()>,
    _watch: Option<WatchGuard>,
}

impl Serving {
    /// Stops accepting connections and waits (at most 10 s) for the listener to close.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), &mut self.server).await;
        flush_gaps(Arc::clone(&self.gaps)).await;
    }
}

/// Loads the bank and starts answering interactions over HTTP on `[http] listen`; returns at
/// once. Follow-ups and moderator log posts go to Discord's REST API (or `api_base`).
pub async fn start_http(config: &Config, token: &str) -> Result<Serving, Error> {
    start_http_with(
        config,
        token,
        crate::ops::Health::new(crate::ops::Mode::Http),
    )
    .await
}

/// [`start_http`], reporting the bank to `health` (which a listener from
/// [`crate::ops::spawn_listener`] may already be serving).
pub async fn start_http_with(
    config: &Config,
    token: &str,
    health: Arc<crate::ops::Health>,
) -> Result<Serving, Error> {
    let verifier = public_key(config)?;
    let (live, shared) = load_shared(config, health)?;
    let gaps = Arc::clone(&shared.gaps);
    let rest = Arc::new(http(config, token));
    let listen = config.http.listen.clone();
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| Error::Listen {
            address: listen.clone(),
            reason: e.to_string(),
        })?;
    let address = listener.local_addr().map_err(|e| Error::Listen {
        address: listen,
        reason: e.to_string(),
    })?;
    // Nobody observes reload outcomes here; a capacity of one keeps the sender cheap.
    let (observe_tx, _) = mpsc::channel(1);
    let watch = background(config, &shared, &rest, observe_tx);
    let endpoint = Arc::new(http::Endpoint {
        handler: Arc::new(handler::Handler {
            shared,
            outcomes: None,
        }),
        http: rest,
        verifier,
        max_body: config.http.max_body_kb.saturating_mul(1024),
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(http::serve(listener, endpoint, async move {
        let _ = stopped.await;
    }));
    Ok(Serving {
        address,
        live,
        gaps,
        stop: Some(stop),
        server,
        _watch: watch,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A panic in the gateway task used to end `run` with exit code 0, so a supervisor with
    /// `Restart=on-failure` left the bot down. Any unasked end of the gateway is a failure.
    #[tokio::test]
    async fn an_ended_or_panicked_gateway_exits_non_zero() {
        let panicked = tokio::spawn(async {
            if true {
                panic!("boom");
            }
            Ok::<(), serenity::Error>(())
        })
        .await;
        let error = gateway_ended(panicked);
        assert!(matches!(error, Error::Gateway(_)), "{error:?}");
        assert_eq!(error.exit_code(), 1);
        assert!(error.to_string().contains("panicked"), "{error}");
        let stopped = gateway_ended(Ok(Ok(())));
        assert_eq!(stopped.exit_code(), 1);
    }

    #[test]
    fn exit_codes() {
        assert_eq!(Error::MissingToken.exit_code(), 2);
        assert_eq!(Error::BadToken.exit_code(), 2);
        assert_eq!(Error::Runtime(std::io::Error::other("x")).exit_code(), 1);
        assert_eq!(Error::Config("x".into()).exit_code(), 2);
    }

    /// serenity's debug logs carry interaction tokens and payloads: capped unless asked.
    #[test]
    fn serenity_is_capped_at_warnings_unless_uncapped() {
        use tracing::Level;
        let capped = crate::logging::cap(false);
        assert!(!capped.would_enable("serenity::http::client", &Level::INFO));
        assert!(capped.would_enable("serenity::http::client", &Level::WARN));
        assert!(crate::logging::cap(true).would_enable("serenity::http::client", &Level::TRACE));
    }

    #[test]
    fn missing_token_message_says_how_to_get_one() {
        let text = Error::MissingToken.to_string();
        assert!(!text.contains('\n'));
        assert!(
            text.contains("Developer Portal")
                && text.contains("Reset Token")
                && text.contains("DISCORD_TOKEN=... nimbus-bot run")
        );
    }
}
