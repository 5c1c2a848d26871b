//! Tables: Parquet and CSV files whose rows are records of a known format,
//! as observability tools' bulk exports and notebooks save spans: Phoenix's
//! span dataframe (`get_spans_dataframe()` saved with pandas' `to_parquet`
//! or `to_csv`, FORMATS.md §3.3), Langfuse's CSV exports (§3.6),
//! LangSmith's bulk export to Parquet (§3.5). A row becomes the JSON record
//! the same tool's JSON export holds and is read by that format's reader;
//! the format is sniffed from the first rows as a JSON file's is from its
//! keys, so a table of any format tracelint reads as JSON is read.
//!
//! - A column `a.b.c` is the key `b.c` of the object `a` (`context.span_id`,
//!   `attributes.llm.model_name`); a list or map in such a cell is spread
//!   into the dotted keys the JSON export uses (`attributes.llm.
//!   input_messages` = `[{'message.role': 'user'}]` → `llm.input_messages.
//!   0.message.role`).
//! - An empty or null cell is absent; a column with no name (pandas'
//!   unnamed index) is dropped.
//! - A CSV cell is its text, except a list, tuple or dict that pandas wrote
//!   as a Python literal (`values::python_literal`), which is that value,
//!   and a JSON string literal (`"2024-05-29T13:46:19.963Z"` with its
//!   quotes, as Langfuse's UI export writes dates), which is its string:
//!   ids keep their digits and JSON text stays the string it was. CSV is
//!   read with the `csv` crate rather than Polars, whose type inference
//!   would turn digit-only ids into numbers.
//! - Parquet cells keep their types (read with Polars); timestamps become
//!   RFC 3339 text in UTC, binary cells their UTF-8 text.
//!
//! Accounting: every row is a record. A CSV row's problems are placed at
//! the line it starts on; a Parquet row's number (from 1) stands in the
//! place of a line (`file.parquet:3` is its third row). A row that cannot
//! be made a record is skipped with its reason.

use anyhow::Result;
use polars::prelude::{AnyValue, Column, ParquetReader, SerReader, TimeUnit};
use serde_json::{Map, Value};
use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::Arc;

use super::file_result::FileResult;
use super::lines::{absorb_block, block_format, parse_block, BlockFormat};
use super::options::IngestOptions;
use super::record::RecordError;
use super::sink::EventSink;
use super::source::content_extension;
use super::values::python_literal;
use crate::accounting::Location;
use crate::event::format_timestamp_ns;

/// Rows parsed together (in parallel) and handed to the sink at once.
const ROWS_PER_BLOCK: usize = 2048;

/// Columns that name a row format's record: a CSV file not named `.csv`
/// whose header has one of them is read as a table. (Phoenix's
/// `context.span_id`, LangSmith's `run_type`, Langfuse's observation
/// parents, and span ids in general.)
const KEY_COLUMNS: [&str; 9] = [
    "context.span_id",
    "context.trace_id",
    "span_id",
    "trace_id",
    "traceId",
    "run_type",
    "parent_run_id",
    "parent_observation_id",
    "parentObservationId",
];

/// Whether a file's first bytes are Parquet's magic number.
pub fn is_parquet(head: &[u8]) -> bool {
    head.starts_with(b"PAR1")
}

/// The delimiter of a CSV table: a file named `.csv` (`,`, or `;` when
/// its header has more of them) or `.tsv` (tab), compressed or not, or one
/// whose first line is a header naming a column of `KEY_COLUMNS`.
pub fn csv_delimiter(name: &str, first_line: &[u8]) -> Option<u8> {
    let count = |d: u8| first_line.iter().filter(|&&b| b == d).count();
    match content_extension(Path::new(name)).as_str() {
        // Spreadsheets in many locales save CSV with semicolons.
        "csv" if count(b';') > count(b',') => return Some(b';'),
        "csv" => return Some(b','),
        "tsv" => return Some(b'\t'),
        _ => {}
    }
    [b',', b'\t', b';'].into_iter().find(|&delimiter| {
        first_line
            .split(|&b| b == delimiter)
            .map(|field| {
                String::from_utf8_lossy(field)
                    .trim()
                    .trim_matches('"')
                    .to_string()
            })
            .any(|field| KEY_COLUMNS.contains(&field.as_str()))
    })
}

