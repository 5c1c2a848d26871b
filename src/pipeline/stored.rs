//! A Parquet store written by `tracelint ingest`, read whole: one frame, and
//! the summary of the ingest that wrote it.

use anyhow::Result;
use polars::prelude::DataFrame;
use std::path::Path;

use super::source::{Finished, TraceSource};
use crate::accounting::IngestReport;
use crate::store::{read_store, Store};
use crate::timings;

pub struct Stored {
    events: Option<DataFrame>,
    labels: DataFrame,
    report: IngestReport,
}

impl Stored {
    pub fn read(path: &Path) -> Result<Stored> {
        let Store {
            events,
            labels,
            ingest,
        } = timings::phase("read store", || read_store(path))?;
        Ok(Stored {
            events: Some(events),
            labels,
            report: IngestReport::of_summary(ingest),
        })
    }
}

impl TraceSource for Stored {
    fn batches(&self) -> usize {
        1
    }

    fn next_batch(&mut self) -> Result<Option<DataFrame>> {
        Ok(self.events.take())
    }

    fn finish(self: Box<Self>) -> Result<Finished> {
        Ok(Finished {
            labels: self.labels,
            report: self.report,
        })
    }
}
