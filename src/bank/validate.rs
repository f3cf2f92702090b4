//! Checks a parsed bank as a whole and, when it is sound, builds the [`Bank`]. Every problem is
//! collected, not just the first, so that a moderator fixes a file in one round.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::path::{Component, Path};

use serde_spanned::Spanned;

use super::diagnostic::{Diagnostic, Severity};
use super::files::Unread;
use super::load::{suggest, LoadOptions, Parsed, Place};
use super::raw;
use super::{
    Answer, Bank, EntryRef, Event, Example, Language, Localized, Provenance, Quote, Source, Texts,
};
use crate::search::{Analyzer, Document, Index};

/// Longest id: ids travel inside 100-character button ids with a prefix and a language code.
pub const MAX_ID_LEN: usize = 64;
/// Longest title or alias: autocomplete choice names stop at 100 characters.
pub const MAX_TITLE: usize = 100;
/// Longest answer body: an embed description.
pub const MAX_BODY: usize = 4096;
/// Longest quote block (speaker line + text): an embed field value.
pub const MAX_QUOTE_FIELD: usize = 1024;
/// Longest timeline line or source title.
pub const MAX_LINE: usize = 900;
/// Longest example question: what `/ask` accepts, so that every example can really be asked.
pub const MAX_EXAMPLE: usize = 300;
/// Most example questions per answer and language: enough to cover the ways people ask,
/// few enough that `check` stays quick when search costs a millisecond per question.
pub const MAX_EXAMPLES: usize = 20;

struct Reporter<'a> {
    parsed: &'a Parsed,
    out: &'a mut Vec<Diagnostic>,
}

impl Reporter<'_> {
    fn at(
        &mut self,
        file: usize,
        span: &Range<usize>,
        severity: Severity,
        message: String,
        hint: Option<String>,
    ) {
        let f = &self.parsed.files[file];
        let (line, col) = f.line_col(span.start);
        self.out.push(Diagnostic {
            path: f.path.clone(),
            line,
            col,
            severity,
            message,
            hint,
        });
    }

    fn error(&mut self, file: usize, span: &Range<usize>, message: impl Into<String>) {
        self.at(file, span, Severity::Error, message.into(), None);
    }

    fn error_hint(
        &mut self,
        file: usize,
        span: &Range<usize>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.at(
            file,
            span,
            Severity::Error,
            message.into(),
            Some(hint.into()),
        );
    }

    fn warning(
        &mut self,
        file: usize,
        span: &Range<usize>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.at(
            file,
            span,
            Severity::Warning,
            message.into(),
            Some(hint.into()),
        );
    }

    fn place(&self, file: usize, span: &Range<usize>) -> String {
        let f = &self.parsed.files[file];
        let (line, col) = f.line_col(span.start);
        format!("{}:{line}:{col}", f.path.display())
    }

    fn locate(&self, file: usize, span: &Range<usize>) -> Place {
        let f = &self.parsed.files[file];
        let (line, col) = f.line_col(span.start);
        Place {
            path: f.path.clone(),
            line,
            col,
        }
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Whether `id` is usable as a choice value and inside a button id.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
}

/// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD` into the earliest day it covers.
pub fn parse_date(s: &str) -> Option<time::Date> {
    let parts: Vec<&str> = s.split('-').collect();
    let num = |p: &str, len: usize| -> Option<u32> {
        (p.len() == len && p.bytes().all(|b| b.is_ascii_digit())).then(|| p.parse().ok())?
    };
    let year = num(parts.first()?, 4)? as i32;
    let month = match parts.get(1) {
        Some(m) => num(m, 2)?,
        None => 1,
    };
    let day = match parts.get(2) {
        Some(d) => num(d, 2)?,
        None => 1,
    };
    if parts.len() > 3 {
        return None;
    }
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    time::Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()
}

