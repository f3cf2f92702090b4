//! Turns bank content into [`Reply`] values within Discord's limits: answers with their quotes
//! and sources, quotes, source lists, the timeline, help and "not sure".
//!
//! Every text that reaches a reply passes through [`neutralize_mentions`] (interface words
//! once, when the bank loads: `Strings::defused`) and [`fit`], so no bank edit can ping
//! `@everyone` or push a message past a limit.

use crate::bank::{Answer, Bank, Confidence, Event, Language, Provenance, Quote, Source};
use crate::commands::{Action, Target};
use crate::reply::{Button, ButtonStyle, Embed, Field, Reply, Visibility};

/// Discord's limits that rendering works within (see discord-notes.md).
pub mod limits {
    /// Message content.
    pub const CONTENT: usize = 2000;
    /// Embed title.
    pub const TITLE: usize = 256;
    /// Embed description.
    pub const DESCRIPTION: usize = 4096;
    /// Fields per embed.
    pub const FIELDS: usize = 25;
    /// Field name.
    pub const FIELD_NAME: usize = 256;
    /// Field value.
    pub const FIELD_VALUE: usize = 1024;
    /// Footer text.
    pub const FOOTER: usize = 2048;
    /// All embed text of one message.
    pub const EMBED_TOTAL: usize = 6000;
    /// Embeds per message.
    pub const EMBEDS: usize = 10;
    /// Button label.
    pub const BUTTON_LABEL: usize = 80;
    /// Autocomplete choice name.
    pub const CHOICE_NAME: usize = 100;
}

/// Side colour of answer embeds.
const COLOR_ANSWER: u32 = 0x2B7A78;
/// Side colour of quote embeds.
const COLOR_QUOTE: u32 = 0x8E6C8A;
/// Side colour of "not sure" replies.
const COLOR_UNSURE: u32 = 0x9A9A9A;

/// Breaks `@everyone`, `@here` and `<@…>` / `<#…>` / `<@&…>` so they display as text and can
/// never ping, even if a message were sent without `allowed_mentions`. Applying it twice changes
/// nothing more (text defused at load may be defused again where it is shown).
pub fn neutralize_mentions(text: &str) -> String {
    // `<@` is undone before it is broken again, so a second pass adds no second space.
    text.replace("@everyone", "@\u{200B}everyone")
        .replace("@here", "@\u{200B}here")
        .replace("<@\u{200B}", "<@")
        .replace("<#\u{200B}", "<#")
        .replace("<@", "<@\u{200B}")
        .replace("<#", "<#\u{200B}")
}

/// A web address made safe as the target of a Markdown link: the characters that would end
/// the link early or start a mention ( `(`, `)`, `<`, `>`, `@`, spaces) are percent-encoded,
/// which a browser reads as the same address. The bank checks addresses are http(s) URLs, but
/// a URL may legally hold ")" and "@everyone".
pub fn link_target(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '@' => out.push_str("%40"),
            c if c.is_whitespace() => out.push_str("%20"),
            c => out.push(c),
        }
    }
    out
}

/// Shortens `text` to at most `max` characters, cutting after a sentence or line where one ends
/// in the second half of the budget, else at a space, never inside a word; adds "…" when cut.
pub fn fit(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let budget = max - 1; // room for the ellipsis
    let end = text
        .char_indices()
        .nth(budget)
        .map_or(text.len(), |(i, _)| i);
    let head = &text[..end];
    let next_is_space = text[end..].starts_with(char::is_whitespace);
    let half = head.len() / 2;
    let sentence = head
        .char_indices()
        .filter(|&(i, c)| {
            let after = &head[i + c.len_utf8()..];
            matches!(c, '.' | '!' | '?' | '؟' | '۔' | '\n')
                && (after.is_empty() && next_is_space || after.starts_with(char::is_whitespace))
        })
        .map(|(i, c)| i + c.len_utf8())
        .rfind(|&i| i >= half);
    let cut = sentence.or_else(|| {
        if next_is_space {
            Some(head.len())
        } else {
            head.rfind(char::is_whitespace)
        }
    });
    match cut {
        Some(i) if i > 0 => format!("{}…", head[..i].trim_end()),
        // One unbroken run longer than the budget (a URL, say): cutting it is the only way.
        _ => format!("{head}…"),
    }
}

