//! Rendering: Discord's limits hold for every reply, long text is cut at a sentence or word,
//! mentions are neutralised, Arabic text survives intact.

use nimbus_bot::commands::{dispatch, Command, Request};
use nimbus_bot::render::{fit, limits, neutralize_mentions};
use nimbus_bot::reply::Reply;

use crate::{copy_dir, fixture_dir, options};

fn assert_within_limits(reply: &Reply) {
    if let Some(c) = &reply.content {
        assert!(c.chars().count() <= limits::CONTENT);
    }
    assert!(reply.embeds.len() <= limits::EMBEDS);
    assert!(
        reply.embed_chars() <= limits::EMBED_TOTAL,
        "total {}",
        reply.embed_chars()
    );
    for e in &reply.embeds {
        let n = |s: &Option<String>| s.as_deref().map_or(0, |s| s.chars().count());
        assert!(n(&e.title) <= limits::TITLE);
        assert!(n(&e.description) <= limits::DESCRIPTION);
        assert!(n(&e.footer) <= limits::FOOTER);
        assert!(e.fields.len() <= limits::FIELDS);
        for f in &e.fields {
            assert!(!f.name.is_empty() && f.name.chars().count() <= limits::FIELD_NAME);
            assert!(!f.value.is_empty() && f.value.chars().count() <= limits::FIELD_VALUE);
        }
    }
    for b in &reply.buttons {
        assert!(b.label.chars().count() <= limits::BUTTON_LABEL);
        assert!(!b.custom_id.is_empty() && b.custom_id.len() <= 100);
    }
}

#[test]
fn fit_cuts_at_a_sentence_then_a_word_never_mid_word() {
    let text = "First sentence here. Second sentence is longer than the rest of it.";
    assert_eq!(fit(text, 40), "First sentence here.…");
    let words = "alpha beta gamma delta epsilon";
    assert_eq!(fit(words, 14), "alpha beta…");
    assert_eq!(fit(words, 100), words);
    let arabic =
        "وقع مديرو أمازون وغوغل عقدا بقيمة 1.22 مليار دولار. وبالتعامل مع نظام الفصل العنصري";
    let cut = fit(arabic, 60);
    assert_eq!(cut, "وقع مديرو أمازون وغوغل عقدا بقيمة 1.22 مليار دولار.…");
    for max in 1..arabic.chars().count() {
        let cut = fit(arabic, max);
        assert!(cut.chars().count() <= max, "{max}: {cut}");
        let kept = cut.trim_end_matches('…');
        if !kept.is_empty() && kept.len() < arabic.len() {
            let next = arabic[kept.len()..].chars().next();
            // Either a whole word was kept, or a single word longer than the budget was cut.
            assert!(
                next.is_none_or(char::is_whitespace) || !kept.contains(' '),
                "{max}: {cut}"
            );
        }
    }
}

#[test]
fn mentions_are_neutralised() {
    let s = neutralize_mentions("@everyone @here <@123> <@&456> <#789>");
    assert!(!s.contains("@everyone") && !s.contains("@here"));
    assert!(!s.contains("<@1") && !s.contains("<@&") && !s.contains("<#7"));
    assert_eq!(neutralize_mentions(&s), s, "a second pass changes nothing");
}

/// The bank in `dir`, which must load; with the folder, kept alive as long as the bank is used.
fn loaded(dir: tempfile::TempDir) -> (tempfile::TempDir, nimbus_bot::bank::Bank) {
    let loaded = nimbus_bot::bank::load(dir.path(), &options());
    let shown: Vec<String> = loaded.diagnostics.iter().map(|d| d.to_string()).collect();
    let bank = loaded.bank.unwrap_or_else(|| panic!("{shown:#?}"));
    (dir, bank)
}