/// Where a column's cells go in a row's record.
enum Target {
    /// A top-level key.
    Key(String),
    /// Key `rest` of the object `parent` (a column `parent.rest`).
    Nested(String, String),
    /// Not kept (a column with no name).
    Dropped,
}

impl Target {
    fn of(column: &str) -> Target {
        match column.split_once('.') {
            _ if column.trim().is_empty() => Target::Dropped,
            Some((parent, rest)) if !parent.is_empty() && !rest.is_empty() => {
                Target::Nested(parent.to_string(), rest.to_string())
            }
            _ => Target::Key(column.to_string()),
        }
    }
}

/// A row's record: each present cell put where its column says.
fn row_record(targets: &[Target], cells: Vec<Option<Value>>) -> Value {
    let mut record = Map::new();
    for (target, cell) in targets.iter().zip(cells) {
        let Some(value) = cell else { continue };
        match target {
            Target::Dropped => {}
            Target::Key(key) => {
                record.insert(key.clone(), value);
            }
            Target::Nested(parent, rest) => {
                let entry = record
                    .entry(parent.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(object) = entry {
                    spread(object, rest.clone(), value);
                }
            }
        }
    }
    Value::Object(record)
}

/// `value` under `key` of a flat dotted object: lists and maps spread into
/// `key.0`, `key.name`, ... down to their scalars.
fn spread(object: &mut Map<String, Value>, key: String, value: Value) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                spread(object, format!("{key}.{k}"), v);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, v) in items.into_iter().enumerate() {
                spread(object, format!("{key}.{i}"), v);
            }
        }
        Value::Null => {}
        scalar => {
            object.insert(key, scalar);
        }
    }
}

/// Reads a Parquet table's rows as records.
pub fn read_parquet(
    bytes: Vec<u8>,
    file: &Arc<str>,
    file_index: u32,
    options: &IngestOptions,
    sink: &dyn EventSink,
    result: &mut FileResult,
) {
    let frame = match ParquetReader::new(Cursor::new(bytes)).finish() {
        Ok(frame) => frame,
        Err(error) => {
            let detail = format!("not a readable Parquet file: {error}");
            result.skip(file, Location::File, "unreadable_file", detail);
            return;
        }
    };
    let columns = frame.columns();
    let targets: Vec<Target> = columns.iter().map(|c| Target::of(c.name())).collect();
    let mut format = options.format;
    let mut start = 0;
    while start < frame.height() && result.sink_error.is_none() {
        let end = (start + ROWS_PER_BLOCK).min(frame.height());
        let rows: Vec<(u32, Vec<u8>)> = (start..end)
            .map(|row| {
                let cells = columns.iter().map(|c| parquet_cell(c, row)).collect();
                (
                    row as u32 + 1,
                    row_record(&targets, cells).to_string().into_bytes(),
                )
            })
            .collect();
        let known = read_rows(&rows, &mut format, file, file_index, options, sink, result);
        if !known {
            break;
        }
        start = end;
    }
    if result
        .diagnostics
        .iter()
        .any(|d| d.reason == "unknown_format")
        && columns.iter().any(|c| c.name() == "source_format")
    {
        let note = "; this looks like tracelint's own store or report: read a store with --store";
        for diagnostic in &mut result.diagnostics {
            if diagnostic.reason == "unknown_format" {
                diagnostic.detail.push_str(note);
            }
        }
    }
}

