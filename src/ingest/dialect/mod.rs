//! Attribute dialects: the vocabularies that OTLP-family containers carry.
//! Each dialect is one file that reads its own keys into `SpanFacts`; the
//! first dialect to give a fact wins, in the order of `DIALECTS`. The event
//! kind follows the precedence of FORMATS.md §4 (Langfuse's mapper).

mod gen_ai;
mod openinference;
mod traceloop;
mod vercel_ai;

use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

use super::attrs::Attrs;
use crate::event::{Kind, Role};

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
pub(crate) fn give<T>(slot: &mut Option<T>, value: Option<T>) {
    if slot.is_none() {
        *slot = value;
    }
}

type Filler = fn(&Attrs, Kind, &mut SpanFacts);

/// Dialects in the order their facts are preferred.
const DIALECTS: [Filler; 4] = [
    gen_ai::fill,
    openinference::fill,
    traceloop::fill,
    vercel_ai::fill,
];

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

/// Kind and facts of one span.
pub fn read_span(attrs: &Attrs, span_name: &str) -> (Kind, SpanFacts) {
    let kind = infer_kind(attrs, span_name);
    let mut facts = SpanFacts::default();
    for fill in DIALECTS {
        fill(attrs, kind, &mut facts);
    }
    name_fallbacks(kind, span_name, &mut facts);
    if facts.agent.as_deref().is_some_and(is_placeholder_agent) {
        facts.agent = None;
    }
    (kind, facts)
}

/// The kind precedence of FORMATS.md §4; first match wins.
fn infer_kind(attrs: &Attrs, span_name: &str) -> Kind {
    let overridden = attrs
        .text(&["tracelint.kind", "analyzer.kind"])
        .and_then(|k| Kind::ALL.into_iter().find(|kind| kind.as_str() == k.trim()));
    overridden
        .or_else(|| openinference::kind(attrs, span_name))
        .or_else(|| gen_ai::kind(attrs))
        .or_else(|| vercel_ai::kind(attrs))
        .or_else(|| {
            attrs
                .get("gen_ai.tool.name")
                .or_else(|| attrs.get("gen_ai.tool.call.id"))
                .map(|_| Kind::ToolCall)
        })
        .or_else(|| traceloop::kind(attrs))
        .or_else(|| kind_from_name(span_name))
        .unwrap_or(Kind::Other)
}

static HANDOFF_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?i:handoff to|transfer_to_|transfer to)\s*(?P<to>.+)$").unwrap()
});

