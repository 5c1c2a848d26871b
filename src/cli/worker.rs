//! `tracelint worker`: the steps of a run spread over many machines, for an
//! engine (Spark, Ray, Dask) to call on its executors, each reading and
//! writing Parquet on stdin / stdout or files, never JSON for the data:
//!
//! 0. `worker list PATHS`: the input files, one per line, in the order and
//!    with the names `check` gives them (directories walked, globs
//!    expanded, the project's own outputs left out): line i is file index i.
//! 1. `worker read FILES --file-index N`: trace files to pending events
//!    (`pipeline::pending`: events before assembly, with their trace id to
//!    shuffle on). `N` is the first file's place in the whole run's sorted
//!    input list, so that ties in start time break as on one machine.
//! 2. The engine shuffles the rows by `trace_id`: every event of a trace in
//!    one partition.
//! 3. `worker check`: a partition of pending events assembled into whole
//!    traces and checked by the detectors; its findings as a table of
//!    finding rows, and (`--events`) its events in the store schema. It
//!    also takes a partition of a store (`tracelint ingest`'s Parquet,
//!    rows of whole traces in any order): a trace whose rows do not start
//!    at `seq` 0 or have a gap is an error.
//! 4. `worker gather`: every partition's findings made one report, as
//!    `check` makes it (fingerprints and the gate over all findings; the
//!    JSON of `check --output-format json`, `--findings-parquet` the
//!    report's `findings.parquet`), and the exit code of `check`.
//!
//! Each step writes its accounting (`--accounting FILE`, JSON): the ingest
//! summary it adds to the run's, and the events it saw per trace; a check
//! also its partition's id (a hash of its input) and how many finding rows
//! it wrote, which its rows carry too. `gather` sums them and checks that
//! every trace reached one partition whole and that every partition's
//! findings are there once: a trace split between partitions, events lost
//! between the steps, a findings file missing or given twice, is an error
//! that names what is wrong, never a silent half-report.

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use polars::prelude::{
    Column, DataFrame, DataType, KeyValueMetadata, ParquetCompression, ParquetReader,
    ParquetWriter, SerReader,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::detection::{Detection, DetectionArgs};
use super::exit;
use crate::accounting::IngestSummary;
use crate::coverage;
use crate::detect::{run_detectors, sort_findings, Detected, Finding};
use crate::event::PendingEvent;
use crate::ingest::source::expand_inputs;
use crate::ingest::{read_inputs, registry, IngestOptions, MemorySink};
use crate::output_file::OutputFile;
use crate::pipeline::pending;
use crate::report::{self, CheckOutcome, TraceRef};
use crate::store::{columns, in_store_order, TraceIndex};
use crate::summary::RunSummary;

#[derive(Args, Debug)]
pub struct WorkerArgs {
    #[command(subcommand)]
    step: Step,
}

#[derive(Subcommand, Debug)]
enum Step {
    /// List the input files as `check` reads them, one per line: line i is
    /// the file whose --file-index is i.
    List(ListArgs),
    /// Read trace files into pending events (Parquet), the rows to shuffle
    /// by trace_id.
    Read(ReadArgs),
    /// Assemble a partition of pending events into whole traces and check
    /// them: finding rows (Parquet) and, optionally, the events.
    Check(Box<CheckArgs>),
    /// Make every partition's finding rows one report, as `check` does,
    /// and exit with its code.
    Gather(Box<GatherArgs>),
}

#[derive(Args, Debug)]
struct ListArgs {
    /// Trace files, directories, globs: what `check` would be given.
    #[arg(required = true)]
    paths: Vec<String>,
}

#[derive(Args, Debug)]
struct ReadArgs {
    /// Trace files (directories and globs are expanded, in sorted order).
    #[arg(required = true)]
    paths: Vec<String>,

    /// The first file's place in the whole run's sorted list of inputs.
    #[arg(long, value_name = "N", default_value_t = 0)]
    file_index: u32,

    /// Where the pending events go (Parquet); - for stdout.
    #[arg(short, long, value_name = "FILE", default_value = "-")]
    output: String,

    /// Write this step's accounting (JSON) to FILE.
    #[arg(long, value_name = "FILE")]
    accounting: Option<PathBuf>,

    /// Force an input format instead of sniffing it.
    #[arg(long, value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(registry::names()))]
    format: Option<String>,

    /// Characters of each text kept as its excerpt.
    #[arg(long, value_name = "N", default_value_t = IngestOptions::default().excerpt_chars)]
    excerpt_chars: usize,

    /// Largest record read, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = IngestOptions::default().max_record_bytes)]
    max_record_bytes: usize,
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// Pending events of whole traces (Parquet, as `worker read` writes
    /// them), or a partition of a store (events in the store schema), any
    /// order of rows; - for stdin.
    #[arg(default_value = "-")]
    input: String,

    /// Where the finding rows go (Parquet); - for stdout.
    #[arg(short, long, value_name = "FILE", default_value = "-")]
    output: String,

    /// Also write the partition's events in the store schema (Parquet).
    #[arg(long, value_name = "FILE")]
    events: Option<String>,

    /// Write this step's accounting (JSON) to FILE.
    #[arg(long, value_name = "FILE")]
    accounting: Option<PathBuf>,

    #[command(flatten)]
    detection: DetectionArgs,
}

#[derive(Args, Debug)]
struct GatherArgs {
    /// The finding rows of every partition (Parquet files).
    #[arg(long = "findings", value_name = "FILE", required = true, num_args = 1..)]
    findings: Vec<PathBuf>,

    /// The accounting of every step (JSON files: every read and every
    /// check).
    #[arg(long = "accounting", value_name = "FILE", required = true, num_args = 1..)]
    accounting: Vec<PathBuf>,

    /// Also write the report's findings table (findings.parquet).
    #[arg(long, value_name = "FILE")]
    findings_parquet: Option<PathBuf>,

    /// Exit 0 even when findings fail the gate.
    #[arg(long)]
    exit_zero: bool,

    /// Fail when there are more than N findings (not in the baseline).
    #[arg(long, value_name = "N")]
    max_findings: Option<usize>,

    /// Findings listed in this baseline do not fail the run.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    #[command(flatten)]
    detection: DetectionArgs,
}

/// A step's accounting: what it adds to the run's ingest summary, and the
/// pending events it saw per trace.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Accounting {
    /// Which step wrote it.
    step: StepKind,
    /// `read`: what it read. `check`: what assembly changed, from
    /// `assembled_from` events all read and ingested.
    summary: IngestSummary,
    /// `check`: the pending events it assembled.
    #[serde(default)]
    assembled_from: u64,
    /// Pending events per trace id.
    trace_events: BTreeMap<String, u64>,
    /// `check`: traces and events after assembly, and the traces the
    /// detectors could see into.
    #[serde(default)]
    traces: u64,
    #[serde(default)]
    events: u64,
    #[serde(default)]
    traces_fully_visible: Option<u64>,
    /// `check`: the partition's id (a hash of its input), which each of
    /// its finding rows carries, and how many rows it wrote.
    #[serde(default)]
    partition: Option<String>,
    #[serde(default)]
    findings: u64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum StepKind {
    #[default]
    Read,
    Check,
}

impl Accounting {
    fn write(&self, path: Option<&Path>) -> Result<()> {
        if let Some(path) = path {
            crate::output_file::write(path, serde_json::to_string(self)?.as_bytes())?;
        }
        Ok(())
    }
}

pub fn run(args: WorkerArgs) -> Result<u8> {
    match args.step {
        Step::List(args) => list(args),
        Step::Read(args) => read(args),
        Step::Check(args) => check(*args),
        Step::Gather(args) => gather(*args),
    }
}

fn trace_events(events: &[PendingEvent]) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for event in events {
        *counts.entry(event.event.trace_id.clone()).or_default() += 1;
    }
    counts
}

