//! One span through every dialect: its kind by the precedence of
//! FORMATS.md §4 (Langfuse's mapper), then its facts, the first dialect to
//! give a fact winning, in the order of `DIALECTS`.

use super::events::{self, SpanEvent};
use super::facts::{give, is_placeholder_agent, SpanFacts};
use super::names::{agent_from_name, handoff_target_from_name, kind_from_name};
use super::openinference::step_from_name;
use super::table::Dialect;
use super::{adk, gen_ai, mcp, openinference, pydantic_ai, strands, traceloop, vercel_ai};
use crate::event::Kind;
use crate::ingest::attrs::Attrs;

/// Dialects in the order their facts are preferred.
const DIALECTS: [&Dialect; 8] = [
    &gen_ai::GEN_AI,
    &openinference::OPENINFERENCE,
    &traceloop::TRACELOOP,
    &vercel_ai::VERCEL_AI,
    &adk::ADK,
    &strands::STRANDS,
    &pydantic_ai::PYDANTIC_AI,
    &mcp::MCP,
];

/// Dialects in the order their kinds are preferred (FORMATS.md §4:
/// OpenInference's span kind is the most specific statement a span makes;
/// an MCP method says the span is a protocol call whatever else it says).
const KIND_ORDER: [&Dialect; 8] = [
    &openinference::OPENINFERENCE,
    &mcp::MCP,
    &gen_ai::GEN_AI,
    &vercel_ai::VERCEL_AI,
    &traceloop::TRACELOOP,
    &adk::ADK,
    &strands::STRANDS,
    &pydantic_ai::PYDANTIC_AI,
];

/// Kind and facts of one span, from its attributes, then its events
/// (content that emitters write as span events or log records), then its
/// name.
pub fn read_span(attrs: &Attrs, span_events: &[SpanEvent], span_name: &str) -> (Kind, SpanFacts) {
    let kind = infer_kind(attrs, span_name);
    let mut facts = SpanFacts::default();
    for dialect in DIALECTS.into_iter().filter(|d| d.applies(attrs)) {
        dialect.fill(attrs, kind, &mut facts);
    }
    events::fill(span_events, kind, &mut facts);
    name_fallbacks(kind, span_name, &mut facts);
    if facts.agent.as_deref().is_some_and(is_placeholder_agent) {
        facts.agent = None;
    }
    (kind, facts)
}

/// The kind precedence of FORMATS.md §4; first match wins: a forced kind,
/// each dialect's attributes, each dialect's span names, the GenAI span
/// name patterns.
fn infer_kind(attrs: &Attrs, span_name: &str) -> Kind {
    let overridden = attrs
        .text(&["tracelint.kind", "analyzer.kind"])
        .and_then(|k| Kind::ALL.into_iter().find(|kind| kind.as_str() == k.trim()));
    overridden
        .or_else(|| {
            KIND_ORDER
                .iter()
                .filter(|d| d.applies(attrs))
                .find_map(|d| d.kind_of(attrs, span_name))
        })
        .or_else(|| KIND_ORDER.iter().find_map(|d| d.kind_of_name(span_name)))
        .or_else(|| kind_from_name(span_name))
        .unwrap_or(Kind::Other)
}

/// Facts that only the span name gives: `execute_tool X`, `invoke_agent X`,
/// `handoff to X`.
fn name_fallbacks(kind: Kind, span_name: &str, facts: &mut SpanFacts) {
    let name = span_name.trim();
    match kind {
        Kind::ToolCall => {
            let tool = name
                .strip_prefix("execute_tool")
                .map(str::trim)
                .or_else(|| mcp::tool_from_name(name))
                .unwrap_or(name);
            give(
                &mut facts.tool_name,
                Some(tool.to_string()).filter(|t| !t.is_empty()),
            );
        }
        // A graph node (CrewAI's role in `graph.node.id`) says more than
        // a span name that is not an agent's.
        Kind::AgentInvoke if facts.agent_hint.is_none() || agent_from_name(name) != name => {
            let agent = agent_from_name(name);
            if !is_placeholder_agent(agent) {
                give(&mut facts.agent, Some(agent.to_string()));
            }
        }
        Kind::Handoff => give(&mut facts.handoff_to, handoff_target_from_name(name)),
        Kind::Step => give(&mut facts.step, step_from_name(name)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::attrs::AttrValue;
    use std::borrow::Cow;

    fn attrs(pairs: &[(&'static str, &'static str)]) -> Attrs<'static> {
        Attrs::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| (Cow::Borrowed(*k), AttrValue::Str(Cow::Borrowed(*v))))
                .collect(),
        )
    }

    #[test]
    fn kind_precedence_follows_formats_section_4() {
        // OpenInference beats gen_ai when both are present.
        let both = attrs(&[
            ("openinference.span.kind", "LLM"),
            ("gen_ai.operation.name", "execute_tool"),
        ]);
        assert_eq!(infer_kind(&both, "x"), Kind::LlmCall);
        let handoff = attrs(&[("openinference.span.kind", "TOOL")]);
        assert_eq!(infer_kind(&handoff, "handoff to refunds"), Kind::Handoff);
        let op = attrs(&[("gen_ai.operation.name", "agent_handoff")]);
        assert_eq!(infer_kind(&op, "agent_handoff OpenAI Agent"), Kind::Handoff);
        let unknown_op = attrs(&[("gen_ai.operation.name", "unknown")]);
        assert_eq!(infer_kind(&unknown_op, "turn"), Kind::Other);
        let tool_attr = attrs(&[("gen_ai.tool.name", "search")]);
        assert_eq!(infer_kind(&tool_attr, "whatever"), Kind::ToolCall);
        let vercel = attrs(&[("ai.operationId", "ai.generateText.doGenerate")]);
        assert_eq!(infer_kind(&vercel, "x"), Kind::LlmCall);
        let traceloop = attrs(&[("traceloop.span.kind", "agent")]);
        assert_eq!(infer_kind(&traceloop, "x"), Kind::AgentInvoke);
        assert_eq!(
            infer_kind(&attrs(&[]), "transfer_to_billing"),
            Kind::Handoff
        );
        assert_eq!(
            infer_kind(&attrs(&[]), "invoke_agent router"),
            Kind::AgentInvoke
        );
        assert_eq!(infer_kind(&attrs(&[]), "create_agent"), Kind::Other);
        assert_eq!(
            infer_kind(&attrs(&[]), "create_agent_hierarchy"),
            Kind::Other
        );
        assert_eq!(
            handoff_target_from_name("transfer_to_billing").as_deref(),
            Some("billing")
        );
        let forced = attrs(&[
            ("tracelint.kind", "step"),
            ("openinference.span.kind", "LLM"),
        ]);
        assert_eq!(infer_kind(&forced, "x"), Kind::Step);
    }

    #[test]
    fn placeholder_agent_names_are_dropped() {
        let a = attrs(&[
            ("gen_ai.operation.name", "chat"),
            ("gen_ai.agent.name", "OpenAI Agent"),
        ]);
        let (kind, facts) = read_span(&a, &[], "chat gpt-4o");
        assert_eq!(kind, Kind::LlmCall);
        assert_eq!(facts.agent, None);
    }
}
