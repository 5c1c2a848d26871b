//! The report page: one self-contained HTML file (inline CSS, inline SVG,
//! one inline script of ours; no network, works from file://). Everything
//! that comes from traces is escaped, and a Content-Security-Policy lets
//! only the page's own script run (named by its SHA-256, so the same input
//! gives the same page), so text in a trace can never become markup or
//! code.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::charts::Chart;
use super::{findings_per_agent, mode_label, Breakdown};
use crate::detect::{Finding, Waste};
use crate::summary::Stats;

/// Escapes text for HTML content and quoted attribute values; control
/// and bidi characters of trace text shown as `\u{..}` (`inert`).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in crate::inert::for_terminal(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An anchor id for a trace: a hash, so no trace text reaches an id.
pub fn anchor(trace_id: &str) -> String {
    format!("t{:016x}", xxhash_rust::xxh3::xxh3_64(trace_id.as_bytes()))
}

/// One evidence event as the drill-down shows it.
pub struct EvidenceEvent {
    /// The source's own step or turn number, when it has one.
    pub step: Option<i64>,
    pub span_id: String,
    pub agent: String,
    pub kind: String,
    pub name: String,
    pub excerpt: String,
}

/// A trace's drill-down: its timeline, its handoff graph, its findings'
/// evidence.
pub struct TraceSection {
    pub trace_id: String,
    pub source_file: String,
    pub timeline: Option<Chart>,
    pub handoffs: Vec<(String, String, u64)>,
    pub evidence: BTreeMap<usize, Vec<EvidenceEvent>>,
}

pub struct Page<'a> {
    pub title: &'a str,
    pub stats: &'a Stats,
    pub findings: &'a [Finding],
    /// Per trace, its findings' waste with each step counted once.
    pub waste: &'a BTreeMap<String, Waste>,
    pub gating: usize,
    pub charts: &'a [Chart],
    pub traces: &'a [TraceSection],
}

