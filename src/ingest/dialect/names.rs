//! Facts from span names alone, the last resort of kind inference:
//! `handoff to X` / `transfer_to_X`, `execute_tool X`, `invoke_agent X`.

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

/// Tools whose call is a handoff: `transfer_to_X`, `transfer_back_to_X`,
/// `handoff_to_X` (OpenAI Agents SDK, langgraph-supervisor, AutoGen
/// Swarm), and the generic `transfer_to_agent` (Google ADK) /
/// `handoff_to_agent` (Strands Swarm) whose target is an argument.
static HANDOFF_TOOL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?i:transfer|handoff)_(?i:back_)?to_(?P<to>.+)$").unwrap());

/// The agent a tool call hands off to, if the tool is a handoff: the
/// target in its name, or for a generic handoff tool (`..._to_agent`) the
/// `agent_name` (or `agent`) argument of `args` (a JSON object).
pub fn handoff_target_of_tool(tool: &str, args: Option<&str>) -> Option<String> {
    let to = HANDOFF_TOOL.captures(tool.trim())?["to"].to_string();
    if !to.eq_ignore_ascii_case("agent") {
        return Some(to);
    }
    let args: serde_json::Value = serde_json::from_str(args?).ok()?;
    ["agent_name", "agent", "target_agent", "to_agent"]
        .iter()
        .find_map(|k| args.get(*k).and_then(serde_json::Value::as_str))
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handoff_tools_name_their_target() {
        let target = |tool, args| handoff_target_of_tool(tool, args);
        assert_eq!(
            target("transfer_to_billing", None).as_deref(),
            Some("billing")
        );
        assert_eq!(
            target("transfer_back_to_supervisor", Some("{}")).as_deref(),
            Some("supervisor")
        );
        assert_eq!(
            target("transfer_to_agent", Some(r#"{"agent_name": "billing"}"#)).as_deref(),
            Some("billing")
        );
        assert_eq!(
            target(
                "handoff_to_agent",
                Some(r#"{"agent_name":"writer","message":"go"}"#)
            )
            .as_deref(),
            Some("writer")
        );
        assert_eq!(target("transfer_to_agent", Some("{}")), None);
        assert_eq!(target("lookup_invoice", Some("{}")), None);
        assert_eq!(target("wire_transfer_to_account", None), None);
    }
}

/// The target agent of a handoff named `handoff to X` / `transfer_to_X`.
pub fn handoff_target_from_name(span_name: &str) -> Option<String> {
    HANDOFF_NAME
        .captures(span_name.trim())
        .map(|c| c["to"].trim().to_string())
        .filter(|t| !t.is_empty())
}
