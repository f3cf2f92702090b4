//! `dispatch` and `autocomplete` on the fixture bank: the same path `/ask` and the CLI take.

use nimbus_bot::commands::{
    autocomplete, dispatch, Action, AutocompleteRequest, Command, Request, Target,
};
use nimbus_bot::reply::Visibility;

use crate::fixture_bank;

fn ac(command: &str, option: &str, partial: &str, lang: Option<&str>) -> AutocompleteRequest {
    AutocompleteRequest {
        command: command.into(),
        option: option.into(),
        partial: partial.into(),
        lang: lang.map(String::from),
        guild_lang: None,
        locale: None,
    }
}

#[test]
fn ask_is_private_with_a_share_button_by_default() {
    let bank = fixture_bank();
    let reply = dispatch(
        &bank,
        &Request::new(Command::Ask {
            question: "nimbus contract".into(),
        }),
    );
    assert_eq!(reply.visibility, Visibility::Ephemeral);
    assert_eq!(reply.buttons.len(), 1);
    assert_eq!(reply.buttons[0].custom_id, "share:a:what-is-nimbus:en");
}

#[test]
fn public_option_and_guild_default_make_replies_public() {
    let bank = fixture_bank();
    let mut req = Request::new(Command::Topic {
        id: "guardian-letter".into(),
    });
    req.public = Some(true);
    let reply = dispatch(&bank, &req);
    assert_eq!(reply.visibility, Visibility::Public);
    // A public reply has no Share button (it is already shared); Card buttons stay.
    assert!(reply
        .buttons
        .iter()
        .all(|b| b.custom_id.starts_with("card:")));
    req.public = None;
    req.public_by_default = true;
    assert_eq!(dispatch(&bank, &req).visibility, Visibility::Public);
    req.public = Some(false);
    assert_eq!(dispatch(&bank, &req).visibility, Visibility::Ephemeral);
}

#[test]
fn language_precedence_option_then_guild_then_locale() {
    let bank = fixture_bank();
    let mut req = Request::new(Command::Topic {
        id: "what-is-nimbus".into(),
    });
    let title = |req: &Request| dispatch(&bank, req).embeds[0].title.clone().unwrap();
    assert_eq!(title(&req), "What is Project Nimbus?");
    req.locale = Some("ar".into());
    assert_eq!(title(&req), "ما هو مشروع نمبوس؟");
    req.guild_lang = Some("en".into());
    assert_eq!(title(&req), "What is Project Nimbus?");
    req.lang = Some("ar".into());
    assert_eq!(title(&req), "ما هو مشروع نمبوس؟");
}

#[test]
fn a_question_in_arabic_is_answered_in_arabic_unless_lang_says_otherwise() {
    let bank = fixture_bank();
    let mut req = Request::new(Command::Ask {
        question: "ما هو مشروع نمبوس".into(),
    });
    req.guild_lang = Some("en".into());
    req.locale = Some("en-US".into());
    let title = |req: &Request| dispatch(&bank, req).embeds[0].title.clone().unwrap();
    assert_eq!(
        title(&req),
        "ما هو مشروع نمبوس؟",
        "the question's language beats guild and locale"
    );
    req.lang = Some("en".into());
    assert_eq!(
        title(&req),
        "What is Project Nimbus?",
        "the lang option beats the question"
    );
    let mut latin = Request::new(Command::Ask {
        question: "project nimbus".into(),
    });
    latin.guild_lang = Some("ar".into());
    assert_eq!(title(&latin), "What is Project Nimbus?");
    // Mixed scripts decide nothing: the guild default applies.
    let mut mixed = Request::new(Command::Ask {
        question: "nimbus نمبوس".into(),
    });
    mixed.guild_lang = Some("ar".into());
    assert_eq!(title(&mixed), "ما هو مشروع نمبوس؟");
    mixed.guild_lang = Some("en".into());
    assert_eq!(title(&mixed), "What is Project Nimbus?");
}

#[test]
fn share_button_renders_public_with_who_shared() {
    let bank = fixture_bank();
    let action = Action::parse("share:a:guardian-letter:ar").expect("parses");
    let mut req = Request::new(Command::Button(action));
    req.shared_by = Some("<@42>".into());
    let reply = dispatch(&bank, &req);
    assert_eq!(reply.visibility, Visibility::Public);
    assert_eq!(reply.content.as_deref(), Some("شاركه <@42>"));
    assert!(reply.buttons.is_empty());
}

