//! LangGraph's debug stream (`graph.stream(..., stream_mode="debug")`, one
//! event per line, FORMATS.md §3.8): `{"type": "task" | "task_result" |
//! "checkpoint", "step", "timestamp", "payload"}`.
//!
//! A `task` is a node running in a superstep: a step event whose agent is
//! the node; a ToolNode's task executes tool calls (`tool_calls_of_task`),
//! one tool-call event each. A `task_result` gives the node's output
//! messages: each AI message is an LLM call (its `usage_metadata`, its text
//! or tool calls), each ToolMessage the result of the call whose id it
//! answers (`tool_results`); an error fails the task. Checkpoints repeat state and carry no event. The passage
//! from one node to the next is a handoff edge, set once the trace is
//! assembled. The stream holds no trace id: a file is one run, named after
//! the file.

use serde_json::Value;

use crate::event::{Event, Kind, Role, Status};
use crate::ingest::conversation::mark_node_transitions;
use crate::ingest::draft::Draft;
use crate::ingest::format::Format;
use crate::ingest::json::parse_json;
use crate::ingest::record::{RecordCtx, RecordError, RecordOutput};
use crate::ingest::values::{content_text, trace_id_of_file};

pub struct LangGraphDebug;

impl Format for LangGraphDebug {
    fn name(&self) -> &'static str {
        "langgraph_debug"
    }

    fn describe(&self) -> &'static str {
        "LangGraph debug stream lines {type: task | task_result | checkpoint, step, timestamp, payload}"
    }

    fn sniff(&self, record: &Value) -> bool {
        let (_, event) = namespaced(record);
        matches!(
            event.get("type").and_then(Value::as_str),
            Some("task" | "task_result" | "checkpoint")
        ) && event.get("payload").is_some()
            && event.get("step").is_some()
    }

    fn parse(
        &self,
        record: &[u8],
        ctx: &RecordCtx,
        out: &mut RecordOutput,
    ) -> Result<(), RecordError> {
        let whole: Value = parse_json(record, ctx.line)?;
        let (namespace, line) = namespaced(&whole);
        let payload = line.get("payload").unwrap_or(&Value::Null);
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let trace_id = trace_id_of_file(&ctx.file, None);
        let Some(task_id) = text(payload, "id") else {
            // Checkpoints have no task id; they repeat the graph's state.
            return match line.get("type").and_then(Value::as_str) {
                Some("checkpoint") => Ok(()),
                _ => Err(RecordError::unrecognized(
                    "a debug event without payload.id",
                )),
            };
        };
        let node = text(payload, "name").unwrap_or_default();
        // In a subgraph (a supervisor's worker), the node belongs to the
        // worker: the first node of the namespace (`research_expert:<id>`).
        let agent = namespace
            .and_then(|ns| ns.first())
            .and_then(Value::as_str)
            .and_then(|first| first.split(':').next())
            .filter(|worker| !worker.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| node.clone());
        let step = line.get("step").and_then(Value::as_i64);
        let timestamp = text(line, "timestamp");
        let new_event = |span_id: String, kind: Kind, name: &str| {
            let mut draft = Draft::new(ctx, trace_id.clone(), span_id, ctx.line);
            draft.event.kind = kind;
            draft.event.op = line["type"].as_str().unwrap_or_default().to_string();
            draft.event.name = name.to_string();
            draft.event.step = step;
            draft.times(timestamp.as_deref(), None);
            draft.clues.own = Some(agent.clone()).filter(|n| !n.is_empty());
            draft
        };
        match line.get("type").and_then(Value::as_str) {
            Some("task") => {
                new_event(task_id.clone(), Kind::Step, &node).emit(ctx, out);
                for (i, call) in tool_calls_of_task(payload).into_iter().enumerate() {
                    let name = text(call, "name").unwrap_or_default();
                    let call_id = text(call, "id").unwrap_or_else(|| i.to_string());
                    let span_id = format!("{task_id}{CALL}{call_id}");
                    let mut draft = new_event(span_id, Kind::ToolCall, &name);
                    draft.event.parent_id = Some(task_id.clone());
                    let args = call.get("args").map(Value::to_string);
                    draft.tool(Some(name), args.as_deref());
                    draft.emit(ctx, out);
                }
            }
            Some("task_result") => {
                let messages = payload
                    .get("result")
                    .and_then(|r| r.get("messages"))
                    .and_then(Value::as_array);
                for (i, message) in messages.into_iter().flatten().enumerate() {
                    if is_tool(message) {
                        // A tool's result: it goes to its call (`tool_results`).
                        let call_id =
                            text(message, "tool_call_id").unwrap_or_else(|| i.to_string());
                        let name = text(message, "name").unwrap_or_default();
                        let mut draft =
                            new_event(format!("{task_id}{RESULT}{call_id}"), Kind::Message, &name);
                        draft.event.parent_id = Some(task_id.clone());
                        draft.event.role = Some(Role::Tool);
                        let content = message.get("content").map(content_text).unwrap_or_default();
                        if text(message, "status").as_deref() == Some("error") {
                            draft.error(None, Some(&content));
                        } else {
                            draft.event.status = Status::Ok;
                        }
                        draft.output_text(&content, ctx);
                        draft.emit(ctx, out);
                        continue;
                    }
                    // langgraph-supervisor writes the handoff back itself
                    // (`__is_handoff_back`): no model made it.
                    let handoff_back = message
                        .get("response_metadata")
                        .and_then(|m| m.get("__is_handoff_back"))
                        .and_then(Value::as_bool)
                        == Some(true);
                    if !is_ai(message) || handoff_back {
                        continue;
                    }
                    let id = text(message, "id").unwrap_or_else(|| i.to_string());
                    let mut draft =
                        new_event(format!("{task_id}{MESSAGE}{id}"), Kind::LlmCall, &node);
                    draft.event.parent_id = Some(task_id.clone());
                    draft.event.role = Some(Role::Assistant);
                    draft.event.status = Status::Ok;
                    read_ai_message(message, ctx, &mut draft);
                    draft.emit(ctx, out);
                }
                if let Some(error) = payload.get("error").filter(|e| !e.is_null()) {
                    let mut draft = new_event(
                        format!("{task_id}:error"),
                        Kind::Other,
                        &format!("{node} error"),
                    );
                    draft.event.parent_id = Some(task_id.clone());
                    draft.error(None, Some(&content_text(error)));
                    draft.emit(ctx, out);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn finish_trace(&self, events: &mut [&mut Event]) {
        once_per_message(events);
        tool_results(events);
        mark_node_transitions(events);
    }
}

/// Between a task id and a message id in an event's span id.
const MESSAGE: &str = ":message:";
/// ... and a tool call id in a tool call's span id,
const CALL: &str = ":call:";
/// ... and in its result's.
const RESULT: &str = ":result:";

/// The tool calls a task executes: LangGraph's ToolNode runs each call as a
/// task of its own (`input: {"__type": "tool_call_with_context",
/// "tool_call": {name, args, id}}`, langgraph ≥ 0.6), or all the calls of
/// the last message of its input when that is an AI message (older ToolNode).
fn tool_calls_of_task(payload: &Value) -> Vec<&Value> {
    let input = payload.get("input");
    if input.and_then(|i| i.get("__type")).and_then(Value::as_str) == Some("tool_call_with_context")
    {
        return input.and_then(|i| i.get("tool_call")).into_iter().collect();
    }
    input
        .and_then(|i| i.get("messages"))
        .and_then(Value::as_array)
        .and_then(|m| m.last())
        .filter(|m| is_ai(m))
        .and_then(|m| m.get("tool_calls"))
        .and_then(Value::as_array)
        .map(|calls| calls.iter().collect())
        .unwrap_or_default()
}

/// Gives each tool call the result its ToolMessage carries (matched by the
/// call id, in the task that ran it): its output, and its failure. The
/// result stays a message of the run without the text; results of no call
/// in the stream (a subgraph's messages carried up to its parent) stay
/// messages with their text when no call has that id.
fn tool_results(events: &mut [&mut Event]) {
    let calls: std::collections::HashMap<String, usize> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == Kind::ToolCall)
        .filter_map(|(i, e)| Some((e.span_id.rsplit_once(CALL)?.1.to_string(), i)))
        .collect();
    for r in 0..events.len() {
        let Some((_, call_id)) = events[r].span_id.rsplit_once(RESULT) else {
            continue;
        };
        let Some(&c) = calls.get(call_id) else {
            continue;
        };
        let result = events[r].output.take();
        let signature = events[r].output_sig.take();
        let (status, message) = (events[r].status, events[r].error_message.clone());
        events[r].kind = Kind::Other;
        let call = &mut *events[c];
        if call.output.is_none() {
            call.output = result;
            call.output_sig = signature;
            if status == Status::Error {
                call.status = Status::Error;
                call.error_message = message;
            } else if call.status == Status::Unset {
                call.status = status;
            }
        }
    }
}

/// A subgraph's result carries its messages up: the worker node's result
/// holds the messages its inner `agent` node's result held. One message is
/// one model call, the first time it is seen; its copies stay as `other`
/// events without usage or output.
fn once_per_message(events: &mut [&mut Event]) {
    let mut seen = std::collections::HashSet::new();
    for event in events.iter_mut().filter(|e| e.kind == Kind::LlmCall) {
        let Some((_, message)) = event.span_id.rsplit_once(MESSAGE) else {
            continue;
        };
        if seen.insert(message.to_string()) {
            continue;
        }
        event.kind = Kind::Other;
        event.input_tokens = None;
        event.output_tokens = None;
        event.usage_leaf = false;
        event.output = None;
        event.output_sig = None;
    }
}

/// A line of `graph.stream(..., stream_mode="debug", subgraphs=True)`:
/// `[namespace, event]`, the namespace `[]` for the top graph and
/// `["worker:<task id>", ...]` inside a subgraph; or the event alone.
fn namespaced(line: &Value) -> (Option<&Vec<Value>>, &Value) {
    match line {
        Value::Array(pair) if pair.len() == 2 && pair[0].is_array() && pair[1].is_object() => {
            (pair[0].as_array(), &pair[1])
        }
        event => (None, event),
    }
}

/// A tool's result as LangChain dumps it (`type: tool`, a ToolMessage).
fn is_tool(message: &Value) -> bool {
    matches!(
        message.get("type").and_then(Value::as_str),
        Some("tool" | "ToolMessage")
    )
}

/// An AI message as LangChain dumps it (`type: ai`, or a serialized
/// AIMessage).
fn is_ai(message: &Value) -> bool {
    matches!(
        message.get("type").and_then(Value::as_str),
        Some("ai" | "AIMessage" | "AIMessageChunk")
    )
}

fn read_ai_message(message: &Value, ctx: &RecordCtx, draft: &mut Draft) {
    let usage = message.get("usage_metadata");
    let tokens = |k: &str| usage.and_then(|u| u.get(k)).and_then(Value::as_i64);
    draft.event.input_tokens = tokens("input_tokens");
    draft.event.output_tokens = tokens("output_tokens");
    draft.event.model = message
        .get("response_metadata")
        .and_then(|m| m.get("model_name").or_else(|| m.get("model")))
        .and_then(Value::as_str)
        .map(str::to_string);
    let content = message.get("content").map(content_text).unwrap_or_default();
    let calls = message
        .get("tool_calls")
        .filter(|c| c.as_array().is_some_and(|a| !a.is_empty()));
    let output = match calls {
        Some(calls) if content.trim().is_empty() => calls.to_string(),
        _ => content,
    };
    draft.output_text(&output, ctx);
}
