//! Where ingest puts the events it reads: an `EventSink`. Reading does not
//! know whether its events stay in memory (`MemorySink`), go to partitions
//! on disk (the pipeline's spill) or, later, to a live trace table.

use anyhow::Result;
use std::sync::Mutex;

use crate::event::PendingEvent;

/// Takes the events of consecutive records of one input, record by record
/// in input order: a block of JSON Lines, or a whole document. Called from
/// the reading threads, for several inputs at once; the records of one
/// input come in order. An error stops the reading of every input.
pub trait EventSink: Sync {
    fn push(&self, records: Vec<Vec<PendingEvent>>) -> Result<()>;
}

/// Events kept in memory, in the chunks they were pushed in: each push
/// becomes one chunk of exactly its events, so no event is moved again and
/// a one-span file takes one event's room. `assemble` completes them there.
#[derive(Default)]
pub struct MemorySink {
    chunks: Mutex<Vec<Vec<PendingEvent>>>,
}

impl MemorySink {
    pub fn into_chunks(self) -> Vec<Vec<PendingEvent>> {
        self.chunks
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl EventSink for MemorySink {
    fn push(&self, records: Vec<Vec<PendingEvent>>) -> Result<()> {
        let events: usize = records.iter().map(Vec::len).sum();
        if events == 0 {
            return Ok(());
        }
        // Built before the lock is taken: the moves run in parallel.
        let mut chunk = Vec::with_capacity(events);
        records.into_iter().for_each(|record| chunk.extend(record));
        self.chunks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(chunk);
        Ok(())
    }
}