#[test]
fn custom_ids_round_trip() {
    let actions = [
        Action::Share {
            target: Target::Answer("what-is-nimbus".into()),
            lang: "ar".into(),
        },
        Action::Share {
            target: Target::Quote("q".into()),
            lang: "en".into(),
        },
        Action::Share {
            target: Target::Sources(None),
            lang: "en".into(),
        },
        Action::Share {
            target: Target::Sources(Some("a".into())),
            lang: "en".into(),
        },
        Action::Share {
            target: Target::Timeline(Some(2021)),
            lang: "en".into(),
        },
        Action::Share {
            target: Target::Timeline(None),
            lang: "en".into(),
        },
        Action::Show {
            answer: "x".into(),
            lang: "ar".into(),
        },
    ];
    for action in actions {
        let id = action.custom_id();
        assert!(id.len() <= 100);
        assert_eq!(Action::parse(&id), Some(action));
    }
    assert_eq!(Action::parse("share:z:x:en"), None);
    assert_eq!(Action::parse("share:t:notayear:en"), None);
    assert_eq!(Action::parse("anything"), None);
}

#[test]
fn not_sure_offers_suggestion_buttons() {
    let bank = fixture_bank();
    // Words found only in one answer's body: related, but not what that answer is about.
    let reply = dispatch(
        &bank,
        &Request::new(Command::Ask {
            question: "employers internally weather".into(),
        }),
    );
    assert!(reply.to_text().contains("not sure"), "{}", reply.to_text());
    let ids: Vec<&str> = reply.buttons.iter().map(|b| b.custom_id.as_str()).collect();
    assert_eq!(ids, ["show:guardian-letter:en"]);
    let off = dispatch(
        &bank,
        &Request::new(Command::Ask {
            question: "how do I bake bread".into(),
        }),
    );
    assert!(off.to_text().contains("not sure"));
    assert!(off.to_text().contains("Nothing in the bank relates"));
    assert!(off.buttons.is_empty());
}

#[test]
fn a_closest_match_is_framed_as_such_and_offers_the_others() {
    let bank = fixture_bank();
    let answer = bank.answer("what-is-nimbus").expect("fixture answer");
    let other = bank.answer("guardian-letter").expect("fixture answer");
    let frame = nimbus_bot::render::Frame {
        lang: bank.resolve_language(Some("en"), None, None),
        visibility: nimbus_bot::reply::Visibility::Ephemeral,
        shared_by: None,
    };
    let reply = nimbus_bot::render::closest(&bank, answer, &[other], &frame);
    assert_eq!(reply.content.as_deref(), Some("The closest match I have:"));
    assert_eq!(
        reply.embeds[0].title.as_deref(),
        Some("What is Project Nimbus?")
    );
    let ids: Vec<&str> = reply.buttons.iter().map(|b| b.custom_id.as_str()).collect();
    assert!(ids.contains(&"show:guardian-letter:en"), "{ids:?}");
}

#[test]
fn quote_by_speaker_any_spelling() {
    let bank = fixture_bank();
    for speaker in ["Ali", "aly panjwani", "بنجواني"] {
        let reply = dispatch(
            &bank,
            &Request::new(Command::Quote {
                about: None,
                speaker: Some(speaker.into()),
            }),
        );
        assert_eq!(
            reply.embeds[0].footer.as_deref(),
            Some("panjwani-seed"),
            "{speaker}"
        );
    }
    let none = dispatch(
        &bank,
        &Request::new(Command::Quote {
            about: None,
            speaker: Some("nobody".into()),
        }),
    );
    assert!(none.to_text().contains("nothing on that"));
}

#[test]
fn quote_in_another_language_shows_labelled_translation() {
    let bank = fixture_bank();
    let mut req = Request::new(Command::Quote {
        about: Some("panjwani-seed".into()),
        speaker: None,
    });
    req.lang = Some("en".into());
    let text = dispatch(&bank, &req).to_text();
    // A published translation: labelled as whose, then the words, then ours, labelled too.
    let provenance = text
        .find("As translated by the Arabic seed article, from English:")
        .expect("published translation labelled");
    let words = text
        .find("> بالتوقف عن التربح")
        .expect("the published text as the quote");
    let ours = text
        .find("Translation by the nimbus-bot bank of the published translation above")
        .expect("the bank's translation labelled");
    assert!(provenance < words && words < ours, "{text}");
}

