//! Langfuse observations (FORMATS.md §3.6), as the public API lists them
//! (`{"data": [...]}` of `GET /api/public/v2/observations` or the v1
//! `/observations`), as a trace with its observations (`{"id", "name",
//! "sessionId", "observations": [...]}`), bare lists, or JSON Lines; and
//! as the blob-storage export writes them (langfuse/langfuse-docs
//! blob-storage-export-fields.mdx, enriched observations: JSON Lines of
//! snake_case fields, `parent_observation_id` "" for a root, times as
//! `YYYY-MM-DD HH:MM:SS.ffffff` UTC, `usage_details` / `cost_details`, the
//! trace's fields on every row), and their CSV files (a blob export's, the
//! UI's camelCase batch export; rows read by `ingest::table`, objects as
//! JSON text and numbers as text). Each field is read in either spelling.
//!
//! `type`: GENERATION → llm_call, TOOL → tool_call (a tool named `handoff
//! to X` → handoff), AGENT → agent_invoke, CHAIN / SPAN → workflow, EVENT →
//! other, RETRIEVER, EMBEDDING, GUARDRAIL direct; `level: ERROR` fails the
//! observation with its `statusMessage`; tokens from `usageDetails` (or the
//! older `usage`), cost from `costDetails.total` / `totalCost`; the agent by
//! ancestry (the nearest AGENT observation's name).

use serde_json::Value;

use crate::event::{Kind, Status};
use crate::ingest::dialect::{
    handoff_target_from_name, is_placeholder_agent, messages_text, output_value_text,
};
use crate::ingest::draft::Draft;
use crate::ingest::format::Format;
use crate::ingest::json::parse_json;
use crate::ingest::record::{RecordCtx, RecordError, RecordOutput};
use crate::ingest::values::{content_text, items_of, scalar_text, text_or_json};

pub struct Langfuse;

const TYPES: [&str; 10] = [
    "SPAN",
    "EVENT",
    "GENERATION",
    "AGENT",
    "TOOL",
    "CHAIN",
    "RETRIEVER",
    "EVALUATOR",
    "EMBEDDING",
    "GUARDRAIL",
];

impl Format for Langfuse {
    fn name(&self) -> &'static str {
        "langfuse"
    }

    fn describe(&self) -> &'static str {
        "Langfuse observations {traceId, type: GENERATION | SPAN | AGENT | TOOL | ..., parentObservationId}, listed, under data, or in a trace's observations"
    }

    fn sniff(&self, record: &Value) -> bool {
        items_of(record, &["data", "observations"])
            .first()
            .is_some_and(|o| {
                field(o, "traceId").is_some()
                    && o.get("type")
                        .and_then(Value::as_str)
                        .is_some_and(|t| TYPES.contains(&t))
            })
    }

    fn parse(
        &self,
        record: &[u8],
        ctx: &RecordCtx,
        out: &mut RecordOutput,
    ) -> Result<(), RecordError> {
        let doc: Value = parse_json(record, ctx.line)?;
        // A trace object lends its session to its observations.
        let trace_session = field(&doc, "sessionId").and_then(Value::as_str);
        for observation in items_of(&doc, &["data", "observations"]) {
            match read_observation(observation, trace_session, ctx) {
                Ok(draft) => draft.emit(ctx, out),
                Err((reason, detail)) => out.skip(ctx.line, reason, detail),
            }
        }
        Ok(())
    }
}

