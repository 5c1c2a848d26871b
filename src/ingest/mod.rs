//! Ingest: input files to normalized events (DESIGN.md §1). Files are read
//! in parallel; a JSON Lines file is read in blocks whose lines are parsed
//! in parallel. Each record goes through its format's adapter and the
//! attribute dialects, then the events of each trace are assembled (order,
//! agents, repairs).

mod assemble;
pub mod attrs;
pub mod conversation;
pub mod dialect;
pub mod draft;
pub mod formats;
pub mod report;
pub mod source;
pub mod span;
pub mod spill;
pub mod termination;

use anyhow::Result;
use rayon::prelude::*;
use serde::de::IgnoredAny;
use serde_json::Value;
use std::io::BufRead;
use std::sync::Arc;

use crate::event::{Event, PendingEvent};
use crate::labels::Label;
use crate::timings;
use formats::{Format, JsonDefect, RecordError, RecordOutput};
use report::{Diagnostic, IngestReport, Location, Severity};
use source::{BlockItem, Input, LineBlocks};
use spill::Spill;

#[derive(Clone, Copy)]
pub struct IngestOptions {
    /// Characters of each input and output text kept as its excerpt.
    pub excerpt_chars: usize,
    /// Largest record (a line, or a whole document) read; larger ones are
    /// skipped with reason `record_too_large`.
    pub max_record_bytes: usize,
    /// A format forced with `--format`; sniffed per file when `None`.
    pub format: Option<&'static dyn Format>,
    /// Show a progress bar on stderr (a terminal, and not `--quiet`).
    pub progress: bool,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            excerpt_chars: 512,
            max_record_bytes: 256 << 20,
            format: None,
            progress: false,
        }
    }
}

/// What an adapter needs to know about the record it parses.
pub struct RecordCtx<'a> {
    pub source_format: &'static str,
    pub file: Arc<str>,
    pub file_index: u32,
    /// Line of the record's start in its file (1-based).
    pub line: u32,
    pub options: &'a IngestOptions,
}

pub struct Ingested {
    /// The events as read, in chunks, until `with_traces` assembles them.
    pending: Vec<Vec<PendingEvent>>,
    /// Corpus labels, sorted by trace id.
    pub labels: Vec<Label>,
    /// Complete once `with_traces` has run (assembly drops duplicates and
    /// repairs).
    pub report: IngestReport,
}

impl Ingested {
    /// Assembles the traces and hands them to `use_traces`: each trace's
    /// events in `seq` order, traces sorted by id. The events are freed
    /// after; `use_traces` keeps what it needs of them.
    pub fn with_traces<R>(&mut self, use_traces: impl FnOnce(&[Vec<&Event>]) -> R) -> R {
        let pending = std::mem::take(&mut self.pending);
        with_assembled(pending, &mut self.report, use_traces)
    }
}

/// Reads every input; `Ingested::with_traces` assembles the traces.
pub fn ingest(inputs: &[Input], options: &IngestOptions) -> Result<Ingested> {
    let read = timings::phase("read and parse", || read_inputs(inputs, options, None))?;
    Ok(Ingested {
        pending: read.pending,
        labels: read.labels,
        report: read.report,
    })
}

/// Assembles the traces of `pending` in place, hands them to `use_traces`,
/// then frees the events: in parallel, since one thread freeing every string
/// of every event took 35 of the 540 ms of a `check` of 100 MiB, with the
/// other core idle (18–22 ms on both).
fn with_assembled<R>(
    mut pending: Vec<Vec<PendingEvent>>,
    report: &mut IngestReport,
    use_traces: impl FnOnce(&[Vec<&Event>]) -> R,
) -> R {
    let traces = timings::phase("assemble traces", || {
        assemble::assemble(&mut pending, report)
    });
    let result = use_traces(&traces);
    drop(traces);
    timings::phase("free events", || pending.into_par_iter().for_each(drop));
    result
}

/// Inputs read into a spill's partitions, not yet assembled.
pub struct Spilled {
    pub labels: Vec<Label>,
    /// Counts of the reading so far; assembling partitions adds to it.
    pub report: IngestReport,
    /// Each input's name by index, which spilled events refer to.
    files: Vec<Arc<str>>,
}

impl Spilled {
    /// Partition `k`'s traces, assembled and handed to `use_traces` as by
    /// `Ingested::with_traces`.
    pub fn with_partition<R>(
        &mut self,
        spill: &Spill,
        k: usize,
        use_traces: impl FnOnce(&[Vec<&Event>]) -> R,
    ) -> Result<R> {
        let pending = timings::phase("read spill", || spill.read(k, &self.files))?;
        Ok(with_assembled(pending, &mut self.report, use_traces))
    }
}

