//! Span dumps written by the OpenTelemetry Python SDK rather than an OTLP
//! exporter (FORMATS.md §3.1 variants):
//! - pydantic / `ReadableSpan` dumps such as mozilla-ai any-agent's
//!   `{"spans": [{name, context: {trace_id: <decimal int>, span_id}, parent,
//!   start_time: <int ns>, status: {status_code: "ok"}, attributes: {flat}}]}`;
//! - `ConsoleSpanExporter` / `span.to_json()` output: span objects with
//!   `0x`-prefixed hex ids, ISO times and `"kind": "SpanKind.INTERNAL"`,
//!   often concatenated one after another.
//!
//! Decimal ids exceed 64 bits, so ids are read as raw JSON text, never as
//! floating-point numbers.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;

use crate::event::Status;
use crate::ingest::dialect::content_events_of;
use crate::ingest::format::Format;
use crate::ingest::json::parse_json;
use crate::ingest::record::{RecordCtx, RecordError, RecordOutput};
use crate::ingest::span::{emit, RawSpan};
use crate::ingest::time::parse_timestamp_ns;
use crate::ingest::values::{exception_of, flat_attrs, normalize_hex_id, service_name};

pub struct PythonSpanDump;

fn has_context(span: &Value) -> bool {
    span.get("context")
        .and_then(|c| c.get("trace_id"))
        .is_some()
}

impl Format for PythonSpanDump {
    fn name(&self) -> &'static str {
        "python_span_dump"
    }

    fn describe(&self) -> &'static str {
        "OpenTelemetry Python SDK span dumps: {spans: [...]} with decimal ids, or console-exporter span objects"
    }

    fn sniff(&self, record: &Value) -> bool {
        match record {
            Value::Array(items) => items.first().is_some_and(has_context),
            Value::Object(_) => {
                has_context(record)
                    || record
                        .get("spans")
                        .and_then(|s| s.get(0))
                        .is_some_and(has_context)
            }
            _ => false,
        }
    }

    fn parse(
        &self,
        record: &[u8],
        ctx: &RecordCtx,
        out: &mut RecordOutput,
    ) -> Result<(), RecordError> {
        let is_array = record.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
        let spans: Vec<PySpan> = if is_array {
            parse_json(record, ctx.line)?
        } else {
            let mut doc: PySpan = parse_json(record, ctx.line)?;
            match doc.spans.take() {
                Some(spans) => spans,
                None if doc.context.is_some() => vec![doc],
                None => {
                    return Err(RecordError::unrecognized(
                        "an object that is neither a span nor a {spans: [...]} dump",
                    ))
                }
            }
        };
        for span in &spans {
            emit(span.to_raw(ctx.line), ctx, ctx.line, out);
        }
        Ok(())
    }
}

/// One span; a file-level object is either a span or a `{spans: [...]}`
/// wrapper, told apart by `spans`. (One struct for both, because ids are
/// borrowed raw JSON, which serde cannot buffer for untagged or flattened
/// parsing.)
#[derive(Deserialize, Default)]
struct PySpan<'a> {
    #[serde(borrow, default)]
    spans: Option<Vec<PySpan<'a>>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    context: Option<PyContext<'a>>,
    #[serde(borrow, default)]
    parent: Option<PyContext<'a>>,
    #[serde(borrow, default)]
    parent_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    start_time: Option<&'a RawValue>,
    #[serde(borrow, default)]
    end_time: Option<&'a RawValue>,
    #[serde(default)]
    status: Option<PyStatus>,
    #[serde(default)]
    attributes: Option<serde_json::Map<String, Value>>,
    #[serde(default)]
    events: Option<Value>,
    #[serde(default)]
    resource: Option<Value>,
}

#[derive(Deserialize)]
struct PyContext<'a> {
    #[serde(borrow, default)]
    trace_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    span_id: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct PyStatus {
    #[serde(default)]
    status_code: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

/// An id as a decimal integer (formatted as OTLP hex of `hex_width` digits)
/// or a hex string, `0x` or not.
fn id_text(raw: &RawValue, hex_width: usize) -> Option<String> {
    let text = raw.get().trim();
    if text.starts_with('"') {
        let s: String = serde_json::from_str(text).ok()?;
        normalize_hex_id(&s)
    } else if text == "null" {
        None
    } else {
        let n: u128 = text.parse().ok()?;
        Some(format!("{n:0hex_width$x}"))
    }
}

fn time_ns(raw: &RawValue) -> Option<i64> {
    let text = raw.get().trim();
    if text.starts_with('"') {
        let s: String = serde_json::from_str(text).ok()?;
        parse_timestamp_ns(&s)
    } else {
        text.parse::<i64>().ok().filter(|&t| t > 0)
    }
}

impl PySpan<'_> {
    fn to_raw(&self, line: u32) -> Result<RawSpan<'_>, (&'static str, String)> {
        let name = self.name.as_deref().unwrap_or_default();
        let context = self.context.as_ref();
        let trace_id = context
            .and_then(|c| c.trace_id)
            .and_then(|id| id_text(id, 32))
            .ok_or((
                "missing_trace_id",
                format!("span {name:?} has no context.trace_id"),
            ))?;
        let span_id = context
            .and_then(|c| c.span_id)
            .and_then(|id| id_text(id, 16))
            .ok_or((
                "missing_span_id",
                format!("span {name:?} in trace {trace_id} has no context.span_id"),
            ))?;
        let parent_id = self
            .parent
            .as_ref()
            .and_then(|p| p.span_id)
            .or(self.parent_id)
            .and_then(|id| id_text(id, 16));
        let status_code = self.status.as_ref().and_then(|s| s.status_code.as_deref());
        let status = match status_code.map(|c| c.to_ascii_uppercase()) {
            Some(c) if c.ends_with("ERROR") => Status::Error,
            Some(c) if c.ends_with("OK") => Status::Ok,
            _ => Status::Unset,
        };
        let exception = exception_of(self.events.as_ref());
        Ok(RawSpan {
            trace_id,
            span_id,
            parent_id,
            name: Cow::Borrowed(name),
            start_ns: self.start_time.and_then(time_ns),
            end_ns: self.end_time.and_then(time_ns),
            status,
            status_message: self
                .status
                .as_ref()
                .and_then(|s| s.description.as_deref())
                .map(Cow::Borrowed),
            exception,
            attrs: self.attributes.as_ref().map(flat_attrs).unwrap_or_default(),
            events: content_events_of(self.events.as_ref()),
            service_name: service_name(self.resource.as_ref().and_then(|r| r.get("attributes"))),
            line,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_ids_keep_all_their_digits() {
        let raw = RawValue::from_string("115825058289444712299650141807529952578".into()).unwrap();
        assert_eq!(
            id_text(&raw, 32).as_deref(),
            Some(format!("{:032x}", 115825058289444712299650141807529952578u128).as_str())
        );
        let hex = RawValue::from_string("\"0xE870ABC\"".into()).unwrap();
        assert_eq!(id_text(&hex, 32).as_deref(), Some("e870abc"));
    }
}
