//! Model Context Protocol spans: the OTel MCP conventions
//! (open-telemetry/semantic-conventions docs/gen-ai/mcp.md: span
//! `{mcp.method.name} {target}`, `mcp.method.name`, `gen_ai.tool.name`) as
//! the MCP Python SDK writes them (modelcontextprotocol/python-sdk
//! src/mcp/server/_otel.py: server spans `tools/call X`;
//! src/mcp/shared/jsonrpc_dispatcher.py: client spans
//! `MCP send tools/call X`). A `tools/call` is a tool call; a client and a
//! server span of the same call, or an MCP span under the agent
//! framework's own tool span, are one call (assembly keeps the outermost).

use super::table::Dialect;
use crate::event::Kind;
use crate::ingest::attrs::Attrs;

pub const MCP: Dialect = Dialect {
    marker: &["mcp."],
    kind: Some(kind),
    session: &["mcp.session.id"],
    tool_name: &["gen_ai.tool.name"],
    ..Dialect::EMPTY
};

fn kind(attrs: &Attrs, span_name: &str) -> Option<Kind> {
    let method = attrs.text(&["mcp.method.name"])?;
    (method.trim() == "tools/call" || span_name.contains("tools/call")).then_some(Kind::ToolCall)
}

/// The tool of an MCP span named `tools/call X` or `MCP send tools/call X`.
pub fn tool_from_name(span_name: &str) -> Option<&str> {
    let (_, tool) = span_name.trim().split_once("tools/call")?;
    Some(tool.trim()).filter(|t| !t.is_empty())
}
