//! The normalized event: one row of the Store per span, message or log record
//! (DESIGN.md §3). Adapters produce these; detectors and reports only ever see
//! them as Store columns.

use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What an event is, analytically. Adapters decide it from the source's own
/// vocabulary (span kind, run type, observation type, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    AgentInvoke,
    LlmCall,
    ToolCall,
    Handoff,
    Message,
    Guardrail,
    Retrieval,
    Embedding,
    Workflow,
    Step,
    Termination,
    Other,
}

impl Kind {
    pub const ALL: [Kind; 12] = [
        Kind::AgentInvoke,
        Kind::LlmCall,
        Kind::ToolCall,
        Kind::Handoff,
        Kind::Message,
        Kind::Guardrail,
        Kind::Retrieval,
        Kind::Embedding,
        Kind::Workflow,
        Kind::Step,
        Kind::Termination,
        Kind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::AgentInvoke => "agent_invoke",
            Kind::LlmCall => "llm_call",
            Kind::ToolCall => "tool_call",
            Kind::Handoff => "handoff",
            Kind::Message => "message",
            Kind::Guardrail => "guardrail",
            Kind::Retrieval => "retrieval",
            Kind::Embedding => "embedding",
            Kind::Workflow => "workflow",
            Kind::Step => "step",
            Kind::Termination => "termination",
            Kind::Other => "other",
        }
    }

    /// The kind a Store value names.
    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Status {
    Ok,
    Error,
    #[default]
    Unset,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Error => "error",
            Status::Unset => "unset",
        }
    }

    pub fn parse(text: &str) -> Status {
        match text {
            "ok" => Status::Ok,
            "error" => Status::Error,
            _ => Status::Unset,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    System,
    User,
    Assistant,
    Tool,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text.trim().to_ascii_lowercase().as_str() {
            "system" | "developer" => Some(Role::System),
            "user" | "human" => Some(Role::User),
            "assistant" | "ai" | "model" => Some(Role::Assistant),
            "tool" | "function" => Some(Role::Tool),
            _ => None,
        }
    }
}

/// A text reduced at ingest to what detectors need: an excerpt for people, a
/// hash for exact repeats and, for outputs, a MinHash signature for near
/// repeats. The full text is not kept, so memory follows events, not bytes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TextDigest {
    pub excerpt: String,
    pub hash: u64,
}

/// One normalized event. Column names and meanings: DESIGN.md §3.
/// Serializable so that inputs larger than memory can be spilled to disk
/// between reading and assembling (`pipeline::spill`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub trace_id: String,
    pub span_id: String,
    pub parent_id: Option<String>,
    /// Order in the trace; assigned when the trace is assembled.
    pub seq: u32,
    pub session_id: Option<String>,
    /// Resolved agent; assigned when the trace is assembled (see `AgentClues`).
    pub agent: Option<String>,
    pub kind: Kind,
    pub op: String,
    pub name: String,
    pub start_ns: Option<i64>,
    pub end_ns: Option<i64>,
    pub status: Status,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
    pub role: Option<Role>,
    pub input: Option<TextDigest>,
    pub output: Option<TextDigest>,
    pub output_sig: Option<Vec<u32>>,
    /// `crate::signals` flags of the full output text; 0 when none.
    pub output_signals: u32,
    /// `crate::failure::signature` of the full output text, when it reports
    /// a failure (an `output_signals` failure bit); else none.
    pub output_failure_signature: Option<u64>,
    pub model: Option<String>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub cost_usd: Option<f64>,
    pub tool_name: Option<String>,
    pub tool_args: Option<String>,
    pub tool_args_hash: Option<u64>,
    pub handoff_from: Option<String>,
    pub handoff_to: Option<String>,
    pub step: Option<i64>,
    pub termination_reason: Option<String>,
    /// True on the rows whose tokens and cost are counted in totals: rows that
    /// carry usage and have no descendant that does. Agent and chain spans
    /// often repeat their children's totals; counting leaves avoids doubling.
    pub usage_leaf: bool,
    /// The agent is only the service name (`service.name`): the process,
    /// not an agent any span named (FORMATS.md §5's last resort).
    pub agent_is_service: bool,
    /// Not serialized: a spill writes it as the format's index
    /// (`pipeline::spill`), since a `&'static str` cannot be read back.
    #[serde(skip)]
    pub source_format: &'static str,
    /// Not serialized: a spill restores it from its file table by
    /// `PendingEvent::order`.
    #[serde(skip)]
    pub source_file: Arc<str>,
    pub source_line: u32,
}

