//! OTLP/JSON (FORMATS.md §3.1): `TracesData` / `ExportTraceServiceRequest`
//! objects, one per file or one per line (the file exporter's JSON Lines),
//! and Grafana Tempo's trace-by-id response (`batches`). Ids in hex, or in
//! base64 as the generic protobuf JSON mapping writes them.
//! Typed and borrowing, because this is the format of large exports.
//! Accepts what receivers must: hex ids in any case, 64-bit integers as
//! strings or numbers, enums as integers or names, unknown fields, the
//! legacy `instrumentationLibrarySpans`, and proto field names in snake case.

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

use crate::event::{Kind, Status};
use crate::ingest::attrs::{AttrValue, Attrs};
use crate::ingest::dialect::{content_of, SpanEvent};
use crate::ingest::draft::Draft;
use crate::ingest::format::Format;
use crate::ingest::framing::LineCounter;
use crate::ingest::json::{json_error, parse_json, without_position};
use crate::ingest::record::{RecordCtx, RecordError, RecordOutput};
use crate::ingest::span::{emit, EventsRead, RawSpan, SpanRead};
use crate::ingest::values::otlp_id;

pub struct OtlpJson;

impl Format for OtlpJson {
    fn name(&self) -> &'static str {
        "otlp_json"
    }

    fn describe(&self) -> &'static str {
        "OTLP/JSON TracesData or ExportTraceServiceRequest (one per file, or JSON Lines)"
    }

    /// `batches` is Grafana Tempo's name for `resourceSpans` in its
    /// trace-by-id response (`/api/traces/<id>`). Logs and metrics records
    /// are OTLP/JSON too: a Collector file exporter in several pipelines
    /// writes them into the same file, in any order.
    fn sniff(&self, record: &Value) -> bool {
        [
            "resourceSpans",
            "resource_spans",
            "batches",
            "resourceLogs",
            "resource_logs",
            "resourceMetrics",
            "resource_metrics",
        ]
        .iter()
        .any(|key| record.get(key).is_some_and(Value::is_array))
    }

    fn parse(
        &self,
        record: &[u8],
        ctx: &RecordCtx,
        out: &mut RecordOutput,
    ) -> Result<(), RecordError> {
        let data: TracesData = match parse_json(record, ctx.line) {
            Ok(data) => data,
            // One span of the wrong shape loses that span, not the record.
            Err(error) => return read_span_by_span(record, ctx, out, error),
        };
        let Some(resource_spans) = data.resource_spans else {
            return read_other_signal(record, ctx, out);
        };
        // Events are large: room for all of the record's at once, rather
        // than a vector grown (and copied) by doubling.
        out.events.reserve(
            resource_spans
                .iter()
                .flat_map(|rs| &rs.scope_spans)
                .map(|ss| ss.spans.len())
                .sum(),
        );
        for rs in resource_spans {
            let service = rs.resource.as_ref().and_then(service_of);
            for ss in rs.scope_spans {
                for span in ss.spans {
                    emit_checked(span.into_raw(service.clone(), ctx.line), ctx, ctx.line, out);
                }
            }
        }
        Ok(())
    }
}

/// `emit`, after saying so when an id is not what OTLP allows (16 bytes
/// for a trace, 8 for a span, not all zero: opentelemetry-proto
/// trace/v1/trace.proto): the span is kept, read with the id as given.
fn emit_checked(read: SpanRead, ctx: &RecordCtx, line: u32, out: &mut RecordOutput) {
    if let Ok(raw) = &read {
        let problem = [("trace", &raw.trace_id, 32), ("span", &raw.span_id, 16)]
            .into_iter()
            .find(|(_, id, len)| {
                id.len() != *len
                    || !id.bytes().all(|b| b.is_ascii_hexdigit())
                    || id.bytes().all(|b| b == b'0')
            });
        if let Some((what, id, len)) = problem {
            let detail = format!(
                "span {:?} has {what} id {id:?}, which is not {len} hex digits other than all zeros; it is read as given",
                raw.name
            );
            out.repair(line, "invalid_id", detail);
        }
    }
    emit(read, ctx, line, out);
}

fn no_resource_spans() -> RecordError {
    RecordError::unrecognized("an object without resourceSpans in an OTLP/JSON input")
}

