//! Quote cards: drawing a card at 1200×675 (shape, lay out, fill, encode PNG) and a repeat of
//! the same card from the cache. Budgets and figures: BENCHMARKS.md.
//!
//! Besides divan's table, `render_percentiles` prints p50/p99 over every shipped quote that
//! fits, in both languages, since the budget is stated as p99.

use std::path::Path;
use std::sync::OnceLock;
use std::time::Instant;

use nimbus_bot::bank::{load, Bank, LoadOptions};
use nimbus_bot::card::{self, CardCache, CardSize, CardStyle};

fn main() {
    render_percentiles();
    divan::main();
}

fn bank() -> &'static Bank {
    static BANK: OnceLock<Bank> = OnceLock::new();
    BANK.get_or_init(|| {
        let options = LoadOptions {
            stale_after_days: 100_000,
            ..LoadOptions::default()
        };
        load(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("responses"),
            &options,
        )
        .bank
        .expect("shipped bank loads")
    })
}

fn render_percentiles() {
    let bank = bank();
    let style = CardStyle::default();
    let mut samples = Vec::new();
    // Every (quote, language) that has a card, three times each, after one warm-up draw.
    for _ in 0..3 {
        for quote in &bank.quotes {
            for lang in &bank.languages {
                let t = Instant::now();
                let made = card::render(bank, quote, lang, CardSize::Landscape, &style);
                let ms = t.elapsed().as_secs_f64() * 1e3;
                if made.is_ok() {
                    samples.push(ms);
                }
            }
        }
    }
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    println!(
        "card 1200x675 render: n {}  p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
        samples.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
    let cache = CardCache::new(style, 16 << 20);
    let quote = &bank.quotes[0];
    let lang = &bank.languages[0];
    let _ = cache.get(bank, quote, lang, CardSize::Landscape);
    let mut hits = Vec::new();
    for _ in 0..1000 {
        let t = Instant::now();
        let _ = divan::black_box(cache.get(bank, quote, lang, CardSize::Landscape));
        hits.push(t.elapsed().as_secs_f64() * 1e6);
    }
    hits.sort_by(f64::total_cmp);
    println!(
        "card cached repeat: p50 {:.1} µs  p99 {:.1} µs",
        hits[hits.len() / 2],
        hits[hits.len() * 99 / 100]
    );
}

/// One typical Arabic quote, drawn for an English reader (words + labelled translation).
#[divan::bench]
fn render_landscape_ar_quote_en_reader() {
    let bank = bank();
    let quote = bank
        .quotes
        .iter()
        .find(|q| q.language == "ar" && card::fits(bank, q, bank.language("en").expect("en")))
        .expect("an Arabic quote with a card");
    let en = bank.language("en").expect("en");
    divan::black_box(
        card::render(bank, quote, en, CardSize::Landscape, &CardStyle::default()).expect("card"),
    );
}

/// The same card again, from the cache.
#[divan::bench]
fn cached_repeat(bencher: divan::Bencher) {
    let bank = bank();
    let cache = CardCache::new(CardStyle::default(), 16 << 20);
    let quote = &bank.quotes[0];
    let lang = &bank.languages[0];
    let _ = cache.get(bank, quote, lang, CardSize::Landscape);
    bencher.bench_local(|| divan::black_box(cache.get(bank, quote, lang, CardSize::Landscape)));
}
