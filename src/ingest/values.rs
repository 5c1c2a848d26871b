//! Reading JSON values the way adapters need them: attribute objects,
//! message contents as text, list-shaped records, ids, tool arguments in
//! canonical form, a trace id for records that carry none.

use serde_json::Value;
use std::borrow::Cow;

use super::attrs::{AttrValue, Attrs};
use crate::text::canonical_json;

/// Flat attribute objects (`{"llm.model_name": "gpt-4o", ...}`) as `Attrs`,
/// borrowing their strings.
pub fn flat_attrs(map: &serde_json::Map<String, Value>) -> Attrs<'_> {
    Attrs::from_pairs(
        map.iter()
            .filter_map(|(k, v)| Some((Cow::Borrowed(k.as_str()), json_attr(v)?)))
            .collect(),
    )
}

/// A JSON value as an attribute: strings borrowed, integers and floats as
/// numbers, arrays and objects as compact JSON text, null as none.
pub fn json_attr(value: &Value) -> Option<AttrValue<'_>> {
    Some(match value {
        Value::Null => return None,
        Value::String(s) => AttrValue::Str(Cow::Borrowed(s)),
        Value::Bool(b) => AttrValue::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => AttrValue::Int(i),
            None => AttrValue::Float(n.as_f64()?),
        },
        other => AttrValue::Json(other.to_string()),
    })
}

/// (exception.type, exception.message) of the first `exception` event in a
/// JSON list of span events.
pub fn exception_of(events: Option<&Value>) -> Option<(Option<String>, Option<String>)> {
    let exception = events?
        .as_array()?
        .iter()
        .find(|e| e.get("name").and_then(Value::as_str) == Some("exception"))?;
    let attr = |k: &str| {
        exception
            .get("attributes")
            .and_then(|a| a.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    Some((attr("exception.type"), attr("exception.message")))
}

/// The items of a list-shaped record: the array itself, the array under one
/// of `wrappers` (`{"data": [...]}`), or the object alone.
pub fn items_of<'v>(record: &'v Value, wrappers: &[&str]) -> &'v [Value] {
    match record {
        Value::Array(items) => items,
        Value::Object(map) => wrappers
            .iter()
            .find_map(|k| map.get(*k).and_then(Value::as_array))
            .map_or(std::slice::from_ref(record), Vec::as_slice),
        _ => &[],
    }
}

/// A trace id for a record that has none: the file's folder and stem
/// (`Hand-Crafted/44`), since corpora number their files per folder; with
/// `#n` when one file holds several such records.
pub fn trace_id_of_file(file: &str, record_index: Option<usize>) -> String {
    let path = std::path::Path::new(file);
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.to_string());
    let mut id = match path
        .parent()
        .and_then(|p| p.file_name())
        .map(|d| d.to_string_lossy())
    {
        Some(dir) if !dir.is_empty() => format!("{dir}/{stem}"),
        _ => stem,
    };
    if let Some(index) = record_index {
        id.push_str(&format!("#{index}"));
    }
    id
}

/// A JSON scalar as text: strings as they are, numbers as written.
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A value that is text or JSON, as text: a string as it is, anything else
/// as compact JSON (tool arguments arrive as either).
pub fn text_or_json(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Text of a message content: a string, a list of lines (MAST v1), or a
/// list of parts (`{type: text, text}`); anything else as compact JSON.
pub fn content_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("\n"),
        Value::Array(parts) => parts
            .iter()
            .map(|p| match p {
                Value::String(s) => s.clone(),
                other => other
                    .get("text")
                    .or_else(|| other.get("content"))
                    .and_then(Value::as_str)
                    .map_or_else(|| other.to_string(), str::to_string),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    }
}

/// `service.name` of a resource attribute object.
pub fn service_name(resource_attributes: Option<&Value>) -> Option<Cow<'_, str>> {
    resource_attributes?
        .get("service.name")?
        .as_str()
        .map(Cow::Borrowed)
}

/// Lower-case hex ids as OTLP writes them; `0x` prefixes (Python console
/// exporter) dropped; empty ids are no ids.
pub fn normalize_hex_id(id: &str) -> Option<String> {
    let id = id.trim();
    let id = id
        .strip_prefix("0x")
        .or_else(|| id.strip_prefix("0X"))
        .unwrap_or(id);
    (!id.is_empty()).then(|| id.to_ascii_lowercase())
}

