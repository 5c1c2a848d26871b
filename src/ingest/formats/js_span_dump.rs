//! JavaScript SDK `ReadableSpan` dumps (FORMATS.md §3.1), as the Vercel AI
//! SDK fixtures hold them: `{name, spanContext: {traceId, spanId},
//! parentSpanId | parentSpanContext, attributes {flat}, status: {code},
//! startTime: [sec, nanos], endTime, events}`, in an array, a `{spans: [...]}`
//! wrapper, or one per line.

use serde_json::Value;
use std::borrow::Cow;

use crate::event::Status;
use crate::ingest::dialect::content_events_of;
use crate::ingest::format::Format;
use crate::ingest::json::parse_json;
use crate::ingest::record::{RecordCtx, RecordError, RecordOutput};
use crate::ingest::span::{emit, RawSpan};
use crate::ingest::values::{exception_of, flat_attrs, normalize_hex_id, service_name};

pub struct JsSpanDump;

fn is_js_span(v: &Value) -> bool {
    v.get("spanContext").is_some()
}

impl Format for JsSpanDump {
    fn name(&self) -> &'static str {
        "js_span_dump"
    }

    fn describe(&self) -> &'static str {
        "OpenTelemetry JS ReadableSpan dumps with spanContext and [sec, nanos] times"
    }

    fn sniff(&self, record: &Value) -> bool {
        match record {
            Value::Array(items) => items.first().is_some_and(is_js_span),
            _ => {
                is_js_span(record)
                    || record
                        .get("spans")
                        .and_then(|s| s.get(0))
                        .is_some_and(is_js_span)
            }
        }
    }

    fn parse(
        &self,
        record: &[u8],
        ctx: &RecordCtx,
        out: &mut RecordOutput,
    ) -> Result<(), RecordError> {
        let doc: Value = parse_json(record, ctx.line)?;
        let spans: Vec<&Value> = match &doc {
            Value::Array(items) => items.iter().collect(),
            v if is_js_span(v) => vec![v],
            v => match v.get("spans").and_then(Value::as_array) {
                Some(items) => items.iter().collect(),
                None => {
                    return Err(RecordError::unrecognized(
                        "an object that is neither a span nor a {spans: [...]} dump",
                    ))
                }
            },
        };
        for span in spans {
            emit(raw_span(span, ctx.line), ctx, ctx.line, out);
        }
        Ok(())
    }
}

/// OpenTelemetry JS `HrTime`: `[seconds, nanoseconds]`; plain numbers are
/// taken as epoch milliseconds, as `Date.now()` gives.
fn hr_time_ns(value: &Value) -> Option<i64> {
    match value {
        Value::Array(parts) if parts.len() == 2 => {
            Some(parts[0].as_i64()? * 1_000_000_000 + parts[1].as_i64()?)
        }
        Value::Number(n) => Some((n.as_f64()? * 1e6) as i64),
        _ => None,
    }
    .filter(|&t| t > 0)
}

fn raw_span(span: &Value, line: u32) -> Result<RawSpan<'_>, (&'static str, String)> {
    let name = span.get("name").and_then(Value::as_str).unwrap_or_default();
    let context = span.get("spanContext");
    let id = |key: &str| {
        context
            .and_then(|c| c.get(key))
            .and_then(Value::as_str)
            .and_then(normalize_hex_id)
    };
    let trace_id = id("traceId").ok_or((
        "missing_trace_id",
        format!("span {name:?} has no spanContext.traceId"),
    ))?;
    let span_id = id("spanId").ok_or((
        "missing_span_id",
        format!("span {name:?} in trace {trace_id} has no spanContext.spanId"),
    ))?;
    let parent_id = span
        .get("parentSpanId")
        .and_then(Value::as_str)
        .or_else(|| {
            span.get("parentSpanContext")
                .and_then(|p| p.get("spanId"))
                .and_then(Value::as_str)
        })
        .and_then(normalize_hex_id);
    let status_obj = span.get("status");
    let status = match status_obj
        .and_then(|s| s.get("code"))
        .and_then(Value::as_i64)
    {
        Some(1) => Status::Ok,
        Some(2) => Status::Error,
        _ => Status::Unset,
    };
    let exception = exception_of(span.get("events"));
    Ok(RawSpan {
        trace_id,
        span_id,
        parent_id,
        name: Cow::Borrowed(name),
        start_ns: span.get("startTime").and_then(hr_time_ns),
        end_ns: span.get("endTime").and_then(hr_time_ns),
        status,
        status_message: status_obj
            .and_then(|s| s.get("message"))
            .and_then(Value::as_str)
            .map(Cow::Borrowed),
        exception,
        attrs: span
            .get("attributes")
            .and_then(Value::as_object)
            .map(flat_attrs)
            .unwrap_or_default(),
        events: content_events_of(span.get("events")),
        service_name: service_name(span.get("resource").and_then(|r| r.get("attributes"))),
        line,
    })
}
