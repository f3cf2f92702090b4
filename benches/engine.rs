//! Benchmarks of the answer engine: loading + validating a bank, `ask` and autocomplete, on the
//! shipped bank and on a generated bank of 100,000 answers. Budgets and figures: BENCHMARKS.md.
//!
//! Besides divan's table, `latency_percentiles` prints p50/p99 per call, since the budgets
//! are stated as p99.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use nimbus_bot::bank::{load, Bank, LoadOptions};
use nimbus_bot::commands::{autocomplete, AutocompleteRequest};

const GENERATED_ANSWERS: usize = 100_000;

fn main() {
    // Measured before anything else is in memory: the budget is for a bot that loads its bank.
    shipped_load_percentiles();
    latency_percentiles();
    divan::main();
}

fn shipped_load_percentiles() {
    let mut samples = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        divan::black_box(load(&shipped_dir(), &options()).bank.expect("loads"));
        samples.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let (p50, p99, max) = percentiles(samples);
    println!("shipped: load     p50 {p50:8.1} ms  p99 {p99:8.1} ms  max {max:8.1} ms");
}

fn shipped_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("responses")
}

fn options() -> LoadOptions {
    LoadOptions {
        default_language: None,
        stale_after_days: 100_000,
        today: time::macros::date!(2026 - 11 - 28),
        // The 100k bank is ~70 MB of TOML, over the default max_bank_mb (64).
        limits: nimbus_bot::bank::Limits {
            file_bytes: 16 * nimbus_bot::bank::MIB,
            bank_bytes: 256 * nimbus_bot::bank::MIB,
            time: None,
        },
        ..LoadOptions::default()
    }
}

fn shipped() -> &'static Bank {
    static BANK: OnceLock<Bank> = OnceLock::new();
    BANK.get_or_init(|| {
        load(&shipped_dir(), &options())
            .bank
            .expect("shipped bank loads")
    })
}

/// A folder holding the shipped bank plus 100,000 generated answers, written once per run.
fn generated_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(&shipped_dir(), dir.path());
        write_generated(dir.path());
        dir
    })
    .path()
}

