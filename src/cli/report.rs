//! `tracelint report`: a folder for people and dashboards — index.html
//! (self-contained), summary.md, findings.json, findings.parquet,
//! events.parquet, traces.csv, and charts/ as SVG and PNG.

use anyhow::{Context, Result};
use clap::Args;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::detection::{Detection, DetectionArgs};
use super::exit;
use super::inputs::InputArgs;
use crate::detect::{run_detectors, Finding, StoreColumns};
use crate::inert;
use crate::output_file;
use crate::report::charts::{self, Chart, Span};
use crate::report::html::{self, EvidenceEvent, Page, TraceSection};
use crate::report::{self, Breakdown, CheckOutcome};
use crate::store::TraceIndex;
use crate::summary::{self, Stats};

/// Traces given a drill-down section (those with findings, worst first).
const MAX_TRACE_SECTIONS: usize = 200;

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Output folder [default: reports/<name of the input>].
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub detection: DetectionArgs,

    /// Findings listed in this baseline count as accepted (not gating) in
    /// the summary and the tables (`baselined`, `gating`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

/// `reports/<last component of the first input>`.
fn default_output(args: &ReportArgs) -> PathBuf {
    let source = args
        .input
        .paths
        .first()
        .map(String::as_str)
        .or_else(|| args.input.store.as_deref().and_then(Path::to_str))
        .unwrap_or("traces");
    let name: String = Path::new(source.trim_end_matches('/'))
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "traces".into())
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    Path::new("reports").join(name)
}

pub fn run(args: ReportArgs) -> Result<u8> {
    let Detection {
        detectors,
        options,
        gate,
    } = args.detection.resolve(None, args.baseline.as_ref(), true)?;

    let out = args.output.clone().unwrap_or_else(|| default_output(&args));
    args.input.refuse_as_output(&out)?;
    let (store, read) = args.input.load()?;
    if store.events.height() == 0 {
        anyhow::bail!("{}", args.input.no_traces(&read));
    }
    let index = store.trace_index()?;
    let detected = run_detectors(&store.events, &index, &detectors, &options)?;
    let stats = summary::compute(&store)?;
    let charts_dir = out.join("charts");
    std::fs::create_dir_all(&charts_dir)
        .with_context(|| format!("cannot create {}", charts_dir.display()))?;

    let outcome = CheckOutcome::new(
        stats.summary.clone(),
        super::check::trace_refs(&store.events, &index)?,
        detectors.iter().map(|d| d.name()).collect(),
        detected,
        &gate,
        super::source_root()?,
    );
    let write = |name: &str, text: String| -> Result<()> {
        let path = out.join(name);
        output_file::write(&path, text.as_bytes())
    };
    write("findings.json", report::json::check(&outcome)?)?;
    write(
        "summary.md",
        inert::for_terminal(&report::markdown::report(&outcome, &stats)).into_owned(),
    )?;
    write("traces.csv", report::csv::traces(&stats.traces)?)?;
    let starts: std::collections::HashMap<&str, i64> = stats
        .traces
        .iter()
        .filter_map(|t| Some((t.trace_id.as_str(), t.start_ns?)))
        .collect();
    report::parquet::write_table(
        &mut report::parquet::findings_frame(&outcome, &|trace| starts.get(trace).copied())?,
        &out.join("findings.parquet"),
        "findings",
    )?;
    report::parquet::write_table(
        &mut report::parquet::events_frame(&store.events)?,
        &out.join("events.parquet"),
        "events",
    )?;

    let columns = StoreColumns::new(&store.events)?;
    let charts = draw_charts(&outcome, &stats, &columns, &index, &charts_dir)?;
    let sections = trace_sections(&outcome.findings, &stats, &columns, &index)?;
    let page = Page {
        title: "tracelint report",
        stats: &stats,
        findings: &outcome.findings,
        waste: &outcome.waste,
        gating: outcome.gating,
        charts: &charts,
        traces: &sections,
    };
    write("index.html", html::render(&page))?;
    if !args.input.quiet {
        eprintln!(
            "tracelint: report written to {} ({} findings in {} traces)",
            out.display(),
            outcome.findings.len(),
            sections.len()
        );
    }
    // The report is written either way; the exit code says whether the
    // input was read whole. Findings do not fail `report`: that is `check`.
    Ok(if args.input.strict_failure(&store.ingest) {
        exit::ERROR
    } else {
        exit::CLEAN
    })
}

