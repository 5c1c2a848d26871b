//! What a detector sees: one trace's events as typed rows, in seq order,
//! borrowing their texts from the Store. The Store's columns are looked up
//! once per run (`StoreColumns`); a trace's rows are read from them when
//! the trace is checked, so memory follows the largest trace, not the
//! Store.

use anyhow::Result;
use polars::prelude::*;

use super::options::DetectOptions;
use crate::event::{Kind, Role, Status};
use crate::failure::Failure;
use crate::store::{columns as c, TraceRows};

/// The Store columns detectors read, typed. Categorical columns are cast
/// to strings once.
pub struct StoreColumns {
    span_id: StringChunked,
    parent_id: StringChunked,
    agent: StringChunked,
    kind: StringChunked,
    name: StringChunked,
    start_ns: Int64Chunked,
    end_ns: Int64Chunked,
    status: StringChunked,
    failure: StringChunked,
    error_type: StringChunked,
    error_message: StringChunked,
    role: StringChunked,
    input_hash: UInt64Chunked,
    output_hash: UInt64Chunked,
    output_excerpt: StringChunked,
    output_sig: ListChunked,
    output_signals: UInt32Chunked,
    input_tokens: Int64Chunked,
    output_tokens: Int64Chunked,
    cost_usd: Float64Chunked,
    tool_name: StringChunked,
    tool_args: StringChunked,
    tool_args_hash: UInt64Chunked,
    failure_signature: UInt64Chunked,
    handoff_from: StringChunked,
    handoff_to: StringChunked,
    step: Int64Chunked,
    termination_reason: StringChunked,
    usage_leaf: BooleanChunked,
    source_file: StringChunked,
    source_line: UInt32Chunked,
}

impl StoreColumns {
    pub fn new(frame: &DataFrame) -> Result<StoreColumns> {
        let text = |name: &str| -> Result<StringChunked> {
            let column = frame.column(name)?;
            Ok(match column.dtype() {
                DataType::String => column.str()?.rechunk().into_owned(),
                _ => column
                    .cast(&DataType::String)?
                    .str()?
                    .rechunk()
                    .into_owned(),
            })
        };
        let int = |name: &str| -> Result<Int64Chunked> {
            Ok(frame.column(name)?.i64()?.rechunk().into_owned())
        };
        let hash = |name: &str| -> Result<UInt64Chunked> {
            Ok(frame.column(name)?.u64()?.rechunk().into_owned())
        };
        Ok(StoreColumns {
            span_id: text(c::SPAN_ID)?,
            parent_id: text(c::PARENT_ID)?,
            agent: text(c::AGENT)?,
            kind: text(c::KIND)?,
            name: text(c::NAME)?,
            start_ns: int(c::START_NS)?,
            end_ns: int(c::END_NS)?,
            status: text(c::STATUS)?,
            failure: text(c::FAILURE)?,
            error_type: text(c::ERROR_TYPE)?,
            error_message: text(c::ERROR_MESSAGE)?,
            role: text(c::ROLE)?,
            input_hash: hash(c::INPUT_HASH)?,
            output_hash: hash(c::OUTPUT_HASH)?,
            output_excerpt: text(c::OUTPUT_EXCERPT)?,
            output_sig: frame.column(c::OUTPUT_SIG)?.list()?.rechunk().into_owned(),
            output_signals: frame
                .column(c::OUTPUT_SIGNALS)?
                .u32()?
                .rechunk()
                .into_owned(),
            input_tokens: int(c::INPUT_TOKENS)?,
            output_tokens: int(c::OUTPUT_TOKENS)?,
            cost_usd: frame.column(c::COST_USD)?.f64()?.rechunk().into_owned(),
            tool_name: text(c::TOOL_NAME)?,
            tool_args: text(c::TOOL_ARGS)?,
            tool_args_hash: hash(c::TOOL_ARGS_HASH)?,
            failure_signature: hash(c::FAILURE_SIGNATURE)?,
            handoff_from: text(c::HANDOFF_FROM)?,
            handoff_to: text(c::HANDOFF_TO)?,
            step: int(c::STEP)?,
            termination_reason: text(c::TERMINATION_REASON)?,
            usage_leaf: frame.column(c::USAGE_LEAF)?.bool()?.rechunk().into_owned(),
            source_file: text(c::SOURCE_FILE)?,
            source_line: frame.column(c::SOURCE_LINE)?.u32()?.rechunk().into_owned(),
        })
    }

