//! Entries as forms: which fields each kind shows for one language, how a field's text is
//! read from an entry (pre-filling) and parsed back (a submit), and how a changed value is
//! written into the entry's TOML table with `toml_edit`, never by pasting text.
//!
//! A form holds at most five fields (Discord's modal limit). What does not fit a field of its
//! own goes into one "details" field of `key: value` lines. A field the person leaves as it
//! was pre-filled is not written at all, so the entry keeps its bytes there.

use toml_edit::{Array, InlineTable, Item, Table, Value};

use super::Kind;
use crate::bank::{MAX_BODY, MAX_ID_LEN, MAX_LINE, MAX_QUOTE_FIELD, MAX_TITLE};

/// Discord's limit on a text input's value.
pub const MAX_INPUT: usize = 4000;
/// Discord's limit on a modal title and on an input's label.
pub const MAX_LABEL: usize = 45;

/// How a new per-language table is written: `{ en = "…" }` on the entry's line, or its own
/// `[kind.key]` section (long texts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// An inline table.
    Inline,
    /// A sub-table with its own header.
    Section,
}

/// What a field (or one line of the details field) edits in an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// A string (`text`, `date`, `url`).
    Text(&'static str),
    /// The form language's text in a per-language table (`title.en`).
    PerLang(&'static str, Layout),
    /// One string for every language, or a per-language table (`outlet`).
    Localized(&'static str),
    /// Ids separated by commas or spaces (`sources`).
    Ids(&'static str),
    /// Texts separated by commas (`tags`, `speaker_aliases`).
    Texts(&'static str),
    /// The form language's list in a per-language table of lists, one per line (`aliases.en`).
    PerLangLines(&'static str),
    /// Yes or no (`pinned`).
    Flag(&'static str),
}

impl Slot {
    /// The TOML key it edits.
    pub fn key(self) -> &'static str {
        match self {
            Slot::Text(k)
            | Slot::PerLang(k, _)
            | Slot::Localized(k)
            | Slot::Ids(k)
            | Slot::Texts(k)
            | Slot::PerLangLines(k)
            | Slot::Flag(k) => k,
        }
    }
}

/// A value of a slot, as read from an entry or parsed from a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotValue {
    /// Not set.
    Absent,
    /// A text.
    Text(String),
    /// A list.
    List(Vec<String>),
    /// Yes or no.
    Flag(bool),
}

/// What one form field holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// The new entry's id (forms for new entries only).
    Id,
    /// One slot.
    One(Slot),
    /// Several slots as `key: value` lines.
    Details(Vec<Slot>),
}

/// One text input of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Its id inside the form (`title`), which the submit carries back.
    pub id: &'static str,
    /// Its label (at most 45 characters).
    pub label: String,
    /// A multi-line input.
    pub long: bool,
    /// At most this many characters.
    pub max: usize,
    /// Whether Discord should insist on a value.
    pub required: bool,
    /// A hint shown while it is empty (at most 100 characters).
    pub placeholder: Option<String>,
    /// What it edits.
    pub content: Content,
}

/// The languages a form works with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Langs {
    /// The language whose texts the form shows.
    pub form: String,
    /// The bank's default language (a one-string text becomes a table keyed by it).
    pub default: String,
}

/// Which form an entry gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// An answer's texts in one language.
    Answer,
    /// A quote in its own language.
    Quote,
    /// The bank's translation of a quote into another language, with the speaker's name and
    /// role there.
    QuoteTranslation,
    /// A source.
    Source,
    /// A timeline event.
    Event,
}

impl Shape {
    /// The form for an entry of `kind` in `lang`; `quote_language` is the quote's own.
    pub fn of(kind: Kind, lang: &str, quote_language: Option<&str>) -> Shape {
        match kind {
            Kind::Answer => Shape::Answer,
            Kind::Quote if quote_language.is_some_and(|q| q != lang) => Shape::QuoteTranslation,
            Kind::Quote => Shape::Quote,
            Kind::Source => Shape::Source,
            Kind::Event => Shape::Event,
        }
    }
}

