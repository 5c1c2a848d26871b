//! Inputs read whole into memory, for a caller that then takes their
//! traces once (`Ingested::with_traces`).

use anyhow::Result;

use super::options::IngestOptions;
use super::read::read_inputs;
use super::sink::MemorySink;
use super::source::Input;
use super::traces::with_traces;
use crate::accounting::IngestReport;
use crate::event::{Event, PendingEvent};
use crate::labels::Label;
use crate::timings;

pub struct Ingested {
    /// The events as read, in chunks, until `with_traces` assembles them.
    pending: Vec<Vec<PendingEvent>>,
    /// Corpus labels, sorted by trace id.
    pub labels: Vec<Label>,
    /// Complete once `with_traces` has run (assembly drops duplicates and
    /// repairs).
    pub report: IngestReport,
}

impl Ingested {
    /// Assembles the traces and hands them to `use_traces`: each trace's
    /// events in `seq` order, traces sorted by id. The events are freed
    /// after; `use_traces` keeps what it needs of them.
    pub fn with_traces<R>(&mut self, use_traces: impl FnOnce(&[Vec<&Event>]) -> R) -> R {
        let pending = std::mem::take(&mut self.pending);
        with_traces(pending, &mut self.report, use_traces)
    }
}

/// Reads every input into memory; `Ingested::with_traces` assembles the
/// traces.
pub fn ingest(inputs: &[Input], options: &IngestOptions) -> Result<Ingested> {
    let sink = MemorySink::default();
    let read = timings::phase("read and parse", || read_inputs(inputs, options, &sink))?;
    Ok(Ingested {
        pending: sink.into_chunks(),
        labels: read.labels,
        report: read.report,
    })
}
