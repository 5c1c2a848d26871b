//! TRAIL's human annotations (Patronus AI, `processed_annotations_*/<trace
//! id>.json`): `{"errors": [{category, location (a span id), evidence,
//! description, impact}], "scores": [{..._score, overall}]}`. They are
//! labels only: read into the labels table, keyed by trace and span, and
//! never turned into events. One published file has a trailing comma; this
//! format drops it.

use serde_json::Value;

use crate::ingest::format::Format;
use crate::ingest::json::{parse_json, JsonDefect};
use crate::ingest::record::{RecordCtx, RecordError, RecordOutput};
use crate::ingest::values::{normalize_hex_id, scalar_text};
use crate::labels::{Label, DETAIL_CHARS};
use crate::text;

pub struct TrailAnnotations;

impl Format for TrailAnnotations {
    fn name(&self) -> &'static str {
        "trail_annotations"
    }

    fn describe(&self) -> &'static str {
        "TRAIL human annotations {errors: [{category, location, evidence, description, impact}], scores} (labels only)"
    }

    fn sniff(&self, record: &Value) -> bool {
        let errors = record.get("errors").and_then(Value::as_array);
        errors.is_some_and(|e| {
            e.first().map_or(record.get("scores").is_some(), |first| {
                first.get("category").is_some() && first.get("location").is_some()
            })
        })
    }

    fn tolerates(&self, defect: JsonDefect) -> bool {
        defect == JsonDefect::TrailingComma
    }

    fn parse(
        &self,
        record: &[u8],
        ctx: &RecordCtx,
        out: &mut RecordOutput,
    ) -> Result<(), RecordError> {
        let doc: Value = parse_json(record, ctx.line)?;
        // The file is named after the trace; some files repeat it inside.
        let trace_id = doc
            .get("trace_id")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| {
                std::path::Path::new(&*ctx.file)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
            })
            .unwrap_or_default();
        let label = |scheme: &str, category: String, verdict: String| {
            Label::verdict(&trace_id, "trail", scheme, &category, verdict, &ctx.file)
        };
        for error in doc
            .get("errors")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let field = |k: &str| error.get(k).and_then(scalar_text);
            let mut error_label = label(
                "TRAIL",
                field("category").unwrap_or_default(),
                field("impact").unwrap_or_default(),
            );
            error_label.span_id = field("location").as_deref().and_then(normalize_hex_id);
            error_label.detail = field("description")
                .or_else(|| field("evidence"))
                .map(|d| text::excerpt(&d, DETAIL_CHARS));
            out.labels.push(error_label);
        }
        for scores in doc
            .get("scores")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for (key, value) in scores.as_object().into_iter().flatten() {
                if key.ends_with("_score") || key == "overall" {
                    let verdict = scalar_text(value).unwrap_or_default();
                    out.labels.push(label("TRAIL-scores", key.clone(), verdict));
                }
            }
        }
        Ok(())
    }
}
