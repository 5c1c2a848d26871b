//! Vercel AI SDK attributes (FORMATS.md §3.4): `ai.operationId`,
//! `ai.model.id`, `ai.prompt*`, `ai.response.*`, `ai.toolCall.*`,
//! `ai.usage.promptTokens` / `completionTokens`. The inner `*.doGenerate` /
//! `*.doStream` spans are the model calls; the outer `ai.generateText` is a
//! step wrapper that repeats their usage.

use super::facts::{give, SpanFacts};
use super::messages::messages_text;
use crate::event::Kind;
use crate::ingest::attrs::Attrs;

pub fn kind(attrs: &Attrs) -> Option<Kind> {
    let op = attrs.text(&["ai.operationId"])?;
    let op = op.trim();
    Some(
        if op.ends_with(".doGenerate") || op.ends_with(".doStream") {
            Kind::LlmCall
        } else if op == "ai.toolCall" {
            Kind::ToolCall
        } else if op.starts_with("ai.embed") {
            Kind::Embedding
        } else {
            Kind::Workflow
        },
    )
}

pub fn fill(attrs: &Attrs, kind: Kind, facts: &mut SpanFacts) {
    let owned = |keys: &[&str]| attrs.text(keys).map(|t| t.into_owned());
    give(&mut facts.agent_hint, owned(&["ai.telemetry.functionId"]));
    give(
        &mut facts.model,
        owned(&["ai.response.model", "ai.model.id"]),
    );
    give(
        &mut facts.input_tokens,
        attrs.int(&["ai.usage.promptTokens", "ai.usage.inputTokens"]),
    );
    give(
        &mut facts.output_tokens,
        attrs.int(&["ai.usage.completionTokens", "ai.usage.outputTokens"]),
    );
    if kind == Kind::ToolCall {
        give(&mut facts.tool_name, owned(&["ai.toolCall.name"]));
        give(&mut facts.tool_args, owned(&["ai.toolCall.args"]));
        give(&mut facts.input_text, owned(&["ai.toolCall.args"]));
        give(&mut facts.output_text, owned(&["ai.toolCall.result"]));
    }
    give(
        &mut facts.output_text,
        owned(&["ai.response.text", "ai.response.object", "ai.result.text"]),
    );
    let prompt = attrs
        .text(&["ai.prompt.messages", "ai.prompt"])
        .map(|t| messages_text(&t, true));
    give(&mut facts.input_text, prompt);
}