/// Runs of whitespace become one space, so line breaks in an archive do not hide a quote.
pub fn fold_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn validate(
    dir: &Path,
    parsed: Parsed,
    options: &LoadOptions,
    out: &mut Vec<Diagnostic>,
) -> Option<Bank> {
    let mut r = Reporter {
        parsed: &parsed,
        out,
    };

    // Languages first: every per-language text is checked against them.
    let mut languages: Vec<Language> = Vec::new();
    for l in &parsed.languages {
        let code = l.value.code.get_ref();
        if !valid_lang_code(code) {
            r.error_hint(
                l.file,
                &l.value.code.span(),
                format!("`{code}` is not a language code"),
                "use a lowercase ISO 639-1 code such as `en` or `ar`",
            );
        } else if languages.iter().any(|x| &x.code == code) {
            r.error(
                l.file,
                &l.value.code.span(),
                format!("language `{code}` is declared twice"),
            );
        } else {
            languages.push(Language {
                code: code.clone(),
                name: l.value.name.get_ref().clone(),
                direction: l.value.direction,
                locales: l.value.locales.clone(),
                script: crate::text::dominant_script(l.value.name.get_ref()),
                strings: l.value.strings.clone().defused(),
            });
        }
    }
    if let Some(default) = &options.default_language {
        match languages.iter().position(|l| &l.code == default) {
            Some(i) => {
                let l = languages.remove(i);
                languages.insert(0, l);
            }
            None if !languages.is_empty() && !parsed.broken_languages.contains(default) => {
                r.out.push(undeclared_setting(
                    dir,
                    options.default_language_at.as_ref(),
                    &format!("default_language = `{default}`"),
                    &languages,
                ));
            }
            None => {}
        }
    }
    for (guild, code, place) in &options.guild_languages {
        let declared = languages.iter().any(|l| &l.code == code);
        if declared || languages.is_empty() || parsed.broken_languages.contains(code) {
            continue;
        }
        r.out.push(undeclared_setting(
            dir,
            place.as_ref(),
            &format!("[discord.guilds.\"{guild}\"] language = `{code}`"),
            &languages,
        ));
    }
    if languages.is_empty() {
        r.out.push(Diagnostic {
            path: dir.to_path_buf(),
            line: 1,
            col: 1,
            severity: Severity::Error,
            message: "the bank declares no language".into(),
            hint: Some("add a [[language]] entry (see responses/README.md)".into()),
        });
        if parsed.broken_languages.is_empty() {
            // Every text would be "in an unknown language" (some 2,500 lines for the shipped
            // bank): the one line above is the fix.
            return None;
        }
    }
    // A language whose entry is broken is already reported there; texts in it are not reported
    // again as "unknown language" (one missing string made some 900 such lines).
    let declared: HashSet<&str> = languages
        .iter()
        .map(|l| l.code.as_str())
        .chain(parsed.broken_languages.iter().map(String::as_str))
        .collect();
    let default_lang = languages
        .first()
        .map(|l| l.code.clone())
        .unwrap_or_default();

    // Ids are unique across kinds, because buttons and choices carry bare ids.
    let mut ids: HashMap<String, (usize, Range<usize>, EntryRef)> = HashMap::new();
    let mut register = |r: &mut Reporter, file: usize, id: &Spanned<String>, entry: EntryRef| {
        let span = id.span();
        let id = id.get_ref();
        if !valid_id(id) {
            r.error_hint(
                file,
                &span,
                format!("id `{id}` cannot be used as a command choice"),
                format!(
                    "ids are 1-{MAX_ID_LEN} characters of a-z, 0-9 and `-`, not starting with `-`"
                ),
            );
        }
        if let Some((f, s, _)) = ids.get(id) {
            let first = r.place(*f, s);
            r.error_hint(
                file,
                &span,
                format!("duplicate id `{id}`"),
                format!("first defined at {first}"),
            );
        } else {
            ids.insert(id.clone(), (file, span, entry));
        }
    };
    // In file order, so that "first defined at" points at what a reader meets first.
    let mut all: Vec<(usize, &Spanned<String>, EntryRef)> = Vec::new();
    all.extend(
        parsed
            .sources
            .iter()
            .enumerate()
            .map(|(i, x)| (x.file, &x.value.id, EntryRef::Source(i))),
    );
    all.extend(
        parsed
            .quotes
            .iter()
            .enumerate()
            .map(|(i, x)| (x.file, &x.value.id, EntryRef::Quote(i))),
    );
    all.extend(
        parsed
            .answers
            .iter()
            .enumerate()
            .map(|(i, x)| (x.file, &x.value.id, EntryRef::Answer(i))),
    );
    all.extend(
        parsed
            .events
            .iter()
            .enumerate()
            .map(|(i, x)| (x.file, &x.value.id, EntryRef::Event(i))),
    );
    all.sort_by_key(|(file, id, _)| (*file, id.span().start));
    for (file, id, entry) in all {
        register(&mut r, file, id, entry);
    }
    let source_ids: Vec<&str> = parsed
        .sources
        .iter()
        .map(|s| s.value.id.get_ref().as_str())
        .collect();
    let quote_ids: Vec<&str> = parsed
        .quotes
        .iter()
        .map(|q| q.value.id.get_ref().as_str())
        .collect();
    let resolve =
        |r: &mut Reporter, file: usize, reference: &Spanned<String>, want: &str| -> Option<usize> {
            let id = reference.get_ref();
            match ids.get(id) {
                Some((_, _, EntryRef::Source(i))) if want == "source" => Some(*i),
                Some((_, _, EntryRef::Quote(i))) if want == "quote" => Some(*i),
                Some(_) => {
                    r.error(file, &reference.span(), format!("`{id}` is not a {want}"));
                    None
                }
                None => {
                    let pool = if want == "source" {
                        &source_ids
                    } else {
                        &quote_ids
                    };
                    let hint = suggest(id, pool).map(|s| format!("did you mean `{s}`?"));
                    r.at(
                        file,
                        &reference.span(),
                        Severity::Error,
                        format!("unknown {want} id `{id}`"),
                        hint,
                    );
                    None
                }
            }
        };

    let check_langs = |r: &mut Reporter,
                       file: usize,
                       entry_span: &Range<usize>,
                       texts: &BTreeMap<String, Spanned<String>>,
                       what: &str,
                       required: bool,
                       max: usize| {
        for (code, text) in texts {
            if !declared.contains(code.as_str()) {
                let hint = format!("declared languages: {}", codes(&languages));
                r.error_hint(
                    file,
                    &text.span(),
                    format!("{what}: unknown language `{code}`"),
                    hint,
                );
            }
            check_text(r, file, text, what, max);
        }
        if required {
            for l in &languages {
                if !texts.contains_key(&l.code) {
                    if l.code == default_lang {
                        r.error(
                            file,
                            entry_span,
                            format!("{what} has no `{}` text (the default language)", l.code),
                        );
                    } else {
                        r.warning(
                            file,
                            entry_span,
                            format!("{what} has no `{}` text", l.code),
                            format!("readers of {} will see {default_lang} instead", l.name),
                        );
                    }
                }
            }
        }
    };

    // Sources.
    let localized =
        |r: &mut Reporter, file: usize, value: &Spanned<raw::Localized>, what: &str, max: usize| {
            localized_with(r, file, value, what, max, &languages, &declared)
        };
    let mut archives: Vec<Option<String>> = Vec::new();
    let mut sources = Vec::new();
    for s in &parsed.sources {
        let v = &s.value;
        let title = localized(&mut r, s.file, &v.title, "source title", MAX_LINE);
        let outlet = localized(&mut r, s.file, &v.outlet, "source outlet", 200);
        let note = v
            .note
            .as_ref()
            .map(|n| localized(&mut r, s.file, n, "source note", MAX_LINE));
        match &v.url {
            Some(url) => check_url(&mut r, s.file, url),
            None if v.archive.is_none() => r.error_hint(s.file, &s.span, format!("source `{}` has neither a url nor an archive", v.id.get_ref()), "readers must be able to check a source: give its address, or archive its text in the bank"),
            None => {}
        }
        check_date(&mut r, s.file, &v.published);
        if !valid_lang_code(v.language.get_ref()) {
            r.error(
                s.file,
                &v.language.span(),
                format!("`{}` is not a language code", v.language.get_ref()),
            );
        }
        let archive = v
            .archive
            .as_ref()
            .and_then(|a| read_archive(&mut r, s.file, dir, a));
        archives.push(archive);
        sources.push(Source {
            id: v.id.get_ref().clone(),
            outlet,
            title,
            url: v.url.as_ref().map(|u| u.get_ref().clone()),
            published: v.published.get_ref().clone(),
            language: v.language.get_ref().clone(),
            confidence: *v.confidence.get_ref(),
            note,
        });
    }
    let folded_archives: Vec<Option<String>> = archives
        .iter()
        .map(|a| a.as_deref().map(fold_whitespace))
        .collect();

    // Quotes.
    let mut quotes = Vec::new();
    for q in &parsed.quotes {
        let v = &q.value;
        let lang = v.language.get_ref();
        if !valid_lang_code(lang) {
            r.error(
                q.file,
                &v.language.span(),
                format!("`{lang}` is not a language code"),
            );
        }
        check_text(&mut r, q.file, &v.text, "quote text", MAX_QUOTE_FIELD);
        check_date(&mut r, q.file, &v.date);
        match v.speaker.get(lang) {
            None => r.error_hint(
                q.file,
                &q.span,
                format!("quote has no speaker name in its own language `{lang}`"),
                format!("add `{lang} = \"...\"` to speaker, spelt as the source spells it"),
            ),
            Some(name) => {
                let longest_role = v
                    .role
                    .values()
                    .map(|x| chars(x.get_ref()))
                    .max()
                    .unwrap_or(0);
                let block = chars(v.text.get_ref()) + chars(name.get_ref()) + longest_role + 16;
                if block > MAX_QUOTE_FIELD {
                    r.error_hint(q.file, &v.text.span(), format!("quote with its speaker line is {block} characters; an embed field holds {MAX_QUOTE_FIELD}"), "quote a shorter passage that stands on its own");
                }
            }
        }
        for (what, texts) in [
            ("speaker", &v.speaker),
            ("role", &v.role),
            ("note", &v.note),
        ] {
            for (code, text) in texts {
                if code != lang && !declared.contains(code.as_str()) {
                    r.error_hint(
                        q.file,
                        &text.span(),
                        format!("quote {what}: unknown language `{code}`"),
                        format!("declared languages: {}", codes(&languages)),
                    );
                }
                check_text(&mut r, q.file, text, &format!("quote {what}"), 300);
            }
        }
        if v.role.is_empty() {
            r.error_hint(
                q.file,
                &q.span,
                "quote has no speaker role",
                "say who the speaker is: `role = { en = \"...\", ar = \"...\" }`",
            );
        }
        for (code, text) in &v.translations {
            if code == lang {
                r.error_hint(
                    q.file,
                    &text.span(),
                    format!("a translation into `{code}`, the quote's own language"),
                    "the original text is the quote; remove this translation",
                );
            } else if !declared.contains(code.as_str()) {
                r.error_hint(
                    q.file,
                    &text.span(),
                    format!("translation into unknown language `{code}`"),
                    format!("declared languages: {}", codes(&languages)),
                );
            }
            check_text(&mut r, q.file, text, "quote translation", MAX_QUOTE_FIELD);
        }
        for alias in &v.speaker_aliases {
            check_text(&mut r, q.file, alias, "speaker alias", MAX_TITLE);
        }
        let provenance = match v.provenance.as_ref().map(|p| (p, p.get_ref().as_str())) {
            None | Some((_, "spoken")) => {
                let translation_only = [
                    (
                        "spoken_language",
                        v.spoken_language.as_ref().map(Spanned::span),
                    ),
                    ("translated_by", v.translated_by.as_ref().map(Spanned::span)),
                    ("original", v.original.as_ref().map(Spanned::span)),
                ];
                for (field, span) in translation_only {
                    if let Some(span) = span {
                        r.error_hint(q.file, &span, format!("`{field}` belongs to a published translation, but this quote's provenance is `spoken`"), "set `provenance = \"translated\"` if `text` translates words said in another language; otherwise remove the field");
                    }
                }
                Provenance::Spoken
            }
            Some((_, "translated")) => {
                let spoken_language = match &v.spoken_language {
                    None => {
                        r.error_hint(
                            q.file,
                            &q.span,
                            "a translated quote needs `spoken_language`",
                            "give the language the speaker used, e.g. `spoken_language = \"en\"`",
                        );
                        String::new()
                    }
                    Some(spoken) => {
                        let code = spoken.get_ref();
                        if !valid_lang_code(code) {
                            r.error(
                                q.file,
                                &spoken.span(),
                                format!("`{code}` is not a language code"),
                            );
                        } else if code == lang {
                            r.error_hint(q.file, &spoken.span(), format!("`spoken_language` is `{code}`, the language of `text` itself"), "words in the language the speaker used are the speaker's own: remove `provenance`, `spoken_language` and `translated_by`");
                        } else if let Some(l) = languages
                            .iter()
                            .find(|l| !l.strings.language_names.contains_key(code))
                        {
                            r.error_hint(q.file, &spoken.span(), format!("language `{}` has no name for `{code}`, which readers see in the translation label", l.code), format!("add `{code} = \"...\"` to `language_names` in the strings of every [[language]]"));
                        }
                        code.clone()
                    }
                };
                let translated_by = match &v.translated_by {
                    None => {
                        r.error_hint(q.file, &q.span, "a translated quote needs `translated_by`", "name who published the translation, e.g. `translated_by = { en = \"the Arabic seed article\", ar = \"المقال العربي\" }`");
                        Localized::plain("")
                    }
                    Some(by) => localized(&mut r, q.file, by, "translated_by", 200),
                };
                let original = v.original.as_ref().and_then(|o| {
                    let i = resolve(&mut r, q.file, o, "quote")?;
                    let problem = original_problem(v, &parsed.quotes[i].value, &spoken_language);
                    if let Some((message, hint)) = problem {
                        r.error_hint(q.file, &o.span(), message, hint);
                    }
                    Some(o.get_ref().clone())
                });
                Provenance::Translated {
                    spoken_language,
                    translated_by,
                    original,
                }
            }
            Some((p, other)) => {
                r.error_hint(q.file, &p.span(), format!("unknown provenance `{other}`"), "use `spoken` (the speaker's own words, in the language they used) or `translated` (a published translation of them); a paraphrase is not a quote: put it in an answer's body, attributed");
                Provenance::Spoken
            }
        };
        let source = resolve(&mut r, q.file, &v.source, "source");
        if let Some(i) = source {
            match &folded_archives[i] {
                Some(archive) if !archive.contains(&fold_whitespace(v.text.get_ref())) => {
                    let archive_path = parsed.sources[i]
                        .value
                        .archive
                        .as_ref()
                        .map(|a| a.get_ref().clone())
                        .unwrap_or_default();
                    r.error_hint(q.file, &v.text.span(), format!("quote text does not appear in the archive of source `{}`", v.source.get_ref()), format!("quotes are verbatim: compare with {archive_path} character for character (only whitespace is folded)"));
                }
                Some(_) => {}
                None if parsed.sources[i].value.archive.is_none() => {
                    r.error_hint(q.file, &v.source.span(), format!("source `{}` has no archive, so this quote cannot be verified", v.source.get_ref()), "add `archive = \"archive/....txt\"` to the source with the text that is quoted");
                }
                None => {} // the archive problem itself is already reported
            }
        }
        quotes.push(Quote {
            id: v.id.get_ref().clone(),
            text: v.text.get_ref().clone(),
            language: lang.clone(),
            speaker: plain(&v.speaker),
            speaker_aliases: v
                .speaker_aliases
                .iter()
                .map(|a| a.get_ref().clone())
                .collect(),
            role: plain(&v.role),
            source: v.source.get_ref().clone(),
            date: v.date.get_ref().clone(),
            note: plain(&v.note),
            translations: plain(&v.translations),
            provenance,
        });
    }

    // Analyzer before answers: alias clashes are judged by what search sees, not by bytes.
    let stopwords: Vec<&str> = parsed
        .languages
        .iter()
        .flat_map(|l| l.value.stopwords.iter().map(String::as_str))
        .collect();
    let mut groups: Vec<Vec<&str>> = Vec::new();
    for s in &parsed.synonyms {
        if s.value.terms.len() < 2 {
            r.error(s.file, &s.span, "a synonyms entry needs at least two terms");
        }
        for t in &s.value.terms {
            let folded = crate::text::normalize(t.get_ref());
            if crate::text::words(&folded).count() != 1 {
                r.error_hint(
                    s.file,
                    &t.span(),
                    format!("synonym `{}` is not a single word", t.get_ref()),
                    "list single words; phrases belong in answer aliases",
                );
            }
        }
        groups.push(s.value.terms.iter().map(|t| t.get_ref().as_str()).collect());
    }
    let mut concepts: Vec<Vec<&str>> = Vec::new();
    let mut names: Vec<(&str, Vec<&str>)> = Vec::new();
    for c in &parsed.concepts {
        // A name may have one spelling ("palantir"); a concept maps two ways of saying a thing.
        if c.value.terms.is_empty() || (c.value.terms.len() < 2 && !c.value.name) {
            r.error(
                c.file,
                &c.span,
                "a concept needs at least two words or phrases (a name, `name = true`, at least one)",
            );
        }
        if c.value.name {
            if let Some(first) = c.value.terms.first() {
                let includes = c.value.includes.iter().map(|t| t.get_ref().as_str());
                names.push((first.get_ref().as_str(), includes.collect()));
            }
        } else if let Some(first) = c.value.includes.first() {
            r.error_hint(
                c.file,
                &first.span(),
                "`includes` lists other names for a name",
                "add `name = true`, or remove `includes`",
            );
        }
        for t in &c.value.terms {
            if crate::text::normalize(t.get_ref()).is_empty() {
                r.error(c.file, &t.span(), "a concept term needs a letter or digit");
            }
        }
        concepts.push(c.value.terms.iter().map(|t| t.get_ref().as_str()).collect());
    }
    let mut fillers: Vec<&str> = Vec::new();
    for f in &parsed.fillers {
        for p in &f.value.phrases {
            if crate::text::normalize(p.get_ref()).is_empty() {
                r.error(f.file, &p.span(), "a filler phrase needs a letter or digit");
            }
            fillers.push(p.get_ref().as_str());
        }
    }
    check_meaning_overlaps(&mut r, &parsed);
    let analyzer = Analyzer::new(stopwords, groups)
        .with_meaning(concepts, fillers)
        .with_names(names);
    check_includes(&mut r, &parsed, &analyzer);
    check_stopword_entries(&mut r, &parsed, &analyzer);

    // Answers.
    let mut answers = Vec::new();
    let mut claimed: HashMap<String, (usize, Range<usize>, String)> = HashMap::new();
    let mut asked: HashMap<String, (usize, Range<usize>, String)> = HashMap::new();
    for a in &parsed.answers {
        let v = &a.value;
        let id = v.id.get_ref();
        check_langs(
            &mut r,
            a.file,
            &a.span,
            &v.title,
            "answer title",
            true,
            MAX_TITLE,
        );
        check_langs(
            &mut r,
            a.file,
            &a.span,
            &v.body,
            "answer body",
            true,
            MAX_BODY,
        );
        check_text(&mut r, a.file, &v.category, "category", 40);
        check_date(&mut r, a.file, &v.reviewed);
        if let Some(reviewed) = parse_date(v.reviewed.get_ref()) {
            let age = (options.today - reviewed).whole_days();
            // A day of slack: the moderator's today may be ahead of the server's.
            if age < -1 {
                r.error_hint(
                    a.file,
                    &v.reviewed.span(),
                    format!(
                        "answer `{id}` says it was reviewed on {}, which is in the future",
                        v.reviewed.get_ref()
                    ),
                    "write the date the answer was last checked against its sources",
                );
            } else if age > i64::from(options.stale_after_days) {
                let hint = format!("check it against its sources and update `reviewed` (stale_after_days = {} in config.toml); this does not fail `check`", options.stale_after_days);
                r.at(
                    a.file,
                    &v.reviewed.span(),
                    Severity::Review,
                    format!("answer `{id}` was last reviewed {age} days ago"),
                    Some(hint),
                );
            }
        }
        if v.sources.get_ref().is_empty() {
            r.error_hint(
                a.file,
                &v.sources.span(),
                format!("answer `{id}` names no source"),
                "every answer names at least one source id",
            );
        }
        let source_idx: Vec<usize> = v
            .sources
            .get_ref()
            .iter()
            .filter_map(|s| resolve(&mut r, a.file, s, "source"))
            .collect();
        let quote_idx: Vec<usize> = v
            .quotes
            .iter()
            .filter_map(|q| resolve(&mut r, a.file, q, "quote"))
            .collect();
        for (code, list) in &v.aliases {
            if !declared.contains(code.as_str()) {
                if let Some(first) = list.first() {
                    r.error_hint(
                        a.file,
                        &first.span(),
                        format!("aliases: unknown language `{code}`"),
                        format!("declared languages: {}", codes(&languages)),
                    );
                }
            }
        }
        for alias in v.aliases.values().flatten() {
            check_text(&mut r, a.file, alias, "alias", MAX_TITLE);
        }
        let phrases = v.title.values().chain(v.aliases.values().flatten());
        for phrase in phrases {
            let key = analyzer.key(phrase.get_ref());
            if key.is_empty() {
                // A moderator's filler entry is the likelier culprit than the answer's words.
                let hint = match filler_within(&parsed, phrase.get_ref()) {
                    Some((file, span, filler)) => format!(
                        "the filler `{filler}` ({}) drops these words from every question; \
                         remove it there, or reword this",
                        r.place(file, &span)
                    ),
                    None => "write it with the words a member would type, or remove it".to_owned(),
                };
                r.warning(
                    a.file,
                    &phrase.span(),
                    format!(
                        "`{}` has no word search reads (only punctuation, emoji, stop words or \
                         filler): no question can match it",
                        phrase.get_ref()
                    ),
                    hint,
                );
                continue;
            }
            match claimed.get(&key) {
                Some((f, s, owner)) if owner != id => {
                    let first = r.place(*f, s);
                    r.error_hint(
                        a.file,
                        &phrase.span(),
                        format!(
                            "alias `{}` is claimed by answers `{owner}` and `{id}`",
                            phrase.get_ref()
                        ),
                        format!("search could not tell them apart; the other is at {first}"),
                    );
                }
                Some(_) => {}
                None => {
                    claimed.insert(key, (a.file, phrase.span(), id.clone()));
                }
            }
        }
        let examples = check_examples(
            &mut r, a.file, &a.span, v, &declared, &languages, &mut asked,
        );
        answers.push(Answer {
            id: id.clone(),
            category: v.category.get_ref().clone(),
            tags: v.tags.iter().map(|t| t.get_ref().clone()).collect(),
            pinned: v.pinned,
            reviewed: v.reviewed.get_ref().clone(),
            quotes: quote_idx,
            sources: source_idx,
            title: plain(&v.title),
            aliases: v
                .aliases
                .iter()
                .map(|(k, list)| {
                    (
                        k.clone(),
                        list.iter().map(|x| x.get_ref().clone()).collect(),
                    )
                })
                .collect(),
            body: plain(&v.body),
            examples,
        });
    }

    // Events.
    let mut events = Vec::new();
    for e in &parsed.events {
        let v = &e.value;
        check_date(&mut r, e.file, &v.date);
        check_langs(
            &mut r,
            e.file,
            &e.span,
            &v.text,
            "event text",
            true,
            MAX_LINE,
        );
        if v.sources.get_ref().is_empty() {
            r.error(
                e.file,
                &v.sources.span(),
                format!("event `{}` names no source", v.id.get_ref()),
            );
        }
        let source_idx = v
            .sources
            .get_ref()
            .iter()
            .filter_map(|s| resolve(&mut r, e.file, s, "source"))
            .collect();
        events.push(Event {
            id: v.id.get_ref().clone(),
            date: v.date.get_ref().clone(),
            text: plain(&v.text),
            sources: source_idx,
        });
    }
    events.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.id.cmp(&b.id)));

    if r.out.iter().any(Diagnostic::is_error) {
        return None;
    }

    let documents: Vec<Document> = answers
        .iter()
        .map(|a| Document {
            titles: a.title.values().cloned().collect(),
            aliases: a.aliases.values().flatten().cloned().collect(),
            tags: std::iter::once(a.category.clone())
                .chain(a.tags.iter().cloned())
                .collect(),
            bodies: a.body.values().cloned().collect(),
            people: a
                .quotes
                .iter()
                .flat_map(|&i| {
                    let q = &quotes[i];
                    q.speaker.values().chain(&q.speaker_aliases).cloned()
                })
                .collect(),
            quotes: a
                .quotes
                .iter()
                .flat_map(|&i| {
                    let q = &quotes[i];
                    std::iter::once(q.text.clone()).chain(q.translations.values().cloned())
                })
                .collect(),
            pinned: a.pinned,
        })
        .collect();
    let index = Index::build(analyzer, &documents);
    let mut id_map = HashMap::new();
    for (i, a) in answers.iter().enumerate() {
        id_map.insert(a.id.clone(), EntryRef::Answer(i));
    }
    for (i, q) in quotes.iter().enumerate() {
        id_map.insert(q.id.clone(), EntryRef::Quote(i));
    }
    for (i, s) in sources.iter().enumerate() {
        id_map.insert(s.id.clone(), EntryRef::Source(i));
    }
    for (i, e) in events.iter().enumerate() {
        id_map.insert(e.id.clone(), EntryRef::Event(i));
    }
    Some(Bank {
        dir: dir.to_path_buf(),
        languages,
        answers,
        quotes,
        sources,
        events,
        index,
        // Set by the loader once it knows every file read.
        version: 0,
        ids: id_map,
    })
}