/// A bank whose texts sit at every limit `check` allows, with mentions in them.
fn big_bank() -> (tempfile::TempDir, nimbus_bot::bank::Bank) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture_dir(), dir.path());
    let archive_text = "@everyone listen. ".repeat(40);
    std::fs::write(dir.path().join("archive/big.txt"), &archive_text).unwrap();
    let quote_text = archive_text.trim().to_string();
    let mut text = String::from(
        "[[source]]\nid = \"big\"\noutlet = \"@here Outlet\"\ntitle = \"T\"\nurl = \"https://example.org/x\"\npublished = \"2022\"\nlanguage = \"en\"\nconfidence = \"low\"\narchive = \"archive/big.txt\"\n",
    );
    let mut quote_ids = Vec::new();
    for i in 0..30 {
        text.push_str(&format!(
            "[[quote]]\nid = \"big-{i}\"\ntext = {quote_text:?}\nlanguage = \"en\"\nspeaker = {{ en = \"<@123> Speaker {i}\" }}\nrole = {{ en = \"Role\" }}\nsource = \"big\"\ndate = \"2022\"\ntranslations = {{ ar = \"ترجمة طويلة جدا \" }}\n"
        ));
        quote_ids.push(format!("\"big-{i}\""));
    }
    let body = "Sentence number one is here. ".repeat(135);
    text.push_str(&format!(
        "[[answer]]\nid = \"big-answer\"\ncategory = \"test\"\nreviewed = \"2026-11-01\"\nsources = [\"big\", \"guardian-2021-10-12\", \"seed-2022-07\", \"jweekly-2022-06-20\"]\nquotes = [{}]\ntitle = {{ en = \"@everyone big\", ar = \"كبير\" }}\nbody = {{ en = {body:?}, ar = {body:?} }}\n",
        quote_ids.join(", ")
    ));
    std::fs::write(dir.path().join("big.toml"), text).unwrap();
    loaded(dir)
}

#[test]
fn oversized_answer_stays_within_limits_and_keeps_its_sources() {
    let (_dir, bank) = big_bank();
    for lang in ["en", "ar"] {
        let mut req = Request::new(Command::Topic {
            id: "big-answer".into(),
        });
        req.lang = Some(lang.into());
        let reply = dispatch(&bank, &req);
        assert_within_limits(&reply);
        let fields = &reply.embeds[0].fields;
        let sources = fields.last().expect("fields");
        assert!(
            sources.value.contains("jweekly.com"),
            "every source is kept: {sources:?}"
        );
        assert!(fields.len() > 1, "some quotes are kept");
        let text = reply.to_text();
        assert!(
            !text.contains("@everyone") && !text.contains("@here") && !text.contains("<@1"),
            "mentions neutralised"
        );
    }
}

#[test]
fn every_command_reply_stays_within_limits() {
    let (_dir, bank) = big_bank();
    let commands = [
        Command::Sources { topic: None },
        Command::Sources {
            topic: Some("big-answer".into()),
        },
        Command::Timeline { year: None },
        Command::Quote {
            about: Some("big-3".into()),
            speaker: None,
        },
        Command::Help,
        Command::Ask {
            question: "big".into(),
        },
    ];
    for command in commands {
        for lang in ["en", "ar"] {
            let mut req = Request::new(command.clone());
            req.lang = Some(lang.into());
            assert_within_limits(&dispatch(&bank, &req));
        }
    }
}

#[test]
fn arabic_answer_renders_arabic_text_and_labels() {
    let bank = crate::fixture_bank();
    let mut req = Request::new(Command::Topic {
        id: "what-is-nimbus".into(),
    });
    req.lang = Some("ar".into());
    let reply = dispatch(&bank, &req);
    let embed = &reply.embeds[0];
    assert_eq!(embed.title.as_deref(), Some("ما هو مشروع نمبوس؟"));
    assert!(embed
        .description
        .as_deref()
        .unwrap()
        .starts_with("مشروع نمبوس عقد حوسبة سحابية"));
    assert_eq!(embed.fields.last().unwrap().name, "المصادر");
    let sources = &embed.fields.last().unwrap().value;
    assert!(
        sources.contains("مقال إخباري عربي") && sources.contains("المقال الذي انطلق منه المشروع"),
        "outlet and note in Arabic: {sources}"
    );
    assert!(!sources.contains("outlet not named"), "{sources}");
    assert_eq!(reply.buttons[0].label, "شارك في القناة");
}

/// The text a quote block shows as quoted words (its `> ` lines), and whatever stands before
/// them (a provenance label, if any).
fn quoted_part(block: &str) -> (String, String) {
    let first = block.find("> ").expect("a quote block quotes words");
    let words: Vec<&str> = block.lines().filter_map(|l| l.strip_prefix("> ")).collect();
    (block[..first].to_string(), words.join("\n"))
}

