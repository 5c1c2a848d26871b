//! Whether a step failed, and how: from its status *and* from its text.
//! Real traces report most failures only in words — a tool result that
//! starts `Error:` (tau-bench), `exitcode: 1` and a traceback in a chat
//! (AG2), `Error 404` from a web agent (Magentic-One), a rate limit inside a
//! span whose status is ok — so a detector that reads status alone misses
//! them. The words are a table, `taxonomy/failures.toml` (kind, pattern,
//! the formats it is for, where it was seen), read once.
//!
//! At ingest the output text's patterns become bits of `output_signals`
//! (`text_signals`), while the full text is in hand; the Store's `failure`
//! column is then `classify` of each event: status, error type and
//! message, and those bits. Detectors and `blame` ask `Row::failure`.
//!
//! A leaf, like `signals` and `termination`: it imports nothing of the
//! crate's layers (only `text`'s helpers).

use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;
use std::sync::LazyLock;

/// How a step failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Failure {
    /// The step did not do its job: an exception, a traceback, a non-zero
    /// exit code, an HTTP error, a failed status.
    Hard,
    /// Its author says it could not: "unable to", "cannot", "no results".
    Soft,
    /// The model's API failed (a rate limit, a 5xx, an overloaded model):
    /// infrastructure, not the agents' reasoning.
    Provider,
}

impl Failure {
    /// The Store's spelling: `hard`, `soft`, `provider`.
    pub fn as_str(self) -> &'static str {
        match self {
            Failure::Hard => "hard",
            Failure::Soft => "soft",
            Failure::Provider => "provider",
        }
    }

    pub fn parse(text: &str) -> Option<Failure> {
        match text {
            "hard" => Some(Failure::Hard),
            "soft" => Some(Failure::Soft),
            "provider" => Some(Failure::Provider),
            _ => None,
        }
    }

    /// The `output_signals` bit of text of this kind.
    const fn bit(self) -> u32 {
        match self {
            Failure::Hard => HARD_TEXT,
            Failure::Soft => SOFT_TEXT,
            Failure::Provider => PROVIDER_TEXT,
        }
    }
}

/// `output_signals` bits: the output text reports a failure of this kind.
pub const HARD_TEXT: u32 = 1;
pub const SOFT_TEXT: u32 = 1 << 3;
pub const PROVIDER_TEXT: u32 = 1 << 4;
/// The kinds whose texts get a `signature` at ingest: those a step fails
/// by (`retry-without-replan` compares them), not an author's soft words.
pub const SIGNED_TEXT: u32 = HARD_TEXT | PROVIDER_TEXT;

const TABLE: &str = include_str!("../taxonomy/failures.toml");

