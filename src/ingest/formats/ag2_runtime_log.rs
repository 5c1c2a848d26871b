//! AG2 / AutoGen 0.2 runtime logs (`autogen.runtime_logging.start(
//! logger_type="file")`, FORMATS.md §3.9b): a first line `Started new
//! session with Session ID: <uuid>`, then one JSON object per line, of
//! several shapes:
//!
//! - chat completions `{invocation_id, source_name, request, response,
//!   cost, start_time, end_time}` whose `response` is the Python repr of
//!   an OpenAI `ChatCompletion`, read with patterns (usage, model, content,
//!   tool calls), or its JSON (the SQLite logger's): an LLM call of
//!   `source_name`;
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
//! to log ...`), registrations of agents, clients and wrappers, and events
//! that are no utterance carry no step: they are counted as other signals.
//! The whole file is one trace, the session.

use regex::Regex;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::LazyLock;

use crate::event::{Kind, Role, Status};
use crate::ingest::conversation::{Conversation, Utterance};
use crate::ingest::dialect::message_text;
use crate::ingest::draft::Draft;
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
        let text = RecordError::text_of(record)?;
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
        let mut skipped = Vec::new();
        let mut logger_failures = 0;
        let entries = lines.filter_map(|(index, line)| {
            let number = index as u32 + 1;
            if line.starts_with("[file_logger]") {
                logger_failures += 1;
                return None;
            }
            if line.trim().is_empty() {
                return None;
            }
            match serde_json::from_str::<Value>(line) {
                Ok(entry) => Some((Some(number), entry)),
                Err(error) => {
                    skipped.push((number, error.to_string()));
                    None
                }
            }
        });
        read_session(session, entries, ctx, out);
        if logger_failures > 0 {
            out.other_signal(LOGGER_FAILURES, logger_failures);
        }
        for (number, detail) in skipped {
            out.skip(number, "malformed_json", detail);
        }
        Ok(())
    }
}

/// Reads one session's log entries in the order they were logged: the
/// file logger's JSON lines, or the SQLite logger's rows in the same
/// shapes (`ag2_sqlite`), each with its line when it has one.
pub(crate) fn read_session(
    session: String,
    entries: impl IntoIterator<Item = (Option<u32>, Value)>,
    ctx: &RecordCtx,
    out: &mut RecordOutput,
) {
    let mut log = LogReader::default();
    let mut conversation = Conversation::new(session, ctx, out);
    for (line, entry) in entries {
        log.read(&entry, line, ctx, &mut conversation);
    }
}

/// `other_signals` keys of the log's records that are no step of the chat.
const REGISTRATIONS: &str = "AG2 agent, client and wrapper registrations";
const BOOKKEEPING: &str =
    "AG2 events that are no utterance (reply functions run, a manager's broadcast copies)";
