//! The OpenAI Agents SDK's native tracing export (FORMATS.md §3.7): trace
//! items `{"object": "trace", id, workflow_name, group_id}` and span items
//! `{"object": "trace.span", id, trace_id, parent_id, started_at, ended_at,
//! span_data {type, ...}, error}`, one per line as a TracingProcessor
//! writes them, or as the `{"data": [...]}` batch the SDK posts.
//!
//! `span_data.type`: agent → agent_invoke, generation / response →
//! llm_call, function → tool_call, handoff → handoff, guardrail →
//! guardrail, custom `turn` → step (its `turn` and `agent_name`), custom
//! `task` → workflow. An agent span's error "Max turns exceeded" gives the
//! termination reason `max_turns`.

use serde_json::Value;

use crate::event::{Kind, Status};
use crate::ingest::dialect::output_items_text;
use crate::ingest::draft::Draft;
use crate::ingest::format::Format;
use crate::ingest::json::parse_json;
use crate::ingest::record::{RecordCtx, RecordError, RecordOutput};
use crate::ingest::values::{content_text, items_of, scalar_text};

pub struct OpenAiAgents;

impl Format for OpenAiAgents {
    fn name(&self) -> &'static str {
        "openai_agents"
    }

    fn describe(&self) -> &'static str {
        "OpenAI Agents SDK native export: {object: trace | trace.span, span_data} items, one per line or under data"
    }

    fn sniff(&self, record: &Value) -> bool {
        items_of(record, &["data"]).first().is_some_and(|item| {
            matches!(
                item.get("object").and_then(Value::as_str),
                Some("trace.span" | "trace")
            )
        })
    }

    fn parse(
        &self,
        record: &[u8],
        ctx: &RecordCtx,
        out: &mut RecordOutput,
    ) -> Result<(), RecordError> {
        let doc: Value = parse_json(record, ctx.line)?;
        for item in items_of(&doc, &["data"]) {
            match read_item(item, ctx) {
                Ok(draft) => draft.emit(ctx, out),
                Err((reason, detail)) => out.skip(ctx.line, reason, detail),
            }
        }
        Ok(())
    }
}

/// One trace or span item as the SDK exports it, as a draft event (or why
/// it cannot be one).
pub(super) fn read_item(item: &Value, ctx: &RecordCtx) -> Result<Draft, (&'static str, String)> {
    let text = |k: &str| item.get(k).and_then(Value::as_str);
    let object = text("object").unwrap_or_default();
    let id = text("id").map(str::to_string);
    if object == "trace" {
        // The trace itself: a workflow event carrying the conversation
        // (group) id.
        let id = id.ok_or(("missing_trace_id", "a trace item without id".to_string()))?;
        let mut draft = Draft::new(ctx, id.clone(), id, ctx.line);
        draft.event.kind = Kind::Workflow;
        draft.event.op = "trace".to_string();
        draft.event.name = text("workflow_name").unwrap_or("trace").to_string();
        draft.event.session_id = text("group_id").map(str::to_string);
        return Ok(draft);
    }
    if object != "trace.span" {
        return Err((
            "unrecognized_record",
            format!("an item of object {object:?}, not trace or trace.span"),
        ));
    }
    let trace_id = text("trace_id").map(str::to_string).ok_or((
        "missing_trace_id",
        "a span item without trace_id".to_string(),
    ))?;
    let span_id = id.ok_or((
        "missing_span_id",
        format!("a span item of trace {trace_id} without id"),
    ))?;
    let mut draft = Draft::new(ctx, trace_id, span_id, ctx.line);
    draft.event.parent_id = text("parent_id").map(str::to_string);
    draft.times(text("started_at"), text("ended_at"));
    let data = item.get("span_data").unwrap_or(&Value::Null);
    read_span_data(data, ctx, &mut draft);
    match item.get("error").filter(|e| !e.is_null()) {
        Some(error) => {
            let message = error
                .get("message")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| error.to_string());
            // "Max turns exceeded" + {"max_turns": N}: name the guard.
            let with_data = match error.get("data").filter(|d| !d.is_null()) {
                Some(data) => format!("{message} {data}"),
                None => message,
            };
            draft.error(None, Some(&with_data));
        }
        None if text("ended_at").is_some() => draft.event.status = Status::Ok,
        None => {}
    }
    Ok(draft)
}

fn read_span_data(data: &Value, ctx: &RecordCtx, draft: &mut Draft) {
    let field = |k: &str| data.get(k).and_then(scalar_text);
    let span_type = field("type").unwrap_or_default();
    let name = field("name");
    let event = &mut draft.event;
    event.op = span_type.clone();
    event.name = name.clone().unwrap_or_else(|| span_type.clone());
    match span_type.as_str() {
        "agent" => {
            event.kind = Kind::AgentInvoke;
            draft.clues.own = name;
        }
        "generation" | "response" => {
            event.kind = Kind::LlmCall;
            event.model = field("model");
            let usage = data
                .get("usage")
                .or_else(|| data.get("response").and_then(|r| r.get("usage")));
            let tokens = |k: &str| usage.and_then(|u| u.get(k)).and_then(Value::as_i64);
            event.input_tokens = tokens("input_tokens");
            event.output_tokens = tokens("output_tokens");
            if let Some(input) = data.get("input").and_then(last_user_text) {
                draft.input_text(&input, ctx);
            }
            if let Some(output) = data.get("output").and_then(output_items_text) {
                draft.output_text(&output, ctx);
            }
        }
        "function" => {
            event.kind = Kind::ToolCall;
            let input = field("input");
            if let Some(output) = data.get("output").filter(|o| !o.is_null()) {
                draft.output_text(&content_text(output), ctx);
            }
            draft.tool(name, input.as_deref());
        }
        "handoff" => {
            event.kind = Kind::Handoff;
            event.handoff_from = field("from_agent");
            event.handoff_to = field("to_agent");
            event.name = format!("handoff to {}", event.handoff_to.as_deref().unwrap_or("?"));
        }
        "guardrail" => {
            event.kind = Kind::Guardrail;
            if data.get("triggered").and_then(Value::as_bool) == Some(true) {
                draft.output_text("triggered", ctx);
            }
        }
        "custom" => {
            let custom = data.get("data").unwrap_or(&Value::Null);
            let sdk_type = custom
                .get("sdk_span_type")
                .and_then(Value::as_str)
                .or(name.as_deref());
            match sdk_type {
                Some("turn") => {
                    event.kind = Kind::Step;
                    event.step = custom.get("turn").and_then(Value::as_i64);
                    draft.clues.own = custom.get("agent_name").and_then(scalar_text);
                }
                Some("task") => event.kind = Kind::Workflow,
                _ => event.kind = Kind::Other,
            }
        }
        _ => event.kind = Kind::Other,
    }
}

/// The last user message of a generation input.
fn last_user_text(input: &Value) -> Option<String> {
    input
        .as_array()?
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .and_then(|m| m.get("content"))
        .map(content_text)
}
