//! LangSmith runs (FORMATS.md §3.5): a JSON array, JSON Lines, `{"runs":
//! [...]}`, a run with its children nested in `child_runs`, an ingest batch
//! `{"post": [...], "patch": [...]}` whose patches complete the posted runs
//! of the same id, or the rows of a bulk export's Parquet files (read by
//! `ingest::table`; `inputs`, `outputs`, `extra`, ... as JSON text). Runs made by LangGraph
//! carry `extra.metadata.langgraph_node` / `langgraph_step`: the node is
//! the agent (a subgraph's inner nodes belong to the worker that runs them,
//! read from the checkpoint namespace), the step the superstep, and the
//! passage from one agent to the next a handoff edge (as the LangGraph
//! debug stream gives them).

use serde_json::{Map, Value};
use std::collections::HashMap;

use crate::event::{Event, Kind, Status};
use crate::ingest::conversation::mark_node_transitions;
use crate::ingest::dialect::messages_text;
use crate::ingest::draft::Draft;
use crate::ingest::format::Format;
use crate::ingest::json::parse_json;
use crate::ingest::record::{RecordCtx, RecordError, RecordOutput};
use crate::ingest::values::{content_text, items_of, scalar_text};

pub struct LangSmith;

impl Format for LangSmith {
    fn name(&self) -> &'static str {
        "langsmith"
    }

    fn describe(&self) -> &'static str {
        "LangSmith runs (array, JSON Lines, {runs: [...]}, ingest batches {post, patch}) with LangGraph metadata"
    }

    fn sniff(&self, record: &Value) -> bool {
        items_of(record, &["runs", "post", "patch"])
            .first()
            .is_some_and(|r| r.get("run_type").is_some() || r.get("dotted_order").is_some())
    }

    fn parse(
        &self,
        record: &[u8],
        ctx: &RecordCtx,
        out: &mut RecordOutput,
    ) -> Result<(), RecordError> {
        let doc: Value = parse_json(record, ctx.line)?;
        let (runs, undecoded) = merged_runs(&doc);
        for (run, key) in undecoded {
            let detail =
                format!("run {run}: its {key} is text that is not JSON; it is read without it");
            out.repair(ctx.line, "invalid_json_field", detail);
        }
        if runs.is_empty() {
            return Err(RecordError::unrecognized("a LangSmith record with no runs"));
        }
        for run in &runs {
            match read_run(run, ctx) {
                Ok(draft) => draft.emit(ctx, out),
                Err((reason, detail)) => out.skip(ctx.line, reason, detail),
            }
        }
        Ok(())
    }

    fn finish_trace(&self, events: &mut [&mut Event]) {
        mark_node_transitions(events);
    }
}

/// Fields that are JSON objects or lists in the API's runs and JSON text in
/// the bulk export's Parquet files (docs.langchain.com/langsmith/data-export).
const JSON_TEXT_FIELDS: [&str; 7] = [
    "inputs",
    "outputs",
    "extra",
    "events",
    "tags",
    "feedback_stats",
    "parent_run_ids",
];

/// A run as its JSON object.
type Run = Map<String, Value>;

