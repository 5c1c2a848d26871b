//! The dispatch from a record's `mas_name` to the dialect that reads its
//! log, and the fallback of one message holding the whole log.

use super::{chatdev, console_blocks, hyperagent};
use crate::ingest::conversation::{Conversation, Utterance};

/// How a log was read.
#[derive(Debug, PartialEq)]
pub enum Reading {
    /// Split into this many events by a dialect.
    Split(usize),
    /// Kept whole, as one event: no dialect for this system, or the
    /// dialect found nothing in it.
    Whole,
}

/// Reads `log`, written by the system `mas_name`.
pub fn read(mas_name: &str, log: &str, conversation: &mut Conversation) -> Reading {
    let emitted = match mas_name.to_ascii_lowercase().as_str() {
        "chatdev" => chatdev::read(log, conversation),
        // Records 17 and 18 of the human-labelled file have mas_name and
        // benchmark swapped: "GAIA" holds Magentic-One and OpenManus logs.
        "magentic" | "magentic-one" | "magenticone" | "gaia" => {
            console_blocks::read(log, conversation)
        }
        "hyperagent" => {
            // The log is a JSON list of logging lines, or plain text.
            let lines: Vec<String> = match serde_json::from_str::<serde_json::Value>(log) {
                Ok(doc) => doc
                    .get("trajectory")
                    .and_then(|t| t.as_array())
                    .map(|t| {
                        t.iter()
                            .filter_map(|l| l.as_str())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
                Err(_) => log.lines().map(str::to_string).collect(),
            };
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            hyperagent::read(&lines, conversation)
        }
        _ => 0,
    };
    if emitted > 0 {
        return Reading::Split(emitted);
    }
    conversation.say(Utterance {
        speaker: None,
        content: log.to_string(),
        name: Some(format!("{mas_name} log")),
        ..Utterance::default()
    });
    Reading::Whole
}