/// What to put around content: the reply language and who sees it.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// The reply language.
    pub lang: &'a Language,
    /// Who sees the reply; private replies get a Share button.
    pub visibility: Visibility,
    /// For a shared post, the mention of who shared it.
    pub shared_by: Option<&'a str>,
}

fn confidence_word(lang: &Language, c: Confidence) -> &str {
    match c {
        Confidence::High => &lang.strings.confidence_high,
        Confidence::Medium => &lang.strings.confidence_medium,
        Confidence::Low => &lang.strings.confidence_low,
    }
}

/// A Markdown link with its label defused and its target made safe by [`link_target`]. A label
/// holding a bracket is shown as text, with the address after it in `<…>`: a `]` would end a
/// masked link's label early and let the rest pose as a link to somewhere else (Discord's
/// Markdown does not honour a backslash there), and a zero-width space keeps a `](` in it from
/// closing a link opened before it.
fn md_link(label: &str, url: &str) -> String {
    let label = neutralize_mentions(label);
    if label.contains(['[', ']']) {
        let label = label.replace("](", "]\u{200B}(");
        format!("{label} (<{}>)", link_target(url))
    } else {
        format!("[{label}]({})", link_target(url))
    }
}

/// One line naming a source: outlet, title (linked), date and confidence.
pub fn source_line(source: &Source, lang: &Language) -> String {
    let title = neutralize_mentions(&fit(source.title.get(&lang.code), 200));
    let outlet = neutralize_mentions(source.outlet.get(&lang.code));
    let linked = match &source.url {
        Some(url) => md_link(&title, url),
        None => format!("*{title}*"),
    };
    let mut line = format!(
        "• {outlet}: {linked} ({}, {})",
        source.published,
        confidence_word(lang, source.confidence)
    );
    if let Some(note) = &source.note {
        line.push_str(&format!(" — {}", neutralize_mentions(note.get(&lang.code))));
    }
    line
}

/// The source lines as embed fields of at most 1024 characters each, splitting between lines.
fn source_fields(sources: &[&Source], lang: &Language) -> Vec<Field> {
    let lines: Vec<String> = sources
        .iter()
        .map(|s| fit(&source_line(s, lang), limits::FIELD_VALUE))
        .collect();
    pack_lines(&lines, limits::FIELD_VALUE)
        .into_iter()
        .enumerate()
        .map(|(i, value)| Field {
            name: if i == 0 {
                lang.strings.sources.clone()
            } else {
                format!("{} ({})", lang.strings.sources, i + 1)
            },
            value,
            inline: false,
        })
        .collect()
}

/// Groups lines into blocks of at most `max` characters without splitting a line.
fn pack_lines(lines: &[String], max: usize) -> Vec<String> {
    let mut blocks: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in lines {
        let extra = if current.is_empty() { 0 } else { 1 };
        if !current.is_empty() && current.chars().count() + extra + line.chars().count() > max {
            blocks.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(line);
    }
    if !current.is_empty() {
        blocks.push(current);
    }
    blocks
}

/// What a reader of one language sees of a quote: which words, in which language, and how
/// they are labelled. Every rendering of a quote (embeds, autocomplete, cards) goes through
/// [`quote_view`], so that no translation is ever shown as the speaker's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteView<'b> {
    /// The quote whose words are shown: the one asked for, or the speaker's own words it
    /// translates (its `original`). Date, source and note below are this quote's.
    pub shown: &'b Quote,
    /// The words shown as quoted text, verbatim.
    pub words: &'b str,
    /// Language code of `words`.
    pub words_lang: &'b str,
    /// `None` only when `words` are the speaker's own words in the language they used; else
    /// the label that must stand with them (a published translation, and whose).
    pub words_label: Option<String>,
    /// The bank's translation into the reader's language, with its label, shown under the words.
    pub translation: Option<(String, &'b str)>,
    /// The speaker's name for this reader.
    pub speaker: &'b str,
    /// The speaker's role for this reader (may be empty).
    pub role: &'b str,
    /// When the shown words were said or published.
    pub date: &'b str,
    /// Who published the page the shown words come from, for this reader.
    pub outlet: Option<&'b str>,
    /// That page's address.
    pub url: Option<&'b str>,
    /// Context for this reader.
    pub note: Option<&'b str>,
}

impl QuoteView<'_> {
    /// Whether the reader is shown anything other than the speaker's own words.
    pub fn is_labelled(&self) -> bool {
        self.words_label.is_some() || self.translation.is_some()
    }
}

