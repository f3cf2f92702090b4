//! Quote cards: shaping and direction, every shipped quote laid out in both languages and both
//! sizes, the PNG itself, refusals of quotes too long to fit, and the cache.

use nimbus_bot::bank::{Bank, Language};
use nimbus_bot::card::shape::{shape_paragraph, Fonts, Glyph, Paragraph};
use nimbus_bot::card::{self, CardCache, CardError, CardSize, CardStyle, Layout, Role};
use nimbus_bot::commands::{dispatch, Action, Command, Request};
use rustybuzz::ttf_parser::GlyphId;

fn shipped() -> Bank {
    let loaded = nimbus_bot::bank::load(&crate::responses_dir(), &crate::options());
    loaded.bank.expect("shipped bank loads")
}

fn one_line(text: &str) -> Paragraph {
    let paragraph = shape_paragraph(text, 40.0, false, 10_000.0, None).expect("fits");
    assert_eq!(paragraph.lines.len(), 1, "{text}");
    paragraph
}

/// The glyphs shaped from the characters at `bytes` of the paragraph.
fn glyphs_of(paragraph: &Paragraph, bytes: std::ops::Range<usize>) -> Vec<&Glyph> {
    paragraph.lines[0]
        .glyphs
        .iter()
        .filter(|g| bytes.contains(&g.cluster))
        .collect()
}

/// Leftmost x of the glyphs shaped from `word` (its first occurrence).
fn x_of(paragraph: &Paragraph, word: &str) -> f32 {
    let start = paragraph.text.find(word).expect("word in text");
    glyphs_of(paragraph, start..start + word.len())
        .iter()
        .map(|g| g.x)
        .fold(f32::INFINITY, f32::min)
}

#[test]
fn joined_arabic_letters_take_other_glyphs_than_alone() {
    let word = "سلام";
    let joined = one_line(word);
    let mut joined_ids: Vec<u16> = joined.lines[0].glyphs.iter().map(|g| g.id).collect();
    let mut alone_ids: Vec<u16> = word
        .chars()
        .flat_map(|c| one_line(&c.to_string()).lines[0].glyphs.clone())
        .map(|g| g.id)
        .collect();
    assert!(joined_ids.iter().all(|&id| id != 0), "no .notdef");
    joined_ids.sort_unstable();
    alone_ids.sort_unstable();
    assert_ne!(
        joined_ids, alone_ids,
        "joined letters must take their initial/medial/final forms"
    );
    // The first letter, seen: its joined (initial) form is not its isolated form.
    let first_joined = glyphs_of(&joined, 0..2)[0].id;
    let first_alone = one_line("س").lines[0].glyphs[0].id;
    assert_ne!(first_joined, first_alone);
}

#[test]
fn arabic_runs_go_right_to_left_with_latin_and_numbers_in_order() {
    let text = "قال Sundar Pichai في 2021 إن";
    let p = one_line(text);
    assert!(
        p.rtl,
        "base direction from the first strong character (Arabic)"
    );
    let order = ["إن", "2021", "في", "Sundar", "Pichai", "قال"];
    let xs: Vec<f32> = order.iter().map(|w| x_of(&p, w)).collect();
    for (pair, words) in xs.windows(2).zip(order.windows(2)) {
        assert!(
            pair[0] < pair[1],
            "{} must stand left of {} (x {:?})",
            words[0],
            words[1],
            xs
        );
    }
    // Inside the Latin name and the number, characters run left to right in logical order.
    for word in ["Sundar", "2021"] {
        let start = p.text.find(word).expect("word");
        let glyphs = glyphs_of(&p, start..start + word.len());
        let mut by_cluster = glyphs.clone();
        by_cluster.sort_by_key(|g| g.cluster);
        let xs: Vec<f32> = by_cluster.iter().map(|g| g.x).collect();
        assert!(xs.windows(2).all(|w| w[0] < w[1]), "{word}: {xs:?}");
    }
    // An English paragraph is left to right even with an Arabic name inside.
    let latin = one_line("Said by علي بنجواني in 2022");
    assert!(!latin.rtl);
    assert!(x_of(&latin, "Said") < x_of(&latin, "بنجواني"));
    assert!(x_of(&latin, "بنجواني") < x_of(&latin, "علي"));
    assert!(x_of(&latin, "علي") < x_of(&latin, "2022"));
}

