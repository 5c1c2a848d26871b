//! AG2 / AutoGen 0.2 runtime logs (`autogen.runtime_logging.start(
//! logger_type="file")`, FORMATS.md §3.9b): a first line `Started new
//! session with Session ID: <uuid>`, then one JSON object per line, of
//! several shapes:
//!
//! - chat completions `{invocation_id, source_name, request, response,
//!   cost, start_time, end_time}` whose `response` is the Python repr of
//!   an OpenAI `ChatCompletion`, read with patterns (usage, model, content,
//!   tool calls): an LLM call of `source_name`;
//! - events `{source_name, event_name, json_state}`: a `received_message`
//!   is an utterance of its sender to `source_name`; copies that a
//!   GroupChatManager broadcasts to every member are not utterances again,
//!   and what members say to the manager passes the turn by change of
//!   speaker;
//! - function uses `{source_name, input_args, returns}`: a tool call, named
//!   after the latest requested tool call with the same arguments (the log
//!   does not name the function);
//! - new agents `{agent_name, agent_type}` tell which agents are managers.
//!
//! Lines the logger writes about its own failures (`[file_logger] Failed
//! to log ...`) carry nothing and are passed over. The whole file is one
//! trace, the session.

use regex::Regex;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::LazyLock;

use crate::event::{Kind, Role, Status};
use crate::ingest::conversation::{Conversation, Utterance};
use crate::ingest::format::Format;
use crate::ingest::record::{RecordCtx, RecordError, RecordOutput};
use crate::ingest::time::parse_timestamp_ns;
use crate::ingest::values::{canonical_args, content_text};

pub struct Ag2RuntimeLog;

const SESSION_LINE: &str = "Started new session with Session ID:";

impl Format for Ag2RuntimeLog {
    fn name(&self) -> &'static str {
        "ag2_runtime_log"
    }

    fn describe(&self) -> &'static str {
        "AG2/AutoGen 0.2 runtime.log (runtime_logging to a file): chat completions, events, function uses"
    }

    fn sniff(&self, _record: &Value) -> bool {
        false
    }

    fn sniff_text(&self, first_line: &[u8]) -> bool {
        first_line.starts_with(SESSION_LINE.as_bytes())
    }

    fn parse(
        &self,
        record: &[u8],
        ctx: &RecordCtx,
        out: &mut RecordOutput,
    ) -> Result<(), RecordError> {
        let text = std::str::from_utf8(record).map_err(|e| RecordError {
            reason: "invalid_utf8",
            detail: e.to_string(),
            line: None,
        })?;
        // Blank lines before the session line are no records (`enumerate`
        // first: line numbers count them).
        let mut lines = text
            .lines()
            .enumerate()
            .skip_while(|(_, l)| l.trim().is_empty());
        let session = lines
            .next()
            .and_then(|(_, l)| l.strip_prefix(SESSION_LINE))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| RecordError::unrecognized("a runtime log without its session line"))?;
        let mut log = LogReader::default();
        let mut skipped = Vec::new();
        let mut conversation = Conversation::new(session, ctx, out);
        for (index, line) in lines {
            let number = index as u32 + 1;
            if line.trim().is_empty() || line.starts_with("[file_logger]") {
                continue;
            }
            match serde_json::from_str::<Value>(line) {
                Ok(entry) => log.read(&entry, number, ctx, &mut conversation),
                Err(error) => skipped.push((number, error.to_string())),
            }
        }
        for (number, detail) in skipped {
            out.skip(number, "malformed_json", detail);
        }
        Ok(())
    }
}

/// What the log has told so far.
#[derive(Default)]
struct LogReader {
    managers: HashSet<String>,
    /// (tool name, canonical arguments) of tool calls the model asked for.
    requested: Vec<(String, String)>,
}

static USAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"usage=CompletionUsage\((?P<fields>[^)]*)\)").unwrap());
static USAGE_FIELD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(prompt_tokens|completion_tokens)=(\d+)").unwrap());
static MODEL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\bmodel='([^']*)'").unwrap());
static CONTENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"message=ChatCompletionMessage\(content=(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")"#,
    )
    .unwrap()
});
static TOOL_CALL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"function=Function\(arguments=(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"), name='([^']*)'\)"#)
        .unwrap()
});

/// A Python string literal's text, escapes undone for the common cases.
fn python_text(literal: &str) -> String {
    literal
        .replace("\\n", "\n")
        .replace("\\'", "'")
        .replace("\\\"", "\"")
        .replace("\\\\", "\\")
}