/// The first `[[filler]]` phrase whose words stand together in `text`, as (file, span, phrase).
fn filler_within<'p>(parsed: &'p Parsed, text: &str) -> Option<(usize, Range<usize>, &'p str)> {
    let folded = crate::text::normalize(text);
    let words: Vec<&str> = crate::text::words(&folded).collect();
    parsed.fillers.iter().find_map(|f| {
        f.value.phrases.iter().find_map(|p| {
            let filler = crate::text::normalize(p.get_ref());
            let filler: Vec<&str> = crate::text::words(&filler).collect();
            let inside = !filler.is_empty() && words.windows(filler.len()).any(|w| w == filler);
            inside.then(|| (f.file, p.span(), p.get_ref().as_str()))
        })
    })
}

/// Warns about `_search.toml` entries built on stop words or filler, which search drops from
/// questions: a synonyms group named by one (its other spellings then find nothing), a concept
/// of nothing else (it makes search read those words in every question), and a name spelt as
/// one (every question using the word would name it).
fn check_stopword_entries(r: &mut Reporter, parsed: &Parsed, analyzer: &Analyzer) {
    let dropped = |text: &str| {
        let folded = crate::text::normalize(text);
        let mut words = crate::text::words(&folded).peekable();
        words.peek().is_some() && words.all(|w| analyzer.is_stopword(w))
    };
    for s in &parsed.synonyms {
        if let Some(first) = s.value.terms.first().filter(|t| dropped(t.get_ref())) {
            r.warning(
                s.file,
                &first.span(),
                format!(
                    "`{}` is a stop word or filler: search drops it, so the spellings this \
                     group maps onto it find nothing",
                    first.get_ref()
                ),
                "put a word search reads first, or remove the group",
            );
        }
    }
    for c in &parsed.concepts {
        let terms = &c.value.terms;
        if c.value.name {
            for t in terms.iter().filter(|t| dropped(t.get_ref())) {
                r.warning(
                    c.file,
                    &t.span(),
                    format!(
                        "`{}` is a stop word or filler, so it cannot spell a name",
                        t.get_ref()
                    ),
                    "list the name's own spellings only",
                );
            }
        } else if let Some(first) = terms
            .first()
            .filter(|_| terms.iter().all(|t| dropped(t.get_ref())))
        {
            r.warning(
                c.file,
                &first.span(),
                format!(
                    "every word of the concept `{}` is a stop word or filler: listing them makes \
                     search read them in every question",
                    first.get_ref()
                ),
                "remove the concept, or add the words it is about",
            );
        }
    }
}

