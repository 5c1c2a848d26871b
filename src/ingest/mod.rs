//! Ingest: input files to normalized events. Inputs are read in parallel; a
//! JSON Lines file is read in blocks whose lines are parsed in parallel.
//! Each record goes through its format's adapter and the attribute
//! dialects; the events go to an `EventSink`, and `traces::with_traces`
//! assembles them into whole traces (order, agents, repairs).
//!
//! Owns: sources and framing, sniffing, the adapters and dialects, the
//! reading accounting, assembly. Imports only the leaf vocabulary (`event`,
//! `accounting`, `termination`, `labels`, `text`, `signals`, `timings`):
//! never `store`, `pipeline`, `detect`, `report` or `cli`. This file only
//! declares and re-exports; the files below import each other in one
//! direction (tests/architecture.rs):
//!
//! - the adapter API: `record`, `format`, `options`;
//! - helpers adapters use: `json`, `values`, `time`, `attrs`, `draft`,
//!   `span`, `conversation`, `dialect/`;
//! - `formats/` (one file per format) and `registry` (their table);
//! - reading: `source` (paths, decompression), `framing` (lines, documents),
//!   `read` (one input), `document`, `lines`, `table` (Parquet and CSV rows), `dispatch` (one record),
//!   `file_result` (an input's accounting), `sink`;
//! - assembling: `assemble`, `traces`, and `memory` (all in memory).

mod assemble;
pub mod attrs;
pub mod conversation;
pub mod dialect;
mod dispatch;
mod document;
pub mod draft;
mod file_result;
pub mod format;
mod formats;
pub mod framing;
pub mod json;
mod lines;
mod memory;
pub mod options;
mod read;
pub mod record;
pub mod registry;
pub mod sink;
pub mod source;
pub mod span;
mod table;
pub mod time;
mod traces;
pub mod values;

pub use memory::{ingest, Ingested};
pub use options::IngestOptions;
pub use read::{read_inputs, read_stream, Read};
pub use sink::{EventSink, MemorySink};
pub use traces::with_traces;
