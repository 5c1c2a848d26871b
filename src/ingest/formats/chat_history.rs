//! Chat-history lists, the log most users share and research corpora use:
//! AG2 / AutoGen 0.2 `chat_history` and `groupchat.messages`
//! (`[{content, role, name}]`), also under `history`, `messages`,
//! `chat_history` or `trajectory`; Who&When files (AG2 CaptainAgent and
//! Magentic-One, whose role strings say speaker and direction:
//! `Orchestrator (-> WebSurfer)`, `Orchestrator (thought)`,
//! `Orchestrator (termination condition)`); MAST v1 records (content as a
//! list of lines).
//!
//! tau-bench results (`[{task_id, trial, reward, traj: [...]}]`) are such
//! lists too, one trace per task and trial, their reward a label.
//!
//! Each message is a `message` event whose step is its index (Who&When's
//! `mistake_step` indexes the same list); speaker changes are handoff
//! edges; `tool_calls` / `function_call` become tool-call events, with the
//! result of the tool message that answers their call id. The
//! labels such files carry (Who&When mistake agent and step, MAST v1
//! `note.options`) go to the labels table.

use regex::Regex;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::LazyLock;

use crate::event::{Kind, Role};
use crate::ingest::conversation::{Conversation, Utterance};
use crate::ingest::format::Format;
use crate::ingest::json::parse_json;
use crate::ingest::record::{RecordCtx, RecordError, RecordOutput};
use crate::ingest::values::{content_text, scalar_text, text_or_json, trace_id_of_file};
use crate::labels::{Label, DETAIL_CHARS};
use crate::text;

pub struct ChatHistory;

/// Keys under which frameworks and corpora nest the message list
/// (`traj`: tau-bench).
const WRAPPERS: [&str; 5] = ["history", "messages", "chat_history", "trajectory", "traj"];

impl Format for ChatHistory {
    fn name(&self) -> &'static str {
        "chat_history"
    }

    fn describe(&self) -> &'static str {
        "chat-history lists [{content, role, name}] (AG2/AutoGen, Who&When, Magentic-One, MAST v1), bare or under history/messages/chat_history/trajectory"
    }

    fn sniff(&self, record: &Value) -> bool {
        match record {
            // A message list, or a list of chats.
            Value::Array(items) => items
                .first()
                .is_some_and(|first| is_chat_message(first) || is_chat(first)),
            Value::Object(_) => is_chat(record),
            _ => false,
        }
    }

    fn parse(
        &self,
        record: &[u8],
        ctx: &RecordCtx,
        out: &mut RecordOutput,
    ) -> Result<(), RecordError> {
        let doc: Value = parse_json(record, ctx.line)?;
        match &doc {
            // A list of chats, each an object with its own history.
            Value::Array(items) if items.first().is_some_and(|i| !is_chat_message(i)) => {
                for (index, chat) in items.iter().enumerate() {
                    let trace_id = own_trace_id(chat)
                        .unwrap_or_else(|| trace_id_of_file(&ctx.file, Some(index)));
                    read_chat(chat, trace_id, ctx, out)?;
                }
                Ok(())
            }
            _ => {
                // One chat per line of a JSON Lines file: the line tells them apart.
                let index = (ctx.line > 1).then_some(ctx.line as usize);
                let trace_id =
                    own_trace_id(&doc).unwrap_or_else(|| trace_id_of_file(&ctx.file, index));
                read_chat(&doc, trace_id, ctx, out)
            }
        }
    }
}

/// An object holding a message list under one of the `WRAPPERS`.
fn is_chat(value: &Value) -> bool {
    WRAPPERS
        .iter()
        .find_map(|k| value.get(*k).and_then(Value::as_array))
        .is_some_and(|messages| messages.first().is_some_and(is_chat_message))
}

/// A message object: content plus a role or a name, and no `type`
/// discriminator (those are AutoGen AgentChat messages).
pub(super) fn is_chat_message(item: &Value) -> bool {
    item.get("content").is_some()
        && (item.get("role").is_some() || item.get("name").is_some())
        && item.get("type").is_none()
}

fn own_trace_id(chat: &Value) -> Option<String> {
    let id = ["trace_id", "instance_id"]
        .iter()
        .find_map(|k| chat.get(*k).and_then(scalar_text));
    // tau-bench: a task is run in several trials.
    let task = chat.get("task_id").and_then(scalar_text).map(|task| {
        match chat.get("trial").and_then(scalar_text) {
            Some(trial) => format!("task {task} trial {trial}"),
            None => format!("task {task}"),
        }
    });
    id.or(task)
}

