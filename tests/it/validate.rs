//! `check`: one bank fault per case, each asserting the file, line and column reported.

use nimbus_bot::bank::{load, Diagnostic, Severity};

use crate::{copy_dir, fixture_dir, options};

/// Copies the fixture bank, adds `zz-case.toml` (sorted last, so it is the later duplicate) with `text`, and returns every diagnostic.
fn check_with(text: &str) -> (tempfile::TempDir, Vec<Diagnostic>) {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&fixture_dir(), dir.path());
    std::fs::write(dir.path().join("zz-case.toml"), text).expect("write case");
    let loaded = load(dir.path(), &options());
    (dir, loaded.diagnostics)
}

/// Asserts exactly one error, in zz-case.toml at `line:col`, whose message contains `needle`.
#[track_caller]
fn expect_error(text: &str, line: usize, col: usize, needle: &str) {
    let (_dir, diagnostics) = check_with(text);
    let errors: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.is_error()).collect();
    let shown: Vec<String> = diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(errors.len(), 1, "expected one error, got {shown:#?}");
    let e = errors[0];
    assert!(e.path.ends_with("zz-case.toml"), "wrong file: {shown:#?}");
    assert_eq!((e.line, e.col), (line, col), "wrong position: {shown:#?}");
    assert!(
        e.message.contains(needle),
        "message {:?} lacks {needle:?}",
        e.message
    );
}

const SOURCE_OK: &str = r#"[[source]]
id = "case-source"
outlet = "Outlet"
title = "Title"
url = "https://example.org/page"
published = "2022-07-01"
language = "en"
confidence = "high"
"#;

fn answer(extra: &str) -> String {
    format!(
        r#"[[answer]]
id = "case-answer"
category = "test"
reviewed = "2026-11-01"
sources = ["guardian-2021-10-12"]
title = {{ en = "A case title", ar = "عنوان حالة" }}
body = {{ en = "Body.", ar = "نص." }}
{extra}"#
    )
}

#[test]
fn fixture_bank_is_clean() {
    let loaded = load(&fixture_dir(), &options());
    let shown: Vec<String> = loaded.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(loaded.diagnostics.is_empty(), "{shown:#?}");
    assert!(loaded.bank.is_some());
}

#[test]
fn toml_syntax_error() {
    expect_error("[[answer]\nid = \"x\"\n", 1, 9, "TOML syntax");
    // The parser's cause comes after its first line ("invalid array"); keep it.
    expect_error("x = [1,\n", 2, 1, "invalid array; expected `]`");
}

