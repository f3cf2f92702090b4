//! Where every line of a card goes: the quoted words as large as they fit, stepping down to a
//! legible minimum; below that size the card is refused ([`CardError::TooLong`]), never
//! clipped.

use super::shape::{shape_paragraph, Paragraph, ShapedLine};
use super::{Block, CardContent, CardError, CardSize, Role};

/// One line placed on the canvas.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedLine {
    /// Which part of the card it belongs to (decides colour and face).
    pub role: Role,
    /// Index of its block in [`CardContent::blocks`].
    pub block: usize,
    /// Left edge of its first glyph's advance, in pixels.
    pub x: f32,
    /// Baseline, in pixels from the top.
    pub baseline: f32,
    /// Font size in pixels.
    pub size: f32,
    /// Room above the baseline the line's faces ask for.
    pub ascent: f32,
    /// Room below the baseline the line's faces ask for.
    pub descent: f32,
    /// The glyphs, in visual order, x relative to `x`.
    pub line: ShapedLine,
}

/// A whole card's geometry.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Canvas width in pixels.
    pub width: u32,
    /// Canvas height in pixels.
    pub height: u32,
    /// Distance text keeps from every edge.
    pub margin: f32,
    /// Size the quoted words were set at.
    pub words_size: f32,
    /// Whether the reader's language is right to left (the accent bar and footer stand on
    /// the right).
    pub rtl: bool,
    /// Every line, top first.
    pub lines: Vec<PlacedLine>,
    /// The accent bar beside the text: x, y, width, height.
    pub bar: (f32, f32, f32, f32),
}

/// Sizes for one canvas, in pixels.
struct Metrics {
    margin: f32,
    /// Sizes the quoted words are tried at, largest first; the last is the legible minimum.
    words: &'static [f32],
    speaker: f32,
    meta: f32,
    footer: f32,
}

fn metrics(size: CardSize) -> Metrics {
    match size {
        CardSize::Landscape => Metrics {
            margin: 56.0,
            words: &[46.0, 42.0, 38.0, 35.0, 32.0, 30.0],
            speaker: 27.0,
            meta: 23.0,
            footer: 22.0,
        },
        CardSize::Square => Metrics {
            margin: 72.0,
            words: &[56.0, 52.0, 48.0, 44.0, 40.0, 37.0, 34.0, 32.0],
            speaker: 30.0,
            meta: 26.0,
            footer: 25.0,
        },
    }
}

/// Size, weight and base direction of a block when the words are at `words` pixels.
fn style_of(block: &Block, m: &Metrics, words: f32, reader_rtl: bool) -> (f32, bool, Option<bool>) {
    match block.role {
        Role::Words => (words, false, None),
        // The translation stays clearly secondary but never below 22 px.
        Role::Translation => ((words * 0.72).max(22.0), false, None),
        Role::WordsLabel | Role::TranslationLabel => {
            ((words * 0.48).max(19.0), true, Some(reader_rtl))
        }
        Role::Speaker => (m.speaker, true, Some(reader_rtl)),
        Role::Meta => (m.meta, false, Some(reader_rtl)),
        Role::Footer => (m.footer, true, Some(reader_rtl)),
    }
}

/// Space above a block, as a fraction of the words' size.
fn gap_before(role: Role, previous: Option<Role>) -> f32 {
    match (previous, role) {
        (None, _) => 0.0,
        (Some(Role::WordsLabel), Role::Words) => 0.25,
        (Some(Role::TranslationLabel), Role::Translation) => 0.2,
        (_, Role::TranslationLabel) => 0.55,
        (_, Role::Speaker) => 0.7,
        (_, Role::Meta) => 0.15,
        _ => 0.3,
    }
}

/// Lays the content out on a canvas of `size`: the largest words size at which everything
/// fits between the margins, else [`CardError::TooLong`].
pub fn layout(content: &CardContent, size: CardSize) -> Result<Layout, CardError> {
    let m = metrics(size);
    let (width, height) = size.pixels();
    let (w, h) = (width as f32, height as f32);
    let text_width = w - 2.0 * m.margin;
    let footer = content.blocks.iter().position(|b| b.role == Role::Footer);
    // The footer sits on the bottom margin, whatever the words' size.
    let mut footer_lines = Vec::new();
    let mut body_bottom = h - m.margin;
    if let Some(index) = footer {
        let block = &content.blocks[index];
        let (fsize, bold, base) = style_of(block, &m, m.footer, content.rtl);
        let paragraph = shape_paragraph(&block.text, fsize, bold, text_width, base)
            .ok_or(CardError::TooLong)?;
        let mut baseline = h - m.margin - paragraph.descent;
        for line in paragraph.lines.iter().rev() {
            footer_lines.push(place(
                &paragraph, line, index, block.role, baseline, m.margin, text_width,
            ));
            baseline -= paragraph.ascent + paragraph.descent;
        }
        footer_lines.reverse();
        body_bottom = baseline + paragraph.descent - 0.6 * m.footer;
    }
    for &words in m.words {
        if let Some(mut lines) = body(content, &m, words, text_width, body_bottom) {
            lines.extend(footer_lines);
            let bar_x = if content.rtl {
                w - m.margin / 2.0 - 8.0
            } else {
                m.margin / 2.0 - 2.0
            };
            return Ok(Layout {
                width,
                height,
                margin: m.margin,
                words_size: words,
                rtl: content.rtl,
                lines,
                bar: (bar_x, m.margin, 10.0, h - 2.0 * m.margin),
            });
        }
    }
    Err(CardError::TooLong)
}

/// The body (everything but the footer) at one words size, or `None` when it does not fit
/// above `bottom`.
fn body(
    content: &CardContent,
    m: &Metrics,
    words: f32,
    text_width: f32,
    bottom: f32,
) -> Option<Vec<PlacedLine>> {
    let mut lines = Vec::new();
    let mut top = m.margin;
    let mut previous = None;
    for (index, block) in content.blocks.iter().enumerate() {
        if block.role == Role::Footer {
            continue;
        }
        let (size, bold, base) = style_of(block, m, words, content.rtl);
        // Lines break a little short of the margin: some glyphs (Arabic tails, swashes) ink
        // beyond their advance, and a line is flush only at its start.
        let paragraph = shape_paragraph(&block.text, size, bold, text_width - 0.3 * size, base)?;
        top += gap_before(block.role, previous) * words;
        for line in &paragraph.lines {
            let baseline = top + paragraph.ascent;
            lines.push(place(
                &paragraph, line, index, block.role, baseline, m.margin, text_width,
            ));
            top = baseline + paragraph.descent;
        }
        if top > bottom {
            return None;
        }
        previous = Some(block.role);
    }
    Some(lines)
}

/// One line at its baseline, aligned to the start of its paragraph's direction.
fn place(
    paragraph: &Paragraph,
    line: &ShapedLine,
    block: usize,
    role: Role,
    baseline: f32,
    margin: f32,
    text_width: f32,
) -> PlacedLine {
    // Flush at the start of the line's direction by its ink, not its advance, so nothing
    // crosses the margin.
    let (left, right) = line.ink_extent(paragraph.size);
    let x = if paragraph.rtl {
        margin + text_width - right.max(line.width)
    } else {
        margin - left.min(0.0)
    };
    PlacedLine {
        role,
        block,
        x,
        baseline,
        size: paragraph.size,
        ascent: paragraph.ascent,
        descent: paragraph.descent,
        line: line.clone(),
    }
}
