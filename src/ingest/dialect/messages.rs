//! Texts of the message lists and output items that dialects carry as
//! JSON strings.

use serde_json::Value;

use crate::ingest::values::{content_text, text_or_json};

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
                .map(content_text)
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

/// Text of a chat message list in JSON: OTel GenAI `parts`, OpenAI
/// `content` strings or part lists, Gemini `contents` / `content.parts`
/// (ADK's `llm_request` / `llm_response`), Bedrock content blocks
/// (`[{"text"}, {"toolUse"}]`, Strands' events). A function call reads as
/// `name(arguments)` (OpenAI `tool_calls` too), so that repeated calls
/// read as repeated outputs. `last_user` picks the last user message (an input's point); otherwise
/// all messages are joined (an output). Text that is not such a list is
/// returned as it is.
pub fn messages_text(raw: &str, last_user: bool) -> String {
    let parsed: Option<Value> = serde_json::from_str(raw).ok();
    let messages: Vec<&Value> = match &parsed {
        Some(Value::Array(items)) if !items.is_empty() && items.iter().all(is_block) => {
            // One message's content blocks.
            return join(blocks_text(items)).unwrap_or_else(|| raw.to_string());
        }
        Some(Value::Array(items)) => items.iter().collect(),
        Some(obj @ Value::Object(map)) => {
            if let Some(Value::Array(contents)) =
                map.get("contents").or_else(|| map.get("messages"))
            {
                contents.iter().collect()
            } else if let Some(message @ Value::Object(_)) =
                map.get("content").or_else(|| map.get("message"))
            {
                // Gemini's response `{content: {role, parts}}`; a GenAI
                // choice body `{index, finish_reason, message: {...}}`.
                vec![message]
            } else {
                vec![obj]
            }
        }
        _ => return raw.to_string(),
    };
    let picked: Vec<String> = if last_user {
        messages
            .iter()
            .rev()
            .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
            .and_then(|m| message_text(m))
            .into_iter()
            .collect()
    } else {
        messages.iter().filter_map(|m| message_text(m)).collect()
    };
    join(picked).unwrap_or_else(|| raw.to_string())
}

fn join(parts: Vec<String>) -> Option<String> {
    (!parts.is_empty()).then(|| parts.join("\n"))
}

/// The text of one message: its `content` (a string or parts) and `parts`,
/// and its OpenAI `tool_calls` as `name(arguments)`.
pub fn message_text(message: &Value) -> Option<String> {
    let mut out = Vec::new();
    match message.get("content") {
        Some(Value::String(s)) => out.push(s.clone()),
        Some(Value::Array(parts)) => out.extend(blocks_text(parts)),
        _ => {}
    }
    if let Some(parts) = message.get("parts").and_then(Value::as_array) {
        out.extend(blocks_text(parts));
    }
    // OpenAI's `tool_calls: [{function: {name, arguments}}]`.
    if let Some(calls) = message.get("tool_calls").and_then(Value::as_array) {
        out.extend(calls.iter().filter_map(|c| {
            block_text(&serde_json::json!({"function_call": c.get("function").unwrap_or(c)}))
        }));
    }
    join(out)
}

/// A content block or part of any of the shapes above (an object without
/// a role).
fn is_block(item: &Value) -> bool {
    item.as_object().is_some_and(|o| {
        !o.contains_key("role")
            && [
                "text",
                "toolUse",
                "toolResult",
                "function_call",
                "functionCall",
                "type",
            ]
            .iter()
            .any(|k| o.contains_key(*k))
    })
}

/// Texts of content blocks / parts, each call as `name(arguments)`.
fn blocks_text(parts: &[Value]) -> Vec<String> {
    parts.iter().filter_map(block_text).collect()
}

fn block_text(part: &Value) -> Option<String> {
    let call = ["function_call", "functionCall", "toolUse"]
        .iter()
        .find_map(|k| part.get(*k))
        .or_else(|| {
            (part.get("type").and_then(Value::as_str) == Some("tool_call")).then_some(part)
        });
    if let Some(call) = call {
        let name = call.get("name").and_then(Value::as_str).unwrap_or_default();
        let args = ["args", "input", "arguments"]
            .iter()
            .find_map(|k| call.get(*k))
            .map(text_or_json)
            .unwrap_or_default();
        return Some(format!("{name}({args})"));
    }
    if let Some(result) = part.get("toolResult") {
        return match result.get("content") {
            Some(Value::Array(blocks)) => join(blocks_text(blocks)),
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
    }
    part.get("text")
        .or_else(|| part.get("content"))
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_lists_give_their_text() {
        let out = r#"[{"role":"assistant","parts":[{"type":"text","content":"Paris"}]}]"#;
        assert_eq!(messages_text(out, false), "Paris");
        let inp = r#"[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"capital?"}]}]"#;
        assert_eq!(messages_text(inp, true), "capital?");
        assert_eq!(messages_text("plain words", false), "plain words");
    }

    #[test]
    fn gemini_and_bedrock_shapes_give_their_text_and_calls() {
        let request = r#"{"model":"m","contents":[{"role":"user","parts":[{"text":"first"}]},{"role":"model","parts":[{"text":"ok"}]},{"role":"user","parts":[{"text":"charged twice"}]}]}"#;
        assert_eq!(messages_text(request, true), "charged twice");
        let response = r#"{"content":{"role":"model","parts":[{"function_call":{"name":"lookup","args":{"id":"A"}}}]}}"#;
        assert_eq!(messages_text(response, false), r#"lookup({"id":"A"})"#);
        let blocks = r#"[{"text":"No results found."}]"#;
        assert_eq!(messages_text(blocks, false), "No results found.");
        let tool_use =
            r#"[{"toolUse":{"toolUseId":"t0","name":"http_search","input":{"query":"q"}}}]"#;
        assert_eq!(
            messages_text(tool_use, false),
            r#"http_search({"query":"q"})"#
        );
        let choice = r#"{"role":"assistant","content":"Checking again."}"#;
        assert_eq!(messages_text(choice, false), "Checking again.");
    }
}
