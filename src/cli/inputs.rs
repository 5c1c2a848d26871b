//! Input options shared by every command that reads traces, and loading
//! the Store from raw files or from a Parquet store.

use anyhow::{bail, Result};
use clap::Args;
use std::path::PathBuf;

use crate::ingest::{formats, report::IngestReport, IngestOptions};
use crate::store::{read_store, Store};

#[derive(Args, Debug)]
pub struct InputArgs {
    /// Trace files, directories (read recursively), globs, or - for stdin.
    /// Gzip and zstd files are decompressed.
    pub paths: Vec<String>,

    /// Read a Parquet store written by `tracelint ingest` instead of raw files.
    #[arg(long, value_name = "STORE", conflicts_with = "paths")]
    pub store: Option<PathBuf>,

    /// Force an input format instead of sniffing it from each file's content.
    #[arg(long, value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(formats::names()))]
    pub format: Option<String>,

    /// Exit 2 if any record was skipped.
    #[arg(long)]
    pub strict: bool,

    /// Characters of each text kept as its excerpt.
    #[arg(long, value_name = "N", default_value_t = IngestOptions::default().excerpt_chars)]
    pub excerpt_chars: usize,

    /// Largest record (a line, or a whole document) read, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = IngestOptions::default().max_record_bytes)]
    pub max_record_bytes: usize,

    /// Print nothing on stderr but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

impl InputArgs {
    fn ingest_options(&self) -> IngestOptions {
        IngestOptions {
            excerpt_chars: self.excerpt_chars,
            max_record_bytes: self.max_record_bytes,
            format: self.format.as_deref().and_then(formats::by_name),
            progress: !self.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        }
    }

    /// The Store, from `--store` or by ingesting the paths. Skipped and
    /// repaired records are reported on stderr.
    pub fn load(&self) -> Result<Store> {
        if let Some(path) = &self.store {
            return read_store(path);
        }
        if self.paths.is_empty() {
            bail!(
                "no input: give trace files, directories, globs or - for stdin, or --store STORE"
            );
        }
        let (store, report) = Store::ingest(&self.paths, &self.ingest_options())?;
        if !self.quiet {
            print_diagnostics(&report);
        }
        Ok(store)
    }

    /// Exit 2 under `--strict` when records were skipped.
    pub fn strict_failure(&self, store: &Store) -> bool {
        if self.strict && store.ingest.skipped > 0 {
            eprintln!(
                "tracelint: --strict: {} record(s) skipped, exiting with 2",
                store.ingest.skipped
            );
            return true;
        }
        false
    }
}

fn print_diagnostics(report: &IngestReport) {
    for diagnostic in &report.diagnostics {
        eprintln!("tracelint: {diagnostic}");
    }
    for (reason, more) in report.unshown() {
        eprintln!("tracelint: ... and {more} more ({reason})");
    }
    let s = &report.summary;
    if s.skipped > 0 || s.repaired > 0 {
        eprintln!(
            "tracelint: {} records read from {} files: {} ingested, {} skipped, {} repaired",
            s.records_read, s.files, s.ingested, s.skipped, s.repaired
        );
    }
}
