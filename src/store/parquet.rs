//! The Store on disk: one Parquet file with the ingest summary in its
//! key-value metadata, so a store reports the same run summary as the raw
//! files it was made from; corpus labels, when there are any, in a second
//! file beside it (`X.parquet` → `X.labels.parquet`).
//!
//! A store is untrusted input: it travels between CI jobs and machines. Each
//! file carries an xxh3-128 checksum of all its bytes (computed with the
//! checksum's own 32 characters as zeros) in its key-value metadata, and
//! the reader checks it before any Parquet reader sees the file: a flipped
//! bit or a cut file is refused ("not a valid tracelint store: FILE
//! (reason)"), never decoded into wrong numbers or a multi-exabyte
//! allocation. A frame whose columns or types are not the store schema is
//! refused the same way. Files are written through `output_file`: whole or
//! not at all.

use anyhow::{anyhow, bail, Context, Result};
use polars::io::parquet::write::BatchedWriter;
use polars::prelude::{
    DataFrame, KeyValueMetadata, ParquetCompression, ParquetReader, ParquetWriter, SerReader,
    SortMultipleOptions,
};
use polars_parquet::arrow::write::schema_to_metadata_key;
use polars_parquet::write::KeyValue;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::{columns, events_to_frame, Store};
use crate::accounting::IngestSummary;
use crate::labels::labels_to_frame;
use crate::output_file::OutputFile;

const SUMMARY_KEY: &str = "tracelint.ingest_summary";
const VERSION_KEY: &str = "tracelint.store_version";
const CHECKSUM_KEY: &str = "tracelint.checksum";
/// Bumped when columns change meaning or type, or the file its layout
/// (2: the checksum; 3: `agent_is_service`; 4: `failure`, and failure
/// words in `output_signals` split by kind; 5: `failure_signature`).
const STORE_VERSION: &str = "5";
/// The checksum's place holder while the file is written and hashed.
const UNSET_CHECKSUM: &str = "00000000000000000000000000000000";

pub fn write_store(store: &mut Store, path: &Path) -> Result<()> {
    let metadata = KeyValueMetadata::from_static(
        store_metadata(&store.ingest)?
            .into_iter()
            .filter_map(|kv| Some((kv.key, kv.value?)))
            .collect(),
    );
    let mut out = OutputFile::create(path)?;
    ParquetWriter::new(out.file())
        .with_compression(ParquetCompression::Zstd(None))
        .with_key_value_metadata(Some(metadata))
        .finish(&mut store.events)
        .with_context(|| format!("cannot write {}", path.display()))?;
    seal(out)?;
    write_labels(&mut store.labels, path)
}

/// The footer entries that make a Parquet file a store: its version, the
/// ingest summary and the checksum's place.
fn store_metadata(summary: &IngestSummary) -> Result<Vec<KeyValue>> {
    Ok(vec![
        KeyValue {
            key: SUMMARY_KEY.to_string(),
            value: Some(serde_json::to_string(summary)?),
        },
        KeyValue {
            key: VERSION_KEY.to_string(),
            value: Some(STORE_VERSION.to_string()),
        },
        checksum_entry(),
    ])
}

fn checksum_entry() -> KeyValue {
    KeyValue {
        key: CHECKSUM_KEY.to_string(),
        value: Some(UNSET_CHECKSUM.to_string()),
    }
}

/// A store written a partition at a time, for inputs larger than memory
/// (`tracelint ingest` with partitions): each partition's frame is written
/// as it is assembled, and the ingest summary, complete only after the last
/// one, goes in the footer. Each trace's rows stay together in seq order;
/// traces come in partition order, which `read_store` sorts.
pub struct StoreWriter {
    path: PathBuf,
    /// Opened with the first frame, whose schema it takes.
    writer: Option<(BatchedWriter<File>, OutputFile)>,
}

impl StoreWriter {
    pub fn create(path: &Path) -> StoreWriter {
        StoreWriter {
            path: path.to_path_buf(),
            writer: None,
        }
    }

