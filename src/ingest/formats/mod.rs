//! Container formats: one file each, registered in `FORMATS`. A format
//! recognizes its first record (sniffing) and turns each record, a JSON
//! Lines line or a whole document, into pending events.

mod ag2_runtime_log;
mod agentchat;
mod chat_history;
mod crewai_log;
mod js_span_dump;
mod langfuse;
mod langgraph_debug;
mod langsmith;
mod mast_logs;
mod mast_record;
mod openai_agents;
mod otlp_json;
mod phoenix;
mod python_span_dump;
mod span_tree;
mod trail_annotations;

use serde_json::Value;
use std::borrow::Cow;

use super::attrs::{AttrValue, Attrs};
use super::report::Location;
use super::RecordCtx;
use crate::event::{Event, Kind, PendingEvent};
use crate::labels::Label;

pub trait Format: Sync {
    /// The `source_format` value and the `--format` name.
    fn name(&self) -> &'static str;
    /// One line for the list of known formats.
    fn describe(&self) -> &'static str;
    /// Whether a record (the first of a file) is of this format.
    fn sniff(&self, record: &Value) -> bool;
    /// Whether a file whose first line is not JSON is of this format (text
    /// logs). Such a file is parsed whole, as one record.
    fn sniff_text(&self, _first_line: &[u8]) -> bool {
        false
    }
    /// Completes a trace of this format once it is assembled (agents
    /// resolved, events in `seq` order): facts that no single record gives.
    fn finish_trace(&self, _events: &mut [&mut Event]) {}
    /// Whether this format's published files carry a JSON defect that is
    /// to be repaired rather than the document skipped (MAST-Data's bare
    /// `NaN`, a TRAIL annotation file's trailing comma).
    fn tolerates(&self, _defect: JsonDefect) -> bool {
        false
    }
    /// Parses one record. Spans that cannot be used are reported in `out`;
    /// an error means nothing of the record could be read.
    fn parse(
        &self,
        record: &[u8],
        ctx: &RecordCtx,
        out: &mut RecordOutput,
    ) -> Result<(), RecordError>;
}

/// Most specific first: sniffing takes the first that matches.
pub static FORMATS: [&dyn Format; 15] = [
    &otlp_json::OtlpJson,
    &span_tree::SpanTree,
    &phoenix::Phoenix,
    &python_span_dump::PythonSpanDump,
    &js_span_dump::JsSpanDump,
    &langsmith::LangSmith,
    &openai_agents::OpenAiAgents,
    &langgraph_debug::LangGraphDebug,
    &langfuse::Langfuse,
    &mast_record::MastRecord,
    &agentchat::AgentChat,
    &chat_history::ChatHistory,
    &trail_annotations::TrailAnnotations,
    &ag2_runtime_log::Ag2RuntimeLog,
    &crewai_log::CrewAiLog,
];

pub fn by_name(name: &str) -> Option<&'static dyn Format> {
    FORMATS.iter().copied().find(|f| f.name() == name)
}

pub fn sniff(record: &Value) -> Option<&'static dyn Format> {
    FORMATS.iter().copied().find(|f| f.sniff(record))
}

/// Lets the format of an assembled trace complete it, when the whole trace
/// comes from one format.
pub fn finish_trace(events: &mut [&mut Event]) {
    let Some(first) = events.first() else {
        return;
    };
    let format = first.source_format;
    if events.iter().all(|e| e.source_format == format) {
        if let Some(adapter) = by_name(format) {
            adapter.finish_trace(events);
        }
    }
}

/// The LangGraph node steps of a trace, in order: each change of node is a
/// handoff from the previous node to this one (FORMATS.md §3.8: node
/// transitions are the edges of cycle detection).
pub fn mark_node_transitions(events: &mut [&mut Event]) {
    let mut last_node: Option<String> = None;
    for event in events.iter_mut().filter(|e| e.kind == Kind::Step) {
        let Some(node) = event.agent.clone() else {
            continue;
        };
        if let Some(previous) = last_node.replace(node.clone()) {
            if previous != node {
                event.handoff_from = Some(previous);
                event.handoff_to = Some(node);
            }
        }
    }
}

/// The text format whose files start with `first_line`, if any.
pub fn sniff_text(first_line: &[u8]) -> Option<&'static dyn Format> {
    FORMATS.iter().copied().find(|f| f.sniff_text(first_line))
}

pub fn names() -> Vec<&'static str> {
    FORMATS.iter().map(|f| f.name()).collect()
}

