//! GitHub-flavoured Markdown: the run summary and the findings, fit for a
//! pull-request comment. Trace text is untrusted: table cells are escaped
//! so it cannot break the table or inject markup.

use std::collections::BTreeMap;

use super::{
    findings_per_agent, mode_label, thousands, total_waste, waste_text, Breakdown, CheckOutcome,
};

/// Escapes text for a Markdown table cell.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '`' | '*' | '_' | '[' | ']' | '#' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

pub fn check(outcome: &CheckOutcome) -> String {
    let s = &outcome.summary;
    let mut out = String::from("## tracelint\n\n");
    out.push_str(&format!(
        "{} traces, {} events from {} files ({} records read: {} ingested, {} skipped{}). **{} findings, {} gating.**\n\n",
        s.traces, s.events, s.files, s.records_read, s.ingested, s.skipped, s.other_signals_text(),
        outcome.findings.len(), outcome.gating
    ));
    if outcome.traces.is_empty() {
        out.push_str("No traces were read: nothing was checked.\n");
        return out;
    }
    if outcome.findings.is_empty() {
        out.push_str("No findings.\n");
        return out;
    }
    let mut by_detector: BTreeMap<&str, (usize, Option<f64>)> = BTreeMap::new();
    for f in &outcome.findings {
        let entry = by_detector.entry(&f.detector).or_default();
        entry.0 += 1;
        if let Some(tokens) = f.metrics.get("wasted_tokens") {
            entry.1 = Some(entry.1.unwrap_or(0.0) + tokens);
        }
    }
    out.push_str("| detector | findings | wasted tokens |\n|---|---:|---:|\n");
    for (detector, (count, tokens)) in &by_detector {
        let tokens = tokens.map_or("–".to_string(), |t| thousands(t as i64));
        out.push_str(&format!("| {detector} | {count} | {tokens} |\n"));
    }
    if !outcome.waste.is_empty() {
        out.push_str(&format!(
            "\nWasted in all: {} (each step counted once, however many findings claim it).\n",
            waste_text(&total_waste(outcome.waste.values()))
        ));
    }
    out.push_str(
        "\n| severity | detector | mode | gate | trace | agents | message |\n|---|---|---|---|---|---|---|\n",
    );
    for (i, f) in outcome.findings.iter().enumerate() {
        let gate = if outcome.in_baseline(i) {
            "in the baseline"
        } else if outcome.gates[i] {
            "fails"
        } else {
            ""
        };
        let mode = f
            .mast_mode
            .as_deref()
            .or(f.checklist.as_deref())
            .unwrap_or("-");
        out.push_str(&format!(
            "| {} | {} | {} | {gate} | {} | {} | {} |\n",
            f.severity.as_str(),
            f.detector,
            mode,
            cell(&f.trace_id),
            cell(&f.agents.join(", ")),
            cell(&f.message)
        ));
    }
    out
}

/// The report's summary.md: the check summary, findings by MAST category
/// and mode, then a table per agent.
pub fn report(outcome: &CheckOutcome, stats: &crate::summary::Stats) -> String {
    let mut out = check(outcome);
    let breakdown = Breakdown::of(&outcome.findings);
    if !outcome.findings.is_empty() {
        out.push_str("\n| MAST category | findings |\n|---|---:|\n");
        for (category, count) in &breakdown.by_category {
            out.push_str(&format!("| {} | {count} |\n", cell(category)));
        }
        out.push_str("\n| mode / item | findings | detectors |\n|---|---:|---|\n");
        for (mode, (count, detectors)) in &breakdown.by_mode {
            let names: Vec<&str> = detectors.iter().copied().collect();
            out.push_str(&format!(
                "| {} | {count} | {} |\n",
                cell(&mode_label(mode)),
                names.join(", ")
            ));
        }
    }
    let findings_per_agent = findings_per_agent(&outcome.findings);
    out.push_str("\n| agent | traces | events | LLM calls | tool calls | tokens | cost $ | findings |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for a in &stats.agents {
        let name = a.agent.as_deref().unwrap_or("(unattributed)");
        let tokens = a.input_tokens.unwrap_or(0) + a.output_tokens.unwrap_or(0);
        let cost = a
            .cost_usd
            .map_or_else(|| "–".to_string(), |c| format!("{c:.4}"));
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {tokens} | {cost} | {} |\n",
            cell(name),
            a.traces,
            a.events,
            a.llm_calls,
            a.tool_calls,
            findings_per_agent.get(name).copied().unwrap_or(0)
        ));
    }
    out
}
