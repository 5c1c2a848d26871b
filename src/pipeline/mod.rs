//! The pipeline: inputs to batches of whole traces, the one seam that
//! `check`, `ingest`, `stats`, `report`, `blame` and `eval` read through
//! (and, next, a distributed worker). Whether traces come from files read
//! in memory, through partitions spilled to disk, or from a Parquet store, a
//! caller loops over `TraceSource::next_batch` and ends with `finish`; the
//! live receiver holds running traces in `live::LiveTraces`, and a
//! distributed run moves events as `pending` tables; both assemble them
//! with `pending::assemble`, the same assembly.
//!
//! Owns the partitioning (which trace goes where) and the spill. Imports
//! `ingest` (reading, assembling) and `store` (frames); never `detect`,
//! `report` or `cli`. This file only declares and re-exports.

pub mod live;
mod memory;
pub mod partition;
mod partitioned;
pub mod pending;
mod source;
mod spill;
mod stored;

pub use source::{load, open, Finished, Inputs, Partitioning, Request, TraceSource};
