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
/// Counting characters one by one was 3% of `check`'s instructions; most
/// texts are shorter in bytes than the limit in characters, or start with
/// `max_chars` ASCII bytes, and need no count.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    if text.len() <= max_chars {
        return text.to_string();
    }
    if text.as_bytes()[..max_chars].is_ascii() {
        // Character `max_chars` starts at byte `max_chars`.
        return text[..max_chars].to_string();
    }
    match text.char_indices().nth(max_chars) {
        Some((byte_end, _)) => text[..byte_end].to_string(),
        None => text.to_string(),
    }
}

/// What a text is, for quoting it in a message a person reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quoted {
    /// An output or arguments: its beginning.
    Text,
    /// An error: the line that names the cause (`cause_line`), else its
    /// first line.
    Error,
}

/// A regex whose classes and word boundaries are ASCII (`\b`, `\d`,
/// `\s`, case folding): built several times faster than its Unicode form,
/// which matters for the patterns built once per run (a run of a 10 MiB
/// input spent 4 % of its instructions building regexes). For patterns
/// that look for ASCII words in any text.
pub fn ascii_regex(pattern: &str) -> regex::Regex {
    regex::RegexBuilder::new(pattern)
        .unicode(false)
        .build()
        .unwrap_or_else(|e| panic!("the pattern {pattern:?} is valid: {e}"))
}

/// The line of an error text that names its cause: of a traceback or a
/// log, the last line that says error, exception, failed, not found,
/// denied, refused, unreachable, timed out or invalid (Python's last line
/// is `ValueError: ...`). Trimmed; none when no line says so.
pub fn cause_line(text: &str) -> Option<&str> {
    static CAUSE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        ascii_regex(
            r"(?i)error|exception|fail|not found|denied|refused|unreachable|timed? ?out|invalid",
        )
    });
    text.lines()
        .map(str::trim)
        .rfind(|l| CAUSE.is_match(l) && !l.starts_with("Traceback"))
}

/// The first non-empty line of `text`, trimmed.
fn first_line(text: &str) -> Option<&str> {
    text.lines().map(str::trim).find(|l| !l.is_empty())
}

/// Where a negation of the words at byte `at` of `text` begins, if the few
/// words before them (up to `window` bytes, in the same sentence) negate
/// them: "not", "no", "never", "cannot", a word ending in "n't", "instead
/// of", "without", "avoid". The start of the negating word.
pub fn negation_before(text: &str, at: usize, window: usize) -> Option<usize> {
    let mut from = at.saturating_sub(window);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    // Only the words of the same sentence.
    if let Some(end) = text[from..at].rfind(['.', '!', '?', ';', '\n']) {
        from += end + 1;
    }
    let mut offset = 0;
    let mut negation = None;
    let words: Vec<&str> = text[from..at].split(' ').collect();
    for (i, word) in words.iter().enumerate() {
        let bare = word
            .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
            .to_ascii_lowercase();
        let instead_of = bare == "instead" && words.get(i + 1).is_some_and(|w| w.starts_with("of"));
        if matches!(
            bare.as_str(),
            "not" | "no" | "never" | "cannot" | "without" | "avoid"
        ) || bare.ends_with("n't")
            || instead_of
        {
            negation = Some(from + offset);
        }
        offset += word.len() + 1;
    }
    negation
}

