//! The closest-match decision: two small logistic models over the evidence search already has
//! (lexical score, coverage, anchoring, and the sentence encoder's cosine), fitted on the tuned
//! dev sets by `tools/fit_tiers.py`. They are only consulted when the lexical rules did not
//! answer; they can make a closest match, never a confident answer.
//!
//! The first (`rank`) scores each candidate: how likely it is the answer the question wants.
//! Words and meaning each miss things the other sees, and neither alone orders candidates as
//! well as both (on the tuned sets the lexical order put the right answer first 87 % of the
//! time, the encoder's 79 %). The second (`give`) looks at the best of them and at the question
//! (unknown words, length) and says how likely that best candidate is right at all: that is the
//! line between "probably this" and "not sure", and it is what keeps off-topic questions from
//! borrowing an answer.
//!
//! The weights are data, refitted whenever the analyzer or the evidence changes; the feature
//! lists below and `tools/fit_tiers.py` must stay in step (the script reads the features from
//! `nimbus-bot ask --explain --json`, so only [`give_features`] is written twice).

/// Evidence about one candidate, in the order the `rank` weights expect.
pub type RankFeatures = [f32; RANK_FEATURES];
/// How many features a candidate has.
pub const RANK_FEATURES: usize = 9;
/// How many features the give decision has.
pub const GIVE_FEATURES: usize = 12;

// Fitted by tools/fit_tiers.py on tests/data/search_fresh.toml, search_fresh_more.toml,
// search_fresh_third.toml and search_fresh_fourth.toml (never on the kept-aside sets).
const RANK_WEIGHTS: RankFeatures = [
    3.09768, -0.30960, 0.94210, 0.86842, -0.16799, 2.60990, 7.29975, 2.94141, -0.08340,
];
const RANK_BIAS: f32 = -6.18276;
const GIVE_WEIGHTS: [f32; GIVE_FEATURES] = [
    1.35850, 2.47116, 2.19195, 2.02524, 1.63330, -0.35213, -1.31919, 0.19369, -0.45595, 0.26678,
    -2.86837, 0.98327,
];
const GIVE_BIAS: f32 = -5.66656;
/// How likely the best candidate must be right before it is shown as the closest match. Fitted
/// on three tuned files and measured on the fourth (each in turn), 0.45 gave the right entry
/// for 644 of the 783 tuned answerable questions, a wrong entry for 24 and a closest match to
/// 77 of the 348 refused ones (most written to be hard); 0.5 gave 630, 22 and 63, and 0.4
/// 651, 28 and 90 (tools/fit_tiers.py prints the whole curve).
pub const GIVE_THRESHOLD: f32 = 0.45;

/// When the runner-up is within this much of the best's likelihood, neither is the closest
/// match: on the tuned sets 0.1 cost 1 right closest match and saved 2 wrong ones.
pub const CONTESTED_MARGIN: f32 = 0.1;

/// A candidate the rank model finds at least this likely is offered as a suggestion even when
/// it explains too little of the question to be offered on its words alone.
pub const SUGGEST_LIKELY: f32 = 0.3;
/// Question length stops counting as evidence past this many words.
const MAX_COUNTED_WORDS: f32 = 12.0;

/// The inputs to [`rank_features`] for one candidate.
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    /// Its lexical score.
    pub score: f32,
    /// Share of the question it explains.
    pub coverage: f32,
    /// Share of the question in its title, aliases, tags or people.
    pub strong_share: f32,
    /// A rare word of the question is in those fields.
    pub distinctive: bool,
    /// A rare word of the question anchors another answer instead.
    pub points_elsewhere: bool,
    /// Its title holds a word that sets it apart from every other answer, and the question
    /// lacks it ("other" in "who won the other tenders").
    pub lacks_own_word: bool,
    /// The encoder's best cosine with its titles and aliases.
    pub cosine: f32,
}

