//! Reading a JSON Lines input: block by block, each block's lines parsed in
//! parallel while the next block is read, the format sniffed from the first
//! JSON line, and each block's events handed to the sink as it is parsed.

use anyhow::Result;
use rayon::prelude::*;
use serde_json::Value;
use std::io::BufRead;
use std::sync::Arc;

use super::dispatch::{parse_record, record_ctx, sniff_format};
use super::file_result::FileResult;
use super::format::Format;
use super::framing::{BlockItem, LineBlocks};
use super::json::parse_json;
use super::options::IngestOptions;
use super::record::{RecordError, RecordOutput, UNRECOGNIZED_RECORD};
use super::sink::EventSink;
use crate::accounting::Location;

pub fn read_lines(
    reader: &mut (dyn BufRead + Send),
    prefix: Vec<u8>,
    file: &Arc<str>,
    file_index: u32,
    options: &IngestOptions,
    sink: &dyn EventSink,
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
        let format = match block_format(&lines, &mut format, file, options, result) {
            BlockFormat::Known(f) => f,
            BlockFormat::NoneHere => {
                next = blocks.next_item()?;
                continue;
            }
            BlockFormat::Unknown => return Ok(()),
        };
        result.format = Some(format.name());
        // The next block is read while this one is parsed: reading is
        // sequential, and would otherwise leave the other cores idle.
        let (parsed, following) = rayon::join(
            || parse_block(&lines, format, file, file_index, options, sink),
            || blocks.next_item(),
        );
        absorb_block(parsed, file, result);
        if result.sink_error.is_some() {
            break;
        }
        next = following?;
    }
    Ok(())
}

/// What the records of a block say the format of their file is.
pub(super) enum BlockFormat {
    /// Known: forced, sniffed before, or sniffed from a record here.
    Known(&'static dyn Format),
    /// No record here is JSON: each was skipped with its own reason, and
    /// the next block may tell.
    NoneHere,
    /// The first JSON record is of no known format: the file was skipped,
    /// or set aside as a companion of trace exports (`companion_of`).
    Unknown,
}

/// The format of a file from the records of one block (numbered from 1 by
/// line or row), kept in `format` once known: the first record of a known
/// format decides; records of no known format before it are skipped one
/// by one, and only records before it are parsed.
pub(super) fn block_format(
    lines: &[(u32, &[u8])],
    format: &mut Option<&'static dyn Format>,
    file: &Arc<str>,
    options: &IngestOptions,
    result: &mut FileResult,
) -> BlockFormat {
    if let Some(known) = *format {
        return BlockFormat::Known(known);
    }
    let mut first_json: Option<Value> = None;
    let mut known = None;
    for (_, l) in lines
        .iter()
        .filter(|(_, l)| l.len() <= options.max_record_bytes)
    {
        let Ok(value) = serde_json::from_slice::<Value>(l) else {
            continue;
        };
        known = sniff_format(&value).ok();
        if known.is_some() {
            break;
        }
        first_json.get_or_insert(value);
    }
    match (known, first_json) {
        (Some(f), _) => BlockFormat::Known(*format.insert(f)),
        (None, None) => {
            for &(line, bytes) in lines {
                result.absorb(file, line, Err(unreadable_line(bytes, line, options)));
            }
            BlockFormat::NoneHere
        }
        (None, Some(first)) => {
            let detail = sniff_format(&first).err().unwrap_or_default();
            result.of_no_format(file, Some(&first), detail);
            BlockFormat::Unknown
        }
    }
}

/// Takes in a parsed block: its events counted, each record's outcome.
pub(super) fn absorb_block(parsed: ParsedBlock, file: &Arc<str>, result: &mut FileResult) {
    let (outcomes, pushed) = parsed;
    result.absorb_pushed(pushed);
    for (line, outcome) in outcomes {
        result.absorb(file, line, outcome);
    }
}

/// A block's lines, each parsed (its events taken out), and how many events
/// went to the sink or why it refused them.
pub(super) type ParsedBlock = (Vec<(u32, Result<RecordOutput, RecordError>)>, Result<u64>);

/// Parses a block's lines in parallel and hands their events to the sink,
/// line by line in input order, from the thread that parsed the block.
pub(super) fn parse_block(
    lines: &[(u32, &[u8])],
    format: &'static dyn Format,
    file: &Arc<str>,
    file_index: u32,
    options: &IngestOptions,
    sink: &dyn EventSink,
) -> ParsedBlock {
    let mut outcomes: Vec<(u32, Result<RecordOutput, RecordError>)> = lines
        .par_iter()
        .map(|&(line, bytes)| {
            if bytes.len() > options.max_record_bytes {
                return (line, Err(unreadable_line(bytes, line, options)));
            }
            let ctx = record_ctx(format, file, file_index, line, options);
            let outcome = match parse_record(format, bytes, &ctx) {
                // A format forced with --format is kept for every line.
                Err(error) if error.reason == UNRECOGNIZED_RECORD && options.format.is_none() => {
                    resniffed(bytes, format, file, file_index, line, options)
                        .unwrap_or_else(|| Err(of_no_format(error, format)))
                }
                outcome => outcome,
            };
            (line, outcome)
        })
        .collect();
    let records: Vec<_> = outcomes
        .iter_mut()
        .filter_map(|(_, outcome)| outcome.as_mut().ok())
        .map(|output| std::mem::take(&mut output.events))
        .filter(|events| !events.is_empty())
        .collect();
    let count = records.iter().map(Vec::len).sum::<usize>() as u64;
    let pushed = sink.push(records).map(|()| count);
    (outcomes, pushed)
}

/// A line its file's format does not recognize, read as the format it is
/// of, if it is of another known one: JSON Lines files mix records (a
/// Collector file exporter in several pipelines, logs appended to
/// exports), so each line is recognized on its own.
fn resniffed(
    bytes: &[u8],
    format: &'static dyn Format,
    file: &Arc<str>,
    file_index: u32,
    line: u32,
    options: &IngestOptions,
) -> Option<Result<RecordOutput, RecordError>> {
    let value: Value = serde_json::from_slice(bytes).ok()?;
    let other = sniff_format(&value).ok()?;
    if other.name() == format.name() {
        return None;
    }
    let ctx = record_ctx(other, file, file_index, line, options);
    Some(parse_record(other, bytes, &ctx))
}

/// A line that no format recognizes: what its file's format saw, and that
/// no other format knows it either.
fn of_no_format(error: RecordError, format: &dyn Format) -> RecordError {
    RecordError {
        detail: format!(
            "no known format recognizes this line (as {}: {})",
            format.name(),
            error.detail
        ),
        ..error
    }
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
    match parse_json::<Value>(bytes, line) {
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