impl LogReader {
    fn read(&mut self, entry: &Value, line: u32, ctx: &RecordCtx, conversation: &mut Conversation) {
        let text = |k: &str| entry.get(k).and_then(Value::as_str).map(str::to_string);
        if entry.get("agent_name").is_some() {
            if text("agent_type").as_deref() == Some("GroupChatManager") {
                self.managers.extend(text("agent_name"));
            }
        } else if entry.get("invocation_id").is_some() {
            self.chat_completion(entry, line, ctx, conversation);
        } else if text("event_name").as_deref() == Some("received_message") {
            self.received_message(entry, line, conversation);
        } else if entry.get("input_args").is_some() {
            let args = entry
                .get("input_args")
                .map(|a| canonical_args(&content_text(a)))
                .unwrap_or_default();
            let name = self
                .requested
                .iter()
                .rev()
                .find(|(_, requested)| *requested == args)
                .map(|(name, _)| name.clone())
                .unwrap_or_else(|| "function".to_string());
            let mut call = conversation.draft(Kind::ToolCall, &name, Some(line));
            call.event.start_ns = text("timestamp").as_deref().and_then(parse_timestamp_ns);
            call.event.status = Status::Ok;
            call.clues.own = text("source_name");
            call.tool(Some(name), Some(&args));
            if let Some(returns) = entry.get("returns") {
                call.output_text(&content_text(returns), ctx);
            }
            conversation.emit(call);
        }
    }

    fn chat_completion(
        &mut self,
        entry: &Value,
        line: u32,
        ctx: &RecordCtx,
        conversation: &mut Conversation,
    ) {
        let text = |k: &str| entry.get(k).and_then(Value::as_str);
        let response = text("response").unwrap_or_default();
        let mut llm = conversation.draft(Kind::LlmCall, "chat_completion", Some(line));
        llm.times(text("start_time"), text("end_time"));
        llm.clues.own = text("source_name").map(str::to_string);
        llm.event.status = Status::Ok;
        if let Some(usage) = USAGE.captures(response) {
            for field in USAGE_FIELD.captures_iter(&usage["fields"]) {
                let value = field[2].parse().ok();
                match &field[1] {
                    "prompt_tokens" => llm.event.input_tokens = value,
                    _ => llm.event.output_tokens = value,
                }
            }
        }
        llm.event.model = MODEL.captures(response).map(|m| m[1].to_string());
        // AG2 prices the models it knows; 0 is what it logs for the others.
        llm.event.cost_usd = entry
            .get("cost")
            .and_then(Value::as_f64)
            .filter(|c| *c > 0.0);
        let mut output: Vec<String> = CONTENT
            .captures(response)
            .and_then(|c| c.get(1).or_else(|| c.get(2)))
            .map(|m| python_text(m.as_str()))
            .into_iter()
            .collect();
        for call in TOOL_CALL.captures_iter(response) {
            let args = python_text(
                call.get(1)
                    .or_else(|| call.get(2))
                    .map_or("", |m| m.as_str()),
            );
            let name = call[3].to_string();
            output.push(format!("{name}({args})"));
            self.requested.push((name, canonical_args(&args)));
        }
        llm.output_text(&output.join("\n"), ctx);
        conversation.emit(llm);
    }

    fn received_message(&mut self, entry: &Value, line: u32, conversation: &mut Conversation) {
        let Some(state) = entry
            .get("json_state")
            .and_then(Value::as_str)
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
        else {
            return;
        };
        let sender = state
            .get("sender")
            .and_then(Value::as_str)
            .map(str::to_string);
        let receiver = entry
            .get("source_name")
            .and_then(Value::as_str)
            .map(str::to_string);
        if sender.as_ref().is_some_and(|s| self.managers.contains(s)) {
            return; // a manager's broadcast copy of a member's message
        }
        let message = state.get("message").unwrap_or(&Value::Null);
        let content = match message {
            Value::Object(m) => m.get("content").map(content_text).unwrap_or_default(),
            other => content_text(other),
        };
        let role = match message.get("role").and_then(Value::as_str) {
            Some("tool") => Role::Tool,
            _ => Role::Assistant,
        };
        let to_manager = receiver.as_ref().is_some_and(|r| self.managers.contains(r));
        conversation.say(Utterance {
            speaker: sender,
            role: Some(role),
            content,
            addressed_to: if to_manager { None } else { receiver },
            name: Some("received_message".to_string()),
            line: Some(line),
            start_ns: entry
                .get("timestamp")
                .and_then(Value::as_str)
                .and_then(parse_timestamp_ns),
            ..Utterance::default()
        });
    }
}
