//! The `nimbus-bot` command line: check the bank, ask and autocomplete offline, draw quote
//! cards, and run or register the Discord bot. Exit codes: 0 success, 1 the bank has errors (or the bot failed),
//! 2 bad usage, bad config, bad bank path or missing token.

mod serve;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use nimbus_bot::bank::{self, Bank, LoadOptions};
use nimbus_bot::card::CardSize;
use nimbus_bot::commands::{self, AutocompleteRequest, Command, Request, Tier};
use nimbus_bot::config::{Config, LogFormat};

#[derive(Parser)]
#[command(
    name = "nimbus-bot",
    version,
    about = "Sourced answers and verbatim quotes about Project Nimbus, in Arabic and English"
)]
struct Cli {
    /// Settings file [default: $NIMBUS_CONFIG, else ./config.toml if present]
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Log lines as `human` (colours only at a terminal) or `json` (one object per line)
    /// [default: $NIMBUS_LOG_FORMAT, else `[ops] log_format`, else human]
    #[arg(long, global = true, value_name = "FORMAT")]
    log_format: Option<LogFormat>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Check the response bank: every problem as path:line:col (an example question search
    /// does not send to its answer is a warning), or a one-line summary.
    Check {
        /// The bank folder [default: `bank` in config.toml]
        #[arg(long, value_name = "DIR")]
        bank: Option<PathBuf>,
    },
    /// Print what /ask replies to a question (with --json: answered, tier, entry, closest,
    /// title, text, sources, suggestions).
    Ask {
        #[command(flatten)]
        query: QueryArgs,
        /// Show why instead: the question's words as search read them, and each candidate
        /// answer with the evidence it was judged on
        #[arg(long)]
        explain: bool,
        /// The question
        #[arg(required = true, num_args = 1..)]
        question: Vec<String>,
    },
    /// Print the autocomplete choices /topic offers for a partial input.
    Complete {
        #[command(flatten)]
        query: QueryArgs,
        /// What has been typed so far (may be empty)
        #[arg(default_value = "")]
        partial: String,
    },
    /// List the questions the bot could not answer confidently (the gap log in the state
    /// folder), most asked first, with the entries search now finds nearest.
    Gaps {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
        /// At most this many questions (1 to 10000)
        #[arg(long, default_value_t = 50, value_name = "N", allow_negative_numbers = true,
              value_parser = parse_limit)]
        limit: usize,
        /// The bank folder [default: `bank` in config.toml]
        #[arg(long, value_name = "DIR")]
        bank: Option<PathBuf>,
    },
    /// Draw a quote's card (a PNG image) for sharing outside Discord.
    Card {
        /// The quote's id (as in the bank's quote entries)
        quote: String,
        /// The reader's language: a code the bank declares, e.g. en or ar [default: the bank's]
        #[arg(long)]
        lang: Option<String>,
        /// landscape = 1200×675 (link previews, X); square = 1080×1080 (Instagram)
        #[arg(long, default_value = "landscape", value_parser = ["landscape", "square"])]
        size: String,
        /// Where to write the PNG
        #[arg(short = 'o', long = "output", value_name = "FILE.png")]
        output: PathBuf,
        /// The bank folder [default: `bank` in config.toml]
        #[arg(long, value_name = "DIR")]
        bank: Option<PathBuf>,
    },
    /// Run the Discord bot (token from DISCORD_TOKEN or DISCORD_TOKEN_FILE).
    Run,
    /// Register the slash commands with Discord now, even if they have not changed.
    Register,
    /// Ask the running bot's /healthz: exit 0 when it is ready, 1 otherwise (for container
    /// health checks). Needs `[ops] listen` (or `enabled`), or --url.
    Healthcheck {
        /// The /healthz URL [default: from `[ops] listen`, on 127.0.0.1]
        #[arg(long, value_name = "URL")]
        url: Option<String>,
    },
    /// Answer interactions over HTTP (Discord's Interactions Endpoint URL) on `[http] listen`,
    /// instead of the gateway; the public key from [http] public_key or DISCORD_PUBLIC_KEY.
    Serve,
}

