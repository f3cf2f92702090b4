//! The commands: their registry (names, options, who may use them) and `dispatch`, which turns a
//! [`Request`] into a [`Reply`] using only the bank.
//!
//! Both the Discord adapter and the command line go through here, so `/ask` and
//! `nimbus-bot ask` give the same answer from the same code.

mod registry;

pub use registry::{registry, CommandSpec, OptionKind, OptionSpec, Permission};

use crate::bank::{Answer, Bank, Quote};
use crate::render::{self, limits, Frame};
use crate::reply::{Button, ButtonStyle, Reply, Visibility};
pub use crate::search::Tier;
use crate::text::normalize;

/// A command a person asked for, with its options already parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `/ask question:` — free text to the best answer, or "not sure" with suggestions.
    Ask { question: String },
    /// `/topic name:` — one answer by id (the autocomplete value).
    Topic { id: String },
    /// `/quote [about:] [speaker:]` — a verbatim quote; random among matches.
    Quote {
        about: Option<String>,
        speaker: Option<String>,
    },
    /// `/sources [topic:]` — the sources behind one answer, or the whole bank.
    Sources { topic: Option<String> },
    /// `/timeline [year:]` — dated events.
    Timeline { year: Option<i32> },
    /// `/help` — what the bot does.
    Help,
    /// A button press (see [`Action`]).
    Button(Action),
}

/// What a button under a reply does; serialised into its `custom_id`.
///
/// The id carries everything needed to rebuild the content from the bank, so the bot keeps no
/// state between the reply and the press.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Post the same content publicly in the channel.
    Share { target: Target, lang: String },
    /// Show one suggested answer (from a "not sure" reply), privately.
    Show { answer: String, lang: String },
    /// Post a quote's card (an image) publicly in the channel.
    Card { quote: String, lang: String },
}

/// A piece of bank content a reply shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An answer by id.
    Answer(String),
    /// A quote by id.
    Quote(String),
    /// Sources of an answer (`Some`) or of the whole bank (`None`).
    Sources(Option<String>),
    /// Timeline of one year, or all of it.
    Timeline(Option<i32>),
}

/// Everything `dispatch` needs to know about one invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The command and its options.
    pub command: Command,
    /// The `lang` option, if the person gave one.
    pub lang: Option<String>,
    /// The guild's default language from config.toml.
    pub guild_lang: Option<String>,
    /// The person's Discord locale (`en-US`, `fr`, ...).
    pub locale: Option<String>,
    /// The `public` option, if the person gave one.
    pub public: Option<bool>,
    /// Whether replies in this guild are public unless asked otherwise.
    pub public_by_default: bool,
    /// For a shared post: a mention of who shared it (e.g. `<@123>`), rendered without a ping.
    pub shared_by: Option<String>,
}

impl Request {
    /// A request with no language, visibility or guild settings.
    pub fn new(command: Command) -> Self {
        Request {
            command,
            lang: None,
            guild_lang: None,
            locale: None,
            public: None,
            public_by_default: false,
            shared_by: None,
        }
    }
}

/// A request for autocomplete choices while a person types an option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutocompleteRequest {
    /// The command name (`topic`, `quote`, `sources`).
    pub command: String,
    /// The option being typed (`name`, `about`, `speaker`, `topic`).
    pub option: String,
    /// What has been typed so far.
    pub partial: String,
    /// Language options as in [`Request`].
    pub lang: Option<String>,
    /// The guild's default language.
    pub guild_lang: Option<String>,
    /// The person's Discord locale.
    pub locale: Option<String>,
}

/// One autocomplete choice: `name` is shown, `value` comes back as the option.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Choice {
    /// What the person sees (at most 100 characters).
    pub name: String,
    /// What the bot receives (an id, at most 100 characters).
    pub value: String,
}