    /// The rows of one trace.
    pub fn rows(&self, trace: &TraceRows) -> Vec<Row<'_>> {
        trace
            .rows
            .clone()
            .enumerate()
            .map(|(seq, i)| Row {
                index: i,
                seq: seq as u32,
                span_id: self.span_id.get(i).unwrap_or_default(),
                parent_id: self.parent_id.get(i),
                agent: self.agent.get(i),
                kind: self
                    .kind
                    .get(i)
                    .and_then(Kind::parse)
                    .unwrap_or(Kind::Other),
                name: self.name.get(i).unwrap_or_default(),
                start_ns: self.start_ns.get(i),
                end_ns: self.end_ns.get(i),
                status: self.status.get(i).map_or(Status::Unset, Status::parse),
                failure: self.failure.get(i).and_then(Failure::parse),
                error_type: self.error_type.get(i),
                error_message: self.error_message.get(i),
                role: self.role.get(i).and_then(Role::parse),
                input_hash: self.input_hash.get(i),
                output_hash: self.output_hash.get(i),
                output: self.output_excerpt.get(i),
                output_signals: self.output_signals.get(i).unwrap_or(0),
                input_tokens: self.input_tokens.get(i),
                output_tokens: self.output_tokens.get(i),
                cost_usd: self.cost_usd.get(i),
                tool_name: self.tool_name.get(i),
                tool_args: self.tool_args.get(i),
                tool_args_hash: self.tool_args_hash.get(i),
                failure_signature: self.failure_signature.get(i),
                handoff_from: self.handoff_from.get(i),
                handoff_to: self.handoff_to.get(i),
                step: self.step.get(i),
                termination_reason: self.termination_reason.get(i),
                usage_leaf: self.usage_leaf.get(i).unwrap_or(false),
                source_file: self.source_file.get(i).unwrap_or_default(),
                source_line: self.source_line.get(i).unwrap_or_default(),
            })
            .collect()
    }

    /// The MinHash signature of a row's output, if it has one.
    pub fn output_sig(&self, row: &Row) -> Option<Vec<u32>> {
        let series = self.output_sig.get_as_series(row.index)?;
        let values = series.u32().ok()?;
        Some(values.into_no_null_iter().collect())
    }
}

/// One event as detectors read it (DESIGN.md §3 columns).
#[derive(Clone, Debug)]
pub struct Row<'a> {
    /// Row in the Store frame.
    index: usize,
    pub seq: u32,
    pub span_id: &'a str,
    pub parent_id: Option<&'a str>,
    pub agent: Option<&'a str>,
    pub kind: Kind,
    pub name: &'a str,
    pub start_ns: Option<i64>,
    pub end_ns: Option<i64>,
    pub status: Status,
    /// How it failed, from status and text (`crate::failure`).
    pub failure: Option<Failure>,
    /// Which failure (`crate::failure::signature`), when it failed.
    pub failure_signature: Option<u64>,
    pub error_type: Option<&'a str>,
    pub error_message: Option<&'a str>,
    pub role: Option<Role>,
    pub input_hash: Option<u64>,
    pub output_hash: Option<u64>,
    /// The output's excerpt.
    pub output: Option<&'a str>,
    /// `crate::signals` flags read from the full output text.
    pub output_signals: u32,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub cost_usd: Option<f64>,
    pub tool_name: Option<&'a str>,
    pub tool_args: Option<&'a str>,
    pub tool_args_hash: Option<u64>,
    pub handoff_from: Option<&'a str>,
    pub handoff_to: Option<&'a str>,
    pub step: Option<i64>,
    pub termination_reason: Option<&'a str>,
    pub usage_leaf: bool,
    pub source_file: &'a str,
    pub source_line: u32,
}

impl Row<'_> {
    /// A bare LLM call at `seq`, for unit tests to fill in.
    #[cfg(test)]
    pub fn for_tests(seq: u32) -> Row<'static> {
        Row {
            index: seq as usize,
            seq,
            span_id: "s",
            parent_id: None,
            agent: None,
            kind: Kind::LlmCall,
            name: "llm",
            start_ns: None,
            end_ns: None,
            status: Status::Unset,
            failure: None,
            failure_signature: None,
            error_type: None,
            error_message: None,
            role: None,
            input_hash: None,
            output_hash: None,
            output: None,
            output_signals: 0,
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
            source_file: "t.jsonl",
            source_line: 1,
        }
    }

    pub fn failed(&self) -> bool {
        self.status == Status::Error
    }

    /// The step did not do its job, by its status or its words (an
    /// exception, a traceback, `Error: ...`): the `failure` column's
    /// `hard`. Not a provider's failure (`provider-error` reports those).
    pub fn failed_hard(&self) -> bool {
        self.failure == Some(Failure::Hard)
    }

    /// The row is a person's words: its speaker is named `user` or `human`
    /// (tau-bench's simulated customer, a chat's user). The role cannot
    /// say it: AG2 gives its agents' messages the role `user`.
    pub fn from_person(&self) -> bool {
        self.agent
            .is_some_and(|a| a.eq_ignore_ascii_case("user") || a.eq_ignore_ascii_case("human"))
    }

    /// The row is a code executor's result relayed as a message (AG2's
    /// terminal: `exitcode: 0 (execution succeeded)` and the output, the
    /// code's own comments included): a tool's output, not an agent's words.
    pub fn from_executor(&self) -> bool {
        self.output
            .is_some_and(|text| text.starts_with("exitcode:"))
    }

    /// Tokens counted for this row in totals (usage leaves only).
    pub fn counted_tokens(&self) -> Option<i64> {
        if !self.usage_leaf {
            return None;
        }
        match (self.input_tokens, self.output_tokens) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        }
    }

    pub fn counted_cost(&self) -> Option<f64> {
        self.cost_usd.filter(|_| self.usage_leaf)
    }

    /// A non-empty output text.
    pub fn has_output(&self) -> bool {
        self.output.is_some_and(|o| !o.trim().is_empty())
    }
}

