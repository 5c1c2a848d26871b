//! Attribute dialects: the vocabularies that OTLP-family containers carry.
//! Each dialect is one file holding one `Dialect` table (`table.rs`): which
//! keys give which fact; the first dialect to give a fact wins, in the
//! order of `read.rs`. The event kind follows the precedence of FORMATS.md
//! §4 (Langfuse's mapper). Content written as span events or log records is
//! read by `events.rs`.

mod adk;
mod events;
mod facts;
mod gen_ai;
mod handoff_tools;
mod mcp;
mod messages;
mod names;
mod openinference;
mod pydantic_ai;
mod read;
mod strands;
mod table;
mod traceloop;
mod vercel_ai;

pub use events::{content_events_of, content_of, is_content_event, EventContent, SpanEvent};
pub use facts::{is_placeholder_agent, SpanFacts};
pub use handoff_tools::{handoff_target_of_tool, tool_spelling, HandoffTool};
pub use messages::{message_text, messages_text, output_items_text, output_value_text};
pub use names::handoff_target_from_name;
pub use read::read_span;