/// `text` quoted in at most `max_chars` characters for a message: one line
/// (the one `what` picks), its whitespace runs made one space, cut after
/// a whole word with `…` when too long (mid-word only when the word is
/// longer than 40 % of the room).
pub fn quote(text: &str, max_chars: usize, what: Quoted) -> String {
    let line = match what {
        Quoted::Error => cause_line(text).or_else(|| first_line(text)),
        Quoted::Text => first_line(text),
    }
    .unwrap_or_default();
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max_chars {
        return line;
    }
    let room = excerpt(&line, max_chars.saturating_sub(1));
    let cut = match room.rfind(' ') {
        Some(space) if space * 10 >= room.len() * 6 => &room[..space],
        _ => room.as_str(),
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', ' ']))
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
    // The hashes of the last `SHINGLE_WORDS` words, oldest first at
    // `word_count % SHINGLE_WORDS`: shingles are hashed as the words come.
    let mut recent = [0u64; SHINGLE_WORDS];
    let mut word_count = 0;
    let mut shingles = Vec::new();
    for word in words(text) {
        recent[word_count % SHINGLE_WORDS] = xxh3_64(word);
        word_count += 1;
        if word_count >= SHINGLE_WORDS {
            let oldest = word_count % SHINGLE_WORDS;
            shingles.push(shingle_hash(
                (0..SHINGLE_WORDS).map(|k| recent[(oldest + k) % SHINGLE_WORDS]),
            ));
        }
    }
    match word_count {
        0 => return None,
        n if n < SHINGLE_WORDS => shingles.push(shingle_hash(recent[..n].iter().copied())),
        _ => {}
    }
    Some(lane_minima(&shingles).to_vec())
}

/// One hash of a shingle's word hashes, in order.
fn shingle_hash(word_hashes: impl Iterator<Item = u64>) -> u64 {
    word_hashes.fold(0x9E37_79B9_7F4A_7C15u64, |acc, h| {
        (acc.rotate_left(23) ^ h).wrapping_mul(0xBF58_476D_1CE4_E5B9)
    })
}

/// The signature of shingle hashes: for each of the 32 hash functions, the
/// least value it gives any shingle. This loop was the largest single cost
/// of ingest (a fifth of `check`'s instructions with its 64-bit multiplies
/// done two lanes at a time, as baseline x86-64 must), so it is compiled
/// again for AVX-512 (eight 64-bit multiplies in one instruction) and AVX2,
/// and the best the CPU has is chosen when it runs. Every version computes
/// the same values: signatures are stored, and a test compares them.
fn lane_minima(shingles: &[u64]) -> [u32; SIGNATURE_LEN] {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512vl")
        {
            // SAFETY: the CPU has the features the function is compiled for.
            return unsafe { lane_minima_avx512(shingles) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: as above.
            return unsafe { lane_minima_avx2(shingles) };
        }
    }
    lane_minima_portable(shingles)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl")]
fn lane_minima_avx512(shingles: &[u64]) -> [u32; SIGNATURE_LEN] {
    lane_minima_portable(shingles)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn lane_minima_avx2(shingles: &[u64]) -> [u32; SIGNATURE_LEN] {
    lane_minima_portable(shingles)
}

/// Indexed arrays and a branch-free min, so that the compiler computes the
/// 32 lanes as vectors of whatever width the target has.
#[inline(always)]
fn lane_minima_portable(shingles: &[u64]) -> [u32; SIGNATURE_LEN] {
    let mut signature = [u32::MAX; SIGNATURE_LEN];
    for &shingle in shingles {
        for i in 0..SIGNATURE_LEN {
            let value = (shingle
                .wrapping_mul(MULTIPLIERS[i])
                .wrapping_add(OFFSETS[i])
                >> 32) as u32;
            signature[i] = signature[i].min(value);
        }
    }
    signature
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

/// Compact JSON with object keys sorted, whatever map order serde_json was
/// built with.
pub fn canonical_json(value: &serde_json::Value) -> String {
    fn write(value: &serde_json::Value, out: &mut String) {
        match value {
            serde_json::Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push('{');
                for (i, key) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::String(key.clone()).to_string());
                    out.push(':');
                    write(&map[key], out);
                }
                out.push('}');
            }
            serde_json::Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            scalar => out.push_str(&scalar.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}

/// A tool result as far as progress goes: JSON in canonical form (key
/// order and spacing say nothing), and the tokens that change on every
/// call whatever the result (UUIDs, hex ids of 8 or more characters,
/// timestamps, runs of 5 or more digits, a number after "id": request
/// ids, epoch times) masked. Short numbers stay: "42%
/// done" then "57% done" is progress.
pub fn result_shape(text: &str) -> String {
    let canonical = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) => canonical_json(&value),
        Err(_) => text.trim().to_string(),
    };
    VOLATILE.replace_all(&canonical, "#").into_owned()
}

/// Tokens that change on every call or run whatever happened: UUIDs,
/// timestamps, hex ids of 8 or more characters, runs of 5 or more digits,
/// a number after "id".
static VOLATILE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    ascii_regex(
        r"(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?|\b[0-9a-f]{8,}\b|\d{5,}|\bid\b[\s:=#]*\d+",
    )
});

