//! OpenTelemetry GenAI semantic conventions (`gen_ai.*`), old and new
//! attribute names (FORMATS.md §3.2; open-telemetry/semantic-conventions
//! docs/gen-ai/gen-ai-spans.md), plus the non-standard keys real emitters
//! write (`agent_handoff`, any-agent's `call_llm`, `gen_ai.tool.args`,
//! `gen_ai.output`, `gen_ai.usage.input_cost`).

use super::facts::{give, SpanFacts};
use super::table::{Dialect, Shape};
use crate::event::Kind;
use crate::ingest::attrs::Attrs;

pub const GEN_AI: Dialect = Dialect {
    operation: &["gen_ai.operation.name"],
    operations: &[
        ("chat", Kind::LlmCall),
        ("completion", Kind::LlmCall),
        ("text_completion", Kind::LlmCall),
        // Semantic Kernel (python) writes the plural.
        ("text_completions", Kind::LlmCall),
        ("generate_content", Kind::LlmCall),
        ("generate", Kind::LlmCall),
        ("call_llm", Kind::LlmCall),
        ("embeddings", Kind::Embedding),
        ("retrieval", Kind::Retrieval),
        ("invoke_agent", Kind::AgentInvoke),
        ("create_agent", Kind::AgentInvoke),
        ("execute_tool", Kind::ToolCall),
        ("agent_handoff", Kind::Handoff),
        ("handoff", Kind::Handoff),
        ("invoke_workflow", Kind::Workflow),
    ],
    kind: Some(tool_without_operation),
    agent: &["gen_ai.agent.name"],
    session: &["gen_ai.conversation.id"],
    model: &["gen_ai.response.model", "gen_ai.request.model"],
    input_tokens: &["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"],
    output_tokens: &[
        "gen_ai.usage.output_tokens",
        "gen_ai.usage.completion_tokens",
    ],
    cost: &["gen_ai.usage.cost"],
    tool_name: &["gen_ai.tool.name"],
    tool_args: &["gen_ai.tool.call.arguments", "gen_ai.tool.args"],
    tool_result: &["gen_ai.tool.call.result", "gen_ai.output"],
    input: &["gen_ai.input.messages", "gen_ai.prompt"],
    input_shape: Shape::Messages,
    output: &[
        "gen_ai.output.messages",
        "gen_ai.completion",
        "gen_ai.output",
    ],
    output_shape: Shape::Messages,
    handoff_from: &["gen_ai.handoff.from_agent"],
    handoff_to: &["gen_ai.handoff.to_agent"],
    error_type: &["error.type"],
    extra: Some(split_cost),
    ..Dialect::EMPTY
};

/// A span without an operation name that names a tool or a tool call id is
/// a tool call; one with an operation name of its own is left to it.
fn tool_without_operation(attrs: &Attrs, _span_name: &str) -> Option<Kind> {
    if attrs.get("gen_ai.operation.name").is_some() {
        return None;
    }
    attrs
        .get("gen_ai.tool.name")
        .or_else(|| attrs.get("gen_ai.tool.call.id"))
        .map(|_| Kind::ToolCall)
}

/// Cost given as input and output parts, when no total is.
fn split_cost(attrs: &Attrs, _kind: Kind, facts: &mut SpanFacts) {
    if attrs.get("gen_ai.usage.cost").is_some() {
        return;
    }
    let split = match (
        attrs.float(&["gen_ai.usage.input_cost"]),
        attrs.float(&["gen_ai.usage.output_cost"]),
    ) {
        (None, None) => None,
        (i, o) => Some(i.unwrap_or(0.0) + o.unwrap_or(0.0)),
    };
    give(&mut facts.cost_usd, split);
}