/// A name's `includes` must each be another name: a misspelt one would silently stop an answer
/// that uses it from counting as mentioning the name.
fn check_includes(r: &mut Reporter, parsed: &Parsed, analyzer: &Analyzer) {
    for c in parsed.concepts.iter().filter(|c| c.value.name) {
        let own = c
            .value
            .terms
            .first()
            .and_then(|t| analyzer.name_of(t.get_ref()));
        for inc in &c.value.includes {
            match analyzer.name_of(inc.get_ref()) {
                None => r.error_hint(
                    c.file,
                    &inc.span(),
                    format!(
                        "`includes` names `{}`, which is not a name here",
                        inc.get_ref()
                    ),
                    "list a term of another concept with `name = true`, or add that concept",
                ),
                Some(t) if Some(&t) == own.as_ref() => r.warning(
                    c.file,
                    &inc.span(),
                    format!("`{}` is this name itself", inc.get_ref()),
                    "`includes` lists other names; remove this one",
                ),
                Some(_) => {}
            }
        }
    }
}

/// Warns about entries of `_search.toml` that do nothing or fight each other, which nobody
/// would otherwise notice: a word listed twice as filler or in two concepts (the first
/// concept wins), a filler word that is also a concept's word (search keeps a word a concept
/// lists, so the filler entry is dead) or the word a concept is named by (dropped from every
/// question, so the concept is never asked for by that word).
fn check_meaning_overlaps(r: &mut Reporter, parsed: &Parsed) {
    /// Where a folded word was first listed, as written there, and by which concept.
    struct Listed<'p> {
        file: usize,
        span: Range<usize>,
        written: &'p str,
        concept: String,
        /// Which `[[concept]]`: two may share their first word, and so their name.
        entry: usize,
        naming: bool,
    }
    let mut concept_words: HashMap<String, Listed> = HashMap::new();
    for (entry, c) in parsed.concepts.iter().enumerate() {
        let name = c
            .value
            .terms
            .first()
            .map(|t| t.get_ref().clone())
            .unwrap_or_default();
        for (i, t) in c.value.terms.iter().enumerate() {
            let folded = crate::text::normalize(t.get_ref());
            if folded.is_empty() {
                continue;
            }
            match concept_words.get(&folded) {
                Some(first) if first.entry != entry => {
                    let (at, other) = (r.place(first.file, &first.span), &first.concept);
                    r.warning(
                        c.file,
                        &t.span(),
                        format!(
                            "`{}` is also a word of the concept `{other}` ({at})",
                            t.get_ref()
                        ),
                        "a word can mean one thing to search; the first concept listing it wins",
                    );
                }
                Some(first) if first.written == t.get_ref() => {
                    let at = r.place(first.file, &first.span);
                    r.warning(
                        c.file,
                        &t.span(),
                        format!(
                            "`{}` is listed twice in the concept `{name}` ({at})",
                            t.get_ref()
                        ),
                        "remove one of them",
                    );
                }
                // Another spelling search folds the same way (أ and ا): harmless, kept for
                // whoever reads the file.
                Some(_) => {}
                None => {
                    let listed = Listed {
                        file: c.file,
                        span: t.span(),
                        written: t.get_ref(),
                        concept: name.clone(),
                        entry,
                        naming: i == 0,
                    };
                    concept_words.insert(folded, listed);
                }
            }
        }
    }
    let mut filler_seen: HashMap<String, (usize, Range<usize>, &str)> = HashMap::new();
    for f in &parsed.fillers {
        for p in &f.value.phrases {
            let folded = crate::text::normalize(p.get_ref());
            if folded.is_empty() {
                continue;
            }
            if let Some((file, span, written)) = filler_seen.get(&folded) {
                if *written != p.get_ref() {
                    // Another spelling of the same folded word: harmless.
                    continue;
                }
                let at = r.place(*file, span);
                r.warning(
                    f.file,
                    &p.span(),
                    format!("filler `{}` is listed twice (also at {at})", p.get_ref()),
                    "remove one of them",
                );
                continue;
            }
            filler_seen.insert(folded.clone(), (f.file, p.span(), p.get_ref()));
            let single = crate::text::words(&folded).count() == 1;
            // A concept's phrase is matched before a filler phrase of the same words, and a
            // concept's words are kept even as stop words; only its naming word, a single word
            // that is no variant of anything, is dropped as filler.
            match concept_words.get(&folded) {
                Some(first) if first.naming && single => {
                    let (at, concept) = (r.place(first.file, &first.span), &first.concept);
                    r.warning(
                        f.file,
                        &p.span(),
                        format!(
                            "filler `{}` is the word the concept `{concept}` is named by ({at}): \
                             search drops it from every question",
                            p.get_ref()
                        ),
                        "remove it from the filler, or name the concept by another of its words",
                    );
                }
                Some(first) => {
                    let (at, concept) = (r.place(first.file, &first.span), &first.concept);
                    r.warning(
                        f.file,
                        &p.span(),
                        format!(
                            "filler `{}` is also in the concept `{concept}` ({at}), so search \
                             keeps it: this filler entry does nothing",
                            p.get_ref()
                        ),
                        "remove it from the filler, or from the concept",
                    );
                }
                None => {}
            }
        }
    }
}

