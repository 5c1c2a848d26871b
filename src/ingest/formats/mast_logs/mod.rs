//! Text dialects of the raw framework logs that MAST-Data records carry,
//! chosen by the record's `mas_name` (FORMATS.md §3.12). A log no dialect
//! reads becomes one message event holding its text, so the trace and its
//! labels are still there; the ingest report counts such records.

mod chatdev;
mod console_blocks;
mod hyperagent;
mod read;

pub use read::{read, Reading};