#[derive(Deserialize)]
struct Table {
    pattern: Vec<PatternEntry>,
    transient: TransientEntry,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransientEntry {
    regex: String,
    #[serde(rename = "seen")]
    _seen: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternEntry {
    kind: String,
    regex: String,
    #[serde(default)]
    formats: Vec<String>,
    /// Read on the whole text, not only its first and last line.
    #[serde(default)]
    anywhere: bool,
    /// A match counts only where it starts its line (after a name it
    /// ends, such as `NameError`, or a JSON object's brace).
    #[serde(default)]
    line_start: bool,
    /// Where the wording was found: for the reader of the table.
    #[serde(rename = "seen")]
    _seen: String,
}

/// Patterns of one kind read on the same part of a text: those for every
/// format as one regex, and those for some formats each with its list.
struct Group {
    all_formats: Option<Regex>,
    some_formats: Vec<(Vec<String>, Regex)>,
    /// The patterns marked `line_start`, for every format.
    line_start: Option<Regex>,
}

impl Group {
    fn new<'t>(entries: impl Iterator<Item = &'t PatternEntry> + Clone) -> Group {
        let all = |line_start: bool| -> Vec<&str> {
            entries
                .clone()
                .filter(|p| p.formats.is_empty() && p.line_start == line_start)
                .map(|p| p.regex.as_str())
                .collect()
        };
        let (anywhere, at_line_start) = (all(false), all(true));
        Group {
            all_formats: (!anywhere.is_empty()).then(|| compile(&anywhere)),
            some_formats: entries
                .filter(|p| !p.formats.is_empty())
                .map(|p| (p.formats.clone(), compile(&[p.regex.as_str()])))
                .collect(),
            line_start: (!at_line_start.is_empty()).then(|| compile(&at_line_start)),
        }
    }

    fn matches(&self, text: &[u8], format: &str) -> bool {
        self.all_formats.as_ref().is_some_and(|r| r.is_match(text))
            || self
                .some_formats
                .iter()
                .any(|(formats, r)| formats.iter().any(|f| f == format) && r.is_match(text))
            || self.line_start.as_ref().is_some_and(|r| {
                r.find_iter(text)
                    .any(|m| starts_its_line(&text[..m.start()]))
            })
    }
}

/// What comes before a match on its line is only a name that the match
/// ends (`NameError`, `requests.exceptions.ConnectionError`), blanks or a
/// JSON object's opening brace: the line starts with the error. "No
/// error: ..." and `raise RuntimeError("Error: ...")` do not.
fn starts_its_line(before: &[u8]) -> bool {
    let line = match memchr::memrchr(b'\n', before) {
        Some(i) => &before[i + 1..],
        None => before,
    };
    let line = line.trim_ascii_start();
    let line = line
        .strip_prefix(b"{")
        .map_or(line, <[u8]>::trim_ascii_start);
    line.iter()
        .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
}

/// The patterns of one kind: those read on a text's edge lines, those
/// read anywhere in it.
struct KindPatterns {
    kind: Failure,
    edges: Group,
    anywhere: Group,
}

/// The table compiled: per kind, its patterns as one regex that stops at
/// its first match (a set of all patterns would read the whole text for
/// every match).
struct Patterns {
    /// The table's `transient` pattern.
    transient: Regex,
    /// In the order a text's kind is decided: provider, hard, soft.
    kinds: Vec<KindPatterns>,
}

fn compile(patterns: &[&str]) -> Regex {
    let alternation: Vec<String> = patterns.iter().map(|p| format!("(?:{p})")).collect();
    RegexBuilder::new(&alternation.join("|"))
        .unicode(false)
        .build()
        .expect("the failure patterns of taxonomy/failures.toml are valid")
}

static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| {
    let table: Table = toml::from_str(TABLE).expect("taxonomy/failures.toml is valid");
    for entry in &table.pattern {
        Failure::parse(&entry.kind).expect("a failure kind of taxonomy/failures.toml is known");
    }
    let kinds = [Failure::Provider, Failure::Hard, Failure::Soft]
        .into_iter()
        .map(|kind| {
            let of_kind = || {
                table
                    .pattern
                    .iter()
                    .filter(move |p| Failure::parse(&p.kind) == Some(kind))
            };
            // A soft failure is an author's words, wherever they are.
            let anywhere = move |p: &&PatternEntry| p.anywhere || kind == Failure::Soft;
            KindPatterns {
                kind,
                edges: Group::new(of_kind().filter(move |p| !anywhere(p))),
                anywhere: Group::new(of_kind().filter(anywhere)),
            }
        })
        .collect();
    Patterns {
        transient: compile(&[table.transient.regex.as_str()]),
        kinds,
    }
});

/// The most of a line read at either edge of a text.
const EDGE_BYTES: usize = 512;

