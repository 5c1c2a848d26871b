//! Vercel AI SDK attributes (FORMATS.md §3.4; vercel/ai
//! packages/ai/core/telemetry): `ai.operationId`, `ai.model.id`, `ai.prompt*`,
//! `ai.response.*`, `ai.toolCall.*`, `ai.usage.promptTokens` /
//! `completionTokens`. The inner `*.doGenerate` / `*.doStream` spans are the
//! model calls; the outer `ai.generateText` is a step wrapper that repeats
//! their usage.

use super::table::{Dialect, Shape};
use crate::event::Kind;
use crate::ingest::attrs::Attrs;

pub const VERCEL_AI: Dialect = Dialect {
    marker: &["ai."],
    kind: Some(kind),
    agent_hint: &["ai.telemetry.functionId"],
    model: &["ai.response.model", "ai.model.id"],
    input_tokens: &["ai.usage.promptTokens", "ai.usage.inputTokens"],
    output_tokens: &["ai.usage.completionTokens", "ai.usage.outputTokens"],
    tool_name: &["ai.toolCall.name"],
    tool_args: &["ai.toolCall.args"],
    tool_result: &["ai.toolCall.result"],
    input: &["ai.prompt.messages", "ai.prompt"],
    input_shape: Shape::Messages,
    output: &["ai.response.text", "ai.response.object", "ai.result.text"],
    ..Dialect::EMPTY
};

fn kind(attrs: &Attrs, _span_name: &str) -> Option<Kind> {
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
