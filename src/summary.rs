//! Summary tables of a Store: per trace, per agent, handoff edges, tool
//! calls. `stats` prints them; reports and dashboards reuse them. The JSON
//! form is a contract (field names below are its keys).
//!
//! Token and cost totals count only `usage_leaf` rows, so an agent span that
//! repeats its children's usage is not counted twice. A total is null when
//! no counted row gives that figure (unknown, not zero).
//!
//! Reads the Store; never imports `ingest`, `pipeline` or `cli`.

use anyhow::Result;
use polars::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};

use crate::accounting::IngestSummary;
use crate::coverage::{Coverage, EventFacts};
use crate::event::Kind;
use crate::store::{columns as c, Store, TraceIndex};
use crate::termination::is_loop_guard;

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RunSummary {
    pub files: u64,
    pub records_read: u64,
    pub ingested: u64,
    pub skipped: u64,
    pub skipped_reasons: BTreeMap<String, u64>,
    pub repaired: u64,
    pub repaired_reasons: BTreeMap<String, u64>,
    pub traces: u64,
    pub events: u64,
    pub labels: u64,
    /// Traces in which no detector family is blind (`crate::coverage`);
    /// None when it was not measured (`check` without `unreadable-trace`).
    pub traces_fully_visible: Option<u64>,
    /// Records of other OTel signals, per what became of them
    /// (`IngestSummary::other_signals`).
    pub other_signals: BTreeMap<String, u64>,
}

impl RunSummary {
    /// The records of other signals, for a summary line: ", 8 log records
    /// joined to their spans" (empty when there are none).
    pub fn other_signals_text(&self) -> String {
        self.other_signals
            .iter()
            .map(|(what, n)| format!(", {n} {what}"))
            .collect()
    }

    pub fn new(ingest: &IngestSummary, traces: usize, events: usize) -> RunSummary {
        RunSummary {
            files: ingest.files,
            records_read: ingest.records_read,
            ingested: ingest.ingested,
            skipped: ingest.skipped,
            skipped_reasons: ingest.skipped_reasons.clone(),
            repaired: ingest.repaired,
            repaired_reasons: ingest.repaired_reasons.clone(),
            traces: traces as u64,
            events: events as u64,
            labels: ingest.labels,
            traces_fully_visible: None,
            other_signals: ingest.other_signals.clone(),
        }
    }
}