/// Checks an answer's example questions (known language, not empty, within what `/ask`
/// accepts, at most [`MAX_EXAMPLES`] per language, each question listed once in the whole bank)
/// and returns them with their positions. `asked` maps each question, as search would fold it,
/// to where it was first listed.
fn check_examples(
    r: &mut Reporter,
    file: usize,
    entry: &Range<usize>,
    answer: &raw::Answer,
    declared: &HashSet<&str>,
    languages: &[Language],
    asked: &mut HashMap<String, (usize, Range<usize>, String)>,
) -> Vec<Example> {
    let id = answer.id.get_ref();
    let mut out = Vec::new();
    for (code, list) in &answer.examples {
        if !declared.contains(code.as_str()) {
            // An empty list has no position of its own: the entry's is the nearest.
            let span = list.first().map_or_else(|| entry.clone(), Spanned::span);
            r.error_hint(
                file,
                &span,
                format!("examples: unknown language `{code}`"),
                format!("declared languages: {}", codes(languages)),
            );
            continue;
        }
        if let Some(extra) = list.get(MAX_EXAMPLES) {
            r.error_hint(
                file,
                &extra.span(),
                format!(
                    "answer `{id}` lists {} example questions in `{code}`; at most {MAX_EXAMPLES}",
                    list.len()
                ),
                "keep the ones that ask differently; `check` runs every one through search",
            );
        }
        for example in list {
            let text = example.get_ref();
            if text.trim().is_empty() {
                r.error(file, &example.span(), "example question is empty");
                continue;
            }
            let n = chars(text);
            if n > MAX_EXAMPLE {
                r.error_hint(
                    file,
                    &example.span(),
                    format!("example question is {n} characters; /ask takes at most {MAX_EXAMPLE}"),
                    "write it the way a member would type it into /ask",
                );
                continue;
            }
            let key = crate::text::words(&crate::text::normalize(text))
                .collect::<Vec<_>>()
                .join(" ");
            match asked.get(&key) {
                Some((f, s, owner)) => {
                    let first = r.place(*f, s);
                    let message = if owner == id {
                        format!("example question `{text}` is listed twice for answer `{id}`")
                    } else {
                        format!(
                            "example question `{text}` is listed for answers `{owner}` and `{id}`"
                        )
                    };
                    r.error_hint(
                        file,
                        &example.span(),
                        message,
                        format!("search can send a question to one answer only; the other is at {first}"),
                    );
                }
                None => {
                    asked.insert(key, (file, example.span(), id.clone()));
                }
            }
            out.push(Example {
                lang: code.clone(),
                text: text.clone(),
                at: r.locate(file, &example.span()),
            });
        }
    }
    // The table is read by language; `check` reports in the order the file shows them.
    out.sort_by_key(|e| (e.at.line, e.at.col));
    out
}

