//! `tracelint report`: the files it writes, what they hold, that the
//! committed reports/sample/ is what the README's command makes, and that
//! trace text cannot run as script in the page (checked in headless
//! Chromium).

mod common;

use common::{missing_prerequisite, repo, stdout_of, tracelint};
use polars::prelude::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command as Process;

/// `tracelint report ARGS -o OUT` from the repository root; asserts exit 0.
fn report(args: &[&str], out: &Path) {
    stdout_of(
        tracelint()
            .current_dir(repo(""))
            .arg("report")
            .args(args)
            .arg("-o")
            .arg(out),
    );
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn parquet_rows(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap()
}

/// Width and height from a PNG's IHDR chunk, after checking the signature.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn report_on_the_sample_traces_writes_every_file_with_what_check_finds() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sample");
    report(&["sample-traces"], &out);

    // findings.json holds what `check` finds, with the summary and a version.
    let findings = read_json(&out.join("findings.json"));
    let check = tracelint()
        .current_dir(repo(""))
        .args([
            "check",
            "sample-traces",
            "--output-format",
            "json",
            "--quiet",
        ])
        .output()
        .unwrap();
    let check: Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(findings["schema_version"], 1);
    assert_eq!(findings["findings"], check["findings"]);
    assert_eq!(findings["findings"].as_array().unwrap().len(), 11);
    assert_eq!(findings["summary"]["traces"], 5);
    assert_eq!(findings["summary"]["events"], 125);
    assert_eq!(findings["summary"]["gating"], 10);

    // Dashboards: the same findings and events as Parquet, traces as CSV.
    let frame = parquet_rows(&out.join("findings.parquet"));
    assert_eq!(frame.height(), 11);
    let detectors: Vec<String> = frame
        .column("detector")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|detector| detector.unwrap().to_string())
        .collect();
    let from_json: Vec<String> = findings["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["detector"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(detectors, from_json);
    assert_eq!(parquet_rows(&out.join("events.parquet")).height(), 125);
    let csv = std::fs::read_to_string(out.join("traces.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 5, "a header and a line per trace");

    // summary.md: the summary line and the tables, in GitHub Markdown.
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(md.contains("5 traces, 125 events from 5 files"), "{md}");
    assert!(md.contains("**11 findings, 10 gating.**"), "{md}");
    assert!(md.contains("| FC1 Specification issues | 8 |"), "{md}");
    assert!(md.contains("| FC3 Task verification | 1 |"), "{md}");
    assert!(
        md.contains("| P2 Global hop counter with a hard cap | 2 | hop-limit-exceeded |"),
        "{md}"
    );
    assert!(
        md.contains("| planner | 1 | 28 | 9 | 0 | 14040 | – | 3 |"),
        "the agents table counts the findings that name each agent: {md}"
    );

    // Charts: SVG and PNG for each, the PNGs at the drawn size: 900 wide,
    // as tall as their rows (bars: 110 + 34 a bar, at least 200; a
    // timeline: 150 + 34 a lane and one for the legend — the worst trace,
    // most tokens wasted with each step counted once, is the planner's,
    // with 2 lanes).
    for (chart, rows, height) in [
        ("findings-by-category", 3, 212),
        ("findings-by-mode", 4, 246),
        ("tokens-per-agent", 11, 484),
        ("hops-per-trace", 5, 280),
        ("worst-trace-timeline", 2, 252),
    ] {
        let svg = std::fs::read_to_string(out.join(format!("charts/{chart}.svg"))).unwrap();
        assert!(svg.starts_with("<svg"), "{chart}.svg");
        assert_eq!(
            png_size(&out.join(format!("charts/{chart}.png"))),
            (900, height),
            "{chart} ({rows} rows)"
        );
    }
    // Mode names beside their codes, whole; the timeline says what its
    // colours are.
    let modes = std::fs::read_to_string(out.join("charts/findings-by-mode.svg")).unwrap();
    assert!(modes.contains("1.5 Unaware of termination conditions"));
    let timeline = std::fs::read_to_string(out.join("charts/worst-trace-timeline.svg")).unwrap();
    assert!(timeline.contains("evidence of a finding"));
    // Every trace in the sortable traces table, with its waste counted once.
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    let traces = page
        .split("<table id=\"traces\" class=\"sortable\">")
        .nth(1)
        .unwrap();
    let traces = traces.split("</table>").next().unwrap();
    assert_eq!(traces.matches("<tr><td class=\"ids\">").count(), 5);
    assert!(traces.contains("data-v=\"23160\">23160</td>"), "{traces}");
    assert!(
        !out.join("charts/cost-per-agent.svg").exists(),
        "the sample traces carry no cost, so there is no cost chart"
    );

    // The page: self-contained, every finding in its table, a section per
    // trace with findings.
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    for external in ["src=\"http", "href=\"http", "@import", "url(http"] {
        assert!(!html.contains(external), "the page loads {external}");
    }
    assert_eq!(html.matches("<tr><td class=\"sev-").count(), 11);
    assert_eq!(html.matches("<details id=\"t").count(), 4);
    assert_eq!(html.matches("<script").count(), 1);
}

#[test]
fn the_committed_sample_report_is_what_the_readme_command_makes() {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    assert!(
        readme.contains("cargo run -- report sample-traces -o reports/sample"),
        "the README gives the command that makes reports/sample/"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sample");
    report(&["sample-traces"], &out);
    let committed = repo("reports/sample");
    // The same input makes the same bytes, charts and Parquet included.
    let mut files = 0;
    for entry in walk(&out) {
        let relative = entry.strip_prefix(&out).unwrap();
        assert!(
            std::fs::read(&entry).unwrap()
                == std::fs::read(committed.join(relative)).unwrap_or_default(),
            "reports/sample/{} is stale: run the README's report command again",
            relative.display()
        );
        files += 1;
    }
    assert_eq!(files, 6 + 2 * 5, "six files and five charts as SVG and PNG");
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn a_store_can_be_reported_and_the_default_folder_is_named_after_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("samples.parquet");
    common::ingest_to(&repo("sample-traces"), &store);
    tracelint()
        .current_dir(dir.path())
        .args(["report", "--store", "samples.parquet", "--quiet"])
        .assert()
        .code(0)
        .stderr("");
    let findings = read_json(&dir.path().join("reports/samples/findings.json"));
    assert_eq!(findings["findings"].as_array().unwrap().len(), 11);
}

#[test]
fn a_second_report_into_the_same_folder_leaves_no_chart_of_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    report(&["sample-traces"], &out);
    assert!(out.join("charts/hops-per-trace.svg").exists());
    // One trace, no handoffs, no findings: only the tokens chart is drawn.
    report(&["tests/fixtures/otlp/traceloop.json"], &out);
    let mut charts: Vec<String> = std::fs::read_dir(out.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    charts.sort();
    assert_eq!(charts, ["tokens-per-agent.png", "tokens-per-agent.svg"]);
    let findings = read_json(&out.join("findings.json"));
    assert_eq!(findings["findings"], json!([]));
}

#[test]
fn report_takes_checks_detector_selection_and_strict_reading() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("traces");
    std::fs::create_dir(&input).unwrap();
    std::fs::copy(
        repo("sample-traces/handoff-loop/trace.json"),
        input.join("handoff-loop.json"),
    )
    .unwrap();
    std::fs::write(input.join("broken.json"), "{\"resourceSpans\": [\n").unwrap();
    let out = dir.path().join("out");
    let run = |extra: &[&str]| {
        tracelint()
            .arg("report")
            .arg(&input)
            .arg("-o")
            .arg(&out)
            .args(["--select", "handoff-cycle", "--quiet"])
            .args(extra)
            .output()
            .unwrap()
    };
    let output = run(&[]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "a skipped record is counted, not fatal"
    );
    let findings = read_json(&out.join("findings.json"));
    let detectors: Vec<&str> = findings["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["detector"].as_str().unwrap())
        .collect();
    assert_eq!(detectors, ["handoff-cycle"]);
    assert_eq!(findings["summary"]["skipped"], 1);
    assert_eq!(findings["summary"]["detectors"], json!(["handoff-cycle"]));
    let output = run(&["--strict"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "--strict: a skipped record exits 2"
    );
    assert!(
        out.join("index.html").exists(),
        "the report is still written"
    );
}

#[test]
fn report_on_an_input_without_traces_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    tracelint()
        .arg("report")
        .arg(&empty)
        .arg("-o")
        .arg(dir.path().join("out"))
        .assert()
        .code(2);
}

// ---------------------------------------------------------------------
// Injection: trace text is untrusted.

/// Each payload, if it ran, appends an element named `pwned-*` to the page,
/// which Chromium's serialised DOM would then show as a tag. As text, the
/// same payload serialises with `&lt;`, never as a tag.
const PAYLOADS: [&str; 5] = [
    "<script>document.body.appendChild(document.createElement('pwned-script'))</script>",
    "\"><img src=x onerror=\"document.body.appendChild(document.createElement('pwned-img'))\">",
    "'><svg onload=\"document.body.appendChild(document.createElement('pwned-svg'))\"></svg>",
    "<iframe src=\"javascript:parent.document.body.appendChild(parent.document.createElement('pwned-iframe'))\"></iframe>",
    "<a href=\"javascript:document.body.appendChild(document.createElement('pwned-link'))\">open the report</a>",
];

/// A chat history whose file name, agent names and messages are payloads;
/// each agent repeats its message, so the page shows findings with these
/// agents and excerpts in every table, chart and drill-down.
fn write_hostile_trace(dir: &Path) -> PathBuf {
    let agents = [
        format!("planner{}", PAYLOADS[1]),
        format!("critic{}", PAYLOADS[2]),
    ];
    let messages: Vec<Value> = (0..10)
        .map(|i| {
            let agent = &agents[i % 2];
            json!({
                "name": agent,
                "role": "assistant",
                "content": format!(
                    "Here is the plan again, please review it {} {}",
                    PAYLOADS[i % 2 * 2],
                    PAYLOADS[3 + i % 2]
                ),
            })
        })
        .collect();
    let path = dir.join("hostile\"><img src=x onerror=alert(1)>.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&json!(messages)).unwrap(),
    )
    .unwrap();
    path
}

/// Chromium's DOM after the page loaded and ran its scripts, or `None`
/// (with the reason) when no Chromium is installed.
fn rendered_dom(url: &str, profile: &Path) -> Option<String> {
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| Process::new(name).arg("--version").output().is_ok())
    else {
        missing_prerequisite("headless Chromium (Debian package chromium)");
        return None;
    };
    let output = Process::new("timeout")
        .arg("120")
        .arg(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(String::from_utf8(output.stdout).unwrap())
}

fn file_url(path: &Path) -> String {
    // The test's own paths: a temporary folder and fixed file names.
    format!("file://{}", path.canonicalize().unwrap().display())
}

#[test]
fn trace_text_cannot_run_as_script_in_the_html_report() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_hostile_trace(dir.path());
    let out = dir.path().join("report");
    report(&[input.to_str().unwrap()], &out);
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();

    // The payloads are in the page, as text: the test is not vacuous.
    assert!(
        html.contains("&lt;script&gt;document.body.appendChild"),
        "message excerpts shown"
    );
    assert!(
        html.contains("planner&quot;&gt;&lt;img src=x onerror="),
        "agent names shown"
    );
    assert!(html.contains("hostile&quot;&gt;&lt;img"), "trace id shown");
    // Statically: one script (ours, which the policy names by its hash);
    // links only to anchors of the page; no event-handler attribute.
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("script-src 'sha256-"));
    for (at, _) in html.match_indices("href=\"") {
        assert!(
            html[at + 6..].starts_with('#'),
            "a link leaves the page: {}",
            &html[at..at + 40]
        );
    }
    for handler in [
        "onerror=\"",
        "onload=\"",
        " src=\"javascript",
        "<iframe",
        "<img",
    ] {
        assert!(
            !html.contains(handler),
            "{handler} reached the page unescaped"
        );
    }
    // The charts carry agent names too (the timeline's lanes).
    let svg = std::fs::read_to_string(out.join("charts/worst-trace-timeline.svg")).unwrap();
    assert!(svg.contains("planner&quot;&gt;&lt;img"), "{svg}");
    assert!(!svg.contains("<img"), "{svg}");

    // In a browser: open the page at a trace's anchor. The page's own
    // script opens that trace's section; no payload adds its element.
    let profile = tempfile::tempdir().unwrap();
    let anchor_at = html.find("<details id=\"").expect("a trace section") + 13;
    let anchor = &html[anchor_at..anchor_at + 17];
    let url = format!("{}#{anchor}", file_url(&out.join("index.html")));
    let Some(dom) = rendered_dom(&url, profile.path()) else {
        return;
    };
    assert!(
        dom.contains(&format!("<details id=\"{anchor}\" open=\"\">")),
        "the page's own script ran and opened the linked trace"
    );
    assert!(
        dom.contains("&lt;script&gt;document.body.appendChild"),
        "the payloads render as text"
    );
    assert!(!dom.contains("<pwned-"), "an injected script ran:\n{dom}");

    // The harness can see a script run: the same payloads written raw into
    // a page without escaping or a policy do add their elements.
    let control = dir.path().join("control.html");
    std::fs::write(
        &control,
        format!(
            "<!doctype html><html><body>{}</body></html>",
            PAYLOADS.join("")
        ),
    )
    .unwrap();
    let dom = rendered_dom(&file_url(&control), profile.path()).unwrap();
    for element in [
        "<pwned-script>",
        "<pwned-img>",
        "<pwned-svg>",
        "<pwned-iframe>",
    ] {
        assert!(
            dom.contains(element),
            "the control page did not run {element}:\n{dom}"
        );
    }
}

/// A Python with DuckDB (tools/python-venv.sh makes one in target/python),
/// or None with the prerequisite reported.
fn duckdb_python() -> Option<PathBuf> {
    let python = repo("target/python/bin/python");
    let works = std::process::Command::new(&python)
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        Some(python)
    } else {
        missing_prerequisite("DuckDB for Python in target/python (tools/python-venv.sh)");
        None
    }
}