fn generated() -> &'static Bank {
    static BANK: OnceLock<Bank> = OnceLock::new();
    BANK.get_or_init(|| {
        load(generated_dir(), &options())
            .bank
            .expect("generated bank loads")
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// Deterministic pseudo-words with a skewed (Zipf-like) frequency, English and Arabic.
fn write_generated(dir: &Path) {
    let mut rng = fastrand::Rng::with_seed(7);
    let latin = "bcdfghjklmnprstvz";
    let vowels = "aeiou";
    let arabic: Vec<char> = "بتثجحخدذرزسشصضطظعغفقكلمنهوي".chars().collect();
    let vocab: Vec<(String, String)> = (0..20_000)
        .map(|_| {
            let mut w = String::new();
            for _ in 0..rng.usize(2..5) {
                w.push(latin.as_bytes()[rng.usize(..latin.len())] as char);
                w.push(vowels.as_bytes()[rng.usize(..vowels.len())] as char);
            }
            let a: String = (0..rng.usize(3..7))
                .map(|_| arabic[rng.usize(..arabic.len())])
                .collect();
            (w, a)
        })
        .collect();
    let per_file = 2_000;
    for file in 0..GENERATED_ANSWERS / per_file {
        let mut text = String::with_capacity(per_file * 700);
        for i in 0..per_file {
            let n = file * per_file + i;
            let title_en = format!("{} {n}", words(&mut rng, &vocab, 4, false));
            let title_ar = format!("{} {n}", words(&mut rng, &vocab, 4, true));
            let alias_en = format!("{} g{n}", words(&mut rng, &vocab, 2, false));
            let alias_ar = format!("{} ج{n}", words(&mut rng, &vocab, 2, true));
            let body_en = words(&mut rng, &vocab, 40, false);
            let body_ar = words(&mut rng, &vocab, 40, true);
            text.push_str(&format!(
                "[[answer]]\nid = \"gen-{n}\"\ncategory = \"generated\"\nreviewed = \"2026-11-01\"\nsources = [\"{source}\"]\ntitle = {{ en = {title_en:?}, ar = {title_ar:?} }}\naliases = {{ en = [{alias_en:?}], ar = [{alias_ar:?}] }}\nbody = {{ en = {body_en:?}, ar = {body_ar:?} }}\n\n",
                source = "seed-2022-07",
            ));
        }
        std::fs::write(dir.join(format!("generated-{file:03}.toml")), text).expect("write");
    }
}

/// `k` words drawn with a skewed (Zipf-like) frequency: squaring a uniform draw makes low
/// indexes common and high ones rare.
fn words(rng: &mut fastrand::Rng, vocab: &[(String, String)], k: usize, arabic: bool) -> String {
    (0..k)
        .map(|_| {
            let u = rng.f64();
            let (latin, ar) = &vocab[((u * u) * vocab.len() as f64) as usize];
            if arabic {
                ar.as_str()
            } else {
                latin.as_str()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The dev-set questions, as real traffic.
fn questions() -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Dev {
        case: Vec<Case>,
    }
    #[derive(serde::Deserialize)]
    struct Case {
        q: String,
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/search_dev.toml");
    let text = std::fs::read_to_string(path).expect("dev set");
    let dev: Dev = toml::from_str(&text).expect("dev set parses");
    dev.case.into_iter().map(|c| c.q).collect()
}

const PARTIALS: [&str; 8] = [
    "",
    "n",
    "nim",
    "shareh",
    "مشر",
    "google wor",
    "رسالة",
    "zzzq",
];

fn complete_request(partial: &str) -> AutocompleteRequest {
    AutocompleteRequest {
        command: "topic".into(),
        option: "name".into(),
        partial: partial.into(),
        lang: None,
        guild_lang: None,
        locale: None,
    }
}

fn percentiles(mut samples: Vec<f64>) -> (f64, f64, f64) {
    samples.sort_by(f64::total_cmp);
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p) as usize];
    (at(0.5), at(0.99), samples[samples.len() - 1])
}

fn latency_percentiles() {
    let questions = questions();
    let t = Instant::now();
    let dir = generated_dir();
    let written = t.elapsed();
    let t = Instant::now();
    let _ = generated();
    println!(
        "100k: wrote {GENERATED_ANSWERS} generated answers in {written:.2?}; load + validate took {:.2?}",
        t.elapsed()
    );
    let _ = dir;
    for (name, bank) in [("shipped", shipped()), ("100k", generated())] {
        let mut ask = Vec::new();
        // A confident answer is decided by lexical search alone; the other tiers may also
        // have asked the sentence encoder (first sight of a candidate encodes its titles and
        // aliases once; a warm-up round does that before measuring).
        let mut lexical = Vec::new();
        for q in &questions {
            divan::black_box(nimbus_bot::commands::ask(bank, q));
        }
        for _ in 0..20 {
            for q in &questions {
                let t = Instant::now();
                let result = divan::black_box(nimbus_bot::commands::ask(bank, q));
                let micros = t.elapsed().as_secs_f64() * 1e6;
                ask.push(micros);
                if result.tier == nimbus_bot::commands::Tier::Answer {
                    lexical.push(micros);
                }
            }
        }
        let answered = lexical.len() / 20;
        let (p50, p99, max) = percentiles(lexical);
        println!(
            "{name}: ask, answered ({answered} questions, lexical path, between encoder calls) p50 {p50:8.1} µs  p99 {p99:8.1} µs  max {max:8.1} µs"
        );
        // The same questions on their own: between encoder calls, the encoder's tables have
        // pushed the index out of the CPU caches, which is what the row above measures too.
        let confident: Vec<&String> = questions
            .iter()
            .filter(|q| {
                nimbus_bot::commands::ask(bank, q).tier == nimbus_bot::commands::Tier::Answer
            })
            .collect();
        let mut alone = Vec::new();
        for _ in 0..20 {
            for q in &confident {
                let t = Instant::now();
                divan::black_box(nimbus_bot::commands::ask(bank, q));
                alone.push(t.elapsed().as_secs_f64() * 1e6);
            }
        }
        let (p50, p99, max) = percentiles(alone);
        println!(
            "{name}: ask, answered ({} questions, lexical path, on their own) p50 {p50:8.1} µs  p99 {p99:8.1} µs  max {max:8.1} µs",
            confident.len()
        );
        let mut complete = Vec::new();
        for _ in 0..200 {
            for p in PARTIALS {
                let t = Instant::now();
                divan::black_box(autocomplete(bank, &complete_request(p)));
                complete.push(t.elapsed().as_secs_f64() * 1e6);
            }
        }
        let (p50, p99, max) = percentiles(ask);
        println!("{name}: ask, all questions (encoder when not confident) p50 {p50:8.1} µs  p99 {p99:8.1} µs  max {max:8.1} µs");
        let (p50, p99, max) = percentiles(complete);
        println!("{name}: complete p50 {p50:8.1} µs  p99 {p99:8.1} µs  max {max:8.1} µs");
    }
}

#[divan::bench(sample_count = 20)]
fn load_shipped_bank() -> Bank {
    load(&shipped_dir(), &options()).bank.expect("loads")
}

#[divan::bench]
fn ask_shipped(bencher: divan::Bencher) {
    let bank = shipped();
    let questions = questions();
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % questions.len();
        nimbus_bot::commands::ask(bank, &questions[i])
    });
}

#[divan::bench]
fn ask_generated_100k(bencher: divan::Bencher) {
    let bank = generated();
    let questions = questions();
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % questions.len();
        nimbus_bot::commands::ask(bank, &questions[i])
    });
}

#[divan::bench(args = PARTIALS)]
fn complete_generated_100k(bencher: divan::Bencher, partial: &str) {
    let bank = generated();
    let request = complete_request(partial);
    bencher.bench_local(|| autocomplete(bank, &request));
}

#[divan::bench(args = PARTIALS)]
fn complete_shipped(bencher: divan::Bencher, partial: &str) {
    let bank = shipped();
    let request = complete_request(partial);
    bencher.bench_local(|| autocomplete(bank, &request));
}