/// Why `original` cannot stand for the speaker's own words behind the translation `quote`,
/// as a message and a hint; `None` when it can.
fn original_problem(
    quote: &raw::Quote,
    original: &raw::Quote,
    spoken_language: &str,
) -> Option<(String, String)> {
    let id = original.id.get_ref();
    if id == quote.id.get_ref() {
        return Some((
            "a quote cannot be its own original".into(),
            "`original` names another quote: the speaker's words as they said them".into(),
        ));
    }
    if original
        .provenance
        .as_ref()
        .is_some_and(|p| p.get_ref() != "spoken")
    {
        return Some((
            format!("`{id}` is not the speaker's own words (its provenance is not `spoken`)"),
            "`original` names a quote of the words as the speaker said them".into(),
        ));
    }
    let language = original.language.get_ref();
    if language != spoken_language {
        return Some((
            format!("`{id}` is in `{language}`, but this quote says the words were spoken in `{spoken_language}`"),
            "the original is in the language the speaker used".into(),
        ));
    }
    let same = |a: &str, b: &str| a.trim().to_lowercase() == b.trim().to_lowercase();
    let same_speaker = quote.speaker.iter().any(|(code, name)| {
        original
            .speaker
            .get(code)
            .is_some_and(|other| same(name.get_ref(), other.get_ref()))
    });
    if !same_speaker {
        return Some((
            format!("`{id}` is by a different speaker"),
            "the original must have the same speaker, spelt the same in at least one language"
                .into(),
        ));
    }
    None
}

