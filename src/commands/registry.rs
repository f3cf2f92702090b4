//! The slash commands the bot registers, described as data so that the Discord adapter can
//! build them and a test can hold every one to Discord's rules.

/// Who may run a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Anyone in the server.
    Everyone,
    /// Moderators only: gated by `default_member_permissions` and checked again by the bot.
    Moderator,
}

/// The type of a command option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionKind {
    /// Free text, optionally with autocomplete, at most `max_length` characters.
    String {
        autocomplete: bool,
        max_length: Option<u16>,
    },
    /// A whole number between `min` and `max`.
    Integer { min: i64, max: i64 },
    /// True or false.
    Boolean,
    /// A string from a fixed list of (shown name, value) pairs.
    Choice(Vec<(String, String)>),
    /// A file the person attaches.
    Attachment,
}

/// One option of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionSpec {
    /// The option's name as typed (`question`).
    pub name: &'static str,
    /// One line of help shown by Discord.
    pub description: &'static str,
    /// The option's type.
    pub kind: OptionKind,
    /// Whether Discord insists on it.
    pub required: bool,
}

/// One command: a top-level slash command, or a subcommand of a group such as `/bank`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSpec {
    /// The command's name (`ask`).
    pub name: &'static str,
    /// One line of help shown by Discord and `/help`.
    pub description: &'static str,
    /// Its options, required ones first.
    pub options: Vec<OptionSpec>,
    /// Subcommands (for `/bank status` and `/bank reload`); empty for plain commands.
    pub subcommands: Vec<CommandSpec>,
    /// Who may run it.
    pub permission: Permission,
}

fn lang_option(languages: &[(String, String)]) -> OptionSpec {
    OptionSpec {
        name: "lang",
        description: "Language of the reply",
        kind: OptionKind::Choice(languages.to_vec()),
        required: false,
    }
}

fn public_option() -> OptionSpec {
    OptionSpec {
        name: "public",
        description: "Post the reply in the channel for everyone (default: only you see it)",
        kind: OptionKind::Boolean,
        required: false,
    }
}

fn text(
    name: &'static str,
    description: &'static str,
    autocomplete: bool,
    required: bool,
) -> OptionSpec {
    OptionSpec {
        name,
        description,
        kind: OptionKind::String {
            autocomplete,
            max_length: Some(if autocomplete { 100 } else { 300 }),
        },
        required,
    }
}

/// The `entry` option of the editing commands: any id, from a list as you type.
fn entry_option(description: &'static str) -> OptionSpec {
    text("entry", description, true, true)
}

/// The language of the texts a form shows.
fn edit_lang(languages: &[(String, String)]) -> OptionSpec {
    OptionSpec {
        name: "lang",
        description: "Language of the texts in the form (default: the bank's)",
        kind: OptionKind::Choice(languages.to_vec()),
        required: false,
    }
}

