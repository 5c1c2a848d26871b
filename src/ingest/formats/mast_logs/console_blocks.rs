//! AutoGen AgentChat console output, as Magentic-One runs in MAST-Data
//! print it: blocks headed `---------- Agent ----------` (newer AgentChat
//! writes `---------- TextMessage (Agent) ----------`), each an utterance
//! of that agent, in order. Text before the first block (install logs,
//! the scenario banner) carries no event.

use regex::Regex;
use std::sync::LazyLock;

use crate::event::Role;
use crate::ingest::conversation::{Conversation, Utterance};

static BLOCK_HEAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^-{5,} (?:(?P<type>\w+) \((?P<typed>[^()\n]+)\)|(?P<agent>[^-\n][^\n]*?)) -{5,}[ \t]*$")
        .unwrap()
});

/// Emits one message per block; returns how many.
pub fn read(log: &str, conversation: &mut Conversation) -> usize {
    let heads: Vec<regex::Captures> = BLOCK_HEAD.captures_iter(log).collect();
    for (i, head) in heads.iter().enumerate() {
        let start = head.get(0).unwrap().end();
        let end = heads
            .get(i + 1)
            .map_or(log.len(), |h| h.get(0).unwrap().start());
        let agent = head
            .name("typed")
            .or_else(|| head.name("agent"))
            .map(|m| m.as_str().trim().to_string());
        let role = match agent.as_deref() {
            Some("user") => Role::User,
            _ => Role::Assistant,
        };
        conversation.say(Utterance {
            speaker: agent,
            role: Some(role),
            content: log[start..end].trim().to_string(),
            name: head.name("type").map(|t| t.as_str().to_string()),
            ..Utterance::default()
        });
    }
    heads.len()
}