/// Reads one chat (a message list, or an object holding one) as the trace
/// `trace_id`.
pub(super) fn read_chat(
    chat: &Value,
    trace_id: String,
    ctx: &RecordCtx,
    out: &mut RecordOutput,
) -> Result<(), RecordError> {
    let messages = match chat {
        Value::Array(items) => items.as_slice(),
        Value::Object(map) => WRAPPERS
            .iter()
            .find_map(|k| map.get(*k).and_then(Value::as_array))
            .map(Vec::as_slice)
            .ok_or_else(|| {
                RecordError::unrecognized("an object without a history/messages list")
            })?,
        _ => {
            return Err(RecordError::unrecognized(
                "neither a chat nor a message list",
            ))
        }
    };
    read_labels(chat, &trace_id, ctx, out);
    let results = tool_results(messages);
    let mut conversation = Conversation::new(trace_id, ctx, out);
    for (step, message) in messages.iter().enumerate() {
        let next = messages.get(step + 1);
        read_message(message, step as i64, next, &results, ctx, &mut conversation);
    }
    Ok(())
}

/// The results of OpenAI-style tool calls in a chat, by the call id their
/// tool message answers (`{"role": "tool", "tool_call_id", "content"}`): a
/// chat records the calls only as the model's requests, so their results
/// are found here.
fn tool_results(messages: &[Value]) -> HashMap<&str, String> {
    let openai = messages
        .iter()
        .filter(|m| m.get("role").and_then(Value::as_str) == Some("tool"))
        .filter_map(|m| {
            let id = m.get("tool_call_id")?.as_str()?;
            Some((id, m.get("content").map(content_text).unwrap_or_default()))
        });
    // Anthropic's `{"type": "tool_result", "tool_use_id", "content"}` blocks.
    let anthropic = messages
        .iter()
        .flat_map(|m| blocks_of(m, "tool_result"))
        .filter_map(|b| {
            let id = b.get("tool_use_id")?.as_str()?;
            Some((id, b.get("content").map(content_text).unwrap_or_default()))
        });
    openai.chain(anthropic).collect()
}

/// The content blocks of a message of one `type` (Anthropic's content lists).
fn blocks_of<'m>(message: &'m Value, kind: &'m str) -> impl Iterator<Item = &'m Value> {
    message
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(move |b| b.get("type").and_then(Value::as_str) == Some(kind))
}

/// `Speaker (-> Target)`, `Speaker (thought)`, `Speaker (termination
/// condition)`: Magentic-One's role strings.
static ROLE_WITH_NOTE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?P<speaker>[^()]+?)\s*\((?P<note>[^()]*)\)\s*$").unwrap());