/// The failure bits of an output text read as `format`: one bit per kind
/// whose pattern it matches.
///
/// A text reports its own hard or provider failure in its first or its
/// last line — the error a tool returned (`Error: ...`), an exit code, a
/// traceback's final `NameError: ...`, an SDK's exception — while the same
/// words in its middle are about something else: a web page's scripts, a
/// listing of source code, a model reasoning about an error (on TRAIL's
/// dev split, smolagents' `Execution logs:` of source files read as
/// failures before this). So their patterns are read on the first and the
/// last non-empty line (up to `EDGE_BYTES` each), but for those marked
/// `anywhere` (a Python traceback: printed by a crash, not written in
/// prose; Magentic-One appends one to a WebSurfer message) and the soft
/// kind's (an author's words), which are read on the whole text.
pub fn text_signals(text: &str, format: &str, author: Author) -> u32 {
    let (first, last) = edge_lines(text);
    let (first, last) = (first.as_bytes(), last.as_bytes());
    let on_edges = |group: &Group| {
        group.matches(first, format) || (!std::ptr::eq(first, last) && group.matches(last, format))
    };
    PATTERNS
        .kinds
        .iter()
        .filter(|k| {
            on_edges(&k.edges)
                || match (k.kind, author) {
                    (Failure::Soft, Author::Tool) => on_edges(&k.anywhere),
                    _ => k.anywhere.matches(text.as_bytes(), format),
                }
        })
        .fold(0, |bits, k| bits | k.kind.bit())
}

/// Who wrote an output text, which decides where its soft words count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Author {
    /// An agent, a model, a person: "cannot" anywhere in what it says is
    /// its own word.
    Agent,
    /// A tool: its output is a page, a file, a listing, whose words are
    /// its content; it says it could not ("No results found") in its first
    /// or last line. Tool outputs are also a run's longest texts.
    Tool,
}

/// The first and the last non-empty line of `text`, each cut to about
/// `EDGE_BYTES` on a character boundary (the first line's start, the last
/// line's end). One line is both.
fn edge_lines(text: &str) -> (&str, &str) {
    let trimmed = text.trim_ascii();
    let bytes = trimmed.as_bytes();
    let mut first_end = memchr::memchr(b'\n', bytes)
        .unwrap_or(bytes.len())
        .min(EDGE_BYTES);
    while !trimmed.is_char_boundary(first_end) {
        first_end -= 1;
    }
    let mut last_start = memchr::memrchr(b'\n', bytes)
        .map_or(0, |i| i + 1)
        .max(bytes.len().saturating_sub(EDGE_BYTES));
    while !trimmed.is_char_boundary(last_start) {
        last_start += 1;
    }
    (&trimmed[..first_end], &trimmed[last_start..])
}

/// Whether an error text reports a failure that may pass when the same
/// request is sent again later — a timeout, a refused or reset connection,
/// a 5xx, a rate limit (the `transient` pattern of
/// `taxonomy/failures.toml`). Any other failure recurs for the same request.
pub fn transient(text: &str) -> bool {
    PATTERNS.transient.is_match(text.as_bytes())
}

/// Which failure an error text reports, as a hash: its cause line (of its
/// last line and its first, the one `text::cause_line` takes; else the
/// first) with ids, dates and numbers standing alone masked
/// and whitespace runs made one — so `paid 29` and `paid 37` are the same
/// failure (an amount changed, not the cause), while `flight HAT030` and
/// `flight HAT223` are not (another resource was tried).
pub fn signature(text: &str) -> u64 {
    static NUMBER: LazyLock<regex::Regex> =
        LazyLock::new(|| crate::text::ascii_regex(r"\b\d+(?:[.,]\d+)*\b"));
    // Where `text_signals` reads a failure: the last line (a traceback's
    // exception), else the first (`Error: ...`, an exit code).
    let (first, last) = edge_lines(text);
    let line = crate::text::cause_line(last)
        .or_else(|| crate::text::cause_line(first))
        .unwrap_or(first);
    let masked = crate::text::without_ids(line);
    crate::text::normalized_hash(&NUMBER.replace_all(&masked, "#"))
}