/// Defects of published JSON files that a format may tolerate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonDefect {
    /// `NaN`, `Infinity`, `-Infinity` as values: read as null.
    BareNan,
    /// A comma before `}` or `]`: dropped.
    TrailingComma,
}

impl JsonDefect {
    /// The defect a skip reason (`json_error`) names, if it is one.
    pub fn of_reason(reason: &str) -> Option<JsonDefect> {
        match reason {
            "nan_or_infinity" => Some(JsonDefect::BareNan),
            "trailing_comma" => Some(JsonDefect::TrailingComma),
            _ => None,
        }
    }

    /// The repair reason in the ingest report.
    pub fn reason(self) -> &'static str {
        match self {
            JsonDefect::BareNan => "bare_nan",
            JsonDefect::TrailingComma => "trailing_comma",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            JsonDefect::BareNan => "bare NaN/Infinity token(s) read as null",
            JsonDefect::TrailingComma => "trailing comma(s) dropped",
        }
    }

    /// The document repaired, and how many repairs were made.
    pub fn repair(self, bytes: &[u8]) -> (Vec<u8>, usize) {
        match self {
            JsonDefect::BareNan => super::source::null_bare_nan_tokens(bytes),
            JsonDefect::TrailingComma => super::source::drop_trailing_commas(bytes),
        }
    }
}

/// A record that could not be read at all; it counts as one skipped record.
#[derive(Debug)]
pub struct RecordError {
    pub reason: &'static str,
    pub detail: String,
    /// Line within the input, when the parser knows it.
    pub line: Option<u32>,
}

impl RecordError {
    pub fn unrecognized(what: &str) -> RecordError {
        RecordError {
            reason: "unrecognized_record",
            detail: what.to_string(),
            line: None,
        }
    }
}

/// What one record gave: events, and spans skipped with their reasons.
#[derive(Debug, Default)]
pub struct RecordOutput {
    pub events: Vec<PendingEvent>,
    pub skipped: Vec<(Location, &'static str, String)>,
    /// Records ingested in a degraded way, with their reasons.
    pub repaired: Vec<(Location, &'static str, String)>,
    /// Labels the record carries (corpus annotations), kept apart from events.
    pub labels: Vec<Label>,
    /// Position of the next event among the file's records.
    next_order: u64,
}

impl RecordOutput {
    /// Output for the record that starts on `line`; events are ordered by
    /// line first, then by position within the record.
    pub fn starting_at(line: u32) -> RecordOutput {
        RecordOutput {
            next_order: (line as u64) << 32,
            ..RecordOutput::default()
        }
    }

    pub fn next_order(&mut self) -> u64 {
        let order = self.next_order;
        self.next_order += 1;
        order
    }

    pub fn skip(&mut self, line: u32, reason: &'static str, detail: String) {
        self.skipped.push((Location::Line(line), reason, detail));
    }

    pub fn repair(&mut self, line: u32, reason: &'static str, detail: String) {
        self.repaired.push((Location::Line(line), reason, detail));
    }
}

/// A record deserialized into `T`, or why it is skipped. The record's
/// UTF-8 is checked once, whole: from bytes, serde_json checks every string
/// on its own (half a million short checks on the 10 MiB bench corpus, 4%
/// of `check`'s instructions). A record that is not UTF-8 is parsed from its
/// bytes, so that the error says where.
pub fn parse_json<'a, T: serde::Deserialize<'a>>(
    record: &'a [u8],
    first_line: u32,
) -> Result<T, RecordError> {
    let parsed = match std::str::from_utf8(record) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(record),
    };
    parsed.map_err(|e| json_error(&e, record, first_line))
}

/// Why a JSON text did not parse, as a skip reason, and where.
pub fn json_error(error: &serde_json::Error, record: &[u8], first_line: u32) -> RecordError {
    let message = error.to_string();
    let line = first_line + error.line().saturating_sub(1) as u32;
    let at_error = byte_offset_of(record, error.line(), error.column());
    let rest = record.get(at_error..).unwrap_or_default();
    let near_bare_number = [&b"NaN"[..], b"Infinity", b"-Infinity"].iter().any(|t| {
        rest.starts_with(t)
            || record
                .get(at_error.saturating_sub(1)..)
                .is_some_and(|r| r.starts_with(t))
    });
    // serde_json names a trailing comma in objects; in arrays it reports
    // "expected value" at the closing bracket.
    let before_close = rest.first().is_some_and(|b| matches!(b, b']' | b'}'))
        && record[..at_error]
            .iter()
            .rev()
            .find(|b| !b.is_ascii_whitespace())
            == Some(&b',');
    let reason = if message.contains("recursion limit") {
        "too_deep"
    } else if near_bare_number {
        "nan_or_infinity"
    } else if message.contains("trailing comma") || before_close {
        "trailing_comma"
    } else if message.contains("invalid unicode") || message.contains("UTF-8") {
        "invalid_utf8"
    } else if error.is_eof() {
        "truncated"
    } else {
        "malformed_json"
    };
    let detail = match reason {
        "too_deep" => "JSON nested deeper than 128 levels".to_string(),
        "nan_or_infinity" => format!("bare NaN or Infinity is not JSON ({message})"),
        "truncated" => format!("input ends inside a JSON value ({message})"),
        _ => message,
    };
    RecordError {
        reason,
        detail,
        line: Some(line),
    }
}

/// Byte offset of a serde_json (line, column) position, both 1-based.
fn byte_offset_of(record: &[u8], line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        memchr::memchr_iter(b'\n', record)
            .nth(line - 2)
            .map_or(record.len(), |i| i + 1)
    };
    (line_start + column.saturating_sub(1)).min(record.len())
}