fn read_message(
    message: &Value,
    step: i64,
    next: Option<&Value>,
    results: &HashMap<&str, String>,
    ctx: &RecordCtx,
    conversation: &mut Conversation,
) {
    let role_text = message.get("role").and_then(Value::as_str).unwrap_or("");
    let name = message
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty());
    let (role_speaker, note) = match ROLE_WITH_NOTE.captures(role_text) {
        Some(c) => (
            c["speaker"].trim().to_string(),
            Some(c["note"].trim().to_string()),
        ),
        None => (role_text.trim().to_string(), None),
    };
    let addressed_to = note
        .as_deref()
        .and_then(|n| n.strip_prefix("->"))
        .map(|t| t.trim().to_string());
    // Anthropic's tool results come as a user message of tool_result blocks.
    let result_blocks = blocks_of(message, "tool_result").count();
    let anthropic_tool_result = result_blocks > 0
        && message
            .get("content")
            .and_then(Value::as_array)
            .map(Vec::len)
            == Some(result_blocks);
    let role = if anthropic_tool_result {
        Some(Role::Tool)
    } else {
        Role::parse(role_text).or(if name.is_some() || note.is_some() {
            Some(Role::Assistant)
        } else {
            None
        })
    };
    // A tool result is no one's turn: OpenAI's (it answers a
    // `tool_call_id`; the legacy `function` role is named after its
    // function), Anthropic's; nor is an unnamed system prompt. (AG2 tool
    // responses name their sender.)
    let tool_result = anthropic_tool_result
        || (role == Some(Role::Tool)
            && (message.get("tool_call_id").is_some() || role_text == "function"));
    let unnamed_system = role == Some(Role::System) && name.is_none();
    let speaker = match () {
        _ if tool_result || unnamed_system => None,
        _ => name
            .map(str::to_string)
            .or_else(|| Some(role_speaker.clone()).filter(|s| !s.is_empty())),
    };
    let content = message.get("content").map(content_text).unwrap_or_default();
    let span_id = conversation.say(Utterance {
        speaker: speaker.clone(),
        role,
        content,
        addressed_to,
        name: Some(if role_text.is_empty() {
            speaker.clone().unwrap_or_default()
        } else {
            role_text.to_string()
        }),
        step: Some(step),
        ..Utterance::default()
    });
    for (name, args, id) in tool_calls_of(message) {
        let mut call = conversation.draft(Kind::ToolCall, &name, None);
        call.event.parent_id = Some(span_id.clone());
        call.event.step = Some(step);
        call.clues.own = speaker.clone();
        call.tool(Some(name.clone()), args.as_deref());
        let result = match id {
            Some(id) => results.get(id).cloned(),
            // A legacy `function_call` is answered by the next message, of
            // the `function` role and the function's name.
            None => next
                .filter(|n| n.get("role").and_then(Value::as_str) == Some("function"))
                .filter(|n| n.get("name").and_then(Value::as_str) == Some(name.as_str()))
                .map(|n| n.get("content").map(content_text).unwrap_or_default()),
        };
        if let Some(result) = result {
            call.output_text(&result, ctx);
        }
        conversation.emit(call);
    }
}

/// (name, raw arguments, call id) of OpenAI-style `tool_calls`, legacy
/// `function_call` and Anthropic `tool_use` blocks on a message.
fn tool_calls_of(message: &Value) -> Vec<(String, Option<String>, Option<&str>)> {
    fn function<'v>(
        f: &Value,
        id: Option<&'v Value>,
    ) -> Option<(String, Option<String>, Option<&'v str>)> {
        let name = f.get("name").and_then(Value::as_str)?.to_string();
        let args = f.get("arguments").map(text_or_json);
        Some((name, args, id.and_then(Value::as_str)))
    }
    let mut calls: Vec<_> = message
        .get("tool_calls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| function(c.get("function").unwrap_or(c), c.get("id")))
        .collect();
    calls.extend(message.get("function_call").and_then(|f| function(f, None)));
    calls.extend(blocks_of(message, "tool_use").filter_map(|b| {
        let name = b.get("name")?.as_str()?.to_string();
        let args = b.get("input").map(Value::to_string);
        Some((name, args, b.get("id").and_then(Value::as_str)))
    }));
    calls
}

/// Who&When's decisive mistake and MAST v1's yes/no failure modes.
fn read_labels(chat: &Value, trace_id: &str, ctx: &RecordCtx, out: &mut RecordOutput) {
    let label = |corpus, scheme: &str, category: &str, verdict: String| {
        Label::verdict(trace_id, corpus, scheme, category, verdict, &ctx.file)
    };
    if let Some(agent) = chat.get("mistake_agent").and_then(scalar_text) {
        let mut mistake = label(
            "who_and_when",
            "mistake",
            "mistake",
            chat.get("is_correct")
                .or_else(|| chat.get("is_corrected"))
                .and_then(Value::as_bool)
                .map_or("failed", |c| if c { "correct" } else { "failed" })
                .to_string(),
        );
        mistake.agent = Some(agent);
        // Who&When writes the step as a string ("39").
        mistake.step = chat
            .get("mistake_step")
            .and_then(scalar_text)
            .and_then(|s| s.trim().parse().ok());
        mistake.detail = chat
            .get("mistake_reason")
            .and_then(Value::as_str)
            .map(|r| text::excerpt(r, DETAIL_CHARS));
        out.labels.push(mistake);
    }
    if let Some(reward) = chat.get("reward").and_then(scalar_text) {
        out.labels
            .push(label("tau_bench", "reward", "reward", reward));
    }
    if let Some(options) = chat
        .get("note")
        .and_then(|n| n.get("options"))
        .and_then(Value::as_object)
    {
        for (mode, verdict) in options {
            let verdict = scalar_text(verdict).unwrap_or_default();
            out.labels.push(label("mast_v1", "MAST-v1", mode, verdict));
        }
    }
}
