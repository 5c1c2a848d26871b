//! Terminal tables for people (comfy-table). Trace text is cut short here:
//! a terminal is no place for a 10 kB tool argument.

use comfy_table::{
    presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, ColumnConstraint, ContentArrangement, Table,
};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use super::{thousands, total_waste, waste_text, CheckOutcome, StatsTable};
use crate::coverage::Coverage;
use crate::detect::{Detector, Finding};
use crate::summary::{RunSummary, Stats};
use crate::taxonomy::TAXONOMY;
use crate::text::excerpt;

/// Longest cell shown for text from traces.
const CELL_CHARS: usize = 60;

/// Columns never wrapped: names a reader searches for or compares down
/// the table (`repeated-identical-output` cut in two is neither); the
/// other columns (messages, evidence, agents) wrap to fit.
const WHOLE_COLUMNS: &[&str] = &[
    "finding", "severity", "detector", "mode", "mapping", "id", "status", "metric", "category",
    "trace",
];

/// Width when stdout is no terminal (a CI log, a file, a pipe): `COLUMNS`
/// when set, else this.
const DEFAULT_WIDTH: u16 = 100;

fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().map(|h| Cell::new(*h)));
    // On a terminal comfy-table reads its width.
    if !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(DEFAULT_WIDTH);
        table.set_width(width);
    }
    for (i, name) in header.iter().enumerate() {
        if WHOLE_COLUMNS.contains(name) {
            if let Some(column) = table.column_mut(i) {
                column.set_constraint(ColumnConstraint::ContentWidth);
            }
        }
    }
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

/// A trace's unreadable events in a few words: "3 args, 6 outputs" (a
/// detector family is blind from 3 of them, `crate::coverage`).
fn unreadable(c: &Coverage) -> String {
    let parts: Vec<String> = [
        (c.tool_calls_without_arguments, "args"),
        (c.llm_calls_without_output, "outputs"),
        (c.handoffs_without_ends, "handoff ends"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if parts.is_empty() {
        "-".to_string()
    } else {
        parts.join(", ")
    }
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
        let _ = write!(out, " ({})", reasons.join(", "));
    }
    out.push_str(&s.other_signals_text());
    out.push(')');
    if s.repaired > 0 {
        let _ = write!(out, ", {} repaired", s.repaired);
    }
    if s.labels > 0 {
        let _ = write!(out, "; {} corpus labels", s.labels);
    }
    if let Some(visible) = s.traces_fully_visible.filter(|_| s.traces > 0) {
        let _ = write!(out, "; {visible} of {} traces fully visible", s.traces);
    }
    out.push('\n');
    out
}

pub fn stats(stats: &Stats, only: Option<StatsTable>) -> String {
    let mut out = run_summary(&stats.summary);
    let shown = |table: StatsTable| only.is_none_or(|o| o == table);
    if shown(StatsTable::Traces) {
        let _ = writeln!(out, "\nTraces\n{}", traces_table(stats));
    }
    if shown(StatsTable::Agents) {
        let _ = writeln!(out, "\nAgents\n{}", agents_table(stats));
    }
    // Unasked, an empty table is left out; asked for, it says it is empty.
    if shown(StatsTable::Handoffs) && (only.is_some() || !stats.handoff_edges.is_empty()) {
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
    if shown(StatsTable::Tools) && (only.is_some() || !stats.tool_calls.is_empty()) {
        let mut tools = new_table(&["trace", "agent", "tool", "arguments", "count"]);
        for t in &stats.tool_calls {
            tools.add_row(vec![
                Cell::new(cut(&t.trace_id)),
                Cell::new(cut(&opt(&t.agent))),
                Cell::new(cut(&opt(&t.tool_name))),
                Cell::new(cut(&opt(&t.tool_args))),
                right(t.count.to_string()),
            ]);
        }
        let _ = writeln!(out, "\nTool calls\n{tools}");
    }
    out
}

fn traces_table(stats: &Stats) -> Table {
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
        "unreadable",
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
            Cell::new(unreadable(&t.coverage)),
        ]);
    }
    traces
}

fn agents_table(stats: &Stats) -> Table {
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
    agents
}