/// For every quote of a bank and every language: words shown unlabelled are always some
/// quote's own text, spoken by its speaker in the language it is in, and no translation (the
/// bank's, or a published one) is ever shown as quoted words without its label.
fn assert_no_translation_as_speakers_words(bank: &nimbus_bot::bank::Bank) {
    use nimbus_bot::bank::Provenance;
    use nimbus_bot::render::{quote_body, quote_choice_name};
    let ours: Vec<&str> = bank
        .quotes
        .iter()
        .flat_map(|q| q.translations.values().map(String::as_str))
        .collect();
    for lang in &bank.languages {
        let short = format!("({})", lang.strings.translation_short);
        for quote in &bank.quotes {
            let block = quote_body(bank, quote, lang, limits::DESCRIPTION);
            let (before, words) = quoted_part(&block);
            let words = words.trim_end_matches('…');
            assert!(
                !ours.iter().any(|t| t.starts_with(words)),
                "{} in {}: a translation of the bank is shown as quoted words:\n{block}",
                quote.id,
                lang.code
            );
            let shown = bank
                .quotes
                .iter()
                .find(|q| neutralize_mentions(&q.text).starts_with(words))
                .unwrap_or_else(|| {
                    panic!("{}: quoted words are no quote's text:\n{block}", quote.id)
                });
            if before.trim().is_empty() {
                assert_eq!(
                    shown.provenance,
                    Provenance::Spoken,
                    "{} in {}: a published translation is shown unlabelled:\n{block}",
                    quote.id,
                    lang.code
                );
            } else {
                assert!(
                    shown.provenance != Provenance::Spoken,
                    "{} in {}: the speaker's own words carry a translation label:\n{block}",
                    quote.id,
                    lang.code
                );
            }
            if let Provenance::Translated {
                spoken_language,
                original,
                ..
            } = &quote.provenance
            {
                let reads_original = original.is_some() && spoken_language == &lang.code;
                assert!(
                    reads_original || !before.trim().is_empty(),
                    "{} in {}: a published translation must carry its label:\n{block}",
                    quote.id,
                    lang.code
                );
            }
            let choice = quote_choice_name(bank, quote, lang);
            if !choice.contains(&short) {
                let speaker = nimbus_bot::render::quote_view(bank, quote, lang).speaker;
                let cut = choice.trim_end_matches('…');
                let rest = cut
                    .strip_prefix(speaker)
                    .unwrap_or_else(|| panic!("{choice:?} starts with the speaker"));
                // A long name may leave no room for the words at all.
                let text = rest.strip_prefix(':').unwrap_or(rest).trim_start();
                let own = bank
                    .quotes
                    .iter()
                    .any(|q| q.provenance == Provenance::Spoken && q.text.starts_with(text));
                assert!(
                    own,
                    "{} in {}: choice {choice:?} shows a translation unmarked",
                    quote.id, lang.code
                );
            }
        }
    }
}

#[test]
fn shipped_bank_never_shows_a_translation_as_the_speakers_words() {
    let loaded = nimbus_bot::bank::load(&crate::responses_dir(), &options());
    let problems: Vec<String> = loaded.diagnostics.iter().map(|d| d.to_string()).collect();
    let bank = loaded.bank.unwrap_or_else(|| panic!("{problems:#?}"));
    assert_no_translation_as_speakers_words(&bank);
}

#[test]
fn fixture_bank_never_shows_a_translation_as_the_speakers_words() {
    assert_no_translation_as_speakers_words(&crate::fixture_bank());
}

#[test]
fn reader_of_the_spoken_language_sees_the_original_words() {
    use nimbus_bot::render::quote_view;
    let bank = crate::fixture_bank();
    let en = bank.language("en").unwrap();
    let ar = bank.language("ar").unwrap();
    let seed = bank.quote("seed-hayes-danger").unwrap();
    let view = quote_view(&bank, seed, en);
    assert_eq!(view.shown.id, "hayes-keep-safe");
    assert!(view.words.starts_with("We’re in a moment"), "{view:?}");
    assert_eq!(
        (view.words_label.as_deref(), view.translation.as_ref()),
        (None, None)
    );
    assert!(
        view.url.is_some_and(|u| u.contains("mediajustice.org")),
        "the original's source: {view:?}"
    );
    // Readers of Arabic see the seed's words, under the seed's name as translator.
    let view = quote_view(&bank, seed, ar);
    assert_eq!(view.shown.id, "seed-hayes-danger");
    assert_eq!(
        view.words_label.as_deref(),
        Some("بترجمة المقال العربي، والكلام في الأصل بالإنجليزية")
    );
    assert_eq!(view.translation, None);
}