/// Checks a text that may be given per language, and resolves it: a table must name only
/// declared languages and include the default one, which then stands in for missing ones.
fn localized_with(
    r: &mut Reporter,
    file: usize,
    value: &Spanned<raw::Localized>,
    what: &str,
    max: usize,
    languages: &[Language],
    declared: &HashSet<&str>,
) -> Localized {
    let span = value.span();
    let check =
        |r: &mut Reporter, text: &str| check_str(r, file, &span, text, what, max, "shorten it");
    match value.get_ref() {
        raw::Localized::Plain(text) => {
            check(r, text);
            Localized::plain(text.clone())
        }
        raw::Localized::PerLang(texts) => {
            for (code, text) in texts {
                if !declared.contains(code.as_str()) {
                    r.error_hint(
                        file,
                        &span,
                        format!("{what}: unknown language `{code}`"),
                        format!("declared languages: {}", codes(languages)),
                    );
                }
                check(r, text);
            }
            let default = languages
                .first()
                .map(|l| l.code.as_str())
                .unwrap_or_default();
            let fallback = match texts.get(default) {
                Some(text) => text.clone(),
                None => {
                    r.error_hint(
                        file,
                        &span,
                        format!("{what} has no `{default}` text (the default language)"),
                        "give the default language, or a plain string for a name",
                    );
                    String::new()
                }
            };
            Localized::new(fallback, texts.clone().into_iter().collect())
        }
    }
}

