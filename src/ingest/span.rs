//! A span as every OTLP-family container holds it once unpacked, and its
//! conversion to a normalized event through the attribute dialects.

use std::borrow::Cow;

use super::attrs::Attrs;
use super::dialect::{self, is_content_event, is_placeholder_agent, SpanEvent};
use super::draft::{Draft, ERROR_MESSAGE_CHARS};
use super::record::{RecordCtx, RecordOutput};
use crate::event::{AgentClues, Kind, PendingEvent, Status};
use crate::text;

#[derive(Debug, Default)]
pub struct RawSpan<'a> {
    pub trace_id: String,
    pub span_id: String,
    pub parent_id: Option<String>,
    pub name: Cow<'a, str>,
    pub start_ns: Option<i64>,
    pub end_ns: Option<i64>,
    pub status: Status,
    pub status_message: Option<Cow<'a, str>>,
    /// From an `exception` span event: (exception.type, exception.message).
    pub exception: Option<(Option<String>, Option<String>)>,
    pub attrs: Attrs<'a>,
    /// Span events other than `exception` (and log records joined to the
    /// span): where some emitters put the content.
    pub events: Vec<SpanEvent<'a>>,
    pub service_name: Option<Cow<'a, str>>,
    /// Line of the record in its file (1-based).
    pub line: u32,
}

/// A span's events as `RawSpan` keeps them: the first `exception`'s type
/// and message, and the events that carry GenAI content
/// (`dialect::is_content_event`); the others are left out. Attributes are
/// converted only for the events kept.
#[derive(Default)]
pub struct EventsRead<'a> {
    pub exception: Option<(Option<String>, Option<String>)>,
    pub content: Vec<SpanEvent<'a>>,
}

impl<'a> EventsRead<'a> {
    pub fn add(&mut self, name: Cow<'a, str>, attrs: impl FnOnce() -> Attrs<'a>) {
        if name == "exception" {
            if self.exception.is_none() {
                let attrs = attrs();
                let get = |k: &str| attrs.text(&[k]).map(|t| t.into_owned());
                self.exception = Some((get("exception.type"), get("exception.message")));
            }
        } else if is_content_event(&name) {
            self.content.push(SpanEvent {
                name,
                attrs: attrs(),
            });
        }
    }
}

/// The status an `otel.status_code` tag gives (`ERROR`, `OK`, any case):
/// how the OTel exporters to Jaeger and Zipkin write a span's status.
pub fn otel_status_tag(attrs: &Attrs) -> Option<Status> {
    match attrs
        .text(&["otel.status_code"])?
        .to_ascii_uppercase()
        .as_str()
    {
        "ERROR" => Some(Status::Error),
        "OK" => Some(Status::Ok),
        _ => None,
    }
}

/// Start and end in nanoseconds of a span given as a start and a duration
/// in microseconds (Jaeger, Zipkin).
pub fn micros_span_ns(
    start_us: Option<i64>,
    duration_us: Option<i64>,
) -> (Option<i64>, Option<i64>) {
    (
        start_us.map(|us| us.saturating_mul(1000)),
        start_us
            .zip(duration_us)
            .map(|(s, d)| s.saturating_add(d).saturating_mul(1000)),
    )
}

/// A span read from a record, or why it could not be: (reason, detail).
pub type SpanRead<'a> = Result<RawSpan<'a>, (&'static str, String)>;

/// Adds what reading one span of a record gave to `out`: its event, or its
/// skip on `line`. Spans are ordered as they are read.
#[inline]
pub fn emit(read: SpanRead, ctx: &RecordCtx, line: u32, out: &mut RecordOutput) {
    let order = out.next_order();
    match read {
        Ok(raw) => out.events.push(raw.into_pending(ctx, order)),
        Err((reason, detail)) => out.skip(line, reason, detail),
    }
}

impl RawSpan<'_> {
    /// Maps the span through the dialects into a pending event. `order` is
    /// the span's position among the records of its file.
    pub fn into_pending(self, ctx: &RecordCtx, order: u64) -> PendingEvent {
        let (kind, facts) = dialect::read_span(&self.attrs, &self.events, &self.name);
        let mut draft = Draft::new(ctx, self.trace_id, self.span_id, self.line);
        let event = &mut draft.event;
        event.parent_id = self.parent_id;
        event.kind = kind;
        event.op = span_op(&self.attrs, kind);
        event.name = self.name.into_owned();
        event.start_ns = self.start_ns;
        event.end_ns = self.end_ns;
        event.session_id = facts.session_id;
        event.model = facts.model;
        event.input_tokens = facts.input_tokens;
        event.output_tokens = facts.output_tokens;
        event.cost_usd = facts.cost_usd;
        event.step = facts.step;
        event.role = facts.role;
        event.handoff_from = facts.handoff_from;
        event.handoff_to = facts.handoff_to;
        event.status = self.status;
        if kind == Kind::ToolCall {
            draft.tool(facts.tool_name, facts.tool_args.as_deref());
        }
        if let Some(input) = facts.input_text {
            draft.input_text(&input, ctx);
        }
        if let Some(output) = facts.output_text {
            draft.output_text(&output, ctx);
        }

        let (exception_type, exception_message) = self.exception.unwrap_or((None, None));
        let message = self
            .status_message
            .map(|m| m.into_owned())
            .filter(|m| !m.trim().is_empty())
            .or(exception_message);
        let error_type = exception_type.or(facts.error_type);
        if error_type.is_some() && draft.event.status == Status::Unset {
            draft.event.status = Status::Error;
        }
        draft.event.error_type = error_type;
        if let Some(message) = message.as_deref() {
            // Ok spans keep their message too: it may say why the run stopped.
            draft.note_guard(message);
            draft.event.error_message = Some(text::excerpt(message, ERROR_MESSAGE_CHARS));
        }

        draft.clues = AgentClues {
            own: facts.agent.filter(|a| !is_placeholder_agent(a)),
            hint: facts.agent_hint,
            // `unknown_service[:process]` is the OpenTelemetry SDK's name
            // for a service nobody named: no agent.
            fallback: self
                .service_name
                .filter(|s| !s.starts_with("unknown_service"))
                .map(|s| s.into_owned()),
        };
        draft.pending(ctx, order)
    }
}

/// The raw operation: the dialect attribute that decided the kind, else the
/// kind itself.
fn span_op(attrs: &Attrs, kind: Kind) -> String {
    attrs
        .text(&[
            "gen_ai.operation.name",
            "openinference.span.kind",
            "ai.operationId",
            "traceloop.span.kind",
        ])
        .map(|t| t.into_owned())
        .unwrap_or_else(|| kind.as_str().to_string())
}
