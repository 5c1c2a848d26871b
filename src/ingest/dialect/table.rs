//! A dialect as data: which attribute keys give which fact, which values
//! of which key name the operation, which span names do. A new emitter is
//! one `Dialect` value in a file of its own, listed in `read.rs`; code
//! (`kind`, `extra`) only for what keys cannot say (indexed message
//! families, a kind that depends on the span name).

use std::borrow::Cow;

use super::facts::{give, SpanFacts};
use super::messages::{messages_text, output_value_text};
use crate::event::Kind;
use crate::ingest::attrs::Attrs;

/// Attribute keys, the first present and non-empty one giving the fact.
pub type Keys = &'static [&'static str];

/// How a text attribute is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// As it is.
    Plain,
    /// A chat message list (OTel GenAI, OpenAI, Gemini `contents`, Bedrock
    /// content blocks): the last user message of an input, every message
    /// of an output (`messages_text`).
    Messages,
    /// OpenAI Responses output items read as their text
    /// (`output_value_text`), anything else as it is.
    OutputItems,
}

/// One emitter's vocabulary. Every fact is "first key present wins", and
/// the dialects listed first in `read.rs` win over later ones.
/// Each dialect's file names, in its doc comment, the emitter source its
/// keys were checked against.
pub struct Dialect {
    /// Key prefixes, one of which a span must carry for the dialect to be
    /// read at all (empty: every span). Keeps a dozen dialects cheap.
    pub marker: Keys,
    /// Keys whose value names the operation, and each value's kind
    /// (compared without case).
    pub operation: Keys,
    pub operations: &'static [(&'static str, Kind)],
    /// Span names and their kinds, for emitters that name the operation
    /// only there: exact, or a prefix when the entry ends with `*`.
    /// Read after every dialect's attributes.
    pub span_names: &'static [(&'static str, Kind)],
    /// A kind that the tables cannot say; tried before `operation`.
    pub kind: Option<fn(&Attrs, &str) -> Option<Kind>>,
    pub agent: Keys,
    /// A name to use when no agent is found (a graph node, a function id).
    pub agent_hint: Keys,
    pub session: Keys,
    pub model: Keys,
    pub input_tokens: Keys,
    pub output_tokens: Keys,
    /// Cost in US dollars.
    pub cost: Keys,
    pub tool_name: Keys,
    /// Tool call arguments (a JSON object as text, usually).
    pub tool_args: Keys,
    pub tool_result: Keys,
    /// Input of a model or agent call, read in `input_shape`.
    pub input: Keys,
    pub input_shape: Shape,
    /// Output of a model or agent call, read in `output_shape`.
    pub output: Keys,
    pub output_shape: Shape,
    pub handoff_from: Keys,
    pub handoff_to: Keys,
    pub error_type: Keys,
    /// Facts the keys cannot say; run before the keys, so what it gives
    /// wins over them.
    pub extra: Option<fn(&Attrs, Kind, &mut SpanFacts)>,
}

impl Dialect {
    /// A dialect that reads nothing: the base of `..Dialect::EMPTY`.
    pub const EMPTY: Dialect = Dialect {
        marker: &[],
        operation: &[],
        operations: &[],
        span_names: &[],
        kind: None,
        agent: &[],
        agent_hint: &[],
        session: &[],
        model: &[],
        input_tokens: &[],
        output_tokens: &[],
        cost: &[],
        tool_name: &[],
        tool_args: &[],
        tool_result: &[],
        input: &[],
        input_shape: Shape::Plain,
        output: &[],
        output_shape: Shape::Plain,
        handoff_from: &[],
        handoff_to: &[],
        error_type: &[],
        extra: None,
    };

    /// Whether the span carries this dialect's marker.
    pub fn applies(&self, attrs: &Attrs) -> bool {
        self.marker.is_empty() || self.marker.iter().any(|p| attrs.has_prefix(p))
    }

    /// The kind the span's attributes give in this dialect.
    pub fn kind_of(&self, attrs: &Attrs, span_name: &str) -> Option<Kind> {
        if let Some(kind) = self.kind.and_then(|k| k(attrs, span_name)) {
            return Some(kind);
        }
        let op = attrs.text(self.operation)?;
        let op = op.trim();
        self.operations
            .iter()
            .find(|(value, _)| value.eq_ignore_ascii_case(op))
            .map(|&(_, kind)| kind)
    }

    /// The kind the span name gives in this dialect.
    pub fn kind_of_name(&self, span_name: &str) -> Option<Kind> {
        let name = span_name.trim();
        self.span_names
            .iter()
            .find(|(pattern, _)| match pattern.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => name == *pattern,
            })
            .map(|&(_, kind)| kind)
    }

    /// Gives the facts this dialect's keys carry, where no earlier dialect
    /// gave them.
    pub fn fill(&self, attrs: &Attrs, kind: Kind, facts: &mut SpanFacts) {
        if let Some(extra) = self.extra {
            extra(attrs, kind, facts);
        }
        let owned = |keys: Keys| attrs.text(keys).map(Cow::into_owned);
        give(&mut facts.agent, owned(self.agent));
        give(&mut facts.agent_hint, owned(self.agent_hint));
        give(&mut facts.session_id, owned(self.session));
        give(&mut facts.model, owned(self.model));
        give(&mut facts.input_tokens, attrs.int(self.input_tokens));
        give(&mut facts.output_tokens, attrs.int(self.output_tokens));
        give(&mut facts.cost_usd, attrs.float(self.cost));
        give(&mut facts.tool_name, owned(self.tool_name));
        give(&mut facts.handoff_from, owned(self.handoff_from));
        give(&mut facts.handoff_to, owned(self.handoff_to));
        give(&mut facts.error_type, owned(self.error_type));
        if kind == Kind::ToolCall {
            if facts.tool_args.is_none() {
                let args = owned(self.tool_args);
                give(&mut facts.input_text, args.clone());
                facts.tool_args = args;
            }
            give(&mut facts.output_text, owned(self.tool_result));
        } else {
            let input = attrs.text(self.input);
            give(
                &mut facts.input_text,
                input.map(|t| read(&t, self.input_shape, true)),
            );
            let output = attrs.text(self.output);
            give(
                &mut facts.output_text,
                output.map(|t| read(&t, self.output_shape, false)),
            );
        }
    }
}

/// A text attribute read in its shape; `input` picks an input's point.
pub fn read(text: &str, shape: Shape, input: bool) -> String {
    match shape {
        Shape::Plain => text.to_string(),
        Shape::Messages => messages_text(text, input),
        Shape::OutputItems => output_value_text(text),
    }
}
