//! What the editor shows, as plain [`Reply`] values and moderator-log posts: previews with
//! their problems and buttons, publish results, history listings, proposals.
//!
//! Moderator tools speak English, like `/bank status`; the bank's content inside them is shown
//! exactly as readers of the form's language would see it, by the same renderer as `/topic`,
//! `/quote` and `/sources`.

use super::drafts::Proposal;
use super::history::{Action, Change};
use super::{Kind, Preview, Published};
use crate::bank::Bank;
use crate::render::{self, fit, limits, neutralize_mentions, Frame};
use crate::reply::{Button, ButtonStyle, Embed, Reply, Visibility};

/// A button (or form) of the editor; serialised into its `custom_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditButton {
    /// The form of a draft (a modal's id).
    Form(String),
    /// Publish a draft (or turn it into a proposal).
    Publish(String),
    /// Reopen a draft's form with what was typed.
    Again(String),
    /// Reopen the form from the entry as it is now, after a conflict.
    Current(String),
    /// Drop a draft.
    Cancel(String),
    /// Approve a proposal.
    Approve(String),
    /// Reject (or withdraw) a proposal.
    Reject(String),
}

impl EditButton {
    /// `edit:<what>:<id>`, at most 46 characters.
    pub fn custom_id(&self) -> String {
        let (what, id) = match self {
            EditButton::Form(id) => ("form", id),
            EditButton::Publish(id) => ("publish", id),
            EditButton::Again(id) => ("again", id),
            EditButton::Current(id) => ("current", id),
            EditButton::Cancel(id) => ("cancel", id),
            EditButton::Approve(id) => ("approve", id),
            EditButton::Reject(id) => ("reject", id),
        };
        format!("edit:{what}:{id}")
    }

    /// Reads an id written by [`EditButton::custom_id`]; anything else is `None`.
    pub fn parse(custom_id: &str) -> Option<EditButton> {
        let rest = custom_id.strip_prefix("edit:")?;
        let (what, id) = rest.split_once(':')?;
        if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let id = id.to_owned();
        Some(match what {
            "form" => EditButton::Form(id),
            "publish" => EditButton::Publish(id),
            "again" => EditButton::Again(id),
            "current" => EditButton::Current(id),
            "cancel" => EditButton::Cancel(id),
            "approve" => EditButton::Approve(id),
            "reject" => EditButton::Reject(id),
            _ => return None,
        })
    }
}

/// A message for a channel: text, and a file attached when the diff is too long to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    /// The message text (at most 2000 characters).
    pub content: String,
    /// Embeds (a proposal shows the entry as readers would see it).
    pub embeds: Vec<Embed>,
    /// Buttons under it.
    pub buttons: Vec<Button>,
    /// A file to attach: (name, bytes).
    pub file: Option<(String, Vec<u8>)>,
}

const COLOR_PREVIEW: u32 = 0xC9A227;

fn button(kind: EditButton, label: &str, style: ButtonStyle) -> Button {
    Button {
        custom_id: kind.custom_id(),
        label: label.to_owned(),
        style,
    }
}

/// `header` then as many `lines` as fit in `limit` characters as a code block, and a count of
/// the rest.
pub fn listing(header: &str, lines: &[String], limit: usize) -> String {
    let mut shown: Vec<String> = Vec::new();
    let budget = limit.saturating_sub(header.chars().count() + 40);
    let mut used = 0;
    for line in lines {
        let line = line.replace("```", "'''");
        let len = line.chars().count() + 1;
        if used + len > budget {
            break;
        }
        used += len;
        shown.push(line);
    }
    let mut text = format!("{header}\n```\n{}\n```", shown.join("\n"));
    if shown.len() < lines.len() {
        text.push_str(&format!("… and {} more", lines.len() - shown.len()));
    }
    fit(&text, limit)
}

/// A diff as a code block of at most `limit` characters, or `None` when it does not fit.
fn diff_block(diff: &str, limit: usize) -> Option<String> {
    let shown = neutralize_mentions(diff.trim_end()).replace("```", "'''");
    let block = format!("```diff\n{shown}\n```");
    (block.chars().count() <= limit).then_some(block)
}