fn list(args: ListArgs) -> Result<u8> {
    let mut out = String::new();
    for input in expand_inputs(&args.paths)? {
        let name = input.display_name();
        if name.contains('\n') {
            bail!("{name:?}: a file name with a newline cannot be listed one per line");
        }
        out.push_str(&name);
        out.push('\n');
    }
    super::print_out(&out)?;
    Ok(exit::CLEAN)
}

fn read(args: ReadArgs) -> Result<u8> {
    let inputs = expand_inputs(&args.paths)?;
    let options = IngestOptions {
        excerpt_chars: args.excerpt_chars,
        max_record_bytes: args.max_record_bytes,
        format: args.format.as_deref().and_then(registry::by_name),
        progress: false,
    };
    let sink = MemorySink::default();
    let read = read_inputs(&inputs, &options, &sink)?;
    for diagnostic in read.report.diagnostics() {
        eprintln!(
            "tracelint: {}",
            crate::inert::for_line(&diagnostic.to_string())
        );
    }
    let mut events: Vec<PendingEvent> = sink.into_chunks().into_iter().flatten().collect();
    for event in &mut events {
        event.order.0 += args.file_index;
    }
    let mut frame = pending::to_frame(&events)?;
    write_parquet(
        &mut frame,
        &args.output,
        vec![(pending::VERSION_KEY.into(), pending::VERSION.into())],
    )?;
    Accounting {
        summary: read.report.summary,
        trace_events: trace_events(&events),
        ..Accounting::default()
    }
    .write(args.accounting.as_deref())?;
    Ok(exit::CLEAN)
}