fn field(id: &'static str, label: String, long: bool, max: usize, content: Content) -> Field {
    Field {
        id,
        label: crate::render::fit(&label, MAX_LABEL),
        long,
        max: max.min(MAX_INPUT),
        required: false,
        placeholder: None,
        content,
    }
}

fn details(slots: Vec<Slot>, label: &str) -> Field {
    let keys: Vec<&str> = slots.iter().map(|s| s.key()).collect();
    let mut f = field(
        "details",
        label.to_owned(),
        true,
        MAX_INPUT,
        Content::Details(slots),
    );
    f.placeholder = Some(crate::render::fit(
        &format!("One `key: value` per line: {}", keys.join(", ")),
        100,
    ));
    f
}

/// A quote's speaker and role in the form language.
fn speaker_and_role(speaker_label: String, lang: &str) -> [Field; 2] {
    [
        field(
            "speaker",
            speaker_label,
            false,
            300,
            Content::One(Slot::PerLang("speaker", Layout::Inline)),
        ),
        field(
            "role",
            format!("Role ({lang})"),
            false,
            300,
            Content::One(Slot::PerLang("role", Layout::Inline)),
        ),
    ]
}

/// The fields of a form, at most five. `new` adds the id field first.
pub fn fields(shape: Shape, lang: &str, new: bool) -> Vec<Field> {
    let mut out = Vec::new();
    if new {
        let mut id = field(
            "id",
            "Id (a-z, 0-9 and -)".to_owned(),
            false,
            MAX_ID_LEN,
            Content::Id,
        );
        id.required = true;
        out.push(id);
    }
    match shape {
        Shape::Answer => {
            out.push(field(
                "title",
                format!("Title ({lang})"),
                false,
                MAX_TITLE,
                Content::One(Slot::PerLang("title", Layout::Section)),
            ));
            let mut aliases = field(
                "aliases",
                format!("Aliases ({lang}), one per line"),
                true,
                MAX_INPUT,
                Content::One(Slot::PerLangLines("aliases")),
            );
            aliases.placeholder = Some("The ways people ask, one per line".to_owned());
            out.push(aliases);
            out.push(field(
                "body",
                format!("Body ({lang})"),
                true,
                MAX_BODY,
                Content::One(Slot::PerLang("body", Layout::Section)),
            ));
            out.push(details(
                vec![
                    Slot::Ids("sources"),
                    Slot::Ids("quotes"),
                    Slot::Text("category"),
                    Slot::Texts("tags"),
                    Slot::Text("reviewed"),
                    Slot::Flag("pinned"),
                ],
                "Sources, quotes, category, tags, reviewed",
            ));
        }
        Shape::Quote => {
            out.push(field(
                "text",
                format!("Text ({lang}), verbatim from the archive"),
                true,
                MAX_QUOTE_FIELD,
                Content::One(Slot::Text("text")),
            ));
            out.extend(speaker_and_role(
                format!("Speaker ({lang}), spelt as the source does"),
                lang,
            ));
            out.push(details(
                vec![
                    Slot::Text("source"),
                    Slot::Text("date"),
                    Slot::Texts("speaker_aliases"),
                    Slot::PerLang("note", Layout::Inline),
                    // How the words reached the bank (empty: the speaker's own words).
                    Slot::Text("provenance"),
                    Slot::Text("spoken_language"),
                    Slot::Localized("translated_by"),
                    Slot::Text("original"),
                ],
                "Source, date, aliases, note, provenance",
            ));
        }
        Shape::QuoteTranslation => {
            out.push(field(
                "translation",
                format!("Translation ({lang}), the bank's own"),
                true,
                MAX_QUOTE_FIELD,
                Content::One(Slot::PerLang("translations", Layout::Section)),
            ));
            out.extend(speaker_and_role(format!("Speaker ({lang})"), lang));
            out.push(field(
                "note",
                format!("Note ({lang}), optional"),
                true,
                300,
                Content::One(Slot::PerLang("note", Layout::Inline)),
            ));
            out.push(field(
                "translated_by",
                format!("Published translation by ({lang}), if any"),
                false,
                300,
                Content::One(Slot::Localized("translated_by")),
            ));
        }
        Shape::Source => {
            out.push(field(
                "outlet",
                format!("Outlet ({lang})"),
                false,
                200,
                Content::One(Slot::Localized("outlet")),
            ));
            out.push(field(
                "title",
                format!("Title ({lang})"),
                true,
                MAX_LINE,
                Content::One(Slot::Localized("title")),
            ));
            out.push(field(
                "note",
                format!("Note ({lang}), optional"),
                true,
                MAX_LINE,
                Content::One(Slot::Localized("note")),
            ));
            out.push(details(
                vec![
                    Slot::Text("url"),
                    Slot::Text("published"),
                    Slot::Text("confidence"),
                    Slot::Text("language"),
                ],
                "Address, published, confidence, language",
            ));
        }
        Shape::Event => {
            out.push(field(
                "text",
                format!("Text ({lang})"),
                true,
                MAX_LINE,
                Content::One(Slot::PerLang("text", Layout::Inline)),
            ));
            let mut date = field(
                "date",
                "Date (YYYY-MM-DD, YYYY-MM or YYYY)".to_owned(),
                false,
                10,
                Content::One(Slot::Text("date")),
            );
            date.required = true;
            out.push(date);
            out.push(field(
                "sources",
                "Source ids, separated by commas".to_owned(),
                false,
                1000,
                Content::One(Slot::Ids("sources")),
            ));
        }
    }
    out
}

