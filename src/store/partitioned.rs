//! A Store too large for memory, taken one partition of whole traces at a
//! time (issue 7): inputs are read once into a spill on disk
//! (`ingest::spill`), then each partition is assembled into its own Store
//! frame, which the caller checks and drops before asking for the next.
//! Findings of a trace depend on that trace alone, so checking partitions
//! one by one finds what checking the whole Store finds.

use anyhow::Result;
use polars::prelude::DataFrame;
use std::path::Path;

use super::traces_to_frame;
use crate::ingest::report::IngestReport;
use crate::ingest::source::Input;
use crate::ingest::spill::Spill;
use crate::ingest::{ingest_to_spill, IngestOptions, Spilled};
use crate::labels::Label;

/// Input text per partition when the count is chosen from the input size.
/// A partition's events and frame take about 5 times its text in memory;
/// past that, the peak is set by the largest trace, which no partitioning
/// splits. Measured at 1 GiB against 32 MiB (6 runs each over two rounds,
/// interleaved): `check` peak RSS 344–394 MiB against 396–437 and the same
/// wall time within noise; `ingest` 400–434 MiB against 453–500, but 5–8%
/// slower (8.71–9.51 s against 8.25–8.97 in the second round: a Parquet
/// row group per partition), and its store 2.6% larger.
pub const PARTITION_TEXT_BYTES: u64 = 8 << 20;
/// Inputs up to this size are read into memory whole.
pub const IN_MEMORY_TEXT_BYTES: u64 = 256 << 20;
/// Open spill files are one per partition; past this, partitions grow.
pub const MAX_PARTITIONS: usize = 256;

/// How many partitions to read inputs of `text_bytes` into: `None` for
/// one, in memory.
pub fn partitions_for(text_bytes: u64) -> Option<usize> {
    (text_bytes > IN_MEMORY_TEXT_BYTES)
        .then(|| (text_bytes.div_ceil(PARTITION_TEXT_BYTES) as usize).min(MAX_PARTITIONS))
}

pub struct PartitionedStore {
    spill: Spill,
    spilled: Spilled,
}

impl PartitionedStore {
    /// Reads every input into `partitions` partitions spilled under
    /// `spill_dir` (removed when this is dropped).
    pub fn ingest(
        inputs: &[Input],
        options: &IngestOptions,
        partitions: usize,
        spill_dir: &Path,
    ) -> Result<PartitionedStore> {
        let spill = Spill::create(spill_dir, partitions)?;
        let spilled = ingest_to_spill(inputs, options, &spill)?;
        Ok(PartitionedStore { spill, spilled })
    }

    pub fn partitions(&self) -> usize {
        self.spill.partitions()
    }

    /// Partition `k` as a Store frame (sorted by trace id and `seq`). Its
    /// repairs and drops are added to the report.
    pub fn events(&mut self, k: usize) -> Result<DataFrame> {
        Ok(self
            .spilled
            .with_partition(&self.spill, k, traces_to_frame)??)
    }

    /// The ingest report, complete once every partition was taken, and the
    /// corpus labels.
    pub fn finish(self) -> (IngestReport, Vec<Label>) {
        (self.spilled.report, self.spilled.labels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_go_to_memory_up_to_256_mib_then_a_partition_per_8_mib() {
        assert_eq!(partitions_for(0), None);
        assert_eq!(partitions_for(IN_MEMORY_TEXT_BYTES), None);
        assert_eq!(partitions_for(IN_MEMORY_TEXT_BYTES + 1), Some(33));
        assert_eq!(partitions_for(1 << 30), Some(128));
        assert_eq!(partitions_for(2 << 30), Some(MAX_PARTITIONS));
        assert_eq!(partitions_for(10 << 30), Some(MAX_PARTITIONS));
        assert_eq!(partitions_for(1 << 40), Some(MAX_PARTITIONS));
    }
}