impl Action {
    /// The button id for this action: `share:a:<id>:<lang>`, `share:q:…`, `share:s:<id|*>:…`,
    /// `share:t:<year|*>:…`, `show:<id>:<lang>` or `card:<quote id>:<lang>`. At most 76 characters, as ids are at most 64.
    pub fn custom_id(&self) -> String {
        match self {
            Action::Share { target, lang } => {
                let (kind, id) = match target {
                    Target::Answer(id) => ("a", id.clone()),
                    Target::Quote(id) => ("q", id.clone()),
                    Target::Sources(id) => ("s", id.clone().unwrap_or_else(|| "*".into())),
                    Target::Timeline(year) => ("t", year.map_or("*".into(), |y| y.to_string())),
                };
                format!("share:{kind}:{id}:{lang}")
            }
            Action::Show { answer, lang } => format!("show:{answer}:{lang}"),
            Action::Card { quote, lang } => format!("card:{quote}:{lang}"),
        }
    }

    /// Reads a button id written by [`Action::custom_id`]; anything else is `None`.
    pub fn parse(custom_id: &str) -> Option<Action> {
        let parts: Vec<&str> = custom_id.split(':').collect();
        match parts.as_slice() {
            ["share", kind, id, lang] => {
                let any = *id == "*";
                let target = match *kind {
                    "a" => Target::Answer(id.to_string()),
                    "q" => Target::Quote(id.to_string()),
                    "s" => Target::Sources((!any).then(|| id.to_string())),
                    "t" => Target::Timeline(if any { None } else { Some(id.parse().ok()?) }),
                    _ => return None,
                };
                Some(Action::Share {
                    target,
                    lang: lang.to_string(),
                })
            }
            ["show", id, lang] => Some(Action::Show {
                answer: id.to_string(),
                lang: lang.to_string(),
            }),
            ["card", id, lang] => Some(Action::Card {
                quote: id.to_string(),
                lang: lang.to_string(),
            }),
            _ => None,
        }
    }
}

/// What `ask` found: the contract behind `nimbus-bot ask --json` and the `/ask` reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AskResult {
    /// How sure search is: a confident answer, a closest match, or not sure.
    pub tier: Tier,
    /// The answer id, when search was confident (only then: callers may treat it as true).
    pub entry: Option<String>,
    /// The probable answer id, shown framed as the closest match, when search was not
    /// confident but one entry stood out.
    pub closest: Option<String>,
    /// Up to three other ids worth suggesting, best first.
    pub suggestions: Vec<String>,
}

impl AskResult {
    /// The id the reply gives: the confident answer, or else the closest match.
    pub fn given(&self) -> Option<&str> {
        self.entry.as_deref().or(self.closest.as_deref())
    }

    /// The ids the reply shows, in the order it shows them.
    pub fn shown(&self) -> Vec<&str> {
        let first = self.given();
        let rest = match self.tier {
            // A confident answer shows only itself.
            Tier::Answer => &[][..],
            Tier::Closest | Tier::NotSure => &self.suggestions[..],
        };
        first
            .into_iter()
            .chain(rest.iter().map(String::as_str))
            .collect()
    }
}

/// Runs a question through search.
pub fn ask(bank: &Bank, question: &str) -> AskResult {
    let outcome = bank.index.ask(question);
    let id = |i: usize| bank.answers[i].id.clone();
    let shown = outcome.answer.or(outcome.closest);
    let suggestions = outcome
        .ranked
        .iter()
        .filter(|s| Some(s.doc) != shown)
        .map(|s| id(s.doc))
        .collect();
    AskResult {
        tier: outcome.tier(),
        entry: outcome.answer.map(id),
        closest: outcome.closest.map(id),
        suggestions,
    }
}

/// The language to reply in: the `lang` option; else, for a question, the language it is
/// written in (someone asking in Arabic wants Arabic, and Discord has no Arabic locale to say
/// so); else the guild's default, the Discord locale, the bank default.
pub fn reply_language<'b>(bank: &'b Bank, req: &Request) -> &'b crate::bank::Language {
    if let Some(lang) = req.lang.as_deref().and_then(|code| bank.language(code)) {
        return lang;
    }
    let asked = match &req.command {
        Command::Ask { question } => Some(question.as_str()),
        // Free text typed into the topic option instead of a choice.
        Command::Topic { id } if bank.answer(id).is_none() => Some(id.as_str()),
        _ => None,
    };
    asked
        .and_then(|text| bank.language_of_text(text))
        .unwrap_or_else(|| {
            bank.resolve_language(None, req.guild_lang.as_deref(), req.locale.as_deref())
        })
}

