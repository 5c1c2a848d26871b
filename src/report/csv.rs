//! CSV output of the stats tables, one table per file, for spreadsheets
//! and dashboards. Lists (a trace's agents) are joined with `;`.

use anyhow::Result;

use crate::summary::{AgentStats, HandoffEdge, ToolCallCount, TraceStats};

fn opt<T: ToString>(value: &Option<T>) -> String {
    value.as_ref().map(T::to_string).unwrap_or_default()
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
            "status",
            "termination_reason",
        ],
        traces.iter().map(|t| {
            vec![
                t.trace_id.clone(),
                t.events.to_string(),
                t.agents.join(";"),
                t.llm_calls.to_string(),
                t.tool_calls.to_string(),
                t.handoffs.to_string(),
                opt(&t.input_tokens),
                opt(&t.output_tokens),
                opt(&t.cost_usd),
                opt(&t.duration_ms),
                t.status.clone(),
                opt(&t.termination_reason),
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
                opt(&a.agent),
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
                e.trace_id.clone(),
                opt(&e.from),
                opt(&e.to),
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
                t.trace_id.clone(),
                opt(&t.agent),
                opt(&t.tool_name),
                opt(&t.tool_args),
                t.count.to_string(),
            ]
        }),
    )
}
