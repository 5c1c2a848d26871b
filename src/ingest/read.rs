//! Reading inputs: every input in parallel, each one decided between a text
//! log, a JSON document and JSON Lines by its first line, its events handed
//! to an `EventSink`, its records accounted for.

use anyhow::Result;
use rayon::prelude::*;
use serde::de::IgnoredAny;
use std::io::{BufRead, Read as _};
use std::sync::Arc;

use super::dispatch::{parse_record, record_ctx, NOT_A_TRACE};
use super::document::{read_document, Repairs};
use super::file_result::FileResult;
use super::framing::{has_lone_cr, normalized_lines, read_bounded, read_first_line};
use super::lines::read_lines;
use super::options::IngestOptions;
use super::registry;
use super::sink::EventSink;
use super::source::{self, Input};
use super::table;
use crate::accounting::{IngestReport, Location};
use crate::labels::Label;

/// What reading the inputs gave besides the events, which went to the sink.
pub struct Read {
    /// Sorted by trace id.
    pub labels: Vec<Label>,
    /// Every record read, ingested or skipped. Assembling the traces adds
    /// what it drops and repairs.
    pub report: IngestReport,
}

/// Reads every input, its events to `sink`. Fails only when the sink does;
/// an input that cannot be read is a skip in the report.
pub fn read_inputs(
    inputs: &[Input],
    options: &IngestOptions,
    sink: &dyn EventSink,
) -> Result<Read> {
    let progress = progress_bar(inputs.len(), options);
    let per_file: Vec<FileResult> = inputs
        .par_iter()
        .enumerate()
        .map(|(index, input)| {
            let result = read_file(input, index as u32, options, sink);
            progress.inc(1);
            result
        })
        .collect();
    progress.finish_and_clear();
    let names = inputs.iter().map(Input::display_name);
    accounted(names.zip(per_file))
}

/// Reads one stream that is not a file (a request body, a fuzzer's bytes)
/// as the input `name`, its events to `sink`.
pub fn read_stream(
    reader: &mut (dyn BufRead + Send),
    name: &str,
    options: &IngestOptions,
    sink: &dyn EventSink,
) -> Result<Read> {
    let mut result = FileResult::default();
    if let Err(error) = read_records(reader, name, 0, options, sink, &mut result) {
        let detail = format!("{error:#}");
        result.skip(name, Location::File, "unreadable_file", detail);
    }
    result.flush(sink);
    accounted(std::iter::once((name.to_string(), result)))
}

