//! AutoGen ≥ 0.4's `autogen_core` event log (FORMATS.md §3.9c;
//! microsoft/autogen python/packages/autogen-core/src/autogen_core/
//! logging.py): the JSON lines the logger named `autogen_core.events`
//! (`EVENT_LOGGER_NAME`) writes when a handler is attached to it, each
//! `{"type": ..., ...}`:
//!
//! - `LLMCall` (and `LLMStreamEnd`) `{messages, response, prompt_tokens,
//!   completion_tokens, agent_id}`: an LLM call of the agent, its output
//!   the response's text or tool calls as `name(args)`;
//! - `ToolCall {tool_name, arguments, result, agent_id}`: a tool call. It
//!   is logged only when the tool returned; a failed call shows only in the
//!   runtime's `Message` whose payload is an AgentChat
//!   `ToolCallExecutionEvent` with `is_error`, read as the failed call;
//! - `MessageDropped`, `MessageHandlerException`,
//!   `AgentConstructionException`: failures of the runtime, error events;
//! - `Message {payload, sender, receiver, kind, delivery_stage}` and
//!   `LLMStreamStart`: the runtime's transport, every chat message several
//!   times over (sent, delivered to each subscriber, carried inside group
//!   chat responses): counted as other signals, not steps.
//!
//! `agent_id` is `type/key`; AgentChat names an agent's type
//! `<name>_<team id>` with the team id as key, so the agent is `<name>` and
//! the run (the trace) is the team id; a file may hold several runs. Lines
//! carry no time: a run's events are in line order.

use serde_json::Value;

use crate::event::{Kind, Status};
use crate::ingest::dialect::message_text;
use crate::ingest::draft::Draft;
use crate::ingest::format::Format;
use crate::ingest::json::parse_json;
use crate::ingest::record::{RecordCtx, RecordError, RecordOutput};
use crate::ingest::values::{content_text, text_or_json, trace_id_of_file};

pub struct AutogenCoreEvents;

/// `other_signals` key of the runtime's transport records.
const TRANSPORT: &str = "autogen-core runtime messages (transport, not steps)";

const FAILURES: [&str; 3] = [
    "MessageDropped",
    "MessageHandlerException",
    "AgentConstructionException",
];

impl Format for AutogenCoreEvents {
    fn name(&self) -> &'static str {
        "autogen_core_events"
    }

    fn describe(&self) -> &'static str {
        "autogen-core event log lines {type: LLMCall | ToolCall | Message | ..., agent_id} (the autogen_core.events logger)"
    }

    fn sniff(&self, record: &Value) -> bool {
        let has = |k: &str| record.get(k).is_some();
        match record.get("type").and_then(Value::as_str) {
            Some("LLMCall" | "LLMStreamEnd") => has("agent_id") && has("response"),
            Some("LLMStreamStart") => has("agent_id") && has("messages"),
            Some("ToolCall") => has("tool_name") && has("agent_id"),
            Some("Message") => has("delivery_stage") && has("payload"),
            Some(t) => FAILURES.contains(&t) && (has("agent_id") || has("exception")),
            None => false,
        }
    }

    fn parse(
        &self,
        record: &[u8],
        ctx: &RecordCtx,
        out: &mut RecordOutput,
    ) -> Result<(), RecordError> {
        let line: Value = parse_json(record, ctx.line)?;
        let kind = line.get("type").and_then(Value::as_str).unwrap_or_default();
        // The run is the team of the agent (or of the sender of a runtime
        // message); a line of no team is the file's run.
        let team = ["agent_id", "sender"]
            .iter()
            .find_map(|k| line.get(*k).and_then(Value::as_str))
            .and_then(|id| agent_and_team(id).1);
        let trace_id = team.map_or_else(|| trace_id_of_file(&ctx.file, None), str::to_string);
        let span_id = format!("{trace_id}:{}", ctx.line);
        let mut draft = Draft::new(ctx, trace_id.clone(), span_id, ctx.line);
        draft.event.op = kind.to_string();
        draft.clues.own = line
            .get("agent_id")
            .and_then(Value::as_str)
            .map(|id| agent_and_team(id).0.to_string());
        match kind {
            "LLMCall" | "LLMStreamEnd" => {
                read_llm_call(&line, ctx, &mut draft);
            }
            "ToolCall" => {
                let name = line
                    .get("tool_name")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                draft.event.kind = Kind::ToolCall;
                draft.event.name = name.clone().unwrap_or_default();
                draft.event.status = Status::Ok;
                let args = line.get("arguments").map(text_or_json);
                draft.tool(name, args.as_deref());
                if let Some(result) = line.get("result") {
                    draft.output_text(&content_text(result), ctx);
                }
            }
            "Message" => {
                if !failed_tool_calls(&line, &trace_id, ctx, out) {
                    out.other_signal(TRANSPORT, 1);
                }
                return Ok(());
            }
            "LLMStreamStart" => {
                out.other_signal(TRANSPORT, 1);
                return Ok(());
            }
            failure => {
                draft.event.kind = Kind::Other;
                draft.event.name = failure.to_string();
                let detail = line
                    .get("exception")
                    .or_else(|| line.get("payload"))
                    .map(content_text);
                draft.error(Some(failure.to_string()), detail.as_deref());
            }
        }
        draft.emit(ctx, out);
        Ok(())
    }
}