fn plain(texts: &BTreeMap<String, Spanned<String>>) -> Texts {
    texts
        .iter()
        .map(|(k, v)| (k.clone(), v.get_ref().clone()))
        .collect()
}

/// A setting naming a language the bank does not declare: the settings' fault, reported where
/// the setting is written (config.toml's real path), or at the bank when it is not located.
fn undeclared_setting(
    dir: &Path,
    place: Option<&Place>,
    setting: &str,
    languages: &[Language],
) -> Diagnostic {
    Diagnostic {
        path: place.map_or_else(|| dir.to_path_buf(), |p| p.path.clone()),
        line: place.map_or(1, |p| p.line),
        col: place.map_or(1, |p| p.col),
        severity: Severity::Error,
        message: format!(
            "{setting} is not a language the bank in {} declares",
            dir.display()
        ),
        hint: Some(format!("declared languages: {}", codes(languages))),
    }
}

fn codes(languages: &[Language]) -> String {
    languages
        .iter()
        .map(|l| l.code.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn valid_lang_code(code: &str) -> bool {
    (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase())
}

fn check_text(r: &mut Reporter, file: usize, text: &Spanned<String>, what: &str, max: usize) {
    let hint = "shorten it, or move detail into quotes and sources";
    check_str(r, file, &text.span(), text.get_ref(), what, max, hint);
}

/// Any text the bot shows: not empty, no control character, at most `max` characters.
fn check_str(
    r: &mut Reporter,
    file: usize,
    span: &Range<usize>,
    text: &str,
    what: &str,
    max: usize,
    shorten: &str,
) {
    let n = chars(text);
    let stacked = stacked_marks(text);
    let control = text
        .chars()
        .find(|&c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'));
    if text.trim().is_empty() {
        r.error(file, span, format!("{what} is empty"));
    } else if let Some(c) = control {
        // Written as a TOML escape ("\u001b"): invisible in the file, and in a terminal or a
        // reply it can clear a screen or hide text.
        r.error_hint(
            file,
            span,
            format!("{what} holds the control character U+{:04X}", u32::from(c)),
            "remove it; only line breaks and tabs may appear in text",
        );
    } else if let Some(c) = text.chars().find(|c| matches!(c, '\u{202D}' | '\u{202E}')) {
        // Arabic and English mix fine without it (Discord isolates each run); an override
        // shows the letters after it reversed, so "gro.live" can read as another address.
        r.error_hint(
            file,
            span,
            format!(
                "{what} holds the direction override U+{:04X}, which shows the text after it reversed",
                u32::from(c)
            ),
            "remove it; right-to-left text needs no mark here",
        );
    } else if stacked > MAX_STACKED_MARKS {
        r.error_hint(
            file,
            span,
            format!("{what} stacks {stacked} marks on one letter, which spill over the lines around it"),
            format!("at most {MAX_STACKED_MARKS} may stand on one letter (Arabic needs a shadda and a vowel); remove the rest"),
        );
    } else if n > max {
        r.error_hint(
            file,
            span,
            format!("{what} is {n} characters; Discord shows at most {max} here"),
            shorten,
        );
    } else if text.contains("](") {
        r.warning(
            file,
            span,
            format!("{what} holds a Markdown link, which shows words in place of where it leads"),
            "list the page under `sources` (its address is then shown), or write the address plainly",
        );
    }
}

/// The most combining marks written on one letter. Arabic writes at most a shadda and a vowel
/// (or a tanwin); more is "Zalgo" text, drawn over the lines above and below.
const MAX_STACKED_MARKS: usize = 3;

fn stacked_marks(text: &str) -> usize {
    let mut most = 0;
    let mut run = 0;
    for c in text.chars() {
        if unicode_normalization::char::is_combining_mark(c) {
            run += 1;
            most = most.max(run);
        } else {
            run = 0;
        }
    }
    most
}

fn check_date(r: &mut Reporter, file: usize, date: &Spanned<String>) {
    if parse_date(date.get_ref()).is_none() {
        r.error_hint(
            file,
            &date.span(),
            format!("`{}` is not a valid date", date.get_ref()),
            "write YYYY-MM-DD, or YYYY-MM / YYYY when the source gives no more",
        );
    }
}

fn check_url(r: &mut Reporter, file: usize, url: &Spanned<String>) {
    match url::Url::parse(url.get_ref()) {
        Ok(u)
            if (u.scheme() == "https" || u.scheme() == "http")
                && u.host_str().is_some_and(|h| h.contains('.')) => {}
        Ok(_) => r.error_hint(
            file,
            &url.span(),
            format!("`{}` is not a web address", url.get_ref()),
            "use a full http:// or https:// address",
        ),
        Err(e) => r.error_hint(
            file,
            &url.span(),
            format!("invalid URL `{}`: {e}", url.get_ref()),
            "use a full http:// or https:// address",
        ),
    }
}

fn read_archive(
    r: &mut Reporter,
    file: usize,
    dir: &Path,
    archive: &Spanned<String>,
) -> Option<String> {
    let rel = Path::new(archive.get_ref());
    // Archives live inside the bank: a path that climbs out could read any file on the host.
    if rel.is_absolute() || rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        r.error_hint(
            file,
            &archive.span(),
            format!(
                "archive path `{}` leaves the bank folder",
                archive.get_ref()
            ),
            "give a path relative to the bank folder, e.g. archive/source.txt",
        );
        return None;
    }
    match r.parsed.reader.read(&dir.join(rel)) {
        Ok(text) => Some(text),
        // Reported once for the whole bank.
        Err(Unread::OverBudget) => None,
        Err(Unread::Io(e)) => {
            r.error_hint(
                file,
                &archive.span(),
                format!("cannot read archive `{}`: {e}", archive.get_ref()),
                "paths are relative to the bank folder",
            );
            None
        }
        Err(other) => {
            let reason = other.describe(&r.parsed.reader.limits);
            r.error_hint(
                file,
                &archive.span(),
                format!("archive `{}` is {reason}", archive.get_ref()),
                "archives are plain UTF-8 text files inside the bank folder",
            );
            None
        }
    }
}
