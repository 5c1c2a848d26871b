//! The Store: normalized events as one Polars DataFrame (the columns of
//! `frame::columns`), sorted by trace and `seq`, with the ingest summary
//! that produced it. Written to and read from Parquet; the single source
//! for detectors and reports.
//!
//! Owns frames of events: building them, Parquet, the trace index. Knows
//! events and their accounting, never where they came from: imports the
//! leaf vocabulary only, never `ingest` or `pipeline`.

mod frame;
mod index;
mod parquet;

pub use frame::{columns, events_to_frame, traces_to_frame};
pub use index::{TraceIndex, TraceRows};
pub use parquet::{in_store_order, labels_path, read_store, write_store, StoreWriter};

use polars::prelude::DataFrame;

use crate::accounting::IngestSummary;

pub struct Store {
    pub events: DataFrame,
    /// Corpus labels (`labels::columns`); empty when the inputs carry none.
    pub labels: DataFrame,
    pub ingest: IngestSummary,
}

impl Store {
    pub fn trace_index(&self) -> anyhow::Result<TraceIndex> {
        TraceIndex::build(&self.events)
    }
}
