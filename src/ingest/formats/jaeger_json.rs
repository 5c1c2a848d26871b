//! Jaeger's trace JSON: what Jaeger UI's "Download JSON" saves, what its
//! query API (`/api/traces/<id>`, `/api/traces?service=`) returns, and what
//! Jaeger UI and Grafana upload (jaegertracing/jaeger-ui
//! packages/jaeger-ui/src/types/trace.tsx; jaegertracing/jaeger
//! model/json/model.go):
//! `{"data": [{"traceID", "spans": [{traceID, spanID, operationName,
//! references: [{refType: CHILD_OF|FOLLOWS_FROM, traceID, spanID}],
//! startTime (µs), duration (µs), tags: [{key, type, value}], logs:
//! [{timestamp, fields: [{key, type, value}]}], processID}], "processes":
//! {id: {serviceName, tags}}}]}`, or one trace object alone. OTel span
//! attributes are tags (`otel.status_code`, `error`, `span.kind` among them);
//! span events are logs whose `event` field is the event's name.

use serde_json::Value;
use std::borrow::Cow;

use crate::event::Status;
use crate::ingest::attrs::{AttrValue, Attrs};
use crate::ingest::format::Format;
use crate::ingest::json::parse_json;
use crate::ingest::record::{RecordCtx, RecordError, RecordOutput};
use crate::ingest::span::{emit, micros_span_ns, otel_status_tag, EventsRead, RawSpan};
use crate::ingest::values::{json_attr, normalize_hex_id};

pub struct JaegerJson;

impl Format for JaegerJson {
    fn name(&self) -> &'static str {
        "jaeger_json"
    }

    fn describe(&self) -> &'static str {
        "Jaeger trace JSON {data: [{traceID, spans: [{spanID, operationName, references, tags}], processes}]}"
    }

    fn sniff(&self, record: &Value) -> bool {
        traces_of(record)
            .first()
            .and_then(|t| t.get("spans"))
            .and_then(|s| s.get(0))
            .is_some_and(|s| s.get("spanID").is_some() && s.get("operationName").is_some())
    }

    fn parse(
        &self,
        record: &[u8],
        ctx: &RecordCtx,
        out: &mut RecordOutput,
    ) -> Result<(), RecordError> {
        let doc: Value = parse_json(record, ctx.line)?;
        let traces = traces_of(&doc);
        if traces.is_empty() {
            return Err(RecordError::unrecognized(
                "an object without a data list of traces in a Jaeger input",
            ));
        }
        for trace in traces {
            let processes = trace.get("processes");
            let spans = trace.get("spans").and_then(Value::as_array);
            for span in spans.into_iter().flatten() {
                emit(raw_span(span, processes, ctx.line), ctx, ctx.line, out);
            }
        }
        Ok(())
    }
}

/// The traces of a record: `{"data": [...]}` or one trace.
fn traces_of(record: &Value) -> Vec<&Value> {
    match record.get("data") {
        Some(Value::Array(traces)) => traces.iter().collect(),
        _ if record.get("spans").is_some() && record.get("traceID").is_some() => vec![record],
        _ => Vec::new(),
    }
}

fn text(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str)
}

/// A tag or log field `{key, type, value}` as an attribute.
fn key_value(kv: &Value) -> Option<(Cow<'_, str>, AttrValue<'_>)> {
    Some((
        Cow::Borrowed(text(kv.get("key"))?),
        json_attr(kv.get("value")?)?,
    ))
}

fn attrs_of(list: Option<&Value>) -> Attrs<'_> {
    let pairs = list
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(key_value).collect())
        .unwrap_or_default();
    Attrs::from_pairs(pairs)
}

fn raw_span<'a>(
    span: &'a Value,
    processes: Option<&'a Value>,
    line: u32,
) -> Result<RawSpan<'a>, (&'static str, String)> {
    let name = text(span.get("operationName")).unwrap_or_default();
    let trace_id = text(span.get("traceID"))
        .and_then(normalize_hex_id)
        .ok_or(("missing_trace_id", format!("span {name:?} has no traceID")))?;
    let span_id = text(span.get("spanID")).and_then(normalize_hex_id).ok_or((
        "missing_span_id",
        format!("span {name:?} in trace {trace_id} has no spanID"),
    ))?;
    // The parent is the CHILD_OF reference (FOLLOWS_FROM when it is the
    // only one); older exports also carry `parentSpanID`.
    let references = span.get("references").and_then(Value::as_array);
    let reference = |kind: &str| {
        references
            .into_iter()
            .flatten()
            .find(|r| text(r.get("refType")) == Some(kind))
            .and_then(|r| text(r.get("spanID")))
    };
    let parent_id = reference("CHILD_OF")
        .or_else(|| reference("FOLLOWS_FROM"))
        .or_else(|| text(span.get("parentSpanID")))
        .and_then(normalize_hex_id);
    let attrs = attrs_of(span.get("tags"));
    let status = otel_status_tag(&attrs).unwrap_or(
        if matches!(attrs.get("error"), Some(AttrValue::Bool(true)))
            || attrs.text(&["error"]).is_some_and(|e| e == "true")
        {
            Status::Error
        } else {
            Status::Unset
        },
    );
    let status_message = attrs
        .text(&["otel.status_description"])
        .map(|m| Cow::Owned(m.into_owned()));
    let mut events = EventsRead::default();
    for log in span
        .get("logs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let fields = attrs_of(log.get("fields"));
        // An exception logged without its event name is an exception.
        let name = if fields.get("exception.type").is_some() {
            Cow::Borrowed("exception")
        } else {
            Cow::Owned(
                fields
                    .text(&["event"])
                    .map(|n| n.into_owned())
                    .unwrap_or_default(),
            )
        };
        events.add(name, || fields);
    }
    let (start_ns, end_ns) = micros_span_ns(
        span.get("startTime").and_then(Value::as_i64),
        span.get("duration").and_then(Value::as_i64),
    );
    let service_name = text(span.get("processID"))
        .and_then(|id| processes?.get(id))
        .and_then(|p| text(p.get("serviceName")))
        .or_else(|| text(span.get("process").and_then(|p| p.get("serviceName"))))
        .filter(|name| !name.is_empty())
        .map(Cow::Borrowed);
    Ok(RawSpan {
        trace_id,
        span_id,
        parent_id,
        name: Cow::Borrowed(name),
        start_ns,
        end_ns,
        status,
        status_message,
        exception: events.exception,
        attrs,
        events: events.content,
        service_name,
        line,
    })
}