fn check(args: CheckArgs) -> Result<u8> {
    let Detection {
        detectors,
        options,
        gate: _,
    } = args.detection.resolve(None, None, true)?;
    let (frame, partition) = read_parquet_with_id(&args.input)?;
    let (mut store_frame, summary, assembled_from, counts) = if frame
        .column(pending::columns::EVENT)
        .is_ok()
    {
        let events = pending::from_frame(&frame, |name| registry::by_name(name).map(|f| f.name()))
            .with_context(|| format!("{} is not pending events of this tracelint", args.input))?;
        drop(frame);
        let counts = trace_events(&events);
        let assembled_from = events.len() as u64;
        let (store_frame, report) = pending::assemble(vec![events])?;
        (store_frame, report.summary, assembled_from, counts)
    } else {
        // A store's partition: already assembled, in any row order.
        let store_frame = in_store_order(frame)?;
        let mut counts = BTreeMap::new();
        for id in store_frame
            .column(columns::TRACE_ID)?
            .str()?
            .iter()
            .flatten()
        {
            *counts.entry(id.to_string()).or_default() += 1;
        }
        (store_frame, IngestSummary::default(), 0, counts)
    };
    let index = TraceIndex::build(&store_frame).with_context(|| {
        format!(
            "{}: not whole traces (a trace cut between partitions?)",
            args.input
        )
    })?;
    let detected = run_detectors(&store_frame, &index, &detectors, &options)?;
    let blind = detectors
        .iter()
        .any(|d| d.name() == coverage::DETECTOR)
        .then(|| {
            let blind: std::collections::HashSet<&str> = detected
                .findings
                .iter()
                .filter(|f| f.detector == coverage::DETECTOR)
                .map(|f| f.trace_id.as_str())
                .collect();
            (index.traces.len() - blind.len()) as u64
        });
    let mut rows = finding_rows(&detected.findings, &store_frame, &index, &partition)?;
    write_parquet(&mut rows, &args.output, Vec::new())?;
    if let Some(path) = &args.events {
        write_parquet(&mut store_frame, path, Vec::new())?;
    }
    Accounting {
        step: StepKind::Check,
        summary,
        assembled_from,
        trace_events: counts,
        traces: index.traces.len() as u64,
        events: store_frame.height() as u64,
        traces_fully_visible: blind,
        partition: Some(partition),
        findings: detected.findings.len() as u64,
    }
    .write(args.accounting.as_deref())?;
    Ok(exit::CLEAN)
}