impl Event {
    /// An event with its identity and provenance set and everything else empty.
    pub fn new(
        trace_id: String,
        span_id: String,
        source_format: &'static str,
        source_file: Arc<str>,
        source_line: u32,
    ) -> Event {
        Event {
            trace_id,
            span_id,
            parent_id: None,
            seq: 0,
            session_id: None,
            agent: None,
            kind: Kind::Other,
            op: String::new(),
            name: String::new(),
            start_ns: None,
            end_ns: None,
            status: Status::Unset,
            error_type: None,
            error_message: None,
            role: None,
            input: None,
            output: None,
            output_sig: None,
            output_signals: 0,
            output_failure_signature: None,
            model: None,
            input_tokens: None,
            output_tokens: None,
            cost_usd: None,
            tool_name: None,
            tool_args: None,
            tool_args_hash: None,
            handoff_from: None,
            handoff_to: None,
            step: None,
            termination_reason: None,
            usage_leaf: false,
            agent_is_service: false,
            source_format,
            source_file,
            source_line,
        }
    }

    /// Whether `other` says the same as this event, wherever it was read
    /// from: the same span exported twice, or in two containers (OTLP/JSON
    /// and protobuf) is the same record. Jaeger and Zipkin keep
    /// microseconds: times that agree to the microsecond (an end derived
    /// from a rounded duration, to two) are the same times when the copies
    /// come from different formats.
    pub fn same_content(&self, other: &Event) -> bool {
        let mut moved = other.clone();
        moved.source_file = self.source_file.clone();
        moved.source_line = self.source_line;
        if self.source_format != other.source_format {
            let close = |a: Option<i64>, b: Option<i64>, ns: i64| match (a, b) {
                (Some(a), Some(b)) => (a - b).abs() < ns,
                _ => a == b,
            };
            if close(self.start_ns, moved.start_ns, 1_000)
                && close(self.end_ns, moved.end_ns, 2_000)
            {
                moved.start_ns = self.start_ns;
                moved.end_ns = self.end_ns;
            }
        }
        moved.source_format = self.source_format;
        *self == moved
    }

    pub fn carries_usage(&self) -> bool {
        self.input_tokens.is_some() || self.output_tokens.is_some() || self.cost_usd.is_some()
    }
}

/// What an adapter knows about an event's agent before the trace is
/// assembled. Resolution order (FORMATS.md §5): `own` (an explicit agent
/// attribute that is not a placeholder), else the nearest `agent_invoke`
/// ancestor's agent, else `hint` (graph node, speaker), else `fallback`
/// (the service name).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentClues {
    pub own: Option<String>,
    pub hint: Option<String>,
    pub fallback: Option<String>,
}

/// An event as an adapter emits it, before its trace is assembled.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingEvent {
    pub event: Event,
    pub clues: AgentClues,
    /// Position in the input: (file index, record index within the file).
    /// Ties in start time are broken by tree depth and then by this.
    pub order: (u32, u64),
    /// Set on the content of a log record that belongs to a span (an OTel
    /// GenAI event such as `gen_ai.choice`, correlated by trace and span
    /// id): the id of that span. Assembly folds the content into the span
    /// when the trace has it, and sets it aside (counted) otherwise.
    #[serde(default)]
    pub attach_to: Option<String>,
}

/// UTC epoch nanoseconds as RFC 3339 with nine fraction digits
/// (`2026-07-23T00:00:02.123456789Z`): how typed timestamps (a Parquet
/// column's) are given to readers that take text.
pub fn format_timestamp_ns(ns: i64) -> String {
    let seconds = ns.div_euclid(1_000_000_000);
    let nanos = ns.rem_euclid(1_000_000_000);
    let (days, rest) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The proleptic Gregorian date of a day since 1970-01-01 (Howard
/// Hinnant's algorithm, the inverse of `days_from_civil`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}
