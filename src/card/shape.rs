//! Text to positioned glyphs: base direction per paragraph, a font face per character, runs
//! shaped by rustybuzz in their own direction with their neighbours as context, lines broken
//! only at spaces, and each line put in visual order by the Unicode bidi algorithm.
//!
//! The text is never reordered before shaping: rustybuzz sees logical order (so Arabic letters
//! join), and only the shaped glyphs are arranged visually, line by line.

use std::ops::Range;
use std::sync::OnceLock;

use rustybuzz::{Direction, Face, UnicodeBuffer};
use unicode_bidi::{BidiInfo, Level};

/// Which of the compiled-in faces a glyph comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaceId {
    /// Noto Sans Regular: Latin, digits, punctuation.
    Latin,
    /// Noto Sans Bold.
    LatinBold,
    /// Noto Naskh Arabic Regular.
    Arabic,
    /// Noto Naskh Arabic Bold.
    ArabicBold,
}

/// The four faces, parsed once from the binary.
pub struct Fonts {
    latin: Face<'static>,
    latin_bold: Face<'static>,
    arabic: Face<'static>,
    arabic_bold: Face<'static>,
}

static LATIN: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Regular.ttf");
static LATIN_BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Bold.ttf");
static ARABIC: &[u8] = include_bytes!("../../assets/fonts/NotoNaskhArabic-Regular.ttf");
static ARABIC_BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoNaskhArabic-Bold.ttf");

impl Fonts {
    /// The shared faces (parsed on first use; the files are part of the binary).
    pub fn shared() -> &'static Fonts {
        static FONTS: OnceLock<Fonts> = OnceLock::new();
        FONTS.get_or_init(|| {
            // The files are compiled in and tested: failing to parse them is a build defect,
            // not something a user or moderator can cause.
            let parse = |data: &'static [u8]| {
                Face::from_slice(data, 0).expect("compiled-in font parses (assets/fonts)")
            };
            Fonts {
                latin: parse(LATIN),
                latin_bold: parse(LATIN_BOLD),
                arabic: parse(ARABIC),
                arabic_bold: parse(ARABIC_BOLD),
            }
        })
    }

    /// The face behind an id.
    pub fn face(&self, id: FaceId) -> &Face<'static> {
        match id {
            FaceId::Latin => &self.latin,
            FaceId::LatinBold => &self.latin_bold,
            FaceId::Arabic => &self.arabic,
            FaceId::ArabicBold => &self.arabic_bold,
        }
    }

    /// Ascent and descent (positive, below the baseline) of a face at `size` pixels.
    pub fn extent(&self, id: FaceId, size: f32) -> (f32, f32) {
        let face = self.face(id);
        let scale = size / face.units_per_em() as f32;
        (
            f32::from(face.ascender()) * scale,
            -f32::from(face.descender()) * scale,
        )
    }
}

/// One glyph placed on a line, x from the line's visual start, y = 0 on the baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Glyph {
    /// Its face.
    pub face: FaceId,
    /// Glyph id in that face (0 is `.notdef`, a missing glyph).
    pub id: u16,
    /// Pen position plus the shaper's offset, in pixels.
    pub x: f32,
    /// The shaper's vertical offset, in pixels (up is positive, as in the font).
    pub y: f32,
    /// Byte offset in the paragraph of the character it was shaped from.
    pub cluster: usize,
}

/// One line of a paragraph, glyphs in visual order (left to right).
#[derive(Debug, Clone, PartialEq)]
pub struct ShapedLine {
    /// Glyphs, leftmost first.
    pub glyphs: Vec<Glyph>,
    /// Advance width of the line, in pixels.
    pub width: f32,
    /// Byte range of the paragraph it shows (no spaces at either end).
    pub range: Range<usize>,
}

/// A paragraph broken into lines at one size.
#[derive(Debug, Clone, PartialEq)]
pub struct Paragraph {
    /// The text shaped (whitespace folded to single spaces).
    pub text: String,
    /// Whether its base direction (from its first strong character) is right to left.
    pub rtl: bool,
    /// Its lines, top first.
    pub lines: Vec<ShapedLine>,
    /// Font size in pixels.
    pub size: f32,
    /// Largest ascent and descent of the faces it uses, in pixels.
    pub ascent: f32,
    /// See `ascent`.
    pub descent: f32,
}