/// How an event failed, if it did: a failed status is `Provider` when its
/// error type or message names the provider's failure (or, for a model
/// call, a transient one: a 5xx, a timeout), else `Hard`; an
/// event whose output text reports a failure takes the first of provider,
/// hard, soft among its bits — provider words count as such only in the
/// output of a model call (`model_call`): in a message or a tool's result
/// they report another service's error (a web page's `403`, an HTTP
/// client's traceback), which is the step's failure, hard.
pub fn classify(
    failed_status: bool,
    model_call: bool,
    error_type: Option<&str>,
    error_message: Option<&str>,
    output_signals: u32,
    format: &str,
) -> Option<Failure> {
    if failed_status {
        // A model call that failed on a 5xx or a timeout (`transient`) failed
        // on the provider's side, whatever SDK names it.
        let error = [error_type, error_message]
            .into_iter()
            .flatten()
            .any(|text| {
                text_signals(text, format, Author::Agent) & PROVIDER_TEXT != 0
                    || (model_call && transient(text))
            });
        return Some(if error {
            Failure::Provider
        } else {
            Failure::Hard
        });
    }
    // Provider words in an answer about rate limits are no failure: they
    // count with an error's form (a hard pattern) only.
    if output_signals & PROVIDER_TEXT != 0 && output_signals & HARD_TEXT != 0 {
        return Some(if model_call {
            Failure::Provider
        } else {
            Failure::Hard
        });
    }
    [Failure::Hard, Failure::Soft]
        .into_iter()
        .find(|kind| output_signals & kind.bit() != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kind of a model call's output text.
    fn kind_of(text: &str) -> Option<Failure> {
        let bits = text_signals(text, "chat_history", Author::Agent);
        classify(false, true, None, None, bits, "chat_history")
    }

    #[test]
    fn failures_in_words_have_their_kind() {
        let long_ok = "all fine here. ".repeat(1000);
        assert_eq!(kind_of(&long_ok), None);
        for (text, kind) in [
            ("Error: flight HAT030 not available on date 2024-05-13", Failure::Hard),
            ("exitcode: 1 (execution failed)\nCode output: ...", Failure::Hard),
            (
                "Traceback (most recent call last):\n  File \"x.py\", line 1\nNameError: name 'x' is not defined",
                Failure::Hard,
            ),
            ("Error 404: the page could not be loaded", Failure::Hard),
            ("HTTP 503 from https://example.org", Failure::Hard),
            ("The request timed out", Failure::Hard),
            ("I was unable to find the page", Failure::Soft),
            ("No results found for the query", Failure::Soft),
            ("openai.RateLimitError: Rate limit reached for gpt-4o", Failure::Provider),
            ("Error code: 429 - too many requests", Failure::Provider),
            ("{\"error\": \"reservation X not found\"}", Failure::Hard),
            ("requests.exceptions.ConnectionError: Max retries exceeded", Failure::Hard),
        ] {
            assert_eq!(kind_of(text), Some(kind), "{text}");
        }
        // The failure at the end of a long text is found; in its middle,
        // the words are about something else (a page, a listing).
        assert_eq!(
            kind_of(&format!("{long_ok}\nexitcode: 1 (execution failed)")),
            Some(Failure::Hard)
        );
        for text in [
            "Execution logs:\n    try:\n        value = cache[key]\n    except KeyError:\n        return None\nLast output from code snippet:\nNone",
            "Address: https://example.org\n<script>console.log('Error: not loaded')</script>\n</html>",
            "Thought: the Exception raised by the parser is the bug to fix.\nCode:\n```py\nprint(parse('x'))\n```",
        ] {
            assert_eq!(kind_of(text), None, "{text}");
        }
        for text in [
            "exitcode: 0 (execution succeeded)",
            "errors were fixed",
            "404040 rows",
            "The error rate dropped to 2%",
            "No error: all systems nominal",
            "def f():\n    return 1\nraise RuntimeError(\"Error: bad input\")",
            "Rate limiting is the first thing to add to the gateway.",
        ] {
            assert_eq!(kind_of(text), None, "{text}");
        }
    }

    #[test]
    fn a_failed_status_is_hard_unless_it_names_the_provider() {
        let failed = |error_type: Option<&str>, message: Option<&str>, bits: u32| {
            classify(true, false, error_type, message, bits, "otlp_json")
        };
        assert_eq!(failed(None, None, 0), Some(Failure::Hard));
        let sdk = Some("openai.APIConnectionError");
        assert_eq!(failed(sdk, None, 0), Some(Failure::Provider));
        // A model call failing with a 503 is the provider's; a tool's, not.
        let unavailable = |model_call| {
            classify(
                true,
                model_call,
                Some("503"),
                Some("Service Unavailable"),
                0,
                "otlp_json",
            )
        };
        assert_eq!(unavailable(true), Some(Failure::Provider));
        assert_eq!(unavailable(false), Some(Failure::Hard));
        let bad_input = failed(Some("ValueError"), Some("bad input"), SOFT_TEXT);
        assert_eq!(bad_input, Some(Failure::Hard));
        // Provider words in a message or a tool's result: that service's
        // error, the step's failure; in a model call's output, the model's.
        let bits = text_signals(
            "httpx.ConnectError: [Errno 111]\nopenai.APIConnectionError: Connection error.",
            "chat_history",
            Author::Agent,
        );
        let in_output = |model_call| classify(false, model_call, None, None, bits, "chat_history");
        assert_eq!(in_output(false), Some(Failure::Hard));
        assert_eq!(in_output(true), Some(Failure::Provider));
        // A model answering about rate limits has not failed.
        let answer = text_signals(
            "Rate limiting is the first thing to add to the gateway.",
            "otlp_json",
            Author::Agent,
        );
        assert_eq!(classify(false, true, None, None, answer, "otlp_json"), None);
    }

    #[test]
    fn a_signature_is_the_cause_not_the_amounts_nor_the_ids() {
        let same = |a: &str, b: &str| signature(a) == signature(b);
        assert!(same(
            "Error: payment amount does not add up, total price is 375, but paid 29",
            "Error: payment amount does not add up, total price is 375, but paid 37",
        ));
        assert!(same(
            "Traceback (most recent call last):\n  File \"a.py\", line 3\nNameError: name 'x' is not defined",
            "exitcode: 1 (execution failed)\nTraceback (most recent call last):\n  File \"b.py\", line 9\nNameError:   name 'x' is not defined\n",
        ));
        assert!(same(
            "request 3f2a9c1e-0b7d-4c55-9a0e-1b2c3d4e5f60 failed: timed out",
            "request 7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d failed: timed out",
        ));
        assert!(!same(
            "Error: flight HAT030 not available on date 2024-05-13",
            "Error: flight HAT223 not available on date 2024-05-13",
        ));
        assert!(!same(
            "NameError: name 'x' is not defined",
            "KeyError: 'description'"
        ));
    }

    #[test]
    fn a_transient_failure_may_pass_on_a_later_try() {
        for text in [
            "HTTPSConnectionPool: Read timed out",
            "Error 503: Service Unavailable",
            "openai.RateLimitError: Rate limit reached",
            "ConnectionError: [Errno 111] Connection refused",
            "upstream timeout",
        ] {
            assert!(transient(text), "{text}");
        }
        for text in [
            "Error: gift card balance is not enough",
            "Error 404: the page could not be loaded",
            "TypeError: forward() got an unexpected keyword argument ''",
            "FileNotFoundError: [Errno 2] No such file or directory: 'a.csv'",
        ] {
            assert!(!transient(text), "{text}");
        }
    }

    #[test]
    fn every_pattern_of_the_table_compiles_and_has_a_known_kind() {
        assert_eq!(PATTERNS.kinds.len(), 3);
    }
}