/// One trace as a detector receives it.
pub struct TraceView<'a> {
    pub trace_id: &'a str,
    pub rows: Vec<Row<'a>>,
    pub options: &'a DetectOptions,
    columns: &'a StoreColumns,
    waste: std::sync::OnceLock<super::waste::WasteIndex>,
    root_name: std::sync::OnceLock<&'a str>,
}

impl<'a> TraceView<'a> {
    pub fn new(
        trace: &'a TraceRows,
        columns: &'a StoreColumns,
        options: &'a DetectOptions,
    ) -> TraceView<'a> {
        TraceView {
            trace_id: &trace.trace_id,
            rows: columns.rows(trace),
            options,
            columns,
            waste: std::sync::OnceLock::new(),
            root_name: std::sync::OnceLock::new(),
        }
    }

    /// The name of the trace's first root span (one with no parent in the
    /// trace), found on first use: what names the run across re-recordings.
    pub fn root_name(&self) -> &'a str {
        self.root_name.get_or_init(|| {
            let spans: rustc_hash::FxHashSet<&str> = self.rows.iter().map(|r| r.span_id).collect();
            self.rows
                .iter()
                .find(|r| r.parent_id.is_none_or(|p| !spans.contains(p)))
                .map_or("", |r| r.name)
        })
    }

    /// Costs over ranges of the trace, built on first use.
    pub fn waste_index(&self) -> &super::waste::WasteIndex {
        self.waste
            .get_or_init(|| super::waste::WasteIndex::new(&self.rows))
    }

    pub fn output_sig(&self, row: &Row) -> Option<Vec<u32>> {
        self.columns.output_sig(row)
    }

    /// Agents that made at least one LLM call: those that decide, as
    /// opposed to user proxies, tool nodes and people.
    pub fn llm_agents(&self) -> rustc_hash::FxHashSet<&'a str> {
        self.rows
            .iter()
            .filter(|r| r.kind == Kind::LlmCall)
            .filter_map(|r| r.agent)
            .collect()
    }

    /// The handoffs of the trace, in order, as (row, from, to): its
    /// explicit handoff records when it has any (a handoff record without
    /// a source is made by the row's agent); otherwise the turns passed
    /// between agents that make LLM calls — a conversation's, or a
    /// LangGraph run's between agent nodes (not to a tools node or a user).
    /// The flag says which.
    pub fn hops(&self) -> (Vec<(&Row<'a>, &'a str, &'a str)>, bool) {
        let explicit: Vec<(&Row<'a>, &'a str, &'a str)> = self
            .rows
            .iter()
            .filter(|r| r.kind == Kind::Handoff)
            .filter_map(|r| Some((r, r.handoff_from.or(r.agent)?, r.handoff_to?)))
            .collect();
        if !explicit.is_empty() {
            return (explicit, true);
        }
        let deciders = self.llm_agents();
        let turns = self
            .rows
            .iter()
            .filter_map(|r| Some((r, r.handoff_from?, r.handoff_to?)))
            .filter(|(_, from, to)| deciders.contains(from) && deciders.contains(to))
            .collect();
        (turns, false)
    }

    /// The run's final answer: the last output of an agent (an LLM call
    /// or a message, not a tool result nor a tool-call request). None when
    /// the run did not finish: a loop guard cut it short, or a root span
    /// failed. A conversation (messages, no LLM calls) has one only when
    /// it says so — a termination condition met, or a last message marked
    /// as the final answer: transcripts are often cut where a run failed.
    pub fn final_answer(&self) -> Option<&Row<'a>> {
        if self.guard().is_some() {
            return None;
        }
        let spans: rustc_hash::FxHashSet<&str> = self.rows.iter().map(|r| r.span_id).collect();
        let root_failed = self.rows.iter().any(|r| {
            r.failed() && r.parent_id.is_none_or(|p| !spans.contains(p)) && r.kind != Kind::ToolCall
        });
        if root_failed {
            return None;
        }
        let last = self.rows.iter().rev().find(|r| {
            matches!(r.kind, Kind::LlmCall | Kind::Message)
                && r.has_output()
                && r.role != Some(Role::Tool)
                && r.role != Some(Role::User)
                && r.agent.is_some()
                && !r.output.is_some_and(looks_like_tool_request)
        })?;
        let conversation = !self.rows.iter().any(|r| r.kind == Kind::LlmCall);
        if conversation {
            static FINAL: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
                crate::text::ascii_regex(r"(?i)final answer|\bTERMINATE\b")
            });
            let concluded = self
                .rows
                .iter()
                .any(|r| r.kind == Kind::Termination && r.termination_reason.is_some())
                || last.output.is_some_and(|o| FINAL.is_match(o));
            if !concluded {
                return None;
            }
        }
        Some(last)
    }

    /// The step that decided to make `self.rows[at]`, where people look for
    /// the cause of a bad call: for a tool call or an agent run, the model
    /// call (or assistant message) that wrote it — its parent when it is
    /// one, else the nearest before it under the same parent, else the
    /// nearest of the same agent; for any other step (a terminal's output
    /// in a chat), the nearest message or model call before it from
    /// another speaker, not a tool (who asked for it). None when
    /// no step before it qualifies.
    pub fn decided_by(&self, at: usize) -> Option<&Row<'a>> {
        let row = &self.rows[at];
        let before = &self.rows[..at];
        let writes = |r: &&Row| {
            r.kind == Kind::LlmCall || (r.kind == Kind::Message && r.role == Some(Role::Assistant))
        };
        if matches!(row.kind, Kind::ToolCall | Kind::AgentInvoke) {
            let parent = row
                .parent_id
                .and_then(|p| before.iter().rev().find(|r| r.span_id == p))
                .filter(writes);
            return parent
                .or_else(|| {
                    before
                        .iter()
                        .rev()
                        .find(|r| r.kind == Kind::LlmCall && r.parent_id == row.parent_id)
                })
                .or_else(|| {
                    before
                        .iter()
                        .rev()
                        .find(|r| r.kind == Kind::LlmCall && r.agent == row.agent)
                });
        }
        before.iter().rev().find(|r| {
            matches!(r.kind, Kind::Message | Kind::LlmCall)
                && r.agent.is_some()
                && r.agent != row.agent
                && r.role != Some(Role::Tool)
        })
    }

    /// The loop guard that ended the trace, if one did.
    pub fn guard(&self) -> Option<&'a str> {
        self.rows
            .iter()
            .filter_map(|r| r.termination_reason)
            .find(|r| crate::termination::is_loop_guard(r))
    }
}