/// The trace whose findings wasted the most tokens, each step counted
/// once (else the one with the most findings).
fn worst_trace(outcome: &CheckOutcome) -> Option<&str> {
    let mut score: BTreeMap<&str, (i64, usize)> = BTreeMap::new();
    for f in &outcome.findings {
        score.entry(&f.trace_id).or_default().1 += 1;
    }
    for (trace, waste) in &outcome.waste {
        if let Some(entry) = score.get_mut(trace.as_str()) {
            entry.0 = waste.tokens.unwrap_or(0);
        }
    }
    score
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1))
        .map(|(t, _)| t)
}

const UNATTRIBUTED: &str = "(unattributed)";
const OTHER_AGENTS: &str = "(other agents)";
/// Agent lanes a timeline shows; the agents with fewer events share one.
const MAX_LANES: usize = 16;

/// A timeline's lanes: agents in order of first appearance, at most
/// MAX_LANES, the busiest kept and the rest folded into "(other agents)".
fn timeline_lanes(rows: &[crate::detect::Row]) -> Vec<String> {
    // agent → (order of first appearance, events)
    let mut agents: std::collections::HashMap<&str, (usize, usize)> = Default::default();
    for row in rows {
        let next = agents.len();
        agents
            .entry(row.agent.unwrap_or(UNATTRIBUTED))
            .or_insert((next, 0))
            .1 += 1;
    }
    let mut kept: Vec<(&str, (usize, usize))> = agents.into_iter().collect();
    let folded = kept.len() > MAX_LANES;
    if folded {
        kept.sort_by(|a, b| b.1 .1.cmp(&a.1 .1).then(a.1 .0.cmp(&b.1 .0)));
        kept.truncate(MAX_LANES - 1);
    }
    kept.sort_by_key(|(_, (first, _))| *first);
    let mut lanes: Vec<String> = kept.into_iter().map(|(a, _)| a.to_string()).collect();
    if folded {
        lanes.push(OTHER_AGENTS.to_string());
    }
    lanes
}

/// A trace's events as timeline spans by agent: time since the trace's
/// start when it has times, else seq.
fn timeline_of(
    trace_id: &str,
    findings: &[Finding],
    columns: &StoreColumns,
    index: &TraceIndex,
    name: &'static str,
    png: Option<&Path>,
) -> Result<Option<Chart>> {
    let Some(trace) = index.traces.iter().find(|t| t.trace_id == trace_id) else {
        return Ok(None);
    };
    let rows = columns.rows(trace);
    let evidence: std::collections::HashSet<&str> = findings
        .iter()
        .filter(|f| f.trace_id == trace_id)
        .flat_map(|f| f.span_ids.iter().map(String::as_str))
        .collect();
    let timed = rows.iter().all(|r| r.start_ns.is_some());
    let origin = rows.iter().filter_map(|r| r.start_ns).min().unwrap_or(0);
    let lanes = timeline_lanes(&rows);
    let lane_of = |agent: Option<&str>| {
        let agent = agent.unwrap_or(UNATTRIBUTED);
        if lanes.iter().any(|l| l == agent) {
            agent.to_string()
        } else {
            OTHER_AGENTS.to_string()
        }
    };
    let spans: Vec<Span> = rows
        .iter()
        .map(|r| {
            let lane = lane_of(r.agent);
            let (start, end) = if timed {
                let start = (r.start_ns.unwrap_or(origin) - origin) as f64 / 1e6;
                let end = (r.end_ns.or(r.start_ns).unwrap_or(origin) - origin) as f64 / 1e6;
                (start, end)
            } else {
                (r.seq as f64, r.seq as f64 + 0.8)
            };
            Span {
                lane,
                start,
                end,
                evidence: evidence.contains(r.span_id),
            }
        })
        .collect();
    let x_label = if timed {
        "ms since the trace started"
    } else {
        "event (seq)"
    };
    let title = format!("Timeline of {}", short_id(trace_id));
    Ok(Some(charts::timeline(
        name, &title, x_label, &lanes, &spans, png,
    )?))
}

