//! What a command answers, as plain data: text, embeds, buttons and visibility.
//!
//! The Discord adapter turns a [`Reply`] into an interaction response; the command line prints
//! it with [`Reply::to_text`]. Nothing here knows about serenity.

use serde::Serialize;

/// Who may see a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Only the person who asked sees it (Discord's ephemeral flag).
    Ephemeral,
    /// Everyone in the channel sees it.
    Public,
}

/// One message the bot sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reply {
    /// Plain message text above the embeds (at most 2000 characters).
    pub content: Option<String>,
    /// At most 10 embeds, within Discord's per-embed and 6000-character total limits.
    pub embeds: Vec<Embed>,
    /// Buttons, in rows of at most five.
    pub buttons: Vec<Button>,
    /// Who sees the reply.
    pub visibility: Visibility,
    /// A file sent with it (a quote card), if any.
    pub attachment: Option<Attachment>,
}

/// A file attached to a reply: its name, bytes and a description (alt text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// File name shown in Discord (`quote-<id>-<lang>.png`).
    pub file_name: String,
    /// The file's bytes (shared: a cached card is not copied for every post).
    #[serde(skip)]
    pub bytes: std::sync::Arc<Vec<u8>>,
    /// What the file shows, for people who cannot see it (Discord's alt text, ≤ 1024).
    pub description: String,
}

/// A Discord embed, already within Discord's limits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Embed {
    /// Title line (at most 256 characters).
    pub title: Option<String>,
    /// Link behind the title.
    pub url: Option<String>,
    /// Main text (at most 4096 characters).
    pub description: Option<String>,
    /// Named blocks under the description (at most 25).
    pub fields: Vec<Field>,
    /// Small print at the bottom (at most 2048 characters).
    pub footer: Option<String>,
    /// Side colour as 0xRRGGBB.
    pub color: Option<u32>,
}

/// A named block inside an embed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    /// Heading (at most 256 characters).
    pub name: String,
    /// Text (at most 1024 characters).
    pub value: String,
    /// Whether Discord may place it beside its neighbours.
    pub inline: bool,
}

/// A button under a reply; pressing it sends `custom_id` back to the bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Button {
    /// What the bot receives when it is pressed (1-100 characters, see [`crate::commands::Action`]).
    pub custom_id: String,
    /// The text on the button (at most 80 characters).
    pub label: String,
    /// How prominent it is.
    pub style: ButtonStyle,
}

/// The look of a button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ButtonStyle {
    /// The main action (blurple).
    Primary,
    /// A secondary action (grey).
    Secondary,
}

impl Reply {
    /// A reply with only text content.
    pub fn text(content: impl Into<String>, visibility: Visibility) -> Self {
        Reply {
            content: Some(content.into()),
            embeds: Vec::new(),
            buttons: Vec::new(),
            visibility,
            attachment: None,
        }
    }

    /// Everything a reader would see, as plain text, in reading order (for the CLI and `--json`).
    pub fn to_text(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(content) = &self.content {
            parts.push(content.clone());
        }
        for embed in &self.embeds {
            let mut block: Vec<String> = Vec::new();
            if let Some(title) = &embed.title {
                block.push(title.clone());
            }
            if let Some(description) = &embed.description {
                block.push(description.clone());
            }
            for field in &embed.fields {
                block.push(format!("{}\n{}", field.name, field.value));
            }
            if let Some(footer) = &embed.footer {
                block.push(footer.clone());
            }
            parts.push(block.join("\n\n"));
        }
        if let Some(file) = &self.attachment {
            parts.push(format!("[{}: {}]", file.file_name, file.description));
        }
        if !self.buttons.is_empty() {
            let labels: Vec<String> = self
                .buttons
                .iter()
                .map(|b| format!("[{}]", b.label))
                .collect();
            parts.push(labels.join(" "));
        }
        parts.join("\n\n")
    }

    /// Number of characters Discord counts towards the 6000-character limit of a message's embeds.
    pub fn embed_chars(&self) -> usize {
        self.embeds.iter().map(Embed::chars).sum()
    }
}

impl Embed {
    /// Characters of this embed that count towards Discord's 6000-character message total.
    pub fn chars(&self) -> usize {
        let count = |s: &Option<String>| s.as_deref().map_or(0, |s| s.chars().count());
        count(&self.title)
            + count(&self.description)
            + count(&self.footer)
            + self
                .fields
                .iter()
                .map(|f| f.name.chars().count() + f.value.chars().count())
                .sum::<usize>()
    }
}