const STYLE: &str = "
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{background:#1d2430;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:22px}
main{padding:20px 28px;max-width:1400px}section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:14px 18px;margin:0 0 18px}
h2{font-size:17px;margin:0 0 10px}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eceff3;vertical-align:top}
th{background:#f0f2f5;cursor:pointer;user-select:none;white-space:nowrap}td.n{text-align:right;font-variant-numeric:tabular-nums}
td.name{white-space:nowrap}.sev-error{color:#b3261e;font-weight:600}.sev-warning{color:#9a6700;font-weight:600}.sev-info{color:#4a5568}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:14px;align-items:start}.grid svg,.chart svg{max-width:100%;height:auto}
.charts{display:flex;flex-direction:column;gap:18px}
input[type=search]{padding:6px 8px;width:320px;border:1px solid #c9ced6;border-radius:4px;margin-bottom:8px}
details{border-top:1px solid #eceff3;padding:8px 0}summary{cursor:pointer;font-weight:600}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f7f9;padding:6px 8px;border-radius:4px;margin:4px 0}
.evidence{border-left:3px solid #c0392b;padding-left:10px;margin:8px 0}.muted{color:#6b7280}.ids{font-size:11px;word-break:break-all}\n.wide svg{width:100%;height:auto}
";

/// Sorting of the tables by a click on a column's head, filtering of the
/// findings table, and opening the trace a link points to: the page's
/// only script.
const SCRIPT: &str = "
for(const table of document.querySelectorAll('table.sortable')){const body=table.tBodies[0];
table.tHead.addEventListener('click',e=>{const th=e.target.closest('th');if(!th)return;
const i=th.cellIndex,num=th.dataset.num==='1',dir=th.dataset.dir==='asc'?-1:1;th.dataset.dir=dir===1?'asc':'desc';
const rows=[...body.rows];rows.sort((a,b)=>{const x=a.cells[i].dataset.v??a.cells[i].textContent,y=b.cells[i].dataset.v??b.cells[i].textContent;
return (num?(parseFloat(x)||0)-(parseFloat(y)||0):x.localeCompare(y))*dir;});rows.forEach(r=>body.appendChild(r));});}
const table=document.getElementById('findings');
if(table){const body=table.tBodies[0];
document.getElementById('filter').addEventListener('input',e=>{const q=e.target.value.toLowerCase();
for(const row of body.rows){row.hidden=q&&!row.textContent.toLowerCase().includes(q);}});}
function openTarget(){const d=location.hash&&document.getElementById(location.hash.slice(1));if(d&&d.tagName==='DETAILS')d.open=true;}
addEventListener('hashchange',openTarget);openTarget();
";

/// The script's SHA-256 in base64, as a CSP source names it.
fn script_hash() -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(SCRIPT.as_bytes()))
}

fn severity_rank(severity: &str) -> u8 {
    match severity {
        "error" => 3,
        "warning" => 2,
        _ => 1,
    }
}

pub fn render(page: &Page) -> String {
    let s = &page.stats.summary;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{script_hash}'\">\
<title>{title}</title><style>{STYLE}</style></head><body>\
<header><h1>{title}</h1><div>{traces} traces, {events} events from {files} files \
({read} records read: {ingested} ingested, {skipped} skipped{other}) — <b>{findings} findings, {gating} gating</b></div></header><main>",
        script_hash = script_hash(),
        title = escape(page.title),
        traces = s.traces,
        events = s.events,
        files = s.files,
        read = s.records_read,
        ingested = s.ingested,
        skipped = s.skipped,
        other = escape(&s.other_signals_text()),
        findings = page.findings.len(),
        gating = page.gating,
    );
    summary_tables(&mut out, page);
    charts(&mut out, page.charts);
    findings_table(&mut out, page.findings);
    traces_table(&mut out, page);
    agents_table(&mut out, page);
    trace_sections(&mut out, page);
    let _ = writeln!(out, "</main><script>{SCRIPT}</script></body></html>");
    out
}

fn summary_tables(out: &mut String, page: &Page) {
    let breakdown = Breakdown::of(page.findings);
    let (by_category, by_mode) = (&breakdown.by_category, &breakdown.by_mode);
    out.push_str("<section><h2>Findings by MAST category and mode</h2><div class=\"grid\"><table><thead><tr><th>category</th><th>findings</th></tr></thead><tbody>");
    for (category, count) in by_category {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"n\">{count}</td></tr>",
            escape(category)
        );
    }
    out.push_str("</tbody></table><table><thead><tr><th>mode / item</th><th>findings</th><th>detectors</th></tr></thead><tbody>");
    for (mode, (count, detectors)) in by_mode {
        let names: Vec<&str> = detectors.iter().copied().collect();
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"n\">{count}</td><td>{}</td></tr>",
            escape(&mode_label(mode)),
            escape(&names.join(", "))
        );
    }
    out.push_str("</tbody></table></div></section>");
}

fn charts(out: &mut String, charts: &[Chart]) {
    // One chart a row, at its drawn size (900 pixels): its labels read at
    // the size they were drawn, not scaled down into a grid.
    out.push_str("<section><h2>Charts</h2><div class=\"charts\">");
    for chart in charts {
        // plotters' SVG backend escapes every label it writes.
        let _ = write!(
            out,
            "<div class=\"chart\" id=\"chart-{}\">{}</div>",
            chart.name, chart.svg
        );
    }
    out.push_str("</div></section>");
}

fn findings_table(out: &mut String, findings: &[Finding]) {
    out.push_str("<section><h2>Findings</h2><input type=\"search\" id=\"filter\" placeholder=\"filter: detector, trace, agent, words\">\
<table id=\"findings\" class=\"sortable\"><thead><tr><th data-num=\"1\">severity</th><th>detector</th><th>mode</th><th>trace</th><th>agents</th><th data-num=\"1\">wasted tokens</th><th>message</th></tr></thead><tbody>");
    for f in findings {
        // Unknown is not zero: "–", sorted below every figure.
        let (tokens, sort_key) = match f.metrics.get("wasted_tokens") {
            Some(t) => (format!("{t:.0}"), format!("{t:.0}")),
            None => ("–".to_string(), "-1".to_string()),
        };
        let mode = f
            .mast_mode
            .as_deref()
            .or(f.checklist.as_deref())
            .unwrap_or("-");
        let _ = write!(
            out,
            "<tr><td class=\"sev-{sev}\" data-v=\"{rank}\">{sev}</td><td class=\"name\">{detector}</td><td>{mode}</td>\
<td><a href=\"#{anchor}\">{trace}</a></td><td>{agents}</td><td class=\"n\" data-v=\"{sort_key}\">{tokens}</td><td>{message}</td></tr>",
            sev = f.severity.as_str(),
            rank = severity_rank(f.severity.as_str()),
            detector = escape(&f.detector),
            mode = escape(mode),
            anchor = anchor(&f.trace_id),
            trace = escape(&f.trace_id),
            agents = escape(&f.agents.join(", ")),
            message = escape(&f.message),
        );
    }
    out.push_str("</tbody></table></section>");
}

