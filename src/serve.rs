//! `run`, `serve` and `register`: the thin bridge from the command line to the Discord adapter.

use nimbus_bot::config::Config;

use crate::Exit;

/// Runs the bot until Ctrl-C or SIGTERM.
pub fn run(config: &Config) -> Result<(), Exit> {
    nimbus_bot::discord::run(config).map_err(to_exit)
}

/// Answers interactions over HTTP until Ctrl-C or SIGTERM.
pub fn serve(config: &Config) -> Result<(), Exit> {
    nimbus_bot::discord::serve(config).map_err(to_exit)
}

/// Registers the slash commands now.
pub fn register(config: &Config) -> Result<(), Exit> {
    nimbus_bot::discord::register(config).map_err(to_exit)
}

fn to_exit(e: nimbus_bot::discord::Error) -> Exit {
    Exit {
        code: u8::try_from(e.exit_code()).unwrap_or(1),
        message: e.to_string(),
    }
}