    /// Appends a frame of whole traces in Store order.
    pub fn write(&mut self, events: &DataFrame) -> Result<()> {
        let path = &self.path;
        let (writer, _) = match &mut self.writer {
            Some(writer) => writer,
            None => {
                let mut out = OutputFile::create(path)?;
                let file = out.file().try_clone()?;
                let writer = ParquetWriter::new(file)
                    .with_compression(ParquetCompression::Zstd(None))
                    .batched(events.schema())
                    .with_context(|| format!("cannot write {}", path.display()))?;
                self.writer.insert((writer, out))
            }
        };
        writer
            .write_batch(events)
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// Writes the footer with `summary`, and the labels beside the store.
    pub fn finish(mut self, summary: &IngestSummary, labels: &mut DataFrame) -> Result<()> {
        if self.writer.is_none() {
            // No event at all: still a store, with the Store's columns.
            self.write(&events_to_frame(&[])?)?;
        }
        let (writer, out) = self.writer.take().expect("opened above");
        {
            // polars' `BatchedWriter::finish` would write the metadata given
            // before the first batch; this is its footer with ours instead.
            let mut file_writer = writer
                .get_writer()
                .lock()
                .expect("the Parquet writer is used from this thread only");
            let mut metadata = vec![schema_to_metadata_key(file_writer.schema())];
            metadata.extend(store_metadata(summary)?);
            file_writer
                .end(Some(metadata))
                .with_context(|| format!("cannot write {}", self.path.display()))?;
        }
        drop(writer);
        seal(out)?;
        write_labels(labels, &self.path)
    }
}

/// The labels file beside the store at `path`, or none when there are no
/// labels (a stale one is removed).
fn write_labels(labels: &mut DataFrame, path: &Path) -> Result<()> {
    let labels_path = labels_path(path);
    if labels.height() > 0 {
        let mut out = OutputFile::create(&labels_path)?;
        let metadata = KeyValueMetadata::from_static(vec![(
            CHECKSUM_KEY.to_string(),
            UNSET_CHECKSUM.to_string(),
        )]);
        ParquetWriter::new(out.file())
            .with_compression(ParquetCompression::Zstd(None))
            .with_key_value_metadata(Some(metadata))
            .finish(labels)
            .with_context(|| format!("cannot write {}", labels_path.display()))?;
        seal(out)?;
    } else if labels_path.exists() {
        // A stale labels file from an earlier store must not be read back.
        std::fs::remove_file(&labels_path)
            .with_context(|| format!("cannot remove {}", labels_path.display()))?;
    }
    Ok(())
}

/// Writes the checksum of the complete file in its place, then renames the
/// file over its target.
fn seal(mut out: OutputFile) -> Result<()> {
    let path = out.temp_path().to_path_buf();
    let fail = || format!("cannot write {}", path.display());
    let file = out.file();
    file.flush().with_context(fail)?;
    let len = file.seek(SeekFrom::End(0)).with_context(fail)?;
    let at = checksum_offset(file, len)
        .map_err(|reason| anyhow!("{reason}"))
        .with_context(fail)?;
    let digest = file_checksum(file, len, at).with_context(fail)?;
    file.seek(SeekFrom::Start(at)).with_context(fail)?;
    file.write_all(digest.as_bytes()).with_context(fail)?;
    out.commit()
}

/// Where the checksum's 32 characters are in the file: in the footer, right
/// after the checksum key. Every size read from the file is checked against
/// the file's length before anything is allocated for it.
fn checksum_offset(file: &mut File, len: u64) -> Result<u64, String> {
    let tail_len = 8u64;
    if len < 12 + tail_len {
        return Err(format!("{len} bytes is too short for a Parquet file"));
    }
    let mut tail = [0u8; 8];
    read_at(file, len - tail_len, &mut tail)?;
    if &tail[4..] != b"PAR1" {
        return Err("it does not end like a Parquet file (no PAR1)".into());
    }
    let footer_len = u64::from(u32::from_le_bytes(tail[..4].try_into().expect("4 bytes")));
    if footer_len + tail_len + 4 > len {
        return Err(format!(
            "its footer claims {footer_len} bytes, more than the file holds"
        ));
    }
    let footer_start = len - tail_len - footer_len;
    let mut footer = vec![0u8; footer_len as usize];
    read_at(file, footer_start, &mut footer)?;
    let key = memchr::memmem::rfind(&footer, CHECKSUM_KEY.as_bytes())
        .ok_or("it has no tracelint checksum (not a store, or one written before store version 2: ingest again)")?;
    // Thrift's compact encoding puts a field header and the length between
    // the key and its value.
    let after_key = key + CHECKSUM_KEY.len();
    let window = &footer[after_key..footer.len().min(after_key + 8 + UNSET_CHECKSUM.len())];
    let value = (0..window.len().min(8))
        .find(|&skip| {
            window[skip..]
                .get(..UNSET_CHECKSUM.len())
                .is_some_and(|v| v.iter().all(u8::is_ascii_hexdigit))
        })
        .ok_or("its checksum is damaged")?;
    Ok(footer_start + (after_key + value) as u64)
}

fn read_at(file: &mut File, at: u64, buf: &mut [u8]) -> Result<(), String> {
    file.seek(SeekFrom::Start(at))
        .and_then(|_| file.read_exact(buf))
        .map_err(|e| format!("cannot read it: {e}"))
}

/// xxh3-128 of the file's bytes, the checksum's own place read as zeros,
/// in lower-case hex.
fn file_checksum(file: &mut File, len: u64, checksum_at: u64) -> std::io::Result<String> {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    file.seek(SeekFrom::Start(0))?;
    let mut buffer = vec![0u8; 1 << 16];
    let mut position = 0u64;
    let hole = checksum_at..checksum_at + UNSET_CHECKSUM.len() as u64;
    while position < len {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let chunk = &mut buffer[..n];
        for (i, byte) in chunk.iter_mut().enumerate() {
            if hole.contains(&(position + i as u64)) {
                *byte = b'0';
            }
        }
        hasher.update(chunk);
        position += n as u64;
    }
    Ok(format!("{:032x}", hasher.digest128()))
}

/// Checks a file's checksum before it is parsed.
fn verify(path: &Path) -> Result<(), String> {
    let mut file = File::open(path).map_err(|e| format!("cannot open it: {e}"))?;
    let len = file
        .metadata()
        .map_err(|e| format!("cannot read it: {e}"))?
        .len();
    let at = checksum_offset(&mut file, len)?;
    let mut stored = [0u8; 32];
    read_at(&mut file, at, &mut stored)?;
    let computed = file_checksum(&mut file, len, at).map_err(|e| format!("cannot read it: {e}"))?;
    if stored != computed.as_bytes() {
        return Err("checksum mismatch: the file changed after it was written".into());
    }
    Ok(())
}

/// Reads a verified Parquet file; a panic of the reader (on any of its
/// threads) is a refusal like any other.
fn read_parquet(path: &Path) -> Result<(DataFrame, Vec<KeyValue>), String> {
    let read = std::panic::catch_unwind(|| {
        let file = File::open(path).map_err(|e| format!("cannot open it: {e}"))?;
        let mut reader = ParquetReader::new(file);
        let metadata = reader
            .get_metadata()
            .map_err(|e| format!("not Parquet: {e}"))?
            .key_value_metadata()
            .clone()
            .unwrap_or_default();
        let frame = reader
            .finish()
            .map_err(|e| format!("cannot decode it: {e}"))?;
        Ok((frame, metadata))
    });
    read.unwrap_or_else(|_| Err("the Parquet reader failed on it".into()))
}

/// The frame's columns and types are `expected`'s, in order.
fn same_schema(frame: &DataFrame, expected: &DataFrame) -> Result<(), String> {
    let show = |frame: &DataFrame| {
        frame
            .schema()
            .iter()
            .map(|(name, dtype)| format!("{name} {dtype}"))
            .collect::<Vec<_>>()
    };
    let (got, want) = (show(frame), show(expected));
    if got != want {
        return Err(format!(
            "its columns are not the store's: [{}], expected [{}]",
            got.join(", "),
            want.join(", ")
        ));
    }
    Ok(())
}

/// Where the labels of the store at `path` are kept.
pub fn labels_path(path: &Path) -> PathBuf {
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!("{stem}.labels.parquet"))
}

