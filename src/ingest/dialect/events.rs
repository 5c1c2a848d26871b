//! Content that emitters write as span events, or as log records joined to
//! their span, rather than as attributes: the GenAI semantic conventions'
//! events in each of their generations (open-telemetry/semantic-conventions
//! docs/gen-ai/gen-ai-events.md): the per-message events
//! `gen_ai.{system,user,assistant,tool}.message` and `gen_ai.choice` (the
//! conventions up to 1.36, opentelemetry-instrumentation-openai-v2's log
//! records, Strands' span events), the older `gen_ai.content.prompt` /
//! `gen_ai.content.completion`, and the newer
//! `gen_ai.client.inference.operation.details` with `gen_ai.input.messages`
//! / `gen_ai.output.messages`. Attributes win over events.
//!
//! On a tool span, Strands writes the tool's input as `gen_ai.tool.message`
//! and its result as `gen_ai.choice`
//! (strands-agents/sdk-python src/strands/telemetry/tracer.py,
//! `end_tool_call_span`); on a model span, `gen_ai.tool.message` is a tool
//! result fed back to the model, part of its input.

use std::borrow::Cow;

use super::facts::{give, SpanFacts};
use super::table::{read, Keys, Shape};
use crate::event::{Kind, Role};
use serde_json::Value;

use crate::ingest::attrs::Attrs;
use crate::ingest::values::flat_attrs;

/// A span event, or a log record joined to its span: its name (a log
/// record's `eventName` or `event.name`) and its attributes (a log
/// record's body fields, then its attributes).
#[derive(Debug, Default)]
pub struct SpanEvent<'a> {
    pub name: Cow<'a, str>,
    pub attrs: Attrs<'a>,
}

/// What an event's content is to the span it belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    /// A message of the model's input, by whom.
    Input(Role),
    /// A message the model gave.
    Output,
}

/// Event names, their part, and the attribute keys of their content (for
/// a log record: the keys of its body).
const EVENTS: &[(&str, Part, Keys)] = &[
    ("gen_ai.system.message", Part::Input(Role::System), MESSAGE),
    ("gen_ai.user.message", Part::Input(Role::User), MESSAGE),
    (
        "gen_ai.assistant.message",
        Part::Input(Role::Assistant),
        &["content", "tool_calls", EVENT_CONTENT],
    ),
    ("gen_ai.tool.message", Part::Input(Role::Tool), MESSAGE),
    (
        "gen_ai.choice",
        Part::Output,
        &["message", "content", EVENT_CONTENT],
    ),
    (
        "gen_ai.content.prompt",
        Part::Input(Role::User),
        &["gen_ai.prompt"],
    ),
    (
        "gen_ai.content.completion",
        Part::Output,
        &["gen_ai.completion"],
    ),
    (
        OPERATION_DETAILS,
        Part::Input(Role::User),
        &["gen_ai.input.messages"],
    ),
    (OPERATION_DETAILS, Part::Output, &["gen_ai.output.messages"]),
];

/// Where a message event's content is: `content` (the conventions' body,
/// Strands' attribute), or Semantic Kernel .NET's `gen_ai.event.content`
/// (the message as JSON; dotnet/src/InternalUtilities/src/Diagnostics/
/// ModelDiagnostics.cs).
const MESSAGE: Keys = &["content", EVENT_CONTENT];
const EVENT_CONTENT: &str = "gen_ai.event.content";

/// The content of one log record that is a GenAI event, read on its own
/// (its span is not known yet): who said it, whether the model gave it,
/// and its text.
pub struct EventContent {
    pub role: Role,
    pub output: bool,
    pub text: String,
}

/// The content of a GenAI event read alone, if it carries any.
pub fn content_of(event: &SpanEvent) -> Option<EventContent> {
    EVENTS
        .iter()
        .filter(|(name, _, _)| *name == event.name)
        .find_map(|&(_, part, keys)| {
            let text = event.attrs.text(keys)?;
            Some(match part {
                Part::Input(role) => EventContent {
                    role,
                    output: false,
                    text: read(&text, Shape::Messages, role == Role::User),
                },
                Part::Output => EventContent {
                    role: Role::Assistant,
                    output: true,
                    text: read(&text, Shape::Messages, false),
                },
            })
        })
}

const OPERATION_DETAILS: &str = "gen_ai.client.inference.operation.details";

/// Whether an event (or log record) of this name carries GenAI content.
pub fn is_content_event(name: &str) -> bool {
    EVENTS.iter().any(|(event, _, _)| *event == name)
}

/// The content events of a span's `events` list whose attributes are a
/// plain object (SDK span dumps, Phoenix): see `dialect::events`.
pub fn content_events_of(events: Option<&Value>) -> Vec<SpanEvent<'_>> {
    let Some(events) = events.and_then(Value::as_array) else {
        return Vec::new();
    };
    events
        .iter()
        .filter_map(|e| {
            let name = e.get("name").and_then(Value::as_str)?;
            let attrs = e.get("attributes").and_then(Value::as_object)?;
            is_content_event(name).then(|| SpanEvent {
                name: Cow::Borrowed(name),
                attrs: flat_attrs(attrs),
            })
        })
        .collect()
}

/// Gives the input and output (a tool's arguments and result) that the
/// span's events carry, where its attributes gave none.
pub fn fill(events: &[SpanEvent], kind: Kind, facts: &mut SpanFacts) {
    if events.is_empty() {
        return;
    }
    let contents = || {
        events.iter().flat_map(|event| {
            EVENTS
                .iter()
                .filter(move |(name, _, _)| *name == event.name)
                .filter_map(move |&(_, part, keys)| {
                    event
                        .attrs
                        .text(keys)
                        .map(|text| (event.name.as_ref(), part, text))
                })
        })
    };
    if kind == Kind::ToolCall {
        if facts.tool_args.is_none() {
            let args = contents()
                .find(|(name, _, _)| *name == "gen_ai.tool.message")
                .map(|(_, _, text)| text.into_owned());
            give(&mut facts.input_text, args.clone());
            facts.tool_args = args;
        }
        let result = contents()
            .rfind(|(_, part, _)| *part == Part::Output)
            .map(|(_, _, text)| read(&text, Shape::Messages, false));
        give(&mut facts.output_text, result);
        return;
    }
    let inputs: Vec<(bool, String)> = contents()
        .filter_map(|(_, part, text)| match part {
            Part::Input(role) => {
                let user = role == Role::User;
                Some((user, read(&text, Shape::Messages, user)))
            }
            Part::Output => None,
        })
        .collect();
    let input = inputs
        .iter()
        .rev()
        .find(|(user, _)| *user)
        .or(inputs.last())
        .map(|(_, text)| text.clone());
    give(&mut facts.input_text, input);
    let outputs: Vec<String> = contents()
        .filter(|(_, part, _)| *part == Part::Output)
        .map(|(_, _, text)| read(&text, Shape::Messages, false))
        .collect();
    give(
        &mut facts.output_text,
        (!outputs.is_empty()).then(|| outputs.join("\n")),
    );
}
