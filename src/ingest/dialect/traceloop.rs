//! OpenLLMetry / Traceloop attributes (FORMATS.md §3.4): `traceloop.span.kind`,
//! `traceloop.entity.*`, `llm.request.type`, `llm.usage.total_tokens` and the
//! indexed `gen_ai.prompt.{i}.*` / `gen_ai.completion.{i}.*` messages.

use super::facts::{give, SpanFacts};
use crate::event::Kind;
use crate::ingest::attrs::Attrs;

pub fn kind(attrs: &Attrs) -> Option<Kind> {
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

pub fn fill(attrs: &Attrs, kind: Kind, facts: &mut SpanFacts) {
    let owned = |keys: &[&str]| attrs.text(keys).map(|t| t.into_owned());
    let entity = owned(&["traceloop.entity.name"]);
    match kind {
        Kind::AgentInvoke => give(&mut facts.agent, entity),
        Kind::ToolCall => {
            give(&mut facts.tool_name, entity);
            give(&mut facts.tool_args, owned(&["traceloop.entity.input"]));
        }
        _ => {}
    }
    give(
        &mut facts.session_id,
        owned(&["traceloop.association.properties.session_id"]),
    );
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
    give(&mut facts.output_text, owned(&["traceloop.entity.output"]));
    give(&mut facts.input_text, owned(&["traceloop.entity.input"]));
}