/// The runs of a record, their JSON-text fields decoded; and (run id,
/// field) of the fields whose text is no JSON, which are dropped.
fn merged_runs(doc: &Value) -> (Vec<Run>, Vec<(String, &'static str)>) {
    let mut runs = undecoded_runs(doc);
    let mut undecoded = Vec::new();
    for run in &mut runs {
        for key in JSON_TEXT_FIELDS {
            let Some(Value::String(text)) = run.get(key) else {
                continue;
            };
            match serde_json::from_str(text) {
                Ok(value @ (Value::Object(_) | Value::Array(_))) => {
                    run.insert(key.to_string(), value);
                }
                Ok(_) => {}
                Err(_) => {
                    let id = run
                        .get("id")
                        .and_then(Value::as_str)
                        .unwrap_or("?")
                        .to_string();
                    undecoded.push((id, key));
                    run.remove(key);
                }
            }
        }
    }
    (runs, undecoded)
}

/// The runs of a record; in an ingest batch, each patch's fields laid over
/// the posted run of the same id.
fn undecoded_runs(doc: &Value) -> Vec<Map<String, Value>> {
    let objects = |v: Option<&Value>| -> Vec<Map<String, Value>> {
        v.and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_object().cloned())
            .collect()
    };
    if doc.get("post").is_some() || doc.get("patch").is_some() {
        let mut runs = objects(doc.get("post"));
        let mut by_id: HashMap<String, usize> = runs
            .iter()
            .enumerate()
            .filter_map(|(i, r)| Some((r.get("id")?.as_str()?.to_string(), i)))
            .collect();
        for patch in objects(doc.get("patch")) {
            let id = patch.get("id").and_then(Value::as_str).map(str::to_string);
            match id.and_then(|id| by_id.get(&id).copied()) {
                Some(i) => runs[i].extend(patch.into_iter().filter(|(_, v)| !v.is_null())),
                None => {
                    if let Some(id) = patch.get("id").and_then(Value::as_str) {
                        by_id.insert(id.to_string(), runs.len());
                    }
                    runs.push(patch);
                }
            }
        }
        return runs;
    }
    let top = items_of(doc, &["runs"])
        .iter()
        .filter_map(|r| r.as_object().cloned());
    with_child_runs(top)
}

/// Runs with their children inlined (`child_runs`, at any depth: what
/// `client.read_run(id, load_child_runs=True)` returns and users save with
/// `run.dict()`), each child a run of its own, in document order, a parent
/// before its children. A child without them takes its parent's id as
/// `parent_run_id` and its parent's trace.
fn with_child_runs(
    top: impl DoubleEndedIterator<Item = Map<String, Value>>,
) -> Vec<Map<String, Value>> {
    let mut runs = Vec::new();
    let mut stack: Vec<Map<String, Value>> = top.rev().collect();
    while let Some(mut run) = stack.pop() {
        if let Some(Value::Array(children)) = run.remove("child_runs") {
            let id = run.get("id").cloned();
            let trace = run.get("trace_id").cloned().or_else(|| {
                run.get("parent_run_id")
                    .is_none_or(Value::is_null)
                    .then(|| id.clone())
                    .flatten()
            });
            for child in children.into_iter().rev() {
                let Value::Object(mut child) = child else {
                    continue;
                };
                for (key, value) in [("parent_run_id", &id), ("trace_id", &trace)] {
                    if child.get(key).is_none_or(Value::is_null) {
                        if let Some(value) = value {
                            child.insert(key.to_string(), value.clone());
                        }
                    }
                }
                stack.push(child);
            }
        }
        runs.push(run);
    }
    runs
}

