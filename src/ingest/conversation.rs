//! Traces that are conversations: message lists and text logs, where each
//! utterance is an event and the turn passing from one agent to another is
//! a handoff edge (FORMATS.md §1: `handoff_from/to` "for speaker
//! transitions derived from message order").
//!
//! Utterances stay `kind = message`; the edge is recorded on the message
//! that receives the turn (or, for an utterance addressed to someone, on the
//! utterance itself). Detectors tell these implicit edges from explicit
//! handoff records by the kind. A graph run (LangGraph) is read the same
//! way: its moving from one node to the next is the edge
//! (`mark_node_transitions`).

use super::draft::Draft;
use super::record::{RecordCtx, RecordOutput};
use crate::event::{Event, Kind, Role};

/// One utterance as a format reads it.
#[derive(Default)]
pub struct Utterance {
    /// Who spoke: a message `name`, a speaker header, a role prefix.
    pub speaker: Option<String>,
    pub role: Option<Role>,
    pub content: String,
    /// The agent the utterance is addressed to, when the format says so
    /// (Magentic-One `Orchestrator (-> WebSurfer)`, ChatDev `A<->B`).
    pub addressed_to: Option<String>,
    pub name: Option<String>,
    pub start_ns: Option<i64>,
    /// Line of the utterance in its file, when known; else the record's.
    pub line: Option<u32>,
    pub step: Option<i64>,
    /// `message` unless the format says more (an explicit handoff).
    pub kind: Option<Kind>,
}

/// Builds the events of one conversation trace, in order.
pub struct Conversation<'c, 'o> {
    trace_id: String,
    ctx: &'c RecordCtx,
    out: &'o mut RecordOutput,
    /// The last speaker.
    holder: Option<String>,
    /// The agent the holder last addressed; its answer is not a new edge.
    addressed: Option<String>,
    index: usize,
}

impl<'c, 'o> Conversation<'c, 'o> {
    pub fn new(trace_id: String, ctx: &'c RecordCtx, out: &'o mut RecordOutput) -> Self {
        Conversation {
            trace_id,
            ctx,
            out,
            holder: None,
            addressed: None,
            index: 0,
        }
    }

    pub fn trace_id(&self) -> &str {
        &self.trace_id
    }

    /// Counts a record of the conversation's log that is no step of it (a
    /// registration, a bookkeeping event) as another signal: read, neither
    /// an event nor skipped.
    pub fn set_aside(&mut self, what: &'static str) {
        self.out.other_signal(what, 1);
    }

    /// A synthesized span id, `{trace_id}:{n}`, for the next event.
    fn next_span_id(&mut self) -> String {
        let id = format!("{}:{}", self.trace_id, self.index);
        self.index += 1;
        id
    }

    /// A draft event of this trace, for facts that are not utterances
    /// (LLM usage blocks, tool calls); `parent` is a span id of this trace.
    pub fn draft(&mut self, kind: Kind, name: &str, line: Option<u32>) -> Draft {
        let span_id = self.next_span_id();
        let mut draft = Draft::new(
            self.ctx,
            self.trace_id.clone(),
            span_id,
            line.unwrap_or(self.ctx.line),
        );
        draft.event.kind = kind;
        draft.event.op = kind.as_str().to_string();
        draft.event.name = name.to_string();
        draft
    }

    /// Emits a draft made by `draft`.
    pub fn emit(&mut self, draft: Draft) {
        draft.emit(self.ctx, self.out);
    }

    /// Emits one utterance as an event (a message, unless its kind says
    /// otherwise) and returns its span id.
    pub fn say(&mut self, utterance: Utterance) -> String {
        let step = utterance.step.unwrap_or(self.index as i64);
        let name = utterance
            .name
            .clone()
            .or_else(|| utterance.speaker.clone())
            .unwrap_or_else(|| "message".to_string());
        let kind = utterance.kind.unwrap_or(Kind::Message);
        let mut draft = self.draft(kind, &name, utterance.line);
        let span_id = draft.event.span_id.clone();
        draft.event.step = Some(step);
        draft.event.role = utterance.role;
        draft.event.start_ns = utterance.start_ns;
        draft.output_text(&utterance.content, self.ctx);
        draft.note_guard_in_stop_message(&utterance.content);

        let speaker = utterance.speaker.filter(|s| !s.trim().is_empty());
        if let Some(speaker) = &speaker {
            draft.clues.own = Some(speaker.clone());
        }
        if let Some((from, to)) = self.turn_passes(speaker.as_ref(), utterance.addressed_to) {
            draft.event.handoff_from = Some(from);
            draft.event.handoff_to = Some(to);
        }
        self.emit(draft);
        span_id
    }
}

