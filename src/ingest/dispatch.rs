//! Per-record dispatch: the format of a file from its first record, and one
//! record through its format's adapter.

use serde_json::Value;
use std::sync::Arc;

use super::format::Format;
use super::options::IngestOptions;
use super::record::{RecordCtx, RecordError, RecordOutput};
use super::registry;

/// The format of a file, sniffed from its first JSON record; the error
/// says what was seen and which formats exist.
pub fn sniff_format(first_record: &Value) -> Result<&'static dyn Format, String> {
    registry::sniff(first_record).ok_or_else(|| {
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
            registry::names().join(", ")
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

pub fn record_ctx(
    format: &'static dyn Format,
    file: &Arc<str>,
    file_index: u32,
    line: u32,
    options: &IngestOptions,
) -> RecordCtx {
    RecordCtx {
        source_format: format.name(),
        file: file.clone(),
        file_index,
        line,
        excerpt_chars: options.excerpt_chars,
    }
}

pub fn parse_record(
    format: &dyn Format,
    record: &[u8],
    ctx: &RecordCtx,
) -> Result<RecordOutput, RecordError> {
    let mut output = RecordOutput::starting_at(ctx.line);
    format.parse(record, ctx, &mut output)?;
    Ok(output)
}
