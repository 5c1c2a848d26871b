//! AutoGen AgentChat (≥ 0.4) message lists, as users save a team's
//! `TaskResult`: `{"messages": [...], "stop_reason": "..."}` or the bare
//! list. Messages are discriminated by `type` and carry `source`,
//! `models_usage {prompt_tokens, completion_tokens}` and `created_at`
//! (FORMATS.md §3.9c):
//!
//! - `TextMessage`, `StopMessage`, `ToolCallSummaryMessage`, ... → a message
//!   of its source; a change of source passes the turn (a handoff edge);
//! - `HandoffMessage {target}` → an explicit handoff from source to target;
//! - `ToolCallRequestEvent {content: [FunctionCall]}` → the LLM call that
//!   asked for the tools (its usage);
//! - `ToolCallExecutionEvent {content: [{call_id, name, content, is_error}]}`
//!   → one tool call each, with the arguments of its request; the
//!   `transfer_to_*` tools that Swarm handoffs run are left to the
//!   HandoffMessage that follows them;
//! - `stop_reason` → a termination event (a turn or message limit is a
//!   loop guard; `Text 'X' mentioned` is `text_mention`).

use serde_json::Value;
use std::collections::HashMap;

use crate::event::{Kind, Role, Status};
use crate::ingest::conversation::{Conversation, Utterance};
use crate::ingest::format::Format;
use crate::ingest::json::parse_json;
use crate::ingest::record::{RecordCtx, RecordError, RecordOutput};
use crate::ingest::time::parse_timestamp_ns;
use crate::ingest::values::{content_text, items_of, trace_id_of_file};

pub struct AgentChat;

/// AgentChat message and event types (autogen_agentchat.messages).
const TYPES: [&str; 17] = [
    "TextMessage",
    "MultiModalMessage",
    "StopMessage",
    "HandoffMessage",
    "ToolCallSummaryMessage",
    "StructuredMessage",
    "ToolCallRequestEvent",
    "ToolCallExecutionEvent",
    "ThoughtEvent",
    "SelectSpeakerEvent",
    "SelectorEvent",
    "CodeGenerationEvent",
    "CodeExecutionEvent",
    "UserInputRequestedEvent",
    "MemoryQueryEvent",
    "ModelClientStreamingChunkEvent",
    "UserMessage",
];

impl Format for AgentChat {
    fn name(&self) -> &'static str {
        "agentchat"
    }

    fn describe(&self) -> &'static str {
        "AutoGen AgentChat TaskResult {messages: [{type, source, content, models_usage}], stop_reason} or its message list"
    }

    fn sniff(&self, record: &Value) -> bool {
        items_of(record, &["messages"]).first().is_some_and(|m| {
            m.get("source").is_some()
                && m.get("type")
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
        let messages = items_of(&doc, &["messages"]);
        let index = (ctx.line > 1).then_some(ctx.line as usize);
        let mut conversation = Conversation::new(trace_id_of_file(&ctx.file, index), ctx, out);
        // Each requested call, for its execution.
        let mut requested: HashMap<String, Requested> = HashMap::new();
        for message in messages {
            read_message(message, &mut requested, ctx, &mut conversation);
        }
        if let Some(reason) = doc.get("stop_reason").and_then(Value::as_str) {
            let mut stop = conversation.draft(Kind::Termination, "stop_reason", None);
            stop.output_text(reason, ctx);
            stop.note_guard(reason);
            if stop.event.termination_reason.is_none() {
                stop.event.termination_reason = Some(stop_condition(reason).to_string());
            }
            conversation.emit(stop);
        }
        Ok(())
    }
}

/// The termination condition a `stop_reason` that is not a loop guard
/// names.
fn stop_condition(reason: &str) -> &'static str {
    if reason.starts_with("Text '") {
        "text_mention"
    } else if reason.contains("handoff") || reason.contains("Handoff") {
        "handoff"
    } else if reason.contains("token") {
        "token_usage"
    } else if reason.contains("Timeout") || reason.contains("timeout") {
        "timeout"
    } else {
        "stop_message"
    }
}