impl Conversation<'_, '_> {
    /// Sets on `draft` the edge that `speaker` acting now makes (an agent
    /// that takes its turn with a tool request rather than a message).
    pub fn take_turn(&mut self, speaker: &str, draft: &mut Draft) {
        if let Some((from, to)) = self.turn_passes(Some(&speaker.to_string()), None) {
            draft.event.handoff_from = Some(from);
            draft.event.handoff_to = Some(to);
        }
    }

    /// The edge an utterance makes, if any. An utterance addressed to
    /// someone is an edge to them (the addressee's answer is not counted
    /// again); otherwise a change of speaker is an edge from the last
    /// speaker. A speaker going on (an orchestrator's thoughts) is none.
    fn turn_passes(
        &mut self,
        speaker: Option<&String>,
        addressed_to: Option<String>,
    ) -> Option<(String, String)> {
        let speaker = speaker?;
        let edge = match &addressed_to {
            Some(to) => (to != speaker).then(|| (speaker.clone(), to.clone())),
            None => self
                .holder
                .as_ref()
                .filter(|holder| *holder != speaker)
                .filter(|_| self.addressed.as_ref() != Some(speaker))
                .map(|holder| (holder.clone(), speaker.clone())),
        };
        if addressed_to.is_some() || self.holder.as_ref() != Some(speaker) {
            self.addressed = addressed_to;
        }
        self.holder = Some(speaker.clone());
        edge
    }
}

impl Draft {
    /// Loop guards that announce themselves in the last words of a chat
    /// ("Max rounds (30) reached.", "Maximum number of messages 10
    /// reached") are termination reasons, not errors.
    fn note_guard_in_stop_message(&mut self, content: &str) {
        let head = crate::text::excerpt(content.trim_start(), 120);
        if head.contains("reached") || head.contains("exceeded") {
            self.note_guard(&head);
        }
    }
}

/// The LangGraph node steps of a trace, in order: each change of agent is a
/// handoff from the previous one to this one (FORMATS.md §3.8: node
/// transitions are the edges of cycle detection), among the nodes that call
/// a model; a node that calls none (the prebuilt `tools` node) is no agent,
/// and its events are those of the model-calling node that ran before it.
/// A passage that a handoff tool already made (langgraph-supervisor's
/// `transfer_to_X`, read as a handoff in assembly) is that handoff, not a
/// second one.
pub fn mark_node_transitions(events: &mut [&mut Event]) {
    let deciders: std::collections::HashSet<String> = events
        .iter()
        .filter(|e| e.kind == Kind::LlmCall)
        .filter_map(|e| e.agent.clone())
        .collect();
    if deciders.is_empty() {
        return;
    }
    // Their events are the calling agent's: the model-calling node that ran
    // last before them (a node before any keeps its own name).
    let mut caller: Option<String> = None;
    for event in events.iter_mut() {
        match &event.agent {
            Some(node) if deciders.contains(node) => caller = Some(node.clone()),
            Some(_) if caller.is_some() => event.agent = caller.clone(),
            _ => {}
        }
    }
    let mut last_node: Option<String> = None;
    // The target of the last handoff made by a tool, until it is reached.
    let mut handed_to: Option<String> = None;
    for event in events.iter_mut() {
        if event.kind == Kind::Handoff {
            handed_to = event.handoff_to.clone();
            continue;
        }
        if event.kind != Kind::Step {
            continue;
        }
        let Some(node) = event.agent.clone().filter(|n| deciders.contains(n)) else {
            continue;
        };
        if let Some(previous) = last_node.replace(node.clone()) {
            if previous != node {
                if handed_to.as_deref() == Some(node.as_str()) {
                    handed_to = None;
                    continue;
                }
                event.handoff_from = Some(previous);
                event.handoff_to = Some(node);
            }
        }
    }
}
