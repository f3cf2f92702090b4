//! Quote cards: one verbatim quote as a PNG image, with who said it, when, and where it was
//! published, in Arabic or English, for sharing in a channel or outside Discord.
//!
//! What a card says comes from [`crate::render::quote_view`], as a reply's does, so a card
//! never shows a translation as the speaker's words. Pure: no Discord, no files, no network;
//! the fonts are part of the binary.

mod cache;
pub mod layout;
mod raster;
pub mod shape;

pub use cache::CardCache;
pub use layout::{layout, Layout, PlacedLine};

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use crate::bank::{Bank, Direction, Language, Quote};
use crate::render::quote_view;

/// Canvas sizes a card is drawn at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CardSize {
    /// 1200×675: link previews and X.
    Landscape,
    /// 1080×1080: Instagram.
    Square,
}

impl CardSize {
    /// Width and height in pixels.
    pub fn pixels(self) -> (u32, u32) {
        match self {
            CardSize::Landscape => (1200, 675),
            CardSize::Square => (1080, 1080),
        }
    }

    /// The size named `landscape` or `square`.
    pub fn parse(name: &str) -> Option<CardSize> {
        match name {
            "landscape" => Some(CardSize::Landscape),
            "square" => Some(CardSize::Square),
            _ => None,
        }
    }

    /// Its name, as [`CardSize::parse`] reads it.
    pub fn name(self) -> &'static str {
        match self {
            CardSize::Landscape => "landscape",
            CardSize::Square => "square",
        }
    }
}

/// What a community sets for its cards in config.toml's `[card]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardStyle {
    /// Small print at the bottom of every card (the community's name).
    pub footer: String,
    /// Colour of the bar beside the text and of the footer, as RGB.
    pub accent: [u8; 3],
}

impl Default for CardStyle {
    fn default() -> Self {
        CardStyle {
            footer: "nimbus-bot".to_owned(),
            accent: [0x8E, 0x6C, 0x8A],
        }
    }
}

/// Why no card was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    /// The quote does not fit legibly even at the smallest size: no card rather than a
    /// clipped one.
    #[error("the quote is too long to fit on a card legibly")]
    TooLong,
    /// The image could not be drawn or encoded (a defect, not the quote's fault).
    #[error("the card could not be drawn")]
    Render,
}

/// A finished card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// The PNG file.
    pub png: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// What the card says, as text: alt text for people who cannot see the image.
    pub alt: String,
    /// A file name for it (`quote-<id>-<lang>.png`).
    pub file_name: String,
}

/// What a part of the card is; decides its size, weight and colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The label over words that are not the speaker's own (a published translation).
    WordsLabel,
    /// The quoted words, verbatim.
    Words,
    /// The label of the bank's translation.
    TranslationLabel,
    /// The bank's translation into the reader's language.
    Translation,
    /// Speaker and role.
    Speaker,
    /// Date, outlet and the source's domain.
    Meta,
    /// The community's footer.
    Footer,
}

/// One paragraph of a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Its part of the card.
    pub role: Role,
    /// Its text, as shown (whitespace is folded when shaped).
    pub text: String,
}

/// Everything a card shows, in reading order, before layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardContent {
    /// The paragraphs, top first; the footer last.
    pub blocks: Vec<Block>,
    /// Whether the reader's language is written right to left.
    pub rtl: bool,
}

/// The host of a URL without `www.`, as a card prints the source's domain.
fn domain(url: &str) -> Option<String> {
    let host = url::Url::parse(url).ok()?.host_str()?.to_owned();
    Some(host.strip_prefix("www.").unwrap_or(&host).to_owned())
}

/// What a reader of `lang` sees on a card of `quote`: the same words and labels a reply shows
/// (from [`quote_view`]), the speaker and role, date, outlet and domain, and the footer.
pub fn content(bank: &Bank, quote: &Quote, lang: &Language, style: &CardStyle) -> CardContent {
    let view = quote_view(bank, quote, lang);
    let mut blocks = Vec::new();
    let mut push = |role: Role, text: &str| {
        let text = shape::fold_whitespace(text);
        if !text.is_empty() {
            blocks.push(Block { role, text });
        }
    };
    if let Some(label) = &view.words_label {
        push(Role::WordsLabel, label);
    }
    push(Role::Words, view.words);
    if let Some((label, text)) = &view.translation {
        push(Role::TranslationLabel, label);
        push(Role::Translation, text);
    }
    let speaker = if view.role.is_empty() {
        view.speaker.to_owned()
    } else {
        format!("{} {} {}", view.speaker, lang.strings.quote_said, view.role)
    };
    push(Role::Speaker, &speaker);
    let meta: Vec<String> = [
        Some(view.date.to_owned()),
        view.outlet.map(str::to_owned),
        view.url.and_then(domain),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .collect();
    push(Role::Meta, &meta.join(" · "));
    push(Role::Footer, &style.footer);
    CardContent {
        blocks,
        rtl: lang.direction == Direction::Rtl,
    }
}

/// The card's text for people who cannot see it: every block in reading order.
pub fn alt_text(content: &CardContent) -> String {
    let text: Vec<&str> = content
        .blocks
        .iter()
        .filter(|b| b.role != Role::Footer)
        .map(|b| b.text.as_str())
        .collect();
    crate::render::fit(&text.join("\n"), 1000)
}

/// Draws the card of `quote` for a reader of `lang` at `size`.
pub fn render(
    bank: &Bank,
    quote: &Quote,
    lang: &Language,
    size: CardSize,
    style: &CardStyle,
) -> Result<Card, CardError> {
    let content = content(bank, quote, lang, style);
    let laid = layout(&content, size)?;
    let pixmap = raster::paint(&laid, style)?;
    let png = raster::encode_png(&pixmap)?;
    Ok(Card {
        png,
        width: laid.width,
        height: laid.height,
        alt: alt_text(&content),
        file_name: format!("quote-{}-{}.png", quote.id, lang.code),
    })
}

/// Whether the landscape card of `quote` fits for a reader of `lang`, which decides whether a
/// Card button is offered. Remembered per bank version, so a reply lays out each quote once.
pub fn fits(bank: &Bank, quote: &Quote, lang: &Language) -> bool {
    type Memo = Mutex<HashMap<(u64, String, String), bool>>;
    static MEMO: OnceLock<Memo> = OnceLock::new();
    let key = (bank.version, quote.id.clone(), lang.code.clone());
    let memo = MEMO.get_or_init(Memo::default);
    let known = memo
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(&key)
        .copied();
    if let Some(known) = known {
        return known;
    }
    // The footer is one short line whatever the community sets (config.toml bounds it), so
    // the default style decides fitting for every style.
    let content = content(bank, quote, lang, &CardStyle::default());
    let fits = layout(&content, CardSize::Landscape).is_ok();
    let mut memo = memo
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Bounded: a long-running bot sees many bank versions.
    if memo.len() >= 16_384 {
        memo.clear();
    }
    memo.insert(key, fits);
    fits
}
