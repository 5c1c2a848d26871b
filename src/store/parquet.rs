//! The Store on disk: one Parquet file with the ingest summary in its
//! key-value metadata, so a store reports the same run summary as the raw
//! files it was made from; corpus labels, when there are any, in a second
//! file beside it (`X.parquet` → `X.labels.parquet`).

use anyhow::{Context, Result};
use polars::prelude::{
    KeyValueMetadata, ParquetCompression, ParquetReader, ParquetWriter, SerReader,
};
use std::fs::File;
use std::path::{Path, PathBuf};

use super::Store;
use crate::ingest::report::IngestSummary;
use crate::labels::labels_to_frame;

const SUMMARY_KEY: &str = "tracelint.ingest_summary";
const VERSION_KEY: &str = "tracelint.store_version";
/// Bumped when columns change meaning or type.
const STORE_VERSION: &str = "1";

pub fn write_store(store: &mut Store, path: &Path) -> Result<()> {
    let summary = serde_json::to_string(&store.ingest)?;
    let metadata = KeyValueMetadata::from_static(vec![
        (SUMMARY_KEY.to_string(), summary),
        (VERSION_KEY.to_string(), STORE_VERSION.to_string()),
    ]);
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .with_key_value_metadata(Some(metadata))
        .finish(&mut store.events)
        .with_context(|| format!("cannot write {}", path.display()))?;
    let labels_path = labels_path(path);
    if store.labels.height() > 0 {
        let file = File::create(&labels_path)
            .with_context(|| format!("cannot create {}", labels_path.display()))?;
        ParquetWriter::new(file)
            .with_compression(ParquetCompression::Zstd(None))
            .finish(&mut store.labels)
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
    let events = reader
        .finish()
        .with_context(|| format!("cannot read {}", path.display()))?;
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
