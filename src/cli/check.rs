//! `tracelint check`: ingest, detect, gate. The exit code is the verdict.

use anyhow::Result;
use clap::{Args, ValueEnum};

use super::detection::{Detection, DetectionArgs};
use super::exit;
use super::inputs::{no_traces, InputArgs, PartitionArgs};
use crate::accounting::IngestReport;
use crate::coverage;
use crate::detect::{run_detectors, sort_findings, Baseline, DetectOptions, Detected, Detector};
use crate::inert;
use crate::output_file;
use crate::report::{self, CheckOutcome, TraceRef};
use crate::store::{columns, TraceIndex};
use crate::summary::RunSummary;
use crate::timings;
use polars::prelude::{DataFrame, DataType};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CheckFormat {
    Table,
    Json,
    /// One finding per line.
    Jsonl,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// JUnit XML: a test case per trace, a failure per finding.
    Junit,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// GitLab code quality JSON.
    Gitlab,
    /// GitHub-flavoured Markdown, for a pull-request comment.
    Markdown,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    pub output_format: CheckFormat,

    /// Exit 0 even when findings fail the gate (errors still exit 2).
    #[arg(long)]
    pub exit_zero: bool,

    #[command(flatten)]
    pub detection: DetectionArgs,

    #[command(flatten)]
    pub partitioning: PartitionArgs,

    /// Fail when there are more than N findings (not in the baseline).
    #[arg(long, value_name = "N")]
    pub max_findings: Option<usize>,

    /// Findings listed in this baseline do not fail the run.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Write the findings of this run as a baseline.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Also write the findings as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<PathBuf>,

    /// Also write SARIF 2.1.0 to FILE.
    #[arg(long, value_name = "FILE")]
    pub export_sarif: Option<PathBuf>,

    /// Also write JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    pub export_junit: Option<PathBuf>,

    /// Also write the Markdown summary to FILE.
    #[arg(long, value_name = "FILE")]
    pub export_markdown: Option<PathBuf>,
}

pub fn run(args: CheckArgs) -> Result<u8> {
    let outputs = [
        &args.export_json,
        &args.export_sarif,
        &args.export_junit,
        &args.export_markdown,
        &args.write_baseline,
    ];
    for path in outputs.into_iter().flatten() {
        args.input.refuse_as_output(path)?;
    }
    let Detection {
        detectors,
        options,
        gate,
    } = args.detection.resolve(
        args.max_findings,
        args.baseline.as_ref(),
        args.write_baseline.is_none(),
    )?;

    let checked = check_traces(&args, &detectors, &options)?;
    let mut summary = RunSummary::new(
        &checked.report.summary,
        checked.traces.len(),
        checked.events,
    );
    // Measured when the detector that sees blind spots ran.
    if detectors.iter().any(|d| d.name() == coverage::DETECTOR) {
        let blind: std::collections::HashSet<&str> = checked
            .detected
            .findings
            .iter()
            .filter(|f| f.detector == coverage::DETECTOR)
            .map(|f| f.trace_id.as_str())
            .collect();
        summary.traces_fully_visible = Some((checked.traces.len() - blind.len()) as u64);
    }
    let mut outcome = CheckOutcome::new(
        summary,
        checked.traces,
        detectors.iter().map(|d| d.name()).collect(),
        checked.detected,
        &gate,
        super::source_root()?,
    );
    outcome.error = if outcome.traces.is_empty() {
        // Every input's reason: these outputs are read where stderr is not.
        Some(no_traces(&checked.report, false).replace("\n  ", "; "))
    } else {
        args.input.strict_error(&checked.report.summary)
    };
    timings::phase("write output", || {
        let out = render(args.output_format, &outcome)?;
        super::print_out(&out)
    })?;
    let exports = [
        (&args.export_json, CheckFormat::Json),
        (&args.export_sarif, CheckFormat::Sarif),
        (&args.export_junit, CheckFormat::Junit),
        (&args.export_markdown, CheckFormat::Markdown),
    ];
    for (path, format) in exports {
        if let Some(path) = path {
            output_file::write(path, render(format, &outcome)?.as_bytes())?;
        }
    }
    if let Some(path) = &args.write_baseline {
        let baseline = serde_json::to_string_pretty(&Baseline::of(&outcome.fingerprints))?;
        output_file::write(path, (baseline + "\n").as_bytes())?;
    }
    // With no trace read, the error below is the summary.
    if !args.input.quiet && !outcome.traces.is_empty() {
        eprintln!("{}", outcome.summary_line());
    }
    if outcome.traces.is_empty() {
        eprintln!(
            "tracelint: error: {}",
            args.input.no_traces(&checked.report)
        );
        return Ok(exit::ERROR);
    }
    if args.input.strict_failure(&checked.report.summary) {
        return Ok(exit::ERROR);
    }
    // Recording today's findings as the baseline is not a verdict on them.
    Ok(
        if outcome.fails() && !args.exit_zero && args.write_baseline.is_none() {
            exit::GATING_FINDINGS
        } else {
            exit::CLEAN
        },
    )
}

