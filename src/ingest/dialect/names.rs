//! Facts from span names alone, the last resort of kind inference:
//! `handoff to X` / `transfer_to_X`, `execute_tool X`, `invoke_agent X`,
//! and the agent an agent span's name gives.

use regex::Regex;
use std::sync::LazyLock;

use crate::event::Kind;

static HANDOFF_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?i:handoff to|transfer_to_|transfer to)\s*(?P<to>.+)$").unwrap()
});

/// Last-resort kinds from span names that instrumentations use.
pub fn kind_from_name(span_name: &str) -> Option<Kind> {
    let name = span_name.trim();
    if HANDOFF_NAME.is_match(name) {
        Some(Kind::Handoff)
    } else if name.starts_with("execute_tool ") {
        Some(Kind::ToolCall)
    } else if name.starts_with("invoke_agent ") || name.starts_with("create_agent ") {
        // GenAI names these spans `{op} {agent}`; a bare `create_agent` is
        // more often an application function than an agent.
        Some(Kind::AgentInvoke)
    } else {
        None
    }
}

/// The target agent of a handoff named `handoff to X` / `transfer_to_X`.
pub fn handoff_target_from_name(span_name: &str) -> Option<String> {
    HANDOFF_NAME
        .captures(span_name.trim())
        .map(|c| c["to"].trim().to_string())
        .filter(|t| !t.is_empty())
}

/// The agent an agent span's name gives: `invoke_agent X` / `create_agent
/// X` (GenAI), `agent_run [X]` (Google ADK before 1.5), `X.run` / `X.arun`
/// / `X.kickoff` (OpenInference's smolagents, Agno, LlamaIndex and CrewAI
/// instrumentations), else the name itself.
pub fn agent_from_name(span_name: &str) -> &str {
    let name = span_name.trim();
    if let Some(rest) = name
        .strip_prefix("invoke_agent")
        .or_else(|| name.strip_prefix("create_agent"))
    {
        return rest.trim();
    }
    if let Some(inner) = name
        .strip_prefix("agent_run [")
        .and_then(|r| r.strip_suffix(']'))
    {
        return inner.trim();
    }
    [".run", ".arun", ".kickoff"]
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .filter(|agent| !agent.is_empty() && !agent.contains('.'))
        .unwrap_or(name)
}