/// Reads a store, refusing any file that is not one exactly as written.
/// Errors read "not a valid tracelint store: FILE (reason)".
pub fn read_store(path: &Path) -> Result<Store> {
    let invalid = |file: &Path, reason: String| {
        anyhow!("not a valid tracelint store: {} ({reason})", file.display())
    };
    if !path.exists() {
        bail!("cannot open store {}: no such file", path.display());
    }
    verify(path).map_err(|reason| invalid(path, reason))?;
    let (events, metadata) = read_parquet(path).map_err(|reason| invalid(path, reason))?;
    let value_of = |key: &str| {
        metadata
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| kv.value.clone())
    };
    let version = value_of(VERSION_KEY).ok_or_else(|| invalid(path, "no store version".into()))?;
    if version != STORE_VERSION {
        return Err(invalid(
            path,
            format!("a store of version {version}; this tracelint reads version {STORE_VERSION}: ingest again"),
        ));
    }
    let ingest: IngestSummary = serde_json::from_str(&value_of(SUMMARY_KEY).unwrap_or_default())
        .map_err(|e| invalid(path, format!("unreadable ingest summary: {e}")))?;
    same_schema(&events, &events_to_frame(&[])?).map_err(|reason| invalid(path, reason))?;
    let events = in_store_order(events)?;
    let labels_path = labels_path(path);
    let empty_labels = labels_to_frame(&[])?;
    let labels = if labels_path.exists() {
        verify(&labels_path).map_err(|reason| invalid(&labels_path, reason))?;
        let (labels, _) =
            read_parquet(&labels_path).map_err(|reason| invalid(&labels_path, reason))?;
        same_schema(&labels, &empty_labels).map_err(|reason| invalid(&labels_path, reason))?;
        labels
    } else if ingest.labels > 0 {
        return Err(invalid(
            path,
            format!(
                "its {} labels are missing: {} is not beside it",
                ingest.labels,
                labels_path.display()
            ),
        ));
    } else {
        empty_labels
    };
    Ok(Store {
        events,
        labels,
        ingest,
    })
}

