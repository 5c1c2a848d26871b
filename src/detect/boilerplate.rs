//! What is not an agent's work, for the repetition detectors: messages a
//! framework writes by itself (auto-replies, speaker selection, guard
//! notices; `taxonomy/boilerplate.toml`) and one message written to the
//! log again by a second logger. Both repeat by design, so counting them
//! as a loop makes most of `repeated-identical-output`'s wrong findings on
//! real chats (Who&When, MAST records).

use regex::Regex;
use serde::Deserialize;
use std::sync::LazyLock;

use super::trace::Row;
use crate::event::Kind;

const TABLE: &str = include_str!("../../taxonomy/boilerplate.toml");

#[derive(Deserialize)]
struct Table {
    message: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    regex: String,
    #[serde(default)]
    pipeline: bool,
    #[serde(rename = "seen")]
    _seen: String,
}

static TABLE_READ: LazyLock<Table> =
    LazyLock::new(|| toml::from_str(TABLE).expect("taxonomy/boilerplate.toml is valid"));

/// The patterns of the entries `keep` takes, anchored at the text's start.
fn anchored(keep: fn(&Entry) -> bool) -> Regex {
    let alternation: Vec<String> = TABLE_READ
        .message
        .iter()
        .filter(|m| keep(m))
        .map(|m| format!("(?:{})", m.regex))
        .collect();
    crate::text::ascii_regex(&format!(r"\A\s*(?:{})", alternation.join("|")))
}

static MESSAGES: LazyLock<Regex> = LazyLock::new(|| anchored(|_| true));
static PIPELINES: LazyLock<Regex> = LazyLock::new(|| anchored(|m| m.pipeline));

/// A framework's own message (`taxonomy/boilerplate.toml`): `text` starts
/// like one.
pub fn is_framework_message(text: &str) -> bool {
    MESSAGES.is_match(text)
}

/// The run is a framework's fixed pipeline (ChatDev's phases): one of its
/// messages is one the table marks `pipeline`. Its agents' turns are the
/// framework's schedule, not delegation.
pub fn scheduled_by_framework(rows: &[Row]) -> bool {
    rows.iter()
        .filter(|r| r.kind == Kind::Message)
        .filter_map(|r| r.output)
        .any(|text| PIPELINES.is_match(text))
}

/// `row` is `previous` logged again: two messages next to each other in
/// the trace (nothing between them), by the same speaker, with the same
/// text and start (or none) — a duplicated logger's second line, not a
/// second utterance.
pub fn logged_again(previous: &Row, row: &Row) -> bool {
    row.kind == Kind::Message
        && previous.kind == Kind::Message
        && row.seq == previous.seq + 1
        && row.agent == previous.agent
        && row.output_hash.is_some()
        && row.output_hash == previous.output_hash
        && row.start_ns == previous.start_ns
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framework_messages_and_work() {
        for text in [
            "There is no code from the last 1 message for me to execute. Group chat manager should let other participants to continue the conversation.",
            "Continue. Please keep solving the problem until you need to query. (If you get to the answer, put it in \\boxed{}.)",
            "Next speaker WebSurfer\nWARNING: the ledger was malformed",
            "Stalled.... Replanning...",
            "[ChatDev is a software company powered by multiple intelligent agents, such as chief executive officer]",
        ] {
            assert!(is_framework_message(text), "{text}");
        }
        for text in [
            "The code from the last message failed.",
            "Please continue scrolling down the page to the archive.",
            "I think the next speaker should be the Coder.",
        ] {
            assert!(!is_framework_message(text), "{text}");
        }
    }

    #[test]
    fn a_pipeline_is_known_by_its_framework_messages() {
        let mut prompt = Row::for_tests(0);
        prompt.kind = Kind::Message;
        prompt.output = Some("[ChatDev is a software company powered by multiple intelligent agents, such as chief executive officer]");
        let mut said = Row::for_tests(1);
        said.kind = Kind::Message;
        said.output = Some("There is no code from the last 1 message for me to execute.");
        assert!(scheduled_by_framework(&[said.clone(), prompt]));
        assert!(
            !scheduled_by_framework(&[said]),
            "boilerplate, not a pipeline"
        );
    }

    #[test]
    fn a_line_logged_twice_is_one_message() {
        let mut a = Row::for_tests(4);
        a.kind = Kind::Message;
        a.agent = Some("Planner");
        a.output_hash = Some(7);
        let mut b = a.clone();
        b.seq = 5;
        assert!(logged_again(&a, &b));
        let mut later = b.clone();
        later.seq = 6;
        assert!(!logged_again(&a, &later), "something was said between");
        let mut other = b.clone();
        other.agent = Some("Navigator");
        assert!(!logged_again(&a, &other));
        let mut timed = b.clone();
        timed.start_ns = Some(1);
        assert!(!logged_again(&a, &timed), "said again later");
    }
}