#[test]
fn timeline_filters_by_year() {
    let bank = fixture_bank();
    let all = dispatch(&bank, &Request::new(Command::Timeline { year: None })).to_text();
    assert!(
        all.contains("2021-10-12") && all.contains("2022-06"),
        "{all}"
    );
    let y = dispatch(&bank, &Request::new(Command::Timeline { year: Some(2022) })).to_text();
    assert!(!y.contains("2021-10-12") && y.contains("2022-06"), "{y}");
}

#[test]
fn sources_of_one_answer_and_of_the_bank() {
    let bank = fixture_bank();
    let one = dispatch(
        &bank,
        &Request::new(Command::Sources {
            topic: Some("shareholder-vote-2022".into()),
        }),
    )
    .to_text();
    assert!(
        one.contains("jweekly.com") && !one.contains("theguardian.com"),
        "{one}"
    );
    let all = dispatch(&bank, &Request::new(Command::Sources { topic: None })).to_text();
    assert!(
        all.contains("jweekly.com") && all.contains("theguardian.com"),
        "{all}"
    );
}

#[test]
fn autocomplete_limits_and_order() {
    let bank = fixture_bank();
    let empty = autocomplete(&bank, &ac("topic", "name", "", None));
    assert_eq!(empty[0].value, "what-is-nimbus", "pinned first");
    assert!(empty.len() <= 25);
    let typo = autocomplete(&bank, &ac("topic", "name", "sharehlder", None));
    assert_eq!(
        typo.first().map(|c| c.value.as_str()),
        Some("shareholder-vote-2022")
    );
    let ar = autocomplete(&bank, &ac("sources", "topic", "تصويت", Some("ar")));
    assert_eq!(ar[0].name, "تصويت المساهمين على نمبوس عام 2022");
    for c in autocomplete(&bank, &ac("quote", "about", "", None))
        .iter()
        .chain(&autocomplete(
            &bank,
            &ac("quote", "speaker", "", Some("ar")),
        ))
    {
        assert!(
            c.name.chars().count() <= 100 && c.value.chars().count() <= 100,
            "{c:?}"
        );
    }
    // Typing in Arabic lists Arabic titles without a lang option.
    let typed = autocomplete(&bank, &ac("topic", "name", "رسالة", None));
    assert_eq!(typed[0].name, "رسالة عاملي غوغل وأمازون (أكتوبر 2021)");
    let speakers = autocomplete(&bank, &ac("quote", "speaker", "pan", None));
    assert_eq!(speakers.len(), 1);
    assert_eq!(speakers[0].name, "Aly Panjwani");
}

#[test]
fn bank_editing_options_complete_over_every_id() {
    let bank = fixture_bank();
    let choices = autocomplete(&bank, &ac("bank", "entry", "", None));
    assert_eq!(
        choices.len(),
        25.min(bank.answers.len() + bank.quotes.len() + bank.sources.len() + bank.events.len())
    );
    let kinds: std::collections::HashSet<&str> = choices
        .iter()
        .filter_map(|c| c.name.split(" · ").next())
        .collect();
    assert!(
        kinds.contains("answer") && kinds.contains("quote") && kinds.contains("source"),
        "{kinds:?}"
    );
    let by_id = autocomplete(&bank, &ac("bank", "entry", "guardian", None));
    assert!(!by_id.is_empty());
    assert!(
        by_id
            .iter()
            .all(|c| c.value.contains("guardian") || c.name.to_lowercase().contains("guardian")),
        "{by_id:?}"
    );
    assert!(
        by_id[0].value.starts_with("guardian"),
        "ids that start with it come first: {by_id:?}"
    );
    let sources = autocomplete(&bank, &ac("bank", "source", "", None));
    assert!(!sources.is_empty());
    assert!(sources
        .iter()
        .all(|c| c.name.starts_with("source · ") && bank.source(&c.value).is_some()));
    assert!(
        autocomplete(&bank, &ac("bank", "change", "", None)).is_empty(),
        "the adapter reads history"
    );
    for c in choices.iter().chain(&by_id).chain(&sources) {
        assert!(c.name.chars().count() <= 100 && c.value.len() <= 100);
    }
}
