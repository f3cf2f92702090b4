//! Benchmarks of the sentence encoder (`nimbus_bot::embed`): encoding a short (5 words), a
//! typical (12 words) and a long (60 words) question in English and Arabic, tokenizing alone,
//! and loading. Budgets and figures: BENCHMARKS.md.
//!
//! Before divan's table, `main` prints p50/p99 per call for each length, the load time of a
//! fresh encoder, and resident memory (from /proc/self/status, Linux only) before loading,
//! after loading and after encoding, split into file-backed pages (the embedding table inside
//! the binary) and the process's own memory. Each time is given twice: wall clock, and the
//! time this thread actually ran (`CLOCK_THREAD_CPUTIME_ID`), which stays meaningful on a
//! machine busy with other work.

use std::time::Instant;

use divan::black_box;
use nimbus_bot::embed::Encoder;

fn main() {
    // Memory first, while nothing else is in the process.
    let before = memory();
    let t = Instant::now();
    let encoder = Encoder::shared();
    let first_load = t.elapsed();
    let loaded = memory();
    for (_, texts) in LENGTHS {
        for text in texts {
            black_box(encoder.encode(text));
        }
    }
    let used = memory();
    println!("first load {first_load:.1?}");
    println!("resident memory (RssAnon = own heap, RssFile = pages of the binary):");
    for (label, m) in [
        ("  before load", before),
        ("  after load", loaded),
        ("  after encoding", used),
    ] {
        println!("{label:18} {m}");
    }

    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    for _ in 0..10 {
        let (w, c) = timed(|| black_box(Encoder::load().expect("loads")));
        wall.push(w / 1e3);
        cpu.push(c / 1e3);
    }
    report("load (ms)", wall, cpu);

    for (name, texts) in LENGTHS {
        let tokens: Vec<usize> = texts.iter().map(|t| encoder.tokenize(t).len()).collect();
        let (mut wall, mut cpu) = (Vec::new(), Vec::new());
        for _ in 0..300 {
            for text in texts {
                let (w, c) = timed(|| black_box(encoder.encode(black_box(text))));
                wall.push(w);
                cpu.push(c);
            }
        }
        report(&format!("encode {name} (µs), tokens {tokens:?}"), wall, cpu);
    }

    // The same with the caches flushed before each call, as for a bot that has been idle:
    // every call then reads its 13.5 MB of float weights from memory.
    let mut other_work = vec![0u8; 96 << 20];
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    for round in 0..100u8 {
        for byte in other_work.iter_mut().step_by(64) {
            *byte = byte.wrapping_add(round);
        }
        black_box(&other_work);
        let (w, c) = timed(|| black_box(encoder.encode(black_box(TYPICAL[0]))));
        wall.push(w);
        cpu.push(c);
    }
    report(
        "encode typical[0] after flushing the caches (µs)",
        wall,
        cpu,
    );
    divan::main();
}

/// Short questions: 5 words.
const SHORT: [&str; 4] = [
    "who won the nimbus contract",
    "why were google workers fired",
    "من فاز بعقد مشروع نمبوس",
    "وين مراكز البيانات تبع نمبوس",
];

/// Typical questions: 12 words.
const TYPICAL: [&str; 4] = [
    "hey bot quick question how much money is the nimbus contract worth",
    "which groups organized the protest at amazon web services summit in nyc",
    "هل يستطيع الجيش الإسرائيلي استخدام خدمات غوغل السحابية في مراقبة الفلسطينيين بالضفة",
    "شو صار مع العمال اللي اعتصموا بمكاتب غوغل بنيويورك وليش انفصلوا كلهم",
];

/// Long questions: 60 words.
const LONG: [&str; 2] = [
    "I have been following the story of Project Nimbus for a while now and I still do not \
     understand who exactly signed the contract, how much money Google and Amazon were paid, \
     whether the Israeli military can use the cloud services for surveillance, what the \
     workers who protested inside the companies wanted, and why some of them were fired \
     afterwards",
    "أتابع قصة مشروع نمبوس منذ فترة وما زلت لا أفهم من وقّع العقد بالضبط مع الحكومة \
     الإسرائيلية وكم دفعت الحكومة لشركتي غوغل وأمازون وهل يستطيع الجيش استخدام الخدمات \
     السحابية في مراقبة الفلسطينيين في الضفة الغربية وغزة وماذا طلب العمال الذين احتجوا داخل \
     الشركتين على العقد ولماذا فُصل عدد منهم بعد الاعتصامات في نيويورك وسانيفيل وهل صوّت \
     المساهمون على أي قرار",
];

const LENGTHS: [(&str, &[&str]); 3] = [("short", &SHORT), ("typical", &TYPICAL), ("long", &LONG)];

/// Wall-clock and on-CPU microseconds of one call.
fn timed<T>(f: impl FnOnce() -> T) -> (f64, f64) {
    let cpu = cpu_ns();
    let t = Instant::now();
    black_box(f());
    let wall = t.elapsed().as_secs_f64() * 1e6;
    let cpu = cpu_ns()
        .zip(cpu)
        .map_or(f64::NAN, |(b, a)| (b - a) as f64 / 1e3);
    (wall, cpu)
}

/// Nanoseconds this thread has run on a CPU (first field of /proc/thread-self/schedstat).
fn cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// Wall-clock percentiles, and the mean time on CPU: the thread clock ticks coarsely on this
/// virtual machine, so single calls read 0 or a whole tick, but the mean over many is sound.
fn report(what: &str, wall: Vec<f64>, cpu: Vec<f64>) {
    let cpu_mean = cpu.iter().sum::<f64>() / cpu.len() as f64;
    let (p50, p99, max) = percentiles(wall);
    println!(
        "{what}\n  wall p50 {p50:9.1}  p99 {p99:9.1}  max {max:9.1}   on CPU, mean {cpu_mean:9.1}"
    );
}

fn percentiles(mut samples: Vec<f64>) -> (f64, f64, f64) {
    samples.sort_by(f64::total_cmp);
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p) as usize];
    (at(0.5), at(0.99), samples[samples.len() - 1])
}

/// RssAnon and RssFile of this process, or a note where /proc is missing.
fn memory() -> String {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return "(no /proc/self/status)".into();
    };
    status
        .lines()
        .filter(|l| l.starts_with("RssAnon") || l.starts_with("RssFile"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(", ")
}

#[divan::bench(args = SHORT)]
fn encode_short(text: &str) -> nimbus_bot::embed::Embedding {
    Encoder::shared().encode(text)
}

#[divan::bench(args = TYPICAL)]
fn encode_typical(text: &str) -> nimbus_bot::embed::Embedding {
    Encoder::shared().encode(text)
}

#[divan::bench(args = LONG)]
fn encode_long(text: &str) -> nimbus_bot::embed::Embedding {
    Encoder::shared().encode(text)
}

#[divan::bench(args = TYPICAL)]
fn tokenize_typical(text: &str) -> Vec<u32> {
    Encoder::shared().tokenize(text)
}

#[divan::bench(sample_count = 10)]
fn load() -> Encoder {
    Encoder::load().expect("loads")
}