/// One row per finding: its JSON (the object of `check`'s JSON), the
/// facts that JSON leaves out and the report needs (`identity` for the
/// fingerprint, the source's steps), its trace's first file and start.
fn finding_rows(
    findings: &[Finding],
    events: &DataFrame,
    index: &TraceIndex,
    partition: &str,
) -> Result<DataFrame> {
    let files = events
        .column(columns::SOURCE_FILE)?
        .cast(&DataType::String)?;
    let files = files.str()?;
    let starts = events.column(columns::START_NS)?.i64()?.clone();
    let mut first: BTreeMap<&str, (Option<&str>, Option<i64>)> = BTreeMap::new();
    for trace in &index.traces {
        let rows = trace.rows.clone();
        let start = rows.clone().filter_map(|r| starts.get(r)).min();
        first.insert(&trace.trace_id, (files.get(rows.start), start));
    }
    let fact = |f: &Finding| {
        first
            .get(f.trace_id.as_str())
            .copied()
            .unwrap_or((None, None))
    };
    Ok(DataFrame::new(
        findings.len(),
        vec![
            Column::new(
                "trace_id".into(),
                findings
                    .iter()
                    .map(|f| f.trace_id.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "finding".into(),
                findings
                    .iter()
                    .map(serde_json::to_string)
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Column::new(
                "identity".into(),
                findings
                    .iter()
                    .map(|f| f.identity as i64)
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "step_first".into(),
                findings
                    .iter()
                    .map(|f| f.steps.map(|s| s[0]))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "step_last".into(),
                findings
                    .iter()
                    .map(|f| f.steps.map(|s| s[1]))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "trace_file".into(),
                findings.iter().map(|f| fact(f).0).collect::<Vec<_>>(),
            ),
            Column::new(
                "trace_start_ns".into(),
                findings.iter().map(|f| fact(f).1).collect::<Vec<_>>(),
            ),
            Column::new("partition".into(), vec![partition; findings.len()]),
        ],
    )?)
}

fn gather(args: GatherArgs) -> Result<u8> {
    let Detection {
        detectors,
        options: _,
        gate,
    } = args
        .detection
        .resolve(args.max_findings, args.baseline.as_ref(), true)?;
    // The run's ingest summary, and each trace's events as read and as
    // checked. Assembly's changes apply after every read is summed, so
    // the order of the files does not matter.
    let mut summary = IngestSummary::default();
    let mut assemblies: Vec<(IngestSummary, u64)> = Vec::new();
    // Per partition id: the finding rows its check wrote, and where.
    let mut partitions: BTreeMap<String, (u64, PathBuf)> = BTreeMap::new();
    let (mut read_events, mut checked_events) =
        (BTreeMap::new(), BTreeMap::<String, (u64, usize)>::new());
    let (mut traces, mut events, mut visible) = (0u64, 0u64, None::<u64>);
    for (at, path) in args.accounting.iter().enumerate() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the accounting {}", path.display()))?;
        let step: Accounting = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a worker's accounting", path.display()))?;
        if step.step == StepKind::Read {
            summary.add(&step.summary);
            for (trace, count) in step.trace_events {
                *read_events.entry(trace).or_insert(0u64) += count;
            }
        } else {
            assemblies.push((step.summary, step.assembled_from));
            if let Some(id) = step.partition {
                if let Some((_, other)) = partitions.insert(id, (step.findings, path.clone())) {
                    bail!(
                        "{} and {} account for the same partition: give each check's accounting once",
                        other.display(),
                        path.display()
                    );
                }
            }
            traces += step.traces;
            events += step.events;
            if let Some(v) = step.traces_fully_visible {
                visible = Some(visible.unwrap_or(0) + v);
            }
            for (trace, count) in step.trace_events {
                if let Some((_, other)) = checked_events.insert(trace.clone(), (count, at)) {
                    bail!(
                        "trace {trace} was checked in two partitions ({} and {}): its events must be shuffled by trace_id",
                        args.accounting[other].display(),
                        path.display()
                    );
                }
            }
        }
    }
    for (one, from) in &assemblies {
        add_assembly(&mut summary, one, *from);
    }
    // Every trace read reached one check, whole.
    for (trace, read) in &read_events {
        let checked = checked_events.get(trace).map_or(0, |c| c.0);
        if checked != *read {
            bail!("trace {trace}: {read} events were read, {checked} reached a check: a partition lost some, its check is missing, or a read's accounting was given twice");
        }
    }
    // Without reads (a store's partitions were checked), what was read is
    // the store's business; a trace cut between partitions is still seen.
    let unread = checked_events
        .keys()
        .find(|t| !read_events.is_empty() && !read_events.contains_key(*t));
    if let Some(extra) = unread {
        bail!("trace {extra} was checked but never read: the accounting of a read is missing");
    }
    // Every finding, in report order.
    let mut findings: Vec<Finding> = Vec::new();
    let mut trace_refs: BTreeMap<String, String> = BTreeMap::new();
    let mut starts: BTreeMap<String, i64> = BTreeMap::new();
    let mut found: BTreeMap<String, u64> = BTreeMap::new();
    for path in &args.findings {
        let rows = read_parquet(&path.display().to_string())?;
        if rows.column("finding").is_err() {
            bail!("{}: not the finding rows of `worker check`", path.display());
        }
        let ids = rows.column("trace_id")?.str()?;
        let json = rows.column("finding")?.str()?;
        let identity = rows.column("identity")?.i64()?;
        let step_first = rows.column("step_first")?.i64()?;
        let step_last = rows.column("step_last")?.i64()?;
        let file = rows.column("trace_file")?.str()?;
        let start = rows.column("trace_start_ns")?.i64()?;
        let partition = rows.column("partition")?.str()?;
        for row in 0..rows.height() {
            let id = partition.get(row).unwrap_or_default();
            *found.entry(id.to_string()).or_default() += 1;
            let text = json.get(row).context("a finding row without its finding")?;
            let mut finding: Finding = serde_json::from_str(text)?;
            finding.identity = identity.get(row).unwrap_or_default() as u64;
            finding.steps = step_first
                .get(row)
                .zip(step_last.get(row))
                .map(|(a, b)| [a, b]);
            if let (Some(id), Some(file)) = (ids.get(row), file.get(row)) {
                trace_refs.insert(id.to_string(), file.to_string());
            }
            if let (Some(id), Some(start)) = (ids.get(row), start.get(row)) {
                starts.insert(id.to_string(), start);
            }
            findings.push(finding);
        }
    }
    // Each partition's rows are there, once.
    for (id, (wrote, accounting)) in &partitions {
        let got = found.remove(id).unwrap_or(0);
        if got != *wrote {
            bail!(
                "the partition of {} wrote {wrote} finding rows; the findings files hold {got} of them (a file missing, or given twice)",
                accounting.display()
            );
        }
    }
    if let Some(id) = found.keys().next() {
        bail!("finding rows of partition {id} have no check accounting: give every check's accounting");
    }
    sort_findings(&mut findings);
    let mut run = RunSummary::new(&summary, traces as usize, events as usize);
    run.traces_fully_visible = visible;
    let outcome = CheckOutcome::new(
        run,
        trace_refs
            .into_iter()
            .map(|(trace_id, file)| TraceRef {
                trace_id,
                source_file: file.into(),
            })
            .collect(),
        detectors.iter().map(|d| d.name()).collect(),
        Detected {
            findings,
            waste: Default::default(),
        },
        &gate,
        super::source_root()?,
    );
    let mut outcome = outcome;
    if traces == 0 {
        outcome.error = Some("no traces were read from the input".to_string());
    }
    super::print_out(&report::json::check(&outcome)?)?;
    if traces == 0 {
        eprintln!("tracelint: error: no traces were read from the input");
        return Ok(exit::ERROR);
    }
    eprintln!("{}", outcome.summary_line());
    if let Some(path) = &args.findings_parquet {
        let mut table =
            report::parquet::findings_frame(&outcome, &|trace| starts.get(trace).copied())?;
        report::parquet::write_table(&mut table, path, "findings")?;
    }
    Ok(if outcome.fails() && !args.exit_zero {
        exit::GATING_FINDINGS
    } else {
        exit::CLEAN
    })
}

/// A check step's assembly: it started from `from` events read and
/// ingested, which the reads counted already; what it dropped moved from
/// ingested to skipped or to the other signals (log records joined to
/// their spans).
fn add_assembly(total: &mut IngestSummary, one: &IngestSummary, from: u64) {
    total.add(one);
    total.records_read = total.records_read.saturating_sub(from);
    total.ingested = total.ingested.saturating_sub(from);
}

/// Parquet from a file, or all of stdin for `-`.
fn read_parquet(from: &str) -> Result<DataFrame> {
    Ok(read_parquet_with_id(from)?.0)
}

/// The table, and an id of its bytes (16 hex digits of xxh3): the same
/// input, read again by a retried task, has the same id.
fn read_parquet_with_id(from: &str) -> Result<(DataFrame, String)> {
    let bytes = if from == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().lock().read_to_end(&mut bytes)?;
        bytes
    } else {
        std::fs::read(from).with_context(|| format!("cannot read {from}"))?
    };
    let id = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&bytes));
    let frame = ParquetReader::new(std::io::Cursor::new(bytes)).finish();
    Ok((
        anyhow::Context::with_context(frame, || format!("{from} is not a Parquet table"))?,
        id,
    ))
}

/// Parquet to a file (written whole or not at all), or to stdout for `-`.
fn write_parquet(frame: &mut DataFrame, to: &str, metadata: Vec<(String, String)>) -> Result<()> {
    let writer = |out: &mut dyn Write, frame: &mut DataFrame| -> Result<()> {
        let mut bytes = Vec::new();
        ParquetWriter::new(&mut bytes)
            .with_compression(ParquetCompression::Zstd(None))
            .with_key_value_metadata(Some(KeyValueMetadata::from_static(metadata.clone())))
            .finish(frame)?;
        out.write_all(&bytes)?;
        Ok(())
    };
    if to == "-" {
        let mut stdout = std::io::stdout().lock();
        let written = writer(&mut stdout, frame).and_then(|_| Ok(stdout.flush()?));
        // A reader that went away no longer wants the table.
        return match written {
            Err(e)
                if e.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
            {
                Ok(())
            }
            other => other,
        };
    }
    let mut out = OutputFile::create(Path::new(to))?;
    writer(out.file(), frame).with_context(|| format!("cannot write {to}"))?;
    out.commit()
}
