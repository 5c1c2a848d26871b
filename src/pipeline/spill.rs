//! Inputs larger than memory (issue 7). While inputs are read, each event
//! goes to one of N partitions chosen by a hash of its trace id
//! (`partition::partition_of`), and each
//! partition's events go to its own file on disk as they arrive: postcard
//! rows, zstd-compressed in chunks. A partition then holds whole traces
//! (a trace may span files and lines, but never partitions), so it can be
//! read back, assembled and checked on its own: memory follows the largest
//! partition, not the input.
//!
//! Why not Parquet for the spill: these rows are written once and read
//! once, before assembly (they still carry agent clues and input order);
//! a row codec with a fast compressor costs a fraction of a columnar
//! writer. What is kept as Parquet is the assembled store.

use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::partition::partition_of;
use crate::cleanup;
use crate::event::PendingEvent;
use crate::ingest::EventSink;

const SPILL_PREFIX: &str = "tracelint-spill-";
const LOCK_FILE: &str = "lock";

/// Removes the spill folders under `parent` that a killed run left: those
/// whose lock no live run holds.
fn remove_abandoned(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        if !entry
            .file_name()
            .to_string_lossy()
            .starts_with(SPILL_PREFIX)
        {
            continue;
        }
        let dir = entry.path();
        let abandoned = File::open(dir.join(LOCK_FILE)).is_ok_and(|lock| lock.try_lock().is_ok());
        if abandoned {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

/// Uncompressed bytes buffered per partition before a chunk is written.
/// Small enough that a buffer per partition stays small beside the
/// partition being checked (256 partitions: 64 MiB).
const CHUNK_BYTES: usize = 256 << 10;
/// zstd's fastest regular level: the spill is read once, soon.
const ZSTD_LEVEL: i32 = 1;

pub struct Spill {
    /// Held locked while the spill exists: a folder whose lock is free was
    /// left by a run that was killed.
    _lock: File,
    /// Removed on interruption (`cleanup`); dropped after `dir`.
    _registered: cleanup::Registered,
    dir: tempfile::TempDir,
    partitions: Vec<Mutex<Partition>>,
    /// The format names a row's first byte indexes (the ingest registry's
    /// order): an event's `&'static` format name is not encoded.
    formats: Vec<&'static str>,
}

struct Partition {
    file: BufWriter<File>,
    /// Encoded events not yet written.
    buffer: Vec<u8>,
    /// How many events `buffer` holds.
    buffered: u32,
    events: u64,
}

impl Spill {
    /// `partitions` files in a new temporary directory under `parent`
    /// (removed when the spill is dropped), for events of the formats named
    /// in `formats` (at most 256).
    pub fn create(parent: &Path, partitions: usize, formats: Vec<&'static str>) -> Result<Spill> {
        anyhow::ensure!(partitions > 0, "a spill needs at least one partition");
        remove_abandoned(parent);
        let dir = tempfile::Builder::new()
            .prefix(SPILL_PREFIX)
            .tempdir_in(parent)
            .with_context(|| format!("cannot create a spill directory in {}", parent.display()))?;
        let registered = cleanup::register(dir.path());
        let lock = File::create(dir.path().join(LOCK_FILE))
            .with_context(|| format!("cannot create a spill directory in {}", parent.display()))?;
        let _ = lock.try_lock();
        let partitions = (0..partitions)
            .map(|k| {
                let path = dir.path().join(format!("partition-{k:04}.bin"));
                let file = File::create(&path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                Ok(Mutex::new(Partition {
                    file: BufWriter::new(file),
                    buffer: Vec::with_capacity(CHUNK_BYTES),
                    buffered: 0,
                    events: 0,
                }))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Spill {
            _lock: lock,
            _registered: registered,
            dir,
            partitions,
            formats,
        })
    }

    pub fn partitions(&self) -> usize {
        self.partitions.len()
    }

    /// Sends a record's events to their partitions: each is encoded by the
    /// calling thread, then the rows of a partition are appended under one
    /// lock.
    fn push_record(&self, events: Vec<PendingEvent>) -> Result<()> {
        // (partition, encoded rows, how many) for each partition touched,
        // found by a linear search: a record's events are mostly of one
        // trace. (A slot for every partition, made and walked for each
        // record, is 256 slots per line at 10 GiB.)
        let mut rows: Vec<(usize, Vec<u8>, u32)> = Vec::new();
        for event in events {
            let k = partition_of(&event.event.trace_id, self.partitions.len());
            let at = match rows.iter().position(|(partition, ..)| *partition == k) {
                Some(at) => at,
                None => {
                    rows.push((k, Vec::new(), 0));
                    rows.len() - 1
                }
            };
            let (_, bytes, count) = &mut rows[at];
            bytes.push(self.format_index(event.event.source_format)?);
            *bytes = postcard::to_extend(&event, std::mem::take(bytes))?;
            *count += 1;
        }
        for (k, bytes, count) in rows {
            let mut partition = self.partitions[k].lock().expect("a spill writer panicked");
            partition.buffer.extend_from_slice(&bytes);
            partition.events += u64::from(count);
            partition.buffered += count;
            if partition.buffer.len() >= CHUNK_BYTES {
                partition.write_chunk()?;
            }
        }
        Ok(())
    }

    /// A row is its format's index in `formats`, then the postcard-encoded
    /// event (which does not carry the `&'static` name).
    fn format_index(&self, name: &str) -> Result<u8> {
        match self.formats.iter().position(|format| *format == name) {
            Some(index) => Ok(index as u8),
            None => bail!("cannot spill an event of unknown format {name:?}"),
        }
    }

    /// Writes what is buffered; reading before this loses the tail. The
    /// buffers are freed: partitions are read next, one at a time.
    pub fn finish_writing(&self) -> Result<()> {
        for partition in &self.partitions {
            let mut partition = partition.lock().expect("a spill writer panicked");
            partition.write_chunk()?;
            partition.file.flush()?;
            partition.buffer = Vec::new();
        }
        Ok(())
    }

    /// Every event of partition `k`, in the chunks it was written in
    /// (decoded in parallel). `files` gives each input's name by its index,
    /// which the spill does not repeat per event.
    pub fn read(&self, k: usize, files: &[Arc<str>]) -> Result<Vec<Vec<PendingEvent>>> {
        let path = self.dir.path().join(format!("partition-{k:04}.bin"));
        let expected = self.partitions[k]
            .lock()
            .expect("a spill writer panicked")
            .events;
        let mut bytes = Vec::new();
        File::open(&path)
            .and_then(|mut file| file.read_to_end(&mut bytes))
            .with_context(|| format!("cannot read spill file {}", path.display()))?;
        let mut chunks = Vec::new();
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            chunks.push(
                chunk_header(&mut rest)
                    .with_context(|| format!("spill file {} is cut short", path.display()))?,
            );
        }
        let events = chunks
            .into_par_iter()
            .map(|chunk| decode_chunk(chunk, &self.formats, files))
            .collect::<Result<Vec<_>>>()?;
        let read: usize = events.iter().map(Vec::len).sum();
        if read as u64 != expected {
            bail!(
                "spill file {} holds {read} events, {expected} were written",
                path.display(),
            );
        }
        Ok(events)
    }
}

/// Each record's events are encoded by a thread of their own, as the
/// records of a block are parsed in parallel.
impl EventSink for Spill {
    fn push(&self, records: Vec<Vec<PendingEvent>>) -> Result<()> {
        records
            .into_par_iter()
            .try_for_each(|events| self.push_record(events))
            .context("cannot spill events to disk")
    }
}

/// The events of one chunk, with the names the rows do not carry restored.
fn decode_chunk(
    chunk: Chunk,
    formats: &[&'static str],
    files: &[Arc<str>],
) -> Result<Vec<PendingEvent>> {
    let raw = zstd::bulk::decompress(chunk.compressed, chunk.raw_len)?;
    // A row takes at least a byte: a damaged count cannot ask for more.
    let mut events = Vec::with_capacity(chunk.events.min(chunk.raw_len));
    let mut row = &raw[..];
    while let Some((&format, encoded)) = row.split_first() {
        let (mut event, next): (PendingEvent, &[u8]) = postcard::take_from_bytes(encoded)?;
        event.event.source_format = formats
            .get(format as usize)
            .context("a spilled event names no format")?;
        event.event.source_file = files
            .get(event.order.0 as usize)
            .cloned()
            .context("a spilled event names no input file")?;
        events.push(event);
        row = next;
    }
    Ok(events)
}

impl Partition {
    /// A chunk: uncompressed length, compressed length, events (u32 LE
    /// each), then the compressed bytes.
    fn write_chunk(&mut self) -> Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let compressed = zstd::bulk::compress(&self.buffer, ZSTD_LEVEL)?;
        for field in [self.buffer.len(), compressed.len(), self.buffered as usize] {
            self.file.write_all(&(field as u32).to_le_bytes())?;
        }
        self.file.write_all(&compressed)?;
        self.buffer.clear();
        // A batch may have grown it past a chunk; 256 partitions keep theirs.
        self.buffer.shrink_to(CHUNK_BYTES);
        self.buffered = 0;
        Ok(())
    }
}

struct Chunk<'a> {
    raw_len: usize,
    events: usize,
    compressed: &'a [u8],
}

/// Splits the next chunk off `rest`.
fn chunk_header<'a>(rest: &mut &'a [u8]) -> Option<Chunk<'a>> {
    let field = |at: usize| -> Option<usize> {
        Some(u32::from_le_bytes(rest.get(at..at + 4)?.try_into().ok()?) as usize)
    };
    let (raw_len, len, events) = (field(0)?, field(4)?, field(8)?);
    let compressed = rest.get(12..12 + len)?;
    *rest = &rest[12 + len..];
    Some(Chunk {
        raw_len,
        events,
        compressed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{AgentClues, Event, TextDigest};

    fn pending(trace: &str, span: &str, file_index: u32) -> PendingEvent {
        let mut event = Event::new(
            trace.into(),
            span.into(),
            "otlp_json",
            Arc::from("unused"),
            7,
        );
        event.output = Some(TextDigest {
            excerpt: "an output".repeat(50),
            hash: 42,
        });
        event.output_sig = Some(vec![1, 2, u32::MAX]);
        event.cost_usd = Some(0.25);
        PendingEvent {
            event,
            clues: AgentClues {
                hint: Some("planner".into()),
                ..AgentClues::default()
            },
            order: (file_index, 3),
            attach_to: None,
        }
    }

    #[test]
    fn events_come_back_whole_in_their_trace_partition() {
        let dir = tempfile::tempdir().unwrap();
        let spill = Spill::create(dir.path(), 3, vec!["otlp_json"]).unwrap();
        // Enough events to write several chunks per partition.
        let events: Vec<PendingEvent> = (0..6000)
            .map(|i| pending(&format!("trace-{}", i % 17), &format!("span-{i}"), i % 2))
            .collect();
        for batch in events.chunks(100) {
            spill
                .push(batch.iter().map(|p| vec![p.clone()]).collect())
                .unwrap();
        }
        spill.finish_writing().unwrap();
        let files: Vec<Arc<str>> = vec![Arc::from("a.jsonl"), Arc::from("b.jsonl")];
        let mut read = Vec::new();
        for k in 0..3 {
            let part: Vec<PendingEvent> = spill.read(k, &files).unwrap().concat();
            assert!(part.iter().all(|p| partition_of(&p.event.trace_id, 3) == k));
            read.extend(part);
        }
        assert_eq!(read.len(), events.len());
        read.sort_by_key(|p| p.event.span_id[5..].parse::<u32>().unwrap());
        for (got, want) in read.iter().zip(&events) {
            let mut want = want.clone();
            want.event.source_file = files[want.order.0 as usize].clone();
            assert_eq!(got.event, want.event);
            assert_eq!(got.clues, want.clues);
            assert_eq!(got.order, want.order);
        }
    }

    #[test]
    fn a_cut_spill_file_is_an_error_not_a_short_partition() {
        let dir = tempfile::tempdir().unwrap();
        let spill = Spill::create(dir.path(), 1, vec!["otlp_json"]).unwrap();
        spill.push(vec![vec![pending("t", "s", 0)]]).unwrap();
        spill.finish_writing().unwrap();
        let path = spill.dir.path().join("partition-0000.bin");
        let len = std::fs::metadata(&path).unwrap().len();
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(len - 3).unwrap();
        let error = spill.read(0, &[Arc::from("a")]).unwrap_err();
        assert!(error.to_string().contains("cut short"), "{error:#}");
    }
}