/// Findings grouped by trace (one table each, in trace order), then
/// totals by detector and by MAST mode or checklist item.
pub fn check(outcome: &CheckOutcome) -> String {
    let mut out = run_summary(&outcome.summary);
    if outcome.traces.is_empty() {
        out.push_str("No traces were read: nothing was checked.\n");
        return out;
    }
    if outcome.findings.is_empty() {
        let _ = writeln!(
            out,
            "No findings ({} detectors ran).",
            outcome.detectors.len()
        );
        return out;
    }
    let mut start = 0;
    while start < outcome.findings.len() {
        let trace_id = &outcome.findings[start].trace_id;
        let end = start
            + outcome.findings[start..]
                .iter()
                .take_while(|f| &f.trace_id == trace_id)
                .count();
        let first = &outcome.findings[start];
        let _ = writeln!(
            out,
            "\ntrace {trace_id} ({}:{})",
            first.source_file, first.source_line
        );
        if let Some(waste) = outcome.waste.get(trace_id) {
            let _ = writeln!(
                out,
                "wasted: {} (each step counted once)",
                waste_text(waste)
            );
        }
        // The finding (detector, then severity and mode) stays whole; where
        // (agents, spans, steps, counts) and what to do wrap.
        let mut table = new_table(&["finding", "evidence", "message"]);
        for (i, f) in outcome.findings[start..end].iter().enumerate() {
            let i = start + i;
            let verdict = if outcome.in_baseline(i) {
                " · baseline"
            } else if outcome.gates[i] {
                " · gating"
            } else {
                ""
            };
            let mut evidence = evidence_of(f);
            if !f.agents.is_empty() {
                evidence = format!("agents {}; {evidence}", cut(&f.agents.join(", ")));
            }
            table.add_row(vec![
                Cell::new(format!(
                    "{}\n{} · {}{verdict}",
                    f.detector,
                    f.severity.as_str(),
                    mode_of(f)
                )),
                Cell::new(evidence),
                Cell::new(&f.message),
            ]);
        }
        let _ = writeln!(out, "{table}");
        start = end;
    }
    // A detector's waste sums its own findings (they do not overlap);
    // across detectors they do, so the total is the traces' union.
    let mut by_detector: BTreeMap<&str, (usize, BTreeSet<&str>, Option<f64>)> = BTreeMap::new();
    let mut by_mode: BTreeMap<String, usize> = BTreeMap::new();
    for f in &outcome.findings {
        let entry = by_detector.entry(&f.detector).or_default();
        entry.0 += 1;
        entry.1.insert(&f.trace_id);
        if let Some(tokens) = f.metrics.get("wasted_tokens") {
            entry.2 = Some(entry.2.unwrap_or(0.0) + tokens);
        }
        *by_mode.entry(mode_of(f)).or_default() += 1;
    }
    let mut totals = new_table(&["detector", "findings", "traces", "wasted tokens"]);
    for (detector, (count, traces, tokens)) in &by_detector {
        totals.add_row(vec![
            Cell::new(detector),
            right(count.to_string()),
            right(traces.len().to_string()),
            right(tokens.map_or("–".to_string(), |t| thousands(t as i64))),
        ]);
    }
    let mut modes = new_table(&["mode", "findings"]);
    for (mode, count) in &by_mode {
        modes.add_row(vec![Cell::new(mode), right(count.to_string())]);
    }
    // The counts follow on stderr (`CheckOutcome::summary_line`).
    let _ = write!(out, "\n{totals}\n{modes}\n");
    if !outcome.waste.is_empty() {
        let _ = writeln!(
            out,
            "Wasted in all: {} (each step counted once, however many findings claim it)",
            waste_text(&total_waste(outcome.waste.values()))
        );
    }
    out
}

/// The MAST mode of a finding, else its checklist item.
fn mode_of(finding: &Finding) -> String {
    finding
        .mast_mode
        .clone()
        .or_else(|| finding.checklist.clone())
        .unwrap_or_else(|| "-".to_string())
}

/// The counts that say how big a finding is, then where it is.
/// Where the evidence is, in the source's own terms: the first and last
/// span ids (what a trace viewer searches by), the source's step or turn
/// numbers when it has them, and the counts. Internal `seq` rows are not
/// shown: no tool but tracelint knows them.
fn evidence_of(finding: &Finding) -> String {
    let mut parts: Vec<String> = Vec::new();
    match finding.span_ids.as_slice() {
        [] => {}
        [only] => parts.push(format!("span {}", short_id(only))),
        [first, .., last] => parts.push(format!(
            "spans {} … {} ({})",
            short_id(first),
            short_id(last),
            finding.span_ids.len()
        )),
    }
    match finding.steps {
        Some([a, b]) if a == b => parts.push(format!("step {a}")),
        Some([a, b]) => parts.push(format!("steps {a}–{b}")),
        None => {}
    }
    parts.extend(
        ["repeats", "rounds", "hops", "wasted_tokens"]
            .iter()
            .filter_map(|k| finding.metrics.get(*k).map(|v| format!("{k} {v:.0}"))),
    );
    parts.join("; ")
}