/// Answers one request. Pure: the same bank and request give the same reply (except that
/// `/quote` with several matches picks one at random).
pub fn dispatch(bank: &Bank, req: &Request) -> Reply {
    let frame = frame_for(bank, req);
    let lang = frame.lang;
    let not_found = || render::notice(&lang.strings.not_found);
    match &req.command {
        Command::Ask { question } => ask_reply(bank, question, &frame),
        Command::Topic { id } => match bank.answer(id) {
            Some(answer) => answer_reply(bank, answer, &frame),
            // Discord lets people send free text in an autocomplete option: treat it as a question.
            None => ask_reply(bank, id, &frame),
        },
        Command::Quote { about, speaker } => {
            let matches = find_quotes(bank, about.as_deref(), speaker.as_deref());
            if matches.is_empty() {
                return not_found();
            }
            let quote = matches[fastrand::usize(..matches.len())];
            with_cards(bank, render::quote(bank, quote, &frame), &[quote], lang)
        }
        Command::Sources { topic } => match topic {
            None => render::sources(bank, None, &frame),
            Some(topic) => match find_answer(bank, topic) {
                Some(answer) => render::sources(bank, Some(answer), &frame),
                None => not_found(),
            },
        },
        Command::Timeline { year } => render::timeline(bank, *year, &frame),
        Command::Help => render::help(bank, lang),
        Command::Button(action) => button(bank, action, req),
    }
}

/// The language and visibility a request is answered with.
fn frame_for<'b>(bank: &'b Bank, req: &Request) -> Frame<'b> {
    Frame {
        lang: reply_language(bank, req),
        visibility: match req.public.unwrap_or(req.public_by_default) {
            true => Visibility::Public,
            false => Visibility::Ephemeral,
        },
        shared_by: None,
    }
}

fn ask_reply(bank: &Bank, question: &str, frame: &Frame) -> Reply {
    render_ask(bank, &ask(bank, question), frame)
}

/// A reply, and the question it could not answer confidently (for the gap log), if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Handled {
    /// What the person is shown.
    pub reply: Reply,
    /// The question as typed, when `/ask` (or free text in `/topic`) got no confident answer.
    pub unanswered: Option<String>,
}

/// Answers one request as [`dispatch`] does, and says which question went without a
/// confident answer, so that every transport feeds the gap log the same way.
pub fn handle(bank: &Bank, req: &Request) -> Handled {
    let question = match &req.command {
        Command::Ask { question } => Some(question),
        Command::Topic { id } if bank.answer(id).is_none() => Some(id),
        _ => None,
    };
    match question {
        Some(question) => {
            let (result, reply) = answer_question(bank, req, question);
            Handled {
                reply,
                unanswered: result.entry.is_none().then(|| question.clone()),
            }
        }
        None => Handled {
            reply: dispatch(bank, req),
            unanswered: None,
        },
    }
}

/// Answers an `/ask` request, returning what search found with the reply, so that a caller
/// needing both (`nimbus-bot ask --json`) searches once.
pub fn answer_question(bank: &Bank, req: &Request, question: &str) -> (AskResult, Reply) {
    let result = ask(bank, question);
    let reply = render_ask(bank, &result, &frame_for(bank, req));
    (result, reply)
}

fn render_ask(bank: &Bank, result: &AskResult, frame: &Frame) -> Reply {
    let suggestions: Vec<&Answer> = result
        .suggestions
        .iter()
        .filter_map(|id| bank.answer(id))
        .collect();
    if let Some(answer) = result.entry.as_deref().and_then(|id| bank.answer(id)) {
        return answer_reply(bank, answer, frame);
    }
    match result.closest.as_deref().and_then(|id| bank.answer(id)) {
        Some(closest) => render::closest(bank, closest, &suggestions, frame),
        None => render::not_sure(bank, &suggestions, frame.lang),
    }
}