#[test]
fn lines_break_only_between_words() {
    let text = "وركزت حملة لا تكنولوجيا لنظام الفصل العنصري على مشروع نمبوس (Nimbus)، وهو عقد حوسبة سحابية بقيمة 1.2 مليار دولار";
    let p = shape_paragraph(text, 40.0, false, 300.0, None).expect("fits");
    assert!(p.lines.len() > 2);
    let mut covered = String::new();
    for line in &p.lines {
        let r = &line.range;
        assert!(r.start == 0 || p.text.as_bytes()[r.start - 1] == b' ');
        assert!(r.end == p.text.len() || p.text.as_bytes()[r.end] == b' ');
        assert!(line.width <= 300.0 + 0.01, "{}", line.width);
        covered.push_str(&p.text[r.clone()]);
        covered.push(' ');
    }
    assert_eq!(covered.trim_end(), p.text, "every word on exactly one line");
    // A word wider than the line is refused, never split.
    assert!(shape_paragraph("Supercalifragilistic", 40.0, false, 100.0, None).is_none());
}

/// The union of a line's glyph ink boxes, in canvas pixels: (left, top, right, bottom).
fn ink(line: &card::PlacedLine) -> Option<(f32, f32, f32, f32)> {
    let fonts = Fonts::shared();
    let mut out: Option<(f32, f32, f32, f32)> = None;
    for g in &line.line.glyphs {
        let face = fonts.face(g.face);
        let scale = line.size / face.units_per_em() as f32;
        let Some(b) = face.glyph_bounding_box(GlyphId(g.id)) else {
            continue;
        };
        let x = line.x + g.x;
        let y = line.baseline - g.y;
        let r = (
            x + f32::from(b.x_min) * scale,
            y - f32::from(b.y_max) * scale,
            x + f32::from(b.x_max) * scale,
            y - f32::from(b.y_min) * scale,
        );
        out = Some(match out {
            None => r,
            Some(o) => (o.0.min(r.0), o.1.min(r.1), o.2.max(r.2), o.3.max(r.3)),
        });
    }
    out
}

fn check_layout(layout: &Layout, what: &str) {
    let (w, h, m) = (layout.width as f32, layout.height as f32, layout.margin);
    let mut previous: Option<(f32, f32, f32, f32)> = None;
    for line in &layout.lines {
        for g in &line.line.glyphs {
            assert_ne!(
                g.id, 0,
                "{what}: .notdef (missing glyph) at byte {}",
                g.cluster
            );
        }
        let Some(box_) = ink(line) else { continue };
        // Half a pixel of anti-aliasing tolerance.
        assert!(
            box_.0 >= m - 0.5
                && box_.2 <= w - m + 0.5
                && box_.1 >= m - 0.5
                && box_.3 <= h - m + 0.5,
            "{what}: ink {box_:?} outside the margins of {w}x{h} (margin {m}), line {:?}",
            line.role
        );
        if let Some(p) = previous {
            assert!(
                p.3 <= box_.1 + 0.5,
                "{what}: line {:?} at {} overlaps the line above ({p:?} vs {box_:?})",
                line.role,
                line.baseline
            );
        }
        previous = Some(box_);
    }
}

#[test]
fn every_shipped_quote_lays_out_cleanly_in_both_languages_and_sizes() {
    let bank = shipped();
    let style = CardStyle::default();
    let mut fitted = 0;
    let mut refused = Vec::new();
    for quote in &bank.quotes {
        for lang in &bank.languages {
            for size in [CardSize::Landscape, CardSize::Square] {
                let content = card::content(&bank, quote, lang, &style);
                match card::layout(&content, size) {
                    Ok(layout) => {
                        fitted += 1;
                        check_layout(&layout, &format!("{} {} {:?}", quote.id, lang.code, size));
                        let words = content
                            .blocks
                            .iter()
                            .position(|b| b.role == Role::Words)
                            .expect("words");
                        assert!(
                            layout.lines.iter().any(|l| l.block == words),
                            "{}: the words are on the card",
                            quote.id
                        );
                    }
                    Err(e) => {
                        assert_eq!(e, CardError::TooLong);
                        refused.push(format!("{} {} {}", quote.id, lang.code, size.name()));
                    }
                }
            }
        }
    }
    let total = bank.quotes.len() * bank.languages.len() * 2;
    eprintln!("cards: {fitted} of {total} fit; refused: {refused:#?}");
    // Most quotes are short enough for a card; a layout change that refuses many is a defect.
    assert!(fitted * 10 >= total * 8, "{fitted} of {total} fit");
}

