//! OpenLLMetry / Traceloop attributes (FORMATS.md §3.4; traceloop/openllmetry
//! packages/opentelemetry-semantic-conventions-ai): `traceloop.span.kind`,
//! `traceloop.entity.*`, `llm.request.type`, and the indexed
//! `gen_ai.prompt.{i}.*` / `gen_ai.completion.{i}.*` messages.

use super::facts::{give, SpanFacts};
use super::table::Dialect;
use crate::event::Kind;
use crate::ingest::attrs::Attrs;

pub const TRACELOOP: Dialect = Dialect {
    marker: &[
        "traceloop.",
        "llm.request.type",
        "gen_ai.prompt.",
        "gen_ai.completion.",
    ],
    kind: Some(kind),
    session: &["traceloop.association.properties.session_id"],
    tool_args: &["traceloop.entity.input"],
    tool_result: &["traceloop.entity.output"],
    input: &["traceloop.entity.input"],
    output: &["traceloop.entity.output"],
    extra: Some(extra),
    ..Dialect::EMPTY
};

fn kind(attrs: &Attrs, _span_name: &str) -> Option<Kind> {
    if let Some(kind) = attrs.text(&["traceloop.span.kind"]) {
        return Some(match kind.trim() {
            "tool" => Kind::ToolCall,
            "agent" => Kind::AgentInvoke,
            "workflow" | "task" => Kind::Workflow,
            _ => Kind::Other,
        });
    }
    attrs.get("llm.request.type").map(|_| Kind::LlmCall)
}

/// The entity name as the agent or the tool, and the indexed messages,
/// which win over `traceloop.entity.*`.
fn extra(attrs: &Attrs, kind: Kind, facts: &mut SpanFacts) {
    let entity = || {
        attrs
            .text(&["traceloop.entity.name"])
            .map(|t| t.into_owned())
    };
    match kind {
        Kind::AgentInvoke => give(&mut facts.agent, entity()),
        Kind::ToolCall => give(&mut facts.tool_name, entity()),
        _ => {}
    }
    let completions: Vec<String> = attrs
        .indexed("gen_ai.completion.", ".content")
        .into_iter()
        .map(|(_, v)| v.as_text().into_owned())
        .collect();
    if !completions.is_empty() {
        give(&mut facts.output_text, Some(completions.join("\n")));
    }
    let last_prompt = attrs
        .indexed("gen_ai.prompt.", ".content")
        .last()
        .map(|(_, v)| v.as_text().into_owned());
    give(&mut facts.input_text, last_prompt);
}
