//! Which partition a trace goes to, and how many partitions an input needs.
//! A partition holds whole traces: every event of a trace goes to the
//! partition its trace id hashes to, whichever file or line it came from.

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

/// The partition of a trace among `partitions`: an xxh3 hash of its id, the
/// same for every event of the trace.
pub fn partition_of(trace_id: &str, partitions: usize) -> usize {
    (xxhash_rust::xxh3::xxh3_64(trace_id.as_bytes()) % partitions as u64) as usize
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