#[test]
fn a_broken_language_is_reported_once_not_at_every_text_in_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&fixture_dir(), dir.path());
    let path = dir.path().join("_languages.toml");
    let text = std::fs::read_to_string(&path).expect("read languages");
    let broken: String = text
        .lines()
        .filter(|l| !l.starts_with("not_sure = \"I'm"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(
        broken, text,
        "the fixture's English not_sure string was removed"
    );
    std::fs::write(&path, broken).expect("write languages");
    let shown = || -> Vec<String> {
        load(dir.path(), &options())
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    let shown_now = shown();
    assert_eq!(shown_now.len(), 1, "{shown_now:#?}");
    assert!(
        shown_now[0].contains("missing field `not_sure`"),
        "{shown_now:#?}"
    );

    std::fs::remove_file(&path).expect("remove languages");
    let shown_now = shown();
    assert_eq!(shown_now.len(), 1, "{shown_now:#?}");
    assert!(
        shown_now[0].contains("the bank declares no language"),
        "{shown_now:#?}"
    );
}

#[test]
fn a_table_written_twice_is_called_a_duplicate() {
    let text = answer("").replace("title = {", "[answer.t]\nx = 1\n[answer.t]\ny = 2\n#");
    let (_dir, diagnostics) = check_with(&text);
    let d = diagnostics
        .iter()
        .find(|d| d.path.ends_with("zz-case.toml"))
        .expect("a diagnostic in the case");
    assert!(
        d.message.contains("duplicate key `t` in table `answer`"),
        "{d}"
    );
    assert!(
        d.hint.as_deref().is_some_and(|h| h.contains("merge")),
        "{d}"
    );
}

#[test]
fn a_date_written_as_a_toml_date_is_told_to_be_quoted() {
    let text = answer("").replace("reviewed = \"2026-11-01\"", "reviewed = 2026-11-01");
    expect_error(&text, 4, 12, "a date here is text: put it in quotes");
}

#[test]
fn unknown_field_is_an_error_with_a_suggestion() {
    let text = r#"[[quote]]
id = "case-quote"
text = "We are anonymous because we fear retaliation."
language = "en"
speaker = { en = "Workers" }
role = { en = "Letter" }
sourse = "guardian-2021-10-12"
date = "2021-10-12"
"#;
    expect_error(text, 7, 1, "unknown field `sourse`");
    let (_dir, diagnostics) = check_with(text);
    assert_eq!(
        diagnostics[0].hint.as_deref(),
        Some("did you mean `source`?")
    );
}

#[test]
fn unknown_entry_kind() {
    expect_error(
        "[[answr]]\nid = \"x\"\n",
        1,
        3,
        "unknown entry kind `answr`",
    );
}

#[test]
fn missing_required_field() {
    let text = SOURCE_OK.replace("outlet = \"Outlet\"\n", "");
    expect_error(&text, 1, 1, "missing field `outlet`");
}

#[test]
fn duplicate_id_across_files() {
    let text = SOURCE_OK.replace("case-source", "what-is-nimbus");
    expect_error(&text, 2, 6, "duplicate id `what-is-nimbus`");
}

#[test]
fn unknown_source_reference() {
    let text = answer("").replace("guardian-2021-10-12", "guardian-2021-10-21");
    expect_error(&text, 5, 12, "unknown source id `guardian-2021-10-21`");
}

#[test]
fn unknown_quote_reference() {
    expect_error(
        &answer("quotes = [\"no-such-quote\"]\n"),
        8,
        11,
        "unknown quote id `no-such-quote`",
    );
}

#[test]
fn answer_without_a_source() {
    let text = answer("").replace("sources = [\"guardian-2021-10-12\"]", "sources = []");
    expect_error(&text, 5, 11, "names no source");
}

#[test]
fn quote_not_in_archive() {
    let text = r#"[[quote]]
id = "case-quote"
text = "We are not anonymous."
language = "en"
speaker = { en = "Workers" }
role = { en = "Letter" }
source = "guardian-2021-10-12"
date = "2021-10-12"
"#;
    expect_error(text, 3, 8, "does not appear in the archive");
}

#[test]
fn quote_matches_archive_across_line_breaks() {
    // The archive has the sentence on one line; folding whitespace must still match.
    let text = r#"[[quote]]
id = "case-quote"
text = """So far, more than 90 workers at Google
and more than 300 at Amazon have signed this letter internally."""
language = "en"
speaker = { en = "Workers" }
role = { en = "Letter" }
source = "guardian-2021-10-12"
date = "2021-10-12"
"#;
    let (_dir, diagnostics) = check_with(text);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
}

#[test]
fn invalid_url() {
    let text = SOURCE_OK.replace("https://example.org/page", "example.org/page");
    expect_error(&text, 5, 7, "invalid URL");
}

#[test]
fn invalid_date() {
    let text = SOURCE_OK.replace("2022-07-01", "2022-13-01");
    expect_error(&text, 6, 13, "not a valid date");
}

#[test]
fn text_longer_than_an_embed_shows() {
    let long = "word ".repeat(900);
    let text = answer("").replace("en = \"Body.\"", &format!("en = \"{long}\""));
    expect_error(&text, 7, 15, "Discord shows at most 4096");
}

#[test]
fn title_longer_than_a_choice_name() {
    let long = "t".repeat(101);
    let text = answer("").replace("A case title", &long);
    expect_error(&text, 6, 16, "at most 100");
}

#[test]
fn id_not_usable_as_a_choice_value() {
    let text = SOURCE_OK.replace("case-source", "Case Source");
    expect_error(&text, 2, 6, "cannot be used as a command choice");
}

#[test]
fn alias_claimed_by_two_answers() {
    // "Project Nimbus!" folds to the same search key as the fixture's alias "project nimbus".
    let text = answer("aliases = { en = [\"Project Nimbus!\"] }\n");
    expect_error(
        &text,
        8,
        19,
        "is claimed by answers `what-is-nimbus` and `case-answer`",
    );
}

#[test]
fn unknown_language_key() {
    let text = answer("").replace("ar = \"نص.\"", "ar = \"نص.\", fr = \"Corps.\"");
    expect_error(&text, 7, 41, "unknown language `fr`");
}

#[test]
fn outlet_per_language_needs_declared_languages_and_the_default() {
    let text = SOURCE_OK.replace(
        "outlet = \"Outlet\"",
        "outlet = { ar = \"منفذ\", fr = \"Média\" }",
    );
    let (_dir, diagnostics) = check_with(&text);
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].contains("zz-case.toml:3:10: error: source outlet: unknown language `fr`"),
        "{errors:#?}"
    );
    assert!(
        errors[1].contains("source outlet has no `en` text (the default language)"),
        "{errors:#?}"
    );
}