/// Whether `c` belongs to the Arabic script's blocks (letters, marks, Arabic digits and
/// punctuation, presentation forms).
pub fn is_arabic(c: char) -> bool {
    matches!(c as u32, 0x0600..=0x06FF | 0x0750..=0x077F | 0x0870..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
}

/// Folds runs of whitespace (including line breaks) to one space and trims the ends: what a
/// card shows of a text is its words, as the bank's verbatim rule compares them.
pub fn fold_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The face for each character: Arabic-script characters in Naskh, other letters in Noto
/// Sans, and neutral characters (spaces, digits, punctuation) in the face of the character
/// before them when it has a glyph for them, so a run stays in one face.
fn faces_for(text: &str, bold: bool, fonts: &Fonts) -> Vec<FaceId> {
    let (latin, arabic) = if bold {
        (FaceId::LatinBold, FaceId::ArabicBold)
    } else {
        (FaceId::Latin, FaceId::Arabic)
    };
    let has = |face: FaceId, c: char| fonts.face(face).glyph_index(c).is_some();
    let mut out = Vec::with_capacity(text.len());
    let mut previous: Option<FaceId> = None;
    for c in text.chars() {
        let face = if is_arabic(c) {
            arabic
        } else if c.is_alphabetic() {
            if has(latin, c) || !has(arabic, c) {
                latin
            } else {
                arabic
            }
        } else {
            match previous {
                Some(p) if has(p, c) => p,
                _ if has(latin, c) => latin,
                _ if has(arabic, c) => arabic,
                _ => latin,
            }
        };
        previous = Some(face);
        out.push(face);
    }
    out
}

/// A run of characters with one bidi level and one face, shaped as a unit.
struct Item {
    range: Range<usize>,
    level: Level,
    face: FaceId,
    /// Glyphs in the shaper's output order (visual within the item).
    glyphs: Vec<Shaped>,
}

/// A glyph as the shaper gave it: `glyph.x` holds only the shaper's x offset.
struct Shaped {
    glyph: Glyph,
    /// Pen position within the item.
    pen: f32,
    advance: f32,
}

/// Shapes `text` (whitespace folded first) at `size` pixels and breaks it into lines no wider
/// than `max_width`. `None` when one word alone is wider: words are never split.
///
/// `base` is the paragraph's direction (`Some(true)` right to left) for interface lines
/// composed in the reader's language; `None` takes it from the first strong character, as
/// for the quoted words and their translation.
pub fn shape_paragraph(
    text: &str,
    size: f32,
    bold: bool,
    max_width: f32,
    base: Option<bool>,
) -> Option<Paragraph> {
    let fonts = Fonts::shared();
    let text = fold_whitespace(text);
    let level = base.map(|rtl| if rtl { Level::rtl() } else { Level::ltr() });
    let bidi = BidiInfo::new(&text, level);
    let rtl = bidi.paragraphs.first().is_some_and(|p| p.level.is_rtl());
    let faces = faces_for(&text, bold, fonts);
    let items = itemize(&text, &bidi, &faces, size, fonts);

    // Each character's share of the advance, by byte offset: a word's width is the sum over
    // its bytes, whatever order and item its glyphs came out in.
    let mut advance_at = vec![0.0f32; text.len() + 1];
    for item in &items {
        for shaped in &item.glyphs {
            advance_at[shaped.glyph.cluster] += shaped.advance;
        }
    }
    let words = word_ranges(&text);
    let width_of = |r: &Range<usize>| advance_at[r.clone()].iter().sum::<f32>();
    let mut lines: Vec<Range<usize>> = Vec::new();
    let mut current: Option<Range<usize>> = None;
    for word in words {
        if width_of(&word) > max_width {
            return None;
        }
        current = Some(match current.take() {
            None => word,
            Some(line) => {
                let joined = line.start..word.end;
                if width_of(&joined) <= max_width {
                    joined
                } else {
                    lines.push(line);
                    word
                }
            }
        });
    }
    lines.extend(current);

    let mut ascent: f32 = 0.0;
    let mut descent: f32 = 0.0;
    for face in faces
        .iter()
        .copied()
        .collect::<std::collections::HashSet<_>>()
    {
        let (a, d) = fonts.extent(face, size);
        ascent = ascent.max(a);
        descent = descent.max(d);
    }
    let shaped = lines
        .into_iter()
        .map(|range| place_line(&bidi, &items, range, &advance_at))
        .collect();
    Some(Paragraph {
        text: text.clone(),
        rtl,
        lines: shaped,
        size,
        ascent,
        descent,
    })
}

/// Byte ranges of the words (text between single spaces).
fn word_ranges(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == ' ' {
            if i > start {
                out.push(start..i);
            }
            start = i + 1;
        }
    }
    if text.len() > start {
        out.push(start..text.len());
    }
    out
}

