//! CrewAI's own log files, `Crew(output_log_file=True | "x.txt" |
//! "x.json")` (FORMATS.md §3.10): `logs.txt` lines `YYYY-mm-dd HH:MM:SS:
//! task_name="…", task="…", agent="…", status="started"` (then
//! `status="completed", output="…"`), values written unescaped and running
//! over lines; or, for `.json`, an array of `{timestamp, task_name, task,
//! agent, status, output, ...}`.
//!
//! A task start is a step of its agent; a completion is the agent's
//! message with the task's output, so a task passing from one agent to the
//! next is a handoff edge. A `tool` field is a tool call (CrewAI's
//! "Delegate work to coworker" tool is a handoff); an `error` or a failed
//! status fails the entry. A file is one trace: CrewAI appends every
//! kickoff to the same file, and the file does not mark where one ends.

use regex::Regex;
use serde_json::{Map, Value};
use std::sync::LazyLock;

use crate::event::{Kind, Role};
use crate::ingest::conversation::{Conversation, Utterance};
use crate::ingest::format::Format;
use crate::ingest::json::parse_json;
use crate::ingest::record::{RecordCtx, RecordError, RecordOutput};
use crate::ingest::time::parse_timestamp_ns;
use crate::ingest::values::{content_text, trace_id_of_file};
use crate::termination::guard_from_message;

pub struct CrewAiLog;

/// The keys of CrewAI's `LogEntry`, which bound the unescaped values.
const KEYS: &str =
    "task_name|task|agent|status|output|input|message|level|crew|flow|tool|error|duration|metadata";

static ENTRY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}): ").unwrap());
static FIELD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r#"(?:^|, )({KEYS})=""#)).unwrap());
static FIRST_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r#"^\d{{4}}-\d{{2}}-\d{{2}} \d{{2}}:\d{{2}}:\d{{2}}: ({KEYS})=""#
    ))
    .unwrap()
});

/// CrewAI's delegation tool (tools/agent_tools/delegate_work_tool.py).
const DELEGATE_TOOL: &str = "Delegate work to coworker";

impl Format for CrewAiLog {
    fn name(&self) -> &'static str {
        "crewai_log"
    }

    fn describe(&self) -> &'static str {
        "CrewAI output_log_file: logs.txt lines (timestamp: task_name=\"…\", agent=\"…\", status=\"…\") or the JSON array"
    }

    fn sniff(&self, record: &Value) -> bool {
        record
            .as_array()
            .and_then(|a| a.first())
            .is_some_and(|entry| {
                entry.get("timestamp").is_some()
                    && entry.get("status").is_some()
                    && (entry.get("task_name").is_some() || entry.get("agent").is_some())
            })
    }

    fn sniff_text(&self, first_line: &[u8]) -> bool {
        std::str::from_utf8(first_line).is_ok_and(|l| FIRST_LINE.is_match(l))
    }

    fn parse(
        &self,
        record: &[u8],
        ctx: &RecordCtx,
        out: &mut RecordOutput,
    ) -> Result<(), RecordError> {
        let entries: Vec<Map<String, Value>> = if record.trim_ascii_start().starts_with(b"[") {
            let doc: Value = parse_json(record, ctx.line)?;
            doc.as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e.as_object().cloned())
                .collect()
        } else {
            let text = RecordError::text_of(record)?;
            text_entries(text)
        };
        let mut conversation = Conversation::new(trace_id_of_file(&ctx.file, None), ctx, out);
        for entry in &entries {
            read_entry(entry, ctx, &mut conversation);
        }
        Ok(())
    }
}

/// The entries of a logs.txt, as the JSON form would hold them.
fn text_entries(text: &str) -> Vec<Map<String, Value>> {
    let heads: Vec<regex::Captures> = ENTRY.captures_iter(text).collect();
    heads
        .iter()
        .enumerate()
        .map(|(i, head)| {
            let start = head.get(0).unwrap().end();
            let end = heads
                .get(i + 1)
                .map_or(text.len(), |h| h.get(0).unwrap().start());
            let body = text[start..end].trim_end();
            let mut entry = Map::new();
            entry.insert("timestamp".into(), Value::String(head[1].to_string()));
            let fields: Vec<regex::Captures> = FIELD.captures_iter(body).collect();
            for (j, field) in fields.iter().enumerate() {
                let value_start = field.get(0).unwrap().end();
                let value_end = fields
                    .get(j + 1)
                    .map_or(body.len(), |next| next.get(0).unwrap().start());
                let value = body[value_start..value_end]
                    .strip_suffix('"')
                    .unwrap_or(&body[value_start..value_end]);
                entry.insert(field[1].to_string(), Value::String(value.to_string()));
            }
            entry
        })
        .collect()
}

fn read_entry(entry: &Map<String, Value>, ctx: &RecordCtx, conversation: &mut Conversation) {
    let text = |k: &str| entry.get(k).map(content_text).filter(|t| !t.is_empty());
    let agent = text("agent");
    let task_name = text("task_name").unwrap_or_else(|| "task".to_string());
    let start_ns = text("timestamp").as_deref().and_then(parse_timestamp_ns);
    let status = text("status").unwrap_or_default();
    if let Some(tool) = text("tool") {
        let kind = if tool == DELEGATE_TOOL {
            Kind::Handoff
        } else {
            Kind::ToolCall
        };
        let mut call = conversation.draft(kind, &tool, None);
        call.event.start_ns = start_ns;
        call.clues.own = agent.clone();
        if kind == Kind::ToolCall {
            call.tool(Some(tool), text("input").as_deref());
        }
        if let Some(error) = text("error") {
            call.error(None, Some(&error));
        }
        conversation.emit(call);
        return;
    }
    match status.as_str() {
        "started" => {
            let mut step = conversation.draft(Kind::Step, &task_name, None);
            step.event.start_ns = start_ns;
            step.clues.own = agent;
            if let Some(task) = text("task") {
                step.input_text(&task, ctx);
            }
            conversation.emit(step);
        }
        _ => {
            let output = text("output")
                .or_else(|| text("message"))
                .unwrap_or_default();
            // CrewAI forces an answer at max_iter; LangChain-era CrewAI
            // says "Agent stopped due to iteration limit or time limit."
            let guard = guard_from_message(&output);
            let span_id = conversation.say(Utterance {
                speaker: agent.clone(),
                role: Some(Role::Assistant),
                content: output,
                name: Some(task_name.clone()),
                start_ns,
                ..Utterance::default()
            });
            let error = text("error")
                .or_else(|| (status == "failed").then(|| format!("task {task_name} failed")));
            if let Some(error) = error {
                let mut failure =
                    conversation.draft(Kind::Other, &format!("{task_name} error"), None);
                failure.event.parent_id = Some(span_id);
                failure.clues.own = agent;
                failure.error(None, Some(&error));
                conversation.emit(failure);
            }
            if let Some(reason) = guard {
                let mut stop = conversation.draft(Kind::Termination, reason, None);
                stop.event.termination_reason = Some(reason.to_string());
                stop.clues.own = text("agent");
                conversation.emit(stop);
            }
        }
    }
}
