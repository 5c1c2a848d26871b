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

/// The agent a call of `tool` with `args` (a JSON object as text) hands
/// off to, if the tool is a handoff.
pub fn handoff_target_of_tool(tool: &str, args: Option<&str>) -> Option<String> {
    let tool = tool.trim();
    if let Some((_, keys)) = GENERIC
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(tool))
    {
        let args: Value = serde_json::from_str(args?).ok()?;
        return keys
            .iter()
            .find_map(|k| args.get(*k).and_then(Value::as_str))
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
    }
    let to = BY_NAME.captures(tool)?["to"].trim().to_string();
    (!to.is_empty()).then_some(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handoff_tools_name_their_target() {
        let target = |tool, args| handoff_target_of_tool(tool, args);
        let some = |t: &str| Some(t.to_string());
        assert_eq!(target("transfer_to_billing", None), some("billing"));
        assert_eq!(
            target("transfer_back_to_supervisor", Some("{}")),
            some("supervisor")
        );
        assert_eq!(target("Handoff-transfer_to_refunds", None), some("refunds"));
        assert_eq!(
            target("transfer_to_agent", Some(r#"{"agent_name": "billing"}"#)),
            some("billing")
        );
        assert_eq!(
            target(
                "handoff_to_agent",
                Some(r#"{"agent_name":"writer","message":"go"}"#)
            ),
            some("writer")
        );
        assert_eq!(
            target(
                "handoff",
                Some(r#"{"to_agent":"critic","reason":"review"}"#)
            ),
            some("critic")
        );
        assert_eq!(
            target(
                "Delegate work to coworker",
                Some(r#"{"task":"t","coworker":"Writer"}"#)
            ),
            some("Writer")
        );
        assert_eq!(target("transfer_to_agent", Some("{}")), None);
        assert_eq!(target("transfer_to_agent", None), None);
        assert_eq!(target("lookup_invoice", Some("{}")), None);
        assert_eq!(target("wire_transfer_to_account", None), None);
        assert_eq!(target("Handoff-complete_task", Some("{}")), None);
    }
}