/// The frame sorted by trace id and seq, as the Store is in memory. A store
/// written in one piece is already; one written a partition at a time
/// (`StoreWriter`), or a partition an engine shuffled, has its rows in
/// another order.
pub fn in_store_order(events: DataFrame) -> Result<DataFrame> {
    let ids = events.column(columns::TRACE_ID)?.str()?;
    let mut previous: Option<&str> = None;
    let sorted = ids.iter().all(|id| {
        let in_order = previous <= id;
        previous = id;
        in_order
    });
    if sorted {
        return Ok(events);
    }
    Ok(events.sort(
        [columns::TRACE_ID, columns::SEQ],
        SortMultipleOptions::default().with_maintain_order(true),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_of(events: DataFrame) -> Store {
        Store {
            events,
            labels: labels_to_frame(&[]).unwrap(),
            ingest: IngestSummary::default(),
        }
    }

    #[test]
    fn a_sealed_file_of_other_columns_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.parquet");
        // Intact, checksummed, versioned, but the events are the labels'.
        write_store(&mut store_of(labels_to_frame(&[]).unwrap()), &path).unwrap();
        let error = read_store(&path).err().unwrap().to_string();
        assert!(
            error.starts_with(&format!("not a valid tracelint store: {}", path.display()))
                && error.contains("its columns are not the store's"),
            "{error}"
        );
        write_store(&mut store_of(events_to_frame(&[]).unwrap()), &path).unwrap();
        assert_eq!(read_store(&path).unwrap().events.height(), 0);
    }

    #[test]
    fn the_checksum_covers_every_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.parquet");
        write_store(&mut store_of(events_to_frame(&[]).unwrap()), &path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        for at in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x01;
            std::fs::write(&path, &flipped).unwrap();
            assert!(
                read_store(&path).is_err(),
                "a flip at byte {at} was accepted"
            );
        }
    }
}
