//! Texts of the message lists and output items that dialects carry as
//! JSON strings.

use serde_json::Value;

use crate::ingest::values::content_text;

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

    #[test]
    fn message_lists_give_their_text() {
        let out = r#"[{"role":"assistant","parts":[{"type":"text","content":"Paris"}]}]"#;
        assert_eq!(messages_text(out, false), "Paris");
        let inp = r#"[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"capital?"}]}]"#;
        assert_eq!(messages_text(inp, true), "capital?");
        assert_eq!(messages_text("plain words", false), "plain words");
    }
}