/// Each candidate's features, `candidates` in lexical order (best first).
pub fn rank_features(candidates: &[Candidate]) -> Vec<RankFeatures> {
    let top_score = candidates
        .first()
        .map_or(1.0, |c| c.score.max(f32::EPSILON));
    candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let other_cosine = candidates
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, o)| o.cosine)
                .fold(0.0, f32::max);
            [
                c.score / top_score,
                c.coverage,
                c.strong_share,
                flag(c.distinctive),
                flag(c.points_elsewhere),
                c.cosine,
                c.cosine - other_cosine,
                flag(i == 0),
                flag(c.lacks_own_word),
            ]
        })
        .collect()
}

/// How likely a candidate is the answer, from its features.
pub fn rank(features: &RankFeatures) -> f32 {
    logistic(&RANK_WEIGHTS, RANK_BIAS, features)
}

/// The give decision's features for the chosen candidate: its rank probability and the
/// runner-up's (two likely answers make neither the one), its evidence, whether meaning agrees
/// it is the best, and the question's unknown words and length. `tools/fit_tiers.py` mirrors
/// this.
pub fn give_features(
    p_rank: f32,
    p_second: f32,
    chosen: &RankFeatures,
    unknown_words: usize,
    words: usize,
) -> [f32; GIVE_FEATURES] {
    let words = words.max(1) as f32;
    [
        p_rank,
        chosen[1],
        chosen[2],
        chosen[5],
        chosen[6],
        unknown_words as f32,
        unknown_words as f32 / words,
        chosen[3],
        chosen[4],
        words.min(MAX_COUNTED_WORDS),
        p_second,
        flag(chosen[6] >= 0.0),
    ]
}

/// How likely the chosen candidate is right at all.
pub fn give(features: &[f32; GIVE_FEATURES]) -> f32 {
    logistic(&GIVE_WEIGHTS, GIVE_BIAS, features)
}

fn flag(b: bool) -> f32 {
    if b {
        1.0
    } else {
        0.0
    }
}

fn logistic(weights: &[f32], bias: f32, x: &[f32]) -> f32 {
    let z: f32 = weights.iter().zip(x).map(|(w, x)| w * x).sum::<f32>() + bias;
    1.0 / (1.0 + (-z).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(score: f32, coverage: f32, cosine: f32) -> Candidate {
        Candidate {
            score,
            coverage,
            strong_share: coverage,
            distinctive: false,
            points_elsewhere: false,
            lacks_own_word: false,
            cosine,
        }
    }

    #[test]
    fn meaning_can_lift_a_lexical_runner_up_over_the_top() {
        // Words barely prefer the first; meaning clearly prefers the second.
        let f = rank_features(&[candidate(10.0, 0.6, 0.2), candidate(9.5, 0.6, 0.8)]);
        assert!(rank(&f[1]) > rank(&f[0]), "{f:?}");
        // Without a difference in meaning, the lexical order stands.
        let f = rank_features(&[candidate(10.0, 0.6, 0.5), candidate(9.5, 0.6, 0.5)]);
        assert!(rank(&f[0]) > rank(&f[1]), "{f:?}");
    }

    #[test]
    fn a_weak_match_with_unknown_words_is_not_given() {
        let f = rank_features(&[candidate(3.0, 0.3, 0.2), candidate(2.5, 0.3, 0.2)]);
        let p = rank(&f[0]);
        assert!(give(&give_features(p, 0.0, &f[0], 2, 4)) < GIVE_THRESHOLD);
        let f = rank_features(&[candidate(12.0, 0.9, 0.7), candidate(4.0, 0.4, 0.3)]);
        let p = rank(&f[0]);
        assert!(give(&give_features(p, 0.0, &f[0], 0, 6)) >= GIVE_THRESHOLD);
    }

    #[test]
    fn a_likely_runner_up_makes_the_best_less_likely_to_be_given() {
        let f = rank_features(&[candidate(12.0, 0.9, 0.7), candidate(11.0, 0.9, 0.7)]);
        let p = rank(&f[0]);
        let alone = give(&give_features(p, 0.0, &f[0], 0, 6));
        let contested = give(&give_features(p, rank(&f[1]), &f[0], 0, 6));
        assert!(contested < alone, "{contested} vs {alone}");
    }
}