/// Reads every input into `spill`'s partitions instead of memory: the way
/// in for inputs larger than memory. The report and labels are complete;
/// events are assembled partition by partition with `Spilled`.
pub fn ingest_to_spill(
    inputs: &[Input],
    options: &IngestOptions,
    spill: &Spill,
) -> Result<Spilled> {
    let read = timings::phase("read, parse and spill", || {
        let read = read_inputs(inputs, options, Some(spill))?;
        spill.finish_writing()?;
        anyhow::Ok(read)
    })?;
    Ok(Spilled {
        labels: read.labels,
        report: read.report,
        files: inputs
            .iter()
            .map(|input| Arc::from(input.display_name()))
            .collect(),
    })
}

struct ReadInputs {
    /// Events read, when they are not spilled, in the chunks they were
    /// read in (see `FileResult::events`).
    pending: Vec<Vec<PendingEvent>>,
    /// Sorted by trace id.
    labels: Vec<Label>,
    report: IngestReport,
}

fn read_inputs(
    inputs: &[Input],
    options: &IngestOptions,
    spill: Option<&Spill>,
) -> Result<ReadInputs> {
    let progress = progress_bar(inputs.len(), options);
    let per_file: Vec<FileResult> = inputs
        .par_iter()
        .enumerate()
        .map(|(index, input)| {
            let result = read_file(input, index as u32, options, spill);
            progress.inc(1);
            result
        })
        .collect();
    progress.finish_and_clear();
    let mut report = IngestReport::default();
    report.summary.files = inputs.len() as u64;
    let mut pending: Vec<Vec<PendingEvent>> = Vec::new();
    let mut labels = Vec::new();
    for file in per_file {
        if let Some(error) = file.spill_error {
            return Err(error.context("cannot spill events to disk"));
        }
        report.record_ingested(file.events_read);
        pending.extend(file.events);
        labels.extend(file.labels);
        for diagnostic in file.diagnostics {
            report.add(diagnostic);
        }
    }
    report.summary.labels = labels.len() as u64;
    // Stable: a trace's labels stay in the order their file gives them.
    labels.sort_by(|a, b| a.trace_id.cmp(&b.trace_id));
    Ok(ReadInputs {
        pending,
        labels,
        report,
    })
}

/// Files read out of all, on stderr, for runs over several files; hidden
/// otherwise (a hidden bar costs nothing).
fn progress_bar(files: usize, options: &IngestOptions) -> indicatif::ProgressBar {
    if !options.progress || files < 2 {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(files as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} reading traces {bar:30} {pos}/{len} files, {elapsed}",
    ) {
        bar.set_style(style);
    }
    bar
}

#[derive(Default)]
struct FileResult {
    /// Events read and not yet spilled, in chunks of fixed capacity (see
    /// `add_events`). The events stay in these chunks until the frame is
    /// built: `assemble` completes them in place.
    events: Vec<Vec<PendingEvent>>,
    /// Events read, spilled or not.
    events_read: u64,
    /// Writing to the spill failed: the run cannot go on.
    spill_error: Option<anyhow::Error>,
    labels: Vec<Label>,
    diagnostics: Vec<Diagnostic>,
    /// Set when a document read after a repair turned out to be of a
    /// format that does not expect that defect.
    refused_repair: bool,
}

impl FileResult {
    fn skip(&mut self, file: &str, location: Location, reason: &'static str, detail: String) {
        self.diagnostics.push(Diagnostic {
            file: file.to_string(),
            location,
            severity: Severity::Skipped,
            reason,
            detail,
        });
    }

    fn repair(&mut self, file: &str, location: Location, reason: &'static str, detail: String) {
        self.diagnostics.push(Diagnostic {
            file: file.to_string(),
            location,
            severity: Severity::Repaired,
            reason,
            detail,
        });
    }

    /// Takes in a line parsed by `parse_lines`.
    fn absorb_parsed(
        &mut self,
        file: &str,
        line: u32,
        parsed: Result<(RecordOutput, Result<u64>), RecordError>,
    ) {
        match parsed {
            Ok((output, spilled)) => {
                match spilled {
                    Ok(count) => self.events_read += count,
                    Err(error) => self.spill_error = Some(error),
                }
                self.absorb(file, line, Ok(output));
            }
            Err(error) => self.absorb(file, line, Err(error)),
        }
    }

