//! Terminal tables for people (comfy-table). Trace text is cut short here:
//! a terminal is no place for a 10 kB tool argument.

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, ContentArrangement, Table};
use std::fmt::Write;

use super::CheckOutcome;
use crate::detect::Detector;
use crate::summary::{RunSummary, Stats};
use crate::taxonomy::TAXONOMY;
use crate::text::excerpt;

/// Longest cell shown for text from traces.
const CELL_CHARS: usize = 60;

fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().map(|h| Cell::new(*h)));
    table
}

fn cut(text: &str) -> String {
    let short = excerpt(text, CELL_CHARS);
    if short.len() < text.len() {
        format!("{short}…")
    } else {
        short
    }
}

fn opt<T: ToString>(value: &Option<T>) -> String {
    value
        .as_ref()
        .map(T::to_string)
        .unwrap_or_else(|| "-".to_string())
}

fn right(text: String) -> Cell {
    Cell::new(text).set_alignment(CellAlignment::Right)
}

fn money(cost: &Option<f64>) -> String {
    cost.map(|c| format!("{c:.4}"))
        .unwrap_or_else(|| "-".to_string())
}

pub fn run_summary(s: &RunSummary) -> String {
    let mut out = format!(
        "{} traces, {} events from {} files ({} records read: {} ingested, {} skipped",
        s.traces, s.events, s.files, s.records_read, s.ingested, s.skipped
    );
    if !s.skipped_reasons.is_empty() {
        let reasons: Vec<String> = s
            .skipped_reasons
            .iter()
            .map(|(r, n)| format!("{r} {n}"))
            .collect();
        let _ = write!(out, ": {}", reasons.join(", "));
    }
    out.push(')');
    if s.repaired > 0 {
        let _ = write!(out, ", {} repaired", s.repaired);
    }
    if s.labels > 0 {
        let _ = write!(out, "; {} corpus labels", s.labels);
    }
    out.push('\n');
    out
}

pub fn stats(stats: &Stats) -> String {
    let mut out = run_summary(&stats.summary);
    let mut traces = new_table(&[
        "trace",
        "events",
        "agents",
        "llm",
        "tools",
        "handoffs",
        "in tok",
        "out tok",
        "cost $",
        "ms",
        "status",
        "termination",
    ]);
    for t in &stats.traces {
        traces.add_row(vec![
            Cell::new(cut(&t.trace_id)),
            right(t.events.to_string()),
            Cell::new(cut(&t.agents.join(", "))),
            right(t.llm_calls.to_string()),
            right(t.tool_calls.to_string()),
            right(t.handoffs.to_string()),
            right(opt(&t.input_tokens)),
            right(opt(&t.output_tokens)),
            right(money(&t.cost_usd)),
            right(opt(&t.duration_ms)),
            Cell::new(&t.status),
            Cell::new(opt(&t.termination_reason)),
        ]);
    }
    let _ = writeln!(out, "\nTraces\n{traces}");
    let mut agents = new_table(&[
        "agent", "traces", "events", "llm", "tools", "in tok", "out tok", "cost $",
    ]);
    for a in &stats.agents {
        agents.add_row(vec![
            Cell::new(a.agent.as_deref().map_or("(unattributed)".to_string(), cut)),
            right(a.traces.to_string()),
            right(a.events.to_string()),
            right(a.llm_calls.to_string()),
            right(a.tool_calls.to_string()),
            right(opt(&a.input_tokens)),
            right(opt(&a.output_tokens)),
            right(money(&a.cost_usd)),
        ]);
    }
    let _ = writeln!(out, "\nAgents\n{agents}");
    if !stats.handoff_edges.is_empty() {
        let mut edges = new_table(&["trace", "from", "to", "count"]);
        for e in &stats.handoff_edges {
            edges.add_row(vec![
                Cell::new(cut(&e.trace_id)),
                Cell::new(cut(&opt(&e.from))),
                Cell::new(cut(&opt(&e.to))),
                right(e.count.to_string()),
            ]);
        }
        let _ = writeln!(out, "\nHandoffs\n{edges}");
    }
    out
}

pub fn check(outcome: &CheckOutcome) -> String {
    let mut out = run_summary(&outcome.summary);
    if outcome.findings.is_empty() {
        let _ = writeln!(
            out,
            "No findings ({} detectors ran).",
            outcome.detectors.len()
        );
        return out;
    }
    let mut table = new_table(&["severity", "detector", "mode", "trace", "agents", "message"]);
    for f in &outcome.findings {
        table.add_row(vec![
            Cell::new(f.severity.as_str()),
            Cell::new(&f.detector),
            Cell::new(
                f.mast_mode
                    .as_deref()
                    .or(f.checklist.as_deref())
                    .unwrap_or("-"),
            ),
            Cell::new(cut(&f.trace_id)),
            Cell::new(cut(&f.agents.join(", "))),
            Cell::new(&f.message),
        ]);
    }
    let _ = writeln!(
        out,
        "{table}\n{} findings, {} gating.",
        outcome.findings.len(),
        outcome.gating
    );
    out
}

pub fn detectors(detectors: &[&dyn Detector]) -> String {
    if detectors.is_empty() {
        return "No detectors are registered in this build.\n".to_string();
    }
    let mut table = new_table(&["detector", "mapping", "severity"]);
    for d in detectors {
        let mapping = d.mapping();
        let maps: Vec<&str> = mapping
            .mast_mode
            .into_iter()
            .chain(mapping.checklist)
            .collect();
        table.add_row(vec![
            Cell::new(d.name()),
            Cell::new(maps.join(", ")),
            Cell::new(d.default_severity().as_str()),
        ]);
    }
    format!("{table}\n")
}

pub fn taxonomy() -> String {
    let t = &*TAXONOMY;
    let mut out = String::from("MAST failure modes (Cemri et al., NeurIPS 2025)\n");
    let mut modes = new_table(&["id", "mode", "category", "definition"]);
    for m in &t.modes {
        let category = t
            .categories
            .get(&m.category)
            .map(String::as_str)
            .unwrap_or("");
        modes.add_row(vec![
            Cell::new(&m.id),
            Cell::new(&m.name),
            Cell::new(format!("{} {category}", m.category)),
            Cell::new(&m.definition),
        ]);
    }
    let _ = writeln!(out, "{modes}\n\nProduction-readiness checklist");
    let mut items = new_table(&["id", "item", "definition"]);
    for i in &t.checklist {
        items.add_row(vec![
            Cell::new(&i.id),
            Cell::new(&i.name),
            Cell::new(&i.definition),
        ]);
    }
    let _ = writeln!(out, "{items}");
    out
}