/// Most Card buttons under one reply: with the Share button they take two of Discord's rows.
const MAX_CARD_BUTTONS: usize = 9;

/// An answer with a Card button for each quote it shows whose card fits.
fn answer_reply(bank: &Bank, answer: &Answer, frame: &Frame) -> Reply {
    let quotes: Vec<&Quote> = answer.quotes.iter().map(|&i| &bank.quotes[i]).collect();
    with_cards(
        bank,
        render::answer(bank, answer, frame),
        &quotes,
        frame.lang,
    )
}

/// Adds a Card button per quote (as the reader sees it, once each) whose landscape card
/// fits; a quote too long for a legible card gets no button.
fn with_cards(
    bank: &Bank,
    mut reply: Reply,
    quotes: &[&Quote],
    lang: &crate::bank::Language,
) -> Reply {
    let mut shown = std::collections::HashSet::new();
    let fitting: Vec<&Quote> = quotes
        .iter()
        .copied()
        .filter(|q| shown.insert(render::quote_view(bank, q, lang).shown.id.clone()))
        .filter(|q| crate::card::fits(bank, q, lang))
        .take(MAX_CARD_BUTTONS)
        .collect();
    let numbered = fitting.len() > 1;
    for (n, quote) in fitting.iter().enumerate() {
        let label = if numbered {
            format!(
                "{} {} · {}",
                lang.strings.card,
                n + 1,
                quote.speaker_in(&lang.code)
            )
        } else {
            lang.strings.card.clone()
        };
        reply.buttons.push(Button {
            custom_id: Action::Card {
                quote: quote.id.clone(),
                lang: lang.code.clone(),
            }
            .custom_id(),
            label: render::fit(&render::neutralize_mentions(&label), limits::BUTTON_LABEL),
            style: ButtonStyle::Secondary,
        });
    }
    reply
}

/// An answer by id, or the one a free-text topic asks for.
fn find_answer<'b>(bank: &'b Bank, topic: &str) -> Option<&'b Answer> {
    bank.answer(topic).or_else(|| {
        let id = ask(bank, topic).entry?;
        bank.answer(&id)
    })
}

fn button(bank: &Bank, action: &Action, req: &Request) -> Reply {
    let (lang_code, visibility) = match action {
        Action::Share { lang, .. } | Action::Card { lang, .. } => (lang, Visibility::Public),
        Action::Show { lang, .. } => (lang, Visibility::Ephemeral),
    };
    let lang = bank.resolve_language(Some(lang_code), None, None);
    let frame = Frame {
        lang,
        visibility,
        shared_by: req.shared_by.as_deref(),
    };
    let not_found = || render::notice(&lang.strings.not_found);
    match action {
        Action::Show { answer, .. } => match bank.answer(answer) {
            Some(a) => answer_reply(bank, a, &frame),
            None => not_found(),
        },
        // The adapter draws cards (off the async threads, after the share limits); reaching
        // here means a card was asked for where none can be posted.
        Action::Card { .. } => not_found(),
        Action::Share { target, .. } => match target {
            Target::Answer(id) => bank
                .answer(id)
                .map_or_else(not_found, |a| render::answer(bank, a, &frame)),
            Target::Quote(id) => bank
                .quote(id)
                .map_or_else(not_found, |q| render::quote(bank, q, &frame)),
            Target::Sources(None) => render::sources(bank, None, &frame),
            Target::Sources(Some(id)) => bank
                .answer(id)
                .map_or_else(not_found, |a| render::sources(bank, Some(a), &frame)),
            Target::Timeline(year) => render::timeline(bank, *year, &frame),
        },
    }
}