    /// Moves the events read so far to the spill, if there is one.
    fn spill(&mut self, spill: Option<&Spill>) {
        let Some(spill) = spill else { return };
        if self.spill_error.is_some() || self.events.is_empty() {
            return;
        }
        if let Err(error) = spill.push(std::mem::take(&mut self.events).into_iter().flatten()) {
            self.spill_error = Some(error);
        }
    }

    fn take(&mut self, other: FileResult) {
        self.events_read += other.events_read;
        self.events.extend(other.events);
        self.labels.extend(other.labels);
        self.diagnostics.extend(other.diagnostics);
    }

    /// Moves a record's events into the last chunk, or a new one when they
    /// do not fit. Events are large (about 700 bytes before their strings):
    /// one vector growing by doubling was an eighth of `check`'s time
    /// (copies, and fresh pages for each larger vector), and keeping each
    /// record's own vector wasted three quarters of it on one-span records
    /// (a vector's smallest capacity is four).
    fn add_events(&mut self, events: Vec<PendingEvent>) {
        const CHUNK_EVENTS: usize = 4096;
        match self.events.last_mut() {
            Some(chunk) if chunk.capacity() - chunk.len() >= events.len() => chunk.extend(events),
            _ if events.is_empty() => {}
            _ => {
                let mut chunk = Vec::with_capacity(events.len().max(CHUNK_EVENTS));
                chunk.extend(events);
                self.events.push(chunk);
            }
        }
    }

    /// Takes in what one record gave, or why it gave nothing.
    fn absorb(&mut self, file: &str, line: u32, result: Result<RecordOutput, RecordError>) {
        match result {
            Ok(output) => {
                self.events_read += output.events.len() as u64;
                self.add_events(output.events);
                self.labels.extend(output.labels);
                for (location, reason, detail) in output.skipped {
                    self.skip(file, location, reason, detail);
                }
                for (location, reason, detail) in output.repaired {
                    self.repair(file, location, reason, detail);
                }
            }
            Err(error) => {
                let at = Location::Line(error.line.unwrap_or(line));
                self.skip(file, at, error.reason, error.detail);
            }
        }
    }
}

fn read_file(
    input: &Input,
    file_index: u32,
    options: &IngestOptions,
    spill: Option<&Spill>,
) -> FileResult {
    let name = input.display_name();
    let mut result = FileResult::default();
    let outcome = source::open(input).and_then(|mut reader| {
        read_records(&mut *reader, &name, file_index, options, spill, &mut result)
    });
    // Documents are spilled whole, here; JSON Lines block by block.
    result.spill(spill);
    if let Err(error) = outcome {
        result.skip(
            &name,
            Location::File,
            "unreadable_file",
            format!("{error:#}"),
        );
    }
    result
}

/// Decides between JSON Lines and a document by the first non-blank line:
/// a complete JSON value means lines; a value cut by the end of the line
/// (`{` of a pretty-printed document) means a document.
fn read_records(
    reader: &mut (dyn BufRead + Send),
    name: &str,
    file_index: u32,
    options: &IngestOptions,
    spill: Option<&Spill>,
    result: &mut FileResult,
) -> Result<()> {
    let mut prefix = Vec::new();
    let first_line = loop {
        let line = source::read_first_line(reader, options.max_record_bytes + 1)?;
        if line.is_empty() {
            result.skip(
                name,
                Location::File,
                "empty_file",
                "the input has no records".to_string(),
            );
            return Ok(());
        }
        let blank = line.iter().all(u8::is_ascii_whitespace);
        prefix.extend_from_slice(&line);
        if !blank {
            break line;
        }
    };
    let file: Arc<str> = Arc::from(name);
    let text_format = match options.format {
        Some(forced) => forced.sniff_text(&first_line).then_some(forced),
        None if !starts_json(&first_line) => formats::sniff_text(&first_line),
        None => None,
    };
    if let Some(format) = text_format {
        let Some(bytes) = source::read_bounded(reader, prefix, options.max_record_bytes)? else {
            result.skip(
                name,
                Location::File,
                "record_too_large",
                too_large_document(options),
            );
            return Ok(());
        };
        let ctx = record_ctx(format, &file, file_index, 1, options);
        result.absorb(name, 1, parse_record(format, &bytes, &ctx));
        return Ok(());
    }
    let is_document = matches!(
        serde_json::from_slice::<IgnoredAny>(&first_line),
        Err(e) if e.is_eof()
    );
    if is_document {
        let Some(bytes) = source::read_bounded(reader, prefix, options.max_record_bytes)? else {
            result.skip(
                name,
                Location::File,
                "record_too_large",
                too_large_document(options),
            );
            return Ok(());
        };
        read_document(&bytes, &file, file_index, options, result, Repairs::AsIs);
    } else {
        read_lines(reader, prefix, &file, file_index, options, spill, result)?;
    }
    Ok(())
}