/// The outcome in `format`. Formats read by people or by line-based CI
/// runners have trace text's control and bidi characters escaped; machine
/// formats keep the data as it is (JSON escapes what it must).
fn render(format: CheckFormat, outcome: &CheckOutcome) -> Result<String> {
    let for_people = |text: String| inert::for_terminal(&text).into_owned();
    Ok(match format {
        CheckFormat::Table => for_people(report::table::check(outcome)),
        CheckFormat::Json => report::json::check(outcome)?,
        CheckFormat::Jsonl => report::json::findings_lines(&outcome.findings)?,
        CheckFormat::Sarif => report::sarif::check(outcome)?,
        CheckFormat::Junit => report::junit::check(outcome),
        CheckFormat::Github => for_people(report::github::check(outcome)),
        CheckFormat::Gitlab => report::gitlab::check(outcome)?,
        CheckFormat::Markdown => for_people(report::markdown::check(outcome)),
    })
}

/// What checking the input found, however it was read.
struct Checked {
    report: IngestReport,
    /// Sorted by trace id.
    traces: Vec<TraceRef>,
    events: usize,
    detected: Detected,
}

/// Every batch of traces the input gives (one in memory, one per
/// partition through partitions) checked in turn: the same findings,
/// traces and counts either way.
fn check_traces(
    args: &CheckArgs,
    detectors: &[&dyn Detector],
    options: &DetectOptions,
) -> Result<Checked> {
    let mut source = args.input.open(&args.partitioning)?;
    let (mut traces, mut detected, mut events) = (Vec::new(), Detected::default(), 0);
    while let Some(frame) = source.next_batch()? {
        let index = timings::phase("index traces", || TraceIndex::build(&frame))?;
        detected.extend(timings::phase("detect", || {
            run_detectors(&frame, &index, detectors, options)
        })?);
        traces.extend(timings::phase("list traces", || {
            trace_refs(&frame, &index)
        })?);
        events += frame.height();
    }
    sort_findings(&mut detected.findings);
    traces.sort_by(|a, b| a.trace_id.cmp(&b.trace_id));
    let report = source.finish()?.report;
    args.input.show_diagnostics(&report);
    Ok(Checked {
        report,
        traces,
        events,
        detected,
    })
}

/// Each trace with the file its first event came from. A file's name is
/// shared by its traces: a 10 GiB input has half a million of them.
pub(super) fn trace_refs(events: &DataFrame, index: &TraceIndex) -> Result<Vec<TraceRef>> {
    let files = events
        .column(columns::SOURCE_FILE)?
        .cast(&DataType::String)?;
    let files = files.str()?;
    let mut names: HashMap<&str, Arc<str>> = HashMap::new();
    Ok(index
        .traces
        .iter()
        .map(|t| {
            let file = files.get(t.rows.start).unwrap_or_default();
            TraceRef {
                trace_id: t.trace_id.clone(),
                source_file: names.entry(file).or_insert_with(|| Arc::from(file)).clone(),
            }
        })
        .collect())
}