fn lang<'b>(bank: &'b Bank, code: &str) -> &'b Language {
    bank.language(code).expect("language")
}

#[test]
fn the_png_decodes_at_its_size_with_ink_where_the_text_is() {
    let bank = shipped();
    let style = CardStyle::default();
    let quote = bank
        .quotes
        .iter()
        .find(|q| q.language == "ar" && card::fits(&bank, q, lang(&bank, "en")))
        .expect("an Arabic quote that fits");
    for (code, size) in [("en", CardSize::Landscape), ("ar", CardSize::Square)] {
        let l = lang(&bank, code);
        let made = card::render(&bank, quote, l, size, &style).expect("card");
        let decoder = png::Decoder::new(std::io::Cursor::new(&made.png));
        let mut reader = decoder.read_info().expect("PNG header");
        let mut pixels = vec![0; reader.output_buffer_size().expect("size")];
        let info = reader.next_frame(&mut pixels).expect("PNG data");
        assert_eq!((info.width, info.height), size.pixels());
        assert_eq!((made.width, made.height), size.pixels());
        assert_eq!(info.color_type, png::ColorType::Rgb);
        let stride = info.line_size;
        let dark = |x: usize, y: usize| {
            let p = &pixels[y * stride + x * 3..y * stride + x * 3 + 3];
            p.iter().map(|&c| u32::from(c)).sum::<u32>() < 3 * 0xA0
        };
        let laid = card::layout(&card::content(&bank, quote, l, &style), size).expect("layout");
        for line in &laid.lines {
            let Some((l0, t, r, b)) = ink(line) else {
                continue;
            };
            let inked = (t as usize..b as usize)
                .flat_map(|y| (l0 as usize..r as usize).map(move |x| (x, y)))
                .filter(|&(x, y)| dark(x, y))
                .count();
            assert!(inked > 20, "{code}: no ink on line {:?}", line.role);
        }
        // Nothing drawn in the top margin (the accent bar starts below it).
        let m = laid.margin as usize;
        let stray = (0..m - 2)
            .flat_map(|y| (0..info.width as usize).map(move |x| (x, y)))
            .filter(|&(x, y)| dark(x, y))
            .count();
        assert_eq!(stray, 0, "{code}: ink in the top margin");
        assert!(made.alt.contains(
            &quote
                .text
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string()
        ));
    }
}

/// A copy of the fixture bank with one quote far too long for any card.
fn bank_with_long_quote() -> (tempfile::TempDir, Bank) {
    let dir = tempfile::tempdir().expect("tempdir");
    crate::copy_dir(&crate::fixture_dir(), dir.path());
    // Under the validator's 1024 characters for a quote, over what a landscape card holds.
    let long = "Every word of this statement was said at length and on the record. ".repeat(14);
    std::fs::write(dir.path().join("archive/long-2024.txt"), &long).expect("archive");
    let entry = format!(
        r#"
[[source]]
id = "long-2024"
outlet = "A long report"
title = "A very long statement"
url = "https://example.org/long"
published = "2024-01-01"
language = "en"
confidence = "high"
archive = "archive/long-2024.txt"

[[quote]]
id = "long-statement"
text = "{}"
language = "en"
speaker = {{ en = "A speaker", ar = "متحدث" }}
role = {{ en = "Spokesperson", ar = "متحدث رسمي" }}
source = "long-2024"
date = "2024-01-01"
"#,
        long.trim()
    );
    std::fs::write(dir.path().join("long.toml"), entry).expect("entry");
    let loaded = nimbus_bot::bank::load(dir.path(), &crate::options());
    let problems: Vec<String> = loaded.diagnostics.iter().map(|d| d.to_string()).collect();
    let bank = loaded.bank.unwrap_or_else(|| panic!("{problems:#?}"));
    (dir, bank)
}

