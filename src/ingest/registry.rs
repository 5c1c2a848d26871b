//! The format registry: every container format, one line each, in the order
//! sniffing tries them, and the lookups by name and by content.

use serde_json::Value;

use super::format::Format;
use super::formats::{
    ag2_runtime_log, ag2_sqlite, agentchat, autogen_core_events, chat_history, crewai_log,
    jaeger_json, js_span_dump, langfuse, langgraph_debug, langsmith, mast_record, openai_agents,
    openai_agents_console, otlp_json, otlp_proto, phoenix, python_span_dump, smolagents_memory,
    span_tree, trail_annotations, zipkin_json,
};
use crate::event::Event;

/// Most specific first: sniffing takes the first that matches.
pub static FORMATS: &[&dyn Format] = &[
    &otlp_json::OtlpJson,
    &otlp_proto::OtlpProto,
    &jaeger_json::JaegerJson,
    &zipkin_json::ZipkinJson,
    &span_tree::SpanTree,
    &phoenix::Phoenix,
    &python_span_dump::PythonSpanDump,
    &js_span_dump::JsSpanDump,
    &langsmith::LangSmith,
    &openai_agents::OpenAiAgents,
    &langgraph_debug::LangGraphDebug,
    &langfuse::Langfuse,
    &mast_record::MastRecord,
    &agentchat::AgentChat,
    &autogen_core_events::AutogenCoreEvents,
    &smolagents_memory::SmolagentsMemory,
    &chat_history::ChatHistory,
    &trail_annotations::TrailAnnotations,
    &ag2_runtime_log::Ag2RuntimeLog,
    &ag2_sqlite::Ag2Sqlite,
    &crewai_log::CrewAiLog,
    &openai_agents_console::OpenAiAgentsConsole,
];

pub fn by_name(name: &str) -> Option<&'static dyn Format> {
    FORMATS.iter().copied().find(|f| f.name() == name)
}

pub fn sniff(record: &Value) -> Option<&'static dyn Format> {
    FORMATS.iter().copied().find(|f| f.sniff(record))
}

/// The text format whose files start with `first_line`, if any.
pub fn sniff_text(first_line: &[u8]) -> Option<&'static dyn Format> {
    FORMATS.iter().copied().find(|f| f.sniff_text(first_line))
}

/// The text format that recognizes one of `lines` after a preamble, if any.
pub fn sniff_text_after_preamble<'l>(
    mut lines: impl Iterator<Item = &'l [u8]>,
) -> Option<&'static dyn Format> {
    lines.find_map(|line| {
        FORMATS
            .iter()
            .copied()
            .find(|f| f.sniff_text_after_preamble(line))
    })
}

/// The binary format of a file that starts with `head`, if any; a file
/// named as binary (`named_binary`) is of the first binary format.
pub fn sniff_binary(head: &[u8], named_binary: bool) -> Option<&'static dyn Format> {
    FORMATS
        .iter()
        .copied()
        .find(|f| f.sniff_binary(head) || (named_binary && f.is_binary()))
}

/// Every format's name, in registry order.
pub fn names() -> Vec<&'static str> {
    FORMATS.iter().map(|f| f.name()).collect()
}

/// Lets the format of an assembled trace complete it, when the whole trace
/// comes from one format: the hook `assemble` is given.
pub fn finish_trace(events: &mut [&mut Event]) {
    let Some(first) = events.first() else {
        return;
    };
    let format = first.source_format;
    if events.iter().all(|e| e.source_format == format) {
        if let Some(adapter) = by_name(format) {
            adapter.finish_trace(events);
        }
    }
}
