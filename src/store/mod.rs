//! The Store: normalized events as one Polars DataFrame (DESIGN.md §3),
//! sorted by trace and `seq`, with the ingest summary that produced it.
//! Written to and read from Parquet; the single source for detectors and
//! reports.

mod frame;
mod index;
mod parquet;
mod partitioned;

pub use frame::{columns, events_to_frame, traces_to_frame};
pub use index::{TraceIndex, TraceRows};
pub use parquet::{read_store, write_store, StoreWriter};
pub use partitioned::{partitions_for, PartitionedStore};

use polars::prelude::DataFrame;

use crate::ingest::report::IngestSummary;

pub struct Store {
    pub events: DataFrame,
    /// Corpus labels (`labels::columns`); empty when the inputs carry none.
    pub labels: DataFrame,
    pub ingest: IngestSummary,
}

impl Store {
    /// Ingests trace files, directories and globs into a Store, with the
    /// ingest report (skips and repairs) for the caller to show.
    pub fn ingest(
        paths: &[String],
        options: &crate::ingest::IngestOptions,
    ) -> anyhow::Result<(Store, crate::ingest::report::IngestReport)> {
        let inputs = crate::ingest::source::expand_inputs(paths)?;
        let mut ingested = crate::ingest::ingest(&inputs, options)?;
        let store = Store {
            events: ingested.with_traces(traces_to_frame)?,
            labels: crate::labels::labels_to_frame(&ingested.labels)?,
            ingest: ingested.report.summary.clone(),
        };
        Ok((store, ingested.report))
    }

    pub fn trace_index(&self) -> anyhow::Result<TraceIndex> {
        TraceIndex::build(&self.events)
    }
}