/// Decides what a reader of `lang` sees of `quote`.
///
/// - The speaker's own words (`provenance = "spoken"`) are shown unlabelled, with the bank's
///   labelled translation when the reader's language differs.
/// - A published translation is shown only under its label ("As translated by …, from …").
///   When the bank holds the speaker's own words (`original`) and the reader reads the language
///   they were spoken in, those are shown instead, never a translation back into it.
/// - The bank's translation of a published translation is labelled as exactly that.
pub fn quote_view<'b>(bank: &'b Bank, quote: &'b Quote, lang: &Language) -> QuoteView<'b> {
    if let Provenance::Translated {
        spoken_language,
        original: Some(original),
        ..
    } = &quote.provenance
    {
        let speaker_own = bank
            .quote(original)
            .filter(|o| o.provenance == Provenance::Spoken);
        if let (true, Some(original)) = (spoken_language == &lang.code, speaker_own) {
            return quote_view(bank, original, lang);
        }
    }
    let strings = &lang.strings;
    let ours = (quote.language != lang.code)
        .then(|| quote.translations.get(&lang.code))
        .flatten();
    let (words_label, translation) = match &quote.provenance {
        Provenance::Spoken => (
            None,
            ours.map(|t| (strings.translation_label.clone(), t.as_str())),
        ),
        Provenance::Translated {
            spoken_language,
            translated_by,
            ..
        } => {
            let language = strings
                .language_names
                .get(spoken_language)
                .map_or(spoken_language.as_str(), String::as_str);
            let label = strings
                .published_translation
                .replace("{by}", translated_by.get(&lang.code))
                .replace("{language}", language);
            (
                Some(label),
                ours.map(|t| (strings.translation_of_translation.clone(), t.as_str())),
            )
        }
    };
    let source = bank.source(&quote.source);
    QuoteView {
        shown: quote,
        words: &quote.text,
        words_lang: &quote.language,
        words_label,
        translation,
        speaker: quote.speaker_in(&lang.code),
        role: bank.text_in(&quote.role, &lang.code).0,
        date: &quote.date,
        outlet: source.map(|s| s.outlet.get(&lang.code)),
        url: source.and_then(|s| s.url.as_deref()),
        note: quote.note.get(&lang.code).map(String::as_str),
    }
}

/// "Speaker — role" in the reply language.
pub fn speaker_line(bank: &Bank, quote: &Quote, lang: &Language) -> String {
    speaker_line_of(&quote_view(bank, quote, lang), lang)
}

fn speaker_line_of(view: &QuoteView, lang: &Language) -> String {
    if view.role.is_empty() {
        neutralize_mentions(view.speaker)
    } else {
        neutralize_mentions(&format!(
            "{} {} {}",
            view.speaker, lang.strings.quote_said, view.role
        ))
    }
}

/// The quote as a block: the provenance label when the words are not the speaker's own, the
/// verbatim words as a quote, then date and source, then the bank's labelled translation into
/// the reply language, then the note.
pub fn quote_body(bank: &Bank, quote: &Quote, lang: &Language, max: usize) -> String {
    quote_block(&quote_view(bank, quote, lang), max)
}

fn quote_block(view: &QuoteView, max: usize) -> String {
    let cite = match (view.outlet, view.url) {
        (Some(outlet), Some(url)) => {
            format!("{}, {}", view.date, md_link(outlet, url))
        }
        (Some(outlet), None) => format!("{}, {}", view.date, neutralize_mentions(outlet)),
        (None, _) => view.date.to_string(),
    };
    let head = view
        .words_label
        .as_ref()
        .map(|label| format!("*{}:*\n", neutralize_mentions(label)))
        .unwrap_or_default();
    let translation = view
        .translation
        .as_ref()
        .map(|(label, text)| format!("\n*{label}:* {}", neutralize_mentions(text)));
    let note = view.note.map(|n| format!("\n{}", neutralize_mentions(n)));
    let tail = format!(
        "\n— {cite}{}{}",
        translation.unwrap_or_default(),
        note.unwrap_or_default()
    );
    // The verbatim text keeps what room the label and tail leave; they are never what gets cut.
    let room = max.saturating_sub(head.chars().count() + tail.chars().count() + 2);
    let words = fit(&neutralize_mentions(view.words), room);
    let quoted: Vec<String> = words.lines().map(|l| format!("> {l}")).collect();
    fit(&format!("{head}{}{tail}", quoted.join("\n")), max)
}

