//! The Store on disk: one Parquet file with the ingest summary in its
//! key-value metadata, so a store reports the same run summary as the raw
//! files it was made from; corpus labels, when there are any, in a second
//! file beside it (`X.parquet` → `X.labels.parquet`).

use anyhow::{Context, Result};
use polars::io::parquet::write::BatchedWriter;
use polars::prelude::{
    DataFrame, KeyValueMetadata, ParquetCompression, ParquetReader, ParquetWriter, SerReader,
    SortMultipleOptions,
};
use polars_parquet::arrow::write::schema_to_metadata_key;
use polars_parquet::write::KeyValue;
use std::fs::File;
use std::path::{Path, PathBuf};

use super::{columns, events_to_frame, Store};
use crate::accounting::IngestSummary;
use crate::labels::labels_to_frame;

const SUMMARY_KEY: &str = "tracelint.ingest_summary";
const VERSION_KEY: &str = "tracelint.store_version";
/// Bumped when columns change meaning or type.
const STORE_VERSION: &str = "1";

pub fn write_store(store: &mut Store, path: &Path) -> Result<()> {
    let metadata = KeyValueMetadata::from_static(
        store_metadata(&store.ingest)?
            .into_iter()
            .filter_map(|kv| Some((kv.key, kv.value?)))
            .collect(),
    );
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .with_key_value_metadata(Some(metadata))
        .finish(&mut store.events)
        .with_context(|| format!("cannot write {}", path.display()))?;
    write_labels(&mut store.labels, path)
}

/// The footer entries that make a Parquet file a store: its version and
/// the ingest summary.
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
    ])
}

/// A store written a partition at a time, for inputs larger than memory
/// (`tracelint ingest` with partitions): each partition's frame is written
/// as it is assembled, and the ingest summary, complete only after the last
/// one, goes in the footer. Each trace's rows stay together in seq order;
/// traces come in partition order, which `read_store` sorts.
pub struct StoreWriter {
    path: PathBuf,
    /// Opened with the first frame, whose schema it takes.
    writer: Option<BatchedWriter<File>>,
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
        let writer = match &mut self.writer {
            Some(writer) => writer,
            None => {
                let file = File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                self.writer.insert(
                    ParquetWriter::new(file)
                        .with_compression(ParquetCompression::Zstd(None))
                        .batched(events.schema())
                        .with_context(|| format!("cannot write {}", path.display()))?,
                )
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
        let writer = self.writer.take().expect("opened above");
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
        write_labels(labels, &self.path)
    }
}

/// The labels file beside the store at `path`, or none when there are no
/// labels (a stale one is removed).
fn write_labels(labels: &mut DataFrame, path: &Path) -> Result<()> {
    let labels_path = labels_path(path);
    if labels.height() > 0 {
        let file = File::create(&labels_path)
            .with_context(|| format!("cannot create {}", labels_path.display()))?;
        ParquetWriter::new(file)
            .with_compression(ParquetCompression::Zstd(None))
            .finish(labels)
            .with_context(|| format!("cannot write {}", labels_path.display()))?;
    } else if labels_path.exists() {
        // A stale labels file from an earlier store must not be read back.
        std::fs::remove_file(&labels_path)
            .with_context(|| format!("cannot remove {}", labels_path.display()))?;
    }
    Ok(())
}

/// Where the labels of the store at `path` are kept.
pub fn labels_path(path: &Path) -> PathBuf {
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!("{stem}.labels.parquet"))
}

pub fn read_store(path: &Path) -> Result<Store> {
    let file = File::open(path).with_context(|| format!("cannot open store {}", path.display()))?;
    let mut reader = ParquetReader::new(file);
    let metadata = reader
        .get_metadata()
        .with_context(|| format!("{} is not a Parquet file", path.display()))?
        .clone();
    let value_of = |key: &str| {
        metadata
            .key_value_metadata()
            .as_ref()?
            .iter()
            .find(|kv| kv.key == key)?
            .value
            .clone()
    };
    let version = value_of(VERSION_KEY).with_context(|| {
        format!(
            "{} is a Parquet file but not a tracelint store",
            path.display()
        )
    })?;
    anyhow::ensure!(
        version == STORE_VERSION,
        "{} is a store of version {version}; this tracelint reads version {STORE_VERSION}: ingest again",
        path.display()
    );
    let ingest: IngestSummary = serde_json::from_str(&value_of(SUMMARY_KEY).unwrap_or_default())
        .with_context(|| format!("{}: unreadable ingest summary", path.display()))?;
    let events = in_store_order(
        reader
            .finish()
            .with_context(|| format!("cannot read {}", path.display()))?,
    )?;
    let labels_path = labels_path(path);
    let labels = if labels_path.exists() {
        let file = File::open(&labels_path)
            .with_context(|| format!("cannot open {}", labels_path.display()))?;
        ParquetReader::new(file)
            .finish()
            .with_context(|| format!("cannot read {}", labels_path.display()))?
    } else {
        labels_to_frame(&[])?
    };
    Ok(Store {
        events,
        labels,
        ingest,
    })
}

/// The frame sorted by trace id and seq, as the Store is in memory. A store
/// written in one piece is already; one written a partition at a time
/// (`StoreWriter`) has its traces in partition order.
fn in_store_order(events: DataFrame) -> Result<DataFrame> {
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
