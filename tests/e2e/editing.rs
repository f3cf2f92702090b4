//! Editing the bank from Discord, end to end: the real serenity client against the stand-in,
//! a bank inside a git repository in a temporary folder. `/bank edit` → modal → submit →
//! preview with a validation error → Edit again → fixed → Publish → the file, `/ask`, the
//! moderator log and a commit; `/bank archive` then `/bank new` for a quote; a conflict
//! refused; a revert; the two-person rule; and a non-moderator refused at the command, the
//! modal submit and every button. Every body is checked against Discord's spec.

use super::*;
use nimbus_bot::discord::Running;

const REVIEW: u64 = 3100;
const EDITOR_ROLE: u64 = 5151;
const MOD_A: u64 = 4001;
const MOD_B: u64 = 4002;
const EDITOR_C: u64 = 4003;
const OUTSIDER: u64 = 4004;

fn moderator(user: u64) -> Value {
    member(user, MANAGE_MESSAGES, &[])
}

fn outsider() -> Value {
    member(OUTSIDER, PLAIN_MEMBER, &[])
}

fn editor_member() -> Value {
    member(EDITOR_C, PLAIN_MEMBER, &[EDITOR_ROLE])
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct Bot {
    h: Harness,
    running: Running,
    _dir: tempfile::TempDir,
    root: PathBuf,
    bank: PathBuf,
}

/// A bot on a copy of the fixture bank, committed in a fresh git repository.
async fn start(require_review: bool) -> Bot {
    nimbus_bot::discord::init_logging();
    let standin = StandIn::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().to_path_buf();
    let bank = root.join("bank");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bank"),
        &bank,
    );
    git(&root, &["init", "-q"]);
    git(&root, &["add", "bank"]);
    git(
        &root,
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qm",
            "bank",
        ],
    );
    let mut config = Config {
        bank: bank.clone(),
        state_dir: root.join(".nimbus-state"),
        ..Config::default()
    };
    config.discord.api_base = Some(standin.api_base.clone());
    config.discord.gateway_url = Some(standin.gateway_url.clone());
    config.discord.guild_ids = vec![GUILD];
    config.discord.mod_log_channel = Some(MOD_LOG);
    config.discord.watch_bank = false;
    config.editing.editor_role_ids = vec![EDITOR_ROLE];
    config.editing.review_channel = Some(REVIEW);
    config.editing.require_review = require_review;
    let running = nimbus_bot::discord::start(&config, TOKEN)
        .await
        .expect("bot starts");
    let h = Harness { standin, next: 0 };
    let put_path = format!("/applications/{APP_ID}/guilds/{GUILD}/commands");
    h.standin
        .wait_for("command registration", WAIT, |r| {
            r.method == "PUT" && r.path == put_path
        })
        .await;
    Bot {
        h,
        running,
        _dir: dir,
        root,
        bank,
    }
}

/// A modal as the bot sent it: its id and (input id, value) pairs.
struct Modal {
    id: String,
    values: Vec<(String, String)>,
}