/// Reads a slot's value from an entry.
pub fn read(slot: Slot, entry: &toml::Table, langs: &Langs) -> SlotValue {
    let value = entry.get(slot.key());
    let text = |v: Option<&toml::Value>| match v.and_then(toml::Value::as_str) {
        Some(s) => SlotValue::Text(s.to_owned()),
        None => SlotValue::Absent,
    };
    let list = |v: Option<&toml::Value>| match v.and_then(toml::Value::as_array) {
        Some(items) => SlotValue::List(
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect(),
        ),
        None => SlotValue::Absent,
    };
    match slot {
        Slot::Text(_) => text(value),
        Slot::PerLang(..) => text(value.and_then(|t| t.get(&langs.form))),
        Slot::Localized(_) => match value {
            Some(toml::Value::String(s)) => SlotValue::Text(s.clone()),
            Some(table) => text(table.get(&langs.form)),
            None => SlotValue::Absent,
        },
        Slot::Ids(_) | Slot::Texts(_) => list(value),
        Slot::PerLangLines(_) => list(value.and_then(|t| t.get(&langs.form))),
        Slot::Flag(_) => SlotValue::Flag(value.and_then(toml::Value::as_bool).unwrap_or(false)),
    }
}

/// A slot's value as a form shows it.
pub fn show(slot: Slot, value: &SlotValue) -> String {
    match value {
        SlotValue::Absent => String::new(),
        // Long texts are kept with a final newline in the files (`"""` blocks); the form does
        // not show it.
        SlotValue::Text(s) => s.trim_end_matches('\n').to_owned(),
        SlotValue::List(items) => match slot {
            Slot::PerLangLines(_) => items.join("\n"),
            _ => items.join(", "),
        },
        SlotValue::Flag(b) => if *b { "yes" } else { "no" }.to_owned(),
    }
}

