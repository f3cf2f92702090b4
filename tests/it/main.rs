//! Integration tests of the Discord-free core and the command line, in one test binary.

mod card;
mod cli;
mod cli_faults;
mod commands;
mod edit;
mod embed;
mod examples;
mod healthcheck;
mod hostile;
mod normalize;
mod packaging;
mod render;
mod search_quality;
mod search_rules;
mod validate;

use std::path::{Path, PathBuf};

/// The small bank that exercises every feature.
pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bank")
}

/// The shipped bank.
pub fn responses_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("responses")
}

/// Options with a fixed date, so staleness does not depend on the day the tests run.
pub fn options() -> nimbus_bot::bank::LoadOptions {
    nimbus_bot::bank::LoadOptions {
        default_language: None,
        stale_after_days: 365,
        today: time::macros::date!(2026 - 11 - 28),
        ..nimbus_bot::bank::LoadOptions::default()
    }
}

/// The shipped bank, loaded.
pub fn shipped_bank() -> nimbus_bot::bank::Bank {
    nimbus_bot::bank::load(&responses_dir(), &options())
        .bank
        .expect("the shipped bank loads")
}

/// The fixture bank, loaded.
pub fn fixture_bank() -> nimbus_bot::bank::Bank {
    let loaded = nimbus_bot::bank::load(&fixture_dir(), &options());
    let problems: Vec<String> = loaded.diagnostics.iter().map(|d| d.to_string()).collect();
    loaded
        .bank
        .unwrap_or_else(|| panic!("fixture bank must load: {problems:#?}"))
}

/// Copies a folder tree (fixture banks into temporary folders that tests may edit).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}