/// What becomes of log records without GenAI content, and of metrics.
pub const IGNORED_LOG_RECORDS: &str = "log records without GenAI content (ignored)";
pub const IGNORED_METRICS: &str = "metrics records (ignored)";
pub const UNATTACHED_LOG_RECORDS: &str = "GenAI log records without a trace or span id (ignored)";

/// A record without spans: OTLP logs, whose GenAI events (`gen_ai.choice`,
/// `gen_ai.user.message`, ... with their trace and span ids: what
/// opentelemetry-instrumentation-openai-v2 and Semantic Kernel emit) are
/// read as content for their spans, or metrics, set aside.
fn read_other_signal(
    record: &[u8],
    ctx: &RecordCtx,
    out: &mut RecordOutput,
) -> Result<(), RecordError> {
    let data: OtherSignals = parse_json(record, ctx.line)?;
    if let Some(resource_logs) = data.resource_logs {
        for rl in resource_logs {
            let service = rl.resource.as_ref().and_then(service_of);
            for sl in rl.scope_logs {
                for log in sl.log_records {
                    read_log_record(log, service.as_deref(), ctx, out);
                }
            }
        }
        return Ok(());
    }
    if data.resource_metrics.is_some() {
        out.other_signal(IGNORED_METRICS, 1);
        return Ok(());
    }
    Err(no_resource_spans())
}

/// One log record: a GenAI event with its span's ids becomes an event
/// attached to that span (`PendingEvent::attach_to`); anything else is
/// counted and set aside.
fn read_log_record(
    log: LogRecord<'_>,
    service: Option<&str>,
    ctx: &RecordCtx,
    out: &mut RecordOutput,
) {
    let mut pairs = body_fields(log.body);
    pairs.extend(log.attributes.0);
    let attrs = Attrs::from_pairs(pairs);
    let name = log
        .event_name
        .filter(|n| !n.is_empty())
        .or_else(|| {
            attrs
                .text(&["event.name"])
                .map(|n| Cow::Owned(n.into_owned()))
        })
        .unwrap_or_default();
    let trace_id = log.trace_id.as_deref().and_then(otlp_id);
    let span_id = log.span_id.as_deref().and_then(otlp_id);
    let event = SpanEvent { name, attrs };
    let Some(content) = content_of(&event) else {
        out.other_signal(IGNORED_LOG_RECORDS, 1);
        return;
    };
    let (Some(trace_id), Some(span_id)) = (trace_id, span_id) else {
        out.other_signal(UNATTACHED_LOG_RECORDS, 1);
        return;
    };
    let order = out.next_order();
    let id = format!("{span_id}/log-{}-{}", ctx.line, order & 0xffff_ffff);
    let mut draft = Draft::new(ctx, trace_id, id, ctx.line);
    draft.event.kind = Kind::Message;
    draft.event.op = event.name.to_string();
    draft.event.name = event.name.to_string();
    draft.event.role = Some(content.role);
    draft.event.parent_id = Some(span_id.clone());
    // Zero means "not recorded"; the SDK leaves the time out unless given.
    draft.event.start_ns = [log.time_unix_nano, log.observed_time_unix_nano]
        .into_iter()
        .flatten()
        .map(|t| t.0)
        .find(|&t| t > 0);
    if content.output {
        draft.output_text(&content.text, ctx);
    } else {
        draft.input_text(&content.text, ctx);
    }
    draft.clues.fallback = service
        .filter(|s| !s.starts_with("unknown_service"))
        .map(str::to_string);
    draft.attach_to = Some(span_id);
    out.events.push(draft.pending(ctx, order));
}

/// A log record's body as attributes: the fields of a key-value list, or
/// the whole body as `content`.
fn body_fields(body: Option<AnyValue<'_>>) -> Vec<(Cow<'_, str>, AttrValue<'_>)> {
    let Some(body) = body else {
        return Vec::new();
    };
    if let Some(Value::Object(map)) = body.kvlist_value.as_ref().map(plain_json) {
        return map
            .into_iter()
            .filter_map(|(k, v)| {
                let value = match v {
                    Value::String(s) => AttrValue::Str(Cow::Owned(s)),
                    Value::Null => return None,
                    other => AttrValue::Json(other.to_string()),
                };
                Some((Cow::Owned(k), value))
            })
            .collect();
    }
    body.into_attr()
        .map(|v| vec![(Cow::Borrowed("content"), v)])
        .unwrap_or_default()
}