/// Reads a CSV table's rows as records, block by block as they are read.
pub fn read_csv(
    reader: impl Read,
    delimiter: u8,
    file: &Arc<str>,
    file_index: u32,
    options: &IngestOptions,
    sink: &dyn EventSink,
    result: &mut FileResult,
) -> Result<()> {
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(reader);
    let header: Vec<String> = csv
        .byte_headers()?
        .iter()
        .map(|h| String::from_utf8_lossy(h).into_owned())
        .collect();
    let targets: Vec<Target> = header.iter().map(|h| Target::of(h)).collect();
    let mut format = options.format;
    let mut rows: Vec<(u32, Vec<u8>)> = Vec::with_capacity(ROWS_PER_BLOCK);
    let mut record = csv::ByteRecord::new();
    loop {
        // Where the next record starts.
        let line = csv.position().line() as u32;
        let more = match csv.read_byte_record(&mut record) {
            Ok(more) => more,
            Err(error) => {
                let at = error.position().map_or(line, |p| p.line() as u32);
                let detail = format!("not a CSV row: {error}");
                result.absorb(file, at, Err(row_error("malformed_row", detail, at)));
                // The reader resumes at the next record after an error,
                // except at an I/O error, which ends the input.
                if matches!(error.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        };
        if more {
            let line = record.position().map_or(line, |p| p.line() as u32);
            if record.len() != header.len() {
                let detail = format!(
                    "the row has {} fields and the header {}",
                    record.len(),
                    header.len()
                );
                result.absorb(file, line, Err(row_error("malformed_row", detail, line)));
            } else {
                let cells = record.iter().map(csv_cell).collect();
                rows.push((line, row_record(&targets, cells).to_string().into_bytes()));
            }
        }
        if rows.len() == ROWS_PER_BLOCK || (!more && !rows.is_empty()) {
            let known = read_rows(&rows, &mut format, file, file_index, options, sink, result);
            rows.clear();
            if !known || result.sink_error.is_some() {
                break;
            }
        }
        if !more {
            break;
        }
    }
    Ok(())
}

fn row_error(reason: &'static str, detail: String, line: u32) -> RecordError {
    RecordError {
        reason,
        detail,
        line: Some(line),
    }
}

/// Parses a block of rows' records; false once the table's format is
/// known to be none (the input was skipped).
fn read_rows(
    rows: &[(u32, Vec<u8>)],
    format: &mut Option<&'static dyn super::format::Format>,
    file: &Arc<str>,
    file_index: u32,
    options: &IngestOptions,
    sink: &dyn EventSink,
    result: &mut FileResult,
) -> bool {
    let records: Vec<(u32, &[u8])> = rows.iter().map(|(n, r)| (*n, r.as_slice())).collect();
    let known = match block_format(&records, format, file, options, result) {
        BlockFormat::Known(f) => f,
        BlockFormat::NoneHere => return true,
        BlockFormat::Unknown => return false,
    };
    result.format = Some(known.name());
    absorb_block(
        parse_block(&records, known, file, file_index, options, sink),
        file,
        result,
    );
    true
}

/// A CSV cell: absent when empty, a Python literal container as its value,
/// anything else its text.
fn csv_cell(bytes: &[u8]) -> Option<Value> {
    if bytes.is_empty() {
        return None;
    }
    let text = String::from_utf8_lossy(bytes);
    // A JSON string literal is its string: Langfuse's CSV writes dates
    // (and, in early 2026, every string) through JSON.stringify.
    if text.len() >= 2 && text.starts_with('"') && text.ends_with('"') {
        if let Ok(inner) = serde_json::from_str::<String>(&text) {
            return (!inner.is_empty()).then_some(Value::String(inner));
        }
    }
    let trimmed = text.trim_start();
    if matches!(trimmed.as_bytes().first(), Some(b'[' | b'{' | b'('))
        && serde_json::from_str::<serde::de::IgnoredAny>(trimmed).is_err()
    {
        if let Some(value) = python_literal(trimmed) {
            return Some(value);
        }
    }
    Some(Value::String(text.into_owned()))
}

/// A Parquet cell as JSON; absent when null.
fn parquet_cell(column: &Column, row: usize) -> Option<Value> {
    match any_json(column.get(row).ok()?) {
        Value::Null => None,
        value => Some(value),
    }
}

fn any_json(value: AnyValue) -> Value {
    use AnyValue as A;
    match value {
        A::Null => Value::Null,
        A::Boolean(b) => Value::Bool(b),
        A::UInt8(n) => Value::from(n),
        A::UInt16(n) => Value::from(n),
        A::UInt32(n) => Value::from(n),
        A::UInt64(n) => Value::from(n),
        A::Int8(n) => Value::from(n),
        A::Int16(n) => Value::from(n),
        A::Int32(n) => Value::from(n),
        A::Int64(n) => Value::from(n),
        A::Int128(n) => i64::try_from(n).map_or_else(|_| Value::from(n.to_string()), Value::from),
        A::UInt128(n) => u64::try_from(n).map_or_else(|_| Value::from(n.to_string()), Value::from),
        A::Float16(_) | A::Float32(_) | A::Float64(_) => value
            .extract::<f64>()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        A::Date(days) => {
            let text = format_timestamp_ns(i64::from(days) * 86_400_000_000_000);
            Value::from(&text[..10])
        }
        A::Datetime(v, unit, _) | A::DatetimeOwned(v, unit, _) => {
            let ns = match unit {
                TimeUnit::Nanoseconds => Some(v),
                TimeUnit::Microseconds => v.checked_mul(1_000),
                TimeUnit::Milliseconds => v.checked_mul(1_000_000),
            };
            ns.map_or(Value::Null, |ns| Value::from(format_timestamp_ns(ns)))
        }
        A::List(series) => Value::Array(series.iter().map(any_json).collect()),
        A::Struct(..) => {
            let A::Struct(_, _, fields) = value else {
                unreachable!()
            };
            let values: Vec<AnyValue> = value._iter_struct_av().collect();
            struct_json(fields.iter().map(|f| f.name().as_str()), values)
        }
        A::StructOwned(pair) => {
            let (values, fields) = *pair;
            struct_json(fields.iter().map(|f| f.name().as_str()), values)
        }
        A::Binary(bytes) => Value::from(String::from_utf8_lossy(bytes).into_owned()),
        A::BinaryOwned(bytes) => Value::from(String::from_utf8_lossy(&bytes).into_owned()),
        other => match other.get_str() {
            Some(text) => Value::from(text),
            None => Value::from(other.to_string()),
        },
    }
}

fn struct_json<'a>(names: impl Iterator<Item = &'a str>, values: Vec<AnyValue>) -> Value {
    Value::Object(
        names
            .zip(values)
            .map(|(name, value)| (name.to_string(), any_json(value)))
            .filter(|(_, value)| !value.is_null())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_become_the_json_export_keys() {
        let targets: Vec<Target> = [
            "",
            "name",
            "context.span_id",
            "attributes.llm.input_messages",
        ]
        .iter()
        .map(|c| Target::of(c))
        .collect();
        let cells = vec![
            Some(Value::from("0")),
            Some(Value::from("chat")),
            Some(Value::from("00ab")),
            python_literal("[{'message.role': 'user', 'message.content': 'hi'}]"),
        ];
        assert_eq!(
            row_record(&targets, cells),
            serde_json::json!({
                "name": "chat",
                "context": {"span_id": "00ab"},
                "attributes": {
                    "llm.input_messages.0.message.role": "user",
                    "llm.input_messages.0.message.content": "hi"
                }
            })
        );
    }

    #[test]
    fn csv_cells_keep_text_and_read_python_literals() {
        assert_eq!(csv_cell(b""), None);
        assert_eq!(csv_cell(b"0012"), Some(Value::from("0012")));
        assert_eq!(csv_cell(br#"{"a": 1}"#), Some(Value::from(r#"{"a": 1}"#)));
        assert_eq!(
            csv_cell(b"[{'name': 'exception', 'attributes': {'exception.message': 'x'}}]"),
            Some(
                serde_json::json!([{"name": "exception", "attributes": {"exception.message": "x"}}])
            )
        );
        assert_eq!(csv_cell(b"[not python"), Some(Value::from("[not python")));
        assert_eq!(
            csv_cell(br#""2024-05-29T13:46:19.963Z""#),
            Some(Value::from("2024-05-29T13:46:19.963Z"))
        );
    }

    #[test]
    fn csv_is_named_or_told_by_its_header() {
        assert_eq!(csv_delimiter("spans.CSV", b"a,b"), Some(b','));
        assert_eq!(csv_delimiter("spans.tsv.gz", b"a\tb"), Some(b'\t'));
        assert_eq!(csv_delimiter("export", b"id,trace_id,type"), Some(b','));
        assert_eq!(
            csv_delimiter("export", b"\"context.span_id\"\tname"),
            Some(b'\t')
        );
        assert_eq!(csv_delimiter("notes.txt", b"hello, world"), None);
        assert_eq!(
            csv_delimiter("excel.csv", b"id;trace_id;name, first"),
            Some(b';')
        );
    }
}
