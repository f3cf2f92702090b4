//! Process-wide counters for `/metrics`: interactions by command and outcome, answer latency,
//! reloads by result, cards rendered. Plain atomics, no Discord, no locks on the answer path.
//!
//! Every label value comes from a fixed set decided here (the registry's command names, the
//! outcome words below); anything else is counted as `other`. So no user, channel or guild
//! id, and no typed text, can ever become a label, whatever an interaction carries.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::LazyLock;
use std::time::Duration;

/// What kind of interaction was answered.
pub const KINDS: [&str; 4] = ["command", "autocomplete", "button", "modal"];

/// How an interaction ended, as the handler names it; anything else is `other`.
pub const OUTCOMES: [&str; 9] = [
    "ok",
    "not-allowed",
    "internal-error",
    "recently-shared",
    "share-limit",
    "unknown-button",
    "reloaded",
    "reload-refused",
    "other",
];

/// What a reload did (see [`crate::reload::Outcome`]).
pub const RELOAD_RESULTS: [&str; 3] = ["swapped", "kept", "held"];

/// Upper bounds of the answer-latency buckets, in seconds: Discord's window is 3 s, and an
/// answer from memory plus its callback usually takes milliseconds.
pub const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Button actions that are not commands but are worth telling apart.
const BUTTONS: [&str; 2] = ["share", "show"];

/// The counters of one process.
pub struct Metrics {
    /// The `command` label values: the registry's names, the buttons, then `other`.
    commands: Vec<&'static str>,
    /// Indexed by (kind, command, outcome).
    interactions: Vec<AtomicU64>,
    /// Per kind: one count per bucket (not cumulative), then +Inf.
    latency_buckets: Vec<AtomicU64>,
    latency_micros: [AtomicU64; 4],
    latency_count: [AtomicU64; 4],
    reloads: [AtomicU64; 3],
    cards: AtomicU64,
}

static GLOBAL: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// The process's counters.
pub fn global() -> &'static Metrics {
    &GLOBAL
}

/// Counts one answered interaction in the process's counters (see [`Metrics::interaction`]).
pub fn interaction(kind: &str, name: &str, outcome: &str, elapsed: Duration) {
    global().interaction(kind, name, outcome, elapsed);
}

/// Counts one reload in the process's counters.
pub fn reload(outcome: &crate::reload::Outcome) {
    global().reload(outcome);
}