/// A tool call as its request gave it: the execution that follows is a
/// child of the LLM call that asked for it.
#[derive(Clone, Default)]
struct Requested {
    name: String,
    arguments: String,
    by_span: Option<String>,
}

fn read_message(
    message: &Value,
    requested: &mut HashMap<String, Requested>,
    ctx: &RecordCtx,
    conversation: &mut Conversation,
) {
    let text = |k: &str| message.get(k).and_then(Value::as_str).map(str::to_string);
    let message_type = text("type").unwrap_or_default();
    let source = text("source");
    let start_ns = text("created_at").as_deref().and_then(parse_timestamp_ns);
    let usage = message.get("models_usage");
    let tokens = |k: &str| usage.and_then(|u| u.get(k)).and_then(Value::as_i64);
    let content = message.get("content").unwrap_or(&Value::Null);
    match message_type.as_str() {
        "ToolCallRequestEvent" => {
            let calls: Vec<&Value> = content.as_array().into_iter().flatten().collect();
            let mut llm = conversation.draft(Kind::LlmCall, "ToolCallRequestEvent", None);
            llm.event.start_ns = start_ns;
            llm.event.input_tokens = tokens("prompt_tokens");
            llm.event.output_tokens = tokens("completion_tokens");
            llm.event.status = Status::Ok;
            if let Some(speaker) = &source {
                conversation.take_turn(speaker, &mut llm);
            }
            llm.clues.own = source;
            let mut asked = Vec::new();
            for call in calls {
                let field = |k: &str| call.get(k).and_then(Value::as_str).unwrap_or_default();
                asked.push(format!("{}({})", field("name"), field("arguments")));
                let request = Requested {
                    name: field("name").to_string(),
                    arguments: field("arguments").to_string(),
                    by_span: Some(llm.event.span_id.clone()),
                };
                requested.insert(field("id").to_string(), request);
            }
            llm.output_text(&asked.join("\n"), ctx);
            conversation.emit(llm);
        }
        "ToolCallExecutionEvent" => {
            for result in content.as_array().into_iter().flatten() {
                let field = |k: &str| result.get(k).and_then(Value::as_str);
                let request = field("call_id")
                    .and_then(|id| requested.get(id).cloned())
                    .unwrap_or_else(|| Requested {
                        name: field("name").unwrap_or_default().to_string(),
                        ..Requested::default()
                    });
                if request.name.starts_with("transfer_to_") {
                    continue;
                }
                let mut call = conversation.draft(Kind::ToolCall, &request.name, None);
                call.event.start_ns = start_ns;
                call.event.parent_id = request.by_span;
                call.clues.own = source.clone();
                let args = (!request.arguments.is_empty()).then_some(request.arguments.as_str());
                call.tool(Some(request.name.clone()), args);
                let output = result.get("content").map(content_text).unwrap_or_default();
                if result.get("is_error").and_then(Value::as_bool) == Some(true) {
                    call.error(None, Some(&output));
                } else {
                    call.event.status = Status::Ok;
                }
                call.output_text(&output, ctx);
                conversation.emit(call);
            }
        }
        _ => {
            let handoff = message_type == "HandoffMessage";
            let role = match source.as_deref() {
                Some("user") => Role::User,
                _ => Role::Assistant,
            };
            let span_id = conversation.say(Utterance {
                speaker: source,
                role: Some(role),
                content: content_text(content),
                addressed_to: if handoff { text("target") } else { None },
                name: Some(message_type.clone()),
                start_ns,
                kind: handoff.then_some(Kind::Handoff),
                ..Utterance::default()
            });
            if let Some(input) = tokens("prompt_tokens") {
                // A text answer with its model usage: the message is also
                // the LLM call that wrote it.
                let mut llm = conversation.draft(Kind::LlmCall, &message_type, None);
                llm.event.start_ns = start_ns;
                llm.event.parent_id = Some(span_id);
                llm.event.input_tokens = Some(input);
                llm.event.output_tokens = tokens("completion_tokens");
                llm.event.status = Status::Ok;
                llm.clues.own = text("source");
                conversation.emit(llm);
            }
        }
    }
}
