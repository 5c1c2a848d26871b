//! HyperAgent logs as MAST-Data stores them: a list of logging lines,
//! `HyperAgent_<instance> - INFO - <Agent>'s Response: <text>`, with the
//! text running on over the following lines until the next logging line.
//! Each response is an utterance of its agent (Planner, Navigator, Editor,
//! Executor, ...); other logging lines carry no event.

use regex::Regex;
use std::sync::LazyLock;

use crate::event::Role;
use crate::ingest::conversation::{Conversation, Utterance};

static LOG_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\S+ - (?:DEBUG|INFO|WARNING|ERROR|CRITICAL) - ").unwrap());

static RESPONSE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?P<agent>[A-Z][\w ]{0,40}?)'s Response:\s*").unwrap());

/// Emits one message per agent response; returns how many.
pub fn read(lines: &[&str], conversation: &mut Conversation) -> usize {
    let mut emitted = 0;
    let mut i = 0;
    while i < lines.len() {
        let Some(head) = LOG_LINE.find(lines[i]) else {
            i += 1;
            continue;
        };
        let message = &lines[i][head.end()..];
        let mut end = i + 1;
        while end < lines.len() && !LOG_LINE.is_match(lines[end]) {
            end += 1;
        }
        if let Some(response) = RESPONSE.captures(message) {
            let mut content = message[response.get(0).unwrap().end()..].to_string();
            for more in &lines[i + 1..end] {
                content.push('\n');
                content.push_str(more);
            }
            conversation.say(Utterance {
                speaker: Some(response["agent"].trim().to_string()),
                role: Some(Role::Assistant),
                content,
                ..Utterance::default()
            });
            emitted += 1;
        }
        i = end;
    }
    emitted
}
