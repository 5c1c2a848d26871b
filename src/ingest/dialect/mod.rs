//! Attribute dialects: the vocabularies that OTLP-family containers carry.
//! Each dialect is one file that reads its own keys into `SpanFacts`; the
//! first dialect to give a fact wins, in the order of `DIALECTS`. The event
//! kind follows the precedence of FORMATS.md §4 (Langfuse's mapper).

mod facts;
mod gen_ai;
mod messages;
mod names;
mod openinference;
mod read;
mod traceloop;
mod vercel_ai;

pub use facts::{is_placeholder_agent, SpanFacts};
pub use messages::{messages_text, output_items_text, output_value_text};
pub use names::handoff_target_from_name;
pub use read::read_span;