#[test]
fn without_an_original_english_readers_see_our_labelled_translation_of_the_translation() {
    use nimbus_bot::render::quote_view;
    let bank = crate::fixture_bank();
    let en = bank.language("en").unwrap();
    let view = quote_view(&bank, bank.quote("panjwani-seed").unwrap(), en);
    assert_eq!(view.words_lang, "ar");
    assert_eq!(
        view.words_label.as_deref(),
        Some("As translated by the Arabic seed article, from English")
    );
    let (label, text) = view.translation.expect("the bank's translation");
    assert_eq!(text, "to stop profiting from violence around the world");
    assert!(label.contains("of the published translation"), "{label}");
}

#[test]
fn an_answer_shows_a_quote_and_its_translation_once_to_readers_of_the_original() {
    let bank = crate::fixture_bank();
    let mut req = Request::new(Command::Topic {
        id: "aws-summit-2022".into(),
    });
    req.lang = Some("en".into());
    let text = dispatch(&bank, &req).to_text();
    assert_eq!(
        text.matches("keep our communities safe").count(),
        1,
        "{text}"
    );
    assert!(!text.contains("كنا نأمل"), "{text}");
    req.lang = Some("ar".into());
    let text = dispatch(&bank, &req).to_text();
    assert!(
        text.contains("> We’re in a moment") && text.contains("> كنا نأمل"),
        "{text}"
    );
}

/// The fixture bank with a mention at the start of every one-line interface string and a source
/// address that tries to close its link and ping.
fn bank_with_hostile_words() -> (tempfile::TempDir, nimbus_bot::bank::Bank) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture_dir(), dir.path());
    let path = dir.path().join("_languages.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut in_strings = false;
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with('[') {
            in_strings = line == "[language.strings]";
        }
        match line.split_once(" = \"") {
            Some((key, rest))
                if in_strings
                    && !key.contains(' ')
                    && rest.ends_with('"')
                    && !rest.starts_with('"') =>
            {
                out.push_str(&format!("{key} = \"@everyone <@&42> {rest}\n"));
            }
            _ => out.push_str(&format!("{line}\n")),
        }
    }
    assert!(
        out.matches("@everyone").count() > 20,
        "strings were rewritten"
    );
    std::fs::write(&path, out).unwrap();
    let path = dir.path().join("starter.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let hostile = "url = \"https://example.org/x) @everyone <@&456> (y\"";
    let text = text.replacen(
        "url = \"https://www.theguardian.com/commentisfree/2021/oct/12/google-amazon-workers-condemn-project-nimbus-israeli-military-contract\"",
        hostile,
        1,
    );
    assert!(text.contains(hostile));
    std::fs::write(&path, text).unwrap();
    loaded(dir)
}

#[test]
fn a_bracket_in_a_source_title_cannot_make_a_link_to_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture_dir(), dir.path());
    let path = dir.path().join("starter.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let forged = "title = \"Workers](https://evil.example/) [condemn Nimbus\"";
    let text = text.replacen(
        "title = \"We are Google and Amazon workers. We condemn Project Nimbus\"",
        forged,
        1,
    );
    assert!(text.contains(forged));
    std::fs::write(&path, text).unwrap();
    let (_dir, bank) = loaded(dir);
    let text = dispatch(&bank, &Request::new(Command::Sources { topic: None })).to_text();
    assert!(!text.contains("](https://evil.example/)"), "{text}");
    // The title is shown as written (but for a zero-width space), and still leads to its real
    // address.
    assert!(
        text.contains(
            "Workers]\u{200B}(https://evil.example/) [condemn Nimbus (<https://www.theguardian.com/"
        ),
        "{text}"
    );
}

#[test]
fn interface_words_and_source_addresses_cannot_ping() {
    let (_dir, bank) = bank_with_hostile_words();
    let commands = [
        Command::Ask {
            question: "qwzxv blorf".into(),
        },
        Command::Ask {
            question: "what did the workers write in the guardian".into(),
        },
        Command::Sources { topic: None },
        Command::Timeline { year: None },
        Command::Help,
        Command::Topic { id: "nope".into() },
    ];
    for lang in ["en", "ar"] {
        for command in &commands {
            let mut req = Request::new(command.clone());
            req.lang = Some(lang.into());
            let text = dispatch(&bank, &req).to_text();
            assert!(
                !text.contains("@everyone") && !text.contains("<@&"),
                "{command:?} in {lang}: {text}"
            );
        }
    }
    // The address still leads where it said, as one link.
    let text = dispatch(&bank, &Request::new(Command::Sources { topic: None })).to_text();
    assert!(
        text.contains("(https://example.org/x%29%20%40everyone%20%3C%40&456%3E%20%28y)"),
        "{text}"
    );
}