fn short_id(id: &str) -> String {
    if id.chars().count() > 24 {
        format!("{}…", id.chars().take(23).collect::<String>())
    } else {
        id.to_string()
    }
}

/// Every chart `report` may draw into charts/.
const CHART_NAMES: [&str; 6] = [
    "findings-by-category",
    "findings-by-mode",
    "tokens-per-agent",
    "cost-per-agent",
    "hops-per-trace",
    "worst-trace-timeline",
];

/// A bar chart, unless every bar is zero (most exports carry no cost, many
/// no handoffs): such a chart would say nothing.
fn push_bars(
    charts: &mut Vec<Chart>,
    dir: &Path,
    name: &'static str,
    title: &str,
    y_label: &str,
    bars: &[(String, f64)],
) -> Result<()> {
    if bars.iter().any(|bar| bar.1 != 0.0) {
        let png = dir.join(format!("{name}.png"));
        charts.push(charts::bars(name, title, y_label, bars, &png)?);
    }
    Ok(())
}

fn draw_charts(
    outcome: &CheckOutcome,
    stats: &Stats,
    columns: &StoreColumns,
    index: &TraceIndex,
    dir: &Path,
) -> Result<Vec<Chart>> {
    // A chart a previous report drew into this folder and this one skips
    // (no cost, no handoffs) would otherwise stay, describing other traces.
    for name in CHART_NAMES {
        for extension in ["svg", "png"] {
            let path = dir.join(format!("{name}.{extension}"));
            if path.exists() {
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove {}", path.display()))?;
            }
        }
    }
    let mut charts = Vec::new();
    let findings = &outcome.findings;
    let breakdown = Breakdown::of(findings);
    let by_category: Vec<(String, f64)> = breakdown
        .by_category
        .iter()
        .map(|(category, count)| (category.clone(), *count as f64))
        .collect();
    push_bars(
        &mut charts,
        dir,
        "findings-by-category",
        "Findings by MAST category",
        "findings",
        &by_category,
    )?;
    let by_mode: Vec<(String, f64)> = breakdown
        .by_mode
        .iter()
        .map(|(mode, (count, _))| (report::mode_label(mode), *count as f64))
        .collect();
    push_bars(
        &mut charts,
        dir,
        "findings-by-mode",
        "Findings by MAST mode and checklist item",
        "findings",
        &by_mode,
    )?;
    let mut tokens: Vec<(String, f64)> = stats
        .agents
        .iter()
        .map(|a| {
            let total = a.input_tokens.unwrap_or(0) + a.output_tokens.unwrap_or(0);
            (
                a.agent.clone().unwrap_or_else(|| "(unattributed)".into()),
                total as f64,
            )
        })
        .collect();
    tokens.sort_by(|a, b| b.1.total_cmp(&a.1));
    tokens.truncate(20);
    push_bars(
        &mut charts,
        dir,
        "tokens-per-agent",
        "Tokens per agent",
        "tokens",
        &tokens,
    )?;
    let mut cost: Vec<(String, f64)> = stats
        .agents
        .iter()
        .filter_map(|a| {
            Some((
                a.agent.clone().unwrap_or_else(|| "(unattributed)".into()),
                a.cost_usd?,
            ))
        })
        .collect();
    cost.sort_by(|a, b| b.1.total_cmp(&a.1));
    cost.truncate(20);
    push_bars(
        &mut charts,
        dir,
        "cost-per-agent",
        "Cost per agent (USD, where the traces give it)",
        "USD",
        &cost,
    )?;
    let mut hops: Vec<(String, f64)> = stats
        .traces
        .iter()
        .map(|t| (short_id(&t.trace_id), t.handoffs as f64))
        .collect();
    hops.sort_by(|a, b| b.1.total_cmp(&a.1));
    hops.truncate(20);
    push_bars(
        &mut charts,
        dir,
        "hops-per-trace",
        "Handoffs per trace",
        "handoffs",
        &hops,
    )?;
    if let Some(worst) = worst_trace(outcome) {
        if let Some(chart) = timeline_of(
            worst,
            findings,
            columns,
            index,
            "worst-trace-timeline",
            Some(&dir.join("worst-trace-timeline.png")),
        )? {
            charts.push(chart);
        }
    }
    for chart in &charts {
        let path = dir.join(format!("{}.svg", chart.name));
        output_file::write(&path, chart.svg.as_bytes())?;
    }
    Ok(charts)
}

