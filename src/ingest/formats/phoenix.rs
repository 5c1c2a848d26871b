//! Arize Phoenix span JSON (FORMATS.md §3.3): the REST v1 span list
//! (`GET /v1/projects/{id}/spans`, bare or under `data`), its JSON Lines
//! export, and dicts of named span lists as Phoenix's own fixtures keep
//! them. Spans are `{context {trace_id, span_id}, parent_id, name,
//! span_kind, start_time, end_time, status_code, status_message,
//! attributes {flat OpenInference keys}, events}`; `span_kind` is the
//! OpenInference kind when the attributes do not repeat it.

use serde_json::Value;
use std::borrow::Cow;

use crate::event::Status;
use crate::ingest::attrs::AttrValue;
use crate::ingest::dialect::content_events_of;
use crate::ingest::format::Format;
use crate::ingest::json::parse_json;
use crate::ingest::record::{RecordCtx, RecordError, RecordOutput};
use crate::ingest::span::{emit, RawSpan};
use crate::ingest::values::{exception_of, flat_attrs, normalize_hex_id, time_ns};

pub struct Phoenix;

impl Format for Phoenix {
    fn name(&self) -> &'static str {
        "phoenix"
    }

    fn describe(&self) -> &'static str {
        "Phoenix span JSON (REST span lists, JSON Lines export) with OpenInference attributes"
    }

    fn sniff(&self, record: &Value) -> bool {
        spans_of(record).first().is_some_and(|s| is_phoenix_span(s))
    }

    fn parse(
        &self,
        record: &[u8],
        ctx: &RecordCtx,
        out: &mut RecordOutput,
    ) -> Result<(), RecordError> {
        let doc: Value = parse_json(record, ctx.line)?;
        let spans = spans_of(&doc);
        if spans.is_empty() {
            return Err(RecordError::unrecognized("a Phoenix record with no spans"));
        }
        for span in spans {
            for key in ["start_time", "end_time"] {
                if let Err(what) = time_ns(span.get(key)) {
                    let name = text(span.get("name")).unwrap_or_default();
                    let detail = format!("span {name:?}: its {key} {what}; it is read without one");
                    out.repair(ctx.line, "invalid_timestamp", detail);
                }
            }
            emit(raw_span(span, ctx.line), ctx, ctx.line, out);
        }
        Ok(())
    }
}

fn is_phoenix_span(span: &Value) -> bool {
    span.get("context").and_then(|c| c.get("span_id")).is_some() && span.get("span_kind").is_some()
}

/// The spans of a record: a span, a list, `{"data": [...]}`, or a dict of
/// named lists.
fn spans_of(record: &Value) -> Vec<&Value> {
    match record {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) if is_phoenix_span(record) => vec![record],
        Value::Object(map) => match map.get("data") {
            Some(Value::Array(items)) => items.iter().collect(),
            _ => map.values().filter_map(Value::as_array).flatten().collect(),
        },
        _ => Vec::new(),
    }
}

fn text(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str)
}

fn raw_span(span: &Value, line: u32) -> Result<RawSpan<'_>, (&'static str, String)> {
    let context = span.get("context");
    let name = text(span.get("name")).unwrap_or_default();
    let trace_id = text(context.and_then(|c| c.get("trace_id")))
        .and_then(normalize_hex_id)
        .ok_or((
            "missing_trace_id",
            format!("span {name:?} has no context.trace_id"),
        ))?;
    let span_id = text(context.and_then(|c| c.get("span_id")))
        .and_then(normalize_hex_id)
        .ok_or((
            "missing_span_id",
            format!("span {name:?} in trace {trace_id} has no context.span_id"),
        ))?;
    let mut attrs = span
        .get("attributes")
        .and_then(Value::as_object)
        .map(flat_attrs)
        .unwrap_or_default();
    if attrs.get("openinference.span.kind").is_none() {
        if let Some(kind) = text(span.get("span_kind")) {
            attrs = attrs.with(
                "openinference.span.kind",
                AttrValue::Str(Cow::Borrowed(kind)),
            );
        }
    }
    let status = match text(span.get("status_code"))
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        Some("OK") => Status::Ok,
        Some("ERROR") => Status::Error,
        _ => Status::Unset,
    };
    Ok(RawSpan {
        trace_id,
        span_id,
        parent_id: text(span.get("parent_id")).and_then(normalize_hex_id),
        name: Cow::Borrowed(name),
        start_ns: time_ns(span.get("start_time")).ok().flatten(),
        end_ns: time_ns(span.get("end_time")).ok().flatten(),
        status,
        status_message: text(span.get("status_message")).map(Cow::Borrowed),
        exception: exception_of(span.get("events")),
        attrs,
        events: content_events_of(span.get("events")),
        service_name: None,
        line,
    })
}