fn read_observation(
    observation: &Value,
    trace_session: Option<&str>,
    ctx: &RecordCtx,
) -> Result<Draft, (&'static str, String)> {
    let text = |k: &str| {
        field(observation, k)
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
    };
    let name = text("name").unwrap_or_default();
    let trace_id = text("traceId").map(str::to_string).ok_or((
        "missing_trace_id",
        format!("observation {name:?} has no traceId"),
    ))?;
    let span_id = text("id").map(str::to_string).ok_or((
        "missing_span_id",
        format!("observation {name:?} of trace {trace_id} has no id"),
    ))?;
    let mut draft = Draft::new(ctx, trace_id, span_id, ctx.line);
    let observation_type = text("type").unwrap_or("SPAN");
    let event = &mut draft.event;
    event.parent_id = text("parentObservationId").map(str::to_string);
    event.name = name.to_string();
    event.op = observation_type.to_string();
    event.model = text("model")
        .or_else(|| text("providedModelName"))
        .map(str::to_string);
    event.session_id = text("sessionId").or(trace_session).map(str::to_string);
    let handoff_to = handoff_target_from_name(name);
    event.kind = match observation_type {
        "GENERATION" => Kind::LlmCall,
        "TOOL" if handoff_to.is_some() => Kind::Handoff,
        "TOOL" => Kind::ToolCall,
        "AGENT" => Kind::AgentInvoke,
        "RETRIEVER" => Kind::Retrieval,
        "EMBEDDING" => Kind::Embedding,
        "GUARDRAIL" => Kind::Guardrail,
        "CHAIN" | "SPAN" => Kind::Workflow,
        _ => Kind::Other,
    };
    draft.times(text("startTime"), text("endTime"));

    let usage =
        object_field(observation, "usageDetails").or_else(|| object_field(observation, "usage"));
    let tokens = |keys: &[&str]| {
        keys.iter().find_map(|k| {
            let n = number(usage.as_ref()?.get(*k)?)?;
            Some(n as i64)
        })
    };
    draft.event.input_tokens = tokens(&["input", "promptTokens"]);
    draft.event.output_tokens = tokens(&["output", "completionTokens"]);
    draft.event.cost_usd = object_field(observation, "costDetails")
        .and_then(|c| c.get("total").and_then(number))
        .or_else(|| field(observation, "totalCost").and_then(number))
        // The blob export writes 0.0 where no cost was computed.
        .filter(|&c| c > 0.0);

    let present = |v: &&Value| !v.is_null() && v.as_str() != Some("");
    let input = observation.get("input").filter(present);
    let output = observation.get("output").filter(present);
    if let Some(input) = input {
        draft.input_text(&content_text(input), ctx);
    }
    if let Some(output) = output {
        let text = match output {
            // A generation's message (its tool calls as `name(args)`),
            // or OpenAI Responses items.
            Value::String(raw) if draft.event.kind == Kind::LlmCall => {
                let items = output_value_text(raw);
                if items == *raw {
                    messages_text(raw, false)
                } else {
                    items
                }
            }
            Value::String(raw) => output_value_text(raw),
            other => content_text(other),
        };
        draft.output_text(&text, ctx);
    }
    match draft.event.kind {
        Kind::AgentInvoke if !is_placeholder_agent(name) => {
            draft.clues.own = Some(name.to_string())
        }
        Kind::ToolCall => {
            let args = input.map(text_or_json);
            draft.tool(Some(name.to_string()), args.as_deref());
        }
        Kind::Handoff => {
            // OpenInference handoff tools carry the agent handing off as input.
            draft.event.handoff_from = input.and_then(scalar_text);
            draft.event.handoff_to = handoff_to;
        }
        _ => {}
    }
    if text("level") == Some("ERROR") {
        draft.error(None, text("statusMessage"));
    } else if text("endTime").is_some() {
        draft.event.status = Status::Ok;
    }
    Ok(draft)
}

/// An object field, or the JSON text of one (CSV exports write objects as
/// JSON text); none when empty.
fn object_field(record: &Value, camel: &str) -> Option<Value> {
    match field(record, camel)? {
        Value::String(text) => serde_json::from_str::<Value>(text)
            .ok()
            .filter(|v| v.as_object().is_some_and(|o| !o.is_empty())),
        object @ Value::Object(o) if !o.is_empty() => Some(object.clone()),
        _ => None,
    }
}

/// A number, or its text (a CSV cell).
fn number(value: &Value) -> Option<f64> {
    value
        .as_f64()
        .or_else(|| value.as_str()?.trim().parse().ok())
}

/// A field in the API's camelCase or the blob export's snake_case.
fn field<'v>(record: &'v Value, camel: &str) -> Option<&'v Value> {
    record.get(camel).or_else(|| {
        let mut snake = String::with_capacity(camel.len() + 4);
        for c in camel.chars() {
            if c.is_ascii_uppercase() {
                snake.push('_');
                snake.push(c.to_ascii_lowercase());
            } else {
                snake.push(c);
            }
        }
        record.get(snake.as_str())
    })
}
