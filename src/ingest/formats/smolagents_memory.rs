//! smolagents agent memory, as users save it: `agent.memory.get_full_steps()`
//! (or `get_succinct_steps()`) dumped to JSON (huggingface/smolagents
//! src/smolagents/memory.py): a list of step dicts, `TaskStep {task,
//! task_images}`, `ActionStep {step_number, timing {start_time, end_time}
//! (epoch seconds), tool_calls [{id, type, function {name, arguments}}],
//! error {type, message}, model_output, observations, action_output,
//! token_usage {input_tokens, output_tokens}, is_final_answer}`,
//! `PlanningStep {plan, timing, token_usage}`, `FinalAnswerStep {output}`,
//! `SystemPromptStep {system_prompt}`. A file (or a line) is one run.
//!
//! Each action or planning step is a model call (its usage, its output);
//! each of its tool calls a tool call carrying the step's observations as
//! its result; the task a user message. An error's message names the guard
//! that stopped the run (`AgentMaxStepsError: Reached max steps.` →
//! `max_steps`). The agent is not named in the memory: it is `agent`.

use serde_json::Value;

use crate::event::{Kind, Role, Status};
use crate::ingest::draft::Draft;
use crate::ingest::format::Format;
use crate::ingest::json::parse_json;
use crate::ingest::record::{RecordCtx, RecordError, RecordOutput};
use crate::ingest::values::{content_text, text_or_json, trace_id_of_file};

pub struct SmolagentsMemory;

/// The agent of every step: the memory does not name it.
const AGENT: &str = "agent";

impl Format for SmolagentsMemory {
    fn name(&self) -> &'static str {
        "smolagents_memory"
    }

    fn describe(&self) -> &'static str {
        "smolagents memory steps [{task}, {step_number, tool_calls, observations, token_usage, error}] (get_full_steps() as JSON)"
    }

    fn sniff(&self, record: &Value) -> bool {
        record
            .as_array()
            .is_some_and(|steps| steps.iter().take(3).any(is_step))
    }

    fn parse(
        &self,
        record: &[u8],
        ctx: &RecordCtx,
        out: &mut RecordOutput,
    ) -> Result<(), RecordError> {
        let doc: Value = parse_json(record, ctx.line)?;
        let Some(steps) = doc.as_array().filter(|s| s.iter().any(is_step)) else {
            return Err(RecordError::unrecognized(
                "a record that is not a list of smolagents memory steps",
            ));
        };
        // One run per file, or per line of a JSON Lines file.
        let index = (ctx.line > 1).then_some(ctx.line as usize);
        let trace_id = trace_id_of_file(&ctx.file, index);
        for (n, step) in steps.iter().enumerate() {
            read_step(step, n, &trace_id, ctx, out);
        }
        Ok(())
    }
}

/// An action or planning step, or the task step.
fn is_step(item: &Value) -> bool {
    let has = |k: &str| item.get(k).is_some();
    (has("step_number") && (has("tool_calls") || has("model_output") || has("observations")))
        || (has("task") && has("task_images"))
        || (has("plan") && has("token_usage"))
}

fn seconds_ns(value: Option<&Value>) -> Option<i64> {
    value
        .and_then(Value::as_f64)
        .map(|s| (s * 1e9) as i64)
        .filter(|&ns| ns > 0)
}

fn read_step(step: &Value, n: usize, trace_id: &str, ctx: &RecordCtx, out: &mut RecordOutput) {
    let text = |k: &str| step.get(k).filter(|v| !v.is_null()).map(content_text);
    let timing = step.get("timing");
    let start = seconds_ns(timing.and_then(|t| t.get("start_time")));
    let end = seconds_ns(timing.and_then(|t| t.get("end_time")));
    let new = |id: String, kind: Kind| {
        let mut draft = Draft::new(ctx, trace_id.to_string(), id, ctx.line);
        draft.event.kind = kind;
        draft.event.start_ns = start;
        draft.event.end_ns = end;
        draft.event.status = Status::Ok;
        draft.clues.own = Some(AGENT.to_string());
        draft
    };
    if let Some(task) = text("task") {
        let mut draft = new(format!("step-{n}"), Kind::Message);
        draft.event.name = "task".to_string();
        draft.event.role = Some(Role::User);
        // The user, not an agent.
        draft.clues.own = None;
        draft.output_text(&task, ctx);
        draft.emit(ctx, out);
        return;
    }
    if step.get("step_number").is_none() && step.get("plan").is_none() {
        // System prompt and final-answer steps say nothing of their own.
        return;
    }
    let number = step.get("step_number").and_then(Value::as_i64);
    let id = format!("step-{n}");
    let mut call = new(id.clone(), Kind::LlmCall);
    call.event.name = match number {
        Some(number) => format!("Step {number}"),
        None => "planning".to_string(),
    };
    call.event.step = number;
    let usage = step.get("token_usage");
    let tokens = |k: &str| usage.and_then(|u| u.get(k)).and_then(Value::as_i64);
    call.event.input_tokens = tokens("input_tokens");
    call.event.output_tokens = tokens("output_tokens");
    // What the model said: its text, else (a ToolCallingAgent keeps none)
    // the calls it asked for, as `name(arguments)`.
    let calls = step.get("tool_calls").and_then(Value::as_array);
    let asked: Vec<String> = calls
        .into_iter()
        .flatten()
        .map(|c| {
            let function = c.get("function").unwrap_or(c);
            let name = function
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let args = function.get("arguments").map(text_or_json);
            format!("{name}({})", args.unwrap_or_default())
        })
        .collect();
    let said = text("model_output")
        .or_else(|| text("plan"))
        .or_else(|| (!asked.is_empty()).then(|| asked.join("\n")));
    if let Some(output) = said {
        call.output_text(&output, ctx);
    }
    if let Some(error) = step.get("error").filter(|e| !e.is_null()) {
        let kind = error
            .get("type")
            .and_then(Value::as_str)
            .map(str::to_string);
        let message = error
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| content_text(error));
        let said = match &kind {
            Some(kind) => format!("{kind}: {message}"),
            None => message,
        };
        call.error(kind, Some(&said));
    }
    call.emit(ctx, out);
    let observations = text("observations");
    for (k, tool_call) in calls.into_iter().flatten().enumerate() {
        let function = tool_call.get("function").unwrap_or(tool_call);
        let name = function
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string);
        let args = function.get("arguments").map(text_or_json);
        let mut tool = new(format!("{id}-tool-{k}"), Kind::ToolCall);
        tool.event.parent_id = Some(id.clone());
        tool.event.name = name.clone().unwrap_or_default();
        tool.event.step = number;
        tool.tool(name, args.as_deref());
        if let Some(observations) = &observations {
            tool.output_text(observations, ctx);
        }
        tool.emit(ctx, out);
    }
}