/// An autocomplete choice name for a quote: the speaker and what the reader will read first,
/// marked as a translation whenever it is not the speaker's own words.
pub fn quote_choice_name(bank: &Bank, quote: &Quote, lang: &Language) -> String {
    let view = quote_view(bank, quote, lang);
    let text = view.translation.as_ref().map_or(view.words, |(_, t)| t);
    let name = if view.is_labelled() {
        format!(
            "{} ({}): {text}",
            view.speaker, lang.strings.translation_short
        )
    } else {
        format!("{}: {text}", view.speaker)
    };
    fit(&name, limits::CHOICE_NAME)
}

fn share_button(target: Target, lang: &Language) -> Button {
    Button {
        custom_id: Action::Share {
            target,
            lang: lang.code.clone(),
        }
        .custom_id(),
        label: fit(&lang.strings.share, limits::BUTTON_LABEL),
        style: ButtonStyle::Primary,
    }
}

/// Wraps embeds as a reply in the frame: shared-by line for shared posts, Share button for
/// private ones, and the whole message held within the 6000-character total.
fn framed(embeds: Vec<Embed>, frame: &Frame, target: Target) -> Reply {
    let content = frame.shared_by.map(|who| {
        fit(
            &frame.lang.strings.shared_by.replace("{who}", who),
            limits::CONTENT,
        )
    });
    let buttons = match frame.visibility {
        Visibility::Ephemeral => vec![share_button(target, frame.lang)],
        Visibility::Public => Vec::new(),
    };
    let mut reply = Reply {
        content,
        embeds,
        buttons,
        visibility: frame.visibility,
        attachment: None,
    };
    hold_total(&mut reply);
    reply
}

/// Drops trailing embeds, then shortens the description, then drops fields, until the
/// message fits Discord's 6000-character total.
fn hold_total(reply: &mut Reply) {
    reply.embeds.truncate(limits::EMBEDS);
    while reply.embed_chars() > limits::EMBED_TOTAL {
        let over = reply.embed_chars() - limits::EMBED_TOTAL;
        if reply.embeds.len() > 1 {
            reply.embeds.pop();
            continue;
        }
        let Some(embed) = reply.embeds.first_mut() else {
            return;
        };
        let len = embed
            .description
            .as_deref()
            .map_or(0, |d| d.chars().count());
        if len > over + 1 {
            embed.description = embed.description.as_deref().map(|d| fit(d, len - over - 1));
        } else if embed.fields.pop().is_none() {
            embed.description = embed.description.as_deref().map(|d| fit(d, 1000));
            return;
        }
    }
}

/// An answer with its quotes and sources.
pub fn answer(bank: &Bank, answer: &Answer, frame: &Frame) -> Reply {
    let lang = frame.lang;
    let (title, _) = bank.text_in(&answer.title, &lang.code);
    let (body, fell_back) = bank.text_in(&answer.body, &lang.code);
    let mut description = neutralize_mentions(body);
    if fell_back {
        description = format!("*{}*\n\n{description}", lang.strings.fallback_language);
    }
    // A translation and its original may both belong to an answer; a reader who is shown the
    // original for both sees it once.
    let mut shown = std::collections::HashSet::new();
    let mut fields: Vec<Field> = answer
        .quotes
        .iter()
        .map(|&i| quote_view(bank, &bank.quotes[i], lang))
        .filter(|view| shown.insert(view.shown.id.as_str()))
        .map(|view| Field {
            name: fit(&speaker_line_of(&view, lang), limits::FIELD_NAME),
            value: quote_block(&view, limits::FIELD_VALUE),
            inline: false,
        })
        .collect();
    let sources: Vec<&Source> = answer.sources.iter().map(|&i| &bank.sources[i]).collect();
    let source_fields = source_fields(&sources, lang);
    // Sources are never the part that is dropped: quotes make room for them.
    let room = limits::FIELDS.saturating_sub(source_fields.len());
    fields.truncate(room);
    let mut embed = Embed {
        title: Some(fit(&neutralize_mentions(title), limits::TITLE)),
        url: None,
        description: Some(fit(&description, limits::DESCRIPTION)),
        fields,
        footer: Some(fit(
            &format!(
                "{} · {} {}",
                answer.id, lang.strings.reviewed, answer.reviewed
            ),
            limits::FOOTER,
        )),
        color: Some(COLOR_ANSWER),
    };
    let budget = limits::EMBED_TOTAL
        - source_fields
            .iter()
            .map(|f| f.name.chars().count() + f.value.chars().count())
            .sum::<usize>();
    while embed.chars() > budget && embed.fields.pop().is_some() {}
    embed.fields.extend(source_fields);
    framed(vec![embed], frame, Target::Answer(answer.id.clone()))
}