#[derive(Debug, Serialize, PartialEq)]
pub struct TraceStats {
    pub trace_id: String,
    pub events: u64,
    pub agents: Vec<String>,
    pub llm_calls: u64,
    pub tool_calls: u64,
    pub handoffs: u64,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub cost_usd: Option<f64>,
    pub duration_ms: Option<i64>,
    /// When the trace's first event started: UTC epoch nanoseconds, and
    /// the same as RFC 3339 text; null when no event has a time.
    pub start_ns: Option<i64>,
    pub start_time: Option<String>,
    /// `error` when a root event failed or a framework guard cut the run;
    /// `ok` when a root event says ok; `unset` otherwise.
    pub status: String,
    /// The first guard reason in seq order (`max_turns`, ...), else `error`
    /// for a trace whose root failed.
    pub termination_reason: Option<String>,
    /// What the detectors could not see here (`crate::coverage`).
    pub coverage: Coverage,
    /// No detector family is blind in this trace.
    pub fully_visible: bool,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct AgentStats {
    /// Null for events no agent could be resolved for.
    pub agent: Option<String>,
    pub traces: u64,
    pub events: u64,
    pub llm_calls: u64,
    pub tool_calls: u64,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub cost_usd: Option<f64>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct HandoffEdge {
    pub trace_id: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub count: u64,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct ToolCallCount {
    pub trace_id: String,
    pub agent: Option<String>,
    pub tool_name: Option<String>,
    pub tool_args: Option<String>,
    pub count: u64,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Stats {
    pub summary: RunSummary,
    pub traces: Vec<TraceStats>,
    pub agents: Vec<AgentStats>,
    pub handoff_edges: Vec<HandoffEdge>,
    pub tool_calls: Vec<ToolCallCount>,
}

fn kind_is(kind: &str) -> Expr {
    col(c::KIND).cast(DataType::String).eq(lit(kind))
}

/// Handoff records, and the turns of conversations that pass from one
/// agent to another (message rows with a handoff target).
fn is_handoff() -> Expr {
    kind_is("handoff").or(col(c::HANDOFF_TO).is_not_null())
}

fn count_of(kind: &str, alias: &str) -> Expr {
    kind_is(kind).cast(DataType::Int64).sum().alias(alias)
}

/// Sum over usage-leaf rows, and whether any such row had the figure.
fn leaf_sum(column: &str) -> [Expr; 2] {
    let counted = col(column).filter(col(c::USAGE_LEAF));
    [
        counted.clone().sum().alias(column),
        counted
            .is_not_null()
            .any(true)
            .alias(format!("has_{column}")),
    ]
}

fn usage_aggs() -> Vec<Expr> {
    [c::INPUT_TOKENS, c::OUTPUT_TOKENS, c::COST_USD]
        .into_iter()
        .flat_map(leaf_sum)
        .collect()
}

pub fn compute(store: &Store) -> Result<Stats> {
    let index = store.trace_index()?;
    let frame = &store.events;
    let traces = trace_stats(frame, &index)?;
    let mut summary = RunSummary::new(&store.ingest, index.traces.len(), frame.height());
    summary.traces_fully_visible = Some(traces.iter().filter(|t| t.fully_visible).count() as u64);
    Ok(Stats {
        summary,
        traces,
        agents: agent_stats(frame)?,
        handoff_edges: handoff_edges(frame)?,
        tool_calls: tool_call_counts(frame)?,
    })
}

/// Typed access to the columns of an aggregated frame.
struct Cols<'a>(&'a DataFrame);

impl Cols<'_> {
    fn strs(&self, name: &str) -> Result<Vec<Option<String>>> {
        let col = self.0.column(name)?.cast(&DataType::String)?;
        Ok(col.str()?.iter().map(|s| s.map(str::to_string)).collect())
    }
    fn ints(&self, name: &str) -> Result<Vec<Option<i64>>> {
        let col = self.0.column(name)?.cast(&DataType::Int64)?;
        Ok(col.i64()?.iter().collect())
    }
    fn floats(&self, name: &str) -> Result<Vec<Option<f64>>> {
        let col = self.0.column(name)?.cast(&DataType::Float64)?;
        Ok(col.f64()?.iter().collect())
    }
    fn bools(&self, name: &str) -> Result<Vec<bool>> {
        Ok(self
            .0
            .column(name)?
            .bool()?
            .iter()
            .map(|b| b == Some(true))
            .collect())
    }
    fn counts(&self, name: &str) -> Result<Vec<u64>> {
        Ok(self
            .ints(name)?
            .into_iter()
            .map(|v| v.unwrap_or(0) as u64)
            .collect())
    }
    /// A usage total, null where no counted row had the figure.
    fn usage_ints(&self, name: &str) -> Result<Vec<Option<i64>>> {
        let has = self.bools(&format!("has_{name}"))?;
        Ok(self
            .ints(name)?
            .into_iter()
            .zip(has)
            .map(|(v, h)| v.filter(|_| h))
            .collect())
    }
    fn usage_floats(&self, name: &str) -> Result<Vec<Option<f64>>> {
        let has = self.bools(&format!("has_{name}"))?;
        Ok(self
            .floats(name)?
            .into_iter()
            .zip(has)
            .map(|(v, h)| v.filter(|_| h))
            .collect())
    }
}

fn sorted_by(keys: &[&str]) -> (Vec<Expr>, SortMultipleOptions) {
    (
        keys.iter().map(|k| col(*k)).collect(),
        SortMultipleOptions::default()
            .with_nulls_last(true)
            .with_maintain_order(true),
    )
}

fn trace_stats(frame: &DataFrame, index: &TraceIndex) -> Result<Vec<TraceStats>> {
    let mut aggs = vec![
        len().cast(DataType::Int64).alias("events"),
        count_of("llm_call", "llm_calls"),
        count_of("tool_call", "tool_calls"),
        is_handoff().cast(DataType::Int64).sum().alias("handoffs"),
        (col(c::END_NS).max() - col(c::START_NS).min()).alias("duration_ns"),
        col(c::START_NS).min().alias("start_ns"),
    ];
    aggs.extend(usage_aggs());
    let (keys, options) = sorted_by(&[c::TRACE_ID]);
    let agg = frame
        .clone()
        .lazy()
        .group_by([col(c::TRACE_ID)])
        .agg(aggs)
        .sort_by_exprs(keys, options)
        .collect()?;
    let cols = Cols(&agg);
    let ids = cols.strs(c::TRACE_ID)?;
    let events = cols.counts("events")?;
    let llm = cols.counts("llm_calls")?;
    let tools = cols.counts("tool_calls")?;
    let handoffs = cols.counts("handoffs")?;
    let duration = cols.ints("duration_ns")?;
    let start = cols.ints("start_ns")?;
    let input = cols.usage_ints(c::INPUT_TOKENS)?;
    let output = cols.usage_ints(c::OUTPUT_TOKENS)?;
    let cost = cols.usage_floats(c::COST_USD)?;
    let outcomes = trace_outcomes(frame, index)?;
    anyhow::ensure!(
        outcomes.len() == ids.len(),
        "trace index and aggregation disagree"
    );
    Ok(outcomes
        .into_iter()
        .enumerate()
        .map(|(i, outcome)| {
            debug_assert_eq!(ids[i].as_deref(), Some(outcome.trace_id.as_str()));
            TraceStats {
                trace_id: outcome.trace_id,
                events: events[i],
                agents: outcome.agents,
                llm_calls: llm[i],
                tool_calls: tools[i],
                handoffs: handoffs[i],
                input_tokens: input[i],
                output_tokens: output[i],
                cost_usd: cost[i],
                duration_ms: duration[i].map(|ns| ns / 1_000_000),
                start_ns: start[i],
                start_time: start[i].map(crate::event::format_timestamp_ns),
                status: outcome.status,
                termination_reason: outcome.termination_reason,
                fully_visible: outcome.coverage.fully_visible(),
                coverage: outcome.coverage,
            }
        })
        .collect())
}

struct TraceOutcome {
    trace_id: String,
    agents: Vec<String>,
    status: String,
    termination_reason: Option<String>,
    coverage: Coverage,
}

/// What needs the tree rather than a group-by: roots are events whose
/// parent is not in the trace (partial exports keep dangling parent ids).
fn trace_outcomes(frame: &DataFrame, index: &TraceIndex) -> Result<Vec<TraceOutcome>> {
    let cols = Cols(frame);
    let span_ids = cols.strs(c::SPAN_ID)?;
    let parents = cols.strs(c::PARENT_ID)?;
    let agents = cols.strs(c::AGENT)?;
    let statuses = cols.strs(c::STATUS)?;
    let reasons = cols.strs(c::TERMINATION_REASON)?;
    let kinds = cols.strs(c::KIND)?;
    let tool_args = cols.strs(c::TOOL_ARGS)?;
    let outputs = cols.strs(c::OUTPUT_EXCERPT)?;
    let handoff_from = cols.strs(c::HANDOFF_FROM)?;
    let handoff_to = cols.strs(c::HANDOFF_TO)?;
    let service_agents = cols
        .0
        .column(c::AGENT_IS_SERVICE)?
        .bool()?
        .rechunk()
        .into_owned();
    Ok(index
        .traces
        .iter()
        .map(|trace| {
            let rows = trace.rows.clone();
            let in_trace: HashSet<&str> = rows
                .clone()
                .filter_map(|r| span_ids[r].as_deref())
                .collect();
            let is_root = |r: usize| parents[r].as_deref().is_none_or(|p| !in_trace.contains(p));
            let root_status = |s: &str| {
                rows.clone()
                    .any(|r| is_root(r) && statuses[r].as_deref() == Some(s))
            };
            // A loop guard that fired is a failure; a termination
            // condition that was met (a text mention, a stop message) is
            // how the run was meant to end.
            let stated: Vec<&String> = rows.clone().filter_map(|r| reasons[r].as_ref()).collect();
            let guard = stated
                .iter()
                .find(|r| is_loop_guard(r))
                .map(|r| r.to_string());
            let other = stated.first().map(|r| r.to_string());
            let root_failed = root_status("error");
            let status = if root_failed || guard.is_some() {
                "error"
            } else if root_status("ok") {
                "ok"
            } else {
                "unset"
            };
            let agent_set: BTreeSet<String> =
                rows.clone().filter_map(|r| agents[r].clone()).collect();
            let facts: Vec<EventFacts> = rows
                .clone()
                .filter_map(|r| {
                    Some(EventFacts {
                        kind: kinds[r].as_deref().and_then(Kind::parse)?,
                        agent: agents[r].as_deref(),
                        agent_is_service: service_agents.get(r).unwrap_or(false),
                        has_arguments: tool_args[r].is_some(),
                        has_output: outputs[r].is_some(),
                        has_handoff_ends: handoff_from[r].is_some() && handoff_to[r].is_some(),
                    })
                })
                .collect();
            let coverage = Coverage::of(&facts);
            TraceOutcome {
                trace_id: trace.trace_id.clone(),
                agents: agent_set.into_iter().collect(),
                status: status.to_string(),
                termination_reason: guard
                    .or_else(|| root_failed.then(|| "error".to_string()))
                    .or(other),
                coverage,
            }
        })
        .collect())
}

fn agent_stats(frame: &DataFrame) -> Result<Vec<AgentStats>> {
    let mut aggs = vec![
        col(c::TRACE_ID)
            .n_unique()
            .cast(DataType::Int64)
            .alias("traces"),
        len().cast(DataType::Int64).alias("events"),
        count_of("llm_call", "llm_calls"),
        count_of("tool_call", "tool_calls"),
    ];
    aggs.extend(usage_aggs());
    let (keys, options) = sorted_by(&[c::AGENT]);
    let agg = frame
        .clone()
        .lazy()
        .group_by([col(c::AGENT)])
        .agg(aggs)
        .sort_by_exprs(keys, options)
        .collect()?;
    let cols = Cols(&agg);
    let agents = cols.strs(c::AGENT)?;
    let traces = cols.counts("traces")?;
    let events = cols.counts("events")?;
    let llm = cols.counts("llm_calls")?;
    let tools = cols.counts("tool_calls")?;
    let input = cols.usage_ints(c::INPUT_TOKENS)?;
    let output = cols.usage_ints(c::OUTPUT_TOKENS)?;
    let cost = cols.usage_floats(c::COST_USD)?;
    Ok((0..agg.height())
        .map(|i| AgentStats {
            agent: agents[i].clone(),
            traces: traces[i],
            events: events[i],
            llm_calls: llm[i],
            tool_calls: tools[i],
            input_tokens: input[i],
            output_tokens: output[i],
            cost_usd: cost[i],
        })
        .collect())
}

/// Rows of `kind` counted by the given key columns, sorted by them.
fn counted_by(frame: &DataFrame, rows: Expr, keys: &[&str]) -> Result<DataFrame> {
    let (sort_keys, options) = sorted_by(keys);
    Ok(frame
        .clone()
        .lazy()
        .filter(rows)
        .group_by(keys.iter().map(|k| col(*k)).collect::<Vec<_>>())
        .agg([len().cast(DataType::Int64).alias("count")])
        .sort_by_exprs(sort_keys, options)
        .collect()?)
}

fn handoff_edges(frame: &DataFrame) -> Result<Vec<HandoffEdge>> {
    let agg = counted_by(
        frame,
        is_handoff(),
        &[c::TRACE_ID, c::HANDOFF_FROM, c::HANDOFF_TO],
    )?;
    let cols = Cols(&agg);
    let (traces, from, to, count) = (
        cols.strs(c::TRACE_ID)?,
        cols.strs(c::HANDOFF_FROM)?,
        cols.strs(c::HANDOFF_TO)?,
        cols.counts("count")?,
    );
    Ok((0..agg.height())
        .map(|i| HandoffEdge {
            trace_id: traces[i].clone().unwrap_or_default(),
            from: from[i].clone(),
            to: to[i].clone(),
            count: count[i],
        })
        .collect())
}

fn tool_call_counts(frame: &DataFrame) -> Result<Vec<ToolCallCount>> {
    let agg = counted_by(
        frame,
        kind_is("tool_call"),
        &[c::TRACE_ID, c::AGENT, c::TOOL_NAME, c::TOOL_ARGS],
    )?;
    let cols = Cols(&agg);
    let (traces, agents, names, args, count) = (
        cols.strs(c::TRACE_ID)?,
        cols.strs(c::AGENT)?,
        cols.strs(c::TOOL_NAME)?,
        cols.strs(c::TOOL_ARGS)?,
        cols.counts("count")?,
    );
    Ok((0..agg.height())
        .map(|i| ToolCallCount {
            trace_id: traces[i].clone().unwrap_or_default(),
            agent: agents[i].clone(),
            tool_name: names[i].clone(),
            tool_args: args[i].clone(),
            count: count[i],
        })
        .collect())
}