#[test]
fn outlet_of_the_wrong_shape_says_what_is_expected() {
    let text = SOURCE_OK.replace("outlet = \"Outlet\"", "outlet = 3");
    expect_error(&text, 3, 10, "a string, or a table of texts per language");
}

#[test]
fn archive_path_may_not_leave_the_bank() {
    let text = SOURCE_OK.replace(
        "confidence = \"high\"",
        "confidence = \"high\"\narchive = \"../../etc/passwd\"",
    );
    expect_error(&text, 9, 11, "leaves the bank folder");
}

#[test]
fn stale_answer_is_due_for_review_not_a_warning() {
    let text = answer("").replace("2026-11-01", "2024-01-01");
    let (_dir, diagnostics) = check_with(&text);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let w = &diagnostics[0];
    assert_eq!(w.severity, Severity::Review);
    assert_eq!((w.line, w.col), (4, 12));
    assert!(w.message.contains("last reviewed"), "{w}");
    assert!(
        w.to_string()
            .contains("zz-case.toml:4:12: review: answer `case-answer`"),
        "{w}"
    );
}

#[test]
fn every_problem_is_reported_in_one_run() {
    let text = format!(
        "{}\n{}",
        SOURCE_OK
            .replace("https://example.org/page", "nope")
            .replace("2022-07-01", "July"),
        answer("quotes = [\"missing\"]\n").replace("guardian-2021-10-12", "nowhere")
    );
    let (_dir, diagnostics) = check_with(&text);
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    assert_eq!(errors.len(), 4, "{errors:#?}");
    for needle in [
        "invalid URL",
        "not a valid date",
        "unknown source id `nowhere`",
        "unknown quote id `missing`",
    ] {
        assert!(
            errors.iter().any(|e| e.contains(needle)),
            "{needle} not in {errors:#?}"
        );
    }
}

#[test]
fn diagnostics_print_as_path_line_col() {
    let (_dir, diagnostics) = check_with("[[answr]]\n");
    let line = diagnostics[0].to_string();
    assert!(
        line.contains("zz-case.toml:1:3: error: unknown entry kind"),
        "{line}"
    );
    assert!(line.contains("hint: did you mean `[[answer]]`?"), "{line}");
}

/// A quote of the fixture's seed archive, with `extra` fields, for the provenance rules.
fn seed_quote(extra: &str) -> String {
    format!(
        r#"[[quote]]
id = "case-quote"
text = "بالتوقف عن التربح من العنف في جميع أنحاء العالم"
language = "ar"
speaker = {{ ar = "علي بنجواني", en = "Aly Panjwani" }}
role = {{ en = "Analyst" }}
source = "seed-2022-07"
date = "2022-07"
{extra}"#
    )
}

const TRANSLATED: &str = "provenance = \"translated\"\nspoken_language = \"en\"\ntranslated_by = { en = \"the Arabic seed article\", ar = \"المقال العربي\" }\n";

#[test]
fn translated_quote_with_its_fields_is_clean() {
    let (_dir, diagnostics) = check_with(&seed_quote(TRANSLATED));
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
}

#[test]
fn unknown_provenance_explains_the_values() {
    let text = seed_quote("provenance = \"paraphrase\"\n");
    expect_error(&text, 9, 14, "unknown provenance `paraphrase`");
    let (_dir, diagnostics) = check_with(&text);
    let hint = diagnostics[0].hint.as_deref().unwrap_or("");
    assert!(
        hint.contains("`spoken`") && hint.contains("a paraphrase is not a quote"),
        "{hint}"
    );
}

#[test]
fn translated_quote_needs_spoken_language() {
    let text = seed_quote(&TRANSLATED.replace("spoken_language = \"en\"\n", ""));
    expect_error(&text, 1, 1, "needs `spoken_language`");
}

#[test]
fn translated_quote_needs_translated_by() {
    let text = seed_quote("provenance = \"translated\"\nspoken_language = \"en\"\n");
    expect_error(&text, 1, 1, "needs `translated_by`");
}