/// A record that did not parse as a whole, read again span by span: each
/// span that still does not parse is skipped with its JSON path and line,
/// the others are kept. A record whose structure itself is broken (not
/// JSON, no `resourceSpans` list) gives the first error, for the whole.
fn read_span_by_span(
    record: &[u8],
    ctx: &RecordCtx,
    out: &mut RecordOutput,
    whole: RecordError,
) -> Result<(), RecordError> {
    let Ok(loose) = parse_json::<LooseTracesData>(record, ctx.line) else {
        return Err(whole);
    };
    let Some(resource_spans) = loose.resource_spans else {
        return Err(no_resource_spans());
    };
    let mut lines = LineCounter::new(record);
    let mut line_of = |raw: &RawValue| {
        let at = raw.get().as_ptr() as usize - record.as_ptr() as usize;
        ctx.line + lines.line_at(at) - 1
    };
    for (r, rs) in resource_spans.into_iter().enumerate() {
        let service = match rs
            .resource
            .map(|raw| serde_json::from_str::<Resource>(raw.get()))
        {
            Some(Ok(resource)) => service_of(&resource),
            Some(Err(error)) => {
                let line = line_of(rs.resource.expect("parsed above"));
                let detail = format!("resourceSpans[{r}].resource: {error}; its spans are read without a service name");
                out.repair(line, "invalid_resource", detail);
                None
            }
            None => None,
        };
        for (s, ss) in rs.scope_spans.into_iter().enumerate() {
            for (k, raw) in ss.spans.into_iter().enumerate() {
                let line = line_of(raw);
                match serde_json::from_str::<Span>(raw.get()) {
                    Ok(span) => emit_checked(span.into_raw(service.clone(), line), ctx, line, out),
                    Err(error) => {
                        let path = format!("resourceSpans[{r}].scopeSpans[{s}].spans[{k}]");
                        let why = json_error(&error, raw.get().as_bytes(), line);
                        // A value of the wrong type is a span of the wrong
                        // shape; depth and syntax keep their own reasons.
                        let reason = match error.classify() {
                            serde_json::error::Category::Data => "invalid_span",
                            _ => why.reason,
                        };
                        let at = why.line.unwrap_or(line);
                        out.skip(
                            at,
                            reason,
                            format!("{path}: {}", without_position(&why.detail)),
                        );
                    }
                }
            }
        }
    }
    Ok(())
}

/// `service.name` of a resource.
fn service_of<'a>(resource: &Resource<'a>) -> Option<Cow<'a, str>> {
    resource
        .attributes
        .iter()
        .find(|kv| kv.key == "service.name")
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| v.string_value.clone())
}

/// `TracesData` / `ExportTraceServiceRequest`, generic over how a resource
/// and a span are read: typed (`TracesData`), or kept as raw JSON to be
/// parsed one by one (`LooseTracesData`).
#[derive(Deserialize)]
struct TracesDataOf<R> {
    #[serde(alias = "resource_spans", alias = "batches", rename = "resourceSpans")]
    resource_spans: Option<Vec<R>>,
}

#[derive(Deserialize)]
struct ResourceSpansOf<R, S> {
    resource: Option<R>,
    #[serde(
        default = "Vec::new",
        rename = "scopeSpans",
        alias = "scope_spans",
        alias = "instrumentationLibrarySpans",
        alias = "instrumentation_library_spans"
    )]
    scope_spans: Vec<ScopeSpansOf<S>>,
}

#[derive(Deserialize)]
struct ScopeSpansOf<S> {
    #[serde(default = "Vec::new")]
    spans: Vec<S>,
}

/// A record of the other signals: `LogsData` / `MetricsData`.
#[derive(Deserialize)]
struct OtherSignals<'a> {
    #[serde(borrow, default, rename = "resourceLogs", alias = "resource_logs")]
    resource_logs: Option<Vec<ResourceLogs<'a>>>,
    #[serde(default, rename = "resourceMetrics", alias = "resource_metrics")]
    resource_metrics: Option<de::IgnoredAny>,
}

#[derive(Deserialize)]
struct ResourceLogs<'a> {
    #[serde(borrow)]
    resource: Option<Resource<'a>>,
    #[serde(borrow, default, rename = "scopeLogs", alias = "scope_logs")]
    scope_logs: Vec<ScopeLogs<'a>>,
}

