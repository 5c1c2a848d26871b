//! Reducing texts at ingest: excerpt, whitespace-insensitive hash, MinHash
//! signature. Done once per text while the parsed record is still in memory,
//! so the Store never holds full texts.

use xxhash_rust::xxh3::{xxh3_64, Xxh3};

use crate::event::TextDigest;

/// Number of MinHash permutations in `output_sig`. 32 values estimate a
/// Jaccard similarity of 0.9 to within about ±0.05, enough to tell
/// "a little changed" from "rewritten".
pub const SIGNATURE_LEN: usize = 32;

/// Words per shingle for MinHash. Three-word shingles make a one-word edit
/// change three shingles: similar texts stay similar, reordered texts do not.
const SHINGLE_WORDS: usize = 3;

/// Excerpt, and hash of the text with whitespace runs collapsed and the ends
/// trimmed, so that re-wrapped or re-indented copies hash the same.
pub fn digest(text: &str, excerpt_chars: usize) -> TextDigest {
    TextDigest {
        excerpt: excerpt(text, excerpt_chars),
        hash: normalized_hash(text),
    }
}

/// The first `max_chars` characters of `text`, cut on a character boundary.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((byte_end, _)) => text[..byte_end].to_string(),
        None => text.to_string(),
    }
}

/// The words of a text as bytes, split on ASCII whitespace. Bytes, not
/// chars: hashing needs only bytes, and a byte scan is many times faster
/// than Unicode classification on long texts (ASCII bytes never occur
/// inside a multi-byte UTF-8 sequence, so no character is cut).
fn words(text: &str) -> impl Iterator<Item = &[u8]> {
    text.as_bytes()
        .split(u8::is_ascii_whitespace)
        .filter(|w| !w.is_empty())
}

/// Hash of the whitespace-normalized text (words joined by one space).
/// Most texts are normalized already and are hashed in one call; the
/// others word by word, which gives the same hash as their normalized copy.
pub fn normalized_hash(text: &str) -> u64 {
    if is_normalized(text.as_bytes()) {
        return xxh3_64(text.as_bytes());
    }
    word_by_word_hash(text)
}

/// The hash of the text's words joined by single spaces, fed word by word
/// (no normalized copy is made).
fn word_by_word_hash(text: &str) -> u64 {
    let mut hasher = Xxh3::new();
    for (i, word) in words(text).enumerate() {
        if i > 0 {
            hasher.update(b" ");
        }
        hasher.update(word);
    }
    hasher.digest()
}

/// Whether the text is its words joined by single spaces.
fn is_normalized(bytes: &[u8]) -> bool {
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if first.is_ascii_whitespace() || last.is_ascii_whitespace() {
        return false;
    }
    !bytes.iter().any(|&b| b.is_ascii_whitespace() && b != b' ')
        && memchr::memmem::find(bytes, b"  ").is_none()
}

/// Hash of an already canonical string (tool arguments).
pub fn exact_hash(text: &str) -> u64 {
    xxh3_64(text.as_bytes())
}

/// MinHash signature over word shingles. Texts with fewer words than a
/// shingle are one shingle. Returns `None` for texts without words.
pub fn minhash_signature(text: &str) -> Option<Vec<u32>> {
    let word_hashes: Vec<u64> = words(text).map(xxh3_64).collect();
    if word_hashes.is_empty() {
        return None;
    }
    let mut signature = [u32::MAX; SIGNATURE_LEN];
    let shingle_count = word_hashes.len().saturating_sub(SHINGLE_WORDS - 1).max(1);
    for start in 0..shingle_count {
        let end = (start + SHINGLE_WORDS).min(word_hashes.len());
        let shingle = word_hashes[start..end]
            .iter()
            .fold(0x9E37_79B9_7F4A_7C15u64, |acc, &h| {
                (acc.rotate_left(23) ^ h).wrapping_mul(0xBF58_476D_1CE4_E5B9)
            });
        // Indexed arrays and a branch-free min, so that the 32 lanes are
        // computed as vectors (a fifth of ingest's instructions before).
        for i in 0..SIGNATURE_LEN {
            let value = (shingle
                .wrapping_mul(MULTIPLIERS[i])
                .wrapping_add(OFFSETS[i])
                >> 32) as u32;
            signature[i] = signature[i].min(value);
        }
    }
    Some(signature.to_vec())
}

