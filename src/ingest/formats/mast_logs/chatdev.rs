//! ChatDev console logs as MAST-Data stores them. Entries start with
//! `[YYYY-DD-MM HH:MM:SS LEVEL]` — ChatDev writes the day before the month
//! (strftime `%Y-%d-%m`) — and run until the next entry:
//!
//! - `Speaker: **A<->B on : Phase, turn N**` then the utterance: a message
//!   from Speaker to the other of the pair, step N of the phase;
//! - `**[OpenAI_Usage_Info Receive]**` then `prompt_tokens: …`,
//!   `completion_tokens: …`, `cost: $…` (`$-1` = unknown): an LLM call,
//!   made by the speaker of the next utterance;
//! - everything else (`flask app.py did not start for online log`, HTTP
//!   request lines, phase banners) carries no event.

use regex::Regex;
use std::sync::LazyLock;

use crate::event::{Kind, Role};
use crate::ingest::conversation::{Conversation, Utterance};

static ENTRY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^\[(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) [A-Z]+\] ?").unwrap()
});

static TURN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<speaker>[^:*\n]+): \*\*(?P<a>[^*\n]+?)<->(?P<b>[^*\n]+?) on : (?P<phase>[^,*\n]+), turn (?P<turn>\d+)\*\*").unwrap()
});

static USAGE_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^(prompt_tokens|completion_tokens|cost): \$?(-?[0-9.]+)").unwrap()
});

struct Entry<'t> {
    start_ns: Option<i64>,
    text: &'t str,
}

/// Splits the log into entries and emits their events; returns how many
/// events were emitted. (The log is a JSON string: its events point to the
/// record's line.)
pub fn read(log: &str, conversation: &mut Conversation) -> usize {
    let entries = entries(log);
    let mut emitted = 0;
    for (i, entry) in entries.iter().enumerate() {
        if let Some(turn) = TURN.captures(entry.text) {
            let speaker = turn["speaker"].trim().to_string();
            let (a, b) = (turn["a"].trim(), turn["b"].trim());
            let other = if speaker == a { b } else { a };
            let body = entry.text[turn.get(0).map_or(0, |m| m.end())..].trim();
            conversation.say(Utterance {
                speaker: Some(speaker),
                role: Some(Role::Assistant),
                content: body.to_string(),
                addressed_to: Some(other.to_string()),
                name: Some(turn["phase"].trim().to_string()),
                start_ns: entry.start_ns,
                step: turn["turn"].parse().ok(),
                line: None,
                kind: None,
            });
            emitted += 1;
        } else if entry.text.starts_with("**[OpenAI_Usage_Info Receive]**") {
            let mut call = conversation.draft(Kind::LlmCall, "OpenAI_Usage_Info", None);
            call.event.start_ns = entry.start_ns;
            for field in USAGE_FIELD.captures_iter(entry.text) {
                match &field[1] {
                    "prompt_tokens" => call.event.input_tokens = field[2].parse().ok(),
                    "completion_tokens" => call.event.output_tokens = field[2].parse().ok(),
                    _ => call.event.cost_usd = field[2].parse().ok().filter(|c: &f64| *c >= 0.0),
                }
            }
            call.clues.own = entries[i + 1..]
                .iter()
                .find_map(|e| TURN.captures(e.text))
                .map(|t| t["speaker"].trim().to_string());
            conversation.emit(call);
            emitted += 1;
        }
    }
    emitted
}

fn entries(log: &str) -> Vec<Entry<'_>> {
    let heads: Vec<regex::Captures> = ENTRY.captures_iter(log).collect();
    heads
        .iter()
        .enumerate()
        .map(|(i, head)| {
            let whole = head.get(0).unwrap();
            let end = heads
                .get(i + 1)
                .map_or(log.len(), |h| h.get(0).unwrap().start());
            let field = |n: usize| head[n].parse::<i64>().unwrap_or(0);
            // YYYY-DD-MM: day in the second field, month in the third.
            let stamp = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                field(1),
                field(3),
                field(2),
                field(4),
                field(5),
                field(6)
            );
            Entry {
                start_ns: crate::ingest::time::parse_timestamp_ns(&stamp),
                text: log[whole.end()..end].trim_end(),
            }
        })
        .collect()
}
