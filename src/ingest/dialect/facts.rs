//! What the dialects read off one span (`SpanFacts`), each fact set by the
//! first dialect that gives it.

use crate::event::Role;

/// What the dialects read off one span. Every field is "first one wins".
#[derive(Debug, Default)]
pub struct SpanFacts {
    pub agent: Option<String>,
    pub agent_hint: Option<String>,
    pub session_id: Option<String>,
    pub model: Option<String>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub cost_usd: Option<f64>,
    pub tool_name: Option<String>,
    /// Raw tool arguments; canonicalized by the caller.
    pub tool_args: Option<String>,
    pub input_text: Option<String>,
    pub output_text: Option<String>,
    pub handoff_from: Option<String>,
    pub handoff_to: Option<String>,
    pub step: Option<i64>,
    pub error_type: Option<String>,
    pub role: Option<Role>,
}

/// Sets a fact only if no earlier dialect set it.
pub fn give<T>(slot: &mut Option<T>, value: Option<T>) {
    if slot.is_none() {
        *slot = value;
    }
}

/// Agent names that instrumentations stamp on every span whatever the real
/// agent (opentelemetry-instrumentation-openai-agents-v2 writes "OpenAI
/// Agent" on chat, tool and handoff spans); they say nothing, so the agent is
/// resolved by ancestry instead. "Agent workflow" is the OpenAI Agents SDK's
/// default workflow name, which both OTel instrumentations put on the run's
/// root span as if it were an agent.
pub fn is_placeholder_agent(name: &str) -> bool {
    matches!(
        name.trim().to_ascii_lowercase().as_str(),
        "" | "openai agent" | "agent workflow" | "agent" | "unknown" | "none" | "null"
    )
}