fn dotted_order(run: &Map<String, Value>) -> String {
    run.get("dotted_order")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn metadata(run: &Map<String, Value>) -> Option<&Map<String, Value>> {
    run.get("extra")?.get("metadata")?.as_object()
}

fn read_run(run: &Map<String, Value>, ctx: &RecordCtx) -> Result<Draft, (&'static str, String)> {
    let text = |k: &str| run.get(k).and_then(Value::as_str);
    let name = text("name").unwrap_or_default();
    let span_id = text("id")
        .map(str::to_string)
        .ok_or(("missing_span_id", format!("run {name:?} has no id")))?;
    let order = dotted_order(run);
    // The root run's id is the trace id; dotted_order starts with it.
    let trace_id = text("trace_id")
        .map(str::to_string)
        .or_else(|| order.split('.').next().and_then(run_id_of_segment))
        .or_else(|| text("parent_run_id").is_none().then(|| span_id.clone()))
        .ok_or(("missing_trace_id", format!("run {name:?} has no trace_id")))?;
    let mut draft = Draft::new(ctx, trace_id, span_id, ctx.line);
    draft.event.parent_id = text("parent_run_id")
        .map(str::to_string)
        .or_else(|| order.rsplit('.').nth(1).and_then(run_id_of_segment));
    draft.event.name = name.to_string();
    let run_type = text("run_type").unwrap_or("chain");
    draft.event.op = run_type.to_string();
    let meta = metadata(run);
    let meta_text = |k: &str| meta.and_then(|m| m.get(k)).and_then(scalar_text);
    let node = meta_text("langgraph_node");
    draft.event.kind = match run_type {
        "llm" => Kind::LlmCall,
        "tool" => Kind::ToolCall,
        "retriever" => Kind::Retrieval,
        "embedding" => Kind::Embedding,
        "chain" if node.as_deref() == Some(name) => Kind::Step,
        _ => Kind::Workflow,
    };
    draft.times(text("start_time"), text("end_time"));
    draft.event.step = meta
        .and_then(|m| m.get("langgraph_step"))
        .and_then(Value::as_i64);
    draft.event.session_id = meta_text("thread_id").or_else(|| meta_text("session_id"));
    draft.event.model = meta_text("ls_model_name");
    // A worker that is itself a graph (langgraph-supervisor's
    // create_react_agent workers) runs nodes of its own (`agent`, `tools`):
    // they belong to the worker, the first node of the checkpoint
    // namespace (`research_expert:<id>|agent:<id>`).
    let worker = meta_text("langgraph_checkpoint_ns")
        .or_else(|| meta_text("checkpoint_ns"))
        .and_then(|ns| {
            let first = ns.split('|').next()?.split(':').next()?.trim().to_string();
            (!first.is_empty() && !is_internal_node(&first)).then_some(first)
        });
    draft.clues.hint = worker.or_else(|| node.clone().filter(|n| !is_internal_node(n)));

    let inputs = run.get("inputs");
    let outputs = run.get("outputs");
    if let Some(input) = inputs.and_then(input_text) {
        draft.input_text(&input, ctx);
    }
    if let Some(output) = outputs.and_then(output_text) {
        draft.output_text(&output, ctx);
    }
    if draft.event.kind == Kind::ToolCall {
        let args = inputs.map(|i| match i.get("input") {
            Some(Value::String(s)) => s.clone(),
            _ => i.to_string(),
        });
        draft.tool(Some(name.to_string()), args.as_deref());
    }
    read_usage(run, outputs, &mut draft);

    let error = text("error").filter(|e| !e.trim().is_empty());
    if error.is_some() || text("status") == Some("error") {
        let error_type = error
            .and_then(|e| e.split(['(', ':']).next())
            .map(|t| t.trim().to_string());
        draft.error(error_type, error);
    } else if text("end_time").is_some() {
        draft.event.status = Status::Ok;
    }
    Ok(draft)
}

/// The run id at the end of a dotted-order segment
/// (`20241011T205823298773Z<uuid>`).
fn run_id_of_segment(segment: &str) -> Option<String> {
    let (_, id) = segment.split_once('Z')?;
    (!id.is_empty()).then(|| id.to_string())
}

/// LangGraph's own bookkeeping nodes (`__start__`, `__end__`) are not
/// agents.
fn is_internal_node(node: &str) -> bool {
    node.starts_with("__") && node.ends_with("__")
}

fn input_text(inputs: &Value) -> Option<String> {
    if let Some(messages) = inputs.get("messages") {
        // LangChain nests the message lists of a batch: [[...]].
        let list = match messages.get(0) {
            Some(inner @ Value::Array(_)) => inner,
            _ => messages,
        };
        return Some(messages_text(&serialized_messages(list).to_string(), true));
    }
    match inputs.get("input").or_else(|| inputs.get("question")) {
        Some(Value::String(s)) => Some(s.clone()),
        _ => (inputs.as_object().is_some_and(|m| !m.is_empty())).then(|| inputs.to_string()),
    }
}

fn output_text(outputs: &Value) -> Option<String> {
    let generation = outputs
        .get("generations")
        .and_then(|g| g.get(0))
        .map(|g| match g {
            Value::Array(inner) => inner.first().unwrap_or(g),
            other => other,
        });
    if let Some(generation) = generation {
        let message = generation.get("message").map(lc_message);
        let content = message
            .and_then(|m| m.get("content"))
            .map(content_text)
            .filter(|c| !c.is_empty())
            .or_else(|| {
                generation
                    .get("text")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            });
        let calls = message
            .and_then(|m| m.get("tool_calls"))
            .filter(|c| c.as_array().is_some_and(|a| !a.is_empty()));
        return match (content, calls) {
            (Some(c), _) if !c.is_empty() => Some(c),
            (_, Some(calls)) => Some(calls.to_string()),
            (c, None) => c,
        };
    }
    if let Some(choice) = outputs.get("choices").and_then(|c| c.get(0)) {
        return choice
            .get("message")
            .and_then(|m| m.get("content"))
            .map(content_text);
    }
    if let Some(last) = outputs
        .get("messages")
        .and_then(Value::as_array)
        .and_then(|m| m.last())
    {
        return lc_message(last).get("content").map(content_text);
    }
    match outputs.get("output") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(
            lc_message(other)
                .get("content")
                .map_or_else(|| other.to_string(), content_text),
        ),
        None => (outputs.as_object().is_some_and(|m| !m.is_empty())).then(|| outputs.to_string()),
    }
}

