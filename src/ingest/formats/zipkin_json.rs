//! Zipkin v2 JSON (openzipkin/zipkin-api zipkin2-api.yaml): what
//! `/api/v2/trace/{id}` returns and the Zipkin exporters of the OpenTelemetry
//! SDKs and the Collector send: a list of spans `[{traceId, id, parentId,
//! name, kind, timestamp (µs), duration (µs), localEndpoint: {serviceName},
//! tags: {string: string}, annotations: [{timestamp, value}]}]`, or a list
//! of such lists (`/api/v2/traces`). OTel attributes are tags; the status is
//! `otel.status_code` / `error`; span events are annotations whose value is
//! `{"name": {attributes}}` as JSON (opentelemetry-collector-contrib
//! pkg/translator/zipkin; the SDK exporters write the same).

use serde_json::Value;
use std::borrow::Cow;

use crate::event::Status;
use crate::ingest::format::Format;
use crate::ingest::json::parse_json;
use crate::ingest::record::{RecordCtx, RecordError, RecordOutput};
use crate::ingest::span::{emit, micros_span_ns, otel_status_tag, EventsRead, RawSpan};
use crate::ingest::values::{flat_attrs, normalize_hex_id};

pub struct ZipkinJson;

impl Format for ZipkinJson {
    fn name(&self) -> &'static str {
        "zipkin_json"
    }

    fn describe(&self) -> &'static str {
        "Zipkin v2 JSON [{traceId, id, parentId, name, timestamp, duration, localEndpoint, tags}]"
    }

    fn sniff(&self, record: &Value) -> bool {
        spans_of(record).first().is_some_and(|s| is_zipkin_span(s))
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
            return Err(RecordError::unrecognized(
                "a record that is not a list of Zipkin spans in a Zipkin input",
            ));
        }
        for span in spans {
            emit(raw_span(span, ctx.line), ctx, ctx.line, out);
        }
        Ok(())
    }
}

fn is_zipkin_span(span: &Value) -> bool {
    span.get("traceId").is_some()
        && span.get("id").is_some()
        && ["localEndpoint", "timestamp", "tags", "kind"]
            .iter()
            .any(|k| span.get(*k).is_some())
        // OTLP spans say spanId; Zipkin says id.
        && span.get("spanId").is_none()
}

/// The spans of a record: a list of spans, a list of traces (lists of
/// spans), or one span.
fn spans_of(record: &Value) -> Vec<&Value> {
    match record {
        Value::Array(items) => items
            .iter()
            .flat_map(|item| match item {
                Value::Array(spans) => spans.iter().collect::<Vec<_>>(),
                span => vec![span],
            })
            .collect(),
        Value::Object(_) if is_zipkin_span(record) => vec![record],
        _ => Vec::new(),
    }
}

fn text(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str)
}

fn raw_span(span: &Value, line: u32) -> Result<RawSpan<'_>, (&'static str, String)> {
    let name = text(span.get("name")).unwrap_or_default();
    let trace_id = text(span.get("traceId"))
        .and_then(normalize_hex_id)
        .ok_or(("missing_trace_id", format!("span {name:?} has no traceId")))?;
    let id = text(span.get("id")).and_then(normalize_hex_id).ok_or((
        "missing_span_id",
        format!("span {name:?} in trace {trace_id} has no id"),
    ))?;
    // B3's shared span: the server side of an RPC reuses the client span's
    // id (`"shared": true`); it is the client span's child, not a copy.
    let shared = span.get("shared").and_then(Value::as_bool) == Some(true);
    let (span_id, shared_parent) = if shared {
        (format!("{id}-shared"), Some(id))
    } else {
        (id, None)
    };
    let attrs = span
        .get("tags")
        .and_then(Value::as_object)
        .map(flat_attrs)
        .unwrap_or_default();
    let status = otel_status_tag(&attrs).unwrap_or(if attrs.get("error").is_some() {
        Status::Error
    } else {
        Status::Unset
    });
    // Zipkin's `error` tag holds the message when there is one.
    let status_message = attrs
        .text(&["otel.status_description", "error"])
        .filter(|m| m != "true" && !m.is_empty())
        .map(|m| Cow::Owned(m.into_owned()));
    let mut events = EventsRead::default();
    for annotation in span
        .get("annotations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(value) = text(annotation.get("value")) else {
            continue;
        };
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(value) else {
            continue;
        };
        let Some((name, Value::Object(fields))) = map.into_iter().next() else {
            continue;
        };
        events.add(Cow::Owned(name), || flat_attrs(&fields).into_owned());
    }
    let (start_ns, end_ns) = micros_span_ns(
        span.get("timestamp").and_then(Value::as_i64),
        span.get("duration").and_then(Value::as_i64),
    );
    Ok(RawSpan {
        trace_id,
        span_id,
        parent_id: shared_parent.or_else(|| text(span.get("parentId")).and_then(normalize_hex_id)),
        name: Cow::Borrowed(name),
        start_ns,
        end_ns,
        status,
        status_message,
        exception: events.exception,
        attrs,
        events: events.content,
        service_name: text(span.get("localEndpoint").and_then(|e| e.get("serviceName")))
            .map(Cow::Borrowed),
        line,
    })
}
