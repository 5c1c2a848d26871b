//! The seam every command reads through: a `TraceSource` gives frames of
//! whole traces in Store order, batch after batch, then the accounting of
//! the run. `open` picks the source a request needs: the inputs in memory,
//! through partitions on disk, or a stored Parquet store.

use anyhow::{bail, Result};
use polars::prelude::DataFrame;
use std::path::PathBuf;

use super::memory::InMemory;
use super::partition::partitions_for;
use super::partitioned::Partitioned;
use super::stored::Stored;
use crate::accounting::IngestReport;
use crate::ingest::source::{estimated_text_bytes, expand_inputs};
use crate::ingest::IngestOptions;
use crate::store::Store;

/// What to read.
pub enum Inputs {
    /// Trace files, directories, globs, `-` for stdin.
    Paths(Vec<String>),
    /// A Parquet store written by `tracelint ingest`.
    Store(PathBuf),
}

/// How raw inputs are taken: whole, or partition by partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Partitioning {
    /// In memory up to 256 MiB of input text, through partitions past it
    /// (`partition::partitions_for`).
    Auto,
    /// Whole, in memory.
    Memory,
    /// Through this many partitions (2 or more).
    Partitions(usize),
}

pub struct Request {
    pub inputs: Inputs,
    pub options: IngestOptions,
    pub partitioning: Partitioning,
    /// Where partitions are spilled; `None`: the system's temporary
    /// directory.
    pub spill_dir: Option<PathBuf>,
}

/// Whole traces, a frame at a time, and the run's accounting at the end.
pub trait TraceSource {
    /// How many frames `next_batch` gives: 1 in memory and from a store,
    /// one per partition through partitions.
    fn batches(&self) -> usize;
    /// The next frame of whole traces, sorted by trace id then `seq` (the
    /// Store's columns and order); `None` after the last. No trace is split
    /// between frames.
    fn next_batch(&mut self) -> Result<Option<DataFrame>>;
    /// The accounting (complete once every frame was taken) and the corpus
    /// labels (`labels::columns`).
    fn finish(self: Box<Self>) -> Result<Finished>;
}

pub struct Finished {
    /// Raw inputs: every record read, with the kept diagnostics. A store:
    /// the summary it was written with, and no diagnostics.
    pub report: IngestReport,
    pub labels: DataFrame,
}

/// The source a request needs. Paths are expanded here: a path that names
/// nothing is an error.
pub fn open(request: Request) -> Result<Box<dyn TraceSource>> {
    let paths = match request.inputs {
        Inputs::Store(path) => return Ok(Box::new(Stored::read(&path)?)),
        Inputs::Paths(paths) => paths,
    };
    if paths.is_empty() {
        bail!("no input: give trace files, directories, globs or - for stdin, or --store STORE");
    }
    let inputs = expand_inputs(&paths)?;
    let partitions = match request.partitioning {
        Partitioning::Memory => None,
        Partitioning::Partitions(n) => Some(n),
        Partitioning::Auto => estimated_text_bytes(&inputs).and_then(partitions_for),
    };
    Ok(match partitions {
        None => Box::new(InMemory::read(&inputs, &request.options)?),
        Some(partitions) => {
            let spill_dir = request.spill_dir.unwrap_or_else(std::env::temp_dir);
            Box::new(Partitioned::read(
                &inputs,
                &request.options,
                partitions,
                &spill_dir,
            )?)
        }
    })
}

/// The whole Store in memory, for the commands that need every trace at
/// once (stats, report, blame, eval), and the ingest report.
pub fn load(mut request: Request) -> Result<(Store, IngestReport)> {
    request.partitioning = Partitioning::Memory;
    let mut source = open(request)?;
    let events = source
        .next_batch()?
        .expect("a source in memory gives one frame");
    let Finished { report, labels } = source.finish()?;
    let store = Store {
        events,
        labels,
        ingest: report.summary.clone(),
    };
    Ok((store, report))
}
