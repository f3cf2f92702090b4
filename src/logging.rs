//! Where and how the bot logs: to stderr, human-readable (coloured only at a terminal) or one
//! JSON object per line (`--log-format json`, `[ops] log_format`, `NIMBUS_LOG_FORMAT`).
//!
//! What is logged is decided where it is logged (no user ids or question text unless
//! `log_user_content` is on); this module only caps what other crates may say, since their
//! debug and trace logs carry interaction tokens, gateway payloads and request bodies.

use std::io::IsTerminal;

use crate::config::LogFormat;

/// Environment variable that, set to `1`, lets `RUST_LOG` raise the log level of the crates
/// nimbus-bot depends on (serenity, reqwest, hyper, …) above warnings.
pub const LOG_DEPENDENCIES_ENV: &str = "NIMBUS_LOG_DEPENDENCIES";

/// Starts logging in `format` (`RUST_LOG` filters, default `info`). A second call keeps the
/// first subscriber, so the command line can decide before the bot's own start-up asks.
pub fn init(format: LogFormat) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer;

    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let uncapped = std::env::var(LOG_DEPENDENCIES_ENV).is_ok_and(|v| v == "1");
    let layer = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let layer = match format {
        // Colour codes in a file or a journal are noise; NO_COLOR is the common opt-out.
        LogFormat::Human => layer.with_ansi(colours()).boxed(),
        LogFormat::Json => layer.json().with_ansi(false).boxed(),
    };
    let _ = tracing_subscriber::registry()
        .with(layer.with_filter(filter).with_filter(cap(uncapped)))
        .try_init();
}

/// The format the environment asks for (`NIMBUS_LOG_FORMAT`), else human-readable.
pub fn format_from_env() -> LogFormat {
    std::env::var(crate::config::LOG_FORMAT_ENV)
        .ok()
        .and_then(|f| f.parse().ok())
        .unwrap_or_default()
}

fn colours() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The most each crate may log: everything for nimbus-bot's own targets (`nimbus::…` and its
/// module paths `nimbus_bot::…`), warnings for every other crate unless `uncapped`.
pub fn cap(uncapped: bool) -> tracing_subscriber::filter::Targets {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    if uncapped {
        return Targets::new().with_default(LevelFilter::TRACE);
    }
    Targets::new()
        .with_default(LevelFilter::WARN)
        .with_target("nimbus", LevelFilter::TRACE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependencies_are_capped_at_warnings_unless_uncapped() {
        use tracing::Level;
        let capped = cap(false);
        // serenity's own targets are checked in `discord` (the only place that names it).
        for target in [
            "reqwest::connect",
            "hyper_util::client",
            "hyper::proto",
            "tungstenite::protocol",
            "tokio",
        ] {
            assert!(!capped.would_enable(target, &Level::INFO), "{target}");
            assert!(capped.would_enable(target, &Level::WARN), "{target}");
        }
        for target in ["nimbus::discord", "nimbus::ops", "nimbus_bot::reload"] {
            assert!(capped.would_enable(target, &Level::TRACE), "{target}");
        }
        assert!(cap(true).would_enable("reqwest::connect", &Level::TRACE));
    }
}