/// Splits the paragraph into runs of one level and one face and shapes each in its own
/// direction, with the text around it as context so letters join across face changes.
fn itemize(text: &str, bidi: &BidiInfo, faces: &[FaceId], size: f32, fonts: &Fonts) -> Vec<Item> {
    let mut items: Vec<Item> = Vec::new();
    for ((offset, _), face) in text.char_indices().zip(faces) {
        let level = bidi.levels[offset];
        match items.last_mut() {
            Some(item) if item.level == level && item.face == *face => {}
            _ => {
                if let Some(item) = items.last_mut() {
                    item.range.end = offset;
                }
                items.push(Item {
                    range: offset..text.len(),
                    level,
                    face: *face,
                    glyphs: Vec::new(),
                });
            }
        }
    }
    for item in &mut items {
        let face = fonts.face(item.face);
        let scale = size / face.units_per_em() as f32;
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(&text[item.range.clone()]);
        buffer.set_pre_context(&text[..item.range.start]);
        buffer.set_post_context(&text[item.range.end..]);
        buffer.guess_segment_properties();
        buffer.set_direction(if item.level.is_rtl() {
            Direction::RightToLeft
        } else {
            Direction::LeftToRight
        });
        let output = rustybuzz::shape(face, &[], buffer);
        let mut pen = 0.0;
        for (info, position) in output.glyph_infos().iter().zip(output.glyph_positions()) {
            let advance = position.x_advance as f32 * scale;
            item.glyphs.push(Shaped {
                glyph: Glyph {
                    face: item.face,
                    id: u16::try_from(info.glyph_id).unwrap_or(0),
                    x: position.x_offset as f32 * scale,
                    y: position.y_offset as f32 * scale,
                    cluster: item.range.start + info.cluster as usize,
                },
                pen,
                advance,
            });
            pen += advance;
        }
    }
    items
}

/// The glyphs of one line in visual order: the bidi algorithm's visual runs left to right; in
/// a right-to-left run the items that make it up come last-first, each already visual.
fn place_line(
    bidi: &BidiInfo,
    items: &[Item],
    range: Range<usize>,
    advance_at: &[f32],
) -> ShapedLine {
    let mut glyphs = Vec::new();
    let mut pen = 0.0;
    let Some(paragraph) = bidi.paragraphs.first() else {
        return ShapedLine {
            glyphs,
            width: 0.0,
            range,
        };
    };
    let (levels, runs) = bidi.visual_runs(paragraph, range.clone());
    for run in runs {
        let rtl = levels[run.start].is_rtl();
        let overlapping: Vec<&Item> = items
            .iter()
            .filter(|i| i.range.start < run.end && run.start < i.range.end)
            .collect();
        let ordered: Box<dyn Iterator<Item = &&Item>> = if rtl {
            Box::new(overlapping.iter().rev())
        } else {
            Box::new(overlapping.iter())
        };
        for item in ordered {
            // An item cut by the line's end keeps only its glyphs inside the run; in visual
            // order they are contiguous, so they keep their spacing relative to the first.
            let inside: Vec<&Shaped> = item
                .glyphs
                .iter()
                .filter(|s| run.contains(&s.glyph.cluster))
                .collect();
            let Some(first) = inside.first() else {
                continue;
            };
            let base = first.pen;
            for shaped in &inside {
                glyphs.push(Glyph {
                    x: pen + (shaped.pen - base) + shaped.glyph.x,
                    ..shaped.glyph
                });
            }
            pen += inside.iter().map(|s| s.advance).sum::<f32>();
        }
    }
    let width = advance_at[range.clone()].iter().sum();
    ShapedLine {
        glyphs,
        width,
        range,
    }
}

impl ShapedLine {
    /// Leftmost and rightmost ink of the line's glyphs at `size`, relative to its start;
    /// ink can reach past the advances (a negative side bearing, an Arabic tail).
    pub fn ink_extent(&self, size: f32) -> (f32, f32) {
        let fonts = Fonts::shared();
        let mut left = 0.0f32;
        let mut right = self.width;
        for glyph in &self.glyphs {
            let face = fonts.face(glyph.face);
            let scale = size / face.units_per_em() as f32;
            if let Some(b) = face.glyph_bounding_box(rustybuzz::ttf_parser::GlyphId(glyph.id)) {
                left = left.min(glyph.x + f32::from(b.x_min) * scale);
                right = right.max(glyph.x + f32::from(b.x_max) * scale);
            }
        }
        (left, right)
    }
}