#[test]
fn translated_by_needs_the_default_language() {
    let text = seed_quote(&TRANSLATED.replace(
        "{ en = \"the Arabic seed article\", ar = \"المقال العربي\" }",
        "{ ar = \"المقال العربي\" }",
    ));
    expect_error(&text, 11, 17, "translated_by has no `en` text");
}

#[test]
fn spoken_language_must_differ_from_the_text() {
    let text =
        seed_quote(&TRANSLATED.replace("spoken_language = \"en\"", "spoken_language = \"ar\""));
    expect_error(&text, 10, 19, "the language of `text` itself");
}

#[test]
fn spoken_language_needs_a_name_in_every_language() {
    let text =
        seed_quote(&TRANSLATED.replace("spoken_language = \"en\"", "spoken_language = \"fr\""));
    expect_error(&text, 10, 19, "has no name for `fr`");
}

#[test]
fn spoken_quote_may_not_carry_translation_fields() {
    // Explicitly spoken, and spoken by default: each translation-only field is reported.
    for (extra, field, line, col) in [
        (
            "provenance = \"spoken\"\ntranslated_by = \"someone\"\n",
            "translated_by",
            10,
            17,
        ),
        ("spoken_language = \"en\"\n", "spoken_language", 9, 19),
        ("original = \"hayes-keep-safe\"\n", "original", 9, 12),
    ] {
        expect_error(
            &seed_quote(extra),
            line,
            col,
            &format!("`{field}` belongs to a published translation"),
        );
    }
}

#[test]
fn original_must_exist() {
    let text = seed_quote(&format!("{TRANSLATED}original = \"no-such-quote\"\n"));
    expect_error(&text, 12, 12, "unknown quote id `no-such-quote`");
}

#[test]
fn original_must_be_the_speakers_own_words() {
    // `panjwani-seed` is itself a published translation.
    let text = seed_quote(&format!("{TRANSLATED}original = \"panjwani-seed\"\n"));
    expect_error(&text, 12, 12, "is not the speaker's own words");
}

#[test]
fn original_must_be_in_the_spoken_language() {
    let text = seed_quote(&format!(
        "{}original = \"hayes-keep-safe\"\n",
        TRANSLATED.replace("spoken_language = \"en\"", "spoken_language = \"he\"")
    ))
    .replace(
        "ar = \"علي بنجواني\", en = \"Aly Panjwani\"",
        "ar = \"علي بنجواني\", en = \"Myaisha Hayes\"",
    );
    expect_error(
        &text,
        12,
        12,
        "is in `en`, but this quote says the words were spoken in `he`",
    );
}

#[test]
fn original_must_have_the_same_speaker() {
    let text = seed_quote(&format!("{TRANSLATED}original = \"hayes-keep-safe\"\n"));
    expect_error(&text, 12, 12, "is by a different speaker");
}

// Example questions (`[answer.examples]`): each fault is reported at the example itself.

#[test]
fn empty_example_question() {
    let text = answer("examples = { en = [\"what is the case\", \" \"] }\n");
    expect_error(&text, 8, 40, "example question is empty");
}

#[test]
fn example_in_an_undeclared_language() {
    let text = answer("examples = { en = [\"what is the case\"], fr = [\"c'est quoi\"] }\n");
    expect_error(&text, 8, 47, "examples: unknown language `fr`");
}

#[test]
fn example_longer_than_ask_takes() {
    let long = "why ".repeat(76);
    let text = answer(&format!("examples = {{ ar = [\"{long}\"] }}\n"));
    expect_error(&text, 8, 20, "/ask takes at most 300");
}

#[test]
fn example_listed_twice_after_folding() {
    // Case, punctuation and spacing do not make it another question.
    let text = answer("examples = { en = [\"who won nimbus\", \"Who  won Nimbus?\"] }\n");
    expect_error(&text, 8, 38, "listed twice for answer `case-answer`");
}

#[test]
fn example_listed_for_two_answers() {
    let second = answer("examples = { en = [\"Who won Nimbus?\"] }\n")
        .replace("case-answer", "case-answer-two")
        .replace("A case title", "Another case title")
        .replace("عنوان حالة", "عنوان آخر");
    let text = format!(
        "{}\n{second}",
        answer("examples = { en = [\"who won nimbus\"] }\n")
    );
    expect_error(
        &text,
        17,
        20,
        "listed for answers `case-answer` and `case-answer-two`",
    );
}