/// A tool-call request written as text: `name(args)` lines, or a JSON list
/// of calls.
pub fn looks_like_tool_request(text: &str) -> bool {
    static CALL_LINE: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"^\s*[A-Za-z_][\w.\-]*\(.*\)\s*$").unwrap());
    let text = text.trim();
    let json_calls =
        text.starts_with("[{") && (text.contains("\"name\"") || text.contains("\"args\""));
    json_calls
        || text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .all(|l| CALL_LINE.is_match(l))
}

/// What a worker's status envelope says, when its output carries one
/// (`status: failed`, `{"status": "partial"}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Envelope {
    Ok,
    Failed,
    Partial,
}

pub fn status_envelope(text: &str) -> Option<Envelope> {
    static STATUS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"(?i)"?\bstatus"?\s*[:=]\s*"?(ok|success|succeeded|done|completed|failed|failure|error|partial|incomplete)\b"#)
            .unwrap()
    });
    let value = STATUS.captures(text)?.get(1)?.as_str().to_ascii_lowercase();
    Some(match value.as_str() {
        "failed" | "failure" | "error" => Envelope::Failed,
        "partial" | "incomplete" => Envelope::Partial,
        _ => Envelope::Ok,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_and_tool_requests_are_read() {
        assert_eq!(
            status_envelope("status: failed - timeout"),
            Some(Envelope::Failed)
        );
        assert_eq!(
            status_envelope(r#"{"status": "partial", "rows": 3}"#),
            Some(Envelope::Partial)
        );
        assert_eq!(status_envelope("status: ok - paid"), Some(Envelope::Ok));
        assert_eq!(status_envelope("The status quo failed us"), None);
        assert!(looks_like_tool_request(r#"search({"query": "x"})"#));
        assert!(looks_like_tool_request(
            r#"[{"name": "search", "args": {}}]"#
        ));
        assert!(!looks_like_tool_request("Next speaker WebSurfer"));
        assert!(!looks_like_tool_request("I think (probably) yes."));
    }
}