impl Modal {
    fn from(body: &Value) -> Modal {
        assert_eq!(body["type"], json!(9), "a modal: {body:#}");
        let data = &body["data"];
        Modal {
            id: data["custom_id"].as_str().expect("custom id").to_owned(),
            values: data["components"]
                .as_array()
                .expect("rows")
                .iter()
                .map(|row| {
                    let input = &row["components"][0];
                    (
                        input["custom_id"].as_str().expect("input id").to_owned(),
                        input["value"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect(),
        }
    }

    fn value(&self, id: &str) -> &str {
        self.values
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no input {id} in {:?}", self.values))
    }
}

fn button_with(data: &Value, prefix: &str) -> String {
    buttons(data)
        .into_iter()
        .find(|b| b.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix} button: {data:#}"))
}

impl Harness {
    /// `/bank <sub>` with options, by `member`.
    async fn bank(&mut self, sub: &str, options: Value, member: Value) -> (u64, Value) {
        self.command(
            "bank",
            json!([{"name": sub, "type": 1, "options": options}]),
            member,
            "en-US",
        )
        .await
    }

    /// The reply as the person finally sees it: a direct answer, or a deferral followed by the
    /// edit of the original answer. Returns (callback type, message data).
    async fn settle(&mut self, n: u64, body: Value) -> (u64, Value) {
        let kind = body["type"].as_u64().expect("callback type");
        if kind == 5 || kind == 6 {
            let path = format!("/webhooks/{APP_ID}/token-{n}/messages/@original");
            let edit = self
                .standin
                .wait_for("the deferred answer", WAIT, |r| {
                    r.method == "PATCH" && r.path == path
                })
                .await;
            (kind, edit.body)
        } else {
            (kind, body["data"].clone())
        }
    }

    /// Submits a form with these values, by `member`.
    async fn submit(&mut self, form: &str, values: &[(&str, &str)], member: Value) -> (u64, Value) {
        let rows: Vec<Value> = values
            .iter()
            .map(|(id, value)| {
                json!({"type": 1, "components": [{"type": 4, "custom_id": id, "value": value}]})
            })
            .collect();
        self.send(
            5,
            json!({"custom_id": form, "components": rows}),
            member,
            "en-US",
        )
        .await
    }

    async fn press(&mut self, custom_id: &str, member: Value) -> (u64, Value) {
        self.send_component(json!({"custom_id": custom_id, "component_type": 2}), member)
            .await
    }

    /// The last message posted to `channel`.
    fn last_post(&self, channel: u64) -> Option<Recorded> {
        let path = format!("/channels/{channel}/messages");
        self.standin
            .requests()
            .into_iter()
            .rev()
            .find(|r| r.method == "POST" && r.path == path)
    }

    fn posts(&self, channel: u64) -> usize {
        let path = format!("/channels/{channel}/messages");
        self.standin
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == path)
            .count()
    }
}

fn refused(data: &Value, what: &str) {
    assert!(is_ephemeral(data), "{what}: private: {data:#}");
    assert!(
        visible_text(data).contains("Only moderators"),
        "{what} must be refused: {data:#}"
    );
    assert_no_mentions(data, what);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderators_edit_the_bank_from_discord() {
    tokio::time::timeout(Duration::from_secs(300), edit_flow())
        .await
        .expect("the editing scenario finishes within 5 minutes");
}

async fn edit_flow() {
    let spec = spec::Spec::load();
    let Bot {
        mut h,
        running,
        root,
        bank,
        _dir,
    } = start(false).await;
    let starter = bank.join("starter.toml");
    let original = std::fs::read_to_string(&starter).expect("read");
    let entry_start = original
        .find("[[answer]]\nid = \"what-is-nimbus\"")
        .expect("entry");

    // A non-moderator is refused at the command.
    let (_, body) = h
        .bank(
            "edit",
            json!([{"name": "entry", "type": 3, "value": "what-is-nimbus"}]),
            outsider(),
        )
        .await;
    refused(&body["data"], "/bank edit by a non-moderator");

    // A moderator gets the form, pre-filled from the file.
    let (_, body) = h
        .bank(
            "edit",
            json!([{"name": "entry", "type": 3, "value": "what-is-nimbus"}]),
            moderator(MOD_A),
        )
        .await;
    let modal = Modal::from(&body);
    assert!(modal.id.starts_with("edit:form:"), "{}", modal.id);
    let ids: Vec<&str> = modal.values.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(ids, ["title", "aliases", "body", "details"]);
    assert_eq!(modal.value("title"), "What is Project Nimbus?");
    assert!(modal
        .value("body")
        .starts_with("Project Nimbus is a $1.2 billion"));
    assert!(
        modal.value("details").contains("sources: seed-2022-07"),
        "{}",
        modal.value("details")
    );

    // Someone else submitting that form is refused, and nothing is kept from it.
    let (n, body) = h
        .submit(&modal.id, &[("body", "Vandalised.")], outsider())
        .await;
    refused(
        &h.settle(n, body).await.1,
        "a modal submit by a non-moderator",
    );

    // A submit with a typo in a source id: the preview lists the problem, offers no Publish.
    let new_body =
        "Project Nimbus is the Israeli government's cloud contract (edited from Discord).";
    let typo = modal
        .value("details")
        .replace("seed-2022-07", "seed-2022-7");
    let (n, body) = h
        .submit(
            &modal.id,
            &[
                ("title", modal.value("title")),
                ("aliases", modal.value("aliases")),
                ("body", new_body),
                ("details", &typo),
            ],
            moderator(MOD_A),
        )
        .await;
    let (_, preview) = h.settle(n, body).await;
    let text = visible_text(&preview);
    assert!(text.contains("unknown source id `seed-2022-7`"), "{text}");
    assert!(text.contains("starter.toml:"), "located: {text}");
    let again = button_with(&preview, "edit:again:");
    let cancel = button_with(&preview, "edit:cancel:");
    assert!(
        !buttons(&preview)
            .iter()
            .any(|b| b.starts_with("edit:publish:")),
        "no Publish with errors"
    );
    assert_no_mentions(&preview, "preview");

    // Someone else pressing its buttons is refused.
    for id in [&again, &cancel] {
        let (n, body) = h.press(id, outsider()).await;
        refused(&h.settle(n, body).await.1, id);
    }

    // Edit again: the form comes back with what was typed.
    let (_, body) = h.press(&again, moderator(MOD_A)).await;
    let again_modal = Modal::from(&body);
    assert_eq!(again_modal.id, modal.id);
    assert_eq!(again_modal.value("body"), new_body, "nothing typed is lost");
    assert!(again_modal.value("details").contains("seed-2022-7"));

    // Fixed: the preview shows the answer as readers would, with Publish.
    let (n, body) = h
        .submit(
            &modal.id,
            &[("details", modal.value("details"))],
            moderator(MOD_A),
        )
        .await;
    let (_, preview) = h.settle(n, body).await;
    let text = visible_text(&preview);
    assert!(text.contains(new_body), "rendered: {text}");
    assert!(
        text.contains(&format!("+en = \"{new_body}\"")),
        "diff shown: {text}"
    );
    let publish = button_with(&preview, "edit:publish:");
    let (n, body) = h.press(&publish, outsider()).await;
    refused(&h.settle(n, body).await.1, "Publish by a non-moderator");
    assert_eq!(
        std::fs::read_to_string(&starter).expect("read"),
        original,
        "nothing written yet"
    );

    let (n, body) = h.press(&publish, moderator(MOD_A)).await;
    let (_, done) = h.settle(n, body).await;
    assert!(
        visible_text(&done).contains("Published and live"),
        "{done:#}"
    );

    // The file: the entry changed, every byte before it the same.
    let after = std::fs::read_to_string(&starter).expect("read");
    assert_eq!(&after[..entry_start], &original[..entry_start]);
    assert!(after.contains(new_body));
    // /ask answers with the new text at once.
    let text = visible_text(&h.ask("what is project nimbus", None).await);
    assert!(text.contains("(edited from Discord)"), "{text}");
    // The moderator log has who (a mention that pings nobody) and the diff.
    let log = h.last_post(MOD_LOG).expect("a moderator log post");
    let content = log.body["content"].as_str().unwrap_or_default();
    assert!(
        content.contains(&format!("<@{MOD_A}>")) && content.contains("what-is-nimbus"),
        "{content}"
    );
    assert!(
        content.contains("```diff") && content.contains(&format!("+en = \"{new_body}\"")),
        "{content}"
    );
    assert_no_mentions(&log.body, "moderator log");
    assert_eq!(
        log.body["allowed_mentions"]["users"],
        json!([]),
        "pings nobody"
    );
    // One commit, naming the entry, the language and the editor.
    let message = git(&root, &["log", "-1", "--format=%B"]);
    assert!(
        message.starts_with("bank: edit answer what-is-nimbus (en)"),
        "{message}"
    );
    assert!(
        message.contains(&format!("Edited-by: user{MOD_A}")),
        "{message}"
    );
    assert_eq!(
        git(&root, &["status", "--porcelain", "bank"]),
        "",
        "committed"
    );

    // The draft is gone: pressing Publish again does nothing.
    let (n, body) = h.press(&publish, moderator(MOD_A)).await;
    assert!(visible_text(&h.settle(n, body).await.1).contains("draft is gone"));

    // /bank archive: a longer text for a source, downloaded from the attachment, previewed,
    // published; its long diff goes to the moderator log as a .diff file.
    let archive_path = bank.join("archive/guardian-2021-10-12.txt");
    let mut archive = std::fs::read_to_string(&archive_path).expect("read");
    archive.push_str("\nWe will not stay silent while the technology we build is used this way.\n");
    for i in 0..40 {
        archive.push_str(&format!(
            "Paragraph {i} of the rest of the letter, kept for checking quotes.\n"
        ));
    }
    let url = h.standin.host(
        "/attachments/9/777/guardian.txt",
        archive.clone().into_bytes(),
    );
    let attachment = json!({"id": "777", "filename": "guardian.txt", "size": archive.len(),
        "url": url, "proxy_url": url, "content_type": "text/plain; charset=utf-8"});
    spec::assert_valid(&spec.attachment, &attachment, "the attachment object");
    let mut data = command_data(
        "bank",
        json!([{"name": "archive", "type": 1, "options": [
            {"name": "source", "type": 3, "value": "guardian-2021-10-12"},
            {"name": "file", "type": 11, "value": "777"}]}]),
    );
    data["resolved"] = json!({"attachments": {"777": attachment}});
    let (n, body) = h.send(2, data, moderator(MOD_A), "en-US").await;
    let (_, preview) = h.settle(n, body).await;
    assert!(
        visible_text(&preview).contains("archive text of source guardian-2021-10-12"),
        "{preview:#}"
    );
    assert!(
        h.standin
            .requests()
            .iter()
            .any(|r| r.method == "GET" && r.path == "/attachments/9/777/guardian.txt"),
        "downloaded"
    );
    let (n, body) = h
        .press(&button_with(&preview, "edit:publish:"), moderator(MOD_A))
        .await;
    assert!(visible_text(&h.settle(n, body).await.1).contains("Published and live"));
    assert_eq!(
        std::fs::read_to_string(&archive_path).expect("read"),
        archive
    );
    let log = h.last_post(MOD_LOG).expect("log");
    assert_eq!(
        log.files.len(),
        1,
        "the long diff is attached: {:?}",
        log.body
    );
    assert!(log.files[0].1.ends_with(".diff"), "{:?}", log.files[0].1);
    assert!(String::from_utf8_lossy(&log.files[0].2).contains("+We will not stay silent"));

    // /bank new quote: its words are now in the archive, so it checks and publishes.
    let (_, body) = h
        .bank("new", json!([{"name": "kind", "type": 3, "value": "quote"}, {"name": "lang", "type": 3, "value": "en"}]), moderator(MOD_A))
        .await;
    let form = Modal::from(&body);
    assert_eq!(form.values[0].0, "id");
    let details = form
        .value("details")
        .replace("source: ", "source: guardian-2021-10-12")
        .replace("date: ", "date: 2021-10-12");
    let (n, body) = h
        .submit(
            &form.id,
            &[
                ("id", "guardian-silent"),
                (
                    "text",
                    "We will not stay silent while the technology we build is used this way.",
                ),
                ("speaker", "Google and Amazon workers"),
                ("role", "Authors of the open letter"),
                ("details", &details),
            ],
            moderator(MOD_A),
        )
        .await;
    let (_, preview) = h.settle(n, body).await;
    let (n, body) = h
        .press(&button_with(&preview, "edit:publish:"), moderator(MOD_A))
        .await;
    assert!(
        visible_text(&h.settle(n, body).await.1).contains("Published and live"),
        "{preview:#}"
    );
    let (_, body) = h
        .command(
            "quote",
            json!([{"name": "about", "type": 3, "value": "guardian-silent"}]),
            outsider(),
            "en-US",
        )
        .await;
    assert!(
        visible_text(&body["data"]).contains("We will not stay silent"),
        "{body:#}"
    );

    // A conflict: the entry changes on disk between the form and Publish.
    let (_, body) = h
        .bank(
            "edit",
            json!([{"name": "entry", "type": 3, "value": "guardian-letter"}]),
            moderator(MOD_B),
        )
        .await;
    let form = Modal::from(&body);
    let (n, body) = h
        .submit(
            &form.id,
            &[("title", "The workers' open letter")],
            moderator(MOD_B),
        )
        .await;
    let (_, preview) = h.settle(n, body).await;
    let publish = button_with(&preview, "edit:publish:");
    let text = std::fs::read_to_string(&starter).expect("read");
    let title = form.value("title");
    let hand = text.replacen(&format!("en = \"{title}\""), "en = \"Changed by hand\"", 1);
    assert_ne!(hand, text, "the title is in the file");
    std::fs::write(&starter, &hand).expect("hand edit");
    let (n, body) = h.press(&publish, moderator(MOD_B)).await;
    let (_, refusal) = h.settle(n, body).await;
    assert!(
        visible_text(&refusal).contains("Not published"),
        "{refusal:#}"
    );
    assert_eq!(
        std::fs::read_to_string(&starter).expect("read"),
        hand,
        "nothing overwritten"
    );
    let current = button_with(&refusal, "edit:current:");
    let (n, body) = h.press(&current, outsider()).await;
    refused(
        &h.settle(n, body).await.1,
        "Edit again from the current version by a non-moderator",
    );
    let (_, body) = h.press(&current, moderator(MOD_B)).await;
    assert_eq!(
        Modal::from(&body).value("title"),
        "Changed by hand",
        "the current version"
    );
    git(
        &root,
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qam",
            "hand edit",
        ],
    );

    // History and revert: the first edit is undone, byte for byte.
    let (n, body) = h
        .bank(
            "history",
            json!([{"name": "entry", "type": 3, "value": "what-is-nimbus"}]),
            moderator(MOD_B),
        )
        .await;
    let (_, listing) = h.settle(n, body).await;
    assert!(
        visible_text(&listing).contains(&format!("by user{MOD_A}")),
        "{listing:#}"
    );
    let (_, body) = h
        .send(
            4,
            command_data(
                "bank",
                json!([{"name": "revert", "type": 1, "options": [
                {"name": "entry", "type": 3, "value": "what-is-nimbus"},
                {"name": "change", "type": 3, "value": "", "focused": true}]}]),
            ),
            moderator(MOD_B),
            "en-US",
        )
        .await;
    let choices = body["data"]["choices"].as_array().expect("choices").clone();
    assert_eq!(choices.len(), 1, "{choices:?}");
    let change = choices[0]["value"].as_str().expect("value").to_owned();
    let (n, body) = h
        .bank("revert", json!([{"name": "entry", "type": 3, "value": "what-is-nimbus"}, {"name": "change", "type": 3, "value": change}]), moderator(MOD_B))
        .await;
    let (_, preview) = h.settle(n, body).await;
    let (n, body) = h
        .press(&button_with(&preview, "edit:publish:"), moderator(MOD_B))
        .await;
    assert!(visible_text(&h.settle(n, body).await.1).contains("Published and live"));
    let reverted = std::fs::read_to_string(&starter).expect("read");
    let entry = |text: &str| {
        let start = text
            .find("[[answer]]\nid = \"what-is-nimbus\"")
            .expect("entry");
        let end = text[start + 1..]
            .find("\n[[")
            .map_or(text.len(), |e| start + 1 + e);
        text[start..end].to_owned()
    };
    assert_eq!(entry(&reverted), entry(&original), "the entry as it was");
    let text = visible_text(&h.ask("what is project nimbus", None).await);
    assert!(text.contains("Project Nimbus is a $1.2 billion"), "{text}");
    assert!(git(&root, &["log", "-1", "--format=%B"]).contains("Bank-Action: revert"));

    // Everything the bot sent matches Discord's spec; nothing hit an unexpected route.
    let requests = h.standin.requests();
    assert!(validate_all(&spec, &requests) >= 30);
    assert!(h.posts(MOD_LOG) >= 4, "a log post per change");
    assert_eq!(
        h.standin.unexpected(),
        Vec::<String>::new(),
        "unexpected routes"
    );
    tokio::time::timeout(Duration::from_secs(15), running.shutdown())
        .await
        .expect("the bot shuts down cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_moderator_approves_under_the_two_person_rule() {
    tokio::time::timeout(Duration::from_secs(300), review_flow())
        .await
        .expect("the review scenario finishes within 5 minutes");
}

async fn review_flow() {
    let spec = spec::Spec::load();
    let Bot {
        mut h,
        running,
        root,
        bank,
        _dir,
    } = start(true).await;
    let starter = bank.join("starter.toml");
    let original = std::fs::read_to_string(&starter).expect("read");

    // Moderator A publishes: it becomes a proposal in the review channel, nothing is written.
    let (_, body) = h
        .bank(
            "edit",
            json!([{"name": "entry", "type": 3, "value": "what-is-nimbus"}]),
            moderator(MOD_A),
        )
        .await;
    let form = Modal::from(&body);
    let new_body = "Project Nimbus is a cloud contract; this text went through review.";
    let (n, body) = h
        .submit(&form.id, &[("body", new_body)], moderator(MOD_A))
        .await;
    let (_, preview) = h.settle(n, body).await;
    let (n, body) = h
        .press(&button_with(&preview, "edit:publish:"), moderator(MOD_A))
        .await;
    let (_, told) = h.settle(n, body).await;
    assert!(
        visible_text(&told).contains(&format!("<#{REVIEW}>")),
        "{told:#}"
    );
    assert_eq!(std::fs::read_to_string(&starter).expect("read"), original);
    let proposal = h.last_post(REVIEW).expect("the proposal");
    assert!(
        visible_text(&proposal.body).contains(new_body),
        "{:#}",
        proposal.body
    );
    assert_no_mentions(&proposal.body, "proposal");
    let approve = button_with(&proposal.body, "edit:approve:");
    let reject = button_with(&proposal.body, "edit:reject:");

    // The proposer cannot approve; an editor-role member cannot; a member cannot reject.
    let (n, body) = h.press(&approve, moderator(MOD_A)).await;
    let (_, data) = h.settle(n, body).await;
    assert!(
        visible_text(&data).contains("another moderator must approve"),
        "{data:#}"
    );
    let (n, body) = h.press(&approve, editor_member()).await;
    refused(&h.settle(n, body).await.1, "Approve by an editor");
    let (n, body) = h.press(&reject, outsider()).await;
    refused(&h.settle(n, body).await.1, "Reject by a non-moderator");
    assert_eq!(std::fs::read_to_string(&starter).expect("read"), original);

    // Moderator B approves: published, the proposal message updated, the proposer told.
    let (n, body) = h.press(&approve, moderator(MOD_B)).await;
    let (kind, update) = h.settle(n, body).await;
    assert!(
        kind == 6 || kind == 7,
        "the proposal message is updated: {kind}"
    );
    assert!(
        visible_text(&update).contains(&format!("Approved by <@{MOD_B}>")),
        "{update:#}"
    );
    assert!(buttons(&update).is_empty(), "decided: no more buttons");
    assert!(std::fs::read_to_string(&starter)
        .expect("read")
        .contains(new_body));
    let told = h.last_post(REVIEW).expect("the proposer is told");
    assert!(
        visible_text(&told.body).contains(&format!("<@{MOD_A}>, your proposal")),
        "{:#}",
        told.body
    );
    assert_eq!(told.body["allowed_mentions"]["parse"], json!([]));
    assert_eq!(
        told.body["allowed_mentions"]["users"],
        json!([MOD_A.to_string()]),
        "only the proposer is pinged"
    );
    let message = git(&root, &["log", "-1", "--format=%B"]);
    assert!(
        message.contains(&format!("Edited-by: user{MOD_A}"))
            && message.contains(&format!("Approved-by: user{MOD_B}")),
        "{message}"
    );
    let text = visible_text(&h.ask("what is project nimbus", None).await);
    assert!(text.contains("went through review"), "{text}");

    // A member with the editor role may propose, never publish; B rejects it.
    let (_, body) = h
        .bank(
            "edit",
            json!([{"name": "entry", "type": 3, "value": "guardian-letter"}]),
            editor_member(),
        )
        .await;
    let form = Modal::from(&body);
    let (n, body) = h
        .submit(
            &form.id,
            &[("title", "Proposed by an editor")],
            editor_member(),
        )
        .await;
    let (_, preview) = h.settle(n, body).await;
    let (n, body) = h
        .press(&button_with(&preview, "edit:publish:"), editor_member())
        .await;
    assert!(visible_text(&h.settle(n, body).await.1).contains("Proposed in"));
    let before = std::fs::read_to_string(&starter).expect("read");
    assert!(!before.contains("Proposed by an editor"));
    let proposal = h.last_post(REVIEW).expect("the proposal");
    let (n, body) = h
        .press(
            &button_with(&proposal.body, "edit:reject:"),
            moderator(MOD_B),
        )
        .await;
    let (_, update) = h.settle(n, body).await;
    assert!(
        visible_text(&update).contains(&format!("Rejected by <@{MOD_B}>")),
        "{update:#}"
    );
    assert_eq!(std::fs::read_to_string(&starter).expect("read"), before);
    // An editor cannot see the status.
    let (_, body) = h.bank("status", json!([]), editor_member()).await;
    assert!(visible_text(&body["data"]).contains("Only moderators"));

    let requests = h.standin.requests();
    assert!(validate_all(&spec, &requests) >= 15);
    assert_eq!(
        h.standin.unexpected(),
        Vec::<String>::new(),
        "unexpected routes"
    );
    tokio::time::timeout(Duration::from_secs(15), running.shutdown())
        .await
        .expect("the bot shuts down cleanly");
}
