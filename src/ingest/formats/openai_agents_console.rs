//! The OpenAI Agents SDK's `ConsoleSpanExporter` output (FORMATS.md §3.7;
//! openai/openai-agents-python src/agents/tracing/processors.py): what a
//! program prints when it traces to the console, saved as a text file.
//!
//! - `[Exporter] Export trace_id=<id>, name=<workflow name>` per trace;
//! - `[Exporter] Export span: <dict>` per span, the dict being the Python
//!   repr of `span.export()` (single quotes, `None`), read as a Python
//!   literal (`values::python_literal`) and then as the native export's
//!   span item (`openai_agents`);
//! - `[Exporter] Export span. Span data is redacted.` (and the same of a
//!   trace): what the SDK prints by default since 0.19, when either
//!   `OPENAI_AGENTS_DONT_LOG_MODEL_DATA` or `OPENAI_AGENTS_DONT_LOG_TOOL_DATA`
//!   is not set to false. Nothing of such a span can be seen: each is
//!   skipped as `redacted_by_exporter`, so the run is reported, not passed.
//!
//! Other lines are the program's own output and are passed over, as is a
//! prefix before `[Exporter]` on a line (a timestamp of `docker logs -t`, a
//! logging format, a colour code). The file is recognized by its first line,
//! or by one of its first lines after the program's own output.

use regex::Regex;
use serde_json::{json, Value};
use std::borrow::Cow;
use std::sync::LazyLock;

use super::openai_agents::read_item;
use crate::ingest::format::Format;
use crate::ingest::record::{RecordCtx, RecordError, RecordOutput};
use crate::ingest::values::python_literal;

pub struct OpenAiAgentsConsole;

const EXPORTER: &str = "[Exporter] Export";
const SPAN: &str = "[Exporter] Export span: ";
const TRACE: &str = "[Exporter] Export trace_id=";
const REDACTED: &str = "data is redacted.";

/// ANSI colour and style codes (`ESC [ 32 m`), as a terminal capture keeps them.
static ANSI: LazyLock<Regex> = LazyLock::new(|| Regex::new("\x1b\\[[0-9;]*[A-Za-z]").unwrap());

fn without_colour(line: &str) -> Cow<'_, str> {
    if line.contains('\x1b') {
        ANSI.replace_all(line, "")
    } else {
        Cow::Borrowed(line)
    }
}

impl Format for OpenAiAgentsConsole {
    fn name(&self) -> &'static str {
        "openai_agents_console"
    }

    fn describe(&self) -> &'static str {
        "OpenAI Agents SDK ConsoleSpanExporter output: [Exporter] Export span: {Python dict} lines"
    }

    fn sniff(&self, _record: &Value) -> bool {
        false
    }

    fn sniff_text(&self, first_line: &[u8]) -> bool {
        first_line.starts_with(EXPORTER.as_bytes())
    }

    /// A line of the exporter after a log prefix: a span line ending with
    /// its dict's `}`, or a trace line naming an SDK trace id — not a
    /// document that merely quotes the words (this README's format table).
    fn sniff_text_after_preamble(&self, line: &[u8]) -> bool {
        let Some(at) = memchr::memmem::find(line, EXPORTER.as_bytes()) else {
            return false;
        };
        let rest = line[at..].trim_ascii_end();
        (rest.starts_with(SPAN.as_bytes()) && rest.ends_with(b"}"))
            || rest.starts_with(format!("{TRACE}trace_").as_bytes())
    }

    fn parse(
        &self,
        record: &[u8],
        ctx: &RecordCtx,
        out: &mut RecordOutput,
    ) -> Result<(), RecordError> {
        let text = RecordError::text_of(record)?;
        for (index, line) in text.lines().enumerate() {
            let number = ctx.line + index as u32;
            // A log prefix (a timestamp, a logger name, a colour code)
            // may stand before the exporter's words.
            let line = without_colour(line);
            let line = match line.find(EXPORTER) {
                Some(at) => line[at..].trim_end(),
                None => continue,
            };
            let item = if let Some(dict) = line.strip_prefix(SPAN) {
                match python_literal(dict) {
                    Some(item) => item,
                    None => {
                        let detail = "the span is not a Python literal (a value printed with a repr that cannot be read back)";
                        out.skip(number, "malformed_record", detail.to_string());
                        continue;
                    }
                }
            } else if let Some(rest) = line.strip_prefix(TRACE) {
                let (id, name) = rest.split_once(", name=").unwrap_or((rest, ""));
                json!({"object": "trace", "id": id.trim(), "workflow_name": name.trim()})
            } else if line.starts_with(EXPORTER) && line.ends_with(REDACTED) {
                let detail = "the SDK printed no data for this item: set OPENAI_AGENTS_DONT_LOG_MODEL_DATA=false and OPENAI_AGENTS_DONT_LOG_TOOL_DATA=false to print spans";
                out.skip(number, "redacted_by_exporter", detail.to_string());
                continue;
            } else {
                continue;
            };
            let line_ctx = RecordCtx {
                source_format: ctx.source_format,
                file: ctx.file.clone(),
                file_index: ctx.file_index,
                line: number,
                excerpt_chars: ctx.excerpt_chars,
            };
            match read_item(&item, &line_ctx) {
                Ok(draft) => draft.emit(&line_ctx, out),
                Err((reason, detail)) => out.skip(number, reason, detail),
            }
        }
        Ok(())
    }
}