#[derive(Deserialize)]
struct ScopeLogs<'a> {
    #[serde(borrow, default, rename = "logRecords", alias = "log_records")]
    log_records: Vec<LogRecord<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogRecord<'a> {
    #[serde(default, alias = "time_unix_nano")]
    time_unix_nano: Option<Int64>,
    #[serde(default, alias = "observed_time_unix_nano")]
    observed_time_unix_nano: Option<Int64>,
    #[serde(borrow, default, alias = "event_name")]
    event_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    body: Option<AnyValue<'a>>,
    #[serde(borrow, default)]
    attributes: AttrPairs<'a>,
    #[serde(borrow, default, alias = "trace_id")]
    trace_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, alias = "span_id")]
    span_id: Option<Cow<'a, str>>,
}

type TracesData<'a> = TracesDataOf<ResourceSpansOf<Resource<'a>, Span<'a>>>;
type LooseTracesData<'a> = TracesDataOf<ResourceSpansOf<&'a RawValue, &'a RawValue>>;

#[derive(Deserialize)]
struct Resource<'a> {
    #[serde(borrow, default)]
    attributes: Vec<KeyValue<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Span<'a> {
    #[serde(borrow, default, alias = "trace_id")]
    trace_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, alias = "span_id")]
    span_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, alias = "parent_span_id")]
    parent_span_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Cow<'a, str>,
    #[serde(default, alias = "start_time_unix_nano")]
    start_time_unix_nano: Option<Int64>,
    #[serde(default, alias = "end_time_unix_nano")]
    end_time_unix_nano: Option<Int64>,
    #[serde(borrow, default)]
    attributes: AttrPairs<'a>,
    #[serde(borrow, default)]
    events: Vec<OtlpSpanEvent<'a>>,
    #[serde(borrow, default)]
    status: Option<SpanStatus<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OtlpSpanEvent<'a> {
    #[serde(borrow, default)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    attributes: AttrPairs<'a>,
}

#[derive(Deserialize)]
struct SpanStatus<'a> {
    #[serde(default)]
    code: Option<StatusCode>,
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct KeyValue<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    #[serde(borrow, default)]
    value: Option<AnyValue<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AnyValue<'a> {
    #[serde(borrow, default, alias = "string_value")]
    string_value: Option<Cow<'a, str>>,
    #[serde(default, alias = "bool_value")]
    bool_value: Option<bool>,
    #[serde(default, alias = "int_value")]
    int_value: Option<Int64>,
    #[serde(default, alias = "double_value")]
    double_value: Option<f64>,
    #[serde(default, alias = "array_value")]
    array_value: Option<Value>,
    #[serde(default, alias = "kvlist_value")]
    kvlist_value: Option<Value>,
    #[serde(borrow, default, alias = "bytes_value")]
    bytes_value: Option<Cow<'a, str>>,
}

impl<'a> AnyValue<'a> {
    fn into_attr(self) -> Option<AttrValue<'a>> {
        if let Some(s) = self.string_value {
            return Some(AttrValue::Str(s));
        }
        if let Some(i) = self.int_value {
            return Some(AttrValue::Int(i.0));
        }
        if let Some(f) = self.double_value {
            return Some(AttrValue::Float(f));
        }
        if let Some(b) = self.bool_value {
            return Some(AttrValue::Bool(b));
        }
        if let Some(v) = self.array_value.or(self.kvlist_value) {
            return Some(AttrValue::Json(plain_json(&v).to_string()));
        }
        self.bytes_value.map(AttrValue::Str)
    }
}

/// OTLP `arrayValue` / `kvlistValue` as plain JSON: `{"values":[{"stringValue":"a"}]}`
/// becomes `["a"]`, key-value lists become objects.
fn plain_json(value: &Value) -> Value {
    let Some(values) = value.get("values").and_then(Value::as_array) else {
        return value.clone();
    };
    if values.iter().all(|v| v.get("key").is_some()) && !values.is_empty() {
        let map = values
            .iter()
            .filter_map(|kv| {
                let key = kv.get("key")?.as_str()?.to_string();
                Some((
                    key,
                    kv.get("value").map(any_value_json).unwrap_or(Value::Null),
                ))
            })
            .collect();
        Value::Object(map)
    } else {
        Value::Array(values.iter().map(any_value_json).collect())
    }
}