/// ... and of the logger's lines about its own failures.
const LOGGER_FAILURES: &str = "AG2 logger's own failure lines";

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
    fn read(
        &mut self,
        entry: &Value,
        line: Option<u32>,
        ctx: &RecordCtx,
        conversation: &mut Conversation,
    ) {
        let text = |k: &str| entry.get(k).and_then(Value::as_str).map(str::to_string);
        if entry.get("agent_name").is_some() {
            if text("agent_type").as_deref() == Some("GroupChatManager") {
                self.managers.extend(text("agent_name"));
            }
            conversation.set_aside(REGISTRATIONS);
        } else if entry.get("invocation_id").is_some() {
            self.chat_completion(entry, line, ctx, conversation);
        } else if text("event_name").as_deref() == Some("received_message") {
            self.received_message(entry, line, conversation);
        } else if entry.get("event_name").is_some() {
            conversation.set_aside(BOOKKEEPING);
        } else if entry.get("input_args").is_some() {
            let args = entry
                .get("input_args")
                .map(|a| canonical_args(&content_text(a)))
                .unwrap_or_default();
            // The SQLite logger names the function; the file logger does not.
            let name = text("function_name").unwrap_or_else(|| {
                self.requested
                    .iter()
                    .rev()
                    .find(|(_, requested)| *requested == args)
                    .map(|(name, _)| name.clone())
                    .unwrap_or_else(|| "function".to_string())
            });
            let mut call = conversation.draft(Kind::ToolCall, &name, line);
            call.event.start_ns = text("timestamp").as_deref().and_then(parse_timestamp_ns);
            call.event.status = Status::Ok;
            call.clues.own = text("source_name");
            call.tool(Some(name), Some(&args));
            if let Some(returns) = entry.get("returns") {
                call.output_text(&content_text(returns), ctx);
            }
            conversation.emit(call);
        } else {
            // OpenAI wrappers and clients being created.
            conversation.set_aside(REGISTRATIONS);
        }
    }

    fn chat_completion(
        &mut self,
        entry: &Value,
        line: Option<u32>,
        ctx: &RecordCtx,
        conversation: &mut Conversation,
    ) {
        let text = |k: &str| entry.get(k).and_then(Value::as_str);
        let response = text("response").unwrap_or_default();
        let mut llm = conversation.draft(Kind::LlmCall, "chat_completion", line);
        llm.times(text("start_time"), text("end_time"));
        llm.clues.own = text("source_name").map(str::to_string);
        llm.event.status = Status::Ok;
        // The SQLite logger stores the response as JSON; the file logger
        // as the Python repr of the ChatCompletion.
        let output = match serde_json::from_str::<Value>(response) {
            Ok(json @ Value::Object(_)) => self.json_response(&json, &mut llm),
            _ => self.repr_response(response, &mut llm),
        };
        // AG2 prices the models it knows; 0 is what it logs for the others.
        llm.event.cost_usd = entry
            .get("cost")
            .and_then(Value::as_f64)
            .filter(|c| *c > 0.0);
        llm.output_text(&output.join("\n"), ctx);
        conversation.emit(llm);
    }

    /// A response as JSON (`json.dumps` of the ChatCompletion, or
    /// `{"response": text}` for a plain one): its usage, model, content and
    /// tool calls as `name(args)`.
    fn json_response(&mut self, response: &Value, llm: &mut Draft) -> Vec<String> {
        if let Some(plain) = response.get("response") {
            return vec![content_text(plain)];
        }
        let usage = response.get("usage");
        let tokens = |k: &str| usage.and_then(|u| u.get(k)).and_then(Value::as_i64);
        llm.event.input_tokens = tokens("prompt_tokens");
        llm.event.output_tokens = tokens("completion_tokens");
        llm.event.model = response
            .get("model")
            .and_then(Value::as_str)
            .map(str::to_string);
        let message = response.pointer("/choices/0/message");
        let calls = message
            .and_then(|m| m.get("tool_calls"))
            .and_then(Value::as_array);
        for function in calls
            .into_iter()
            .flatten()
            .filter_map(|c| c.get("function"))
        {
            let field = |k: &str| function.get(k).and_then(Value::as_str).unwrap_or_default();
            self.requested.push((
                field("name").to_string(),
                canonical_args(field("arguments")),
            ));
        }
        // Its content and tool calls as `name(args)`, as the dialects read
        // an OpenAI message.
        message.and_then(message_text).into_iter().collect()
    }

    /// A response as the Python repr of the ChatCompletion, read with
    /// patterns.
    fn repr_response(&mut self, response: &str, llm: &mut Draft) -> Vec<String> {
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
        output
    }

    fn received_message(
        &mut self,
        entry: &Value,
        line: Option<u32>,
        conversation: &mut Conversation,
    ) {
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
            // A manager's broadcast copy of a member's message.
            conversation.set_aside(BOOKKEEPING);
            return;
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
            line,
            start_ns: entry
                .get("timestamp")
                .and_then(Value::as_str)
                .and_then(parse_timestamp_ns),
            ..Utterance::default()
        });
    }
}
