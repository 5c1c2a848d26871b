//! Container formats: one file each, listed in `registry::FORMATS`. A format
//! recognizes its first record (sniffing) and turns each record, a JSON
//! Lines line or a whole document, into pending events. Adapters import the
//! adapter API (`record`, `format`) and the helpers (`json`, `values`,
//! `time`, `draft`, `span`, `conversation`), never the registry or the
//! driver that calls them.

pub mod ag2_runtime_log;
pub mod ag2_sqlite;
pub mod agentchat;
pub mod autogen_core_events;
pub mod chat_history;
pub mod crewai_log;
pub mod jaeger_json;
pub mod js_span_dump;
pub mod langfuse;
pub mod langgraph_debug;
pub mod langsmith;
mod mast_logs;
pub mod mast_record;
pub mod openai_agents;
pub mod openai_agents_console;
pub mod otlp_json;
pub mod otlp_proto;
pub mod phoenix;
pub mod python_span_dump;
pub mod smolagents_memory;
pub mod span_tree;
pub mod trail_annotations;
pub mod zipkin_json;