/// One quote, on its own.
pub fn quote(bank: &Bank, quote: &Quote, frame: &Frame) -> Reply {
    let lang = frame.lang;
    let view = quote_view(bank, quote, lang);
    let mut fields = Vec::new();
    if let Some(source) = bank.source(&view.shown.source) {
        fields.extend(source_fields(&[source], lang));
    }
    let embed = Embed {
        title: Some(fit(&speaker_line_of(&view, lang), limits::TITLE)),
        url: None,
        description: Some(quote_block(&view, limits::DESCRIPTION)),
        fields,
        footer: Some(view.shown.id.clone()),
        color: Some(COLOR_QUOTE),
    };
    framed(vec![embed], frame, Target::Quote(quote.id.clone()))
}

/// The sources behind one answer, or every source in the bank (highest confidence first).
pub fn sources(bank: &Bank, answer: Option<&Answer>, frame: &Frame) -> Reply {
    let lang = frame.lang;
    let (title, mut list): (String, Vec<&Source>) = match answer {
        Some(a) => {
            let (t, _) = bank.text_in(&a.title, &lang.code);
            (
                format!("{}: {}", lang.strings.sources, neutralize_mentions(t)),
                a.sources.iter().map(|&i| &bank.sources[i]).collect(),
            )
        }
        None => (lang.strings.sources.clone(), bank.sources.iter().collect()),
    };
    if answer.is_none() {
        list.sort_by(|a, b| {
            b.confidence
                .cmp(&a.confidence)
                .then(a.outlet.get(&lang.code).cmp(b.outlet.get(&lang.code)))
        });
    }
    let lines: Vec<String> = list
        .iter()
        .map(|s| fit(&source_line(s, lang), limits::FIELD_VALUE))
        .collect();
    let embeds = paged_embeds(&title, &lines, COLOR_ANSWER);
    framed(embeds, frame, Target::Sources(answer.map(|a| a.id.clone())))
}

/// Lines spread over embed descriptions, as many embeds as the message total allows; what does
/// not fit is counted in a last line.
fn paged_embeds(title: &str, lines: &[String], color: u32) -> Vec<Embed> {
    let mut embeds = Vec::new();
    let mut used = title.chars().count();
    let mut shown = 0;
    for block in pack_lines(lines, limits::DESCRIPTION) {
        let n = block.chars().count();
        // Leave room for the "more" line.
        if embeds.len() == limits::EMBEDS || used + n > limits::EMBED_TOTAL - 80 {
            break;
        }
        shown += block.lines().count();
        used += n;
        embeds.push(Embed {
            title: embeds.is_empty().then(|| fit(title, limits::TITLE)),
            description: Some(block),
            color: Some(color),
            ..Embed::default()
        });
    }
    if shown < lines.len() {
        // Some blocks did not fit: fill the last embed's remaining room line by line.
        let rest = &lines[shown..];
        let more = format!("… +{}", rest.len());
        match embeds.last_mut() {
            Some(last) => {
                let d = last.description.get_or_insert_with(String::new);
                if d.chars().count() + more.chars().count() < limits::DESCRIPTION {
                    d.push('\n');
                    d.push_str(&more);
                }
            }
            None => embeds.push(Embed {
                title: Some(fit(title, limits::TITLE)),
                description: Some(more),
                color: Some(color),
                ..Embed::default()
            }),
        }
    }
    embeds
}