/// A name or path as a re-recorded run gives it again: the volatile tokens
/// of `result_shape` masked, and also dates and times however written
/// (`2026-01-05T10-22-33`, `2026_01_05`: a folder per CI run), and the
/// generated ids of 16 or more letters and digits (`call_Xy12…`,
/// `chatcmpl-9f…`, run ids in file names); a word or a short number
/// (`agent_2`, `step 3`) stays. What a finding's fingerprint is built from.
pub fn without_ids(text: &str) -> String {
    static GENERATED: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| ascii_regex(r"[A-Za-z0-9]{16,}"));
    static DATE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        ascii_regex(r"\d{4}[-_.]\d{2}[-_.]\d{2}(?:[T_ -]?\d{2}[-:._h]?\d{2}(?:[-:._m]?\d{2})?)?")
    });
    let dated = DATE.replace_all(text, "#");
    let masked = VOLATILE.replace_all(&dated, "#");
    GENERATED
        .replace_all(&masked, |m: &regex::Captures| {
            let token = &m[0];
            if token.bytes().any(|b| b.is_ascii_digit()) {
                "#".to_string()
            } else {
                token.to_string()
            }
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negations_of_the_words_that_follow() {
        let negated =
            |text: &str, word: &str| negation_before(text, text.find(word).unwrap(), 24).is_some();
        assert!(negated("it cannot be deemed reliable", "deemed"));
        assert!(negated("We must not simulate the numbers", "simulate"));
        assert!(negated("Instead of using fake data, report it", "fake"));
        assert!(negated("Don't proceed.", "proceed"));
        assert!(!negated("Let's find another reliable source", "reliable"));
        assert!(
            !negated("No. We can simulate the numbers", "simulate"),
            "another sentence"
        );
        assert!(!negated("Yes, please proceed", "proceed"));
    }

    #[test]
    fn a_result_shape_ignores_what_changes_on_every_call() {
        let same = |a: &str, b: &str| result_shape(a) == result_shape(b);
        assert!(same(r#"{"b": 1, "a": "x"}"#, r#"{"a":"x","b":1}"#));
        assert!(same(
            "No results. (request id 1000)",
            "No results. (request id 1001)"
        ));
        assert!(same(
            "done at 2026-11-30T12:00:01Z, job 3f2a9c1e77",
            "done at 2026-11-30 12:00:09+00:00, job 9e1b2c3d4f"
        ));
        assert!(same("trace 123456789", "trace 987654321"));
        assert!(!same("42% done", "57% done"));
        assert!(!same("running", "done"));
    }

    #[test]
    fn names_lose_their_generated_ids_and_keep_their_words() {
        assert_eq!(
            without_ids("traces/run-20261130T165434-3f2a9c1e77.jsonl"),
            "traces/run-#T#-#.jsonl"
        );
        assert_eq!(without_ids("call_AbC123xyz456QRSt"), "call_#");
        assert_eq!(
            without_ids("trace 0af7651916cd43dd8448eb211c80319c"),
            "trace #"
        );
        assert_eq!(without_ids("agent_2 step 3"), "agent_2 step 3");
        for dated in [
            "traces/2026-01-05T10-22-33/t.json",
            "traces/2026-01-06T11-00-01/t.json",
            "traces/2026_01_06/t.json",
            "traces/2026-01-06 11:00/t.json",
        ] {
            assert_eq!(without_ids(dated), "traces/#/t.json", "{dated}");
        }
        assert_eq!(
            without_ids("ResearchAssistantAgentWorkflow"),
            "ResearchAssistantAgentWorkflow"
        );
    }

    #[test]
    fn quotes_cut_between_words_and_errors_quote_their_cause() {
        assert_eq!(
            quote("the agents did not finish the task today", 24, Quoted::Text),
            "the agents did not…"
        );
        assert_eq!(quote("short", 24, Quoted::Text), "short");
        assert_eq!(quote("first line\nsecond", 24, Quoted::Text), "first line");
        let traceback = "Traceback (most recent call last):\n  File \"x.py\", line 3, in <module>\n    run()\nConnectionError: revenue-db unreachable\n";
        assert_eq!(
            quote(traceback, 80, Quoted::Error),
            "ConnectionError: revenue-db unreachable"
        );
        assert_eq!(
            quote("exitcode: 1 (execution failed)", 80, Quoted::Error),
            "exitcode: 1 (execution failed)"
        );
        assert_eq!(quote("a b", 80, Quoted::Error), "a b");
        // One long word: cut inside it rather than quote nothing.
        assert_eq!(
            quote("abcdefghijklmnopqrstuvwxyz", 10, Quoted::Text),
            "abcdefghi…"
        );
    }

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
        // An ASCII prefix of the limit's length, a multi-byte character after.
        assert_eq!(excerpt("abcdé", 4), "abcd");
        assert_eq!(excerpt("abcdé", 5), "abcdé");
        // More bytes than the limit, as many characters: the whole text.
        assert_eq!(excerpt("wörld", 5), "wörld");
        assert_eq!(excerpt("日本語", 3), "日本語");
        assert_eq!(excerpt("日本語", 2), "日本");
        assert_eq!(excerpt("", 0), "");
        assert_eq!(excerpt("a", 0), "");
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

    /// Every compiled version of the lane loop that this CPU can run gives
    /// the portable version's values.
    #[test]
    fn the_vector_versions_compute_the_portable_signature() {
        let mut state = 7u64;
        let shingles: Vec<u64> = (0..1000).map(|_| splitmix64(&mut state)).collect();
        for n in [1, 2, 3, 31, 1000] {
            let expected = lane_minima_portable(&shingles[..n]);
            assert_eq!(lane_minima(&shingles[..n]), expected);
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx2") {
                    assert_eq!(unsafe { lane_minima_avx2(&shingles[..n]) }, expected);
                }
                if std::arch::is_x86_feature_detected!("avx512dq")
                    && std::arch::is_x86_feature_detected!("avx512vl")
                {
                    assert_eq!(unsafe { lane_minima_avx512(&shingles[..n]) }, expected);
                }
            }
        }
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