/// Counts one quote card rendered (called by the card renderer).
pub fn card_rendered() {
    global().cards.fetch_add(1, Ordering::Relaxed);
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Counters at zero, with the command names of the registry.
    pub fn new() -> Metrics {
        let mut commands: Vec<&'static str> = crate::commands::registry(&[])
            .iter()
            .map(|spec| spec.name)
            .collect();
        commands.extend(BUTTONS);
        commands.push("other");
        let cells = KINDS.len() * commands.len() * OUTCOMES.len();
        Metrics {
            interactions: (0..cells).map(|_| AtomicU64::new(0)).collect(),
            latency_buckets: (0..KINDS.len() * (LATENCY_BUCKETS.len() + 1))
                .map(|_| AtomicU64::new(0))
                .collect(),
            latency_micros: Default::default(),
            latency_count: Default::default(),
            reloads: Default::default(),
            cards: AtomicU64::new(0),
            commands,
        }
    }

    /// Counts one answered interaction. `name` is what the handler calls it (`ask`,
    /// `bank reload`, `share`); only its first word is kept, and only when it is a known
    /// command or button, so a forged command name cannot become a label.
    pub fn interaction(&self, kind: &str, name: &str, outcome: &str, elapsed: Duration) {
        let kind = KINDS.iter().position(|k| *k == kind).unwrap_or(0);
        let first = name.split_whitespace().next().unwrap_or("");
        let other = self.commands.len() - 1;
        let command = self
            .commands
            .iter()
            .position(|c| *c == first)
            .unwrap_or(other);
        let outcome = OUTCOMES
            .iter()
            .position(|o| *o == outcome)
            .unwrap_or(OUTCOMES.len() - 1);
        let cell = (kind * self.commands.len() + command) * OUTCOMES.len() + outcome;
        self.interactions[cell].fetch_add(1, Ordering::Relaxed);
        let seconds = elapsed.as_secs_f64();
        let bucket = LATENCY_BUCKETS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(LATENCY_BUCKETS.len());
        self.latency_buckets[kind * (LATENCY_BUCKETS.len() + 1) + bucket]
            .fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.latency_micros[kind].fetch_add(micros, Ordering::Relaxed);
        self.latency_count[kind].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one reload by what it did.
    pub fn reload(&self, outcome: &crate::reload::Outcome) {
        use crate::reload::Outcome;
        let i = match outcome {
            Outcome::Swapped { .. } => 0,
            Outcome::Kept { .. } => 1,
            Outcome::Held { .. } => 2,
        };
        self.reloads[i].fetch_add(1, Ordering::Relaxed);
    }

    /// How many interactions of `kind` named `command` ended with `outcome` (for tests and
    /// the listener).
    pub fn interactions(&self, kind: &str, command: &str, outcome: &str) -> u64 {
        let (Some(k), Some(c), Some(o)) = (
            KINDS.iter().position(|x| *x == kind),
            self.commands.iter().position(|x| *x == command),
            OUTCOMES.iter().position(|x| *x == outcome),
        ) else {
            return 0;
        };
        self.interactions[(k * self.commands.len() + c) * OUTCOMES.len() + o]
            .load(Ordering::Relaxed)
    }

    /// Cards rendered so far.
    pub fn cards(&self) -> u64 {
        self.cards.load(Ordering::Relaxed)
    }

    /// Appends the counter families in Prometheus text format (version 0.0.4). Interaction
    /// series appear once they are non-zero; reloads and cards always.
    pub fn write_prometheus(&self, out: &mut String) {
        family(
            out,
            "nimbus_interactions_total",
            "counter",
            "Interactions answered, by kind, command and outcome.",
        );
        for (k, kind) in KINDS.iter().enumerate() {
            for (c, command) in self.commands.iter().enumerate() {
                for (o, outcome) in OUTCOMES.iter().enumerate() {
                    let cell = (k * self.commands.len() + c) * OUTCOMES.len() + o;
                    let n = self.interactions[cell].load(Ordering::Relaxed);
                    if n > 0 {
                        let _ = writeln!(
                            out,
                            "nimbus_interactions_total{{kind=\"{kind}\",command=\"{command}\",outcome=\"{outcome}\"}} {n}"
                        );
                    }
                }
            }
        }
        family(
            out,
            "nimbus_answer_seconds",
            "histogram",
            "Time from receiving an interaction to Discord accepting its answer.",
        );
        for (k, kind) in KINDS.iter().enumerate() {
            let mut cumulative = 0;
            for (b, bound) in LATENCY_BUCKETS.iter().enumerate() {
                cumulative += self.latency_buckets[k * (LATENCY_BUCKETS.len() + 1) + b]
                    .load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "nimbus_answer_seconds_bucket{{kind=\"{kind}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            cumulative += self.latency_buckets
                [k * (LATENCY_BUCKETS.len() + 1) + LATENCY_BUCKETS.len()]
            .load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "nimbus_answer_seconds_bucket{{kind=\"{kind}\",le=\"+Inf\"}} {cumulative}"
            );
            let sum = self.latency_micros[k].load(Ordering::Relaxed) as f64 / 1e6;
            let _ = writeln!(out, "nimbus_answer_seconds_sum{{kind=\"{kind}\"}} {sum}");
            // The count is the +Inf bucket, read once, so the two always agree in one scrape.
            let _ = writeln!(
                out,
                "nimbus_answer_seconds_count{{kind=\"{kind}\"}} {cumulative}"
            );
        }
        family(
            out,
            "nimbus_reloads_total",
            "counter",
            "Bank reloads, by result: swapped in, kept the previous bank (errors), or held (it would remove content).",
        );
        for (i, result) in RELOAD_RESULTS.iter().enumerate() {
            let n = self.reloads[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "nimbus_reloads_total{{result=\"{result}\"}} {n}");
        }
        family(
            out,
            "nimbus_cards_rendered_total",
            "counter",
            "Quote cards rendered.",
        );
        let _ = writeln!(out, "nimbus_cards_rendered_total {}", self.cards());
    }
}

/// Writes a family's `# HELP` and `# TYPE` lines.
pub fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A forged or unknown command name, an id where a name should be, an unknown outcome:
    /// each is counted, under `other`, and never written out as a label.
    #[test]
    fn labels_come_only_from_fixed_sets() {
        let metrics = Metrics::new();
        let id = "123456789012345678";
        metrics.interaction("command", id, "ok", Duration::from_millis(2));
        metrics.interaction("command", "ask", id, Duration::from_millis(2));
        metrics.interaction(id, "ask", "ok", Duration::from_millis(2));
        metrics.interaction("command", "bank reload", "reloaded", Duration::ZERO);
        let mut out = String::new();
        metrics.write_prometheus(&mut out);
        assert!(!out.contains(id), "{out}");
        assert_eq!(metrics.interactions("command", "other", "ok"), 1);
        assert_eq!(metrics.interactions("command", "ask", "other"), 1);
        // An unknown kind is counted as a command: it was answered all the same.
        assert_eq!(metrics.interactions("command", "ask", "ok"), 1);
        assert_eq!(metrics.interactions("command", "bank", "reloaded"), 1);
        assert!(out.contains(
            "nimbus_interactions_total{kind=\"command\",command=\"bank\",outcome=\"reloaded\"} 1"
        ));
    }

    #[test]
    fn latency_buckets_are_cumulative_and_agree_with_the_count() {
        let metrics = Metrics::new();
        for ms in [0, 3, 3, 40, 9000] {
            metrics.interaction("autocomplete", "topic", "ok", Duration::from_millis(ms));
        }
        let mut out = String::new();
        metrics.write_prometheus(&mut out);
        let line = |prefix: &str| {
            out.lines()
                .find(|l| l.starts_with(prefix))
                .unwrap_or_else(|| panic!("no {prefix} in\n{out}"))
                .rsplit(' ')
                .next()
                .unwrap_or("")
                .to_owned()
        };
        let kind = "kind=\"autocomplete\"";
        assert_eq!(
            line(&format!(
                "nimbus_answer_seconds_bucket{{{kind},le=\"0.001\"}}"
            )),
            "1"
        );
        assert_eq!(
            line(&format!(
                "nimbus_answer_seconds_bucket{{{kind},le=\"0.005\"}}"
            )),
            "3"
        );
        assert_eq!(
            line(&format!(
                "nimbus_answer_seconds_bucket{{{kind},le=\"0.05\"}}"
            )),
            "4"
        );
        assert_eq!(
            line(&format!("nimbus_answer_seconds_bucket{{{kind},le=\"5\"}}")),
            "4"
        );
        assert_eq!(
            line(&format!(
                "nimbus_answer_seconds_bucket{{{kind},le=\"+Inf\"}}"
            )),
            "5"
        );
        assert_eq!(line(&format!("nimbus_answer_seconds_count{{{kind}}}")), "5");
        assert_eq!(
            line(&format!("nimbus_answer_seconds_sum{{{kind}}}")),
            "9.046"
        );
    }

    #[test]
    fn reloads_and_cards_are_counted() {
        use crate::reload::Outcome;
        let metrics = Metrics::new();
        metrics.reload(&Outcome::Kept { errors: vec![] });
        metrics.reload(&Outcome::Kept { errors: vec![] });
        metrics.cards.fetch_add(3, Ordering::Relaxed);
        let mut out = String::new();
        metrics.write_prometheus(&mut out);
        assert!(
            out.contains("nimbus_reloads_total{result=\"kept\"} 2"),
            "{out}"
        );
        assert!(
            out.contains("nimbus_reloads_total{result=\"swapped\"} 0"),
            "{out}"
        );
        assert!(out.contains("nimbus_cards_rendered_total 3"), "{out}");
    }
}