/// Estimated Jaccard similarity of two signatures (share of equal slots).
pub fn signature_similarity(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    let equal = a.iter().zip(b).filter(|(x, y)| x == y).count();
    equal as f64 / a.len() as f64
}

/// Multipliers and offsets of the universal hash family h(x) = a·x + b;
/// multipliers are odd so each is a bijection on u64. Generated at compile
/// time by splitmix64 from a fixed seed, so signatures are stable across
/// versions (they are stored in Parquet stores; a test pins one).
const MULTIPLIERS: [u64; SIGNATURE_LEN] = PERMUTATIONS.0;
const OFFSETS: [u64; SIGNATURE_LEN] = PERMUTATIONS.1;
const PERMUTATIONS: ([u64; SIGNATURE_LEN], [u64; SIGNATURE_LEN]) = permutations();

const fn permutations() -> ([u64; SIGNATURE_LEN], [u64; SIGNATURE_LEN]) {
    let mut multipliers = [0u64; SIGNATURE_LEN];
    let mut offsets = [0u64; SIGNATURE_LEN];
    let mut state: u64 = 0x5EED_7EAC_E11A_0001;
    let mut i = 0;
    while i < SIGNATURE_LEN {
        multipliers[i] = splitmix64(&mut state) | 1;
        offsets[i] = splitmix64(&mut state);
        i += 1;
    }
    (multipliers, offsets)
}

const fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_does_not_change_the_hash() {
        assert_eq!(
            normalized_hash("the  plan\nis\tready "),
            normalized_hash("the plan is ready")
        );
        assert_ne!(
            normalized_hash("the plan is ready"),
            normalized_hash("the plan is done")
        );
    }

    #[test]
    fn the_one_call_hash_of_normalized_texts_is_the_word_by_word_hash() {
        for text in [
            "the plan", "x", "", " lead", "trail ", "a  b", "a\tb", "a \nb", "a\n",
        ] {
            assert_eq!(
                is_normalized(text.as_bytes()),
                ["the plan", "x"].contains(&text),
                "{text:?}"
            );
            assert_eq!(normalized_hash(text), word_by_word_hash(text), "{text:?}");
        }
    }

    #[test]
    fn excerpt_cuts_on_char_boundaries() {
        assert_eq!(excerpt("héllo wörld", 4), "héll");
        assert_eq!(excerpt("short", 10), "short");
    }

    #[test]
    fn signatures_are_stable_across_versions() {
        let signature =
            minhash_signature("the planner asks the critic to review the plan again").unwrap();
        assert_eq!(
            signature,
            [
                90959665, 752351029, 93078061, 14826455, 48795469, 558732684, 48583510, 65168245,
                255181402, 770149863, 439958894, 406398831, 88958366, 1684007232, 297568218,
                804039042, 72886241, 58015039, 1308909458, 168115040, 650538203, 95316064,
                331511557, 672836624, 327528998, 432809630, 68150363, 808347652, 320870274,
                189196534, 246765328, 175522516
            ]
        );
    }

    #[test]
    fn similar_texts_have_similar_signatures() {
        let base = "step one gather the sources then summarize each source and rank them by relevance to the question asked by the user today";
        let edited = "step one gather the sources then summarize each source and rank them by relevance to the question asked by the user now";
        let other = "a completely different answer that shares almost nothing with the plan above it at all really";
        let sig = |t| minhash_signature(t).unwrap();
        assert_eq!(sig(base), sig(base));
        assert!(signature_similarity(&sig(base), &sig(edited)) >= 0.75);
        assert!(signature_similarity(&sig(base), &sig(other)) < 0.2);
        assert_eq!(minhash_signature("   "), None);
    }
}
