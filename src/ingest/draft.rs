//! An event under construction. Every adapter, OTLP-family or not, sets
//! its facts through these methods, so texts are digested, tool arguments
//! canonicalized and loop guards recognized in one way whatever the format.

use super::dialect::{handoff_target_of_tool, HandoffTool};
use super::record::{RecordCtx, RecordOutput};
use super::time::parse_timestamp_ns;
use super::values::canonical_args;
use crate::event::{AgentClues, Event, Kind, PendingEvent, Role, Status};
use crate::termination::guard_from_message;
use crate::text;

/// Longest error message kept in the Store; longer ones are cut (the full
/// text stays in the source file the event points to).
pub const ERROR_MESSAGE_CHARS: usize = 2048;

pub struct Draft {
    pub event: Event,
    pub clues: AgentClues,
    /// The span this event's content belongs to (`PendingEvent::attach_to`).
    pub attach_to: Option<String>,
}

impl Draft {
    /// An event of `trace_id` / `span_id` read from the record line `line`.
    pub fn new(ctx: &RecordCtx, trace_id: String, span_id: String, line: u32) -> Draft {
        Draft {
            event: Event::new(trace_id, span_id, ctx.source_format, ctx.file.clone(), line),
            clues: AgentClues::default(),
            attach_to: None,
        }
    }

    pub fn input_text(&mut self, text: &str, ctx: &RecordCtx) {
        self.event.input = Some(text::digest(text, ctx.excerpt_chars));
    }

    /// The output's excerpt, hash, MinHash signature and text signals. A
    /// tool's output gets no signature: only the revisions of agents are
    /// compared for near-repeats (`convergence-starvation`), and tool
    /// outputs (pages, files) are often the longest texts of a trace.
    pub fn output_text(&mut self, text: &str, ctx: &RecordCtx) {
        let from_tool = self.event.kind == Kind::ToolCall
            || self.event.tool_name.is_some()
            || self.event.role == Some(Role::Tool);
        if !from_tool {
            self.event.output_sig = text::minhash_signature(text);
        }
        let author = if from_tool {
            crate::failure::Author::Tool
        } else {
            crate::failure::Author::Agent
        };
        self.event.output_signals = crate::signals::of_output(text, ctx.source_format, author);
        if self.event.role == Some(Role::System) {
            self.event.output_signals |= crate::signals::of_instructions(text);
        }
        self.event.output_failure_signature =
            (self.event.output_signals & crate::failure::SIGNED_TEXT != 0)
                .then(|| crate::failure::signature(text));
        self.event.output = Some(text::digest(text, ctx.excerpt_chars));
    }

    /// Tool name and arguments, canonicalized (keys sorted, compact) and
    /// hashed for the repeated-call detectors.
    ///
    /// A call of a generic handoff tool (`transfer_to_agent {"agent_name":
    /// X}`, ...) is a handoff to X, whatever its span says: the event becomes
    /// a handoff, made by the agent it runs under. A tool named
    /// `transfer_to_X` keeps X as its candidate target (`handoff_to` on a
    /// tool call); assembly makes it a handoff if X is an agent of the trace.
    pub fn tool(&mut self, name: Option<String>, raw_args: Option<&str>) {
        self.event.tool_name = name.filter(|n| !n.trim().is_empty());
        if let Some(args) = raw_args {
            let canonical = canonical_args(args);
            self.event.tool_args_hash = Some(text::exact_hash(&canonical));
            self.event.tool_args = Some(canonical);
        }
        let handoff = self
            .event
            .tool_name
            .as_deref()
            .and_then(|tool| handoff_target_of_tool(tool, self.event.tool_args.as_deref()));
        match handoff {
            Some(HandoffTool::To(target)) => {
                self.event.kind = Kind::Handoff;
                if self.event.handoff_to.is_none() {
                    self.event.handoff_to = target;
                }
            }
            Some(HandoffTool::IfAgent(candidate)) => {
                self.event.handoff_to.get_or_insert(candidate);
            }
            None => {}
        }
    }

    /// Marks the event failed with `message`; a loop guard named in the
    /// message becomes the termination reason.
    pub fn error(&mut self, error_type: Option<String>, message: Option<&str>) {
        self.event.status = Status::Error;
        if error_type.is_some() {
            self.event.error_type = error_type;
        }
        if let Some(message) = message.filter(|m| !m.trim().is_empty()) {
            self.note_guard(message);
            self.event.error_message = Some(text::excerpt(message, ERROR_MESSAGE_CHARS));
        }
    }

    /// Sets the termination reason if `message` names a framework's loop
    /// guard (and no reason is set yet).
    pub fn note_guard(&mut self, message: &str) {
        if self.event.termination_reason.is_none() {
            self.event.termination_reason = guard_from_message(message).map(str::to_string);
        }
    }

    /// Timestamps in ISO 8601 text.
    pub fn times(&mut self, start: Option<&str>, end: Option<&str>) {
        self.event.start_ns = start.and_then(parse_timestamp_ns);
        self.event.end_ns = end.and_then(parse_timestamp_ns);
    }

    pub fn pending(self, ctx: &RecordCtx, order: u64) -> PendingEvent {
        PendingEvent {
            event: self.event,
            clues: self.clues,
            order: (ctx.file_index, order),
            attach_to: self.attach_to,
        }
    }

    /// Adds the event to the record's output, after those already there.
    pub fn emit(self, ctx: &RecordCtx, out: &mut RecordOutput) {
        let order = out.next_order();
        out.events.push(self.pending(ctx, order));
    }
}