/// A span id as the table shows it: whole up to 24 characters (OTel's 16
/// hex digits, a UUID's first groups), else its first 23 and `…` — a
/// prefix any trace viewer's search still finds.
fn short_id(id: &str) -> String {
    match id.char_indices().nth(23) {
        Some((cut, _)) if id.chars().count() > 24 => format!("{}…", &id[..cut]),
        _ => id.to_string(),
    }
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

/// `blame`: a row per blamed trace.
pub fn blames(blames: &[crate::detect::blame::Blame], traces: usize) -> String {
    // Where, in the source's terms: the agent, its step number when the
    // source has one, and the span id a trace viewer finds.
    let mut table = new_table(&["trace", "where", "why"]);
    // The explanation is what the table is read for: at least half the width.
    if let Some(why) = table.column_mut(2) {
        why.set_constraint(ColumnConstraint::LowerBoundary(
            comfy_table::Width::Percentage(50),
        ));
    }
    for b in blames {
        let step = b.step.map(|s| format!("\nstep {s}")).unwrap_or_default();
        table.add_row(vec![
            Cell::new(cut(&b.trace_id)),
            Cell::new(format!(
                "{}{step}\nspan {}",
                b.agent.as_deref().unwrap_or("–"),
                short_id(&b.span_id)
            )),
            Cell::new(format!(
                "{}: {}",
                b.reason.as_str(),
                crate::text::quote(&b.detail, 160, crate::text::Quoted::Text)
            )),
        ]);
    }
    format!("{table}\n{} of {traces} traces blamed.\n", blames.len())
}

/// `eval`: per corpus, its figures beside the published ones, then
/// precision, recall and F1 per detector and per label category.
pub fn eval(corpora: &[crate::eval::CorpusEval], missing: &[String]) -> String {
    let percent = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.1}"));
    let fraction = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.2}"));
    let scores = |first: &str, scores: &[crate::eval::Score], with_reach: bool| {
        let mut header = vec![first];
        if with_reach {
            header.push("reach");
        }
        header.extend(["tp", "fp", "fn", "precision", "recall", "F1"]);
        let mut table = new_table(&header);
        for s in scores {
            let mut row = vec![Cell::new(&s.name)];
            if with_reach {
                let reach = s.reach.map_or("-", |r| match r {
                    crate::taxonomy::Reach::In => "in",
                    crate::taxonomy::Reach::Possible => "possible",
                    crate::taxonomy::Reach::Out => "out",
                });
                row.push(Cell::new(reach));
            }
            row.extend([
                right(s.tp.to_string()),
                right(s.fp.to_string()),
                right(s.fn_.to_string()),
                right(fraction(s.precision)),
                right(fraction(s.recall)),
                right(fraction(s.f1)),
            ]);
            table.add_row(row);
        }
        table
    };
    let mut out = String::new();
    for corpus in corpora {
        let split = match corpus.split {
            crate::eval::Split::Dev => "dev",
            crate::eval::Split::Test => "test",
            crate::eval::Split::All => "all",
        };
        let _ = writeln!(
            out,
            "{} — {split} split, {} traces",
            corpus.corpus, corpus.traces
        );
        if !corpus.metrics.is_empty() {
            let mut table = new_table(&["metric", "tracelint", "traces", "published"]);
            for m in &corpus.metrics {
                let references: Vec<String> = m
                    .references
                    .iter()
                    .map(|(who, value)| format!("{who} {value:.2}"))
                    .collect();
                table.add_row(vec![
                    Cell::new(&m.name),
                    right(percent(m.value)),
                    right(m.traces.to_string()),
                    Cell::new(references.join("\n")),
                ]);
            }
            let _ = writeln!(out, "{table}");
        }
        let detectors: Vec<_> = corpus
            .per_detector
            .iter()
            .filter(|s| s.tp + s.fp + s.fn_ > 0)
            .cloned()
            .collect();
        if !detectors.is_empty() {
            let _ = writeln!(out, "{}", scores("detector", &detectors, false));
        }
        let categories: Vec<_> = corpus
            .per_category
            .iter()
            .filter(|s| s.tp + s.fp + s.fn_ > 0)
            .cloned()
            .collect();
        if !categories.is_empty() {
            let with_reach = categories.iter().any(|s| s.reach.is_some());
            let _ = writeln!(out, "{}", scores("label category", &categories, with_reach));
        }
        for note in &corpus.notes {
            let _ = writeln!(out, "note: {note}");
        }
        out.push('\n');
    }
    for path in missing {
        let _ = writeln!(out, "not found, not measured: {path}");
    }
    out
}
