//! Inputs too large for memory, taken one partition of whole traces at a
//! time: read once into a spill on disk (`spill`), then each partition
//! assembled into its own frame, which the caller uses and drops before
//! asking for the next. Findings of a trace depend on that trace alone, so
//! checking partitions one by one finds what checking them all at once
//! finds.

use anyhow::Result;
use polars::prelude::DataFrame;
use std::path::Path;
use std::sync::Arc;

use super::source::{Finished, TraceSource};
use super::spill::Spill;
use crate::accounting::IngestReport;
use crate::ingest::source::Input;
use crate::ingest::{read_inputs, registry, with_traces, IngestOptions};
use crate::labels::{labels_to_frame, Label};
use crate::store::traces_to_frame;
use crate::timings;

pub struct Partitioned {
    /// Removed from disk when dropped.
    spill: Spill,
    /// Each input's name by index, which spilled events refer to.
    files: Vec<Arc<str>>,
    labels: Vec<Label>,
    /// The reading's counts; assembling each partition adds to them.
    report: IngestReport,
    next: usize,
}

impl Partitioned {
    /// Reads every input into `partitions` partitions spilled under
    /// `spill_dir`.
    pub fn read(
        inputs: &[Input],
        options: &IngestOptions,
        partitions: usize,
        spill_dir: &Path,
    ) -> Result<Partitioned> {
        let spill = Spill::create(spill_dir, partitions, registry::names())?;
        let read = timings::phase("read, parse and spill", || {
            let read = read_inputs(inputs, options, &spill)?;
            spill.finish_writing()?;
            anyhow::Ok(read)
        })?;
        Ok(Partitioned {
            spill,
            files: inputs
                .iter()
                .map(|input| Arc::from(input.display_name()))
                .collect(),
            labels: read.labels,
            report: read.report,
            next: 0,
        })
    }
}

impl TraceSource for Partitioned {
    fn batches(&self) -> usize {
        self.spill.partitions()
    }

    fn next_batch(&mut self) -> Result<Option<DataFrame>> {
        let k = self.next;
        if k == self.spill.partitions() {
            return Ok(None);
        }
        self.next += 1;
        let pending = timings::phase("read spill", || self.spill.read(k, &self.files))?;
        Ok(Some(with_traces(
            pending,
            &mut self.report,
            traces_to_frame,
        )?))
    }

    fn finish(self: Box<Self>) -> Result<Finished> {
        Ok(Finished {
            labels: labels_to_frame(&self.labels)?,
            report: self.report,
        })
    }
}