#[test]
fn too_many_examples_in_one_language() {
    let list: Vec<String> = (1..=21).map(|i| format!("\"question {i}\"")).collect();
    let text = answer(&format!(
        "[answer.examples]\nen = [\n{}\n]\n",
        list.join(",\n")
    ));
    expect_error(
        &text,
        30,
        1,
        "lists 21 example questions in `en`; at most 20",
    );
}

#[test]
fn examples_are_kept_with_their_places_and_never_searched() {
    let text = answer(
        "[answer.examples]\nen = [\"zebra crossing question\"]\nar = [\"سؤال حمار الوحش\"]\n",
    );
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&fixture_dir(), dir.path());
    std::fs::write(dir.path().join("zz-case.toml"), text).expect("write case");
    let loaded = load(dir.path(), &options());
    let bank = loaded.bank.expect("loads");
    let answer = bank.answer("case-answer").expect("answer");
    let places: Vec<(&str, &str, usize, usize)> = answer
        .examples
        .iter()
        .map(|e| (e.lang.as_str(), e.text.as_str(), e.at.line, e.at.col))
        .collect();
    assert_eq!(
        places,
        [
            ("en", "zebra crossing question", 9, 7),
            ("ar", "سؤال حمار الوحش", 10, 7)
        ]
    );
    assert!(answer.examples[0].at.path.ends_with("zz-case.toml"));
    // Words that only an example holds find nothing: examples are not an alias or a body.
    let result = nimbus_bot::commands::ask(&bank, "zebra crossing question");
    assert_eq!(result.entry, None);
    assert!(result.suggestions.is_empty(), "{:?}", result.suggestions);
}

#[test]
fn a_concept_of_one_term_must_be_a_name() {
    expect_error(
        "[[concept]]\nterms = [\"palantir\"]\n",
        1,
        1,
        "a concept needs at least two words or phrases",
    );
    let (_dir, diagnostics) = check_with("[[concept]]\nname = true\nterms = [\"palantir\"]\n");
    assert!(
        !diagnostics.iter().any(Diagnostic::is_error),
        "{diagnostics:#?}"
    );
}

#[test]
fn includes_belongs_to_a_name() {
    expect_error(
        "[[concept]]\nterms = [\"cloud\", \"سحابة\"]\nincludes = [\"aws\"]\n",
        3,
        13,
        "`includes` lists other names for a name",
    );
}

#[test]
fn includes_names_another_name() {
    let base = "[[concept]]\nname = true\nterms = [\"palantir\", \"بالانتير\"]\n";
    expect_error(
        &format!("{base}includes = [\"anduril\"]\n"),
        4,
        13,
        "`includes` names `anduril`, which is not a name here",
    );
    let (_dir, diagnostics) = check_with(&format!(
        "{base}includes = [\"بالانتير\", \"anduril\"]\n\n\
         [[concept]]\nname = true\nterms = [\"anduril\"]\n"
    ));
    let shown: Vec<String> = diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(shown.len(), 1, "{shown:#?}");
    assert!(!diagnostics[0].is_error(), "{shown:#?}");
    assert!(
        shown[0].contains("zz-case.toml:4:13: warning: `بالانتير` is this name itself"),
        "{shown:#?}"
    );
}

#[test]
fn search_entries_that_do_nothing_or_clash_are_warned_about() {
    let text = "[[concept]]\nterms = [\"fired\", \"sacked\", \"axed\"]\n\n\
                [[concept]]\nterms = [\"dismissed\", \"axed\"]\n\n\
                [[concept]]\nterms = [\"let go\", \"laid off\"]\n\n\
                [[filler]]\nphrases = [\"sacked\", \"ngl\", \"fired\", \"ngl\", \"let go\"]\n";
    let (_dir, diagnostics) = check_with(text);
    let shown: Vec<String> = diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(!diagnostics.iter().any(|d| d.is_error()), "{shown:#?}");
    let warned = |needle: &str, at: (usize, usize)| {
        assert!(
            diagnostics.iter().any(|d| d.severity == Severity::Warning
                && d.path.ends_with("zz-case.toml")
                && (d.line, d.col) == at
                && d.message.contains(needle)),
            "no warning {needle:?} at {at:?}: {shown:#?}"
        );
    };
    let axed = text
        .lines()
        .nth(4)
        .and_then(|l| l.find("\"axed\""))
        .expect("axed")
        + 1;
    warned("is also a word of the concept `fired`", (5, axed));
    let filler_line = text.lines().nth(10).expect("filler line");
    let sacked = filler_line.find("\"sacked\"").expect("sacked") + 1;
    warned(
        "search keeps it: this filler entry does nothing",
        (11, sacked),
    );
    let fired = filler_line.find("\"fired\"").expect("fired") + 1;
    warned("is the word the concept `fired` is named by", (11, fired));
    let second_ngl = filler_line.rfind("\"ngl\"").expect("ngl") + 1;
    warned("filler `ngl` is listed twice", (11, second_ngl));
    // A phrase that names a concept is matched as the concept first: the filler does nothing.
    let let_go = filler_line.rfind("\"let go\"").expect("let go") + 1;
    warned(
        "filler `let go` is also in the concept `let go`",
        (11, let_go),
    );
    assert_eq!(
        diagnostics.len(),
        5,
        "one warning each, nothing for distinct words: {shown:#?}"
    );
}

