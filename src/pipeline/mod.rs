//! The pipeline: inputs to batches of whole traces, the one seam that
//! `check`, `ingest`, `stats`, `report`, `blame` and `eval` read through
//! (and, next, the live receiver and a distributed worker). Whether traces
//! come from files read in memory, through partitions spilled to disk, or
//! from a Parquet store, a caller loops over `TraceSource::next_batch` and
//! ends with `finish`.
//!
//! Owns the partitioning (which trace goes where) and the spill. Imports
//! `ingest` (reading, assembling) and `store` (frames); never `detect`,
//! `report` or `cli`. This file only declares and re-exports.

mod memory;
pub mod partition;
mod partitioned;
mod source;
mod spill;
mod stored;

pub use source::{load, open, Finished, Inputs, Partitioning, Request, TraceSource};
