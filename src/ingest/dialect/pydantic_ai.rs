//! Pydantic AI (pydantic/pydantic-ai pydantic_ai_slim/pydantic_ai
//! `_instrumentation.py`, `capabilities/instrumentation.py`,
//! `models/instrumented.py`) with instrumentation versions 1 and 2, the
//! package default before its V2 and what Logfire users have: spans
//! `agent run` (agent in `agent_name`) and `running tool` (arguments in
//! `tool_arguments`, result in `tool_response`), the run's answer in
//! `final_result`, and in version 1 the messages as a JSON list of GenAI
//! events in the attribute `events`. Versions 3 and later write the GenAI
//! conventions (`invoke_agent`, `execute_tool`, `gen_ai.tool.call.*`),
//! read by `gen_ai.rs`; their run totals are `gen_ai.aggregated_usage.*`,
//! deliberately not read as usage (the chat spans carry it).

use serde_json::Value;

use super::events::{self, SpanEvent};
use super::facts::SpanFacts;
use super::table::Dialect;
use crate::event::Kind;
use crate::ingest::attrs::Attrs;
use crate::ingest::values::flat_attrs;

pub const PYDANTIC_AI: Dialect = Dialect {
    marker: &[
        "logfire.",
        "pydantic_ai.",
        "agent_name",
        "tool_arguments",
        "tool_response",
        "final_result",
        "events",
    ],
    span_names: &[
        ("agent run", Kind::AgentInvoke),
        ("running tool", Kind::ToolCall),
        ("running output function", Kind::ToolCall),
    ],
    agent: &["agent_name"],
    tool_args: &["tool_arguments"],
    tool_result: &["tool_response"],
    output: &["final_result"],
    extra: Some(version_1_events),
    ..Dialect::EMPTY
};

/// Version 1's `events` attribute: `[{"event.name": "gen_ai.user.message",
/// "content": ...}, {"event.name": "gen_ai.choice", "message": {...}}]`.
fn version_1_events(attrs: &Attrs, kind: Kind, facts: &mut SpanFacts) {
    let Some(raw) = attrs.text(&["events"]) else {
        return;
    };
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(&raw) else {
        return;
    };
    let list: Vec<SpanEvent> = items
        .iter()
        .filter_map(|item| {
            let map = item.as_object()?;
            let name = map.get("event.name")?.as_str()?;
            Some(SpanEvent {
                name: name.into(),
                attrs: flat_attrs(map),
            })
        })
        .collect();
    events::fill(&list, kind, facts);
}
