//! Raw inputs read whole into memory: one frame of every trace.

use anyhow::Result;
use polars::prelude::DataFrame;

use super::source::{Finished, TraceSource};
use crate::ingest::source::Input;
use crate::ingest::{ingest, IngestOptions, Ingested};
use crate::labels::labels_to_frame;
use crate::store::traces_to_frame;

pub struct InMemory {
    ingested: Ingested,
    /// Whether the one frame was given.
    given: bool,
}

impl InMemory {
    pub fn read(inputs: &[Input], options: &IngestOptions) -> Result<InMemory> {
        Ok(InMemory {
            ingested: ingest(inputs, options)?,
            given: false,
        })
    }
}

impl TraceSource for InMemory {
    fn batches(&self) -> usize {
        1
    }

    fn next_batch(&mut self) -> Result<Option<DataFrame>> {
        if std::mem::replace(&mut self.given, true) {
            return Ok(None);
        }
        Ok(Some(self.ingested.with_traces(traces_to_frame)?))
    }

    fn finish(self: Box<Self>) -> Result<Finished> {
        Ok(Finished {
            labels: labels_to_frame(&self.ingested.labels)?,
            report: self.ingested.report,
        })
    }
}