/// Every trace: its size, cost and time, its findings, and what they
/// wasted with each step counted once; sortable, linked to its
/// drill-down when it has findings. A figure no event gives is "–",
/// sorted below every number.
fn traces_table(out: &mut String, page: &Page) {
    let mut findings: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for f in page.findings {
        let entry = findings.entry(f.trace_id.as_str()).or_default();
        entry.0 += 1;
        entry.1 += usize::from(f.severity == crate::detect::Severity::Error);
    }
    out.push_str("<section><h2>Traces</h2><table id=\"traces\" class=\"sortable\"><thead><tr>\
<th>trace</th><th>started (UTC)</th><th data-num=\"1\">events</th><th>agents</th><th data-num=\"1\">tokens</th>\
<th data-num=\"1\">cost $</th><th data-num=\"1\">duration ms</th><th data-num=\"1\">findings</th>\
<th data-num=\"1\">wasted tokens</th><th data-num=\"1\">wasted ms</th><th>status</th></tr></thead><tbody>");
    let cell = |v: Option<String>| match v {
        Some(v) => format!("<td class=\"n\" data-v=\"{v}\">{v}</td>"),
        None => "<td class=\"n\" data-v=\"-1\">–</td>".to_string(),
    };
    for t in &page.stats.traces {
        let (count, errors) = findings
            .get(t.trace_id.as_str())
            .copied()
            .unwrap_or_default();
        let trace = if count > 0 {
            format!(
                "<a href=\"#{}\">{}</a>",
                anchor(&t.trace_id),
                escape(&t.trace_id)
            )
        } else {
            escape(&t.trace_id)
        };
        let tokens = match (t.input_tokens, t.output_tokens) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        };
        let waste = page.waste.get(&t.trace_id);
        let _ = write!(
            out,
            "<tr><td class=\"ids\">{trace}</td><td>{start}</td><td class=\"n\" data-v=\"{events}\">{events}</td><td>{agents}</td>\
{tokens}{cost}{duration}<td class=\"n\" data-v=\"{count}\">{count}{errors}</td>{wasted}{wasted_ms}<td>{status}</td></tr>",
            start = t.start_time.as_deref().map_or("–".to_string(), |s| escape(&s.replace('T', " ")[..19.min(s.len())])),
            events = t.events,
            agents = escape(&t.agents.join(", ")),
            tokens = cell(tokens.map(|v| v.to_string())),
            cost = cell(t.cost_usd.map(|c| format!("{c:.4}"))),
            duration = cell(t.duration_ms.map(|v| v.to_string())),
            errors = match errors {
                0 => String::new(),
                1 => " <span class=\"sev-error\">(1 error)</span>".to_string(),
                n => format!(" <span class=\"sev-error\">({n} errors)</span>"),
            },
            wasted = cell(waste.and_then(|w| w.tokens).map(|v| v.to_string())),
            wasted_ms = cell(waste.and_then(|w| w.ms).map(|v| v.to_string())),
            status = escape(&t.status),
        );
    }
    out.push_str("</tbody></table></section>");
}

fn agents_table(out: &mut String, page: &Page) {
    let findings_per_agent = findings_per_agent(page.findings);
    out.push_str("<section><h2>Agents</h2><table><thead><tr><th>agent</th><th>traces</th><th>events</th><th>LLM calls</th><th>tool calls</th><th>input tokens</th><th>output tokens</th><th>cost $</th><th>findings</th></tr></thead><tbody>");
    let number = |v: Option<i64>| v.map_or_else(|| "–".to_string(), |v| v.to_string());
    for a in &page.stats.agents {
        let name = a.agent.as_deref().unwrap_or("(unattributed)");
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(name),
            a.traces,
            a.events,
            a.llm_calls,
            a.tool_calls,
            number(a.input_tokens),
            number(a.output_tokens),
            a.cost_usd.map_or_else(|| "–".to_string(), |c| format!("{c:.4}")),
            findings_per_agent.get(name).copied().unwrap_or(0)
        );
    }
    out.push_str("</tbody></table></section>");
}