/// What an evidence event shows: its output, error, tool arguments, the
/// handoff it made, or why the run ended.
fn evidence_text(row: &crate::detect::Row) -> String {
    if let Some(text) = row.output.or(row.error_message).or(row.tool_args) {
        return crate::text::excerpt(text, 400);
    }
    if let Some(to) = row.handoff_to {
        let from = row.handoff_from.or(row.agent).unwrap_or("?");
        return format!("handoff {from} → {to}");
    }
    row.termination_reason
        .map(str::to_string)
        .unwrap_or_default()
}

fn trace_sections(
    findings: &[Finding],
    stats: &Stats,
    columns: &StoreColumns,
    index: &TraceIndex,
) -> Result<Vec<TraceSection>> {
    let mut order: Vec<&str> = Vec::new();
    for f in findings {
        if !order.contains(&f.trace_id.as_str()) {
            order.push(&f.trace_id);
        }
    }
    order.truncate(MAX_TRACE_SECTIONS);
    let mut sections = Vec::new();
    for trace_id in order {
        let Some(trace) = index.traces.iter().find(|t| t.trace_id == trace_id) else {
            continue;
        };
        let rows = columns.rows(trace);
        let by_span: BTreeMap<&str, &crate::detect::Row> =
            rows.iter().map(|r| (r.span_id, r)).collect();
        let mut evidence = BTreeMap::new();
        for (i, f) in findings
            .iter()
            .enumerate()
            .filter(|(_, f)| f.trace_id == trace_id)
        {
            let events = f
                .span_ids
                .iter()
                .take(html::MAX_EVIDENCE_EVENTS)
                .filter_map(|id| by_span.get(id.as_str()))
                .map(|r| EvidenceEvent {
                    step: r.step,
                    span_id: r.span_id.to_string(),
                    agent: r.agent.unwrap_or("(unattributed)").to_string(),
                    kind: r.kind.as_str().to_string(),
                    name: r.name.to_string(),
                    excerpt: evidence_text(r),
                })
                .collect();
            evidence.insert(i, events);
        }
        let handoffs = stats
            .handoff_edges
            .iter()
            .filter(|e| e.trace_id == trace_id)
            .map(|e| {
                (
                    e.from.clone().unwrap_or_else(|| "?".into()),
                    e.to.clone().unwrap_or_else(|| "?".into()),
                    e.count,
                )
            })
            .collect();
        sections.push(TraceSection {
            trace_id: trace_id.to_string(),
            source_file: rows
                .first()
                .map(|r| r.source_file.to_string())
                .unwrap_or_default(),
            timeline: timeline_of(trace_id, findings, columns, index, "trace-timeline", None)?,
            handoffs,
            evidence,
        });
    }
    Ok(sections)
}
