//! A laid-out card to pixels and PNG bytes: glyph outlines filled by tiny-skia, anti-aliased,
//! on an opaque background, encoded as 8-bit RGB.

use rustybuzz::ttf_parser::{GlyphId, OutlineBuilder};
use tiny_skia::{FillRule, Paint, PathBuilder, Pixmap, Rect, Transform};

use super::layout::Layout;
use super::shape::Fonts;
use super::{CardError, CardStyle, Role};

/// Background of every card.
const PAPER: [u8; 3] = [0xFA, 0xF7, 0xF2];
/// The quoted words and the speaker.
const INK: [u8; 3] = [0x1C, 0x1B, 0x1A];
/// Labels, translation and source line.
const MUTED: [u8; 3] = [0x55, 0x52, 0x4E];

/// The colour a part of the card is drawn in.
fn colour(role: Role, style: &CardStyle) -> [u8; 3] {
    match role {
        Role::Words | Role::Speaker => INK,
        Role::Translation => [0x2F, 0x2D, 0x2B],
        Role::WordsLabel | Role::TranslationLabel | Role::Meta => MUTED,
        Role::Footer => style.accent,
    }
}

/// Collects a glyph's outline into a path, scaled to pixels and flipped (fonts grow upwards).
struct Outline<'a> {
    path: &'a mut PathBuilder,
    x: f32,
    y: f32,
    scale: f32,
}

impl OutlineBuilder for Outline<'_> {
    fn move_to(&mut self, x: f32, y: f32) {
        self.path
            .move_to(self.x + x * self.scale, self.y - y * self.scale);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.path
            .line_to(self.x + x * self.scale, self.y - y * self.scale);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.path.quad_to(
            self.x + x1 * self.scale,
            self.y - y1 * self.scale,
            self.x + x * self.scale,
            self.y - y * self.scale,
        );
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.path.cubic_to(
            self.x + x1 * self.scale,
            self.y - y1 * self.scale,
            self.x + x2 * self.scale,
            self.y - y2 * self.scale,
            self.x + x * self.scale,
            self.y - y * self.scale,
        );
    }
    fn close(&mut self) {
        self.path.close();
    }
}

fn paint_of(rgb: [u8; 3]) -> Paint<'static> {
    let mut paint = Paint::default();
    paint.set_color_rgba8(rgb[0], rgb[1], rgb[2], 255);
    paint.anti_alias = true;
    paint
}

/// Draws a layout: background, accent bar, then each line's glyphs as one filled path.
pub fn paint(layout: &Layout, style: &CardStyle) -> Result<Pixmap, CardError> {
    let fonts = Fonts::shared();
    let mut pixmap = Pixmap::new(layout.width, layout.height).ok_or(CardError::Render)?;
    pixmap.fill(tiny_skia::Color::from_rgba8(
        PAPER[0], PAPER[1], PAPER[2], 255,
    ));
    let (bx, by, bw, bh) = layout.bar;
    if let Some(bar) = Rect::from_xywh(bx, by, bw, bh) {
        pixmap.fill_rect(bar, &paint_of(style.accent), Transform::identity(), None);
    }
    for line in &layout.lines {
        let mut path = PathBuilder::new();
        for glyph in &line.line.glyphs {
            let face = fonts.face(glyph.face);
            let scale = line.size / face.units_per_em() as f32;
            let mut outline = Outline {
                path: &mut path,
                x: line.x + glyph.x,
                y: line.baseline - glyph.y,
                scale,
            };
            // A glyph with no outline (a space) adds nothing.
            let _ = face.outline_glyph(GlyphId(glyph.id), &mut outline);
        }
        if let Some(path) = path.finish() {
            pixmap.fill_path(
                &path,
                &paint_of(colour(line.role, style)),
                FillRule::Winding,
                Transform::identity(),
                None,
            );
        }
    }
    Ok(pixmap)
}

/// PNG bytes of an opaque pixmap (alpha dropped: cards have no transparency).
pub fn encode_png(pixmap: &Pixmap) -> Result<Vec<u8>, CardError> {
    let rgb: Vec<u8> = pixmap
        .data()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let mut out = Vec::with_capacity(rgb.len() / 8);
    let mut encoder = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().map_err(|_| CardError::Render)?;
    writer
        .write_image_data(&rgb)
        .map_err(|_| CardError::Render)?;
    writer.finish().map_err(|_| CardError::Render)?;
    Ok(out)
}