fn card_buttons(reply: &nimbus_bot::reply::Reply) -> Vec<String> {
    reply
        .buttons
        .iter()
        .filter(|b| matches!(Action::parse(&b.custom_id), Some(Action::Card { .. })))
        .map(|b| b.custom_id.clone())
        .collect()
}

#[test]
fn a_quote_too_long_to_fit_gets_no_card_and_no_button() {
    let (_dir, bank) = bank_with_long_quote();
    let quote = bank.quote("long-statement").expect("quote");
    for l in &bank.languages {
        assert_eq!(
            card::render(&bank, quote, l, CardSize::Landscape, &CardStyle::default()),
            Err(CardError::TooLong)
        );
        assert!(!card::fits(&bank, quote, l));
    }
    let ask = |about: &str| {
        let mut req = Request::new(Command::Quote {
            about: Some(about.into()),
            speaker: None,
        });
        req.lang = Some("en".into());
        dispatch(&bank, &req)
    };
    assert!(card_buttons(&ask("long-statement")).is_empty());
    // A short quote of the same bank does get its button.
    let short = ask("guardian-letter-demand");
    assert_eq!(
        card_buttons(&short),
        vec!["card:guardian-letter-demand:en".to_owned()]
    );
}

#[test]
fn answers_offer_a_card_per_quote_that_fits() {
    let bank = crate::fixture_bank();
    let answer = bank
        .answers
        .iter()
        .find(|a| !a.quotes.is_empty())
        .expect("an answer with quotes");
    let mut req = Request::new(Command::Topic {
        id: answer.id.clone(),
    });
    req.lang = Some("ar".into());
    let reply = dispatch(&bank, &req);
    let buttons = card_buttons(&reply);
    assert!(!buttons.is_empty(), "{:?}", reply.buttons);
    for id in &buttons {
        let Some(Action::Card { quote, lang }) = Action::parse(id) else {
            panic!("{id}")
        };
        assert_eq!(lang, "ar");
        assert!(answer.quotes.iter().any(|&i| bank.quotes[i].id == quote));
    }
}

#[test]
fn the_cache_keeps_cards_per_bank_version_within_its_budget() {
    let bank = crate::fixture_bank();
    let (_dir, other) = bank_with_long_quote();
    assert_ne!(
        bank.version, other.version,
        "different files, different version"
    );
    assert_eq!(
        bank.version,
        crate::fixture_bank().version,
        "the same files, the same version"
    );
    let quote = bank.quote("guardian-letter-demand").expect("quote");
    let en = lang(&bank, "en");
    let cache = CardCache::new(CardStyle::default(), 16 << 20);
    let first = cache
        .get(&bank, quote, en, CardSize::Landscape)
        .expect("card");
    let again = cache
        .get(&bank, quote, en, CardSize::Landscape)
        .expect("card");
    assert!(std::sync::Arc::ptr_eq(&first, &again), "served from memory");
    assert_eq!(cache.len(), 1);
    // Another bank version draws again, even for the same quote id.
    let quote_other = other.quote("guardian-letter-demand").expect("quote");
    let drawn = cache
        .get(&other, quote_other, lang(&other, "en"), CardSize::Landscape)
        .expect("card");
    assert!(!std::sync::Arc::ptr_eq(&first, &drawn));
    assert_eq!(cache.len(), 2);
    // A budget for about two cards keeps the two used last.
    let cards: Vec<_> = ["guardian-letter-demand", "hayes-keep-safe", "panjwani-seed"]
        .iter()
        .map(|id| bank.quote(id).expect("quote"))
        .collect();
    let budget = first.png.len() * 2 + first.png.len() / 2;
    let small = CardCache::new(CardStyle::default(), budget);
    let a = small
        .get(&bank, cards[0], en, CardSize::Landscape)
        .expect("card");
    small
        .get(&bank, cards[1], en, CardSize::Landscape)
        .expect("card");
    small
        .get(&bank, cards[2], en, CardSize::Landscape)
        .expect("card");
    assert!(small.len() <= 2, "{} held", small.len());
    assert!(small.bytes() <= budget);
    let again = small
        .get(&bank, cards[0], en, CardSize::Landscape)
        .expect("card");
    assert!(!std::sync::Arc::ptr_eq(&a, &again), "the oldest was let go");
}
