//! Tools whose call is a handoff to another agent, whatever span records
//! the call: the target in the tool's name (`transfer_to_X`,
//! `transfer_back_to_X`, `handoff_to_X`: OpenAI Agents SDK,
//! langgraph-supervisor, AutoGen Swarm; Semantic Kernel prefixes its plugin,
//! `Handoff-transfer_to_X`), or in an argument of a generic handoff tool
//! (`GENERIC`). A new framework's handoff tool is a row of `GENERIC`.

use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

/// Generic handoff tools and the arguments that name the target, first
/// present wins.
const GENERIC: &[(&str, &[&str])] = &[
    // google/adk-python src/google/adk/tools/transfer_to_agent_tool.py
    ("transfer_to_agent", &["agent_name"]),
    // strands-agents/sdk-python src/strands/multiagent/swarm.py
    ("handoff_to_agent", &["agent_name"]),
    // run-llama/llama_index core/agent/workflow/multi_agent_workflow.py
    ("handoff", &["to_agent"]),
    // agno-agi/agno libs/agno/agno/team (Team delegation)
    ("delegate_task_to_member", &["member_id"]),
    // crewAIInc/crewAI lib/crewai/src/crewai/tools/agent_tools
    ("Delegate work to coworker", &["coworker"]),
    ("Ask question to coworker", &["coworker"]),
];

static BY_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[A-Za-z0-9]+-)?(?i:transfer|handoff)_(?i:back_)?to_(?P<to>.+)$").unwrap()
});

/// What a tool call says about a handoff.
#[derive(Debug, PartialEq, Eq)]
pub enum HandoffTool {
    /// A generic handoff tool: a handoff, to the agent its arguments name
    /// (None when the export left the arguments out).
    To(Option<String>),
    /// A tool named `transfer_to_X`: a handoff only if X is an agent of the
    /// trace (`transfer_to_savings` of a bank is a tool), which assembly
    /// decides.
    IfAgent(String),
}

/// What a call of `tool` with `args` (a JSON object as text) says about a
/// handoff, if anything.
pub fn handoff_target_of_tool(tool: &str, args: Option<&str>) -> Option<HandoffTool> {
    let tool = tool.trim();
    if let Some((_, keys)) = GENERIC
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(tool))
    {
        // No arguments exported: a handoff whose target is not known.
        let Some(args) = args.filter(|a| !matches!(a.trim(), "" | "{}" | "null")) else {
            return Some(HandoffTool::To(None));
        };
        // Arguments without the target's key: a tool of the same name
        // (a support bot's `transfer_to_agent {"queue": ...}` to a human).
        let args: Value = serde_json::from_str(args).ok()?;
        return keys
            .iter()
            .find_map(|k| args.get(*k)?.as_str())
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .map(|t| HandoffTool::To(Some(t)));
    }
    let to = BY_NAME.captures(tool)?["to"].trim().to_string();
    (!to.is_empty()).then_some(HandoffTool::IfAgent(to))
}

/// An agent name as tool names spell it: lower case, every run of other
/// characters than letters and digits one `_` (the OpenAI Agents SDK names
/// the handoff to "Billing Agent" `transfer_to_billing_agent`).
pub fn tool_spelling(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handoff_tools_name_their_target() {
        let target = |tool, args| handoff_target_of_tool(tool, args);
        let to = |t: &str| Some(HandoffTool::To(Some(t.to_string())));
        let if_agent = |t: &str| Some(HandoffTool::IfAgent(t.to_string()));
        assert_eq!(target("transfer_to_billing", None), if_agent("billing"));
        assert_eq!(
            target("transfer_back_to_supervisor", Some("{}")),
            if_agent("supervisor")
        );
        assert_eq!(
            target("Handoff-transfer_to_refunds", None),
            if_agent("refunds")
        );
        assert_eq!(
            target("transfer_to_agent", Some(r#"{"agent_name": "billing"}"#)),
            to("billing")
        );
        assert_eq!(
            target(
                "handoff_to_agent",
                Some(r#"{"agent_name":"writer","message":"go"}"#)
            ),
            to("writer")
        );
        assert_eq!(
            target(
                "handoff",
                Some(r#"{"to_agent":"critic","reason":"review"}"#)
            ),
            to("critic")
        );
        assert_eq!(
            target(
                "Delegate work to coworker",
                Some(r#"{"task":"t","coworker":"Writer"}"#)
            ),
            to("Writer")
        );
        // A generic handoff whose arguments the export left out.
        assert_eq!(
            target("transfer_to_agent", Some("{}")),
            Some(HandoffTool::To(None))
        );
        assert_eq!(
            target("transfer_to_agent", None),
            Some(HandoffTool::To(None))
        );
        assert_eq!(target("lookup_invoice", Some("{}")), None);
        // Arguments without the target's key: an ordinary tool.
        assert_eq!(
            target(
                "transfer_to_agent",
                Some(r#"{"queue":"billing","reason":"human"}"#)
            ),
            None
        );
        assert_eq!(target("wire_transfer_to_account", None), None);
        assert_eq!(target("Handoff-complete_task", Some("{}")), None);
        assert_eq!(tool_spelling("Billing Agent"), "billing_agent");
        assert_eq!(tool_spelling(" Research-Expert "), "research_expert");
    }
}