fn too_large_document(options: &IngestOptions) -> String {
    format!(
        "the document is larger than the record limit of {} bytes (--max-record-bytes)",
        options.max_record_bytes
    )
}

/// Whether a line starts like JSON (an object or array), as opposed to a
/// text log.
fn starts_json(line: &[u8]) -> bool {
    matches!(
        line.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}

/// Whether a document is read as it is, or after a known defect was
/// repaired (this many times) for a format whose published files carry it.
#[derive(Clone, Copy, PartialEq)]
enum Repairs {
    AsIs,
    Made(JsonDefect, usize),
}

/// The format of a file, sniffed from its first JSON record; the error
/// says what was seen and which formats exist.
fn sniff_format(first_record: &Value) -> Result<&'static dyn Format, String> {
    formats::sniff(first_record).ok_or_else(|| {
        let seen = match first_record {
            Value::Object(map) => {
                let keys: Vec<&str> = map.keys().take(8).map(String::as_str).collect();
                format!("an object with keys [{}]", keys.join(", "))
            }
            Value::Array(items) => format!("an array of {} items", items.len()),
            other => format!("a JSON {}", json_type(other)),
        };
        format!(
            "cannot tell the format: the first record is {seen}; known formats: {} (use --format to force one)",
            formats::names().join(", ")
        )
    })
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn read_document(
    bytes: &[u8],
    file: &Arc<str>,
    file_index: u32,
    options: &IngestOptions,
    result: &mut FileResult,
    repairs: Repairs,
) {
    let mut values = serde_json::Deserializer::from_slice(bytes).into_iter::<IgnoredAny>();
    let mut start = 0usize;
    // Forced with --format, or sniffed from the first record.
    let mut format = options.format;
    if let Some(forced) = format {
        if !accepts_repairs(forced, repairs, file, result) {
            return;
        }
    }
    loop {
        let next = values.next();
        let end = values.byte_offset();
        let record_start = start
            + bytes[start..end]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        let line = source::line_of_offset(bytes, record_start);
        match next {
            None => break,
            Some(Err(error)) => {
                // Stream positions count from the start of the input.
                let error = formats::json_error(&error, bytes, 1);
                let defect = JsonDefect::of_reason(error.reason);
                if let (Some(defect), Repairs::AsIs) = (defect, repairs) {
                    // Read again repaired; kept only if the format turns
                    // out to expect the defect (see `accepts_repairs`).
                    let (repaired, count) = defect.repair(bytes);
                    let mut retry = FileResult::default();
                    let made = Repairs::Made(defect, count);
                    read_document(&repaired, file, file_index, options, &mut retry, made);
                    if retry.refused_repair {
                        result.absorb(file, line, Err(error));
                    } else {
                        result.take(retry);
                    }
                    return;
                }
                result.absorb(file, line, Err(error));
                break;
            }
            Some(Ok(_)) => {
                let record = &bytes[record_start..end];
                let format = match format {
                    Some(f) => f,
                    None => match serde_json::from_slice(record)
                        .map_err(|e| e.to_string())
                        .and_then(|value| sniff_format(&value))
                    {
                        Ok(f) => {
                            if !accepts_repairs(f, repairs, file, result) {
                                return;
                            }
                            *format.insert(f)
                        }
                        Err(detail) => {
                            result.skip(file, Location::File, "unknown_format", detail);
                            return;
                        }
                    },
                };
                let ctx = record_ctx(format, file, file_index, line, options);
                result.absorb(file, line, parse_record(format, record, &ctx));
            }
        }
        start = end;
    }
}

/// Whether `format` may read a document repaired of a defect; if so the
/// repair is reported, if not the caller skips the document.
fn accepts_repairs(
    format: &dyn Format,
    repairs: Repairs,
    file: &str,
    result: &mut FileResult,
) -> bool {
    let Repairs::Made(defect, count) = repairs else {
        return true;
    };
    if !format.tolerates(defect) {
        result.refused_repair = true;
        return false;
    }
    let detail = format!(
        "{count} {} ({} files carry them)",
        defect.describe(),
        format.name()
    );
    result.repair(file, Location::File, defect.reason(), detail);
    true
}

fn read_lines(
    reader: &mut (dyn BufRead + Send),
    prefix: Vec<u8>,
    file: &Arc<str>,
    file_index: u32,
    options: &IngestOptions,
    spill: Option<&Spill>,
    result: &mut FileResult,
) -> Result<()> {
    let mut blocks = LineBlocks::new(reader, prefix, options.max_record_bytes);
    // Forced with --format, or sniffed from the first JSON line.
    let mut format = options.format;
    let mut next = blocks.next_item()?;
    while let Some(item) = next.take() {
        let block = match item {
            BlockItem::Oversized(o) => {
                let detail = too_large(o.bytes, options);
                result.skip(file, Location::Line(o.line), "record_too_large", detail);
                next = blocks.next_item()?;
                continue;
            }
            BlockItem::Block(block) => block,
        };
        let lines = block.lines();
        let format = match format {
            Some(f) => f,
            None => {
                let first_json = lines
                    .iter()
                    .filter(|(_, l)| l.len() <= options.max_record_bytes)
                    .find_map(|(_, l)| serde_json::from_slice::<Value>(l).ok());
                let Some(first_json) = first_json else {
                    // No line here is JSON: each is skipped with its own reason.
                    for &(line, bytes) in &lines {
                        result.absorb(file, line, Err(unreadable_line(bytes, line, options)));
                    }
                    next = blocks.next_item()?;
                    continue;
                };
                match sniff_format(&first_json) {
                    Ok(f) => *format.insert(f),
                    Err(detail) => {
                        result.skip(file, Location::File, "unknown_format", detail);
                        return Ok(());
                    }
                }
            }
        };
        // The next block is read while this one is parsed: reading is
        // sequential, and would otherwise leave the other cores idle.
        let (parsed, following) = rayon::join(
            || parse_lines(&lines, format, file, file_index, options, spill),
            || blocks.next_item(),
        );
        for (line, outcome) in parsed {
            result.absorb_parsed(file, line, outcome);
        }
        if result.spill_error.is_some() {
            break;
        }
        next = following?;
    }
    Ok(())
}

/// A line parsed, and how many of its events were spilled (none without a
/// spill; an error if writing them failed).
type ParsedLine = (u32, Result<(RecordOutput, Result<u64>), RecordError>);

/// Parses a block's lines in parallel. With a spill, each line's events go
/// to it from the thread that parsed them, and the count spilled comes back.
fn parse_lines(
    lines: &[(u32, &[u8])],
    format: &'static dyn Format,
    file: &Arc<str>,
    file_index: u32,
    options: &IngestOptions,
    spill: Option<&Spill>,
) -> Vec<ParsedLine> {
    lines
        .par_iter()
        .map(|&(line, bytes)| {
            if bytes.len() > options.max_record_bytes {
                return (line, Err(unreadable_line(bytes, line, options)));
            }
            let ctx = record_ctx(format, file, file_index, line, options);
            let outcome = parse_record(format, bytes, &ctx).map(|mut output| {
                let spilled = match spill {
                    Some(spill) => {
                        let events = std::mem::take(&mut output.events);
                        let count = events.len() as u64;
                        spill.push(events).map(|()| count)
                    }
                    None => Ok(0),
                };
                (output, spilled)
            });
            (line, outcome)
        })
        .collect()
}

/// Why a line that no format could start from is skipped.
fn unreadable_line(bytes: &[u8], line: u32, options: &IngestOptions) -> RecordError {
    if bytes.len() > options.max_record_bytes {
        return RecordError {
            reason: "record_too_large",
            detail: too_large(bytes.len() as u64, options),
            line: Some(line),
        };
    }
    // A full parse, not `IgnoredAny`: serde_json skips ignored values
    // without its depth limit, so only a real parse reports `too_deep`.
    match formats::parse_json::<Value>(bytes, line) {
        Err(error) => error,
        Ok(_) => RecordError::unrecognized("a JSON line of no known format"),
    }
}

fn too_large(bytes: u64, options: &IngestOptions) -> String {
    format!(
        "record of {bytes} bytes is over the limit of {} bytes (--max-record-bytes)",
        options.max_record_bytes
    )
}

fn record_ctx<'a>(
    format: &'static dyn Format,
    file: &Arc<str>,
    file_index: u32,
    line: u32,
    options: &'a IngestOptions,
) -> RecordCtx<'a> {
    RecordCtx {
        source_format: format.name(),
        file: file.clone(),
        file_index,
        line,
        options,
    }
}

fn parse_record(
    format: &dyn Format,
    record: &[u8],
    ctx: &RecordCtx,
) -> Result<RecordOutput, RecordError> {
    let mut output = RecordOutput::starting_at(ctx.line);
    format.parse(record, ctx, &mut output)?;
    Ok(output)
}