/// Entries built on words search drops (the second audit's "do nothing" cases), and two
/// concepts sharing a first word, which were reported as one concept listing it twice.
#[test]
fn search_entries_built_on_stop_words_are_warned_about() {
    let text = "[[synonyms]]\nterms = [\"the\", \"zorblax\"]\n\n\
                [[concept]]\nterms = [\"what\", \"is\", \"the\"]\n\n\
                [[concept]]\nname = true\nterms = [\"quuxcorp\", \"the\"]\n\n\
                [[concept]]\nterms = [\"blip\", \"blop\"]\n\n\
                [[concept]]\nterms = [\"blip\", \"bleep\", \"bleep\"]\n";
    let (_dir, diagnostics) = check_with(text);
    let shown: Vec<String> = diagnostics.iter().map(|d| d.to_string()).collect();
    let warned = |needle: &str, line: usize, col: usize| {
        assert!(
            diagnostics.iter().any(|d| d.severity == Severity::Warning
                && d.path.ends_with("zz-case.toml")
                && (d.line, d.col) == (line, col)
                && d.message.contains(needle)),
            "no warning {needle:?} at {line}:{col}: {shown:#?}"
        );
    };
    warned("`the` is a stop word or filler: search drops it", 2, 10);
    warned("every word of the concept `what` is a stop word", 5, 10);
    warned(
        "`the` is a stop word or filler, so it cannot spell a name",
        9,
        22,
    );
    warned("`blip` is also a word of the concept `blip`", 15, 10);
    warned("`bleep` is listed twice in the concept `blip`", 15, 27);
    // And the name's "the" is the stop-word concept's word too: a clash of its own.
    warned("`the` is also a word of the concept `what`", 9, 22);
    assert!(!diagnostics.iter().any(|d| d.is_error()), "{shown:#?}");
    assert_eq!(diagnostics.len(), 6, "{shown:#?}");
}

#[test]
fn a_review_date_in_the_future_is_an_error() {
    let text = answer("").replace("2026-11-01", "2027-01-01");
    expect_error(&text, 4, 12, "in the future");
    // The day after today (the moderator's clock may be ahead) is not.
    let (_dir, diagnostics) = check_with(&answer("").replace("2026-11-01", "2026-11-29"));
    assert!(!diagnostics.iter().any(Diagnostic::is_error));
}

#[test]
fn an_alias_without_a_word_search_reads_is_a_warning() {
    let (_dir, diagnostics) = check_with(&answer(r#"aliases = { en = ["?!?", "what is the"] }"#));
    let dead: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning && d.message.contains("no question can match"))
        .collect();
    assert_eq!(dead.len(), 2, "{diagnostics:#?}");
    assert!(dead.iter().all(|d| d.line == 8));
    assert!(
        !diagnostics.iter().any(Diagnostic::is_error),
        "{diagnostics:#?}"
    );
}

/// When a `[[filler]]` entry is what empties an alias, the hint names that entry: rewording
/// the alias would not help.
#[test]
fn an_alias_emptied_by_filler_names_the_filler() {
    let text = format!(
        "{}\n[[filler]]\nphrases = [\"ngl\", \"zorp blim\"]\n",
        answer(r#"aliases = { en = ["zorp blim"] }"#)
    );
    let (_dir, diagnostics) = check_with(&text);
    let dead: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.message.contains("no question can match"))
        .map(ToString::to_string)
        .collect();
    assert_eq!(dead.len(), 1, "{dead:#?}");
    assert!(dead[0].contains("zz-case.toml:8:19: warning"), "{dead:#?}");
    assert!(
        dead[0].contains("hint: the filler `zorp blim` (")
            && dead[0].contains("zz-case.toml:10:19)"),
        "{dead:#?}"
    );
}
