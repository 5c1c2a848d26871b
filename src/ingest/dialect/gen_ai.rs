//! OpenTelemetry GenAI semantic conventions (`gen_ai.*`), old and new
//! attribute names (FORMATS.md §3.2), plus the non-standard keys real
//! emitters write (`agent_handoff`, any-agent's `call_llm`, `gen_ai.tool.args`,
//! `gen_ai.output`, `gen_ai.usage.input_cost`).

use super::facts::{give, SpanFacts};
use super::messages::messages_text;
use crate::event::Kind;
use crate::ingest::attrs::Attrs;

pub fn kind(attrs: &Attrs) -> Option<Kind> {
    let op = attrs.text(&["gen_ai.operation.name"])?;
    match op.trim() {
        "chat" | "completion" | "text_completion" | "generate_content" | "generate"
        | "call_llm" => Some(Kind::LlmCall),
        "embeddings" => Some(Kind::Embedding),
        "retrieval" => Some(Kind::Retrieval),
        "invoke_agent" | "create_agent" => Some(Kind::AgentInvoke),
        "execute_tool" => Some(Kind::ToolCall),
        "agent_handoff" | "handoff" => Some(Kind::Handoff),
        "invoke_workflow" => Some(Kind::Workflow),
        _ => None,
    }
}

pub fn fill(attrs: &Attrs, kind: Kind, facts: &mut SpanFacts) {
    let owned = |keys: &[&str]| attrs.text(keys).map(|t| t.into_owned());
    give(&mut facts.agent, owned(&["gen_ai.agent.name"]));
    give(&mut facts.session_id, owned(&["gen_ai.conversation.id"]));
    give(
        &mut facts.model,
        owned(&["gen_ai.response.model", "gen_ai.request.model"]),
    );
    give(
        &mut facts.input_tokens,
        attrs.int(&["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"]),
    );
    give(
        &mut facts.output_tokens,
        attrs.int(&[
            "gen_ai.usage.output_tokens",
            "gen_ai.usage.completion_tokens",
        ]),
    );
    let split_cost = match (
        attrs.float(&["gen_ai.usage.input_cost"]),
        attrs.float(&["gen_ai.usage.output_cost"]),
    ) {
        (None, None) => None,
        (i, o) => Some(i.unwrap_or(0.0) + o.unwrap_or(0.0)),
    };
    give(
        &mut facts.cost_usd,
        attrs.float(&["gen_ai.usage.cost"]).or(split_cost),
    );
    give(&mut facts.tool_name, owned(&["gen_ai.tool.name"]));
    give(
        &mut facts.tool_args,
        owned(&["gen_ai.tool.call.arguments", "gen_ai.tool.args"]),
    );
    give(
        &mut facts.handoff_from,
        owned(&["gen_ai.handoff.from_agent"]),
    );
    give(&mut facts.handoff_to, owned(&["gen_ai.handoff.to_agent"]));
    give(&mut facts.error_type, owned(&["error.type"]));

    let input = if kind == Kind::ToolCall {
        owned(&["gen_ai.tool.call.arguments", "gen_ai.tool.args"])
    } else {
        attrs
            .text(&["gen_ai.input.messages", "gen_ai.prompt"])
            .map(|t| messages_text(&t, true))
    };
    give(&mut facts.input_text, input);
    let output = if kind == Kind::ToolCall {
        owned(&["gen_ai.tool.call.result", "gen_ai.output"])
    } else {
        attrs
            .text(&[
                "gen_ai.output.messages",
                "gen_ai.completion",
                "gen_ai.output",
            ])
            .map(|t| messages_text(&t, false))
    };
    give(&mut facts.output_text, output);
}