/// Last-resort kinds from span names that instrumentations use.
fn kind_from_name(span_name: &str) -> Option<Kind> {
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

/// Facts that only the span name gives: `execute_tool X`, `invoke_agent X`,
/// `handoff to X`.
fn name_fallbacks(kind: Kind, span_name: &str, facts: &mut SpanFacts) {
    let name = span_name.trim();
    match kind {
        Kind::ToolCall => {
            let tool = name
                .strip_prefix("execute_tool")
                .map(str::trim)
                .unwrap_or(name);
            give(
                &mut facts.tool_name,
                Some(tool.to_string()).filter(|t| !t.is_empty()),
            );
        }
        Kind::AgentInvoke => {
            let agent = name
                .strip_prefix("invoke_agent")
                .or_else(|| name.strip_prefix("create_agent"))
                .map(str::trim)
                .unwrap_or(name);
            if !is_placeholder_agent(agent) {
                give(&mut facts.agent, Some(agent.to_string()));
            }
        }
        Kind::Handoff => give(&mut facts.handoff_to, handoff_target_from_name(name)),
        Kind::Step => give(&mut facts.step, openinference::step_from_name(name)),
        _ => {}
    }
}

/// Assistant text of a generation's output items; a function call as
/// `name(arguments)`, so that repeated calls read as repeated outputs.
pub fn output_items_text(output: &Value) -> Option<String> {
    let parts: Vec<String> = output
        .as_array()?
        .iter()
        .filter_map(|item| match item.get("type").and_then(Value::as_str) {
            Some("function_call") => Some(format!(
                "{}({})",
                item.get("name").and_then(Value::as_str).unwrap_or_default(),
                item.get("arguments")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            )),
            _ => item
                .get("content")
                .map(crate::ingest::formats::content_text)
                .filter(|t| !t.is_empty()),
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n"))
}

/// An `output.value` as text: OpenAI Responses output items (what the
/// OpenAI Agents instrumentations record) read as `output_items_text`, so
/// that their volatile ids do not make equal answers differ; anything else
/// as it is.
pub fn output_value_text(raw: &str) -> String {
    let items = serde_json::from_str::<Value>(raw).ok();
    let is_items = items.as_ref().and_then(|v| v.as_array()).is_some_and(|a| {
        !a.is_empty()
            && a.iter().all(|i| {
                matches!(
                    i.get("type").and_then(|t| t.as_str()),
                    Some("message" | "function_call" | "reasoning")
                )
            })
    });
    match items {
        Some(items) if is_items => output_items_text(&items).unwrap_or_default(),
        _ => raw.to_string(),
    }
}

/// Text of a chat message list in JSON (OTel GenAI `parts`, OpenAI
/// `content` strings or part lists). `last_user` picks the last user
/// message (an input's point); otherwise all messages are joined (an
/// output). Text that is not such a list is returned as it is.
pub fn messages_text(raw: &str, last_user: bool) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_str(raw).ok();
    let messages = match &parsed {
        Some(serde_json::Value::Array(items)) => items.as_slice(),
        Some(obj @ serde_json::Value::Object(_)) => std::slice::from_ref(obj),
        _ => return raw.to_string(),
    };
    let text_of = |m: &serde_json::Value| -> Option<String> {
        let mut out = String::new();
        let mut push = |t: &str| {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(t);
        };
        match m.get("content") {
            Some(serde_json::Value::String(s)) => push(s),
            Some(serde_json::Value::Array(parts)) => parts
                .iter()
                .filter_map(|p| p.get("text").or_else(|| p.get("content")))
                .filter_map(|t| t.as_str())
                .for_each(&mut push),
            _ => {}
        }
        if let Some(parts) = m.get("parts").and_then(|p| p.as_array()) {
            parts
                .iter()
                .filter_map(|p| p.get("content").or_else(|| p.get("text")))
                .filter_map(|t| t.as_str())
                .for_each(&mut push);
        }
        (!out.is_empty()).then_some(out)
    };
    let picked: Vec<String> = if last_user {
        messages
            .iter()
            .rev()
            .find(|m| m.get("role").and_then(|r| r.as_str()) == Some("user"))
            .and_then(text_of)
            .into_iter()
            .collect()
    } else {
        messages.iter().filter_map(text_of).collect()
    };
    if picked.is_empty() {
        raw.to_string()
    } else {
        picked.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::attrs::AttrValue;
    use std::borrow::Cow;

    fn attrs(pairs: &[(&'static str, &'static str)]) -> Attrs<'static> {
        Attrs::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| (Cow::Borrowed(*k), AttrValue::Str(Cow::Borrowed(*v))))
                .collect(),
        )
    }

    #[test]
    fn kind_precedence_follows_formats_section_4() {
        // OpenInference beats gen_ai when both are present.
        let both = attrs(&[
            ("openinference.span.kind", "LLM"),
            ("gen_ai.operation.name", "execute_tool"),
        ]);
        assert_eq!(infer_kind(&both, "x"), Kind::LlmCall);
        let handoff = attrs(&[("openinference.span.kind", "TOOL")]);
        assert_eq!(infer_kind(&handoff, "handoff to refunds"), Kind::Handoff);
        let op = attrs(&[("gen_ai.operation.name", "agent_handoff")]);
        assert_eq!(infer_kind(&op, "agent_handoff OpenAI Agent"), Kind::Handoff);
        let unknown_op = attrs(&[("gen_ai.operation.name", "unknown")]);
        assert_eq!(infer_kind(&unknown_op, "turn"), Kind::Other);
        let tool_attr = attrs(&[("gen_ai.tool.name", "search")]);
        assert_eq!(infer_kind(&tool_attr, "whatever"), Kind::ToolCall);
        let vercel = attrs(&[("ai.operationId", "ai.generateText.doGenerate")]);
        assert_eq!(infer_kind(&vercel, "x"), Kind::LlmCall);
        let traceloop = attrs(&[("traceloop.span.kind", "agent")]);
        assert_eq!(infer_kind(&traceloop, "x"), Kind::AgentInvoke);
        assert_eq!(
            infer_kind(&attrs(&[]), "transfer_to_billing"),
            Kind::Handoff
        );
        assert_eq!(
            infer_kind(&attrs(&[]), "invoke_agent router"),
            Kind::AgentInvoke
        );
        assert_eq!(infer_kind(&attrs(&[]), "create_agent"), Kind::Other);
        assert_eq!(
            infer_kind(&attrs(&[]), "create_agent_hierarchy"),
            Kind::Other
        );
        assert_eq!(
            handoff_target_from_name("transfer_to_billing").as_deref(),
            Some("billing")
        );
        let forced = attrs(&[
            ("tracelint.kind", "step"),
            ("openinference.span.kind", "LLM"),
        ]);
        assert_eq!(infer_kind(&forced, "x"), Kind::Step);
    }

    #[test]
    fn placeholder_agent_names_are_dropped() {
        let a = attrs(&[
            ("gen_ai.operation.name", "chat"),
            ("gen_ai.agent.name", "OpenAI Agent"),
        ]);
        let (kind, facts) = read_span(&a, "chat gpt-4o");
        assert_eq!(kind, Kind::LlmCall);
        assert_eq!(facts.agent, None);
    }

    #[test]
    fn message_lists_give_their_text() {
        let out = r#"[{"role":"assistant","parts":[{"type":"text","content":"Paris"}]}]"#;
        assert_eq!(messages_text(out, false), "Paris");
        let inp = r#"[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"capital?"}]}]"#;
        assert_eq!(messages_text(inp, true), "capital?");
        assert_eq!(messages_text("plain words", false), "plain words");
    }
}
