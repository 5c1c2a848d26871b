//! OpenInference (Arize) attributes (FORMATS.md §3.3): `openinference.span.kind`,
//! `input.value` / `output.value`, `llm.*` messages, token counts and cost,
//! `tool.*`, `agent.name`, `graph.node.*`, `session.id`. The OpenAI Agents
//! instrumentation writes handoffs as TOOL spans named `handoff to X` with the
//! source agent in `input.value` and the target in `output.value`.

use regex::Regex;
use std::sync::LazyLock;

use super::facts::{give, SpanFacts};
use super::messages::output_value_text;
use super::names::handoff_target_from_name;
use crate::event::Kind;
use crate::ingest::attrs::Attrs;

/// smolagents writes each agent step as a CHAIN span named `Step N`.
static STEP_NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^Step (\d+)$").unwrap());

pub fn kind(attrs: &Attrs, span_name: &str) -> Option<Kind> {
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

pub fn fill(attrs: &Attrs, kind: Kind, facts: &mut SpanFacts) {
    let owned = |keys: &[&str]| attrs.text(keys).map(|t| t.into_owned());
    give(&mut facts.agent, owned(&["agent.name"]));
    give(
        &mut facts.agent_hint,
        owned(&["graph.node.id", "graph.node.name"]),
    );
    give(&mut facts.session_id, owned(&["session.id"]));
    give(&mut facts.model, owned(&["llm.model_name"]));
    give(
        &mut facts.input_tokens,
        attrs.int(&["llm.token_count.prompt"]),
    );
    give(
        &mut facts.output_tokens,
        attrs.int(&["llm.token_count.completion"]),
    );
    give(&mut facts.cost_usd, attrs.float(&["llm.cost.total"]));
    give(&mut facts.tool_name, owned(&["tool.name"]));
    if kind == Kind::ToolCall {
        give(
            &mut facts.tool_args,
            owned(&["input.value", "tool.parameters"]),
        );
    }
    if kind == Kind::Handoff && attrs.get("openinference.span.kind").is_some() {
        give(&mut facts.handoff_from, owned(&["input.value"]));
        give(&mut facts.handoff_to, owned(&["output.value"]));
    }
    let output_messages = joined(attrs, "llm.output_messages.", ".message.content");
    give(
        &mut facts.output_text,
        output_messages.or_else(|| owned(&["output.value"]).map(|v| output_value_text(&v))),
    );
    give(&mut facts.input_text, owned(&["input.value"]));
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