/// Options shared by the commands that query the bank.
#[derive(Args)]
struct QueryArgs {
    /// Reply language (a code the bank declares, e.g. en or ar)
    #[arg(long)]
    lang: Option<String>,
    /// Print JSON instead of text
    #[arg(long)]
    json: bool,
    /// The bank folder [default: `bank` in config.toml]
    #[arg(long, value_name = "DIR")]
    bank: Option<PathBuf>,
}

/// A failure that ends the program: its message and exit code.
struct Exit {
    code: u8,
    message: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("nimbus-bot: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}

fn run(cli: Cli) -> Result<u8, Exit> {
    let loaded = Config::load(cli.config.as_deref());
    if let Cmd::Healthcheck { url } = &cli.command {
        // Container runtimes read only 0 (healthy) and 1 (unhealthy); 2 is reserved.
        let config = loaded.map_err(|e| Exit {
            code: 1,
            message: e.to_string(),
        })?;
        return healthcheck(&config, url.as_deref());
    }
    let mut config = loaded.map_err(|e| Exit {
        code: 2,
        message: e.to_string(),
    })?;
    if let Some(format) = cli.log_format {
        config.ops.log_format = Some(format);
    }
    if matches!(cli.command, Cmd::Run | Cmd::Register | Cmd::Serve) {
        nimbus_bot::logging::init(config.ops.log_format.unwrap_or_default());
    }
    match cli.command {
        Cmd::Check { bank } => check(&config, bank.as_deref()),
        Cmd::Ask {
            query,
            explain: true,
            question,
        } => {
            let bank = load_bank(&config, query.bank.as_deref())?;
            // The evidence is the same in every language; a wrong --lang is still an error.
            known_lang(&bank, query.lang)?;
            explain(&bank, query.json, &question.join(" "))
        }
        Cmd::Ask {
            query, question, ..
        } => {
            let bank = load_bank(&config, query.bank.as_deref())?;
            let lang = known_lang(&bank, query.lang)?;
            ask(&bank, lang, query.json, &question.join(" "))
        }
        Cmd::Complete { query, partial } => {
            let bank = load_bank(&config, query.bank.as_deref())?;
            let lang = known_lang(&bank, query.lang)?;
            complete(&bank, lang, query.json, &partial)
        }
        Cmd::Gaps { json, limit, bank } => {
            let bank = load_bank(&config, bank.as_deref())?;
            gaps(&config, &bank, json, limit)
        }
        Cmd::Card {
            quote,
            lang,
            size,
            output,
            bank,
        } => {
            let bank = load_bank(&config, bank.as_deref())?;
            let lang = known_lang(&bank, lang)?;
            card(&config, &bank, &quote, lang.as_deref(), &size, &output)
        }
        Cmd::Run => serve::run(&config).map(|()| 0),
        Cmd::Register => serve::register(&config).map(|()| 0),
        Cmd::Serve => serve::serve(&config).map(|()| 0),
        Cmd::Healthcheck { .. } => Ok(0),
    }
}

/// `nimbus-bot healthcheck`: prints what /healthz said; 0 when ready, 1 for anything else
/// (not ready, nothing listening, no answer within the probe's timeout).
fn healthcheck(config: &Config, url: Option<&str>) -> Result<u8, Exit> {
    let url = match url {
        Some(url) => url.to_owned(),
        None => nimbus_bot::ops::default_health_url(config).ok_or_else(|| Exit {
            code: 1,
            message: "the health listener is off: set `[ops] listen` in config.toml (or NIMBUS_OPS_LISTEN), or give --url".to_owned(),
        })?,
    };
    match nimbus_bot::ops::probe(&url) {
        Ok((200, body)) => {
            say(&body)?;
            Ok(0)
        }
        Ok((status, body)) => Err(Exit {
            code: 1,
            message: format!("{url}: {status} {body}"),
        }),
        Err(message) => Err(Exit { code: 1, message }),
    }
}

fn bank_dir(config: &Config, flag: Option<&Path>) -> Result<PathBuf, Exit> {
    let dir = flag.map_or_else(|| config.bank.clone(), Path::to_path_buf);
    if !dir.is_dir() {
        return Err(Exit {
            code: 2,
            message: format!(
                "{}: no such bank folder (give the folder that holds the .toml files with --bank, or set `bank` in config.toml)",
                dir.display()
            ),
        });
    }
    Ok(dir)
}

fn check(config: &Config, flag: Option<&Path>) -> Result<u8, Exit> {
    let dir = bank_dir(config, flag)?;
    let options = LoadOptions::from_config(config);
    let loaded = bank::load(&dir, &options);
    config_errors(&loaded, &options)?;
    let mut out = String::new();
    for d in &loaded.diagnostics {
        out.push_str(&format!("{d}\n"));
    }
    let code = match &loaded.bank {
        Some(bank) => {
            // Only here, not in every load: search may cost a millisecond per question.
            let examples = nimbus_bot::examples::check(bank);
            for d in &examples.warnings {
                out.push_str(&format!("{d}\n"));
            }
            let warnings = match loaded.warnings() + examples.warnings.len() {
                0 => String::new(),
                1 => ", 1 warning".to_string(),
                n => format!(", {n} warnings"),
            };
            // Staleness depends on today's date, so it is counted apart from warnings: CI
            // requires no warnings, and must not start failing on a date.
            let reviews = match loaded.reviews_due() {
                0 => String::new(),
                1 => ", 1 needs review".to_string(),
                n => format!(", {n} need review"),
            };
            let asked = match (examples.asked, examples.passed) {
                (0, _) => String::new(),
                (1, 1) => ", 1 example question reaches its answer".to_string(),
                (n, passed) if passed == n => {
                    format!(", {n} example questions reach their answers")
                }
                (n, passed) => format!(", {passed} of {n} example questions reach their answers"),
            };
            out.push_str(&format!("ok: {}{asked}{warnings}{reviews}", bank.summary()));
            0
        }
        None => {
            out.push_str(&format!(
                "{} error(s), {} warning(s) in {}",
                loaded.errors(),
                loaded.warnings(),
                dir.display()
            ));
            1
        }
    };
    say(&out)?;
    Ok(code)
}

/// A bank problem that is really a settings problem (a `default_language` the bank does not
/// declare) ends the program as a config error: exit 2, located in config.toml.
fn config_errors(loaded: &bank::Loaded, options: &LoadOptions) -> Result<(), Exit> {
    let errors = loaded.config_errors(options);
    if errors.is_empty() {
        return Ok(());
    }
    Err(Exit {
        code: 2,
        message: errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
    })
}

fn load_bank(config: &Config, flag: Option<&Path>) -> Result<Bank, Exit> {
    let dir = bank_dir(config, flag)?;
    let options = LoadOptions::from_config(config);
    let loaded = bank::load(&dir, &options);
    config_errors(&loaded, &options)?;
    let errors = loaded.errors();
    loaded.bank.ok_or_else(|| Exit {
        code: 1,
        message: format!(
            "the bank in {} has {errors} error(s); `nimbus-bot check --bank {}` lists them",
            dir.display(),
            dir.display()
        ),
    })
}

/// `gaps --limit`: at most the most questions a log can hold, said plainly when it is not a
/// count.
fn parse_limit(value: &str) -> Result<usize, String> {
    let most = nimbus_bot::gaps::MAX_ENTRIES;
    match value.trim().parse::<usize>() {
        Ok(n) if (1..=most).contains(&n) => Ok(n),
        _ => Err(format!("give a whole number from 1 to {most}")),
    }
}

fn known_lang(bank: &Bank, lang: Option<String>) -> Result<Option<String>, Exit> {
    match lang {
        Some(code) if bank.language(&code).is_none() => Err(Exit {
            code: 2,
            message: format!(
                "--lang {code}: unknown language; the bank has: {}",
                bank.languages
                    .iter()
                    .map(|l| l.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
        other => Ok(other),
    }
}

/// `ask --explain`: why search replies as it does, so that a moderator can see which word
/// or alias to add.
fn explain(bank: &Bank, json: bool, question: &str) -> Result<u8, Exit> {
    let why = bank.index.explain(question);
    let id = |doc: usize| bank.answers[doc].id.as_str();
    let tier = match why.outcome.tier() {
        Tier::Answer => "answer",
        Tier::Closest => "closest",
        Tier::NotSure => "not_sure",
    };
    let given = why.outcome.answer.or(why.outcome.closest).map(id);
    if json {
        let value = serde_json::json!({
            "tier": tier,
            "given": given,
            "unknown_words": why.unknown_words,
            "doubt": why.doubt,
            "words": why.words.iter().map(|w| serde_json::json!({
                "term": w.term, "matches": w.matches, "weight": w.weight,
            })).collect::<Vec<_>>(),
            "candidates": why.candidates.iter().map(|c| serde_json::json!({
                "entry": id(c.doc),
                "score": c.score,
                "coverage": c.coverage,
                "strong_share": c.strong_share,
                "distinctive": c.distinctive,
                "points_elsewhere": c.points_elsewhere,
                "cosine": c.cosine,
                "features": c.features,
                "likely": c.likely,
            })).collect::<Vec<_>>(),
            "word_count": why.word_count,
            "exact": why.outcome.ranked.first().is_some_and(|s| s.score.is_infinite()),
        });
        say(&value.to_string())?;
        return Ok(0);
    }
    let mut out = format!(
        "reply: {tier}{}\n",
        given.map(|g| format!(" {g}")).unwrap_or_default()
    );
    if let (Some(doubt), Tier::Closest | Tier::NotSure) = (why.doubt, why.outcome.tier()) {
        out.push_str(&format!("not a confident answer: {doubt}\n"));
    }
    out.push_str("words:\n");
    for w in &why.words {
        let matched = if w.matches.is_empty() {
            "unknown to the bank".to_string()
        } else if w.matches == [w.term.clone()] {
            "known".to_string()
        } else {
            format!("read as {}", w.matches.join(" / "))
        };
        out.push_str(&format!(
            "  {:<24} weight {:.2}  {matched}\n",
            w.term, w.weight
        ));
    }
    out.push_str("candidates (coverage: share of the question the answer explains; strong: share in its title, aliases, tags or people):\n");
    for c in &why.candidates {
        out.push_str(&format!(
            "  {:<32} score {:>6.2}  coverage {:.2}  strong {:.2}{}{}{}\n",
            id(c.doc),
            c.score,
            c.coverage,
            c.strong_share,
            if c.distinctive {
                "  rare word in title/alias"
            } else {
                ""
            },
            if c.points_elsewhere {
                "  a rare word belongs elsewhere"
            } else {
                ""
            },
            c.cosine
                .map(|x| format!("  meaning {x:.2}"))
                .unwrap_or_default(),
        ));
        out.push_str(&format!("    likely the answer: {:.2}\n", c.likely));
    }
    say(out.trim_end())?;
    Ok(0)
}

fn ask(bank: &Bank, lang: Option<String>, json: bool, question: &str) -> Result<u8, Exit> {
    let mut request = Request::new(Command::Ask {
        question: question.to_string(),
    });
    request.lang = lang.clone();
    let (result, reply) = commands::answer_question(bank, &request, question);
    let text = reply.to_text();
    if !json {
        say(&text)?;
        return Ok(0);
    }
    let language = commands::reply_language(bank, &request);
    let answer = result.entry.as_deref().and_then(|id| bank.answer(id));
    let sources: Vec<serde_json::Value> = answer
        .map(|a| {
            a.sources
                .iter()
                .map(|&i| {
                    let s = &bank.sources[i];
                    serde_json::json!({
                        "id": s.id,
                        "outlet": s.outlet.get(&language.code),
                        "title": s.title.get(&language.code),
                        "url": s.url,
                        "published": s.published,
                        "confidence": s.confidence,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let title = answer.map(|a| bank.text_in(&a.title, &language.code).0);
    let tier = match result.tier {
        Tier::Answer => "answer",
        Tier::Closest => "closest",
        Tier::NotSure => "not_sure",
    };
    let value = serde_json::json!({
        "answered": answer.is_some(),
        "tier": tier,
        "entry": result.entry,
        "closest": result.closest,
        "title": title,
        "lang": language.code,
        "text": text,
        "sources": sources,
        "suggestions": result.suggestions,
    });
    say(&value.to_string())?;
    Ok(0)
}

fn gaps(config: &Config, bank: &Bank, json: bool, limit: usize) -> Result<u8, Exit> {
    let path = config.state().gap_log();
    let gaps = nimbus_bot::gaps::read(&path, &config.gaps, nimbus_bot::gaps::today())
        .map_err(|message| Exit { code: 1, message })?;
    if !json {
        say(&nimbus_bot::gaps::report(bank, &gaps, limit, usize::MAX))?;
        if !path.exists() {
            // A mistyped state folder looks like an empty log; say where it looked.
            say(&format!(
                "(no gap log at {} yet: the bot writes it there once a question goes unanswered)",
                path.display()
            ))?;
        }
        return Ok(0);
    }
    let rows: Vec<serde_json::Value> = gaps
        .iter()
        .take(limit)
        .map(|gap| {
            let asked = commands::ask(bank, &gap.text);
            let nearest: Vec<&String> = asked.entry.iter().chain(&asked.suggestions).collect();
            serde_json::json!({
                "text": gap.text,
                "count": gap.count,
                "first": gap.first,
                "last": gap.last,
                "nearest": nearest,
            })
        })
        .collect();
    say(&serde_json::Value::Array(rows).to_string())?;
    Ok(0)
}

fn complete(bank: &Bank, lang: Option<String>, json: bool, partial: &str) -> Result<u8, Exit> {
    let choices = commands::autocomplete(
        bank,
        &AutocompleteRequest {
            command: "topic".into(),
            option: "name".into(),
            partial: partial.to_string(),
            lang,
            guild_lang: None,
            locale: None,
        },
    );
    if json {
        say(&serde_json::to_string(&choices).unwrap_or_else(|_| "[]".into()))?;
    } else {
        let lines: Vec<String> = choices
            .iter()
            .map(|c| format!("{}\t{}", c.value, c.name))
            .collect();
        say(&lines.join("\n"))?;
    }
    Ok(0)
}

/// Writes the card of `quote_id` to `output`. Exit 2 for an unknown quote, 1 for a quote too
/// long to fit legibly (no file is written) or a file that cannot be written.
fn card(
    config: &Config,
    bank: &Bank,
    quote_id: &str,
    lang: Option<&str>,
    size: &str,
    output: &Path,
) -> Result<u8, Exit> {
    let quote = bank.quote(quote_id).ok_or_else(|| Exit {
        code: 2,
        message: format!(
            "{quote_id}: no quote with this id in the bank (ids are the `id` of its [[quote]] entries)"
        ),
    })?;
    // clap has already refused any other size name.
    let size = CardSize::parse(size).unwrap_or(CardSize::Landscape);
    let lang = bank.resolve_language(lang, None, None);
    let made =
        nimbus_bot::card::render(bank, quote, lang, size, &config.card.style()).map_err(|e| {
            Exit {
                code: 1,
                message: format!(
                    "{quote_id}: {e} at {} ({}×{}); no card was made",
                    size.name(),
                    size.pixels().0,
                    size.pixels().1
                ),
            }
        })?;
    std::fs::write(output, &made.png).map_err(|e| Exit {
        code: 1,
        message: format!("{}: cannot write the card: {e}", output.display()),
    })?;
    say(&format!(
        "{}: {}×{} {} card of {quote_id}, {} bytes",
        output.display(),
        made.width,
        made.height,
        lang.code,
        made.png.len()
    ))?;
    Ok(0)
}

/// Prints a line to stdout. A closed pipe (`nimbus-bot ask … | head`) ends quietly: the reader
/// has what it wanted. Any other write error (a full disk, `> /dev/full`) is a failure, so a
/// script never takes a half-written answer for a good one.
fn say(text: &str) -> Result<(), Exit> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Exit {
            code: 1,
            message: format!("cannot write the output: {e}"),
        }),
    }
}