/// An `agent_id` (`type/key`) as its agent and team: AgentChat names an
/// agent's type `<name>_<team id>` and keys it with the team id, so runs
/// appended to one file stay apart. Any other id is its type, of no team.
fn agent_and_team(agent_id: &str) -> (&str, Option<&str>) {
    let (agent_type, key) = agent_id.split_once('/').unwrap_or((agent_id, ""));
    let name = agent_type
        .strip_suffix(key)
        .and_then(|t| t.strip_suffix('_'))
        .filter(|_| !key.is_empty());
    match name {
        Some(name) if !name.is_empty() => (name, Some(key)),
        Some(_) => (agent_type, Some(key)),
        None => (agent_type, None),
    }
}

fn read_llm_call(line: &Value, ctx: &RecordCtx, draft: &mut Draft) {
    draft.event.kind = Kind::LlmCall;
    draft.event.name = "LLMCall".to_string();
    draft.event.status = Status::Ok;
    draft.event.input_tokens = line.get("prompt_tokens").and_then(Value::as_i64);
    draft.event.output_tokens = line.get("completion_tokens").and_then(Value::as_i64);
    let response = line.get("response");
    draft.event.model = response
        .and_then(|r| r.get("model"))
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(last) = line
        .get("messages")
        .and_then(Value::as_array)
        .and_then(|m| m.last())
    {
        draft.input_text(
            &last.get("content").map(content_text).unwrap_or_default(),
            ctx,
        );
    }
    let output = response
        .and_then(|r| r.pointer("/choices/0/message"))
        .and_then(message_text)
        .unwrap_or_default();
    draft.output_text(&output, ctx);
}

/// A runtime message publishing an AgentChat `ToolCallExecutionEvent` to
/// the team's output topic whose results failed: each failed result is a
/// failed tool call (the `ToolCall` event is logged only on success).
/// Whether the message was read as such.
fn failed_tool_calls(
    line: &Value,
    trace_id: &str,
    ctx: &RecordCtx,
    out: &mut RecordOutput,
) -> bool {
    let to_output = line
        .get("receiver")
        .and_then(Value::as_str)
        .is_some_and(|r| r.starts_with("output_topic"));
    let sent = line.get("delivery_stage").and_then(Value::as_str) == Some("DeliveryStage.SEND");
    if !to_output || !sent {
        return false;
    }
    let Some(payload) = line
        .get("payload")
        .and_then(Value::as_str)
        .and_then(|p| serde_json::from_str::<Value>(p).ok())
    else {
        return false;
    };
    let message = payload.get("message").unwrap_or(&payload);
    if message.get("type").and_then(Value::as_str) != Some("ToolCallExecutionEvent") {
        return false;
    }
    let failed: Vec<&Value> = message
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| r.get("is_error").and_then(Value::as_bool) == Some(true))
        .collect();
    if failed.is_empty() {
        return false;
    }
    let agent = message
        .get("source")
        .and_then(Value::as_str)
        .map(str::to_string);
    for (i, result) in failed.into_iter().enumerate() {
        let span_id = format!("{trace_id}:{}:{i}", ctx.line);
        let mut call = Draft::new(ctx, trace_id.to_string(), span_id, ctx.line);
        let name = result
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string);
        call.event.kind = Kind::ToolCall;
        call.event.op = "ToolCallExecutionEvent".to_string();
        call.event.name = name.clone().unwrap_or_default();
        call.clues.own = agent.clone();
        call.tool(name, None);
        let content = result.get("content").map(content_text);
        call.error(None, content.as_deref());
        call.emit(ctx, out);
    }
    true
}