/// Dated events, of one year or all.
pub fn timeline(bank: &Bank, year: Option<i32>, frame: &Frame) -> Reply {
    let lang = frame.lang;
    let events: Vec<&Event> = bank
        .events
        .iter()
        .filter(|e| year.is_none_or(|y| e.date.starts_with(&format!("{y:04}"))))
        .collect();
    let title = match year {
        Some(y) => format!("{} {y}", lang.strings.timeline),
        None => lang.strings.timeline.clone(),
    };
    if events.is_empty() {
        return framed(
            vec![Embed {
                title: Some(title),
                description: Some(lang.strings.not_found.clone()),
                color: Some(COLOR_UNSURE),
                ..Embed::default()
            }],
            frame,
            Target::Timeline(year),
        );
    }
    let lines: Vec<String> = events
        .iter()
        .map(|e| {
            let (text, _) = bank.text_in(&e.text, &lang.code);
            let cite = e
                .sources
                .first()
                .map(|&i| &bank.sources[i])
                .map(|s| match &s.url {
                    Some(url) => format!(" ({})", md_link(s.outlet.get(&lang.code), url)),
                    None => format!(" ({})", neutralize_mentions(s.outlet.get(&lang.code))),
                })
                .unwrap_or_default();
            fit(
                &format!("**{}** — {}{cite}", e.date, neutralize_mentions(text)),
                limits::FIELD_VALUE,
            )
        })
        .collect();
    framed(
        paged_embeds(&title, &lines, COLOR_ANSWER),
        frame,
        Target::Timeline(year),
    )
}

/// The closest match: the answer, framed above as probably but not surely what was asked, with
/// the other candidates as buttons that show them.
pub fn closest(bank: &Bank, closest: &Answer, others: &[&Answer], frame: &Frame) -> Reply {
    let mut reply = answer(bank, closest, frame);
    // Interface words are defused once, when the bank loads (`Strings::defused`).
    let framing = fit(&frame.lang.strings.closest, limits::CONTENT);
    reply.content = Some(match reply.content.take() {
        Some(before) => fit(&format!("{framing}\n{before}"), limits::CONTENT),
        None => framing,
    });
    reply
        .buttons
        .extend(others.iter().map(|a| show_button(bank, a, frame.lang)));
    reply
}

fn show_button(bank: &Bank, answer: &Answer, lang: &Language) -> Button {
    let (t, _) = bank.text_in(&answer.title, &lang.code);
    Button {
        custom_id: Action::Show {
            answer: answer.id.clone(),
            lang: lang.code.clone(),
        }
        .custom_id(),
        label: fit(t, limits::BUTTON_LABEL),
        style: ButtonStyle::Secondary,
    }
}

/// "I'm not sure", with up to three suggestions as lines and as buttons that show them, or
/// plainly that nothing in the bank relates when there are none.
pub fn not_sure(bank: &Bank, suggestions: &[&Answer], lang: &Language) -> Reply {
    let mut description = lang.strings.not_sure.clone();
    if suggestions.is_empty() {
        description.push_str("\n\n");
        description.push_str(&lang.strings.nothing_related);
    } else {
        description.push_str("\n\n");
        description.push_str(&lang.strings.suggestions);
        for a in suggestions {
            let (t, _) = bank.text_in(&a.title, &lang.code);
            description.push_str(&format!("\n• {}", neutralize_mentions(t)));
        }
    }
    let buttons = suggestions
        .iter()
        .map(|a| show_button(bank, a, lang))
        .collect();
    Reply {
        content: None,
        embeds: vec![Embed {
            description: Some(fit(&description, limits::DESCRIPTION)),
            color: Some(COLOR_UNSURE),
            ..Embed::default()
        }],
        buttons,
        visibility: Visibility::Ephemeral,
        attachment: None,
    }
}

/// A short private notice (not found, not allowed, errors).
pub fn notice(text: &str) -> Reply {
    Reply::text(
        fit(&neutralize_mentions(text), limits::CONTENT),
        Visibility::Ephemeral,
    )
}

/// `/help`: the language's help text and what the bank holds.
pub fn help(bank: &Bank, lang: &Language) -> Reply {
    Reply {
        content: None,
        embeds: vec![Embed {
            title: Some("nimbus-bot".into()),
            description: Some(fit(&lang.strings.help, limits::DESCRIPTION)),
            footer: Some(fit(&bank.summary(), limits::FOOTER)),
            color: Some(COLOR_ANSWER),
            ..Embed::default()
        }],
        buttons: Vec::new(),
        visibility: Visibility::Ephemeral,
        attachment: None,
    }
}
