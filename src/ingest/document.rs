//! Reading a file that is one JSON document (or several concatenated, as
//! Python's console exporter prints them): record by record, the format
//! sniffed from the first, and read again repaired when it carries a known
//! defect of a format's published files.

use serde::de::IgnoredAny;
use std::sync::Arc;

use super::dispatch::{parse_record, record_ctx, sniff_format};
use super::file_result::FileResult;
use super::format::Format;
use super::framing::LineCounter;
use super::json::{json_error, JsonDefect};
use super::options::IngestOptions;
use crate::accounting::Location;

/// Whether a document is read as it is, or after a known defect was
/// repaired (this many times) for a format whose published files carry it.
#[derive(Clone, Copy, PartialEq)]
pub enum Repairs {
    AsIs,
    Made(JsonDefect, usize),
}

pub fn read_document(
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
    let mut lines = LineCounter::new(bytes);
    loop {
        let next = values.next();
        let end = values.byte_offset();
        let record_start = start
            + bytes[start..end]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        let line = lines.line_at(record_start);
        match next {
            None => break,
            Some(Err(error)) => {
                // Stream positions count from the start of the input.
                let error = json_error(&error, bytes, 1);
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
                    None => {
                        let value = serde_json::from_slice::<serde_json::Value>(record);
                        let sniffed = match &value {
                            Ok(value) => sniff_format(value),
                            Err(e) => Err(e.to_string()),
                        };
                        match sniffed {
                            Ok(f) => {
                                if !accepts_repairs(f, repairs, file, result) {
                                    return;
                                }
                                *format.insert(f)
                            }
                            Err(detail) => {
                                result.of_no_format(file, value.as_ref().ok(), detail);
                                return;
                            }
                        }
                    }
                };
                result.format = Some(format.name());
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