/// The handoff graph as SVG: agents on a circle, an arrow per direction
/// weighted by its count. `id` keeps its arrow marker apart from other
/// graphs on the page.
fn handoff_graph(id: &str, edges: &[(String, String, u64)]) -> String {
    let mut nodes: Vec<&str> = Vec::new();
    for (from, to, _) in edges {
        for n in [from.as_str(), to.as_str()] {
            if !nodes.contains(&n) {
                nodes.push(n);
            }
        }
    }
    if nodes.is_empty() {
        return "<p class=\"muted\">No handoffs.</p>".to_string();
    }
    let (w, h, r) = (560.0, 300.0, 105.0);
    let position = |i: usize| {
        let angle =
            std::f64::consts::TAU * i as f64 / nodes.len() as f64 - std::f64::consts::FRAC_PI_2;
        (w / 2.0 + r * angle.cos(), h / 2.0 + r * angle.sin())
    };
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\
<defs><marker id=\"arrow-{id}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" fill=\"#3b6ea8\"/></marker></defs>"
    );
    for (from, to, count) in edges {
        let a = nodes.iter().position(|n| n == from).unwrap_or(0);
        let b = nodes.iter().position(|n| n == to).unwrap_or(0);
        let ((x1, y1), (x2, y2)) = (position(a), position(b));
        let (path, mx, my) = if a == b {
            // An agent handing to itself: a loop outside the circle.
            let (dx, dy) = ((x1 - w / 2.0) / r, (y1 - h / 2.0) / r);
            let (lx, ly) = (x1 + dx * 40.0, y1 + dy * 40.0);
            let path = format!(
                "M{x1:.0},{y1:.0} C{:.0},{:.0} {:.0},{:.0} {x1:.0},{y1:.0}",
                lx - dy * 25.0,
                ly + dx * 25.0,
                lx + dy * 25.0,
                ly - dx * 25.0
            );
            (path, lx, ly)
        } else {
            // Two-way edges are drawn as two arcs, one on each side; each
            // stops short of the node so the arrowhead shows.
            let (mx, my) = (
                (x1 + x2) / 2.0 + (y2 - y1) * 0.15,
                (y1 + y2) / 2.0 - (x2 - x1) * 0.15,
            );
            let toward = |(ax, ay): (f64, f64), (bx, by): (f64, f64)| {
                let length = ((bx - ax).powi(2) + (by - ay).powi(2)).sqrt().max(1.0);
                (ax + (bx - ax) * 9.0 / length, ay + (by - ay) * 9.0 / length)
            };
            let (sx, sy) = toward((x1, y1), (mx, my));
            let (ex, ey) = toward((x2, y2), (mx, my));
            (
                format!("M{sx:.0},{sy:.0} Q{mx:.0},{my:.0} {ex:.0},{ey:.0}"),
                mx,
                my,
            )
        };
        let _ = write!(
            svg,
            "<path d=\"{path}\" fill=\"none\" stroke=\"#3b6ea8\" stroke-width=\"{}\" marker-end=\"url(#arrow-{id})\"/>\
<text x=\"{mx:.0}\" y=\"{my:.0}\" font-size=\"12\" fill=\"#1d2430\">{count}</text>",
            1.0 + (*count as f64).ln_1p()
        );
    }
    for (i, node) in nodes.iter().enumerate() {
        let (x, y) = position(i);
        // The name sits outside the circle, away from the edges.
        let (dx, dy) = ((x - w / 2.0) / r, (y - h / 2.0) / r);
        let anchor = if dx > 0.3 {
            "start"
        } else if dx < -0.3 {
            "end"
        } else {
            "middle"
        };
        let _ = write!(
            svg,
            "<circle cx=\"{x:.0}\" cy=\"{y:.0}\" r=\"6\" fill=\"#1d2430\"/><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"13\" text-anchor=\"{anchor}\">{}</text>",
            x + dx * 14.0,
            y + dy * 14.0 + 4.0,
            escape(node)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Evidence events listed under a finding; findings.json has all of them.
pub const MAX_EVIDENCE_EVENTS: usize = 60;

/// Evidence events grouped by identical excerpt, in order of first
/// appearance: a loop's 9 identical outputs show their text once.
fn group_by_excerpt(events: &[EvidenceEvent]) -> Vec<(&str, Vec<&EvidenceEvent>)> {
    let mut groups: Vec<(&str, Vec<&EvidenceEvent>)> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize> = Default::default();
    for event in events {
        match index.get(event.excerpt.as_str()) {
            Some(&i) => groups[i].1.push(event),
            None => {
                index.insert(&event.excerpt, groups.len());
                groups.push((&event.excerpt, vec![event]));
            }
        }
    }
    groups
}

fn trace_sections(out: &mut String, page: &Page) {
    out.push_str("<section><h2>Traces with findings</h2>");
    for trace in page.traces {
        let findings: Vec<(usize, &Finding)> = page
            .findings
            .iter()
            .enumerate()
            .filter(|(_, f)| f.trace_id == trace.trace_id)
            .collect();
        let _ = write!(
            out,
            "<details id=\"{}\"><summary>{} — {} findings <span class=\"muted\">({})</span></summary>",
            anchor(&trace.trace_id),
            escape(&trace.trace_id),
            findings.len(),
            escape(&trace.source_file)
        );
        if let Some(timeline) = &trace.timeline {
            let _ = write!(out, "<div class=\"chart wide\">{}</div>", timeline.svg);
        }
        let _ = write!(
            out,
            "<h3>Handoffs</h3>{}",
            handoff_graph(&anchor(&trace.trace_id), &trace.handoffs)
        );
        for (index, f) in findings {
            let _ = write!(
                out,
                "<div class=\"evidence\"><div><span class=\"sev-{}\">{}</span> <b>{}</b> — {}</div>",
                f.severity.as_str(),
                f.severity.as_str(),
                escape(&f.detector),
                escape(&f.message)
            );
            let events = trace.evidence.get(&index).map_or(&[][..], Vec::as_slice);
            let shown = f.span_ids.len().min(MAX_EVIDENCE_EVENTS);
            for (excerpt, group) in group_by_excerpt(events) {
                // Where, in the source's terms: its step numbers (when it
                // numbers steps) and the span ids a trace viewer finds.
                let steps: Vec<String> = group
                    .iter()
                    .filter_map(|e| e.step)
                    .map(|s| s.to_string())
                    .collect();
                let steps = match steps.len() {
                    0 => String::new(),
                    1 => format!("step {} · ", steps[0]),
                    _ => format!("steps {} · ", steps.join(" ")),
                };
                let distinct = |field: fn(&EvidenceEvent) -> &str| {
                    let mut values: Vec<&str> = group.iter().map(|e| field(e)).collect();
                    values.dedup();
                    escape(&values.join(", "))
                };
                let spans: Vec<&str> = group.iter().map(|e| e.span_id.as_str()).collect();
                let _ = write!(
                    out,
                    "<div class=\"muted\">{}{} · {} · {} <span class=\"ids\">spans {}</span></div>",
                    steps,
                    distinct(|e| &e.agent),
                    distinct(|e| &e.kind),
                    distinct(|e| &e.name),
                    escape(&spans.join(" "))
                );
                if !excerpt.is_empty() {
                    let times = if group.len() > 1 {
                        format!(
                            "<div class=\"muted\">the same text {} times</div>",
                            group.len()
                        )
                    } else {
                        String::new()
                    };
                    let _ = write!(out, "<pre>{}</pre>{times}", escape(excerpt));
                }
            }
            if f.span_ids.len() > shown {
                let _ = write!(
                    out,
                    "<div class=\"muted\">and {} more evidence spans (all in findings.json)</div>",
                    f.span_ids.len() - shown
                );
            }
            out.push_str("</div>");
        }
        out.push_str("</details>");
    }
    out.push_str("</section>");
}
