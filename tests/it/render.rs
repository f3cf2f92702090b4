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
    let loaded = nimbus_bot::bank::load(dir.path(), &options());
    let shown: Vec<String> = loaded.diagnostics.iter().map(|d| d.to_string()).collect();
    let bank = loaded.bank.unwrap_or_else(|| panic!("{shown:#?}"));
    (dir, bank)
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