/// Every command the bot registers. `languages` are the bank's (display name, code) pairs,
/// offered as the `lang` choice on every command.
pub fn registry(languages: &[(String, String)]) -> Vec<CommandSpec> {
    let common = |mut options: Vec<OptionSpec>| {
        options.push(lang_option(languages));
        options.push(public_option());
        options
    };
    vec![
        CommandSpec {
            name: "ask",
            description: "Ask a question about Project Nimbus and the campaigns against it",
            options: common(vec![text(
                "question",
                "Your question, in English or Arabic",
                false,
                true,
            )]),
            subcommands: vec![],
            permission: Permission::Everyone,
        },
        CommandSpec {
            name: "topic",
            description: "Show one answer, picked from a list as you type",
            options: common(vec![text("name", "Start typing a topic", true, true)]),
            subcommands: vec![],
            permission: Permission::Everyone,
        },
        CommandSpec {
            name: "quote",
            description: "A verbatim quote with its speaker and source",
            options: common(vec![
                text("about", "What the quote is about", true, false),
                text("speaker", "Who said it", true, false),
                OptionSpec {
                    name: "card",
                    description: "Also attach the quote as an image card to share (PNG)",
                    kind: OptionKind::Boolean,
                    required: false,
                },
            ]),
            subcommands: vec![],
            permission: Permission::Everyone,
        },
        CommandSpec {
            name: "sources",
            description: "The sources behind an answer, or behind the whole bank",
            options: common(vec![text("topic", "Start typing a topic", true, false)]),
            subcommands: vec![],
            permission: Permission::Everyone,
        },
        CommandSpec {
            name: "timeline",
            description: "Dated events from 2018 on",
            options: common(vec![OptionSpec {
                name: "year",
                description: "Only this year",
                kind: OptionKind::Integer {
                    min: 2000,
                    max: 2100,
                },
                required: false,
            }]),
            subcommands: vec![],
            permission: Permission::Everyone,
        },
        CommandSpec {
            name: "help",
            description: "What this bot does and how to use it",
            options: vec![lang_option(languages)],
            subcommands: vec![],
            permission: Permission::Everyone,
        },
        CommandSpec {
            name: "bank",
            description: "Moderators: the response bank",
            options: vec![],
            subcommands: vec![
                CommandSpec {
                    name: "status",
                    description: "What is loaded, when, its counts and the last reload error",
                    options: vec![],
                    subcommands: vec![],
                    permission: Permission::Moderator,
                },
                CommandSpec {
                    name: "reload",
                    description: "Load and check the bank now; keep the old one if it is broken",
                    options: vec![],
                    subcommands: vec![],
                    permission: Permission::Moderator,
                },
                CommandSpec {
                    name: "gaps",
                    description: "Questions the bot could not answer confidently, most asked first",
                    options: vec![],
                    subcommands: vec![],
                    permission: Permission::Moderator,
                },
                CommandSpec {
                    name: "edit",
                    description: "Edit an entry in a form, preview it, then publish it",
                    options: vec![
                        entry_option("The answer, quote, source or event to edit"),
                        edit_lang(languages),
                    ],
                    subcommands: vec![],
                    permission: Permission::Moderator,
                },
                CommandSpec {
                    name: "new",
                    description: "Write a new entry in a form, preview it, then publish it",
                    options: vec![
                        OptionSpec {
                            name: "kind",
                            description: "What to add",
                            kind: OptionKind::Choice(
                                ["answer", "quote", "source", "event"]
                                    .iter()
                                    .map(|k| ((*k).to_owned(), (*k).to_owned()))
                                    .collect(),
                            ),
                            required: true,
                        },
                        edit_lang(languages),
                    ],
                    subcommands: vec![],
                    permission: Permission::Moderator,
                },
                CommandSpec {
                    name: "archive",
                    description:
                        "Attach or replace a source's archive text (a plain UTF-8 .txt file)",
                    options: vec![
                        text(
                            "source",
                            "The source whose archive text this is",
                            true,
                            true,
                        ),
                        OptionSpec {
                            name: "file",
                            description: "The text of the page, as a plain UTF-8 .txt file",
                            kind: OptionKind::Attachment,
                            required: true,
                        },
                    ],
                    subcommands: vec![],
                    permission: Permission::Moderator,
                },
                CommandSpec {
                    name: "remove",
                    description: "Remove an entry that nothing refers to (asks to confirm)",
                    options: vec![entry_option("The entry to remove")],
                    subcommands: vec![],
                    permission: Permission::Moderator,
                },
                CommandSpec {
                    name: "history",
                    description: "The last changes made to an entry, when and by whom",
                    options: vec![entry_option("The entry")],
                    subcommands: vec![],
                    permission: Permission::Moderator,
                },
                CommandSpec {
                    name: "revert",
                    description: "Put an entry back as it was before one of its changes",
                    options: vec![
                        entry_option("The entry"),
                        text("change", "The change to undo", true, true),
                    ],
                    subcommands: vec![],
                    permission: Permission::Moderator,
                },
            ],
            permission: Permission::Moderator,
        },
    ]
}