/// A LangChain serialized message (`{"lc":1,"type":"constructor",
/// "id":[…,"AIMessage"],"kwargs":{…}}`) as its kwargs; other messages as
/// they are.
fn lc_message(message: &Value) -> &Value {
    match message.get("lc") {
        Some(_) => message.get("kwargs").unwrap_or(message),
        None => message,
    }
}

/// A message list with serialized LangChain messages unwrapped and their
/// `type` (human, ai, tool) given as `role`.
fn serialized_messages(list: &Value) -> Value {
    let Some(items) = list.as_array() else {
        return list.clone();
    };
    Value::Array(
        items
            .iter()
            .map(|m| {
                let mut m = lc_message(m).clone();
                if let Some(obj) = m.as_object_mut() {
                    if !obj.contains_key("role") {
                        let role = match obj.get("type").and_then(Value::as_str) {
                            Some("human") => "user",
                            Some("ai") => "assistant",
                            Some(other) => other,
                            None => "",
                        };
                        obj.insert("role".into(), Value::String(role.to_string()));
                    }
                }
                m
            })
            .collect(),
    )
}

/// Tokens and cost, from the first place that has them (FORMATS.md §3.5).
fn read_usage(run: &Map<String, Value>, outputs: Option<&Value>, draft: &mut Draft) {
    let int = |v: Option<&Value>, k: &str| v.and_then(|v| v.get(k)).and_then(Value::as_i64);
    let run_value = |k: &str| run.get(k).and_then(Value::as_i64);
    let generation_message = outputs
        .and_then(|o| o.get("generations"))
        .and_then(|g| g.get(0))
        .map(|g| g.get(0).unwrap_or(g))
        .and_then(|g| g.get("message"))
        .map(lc_message);
    let usage = [
        outputs.and_then(|o| o.get("usage_metadata")),
        generation_message.and_then(|m| m.get("usage_metadata")),
    ]
    .into_iter()
    .flatten()
    .next();
    let token_usage = outputs
        .and_then(|o| o.get("llm_output"))
        .and_then(|l| l.get("token_usage"));
    draft.event.input_tokens = run_value("prompt_tokens")
        .or(int(usage, "input_tokens"))
        .or(int(token_usage, "prompt_tokens"));
    draft.event.output_tokens = run_value("completion_tokens")
        .or(int(usage, "output_tokens"))
        .or(int(token_usage, "completion_tokens"));
    draft.event.cost_usd = run.get("total_cost").and_then(|c| match c {
        Value::String(s) => s.parse().ok(),
        other => other.as_f64(),
    });
}
