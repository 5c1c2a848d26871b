//! CSV output of the stats tables, one table per file, for spreadsheets
//! and dashboards. Lists (a trace's agents) are joined with `;`. Text cells
//! that a spreadsheet would evaluate as a formula are neutralised
//! (`inert::for_csv`); numbers are written as they are.

use anyhow::Result;

use crate::inert;

use crate::summary::{AgentStats, HandoffEdge, ToolCallCount, TraceStats};

fn opt<T: ToString>(value: &Option<T>) -> String {
    value.as_ref().map(T::to_string).unwrap_or_default()
}

/// A text cell, neutralised.
fn text(value: &str) -> String {
    inert::for_csv(value).into_owned()
}

/// An optional text cell, neutralised; empty when absent.
fn opt_text(value: &Option<String>) -> String {
    value.as_deref().map(text).unwrap_or_default()
}

fn write(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(&row)?;
    }
    Ok(String::from_utf8(writer.into_inner()?)?)
}

pub fn traces(traces: &[TraceStats]) -> Result<String> {
    write(
        &[
            "trace_id",
            "events",
            "agents",
            "llm_calls",
            "tool_calls",
            "handoffs",
            "input_tokens",
            "output_tokens",
            "cost_usd",
            "duration_ms",
            "start_time",
            "status",
            "termination_reason",
        ],
        traces.iter().map(|t| {
            vec![
                text(&t.trace_id),
                t.events.to_string(),
                text(&t.agents.join(";")),
                t.llm_calls.to_string(),
                t.tool_calls.to_string(),
                t.handoffs.to_string(),
                opt(&t.input_tokens),
                opt(&t.output_tokens),
                opt(&t.cost_usd),
                opt(&t.duration_ms),
                opt(&t.start_time),
                text(&t.status),
                opt_text(&t.termination_reason),
            ]
        }),
    )
}

pub fn agents(agents: &[AgentStats]) -> Result<String> {
    write(
        &[
            "agent",
            "traces",
            "events",
            "llm_calls",
            "tool_calls",
            "input_tokens",
            "output_tokens",
            "cost_usd",
        ],
        agents.iter().map(|a| {
            vec![
                opt_text(&a.agent),
                a.traces.to_string(),
                a.events.to_string(),
                a.llm_calls.to_string(),
                a.tool_calls.to_string(),
                opt(&a.input_tokens),
                opt(&a.output_tokens),
                opt(&a.cost_usd),
            ]
        }),
    )
}

pub fn handoff_edges(edges: &[HandoffEdge]) -> Result<String> {
    write(
        &["trace_id", "from", "to", "count"],
        edges.iter().map(|e| {
            vec![
                text(&e.trace_id),
                opt_text(&e.from),
                opt_text(&e.to),
                e.count.to_string(),
            ]
        }),
    )
}

pub fn tool_calls(calls: &[ToolCallCount]) -> Result<String> {
    write(
        &["trace_id", "agent", "tool_name", "tool_args", "count"],
        calls.iter().map(|t| {
            vec![
                text(&t.trace_id),
                opt_text(&t.agent),
                opt_text(&t.tool_name),
                opt_text(&t.tool_args),
                t.count.to_string(),
            ]
        }),
    )
}