/// The entry as readers of `lang` would see it, without the reply's own buttons.
pub fn entry_embeds(bank: &Bank, kind: Kind, id: &str, lang: Option<&str>) -> Vec<Embed> {
    let language = bank.resolve_language(lang, None, None);
    let frame = Frame {
        lang: language,
        visibility: Visibility::Ephemeral,
        shared_by: None,
    };
    match kind {
        Kind::Answer => bank
            .answer(id)
            .map(|a| render::answer(bank, a, &frame).embeds)
            .unwrap_or_default(),
        Kind::Quote => bank
            .quote(id)
            .map(|q| render::quote(bank, q, &frame).embeds)
            .unwrap_or_default(),
        Kind::Source => bank
            .source(id)
            .map(|s| {
                vec![Embed {
                    title: Some(format!("{}: {id}", language.strings.sources)),
                    description: Some(fit(&render::source_line(s, language), limits::DESCRIPTION)),
                    ..Embed::default()
                }]
            })
            .unwrap_or_default(),
        Kind::Event => bank
            .events
            .iter()
            .find(|e| e.id == id)
            .map(|e| {
                let (text, _) = bank.text_in(&e.text, &language.code);
                vec![Embed {
                    title: Some(language.strings.timeline.clone()),
                    description: Some(fit(
                        &format!("**{}** — {}", e.date, neutralize_mentions(text)),
                        limits::DESCRIPTION,
                    )),
                    footer: Some(id.to_owned()),
                    ..Embed::default()
                }]
            })
            .unwrap_or_default(),
    }
}

/// The preview of a draft: what would change, every problem, the entry as readers would see
/// it, and Publish (only without errors), Edit again (for forms) and Cancel.
pub fn preview(preview: &Preview, live: &Bank, draft: &str, has_form: bool) -> Reply {
    let id = preview.id.as_deref().unwrap_or("(new)");
    let mut content = if preview.errors > 0 {
        let n = preview.errors;
        let s = if n == 1 { "" } else { "s" };
        format!(
            "**Preview**: {}. Not live. {n} problem{s} to fix before it can be published:",
            preview.summary
        )
    } else if preview.removes {
        format!(
            "**Preview**: {}. Not live. Press **Remove** to remove it from the bank.",
            preview.summary
        )
    } else {
        format!(
            "**Preview**: {}. Not live: this is how readers would see it. Press **Publish** to make it live.",
            preview.summary
        )
    };
    content = neutralize_mentions(&content);
    let mut lines: Vec<String> = preview.problems.clone();
    if preview.errors == 0 && !lines.is_empty() {
        content.push_str("\nWarnings (they do not block publishing):");
    }
    let mut text = if lines.is_empty() {
        content
    } else {
        lines.truncate(50);
        listing(&content, &lines, limits::CONTENT)
    };
    let mut embeds = Vec::new();
    let shown = match (&preview.bank, preview.removes) {
        (_, true) => Some(live),
        (Some(bank), false) => Some(bank),
        (None, false) => None,
    };
    if let (Some(bank), Some(id)) = (shown, preview.id.as_deref()) {
        embeds = entry_embeds(bank, preview.kind, id, preview.lang.as_deref());
    }
    if !preview.diff.is_empty() {
        let used: usize = embeds.iter().map(Embed::chars).sum();
        let room = limits::EMBED_TOTAL
            .saturating_sub(used + 40)
            .min(limits::DESCRIPTION);
        let description = diff_block(&preview.diff, room).unwrap_or_else(|| {
            "The change is too long to show here; the moderator log gets it as a .diff file."
                .to_owned()
        });
        if embeds.len() < limits::EMBEDS {
            embeds.push(Embed {
                title: Some(format!("Change to the files ({id})")),
                description: Some(description),
                color: Some(COLOR_PREVIEW),
                ..Embed::default()
            });
        }
    }
    if text.chars().count() > limits::CONTENT {
        text = fit(&text, limits::CONTENT);
    }
    let mut buttons = Vec::new();
    if preview.errors == 0 {
        let label = if preview.removes { "Remove" } else { "Publish" };
        buttons.push(button(
            EditButton::Publish(draft.to_owned()),
            label,
            ButtonStyle::Primary,
        ));
    }
    if preview.conflict {
        buttons.push(button(
            EditButton::Current(draft.to_owned()),
            "Edit again from the current version",
            ButtonStyle::Secondary,
        ));
    } else if has_form {
        buttons.push(button(
            EditButton::Again(draft.to_owned()),
            "Edit again",
            ButtonStyle::Secondary,
        ));
    }
    buttons.push(button(
        EditButton::Cancel(draft.to_owned()),
        "Cancel",
        ButtonStyle::Secondary,
    ));
    Reply {
        content: Some(text),
        embeds,
        buttons,
        visibility: Visibility::Ephemeral,
        attachment: None,
    }
}