/// The report and the labels of inputs read, in input order.
fn accounted(files: impl Iterator<Item = (String, FileResult)>) -> Result<Read> {
    let mut report = IngestReport::default();
    let mut labels = Vec::new();
    for (name, file) in files {
        if let Some(error) = file.sink_error {
            return Err(error);
        }
        report.summary.files += 1;
        report.inputs.push(file.tally(name));
        report.record_ingested(file.events_read);
        for (what, count) in &file.other_signals {
            report.other_signal(what, *count);
        }
        labels.extend(file.labels);
        for diagnostic in file.diagnostics {
            report.add(diagnostic);
        }
    }
    report.summary.labels = labels.len() as u64;
    // Stable: a trace's labels stay in the order their file gives them.
    labels.sort_by(|a, b| a.trace_id.cmp(&b.trace_id));
    Ok(Read { labels, report })
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

fn read_file(
    input: &Input,
    file_index: u32,
    options: &IngestOptions,
    sink: &dyn EventSink,
) -> FileResult {
    let name = input.display_name();
    let mut result = FileResult::default();
    if let Input::Unreadable { reason, detail, .. } = input {
        result.skip(&name, Location::File, reason, detail.clone());
        return result;
    }
    let outcome = source::open(input).and_then(|mut reader| {
        read_records(&mut *reader, &name, file_index, options, sink, &mut result)
    });
    // Documents go to the sink whole, here; JSON Lines block by block.
    result.flush(sink);
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

/// Reads a Parquet table by its rows, a binary input (OTLP protobuf) by its
/// format's messages, and anything else as text (`read_text_records`).
fn read_records(
    reader: &mut (dyn BufRead + Send),
    name: &str,
    file_index: u32,
    options: &IngestOptions,
    sink: &dyn EventSink,
    result: &mut FileResult,
) -> Result<()> {
    let head = reader.fill_buf()?;
    if table::is_parquet(head) {
        if let Some(bytes) = read_whole(reader, Vec::new(), name, options, result)? {
            let file: Arc<str> = Arc::from(name);
            table::read_parquet(bytes, &file, file_index, options, sink, result);
        }
        return Ok(());
    }
    let binary = match options.format {
        Some(forced) => (forced.is_binary() || forced.sniff_binary(head)).then_some(forced),
        None => registry::sniff_binary(head, source::named_binary(name)),
    };
    let Some(format) = binary else {
        return read_text_records(reader, name, file_index, options, sink, result);
    };
    let Some(bytes) = read_whole(reader, Vec::new(), name, options, result)? else {
        return Ok(());
    };
    result.format = Some(format.name());
    let messages = match format.binary_messages(&bytes, name, options.max_record_bytes) {
        Ok(messages) => messages,
        Err(error) => {
            result.skip(name, Location::File, error.reason, error.detail);
            return Ok(());
        }
    };
    let file: Arc<str> = Arc::from(name);
    for (index, message) in messages.into_iter().enumerate() {
        let number = index as u32 + 1;
        let ctx = record_ctx(format, &file, file_index, number, options);
        let outcome = message.and_then(|m| parse_record(format, &m, &ctx));
        result.absorb(name, number, outcome);
    }
    Ok(())
}

/// Decides between a text log, a JSON document and JSON Lines by the first
/// non-blank line: a complete JSON value means lines; a value cut by the end
/// of the line (`{` of a pretty-printed document) means a document.
fn read_text_records(
    reader: &mut (dyn BufRead + Send),
    name: &str,
    file_index: u32,
    options: &IngestOptions,
    sink: &dyn EventSink,
    result: &mut FileResult,
) -> Result<()> {
    let mut prefix = Vec::new();
    let first_line = loop {
        let line = read_first_line(reader, options.max_record_bytes + 1)?;
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
    if has_lone_cr(&first_line) {
        // Lines end with a lone CR: read again with LF line ends.
        let Some(bytes) = read_whole(reader, prefix, name, options, result)? else {
            return Ok(());
        };
        let mut lf = std::io::Cursor::new(normalized_lines(&bytes).into_owned());
        return read_text_records(&mut lf, name, file_index, options, sink, result);
    }
    let file: Arc<str> = Arc::from(name);
    let head = first_line.trim_ascii_end();
    if let Some(delimiter) = table::csv_delimiter(name, head).filter(|_| !starts_json(head)) {
        let rest = std::io::Cursor::new(prefix).chain(reader);
        return table::read_csv(rest, delimiter, &file, file_index, options, sink, result);
    }
    let text_format = match options.format {
        Some(forced) => forced.sniff_text(head).then_some(forced),
        // Text formats are told by a prefix that is no JSON value, though
        // it may start like one (`[Exporter] Export ...`); some after a
        // preamble, looked for in the lines already buffered.
        None => registry::sniff_text(head).or_else(|| {
            if starts_json(head) {
                return None;
            }
            let buffered = reader.fill_buf().ok()?;
            let lines = std::iter::once(head).chain(buffered.split(|&b| b == b'\n'));
            registry::sniff_text_after_preamble(lines.take(PREAMBLE_LINES))
        }),
    };
    if let Some(format) = text_format {
        let Some(bytes) = read_whole(reader, prefix, name, options, result)? else {
            return Ok(());
        };
        result.format = Some(format.name());
        let ctx = record_ctx(format, &file, file_index, 1, options);
        let text = normalized_lines(&bytes);
        result.absorb(name, 1, parse_record(format, &text, &ctx));
        return Ok(());
    }
    if options.format.is_none() && !starts_json(head) {
        // No text log, and not JSON: a file most of whose first lines do
        // not start like JSON is no trace (a README, even one quoting some
        // JSON): one skip for the file, not one malformed record per line.
        // JSON Lines after a banner line are read, the banner a malformed
        // record.
        let buffered = reader.fill_buf().unwrap_or_default();
        let lines: Vec<&[u8]> = buffered
            .split(|&b| b == b'\n')
            .filter(|l| !l.trim_ascii().is_empty())
            .take(PREAMBLE_LINES)
            .collect();
        let json_lines = lines.iter().filter(|l| starts_json(l)).count();
        if json_lines * 2 < lines.len() {
            let first = String::from_utf8_lossy(&head[..head.len().min(60)]).into_owned();
            result.skip(
                name,
                Location::File,
                "unknown_format",
                format!(
                    "{NOT_A_TRACE}: the first line ({first:?}) is neither JSON nor a text log of a known format; formats tried: {} (use --format to force one)",
                    registry::names().join(", ")
                ),
            );
            return Ok(());
        }
    }
    let is_document = matches!(
        serde_json::from_slice::<IgnoredAny>(&first_line),
        Err(e) if e.is_eof()
    );
    if is_document {
        let Some(bytes) = read_whole(reader, prefix, name, options, result)? else {
            return Ok(());
        };
        read_document(&bytes, &file, file_index, options, result, Repairs::AsIs);
    } else {
        read_lines(reader, prefix, &file, file_index, options, sink, result)?;
    }
    Ok(())
}

/// Lines looked through for a text format after a preamble (of those
/// already read into the buffer).
const PREAMBLE_LINES: usize = 200;

/// The rest of an input after `prefix`, whole; `None`, with the input
/// skipped, when it is larger than the record limit.
fn read_whole(
    reader: &mut (dyn BufRead + Send),
    prefix: Vec<u8>,
    name: &str,
    options: &IngestOptions,
    result: &mut FileResult,
) -> Result<Option<Vec<u8>>> {
    let bytes = read_bounded(reader, prefix, options.max_record_bytes)?;
    if bytes.is_none() {
        let detail = format!(
            "the document is larger than the record limit of {} bytes (--max-record-bytes)",
            options.max_record_bytes
        );
        result.skip(name, Location::File, "record_too_large", detail);
    }
    Ok(bytes)
}

/// Whether a line starts like JSON (an object or array), as opposed to a
/// text log.
fn starts_json(line: &[u8]) -> bool {
    matches!(
        line.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}