/// An OTLP/JSON trace or span id as lower-case hex, the one spelling every
/// OTLP file and trace store shows. The OTLP JSON encoding writes ids in
/// hex; writers that follow the generic protobuf JSON mapping (protojson,
/// Python's `MessageToJson`, Tempo's trace-by-id response) write the bytes
/// in base64: 16 bytes (24 characters) for a trace, 8 (12) for a span. The
/// lengths cannot be confused: hex ids are 32 and 16 characters.
pub fn otlp_id(id: &str) -> Option<String> {
    use base64::Engine;
    let trimmed = id.trim();
    if !trimmed.bytes().all(|b| b.is_ascii_hexdigit()) {
        let bytes = base64::engine::general_purpose::STANDARD.decode(trimmed);
        if let Ok(bytes) = bytes {
            if bytes.len() == 8 || bytes.len() == 16 {
                return Some(bytes.iter().map(|b| format!("{b:02x}")).collect());
            }
        }
    }
    normalize_hex_id(trimmed)
}

/// Canonical JSON of tool arguments: keys sorted at every level, compact.
/// Arguments that arrive JSON-encoded twice (a JSON string holding JSON) are
/// decoded once more. Text that is not JSON is kept, trimmed.
pub fn canonical_args(raw: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(serde_json::Value::String(inner)) => {
            match serde_json::from_str::<serde_json::Value>(&inner) {
                Ok(v @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => {
                    canonical_json(&v)
                }
                _ => serde_json::Value::String(inner).to_string(),
            }
        }
        Ok(value) => canonical_json(&value),
        Err(_) => raw.trim().to_string(),
    }
}

/// A timestamp field as UTC epoch nanoseconds: RFC 3339 text, or a number
/// (or its text, as a CSV cell holds it) of epoch seconds, milliseconds,
/// microseconds or nanoseconds told apart by its size (a table's integer or
/// float time column). `Err` says what the field held when it is no time;
/// absent or null is `Ok(None)`.
pub fn time_ns(value: Option<&Value>) -> Result<Option<i64>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
        Some(Value::String(text)) => super::time::parse_timestamp_ns(text)
            .or_else(|| {
                let text = text.trim();
                match text.parse::<i64>() {
                    Ok(n) => epoch_int_ns(n),
                    Err(_) => text.parse::<f64>().ok().map(epoch_ns),
                }
            })
            .map(Some)
            .ok_or_else(|| format!("{text:?} is not a time")),
        Some(Value::Number(n)) => Ok(match n.as_i64() {
            Some(i) => epoch_int_ns(i),
            None => n.as_f64().map(epoch_ns),
        }),
        Some(other) => Err(format!("{other} is not a time")),
    }
}

/// Epoch seconds, milliseconds, microseconds or nanoseconds (told apart by
/// size) as nanoseconds.
fn epoch_ns(x: f64) -> i64 {
    let scale = match x.abs() {
        a if a >= 1e17 => 1.0,
        a if a >= 1e14 => 1e3,
        a if a >= 1e11 => 1e6,
        _ => 1e9,
    };
    (x * scale) as i64
}

/// `epoch_ns` of an integer, exactly.
fn epoch_int_ns(n: i64) -> Option<i64> {
    match n.unsigned_abs() {
        a if a >= 100_000_000_000_000_000 => Some(n),
        a if a >= 100_000_000_000_000 => n.checked_mul(1_000),
        a if a >= 100_000_000_000 => n.checked_mul(1_000_000),
        _ => n.checked_mul(1_000_000_000),
    }
}

/// A Python literal as `repr()` prints it (`{'role': 'user', 'n': None}`,
/// with lists, tuples, sets, strings, bytes, numbers, `True`, `False`,
/// `None`; Python's `ast.literal_eval` grammar, parsed by `py_literal`) as
/// JSON: tuples and sets become arrays, dict keys their text, bytes their
/// UTF-8 text, integers beyond 64 bits and complex numbers their repr.
/// `None` when the text is not a literal. Pandas writes list and dict
/// cells of a CSV this way; Python exporters print their records this way.
pub fn python_literal(text: &str) -> Option<Value> {
    text.trim()
        .parse::<py_literal::Value>()
        .ok()
        .map(literal_json)
}

