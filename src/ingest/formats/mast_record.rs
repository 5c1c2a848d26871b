//! MAST-Data records (Cemri et al., "Why Do Multi-Agent LLM Systems
//! Fail?"): `{mas_name, benchmark_name, trace_id, trace, mast_annotation}`
//! where `trace` is the system's raw log (a string, or `{key, index,
//! trajectory}` in the full dataset). The log is read by the text dialect
//! of its system (`mast_logs`); AG2 logs are themselves MAST v1 JSON
//! records and are read as chat histories.
//!
//! Labels: `mast_annotation {"1.1": 0|1, …}` (the 14 MAST modes) and, in
//! the human-labelled file, `annotations [{failure mode, annotator_1..3}]`
//! in the taxonomy draft of each round. The published human-labelled file
//! holds bare `NaN` tokens; this format reads them as null.

use serde_json::Value;

use super::chat_history;
use super::mast_logs::{self, Reading};
use crate::ingest::conversation::Conversation;
use crate::ingest::format::Format;
use crate::ingest::json::{parse_json, JsonDefect};
use crate::ingest::record::{RecordCtx, RecordError, RecordOutput};
use crate::ingest::values::{items_of, scalar_text};
use crate::labels::Label;

pub struct MastRecord;

impl Format for MastRecord {
    fn name(&self) -> &'static str {
        "mast_record"
    }

    fn describe(&self) -> &'static str {
        "MAST-Data records {mas_name, trace (raw log), mast_annotation}; ChatDev, Magentic-One and AG2 logs split into messages"
    }

    fn sniff(&self, record: &Value) -> bool {
        items_of(record, &[])
            .first()
            .is_some_and(|r| r.get("mas_name").is_some() && r.get("trace").is_some())
    }

    fn tolerates(&self, defect: JsonDefect) -> bool {
        defect == JsonDefect::BareNan
    }

    fn parse(
        &self,
        record: &[u8],
        ctx: &RecordCtx,
        out: &mut RecordOutput,
    ) -> Result<(), RecordError> {
        let doc: Value = parse_json(record, ctx.line)?;
        for mast in items_of(&doc, &[]) {
            read_record(mast, ctx, out)?;
        }
        Ok(())
    }
}

fn read_record(mast: &Value, ctx: &RecordCtx, out: &mut RecordOutput) -> Result<(), RecordError> {
    let field = |k: &str| mast.get(k).and_then(scalar_text).unwrap_or_default();
    let mas_name = field("mas_name");
    let trace_id = format!(
        "{mas_name}/{}/{}",
        field("benchmark_name"),
        field("trace_id")
    );
    let log = match mast.get("trace") {
        Some(Value::String(text)) => text.as_str(),
        Some(trace) => trace
            .get("trajectory")
            .and_then(Value::as_str)
            .unwrap_or_default(),
        None => "",
    };
    read_labels(mast, &trace_id, ctx, out);

    // AG2 logs in MAST are MAST v1 records: JSON with a list of messages
    // as trajectory (HyperAgent's holds logging lines instead).
    if let Ok(inner @ Value::Object(_)) = serde_json::from_str::<Value>(log) {
        let messages = inner.get("trajectory").and_then(Value::as_array);
        if messages.is_some_and(|m| m.first().is_some_and(chat_history::is_chat_message)) {
            return chat_history::read_chat(&inner, trace_id, ctx, out);
        }
    }
    let mut conversation = Conversation::new(trace_id, ctx, out);
    if mast_logs::read(&mas_name, log, &mut conversation) == Reading::Whole {
        let detail = format!(
            "no text dialect split the {mas_name} log of trace {}: kept as one message",
            conversation.trace_id()
        );
        out.repair(ctx.line, "log_kept_whole", detail);
    }
    Ok(())
}

fn read_labels(mast: &Value, trace_id: &str, ctx: &RecordCtx, out: &mut RecordOutput) {
    let label = |corpus, scheme: &str, category: &str, verdict: String| {
        Label::verdict(trace_id, corpus, scheme, category, verdict, &ctx.file)
    };
    if let Some(modes) = mast.get("mast_annotation").and_then(Value::as_object) {
        for (mode, verdict) in modes {
            let verdict = scalar_text(verdict).unwrap_or_default();
            out.labels.push(label("mast", "MAST-14", mode, verdict));
        }
    }
    let round = mast.get("round").and_then(Value::as_str).unwrap_or("human");
    for annotation in mast
        .get("annotations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(mode) = annotation.get("failure mode").and_then(Value::as_str) else {
            continue;
        };
        // "1.1 Poor task constraint compliance\n\nFailure to adhere ...":
        // the first line names the mode.
        let mode = mode.lines().next().unwrap_or(mode).trim();
        let votes: Vec<String> = ["annotator_1", "annotator_2", "annotator_3"]
            .iter()
            .map(|a| match annotation.get(*a) {
                Some(Value::Bool(b)) => b.to_string(),
                _ => "null".to_string(),
            })
            .collect();
        out.labels
            .push(label("mast_human", round, mode, votes.join(",")));
    }
}