/// Flat attribute objects (`{"llm.model_name": "gpt-4o", ...}`) as `Attrs`,
/// borrowing their strings.
pub fn flat_attrs(map: &serde_json::Map<String, Value>) -> Attrs<'_> {
    Attrs::from_pairs(
        map.iter()
            .filter_map(|(k, v)| Some((Cow::Borrowed(k.as_str()), json_attr(v)?)))
            .collect(),
    )
}

fn json_attr(value: &Value) -> Option<AttrValue<'_>> {
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

/// ISO 8601 / RFC 3339 timestamps as UTC epoch nanoseconds. Accepts a
/// missing zone (taken as UTC, as TRAIL and Phoenix write them) and any
/// number of fraction digits.
pub fn parse_timestamp_ns(text: &str) -> Option<i64> {
    let t = text.trim();
    let bytes = t.as_bytes();
    if bytes.len() < 19 || bytes[4] != b'-' || bytes[7] != b'-' || !matches!(bytes[10], b'T' | b' ')
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| t.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &t[19..];
    let mut nanos = 0i64;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        let kept = &fraction[..digits.min(9)];
        nanos = kept.parse::<i64>().ok()? * 10i64.pow(9 - kept.len() as u32);
        rest = &fraction[digits..];
    }
    let offset_seconds = match rest {
        "" | "Z" | "z" => 0,
        zone => {
            let sign = match zone.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = zone[1..].chars().filter(char::is_ascii_digit).collect();
            if digits.len() != 4 {
                return None;
            }
            sign * (digits[..2].parse::<i64>().ok()? * 3600 + digits[2..].parse::<i64>().ok()? * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    seconds.checked_mul(1_000_000_000)?.checked_add(nanos)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_with_and_without_zones() {
        assert_eq!(parse_timestamp_ns("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_timestamp_ns("2018-12-13T14:51:00.5Z"),
            Some(1_544_712_660_500_000_000)
        );
        assert_eq!(
            parse_timestamp_ns("2026-07-23T00:00:02+00:00"),
            parse_timestamp_ns("2026-07-23T02:00:02+02:00")
        );
        assert_eq!(
            parse_timestamp_ns("2025-03-19T16:32:08.062589"),
            Some(1_742_401_928_062_589_000)
        );
        assert_eq!(parse_timestamp_ns("yesterday"), None);
        assert_eq!(parse_timestamp_ns("2025-13-19T16:32:08"), None);
    }

    #[test]
    fn json_errors_get_specific_reasons() {
        let reason = |text: &str| {
            let err = serde_json::from_slice::<serde_json::Value>(text.as_bytes()).unwrap_err();
            json_error(&err, text.as_bytes(), 1).reason
        };
        assert_eq!(reason(r#"{"a": NaN}"#), "nan_or_infinity");
        assert_eq!(reason(r#"{"a": -Infinity}"#), "nan_or_infinity");
        assert_eq!(reason(r#"{"a": 1,}"#), "trailing_comma");
        assert_eq!(reason("{\"a\": [1,\n  ]}"), "trailing_comma");
        assert_eq!(reason(r#"{"a": [1, 2"#), "truncated");
        assert_eq!(reason(r#"{"a" 1}"#), "malformed_json");
        assert_eq!(reason(&"[".repeat(1000)), "too_deep");
    }
}