fn any_value_json(value: &Value) -> Value {
    let Some(obj) = value.as_object() else {
        return value.clone();
    };
    match obj.iter().next() {
        Some((k, v)) if k == "arrayValue" || k == "kvlistValue" => plain_json(v),
        Some((k, v)) if k == "intValue" => match v {
            Value::String(s) => s.parse::<i64>().map(Value::from).unwrap_or(v.clone()),
            _ => v.clone(),
        },
        Some((_, v)) => v.clone(),
        None => Value::Null,
    }
}

/// A 64-bit integer given as a JSON number or a decimal string.
struct Int64(i64);

impl<'de> Deserialize<'de> for Int64 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Int64Visitor;
        impl Visitor<'_> for Int64Visitor {
            type Value = Int64;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an integer or a decimal string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Int64, E> {
                Ok(Int64(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Int64, E> {
                i64::try_from(v).map(Int64).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Int64, E> {
                Ok(Int64(v as i64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Int64, E> {
                v.trim().parse::<i64>().map(Int64).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Int64Visitor)
    }
}

/// Status codes as integers (the spec) or names (`STATUS_CODE_ERROR`, `ERROR`).
struct StatusCode(Status);

impl<'de> Deserialize<'de> for StatusCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CodeVisitor;
        impl Visitor<'_> for CodeVisitor {
            type Value = StatusCode;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a status code")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<StatusCode, E> {
                Ok(StatusCode(match v {
                    1 => Status::Ok,
                    2 => Status::Error,
                    _ => Status::Unset,
                }))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<StatusCode, E> {
                self.visit_u64(v.max(0) as u64)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StatusCode, E> {
                let upper = v.to_ascii_uppercase();
                Ok(StatusCode(if upper.ends_with("ERROR") {
                    Status::Error
                } else if upper.ends_with("OK") {
                    Status::Ok
                } else {
                    Status::Unset
                }))
            }
        }
        deserializer.deserialize_any(CodeVisitor)
    }
}

/// Attributes as they are read: each key-value converted as soon as it is
/// parsed, so that no vector of OTLP key-values (large, and grown by
/// doubling) is built, copied and converted after. Values that are empty
/// or of no known type are left out.
#[derive(Default)]
struct AttrPairs<'a>(Vec<(Cow<'a, str>, AttrValue<'a>)>);

impl<'de: 'a, 'a> Deserialize<'de> for AttrPairs<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PairsVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for PairsVisitor<'a> {
            type Value = AttrPairs<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of key-values")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                // GenAI spans carry a dozen or two attributes.
                let mut pairs = Vec::with_capacity(seq.size_hint().unwrap_or(16).min(64));
                while let Some(kv) = seq.next_element::<KeyValue<'a>>()? {
                    if let Some(value) = kv.value.and_then(AnyValue::into_attr) {
                        pairs.push((kv.key, value));
                    }
                }
                Ok(AttrPairs(pairs))
            }
        }
        deserializer.deserialize_seq(PairsVisitor(std::marker::PhantomData))
    }
}

fn attrs_of(pairs: AttrPairs<'_>) -> Attrs<'_> {
    Attrs::from_pairs(pairs.0)
}

impl<'a> Span<'a> {
    fn into_raw(
        self,
        service_name: Option<Cow<'a, str>>,
        line: u32,
    ) -> Result<RawSpan<'a>, (&'static str, String)> {
        let trace_id = self.trace_id.as_deref().and_then(otlp_id).ok_or((
            "missing_trace_id",
            format!("span {:?} has no traceId", self.name),
        ))?;
        let span_id = self.span_id.as_deref().and_then(otlp_id).ok_or((
            "missing_span_id",
            format!("span {:?} in trace {trace_id} has no spanId", self.name),
        ))?;
        let mut events = EventsRead::default();
        for event in self.events {
            events.add(event.name, || attrs_of(event.attributes));
        }
        let (status, status_message) = match self.status {
            Some(s) => (s.code.map_or(Status::Unset, |c| c.0), s.message),
            None => (Status::Unset, None),
        };
        Ok(RawSpan {
            trace_id,
            span_id,
            parent_id: self.parent_span_id.as_deref().and_then(otlp_id),
            name: self.name,
            // Zero means "not recorded" in OTLP.
            start_ns: self.start_time_unix_nano.map(|t| t.0).filter(|&t| t > 0),
            end_ns: self.end_time_unix_nano.map(|t| t.0).filter(|&t| t > 0),
            status,
            status_message,
            exception: events.exception,
            attrs: attrs_of(self.attributes),
            events: events.content,
            service_name,
            line,
        })
    }
}