/// Parses what a person typed for a slot. Empty means absent.
pub fn parse(slot: Slot, typed: &str) -> Result<SlotValue, String> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(match slot {
            Slot::Flag(_) => SlotValue::Flag(false),
            _ => SlotValue::Absent,
        });
    }
    Ok(match slot {
        Slot::Text(_) | Slot::PerLang(..) | Slot::Localized(_) => SlotValue::Text(typed.to_owned()),
        Slot::Ids(_) => SlotValue::List(
            typed
                .split(|c: char| c == ',' || c == '،' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        Slot::Texts(_) => SlotValue::List(
            typed
                .split([',', '،', '\n'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        Slot::PerLangLines(_) => SlotValue::List(
            typed
                .lines()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        Slot::Flag(key) => match typed.to_lowercase().as_str() {
            "yes" | "true" | "y" | "1" | "نعم" => SlotValue::Flag(true),
            "no" | "false" | "n" | "0" | "لا" => SlotValue::Flag(false),
            _ => return Err(format!("`{key}` is yes or no, not `{typed}`")),
        },
    })
}

/// Whether two values mean the same to a reader of the form (a form shows texts without
/// their final newline, and an empty list as nothing).
pub fn same(slot: Slot, a: &SlotValue, b: &SlotValue) -> bool {
    show(slot, a) == show(slot, b)
}

/// The text of the details field: one `key: value` line per slot.
pub fn show_details(slots: &[Slot], values: &[SlotValue]) -> String {
    slots
        .iter()
        .zip(values)
        .map(|(slot, value)| format!("{}: {}", slot.key(), show(*slot, value)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Parses the details field. A key left out keeps its value (`None`); `key:` with nothing
/// after it clears it.
pub fn parse_details(slots: &[Slot], typed: &str) -> Result<Vec<Option<SlotValue>>, Vec<String>> {
    let mut out: Vec<Option<SlotValue>> = vec![None; slots.len()];
    let mut problems = Vec::new();
    let keys: Vec<&str> = slots.iter().map(|s| s.key()).collect();
    for line in typed.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some((key, value)) = line.split_once(':') else {
            problems.push(format!(
                "details: `{}` is not a `key: value` line",
                crate::render::fit(line, 60)
            ));
            continue;
        };
        let key = key.trim().to_lowercase();
        let Some(index) = keys.iter().position(|k| *k == key) else {
            let hint = crate::bank::suggest(&key, &keys)
                .map(|k| format!("did you mean `{k}`?"))
                .unwrap_or_else(|| format!("the keys are: {}", keys.join(", ")));
            problems.push(format!("details: unknown key `{key}` ({hint})"));
            continue;
        };
        if out[index].is_some() {
            problems.push(format!("details: `{key}` is given twice"));
            continue;
        }
        match parse(slots[index], value) {
            Ok(v) => out[index] = Some(v),
            Err(e) => problems.push(format!("details: {e}")),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// Characters a form may not carry: control characters other than line breaks and tabs.
pub fn control_character(typed: &str) -> Option<char> {
    typed
        .chars()
        .find(|&c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
}

/// Replaces a value, keeping the comment and spacing around the old one.
fn set_value(table: &mut dyn toml_edit::TableLike, key: &str, mut value: Value) {
    if let Some(old) = table.get(key).and_then(Item::as_value) {
        *value.decor_mut() = old.decor().clone();
    }
    table.insert(key, Item::Value(value));
}

fn array(items: &[String]) -> Value {
    Value::Array(items.iter().map(String::as_str).collect::<Array>())
}

/// Keeps the final newline a long text had in the file when the new text has none.
fn like_old(new: &str, old: Option<&str>) -> String {
    match old {
        Some(old) if old.ends_with('\n') && !new.ends_with('\n') => format!("{new}\n"),
        _ => new.to_owned(),
    }
}

/// The per-language table under `key`, created with `layout` when missing.
fn lang_table<'t>(
    table: &'t mut Table,
    key: &str,
    layout: Layout,
) -> Option<&'t mut dyn toml_edit::TableLike> {
    if !table.contains_key(key) {
        let item = match layout {
            Layout::Inline => Item::Value(Value::InlineTable(InlineTable::new())),
            Layout::Section => Item::Table(Table::new()),
        };
        table.insert(key, item);
    }
    table.get_mut(key)?.as_table_like_mut()
}

/// Removes `key` when it holds an empty table.
fn drop_if_empty(table: &mut Table, key: &str) {
    if table
        .get(key)
        .and_then(Item::as_table_like)
        .is_some_and(|t| t.is_empty())
    {
        table.remove(key);
    }
}

/// Writes a slot's new value into an entry's table.
pub fn write(slot: Slot, table: &mut Table, value: &SlotValue, langs: &Langs) {
    let key = slot.key();
    match (slot, value) {
        (Slot::Text(_), SlotValue::Text(s)) => {
            let old = table.get(key).and_then(Item::as_str).map(str::to_owned);
            set_value(table, key, Value::from(like_old(s, old.as_deref())));
        }
        (Slot::Ids(_) | Slot::Texts(_), SlotValue::List(items)) if !items.is_empty() => {
            set_value(table, key, array(items));
        }
        (Slot::Flag(_), SlotValue::Flag(true)) => set_value(table, key, Value::from(true)),
        (Slot::Text(_) | Slot::Ids(_) | Slot::Texts(_) | Slot::Flag(_), _) => {
            table.remove(key);
        }
        (Slot::PerLang(_, layout), value) => write_per_lang(table, key, layout, value, langs),
        (Slot::PerLangLines(_), SlotValue::List(items)) if !items.is_empty() => {
            if let Some(t) = lang_table(table, key, Layout::Section) {
                set_value(t, &langs.form, array(items));
            }
        }
        (Slot::PerLangLines(_), _) => {
            write_per_lang(table, key, Layout::Section, &SlotValue::Absent, langs)
        }
        (Slot::Localized(_), value) => write_localized(table, key, value, langs),
    }
}

/// Sets (or, for an absent value, removes) the form language's text of a per-language table.
fn write_per_lang(table: &mut Table, key: &str, layout: Layout, value: &SlotValue, langs: &Langs) {
    match value {
        SlotValue::Text(s) => {
            if let Some(t) = lang_table(table, key, layout) {
                let old = t.get(&langs.form).and_then(Item::as_str).map(str::to_owned);
                set_value(t, &langs.form, Value::from(like_old(s, old.as_deref())));
            }
        }
        _ => {
            if let Some(t) = table.get_mut(key).and_then(Item::as_table_like_mut) {
                t.remove(&langs.form);
            }
            drop_if_empty(table, key);
        }
    }
}

/// A text given once for every language, or per language: editing one language of a single
/// string turns it into a table only when that language differs from the default.
fn write_localized(table: &mut Table, key: &str, value: &SlotValue, langs: &Langs) {
    let new = match value {
        SlotValue::Text(s) => Some(s.clone()),
        _ => None,
    };
    let current = table.get(key).and_then(Item::as_str).map(str::to_owned);
    let is_table = table.get(key).is_some_and(|i| i.as_table_like().is_some());
    match (current, is_table, new) {
        // A single string.
        (Some(_), _, Some(new)) if langs.form == langs.default => {
            set_value(table, key, Value::from(new))
        }
        (Some(_), _, None) if langs.form == langs.default => {
            table.remove(key);
        }
        // Clearing another language of a single string: it already shows the default text.
        (Some(_), _, None) => {}
        (Some(old), _, Some(new)) => {
            let mut t = InlineTable::new();
            t.insert(&langs.default, Value::from(old));
            t.insert(&langs.form, Value::from(new));
            set_value(table, key, Value::InlineTable(t));
        }
        // A table per language.
        (None, true, new) => {
            let per_lang = match new {
                Some(s) => SlotValue::Text(s),
                None => SlotValue::Absent,
            };
            write_per_lang(table, key, Layout::Inline, &per_lang, langs);
        }
        // Not there yet: one string in the default language, a table in another.
        (None, false, Some(new)) if langs.form == langs.default => {
            set_value(table, key, Value::from(new))
        }
        (None, false, Some(new)) => {
            let mut t = InlineTable::new();
            t.insert(&langs.form, Value::from(new));
            table.insert(key, Item::Value(Value::InlineTable(t)));
        }
        (None, false, None) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn langs(form: &str) -> Langs {
        Langs {
            form: form.into(),
            default: "en".into(),
        }
    }

    #[test]
    fn every_form_fits_a_modal() {
        for shape in [
            Shape::Answer,
            Shape::Quote,
            Shape::QuoteTranslation,
            Shape::Source,
            Shape::Event,
        ] {
            for new in [false, true] {
                if new && shape == Shape::QuoteTranslation {
                    continue; // a new quote opens in its own language
                }
                let fields = fields(shape, "ar", new);
                assert!((1..=5).contains(&fields.len()), "{shape:?} {new}");
                for f in &fields {
                    assert!(f.label.chars().count() <= MAX_LABEL, "{}", f.label);
                    assert!(f.max <= MAX_INPUT);
                    assert!(f
                        .placeholder
                        .as_deref()
                        .is_none_or(|p| p.chars().count() <= 100));
                }
                let mut ids: Vec<&str> = fields.iter().map(|f| f.id).collect();
                ids.dedup();
                assert_eq!(ids.len(), fields.len());
            }
        }
    }

    #[test]
    fn lists_parse_from_what_people_type() {
        assert_eq!(
            parse(Slot::Ids("sources"), " a, b  c،d\n e ").expect("ids"),
            SlotValue::List(vec![
                "a".into(),
                "b".into(),
                "c".into(),
                "d".into(),
                "e".into()
            ])
        );
        assert_eq!(
            parse(Slot::Texts("speaker_aliases"), "Ali Panjwani, A. Panjwani").expect("texts"),
            SlotValue::List(vec!["Ali Panjwani".into(), "A. Panjwani".into()])
        );
        assert_eq!(
            parse(Slot::PerLangLines("aliases"), "one\n\n two words \n").expect("lines"),
            SlotValue::List(vec!["one".into(), "two words".into()])
        );
        assert_eq!(
            parse(Slot::Text("url"), "  ").expect("empty"),
            SlotValue::Absent
        );
        assert_eq!(
            parse(Slot::Flag("pinned"), "Yes").expect("flag"),
            SlotValue::Flag(true)
        );
        assert!(parse(Slot::Flag("pinned"), "maybe").is_err());
    }

    #[test]
    fn details_keep_what_is_left_out_and_report_typos() {
        let slots = [
            Slot::Ids("sources"),
            Slot::Text("category"),
            Slot::Flag("pinned"),
        ];
        let parsed = parse_details(&slots, "sources: a, b\ncategory:\n").expect("parses");
        assert_eq!(
            parsed,
            vec![
                Some(SlotValue::List(vec!["a".into(), "b".into()])),
                Some(SlotValue::Absent),
                None
            ]
        );
        let problems = parse_details(&slots, "sourses: a\njust words\ncategory: x\ncategory: y")
            .expect_err("problems");
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(
            problems[0].contains("did you mean `sources`"),
            "{problems:?}"
        );
        assert!(problems[2].contains("twice"), "{problems:?}");
        let shown = show_details(
            &slots,
            &[
                SlotValue::List(vec!["a".into(), "b".into()]),
                SlotValue::Text("contract".into()),
                SlotValue::Flag(false),
            ],
        );
        assert_eq!(shown, "sources: a, b\ncategory: contract\npinned: no");
        let back = parse_details(&slots, &shown).expect("round trip");
        assert_eq!(back[1], Some(SlotValue::Text("contract".into())));
    }

    fn table(text: &str) -> (toml_edit::DocumentMut, toml::Table) {
        let doc: toml_edit::DocumentMut = text.parse().expect("toml");
        let value: toml::Table = toml::from_str(text).expect("toml");
        (doc, value)
    }

    #[test]
    fn writing_keeps_comments_and_the_final_newline_of_long_texts() {
        let (mut doc, value) = table(
            "id = \"a\" # the id\ntags = [\"x\"] # tags\n\n[body]\nen = \"old\\n\" # kept\nar = \"قديم\"\n",
        );
        let l = langs("en");
        assert_eq!(
            read(Slot::PerLang("body", Layout::Section), &value, &l),
            SlotValue::Text("old\n".into())
        );
        write(
            Slot::PerLang("body", Layout::Section),
            doc.as_table_mut(),
            &SlotValue::Text("new".into()),
            &l,
        );
        write(
            Slot::Texts("tags"),
            doc.as_table_mut(),
            &SlotValue::List(vec!["y".into(), "z".into()]),
            &l,
        );
        write(
            Slot::Text("id"),
            doc.as_table_mut(),
            &SlotValue::Text("b".into()),
            &l,
        );
        assert_eq!(
            doc.to_string(),
            "id = \"b\" # the id\ntags = [\"y\", \"z\"] # tags\n\n[body]\nen = \"\"\"\nnew\n\"\"\" # kept\nar = \"قديم\"\n"
        );
    }

    #[test]
    fn a_single_string_becomes_per_language_only_for_another_language() {
        let (mut doc, _) = table("outlet = \"Globes\"\n");
        write(
            Slot::Localized("outlet"),
            doc.as_table_mut(),
            &SlotValue::Text("Globes (Tel Aviv)".into()),
            &langs("en"),
        );
        assert_eq!(doc.to_string(), "outlet = \"Globes (Tel Aviv)\"\n");
        write(
            Slot::Localized("outlet"),
            doc.as_table_mut(),
            &SlotValue::Absent,
            &langs("ar"),
        );
        assert_eq!(
            doc.to_string(),
            "outlet = \"Globes (Tel Aviv)\"\n",
            "clearing ar keeps it"
        );
        write(
            Slot::Localized("outlet"),
            doc.as_table_mut(),
            &SlotValue::Text("غلوبس".into()),
            &langs("ar"),
        );
        let value: toml::Table = toml::from_str(&doc.to_string()).expect("toml");
        assert_eq!(
            value["outlet"]["en"].as_str(),
            Some("Globes (Tel Aviv)"),
            "{doc}"
        );
        assert_eq!(value["outlet"]["ar"].as_str(), Some("غلوبس"));
        write(
            Slot::Localized("outlet"),
            doc.as_table_mut(),
            &SlotValue::Absent,
            &langs("ar"),
        );
        let value: toml::Table = toml::from_str(&doc.to_string()).expect("toml");
        assert!(value["outlet"].get("ar").is_none(), "{doc}");
    }

    #[test]
    fn clearing_the_last_language_removes_the_table() {
        let (mut doc, _) = table("id = \"q\"\nnote = { ar = \"ملاحظة\" }\n");
        write(
            Slot::PerLang("note", Layout::Inline),
            doc.as_table_mut(),
            &SlotValue::Absent,
            &langs("ar"),
        );
        assert_eq!(doc.to_string(), "id = \"q\"\n");
    }

    #[test]
    fn typed_text_cannot_become_toml_structure() {
        let (mut doc, _) = table("id = \"a\"\n");
        let hostile = "x\"\n[[answer]]\nid = \"evil\"\n\"\"\"";
        write(
            Slot::Text("category"),
            doc.as_table_mut(),
            &SlotValue::Text(hostile.into()),
            &langs("en"),
        );
        let value: toml::Table = toml::from_str(&doc.to_string()).expect("still one table");
        assert_eq!(value.len(), 2, "{doc}");
        assert_eq!(value["category"].as_str(), Some(hostile));
    }

    #[test]
    fn control_characters_are_found() {
        assert_eq!(control_character("fine\nlines\ttab"), None);
        assert_eq!(control_character("bell\u{7}"), Some('\u{7}'));
    }
}
