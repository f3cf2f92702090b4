//! nimbus-bot: sourced answers and verbatim quotes about Project Nimbus, in Arabic and English.
//!
//! The core (bank, search, render, commands) knows nothing of Discord; `discord` is the only
//! module that uses serenity. See ARCHITECTURE.md for the map.

pub mod bank;
pub mod card;
pub mod commands;
pub mod config;
pub mod cooldown;
pub mod discord;
pub mod edit;
pub mod embed;
pub mod examples;
pub mod fileread;
pub mod gaps;
pub mod logging;
pub mod metrics;
pub mod ops;
pub mod reload;
pub mod render;
pub mod reply;
pub mod search;
pub mod state;
pub mod text;
