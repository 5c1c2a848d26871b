//! OpenInference (Arize) attributes (FORMATS.md §3.3; Arize-ai/openinference
//! spec/semantic_conventions.md): `openinference.span.kind`, `input.value` /
//! `output.value`, `llm.*` messages, token counts and cost, `tool.*`,
//! `agent.name`, `graph.node.*`, `session.id`. The OpenAI Agents
//! instrumentation writes handoffs as TOOL spans named `handoff to X` with
//! the source agent in `input.value` and the target in `output.value`.

use regex::Regex;
use std::sync::LazyLock;

use super::facts::{give, SpanFacts};
use super::names::handoff_target_from_name;
use super::table::{Dialect, Shape};
use crate::event::Kind;
use crate::ingest::attrs::Attrs;

pub const OPENINFERENCE: Dialect = Dialect {
    marker: &[
        "openinference.",
        "llm.",
        "input.",
        "output.",
        "tool.",
        "agent.",
        "graph.",
        "session.",
    ],
    kind: Some(kind),
    agent: &["agent.name"],
    agent_hint: &["graph.node.id", "graph.node.name"],
    session: &["session.id"],
    model: &["llm.model_name"],
    input_tokens: &["llm.token_count.prompt"],
    output_tokens: &["llm.token_count.completion"],
    cost: &["llm.cost.total"],
    tool_name: &["tool.name"],
    tool_args: &["input.value", "tool.parameters"],
    tool_result: &["output.value"],
    input: &["input.value"],
    output: &["output.value"],
    output_shape: Shape::OutputItems,
    extra: Some(extra),
    ..Dialect::EMPTY
};

/// smolagents writes each agent step as a CHAIN span named `Step N`.
static STEP_NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^Step (\d+)$").unwrap());

fn kind(attrs: &Attrs, span_name: &str) -> Option<Kind> {
    let span_kind = attrs.text(&["openinference.span.kind"])?;
    Some(match span_kind.trim().to_ascii_uppercase().as_str() {
        "LLM" => Kind::LlmCall,
        "TOOL" if handoff_target_from_name(span_name).is_some() => Kind::Handoff,
        "TOOL" => Kind::ToolCall,
        "AGENT" => Kind::AgentInvoke,
        "CHAIN" if STEP_NAME.is_match(span_name.trim()) => Kind::Step,
        "CHAIN" => Kind::Workflow,
        "RETRIEVER" | "RERANKER" => Kind::Retrieval,
        "EMBEDDING" => Kind::Embedding,
        "GUARDRAIL" | "EVALUATOR" => Kind::Guardrail,
        _ => Kind::Other,
    })
}

/// A handoff's ends (in `input.value` / `output.value`, only on handoff
/// spans), and the indexed output messages, which win over `output.value`.
fn extra(attrs: &Attrs, kind: Kind, facts: &mut SpanFacts) {
    let owned = |keys: &[&str]| attrs.text(keys).map(|t| t.into_owned());
    if kind == Kind::Handoff && attrs.get("openinference.span.kind").is_some() {
        give(&mut facts.handoff_from, owned(&["input.value"]));
        give(&mut facts.handoff_to, owned(&["output.value"]));
    }
    if kind != Kind::ToolCall {
        give(
            &mut facts.output_text,
            joined(attrs, "llm.output_messages.", ".message.content"),
        );
    }
}

/// The indexed message contents joined by newlines, if there are any.
fn joined(attrs: &Attrs, prefix: &str, suffix: &str) -> Option<String> {
    let parts: Vec<String> = attrs
        .indexed(prefix, suffix)
        .into_iter()
        .map(|(_, v)| v.as_text().into_owned())
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n"))
}

/// The step number of a `Step N` span name.
pub fn step_from_name(span_name: &str) -> Option<i64> {
    STEP_NAME
        .captures(span_name.trim())
        .and_then(|c| c[1].parse().ok())
}
