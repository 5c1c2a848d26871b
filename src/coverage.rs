//! What the detectors could not see in a trace: its blind spots. A trace
//! whose tool calls carry no arguments cannot show a tool loop; one whose
//! model calls carry no output text cannot show a repeated answer; one
//! whose handoffs do not say between whom cannot show a cycle. `stats`
//! reports the figures per trace, `check` the blind spots as
//! `unreadable-trace` findings: a trace we cannot see into is reported,
//! never passed as clean.

use serde::Serialize;

use crate::event::Kind;

/// The detector that reports blind spots as findings.
pub const DETECTOR: &str = "unreadable-trace";

/// A detector family needs this many events to see its pattern (three
/// identical calls make a loop); fewer unreadable ones blind nothing.
pub const BLIND_AT: u64 = 3;

/// The visibility figures of one trace.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Coverage {
    pub tool_calls_without_arguments: u64,
    pub llm_calls_without_output: u64,
    /// Handoffs that do not say from which agent or to which.
    pub handoffs_without_ends: u64,
    /// Events whose agent is only the service name (`agent_is_service`).
    pub events_of_service_agent: u64,
}

/// A detector family that cannot see its pattern in a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlindSpot {
    /// What is missing, and how much: "12 tool calls carry no arguments".
    pub what: String,
    /// The detectors that cannot see.
    pub detectors: &'static [&'static str],
}

/// Agents whose messages carry text.
fn speakers<'a>(events: &[EventFacts<'a>]) -> Vec<&'a str> {
    events
        .iter()
        .filter(|e| e.kind == Kind::Message && e.has_output)
        .filter_map(|e| e.agent)
        .collect()
}

/// Whether an event lacks what its detectors read: a tool call its
/// arguments, a model call its output text (unless its agent speaks in
/// messages), a handoff one of its ends.
fn unreadable(e: &EventFacts, speakers: &[&str]) -> bool {
    match e.kind {
        Kind::ToolCall => !e.has_arguments,
        Kind::LlmCall => !e.has_output && !e.agent.is_some_and(|a| speakers.contains(&a)),
        Kind::Handoff => !e.has_handoff_ends,
        _ => false,
    }
}

/// What coverage needs to know of one event.
#[derive(Clone, Copy, Debug)]
pub struct EventFacts<'a> {
    pub kind: Kind,
    pub agent: Option<&'a str>,
    pub agent_is_service: bool,
    pub has_arguments: bool,
    pub has_output: bool,
    pub has_handoff_ends: bool,
}

impl Coverage {
    /// The figures of a trace's events. A model call without output text
    /// is unreadable unless its agent's messages carry the text (AutoGen
    /// and other conversation exports record the call's usage beside the
    /// message that holds what the model said).
    pub fn of(events: &[EventFacts]) -> Coverage {
        let speakers = speakers(events);
        let mut coverage = Coverage::default();
        for e in events {
            if unreadable(e, &speakers) {
                match e.kind {
                    Kind::ToolCall => coverage.tool_calls_without_arguments += 1,
                    Kind::LlmCall => coverage.llm_calls_without_output += 1,
                    _ => coverage.handoffs_without_ends += 1,
                }
            }
            if e.agent_is_service {
                coverage.events_of_service_agent += 1;
            }
        }
        coverage
    }

    /// The events of `events` that lack what their detectors read.
    pub fn unreadable_events<'e, 'a>(
        events: &'e [EventFacts<'a>],
    ) -> impl Iterator<Item = usize> + 'e {
        let speakers = speakers(events);
        (0..events.len()).filter(move |&i| unreadable(&events[i], &speakers))
    }

    /// The families blinded here, in a fixed order.
    pub fn blind_spots(&self) -> Vec<BlindSpot> {
        let mut spots = Vec::new();
        if self.tool_calls_without_arguments >= BLIND_AT {
            spots.push(BlindSpot {
                what: format!(
                    "{} tool calls carry no arguments",
                    self.tool_calls_without_arguments
                ),
                detectors: &["repeated-tool-call", "retry-without-replan"],
            });
        }
        if self.llm_calls_without_output >= BLIND_AT {
            spots.push(BlindSpot {
                what: format!(
                    "{} model calls carry no output text",
                    self.llm_calls_without_output
                ),
                detectors: &["repeated-identical-output", "convergence-starvation"],
            });
        }
        if self.handoffs_without_ends > 0 {
            spots.push(BlindSpot {
                what: format!(
                    "{} handoffs do not name both their agents",
                    self.handoffs_without_ends
                ),
                detectors: &["handoff-cycle"],
            });
        }
        spots
    }

    /// No detector family is blind here.
    pub fn fully_visible(&self) -> bool {
        self.blind_spots().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: Kind, agent: Option<&str>, readable: bool) -> EventFacts<'_> {
        EventFacts {
            kind,
            agent,
            agent_is_service: false,
            has_arguments: readable,
            has_output: readable,
            has_handoff_ends: readable,
        }
    }

    #[test]
    fn a_family_is_blind_from_three_unreadable_events() {
        let mut events = vec![
            event(Kind::ToolCall, None, false),
            event(Kind::ToolCall, None, false),
            event(Kind::ToolCall, None, true),
            event(Kind::LlmCall, Some("a"), false),
        ];
        events[3].agent_is_service = true;
        assert!(Coverage::of(&events).fully_visible());
        events.push(event(Kind::ToolCall, None, false));
        events.push(event(Kind::Handoff, Some("a"), false));
        let coverage = Coverage::of(&events);
        assert_eq!(
            coverage
                .blind_spots()
                .iter()
                .map(|s| s.what.as_str())
                .collect::<Vec<_>>(),
            [
                "3 tool calls carry no arguments",
                "1 handoffs do not name both their agents"
            ]
        );
        assert_eq!(coverage.events_of_service_agent, 1);
        assert_eq!(
            Coverage::unreadable_events(&events).collect::<Vec<_>>(),
            [0, 1, 3, 4, 5]
        );
    }

    #[test]
    fn a_model_call_whose_agent_speaks_in_messages_is_readable() {
        let events: Vec<EventFacts> = ["planner", "critic", "planner", "critic"]
            .into_iter()
            .flat_map(|a| {
                [
                    event(Kind::Message, Some(a), true),
                    event(Kind::LlmCall, Some(a), false),
                ]
            })
            .collect();
        assert_eq!(Coverage::of(&events).llm_calls_without_output, 0);
    }
}