fn literal_json(value: py_literal::Value) -> Value {
    use py_literal::Value as Py;
    match value {
        Py::None => Value::Null,
        Py::Boolean(b) => Value::Bool(b),
        Py::String(s) => Value::String(s),
        Py::Bytes(b) => Value::String(String::from_utf8_lossy(&b).into_owned()),
        Py::Integer(i) => match i64::try_from(&i) {
            Ok(n) => Value::from(n),
            Err(_) => Value::String(i.to_string()),
        },
        Py::Float(f) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        c @ Py::Complex(_) => Value::String(c.to_string()),
        Py::Tuple(items) | Py::List(items) | Py::Set(items) => {
            Value::Array(items.into_iter().map(literal_json).collect())
        }
        Py::Dict(pairs) => Value::Object(
            pairs
                .into_iter()
                .map(|(k, v)| {
                    let key = match literal_json(k) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (key, literal_json(v))
                })
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_are_canonical() {
        assert_eq!(
            canonical_args(r#"{"b": 1, "a": {"d": 2, "c": 3}}"#),
            r#"{"a":{"c":3,"d":2},"b":1}"#
        );
        assert_eq!(
            canonical_args(r#""{\"timezone\": \"UTC\"}""#),
            r#"{"timezone":"UTC"}"#
        );
        assert_eq!(canonical_args("  not json "), "not json");
        assert_eq!(canonical_args(r#""plain""#), r#""plain""#);
    }

    #[test]
    fn base64_ids_become_hex() {
        assert_eq!(
            otlp_id("fzwqnlHYSwai5MnR8Lh6NQ==").as_deref(),
            Some("7f3c2a9e51d84b06a2e4c9d1f0b87a35")
        );
        assert_eq!(otlp_id("obLD1AAAAAE=").as_deref(), Some("a1b2c3d400000001"));
        assert_eq!(
            otlp_id("7F3C2A9E51D84B06A2E4C9D1F0B87A35").as_deref(),
            Some("7f3c2a9e51d84b06a2e4c9d1f0b87a35")
        );
        assert_eq!(
            otlp_id("a1b2c3d400000001").as_deref(),
            Some("a1b2c3d400000001")
        );
        assert_eq!(otlp_id("  "), None);
    }

    #[test]
    fn hex_ids_are_normalized() {
        assert_eq!(normalize_hex_id("0xABCdef").as_deref(), Some("abcdef"));
        assert_eq!(normalize_hex_id("  "), None);
    }

    #[test]
    fn python_literals_read_as_json() {
        assert_eq!(
            python_literal(
                "[{'message.role': 'user', 'n': 3, 'ok': True, 'x': None, 't': (1, 2.5)}]"
            ),
            Some(
                serde_json::json!([{"message.role": "user", "n": 3, "ok": true, "x": null, "t": [1, 2.5]}])
            )
        );
        assert_eq!(
            python_literal(r#"{"it's": 'a \'quoted\' \n line', 1: b'raw'}"#),
            Some(serde_json::json!({"it's": "a 'quoted' \n line", "1": "raw"}))
        );
        assert_eq!(
            python_literal("[123456789012345678901234567890]"),
            Some(serde_json::json!(["123456789012345678901234567890"]))
        );
        assert_eq!(python_literal("ChatCompletion(id='x')"), None);
        assert_eq!(python_literal("{'a': 1"), None);
    }

    #[test]
    fn times_from_text_and_epoch_numbers() {
        let ns = 1_795_000_000_123_456_789_i64;
        assert_eq!(time_ns(Some(&serde_json::json!(ns))), Ok(Some(ns)));
        assert_eq!(
            time_ns(Some(&serde_json::json!(ns / 1_000))),
            Ok(Some(ns / 1_000 * 1_000))
        );
        assert_eq!(
            time_ns(Some(&serde_json::json!(1_795_000_000))),
            Ok(Some(1_795_000_000_000_000_000))
        );
        assert_eq!(
            time_ns(Some(&serde_json::json!("1970-01-01T00:00:01Z"))),
            Ok(Some(1_000_000_000))
        );
        assert_eq!(time_ns(None), Ok(None));
        assert!(time_ns(Some(&serde_json::json!("yesterday"))).is_err());
    }
}