/// Quotes matching an `about` (a quote id, or words of the quote, its translation, note or
/// the answers it belongs to) and a `speaker` (any spelling of the name).
pub fn find_quotes<'b>(
    bank: &'b Bank,
    about: Option<&str>,
    speaker: Option<&str>,
) -> Vec<&'b Quote> {
    if let Some(quote) = about.and_then(|a| bank.quote(a)) {
        return vec![quote];
    }
    let speaker = speaker.map(normalize).filter(|s| !s.is_empty());
    let analyzer = bank.index.analyzer();
    let about_terms: Vec<String> = about
        .map(|a| analyzer.terms(a).collect())
        .unwrap_or_default();
    let mut scored: Vec<(usize, &Quote)> = Vec::new();
    for (i, quote) in bank.quotes.iter().enumerate() {
        if let Some(wanted) = &speaker {
            let names = quote.speaker.values().chain(&quote.speaker_aliases);
            if !names
                .map(|n| normalize(n))
                .any(|n| n.contains(wanted.as_str()))
            {
                continue;
            }
        }
        if about_terms.is_empty() {
            scored.push((1, quote));
            continue;
        }
        let mut haystack: Vec<&str> = vec![&quote.text];
        haystack.extend(quote.translations.values().map(String::as_str));
        haystack.extend(quote.note.values().map(String::as_str));
        for answer in bank.answers.iter().filter(|a| a.quotes.contains(&i)) {
            haystack.extend(answer.title.values().map(String::as_str));
            haystack.extend(answer.aliases.values().flatten().map(String::as_str));
        }
        let terms: std::collections::HashSet<String> =
            haystack.iter().flat_map(|t| analyzer.terms(t)).collect();
        let hits = about_terms.iter().filter(|t| terms.contains(*t)).count();
        if hits > 0 {
            scored.push((hits, quote));
        }
    }
    let best = scored.iter().map(|(h, _)| *h).max().unwrap_or(0);
    scored
        .into_iter()
        .filter(|(h, _)| *h == best)
        .map(|(_, q)| q)
        .collect()
}

/// Autocomplete choices for the option being typed: at most 25, names and values at most
/// 100 characters, best first.
pub fn autocomplete(bank: &Bank, req: &AutocompleteRequest) -> Vec<Choice> {
    const MAX: usize = 25;
    // As for questions: what is being typed says which language the person reads.
    let lang = req
        .lang
        .as_deref()
        .and_then(|code| bank.language(code))
        .or_else(|| bank.language_of_text(&req.partial))
        .unwrap_or_else(|| {
            bank.resolve_language(None, req.guild_lang.as_deref(), req.locale.as_deref())
        });
    let title = |a: &Answer| match bank.text_in(&a.title, &lang.code).0 {
        "" => a.id.clone(),
        title => title.to_string(),
    };
    match (req.command.as_str(), req.option.as_str()) {
        ("quote", "about") => {
            let folded = normalize(&req.partial);
            let mut matches: Vec<&Quote> = if folded.is_empty() {
                bank.quotes.iter().collect()
            } else {
                let direct: Vec<&Quote> = bank
                    .quotes
                    .iter()
                    .filter(|q| {
                        std::iter::once(&q.text)
                            .chain(q.translations.values())
                            .chain(q.speaker.values())
                            .any(|t| normalize(t).contains(&folded))
                    })
                    .collect();
                if direct.is_empty() {
                    find_quotes(bank, Some(&req.partial), None)
                } else {
                    direct
                }
            };
            matches.truncate(MAX);
            matches
                .into_iter()
                .map(|q| Choice {
                    name: render::quote_choice_name(bank, q, lang),
                    value: q.id.clone(),
                })
                .collect()
        }
        ("quote", "speaker") => {
            let folded = normalize(&req.partial);
            let mut seen = std::collections::HashSet::new();
            let mut out = Vec::new();
            for q in &bank.quotes {
                let names: Vec<&String> = q.speaker.values().chain(&q.speaker_aliases).collect();
                if !folded.is_empty() && !names.iter().any(|n| normalize(n).contains(&folded)) {
                    continue;
                }
                let shown = q.speaker_in(&lang.code);
                if seen.insert(normalize(shown)) {
                    let value = render::fit(shown, limits::CHOICE_NAME);
                    out.push(Choice {
                        name: value.clone(),
                        value,
                    });
                }
                if out.len() == MAX {
                    break;
                }
            }
            out
        }
        // The editing commands pick any entry (or a source) by id.
        ("bank", "entry") => entry_choices(bank, &req.partial, &lang.code, None, MAX),
        ("bank", "source") => entry_choices(bank, &req.partial, &lang.code, Some("source"), MAX),
        // The change to revert comes from the history, which the adapter reads.
        ("bank", _) => Vec::new(),
        // `/topic name:` and `/sources topic:` both pick an answer.
        _ => bank
            .index
            .complete(&req.partial, MAX)
            .into_iter()
            .map(|i| {
                let a = &bank.answers[i];
                Choice {
                    name: render::fit(&title(a), limits::CHOICE_NAME),
                    value: a.id.clone(),
                }
            })
            .collect(),
    }
}