/// Publish refused because the entry changed meanwhile: the entry as it is now, and a button
/// to start again from it.
pub fn conflict(
    live: &Bank,
    kind: Kind,
    id: &str,
    lang: Option<&str>,
    draft: Option<&str>,
) -> Reply {
    let mut buttons = Vec::new();
    if let Some(draft) = draft {
        buttons.push(button(
            EditButton::Current(draft.to_owned()),
            "Edit again from the current version",
            ButtonStyle::Primary,
        ));
    }
    Reply {
        content: Some(format!(
            "**Not published**: `{id}` changed since the form was opened (a hand edit, or another moderator), and publishing would overwrite that change. This is the {} as it is now:",
            kind.word()
        )),
        embeds: entry_embeds(live, kind, id, lang),
        buttons,
        visibility: Visibility::Ephemeral,
        attachment: None,
    }
}

/// Publish refused for problems found against the files as they are now.
pub fn invalid(problems: &[String]) -> Reply {
    Reply::text(
        listing(
            "**Not published**: against the files as they are now, the change has problems:",
            problems,
            limits::CONTENT,
        ),
        Visibility::Ephemeral,
    )
}

/// A published change, and whether the live bank took it.
pub fn published(published: &Published, live: Result<&str, &str>, history: &str) -> Reply {
    let where_ = match published.action {
        Action::Remove => "removed from the bank",
        _ => "in the bank",
    };
    let text = match live {
        Ok(summary) => format!(
            "**Published and live**: {} is {where_}; readers see it now. Recorded in {history} as `{}`.\nBank: {summary}",
            published.summary,
            short(&published.change)
        ),
        Err(problem) => format!(
            "**Published**, but the live bank did not reload: {problem}. {} is written and recorded in {history} as `{}`; `/bank status` tells more.",
            published.summary,
            short(&published.change)
        ),
    };
    Reply::text(
        fit(&neutralize_mentions(&text), limits::CONTENT),
        Visibility::Ephemeral,
    )
}

fn short(change: &str) -> &str {
    &change[..change.len().min(12)]
}

/// The moderator-log post for a published change: who (a mention, which pings nobody since
/// messages are sent with no mentions allowed), what, and the diff, inline when short, else
/// as a `.diff` file.
pub fn log_post(published: &Published, who: &str, approved_by: Option<&str>) -> Post {
    let mut head = format!(
        "**Bank {}** by {who}: {}",
        published.action.word(),
        published.summary
    );
    if let Some(approver) = approved_by {
        head.push_str(&format!(", approved by {approver}"));
    }
    head.push_str(&format!(" (`{}`)", short(&published.change)));
    let head = neutralize_mentions_except(&head, &[who, approved_by.unwrap_or_default()]);
    match diff_block(
        &published.diff,
        limits::CONTENT.saturating_sub(head.chars().count() + 1),
    ) {
        Some(block) => Post {
            content: format!("{head}\n{block}"),
            embeds: Vec::new(),
            buttons: Vec::new(),
            file: None,
        },
        None => Post {
            content: fit(
                &format!("{head}\nThe change is attached as a diff."),
                limits::CONTENT,
            ),
            embeds: Vec::new(),
            buttons: Vec::new(),
            file: Some((
                format!("{}-{}.diff", published.id, short(&published.change)),
                published.diff.clone().into_bytes(),
            )),
        },
    }
}

/// Neutralises mentions in `text` except the exact ones the bot put there itself.
fn neutralize_mentions_except(text: &str, keep: &[&str]) -> String {
    let mut out = neutralize_mentions(text);
    for k in keep.iter().filter(|k| !k.is_empty()) {
        out = out.replace(&neutralize_mentions(k), k);
    }
    out
}

