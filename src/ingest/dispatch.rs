//! Per-record dispatch: the format of a file from its first record, and one
//! record through its format's adapter.

use serde_json::Value;
use std::sync::Arc;

use super::format::Format;
use super::options::IngestOptions;
use super::record::{RecordCtx, RecordError, RecordOutput};
use super::registry;

/// How a skip says that a file is not a trace of any format tracelint reads.
pub const NOT_A_TRACE: &str = "not a recognised trace format";

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
            "{}: the first record is {seen}; formats tried: {} (use --format to force one)",
            NOT_A_TRACE,
            registry::names().join(", ")
        )
    })
}

/// What a file beside trace exports holds when it holds no steps of a run
/// (tracelint's own report files; Langfuse's traces and scores exports
/// beside its observations; Phoenix's span evaluations): such a file is set
/// aside as another signal, said in the summary, not a skipped record, so
/// an export folder passes `--strict`. Told by its first record (a table's
/// empty cells are absent from it).
pub fn companion_of(first_record: &Value) -> Option<&'static str> {
    let record = match first_record {
        Value::Array(items) => items.first()?,
        other => other,
    };
    let has = |k: &str| record.get(k).is_some();
    let any = |ks: &[&str]| ks.iter().any(|k| has(k));
    let span_id = has("span_id")
        || record
            .get("context")
            .is_some_and(|c| c.get("span_id").is_some());
    if (has("schema_version")
        && record
            .get("summary")
            .is_some_and(|s| s.get("records_read").is_some()))
        || (has("detector") && has("mast_mode") && has("confidence"))
        || (has("trace_id") && has("llm_calls") && has("handoffs") && has("tool_calls"))
        // A baseline; a SARIF log; a GitLab code-quality issue.
        || (has("version") && has("fingerprints"))
        || (has("runs") && record.get("version").and_then(Value::as_str) == Some("2.1.0"))
        || (has("check_name") && has("fingerprint") && has("location"))
    {
        Some(TRACELINT_OUTPUTS)
    } else if any(&["data_type", "dataType"]) && has("value") && any(&["trace_id", "traceId"]) {
        Some("Langfuse score files (set aside: scores, not steps)")
    } else if has("bookmarked") && has("public") && !has("type") {
        Some("Langfuse trace files without observations (set aside: export observations to read the steps)")
    } else if span_id && has("explanation") && any(&["label", "score"]) {
        Some("Phoenix span evaluation files (set aside: evaluations, not steps)")
    } else {
        None
    }
}

/// `companion_of`'s name for tracelint's own report and store files.
const TRACELINT_OUTPUTS: &str = "tracelint's own output files (set aside)";

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
