//! Span trees as the TRAIL benchmark (Patronus AI) stores them:
//! `{"trace_id", "spans": [{span_id, parent_span_id, span_name, timestamp,
//! duration (ISO 8601), status_code, status_message, service_name,
//! span_attributes {flat}, events, child_spans: [...]}]}`. Children are
//! nested; each one is a record of its own.

use serde_json::Value;
use std::borrow::Cow;

use crate::event::Status;
use crate::ingest::dialect::content_events_of;
use crate::ingest::format::Format;
use crate::ingest::json::parse_json;
use crate::ingest::record::{RecordCtx, RecordError, RecordOutput};
use crate::ingest::span::{emit, RawSpan};
use crate::ingest::time::parse_timestamp_ns;
use crate::ingest::values::{exception_of, flat_attrs, normalize_hex_id};

pub struct SpanTree;

impl Format for SpanTree {
    fn name(&self) -> &'static str {
        "span_tree"
    }

    fn describe(&self) -> &'static str {
        "nested span trees {trace_id, spans: [{span_id, span_attributes, child_spans}]} (TRAIL)"
    }

    fn sniff(&self, record: &Value) -> bool {
        let first = record.get("spans").and_then(|s| s.get(0));
        first.is_some_and(|s| s.get("child_spans").is_some() || s.get("span_attributes").is_some())
    }

    fn parse(
        &self,
        record: &[u8],
        ctx: &RecordCtx,
        out: &mut RecordOutput,
    ) -> Result<(), RecordError> {
        let doc: Value = parse_json(record, ctx.line)?;
        let Some(spans) = doc.get("spans").and_then(Value::as_array) else {
            return Err(RecordError::unrecognized(
                "an object without a spans list in a span-tree input",
            ));
        };
        let trace_id = doc.get("trace_id").and_then(Value::as_str);
        // Depth-first with an explicit stack: parents before children, in
        // document order.
        let mut stack: Vec<&Value> = spans.iter().rev().collect();
        while let Some(span) = stack.pop() {
            if let Some(children) = span.get("child_spans").and_then(Value::as_array) {
                stack.extend(children.iter().rev());
            }
            emit(raw_span(span, trace_id, ctx.line), ctx, ctx.line, out);
        }
        Ok(())
    }
}

fn raw_span<'a>(
    span: &'a Value,
    doc_trace_id: Option<&'a str>,
    line: u32,
) -> Result<RawSpan<'a>, (&'static str, String)> {
    let text = |key: &str| span.get(key).and_then(Value::as_str);
    let name = text("span_name").unwrap_or_default();
    let trace_id = text("trace_id")
        .or(doc_trace_id)
        .and_then(normalize_hex_id)
        .ok_or(("missing_trace_id", format!("span {name:?} has no trace_id")))?;
    let span_id = text("span_id").and_then(normalize_hex_id).ok_or((
        "missing_span_id",
        format!("span {name:?} in trace {trace_id} has no span_id"),
    ))?;
    let start_ns = text("timestamp").and_then(parse_timestamp_ns);
    let end_ns = match (start_ns, text("duration").and_then(parse_iso_duration_ns)) {
        (Some(start), Some(duration)) => Some(start + duration),
        _ => None,
    };
    let status = match text("status_code").map(str::to_ascii_lowercase).as_deref() {
        Some("error") => Status::Error,
        Some("ok") => Status::Ok,
        _ => Status::Unset,
    };
    let attrs = span
        .get("span_attributes")
        .and_then(Value::as_object)
        .map(flat_attrs)
        .unwrap_or_default();
    let exception = exception_of(span.get("events"));
    Ok(RawSpan {
        trace_id,
        span_id,
        parent_id: text("parent_span_id").and_then(normalize_hex_id),
        name: Cow::Borrowed(name),
        start_ns,
        end_ns,
        status,
        status_message: text("status_message").map(Cow::Borrowed),
        exception,
        attrs,
        events: content_events_of(span.get("events")),
        service_name: text("service_name").map(Cow::Borrowed),
        line,
    })
}

/// ISO 8601 durations as TRAIL writes them (`PT1M48.75533S`, `PT0.000047S`,
/// `P1DT2H`), in nanoseconds.
fn parse_iso_duration_ns(text: &str) -> Option<i64> {
    let rest = text.trim().strip_prefix('P')?;
    let (date_part, time_part) = rest.split_once('T').unwrap_or((rest, ""));
    let mut total = 0f64;
    let mut take = |part: &str, units: &[(char, f64)]| -> Option<()> {
        let mut number = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' {
                number.push(c);
            } else {
                let seconds = units.iter().find(|(u, _)| *u == c)?.1;
                total += number.parse::<f64>().ok()? * seconds;
                number.clear();
            }
        }
        number.is_empty().then_some(())
    };
    take(date_part, &[('W', 604_800.0), ('D', 86_400.0)])?;
    take(time_part, &[('H', 3600.0), ('M', 60.0), ('S', 1.0)])?;
    Some((total * 1e9).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_durations() {
        assert_eq!(
            parse_iso_duration_ns("PT1M48.75533S"),
            Some(108_755_330_000)
        );
        assert_eq!(parse_iso_duration_ns("PT0.000047S"), Some(47_000));
        assert_eq!(parse_iso_duration_ns("P1DT2H"), Some(93_600_000_000_000));
        assert_eq!(parse_iso_duration_ns("1 minute"), None);
    }
}