/// The proposal as posted in the review channel, with Approve and Reject.
pub fn proposal_post(proposal: &Proposal, preview: &Preview, proposer: &str) -> Post {
    let head = format!(
        "**Proposal** by {proposer}: {}. Another moderator must approve it before it goes live.",
        proposal.summary
    );
    let head = neutralize_mentions_except(&head, &[proposer]);
    let mut embeds = Vec::new();
    if let (Some(bank), Some(id)) = (&preview.bank, preview.id.as_deref()) {
        embeds = entry_embeds(bank, preview.kind, id, preview.lang.as_deref());
    }
    let (content, file) = match diff_block(
        &preview.diff,
        limits::CONTENT.saturating_sub(head.chars().count() + 1),
    ) {
        Some(block) => (format!("{head}\n{block}"), None),
        None => (
            format!("{head}\nThe change is attached as a diff."),
            Some((
                format!("proposal-{}.diff", preview.id.as_deref().unwrap_or("new")),
                preview.diff.clone().into_bytes(),
            )),
        ),
    };
    Post {
        content: fit(&content, limits::CONTENT),
        embeds,
        buttons: vec![
            button(
                EditButton::Approve(proposal.id.clone()),
                "Approve",
                ButtonStyle::Primary,
            ),
            button(
                EditButton::Reject(proposal.id.clone()),
                "Reject",
                ButtonStyle::Secondary,
            ),
        ],
        file,
    }
}

/// `/bank history`: the last changes to an entry.
pub fn history(id: &str, changes: &[Change], source: &str) -> Reply {
    if changes.is_empty() {
        return Reply::text(
            format!("No recorded changes to `{id}` in {source}. (Changes made by hand in the files are in their own history, not here.)"),
            Visibility::Ephemeral,
        );
    }
    let lines: Vec<String> = changes
        .iter()
        .map(|c| {
            let mut line = format!("{}  {}  {}", short(&c.id), c.at, c.action.word());
            if let Some(lang) = &c.lang {
                line.push_str(&format!(" ({lang})"));
            }
            match &c.editor {
                Some(editor) => line.push_str(&format!("  by {editor}")),
                None => line.push_str("  by (not recorded)"),
            }
            if let Some(approver) = &c.approved_by {
                line.push_str(&format!(", approved by {approver}"));
            }
            line
        })
        .collect();
    Reply::text(
        neutralize_mentions(&listing(
            &format!("**History of `{id}`** ({source}), newest first. `/bank revert` puts the entry back as it was before one of these:"),
            &lines,
            limits::CONTENT,
        )),
        Visibility::Ephemeral,
    )
}

/// A short private notice for moderators.
pub fn notice(text: &str) -> Reply {
    Reply::text(
        fit(&neutralize_mentions(text), limits::CONTENT),
        Visibility::Ephemeral,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_ids_round_trip_and_reject_anything_else() {
        let id = "0123456789abcdef0123456789abcdef".to_owned();
        for b in [
            EditButton::Form(id.clone()),
            EditButton::Publish(id.clone()),
            EditButton::Again(id.clone()),
            EditButton::Current(id.clone()),
            EditButton::Cancel(id.clone()),
            EditButton::Approve(id.clone()),
            EditButton::Reject(id.clone()),
        ] {
            let custom = b.custom_id();
            assert!(custom.len() <= 100);
            assert_eq!(EditButton::parse(&custom), Some(b));
        }
        for bad in [
            "edit:publish:short",
            "edit:publish:0123456789abcdef0123456789abcdeg",
            "edit:nuke:0123456789abcdef0123456789abcdef",
            "share:a:x:en",
            "edit:publish",
        ] {
            assert_eq!(EditButton::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn long_diffs_become_files_and_mentions_ping_nobody() {
        let published = Published {
            change: "abcdef0123456789".into(),
            summary: "edit answer x (en)".into(),
            action: Action::Edit,
            kind: Kind::Answer,
            id: "x".into(),
            lang: Some("en".into()),
            diff: "--- a/f\n+++ b/f\n@@ -1,1 +1,1 @@\n-@everyone\n+b\n".into(),
            files: vec!["f".into()],
            validated: None,
        };
        let post = log_post(&published, "<@42>", None);
        assert!(post.file.is_none());
        assert!(
            post.content.contains("<@42>"),
            "the mention itself is kept: {}",
            post.content
        );
        assert!(!post.content.contains("-@everyone"), "{}", post.content);
        let long = Published {
            diff: "+line\n".repeat(1000),
            ..published
        };
        let post = log_post(&long, "<@42>", Some("<@43>"));
        let (name, bytes) = post.file.expect("attached");
        assert_eq!(name, "x-abcdef012345.diff");
        assert_eq!(bytes.len(), long.diff.len());
        assert!(post.content.chars().count() <= limits::CONTENT);
        assert!(post.content.contains("approved by <@43>"));
    }
}