/// Entries whose id or title contains what is typed, as `kind · id — title` choices, ids that
/// start with it first; `only` keeps one kind.
fn entry_choices(
    bank: &Bank,
    partial: &str,
    lang: &str,
    only: Option<&str>,
    max: usize,
) -> Vec<Choice> {
    let wanted = normalize(partial);
    let mut all: Vec<(&str, &str, String)> = Vec::new();
    for a in &bank.answers {
        all.push(("answer", &a.id, bank.text_in(&a.title, lang).0.to_owned()));
    }
    for q in &bank.quotes {
        let shown = q.translations.get(lang).unwrap_or(&q.text);
        all.push(("quote", &q.id, format!("{}: {shown}", q.speaker_in(lang))));
    }
    for s in &bank.sources {
        all.push(("source", &s.id, s.title.get(lang).to_owned()));
    }
    for e in &bank.events {
        all.push(("event", &e.id, bank.text_in(&e.text, lang).0.to_owned()));
    }
    let mut matches: Vec<(bool, Choice)> = all
        .into_iter()
        .filter(|(kind, _, _)| only.is_none_or(|o| o == *kind))
        .filter_map(|(kind, id, title)| {
            let by_id = id.contains(partial.trim());
            if !(wanted.is_empty() || by_id || normalize(&title).contains(&wanted)) {
                return None;
            }
            Some((
                !id.starts_with(partial.trim()),
                Choice {
                    name: render::fit(&format!("{kind} · {id} — {title}"), limits::CHOICE_NAME),
                    value: id.to_owned(),
                },
            ))
        })
        .collect();
    // Stable: within each group the bank's order stays.
    matches.sort_by_key(|(later, _)| *later);
    matches.into_iter().take(max).map(|(_, c)| c).collect()
}

/// The public post of a quote's card: who shared it, a link to the source (angle brackets:
/// no preview competes with the card), and the card with its alt text. A quote that has no
/// card (gone from the bank, or too long) gets a private notice instead.
pub fn card_post(
    bank: &Bank,
    quote_id: &str,
    lang: &crate::bank::Language,
    card: Result<std::sync::Arc<crate::card::Card>, crate::card::CardError>,
    shared_by: Option<&str>,
) -> Reply {
    let not_found = || render::notice(&lang.strings.not_found);
    let (Some(quote), Ok(card)) = (bank.quote(quote_id), card) else {
        return not_found();
    };
    let view = render::quote_view(bank, quote, lang);
    let mut lines: Vec<String> = Vec::new();
    if let Some(who) = shared_by {
        lines.push(lang.strings.shared_by.replace("{who}", who));
    }
    if let Some(url) = view.url {
        lines.push(format!("<{url}>"));
    }
    // The shared-by mention is the bot's own text (it never pings: mentions are off), and
    // the address is a validated bank URL.
    let content = (!lines.is_empty()).then(|| render::fit(&lines.join("\n"), limits::CONTENT));
    Reply {
        content,
        embeds: Vec::new(),
        buttons: Vec::new(),
        visibility: Visibility::Public,
        attachment: Some(crate::reply::Attachment {
            file_name: card.file_name.clone(),
            bytes: std::sync::Arc::new(card.png.clone()),
            description: card.alt.clone(),
        }),
    }
}
