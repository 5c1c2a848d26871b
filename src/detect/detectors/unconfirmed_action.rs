use regex::Regex;
use std::sync::LazyLock;

use crate::detect::{times, Detector, Finding, FindingBuilder, Mapping, Row, Severity, TraceView};
use crate::event::{Kind, Role};
use crate::signals::CONFIRMATION_REQUIRED;

macro_rules! doc {
    () => {
        "## What it does

In a run whose instructions (a system message) require the user's explicit confirmation before
the agent acts (\"obtain explicit user confirmation (yes) to proceed\"), flags the actions taken
without it: a tool call whose name starts with a verb that changes the world (`book_…`,
`cancel_…`, `update_…`, `send_…`; the option `action_verbs`) when the user's last message before
it does not confirm (yes, confirm, proceed, go ahead, sure, correct, okay, please do; not
negated — \"don't proceed\", \"I'm not sure\" — nor asked — \"is that correct?\"). One
finding per agent, listing its unconfirmed actions; evidence: per action the message that decided
it and the call.

## Why is this bad?

The run's own specification says the agent must list what it will do and wait for a yes;
acting on a request that was never confirmed disobeys it (MAST 1.1) and changes bookings,
orders or money on a guess: the user asked a question, chose an option among several, or named
a payment method, and the agent took it as consent. In tau-bench's airline runs most such
actions end in a failed task.

## Example

```text
system    ... obtain explicit user confirmation (yes) to proceed.
user      I would like to cancel all of these reservations.
assistant -> cancel_reservation {\"reservation_id\": \"8C8K4E\"}
```

## Not flagged

- An action after a user message that confirms it.
- Runs whose instructions do not ask for confirmation, and runs where no user message is
  recorded (the confirmation cannot be seen).
- Tools that read (`get_…`, `search_…`, `calculate`) and handoffs (`transfer_to_…`).

## Options

`action_verbs`: the first words of the names of tools that change the world (compared without
case; the name's first word is what comes before `_`, `-`, `.` or a capital).

## Mapping

MAST 1.1 (disobey task specification)."
    };
}

#[doc = doc!()]
pub struct UnconfirmedAction;

/// A user's message that consents to what the agent proposed.
static CONFIRMS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:yes|yeah|yep|yup|confirm(?:ed|s)?|proceed|go ahead|sure|correct|please do|that's right|ok(?:ay)?|sounds good|do it|absolutely|definitely)\b",
    )
    .expect("the confirmation pattern is valid")
});

/// The user's message consents: it starts with a yes ("Yes, but use the
/// other card"), or says one that is neither negated ("Don't proceed",
/// "I'm not sure") nor asked ("Is that correct?").
fn confirms(text: &str) -> bool {
    static STARTS_YES: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\A\W*(?:yes|yeah|yep|yup|sure|ok(?:ay)?|confirm(?:ed)?|correct|absolutely|definitely)\b")
            .expect("the yes pattern is valid")
    });
    if STARTS_YES.is_match(text) {
        return true;
    }
    CONFIRMS.find_iter(text).any(|m| {
        let sentence_end = text[m.end()..]
            .find(['.', '!', '?', '\n'])
            .map_or(text.len(), |i| m.end() + i);
        crate::text::negation_before(text, m.start(), 24).is_none()
            && !text[sentence_end..].starts_with('?')
    })
}

/// The first word of a tool's name: before `_`, `-`, `.`, a space or
/// a capital (`sendEmail` → `send`), lower-cased.
fn first_word(name: &str) -> String {
    let mut word = String::new();
    for (i, c) in name.char_indices() {
        if matches!(c, '_' | '-' | '.' | ' ') || (i > 0 && c.is_uppercase()) {
            break;
        }
        word.extend(c.to_lowercase());
    }
    word
}

impl Detector for UnconfirmedAction {
    fn name(&self) -> &'static str {
        "unconfirmed-action"
    }

    fn mapping(&self) -> Mapping {
        Mapping {
            mast_mode: Some("1.1"),
            checklist: None,
        }
    }

    fn default_severity(&self) -> Severity {
        Severity::Warning
    }

    fn documentation(&self) -> &'static str {
        doc!()
    }

    fn check(&self, trace: &TraceView) -> Vec<Finding> {
        let demanded = trace
            .rows
            .iter()
            .any(|r| r.role == Some(Role::System) && r.output_signals & CONFIRMATION_REQUIRED != 0);
        if !demanded {
            return Vec::new();
        }
        let user_message = |r: &Row| r.kind == Kind::Message && r.role == Some(Role::User);
        if !trace.rows.iter().any(user_message) {
            return Vec::new();
        }
        let verbs = &trace.options.unconfirmed_action.action_verbs;
        let is_action = |name: &str| {
            let lower = name.to_ascii_lowercase();
            !lower.starts_with("transfer_to")
                && verbs
                    .iter()
                    .any(|v| v.eq_ignore_ascii_case(&first_word(name)))
        };
        // Per agent: the unconfirmed actions, as row positions.
        let mut by_agent: Vec<(Option<&str>, Vec<usize>)> = Vec::new();
        let mut confirmed = false;
        for (at, row) in trace.rows.iter().enumerate() {
            if user_message(row) {
                confirmed = row.output.is_some_and(confirms);
                continue;
            }
            let action = row.kind == Kind::ToolCall && row.tool_name.is_some_and(is_action);
            if !action || confirmed {
                continue;
            }
            match by_agent.iter_mut().find(|(agent, _)| *agent == row.agent) {
                Some((_, actions)) => actions.push(at),
                None => by_agent.push((row.agent, vec![at])),
            }
        }
        by_agent
            .into_iter()
            .map(|(agent, actions)| {
                let mut tools: Vec<&str> = actions
                    .iter()
                    .filter_map(|&at| trace.rows[at].tool_name)
                    .collect();
                tools.dedup();
                let message = format!(
                    "{} acted {} without the user's confirmation that its instructions require ({}): list the action, ask, and act on a yes",
                    agent.unwrap_or("the agent"),
                    times(actions.len()),
                    tools.join(", ")
                );
                let rows = actions
                    .iter()
                    .flat_map(|&at| [trace.decided_by(at), Some(&trace.rows[at])])
                    .flatten();
                FindingBuilder::new(self, trace)
                    .evidence(rows)
                    .metric("actions", actions.len() as f64)
                    .build(message)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::first_word;

    #[test]
    fn the_first_word_of_a_tool_name() {
        assert_eq!(first_word("cancel_reservation"), "cancel");
        assert_eq!(first_word("sendEmail"), "send");
        assert_eq!(first_word("Delete-File"), "delete");
        assert_eq!(first_word("calculate"), "calculate");
    }
}