/// (column, type) rows of a table of docs/schema.md, under its heading.
fn documented_columns(heading: &str) -> Vec<(String, String)> {
    let doc = std::fs::read_to_string(repo("docs/schema.md")).unwrap();
    let section = doc
        .split(heading)
        .nth(1)
        .expect("the heading is in docs/schema.md");
    section
        .lines()
        .skip_while(|l| !l.starts_with("| column | type |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .flat_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let ty = cells[2].split(' ').next().unwrap().to_string();
            // "seq, output_signals, source_line" rows give several columns.
            cells[1]
                .split(", ")
                .map(move |name| (name.to_string(), ty.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The report's tables read by a real dashboard engine (DuckDB) have the
/// columns and types docs/schema.md documents, and their figures add up.
#[test]
fn dashboards_read_the_report_tables_with_the_documented_types() {
    let Some(python) = duckdb_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    report(&[repo("sample-traces").to_str().unwrap()], &out);
    let script = r#"
import duckdb, json, sys
out = sys.argv[1]
c = duckdb.connect()
one = lambda q: c.execute(q).fetchone()[0]
describe = lambda f: [[r[0], r[1]] for r in c.execute(f"describe select * from '{out}/{f}'").fetchall()]
csv_types = {k: v for k, v in json.loads(sys.argv[2])}
c.execute(f"create view traces as select * from read_csv('{out}/traces.csv', header = true, columns = {csv_types!r})")
print(json.dumps({
    "findings": describe("findings.parquet"),
    "events": describe("events.parquet"),
    "events_tokens": one(f"select sum(counted_input_tokens) + sum(counted_output_tokens) from '{out}/events.parquet'"),
    "traces_tokens": one("select sum(input_tokens) + sum(output_tokens) from traces"),
    "first_start": str(one("select min(start_time) at time zone 'UTC' from traces")),
    "gating": one(f"select count(*) from '{out}/findings.parquet' where gating"),
    "spans": one(f"select sum(len(span_ids)) from '{out}/findings.parquet'"),
    "wasted": one(f"select sum(wasted_tokens) from '{out}/findings.parquet' where detector = 'handoff-cycle'"),
}))
"#;
    let csv_columns = documented_columns("### traces.csv");
    let result = std::process::Command::new(&python)
        .args(["-c", script])
        .arg(&out)
        .arg(serde_json::to_string(&csv_columns).unwrap())
        .output()
        .unwrap();
    assert!(result.status.success(), "{result:?}");
    let got: Value = serde_json::from_slice(&result.stdout).unwrap();
    let as_pairs = |v: &Value| -> Vec<(String, String)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into()))
            .collect()
    };
    assert_eq!(
        as_pairs(&got["findings"]),
        documented_columns("### findings.parquet")
    );
    // The events table: the store's columns, its overrides, its additions.
    let overrides = documented_columns("### events.parquet");
    let mut expected: std::collections::BTreeMap<String, String> =
        documented_columns("## The store")
            .into_iter()
            .filter(|(name, _)| name != "output_sig")
            .collect();
    expected.extend(overrides);
    let events: std::collections::BTreeMap<String, String> =
        as_pairs(&got["events"]).into_iter().collect();
    assert_eq!(events, expected);
    // Usage columns safe to sum give the traces' totals.
    assert_eq!(got["events_tokens"], got["traces_tokens"]);
    assert_eq!(got["events_tokens"], 54192);
    assert_eq!(got["first_start"], "2026-11-18 11:06:40");
    assert_eq!(got["gating"], 10);
    assert_eq!(got["spans"], 77);
    assert_eq!(got["wasted"], 36570);
}
